"""Applying findings' fixes to files: only safe fixes unless asked, never two
overlapping edits, never a file whose result would not parse, and every write
atomic (a temp file in the same directory, then ``os.replace``)."""

from __future__ import annotations

import difflib
import os
import shutil
import tempfile
from dataclasses import dataclass, field

from upgradelint.core.source import LINE_RE, SourceError, decode, detect_encoding



@dataclass
class FixReport:
    fixed: dict = field(default_factory=dict)  # path -> number of edits applied
    skipped: list = field(default_factory=list)  # (path, reason)
    diffs: list = field(default_factory=list)  # unified diffs (dry run)


def _offsets(text: str) -> list[int]:
    starts, pos = [0], 0
    for m in LINE_RE.finditer(text):
        pos = m.end()
        starts.append(pos)
    return starts


def new_text(text: str, fixes) -> tuple[str, int]:
    """Apply non-overlapping replacements (1-based lines, 0-based columns)."""
    starts = _offsets(text)

    def off(line, col):
        return starts[line - 1] + col

    spans = sorted({(off(r.line, r.column), off(r.end_line, r.end_column), r.text) for r in fixes})
    kept, last_end = [], -1
    for s, e, t in spans:
        if s < last_end:
            continue  # overlaps an earlier edit: leave it for the next run
        kept.append((s, e, t))
        last_end = e
    for s, e, t in reversed(kept):
        text = text[:s] + t + text[e:]
    return text, len(kept)


def apply(root: str, findings, unsafe: bool = False, dry_run: bool = False) -> FixReport:
    import libcst as cst

    report = FixReport()
    by_path: dict[str, list] = {}
    for f in findings:
        if f.fix is not None and (f.fix.safe or unsafe):
            by_path.setdefault(f.path, []).append(f.fix)
    for rel, fixes in sorted(by_path.items()):
        path = os.path.join(root, rel)
        try:
            with open(path, "rb") as fh:
                raw = fh.read()
            text = decode(raw)
        except (OSError, SourceError) as exc:
            report.skipped.append((rel, f"cannot read: {exc}"))
            continue
        result, count = new_text(text, fixes)
        try:
            cst.parse_module(result)
        except cst.ParserSyntaxError:
            report.skipped.append((rel, "the fixed file would not parse; left as it was"))
            continue
        if dry_run:
            report.diffs.append("".join(difflib.unified_diff(
                text.splitlines(True), result.splitlines(True), f"a/{rel}", f"b/{rel}")))
            report.fixed[rel] = count
            continue
        encoding, bom = detect_encoding(raw)
        try:
            data = bom + result.encode(encoding)
        except UnicodeEncodeError:
            report.skipped.append((rel, f"the fix cannot be written as {encoding}"))
            continue
        write_atomic(path, data)
        report.fixed[rel] = count
    return report


def write_atomic(path: str, data: bytes) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".upgradelint-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        shutil.copymode(path, tmp)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
