"""`cx-audit config show`: each setting, its value, and where it came from."""

from __future__ import annotations

import sys

import typer

from cx_audit.cli import EXIT_OK, app

config_app = typer.Typer(help="The project configuration: .cx-audit.yaml, or the tool.cx-audit table of pyproject.toml.", no_args_is_help=True)
app.add_typer(config_app, name="config")


@config_app.command("show")
def show() -> int:
    """Print each setting, its value and its origin (default, config file:line, env variable)."""
    from cx_audit.config import KEYS, format_value, load_settings

    settings = load_settings()
    out = sys.stdout
    out.write(f"config file: {settings.file or '(none found from here upward)'}\n")
    rows = []
    for key in KEYS:
        setting = settings.values[key.name]
        value = key.default_text if setting.origin == "default" else format_value(setting.value)
        rows.append((key.name, value, setting.origin, f"{key.env}, {key.flag}"))
    widths = [max(len(r[i]) for r in rows + [("key", "value", "origin", "")]) for i in range(3)]
    out.write(f"{'key':<{widths[0]}}  {'value':<{widths[1]}}  {'origin':<{widths[2]}}  overridden by\n")
    for name, value, origin, overrides in rows:
        out.write(f"{name:<{widths[0]}}  {value:<{widths[1]}}  {origin:<{widths[2]}}  {overrides}\n")
    return EXIT_OK
