"""`cx-audit rules schema`: the JSON Schema of ruleset files, for editors' YAML support."""

from __future__ import annotations

import sys

from cx_audit.cli import EXIT_OK, rules_app


@rules_app.command("schema")
def schema() -> int:
    """Print the JSON Schema of ruleset files (point your editor's YAML support at it)."""
    from cx_audit.ruleset.schema import shipped_schema_text

    sys.stdout.write(shipped_schema_text())
    return EXIT_OK
