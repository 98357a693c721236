"""`cx-audit formats` and `cx-audit inspect FILE`: see how input is read, without scoring it."""

from __future__ import annotations

import json
import sys
from enum import Enum
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from cx_audit.cli import EXIT_ERROR, EXIT_OK, app
from cx_audit.cli.score import load_options
from cx_audit.errors import InputError
from cx_audit.inputs import InputStats, loaders, read_inputs
from cx_audit.model import Transcript
from cx_audit.render.table import safe, report_console


class InspectFormat(str, Enum):
    table = "table"
    json = "json"


@app.command()
def formats() -> int:
    """List the input formats, each with a short example."""
    console = Console(highlight=False, soft_wrap=True)  # examples are never wrapped mid-line
    for name, loader in sorted(loaders().items()):
        head = Text(name, style="bold")
        head.append(f"  ({', '.join(loader.extensions) or 'sniffed only'})  ", style="dim")
        head.append(loader.description)
        console.print(head)
        for line in loader.example.strip("\n").splitlines():
            console.print(Text("    " + line, style="cyan"))
        console.print()
    return EXIT_OK


def transcript_record(tr: Transcript) -> dict:
    return {
        "conversation_id": tr.conversation_id,
        "source": tr.source,
        "format": tr.format,
        "channel": tr.channel or None,
        "language": tr.language or None,
        "metadata": {k: (v if isinstance(v, (str, int, float, bool)) or v is None else str(v)) for k, v in tr.metadata.items()},
        "turns": [
            {"role": t.role, "role_source": t.role_source, "speaker": t.speaker, "text": t.text, "start": t.start, "end": t.end}
            for t in tr.turns
        ],
    }


@app.command()
def inspect(
    paths: list[str] = typer.Argument(..., help="Files, folders, globs or - for stdin."),
    fmt: InspectFormat = typer.Option(InspectFormat.table, "--format", "-f", help="table or json."),
    input_format: Optional[str] = typer.Option(None, "--input-format", help="Read as this format instead of sniffing."),
    agent_label: list[str] = typer.Option([], "--agent-label", help="Another label that means the agent."),
    customer_label: list[str] = typer.Option([], "--customer-label", help="Another label that means the customer."),
    column: list[str] = typer.Option([], "--column", help="CSV column mapping, CANONICAL=NAME."),
    role_map: list[str] = typer.Option([], "--role-map", help="Speaker to role, NAME=ROLE."),
) -> int:
    """Show how files were read (format, roles and how each was decided, turns), without scoring."""
    options = load_options(input_format, agent_label, customer_label, column, role_map)
    stats = InputStats()
    conversations: list[Transcript] = []
    errors: list[InputError] = []

    def warn(message: str) -> None:
        sys.stderr.write(f"cx-audit: warning: {message}\n")

    for item in read_inputs(paths, options, stats, warn):
        if isinstance(item, InputError):
            errors.append(item)
            sys.stderr.write(f"cx-audit: error: {item}\n")
        else:
            conversations.append(item)
    if fmt == InspectFormat.json:
        doc = {"conversations": [transcript_record(t) for t in conversations], "errors": [e.as_dict() for e in errors]}
        sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
    else:
        console = report_console()
        for tr in conversations:
            meta = ", ".join(f"{k}={v}" for k, v in tr.metadata.items() if v not in (None, ""))
            title = Text(safe(f"{tr.conversation_id}  [{tr.format}]  {tr.source}" + (f"  ({meta})" if meta else "")))
            table = Table(title=title, title_justify="left", header_style="bold")
            for column_name in ("#", "start", "role", "how", "speaker", "text"):
                table.add_column(column_name, overflow="fold")
            for k, turn in enumerate(tr.turns, 1):
                start = "" if turn.start is None else f"{turn.start:.1f}"
                table.add_row(str(k), start, turn.role, turn.role_source, Text(safe(turn.speaker)), Text(safe(turn.text)))
            console.print(table)
    return EXIT_ERROR if errors else EXIT_OK
