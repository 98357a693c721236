"""Read a saved result (the JSON, JSONL or CSV that `cx-audit score` writes) back as records.

Every record has the shape of a JSON result (`render/records.py`): `conversation_id`, `source`,
`agent`, `language`, `ruleset`, `score`, `passed`, `auto_failed`, `categories` (`{id: {"score"}}`),
`metadata` and either `findings` (JSON, JSONL) or only `failed_rules` (CSV).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from typing import Any, Iterator

from cx_audit.errors import CxAuditError
from cx_audit.render.records import CSV_FIXED_COLUMNS


def _open(path: str) -> io.TextIOBase:
    if path == "-":
        import sys

        return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig")
    try:
        if path.endswith(".gz"):
            return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig")
        return open(path, encoding="utf-8-sig", newline="")
    except OSError as err:
        raise CxAuditError(f"{path}: cannot read: {err.strerror or err}") from err


def load_results(path: str) -> list[dict[str, Any]]:
    """All result records of a saved JSON, JSONL or CSV result file (sniffed by content)."""
    with _open(path) as stream:
        try:
            text = stream.read()
        except (UnicodeDecodeError, OSError, EOFError) as err:
            raise CxAuditError(f"{path}: cannot read: {err}") from err
    head = text.lstrip()[:1]
    if head == "{":
        first_line = text.lstrip().split("\n", 1)[0]
        if '"schema_version"' in first_line and '"results"' in first_line:
            return _from_json(path, text)
        return list(_from_jsonl(path, text))
    if text.startswith("conversation_id"):
        return list(_from_csv(path, text))
    raise CxAuditError(f"{path}: not a cx-audit result (expected the JSON, JSONL or CSV of `cx-audit score`)")


def _from_json(path: str, text: str) -> list[dict[str, Any]]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as err:
        raise CxAuditError(f"{path}:{err.lineno}: not valid JSON: {err.msg}") from err
    if not isinstance(doc, dict) or not isinstance(doc.get("results"), list):
        raise CxAuditError(f"{path}: a JSON result needs a \"results\" list")
    return [_check(path, r, i) for i, r in enumerate(doc["results"], start=1)]


def _from_jsonl(path: str, text: str) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise CxAuditError(f"{path}:{number}: not valid JSON: {err.msg}") from err
        yield _check(path, record, number)


def _check(path: str, record: Any, where: int) -> dict[str, Any]:
    if not isinstance(record, dict) or "conversation_id" not in record or "score" not in record:
        raise CxAuditError(f"{path}:{where}: not a cx-audit result record (needs conversation_id and score)")
    record.setdefault("categories", {})
    record.setdefault("metadata", {})
    if "failed_rules" not in record:
        record["failed_rules"] = list(dict.fromkeys(f["rule"] for f in record.get("findings") or [] if f.get("status") == "fail"))
    return record


def _number(value: str) -> float | None:
    value = value.strip()
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        return None


def _cell(value: str) -> str:
    """Undo the CSV writer's formula guard (a leading apostrophe)."""
    if value.startswith("'") and value[1:2] in ("=", "+", "-", "@", "\t", "\r"):
        return value[1:]
    return value


def _from_csv(path: str, text: str) -> Iterator[dict[str, Any]]:
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    if header[: len(CSV_FIXED_COLUMNS)] != CSV_FIXED_COLUMNS or "failed_rules" not in header:
        if "rule" in header and "status" in header:
            raise CxAuditError(f"{path}: this is a --details CSV (one row per finding); give the per-conversation CSV, JSON or JSONL")
        raise CxAuditError(f"{path}: the CSV header is not the one `cx-audit score -f csv` writes")
    failed_at = header.index("failed_rules")
    categories = header[len(CSV_FIXED_COLUMNS) : failed_at]
    extra = header[failed_at + 1 :]
    for number, row in enumerate(reader, start=2):
        if not row:
            continue
        if len(row) != len(header):
            raise CxAuditError(f"{path}:{number}: {len(row)} cells, the header has {len(header)}")
        fixed = dict(zip(CSV_FIXED_COLUMNS, row))
        metadata = {k: _cell(v) for k, v in zip(extra, row[failed_at + 1 :]) if v}
        cats = {}
        for cid, value in zip(categories, row[len(CSV_FIXED_COLUMNS) : failed_at]):
            score = _number(value)
            cats[cid] = {"score": score, "passed": None}
        yield {
            "conversation_id": _cell(fixed["conversation_id"]),
            "source": _cell(fixed["source"]),
            "agent": _cell(fixed["agent"]) or None,
            "language": fixed["language"] or None,
            "ruleset": fixed["ruleset"],
            "score": _number(fixed["score"]),
            "passed": fixed["passed"] == "true",
            "auto_failed": fixed["auto_failed"] == "true",
            "categories": cats,
            "failed_rules": row[failed_at].split(),
            "metadata": metadata,
        }
