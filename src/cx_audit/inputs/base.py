"""The contract between input files and loaders.

A loader turns one `Document` into `Transcript`s. It never raises for bad content: it yields an
`InputError` naming the line or record and carries on with the rest of the file. Loaders know
nothing about rules or scoring.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Callable, Iterator, Protocol

from cx_audit.errors import InputError
from cx_audit.model import Transcript

LoadItem = Transcript | InputError


@dataclass(slots=True)
class LoadOptions:
    """What the user told us about the input, from flags and config."""

    input_format: str | None = None  # force a loader by name; None sniffs
    agent_labels: tuple[str, ...] = ()  # extra speaker labels that mean "agent"
    customer_labels: tuple[str, ...] = ()  # extra speaker labels that mean "customer"
    columns: dict[str, str] = field(default_factory=dict)  # canonical column -> column in the file
    role_map: dict[str, str] = field(default_factory=dict)  # speaker label/name -> role
    merge_turns: bool = True  # merge consecutive rows of one speaker into one turn


@dataclass
class Document:
    """One input: a file path, a member of a folder, or stdin; already decompressed and decoded.

    `name` is what errors and results show as the source. `stem` is the file name without its
    extensions (the conversation id of a one-conversation file). `head` is the first characters,
    for sniffing. `open()` returns a fresh text stream over the whole content.
    """

    name: str
    stem: str
    extension: str  # lower-case, without ".gz", e.g. ".txt"; "" when none
    head: str
    opener: Callable[[], io.TextIOBase]
    encoding: str = "utf-8"
    # Binary formats (Parquet): a fresh byte stream over the content; None for text documents.
    raw: Callable[[], io.BufferedIOBase] | None = None

    def open(self) -> io.TextIOBase:
        return self.opener()

    def read(self) -> str:
        with self.open() as stream:
            return stream.read()


class Loader(Protocol):
    name: str  # the --input-format value, e.g. "text", "csv", "json", "jsonl"
    extensions: tuple[str, ...]  # e.g. (".txt",)
    description: str  # one line for `cx-audit formats`
    example: str  # a short example of the format for `cx-audit formats`

    def sniff(self, doc: Document) -> float:
        """How sure this loader is that it reads `doc` (0 = not at all, 1 = certain)."""

    def load(self, doc: Document, options: LoadOptions) -> Iterator[LoadItem]:
        """Yield transcripts and located errors, in the order they appear in the document."""
