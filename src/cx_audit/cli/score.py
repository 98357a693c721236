"""`cx-audit score PATHS...`: the main job."""

from __future__ import annotations

import os
import signal
import sys
import tempfile
from contextlib import contextmanager
from enum import Enum
from typing import IO, Iterator, Optional

import typer

from cx_audit.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, app, fail
from cx_audit.errors import InputError
from cx_audit.inputs import LoadOptions, loaders
from cx_audit.inputs.files import expand_paths
from cx_audit.parallel import ROW_FORMATS, RowSpec, RowsRenderer, default_workers
from cx_audit.pipeline import Scorer, run
from cx_audit.render import make_renderer
from cx_audit.config import load_settings, project_rulesets


class OutputFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"
    jsonl = "jsonl"
    xlsx = "xlsx"
    markdown = "markdown"
    html = "html"
    parquet = "parquet"


class GroupKey(str, Enum):
    agent = "agent"
    team = "team"
    queue = "queue"
    date = "date"
    week = "week"
    source = "source"


class Lang(str, Enum):
    auto = "auto"


class Engine(str, Enum):
    local = "local"
    dask = "dask"


def parse_pairs(values: list[str], flag: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        key, sep, val = value.partition("=")
        if not sep or not key.strip() or not val.strip():
            fail(f"{flag} takes NAME=VALUE, not '{value}'")
        pairs[key.strip()] = val.strip()
    return pairs


def load_options(input_format, agent_label, customer_label, column, role_map) -> LoadOptions:
    project = load_settings()  # flags replace the project config's labels and role map
    agent_label = agent_label or project["agent_labels"]
    customer_label = customer_label or project["customer_labels"]
    role_map = role_map or [f"{name}={role}" for name, role in project["role_map"].items()]
    if input_format and input_format not in loaders():
        fail(f"unknown input format '{input_format}' (see `cx-audit formats`: {', '.join(sorted(loaders()))})")
    roles = parse_pairs(role_map, "--role-map")
    for name, role in roles.items():
        if role not in ("agent", "customer", "bot", "system", "unknown"):
            fail(f"--role-map {name}={role}: the role must be agent, customer, bot, system or unknown")
    return LoadOptions(
        input_format=input_format,
        agent_labels=tuple(agent_label),
        customer_labels=tuple(customer_label),
        columns=parse_pairs(column, "--column"),
        role_map=roles,
    )


@contextmanager
def output_stream(path: Optional[str], inputs: list[str]) -> Iterator[IO[str]]:
    """stdout, or a temporary file beside `path` renamed into place only when all went well."""
    if not path or path == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    target = os.path.abspath(path)
    if os.path.exists(target):
        files, _ = expand_paths(inputs)
        if any(name != "-" and os.path.samefile(name, target) for name in files if os.path.exists(name)):
            fail(f"-o {path}: that file is one of the inputs; refusing to overwrite it")
    folder = os.path.dirname(target) or "."
    if not os.path.isdir(folder):
        fail(f"-o {path}: folder {folder} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=".cx-audit-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            yield handle
        # mkstemp makes the file private (0600); give it the permissions any new file would get.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


@app.command()
def score(
    paths: list[str] = typer.Argument(..., help="Files, folders (recursive), globs, or - for stdin. .gz is read transparently.", show_default=False),
    ruleset: list[str] = typer.Option([], "--ruleset", "-r", help="Built-in ruleset name (es, en) or a YAML file. Repeatable. Default: es."),
    lang: Optional[Lang] = typer.Option(None, "--lang", help="auto: score each conversation with the ruleset of its language (default rulesets: es and en)."),
    fmt: Optional[OutputFormat] = typer.Option(None, "--format", "-f", help="Output format. Default: table, or the project config's format.", show_default=False),
    output: Optional[str] = typer.Option(None, "--output", "-o", help="Write to FILE (atomically) instead of stdout."),
    details: bool = typer.Option(False, "--details", help="CSV: one row per finding instead of one per conversation."),
    fail_under: Optional[float] = typer.Option(None, "--fail-under", min=0, max=100, help="Also exit 1 when a conversation scores below this."),
    exit_zero: bool = typer.Option(False, "--exit-zero", help="Exit 0 even when conversations fail (errors still exit 2)."),
    input_format: Optional[str] = typer.Option(None, "--input-format", help="Read every input as this format instead of sniffing (see `cx-audit formats`)."),
    agent_label: list[str] = typer.Option([], "--agent-label", help="Another speaker label that means the agent. Repeatable."),
    customer_label: list[str] = typer.Option([], "--customer-label", help="Another speaker label that means the customer. Repeatable."),
    column: list[str] = typer.Option([], "--column", help="CSV column mapping, CANONICAL=NAME (e.g. text=message_body). Repeatable."),
    role_map: list[str] = typer.Option([], "--role-map", help="Speaker to role, NAME=ROLE (e.g. spk_0=agent). Repeatable."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No warnings or run summary on stderr (errors are still printed)."),
    group_by: list[GroupKey] = typer.Option([], "--group-by", "-g", help="Report one row per group instead of per conversation (table, csv, json). Repeatable."),
    top: int = typer.Option(3, "--top", min=1, help="With --group-by: how many of the most failed rules each group lists."),
    redact: Optional[bool] = typer.Option(None, "--redact/--no-redact", show_default=False, help="Mask e-mails, phone, card and IBAN numbers and ID numbers (DNI/NIE, RUT, CURP, cédula) in the evidence."),
    pass_mark: Optional[float] = typer.Option(None, "--pass-mark", min=0, max=100, help="Pass mark for every ruleset. Default: each ruleset's own, or the project config's."),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="A progress bar on stderr (only ever when stderr is a terminal)."),
    workers: Optional[int] = typer.Option(None, "--workers", "-j", min=1, show_default=False, help="Score on N processes (same output, in the same order). Default: all cores, or the project config's; 1 scores in this process."),
    engine: Engine = typer.Option(Engine.local, "--engine", help="dask: score Parquet/CSV/JSONL turn tables on a Dask cluster into -o FILE.parquet (pip install 'cx-audit[dask]')."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="With --engine dask: the scheduler's address (tcp://HOST:8786). Default: a local cluster."),
    partition_rows: int = typer.Option(100_000, "--partition-rows", min=1, help="With --engine dask: turn rows per partition (a conversation is never split)."),
) -> int:
    """Score transcripts against rulesets and report the results."""
    options = load_options(input_format, agent_label, customer_label, column, role_map)
    project = load_settings()  # .cx-audit.yaml / [tool.cx-audit] and CX_AUDIT_*; flags win
    fmt_flag = fmt  # before the config default: --engine dask takes only -f parquet
    fmt = fmt or OutputFormat(project["format"])
    redact = project["redact"] if redact is None else redact
    workers = workers or project["workers"] or default_workers()
    rulesets = project_rulesets(ruleset, lang == Lang.auto, pass_mark)
    ids = [rs.label for rs in rulesets]
    if len(set(ids)) != len(ids):
        fail(f"the same ruleset is named twice: {', '.join(ids)}")
    if engine == Engine.dask:
        from cx_audit import dask_engine

        refused = [flag for flag, on in (("--group-by", group_by), ("--details", details)) if on]
        return dask_engine.command(paths, rulesets, lang == Lang.auto, options, output, fmt_flag and fmt_flag.value,
                                   scheduler, partition_rows, quiet, fail_under, exit_zero, refused)
    scorer = Scorer(rulesets, lang_auto=lang == Lang.auto)
    if group_by:
        from cx_audit.render.groups import GROUP_FORMATS, GroupRenderer

        if fmt.value not in GROUP_FORMATS:
            fail(f"--group-by writes {', '.join(GROUP_FORMATS)}; not -f {fmt.value}")
        if details:
            fail("--group-by and --details do not go together")
        renderer = GroupRenderer(fmt.value, [g.value for g in group_by], top)
    else:
        if fmt == OutputFormat.xlsx and (not output or output == "-") and sys.stdout.isatty():
            fail("-f xlsx writes a binary workbook: name the file with -o FILE.xlsx (or pipe stdout)")
        if fmt == OutputFormat.parquet and (not output or output == "-"):
            fail("-f parquet writes a binary file: name it with -o FILE.parquet")
        if fmt == OutputFormat.parquet and details:
            fail("--details writes CSV; -f parquet has one row per conversation")
        renderer = make_renderer(fmt.value, details=details)

    rows = None
    if workers > 1 and not group_by and fmt.value in ROW_FORMATS:
        # The workers write the rows (redacted, when asked); this process reads and writes.
        rows = RowSpec(fmt.value, details=details, redact=redact)
        renderer = RowsRenderer(renderer)
    elif redact:
        from cx_audit.redact import RedactingRenderer

        renderer = RedactingRenderer(renderer)
    if progress and not quiet:
        from cx_audit.progress import ProgressRenderer, wants_progress

        # Rows streamed to the same terminal would tear the bar: only bar over buffered output.
        streaming = fmt.value in ("csv", "json", "jsonl") and not group_by
        to_terminal = (not output or output == "-") and wants_progress(sys.stdout)
        if wants_progress(sys.stderr) and not (streaming and to_terminal):
            files, _ = expand_paths(paths)
            renderer = ProgressRenderer(renderer, len(files))

    def on_error(error: InputError) -> None:
        sys.stderr.write(f"cx-audit: error: {error}\n")

    def warn(message: str) -> None:
        if not quiet:
            sys.stderr.write(f"cx-audit: warning: {message}\n")

    try:
        with output_stream(output, paths) as out:
            summary = run(paths, scorer, options, renderer, out, on_error, warn, fail_under, workers, rows)
    except BrokenPipeError:
        if not hasattr(signal, "SIGPIPE"):
            raise
        # stdout was closed (`| head`) while workers ran (SIGPIPE is ignored meanwhile, see
        # cx_audit.parallel): end as one process does, quietly by SIGPIPE.
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGPIPE)
        raise
    if not quiet:
        s = summary
        sys.stderr.write(
            f"cx-audit: {s.inputs} inputs, {s.conversations} conversations, {s.scored} scored, "
            f"{s.failed} failed, {s.errors} errors"
            + (f", {s.skipped} skipped" if s.skipped else "")
            + f" in {s.seconds:.2f}s\n"
        )
        if s.language_mismatches:
            sys.stderr.write(
                f"cx-audit: warning: {s.language_mismatches} conversations are in another language than "
                "their ruleset; --lang auto scores each with the ruleset of its language\n"
            )
    if summary.errors:
        return EXIT_ERROR
    if (summary.failed or summary.below_fail_under) and not exit_zero:
        return EXIT_FINDINGS
    return EXIT_OK
