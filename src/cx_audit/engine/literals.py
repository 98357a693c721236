"""Literal prefilters for regex rules: strings one of which every match of a regex contains.

A regex rule runs Python's `re` on every turn in its scope, which costs more than the one scan of
all phrases. Most rule regexes require some literal ("no ", one of "puedo|podemos|podria", "vez"):
when none of those strings is in a turn, the regex cannot match it and is not run there. The
strings go into the phrase matcher's automaton, so finding them costs nothing extra.

`required_literals(pattern)` returns such a set of strings, or None when it cannot tell (then the
regex runs on every turn, as before). Only strings of [a-z0-9 ] are returned: a regex runs on the
`fold_keep_punct` text, and a string of lower-case letters, digits and single spaces found there is
also in the `fold` text the automaton scans (padded with a space at each end of the turn).
"""

from __future__ import annotations

import re
import string
from itertools import product

try:  # the regex parser of the standard library (re._parser since 3.11, sre_parse before)
    from re import _constants as _c  # type: ignore[attr-defined]
    from re import _parser as _p  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

_PLAIN = set(string.ascii_lowercase + string.digits + " ")
_MAX_SET = 64  # alternatives kept when sequences multiply out
_MIN_LENGTH = 2


def required_literals(pattern: str | re.Pattern) -> frozenset[str] | None:
    """Strings of which every match of `pattern` contains at least one; None if unknown."""
    flags = pattern.flags if isinstance(pattern, re.Pattern) else 0
    source = pattern.pattern if isinstance(pattern, re.Pattern) else pattern
    if not isinstance(source, str):
        return None
    try:
        parsed = _p.parse(source, flags)
    except Exception:  # noqa: BLE001 - an unparseable pattern just gets no prefilter
        return None
    if parsed.state.flags & (re.IGNORECASE | re.LOCALE):
        return None
    best = _best(_units(list(parsed)))
    if best is None:
        return None
    # Keep the plain part of each alternative (the longest run of [a-z0-9 ]).
    plain = set()
    for alternative in best:
        runs = re.findall(r"[a-z0-9 ]+", alternative)
        run = max(runs, key=len, default="")
        if len(run.strip()) == 0 or len(run) < _MIN_LENGTH or "  " in run:
            return None
        plain.add(run)
    return frozenset(plain)


# A unit is a frozenset of strings (the item matches exactly one of them), or None (anything).


def _units(items: list) -> list[frozenset[str] | None]:
    """The sequence as units, adjacent exact units multiplied out where the product stays small."""
    units: list[frozenset[str] | None] = []
    for op, av in items:
        unit = _unit(op, av)
        if unit == "zero-width":
            continue
        if unit is not None and units and units[-1] is not None:
            joined = units[-1]
            if len(joined) * len(unit) <= _MAX_SET:
                units[-1] = frozenset(a + b for a, b in product(joined, unit))
                continue
        units.append(unit)
    return units


def _best(units: list[frozenset[str] | None]) -> frozenset[str] | None:
    """The unit whose shortest alternative is longest (the most selective guess)."""
    candidates = [u for u in units if u]
    if not candidates:
        return None
    return max(candidates, key=lambda u: (min(len(s.strip()) for s in u), -len(u)))


def _unit(op, av):  # noqa: C901 - one branch per regex node kind
    if op is _c.LITERAL:
        return frozenset({chr(av)})
    if op is _c.AT:
        return "zero-width"  # ^ $ \b \B: no character of their own
    if op in (_c.ASSERT, _c.ASSERT_NOT):
        return "zero-width"  # lookarounds constrain, never consume
    if op is _c.IN:
        chars = []
        for kind, value in av:
            if kind is _c.LITERAL:
                chars.append(chr(value))
            elif kind is _c.NEGATE:
                return None
            elif kind is _c.RANGE and value[1] - value[0] < 8:
                chars.extend(chr(c) for c in range(value[0], value[1] + 1))
            else:
                return None
        return frozenset(chars) if 0 < len(chars) <= 8 else None
    if op is _c.SUBPATTERN:
        group_flags = av[1] | av[2]  # add flags, del flags
        if group_flags & (re.IGNORECASE | re.LOCALE):
            return None
        return _whole(list(av[-1]))
    if op is _c.BRANCH:
        alternatives: set[str] = set()
        for branch in av[1]:
            whole = _whole(list(branch))
            if whole is None:
                return _any_branch(av[1])
            alternatives |= whole
            if len(alternatives) > _MAX_SET:
                return _any_branch(av[1])
        return frozenset(alternatives)
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
        low, high, item = av
        if low == high == 1:
            return _whole(list(item))
        if low == 0 and high == 1:  # optional: either nothing or the item ("cancell?able")
            whole = _whole(list(item))
            return frozenset({""}) | whole if whole is not None else None
        return None  # repeated: no single string
    if op is getattr(_c, "ATOMIC_GROUP", None):
        return _whole(list(av))
    return None


def _whole(items: list) -> frozenset[str] | None:
    """The set of strings a sub-sequence matches exactly, or None when it is not a small set."""
    units = _units(items)
    if not units:
        return frozenset({""})
    if len(units) == 1:
        return units[0]
    return None


def _any_branch(branches) -> None:
    # A branch whose alternatives are not all exact strings: a required string per alternative
    # would still do (one of them must occur), but keep it simple and give up on this unit.
    return None


def _unsafe_characters() -> str:
    """Characters whose `fold_keep_punct` form holds letters or digits that their `fold` form
    does not ("½" -> "1⁄2" but " "): a literal found in the regex's text might be missing from
    the scanned text. A conversation holding one runs its regexes on every turn."""
    from cx_audit.normalize import _KEEP_PUNCT, _WORDS_ONLY

    unsafe = []
    for code in set(_KEEP_PUNCT) | set(_WORDS_ONLY):
        ch = chr(code)
        keep, words = _KEEP_PUNCT.get(code, ch), _WORDS_ONLY.get(code, ch)
        if keep != words and any(c in _PLAIN and c != " " for c in keep):
            unsafe.append(ch)
    return "".join(sorted(unsafe))


_UNSAFE = re.compile("[" + re.escape(_unsafe_characters()) + "]")


def has_unsafe_characters(turns) -> bool:
    return _UNSAFE.search("\n".join(t.text for t in turns)) is not None


def has_unsafe_text(text: str) -> bool:
    """`has_unsafe_characters` for one turn's text."""
    return _UNSAFE.search(text) is not None
