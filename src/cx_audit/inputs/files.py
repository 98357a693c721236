"""Turn the PATHS a user names into `Document`s: files, folders (recursive), globs, `-`, `.gz`.

Decoding: UTF-8 with or without BOM; UTF-16 with a BOM; anything else that is not valid UTF-8 is
read as cp1252 and reported with a warning. Problems come back as `InputError`s, never exceptions,
so one unreadable file never stops the batch.
"""

from __future__ import annotations

import codecs
import glob
import gzip
import io
import os
import sys
import zlib
from pathlib import Path
from typing import Callable

from cx_audit.errors import InputError
from cx_audit.inputs.base import Document

HEAD_BYTES = 64 * 1024
CP1252_FALLBACK = "cx-audit-cp1252"
PARQUET_MAGIC = b"PAR1"


def _cp1252_fallback(err: UnicodeDecodeError) -> tuple[str, int]:
    """Bytes that are not UTF-8 past the sniffed head: read them as cp1252 rather than lose the file."""
    bad = err.object[err.start : err.end]
    return bytes(bad).decode("cp1252", errors="replace"), err.end


codecs.register_error(CP1252_FALLBACK, _cp1252_fallback)
# Files a folder walk skips: hidden files and what is obviously not a transcript.
SKIP_SUFFIXES = {".pyc", ".png", ".jpg", ".jpeg", ".gif", ".pdf", ".zip", ".wav", ".mp3", ".xlsx"}


def expand_paths(paths: list[str]) -> tuple[list[str], list[InputError]]:
    """Expand folders and globs into a de-duplicated list of files sorted by path ("-" first)."""
    found: list[str] = []
    errors: list[InputError] = []
    for raw in paths:
        if raw == "-":
            found.append("-")
            continue
        if os.path.isdir(raw):
            found.extend(_walk(raw, errors))
        elif os.path.exists(raw) or os.path.islink(raw):
            found.append(raw)
        elif glob.has_magic(raw):
            matches = sorted(glob.glob(raw, recursive=True))
            if not matches:
                errors.append(InputError(raw, "no file matches this pattern"))
            for match in matches:
                found.extend(_walk(match, errors) if os.path.isdir(match) else [match])
        else:
            errors.append(InputError(raw, "no such file or folder"))
    seen: set[str] = set()
    unique = []
    for path in found:
        key = path if path == "-" else os.path.normpath(path)
        if key not in seen:
            seen.add(key)
            unique.append(path)
    # Output never depends on the order the files were named in: stdin first, then by path.
    unique.sort(key=lambda p: (p != "-", os.path.normpath(p) if p != "-" else ""))
    return unique, errors


def _walk(folder: str, errors: list[InputError]) -> list[str]:
    """All files below `folder`, sorted, following symlinks but never looping."""
    out: list[str] = []
    visited: set[tuple[int, int]] = set()

    def onerror(err: OSError) -> None:
        errors.append(InputError(err.filename or folder, f"cannot read folder: {err.strerror}"))

    for root, dirs, files in os.walk(folder, followlinks=True, onerror=onerror):
        try:
            st = os.stat(root)
        except OSError:
            continue
        key = (st.st_dev, st.st_ino)
        if key in visited:
            errors.append(InputError(root, "folder loop (a symlink points back up); skipped"))
            dirs[:] = []
            continue
        visited.add(key)
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith(".") or Path(name).suffix.lower() in SKIP_SUFFIXES:
                continue
            out.append(os.path.join(root, name))
    return out


def _extension_and_stem(name: str) -> tuple[str, str, bool]:
    base = os.path.basename(name)
    gz = base.lower().endswith(".gz")
    if gz:
        base = base[:-3]
    stem, ext = os.path.splitext(base)
    return ext.lower(), stem or base, gz


def _detect_encoding(head: bytes) -> tuple[str, str | None]:
    """Return (codec, warning or None) for a file whose first bytes are `head`."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", None
    if head.startswith(codecs.BOM_UTF16_LE) or head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16", None
    try:
        head.decode("utf-8")
        return "utf-8", None
    except UnicodeDecodeError as err:
        # A multi-byte character cut at the end of the head is still UTF-8.
        if err.start >= len(head) - 3 and err.reason == "unexpected end of data":
            return "utf-8", None
        return "cp1252", "not valid UTF-8; read as cp1252 (Windows Latin-1)"


def _looks_binary(sample: bytes) -> bool:
    """More than one byte in ten a control character (other than tab, newlines, form feed): binary."""
    controls = sum(1 for byte in sample if byte < 32 and byte not in (9, 10, 12, 13))
    return controls * 10 > len(sample)


class _WithoutNul(io.RawIOBase):
    """A binary stream read without its NUL bytes."""

    def __init__(self, inner: io.BufferedIOBase):
        self.inner = inner

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while True:
            data = self.inner.read(len(buffer))
            if not data:
                return 0
            data = data.replace(b"\x00", b"")
            if data:  # a block of nothing but NUL bytes is not the end of the file
                buffer[: len(data)] = data
                return len(data)

    def close(self) -> None:
        self.inner.close()
        super().close()


def _parquet_footer(raw_opener: Callable[[], io.BufferedIOBase]) -> bool:
    """A Parquet file ends with PAR1 too (a text file that starts with "PAR1" does not)."""
    try:
        with raw_opener() as raw:
            raw.seek(-4, os.SEEK_END)
            return raw.read(4) == PARQUET_MAGIC
    except (OSError, ValueError, EOFError, zlib.error):  # gzip cannot seek from the end: the head decides
        return True


def open_document(path: str, stdin: io.BufferedReader | None = None) -> tuple[Document | None, InputError | None, str | None]:
    """Open one path as a Document. Returns (doc, error, warning)."""
    display = "<stdin>" if path == "-" else path
    ext, stem, gz = _extension_and_stem("stdin" if path == "-" else path)
    try:
        if path == "-":
            data = (stdin or sys.stdin.buffer).read()
            if data[:2] == b"\x1f\x8b":
                data = gzip.decompress(data)
            raw_opener: Callable[[], io.BufferedIOBase] = lambda: io.BytesIO(data)
        else:
            if os.path.isdir(path):
                return None, InputError(display, "is a folder"), None
            with open(path, "rb") as probe:
                magic = probe.read(2)
            gz = gz or magic == b"\x1f\x8b"
            raw_opener = (lambda: gzip.open(path, "rb")) if gz else (lambda: open(path, "rb"))
        with raw_opener() as raw:
            head_bytes = raw.read(HEAD_BYTES)
    except (OSError, EOFError, zlib.error) as err:
        reason = getattr(err, "strerror", None) or str(err)
        return None, InputError(display, f"cannot read: {reason}"), None
    if not head_bytes.strip():
        return None, InputError(display, "empty file"), None
    if head_bytes[:4] == PARQUET_MAGIC and _parquet_footer(raw_opener):
        # Binary, read by the Parquet loader through `raw`: no decoding, no NUL check.
        def no_text() -> io.TextIOBase:
            raise OSError("a Parquet file is binary; it has no text")

        doc = Document(name=display, stem=stem, extension=ext, head="PAR1", opener=no_text,
                       encoding="binary", raw=raw_opener)
        return doc, None, None
    encoding, warning = _detect_encoding(head_bytes)
    if encoding != "utf-16" and b"\x00" in head_bytes:
        if _looks_binary(head_bytes[:4096]):
            return None, InputError(display, "binary file (NUL and control bytes); not a transcript"), None
        # A text file with stray NUL bytes (a bad export): read it without them rather than lose it
        # (as it streams: the file is not held in memory).
        line = head_bytes.count(b"\n", 0, head_bytes.index(b"\x00")) + 1
        nul_warning = f"NUL bytes (first on line {line}) removed"
        warning = f"{warning}; {nul_warning}" if warning else nul_warning
        with_nul = raw_opener
        raw_opener = lambda: io.BufferedReader(_WithoutNul(with_nul()))
        with raw_opener() as raw:
            head_bytes = raw.read(HEAD_BYTES)  # NUL is valid UTF-8 and cp1252: the encoding stands
    head = head_bytes.decode(encoding, errors="replace")

    def opener() -> io.TextIOBase:
        errors = CP1252_FALLBACK if encoding.startswith("utf-8") else "replace"
        return io.TextIOWrapper(raw_opener(), encoding=encoding, errors=errors, newline=None)

    doc = Document(name=display, stem=stem, extension=ext, head=head, opener=opener, encoding=encoding)
    return doc, None, (f"{display}: {warning}" if warning else None)
