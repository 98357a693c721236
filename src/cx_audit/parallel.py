"""`score --workers N`: score on N processes, with output identical to one.

The main process reads the inputs (loaders stream, so memory stays flat) and sends the
conversations, in input order, in chunks of `CHUNK` to a pool of worker processes; each worker
compiled the rulesets once, when it started. Answers are consumed in the order the chunks were
sent, with at most `AHEAD` chunks per worker in flight, so results, errors and warnings come out
exactly as with one process, and memory stays bounded whatever the input's size.

What crosses between processes is plain tuples (a pickled dataclass costs several times more):
conversations go out packed by `pack_transcript`; for CSV and JSONL the workers write the output
rows themselves and send back their text (`RenderedResult`), so the main process only reads and
writes; every other format gets the results back (`pack_result`).

Workers are started with "spawn" on every platform (one behaviour to test; no fork of a process
that may run a progress-bar thread), and only when the input holds more than one chunk: a small
batch is scored in this process by the same code. Ctrl-C stops the workers at once; a worker that
dies is an error (exit 2), never a hang.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import signal
import time
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, fields
from operator import attrgetter
from typing import Any, Callable, Iterable, Iterator

from cx_audit.errors import CxAuditError
from cx_audit.model import Transcript, Turn
from cx_audit.results import CategoryScore, ConversationResult, Evidence, RuleOutcome
from cx_audit.ruleset.model import Ruleset

CHUNK = 200  # conversations per task: large enough that sending costs little, small enough to balance
AHEAD = 2  # chunks in flight per worker: one being scored, one waiting
STOP_GRACE = 10.0  # seconds a stopping worker gets to finish its chunk before it is killed
ROW_FORMATS = ("csv", "jsonl")  # formats whose rows the workers write


def default_workers() -> int:
    return os.cpu_count() or 1


@dataclass(frozen=True)
class RowSpec:
    """How the workers write output rows: the renderer of `format` (with `details`), after --redact."""

    format: str
    details: bool = False
    redact: bool = False


@dataclass(frozen=True)
class WorkerSpec:
    """Everything a worker needs, sent once when it starts."""

    rulesets: list[Ruleset]
    lang_auto: bool
    rows: RowSpec | None = None


@dataclass(slots=True)
class RenderedResult:
    """A result whose output rows a worker already wrote: what the main process still needs."""

    source: str
    passed: bool
    score: float | None
    text: str


# ---- packing: dataclasses as tuples -----------------------------------------------------------


def _getter(cls: type) -> tuple[Callable[[Any], tuple], list[str]]:
    names = [f.name for f in fields(cls)]
    return attrgetter(*names), names


_TURN, _ = _getter(Turn)
_TRANSCRIPT, _T_NAMES = _getter(Transcript)
_TURNS_AT = _T_NAMES.index("turns")
_EVIDENCE, _ = _getter(Evidence)
_OUTCOME, _O_NAMES = _getter(RuleOutcome)
_EVIDENCE_AT = _O_NAMES.index("evidence")
_RESULT, _R_NAMES = _getter(ConversationResult)
_CATEGORIES_AT, _OUTCOMES_AT = _R_NAMES.index("categories"), _R_NAMES.index("outcomes")


def pack_transcript(t: Transcript) -> list:
    values = list(_TRANSCRIPT(t))
    values[_TURNS_AT] = [_TURN(turn) for turn in t.turns]
    return values


def unpack_transcript(values: list) -> Transcript:
    values[_TURNS_AT] = [Turn(*turn) for turn in values[_TURNS_AT]]
    return Transcript(*values)


def pack_result(r: ConversationResult) -> list:
    values = list(_RESULT(r))
    values[_CATEGORIES_AT] = {cid: (c.score, c.passed) for cid, c in r.categories.items()}
    outcomes = []
    for o in r.outcomes:
        fields_ = list(_OUTCOME(o))
        fields_[_EVIDENCE_AT] = [_EVIDENCE(e) for e in o.evidence]
        outcomes.append(fields_)
    values[_OUTCOMES_AT] = outcomes
    return values


def unpack_result(values: list) -> ConversationResult:
    values[_CATEGORIES_AT] = {cid: CategoryScore(*c) for cid, c in values[_CATEGORIES_AT].items()}
    outcomes = []
    for fields_ in values[_OUTCOMES_AT]:
        fields_[_EVIDENCE_AT] = [Evidence(*e) for e in fields_[_EVIDENCE_AT]]
        outcomes.append(RuleOutcome(*fields_))
    values[_OUTCOMES_AT] = outcomes
    return ConversationResult(*values)


# ---- the worker side --------------------------------------------------------------------------


class RowWriter:
    """The output text one result makes, written by the same renderer the main process would use."""

    def __init__(self, spec: RowSpec, rulesets: list[Ruleset]):
        from cx_audit.render import make_renderer

        self.buffer = io.StringIO()
        renderer = make_renderer(spec.format, details=spec.details)
        if spec.redact:
            from cx_audit.redact import RedactingRenderer

            renderer = RedactingRenderer(renderer)
        renderer.start(self.buffer, rulesets)  # the header is the main process's to write
        self.renderer = renderer
        self._clear()

    def _clear(self) -> None:
        self.buffer.seek(0)
        self.buffer.truncate()

    def text(self, result: ConversationResult) -> str:
        self.renderer.result(result)
        text = self.buffer.getvalue()
        self._clear()
        return text


class ChunkScorer:
    """Scores packed conversations: what each worker runs, and this process for a small batch."""

    def __init__(self, spec: WorkerSpec):
        from cx_audit.pipeline import Scorer

        self.scorer = Scorer(spec.rulesets, spec.lang_auto)
        self.scorer.compiled  # compile now, once
        self.rows = RowWriter(spec.rows, spec.rulesets) if spec.rows else None

    def score(self, packed: list[list]) -> list[list[tuple[Any, bool]]]:
        """For each conversation, its (result, language mismatch) pairs; a result is packed, or a
        RenderedResult when this writes rows."""
        out = []
        for values in packed:
            scored = self.scorer.scored(unpack_transcript(values))  # never empty: those stay behind
            if self.rows is not None:
                out.append([(RenderedResult(r.source, r.passed, r.score, self.rows.text(r)), m) for r, m in scored.results])
            else:
                out.append([(pack_result(r), m) for r, m in scored.results])
        return out


def unpack_answer(answer: list[list[tuple[Any, bool]]], rendered: bool) -> list[list[tuple[Any, bool]]]:
    """A ChunkScorer's answer with its results unpacked (rendered rows need nothing)."""
    if rendered:
        return answer
    return [[(unpack_result(r), m) for r, m in results] for results in answer]


_worker: ChunkScorer | None = None


def _start_worker(spec: WorkerSpec) -> None:
    global _worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process decides (see _submit)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    _worker = ChunkScorer(spec)


def _score_chunk(packed: list[list]) -> list[list[tuple[Any, bool]]]:
    assert _worker is not None
    return _worker.score(packed)


# ---- the main side ----------------------------------------------------------------------------


def score_in_pool(events: Iterable[Any], spec: WorkerSpec, workers: int, chunk: int | None = None) -> Iterator[Any]:
    """`events` (warnings as str, InputErrors, Transcripts) in the same order, each Transcript
    replaced by its `Scored`. Scored on `workers` processes, started only when the input holds
    more than one chunk."""
    size = chunk or CHUNK
    rendered = spec.rows is not None
    source = iter(events)
    pool: ProcessPoolExecutor | None = None
    sigpipe: Any = None
    submitted = 0
    pending: deque[tuple[list, Future | list]] = deque()  # (events of a chunk, its answer)
    try:
        while True:
            batch, packed = _next_chunk(source, size)
            if not batch:
                break
            if pool is None and len(packed) < size:
                # The whole input is one chunk (this is the last): not worth starting processes.
                answer = ChunkScorer(spec).score(packed) if packed else []
                pending.append((batch, answer))
                continue
            if pool is None:
                sigpipe = _ignore_sigpipe()
                pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                           initializer=_start_worker, initargs=(spec,))
            pending.append((batch, _submit(pool, packed, starting=submitted < workers)))
            submitted += 1
            while len(pending) > workers * AHEAD:
                yield from _emit(*pending.popleft(), rendered)
        while pending:
            yield from _emit(*pending.popleft(), rendered)
        if pool is not None:
            pool.shutdown()
            pool = None
    except BrokenProcessPool:
        raise CxAuditError("a worker process stopped unexpectedly (killed, or out of memory?); the run is incomplete") from None
    finally:
        if pool is not None:  # Ctrl-C, an error, or the consumer stopped early
            _stop(pool)
        if sigpipe is not None:
            signal.signal(signal.SIGPIPE, sigpipe)


def _next_chunk(source: Iterator[Any], size: int) -> tuple[list, list]:
    """Up to `size` conversations to score, with the events between them, in input order."""
    from cx_audit.pipeline import Scored

    batch: list = []
    packed: list = []
    for event in source:
        if isinstance(event, Transcript):
            if event.turns:
                packed.append(pack_transcript(event))
                event = None  # a placeholder for its results, which come with the answer
            else:
                event = Scored.empty(event)
        batch.append(event)
        if len(packed) >= size:
            break
    return batch, packed


def _emit(batch: list, answer: Future | list, rendered: bool) -> Iterator[Any]:
    from cx_audit.pipeline import Scored

    results = iter(unpack_answer(answer.result() if isinstance(answer, Future) else answer, rendered))
    for event in batch:
        yield Scored(next(results)) if event is None else event


def _submit(pool: ProcessPoolExecutor, packed: list, starting: bool) -> Future:
    """Send a chunk. The first ones start the workers: Ctrl-C reaches every process of the
    terminal's group, and the main process alone must decide what it means. So SIGINT is blocked
    while a worker is started (a block is inherited, and a Ctrl-C meanwhile waits, then reaches
    this process), and the worker ignores it before unblocking (as multiprocessing's own
    resource tracker does)."""
    if not starting or not hasattr(signal, "pthread_sigmask"):
        return pool.submit(_score_chunk, packed)
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        return pool.submit(_score_chunk, packed)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _ignore_sigpipe() -> Any:
    """While the pool runs, a pipe to a worker that was stopped must raise in the thread that
    writes to it, not kill this process (the command line sets SIGPIPE to end quietly under
    `| head`; a closed stdout still does, as a BrokenPipeError). Returns the handler to restore."""
    if not hasattr(signal, "SIGPIPE"):
        return None
    return signal.signal(signal.SIGPIPE, signal.SIG_IGN)


def _stop(pool: ProcessPoolExecutor) -> None:
    """Stop the workers soon (after Ctrl-C, an error, or a consumer that stopped reading): queued
    chunks are dropped and the workers finish the chunk in hand, which takes well under a second
    (a chunk is 200 conversations). Killing a worker at once is no faster and can hang this
    process: a worker killed while it writes an answer leaves half a message in the result pipe,
    and the pool's thread waits for the rest for ever. Only a worker still busy after STOP_GRACE
    seconds is killed."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # no public way before Python 3.14
    manager = getattr(pool, "_executor_manager_thread", None)
    pool.shutdown(wait=False, cancel_futures=True)
    deadline = time.monotonic() + STOP_GRACE
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
    for process in processes:
        if process.is_alive():
            process.terminate()
            process.join()
    if manager is not None:
        manager.join(STOP_GRACE)  # it ends once the workers have; it joins what they leave behind


class RowsRenderer:
    """The main process's end of `RowSpec`: the renderer writes the header and the end, and the
    rows in between are the text the workers wrote (already redacted when asked)."""

    def __init__(self, inner: Any):
        self.inner = inner

    def start(self, out: Any, rulesets: list[Ruleset]) -> None:
        self.out = out
        self.inner.start(out, rulesets)

    def result(self, r: RenderedResult) -> None:
        self.out.write(r.text)

    def finish(self, errors: list, summary: dict) -> None:
        self.inner.finish(errors, summary)
