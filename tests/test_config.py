"""Project config: .cx-audit.yaml or [tool.cx-audit], CX_AUDIT_* variables, flags; located errors."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest

from cx_audit.config import KEYS, ConfigError, find_config, load_settings
from tests.conftest import CORE_RULESET

CHAT = "Agente: Hola. Eso no se puede.\nCliente: Vaya.\n"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for key in KEYS:
        monkeypatch.delenv(key.env, raising=False)
    monkeypatch.delenv("CX_AUDIT_CONFIG", raising=False)


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """A project folder with a team ruleset and a chat, the current folder being a subfolder."""
    shutil.copy(CORE_RULESET, tmp_path / "core.yaml")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "chat.txt").write_text(CHAT, encoding="utf-8")
    monkeypatch.chdir(tmp_path / "data")
    return tmp_path


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems(start: Path | None = None) -> list[str]:
    with pytest.raises(ConfigError) as err:
        load_settings(start)
    return err.value.problems


def test_yaml_config_is_found_upward_and_drives_score(cli, project):
    write(project / ".cx-audit.yaml", "rulesets: [core.yaml]\npass_mark: 20\nformat: json\nredact: false\n")
    code, out, err = cli("score", "chat.txt")
    report = json.loads(out)
    assert report["rulesets"] == [{"id": "core-test", "version": "3", "language": "es", "pass_mark": 20.0}]
    assert report["results"][0]["passed"] is True and code == 0, err
    # A flag beats the file, and an environment variable beats the file too.
    code, out, _ = cli("score", "chat.txt", "-f", "csv", "--pass-mark", "90")
    assert out.startswith("conversation_id,") and code == 1


def test_config_show_prints_values_and_origins(cli, project, monkeypatch):
    config = write(project / ".cx-audit.yaml", "# team settings\nrulesets: core.yaml\nformat: json\nrole_map: {spk_0: agent}\n")
    monkeypatch.setenv("CX_AUDIT_FORMAT", "markdown")
    monkeypatch.setenv("CX_AUDIT_AGENT_LABELS", "Asesor, Operador")
    code, out, _ = cli("config", "show")
    assert code == 0
    rows = {line.split()[0]: line for line in out.splitlines()[2:]}
    assert out.splitlines()[0] == f"config file: {config.resolve()}"
    assert "../core.yaml" in rows["rulesets"] and f"{config.resolve()}:2" in rows["rulesets"]
    assert "markdown" in rows["format"] and "env CX_AUDIT_FORMAT" in rows["format"]
    assert "Asesor, Operador" in rows["agent_labels"] and "env CX_AUDIT_AGENT_LABELS" in rows["agent_labels"]
    assert "spk_0=agent" in rows["role_map"] and f"{config.resolve()}:4" in rows["role_map"]
    assert "each ruleset's own" in rows["pass_mark"] and " default " in rows["pass_mark"]


def test_no_config_anywhere_gives_the_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("CX_AUDIT_CONFIG", "")
    settings = load_settings(tmp_path)
    assert settings.file is None and settings["format"] == "table" and settings.origin("format") == "default"


def test_pyproject_table_is_a_config_and_two_configs_are_an_error(project):
    write(project / "pyproject.toml", """\
        [project]
        name = "qa"

        [tool.cx-audit]
        format = "html"
        agent_labels = ["Asesor"]

        [tool.cx-audit.role_map]
        spk_0 = "agent"
        """)
    settings = load_settings()
    assert settings["format"] == "html" and settings["agent_labels"] == ["Asesor"] and settings["role_map"] == {"spk_0": "agent"}
    assert settings.origin("format").endswith("pyproject.toml:5")
    assert settings.origin("role_map").endswith("pyproject.toml:8")
    write(project / ".cx-audit.yaml", "format: csv\n")
    (line,) = problems()
    assert "both configure cx-audit; keep one" in line


def test_every_bad_key_and_value_is_located(project):
    path = write(project / ".cx-audit.yaml", """\
        rulests: [core.yaml]
        workers: 0
        format: jsn
        pass_mark: 300
        rulesets: [nope.yaml]
        redact: maybe
        role_map: {spk_0: boss}
        """).resolve()
    assert problems() == [
        f"{path}:1:1: unknown key 'rulests'; did you mean 'rulesets'?",
        f"{path}:2:10: workers must be a whole number of processes, 1 or more, not 0",
        f"{path}:3:9: format must be one of table, csv, json, jsonl, xlsx, markdown, html, parquet, not 'jsn'; did you mean 'json'?",
        f"{path}:4:12: pass_mark must be a number from 0 to 100, not 300",
        f"{path}:5:11: rulesets: 'nope.yaml' is neither a file (no {project.resolve() / 'nope.yaml'}) nor a ruleset name" + problems()[4].split("nor a ruleset name", 1)[1],
        f"{path}:6:9: redact must be true or false, not 'maybe'",
        f"{path}:7:11: role_map: spk_0: the role must be one of agent, customer, bot, system, unknown, not 'boss'",
    ]


def test_config_that_does_not_parse_is_an_error_not_a_fallback(cli, project):
    path = write(project / ".cx-audit.yaml", "format: [json\n").resolve()
    code, out, err = cli("score", "chat.txt")
    assert code == 2 and out == ""
    assert err.startswith(f"cx-audit: error: {path}:2:1: YAML syntax error")
    (project / ".cx-audit.yaml").unlink()
    write(project / "pyproject.toml", "[tool.cx-audit]\nformat = \n")
    (line,) = problems()
    assert line.startswith(f"{(project / 'pyproject.toml').resolve()}:2:10: TOML syntax error")
    # A broken pyproject.toml without a [tool.cx-audit] table is somebody else's problem.
    write(project / "pyproject.toml", "[project\ndependencies = ['cx-audit']\n")
    assert load_settings().file is None or not load_settings().file.endswith("pyproject.toml")


def test_environment_variables_are_checked_and_override(project, monkeypatch):
    write(project / ".cx-audit.yaml", "format: json\npass_mark: 50\n")
    monkeypatch.setenv("CX_AUDIT_PASS_MARK", "80")
    monkeypatch.setenv("CX_AUDIT_REDACT", "yes")
    monkeypatch.setenv("CX_AUDIT_ROLE_MAP", "spk_0=agent,spk_1=customer")
    settings = load_settings()
    assert settings["pass_mark"] == 80 and settings.origin("pass_mark") == "env CX_AUDIT_PASS_MARK"
    assert settings["redact"] is True and settings["role_map"] == {"spk_0": "agent", "spk_1": "customer"}
    assert settings["format"] == "json"
    monkeypatch.setenv("CX_AUDIT_PASS_MARK", "high")
    monkeypatch.setenv("CX_AUDIT_FORMAT", "pdf")
    assert problems() == [
        "CX_AUDIT_PASS_MARK=high: pass_mark must be a number from 0 to 100, not 'high'",
        "CX_AUDIT_FORMAT=pdf: format must be one of table, csv, json, jsonl, xlsx, markdown, html, parquet, not 'pdf'",
    ]


def test_cx_audit_config_names_the_file(project, monkeypatch, tmp_path_factory):
    other = tmp_path_factory.mktemp("elsewhere") / "team-config.yaml"
    write(other, "format: markdown\n")
    monkeypatch.setenv("CX_AUDIT_CONFIG", str(other))
    assert find_config() == other and load_settings()["format"] == "markdown"
    monkeypatch.setenv("CX_AUDIT_CONFIG", str(other) + ".missing")
    assert problems() == [f"CX_AUDIT_CONFIG={other}.missing: no such file"]


def test_role_labels_from_the_config_reach_the_loaders(project):
    from cx_audit.cli.score import load_options

    write(project / ".cx-audit.yaml", "agent_labels: Asesor\ncustomer_labels: [Usuario]\nrole_map: {spk_0: agent}\n")
    options = load_options(None, [], [], [], [])
    assert options.agent_labels == ("Asesor",) and options.customer_labels == ("Usuario",) and options.role_map == {"spk_0": "agent"}
    flags = load_options(None, ["Operador"], [], [], ["spk_1=agent"])
    assert flags.agent_labels == ("Operador",) and flags.role_map == {"spk_1": "agent"} and flags.customer_labels == ("Usuario",)


def test_redact_from_the_config_masks_evidence(cli, project):
    (project / "data" / "chat.txt").write_text("Agente: Eso no se puede, escriba a ana@example.com.\nCliente: Vale.\n", encoding="utf-8")
    write(project / ".cx-audit.yaml", "rulesets: core.yaml\nformat: json\nredact: true\n")
    _, out, _ = cli("score", "chat.txt")
    assert "ana@example.com" not in out
    _, out, _ = cli("score", "chat.txt", "--no-redact")
    assert "ana@example.com" in out


def test_config_formats_are_the_score_formats():
    from cx_audit.cli.score import OutputFormat
    from cx_audit.config import FORMATS

    assert FORMATS == tuple(f.value for f in OutputFormat)


def test_workers_come_from_the_file_then_the_environment_then_the_flag(cli, project, monkeypatch):
    import cx_audit.cli.score as score_cli

    used = []
    real_run = score_cli.run

    def spy(*args, **kwargs):
        used.append(args[8])  # run(paths, scorer, options, renderer, out, on_error, warn, fail_under, workers, rows)
        return real_run(*args, **kwargs)

    monkeypatch.setattr(score_cli, "run", spy)
    assert load_settings()["workers"] is None  # the default: all cores
    cli("score", "chat.txt", "-q")
    write(project / ".cx-audit.yaml", "workers: 3\n")
    assert load_settings().origin("workers").endswith(".cx-audit.yaml:1")
    cli("score", "chat.txt", "-q")
    monkeypatch.setenv("CX_AUDIT_WORKERS", "1")
    cli("score", "chat.txt", "-q")
    code, _, _ = cli("score", "chat.txt", "-q", "--workers", "2")
    import os

    assert used == [os.cpu_count() or 1, 3, 1, 2] and code == 1
    code, out, _ = cli("config", "show")
    assert code == 0 and "workers" in out and "env CX_AUDIT_WORKERS" in out
    monkeypatch.setenv("CX_AUDIT_WORKERS", "two")
    assert problems() == ["CX_AUDIT_WORKERS=two: workers must be a whole number of processes, 1 or more, not 'two'"]
    code, _, err = cli("score", "chat.txt", "--workers", "0")
    assert code == 2 and "--workers" in err
