"""CSV and TSV in long format: one row per turn, many conversations per file, a header row.

    conversation_id,turn,speaker,text,agent,date
    c-001,1,Agente,"Buenas tardes, le atiende Laura.",Laura,2026-01-05
    c-001,2,Cliente,Hola,Laura,2026-01-05

Header names are matched case-insensitively against the aliases below (`call_id`, `role`,
`message`, ...); `LoadOptions.columns` (canonical -> name in the file) wins. Columns the loader
does not use are kept in the transcript's metadata (first non-empty value per conversation).
"""

from __future__ import annotations

import csv
import io
import sys
from typing import Iterator

from cx_audit.errors import InputError
from cx_audit.inputs import registry
from cx_audit.inputs.base import Document, LoadItem, LoadOptions
from cx_audit.inputs.labels import RowStream, parse_seconds, role_for_label
from cx_audit.model import UNKNOWN, Turn

# Canonical column -> accepted header names, most specific first.
ALIASES: dict[str, tuple[str, ...]] = {
    "conversation_id": (
        "conversation_id", "conversation", "conv_id", "call_id", "chat_id", "ticket_id",
        "contact_id", "session_id", "id",
    ),
    "speaker": ("speaker", "role", "participant", "author", "sender", "from", "speaker_role", "participant_role"),
    "text": ("text", "message", "utterance", "content", "body", "transcript"),
    "turn": ("turn", "turn_index", "seq", "sequence", "order", "index"),
    "start": ("start", "start_time", "start_seconds", "begin", "offset"),
    "end": ("end", "end_time", "end_seconds"),
    "timestamp": ("timestamp", "time", "datetime", "created_at", "sent_at"),
    "agent": ("agent", "agent_name", "agent_id"),
    "team": ("team",),
    "queue": ("queue",),
    "date": ("date",),
    "channel": ("channel",),
    "language": ("language", "lang"),
    "speaker_name": ("speaker_name", "name", "author_name"),
}
REQUIRED = ("conversation_id", "speaker", "text")
# Speaker columns that hold a role rather than a person; when a file has one of these and also
# a name-like speaker column, the role column decides the role and the other gives the name.
_ROLE_COLUMNS = ("role", "speaker_role", "participant_role")
DELIMITERS = (",", ";", "\t", "|")
META_COLUMNS = ("agent", "team", "queue", "date", "channel", "language")
_EVERY_ROW = frozenset({"channel", "language"})  # set_meta decides these itself; the rest are kept in metadata


def _norm_header(name: str) -> str:
    return "_".join(name.replace("\ufeff", "").strip().lower().replace("-", " ").split())


def _split_header(line: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=delimiter))
    except (csv.Error, StopIteration):
        return []


def detect_delimiter(header: str, preferred: str = ",") -> str:
    """The delimiter of a header line: the one that finds known columns, else the most frequent."""
    best, best_known, best_count = preferred, -1, header.count(preferred)
    for delimiter in DELIMITERS:
        fields = [_norm_header(f) for f in _split_header(header, delimiter)]
        if len(fields) < 2:
            continue
        known = sum(1 for aliases in ALIASES.values() if any(a in fields for a in aliases))
        count = header.count(delimiter)
        if (known, count) > (best_known, best_count):
            best, best_known, best_count = delimiter, known, count
    return best


def map_columns(header: list[str], options: LoadOptions) -> tuple[dict[str, int], list[str]]:
    """Canonical column -> index in `header`, and the names of required columns not found."""
    normalized = [_norm_header(h) for h in header]
    mapping: dict[str, int] = {}
    missing: list[str] = []
    used: set[int] = set()
    for canonical, actual in options.columns.items():
        canonical = _norm_header(canonical)
        target = _norm_header(actual)
        if target in normalized:
            mapping[canonical] = normalized.index(target)
            used.add(mapping[canonical])
        else:
            missing.append(f"{canonical} (mapped to {actual!r})")
    for canonical, aliases in ALIASES.items():
        if canonical in mapping or any(m.startswith(canonical + " ") for m in missing):
            continue
        for alias in aliases:
            if alias in normalized and normalized.index(alias) not in used:
                mapping[canonical] = normalized.index(alias)
                used.add(mapping[canonical])
                break
    # "role" + "speaker" columns: role decides the role, speaker names the person.
    if "speaker" in mapping and normalized[mapping["speaker"]] not in _ROLE_COLUMNS and "speaker" not in options.columns:
        for alias in _ROLE_COLUMNS:
            if alias in normalized and normalized.index(alias) not in used:
                if "speaker_name" not in mapping:
                    mapping["speaker_name"] = mapping["speaker"]
                mapping["speaker"] = normalized.index(alias)
                break
    for canonical in REQUIRED:
        if canonical not in mapping and not any(m.startswith(canonical + " ") for m in missing):
            missing.append(canonical)
    return mapping, missing


class DelimitedLoader:
    def __init__(self, name: str, extensions: tuple[str, ...], delimiter: str, description: str, example: str):
        self.name = name
        self.extensions = extensions
        self.delimiter = delimiter
        self.description = description
        self.example = example

    def _delimiters(self) -> tuple[str, ...]:
        return ("\t",) if self.delimiter == "\t" else tuple(d for d in DELIMITERS if d != "\t")

    def sniff(self, doc: Document) -> float:
        header = doc.head.lstrip("\ufeff").split("\n", 1)[0].rstrip("\r")
        for delimiter in self._delimiters():
            fields = {_norm_header(f) for f in _split_header(header, delimiter)}
            if len(fields) >= 2 and any(a in fields for a in ALIASES["text"]) and any(
                a in fields for a in ALIASES["speaker"]
            ):
                return 0.7
        if doc.extension in self.extensions:
            return 0.4  # the extension says so; the header may still need --column
        return 0.0

    def load(self, doc: Document, options: LoadOptions) -> Iterator[LoadItem]:
        csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
        with doc.open() as stream:
            yield from self._load(doc, stream, options)

    def _load(self, doc: Document, stream: io.TextIOBase, options: LoadOptions) -> Iterator[LoadItem]:
        # Find the header: the first non-blank line.
        header_line = ""
        header_number = 0
        for raw in stream:
            header_number += 1
            if raw.strip():
                header_line = raw.lstrip("\ufeff").rstrip("\r\n")
                break
        if not header_line:
            yield InputError(doc.name, "no header row")
            return
        delimiter = "\t" if self.delimiter == "\t" else detect_delimiter(header_line, self.delimiter)
        header = [h.strip() for h in _split_header(header_line, delimiter)]
        mapping, missing = map_columns(header, options)
        if missing:
            found = ", ".join(h for h in header if h) or "nothing"
            yield InputError(
                doc.name,
                f"missing required column(s): {', '.join(missing)}; found: {found}"
                " (map them with --column, e.g. --column text=Mensaje)",
                header_number,
            )
            return
        used = set(mapping.values())
        extras = [(i, name) for i, name in enumerate(header) if i not in used and name]

        roles: dict[tuple[str, str], tuple[str, str]] = {}  # (label, name) -> role_for_label, per file
        rows = RowStream(doc.name, options)  # errors and conversations in file order, as they complete
        reader = csv.reader(stream, delimiter=delimiter)
        previous = header_number
        try:
            for row in reader:
                line, previous = previous + 1, header_number + reader.line_num
                if not row or not any(cell.strip() for cell in row):
                    continue
                error = self._row(doc, row, header, mapping, extras, line, rows, options, roles)
                if error is not None:
                    yield from rows.add(line, 0, error)
                yield from rows.after_row()
        except csv.Error as err:
            where = header_number + reader.line_num
            yield from rows.add(where, 0, InputError(doc.name, f"bad CSV: {err}; rest of file skipped", where))
        yield from rows.finish()

    def _row(
        self,
        doc: Document,
        row: list[str],
        header: list[str],
        mapping: dict[str, int],
        extras: list[tuple[int, str]],
        line: int,
        rows: RowStream,
        options: LoadOptions,
        roles: dict | None = None,
    ) -> InputError | None:
        if len(row) != len(header):
            if not (len(row) > len(header) and not any(c.strip() for c in row[len(header):])):
                return InputError(doc.name, f"row has {len(row)} fields, the header has {len(header)}; row skipped", line)

        get = mapping.get  # every mapped index is < len(header) <= len(row) (checked above)

        def cell(canonical: str) -> str:
            index = get(canonical)
            return row[index].strip() if index is not None else ""

        conversation_id = cell("conversation_id")
        if not conversation_id:
            return InputError(doc.name, f"empty conversation id (column {header[mapping['conversation_id']]!r}); row skipped", line)
        text = cell("text")
        if not text:
            return InputError(doc.name, f"empty text (column {header[mapping['text']]!r}); row skipped", line)
        label = cell("speaker")
        name = cell("speaker_name")
        if not (label or name):
            role, role_source = UNKNOWN, "unknown"
        elif roles is None:
            role, role_source = role_for_label(label, options, name=name)
        else:
            found = roles.get((label, name))
            if found is None:
                found = roles[(label, name)] = role_for_label(label, options, name=name)
            role, role_source = found
        turn = Turn(role=role, text=text, speaker=name or label, role_source=role_source)
        problem = None
        for key in ("start", "end"):
            value = cell(key)
            if value:
                seconds = parse_seconds(value)
                if seconds is None and problem is None:
                    problem = InputError(doc.name, f"{key} {value!r} is not seconds or hh:mm:ss; ignored", line)
                setattr(turn, key, seconds)

        group = rows.group(conversation_id, f"{doc.name}:{line}", line)
        if group is None:
            return rows.late_row(conversation_id, line)
        order_error = group.add(
            turn,
            line,
            cell("turn") if "turn" in mapping else None,
            doc.name,
            timestamp=cell("timestamp") or None,
        )
        metadata = group.metadata
        for key in META_COLUMNS:
            index = get(key)
            if index is not None and row[index] and (key in _EVERY_ROW or metadata.get(key) in (None, "")):
                group.set_meta(key, row[index])  # the first non-empty value wins (set_meta strips it)
        for index, name_ in extras:
            if index < len(row):
                group.set_meta(name_, row[index])
        if order_error is not None:
            rows.pending.append((line, 0, order_error))
        return problem


CSV = registry.register(
    DelimitedLoader(
        "csv",
        (".csv",),
        ",",
        "CSV, one row per turn (columns conversation_id, speaker, text; many conversations per file).",
        "conversation_id,turn,speaker,text\nc-001,1,Agente,\"Buenas tardes, le atiende Laura.\"\nc-001,2,Cliente,Hola",
    )
)
TSV = registry.register(
    DelimitedLoader(
        "tsv",
        (".tsv", ".tab"),
        "\t",
        "TSV (tab-separated), one row per turn, same columns as CSV.",
        "conversation_id\tturn\tspeaker\ttext\nc-001\t1\tAgente\tBuenas tardes\nc-001\t2\tCliente\tHola",
    )
)
