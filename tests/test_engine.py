"""The engine's verdicts on conversations: what a QA analyst relies on when reading a score."""

from __future__ import annotations

import pytest

from cx_audit.engine import CompiledRuleset, detect_language
from cx_audit.model import Transcript, Turn
from cx_audit.normalize import fold, original_words
from cx_audit.ruleset import load_ruleset, parse_ruleset
from cx_audit.errors import RulesetError
from tests.conftest import CORE_RULESET


@pytest.fixture(scope="module")
def engine() -> CompiledRuleset:
    return CompiledRuleset(load_ruleset(str(CORE_RULESET)))


def conv(*turns, times=False) -> Transcript:
    built = []
    for k, (role, text) in enumerate(turns):
        built.append(Turn(role, text, start=k * 5.0 if times else None, end=k * 5.0 + 4 if times else None))
    return Transcript("c", "test", built)


def outcome(engine, transcript, rule_id):
    return next(o for o in engine.evaluate(transcript) if o.rule == rule_id)


def test_fold_removes_case_accents_and_punctuation():
    assert fold("¡Lo que SÍ puedo, señor!") == "lo que si puedo senor"
    assert fold("cancio\u0301n") == "cancion"  # a separately typed accent folds away too


def test_evidence_is_the_original_words():
    text = "Bueno... ¡Lo que SÍ puedo hacer, señor!"
    folded = fold(text)
    start = folded.index("lo que si puedo")
    assert original_words(text, folded, start, start + len("lo que si puedo")) == "Lo que SÍ puedo"


def test_forbid_matches_whole_words_only(engine):
    assert outcome(engine, conv(("agent", "Le envío la nota ahora.")), "flat-refusal").status == "pass"
    assert outcome(engine, conv(("agent", "No.")), "flat-refusal").status == "fail"


def test_unless_excuses_only_the_overlapping_match(engine):
    assert outcome(engine, conv(("agent", "No se preocupe, no hay problema.")), "flat-refusal").status == "pass"
    result = outcome(engine, conv(("agent", "No se preocupe, pero no podemos hacerlo.")), "flat-refusal")
    assert result.status == "fail"
    assert result.evidence[0].match == "no podemos"  # the longest match at that place
    assert result.evidence[0].turn == 1


def test_customer_words_never_count_against_the_agent(engine):
    assert outcome(engine, conv(("customer", "No se puede, es imposible."), ("agent", "Lo que sí puedo hacer es ayudarle.")), "flat-refusal").status == "pass"


def test_adding_a_customer_turn_does_not_change_an_agent_verdict(engine):
    base = conv(("agent", "Buenos días."), ("agent", "No podemos."))
    more = conv(("agent", "Buenos días."), ("customer", "No, no y no."), ("agent", "No podemos."))
    assert [o.status for o in engine.evaluate(base)] == [o.status for o in engine.evaluate(more)]


def test_fuzzy_accepts_typos_and_rejects_other_words(engine):
    angry = ("customer", "Estoy harto de esto.")
    assert outcome(engine, conv(angry, ("agent", "Entiendo su frustacion, señora.")), "acknowledge").status == "pass"
    assert outcome(engine, conv(angry, ("agent", "entiendo su frustracion")), "acknowledge").status == "pass"
    assert outcome(engine, conv(angry, ("agent", "Entiendo su factura.")), "acknowledge").status == "fail"


def test_respond_is_na_without_trigger_and_respects_within(engine):
    assert outcome(engine, conv(("agent", "Hola.")), "acknowledge").status == "n/a"
    late = conv(("customer", "Es una vergüenza."), ("agent", "Veamos."), ("customer", "¿Y?"), ("agent", "Lo lamento."))
    result = outcome(engine, late, "acknowledge")
    assert result.status == "fail" and result.evidence[0].turn == 1


def test_require_with_first_turns_scope(engine):
    assert outcome(engine, conv(("agent", "Buenos días."), ("agent", "Hola.")), "greeting").status == "pass"
    assert outcome(engine, conv(("agent", "Hola."), ("agent", "Buenos días.")), "greeting").status == "fail"
    assert outcome(engine, conv(("customer", "Hola.")), "greeting").status == "n/a"


def test_repetition_finds_a_request_made_twice(engine):
    ask = "quiero que me devuelvan el dinero de la factura"
    result = outcome(engine, conv(("customer", ask), ("agent", "Veamos."), ("customer", "Le repito, " + ask)), "repeated-request")
    assert result.status == "fail" and result.evidence[0].turn == 3
    other = conv(("customer", ask), ("agent", "Veamos."), ("customer", "gracias, muy amable por la ayuda de hoy"))
    assert outcome(engine, other, "repeated-request").status == "pass"


def test_metric_needs_times_and_counts_overlaps(engine):
    assert outcome(engine, conv(("customer", "a b c"), ("agent", "d")), "interruptions").status == "n/a"
    tr = Transcript("c", "t", [Turn("customer", "largo", start=0, end=10), Turn("agent", "perdón", start=4, end=6)])
    result = outcome(engine, tr, "interruptions")
    assert result.status == "fail" and "interruptions = 1" in result.note


def test_scores_weights_and_critical_auto_fail(engine):
    good = engine.score(conv(("agent", "Buenos días. Le propongo una revisión.")))
    assert good.score == 100.0 and good.passed and not good.auto_failed
    assert good.categories["empathy"].score == 100.0  # calm-down passed; acknowledge is n/a
    assert good.categories["listening"].score is None  # repetition and metric both n/a
    bad = engine.score(conv(("agent", "Hola. Cálmese, no podemos.")))
    # saying-no: 0 of 3; empathy: 0 of 1 (acknowledge n/a); courtesy: 0 of 1 -> all 0
    assert bad.categories["saying-no"].score == 0.0 and bad.score == 0.0
    assert bad.auto_failed and not bad.passed
    mixed = engine.score(conv(("agent", "Buenos días. No podemos. Lo que sí puedo hacer es esto.")))
    # saying-no: alternative (1) passed of 3 -> 33.33; empathy 100; courtesy 100.
    assert mixed.categories["saying-no"].score == 33.33
    assert mixed.score == round((33.33 * 2 + 100 + 100) / 4, 2)
    assert not mixed.passed


def test_disabled_rules_never_run():
    text = CORE_RULESET.read_text()
    rs = parse_ruleset(text.replace("    severity: critical\n", "    severity: critical\n    enabled: false\n"), "x.yaml")
    assert "calm-down" not in [o.rule for o in CompiledRuleset(rs).evaluate(conv(("agent", "Cálmese.")))]


def test_language_detection():
    assert detect_language(conv(("agent", "Buenos días, ¿en qué puedo ayudarle?"), ("customer", "Tengo un problema con la factura"))) == "es"
    assert detect_language(conv(("agent", "Thank you for calling, how can I help you?"), ("customer", "My bill is wrong"))) == "en"
    assert detect_language(conv(("agent", "123 456"))) == ""


def test_repetition_across_block_boundaries_and_in_very_long_calls(engine):
    import tracemalloc

    import random

    rng = random.Random(7)
    syllables = ["ba", "ke", "li", "mo", "nu", "pa", "re", "si", "to", "vu", "za", "ge"]

    def word() -> str:
        return "".join(rng.choice(syllables) for _ in range(3))

    filler = [("customer", " ".join(word() for _ in range(6))) for _ in range(100)]
    ask = ("customer", "quiero que me devuelvan el dinero de la factura")
    turns = filler[:60] + [ask] + filler[60:70] + [ask]  # the request at eligible turns 61 and 72
    result = outcome(engine, conv(*turns), "repeated-request")
    assert result.status == "fail" and [e.turn for e in result.evidence] == [72]
    # 20,000 customer turns: bounded work and memory (the old all-pairs matrix needed ~1.6 GB).
    long_call = conv(*[("customer", " ".join(word() for _ in range(6))) for _ in range(20000)])
    tracemalloc.start()
    outcome(engine, long_call, "repeated-request")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 200 * 1024 * 1024


RESPOND_RULESET = """\
id: t
language: en
categories:
  empathy: {}
rules:
  - id: ack
    category: empathy
    kind: respond
    trigger: {phrases: ["fed up", "upset"], unless: ["not upset"]}
    within: 1
    phrases: ["sorry"]
    message: m
    tip: t
    source: s
"""


def test_respond_each_false_needs_one_answered_trigger():
    complaint_twice = conv(("customer", "I'm fed up."), ("agent", "I'm sorry, let me fix it."), ("customer", "Still fed up."), ("agent", "Done."))
    each = CompiledRuleset(parse_ruleset(RESPOND_RULESET, "t.yaml"))
    once = CompiledRuleset(parse_ruleset(RESPOND_RULESET + "    each: false\n", "t.yaml"))
    assert outcome(each, complaint_twice, "ack").status == "fail"
    assert outcome(once, complaint_twice, "ack").status == "pass"
    never = conv(("customer", "I'm fed up."), ("agent", "Ok."), ("customer", "Still fed up."), ("agent", "Done."))
    failed = outcome(once, never, "ack")
    assert failed.status == "fail" and [e.turn for e in failed.evidence] == [1, 3]


def test_respond_before_counts_an_answer_given_shortly_before_the_trigger():
    # The agent apologised for a problem the trigger does not know; the complaint that follows is covered.
    earlier = conv(("customer", "The parcel came open."), ("agent", "I'm sorry, let me check."), ("customer", "I'm fed up."), ("agent", "Done."))
    plain = CompiledRuleset(parse_ruleset(RESPOND_RULESET, "t.yaml"))
    before = CompiledRuleset(parse_ruleset(RESPOND_RULESET + "    before: 2\n", "t.yaml"))
    assert outcome(plain, earlier, "ack").status == "fail"
    answered = outcome(before, earlier, "ack")
    assert answered.status == "pass" and answered.evidence[0].turn == 2
    too_early = conv(("customer", "The parcel came open."), ("agent", "I'm sorry, let me check."), ("customer", "Ok."),
                     ("agent", "Found it."), ("customer", "I'm fed up."), ("agent", "Done."))
    assert outcome(before, too_early, "ack").status == "fail"  # four turns back is beyond before: 2


def test_respond_before_needs_expect_present():
    with pytest.raises(RulesetError) as err:
        parse_ruleset(RESPOND_RULESET + "    expect: absent\n    before: 2\n", "t.yaml")
    assert "t.yaml:16:13: rule 'ack': 'before' needs 'expect: present'" in str(err.value)


RESTATED_RULESET = """\
id: t
language: en
categories:
  empathy: {}
rules:
  - id: restated
    category: empathy
    kind: respond
    trigger: {phrases: ["i'm away"]}
    within: 2
    expect: absent
    scope: {speaker: customer}
    phrases: ["i'm away"]
    message: m
    tip: t
    source: s
"""


def test_respond_absent_never_counts_the_trigger_turn_itself():
    # The same speaker and phrases for trigger and answer: only a later turn can restate.
    engine = CompiledRuleset(parse_ruleset(RESTATED_RULESET, "t.yaml"))
    once = conv(("customer", "I'm away until the 20th, I'm away all month."), ("agent", "Then the 21st."), ("customer", "Great."))
    assert outcome(engine, once, "restated").status == "pass"
    again = conv(("customer", "I'm away until the 20th."), ("agent", "The 14th?"), ("customer", "I'm away, I said."))
    failed = outcome(engine, again, "restated")
    assert failed.status == "fail" and [e.turn for e in failed.evidence] == [3]
    later = conv(("customer", "I'm away until the 20th."), ("agent", "The 21st."), ("customer", "Fine."), ("agent", "Booked."),
                 ("customer", "Thanks, as I'm away."))
    assert outcome(engine, later, "restated").status == "pass"  # four turns on is beyond within: 2


def test_respond_absent_needs_a_window_after_the_trigger():
    with pytest.raises(RulesetError) as err:
        parse_ruleset(RESTATED_RULESET.replace("within: 2", "within: 0"), "t.yaml")
    assert "t.yaml:10:13: rule 'restated': 'within: 0' with 'expect: absent' looks at no turn" in str(err.value)


def test_trigger_unless_excuses_an_overlapping_trigger():
    engine = CompiledRuleset(parse_ruleset(RESPOND_RULESET, "t.yaml"))
    assert outcome(engine, conv(("customer", "I'm not upset, just asking."), ("agent", "Sure.")), "ack").status == "n/a"
    assert outcome(engine, conv(("customer", "I'm not upset but I am fed up."), ("agent", "Sure.")), "ack").status == "fail"


def test_exact_phrase_is_not_matched_fuzzily_in_a_fuzzy_rule():
    text = """\
id: t
language: en
categories:
  saying-no: {}
rules:
  - id: refusal
    category: saying-no
    kind: forbid
    fuzzy: 85
    phrases: [{phrase: "i cant help you", exact: true}, "we dont do refunds"]
    message: m
    tip: t
    source: s
"""
    engine = CompiledRuleset(parse_ruleset(text, "t.yaml"))
    assert outcome(engine, conv(("agent", "I can help you with that.")), "refusal").status == "pass"
    assert outcome(engine, conv(("agent", "I cant help you.")), "refusal").status == "fail"
    assert outcome(engine, conv(("agent", "We dont do refunts.")), "refusal").status == "fail"  # the fuzzy one still is
    plain = CompiledRuleset(parse_ruleset(text.replace('{phrase: "i cant help you", exact: true}', '"i cant help you"'), "t.yaml"))
    assert outcome(plain, conv(("agent", "I can help you with that.")), "refusal").status == "fail"  # what exact prevents


def test_respond_unless_an_answer_inside_a_negation_does_not_count():
    text = RESPOND_RULESET.replace('    phrases: ["sorry"]\n', '    phrases: ["make an exception"]\n    unless: ["can\'t make an exception"]\n')
    engine = CompiledRuleset(parse_ruleset(text, "t.yaml"))
    refused = conv(("customer", "I'm so upset."), ("agent", "Rules are rules, I can't make an exception."))
    offered = conv(("customer", "I'm so upset."), ("agent", "Given the circumstances I'll make an exception."))
    assert outcome(engine, refused, "ack").status == "fail"
    assert outcome(engine, offered, "ack").status == "pass"


SKIP_RULESET = """\
id: t
language: es
categories:
  listening: {weight: 1}
rules:
  - id: repeats
    category: listening
    kind: forbid
    message: m
    tip: t
    source: s
    phrases: ["por eso llamo"]
    scope: {speaker: customer, skip_first_turns: 1}
"""


def test_skip_first_turns_leaves_out_the_opening_turns_of_those_speakers():
    engine = CompiledRuleset(parse_ruleset(SKIP_RULESET, "t.yaml"))
    opening = conv(("agent", "Buenos días."), ("customer", "No tengo internet, por eso llamo."), ("agent", "Claro."))
    assert outcome(engine, opening, "repeats").status == "n/a"  # the customer's only turn states why they call: nothing in scope
    again = conv(("customer", "Hola."), ("agent", "Entre en la web."), ("customer", "No tengo internet, por eso llamo."))
    result = outcome(engine, again, "repeats")
    assert result.status == "fail" and result.evidence[0].turn == 3
    # first_turns counts from what is left: skip one, then look at one, so the third customer turn is out of scope
    windowed = CompiledRuleset(parse_ruleset(SKIP_RULESET.replace("skip_first_turns: 1}", "skip_first_turns: 1, first_turns: 1}"), "t.yaml"))
    late = conv(("customer", "Hola."), ("customer", "Bien."), ("customer", "Por eso llamo."))
    assert outcome(windowed, late, "repeats").status == "pass"
    assert outcome(windowed, conv(("customer", "Hola."), ("customer", "Por eso llamo.")), "repeats").status == "fail"
