"""The Python API: score a pandas DataFrame of turns, get a DataFrame of results.

    import pandas as pd
    import cx_audit

    turns = pd.read_parquet("turns.parquet")          # conversation_id, speaker, text, ...
    results = cx_audit.score_frame(turns, ruleset="es")

`score_frame` is a pure function of its input (the project config and the environment play no
part), so it is safe inside `dask.dataframe.map_partitions`: the rulesets are loaded and
compiled once per process and kept (`_scorer`).
"""

from __future__ import annotations

import hashlib
import pickle
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Sequence, Union

from cx_audit.errors import CxAuditError, InputError
from cx_audit.inputs.base import LoadItem, LoadOptions
from cx_audit.inputs.roles import resolve_roles
from cx_audit.pipeline import Scorer
from cx_audit.render import tabular
from cx_audit.ruleset.model import Ruleset

if TYPE_CHECKING:
    import pandas as pd

RulesetSpec = Union[str, Ruleset, Sequence[Union[str, Ruleset]], None]

__all__ = ["score_frame", "result_columns"]


# ---- rulesets, compiled once per process --------------------------------------------------------


def _ruleset_key(item: str | Ruleset) -> tuple[str, str]:
    if isinstance(item, Ruleset):
        # A Ruleset object shipped to a dask worker arrives as a new object in every task: key it
        # by its content so it is still compiled only once per process.
        return ("object", hashlib.sha1(pickle.dumps(item)).hexdigest())
    if isinstance(item, str):
        return ("name", item)
    raise TypeError(f"ruleset must be a name, a YAML path or a Ruleset, not {type(item).__name__}")


_OBJECTS: dict[str, Ruleset] = {}


def _spec_items(ruleset: RulesetSpec, lang_auto: bool) -> list[str | Ruleset]:
    if ruleset is None:
        return ["es", "en"] if lang_auto else ["es"]
    if isinstance(ruleset, (str, Ruleset)):
        return [ruleset]
    items = list(ruleset)
    if not items:
        raise ValueError("ruleset: name at least one ruleset")
    return items


def _scorer(ruleset: RulesetSpec, lang_auto: bool, pass_mark: float | None) -> Scorer:
    keys = []
    for item in _spec_items(ruleset, lang_auto):
        key = _ruleset_key(item)
        if key[0] == "object":
            _OBJECTS.setdefault(key[1], item)  # type: ignore[arg-type]
        keys.append(key)
    return _cached_scorer(tuple(keys), lang_auto, pass_mark)


@lru_cache(maxsize=16)
def _cached_scorer(keys: tuple[tuple[str, str], ...], lang_auto: bool, pass_mark: float | None) -> Scorer:
    import copy

    from cx_audit.ruleset import load_ruleset

    rulesets = []
    for kind, value in keys:
        rs = copy.deepcopy(_OBJECTS[value]) if kind == "object" else load_ruleset(value)
        if pass_mark is not None:
            rs.pass_mark = float(pass_mark)
        rulesets.append(rs)
    labels = [rs.label for rs in rulesets]
    if len(set(labels)) != len(labels):
        raise ValueError(f"the same ruleset is named twice: {', '.join(labels)}")
    return Scorer(rulesets, lang_auto=lang_auto)


# ---- scoring transcripts ------------------------------------------------------------------------


@dataclass
class Scored:
    """What one table gave: result rows (typed, in CSV column order) and located problems."""

    columns: list[tuple[str, str]]
    rows: list[list[Any]] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    conversations: int = 0
    failed: int = 0


def score_items(items: Iterable[LoadItem], scorer: Scorer, options: LoadOptions, fmt: str = "") -> Scored:
    """Score loaded items as `pipeline.iter_results` does (roles resolved, empty ones reported)."""
    cols = tabular.columns(scorer.rulesets)
    categories = tabular.category_ids(scorer.rulesets)
    out = Scored(cols)
    for item in items:
        if isinstance(item, InputError):
            out.errors.append(item)
            continue
        item.format = item.format or fmt
        out.warnings.extend(resolve_roles(item, options))
        out.conversations += 1
        if not item.turns:
            out.errors.append(InputError(item.source, f"conversation '{item.conversation_id}' has no turns to score"))
            continue
        for result in scorer.score(item):
            if not result.passed:
                out.failed += 1
            out.rows.append(tabular.values(result, categories))
    return out


def text_rows(frame: "pd.DataFrame", numbers: Sequence[int]) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells as text) for every row of `frame`, column by column converted."""
    from cx_audit.inputs.table import cell_text

    converted = []
    for name in frame.columns:
        values = frame[name].tolist()
        converted.append([v if type(v) is str else cell_text(v) for v in values])
    for number, *cells in zip(numbers, *converted):
        yield number, cells


def row_numbers(frame: "pd.DataFrame") -> list[int]:
    """1-based row numbers: the index + 1 when it is a plain integer index, else the position."""
    import pandas as pd

    index = frame.index
    if pd.api.types.is_integer_dtype(index.dtype) and not isinstance(index, pd.MultiIndex):
        return [int(i) + 1 for i in index]
    return list(range(1, len(frame) + 1))


def score_table(frame: "pd.DataFrame", scorer: Scorer, options: LoadOptions, name: str,
                numbers: Sequence[int]) -> Scored:
    from cx_audit.inputs.table import table_items

    header = [str(c) for c in frame.columns]
    items = table_items(name, header, text_rows(frame, numbers), options)
    return score_items(items, scorer, options, fmt="frame")


# ---- the public function ------------------------------------------------------------------------


def score_frame(
    turns: "pd.DataFrame",
    ruleset: RulesetSpec = None,
    *,
    lang: str | None = None,
    pass_mark: float | None = None,
    columns: dict[str, str] | None = None,
    role_map: dict[str, str] | None = None,
    agent_labels: Sequence[str] = (),
    customer_labels: Sequence[str] = (),
    name: str = "<frame>",
    errors: str = "warn",
) -> "pd.DataFrame":
    """Score a table of turns; one row per conversation (and ruleset), the `-f csv` columns.

    `turns` has one row per turn with the columns the CSV loader accepts (conversation_id,
    speaker or role, text; optional turn, start, end, timestamp, agent, team, queue, date,
    channel, language; the same aliases, and `columns={"text": "Mensaje"}` like `--column`).
    `ruleset` is a built-in name, a YAML path, a `Ruleset`, or a list of them (default "es", or
    "es" and "en" with `lang="auto"`, which scores each conversation with the ruleset of its
    language). `pass_mark`, `role_map`, `agent_labels` and `customer_labels` are the CLI's flags.

    Each result's `source` is `NAME:ROW`: `name`, and the 1-based row number of the
    conversation's first row (the index + 1 when the index is a plain integer one, so a filtered
    frame still points into the original table). Rows that cannot be read and conversations
    without turns are listed in `result.attrs["errors"]`; `errors` says what else to do with
    them: "warn" (one warning), "raise" (ValueError) or "ignore".
    """
    if errors not in ("warn", "raise", "ignore"):
        raise ValueError(f"errors must be 'warn', 'raise' or 'ignore', not {errors!r}")
    if lang not in (None, "auto"):
        raise ValueError(f"lang must be None or 'auto', not {lang!r}")
    if pass_mark is not None and not 0 <= float(pass_mark) <= 100:
        raise ValueError(f"pass_mark must be between 0 and 100, not {pass_mark}")
    try:
        scorer = _scorer(ruleset, lang == "auto", None if pass_mark is None else float(pass_mark))
    except CxAuditError as err:  # a ruleset that does not load: its located problems
        raise ValueError(str(err)) from None
    options = LoadOptions(
        agent_labels=tuple(agent_labels),
        customer_labels=tuple(customer_labels),
        columns=dict(columns or {}),
        role_map=dict(role_map or {}),
    )
    scored = score_table(turns, scorer, options, name, row_numbers(turns))
    result = tabular.pandas_frame(scored.columns, scored.rows)
    messages = [str(e) for e in scored.errors]
    result.attrs["errors"] = messages
    result.attrs["warnings"] = list(scored.warnings)
    if messages and errors == "raise":
        more = f" (and {len(messages) - 10} more)" if len(messages) > 10 else ""
        raise ValueError("; ".join(messages[:10]) + more)
    if messages and errors == "warn":
        warnings.warn(
            f"cx-audit: {len(messages)} problem(s), see .attrs['errors']; the first: {messages[0]}",
            stacklevel=2,
        )
    return result


def result_columns(ruleset: RulesetSpec = None, lang: str | None = None) -> "pd.DataFrame":
    """An empty frame with `score_frame`'s columns and dtypes (dask's `meta=`)."""
    scorer = _scorer(ruleset, lang == "auto", None)
    return tabular.pandas_frame(tabular.columns(scorer.rulesets), [])
