"""Rule-language pieces for listening and escalation: a category's own pass_mark, repetition by
sentence (with `phrases` and `unless`) and by data value, and the `cut_offs` metric."""

from __future__ import annotations

import textwrap

import pytest

from cx_audit.engine import CompiledRuleset
from cx_audit.engine.values import data_values, mostly_number
from cx_audit.errors import RulesetError
from cx_audit.model import Transcript, Turn
from cx_audit.ruleset import load_ruleset, parse_ruleset
from cx_audit.ruleset.schema import schema_text

HEADER = """\
id: t
language: en
categories:
  listening: {weight: 2, pass_mark: 90}
  courtesy: {weight: 1}
rules:
"""


def rule(body: str) -> str:
    """Rules written at column 0, each given message, tip and source, indented under `rules:`."""
    body = textwrap.dedent(body).replace("\n- id:", "\n  message: m\n  tip: t\n  source: s\n- id:")
    return textwrap.indent(body + "  message: m\n  tip: t\n  source: s\n", "  ")


REPEATS = rule("""\
- id: repeats
  category: listening
  kind: repetition
  unit: sentence
  threshold: 85
  min_words: 4
  unless: ["thank you", "thanks"]
""")
ASKS_AGAIN = rule("""\
- id: asks-again
  category: listening
  kind: repetition
  scope: {speaker: agent}
  unit: sentence
  phrases: ["can i get your"]
  min_words: 3
""")
GIVEN_AGAIN = rule("""\
- id: given-again
  category: listening
  kind: repetition
  unit: value
  phrases: ["can i get your", "what's your"]
  unless: ["by the way"]
""")
CUT_OFFS = rule("""\
- id: talked-over
  category: listening
  kind: metric
  metric: cut_offs
  seconds: 1
  max: 0
  weight: 3
""")
FILLER = rule("""\
- id: repeat-words
  category: listening
  kind: forbid
  scope: {speaker: customer}
  phrases: ["as i said"]
  weight: 20
- id: greeting
  category: courtesy
  kind: require
  phrases: ["hello"]
""")


def conv(*turns, channel: str = "", times: list[tuple[float, float]] | None = None) -> Transcript:
    built = [Turn(role, text) for role, text in turns]
    for turn, (start, end) in zip(built, times or []):
        turn.start, turn.end = start, end
    return Transcript("c", "test", built, channel=channel)


def outcome(ruleset_text: str, transcript: Transcript, rule_id: str):
    engine = CompiledRuleset(parse_ruleset(HEADER + ruleset_text, "t.yaml"))
    return next(o for o in engine.evaluate(transcript) if o.rule == rule_id)


def problems(text: str) -> list[str]:
    with pytest.raises(RulesetError) as err:
        parse_ruleset(text, "team.yaml")
    return err.value.problems


# ---- a category's own pass mark ---------------------------------------------------------------


def test_category_pass_mark_fails_a_category_the_ruleset_mark_would_pass():
    ruleset = parse_ruleset(HEADER + CUT_OFFS + FILLER, "t.yaml")
    assert ruleset.categories["listening"].pass_mark == 90 and ruleset.categories["courtesy"].pass_mark is None
    cut = conv(("agent", "hello"), ("customer", "my bill doubled and --"), ("agent", "Account number?"))
    result = CompiledRuleset(ruleset).score(cut)
    listening = result.categories["listening"]
    assert listening.score == pytest.approx(86.96, abs=0.01)  # 20 of 23: above the ruleset's 70
    assert listening.passed is False
    assert result.categories["courtesy"].passed is True
    relaxed = parse_ruleset((HEADER + CUT_OFFS + FILLER).replace(", pass_mark: 90", ""), "t.yaml")
    assert CompiledRuleset(relaxed).score(cut).categories["listening"].passed is True


def test_category_pass_mark_out_of_range_is_located():
    text = HEADER.replace("pass_mark: 90", "pass_mark: 120") + FILLER
    (line,) = problems(text)
    assert line.startswith("team.yaml:4:") and "pass_mark" in line


def test_extending_ruleset_changes_only_the_category_pass_mark(tmp_path):
    (tmp_path / "base.yaml").write_text(HEADER + FILLER, encoding="utf-8")
    (tmp_path / "team.yaml").write_text("extends: base.yaml\nid: team\ncategories:\n  listening: {pass_mark: 75}\n", encoding="utf-8")
    team = load_ruleset(str(tmp_path / "team.yaml"))
    assert team.categories["listening"].pass_mark == 75 and team.categories["listening"].weight == 2


def test_built_in_rulesets_fail_listening_on_one_major_failure():
    for name, text in (("es", "Vamos al grano, ¿su número de póliza?"), ("en", "Let me stop you there, what's your policy number?")):
        engine = CompiledRuleset(load_ruleset(name))
        agent_label = "agent"
        result = engine.score(conv((agent_label, "Hello" if name == "en" else "Hola"), ("customer", "My pipe burst and"), (agent_label, text)))
        assert result.categories["listening"].passed is False, name


# ---- repetition by sentence -------------------------------------------------------------------


def test_sentence_unit_finds_a_request_repeated_inside_a_longer_turn():
    talk = conv(
        ("customer", "The bill is wrong. I want to speak to a manager right now."),
        ("agent", "I can look at it."),
        ("customer", "Your colleagues said that last time. I want to speak to a manager, please."),
    )
    found = outcome(REPEATS, talk, "repeats")
    assert found.status == "fail" and [e.turn for e in found.evidence] == [3]
    assert "turn 1" in found.evidence[0].match
    whole_turns = REPEATS.replace("    unit: sentence\n", "")
    assert outcome(whole_turns, talk, "repeats").status == "pass"


def test_sentences_of_one_turn_are_not_compared_and_unless_leaves_thanks_out():
    once = conv(("customer", "I want to cancel my plan today. I want to cancel my plan today!"), ("agent", "Done."))
    assert outcome(REPEATS, once, "repeats").status == "n/a"
    thanks = conv(("customer", "Thank you so much for your help."), ("agent", "Welcome."), ("customer", "Okay, thank you so much for your help."))
    assert outcome(REPEATS, thanks, "repeats").status == "n/a"
    assert outcome(REPEATS.replace('    unless: ["thank you", "thanks"]\n', ""), thanks, "repeats").status == "fail"


def test_numbers_read_out_are_not_requests_repeated():
    """Two different numbers read out share most of their words ("oh four one two…"); comparing
    them as requests found a repetition that was not one (holdout65 bm16 and bm20)."""
    numbers = conv(
        ("customer", "Oh four one two, five five eight, nine oh three."),
        ("agent", "And the fault reference?"),
        ("customer", "It's E six six one, oh two four, three nine eight."),
    )
    assert outcome(REPEATS, numbers, "repeats").status == "n/a"
    whole_turns = REPEATS.replace("    unit: sentence\n", "")
    assert outcome(whole_turns, numbers, "repeats").status == "n/a"
    request = conv(
        ("customer", "I want my refund of four hundred pounds."),
        ("agent", "One moment."),
        ("customer", "Please, I want my refund of four hundred pounds."),
    )
    assert outcome(REPEATS, request, "repeats").status == "fail"  # a request that holds a number still counts


@pytest.mark.parametrize("sentence, expected", [
    ("oh four one two five five eight nine oh three", True),
    ("it s e six six one oh two four three nine eight", True),
    ("es el cero cuatro tres dos uno", True),
    ("it s 6 0 0 4 1 8 7 7 3", True),
    ("i want my refund of four hundred pounds", False),
    ("quiero hablar con un responsable", False),
    ("", False),
])
def test_mostly_number(sentence, expected):
    assert mostly_number(sentence) is expected


def test_phrases_restrict_the_compared_sentences():
    again = conv(("agent", "Hi. Can I get your account number?"), ("customer", "4410."), ("agent", "Thanks. Can I get your account number?"))
    assert outcome(ASKS_AGAIN, again, "asks-again").status == "fail"
    other = conv(("agent", "Can I get your account number?"), ("customer", "4410."), ("agent", "Can I get your date of birth?"))
    assert outcome(ASKS_AGAIN, other, "asks-again").status == "pass"
    chit_chat = conv(("agent", "How is the weather there today?"), ("customer", "Fine."), ("agent", "How is the weather there today?"))
    assert outcome(ASKS_AGAIN, chit_chat, "asks-again").status == "n/a"


def test_unknown_unit_is_located_with_a_suggestion():
    (line,) = problems(HEADER + REPEATS.replace("unit: sentence", "unit: sentense"))
    assert line.startswith("team.yaml:10:") and "turn, sentence" in line and "did you mean 'sentence'" in line


# ---- repetition by data value ------------------------------------------------------------------


@pytest.mark.parametrize("text, values", [
    ("My account number is 4410-229.", {"4410229"}),
    ("call me on 600 123 456 or write to Ana.Ruiz@example.com", {"600123456", "ana.ruiz@example.com"}),
    ("DNI 48213377-K, ticket RC-774190", {"48213377k", "48213377", "774190", "rc774190"}),
    ("I paid 4.200 pesos", {"4200"}),
    ("in 2024 I paid 35 euros on the 12th at 10:30", set()),  # a year, prices, days and times are not data
    ("aphoenix939@email.com", {"aphoenix939@email.com"}),  # an e-mail's parts are not codes of their own
    ("no digits here", set()),
])
def test_data_values_are_normalised(text, values):
    assert data_values(text) == values


def test_value_unit_fails_a_detail_given_again_after_the_agent_asked_for_it():
    again = conv(
        ("customer", "Hi, I'm still being billed. My account number is 4410-229."),
        ("agent", "Okay, can I get your account number?"),
        ("customer", "I already gave you that. 4410 229."),
    )
    found = outcome(GIVEN_AGAIN, again, "given-again")
    assert found.status == "fail" and [e.turn for e in found.evidence] == [3]
    assert found.evidence[0].match == "= turn 1: 4410229"


def test_value_unit_leaves_read_backs_unprompted_mentions_and_excused_turns_alone():
    read_back = conv(
        ("customer", "My account number is 4410-229."),
        ("agent", "I have 4410-229, what's your postcode?"),
        ("customer", "Yes, 4410-229, and it's H2X 1Y4."),
    )
    assert outcome(GIVEN_AGAIN, read_back, "given-again").status == "pass"
    unprompted = conv(
        ("customer", "Order 88213 never came."),
        ("agent", "Sorry about that, let me look."),
        ("customer", "It's 88213, placed on Monday."),
    )
    nobody_asked = outcome(GIVEN_AGAIN, unprompted, "given-again")
    assert nobody_asked.status == "n/a" and nobody_asked.note == "no request for data"
    asked_for_another = conv(
        ("customer", "Order 88213 never came."),
        ("agent", "Sorry about that. What's your postcode?"),
        ("customer", "H2X 1Y4. It's 88213, placed on Monday."),
        ("agent", "Thanks, let me look."),
        ("customer", "Again, 88213."),
    )
    assert outcome(GIVEN_AGAIN, asked_for_another, "given-again").status == "fail"  # given again in answer to a request
    offered_again = conv(
        ("customer", "Order 88213 never came."),
        ("agent", "Thanks, let me look. What's your postcode?"),
        ("customer", "H2X 1Y4."),
        ("agent", "Right, I can see it."),
        ("customer", "So 88213 is lost?"),
    )
    assert outcome(GIVEN_AGAIN, offered_again, "given-again").status == "pass"  # said again, but not when asked
    any_turn_between = GIVEN_AGAIN.replace('    phrases: ["can i get your", "what\'s your"]\n', "")
    assert outcome(any_turn_between, unprompted, "given-again").status == "fail"
    excused = conv(
        ("customer", "Order 88213 never came."),
        ("agent", "What's your order number?"),
        ("customer", "By the way, 88213."),
    )
    assert outcome(GIVEN_AGAIN, excused, "given-again").status == "n/a"  # one turn left giving data
    excused_between = conv(
        ("customer", "Order 88213 never came."),
        ("agent", "What's your order number?"),
        ("customer", "By the way, 88213."),
        ("agent", "What's your order number?"),
        ("customer", "88213!"),
    )
    # the excused turn is still the customer's own, not a read-back by the agent
    assert outcome(GIVEN_AGAIN, excused_between, "given-again").status == "fail"
    once = conv(("customer", "Order 88213 never came."), ("agent", "Can I get your name?"), ("customer", "Ana Ruiz."))
    assert outcome(GIVEN_AGAIN, once, "given-again").status == "n/a"


def test_value_unit_counts_times_and_refuses_similarity_keys():
    thrice = conv(
        ("customer", "Order 88213."), ("agent", "Can I get your order number?"),
        ("customer", "88213."), ("agent", "Can I get your order number?"), ("customer", "88213!"),
    )
    assert outcome(GIVEN_AGAIN, thrice, "given-again").status == "fail"
    assert outcome(GIVEN_AGAIN.replace("    unit: value\n", "    unit: value\n    times: 3\n"), thrice, "given-again").status == "fail"
    twice = conv(("customer", "Order 88213."), ("agent", "Can I get your order number?"), ("customer", "88213."))
    assert outcome(GIVEN_AGAIN.replace("    unit: value\n", "    unit: value\n    times: 3\n"), twice, "given-again").status == "pass"
    lines = problems(HEADER + GIVEN_AGAIN.replace("    unit: value\n", "    unit: value\n    threshold: 90\n    min_words: 2\n"))
    assert [line.split(": ", 1)[0] for line in lines] == ["team.yaml:11:5", "team.yaml:12:5"]
    assert all("does nothing with 'unit: value'" in line for line in lines)


# ---- the cut_offs metric ----------------------------------------------------------------------


@pytest.mark.parametrize("ending, expected", [
    ("and the technician left the cables --", "fail"),
    ("and now they're saying I have to —", "fail"),
    ("and I don't know if -", "fail"),
    ("and the cables were...", "pass"),  # trailing off: without times an ellipsis is no cut-off
    ("and that's all I know.", "pass"),
    ("is that right?", "pass"),
    ("well-known", "pass"),
])
def test_cut_off_marks_in_an_untimed_call(ending, expected):
    call = conv(("agent", "Hello."), ("customer", f"My heating broke {ending}"), ("agent", "Account number?"))
    assert outcome(CUT_OFFS, call, "talked-over").status == expected


def test_a_chat_message_arrives_whole():
    turns = (("agent", "Hello."), ("customer", "so my transfer got rejected because --"), ("agent", "Let me check."))
    assert outcome(CUT_OFFS, conv(*turns, channel="chat"), "talked-over").status == "pass"
    assert outcome(CUT_OFFS, conv(*turns, channel="voice"), "talked-over").status == "fail"


def test_times_decide_overlaps_and_ellipses():
    turns = (("agent", "Hello."), ("customer", "My flight was cancelled and I paid the hotel myself, so..."), ("agent", "Booking reference?"))
    waited = conv(*turns, times=[(0, 3), (4, 20), (21, 24)])
    assert outcome(CUT_OFFS, waited, "talked-over").status == "pass"  # the "..." was waited out
    overlapped = conv(*turns, times=[(0, 3), (4, 20), (15, 18)])
    assert outcome(CUT_OFFS, overlapped, "talked-over").status == "fail"
    plain = (("agent", "Hello."), ("customer", "My flight was cancelled and I paid the hotel myself."), ("agent", "Booking reference?"))
    assert outcome(CUT_OFFS, conv(*plain, times=[(0, 3), (4, 20), (19.5, 22)]), "talked-over").status == "pass"  # half a second
    assert outcome(CUT_OFFS, conv(*plain, times=[(0, 3), (4, 20), (18, 22)]), "talked-over").status == "fail"


def test_schema_knows_the_new_keys():
    import json

    schema = json.loads(schema_text())
    assert "pass_mark" in schema["definitions"]["category"]["properties"]
    assert schema["definitions"]["rule"]["properties"]["unit"]["enum"] == ["turn", "sentence", "value"]
    assert "cut_offs" in schema["definitions"]["rule"]["properties"]["metric"]["enum"]
