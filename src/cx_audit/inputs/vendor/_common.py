"""What the vendor loaders share: a loader base class, lenient JSON, text cleaning, times.

Text cleaning (`clean_text`), applied to every turn a vendor loader emits:
- HTML is reduced to its text with the standard library's `html.parser` (`<br>`, `<p>` and other
  block tags become spaces; entities are decoded), when the text looks like HTML.
- Redaction and de-identification tokens are removed (replaced by nothing), so that no rule can
  match them: `[PII]` and any other all-capitals bracketed entity mask (`[NAME]`,
  `[CREDIT_DEBIT_NUMBER]`), `__email__`-style TWCS masks and `<account_id>`-style ABCD slots.
- Whitespace is collapsed to single spaces. A removed token takes the space before it when
  punctuation follows ("speaking to [PII]?" becomes "speaking to?") and the separator after it
  when it opens the text or a sentence ("[PII], and the zip code" becomes "and the zip code",
  "Hello. [PII], how can I help?" becomes "Hello. how can I help?"); the vendor's own
  spacing is otherwise kept as it is.
A turn whose text is empty after cleaning is dropped: it carries nothing a rule could score.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from html import unescape
from html.parser import HTMLParser
from typing import Any, Callable, Iterator

from cx_audit.errors import InputError
from cx_audit.inputs.base import Document, LoadItem, LoadOptions
from cx_audit.inputs.labels import date_part
from cx_audit.model import META_KEYS, UNKNOWN, Transcript, Turn, merge_consecutive

VENDOR = "vendor"

# --- sniffing -------------------------------------------------------------------------------


def has_keys(head: str, *keys: str) -> bool:
    """True when every `"key":` occurs in `head` (a JSON document's first characters)."""
    return all(re.search(r'"' + re.escape(key) + r'"\s*:', head) for key in keys)


def looks_json(head: str) -> bool:
    return head.lstrip("\ufeff \t\r\n")[:1] in ("{", "[")


# --- JSON -----------------------------------------------------------------------------------

_COMMENT = re.compile(r'("(?:\\.|[^"\\])*")|//[^\n]*')


def parse_json(doc: Document) -> tuple[Any, InputError | None]:
    """Parse `doc` as JSON. Tolerates `//` comments and stray closing brackets after the value
    (the published Contact Lens voice example has both). Errors name the line."""
    text = doc.read().lstrip("\ufeff")
    try:
        return json.loads(text), None
    except json.JSONDecodeError as err:
        first = err
    cleaned = _COMMENT.sub(lambda m: m.group(1) or "", text)
    try:
        stripped = cleaned.lstrip()
        value, end = json.JSONDecoder().raw_decode(stripped)
        if not stripped[end:].strip(" \t\r\n}]"):
            return value, None
    except json.JSONDecodeError:
        pass
    return None, InputError(doc.name, f"not valid JSON: {first.msg} (column {first.colno})", line=first.lineno)


# --- text -----------------------------------------------------------------------------------

_HTML_TAGS = "p|br|div|span|a|b|i|u|s|em|strong|li|ul|ol|table|tr|td|th|h[1-6]|blockquote|pre|hr|font|code|small|big|sub|sup|html|body|head|title|center"
_REDACTION = re.compile(
    r"\[[A-Z][A-Z0-9_]*\]"  # [PII], [NAME], [CREDIT_DEBIT_NUMBER] (Transcribe, Contact Lens)
    r"|__[a-z][a-z_]*__"  # __email__, __url__ (TWCS)
    r"|<(?!(?:" + _HTML_TAGS + r")>)[a-z][a-z0-9_]*>"  # <account_id>, <username> (ABCD delexed), not <p>
)
_BLOCK_TAGS = {"br", "p", "div", "li", "ul", "ol", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "hr"}
_ENTITY = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")
_KNOWN_TAG = re.compile(r"</?(?:" + _HTML_TAGS + r"|img)\b[^<>]*/?>", re.I)


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    return "".join(parser.parts)


_TOKEN = _REDACTION.pattern
_LEADING_TOKEN = re.compile(r"^\s*(?:(?:" + _TOKEN + r")[\s,;:]*)+")
_TOKEN_BEFORE_PUNCT = re.compile(r"\s*(?:" + _TOKEN + r")(?=[.,;:!?…)\]]|\s*$)")


_TOKEN_AFTER_SENTENCE = re.compile(r"(?<=[.!?¿¡])(\s*)(?:" + _TOKEN + r")[,;:]?")


def strip_redactions(text: str) -> str:
    text = _LEADING_TOKEN.sub("", text)
    text = _TOKEN_AFTER_SENTENCE.sub(r"\1", text)
    text = _TOKEN_BEFORE_PUNCT.sub("", text)
    return _REDACTION.sub("", text)


def clean_text(text: Any, html: bool | None = None) -> str:
    """Plain, scoreable text: markup reduced, redaction tokens removed, whitespace collapsed.

    `html=None` decides by looking for real HTML tags or entities; True/False force it.
    """
    if text is None:
        return ""
    text = str(text)
    text = strip_redactions(text)  # before HTML: `<account_id>` would otherwise parse as a tag
    if html or (html is None and _KNOWN_TAG.search(text)):
        text = html_to_text(text)
    elif _ENTITY.search(text):
        text = unescape(text)
    return " ".join(text.split())


_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPH = re.compile(r"(\*\*|\*|`+|~~)(?=\S)(.+?)(?<=\S)\1")


def markdown_to_text(text: str) -> str:
    """Light markdown reduction: links to their text, emphasis and code marks removed."""
    text = _MD_LINK.sub(r"\1", text)
    return _MD_EMPH.sub(r"\2", text)


# --- values ---------------------------------------------------------------------------------


def to_float(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def ms(value: Any) -> float | None:
    number = to_float(value)
    return None if number is None else round(number / 1000.0, 3)


def parse_iso(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def language(code: Any) -> str:
    """ISO 639-1 from a vendor language code ("en-US" -> "en"); "" when unknown."""
    if not isinstance(code, str) or not code:
        return ""
    return code.split("-")[0].split("_")[0].lower()[:2]


def relative(times: list[float | None]) -> list[float | None]:
    """Make absolute times (epoch seconds) relative to the earliest one."""
    known = [t for t in times if t is not None]
    if not known:
        return times
    origin = min(known)
    return [None if t is None else round(t - origin, 3) for t in times]


# --- building transcripts --------------------------------------------------------------------


def turn(role: str, text: str, speaker: str = "", start: float | None = None, end: float | None = None,
         role_source: str = VENDOR) -> Turn:
    if role == UNKNOWN:
        role_source = "unknown"
    return Turn(role=role, text=text, speaker=speaker, start=start, end=end, role_source=role_source)


def finish(turns: list[Turn], options: LoadOptions) -> list[Turn]:
    """Drop empty turns, then merge consecutive turns of one speaker when asked to."""
    kept = [t for t in turns if t.text]
    return merge_consecutive(kept) if options.merge_turns else kept


def doc_error(doc: Document, message: str, line: int | None = None) -> InputError:
    return InputError(doc.name, message, line)


def record_error(doc: Document, record: str, message: str) -> InputError:
    """A located error for one record of a JSON document: `path#record`."""
    return InputError(f"{doc.name}#{record}", message)


class VendorLoader:
    """Base for vendor loaders: subclasses set the attributes and write `sniff` and `parse`."""

    name = ""
    extensions: tuple[str, ...] = (".json",)
    description = ""
    example = ""
    is_json = True

    def sniff(self, doc: Document) -> float:  # pragma: no cover - overridden
        return 0.0

    def load(self, doc: Document, options: LoadOptions) -> Iterator[LoadItem]:
        if not self.is_json:
            yield from self.parse(doc, doc.read(), options)
            return
        data, error = parse_json(doc)
        if error is not None:
            yield error
            return
        try:
            yield from self.parse(doc, data, options)
        except (KeyError, TypeError, AttributeError, ValueError) as err:
            # Shape the loader did not expect: report it, located at the file, never crash.
            yield InputError(doc.name, f"not a {self.name} file as expected: {type(err).__name__}: {err}")

    def parse(self, doc: Document, data: Any, options: LoadOptions) -> Iterator[LoadItem]:  # pragma: no cover
        raise NotImplementedError


def items_of(doc: Document, records: Any, where: str, build: Callable[[int, Any], Turn | None]) -> Iterator[Turn | InputError]:
    """Apply `build` to each record of a list, turning a bad record into a located error."""
    if not isinstance(records, list):
        yield record_error(doc, where, f"expected a list, found {type(records).__name__}")
        return
    for index, record in enumerate(records):
        try:
            if not isinstance(record, dict):
                raise TypeError(f"expected an object, found {type(record).__name__}")
            made = build(index, record)
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            yield record_error(doc, f"{where}[{index}]", f"skipped: {type(err).__name__}: {err}")
            continue
        if made is not None:
            yield made


def split_items(items: list[Turn | InputError]) -> tuple[list[Turn], list[InputError]]:
    return [i for i in items if isinstance(i, Turn)], [i for i in items if isinstance(i, InputError)]


def _metadata(extra: dict | None) -> dict:
    """The report keys always present ("" when unknown), then any vendor value that is set."""
    out: dict[str, Any] = {key: "" for key in META_KEYS}
    for key, value in (extra or {}).items():
        if value not in (None, "", "None"):
            if key == "date":
                out[key] = date_part(value) or str(value)
            else:
                out[key] = str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value
    return out


def transcript(doc: Document, conversation_id: Any, turns: list[Turn], options: LoadOptions, *, source: str | None = None,
               channel: str = "", language_code: Any = "", metadata: dict | None = None) -> Transcript:
    cid = str(conversation_id) if conversation_id not in (None, "", "None") else doc.stem
    return Transcript(
        conversation_id=cid,
        source=source or doc.name,
        turns=finish(turns, options),
        channel=channel,
        language=language(language_code),
        metadata=_metadata(metadata),
    )
