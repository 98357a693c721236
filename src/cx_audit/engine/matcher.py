"""One multi-pattern matcher for every phrase of a ruleset, built once and scanned once per conversation.

Exact phrases go into one Aho-Corasick automaton (pyahocorasick, or the pure-Python matcher of
automaton.py where it is missing) as " phrase " padded with spaces,
and each turn (already folded) is scanned as " turn ", so a phrase matches whole words only and
never across two turns. Overlapping matches are all reported ("no" and "no se preocupe" in the
same place), which `unless` needs. A turn's hits depend on its text alone: they are remembered,
and a turn text seen before (a greeting, "vale gracias") is not scanned again.

Fuzzy phrases use a pigeonhole prefilter: a phrase that may differ by at most k edits is cut into
k + 1 pieces, and any text within k edits of it contains one piece unchanged. The pieces go into
the same automaton; only the word windows around a piece hit are verified with rapidfuzz's
Levenshtein similarity. No Python loop runs over rules or phrases per turn.
"""

from __future__ import annotations

import bisect
from itertools import accumulate
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from cx_audit.engine.automaton import new_automaton

EXACT, LEGACY, LITERAL = -1, -2, -3  # in the automaton's values, instead of a fuzzy piece's offset


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
    literal: bool = False  # a regex prefilter string, not a phrase


class PhraseMatcher:
    """Register (folded phrase, fuzzy level) entries, `build()`, then `scan(folded_turns)`."""

    # Fuzzy pieces are first cut evenly; once this much text has been scanned, the pieces of the
    # phrases whose pieces occur in it are chosen again from that text (the rarest substrings).
    # Results never depend on the pieces: any k + 1 disjoint pieces find every window within k
    # edits (see `_verify`); only the number of candidates to verify does.
    ADAPT_AFTER_CHARS = 24 * 1024  # about ten conversations: enough to see the common n-grams
    # Turn texts whose hits are remembered (greetings, closings, "vale gracias" come back often);
    # the memo is emptied when full, so memory stays bounded whatever the input.
    MEMO_TURNS = 100_000

    def __init__(self, automaton_factory=None) -> None:
        """`automaton_factory`: the multi-string matcher to use (default: the backend in use, see
        automaton.py); called again each time the pieces are chosen again."""
        self._new_automaton = automaton_factory or new_automaton
        self._entries: list[_Entry] = []
        self._index: dict[tuple[str, int], int] = {}
        self._automaton = self._new_automaton()
        self._built = False
        # entry id -> [(piece, offset of the piece in " phrase ")]
        self._pieces: dict[int, list[tuple[str, int]]] = {}
        self._legacy: dict[int, list[str]] = {}
        self._sample: list[str] | None = []
        self._sampled = 0
        self._memo: dict[str, tuple[tuple[int, int, int, float], ...]] = {}

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

    def add_literal(self, literal: str) -> int:
        """Register a plain string, found anywhere (not only as whole words): the prefilter of a
        regex (see literals.py). Its hits carry the turn and the offsets of the string."""
        key = (literal, LITERAL)
        if key in self._index:
            return self._index[key]
        entry_id = len(self._entries)
        self._entries.append(_Entry(literal, 0, 0, 0, literal=True))
        self._index[key] = entry_id
        return entry_id

    def build(self) -> None:
        for entry_id, entry in enumerate(self._entries):
            if entry.fuzzy and entry.max_edits + 1 <= len(entry.phrase):
                self._pieces[entry_id] = _even_pieces(f" {entry.phrase} ", entry.max_edits + 1)
            elif entry.fuzzy:
                # More edits than characters (a fuzzy level of 50 or less): the phrase is cut in
                # one piece per character and every window around a hit is verified, as before.
                self._legacy[entry_id] = _legacy_pieces(entry.phrase, entry.max_edits + 1)
        self._compile()

    def _compile(self) -> None:
        # value per key: (key length, ((entry id, offset of the piece or -1 for an exact key), ...))
        table: dict[str, list[tuple[int, int]]] = {}
        for entry_id, entry in enumerate(self._entries):
            if entry.literal:
                table.setdefault(entry.phrase, []).append((entry_id, LITERAL))
                continue
            table.setdefault(f" {entry.phrase} ", []).append((entry_id, EXACT))
            for piece, offset in self._pieces.get(entry_id, ()):
                table.setdefault(piece, []).append((entry_id, offset))
            for piece in self._legacy.get(entry_id, ()):
                table.setdefault(piece, []).append((entry_id, LEGACY))
        automaton = self._new_automaton()
        for key, values in table.items():
            automaton.add_word(key, (len(key), tuple(values)))
        if table:
            automaton.make_automaton()
        self._automaton = automaton
        self._built = bool(table)
        self._memo = {}
        if not self._pieces:
            self._sample = None  # nothing fuzzy: nothing to adapt

    def _adapt(self) -> None:
        """Choose again the pieces of the fuzzy phrases whose pieces occur in the sampled text."""
        sample = "\n".join(self._sample or ())
        self._sample = None
        counts: dict[str, int] = {}

        def count(piece: str) -> int:
            found = counts.get(piece)
            if found is None:
                found = counts[piece] = sample.count(piece)
            return found

        changed = False
        for entry_id, pieces in self._pieces.items():
            now = sum(count(piece) for piece, _ in pieces)
            if now < 2:
                continue  # rare enough already
            entry = self._entries[entry_id]
            better = _rare_pieces(f" {entry.phrase} ", entry.max_edits + 1, count)
            if sum(count(p) for p, _ in better) < now:
                self._pieces[entry_id] = better
                changed = True
        if changed:
            self._compile()

    @property
    def size(self) -> int:
        return len(self._entries)

    def phrase(self, entry_id: int) -> str:
        return self._entries[entry_id].phrase

    def scan(self, folded_turns: list[str]) -> list[Hit]:
        """All hits in the conversation, exact and fuzzy, sorted by (turn, start)."""
        if not self._built or not folded_turns:
            return []
        hits: list[Hit] = []
        turn_hits = self.turn_hits
        for turn, folded in enumerate(folded_turns):
            for start, entry_id, end, similarity in turn_hits(folded):
                hits.append(Hit(entry_id, turn, start, end, similarity))
        return hits

    def turn_hits(self, folded: str, remember: bool = True) -> tuple[tuple[int, int, int, float], ...]:
        """The hits of one folded turn as (start, entry id, end, similarity), sorted by (start,
        entry id). A phrase never spans two turns, so a turn's hits depend on its text only:
        they are remembered for the next turn with the same text (at most MEMO_TURNS texts),
        unless the caller remembers what it makes of them itself (`remember=False`)."""
        found = self._memo.get(folded)
        if found is None:
            found = self._turn_hits(folded) if self._built else ()
            if not remember:
                return found
            memo = self._memo
            if len(memo) >= self.MEMO_TURNS:
                memo.clear()
            memo[folded] = found
        return found

    def _turn_hits(self, folded: str) -> tuple[tuple[int, int, int, float], ...]:
        # The turn is scanned as " turn ": an exact key " phrase " matches whole words only.
        text = " " + folded + " "
        if self._sample is not None:
            self._sample.append(text)
            self._sampled += len(text)
            if self._sampled >= self.ADAPT_AFTER_CHARS:
                self._adapt()
        hits: list[tuple[int, int, int, float]] = []
        exact_seen: set[tuple[int, int]] = set()
        fuzzy_candidates: dict[int, list[int]] = {}
        legacy_candidates: dict[int, list[tuple[int, int]]] = {}
        for end_index, (length, values) in self._automaton.iter(text):
            begin = end_index - length + 1
            for entry_id, offset in values:
                if offset >= 0:
                    # A piece of " phrase ": `anchor` is where " phrase " begins in the turn (the
                    # turn begins at 1 in `text`) if the piece is in place.
                    anchor = begin - offset - 1
                    found = fuzzy_candidates.get(entry_id)
                    if found is None:
                        fuzzy_candidates[entry_id] = [anchor]
                    else:
                        found.append(anchor)
                elif offset == EXACT:
                    # An exact key is padded with spaces: the phrase itself starts one character
                    # later, i.e. at `begin` in the turn.
                    exact_seen.add((entry_id, begin))
                    hits.append((begin, entry_id, end_index - 1, 100.0))
                elif offset == LITERAL:
                    hits.append((begin - 1, entry_id, end_index, 100.0))
                else:
                    legacy_candidates.setdefault(entry_id, []).append((begin - 1, end_index))
        if fuzzy_candidates or legacy_candidates:
            bounds = None
            for entry_id, anchors in fuzzy_candidates.items():
                anchor = anchors[0]
                if (entry_id, anchor + 1) in exact_seen and anchors.count(anchor) == len(anchors):
                    # Every piece pins the one place where the phrase is, exactly. When that is the
                    # phrase's only exact hit in the turn, it is the only window at 100%: it wins
                    # over every window it overlaps (all those pinned here), and as an exact hit
                    # it is reported already. Nothing to verify.
                    if sum(1 for e, _ in exact_seen if e == entry_id) == 1:
                        continue
                if bounds is None:
                    bounds = _word_starts_ends(folded)
                for start, end, similarity in self._verify(entry_id, folded, anchors, bounds):
                    if (entry_id, start) not in exact_seen:
                        hits.append((start, entry_id, end, similarity))
            for entry_id, spans in legacy_candidates.items():
                for start, end, similarity in self._verify_legacy(entry_id, folded, spans):
                    if (entry_id, start) not in exact_seen:
                        hits.append((start, entry_id, end, similarity))
        hits.sort()
        return tuple(hits)

    def _verify(self, entry_id: int, text: str, anchors: list[int],
                bounds: tuple[list[int], list[int]]) -> list[tuple[int, int, float]]:
        """The word windows whose similarity to the phrase reaches the fuzzy level.

        A window within k edits of the phrase (k = `max_edits`), padded with the spaces around it,
        is within k edits of " phrase ", so one of the k + 1 disjoint pieces of " phrase " is in it
        unchanged, shifted by at most k characters from its place in the phrase. Each piece hit
        thus pins where the window starts and ends, +- k: only windows of words - 1 to words + 1
        words starting and ending there are verified. This finds exactly the windows of that
        size anywhere in the turn whose similarity reaches the level.
        """
        entry = self._entries[entry_id]
        word_starts, word_ends = bounds
        n = len(word_starts)
        k = entry.max_edits
        length = len(entry.phrase)
        cutoff = entry.fuzzy / 100.0
        words = entry.words
        phrase = entry.phrase
        similarity = Levenshtein.normalized_similarity
        bisect_left, bisect_right = bisect.bisect_left, bisect.bisect_right
        scored: dict[tuple[int, int], float] = {}
        tried: set[tuple[int, int]] = set()
        for anchor in (anchors if len(anchors) == 1 else set(anchors)):
            phrase_start = anchor + 1  # the phrase starts after the leading space of " phrase "
            phrase_end = phrase_start + length
            for i in range(bisect_left(word_starts, phrase_start - k), bisect_right(word_starts, phrase_start + k)):
                # windows of words - 1 .. words + 1 words from word i that end near phrase_end
                for j in range(max(i + 1, i + words - 1, bisect_left(word_ends, phrase_end - k) + 1),
                               min(n, i + words + 1, bisect_right(word_ends, phrase_end + k)) + 1):
                    if (i, j) in tried:
                        continue
                    tried.add((i, j))
                    sim = similarity(text[word_starts[i] : word_ends[j - 1]], phrase, score_cutoff=cutoff)
                    if sim >= cutoff:
                        scored[(i, j)] = sim
        return _best(scored, word_starts, word_ends) if scored else []

    def _verify_legacy(self, entry_id: int, text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int, float]]:
        """Every word window near a piece hit, for phrases with more edits than characters."""
        entry = self._entries[entry_id]
        word_starts, word_ends = _word_starts_ends(text)
        n = len(word_starts)
        cutoff = entry.fuzzy / 100.0
        scored: dict[tuple[int, int], float] = {}
        for span_start, span_end in spans:
            first = max(0, _word_at(word_starts, span_start) - entry.words)
            last = min(n - 1, _word_at(word_starts, max(span_start, span_end - 1)) + entry.words)
            for i in range(first, last + 1):
                for size in (entry.words - 1, entry.words, entry.words + 1):
                    j = i + size
                    if size < 1 or j > n or (i, j) in scored:
                        continue
                    window_start, window_end = word_starts[i], word_ends[j - 1]
                    if window_end <= span_start or window_start >= span_end:
                        continue  # the window must contain the piece that pinned it
                    sim = Levenshtein.normalized_similarity(text[window_start:window_end], entry.phrase, score_cutoff=cutoff)
                    if sim >= cutoff:
                        scored[(i, j)] = sim
        return _best(scored, word_starts, word_ends)


def _best(scored: dict[tuple[int, int], float], word_starts: list[int], word_ends: list[int]) -> list[tuple[int, int, float]]:
    """The best non-overlapping windows, best first, as (start, end, similarity)."""
    chosen: list[tuple[int, int, float]] = []
    taken: list[tuple[int, int]] = []
    for (i, j), sim in sorted(scored.items(), key=lambda kv: (-kv[1], kv[0])):
        if any(i < b and a < j for a, b in taken):
            continue
        taken.append((i, j))
        chosen.append((word_starts[i], word_ends[j - 1], round(sim * 100, 1)))
    return chosen


def _max_edits(length: int, fuzzy: int) -> int:
    """Edits a phrase of `length` characters may absorb at similarity `fuzzy` (0-100)."""
    if fuzzy <= 0 or fuzzy >= 100:
        return 0
    f = fuzzy / 100.0
    # similarity = 1 - edits / max(len_a, len_b) and max(...) <= length + edits
    return int((1 - f) * length / f + 1e-9)


def _even_pieces(padded: str, count: int) -> list[tuple[str, int]]:
    """`padded` cut into `count` contiguous pieces of near-equal length, with their offsets."""
    count = max(1, min(count, len(padded)))
    size, extra = divmod(len(padded), count)
    pieces, at = [], 0
    for k in range(count):
        step = size + (1 if k < extra else 0)
        pieces.append((padded[at : at + step], at))
        at += step
    return [p for p in pieces if p[0]]


def _rare_pieces(padded: str, count: int, frequency, longest: int = 12) -> list[tuple[str, int]]:
    """`count` disjoint substrings of `padded` (2 to `longest` characters) of least total
    `frequency`; among equals, longer ones. Any `count` disjoint pieces keep the pigeonhole."""
    n = len(padded)
    if n < 2 * count:
        return _even_pieces(padded, count)
    # cost[a][b]: frequency of padded[a:b] plus a tie-break for short pieces. A piece that never
    # occurs makes every longer piece with the same start free too: no need to count those.
    cost: list[dict[int, float]] = []
    for a in range(n):
        row: dict[int, float] = {}
        seen = True
        for b in range(a + 2, min(n, a + longest) + 1):
            found = frequency(padded[a:b]) if seen else 0
            seen = found > 0
            row[b] = found + 0.5 ** (b - a)
        cost.append(row)
    inf = float("inf")
    # best[c][i]: least cost of c pieces inside padded[:i], and the pieces.
    best: list[list[tuple[float, tuple]]] = [[(0.0, ())] * (n + 1)] + [[(inf, ())] * (n + 1) for _ in range(count)]
    for c in range(1, count + 1):
        row_c, prev = best[c], best[c - 1]
        for i in range(1, n + 1):
            choice = row_c[i - 1]
            for a in range(max(0, i - longest), i - 1):
                if prev[a][0] == inf:
                    continue
                total = prev[a][0] + cost[a][i]
                if total < choice[0]:
                    choice = (total, prev[a][1] + ((a, i),))
            row_c[i] = choice
    return [(padded[a:b], a) for a, b in best[count][n][1]]


def _word_starts_ends(text: str) -> tuple[list[int], list[int]]:
    """Start and end offsets of the words of a folded text (single spaces, no padding)."""
    if not text:
        return [], []
    if "  " in text or text[0] == " " or text[-1] == " ":  # not folded: the slow, general way
        starts: list[int] = []
        ends: list[int] = []
        at = 0
        for word in text.split(" "):
            if word:
                starts.append(at)
                ends.append(at + len(word))
            at += len(word) + 1
        return starts, ends
    ends = list(accumulate(map(len, text.split(" ")), _next_end))
    starts = [0]
    starts.extend([e + 1 for e in ends[:-1]])
    return starts, ends


def _next_end(end: int, length: int) -> int:
    return end + 1 + length


def _legacy_pieces(phrase: str, count: int) -> list[str]:
    """`phrase` cut into at most len(phrase) contiguous pieces of near-equal length."""
    return [p for p, _ in _even_pieces(phrase, count)]


def _word_at(starts: list[int], offset: int) -> int:
    return max(0, bisect.bisect_right(starts, offset) - 1)
