"""`cx-audit score --engine dask`: score turn tables on a Dask cluster into one Parquet file.

    PATHS -> partitions.plan (driver: conversation ids only) -> Pieces
          -> dask.dataframe.from_map(read_piece) -> map_partitions(score_partition) (workers)
          -> results gathered in input order -> one Parquet file (driver), errors on stderr

Each partition is scored by the same code as `score_frame` (rulesets compiled once per worker
process), so the file holds exactly the rows a local `-f parquet` run writes, in the same order.
Needs the `dask` extra on the driver and on every worker: `pip install 'cx-audit[dask]'`.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from typing import Any, BinaryIO

from cx_audit.errors import CxAuditError, InputError
from cx_audit.inputs.base import LoadOptions
from cx_audit.ruleset.model import Ruleset

MISSING = "--engine dask needs Dask: pip install 'cx-audit[dask]'"
NOTE = "__cx_note__"  # rows of a partition's result that carry an error, a warning or a count


def require_dask() -> None:
    try:
        import dask.dataframe  # noqa: F401
        import distributed  # noqa: F401
        import pyarrow  # noqa: F401
    except ImportError:
        raise CxAuditError(MISSING) from None


def _with_notes(result, notes: list[str]):
    import pandas as pd

    result[NOTE] = pd.array([None] * len(result), dtype=pd.StringDtype())
    if not notes:
        return result
    extra = result.iloc[:0].reindex(range(len(notes)))
    for name in result.columns:
        if result[name].dtype == bool:
            extra[name] = False
    extra[NOTE] = pd.array(notes, dtype=pd.StringDtype())
    return pd.concat([result, extra.astype(result.dtypes.to_dict())], ignore_index=True)


def score_partition(frame, rulesets: list[Ruleset], lang_auto: bool, options: LoadOptions):
    """Score one piece (a `partitions.read_piece` frame): result rows, then note rows."""
    from cx_audit.frame import _scorer, score_table
    from cx_audit.partitions import ERROR, LINE, SOURCE
    from cx_audit.render import tabular

    scorer = _scorer(rulesets, lang_auto, None)
    source = str(frame[SOURCE].iloc[0]) if len(frame) else ""
    bad = frame[ERROR].notna()
    read_errors = [InputError(source, str(m), int(n)) for n, m in zip(frame.loc[bad, LINE], frame.loc[bad, ERROR])]
    rows = frame.loc[~bad]
    scored = score_table(rows.drop(columns=[SOURCE, LINE, ERROR]), scorer, options, source, [int(n) for n in rows[LINE]])
    errors = sorted(read_errors + scored.errors, key=lambda e: e.line or 0)
    notes = [f"error: {e}" for e in errors] + [f"warning: {w}" for w in scored.warnings]
    notes.append(f"conversations: {scored.conversations}")
    return _with_notes(tabular.pandas_frame(scored.columns, scored.rows), notes)


def _client(scheduler: str | None):
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            return Client(scheduler, timeout="20s"), None
        except (OSError, TimeoutError) as err:
            raise CxAuditError(f"--scheduler {scheduler}: cannot reach the Dask scheduler ({err})") from None
    cluster = LocalCluster(
        n_workers=os.cpu_count() or 1, threads_per_worker=1, processes=True,
        dashboard_address=None, silence_logs=logging.ERROR,
    )
    return Client(cluster), cluster


def run_dask(
    paths: list[str],
    rulesets: list[Ruleset],
    lang_auto: bool,
    options: LoadOptions,
    out: BinaryIO,
    scheduler: str | None,
    partition_rows: int,
    quiet: bool,
    fail_under: float | None = None,
) -> dict[str, Any]:
    """Score `paths` on the cluster into `out`; return the run's counts (as `RunSummary`)."""
    require_dask()
    import dask.dataframe as dd

    from cx_audit.partitions import ERROR, LINE, SOURCE, plan, read_piece
    from cx_audit.render import tabular
    from cx_audit.render.parquet import ParquetSink

    began = time.perf_counter()
    pieces, errors, inputs = plan(paths, options, partition_rows)
    counts = {"inputs": inputs, "partitions": len(pieces), "conversations": 0, "scored": 0, "failed": 0,
              "errors": 0, "below_fail_under": 0}
    for error in errors:
        sys.stderr.write(f"cx-audit: error: {error}\n")
    counts["errors"] = len(errors)
    cols = tabular.columns(rulesets)
    sink = ParquetSink(out, cols)
    if pieces:
        import pandas as pd

        meta_in = pd.DataFrame({SOURCE: pd.Series(dtype=object), LINE: pd.Series(dtype="int64"),
                                ERROR: pd.Series(dtype=object)})
        meta_out = _with_notes(tabular.pandas_frame(cols, []), [])
        turns = dd.from_map(read_piece, pieces, meta=meta_in, enforce_metadata=False, label="cx-audit-read")
        results = turns.map_partitions(score_partition, rulesets, lang_auto, options, meta=meta_out,
                                       enforce_metadata=False, align_dataframes=False)
        client, cluster = _client(scheduler)
        try:
            futures = client.compute(results.to_delayed())
            for future in futures:
                part = future.result()
                future.release()
                _take(part, sink, counts, quiet, fail_under)
        except CxAuditError:
            raise
        except Exception as err:  # a worker's exception, re-raised here by distributed
            raise CxAuditError(f"--engine dask: a partition failed: {type(err).__name__}: {err}") from None
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    sink.close()
    counts["seconds"] = round(time.perf_counter() - began, 3)
    return counts


def _take(part, sink, counts: dict, quiet: bool, fail_under: float | None) -> None:
    notes = part[NOTE].notna()
    for note in part.loc[notes, NOTE]:
        kind, _, text = note.partition(": ")
        if kind == "error":
            counts["errors"] += 1
            sys.stderr.write(f"cx-audit: error: {text}\n")
        elif kind == "warning":
            if not quiet:
                sys.stderr.write(f"cx-audit: warning: {text}\n")
        elif kind == "conversations":
            counts["conversations"] += int(text)
    results = part.loc[~notes].drop(columns=[NOTE])
    counts["scored"] += len(results)
    counts["failed"] += int((~results["passed"]).sum())
    if fail_under is not None:
        counts["below_fail_under"] += int((results["score"] < fail_under).sum())
    sink.add_frame(results)


def command(paths, rulesets, lang_auto, options, output, fmt, scheduler, partition_rows, quiet,
            fail_under, exit_zero, refused: list[str]) -> int:
    """The `score --engine dask` command: checks, the run, the summary line, the exit code."""
    from cx_audit.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, fail
    from cx_audit.cli.score import output_stream

    if refused:
        fail(f"--engine dask writes one Parquet file; it does not take {', '.join(refused)}")
    if fmt not in (None, "parquet"):
        fail(f"--engine dask writes Parquet (-f parquet), not -f {fmt}")
    if not output or output == "-":
        fail("--engine dask writes a Parquet file: name it with -o FILE.parquet")
    require_dask()
    with output_stream(output, paths) as out:
        out.flush()
        c = run_dask(paths, rulesets, lang_auto, options, out.buffer, scheduler, partition_rows, quiet, fail_under)
    if not quiet:
        sys.stderr.write(
            f"cx-audit: {c['inputs']} inputs, {c['partitions']} partitions, {c['conversations']} conversations, "
            f"{c['scored']} scored, {c['failed']} failed, {c['errors']} errors in {c['seconds']:.2f}s\n"
        )
    if c["errors"]:
        return EXIT_ERROR
    if (c["failed"] or c["below_fail_under"]) and not exit_zero:
        return EXIT_FINDINGS
    return EXIT_OK
