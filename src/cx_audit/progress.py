"""A progress bar on stderr for long runs, only when stderr is a terminal.

It wraps a renderer: every result passes through unchanged and moves the bar. With several
input files the bar counts files (a file is done once a result from the next one arrives);
with one file it pulses and counts conversations.
"""

from __future__ import annotations

import sys
import time
from typing import IO

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from cx_audit.errors import InputError
from cx_audit.render.base import Renderer
from cx_audit.results import ConversationResult, source_file
from cx_audit.ruleset.model import Ruleset


def wants_progress(stream: IO[str] | None = None) -> bool:
    stream = stream or sys.stderr
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class ProgressRenderer:
    REFRESH = 0.1  # seconds between bar updates

    def __init__(self, inner: Renderer, files: int, console: Console | None = None):
        self.inner = inner
        self.files = files
        self.console = console or Console(file=sys.stderr)

    def start(self, out: IO[str], rulesets: list[Ruleset]) -> None:
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("scoring"),
            BarColumn(),
            TextColumn("{task.fields[files]}"),
            TextColumn("{task.fields[count]} conversations, {task.fields[failed]} failed"),
            TimeElapsedColumn(),
            console=self.console,
            transient=True,
            redirect_stdout=False,
            redirect_stderr=True,
        )
        by_file = self.files > 1
        self.task = self.progress.add_task("score", total=self.files if by_file else None, files="", count=0, failed=0)
        self.by_file = by_file
        self.count = self.failed = 0
        self.seen: set[str] = set()
        self.last = 0.0
        self.progress.start()
        self.inner.start(out, rulesets)

    def result(self, r: ConversationResult) -> None:
        self.count += 1
        if not r.passed:
            self.failed += 1
        if self.by_file:
            self.seen.add(source_file(r.source))
        now = time.monotonic()
        if now - self.last >= self.REFRESH:
            self.last = now
            done = max(len(self.seen) - 1, 0)
            files = f"{done}/{self.files} files" if self.by_file else ""
            self.progress.update(self.task, completed=done if self.by_file else None, files=files, count=self.count, failed=self.failed)
        self.inner.result(r)

    def finish(self, errors: list[InputError], summary: dict) -> None:
        self.progress.stop()
        self.inner.finish(errors, summary)
