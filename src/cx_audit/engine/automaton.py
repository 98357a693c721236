"""The multi-string matcher under `PhraseMatcher`: pyahocorasick when it imports, else pure Python.

`new_automaton()` returns an object with pyahocorasick's `Automaton` calls that the matcher uses:
`add_word(key, value)`, `make_automaton()`, and `iter(text)`, which yields `(end, value)` for
every occurrence of every key in `text`, overlapping ones included, where `end` is the index of
the key's last character; ordered by `end`, and at one `end` longest key first.

`PythonAutomaton` gives the same answers in the same order without a C extension, for platforms
without a pyahocorasick wheel (or a broken one). It compiles every key into one regular
expression shaped like a trie, inside a lookahead: `re` (in C) finds, at each position where
some key begins, the longest key beginning there; the others beginning there are exactly the
keys that are prefixes of it, precomputed per key. So there is no Python loop over keys or over
characters per text, only over the occurrences found.

The backend is chosen once, on first use: the environment variable CX_AUDIT_MATCHER=python forces
the pure-Python one, =pyahocorasick requires the C one, unset (or `auto`) takes pyahocorasick
when it imports. `backend()` names the one in use (`cx-audit --version` prints it).
"""

from __future__ import annotations

import os
import re
import sys
from typing import Any, Iterator

from cx_audit.errors import CxAuditError

ENV = "CX_AUDIT_MATCHER"
CHOICES = ("auto", "pyahocorasick", "python")


class PythonAutomaton:
    """pyahocorasick's `Automaton` as the matcher uses it (str keys), in pure Python."""

    def __init__(self) -> None:
        self._values: dict[str, Any] = {}
        self._search = None
        # longest key found at a position -> ((length, value), ...) of it and of every key that
        # is a prefix of it, longest first
        self._chains: dict[str, tuple[tuple[int, Any], ...]] = {}

    def add_word(self, key: str, value: Any) -> bool:
        """Add `key` (or replace its value); True if it was new. Call `make_automaton()` after."""
        if not isinstance(key, str) or not key:
            raise ValueError("a key must be a non-empty string")
        new = key not in self._values
        self._values[key] = value
        self._search = None
        return new

    def __len__(self) -> int:
        return len(self._values)

    def make_automaton(self) -> None:
        values = self._values
        self._chains = {
            key: tuple((n, values[key[:n]]) for n in range(len(key), 0, -1) if key[:n] in values)
            for key in values
        }
        trie: dict = {}
        for key in values:
            node = trie
            for char in key:
                node = node.setdefault(char, {})
            node[""] = True  # a key ends here
        # The regex nests one group per key end or branch along a key: as deep as the longest key
        # at worst, and `re` parses (and this module writes) it recursively.
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, 6 * max(map(len, values), default=0) + 1000))
        try:
            self._search = re.compile(f"(?=({_alternatives(trie)}))").finditer if values else None
        finally:
            sys.setrecursionlimit(limit)

    def iter(self, text: str) -> Iterator[tuple[int, Any]]:
        search = self._search
        if search is None:
            if self._values:
                raise AttributeError("call make_automaton() before iter()")  # as pyahocorasick does
            return iter(())
        chains = self._chains
        found: list[tuple[int, int, Any]] = []
        for match in search(text):
            start = match.start() - 1
            for length, value in chains[match.group(1)]:
                found.append((start + length, -length, value))
        if len(found) > 1:
            found.sort()  # (end, -length) never ties: one key per length at an end
        return ((end, value) for end, _, value in found)


def _alternatives(node: dict) -> str:
    """The regex of the keys below a trie node. A node where a key ends makes what follows it
    optional and greedy, so the match is the longest key at a position (all keys matching at one
    position lie on one path of the trie: backtracking never leaves it)."""
    parts = []
    for char, child in node.items():
        if char == "":
            continue
        rest = _alternatives(child)
        if not rest:
            parts.append(re.escape(char))
        elif "" in child:
            parts.append(f"{re.escape(char)}(?:{rest})?")
        else:
            parts.append(f"{re.escape(char)}(?:{rest})" if "|" in rest else re.escape(char) + rest)
    return "|".join(parts)


_chosen: tuple[str, Any] | None = None


def backend() -> str:
    """The backend in use: "pyahocorasick" or "python" (chosen on first use, then fixed)."""
    return _choose()[0]


def new_automaton():
    """An empty automaton of the backend in use."""
    return _choose()[1]()


def _choose() -> tuple[str, Any]:
    global _chosen
    if _chosen is None:
        _chosen = _pick(os.environ.get(ENV, ""))
    return _chosen


def _pick(setting: str) -> tuple[str, Any]:
    wanted = setting.strip().lower() or "auto"
    if wanted not in CHOICES:
        raise CxAuditError(f"{ENV}={setting!r}: expected one of {', '.join(CHOICES)}")
    if wanted == "python":
        return "python", PythonAutomaton
    try:
        import ahocorasick
    except ImportError as err:
        if wanted == "pyahocorasick":
            raise CxAuditError(f"{ENV}=pyahocorasick but pyahocorasick does not import ({err}); "
                               f"unset {ENV} to use the pure-Python matcher") from None
        return "python", PythonAutomaton
    return "pyahocorasick", ahocorasick.Automaton
