"""Applying findings' fixes to files.

- Only safe edits unless asked (``unsafe``); a fix is applied whole (every
  chosen edit, in every file it touches) or not at all.
- Never two overlapping edits: a fix that overlaps one already taken is left
  for the next run. Identical edits (two findings asking for the same
  history line) are applied once.
- Never a file whose source or result Python would not compile: the source
  and the result are checked with LibCST *and* ``compile()``, so a file LibCST
  accepts but CPython rejects ("too many nested parentheses") stays
  byte-identical. A fix touching such a file is dropped in every file.
- Every write atomic (a temp file in the same directory, then ``os.replace``),
  keeping the encoding, BOM, line endings (edits are written with the file's)
  and mode; all files of a run are staged before the first one is replaced.
"""

from __future__ import annotations

import difflib
import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass, field

from upgradelint.core.source import LINE_RE, SourceError, decode, detect_encoding


@dataclass
class FixReport:
    fixed: dict = field(default_factory=dict)  # path -> number of edits applied
    findings: int = 0  # findings whose fix was applied
    skipped: list = field(default_factory=list)  # (path, reason)
    diffs: list = field(default_factory=list)  # unified diffs (dry run)
    notes: list = field(default_factory=list)  # (path, what a fix left undone and why)
    conflicts: int = 0  # fixes left for the next run: they overlap one taken first


def _offsets(text: str) -> list[int]:
    starts, pos = [0], 0
    for m in LINE_RE.finditer(text):
        pos = m.end()
        starts.append(pos)
    return starts


def _offset(starts: list[int], text: str, line: int, col: int) -> int | None:
    if line < 1 or line > len(starts):
        return None
    off = starts[line - 1] + col
    end = starts[line] if line < len(starts) else len(text)
    return off if col >= 0 and off <= end else None


def new_text(text: str, fixes) -> tuple[str, int]:
    """Apply non-overlapping replacements (anything with 1-based ``line``,
    0-based ``column``, ``end_line``, ``end_column`` and ``text``); an edit
    overlapping an earlier one is left out. Returns (text, edits applied)."""
    starts = _offsets(text)
    spans = set()
    for r in fixes:
        s, e = _offset(starts, text, r.line, r.column), _offset(starts, text, r.end_line, r.end_column)
        if s is not None and e is not None and s <= e:
            spans.add((s, e, r.text))
    kept, last_end = [], -1
    for s, e, t in sorted(spans):
        if s < last_end or (kept and s == e == kept[-1][0] == kept[-1][1]):
            continue  # overlaps an earlier edit (or a second insertion at one point): next run
        kept.append((s, e, t))
        last_end = e
    return _splice(text, kept), len(kept)


def _splice(text: str, spans) -> str:
    for s, e, t in sorted(spans, reverse=True):
        text = text[:s] + t + text[e:]
    return text


def compile_error(text: str, rel: str) -> str | None:
    """Why Python would not compile ``text`` (None: it compiles), LibCST first."""
    import libcst as cst

    try:
        cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        return f"LibCST cannot parse it (line {exc.raw_line})"
    except (RecursionError, MemoryError):
        return "LibCST cannot parse it (too deeply nested)"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, rel, "exec", dont_inherit=True)
    except SyntaxError as exc:
        return f"Python cannot compile it: {exc.msg} (line {exc.lineno})"
    except (ValueError, RecursionError, MemoryError) as exc:
        return f"Python cannot compile it: {exc}"
    return None


class _File:
    """One file a run edits: its bytes, text, and the edits taken so far."""

    def __init__(self, root: str, rel: str):
        self.rel = rel
        self.path = os.path.join(root, rel)
        self.error: str | None = None
        self.spans: dict[tuple[int, int], str] = {}
        try:
            with open(self.path, "rb") as fh:
                self.raw = fh.read()
            self.text = decode(self.raw)
        except (OSError, SourceError) as exc:
            self.raw, self.text = b"", ""
            self.error = f"cannot read: {getattr(exc, 'strerror', None) or exc}"
            return
        self.starts = _offsets(self.text)
        self.newline = _newline(self.text)

    def span(self, e) -> tuple[int, int, str] | None:
        s = _offset(self.starts, self.text, e.line, e.column)
        end = _offset(self.starts, self.text, e.end_line, e.end_column)
        if s is None or end is None or end < s:
            return None
        text = e.text.replace("\n", self.newline) if self.newline != "\n" else e.text
        return s, end, text

    def conflicts(self, s: int, e: int, text: str, extra=()) -> bool:
        """Does the edit overlap one taken (or one in ``extra``)? The same
        edit twice is no conflict; an insertion where another edit starts or
        ends is none either (it goes before, or after, that edit)."""
        for (s2, e2), t2 in list(self.spans.items()) + list(extra):
            if (s, e) == (s2, e2):
                if t2 != text:
                    return True
            elif s < e2 and s2 < e:
                return True
        return False

    def result(self) -> str:
        return _splice(self.text, [(s, e, t) for (s, e), t in self.spans.items()])


def _newline(text: str) -> str:
    m = LINE_RE.search(text)
    if m:
        line = m.group(0)
        if line.endswith("\r\n"):
            return "\r\n"
        if line.endswith("\r"):
            return "\r"
    return "\n"


def _candidates(findings, unsafe: bool):
    """(finding, chosen edits) in finding order; a fix shared by several
    findings (the same edits) is one candidate, counted for each of them."""
    seen: dict = {}
    out = []
    for f in findings:
        if f.fix is None:
            continue
        edits = f.fix.chosen(unsafe)
        if not edits:
            continue
        key = tuple(sorted(set(edits), key=lambda e: (e.path, e.line, e.column, e.end_line, e.end_column, e.text)))
        if key in seen:
            out[seen[key]][0].append(f)
            continue
        seen[key] = len(out)
        out.append(([f], key))
    return out


def _take(files: dict, root: str, edits, report: FixReport) -> bool:
    """Take one fix's edits if none overlaps an edit already taken."""
    placed: dict = {}
    for e in edits:
        if e.path not in files:
            files[e.path] = _File(root, e.path)
            if files[e.path].error:
                report.skipped.append((e.path, files[e.path].error))
        fs = files[e.path]
        if fs.error:
            return False
        sp = fs.span(e)
        if sp is None:
            report.skipped.append((e.path, f"an edit falls outside the file (line {e.line}); the fix is stale"))
            return False
        mine = placed.setdefault(e.path, {})
        if fs.conflicts(*sp, extra=mine.items()):
            report.conflicts += 1
            return False
        mine[sp[:2]] = sp[2]
    for rel, spans in placed.items():
        files[rel].spans.update(spans)
    return True


def plan(root: str, findings, unsafe: bool = False, report: FixReport | None = None):
    """(files, taken, report): the fixes taken (``[(findings, edits)]``) and
    the files they edit (rel -> _File with its spans), every one of them
    checked to compile before and after."""
    report = report if report is not None else FixReport()
    candidates = _candidates(findings, unsafe)
    bad: dict[str, str] = {}
    while True:
        files: dict[str, _File] = {}
        taken = []
        report.skipped, report.conflicts = [], 0
        for fs_, edits in candidates:
            if any(e.path in bad for e in edits):
                continue
            if _take(files, root, edits, report):
                taken.append((fs_, edits))
        new_bad = _check(files, bad)
        if not new_bad:
            break
        bad.update(new_bad)
    report.skipped.extend(sorted(bad.items()))
    return {rel: fs for rel, fs in files.items() if fs.spans}, taken, report


def _check(files: dict, bad: dict) -> dict:
    """Files whose source, or result with the edits taken, would not compile."""
    out = {}
    for rel, fs in files.items():
        if fs.error or not fs.spans or rel in bad:
            continue
        why = compile_error(fs.text, rel)
        if why:
            out[rel] = f"the file does not compile as it is ({why}); left as it was"
            continue
        if compile_error(fs.result(), rel):
            out[rel] = "the fixed file would not parse; left as it was"
    return out


def apply(root: str, findings, unsafe: bool = False, dry_run: bool = False) -> FixReport:
    files, taken, report = plan(root, findings, unsafe)
    for fs_, _ in taken:
        report.findings += len(fs_)
    for f in findings:  # what fixes leave undone, taken or not
        for note in (f.fix.notes if f.fix is not None else ()):
            if (f.path, note) not in report.notes:
                report.notes.append((f.path, note))
    staged = []
    try:
        for rel, fs in sorted(files.items()):
            result = fs.result()
            report.fixed[rel] = len(fs.spans)
            if dry_run:
                report.diffs.append("".join(difflib.unified_diff(
                    fs.text.splitlines(True), result.splitlines(True), f"a/{rel}", f"b/{rel}")))
                continue
            encoding, bom = detect_encoding(fs.raw)
            try:
                data = bom + result.encode(encoding)
            except UnicodeEncodeError:
                report.skipped.append((rel, f"the fix cannot be written as {encoding}"))
                del report.fixed[rel]
                continue
            staged.append((fs.path, stage(fs.path, data), fs.raw))
        commit(staged)
    finally:
        for _, tmp, _ in staged:
            if os.path.exists(tmp):
                os.unlink(tmp)
    return report


def stage(path: str, data: bytes) -> str:
    """A temp file next to ``path`` holding ``data``, with ``path``'s mode."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".upgradelint-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        shutil.copymode(path, tmp)
    except BaseException:
        os.unlink(tmp)
        raise
    return tmp


def commit(staged) -> None:
    """Replace every file with its staged version; on a failure, put back the
    ones already replaced (their original bytes) and re-raise."""
    done = []
    try:
        for path, tmp, raw in staged:
            os.replace(tmp, path)
            done.append((path, raw))
    except BaseException:
        for path, raw in done:
            write_atomic(path, raw)
        raise


def write_atomic(path: str, data: bytes) -> None:
    tmp = stage(path, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
