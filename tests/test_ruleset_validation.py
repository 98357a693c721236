"""Ruleset files are untrusted data: every problem is located, and every key takes effect."""

from __future__ import annotations

import textwrap

import pytest

from cx_audit.errors import RulesetError
from cx_audit.ruleset import parse_ruleset

HEADER = """\
id: t
language: es
categories:
  saying-no: {weight: 2}
rules:
"""

RULE = """\
  - id: flat-refusal
    category: saying-no
    kind: forbid
    message: m
    tip: t
    source: s
"""


def problems(text: str) -> list[str]:
    with pytest.raises(RulesetError) as err:
        parse_ruleset(textwrap.dedent(text), "team.yaml")
    return err.value.problems


def test_three_planted_problems_are_each_located():
    lines = problems(HEADER + RULE + "    phrases:\n      - no\n    unles: [x]\n    regex: ['(abc']\n")
    assert lines == [
        "team.yaml:13:9: rule 'flat-refusal': phrases entry: YAML reads the unquoted no as a boolean; quote it: \"no\"",
        "team.yaml:14:5: unknown key 'unles' in a rule; did you mean 'unless'?",
        "team.yaml:15:14: rule 'flat-refusal': regex: the regex does not compile: missing ), unterminated subpattern",
    ]


@pytest.mark.parametrize("word", ["no", "yes", "on", "off", "No", "OFF"])
def test_boolean_trap_in_phrases(word):
    (line,) = problems(HEADER + RULE + f"    phrases: [{word}]\n")
    assert "team.yaml:12:15:" in line and "boolean" in line and f'"{word}"' in line


def test_quoted_no_is_a_phrase():
    rs = parse_ruleset(HEADER + RULE + '    phrases: ["no", \'yes\']\n', "team.yaml")
    assert rs.rules[0].phrases == ("no", "yes")


def test_key_of_another_kind_is_an_error_not_ignored():
    (line,) = problems(HEADER + RULE + "    phrases: [x]\n    within: 2\n")
    assert line == "team.yaml:13:5: key 'within' has no effect in a 'forbid' rule (it belongs to: respond)"


def test_duplicate_keys_and_ids():
    lines = problems(HEADER + RULE + "    phrases: [a]\n    phrases: [b]\n" + RULE + "    phrases: [c]\n")
    assert any("13:5: duplicate key 'phrases'" in l for l in lines)
    assert any("14:5: duplicate rule id 'flat-refusal' (first at line 6)" in l for l in lines)


def test_wrong_types_and_ranges():
    lines = problems(HEADER + RULE + "    phrases: [a]\n    weight: heavy\n    fuzzy: 120\n    severity: blocker\n")
    assert any(":13:13: rule 'flat-refusal': weight must be a number, not 'heavy'" in l for l in lines)
    assert any(":14:12: rule 'flat-refusal': fuzzy must be from 0 to 100, not 120" in l for l in lines)
    assert any(":15:15: rule 'flat-refusal': severity must be one of critical, major, minor, not 'blocker'" in l for l in lines)


def test_undeclared_category_unknown_list_and_missing_keys():
    text = HEADER + "  - id: r\n    category: sayingno\n    kind: require\n    phrases: ['@refusal']\n"
    lines = problems(text)
    assert any("7:15: rule 'r': category 'sayingno' is not declared in the header; did you mean 'saying-no'?" in l for l in lines)
    assert any("no list named 'refusal'" in l for l in lines)
    assert any("rule 'r' has no 'message'" in l for l in lines)


def test_kind_needs_its_keys():
    text = HEADER + "  - {id: r, category: saying-no, kind: respond, phrases: [x], message: m, tip: t, source: s}\n"
    assert any("a 'respond' rule needs a 'trigger'" in l for l in problems(text))


def test_syntax_error_is_located():
    (line,) = problems("id: t\nrules: [\n")
    assert line.startswith("team.yaml:3:1: YAML syntax error")


def test_unsafe_yaml_tags_are_refused():
    text = HEADER.replace("id: t", "id: !!python/object/apply:os.system ['echo hacked']")
    with pytest.raises(RulesetError):
        parse_ruleset(text + RULE + "    phrases: [a]\n", "team.yaml")


def test_lists_expand_and_scope_defaults():
    rs = parse_ruleset(
        HEADER.replace("rules:", "lists:\n  r: [uno, dos]\nrules:") + RULE + "    phrases: ['@r', tres]\n    scope: {speaker: [agent, bot], last_turns: 2}\n",
        "team.yaml",
    )
    rule = rs.rules[0]
    assert rule.phrases == ("uno", "dos", "tres")
    assert rule.scope.speakers == ("agent", "bot") and rule.scope.last_turns == 2


def test_skip_first_turns_is_read_and_checked():
    rs = parse_ruleset(HEADER + RULE + "    phrases: [a]\n    scope: {speaker: customer, skip_first_turns: 2}\n", "team.yaml")
    assert rs.rules[0].scope.skip_first_turns == 2
    (line,) = problems(HEADER + RULE + "    phrases: [a]\n    scope: {speaker: customer, skip_first_turns: 0}\n")
    assert line == "team.yaml:13:50: rule 'flat-refusal': scope skip_first_turns must be from 1, not 0"


def test_builtin_rulesets_validate():
    from cx_audit.ruleset import builtin_names, load_ruleset

    for name in builtin_names():
        assert load_ruleset(name).rules


def test_category_id_cannot_shadow_a_csv_column():
    text = HEADER.replace("  saying-no: {weight: 2}", "  saying-no: {weight: 2}\n  team: {weight: 1}") + RULE + "    phrases: [a]\n"
    (line,) = problems(text)
    assert line == "team.yaml:5:3: category id 'team' is taken by a column of the CSV output; choose another id"


def test_reserved_category_ids_are_exactly_the_csv_columns():
    from cx_audit.render.records import CSV_FIXED_COLUMNS, CSV_META_COLUMNS
    from cx_audit.ruleset.loader import RESERVED_CATEGORY_IDS

    assert RESERVED_CATEGORY_IDS == set(CSV_FIXED_COLUMNS) | set(CSV_META_COLUMNS) | {"failed_rules"}


RESPOND = """\
  - id: ack
    category: saying-no
    kind: respond
    message: m
    tip: t
    source: s
    phrases: ["lo siento"]
"""


def test_each_false_needs_expect_present():
    (line,) = problems(HEADER + RESPOND + "    trigger: {phrases: [harto]}\n    expect: absent\n    each: false\n")
    assert line == "team.yaml:15:11: rule 'ack': 'each: false' needs 'expect: present' (with 'absent' every trigger's window is checked)"
    (line,) = problems(HEADER + RESPOND + "    trigger: {phrases: [harto]}\n    each: maybe\n")
    assert line == "team.yaml:14:11: rule 'ack': each must be true or false"
    rs = parse_ruleset(HEADER + RESPOND + "    trigger: {phrases: [harto], unless: [harto de esperar]}\n    each: false\n", "team.yaml")
    assert rs.rules[0].each is False and rs.rules[0].trigger.unless == ("harto de esperar",)


def test_exact_phrase_entries_in_rules_and_lists():
    from cx_audit.ruleset.model import ExactPhrase

    text = HEADER.replace("rules:\n", "lists:\n  refusals: [\"no puedo\", {phrase: \"no le puedo ayudar\", exact: true}]\nrules:\n")
    rs = parse_ruleset(text + RULE + '    fuzzy: 90\n    phrases: ["@refusals", {phrase: "imposible", exact: true}, {phrase: "ni hablar"}]\n', "team.yaml")
    phrases = rs.rules[0].phrases
    assert phrases == ("no puedo", "no le puedo ayudar", "imposible", "ni hablar")
    assert [isinstance(p, ExactPhrase) for p in phrases] == [False, True, True, False]


def test_bad_exact_phrase_entries_are_located():
    lines = problems(HEADER + RULE + '    phrases:\n      - {phrase: x, exact: si}\n      - {exact: true}\n      - {phrase: "@refusals", exact: true}\n      - {phrase: y, exactly: true}\n')
    assert lines == [
        "team.yaml:13:28: rule 'flat-refusal': phrases entry: exact must be true or false",
        "team.yaml:14:9: rule 'flat-refusal': phrases entry: a mapping entry needs 'phrase' (and 'exact: true')",
        "team.yaml:15:18: rule 'flat-refusal': phrases: '@refusals' names a list; mark the list's own entries exact instead",
        "team.yaml:16:21: unknown key 'exactly' in rule 'flat-refusal': phrases entry; did you mean 'exact'?",
    ]


def test_a_written_zero_takes_effect_rather_than_the_default():
    repeats = HEADER + RULE.replace("flat-refusal", "asked-again").replace("kind: forbid", "kind: repetition") + "    threshold: 0\n"
    assert parse_ruleset(repeats, "team.yaml").rules[0].threshold == 0
    quick = HEADER + RULE.replace("kind: forbid", "kind: metric") + "    metric: quick_replies_to_long_turns\n    seconds: 0\n    max: 0\n"
    assert parse_ruleset(quick, "team.yaml").rules[0].seconds == 0
    unset = HEADER + RULE.replace("flat-refusal", "asked-again").replace("kind: forbid", "kind: repetition")
    assert parse_ruleset(unset, "team.yaml").rules[0].threshold == 85


def test_a_regex_list_shared_through_a_yaml_anchor_takes_effect_in_each_rule():
    shared = HEADER + RULE + "    regex: &declines ['\\bno se puede\\b']\n" + RULE.replace("flat-refusal", "decline-again") + "    regex: *declines\n"
    rs = parse_ruleset(textwrap.dedent(shared), "team.yaml")
    assert [r.regex for r in rs.rules] == [("\\bno se puede\\b",), ("\\bno se puede\\b",)]
    broken = shared.replace("\\bno se puede\\b", "(abc")
    assert problems(broken) == [  # located where the list is written, once per rule that uses it
        f"team.yaml:12:24: rule '{rule}': regex: the regex does not compile: missing ), unterminated subpattern"
        for rule in ("decline-again", "flat-refusal")]


def test_unless_and_fuzzy_on_a_rule_without_phrases_are_errors_not_silently_ignored():
    # `unless` only excuses phrase matches and `fuzzy` only loosens them: on a regex-only rule or
    # trigger they would do nothing, so the author is told where, and what to write instead.
    lines = problems(HEADER + RULE + "    regex: ['^no$']\n    unless: [no se preocupe]\n    fuzzy: 90\n")
    assert lines == [
        "team.yaml:13:5: rule 'flat-refusal': 'unless' applies to phrase matches only, and this rule has no 'phrases'; write the exception into the regex (a lookahead)",
        "team.yaml:14:5: rule 'flat-refusal': 'fuzzy' applies to phrase matches only, and this rule has no 'phrases'",
    ]
    (line,) = problems(HEADER + RESPOND + "    trigger: {regex: ['harto'], unless: [harto de esperar]}\n")
    assert line == "team.yaml:13:33: rule 'ack': trigger 'unless' applies to phrase matches only, and the trigger has no 'phrases'; write the exception into the regex (a lookahead)"
    rs = parse_ruleset(HEADER + RULE + "    phrases: [no]\n    regex: ['^no$']\n    unless: [no se preocupe]\n".replace("[no]", '["no"]'), "team.yaml")
    assert rs.rules[0].unless == ("no se preocupe",)
