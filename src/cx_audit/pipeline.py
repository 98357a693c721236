"""The main job, without the command line: inputs -> transcripts -> engine -> results -> renderer."""

from __future__ import annotations

import time
from contextlib import closing
from dataclasses import dataclass, field
from functools import cached_property
from typing import IO, TYPE_CHECKING, Any, Callable, Iterator

from cx_audit.engine import CompiledRuleset, detect_language
from cx_audit.errors import InputError
from cx_audit.inputs import InputStats, LoadOptions, read_inputs
from cx_audit.model import Transcript
from cx_audit.render.base import Renderer
from cx_audit.results import ConversationResult
from cx_audit.ruleset.model import Ruleset

if TYPE_CHECKING:
    from cx_audit.parallel import RowSpec


@dataclass
class RunSummary:
    inputs: int = 0
    conversations: int = 0
    scored: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0
    language_mismatches: int = 0  # results whose conversation declared another language than the ruleset
    seconds: float = 0.0
    below_fail_under: int = 0
    error_list: list[InputError] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "inputs": self.inputs,
            "conversations": self.conversations,
            "scored": self.scored,
            "failed": self.failed,
            "errors": self.errors,
            "skipped": self.skipped,
        }


class Scorer:
    """Route each transcript to its ruleset(s) and score it.

    With `lang_auto`, each conversation is scored once, by the ruleset of its language (its own
    `language` field, else detected from its text; the first ruleset when neither decides).
    Otherwise every conversation is scored by every ruleset. The rulesets are compiled when
    first needed (with --workers, only the worker processes need them).
    """

    def __init__(self, rulesets: list[Ruleset], lang_auto: bool = False):
        self.rulesets = rulesets
        self.lang_auto = lang_auto

    @cached_property
    def compiled(self) -> list[CompiledRuleset]:
        return [CompiledRuleset(rs) for rs in self.rulesets]

    @cached_property
    def by_language(self) -> dict[str, CompiledRuleset]:
        by_language: dict[str, CompiledRuleset] = {}
        for c in self.compiled:
            by_language.setdefault(c.ruleset.language, c)
        return by_language

    def score(self, transcript: Transcript) -> list[ConversationResult]:
        if not self.lang_auto:
            return [c.score(transcript) for c in self.compiled]
        language = transcript.language or detect_language(transcript)
        compiled = self.by_language.get(language, self.compiled[0])
        if not transcript.language and language:
            transcript.language = language
        return [compiled.score(transcript)]

    def scored(self, transcript: Transcript) -> Scored:
        if not transcript.turns:
            return Scored.empty(transcript)
        results = self.score(transcript)
        declared = transcript.language
        return Scored([(r, bool(declared) and declared != r.ruleset_language) for r in results])


@dataclass(slots=True)
class Scored:
    """One conversation after scoring: (result, its conversation declared another language than
    the ruleset) for each ruleset that scored it; or the error that says why it was not scored."""

    results: list[tuple[Any, bool]]  # ConversationResult, or parallel.RenderedResult
    error: InputError | None = None

    @classmethod
    def empty(cls, transcript: Transcript) -> Scored:
        return cls([], InputError(transcript.source, f"conversation '{transcript.conversation_id}' has no turns to score"))


def read_events(paths: list[str], options: LoadOptions, stats: InputStats) -> Iterator[str | InputError | Transcript]:
    """Transcripts, errors and warnings (as str), in the order reading meets them."""
    notes: list[str] = []
    for item in read_inputs(paths, options, stats, notes.append):
        if notes:
            yield from notes
            notes.clear()
        yield item
    yield from notes


def iter_results(
    paths: list[str],
    scorer: Scorer,
    options: LoadOptions,
    summary: RunSummary,
    on_error: Callable[[InputError], None],
    warn: Callable[[str], None],
    workers: int = 1,
    rows: RowSpec | None = None,
) -> Iterator[Any]:
    """Every result in input order, counted in `summary`; errors go to `on_error`, warnings to
    `warn`, in the same order. With `workers` > 1, scored on that many processes; with `rows`,
    the results are `RenderedResult`s whose text the workers wrote (see cx_audit.parallel)."""
    stats = InputStats()
    events: Iterator[Any] = read_events(paths, options, stats)
    if workers > 1:
        from cx_audit.parallel import WorkerSpec, score_in_pool

        events = score_in_pool(events, WorkerSpec(scorer.rulesets, scorer.lang_auto, rows), workers)
    else:
        events = (scorer.scored(e) if isinstance(e, Transcript) else e for e in events)
    with closing(events):  # stops the workers at once when the consumer stops (Ctrl-C, an error)
        yield from _count(events, stats, summary, on_error, warn)
    summary.inputs = stats.inputs
    summary.skipped = stats.skipped


def _count(events: Iterator[Any], stats: InputStats, summary: RunSummary, on_error: Callable[[InputError], None],
           warn: Callable[[str], None]) -> Iterator[Any]:
    for event in events:
        summary.inputs = stats.inputs
        if isinstance(event, str):
            warn(event)
            continue
        if isinstance(event, Scored):
            summary.conversations += 1
            event = event.error or event
        if isinstance(event, InputError):
            summary.errors += 1
            summary.error_list.append(event)
            on_error(event)
            continue
        for result, mismatch in event.results:
            summary.scored += 1
            if mismatch:
                summary.language_mismatches += 1
            if not result.passed:
                summary.failed += 1
            yield result


def run(
    paths: list[str],
    scorer: Scorer,
    options: LoadOptions,
    renderer: Renderer,
    out: IO[str],
    on_error: Callable[[InputError], None],
    warn: Callable[[str], None],
    fail_under: float | None = None,
    workers: int = 1,
    rows: RowSpec | None = None,
) -> RunSummary:
    summary = RunSummary()
    began = time.perf_counter()
    renderer.start(out, scorer.rulesets)
    with closing(iter_results(paths, scorer, options, summary, on_error, warn, workers, rows)) as results:
        for result in results:
            if fail_under is not None and result.score is not None and result.score < fail_under:
                summary.below_fail_under += 1
            renderer.result(result)
    summary.seconds = round(time.perf_counter() - began, 3)
    renderer.finish(summary.error_list, summary.as_dict())
    return summary
