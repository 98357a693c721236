"""The main job, without the command line: inputs -> transcripts -> engine -> results -> renderer."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import IO, Callable, Iterator

from cx_audit.engine import CompiledRuleset, detect_language
from cx_audit.errors import InputError
from cx_audit.inputs import InputStats, LoadOptions, read_inputs
from cx_audit.model import Transcript
from cx_audit.render.base import Renderer
from cx_audit.results import ConversationResult
from cx_audit.ruleset.model import Ruleset


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
    Otherwise every conversation is scored by every ruleset.
    """

    def __init__(self, rulesets: list[Ruleset], lang_auto: bool = False):
        self.rulesets = rulesets
        self.compiled = [CompiledRuleset(rs) for rs in rulesets]
        self.lang_auto = lang_auto
        self.by_language: dict[str, CompiledRuleset] = {}
        for c in self.compiled:
            self.by_language.setdefault(c.ruleset.language, c)

    def score(self, transcript: Transcript) -> list[ConversationResult]:
        if not self.lang_auto:
            return [c.score(transcript) for c in self.compiled]
        language = transcript.language or detect_language(transcript)
        compiled = self.by_language.get(language, self.compiled[0])
        if not transcript.language and language:
            transcript.language = language
        return [compiled.score(transcript)]


def iter_results(
    paths: list[str],
    scorer: Scorer,
    options: LoadOptions,
    summary: RunSummary,
    on_error: Callable[[InputError], None],
    warn: Callable[[str], None],
) -> Iterator[ConversationResult]:
    stats = InputStats()
    for item in read_inputs(paths, options, stats, warn):
        summary.inputs = stats.inputs
        if isinstance(item, InputError):
            summary.errors += 1
            summary.error_list.append(item)
            on_error(item)
            continue
        summary.conversations += 1
        if not item.turns:
            error = InputError(item.source, f"conversation '{item.conversation_id}' has no turns to score")
            summary.errors += 1
            summary.error_list.append(error)
            on_error(error)
            continue
        for result in scorer.score(item):
            summary.scored += 1
            if item.language and item.language != result.ruleset_language:
                summary.language_mismatches += 1
            if not result.passed:
                summary.failed += 1
            yield result
    summary.inputs = stats.inputs
    summary.skipped = stats.skipped


def run(
    paths: list[str],
    scorer: Scorer,
    options: LoadOptions,
    renderer: Renderer,
    out: IO[str],
    on_error: Callable[[InputError], None],
    warn: Callable[[str], None],
    fail_under: float | None = None,
) -> RunSummary:
    summary = RunSummary()
    began = time.perf_counter()
    renderer.start(out, scorer.rulesets)
    for result in iter_results(paths, scorer, options, summary, on_error, warn):
        if fail_under is not None and result.score is not None and result.score < fail_under:
            summary.below_fail_under += 1
        renderer.result(result)
    summary.seconds = round(time.perf_counter() - began, 3)
    renderer.finish(summary.error_list, summary.as_dict())
    return summary
