"""Annotated fixture transcripts that prove a ruleset's rules (`cx-audit rules test`).

A ruleset's fixtures live in `fixtures/<ruleset id>/` beside its file (for the built-in rulesets,
the package's `rulesets/fixtures/<id>/`). Each fixture is one conversation, in plain text or JSON.

Plain text, semgrep-style: annotation lines stand right before the turn line they are about.

    # expect: greeting pass           <- before the first turn: the rule's conversation-level status
    Agente: Buenos días, le atiende Marta.
    # ruleid: flat-refusal            <- this turn must produce a `fail` of flat-refusal
    Agente: Eso no es posible.
    # ok: flat-refusal                <- this turn must not produce a `fail` of flat-refusal
    # ok: bare-no                     <- several annotations in a row all apply to the next turn
    Agente: No se preocupe.

`ruleid:` and `ok:` take one or more rule ids (separated by commas or spaces); `expect:` takes a
rule id and `fail`, `pass` or `n/a`. The annotation lines are blanked (line numbers kept) and the
text is read by the normal text loader, so what the fixture proves is what `score` does.

JSON: a top-level `"expect": {"RULE": "fail", ...}` mapping sets conversation-level statuses; it
is removed before the normal JSON loader reads the file.

Outcomes: `missed` (an expected fail that did not happen, at that turn or for the conversation)
and `unexpected` (an `ok` turn that failed; a conversation-level status other than expected),
each located as fixture:line. A fixture that names a rule the ruleset does not have, has a
malformed annotation, or cannot be read is an error.
"""

from __future__ import annotations

import difflib
import importlib.resources
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from cx_audit.errors import InputError, RulesetError
from cx_audit.results import FAIL, NA, PASS, RuleOutcome
from cx_audit.ruleset.model import Ruleset

TEXT_EXTENSIONS = (".txt", ".log")
JSON_EXTENSIONS = (".json",)
FIXTURE_EXTENSIONS = TEXT_EXTENSIONS + JSON_EXTENSIONS
STATUSES = (FAIL, PASS, NA)
RULEID, OK, EXPECT = "ruleid", "ok", "expect"
MISSED, UNEXPECTED, ERROR = "missed", "unexpected", "error"

_ANNOTATION = re.compile(r"^\s*#\s*(?P<kind>ruleid|ok|expect)\s*:(?P<value>.*)$", re.IGNORECASE)
# Each non-comment line of a text fixture gets this tag appended (only in a copy read to learn
# which lines start which turns; the scored copy is untouched).
_TAG = re.compile(r"\s*\u27e6L(\d+)\u27e7")


# ---- what a fixture says ------------------------------------------------------------------------


@dataclass(slots=True)
class Annotation:
    kind: str  # ruleid | ok | expect
    rule: str
    line: int  # the annotation's own line (for JSON: the line of the rule in "expect")
    target: int | None = None  # ruleid/ok: the fixture line of the turn it is about
    status: str = ""  # expect: fail | pass | n/a

    @property
    def fires(self) -> bool:
        """A firing example of the rule (ruleid, or expect fail)."""
        return self.kind == RULEID or (self.kind == EXPECT and self.status == FAIL)


@dataclass(slots=True)
class Problem:
    kind: str  # missed | unexpected | error
    fixture: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.fixture}:{self.line}" if self.line else self.fixture
        return f"{where}: {self.kind}: {self.message}"


@dataclass
class Fixture:
    """One fixture file: its display name and text."""

    name: str
    text: str

    @property
    def extension(self) -> str:
        return os.path.splitext(self.name)[1].lower()

    @property
    def file_name(self) -> str:
        return os.path.basename(self.name.replace("\\", "/"))


@dataclass
class ParsedFixture:
    fixture: Fixture
    annotations: list[Annotation] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    clean_text: str = ""  # what the loader reads: annotations blanked / "expect" removed
    # text fixtures: (line, text) of each turn as the loader reads it before merging turns
    turn_pieces: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class FixtureResult:
    fixture: Fixture
    annotations: int = 0
    missed: list[Problem] = field(default_factory=list)
    unexpected: list[Problem] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missed or self.unexpected or self.errors)

    @property
    def problems(self) -> list[Problem]:
        return sorted(self.errors + self.missed + self.unexpected, key=lambda p: (p.line or 0, p.kind))


@dataclass
class RulesetResult:
    ruleset: Ruleset
    folder: str
    fixtures: list[FixtureResult] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)  # not tied to one fixture (no folder, ...)

    def count(self, what: str) -> int:
        return sum(len(getattr(f, what)) for f in self.fixtures) + (len(self.errors) if what == "errors" else 0)

    @property
    def annotations(self) -> int:
        return sum(f.annotations for f in self.fixtures)


# ---- finding fixtures ---------------------------------------------------------------------------


def builtin_fixture_root():
    """The package's `rulesets/fixtures` folder (a Traversable)."""
    return importlib.resources.files("cx_audit.rulesets") / "fixtures"


def default_fixture_folder(ruleset: Ruleset):
    """Where a ruleset's fixtures are: `fixtures/<id>/` beside its file (or `fixtures/<file stem>/`).

    Returns a Path or a Traversable (built-in rulesets), or None when the ruleset has no file.
    """
    path = ruleset.path
    if path.startswith("<built-in>/"):
        return builtin_fixture_root() / ruleset.id
    if path and os.path.isfile(path):
        base = Path(path).parent / "fixtures"
        candidates = [base / ruleset.id, base / Path(path).stem]
        return next((c for c in candidates if c.is_dir()), candidates[0])
    return None


def _display(resource) -> str:
    """A short name for a fixture path: relative to the current folder when inside it."""
    text = str(resource)
    try:
        rel = os.path.relpath(text)
    except ValueError:  # another drive (Windows)
        return text
    return text if rel.startswith("..") else rel


def find_fixtures(folder) -> list[Fixture]:
    """Every fixture file under `folder` (Path or Traversable), sorted by name, recursively."""
    found: list[Fixture] = []

    def walk(node, prefix: str) -> None:
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            if child.is_dir():
                walk(child, f"{prefix}{child.name}/")
            elif child.name.lower().endswith(FIXTURE_EXTENSIONS) and not child.name.startswith("."):
                found.append(Fixture(_display(child), child.read_text(encoding="utf-8-sig")))

    if folder is not None and folder.is_dir():
        walk(folder, "")
    return found


def read_fixture(path: str) -> Fixture:
    with open(path, encoding="utf-8-sig") as fh:
        return Fixture(_display(path), fh.read())


# ---- parsing annotations ------------------------------------------------------------------------


def parse_fixture(fixture: Fixture, ruleset: Ruleset) -> ParsedFixture:
    """Read a fixture's annotations; rules the ruleset does not have are errors (and dropped)."""
    if fixture.extension in JSON_EXTENSIONS:
        parsed = _parse_json(fixture)
    else:
        parsed = _parse_text(fixture)
    known = {rule.id for rule in ruleset.rules}
    kept = []
    for note in parsed.annotations:
        if note.rule in known:
            kept.append(note)
            continue
        close = difflib.get_close_matches(note.rule, sorted(known), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        parsed.errors.append(Problem(ERROR, fixture.name, note.line, f"unknown rule '{note.rule}' in ruleset {ruleset.label}{hint}"))
    parsed.annotations = kept
    return parsed


def _parse_text(fixture: Fixture) -> ParsedFixture:
    parsed = ParsedFixture(fixture)
    lines = fixture.text.splitlines()
    clean: list[str] = []
    notes: list[tuple[int, str, str]] = []  # (line, kind, value)
    for number, line in enumerate(lines, start=1):
        match = _ANNOTATION.match(line)
        if match:
            notes.append((number, match.group("kind").lower(), match.group("value").strip()))
            clean.append("")
        else:
            clean.append(line)
    parsed.clean_text = "\n".join(clean) + "\n"
    parsed.turn_pieces = _unmerged_turns(fixture, clean)
    starts = {line for line, _ in parsed.turn_pieces}

    def problem(line: int, message: str) -> None:
        parsed.errors.append(Problem(ERROR, fixture.name, line, message))

    for number, kind, value in notes:
        if kind == EXPECT:
            parts = value.replace(",", " ").split()
            if len(parts) != 2 or parts[1].lower() not in STATUSES:
                problem(number, f"expected '# expect: RULE fail|pass|n/a', found '# expect: {value}'")
                continue
            parsed.annotations.append(Annotation(EXPECT, parts[0], number, status=parts[1].lower()))
            continue
        rules = value.replace(",", " ").split()
        if not rules:
            problem(number, f"'# {kind}:' names no rule")
            continue
        target = _next_turn_line(clean, number, starts)
        if target is None:
            problem(number, f"'# {kind}: {value}' is not followed by a turn line ('Speaker: text')")
            continue
        for rule in rules:
            parsed.annotations.append(Annotation(kind, rule, number, target=target))
    return parsed


def _next_turn_line(clean: list[str], after: int, starts: set[int]) -> int | None:
    """The first turn line after line `after` (1-based), skipping blank and `#` lines."""
    for number in range(after + 1, len(clean) + 1):
        line = clean[number - 1].strip()
        if number in starts:
            return number
        if line and not line.startswith("#"):
            return None  # a continuation line: the annotation is not right before a turn
    return None


def _parse_json(fixture: Fixture) -> ParsedFixture:
    parsed = ParsedFixture(fixture, clean_text=fixture.text)
    try:
        data = json.loads(fixture.text)
    except json.JSONDecodeError:
        return parsed  # the loader reports where
    if not isinstance(data, dict) or "expect" not in data:
        if isinstance(data, list) and any(isinstance(d, dict) and "expect" in d for d in data):
            parsed.errors.append(Problem(ERROR, fixture.name, _key_line(fixture.text, "expect"), 'a JSON fixture is one conversation object with a top-level "expect"'))
        return parsed
    expect = data.pop("expect")
    expect_line = _key_line(fixture.text, "expect")
    parsed.clean_text = json.dumps(data, ensure_ascii=False, indent=1)
    if not isinstance(expect, dict):
        parsed.errors.append(Problem(ERROR, fixture.name, expect_line, '"expect" must map rule ids to "fail", "pass" or "n/a"'))
        return parsed
    for rule, status in expect.items():
        line = _key_line(fixture.text, rule, start_line=expect_line) or expect_line
        if not isinstance(status, str) or status.lower() not in STATUSES:
            parsed.errors.append(Problem(ERROR, fixture.name, line, f'"expect": "{rule}" must be "fail", "pass" or "n/a", not {json.dumps(status)}'))
            continue
        parsed.annotations.append(Annotation(EXPECT, str(rule), line, status=status.lower()))
    return parsed


def _key_line(text: str, key: str, start_line: int | None = None) -> int | None:
    """The line of the first `"key":` in a JSON text (at or after `start_line`)."""
    pattern = re.compile(r'"' + re.escape(key) + r'"\s*:')
    offset = 0
    if start_line:
        offset = sum(len(line) for line in text.splitlines(keepends=True)[: start_line - 1])
    match = pattern.search(text, offset)
    return text.count("\n", 0, match.start()) + 1 if match else None


# ---- loading and mapping turns to lines ---------------------------------------------------------


def _load(name: str, text: str, input_format: str, merge_turns: bool = True):
    """(transcripts, input errors) of `text` read by the normal loader, as a file called `name`."""
    from cx_audit.inputs import InputStats, LoadOptions, read_inputs
    from cx_audit.model import Transcript

    with tempfile.TemporaryDirectory(prefix="cx-audit-fixture-") as folder:
        path = os.path.join(folder, name)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
        options = LoadOptions(input_format=input_format, merge_turns=merge_turns)
        items = list(read_inputs([path], options, InputStats()))
    transcripts = [i for i in items if isinstance(i, Transcript)]
    errors = [i for i in items if isinstance(i, InputError)]
    for transcript in transcripts:
        transcript.source = transcript.source.replace(path, name)
    for error in errors:
        error.source = error.source.replace(path, name)
    return transcripts, errors


def _tagged(clean: list[str]) -> str:
    out = []
    for number, line in enumerate(clean, start=1):
        stripped = line.strip()
        out.append(line if not stripped or stripped.startswith("#") else f"{line} \u27e6L{number}\u27e7")
    return "\n".join(out) + "\n"


def _unmerged_turns(fixture: Fixture, clean: list[str]) -> list[tuple[int, str]]:
    """(start line, text) of each turn of a text fixture, as the text loader reads it without
    merging turns: every non-comment line is tagged with its number, so a turn's first tag is the
    line that starts it. Empty when the text does not load (run_fixture reports why)."""
    transcripts, _ = _load(fixture.file_name, _tagged(clean), "text", merge_turns=False)
    if len(transcripts) != 1:
        return []
    pieces = []
    for turn in transcripts[0].turns:
        tag = _TAG.search(turn.text)
        if tag:
            pieces.append((int(tag.group(1)), " ".join(_TAG.sub("", turn.text).split())))
    return pieces


def _line_to_turn(pieces: list[tuple[int, str]], turns) -> dict[int, int]:
    """Map each turn line of a text fixture to the 1-based number of its turn in `turns` (the
    transcript as scored: empty turns dropped, consecutive turns of one speaker merged)."""
    pieces = [(line, text) for line, text in pieces if text]
    mapping: dict[int, int] = {}
    k = 0
    for number, turn in enumerate(turns, start=1):
        want = " ".join(turn.text.split())
        joined = ""
        while k < len(pieces) and joined != want:
            line, text = pieces[k]
            joined = f"{joined} {text}" if joined else text
            if not want.startswith(joined):
                return mapping  # cannot align (should not happen): map what we could
            mapping[line] = number
            k += 1
    return mapping


# ---- running ------------------------------------------------------------------------------------


def run_fixture(fixture: Fixture, ruleset: Ruleset, scorer=None) -> FixtureResult:
    """Score one fixture with `ruleset` and compare with its annotations."""
    from cx_audit.pipeline import Scorer

    parsed = parse_fixture(fixture, ruleset)
    result = FixtureResult(fixture, annotations=len(parsed.annotations), errors=list(parsed.errors))
    is_json = fixture.extension in JSON_EXTENSIONS
    transcripts, load_errors = _load(fixture.file_name, parsed.clean_text, "json" if is_json else "text")
    for error in load_errors:
        result.errors.append(Problem(ERROR, fixture.name, error.line, f"cannot read the fixture: {error.message}"))
    if len(transcripts) != 1:
        if not load_errors:
            result.errors.append(Problem(ERROR, fixture.name, None, f"a fixture holds one conversation; found {len(transcripts)}"))
        return result
    if load_errors:
        return result
    if not parsed.annotations and not parsed.errors:
        result.errors.append(Problem(ERROR, fixture.name, None, "no annotations (# ruleid:, # ok:, # expect:); it proves nothing"))
        return result
    transcript = transcripts[0]
    rules = {rule.id: rule for rule in ruleset.rules}
    scorer = scorer or Scorer([ruleset])
    (scored,) = scorer.score(transcript)
    outcomes = {o.rule: o for o in scored.outcomes}
    line_turn = {} if is_json else _line_to_turn(parsed.turn_pieces, transcript.turns)
    turn_line = {}
    for line, number in sorted(line_turn.items()):
        turn_line.setdefault(number, line)

    def where(outcome: RuleOutcome | None) -> str:
        if outcome is None:
            return "the rule is disabled"
        if outcome.status != FAIL:
            return f"it was {outcome.status}" + (f" ({outcome.note})" if outcome.note else "")
        turns = sorted({e.turn for e in outcome.evidence if e.turn is not None})
        if not turns:
            return "it failed for the conversation" + (f" ({outcome.note})" if outcome.note else "")
        places = ", ".join(f"line {turn_line[t]}" if t in turn_line else f"turn {t}" for t in turns)
        return f"it failed at {places}"

    for note in parsed.annotations:
        outcome = outcomes.get(note.rule)
        if note.kind == EXPECT:
            status = outcome.status if outcome is not None else NA
            if status == note.status:
                continue
            got = "not run (disabled)" if outcome is None else status + (f" ({outcome.note})" if outcome.note else "")
            kind = MISSED if note.status == FAIL else UNEXPECTED
            result_list = result.missed if kind == MISSED else result.unexpected
            result_list.append(Problem(kind, fixture.name, note.line, f"{note.rule} expected {note.status} for the conversation, got {got}"))
            continue
        turn = line_turn.get(note.target or 0)
        if turn is None:
            result.errors.append(Problem(ERROR, fixture.name, note.target, f"'# {note.kind}: {note.rule}' stands before a turn with no text"))
            continue
        speakers = _reporting_speakers(rules.get(note.rule))
        role = transcript.turns[turn - 1].role
        if speakers and role not in speakers:
            result.errors.append(Problem(ERROR, fixture.name, note.target, (
                f"'# {note.kind}: {note.rule}' stands before a turn of the {role}, but {note.rule} reports at "
                f"{' or '.join(speakers)} turns: it can never {'fail' if note.kind == RULEID else 'hold or fail'} here; "
                f"annotate the {' or '.join(speakers)} turn, or use '# expect:'")))
            continue
        failed_here = [e for e in (outcome.evidence if outcome and outcome.status == FAIL else []) if e.turn == turn]
        if note.kind == RULEID and not failed_here:
            result.missed.append(Problem(MISSED, fixture.name, note.target, f"{note.rule} should fail at this turn; {where(outcome)}"))
        elif note.kind == OK and failed_here:
            match = failed_here[0].match
            result.unexpected.append(Problem(UNEXPECTED, fixture.name, note.target, f"{note.rule} failed at this turn" + (f" (matched '{match}')" if match else "")))
    return result


def _reporting_speakers(rule) -> tuple[str, ...]:
    """The speakers at whose turns a rule's failures are reported, where that is fixed by its kind:
    a forbid rule and a respond rule expecting an absent answer report the turns they match (the
    rule's scope), a respond rule expecting an answer reports the trigger turns left unanswered.
    Empty for kinds whose evidence depends on the text or timing (no check is made)."""
    if rule is None:
        return ()
    if rule.kind == "forbid" or (rule.kind == "respond" and rule.expect == "absent"):
        return tuple(rule.scope.speakers)
    if rule.kind == "respond" and rule.trigger is not None:
        return tuple(rule.trigger.speakers)
    return ()


def run_fixtures(ruleset: Ruleset, fixtures: list[Fixture], folder: str = "") -> RulesetResult:
    from cx_audit.pipeline import Scorer

    result = RulesetResult(ruleset, folder)
    scorer = Scorer([ruleset])
    for fixture in fixtures:
        result.fixtures.append(run_fixture(fixture, ruleset, scorer))
    return result


def check_ruleset(ruleset: Ruleset, folder=None) -> RulesetResult:
    """Run the fixtures in `folder` (default: the ruleset's own fixture folder)."""
    folder = folder if folder is not None else default_fixture_folder(ruleset)
    shown = _display(folder) if folder is not None else ""
    fixtures = find_fixtures(folder)
    result = run_fixtures(ruleset, fixtures, shown)
    if not fixtures:
        where = f" in {shown}" if shown else " (the ruleset has no file beside which to look)"
        result.errors.append(Problem(ERROR, ruleset.path or ruleset.label, None, f"no fixtures for {ruleset.label}{where}"))
    return result


def ruleset_for_fixtures(path: str) -> Ruleset:
    """The ruleset a fixture folder (or file) belongs to, when -r does not say.

    `X/fixtures/ID/` belongs to the ruleset file `X/ID.yaml` (or a YAML file in X whose id is ID);
    otherwise ID must be a built-in or rule-pack ruleset name.
    """
    from cx_audit.ruleset.loader import load_ruleset, resolve_ruleset_name

    folder = Path(path) if os.path.isdir(path) else Path(path).parent
    folder = folder.resolve()
    ruleset_id = folder.name
    if folder.parent.name == "fixtures":
        home = folder.parent.parent
        for ext in (".yaml", ".yml"):
            if (home / f"{ruleset_id}{ext}").is_file():
                return load_ruleset(_display(home / f"{ruleset_id}{ext}"))
        for candidate in sorted(home.glob("*.y*ml")):
            try:
                rs = load_ruleset(_display(candidate))
            except RulesetError:
                continue
            if rs.id == ruleset_id:
                return rs
    if ruleset_id and resolve_ruleset_name(ruleset_id):
        return load_ruleset(ruleset_id)
    raise RulesetError([f"{path}: cannot tell which ruleset these fixtures test (expected fixtures/<ruleset id>/ beside the ruleset file); name it with -r"])
