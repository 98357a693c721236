"""`cx-audit explain FILE [--id ID]`: one conversation turn by turn, with why it scored what it did."""

from __future__ import annotations

import sys
from typing import Optional

import typer

from cx_audit.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, app, fail
from cx_audit.cli.score import Lang, load_options
from cx_audit.errors import InputError
from cx_audit.inputs import InputStats, read_inputs
from cx_audit.model import Transcript
from cx_audit.pipeline import Scorer
from cx_audit.config import project_rulesets
from cx_audit.render.table import report_console


@app.command()
def explain(
    path: str = typer.Argument(..., help="A transcript file (or - for stdin).", show_default=False),
    conversation_id: Optional[str] = typer.Option(None, "--id", help="Which conversation of FILE to explain. Default: the first."),
    ruleset: list[str] = typer.Option([], "--ruleset", "-r", help="Built-in ruleset name or a YAML file. Repeatable. Default: es."),
    lang: Optional[Lang] = typer.Option(None, "--lang", help="auto: use the ruleset of the conversation's language."),
    input_format: Optional[str] = typer.Option(None, "--input-format", help="Read FILE as this format instead of sniffing."),
    agent_label: list[str] = typer.Option([], "--agent-label", help="Another speaker label that means the agent. Repeatable."),
    customer_label: list[str] = typer.Option([], "--customer-label", help="Another speaker label that means the customer. Repeatable."),
    column: list[str] = typer.Option([], "--column", help="CSV column mapping, CANONICAL=NAME. Repeatable."),
    role_map: list[str] = typer.Option([], "--role-map", help="Speaker to role, NAME=ROLE. Repeatable."),
    redact: bool = typer.Option(False, "--redact", help="Mask e-mails, phone, card and ID numbers in the transcript and evidence."),
) -> int:
    """Show one conversation turn by turn: matches highlighted, findings, tips, sources, score arithmetic."""
    options = load_options(input_format, agent_label, customer_label, column, role_map)
    # The same rulesets `score` would use: flags, then the project config, then the defaults.
    rulesets = project_rulesets(ruleset, lang == Lang.auto)
    scorer = Scorer(rulesets, lang_auto=lang == Lang.auto)

    chosen: Transcript | None = None
    seen: list[str] = []
    errors = 0
    for item in read_inputs([path], options, InputStats(), lambda m: sys.stderr.write(f"cx-audit: warning: {m}\n")):
        if isinstance(item, InputError):
            errors += 1
            sys.stderr.write(f"cx-audit: error: {item}\n")
            continue
        seen.append(item.conversation_id)
        if conversation_id is None or item.conversation_id == conversation_id:
            chosen = item
            break
    if chosen is None:
        if conversation_id is not None and seen:
            shown = ", ".join(seen[:10]) + (" …" if len(seen) > 10 else "")
            fail(f"no conversation '{conversation_id}' in {path} (it has: {shown})")
        if errors:
            return EXIT_ERROR
        fail(f"no conversation in {path}")
    assert chosen is not None
    if not chosen.turns:
        fail(f"conversation '{chosen.conversation_id}' has no turns to explain")

    results = scorer.score(chosen)
    if redact:
        from cx_audit.redact import redact_result, redact_transcript

        for result in results:
            redact_result(result)
        redact_transcript(chosen)
    from cx_audit.render.explain import explain as render

    console = report_console()
    by_label = {rs.label: rs for rs in rulesets}
    for index, result in enumerate(results):
        if index:
            console.rule()
        render(console, chosen, result, by_label[result.ruleset])
    if errors:
        return EXIT_ERROR
    return EXIT_OK if all(r.passed for r in results) else EXIT_FINDINGS
