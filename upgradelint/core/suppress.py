"""The one suppression filter. Comments: ``# noqa: UPG201`` (flake8 prefix
match), ``# upgradelint: ignore[UPG201] reason`` and, for migrations,
``# upgradelint: allow-contract[UPG301] reason``; the last two on a comment
line of their own also cover the next line. A family may name anchor lines
whose comment covers a whole file's findings of a code prefix (a migration's
``def upgrade`` line)."""

from __future__ import annotations

import re

_NOQA_RE = re.compile(r"#\s*noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?", re.IGNORECASE)
_IGNORE_RE = re.compile(r"#\s*upgradelint:\s*ignore(?:\[(?P<codes>[A-Z0-9,\s]+)\])?", re.IGNORECASE)
_ALLOW_RE = re.compile(r"#\s*upgradelint:\s*allow-contract\[(?P<codes>[A-Z0-9,\s]+)\]")


def suppressions(text: str) -> dict[int, frozenset[str] | None]:
    """Map line -> codes suppressed there (None: all). ``# noqa`` follows flake8
    (prefix match); ``# upgradelint: ignore[...]`` on a comment-only line also
    covers the next line."""
    out: dict[int, frozenset[str] | None] = {}
    if "noqa" not in text.lower() and "upgradelint" not in text:
        return out

    def add(line: int, codes: frozenset[str] | None) -> None:
        if line in out and (out[line] is None or codes is None):
            out[line] = None
        else:
            out[line] = (out.get(line) or frozenset()) | (codes or frozenset()) if codes is not None else None

    for n, line in enumerate(text.splitlines(), 1):
        if "#" not in line:
            continue
        comment = line[line.index("#"):]
        for rx in (_NOQA_RE, _IGNORE_RE, _ALLOW_RE):
            m = rx.search(comment)
            if not m:
                continue
            raw = m.group("codes")
            codes = frozenset(c.upper() for c in re.split(r"[,\s]+", raw) if c) if raw else None
            add(n, codes)
            if rx is not _NOQA_RE and line.lstrip().startswith("#"):
                add(n + 1, codes)
    return out


def suppressed(table: dict, code: str, lines: tuple[int, ...]) -> bool:
    for line in lines:
        if line in table:
            codes = table[line]
            if codes is None or any(code.startswith(c) for c in codes):
                return True
    return False


def finding_suppressed(facts, finding) -> bool:
    """Is ``finding`` silenced by a comment in its file? Its first and last
    line count, and so does every anchor line the file's facts declare for its
    code (``FileFacts.suppression_anchors``)."""
    lines = [finding.line, finding.end_line]
    lines += [line for line, prefix in facts.suppression_anchors if finding.code.startswith(prefix)]
    return suppressed(facts.suppressions, finding.code, tuple(lines))
