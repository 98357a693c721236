"""Project configuration: `.cx-audit.yaml` or `[tool.cx-audit]` in pyproject.toml.

The first folder from the current one upward that holds either is the project's; both in one
folder is an error. `CX_AUDIT_CONFIG=FILE` names the file instead (`CX_AUDIT_CONFIG=` with an empty
value: no project config). `CX_AUDIT_*` environment variables override the file, and command-line
flags override both. Every key written either takes effect or is an error located as
`file:line:col` (exit 2); a file that does not parse is an error too, never a silent fall-back.

    # .cx-audit.yaml
    rulesets: [rules/team.yaml]   # the default -r; paths are relative to this file
    pass_mark: 75                 # replaces every ruleset's pass_mark
    format: table                 # the default -f of `score`
    agent_labels: [Asesor]        # more --agent-label / --customer-label
    customer_labels: [Usuario]
    role_map: {spk_0: agent}      # the default --role-map
    redact: true                  # the default --redact of `score`
    workers: 2                    # the default --workers of `score` (default: all cores)
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import yaml
from yaml.nodes import MappingNode, ScalarNode

from cx_audit.errors import CxAuditError

CONFIG_FILE = ".cx-audit.yaml"
PYPROJECT = "pyproject.toml"
FORMATS = ("table", "csv", "json", "jsonl", "xlsx", "markdown", "html", "parquet")
ROLES = ("agent", "customer", "bot", "system", "unknown")
# Keys of features that are not built: writing them is an error that says so.
NOT_BUILT: dict[str, str] = {}


@dataclass(frozen=True)
class Key:
    name: str
    env: str
    flag: str
    default: Any
    default_text: str
    help: str


KEYS: tuple[Key, ...] = (
    Key("rulesets", "CX_AUDIT_RULESETS", "--ruleset/-r", [], "es (es and en with --lang auto)", "default rulesets: names or paths (relative to the config file)"),
    Key("pass_mark", "CX_AUDIT_PASS_MARK", "--pass-mark", None, "each ruleset's own", "pass mark 0-100 for every ruleset"),
    Key("format", "CX_AUDIT_FORMAT", "--format/-f", "table", "table", f"score's output format: {', '.join(FORMATS)}"),
    Key("agent_labels", "CX_AUDIT_AGENT_LABELS", "--agent-label", [], "none", "more speaker labels that mean the agent"),
    Key("customer_labels", "CX_AUDIT_CUSTOMER_LABELS", "--customer-label", [], "none", "more speaker labels that mean the customer"),
    Key("role_map", "CX_AUDIT_ROLE_MAP", "--role-map", {}, "none", "speaker name -> role"),
    Key("redact", "CX_AUDIT_REDACT", "--redact/--no-redact", False, "false", "mask personal data in score's output"),
    Key("workers", "CX_AUDIT_WORKERS", "--workers", None, f"all cores ({os.cpu_count() or 1})", "processes that score: 1 scores in this process"),
)
KEY_NAMES = tuple(k.name for k in KEYS)
TRUE = ("1", "true", "yes", "on")
FALSE = ("0", "false", "no", "off")


class ConfigError(CxAuditError):
    """Located problems with the project config (or a CX_AUDIT_* variable)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class Setting:
    value: Any
    origin: str  # "default", "FILE:LINE", "env CX_AUDIT_X", "flag --x"


@dataclass
class Settings:
    file: str | None = None
    values: dict[str, Setting] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        return self.values[key].value

    def origin(self, key: str) -> str:
        return self.values[key].origin


# ---- finding the file ---------------------------------------------------------------------------


def find_config(start: Path | None = None) -> Path | None:
    """The project config file for `start` (default: the current folder), or None."""
    if "CX_AUDIT_CONFIG" in os.environ:
        named = os.environ["CX_AUDIT_CONFIG"]
        if not named:
            return None
        if not os.path.isfile(named):
            raise ConfigError([f"CX_AUDIT_CONFIG={named}: no such file"])
        return Path(named)
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        own = folder / CONFIG_FILE
        pyproject = folder / PYPROJECT
        in_pyproject = pyproject.is_file() and _pyproject_has_section(pyproject)
        if own.is_file() and in_pyproject:
            raise ConfigError([f"{own} and [tool.cx-audit] in {pyproject} both configure cx-audit; keep one"])
        if own.is_file():
            return own
        if in_pyproject:
            return pyproject
    return None


def _pyproject_has_section(path: Path) -> bool:
    text = path.read_text(encoding="utf-8-sig")
    if not re.search(r'^\s*\[\s*tool\s*\.\s*"?cx-audit"?\s*[\].]', text, re.M):
        return False  # no [tool.cx-audit] table: not ours, whether it parses or not
    return "cx-audit" in _read_toml(path, text).get("tool", {})


def _read_toml(path: Path, text: str) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(err))
        where = f"{path}:{m.group(1)}:{m.group(2)}" if m else str(path)
        raise ConfigError([f"{where}: TOML syntax error: {str(err).split(' (at line')[0]}"]) from None


# ---- reading it ---------------------------------------------------------------------------------


def read_config_file(path: Path) -> dict[str, tuple[Any, str, tuple[int, int], tuple[int, int]]]:
    """key -> (value, display path, (line, col) of the key, (line, col) of the value) from a config
    file; syntax and structure checked, values not yet."""
    text = path.read_text(encoding="utf-8-sig")
    shown = str(path)
    if path.name == PYPROJECT:
        table = _read_toml(path, text).get("tool", {}).get("cx-audit")
        if table is None:
            raise ConfigError([f"{shown}: no [tool.cx-audit] table"])
        return {key: (value, shown, *_toml_position(text, key)) for key, value in table.items()}
    try:
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f"{shown}:{mark.line + 1}:{mark.column + 1}" if mark else shown
        raise ConfigError([f"{where}: YAML syntax error: {err.problem or err}"]) from None
    except yaml.YAMLError as err:
        raise ConfigError([f"{shown}: YAML error: {err}"]) from None
    if node is None:
        return {}
    if not isinstance(node, MappingNode) or not isinstance(data, dict):
        raise ConfigError([f"{shown}:{node.start_mark.line + 1}:{node.start_mark.column + 1}: the config must be a mapping (key: value)"])
    out: dict[str, tuple[Any, str, tuple[int, int], tuple[int, int]]] = {}
    problems = []
    for key_node, value_node in node.value:
        key = key_node.value if isinstance(key_node, ScalarNode) else str(key_node)
        pos = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        if key in out:
            problems.append(f"{shown}:{pos[0]}:{pos[1]}: duplicate key '{key}' (first at line {out[key][2][0]})")
            continue
        out[key] = (data.get(key), shown, pos, (value_node.start_mark.line + 1, value_node.start_mark.column + 1))
    if problems:
        raise ConfigError(problems)
    return out


def _toml_position(text: str, key: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """Where `key` and its value are inside [tool.cx-audit] (tomllib keeps no positions)."""
    inside = False
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("["):
            header = stripped.strip("[] ")
            if header == f"tool.cx-audit.{key}" or header == f'tool."cx-audit".{key}':
                return (number, line.index("[") + 1), (number, line.index("[") + 1)
            inside = header in ("tool.cx-audit", 'tool."cx-audit"')
            continue
        m = re.match(rf"\s*(\"?{re.escape(key)}\"?)\s*=\s*", line)
        if inside and m:
            return (number, m.start(1) + 1), (number, m.end() + 1)
    return (1, 1), (1, 1)


# ---- checking values ----------------------------------------------------------------------------


def _check(key: str, value: Any, base_dir: Path | None, fail: Callable[[str], None]) -> Any:
    """The value of `key` as cx-audit uses it, or None after calling `fail(message)`."""
    if key == "rulesets":
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not items or not all(isinstance(v, str) and v.strip() for v in items):
            return fail("rulesets must be a ruleset name or path, or a list of them")
        from cx_audit.ruleset.loader import ruleset_names

        out = []
        for item in items:
            path = (base_dir / item) if base_dir is not None else Path(item)
            if path.is_file():
                out.append(os.path.normpath(os.path.relpath(path) if not Path(item).is_absolute() else item))
            elif item in ruleset_names() or (":" in item and "/" not in item):
                out.append(item)
            else:
                names = ruleset_names()
                close = difflib.get_close_matches(item, names, n=1, cutoff=0.6)
                hint = f"; did you mean '{close[0]}'?" if close else f" (built-in and installed: {', '.join(names)})"
                return fail(f"rulesets: '{item}' is neither a file{f' (no {path})' if base_dir is not None else ''} nor a ruleset name{hint}")
        return out
    if key == "pass_mark":
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                return fail(f"pass_mark must be a number from 0 to 100, not '{value}'")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 100:
            return fail(f"pass_mark must be a number from 0 to 100, not {value!r}")
        return float(value)
    if key == "format":
        if value not in FORMATS:
            close = difflib.get_close_matches(str(value), FORMATS, n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            return fail(f"format must be one of {', '.join(FORMATS)}, not {value!r}{hint}")
        return value
    if key in ("agent_labels", "customer_labels"):
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(v, str) and v.strip() for v in items):
            return fail(f"{key} must be a speaker label or a list of them")
        return [v.strip() for v in items]
    if key == "role_map":
        if not isinstance(value, dict) or not value:
            return fail("role_map must map speaker names to roles, e.g. {spk_0: agent}")
        for name, role in value.items():
            if role not in ROLES:
                return fail(f"role_map: {name}: the role must be one of {', '.join(ROLES)}, not {role!r}")
        return {str(k): v for k, v in value.items()}
    if key == "redact":
        if isinstance(value, str) and value.lower() in TRUE + FALSE:
            return value.lower() in TRUE
        if not isinstance(value, bool):
            return fail(f"redact must be true or false, not {value!r}")
        return value
    if key == "workers":
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            return fail(f"workers must be a whole number of processes, 1 or more, not {value!r}")
        return value
    raise AssertionError(key)  # pragma: no cover


def _from_env(key: Key, text: str) -> Any:
    if key.name in ("rulesets", "agent_labels", "customer_labels"):
        return [part.strip() for part in text.split(",") if part.strip()]
    if key.name == "role_map":
        pairs = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            name, sep, role = part.partition("=")
            pairs[name.strip()] = role.strip() if sep else None
        return pairs
    return text


def load_settings(start: Path | None = None, environ: dict[str, str] | None = None) -> Settings:
    """The project's settings: defaults, then the config file, then CX_AUDIT_* variables."""
    env = os.environ if environ is None else environ
    settings = Settings(values={k.name: Setting(k.default, "default") for k in KEYS})
    problems: list[str] = []
    path = find_config(start)
    if path is not None:
        settings.file = str(path)
        raw = read_config_file(path)
        base = path.parent
        for key, (value, shown, (kline, kcol), (line, col)) in raw.items():
            where = f"{shown}:{line}:{col}"
            if key in NOT_BUILT or key not in KEY_NAMES:
                where = f"{shown}:{kline}:{kcol}"
            if key in NOT_BUILT:
                problems.append(f"{where}: '{key}': {NOT_BUILT[key]}")
                continue
            if key not in KEY_NAMES:
                close = difflib.get_close_matches(key, KEY_NAMES, n=1, cutoff=0.6)
                hint = f"; did you mean '{close[0]}'?" if close else f" (keys: {', '.join(KEY_NAMES)})"
                problems.append(f"{where}: unknown key '{key}'{hint}")
                continue
            failed: list[str] = []
            checked = _check(key, value, base, failed.append)
            if failed:
                problems.extend(f"{where}: {message}" for message in failed)
            else:
                settings.values[key] = Setting(checked, f"{shown}:{line}")
    for key in KEYS:
        if key.env in env:
            failed = []
            checked = _check(key.name, _from_env(key, env[key.env]), None, failed.append)
            if failed:
                problems.extend(f"{key.env}={env[key.env]}: {message}" for message in failed)
            else:
                settings.values[key.name] = Setting(checked, f"env {key.env}")
    if problems:
        raise ConfigError(problems)
    return settings


# ---- what commands use --------------------------------------------------------------------------

def project_rulesets(flag_names: list[str], lang_auto: bool, pass_mark: float | None = None) -> list:
    """Load the rulesets a command uses: -r, else the config's, else es (es and en with auto);
    with the pass mark of the flag, else the config's, else each ruleset's own."""
    from cx_audit.ruleset import load_ruleset

    s = load_settings()
    names = flag_names or s["rulesets"] or (["es", "en"] if lang_auto else ["es"])
    rulesets = [load_ruleset(name) for name in names]
    mark = pass_mark if pass_mark is not None else s["pass_mark"]
    if mark is not None:
        for rs in rulesets:
            rs.pass_mark = float(mark)
    return rulesets


def format_value(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(value) if value else "-"
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items()) if value else "-"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
