"""The annotated fixtures prove each rule: `cx-audit rules test` and the fixture runner.

1. Every fixture of every built-in ruleset holds (one test per fixture file, so a failure names it).
2. Meta-test: every enabled rule of every built-in ruleset has a firing and a non-firing example.
3. The runner itself, on tiny hand-made fixtures: exit 0 / 1 (missed, unexpected) / 2 (unknown rule).
"""

from __future__ import annotations

import functools
import json
import shutil
import textwrap
from pathlib import Path

import pytest

from cx_audit.ruleset import builtin_names, load_ruleset
from cx_audit.ruleset.fixtures import (
    EXPECT,
    FIXTURE_EXTENSIONS,
    OK,
    default_fixture_folder,
    find_fixtures,
    parse_fixture,
    read_fixture,
    run_fixture,
)
from tests.conftest import CORE_RULESET, ROOT


@functools.cache
def builtin(name: str):
    return load_ruleset(name)


def builtin_fixtures() -> list:
    params = []
    for name in builtin_names():
        for fixture in find_fixtures(default_fixture_folder(builtin(name))):
            params.append(pytest.param(name, fixture, id=f"{name}/{fixture.file_name}"))
    return params


BUILTIN_FIXTURES = builtin_fixtures()


# ---- 1. the built-in fixtures ---------------------------------------------------------------------


def test_every_builtin_ruleset_has_fixtures():
    for name in builtin_names():
        assert find_fixtures(default_fixture_folder(builtin(name))), f"no fixtures for the built-in ruleset {name}"


@pytest.mark.parametrize(("ruleset", "fixture"), BUILTIN_FIXTURES)
def test_builtin_fixture_holds(ruleset, fixture):
    result = run_fixture(fixture, builtin(ruleset))
    assert result.annotations, f"{fixture.name}: no annotations"
    assert result.ok, "\n".join(str(p) for p in result.problems)


def test_rules_test_passes_for_the_builtin_rulesets(cli):
    code, out, err = cli("rules", "test")
    assert code == 0, out + err
    n = len(builtin_names())
    assert f"rules test: {n} rulesets, {len(BUILTIN_FIXTURES)} fixtures," in out
    assert "0 missed, 0 unexpected" in out


# ---- 2. the meta-test: each rule has a firing and a non-firing example -------------------------------


@pytest.mark.parametrize("name", builtin_names())
def test_every_rule_has_a_firing_and_a_non_firing_example(name):
    rs = builtin(name)
    fires: set[str] = set()
    holds: set[str] = set()
    for fixture in find_fixtures(default_fixture_folder(rs)):
        parsed = parse_fixture(fixture, rs)
        for note in parsed.annotations:
            if note.fires:
                fires.add(note.rule)
            elif note.kind == OK or note.kind == EXPECT:
                holds.add(note.rule)
    enabled = [rule.id for rule in rs.rules if rule.enabled]
    no_fire = [r for r in enabled if r not in fires]
    no_hold = [r for r in enabled if r not in holds]
    assert not no_fire, f"{rs.label}: rules with no firing example (# ruleid: or # expect: RULE fail): {no_fire}"
    assert not no_hold, f"{rs.label}: rules with no non-firing example (# ok: or # expect: RULE pass|n/a): {no_hold}"


def test_builtin_rulesets_share_rule_ids_so_each_language_is_covered():
    ids = {name: sorted(rule.id for rule in builtin(name).rules if rule.enabled) for name in builtin_names()}
    assert len({tuple(v) for v in ids.values()}) == 1, ids


# ---- 3. the runner on hand-made fixtures --------------------------------------------------------------


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The core test ruleset (id core-test) with an empty fixtures/core-test/ folder beside it."""
    shutil.copy(CORE_RULESET, tmp_path / "core.yaml")
    (tmp_path / "fixtures" / "core-test").mkdir(parents=True)
    return tmp_path


GOOD = """
    # A refusal, then a benign "no".
    # expect: greeting pass
    # expect: alternative fail
    Agente: Buenos días, le atiende Marta.
    Cliente: Quiero cambiar el vuelo.
    # ruleid: flat-refusal
    Agente: Eso no se puede.
    Cliente: Vaya.
    # ok: flat-refusal
    # ok: calm-down
    Agente: No se preocupe, se lo miro.
"""


def test_all_annotations_hold_exit_0(cli, project):
    write(project / "fixtures" / "core-test" / "good.txt", GOOD)
    code, out, err = cli("rules", "test", str(project / "core.yaml"))
    assert code == 0, out + err
    assert out.strip().splitlines()[-1] == "rules test: 1 ruleset, 1 fixture, 5 annotations, 0 missed, 0 unexpected"
    assert err == ""


def test_a_fixture_folder_finds_its_ruleset(cli, project):
    write(project / "fixtures" / "core-test" / "good.txt", GOOD)
    code, out, err = cli("rules", "test", str(project / "fixtures" / "core-test"))
    assert code == 0, out + err
    code, out, err = cli("rules", "test", str(project / "fixtures" / "core-test" / "good.txt"), "-r", str(project / "core.yaml"))
    assert code == 0, out + err
    assert "1 fixture, 5 annotations" in out


def test_a_missed_annotation_exits_1_with_the_line(cli, project):
    fixture = write(project / "fixtures" / "core-test" / "missed.txt", GOOD.replace("Eso no se puede.", "Ahora mismo se lo cambio."))
    code, out, err = cli("rules", "test", str(project / "core.yaml"))
    assert code == 1, out + err
    name = Path(read_fixture(str(fixture)).name)
    assert f"{name}:7: missed: flat-refusal should fail at this turn; it was pass" in out
    assert "1 missed, 0 unexpected" in out


def test_an_ok_turn_that_fails_is_unexpected(cli, project):
    write(project / "fixtures" / "core-test" / "unexpected.txt", GOOD.replace("No se preocupe, se lo miro.", "No podemos, cálmese."))
    code, out, err = cli("rules", "test", str(project / "core.yaml"))
    assert code == 1, out + err
    problems = [line for line in out.splitlines() if ": unexpected: " in line]
    assert len(problems) == 2, out
    assert problems[0].endswith(":11: unexpected: flat-refusal failed at this turn (matched 'No podemos')")
    assert problems[1].endswith(":11: unexpected: calm-down failed at this turn (matched 'cálmese')")


def test_conversation_level_expectations(cli, project):
    # greeting expected pass but fails (unexpected); alternative expected fail but passes (missed)
    text = GOOD.replace("Buenos días, le atiende Marta.", "Dígame.").replace("se lo miro.", "le propongo otra fecha.")
    write(project / "fixtures" / "core-test" / "conversation.txt", text)
    code, out, err = cli("rules", "test", str(project / "core.yaml"))
    assert code == 1, out + err
    assert "conversation.txt:2: unexpected: greeting expected pass for the conversation, got fail" in out
    assert "conversation.txt:3: missed: alternative expected fail for the conversation, got pass" in out


def test_an_unknown_rule_exits_2(cli, project):
    write(project / "fixtures" / "core-test" / "good.txt", GOOD)
    write(project / "fixtures" / "core-test" / "typo.txt", GOOD.replace("# ok: calm-down", "# ok: calm-dwn"))
    code, out, err = cli("rules", "test", str(project / "core.yaml"))
    assert code == 2, out + err
    assert "typo.txt:10: error: unknown rule 'calm-dwn' in ruleset core-test@3 (did you mean 'calm-down'?)" in err
    assert "1 error" in out


def test_an_annotation_on_a_turn_where_the_rule_never_reports_is_an_error(cli, project):
    # 'acknowledge' reports at the customer's unanswered complaint, 'calm-down' at agent turns:
    # an 'ok' before the agent's answer, or before a customer turn, could never fail, so it proves nothing.
    write(project / "fixtures" / "core-test" / "vacuous.txt", (
        "Agente: Buenos días, le atiende Marta.\n"
        "Cliente: Estoy harto, es la tercera vez.\n"
        "# ok: acknowledge\n"
        "Agente: Lamento mucho lo ocurrido.\n"
        "# ok: calm-down\n"
        "Cliente: Gracias.\n"))
    code, out, err = cli("rules", "test", str(project / "core.yaml"))
    assert code == 2, out + err
    assert ("vacuous.txt:4: error: '# ok: acknowledge' stands before a turn of the agent, but acknowledge reports at "
            "customer turns: it can never hold or fail here; annotate the customer turn, or use '# expect:'") in err
    assert "vacuous.txt:6: error: '# ok: calm-down' stands before a turn of the customer" in err
    write(project / "fixtures" / "core-test" / "vacuous.txt", (
        "Agente: Buenos días, le atiende Marta.\n"
        "# ok: acknowledge\n"
        "Cliente: Estoy harto, es la tercera vez.\n"
        "Agente: Lamento mucho lo ocurrido.\n"))
    code, out, err = cli("rules", "test", str(project / "core.yaml"))
    assert code == 0, out + err


def test_an_unknown_rule_in_expect_exits_2(cli, project):
    write(project / "fixtures" / "core-test" / "typo.txt", "# expect: no-such-rule fail\nAgente: Hola.\nCliente: Hola.\n")
    code, out, err = cli("rules", "test", str(project / "core.yaml"))
    assert code == 2, out + err
    assert "typo.txt:1: error: unknown rule 'no-such-rule'" in err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# expect: greeting maybe\nAgente: Hola.\n", "expected '# expect: RULE fail|pass|n/a'"),
        ("Agente: Hola.\n# ruleid: flat-refusal\n", "is not followed by a turn line"),
        ("Agente: Hola.\n# ok:\nCliente: Hola.\n", "names no rule"),
        ("Agente: Hola.\nCliente: Hola.\n", "no annotations"),
    ],
)
def test_malformed_fixtures_exit_2(cli, project, text, message):
    write(project / "fixtures" / "core-test" / "bad.txt", text)
    code, out, err = cli("rules", "test", str(project / "core.yaml"))
    assert code == 2, out + err
    assert message in err


def test_a_ruleset_without_fixtures_exits_2(cli, project):
    code, out, err = cli("rules", "test", str(project / "core.yaml"))
    assert code == 2, out + err
    assert "no fixtures for core-test@3" in err


def test_annotations_follow_merged_turns_and_continuation_lines(project):
    # Two consecutive agent lines are one turn when scored; a continuation line belongs to its
    # turn; the annotation lines are blanked, not appended to the previous turn's text.
    fixture = write(
        project / "fixtures" / "core-test" / "merged.txt",
        """
        # agent: Marta
        Agente: Buenos días, le atiende Marta.
        Cliente: Quiero cambiar el vuelo
        del jueves, por favor.
        # ok: flat-refusal
        Agente: Déjeme ver.

        # ruleid: flat-refusal
        Agente: Eso no se puede.
        # ruleid: calm-down
        Cliente: ¿Cómo?
        Agente: Cálmese, por favor.
        """,
    )
    rs = load_ruleset(str(project / "core.yaml"))
    result = run_fixture(read_fixture(str(fixture)), rs)
    # "Déjeme ver." and "Eso no se puede." are one merged agent turn (turn 3), so the `ok` fails;
    # the `ruleid` before the customer's line can never fail there (calm-down reports agent turns)
    assert [str(p).split(": ", 1)[1] for p in result.problems] == [
        "unexpected: flat-refusal failed at this turn (matched 'no se puede')",
        "error: '# ruleid: calm-down' stands before a turn of the customer, but calm-down reports at agent turns: "
        "it can never fail here; annotate the agent turn, or use '# expect:'",
    ]
    assert [p.line for p in result.problems] == [6, 11]


def test_json_fixtures_carry_expect(cli, project):
    data = {
        "id": "j1",
        "language": "es",
        "expect": {"greeting": "pass", "interruptions": "fail"},
        "turns": [
            {"speaker": "agent", "text": "Buenos días, le atiende Marta.", "start": 0, "end": 3},
            {"speaker": "customer", "text": "Estoy harto, es la tercera vez que llamo por lo mismo.", "start": 3.5, "end": 10},
            {"speaker": "agent", "text": "Ya, ya.", "start": 5, "end": 6},
        ],
    }
    path = project / "fixtures" / "core-test" / "timed.json"
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    rs = load_ruleset(str(project / "core.yaml"))
    parsed = parse_fixture(read_fixture(str(path)), rs)
    assert '"expect"' not in parsed.clean_text  # the loader never sees it (not kept as metadata)
    assert [(a.rule, a.status, a.line) for a in parsed.annotations] == [("greeting", "pass", 5), ("interruptions", "fail", 6)]
    code, out, err = cli("rules", "test", str(project / "core.yaml"))
    assert code == 0, out + err

    data["expect"] = {"interruptions": "pass"}
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    code, out, err = cli("rules", "test", str(project / "core.yaml"))
    assert code == 1, out + err
    assert "timed.json:5: unexpected: interruptions expected pass for the conversation, got fail" in out


def test_fixture_extensions_are_the_formats_with_annotations():
    assert set(FIXTURE_EXTENSIONS) == {".txt", ".log", ".json"}


def test_rules_test_on_the_init_scaffold(cli, tmp_path):
    assert cli("init", str(tmp_path))[0] == 0
    code, out, err = cli("rules", "test", str(tmp_path / "rules" / "team.yaml"))
    assert code == 0, out + err
    assert "1 ruleset, 8 fixtures" in out and "0 missed, 0 unexpected" in out
    # break one fixture: the runner names it
    fixture = tmp_path / "rules" / "fixtures" / "team" / "internal-jargon.txt"
    fixture.write_text(fixture.read_text(encoding="utf-8").replace("backoffice de nivel dos", "equipo técnico"), encoding="utf-8")
    code, out, err = cli("rules", "test", str(tmp_path / "rules" / "team.yaml"))
    assert code == 1 and "internal-jargon.txt:4: missed: internal-jargon should fail at this turn" in out, out + err


def test_unknown_path_is_an_error(cli):
    code, _out, err = cli("rules", "test", str(ROOT / "README.md"))
    assert code == 2 and "not a ruleset file, a fixture folder or a fixture file" in err
