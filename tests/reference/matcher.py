"""One multi-pattern matcher for every phrase of a ruleset, built once and scanned once per conversation.

Exact phrases go into one Aho-Corasick automaton (pyahocorasick) as " phrase " padded with spaces,
and the conversation is scanned as " turn1 \\n turn2 \\n ... " (each turn already folded), so a
phrase matches whole words only and never across two turns. Overlapping matches are all reported
("no" and "no se preocupe" in the same place), which `unless` needs.

Fuzzy phrases use a pigeonhole prefilter: a phrase that may differ by at most k edits is cut into
k + 1 pieces, and any text within k edits of it contains one piece unchanged. The pieces go into
the same automaton; only the word windows around a piece hit are verified with rapidfuzz's
Levenshtein similarity. No Python loop runs over rules or phrases per turn.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import ahocorasick
from rapidfuzz.distance import Levenshtein

TURN_SEPARATOR = " \n "


@dataclass(slots=True, frozen=True)
class Hit:
    """A match of pattern `entry` in turn `turn` at folded offsets [start, end)."""

    entry: int
    turn: int
    start: int
    end: int
    similarity: float = 100.0


@dataclass(slots=True)
class _Entry:
    phrase: str  # folded
    fuzzy: int  # 0 = exact only
    words: int
    max_edits: int


class PhraseMatcher:
    """Register (folded phrase, fuzzy level) entries, `build()`, then `scan(folded_turns)`."""

    def __init__(self) -> None:
        self._entries: list[_Entry] = []
        self._index: dict[tuple[str, int], int] = {}
        self._automaton = ahocorasick.Automaton()
        self._built = False

    def add(self, folded_phrase: str, fuzzy: int = 0) -> int:
        """Register a phrase (already folded); returns its entry id. Same phrase+level, same id."""
        max_edits = _max_edits(len(folded_phrase), fuzzy) if fuzzy else 0
        level = fuzzy if max_edits else 0  # a phrase too short to absorb an edit matches exactly
        key = (folded_phrase, level)
        if key in self._index:
            return self._index[key]
        entry_id = len(self._entries)
        self._entries.append(_Entry(folded_phrase, level, folded_phrase.count(" ") + 1, max_edits))
        self._index[key] = entry_id
        return entry_id

    def build(self) -> None:
        table: dict[str, list[tuple[int, bool]]] = {}
        for entry_id, entry in enumerate(self._entries):
            table.setdefault(f" {entry.phrase} ", []).append((entry_id, False))
            if entry.fuzzy:
                for piece in _pieces(entry.phrase, entry.max_edits + 1):
                    table.setdefault(piece, []).append((entry_id, True))
        for key, values in table.items():
            self._automaton.add_word(key, (len(key), tuple(values)))
        if table:
            self._automaton.make_automaton()
        self._built = bool(table)

    @property
    def size(self) -> int:
        return len(self._entries)

    def phrase(self, entry_id: int) -> str:
        return self._entries[entry_id].phrase

    def scan(self, folded_turns: list[str]) -> list[Hit]:
        """All hits in the conversation, exact and fuzzy, sorted by (turn, start)."""
        if not self._built or not folded_turns:
            return []
        text = " " + TURN_SEPARATOR.join(folded_turns) + " "
        starts = []
        offset = 1
        for turn in folded_turns:
            starts.append(offset)
            offset += len(turn) + len(TURN_SEPARATOR)
        hits: list[Hit] = []
        exact_seen: set[tuple[int, int, int]] = set()
        fuzzy_candidates: dict[tuple[int, int], list[tuple[int, int]]] = {}
        for end_index, (length, values) in self._automaton.iter(text):
            begin = end_index - length + 1
            for entry_id, is_piece in values:
                # An exact key is padded with spaces: the phrase itself starts one character later
                # (and its leading space belongs to the separator before the turn).
                first = begin if is_piece else begin + 1
                turn = max(0, bisect.bisect_right(starts, first) - 1)
                base = starts[turn]
                if is_piece:
                    fuzzy_candidates.setdefault((entry_id, turn), []).append((first - base, end_index + 1 - base))
                else:
                    start = first - base
                    exact_seen.add((entry_id, turn, start))
                    hits.append(Hit(entry_id, turn, start, end_index - base))
        for (entry_id, turn), spans in fuzzy_candidates.items():
            for hit in self._verify(entry_id, turn, folded_turns[turn], spans):
                if (entry_id, turn, hit.start) not in exact_seen:
                    hits.append(hit)
        hits.sort(key=lambda h: (h.turn, h.start, h.entry))
        return hits

    def _verify(self, entry_id: int, turn: int, text: str, spans: list[tuple[int, int]]) -> list[Hit]:
        """Word windows around piece hits whose similarity to the phrase reaches the fuzzy level."""
        entry = self._entries[entry_id]
        bounds = _word_bounds(text)
        n = len(bounds)
        cutoff = entry.fuzzy / 100.0
        scored: dict[tuple[int, int], float] = {}
        for span_start, span_end in spans:
            first = max(0, _word_at(bounds, span_start) - entry.words)
            last = min(n - 1, _word_at(bounds, max(span_start, span_end - 1)) + entry.words)
            for i in range(first, last + 1):
                for size in (entry.words - 1, entry.words, entry.words + 1):
                    j = i + size
                    if size < 1 or j > n or (i, j) in scored:
                        continue
                    window_start, window_end = bounds[i][0], bounds[j - 1][1]
                    if window_end <= span_start or window_start >= span_end:
                        continue  # the window must contain the piece that pinned it
                    sim = Levenshtein.normalized_similarity(text[window_start:window_end], entry.phrase, score_cutoff=cutoff)
                    if sim >= cutoff:
                        scored[(i, j)] = sim
        # Keep the best non-overlapping windows.
        chosen: list[Hit] = []
        taken: list[tuple[int, int]] = []
        for (i, j), sim in sorted(scored.items(), key=lambda kv: (-kv[1], kv[0])):
            if any(i < b and a < j for a, b in taken):
                continue
            taken.append((i, j))
            chosen.append(Hit(entry_id, turn, bounds[i][0], bounds[j - 1][1], round(sim * 100, 1)))
        return chosen


def _max_edits(length: int, fuzzy: int) -> int:
    """Edits a phrase of `length` characters may absorb at similarity `fuzzy` (0-100)."""
    if fuzzy <= 0 or fuzzy >= 100:
        return 0
    f = fuzzy / 100.0
    # similarity = 1 - edits / max(len_a, len_b) and max(...) <= length + edits
    return int((1 - f) * length / f + 1e-9)


def _pieces(phrase: str, count: int) -> list[str]:
    """Cut `phrase` into `count` contiguous pieces of near-equal length (the pigeonhole)."""
    count = max(1, min(count, len(phrase)))
    size, extra = divmod(len(phrase), count)
    pieces, at = [], 0
    for k in range(count):
        step = size + (1 if k < extra else 0)
        pieces.append(phrase[at : at + step])
        at += step
    return [p for p in pieces if p]


def _word_bounds(text: str) -> list[tuple[int, int]]:
    bounds = []
    at = 0
    for word in text.split(" "):
        if word:
            bounds.append((at, at + len(word)))
        at += len(word) + 1
    return bounds


def _word_at(bounds: list[tuple[int, int]], offset: int) -> int:
    starts = [b[0] for b in bounds]
    return max(0, bisect.bisect_right(starts, offset) - 1)
