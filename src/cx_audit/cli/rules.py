"""`cx-audit rules list|show|validate|test`: rules as documentation, and their fixtures as proof."""

from __future__ import annotations

import os
import sys

import typer
from rich.table import Table
from rich.text import Text

from cx_audit.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, fail, rules_app
from cx_audit.errors import RulesetError
from cx_audit.render.table import report_console
from cx_audit.ruleset import load_ruleset
from cx_audit.ruleset.loader import builtin_names, ruleset_names
from cx_audit.ruleset.model import Rule, Ruleset

RULESET_OPTION = typer.Option([], "--ruleset", "-r", help="Built-in or rule-pack ruleset name, or a YAML file. Repeatable. Default: every built-in and installed ruleset.")


def _rulesets(names: list[str]) -> list[Ruleset]:
    if not names:  # a rule pack that cannot be read is named, not silently left out
        from cx_audit.ruleset.packs import discover

        for problem in discover().broken:
            sys.stderr.write(f"cx-audit: warning: {problem}\n")
    return [load_ruleset(name) for name in (names or ruleset_names())]


@rules_app.command("list")
def list_rules(ruleset: list[str] = RULESET_OPTION) -> int:
    """List the rules of the built-in rulesets and installed rule packs (or of -r)."""
    console = report_console()
    for rs in _rulesets(ruleset):
        table = Table(title=Text(f"{rs.name} ({rs.label}, {rs.language}, pass mark {rs.pass_mark:g})"), header_style="bold")
        for column in ("rule", "category", "kind", "severity", "weight", "message"):
            table.add_column(column, overflow="fold")
        for rule in rs.rules:
            message = rule.message if rule.enabled else f"(disabled) {rule.message}"
            table.add_row(rule.id, rule.category, rule.kind, rule.severity, f"{rule.weight:g}", Text(message))
        console.print(table)
    return EXIT_OK


@rules_app.command("show")
def show_rule(rule_id: str = typer.Argument(..., help="The rule id, e.g. flat-refusal."), ruleset: list[str] = RULESET_OPTION) -> int:
    """Show one rule: what it checks, its message, its tip, and the article it comes from."""
    console = report_console()
    found = [(rs, rs.rule(rule_id)) for rs in _rulesets(ruleset)]
    found = [(rs, rule) for rs, rule in found if rule is not None]
    if not found:
        fail(f"no rule '{rule_id}' in {', '.join(ruleset or ruleset_names())} (see `cx-audit rules list`)")
    for rs, rule in found:
        console.print(Text(f"{rule.id}  [{rs.label}]", style="bold"))
        for label, value in _describe(rule):
            line = Text(f"  {label:<10} ", style="cyan")
            line.append(value)
            console.print(line)
        console.print()
    return EXIT_OK


def _describe(rule: Rule) -> list[tuple[str, str]]:
    scope = rule.scope
    where = "/".join(scope.speakers)
    for key in ("skip_first_turns", "first_turns", "last_turns", "first_seconds", "last_seconds"):
        value = getattr(scope, key)
        if value is not None:
            where += f", {key.replace('_', ' ')} {value:g}"
    rows = [
        ("category", rule.category),
        ("kind", rule.kind),
        ("severity", f"{rule.severity} (weight {rule.weight:g})"),
        ("scope", where),
        ("message", rule.message),
        ("tip", rule.tip),
        ("source", rule.source),
    ]
    if rule.description:
        rows.append(("about", rule.description))
    if rule.phrases:
        rows.append(("phrases", ", ".join(rule.phrases[:12]) + (" …" if len(rule.phrases) > 12 else "")))
    if rule.unless:
        rows.append(("unless", ", ".join(rule.unless[:12]) + (" …" if len(rule.unless) > 12 else "")))
    if rule.regex:
        rows.append(("regex", "  ".join(rule.regex)))
    if rule.trigger:
        more = " …" if len(rule.trigger.phrases) > 12 else ""
        rows.append(("trigger", f"{'/'.join(rule.trigger.speakers)}: " + ", ".join(rule.trigger.phrases[:12]) + more))
        if rule.trigger.regex:
            rows.append(("  regex", "  ".join(rule.trigger.regex)))
        if rule.trigger.unless:
            rows.append(("  unless", ", ".join(rule.trigger.unless[:12]) + (" …" if len(rule.trigger.unless) > 12 else "")))
    if rule.kind == "respond":
        turns = "the next turn" if rule.within == 1 else f"the next {rule.within} turns"
        if rule.expect == "absent":
            rows.append(("window", f"none of it in {turns} after the trigger"))
        else:
            rows.append(("window", f"in the trigger turn or {turns}" if rule.within else "in the trigger turn itself"))
    if rule.kind == "respond" and rule.before:
        rows.append(("before", f"an answer up to {rule.before} turns before the trigger also counts"))
    if rule.kind == "respond" and not rule.each:
        rows.append(("each", "false: one answered trigger is enough"))
    if rule.fuzzy:
        rows.append(("fuzzy", str(rule.fuzzy)))
    if rule.kind == "repetition":
        if rule.unit == "value":
            rows.append(("compare", f"data values (e-mails, long numbers, codes); fails when one is given {rule.times} times"))
        else:
            what = "sentences" if rule.unit == "sentence" else "turns"
            rows.append(("compare", f"{what} of {rule.min_words} words or more, similarity {rule.threshold:g} or more;"
                         f" fails when one is said {rule.times} times"))
    if rule.kind == "metric":
        bounds = " ".join(f"{k} {v:g}" for k, v in (("min", rule.min), ("max", rule.max)) if v is not None)
        rows.append(("metric", f"{rule.metric} {bounds}"))
    rows.append(("defined", rule.location))
    return rows


@rules_app.command("validate")
def validate(files: list[str] = typer.Argument(..., help="Ruleset YAML files (or built-in names).")) -> int:
    """Check ruleset files; every problem is reported as file:line:col (exit 2)."""
    code = EXIT_OK
    for name in files:
        try:
            rs = load_ruleset(name)
        except RulesetError as err:
            for line in err.problems:
                sys.stderr.write(f"{line}\n")
            code = EXIT_ERROR
            continue
        sys.stdout.write(f"{rs.path}: ok ({len(rs.rules)} rules, {len(rs.categories)} categories)\n")
    return code


@rules_app.command("test")
def test_rules(
    paths: list[str] = typer.Argument(None, help="Ruleset files (their fixtures/<id>/ folder is run), fixture folders or fixture files. Default: every built-in ruleset."),
    ruleset: list[str] = typer.Option([], "--ruleset", "-r", help="The ruleset that fixture folders/files are tested with (built-in name or YAML file). Default: the one the folder belongs to."),
) -> int:
    """Run annotated fixture transcripts: exit 0 when every annotation holds, 1 on missed or
    unexpected findings (fixture:line), 2 when a fixture names an unknown rule or cannot be read."""
    from pathlib import Path

    from cx_audit.ruleset.fixtures import (
        ERROR,
        FIXTURE_EXTENSIONS,
        Problem,
        RulesetResult,
        check_ruleset,
        find_fixtures,
        read_fixture,
        ruleset_for_fixtures,
        run_fixtures,
    )

    results: list[RulesetResult] = []
    try:
        chosen = [load_ruleset(name) for name in ruleset]
        if not paths:
            for rs in chosen or [load_ruleset(name) for name in builtin_names()]:
                results.append(check_ruleset(rs))
        for path in paths or []:
            is_yaml = path.lower().endswith((".yaml", ".yml"))
            if os.path.isdir(path) and any(p.suffix.lower() in (".yaml", ".yml") for p in Path(path).iterdir()):
                for file in sorted(Path(path).iterdir()):  # a folder of rulesets
                    if file.suffix.lower() in (".yaml", ".yml") and file.is_file():
                        results.append(check_ruleset(load_ruleset(str(file))))
            elif os.path.isdir(path) or (os.path.isfile(path) and path.lower().endswith(FIXTURE_EXTENSIONS)):
                fixtures = find_fixtures(Path(path)) if os.path.isdir(path) else [read_fixture(path)]
                for rs in chosen or [ruleset_for_fixtures(path)]:
                    result = run_fixtures(rs, fixtures, path)
                    if not fixtures:
                        result.errors.append(Problem(ERROR, path, None, "no fixture files (.txt, .log, .json) here"))
                    results.append(result)
            elif is_yaml or not os.path.exists(path):  # a ruleset file, or a built-in / pack name
                results.append(check_ruleset(load_ruleset(path)))
            else:
                fail(f"{path}: not a ruleset file, a fixture folder or a fixture file ({', '.join(FIXTURE_EXTENSIONS)})")
    except RulesetError as err:
        for line in err.problems:
            sys.stderr.write(f"{line}\n")
        return EXIT_ERROR

    missed = unexpected = errors = 0
    for result in results:
        for problem in result.errors:
            sys.stderr.write(f"{problem}\n")
        for fixture in result.fixtures:
            for problem in fixture.problems:
                stream = sys.stderr if problem.kind == "error" else sys.stdout
                stream.write(f"{problem}\n")
        missed += result.count("missed")
        unexpected += result.count("unexpected")
        errors += result.count("errors")
    fixtures = sum(len(r.fixtures) for r in results)
    annotations = sum(r.annotations for r in results)
    summary = (
        f"{_plural(len(results), 'ruleset')}, {_plural(fixtures, 'fixture')}, {_plural(annotations, 'annotation')}, "
        f"{missed} missed, {unexpected} unexpected"
    )
    if errors:
        summary += f", {_plural(errors, 'error')}"
    sys.stdout.write(f"rules test: {summary}\n")
    if errors:
        return EXIT_ERROR
    return EXIT_FINDINGS if missed or unexpected else EXIT_OK


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
