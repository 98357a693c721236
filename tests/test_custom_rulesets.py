"""Team rulesets: extends/overrides, the JSON Schema, `cx-audit init`, rule packs, completion."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import re
import shutil
import textwrap
from pathlib import Path

import pytest

from cx_audit.errors import RulesetError
from cx_audit.ruleset import load_ruleset
from tests.conftest import CORE_RULESET, ROOT


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def base(tmp_path: Path) -> Path:
    """A copy of the core test ruleset beside the team's file, so `extends: base.yaml` is relative."""
    shutil.copy(CORE_RULESET, tmp_path / "base.yaml")
    return tmp_path


def problems(path: Path) -> list[str]:
    with pytest.raises(RulesetError) as err:
        load_ruleset(str(path))
    return err.value.problems


TEAM = """\
extends: base.yaml
id: acme
name: ACME
pass_mark: 80
categories:
  empathy: {weight: 5}
  product: {weight: 2, name: Producto}
lists:
  refusals: ["no lo tramitamos"]
overrides:
  greeting: {enabled: false}
  flat-refusal: {severity: critical, weight: 4, add_unless: ["no dude"], message: "Dijo que no."}
  alternative: {add_phrases: ["le ofrezco"]}
  acknowledge: {within: 2, add_trigger_phrases: ["esto es un robo"]}
rules:
  - id: product-name
    category: product
    kind: require
    phrases: ["acme"]
    message: "No nombró el producto."
    tip: "Nombre el producto."
    source: "guía de ACME"
"""


def test_extends_inherits_and_overrides(base):
    rs = load_ruleset(str(write(base, "team.yaml", TEAM)))
    parent = load_ruleset(str(CORE_RULESET))
    assert (rs.id, rs.name, rs.language, rs.label, rs.pass_mark) == ("acme", "ACME", "es", "acme@1", 80)
    assert [r.id for r in rs.rules] == [r.id for r in parent.rules] + ["product-name"]
    assert rs.categories["empathy"].weight == 5 and rs.categories["saying-no"].weight == 2
    assert rs.categories["product"].name == "Producto"
    flat = rs.rule("flat-refusal")
    assert (flat.severity, flat.weight, flat.message) == ("critical", 4, "Dijo que no.")
    assert flat.tip == parent.rule("flat-refusal").tip
    assert flat.unless[-1] == "no dude"
    # The grown list reaches every inherited rule that used it, and only those.
    assert "no lo tramitamos" in flat.phrases
    assert "no lo tramitamos" not in rs.rule("alternative").phrases
    assert rs.rule("alternative").phrases[-1] == "le ofrezco"
    assert rs.rule("acknowledge").within == 2 and "esto es un robo" in rs.rule("acknowledge").trigger.phrases
    assert rs.rule("greeting").enabled is False
    assert "overridden at" in flat.location and rs.rule("calm-down").location.endswith("base.yaml:43")
    # The parent is untouched.
    assert parent.rule("greeting").enabled and parent.pass_mark == 70


def test_override_of_a_missing_rule_is_located_with_did_you_mean(base):
    path = write(base, "team.yaml", "extends: base.yaml\nid: acme\noverrides:\n  calm-dwn: {enabled: false}\n  nothing-like-it: {weight: 2}\n")
    assert problems(path) == [
        f"{path}:4:3: overrides: no rule 'calm-dwn' in core-test@3, the ruleset this one extends; did you mean 'calm-down'?",
        f"{path}:5:3: overrides: no rule 'nothing-like-it' in core-test@3, the ruleset this one extends (see `cx-audit rules list -r core-test`)",
    ]


def test_override_keys_are_checked_against_the_inherited_kind(base):
    path = write(base, "team.yaml", """\
        extends: base.yaml
        id: acme
        overrides:
          acknowledge: {min_count: 2, within: -1}
          greeting: {kind: forbid, severty: minor}
          calm-down: {add_unless: ["@nope"], category: empaty}
          interruptions:
        """)
    assert problems(path) == [
        f"{path}:4:17: key 'min_count' has no effect on 'acknowledge', a 'respond' rule (it belongs to: require)",
        f"{path}:4:39: override of 'acknowledge': within must be from 0, not -1",
        f"{path}:5:14: override of 'greeting': an override cannot change a rule's kind; disable the rule (enabled: false) and write a new one under rules:",
        f"{path}:5:28: unknown key 'severty' in override of 'greeting'; did you mean 'severity'?",
        f"{path}:6:28: override of 'calm-down': add_unless: no list named 'nope' in the header's lists",
        f"{path}:6:48: override of 'calm-down': category 'empaty' is not declared in the header or inherited; did you mean 'empathy'?",
        f"{path}:7:3: override of 'interruptions' changes nothing; write the keys to change, e.g. {{enabled: false}}",
    ]


def test_an_override_adding_unless_to_a_rule_without_phrases_is_an_error(tmp_path):
    # bare-no matches by regex only: an `add_unless` there would excuse nothing, so it is refused.
    path = write(tmp_path, "team.yaml", """\
        extends: es
        id: team
        overrides:
          bare-no: {add_unless: ["no, gracias"]}
          flat-refusal: {add_unless: ["no dude"]}
        """)
    assert problems(path) == [
        f"{path}:4:13: override of 'bare-no': 'add_unless' applies to phrase matches only, and 'bare-no' has no phrases; write the exception into the regex (a lookahead)",
    ]


def test_own_rule_cannot_reuse_an_inherited_id_and_overrides_need_extends(base):
    rule = "  - {id: greeting, category: courtesy, kind: require, phrases: [hola], message: m, tip: t, source: s}\n"
    path = write(base, "team.yaml", "extends: base.yaml\nid: acme\noverrides:\n  mine: {weight: 2}\nrules:\n" + rule.replace("greeting", "mine") + rule)
    assert problems(path) == [
        f"{path}:4:3: overrides: rule 'mine' is defined in this file, not inherited; change it under rules:",
        f"{path}:7:5: rule id 'greeting' is inherited from core-test@3; change that rule under overrides:, or give this one another id",
    ]
    alone = write(base, "alone.yaml", "id: x\nlanguage: es\ncategories: {a: {}}\nrules: []\noverrides: {}\n")
    assert problems(alone) == [f"{alone}:5:1: overrides change the rules of the ruleset named by 'extends', and this ruleset extends none (add e.g. 'extends: es')"]


def test_extends_errors_missing_parent_cycle_language_and_parent_problems(base):
    missing = write(base, "missing.yaml", "extends: nowhere.yaml\nid: x\n")
    (line,) = problems(missing)
    assert line.startswith(f"{missing}:1:10: extends: 'nowhere.yaml' is neither a ruleset file") and "built-in:" in line
    a = write(base, "a.yaml", "extends: b.yaml\nid: a\n")
    write(base, "b.yaml", "extends: a.yaml\nid: b\n")
    lines = problems(a)
    assert any("extends: 'a.yaml' leads back to this file" in line for line in lines), lines
    lang = write(base, "lang.yaml", "extends: base.yaml\nid: x\nlanguage: en\n")
    assert problems(lang) == [f"{lang}:3:11: language 'en' differs from 'es' of the ruleset it extends (core-test@3); its phrases would not match"]
    write(base, "broken.yaml", "id: broken\nlanguage: es\ncategories: {a: {}}\nrules:\n  - {id: r, category: a, kind: forbid, phrases: [x], message: m, tip: t, source: s, unles: [y]}\n")
    child = write(base, "child.yaml", "extends: broken.yaml\nid: child\n")
    assert problems(child) == [
        f"{base / 'broken.yaml'}:5:85: unknown key 'unles' in a rule; did you mean 'unless'?",
        f"{child}:1:10: extends: 'broken.yaml' has the problems above",
    ]


def test_extends_chains_and_grandchild_list_growth(base):
    write(base, "team.yaml", TEAM)
    sub = write(base, "sub/desk.yaml", "extends: ../team.yaml\nid: desk\nversion: 2\nlists:\n  refusals: [\"ni de broma\"]\noverrides:\n  greeting: {enabled: true}\n")
    rs = load_ruleset(str(sub))
    assert rs.label == "desk@2" and rs.pass_mark == 80 and rs.rule("greeting").enabled
    assert rs.rule("flat-refusal").severity == "critical"
    assert {"no lo tramitamos", "ni de broma"} <= set(rs.rule("flat-refusal").phrases)


def test_extending_a_builtin_by_name(tmp_path):
    from cx_audit.ruleset import builtin_names

    if "es" not in builtin_names():
        pytest.skip("the built-in es ruleset is not there yet")
    es = load_ruleset("es")
    first = es.rules[0]
    path = write(tmp_path, "team.yaml", f"extends: es\nid: team\noverrides:\n  {first.id}: {{weight: 7}}\n")
    rs = load_ruleset(str(path))
    assert rs.rule(first.id).weight == 7 and len(rs.rules) == len(es.rules)


def test_overrides_show_in_scored_results(cli, base):
    team = write(base, "team.yaml", TEAM)
    chat = write(base, "chat.txt", "Agente: Hola. Eso no se puede, no lo tramitamos.\nCliente: Vaya.\n")
    code, out, err = cli("score", str(chat), "-r", str(team), "-f", "json")
    assert code == 1, err
    report = json.loads(out)
    assert report["rulesets"] == [{"id": "acme", "version": "1", "language": "es", "pass_mark": 80.0}]
    (result,) = report["results"]
    assert result["ruleset"] == "acme@1" and result["auto_failed"] is True
    by_rule = {o["rule"]: o for o in result["findings"]}
    assert by_rule["flat-refusal"]["severity"] == "critical" and by_rule["flat-refusal"]["message"] == "Dijo que no."
    assert by_rule["flat-refusal"]["match"] == "no se puede"
    assert "greeting" not in by_rule  # disabled
    assert by_rule["product-name"]["status"] == "fail" and "product" in result["categories"]


def test_the_extends_example_in_the_docs_loads(tmp_path):
    from cx_audit.ruleset import builtin_names

    if "es" not in builtin_names():
        pytest.skip("the built-in es ruleset is not there yet")
    doc = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    section = doc.split("## Extending a ruleset", 1)[1]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    rs = load_ruleset(str(write(tmp_path, "acme.yaml", example)))
    assert rs.label == "acme@1" and rs.rule("flat-refusal").severity == "critical"
    assert rs.rule("quick-reply").enabled is False and rs.rule("product-name").phrases == ("acme fibra", "acme móvil")


# ---- the JSON Schema ---------------------------------------------------------------------------

jsonschema = pytest.importorskip("jsonschema")


def _validator():
    from cx_audit.ruleset.schema import shipped_schema_text

    schema = json.loads(shipped_schema_text())
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def test_shipped_schema_is_built_from_the_loader_tables():
    from cx_audit.ruleset.schema import schema_text, shipped_schema_text

    assert shipped_schema_text() == schema_text(), "regenerate: python -m cx_audit.ruleset.schema > src/cx_audit/ruleset/schema.json"


def test_schema_describes_exactly_the_keys_the_loader_accepts():
    from cx_audit.ruleset import loader
    from cx_audit.ruleset.schema import build_schema

    schema = build_schema()
    defs = schema["definitions"]
    assert list(schema["properties"]) == list(loader.HEADER_KEYS + loader.EXTEND_KEYS)
    assert list(defs["rule"]["properties"]) == list(loader.ALL_RULE_KEYS)
    assert list(defs["category"]["properties"]) == list(loader.CATEGORY_KEYS)
    assert list(defs["rule"]["properties"]["scope"]["properties"]) == list(loader.SCOPE_KEYS)
    assert list(defs["rule"]["properties"]["trigger"]["properties"]) == list(loader.TRIGGER_KEYS)
    adds = {k for keys in loader.ADD_KEYS.values() for k in keys}
    assert set(defs["override"]["properties"]) == set(loader.OVERRIDE_COMMON_KEYS) | set(loader.ALL_RULE_KEYS) - set(loader.COMMON_RULE_KEYS) | adds


def test_builtin_and_test_rulesets_validate_against_the_schema():
    import yaml
    from cx_audit.ruleset import builtin_names

    validator = _validator()
    files = sorted((ROOT / "rulesets").glob("*.yaml")) + [CORE_RULESET]
    assert [f.stem for f in files[:-1]] == builtin_names()
    for path in files:
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(yaml.safe_load(path.read_text(encoding="utf-8")))]
        assert errors == [], path


def test_schema_rejects_what_the_loader_rejects():
    import yaml

    validator = _validator()
    def bad(text: str) -> bool:
        return bool(list(validator.iter_errors(yaml.safe_load(text))))

    head = "id: x\nlanguage: es\ncategories: {a: }\nrules:\n"
    rule = " - {id: r, category: a, kind: forbid, message: m, tip: t, source: s, phrases: [x]"
    assert not bad(head + rule + "}\n")
    assert bad(head + rule + ", within: 2}\n")  # a key of another kind
    assert bad(head + rule + ", unles: [y]}\n")  # unknown key
    assert bad(head + rule + ", severity: fatal}\n")
    assert bad(head + " - {id: r, category: a, kind: metric, message: m, tip: t, source: s, metric: agent_turns}\n")  # no max/min
    assert bad(head + rule + "}\noverrides: {r: {weight: 2}}\n")  # overrides without extends
    assert not bad("extends: es\nid: team\noverrides: {flat-refusal: {add_unless: [x], enabled: false}}\n")
    assert bad("extends: es\nid: team\noverrides: {flat-refusal: {kind: require}}\n")


def test_rules_schema_prints_the_schema(cli):
    code, out, _ = cli("rules", "schema")
    assert code == 0 and json.loads(out)["title"] == "cx-audit ruleset"


# ---- cx-audit init ---------------------------------------------------------------------------------

ANNOTATION = re.compile(r"^#\s*(ruleid|ok|expect)\s*:\s*(\S+)(?:\s+(\S+))?\s*$")


def check_fixture(cli, ruleset: Path, fixture: Path, tmp_path: Path) -> list[str]:
    """The annotation contract `cx-audit rules test` enforces, checked by hand for the scaffold:
    `# ruleid: R` before a turn where R fails, `# ok: R` before one where it does not, and
    `# expect: R status` for the whole conversation. Returns what does not hold."""
    turn_lines, expect, at_turn = [], {}, []
    for line in fixture.read_text(encoding="utf-8").splitlines():
        m = ANNOTATION.match(line.strip())
        if m and m.group(1) == "expect":
            expect[m.group(2)] = m.group(3)
        elif m:
            at_turn.append((m.group(1), m.group(2), len(turn_lines) + 1))
        elif line.strip():
            turn_lines.append(line)
    plain = tmp_path / fixture.name
    plain.write_text("\n".join(turn_lines) + "\n", encoding="utf-8")
    code, out, err = cli("score", str(plain), "-r", str(ruleset), "-f", "json", "--exit-zero")
    assert code == 0, err
    (result,) = json.loads(out)["results"]
    status = {f["rule"]: f["status"] for f in result["findings"]}
    failed_turns = {(f["rule"], f["turn"]) for f in result["findings"] if f["status"] == "fail"}
    wrong = [f"{fixture.name}: expect {rule} {want}, got {status.get(rule)}" for rule, want in expect.items() if status.get(rule) != want]
    for kind, rule, turn in at_turn:
        assert rule in status, f"{fixture.name}: no rule {rule}"
        if (kind == "ruleid") != ((rule, turn) in failed_turns):
            wrong.append(f"{fixture.name}: {kind}: {rule} at turn {turn} does not hold")
    return wrong


def test_init_scaffold_validates_and_its_fixtures_hold(cli, tmp_path):
    code, out, err = cli("init", str(tmp_path / "qa"))
    assert code == 0, err
    team = tmp_path / "qa" / "rules" / "team.yaml"
    assert f"wrote {team}" in out and (tmp_path / "qa" / ".cx-audit.yaml").is_file()
    code, out, err = cli("rules", "validate", str(team))
    assert code == 0 and "ok (" in out, err
    rs = load_ruleset(str(team))
    own = [r for r in rs.rules if r.location.startswith(str(team))]
    assert sorted(r.kind for r in own) == sorted(["require", "forbid", "respond", "repetition", "metric"])
    fixtures = sorted((team.parent / "fixtures" / "team").glob("*.txt"))
    covered = {m.group(2) for f in fixtures for line in f.read_text(encoding="utf-8").splitlines() if (m := ANNOTATION.match(line.strip()))}
    assert covered == {r.id for r in own}
    wrong = [w for f in fixtures for w in check_fixture(cli, team, f, tmp_path)]
    assert wrong == []
    # The scaffold validates against the schema it ships, which is the package's.
    import yaml

    assert list(_validator().iter_errors(yaml.safe_load(team.read_text(encoding="utf-8")))) == []
    assert (team.parent / "ruleset.schema.json").read_text(encoding="utf-8") == (ROOT / "src/cx_audit/ruleset/schema.json").read_text(encoding="utf-8")


def test_init_refuses_to_overwrite(cli, tmp_path):
    assert cli("init", str(tmp_path))[0] == 0
    code, out, err = cli("init", str(tmp_path))
    assert code == 2 and out == "" and "already exist" in err and "--force" in err
    assert cli("init", str(tmp_path), "--force")[0] == 0


def test_team_ruleset_from_init_extended_and_overridden_scores_with_the_overrides(cli, tmp_path, monkeypatch):
    """The issue's "done when": init, extend and override, validate, score with the overrides visible."""
    project = tmp_path / "qa"
    assert cli("init", str(project))[0] == 0
    team = project / "rules" / "team.yaml"
    text = team.read_text(encoding="utf-8")
    text = text.replace("overrides:                      # inherited rule id -> what changes; `cx-audit rules list -r es`\n",
                        "overrides:\n  flat-refusal: {severity: critical, message: \"Dijo que no sin alternativa.\"}\n  closing: {enabled: false}\n")
    text = text.replace("  house-rules: {weight: 2", "  empathy: {weight: 5}\n  house-rules: {weight: 2")
    team.write_text(text + "\n  - id: mention-brand\n    category: house-rules\n    kind: require\n    phrases: [acme]\n    message: m\n    tip: t\n    source: s\n", encoding="utf-8")
    code, out, err = cli("rules", "validate", str(team))
    assert code == 0, err
    sample = project / "chat.txt"
    sample.write_text("Agente: ACME, dígame. Eso no se puede.\nCliente: Vaya.\n", encoding="utf-8")
    monkeypatch.chdir(project)  # .cx-audit.yaml makes rules/team.yaml the default ruleset
    monkeypatch.delenv("CX_AUDIT_CONFIG", raising=False)
    code, out, err = cli("score", "chat.txt", "-f", "json")
    (result,) = json.loads(out)["results"]
    assert result["ruleset"] == "team@1" and code == 1
    findings = {f["rule"]: f for f in result["findings"]}
    assert findings["flat-refusal"]["severity"] == "critical" and findings["flat-refusal"]["message"] == "Dijo que no sin alternativa."
    assert result["auto_failed"] is True
    assert "closing" not in findings  # disabled
    assert findings["greeting"]["status"] == "pass"  # "acme, dígame" added to the inherited rule
    assert findings["mention-brand"]["status"] == "pass" and "house-rules" in result["categories"]


def test_rules_test_passes_on_the_scaffold(cli, tmp_path):
    assert cli("init", str(tmp_path))[0] == 0
    code, out, err = cli("rules", "test", str(tmp_path / "rules" / "team.yaml"))
    assert code == 0, out + err


# ---- rule packs -----------------------------------------------------------------------------------


@pytest.fixture
def pack(tmp_path, monkeypatch) -> Path:
    """An installed rule pack as pip leaves it: a package of YAML files and a dist-info folder
    whose entry_points.txt declares it in the group cx_audit.rulesets (found on sys.path)."""
    site = tmp_path / "site"
    package = site / "acme_cx_rules"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    retail = CORE_RULESET.read_text(encoding="utf-8").replace("id: core-test", "id: retail").replace("name: Core test ruleset", "name: ACME retail")
    (package / "retail.yaml").write_text(retail, encoding="utf-8")
    (package / "es.yaml").write_text(retail.replace("id: retail", "id: acme-es"), encoding="utf-8")
    info = site / "acme_cx_rules-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-cx-rules\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[cx_audit.rulesets]\nacme = acme_cx_rules\nbroken = no_such_module_here\n")
    monkeypatch.syspath_prepend(str(site))
    return site


def test_pack_rulesets_are_listed_and_loadable_like_builtins(cli, pack, tmp_path):
    from cx_audit.ruleset.loader import builtin_names, ruleset_names

    assert ruleset_names() == builtin_names() + ["acme:es", "retail"]
    code, out, err = cli("rules", "list")
    assert code == 0 and "ACME retail (retail@3" in out and "acme-es@3" in out
    assert "rule pack 'broken' (no_such_module_here) cannot be read" in err
    assert load_ruleset("retail").path == "<acme>/retail.yaml"
    assert load_ruleset("acme:retail").id == "retail" and load_ruleset("acme:es").id == "acme-es"
    assert load_ruleset("es").id == "es"  # a built-in name means the built-in ruleset
    code, out, _ = cli("rules", "validate", "retail")
    assert code == 0 and out.startswith("<acme>/retail.yaml: ok")
    chat = write(tmp_path, "chat.txt", CHAT_NO)
    code, out, _ = cli("score", str(chat), "-r", "retail", "-f", "json", "--exit-zero")
    assert json.loads(out)["results"][0]["ruleset"] == "retail@3"
    team = write(tmp_path, "team.yaml", "extends: retail\nid: team\noverrides:\n  greeting: {enabled: false}\n")
    assert load_ruleset(str(team)).rule("greeting").enabled is False
    code, out, err = cli("rules", "show", "greeting", "-r", "retail")
    assert code == 0 and "<acme>/retail.yaml:" in out


def test_a_name_in_no_pack_is_reported_with_the_packs(pack):
    with pytest.raises(RulesetError) as err:
        load_ruleset("wholesale")
    from cx_audit.ruleset import builtin_names

    assert err.value.problems == [f"wholesale: no such ruleset file or built-in ruleset (built-in: {', '.join(builtin_names())}; from rule packs: acme:es, retail)"]
    with pytest.raises(RulesetError) as err:
        load_ruleset("broken:thing")
    assert "rule pack 'broken' (no_such_module_here) cannot be read" in err.value.problems[0]


CHAT_NO = "Agente: Hola. Eso no se puede.\nCliente: Vaya.\n"


# ---- shell completion -----------------------------------------------------------------------------


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_prints_a_script_that_calls_back(cli, shell):
    code, out, _ = cli("completion", shell)
    assert code == 0 and "_CX_AUDIT_COMPLETE=complete_" + shell in out and "cx-audit" in out


def test_completion_answers_the_shell(cli, monkeypatch):
    monkeypatch.setenv("_CX_AUDIT_COMPLETE", "complete_bash")
    monkeypatch.setenv("COMP_WORDS", "cx-audit rules va")
    monkeypatch.setenv("COMP_CWORD", "2")
    code, out, _ = cli()
    assert code == 0 and out.split() == ["validate"]
    monkeypatch.setenv("_CX_AUDIT_COMPLETE", "complete_fish")
    monkeypatch.setenv("_TYPER_COMPLETE_FISH_ACTION", "get-args")
    monkeypatch.setenv("_TYPER_COMPLETE_ARGS", "cx-audit score -f ")
    code, out, _ = cli()
    assert "jsonl" in out.split()


def test_bash_script_completes_in_bash(cli, tmp_path):
    bash = shutil.which("bash")
    exe = Path(sys.executable).with_name("cx-audit")
    if not bash or not exe.exists():
        pytest.skip("needs bash and the installed cx-audit script")
    _, script, _ = cli("completion", "bash")
    (tmp_path / "c.bash").write_text(script)
    run = subprocess.run(
        [bash, "-c", f'source {tmp_path / "c.bash"}; COMP_WORDS=(cx-audit rules sch); COMP_CWORD=2; _cx_audit_completion cx-audit; echo "${{COMPREPLY[@]}}"'],
        capture_output=True, text=True, env={**os.environ, "PATH": f"{exe.parent}:{os.environ.get('PATH', '')}"}, timeout=60,
    )
    assert run.stdout.split() == ["schema"], run.stderr
