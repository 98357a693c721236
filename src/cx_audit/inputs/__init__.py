"""Input: from the PATHS a user names to `Transcript`s (and located `InputError`s)."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Callable, Iterator

from cx_audit.errors import InputError
from cx_audit.inputs.base import Document, LoadItem, LoadOptions
from cx_audit.inputs.files import expand_paths, open_document
from cx_audit.inputs.registry import get_loader, loaders, sniff
from cx_audit.inputs.roles import resolve_roles
from cx_audit.model import Transcript

__all__ = ["InputStats", "LoadOptions", "Document", "read_inputs", "loaders", "get_loader"]


@dataclass
class InputStats:
    """Counts that must add up: every input file is either read or reported."""

    inputs: int = 0  # files (and stdin) named or found
    conversations: int = 0  # transcripts read
    errors: int = 0  # located errors (whole files and single records)
    skipped: int = 0  # files read without error that held no conversation (each gets a warning)
    warnings: list[str] = field(default_factory=list)


def read_inputs(
    paths: list[str],
    options: LoadOptions,
    stats: InputStats,
    warn: Callable[[str], None] = lambda message: None,
) -> Iterator[LoadItem]:
    """Yield every transcript and every located error from `paths`, files in sorted order."""
    files, path_errors = expand_paths(paths)
    stats.inputs = len(files) + len(path_errors)
    for error in path_errors:
        stats.errors += 1
        yield error
    for path in files:
        yield from _read_one(path, options, stats, warn)


def _read_one(path: str, options: LoadOptions, stats: InputStats, warn: Callable[[str], None]) -> Iterator[LoadItem]:
    doc, error, warning = open_document(path)
    if error is not None:
        stats.errors += 1
        yield error
        return
    assert doc is not None
    if warning:
        stats.warnings.append(warning)
        warn(warning)
    if options.input_format:
        loader = get_loader(options.input_format)
    else:
        loader = sniff(doc)
        if loader is None:
            stats.errors += 1
            yield InputError(doc.name, "format not recognised; name it with --input-format (see `cx-audit formats`)")
            return
    produced = 0
    try:
        for item in loader.load(doc, options):
            produced += 1
            if isinstance(item, Transcript):
                item.format = item.format or loader.name
                for message in resolve_roles(item, options):
                    stats.warnings.append(message)
                    warn(message)
                stats.conversations += 1
            else:
                stats.errors += 1
            yield item
    except (OSError, UnicodeDecodeError, EOFError, zlib.error) as err:
        produced += 1
        stats.errors += 1
        yield InputError(doc.name, f"cannot read ({loader.name}): {err}")
    if not produced:
        # Nothing is dropped silently: a file that holds no conversation is named and counted.
        stats.skipped += 1
        message = f"{doc.name}: no conversation in this file (read as {loader.name}); skipped"
        stats.warnings.append(message)
        warn(message)
