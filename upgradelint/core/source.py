"""Turning file bytes into text, with one-line errors for bad input."""

from __future__ import annotations

import codecs
import re

_CODING_RE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")
# lines as Python and LibCST count them (str.splitlines also breaks on \f, \x1c, ...)
LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


class SourceError(Exception):
    pass


def detect_encoding(data: bytes) -> tuple[str, bytes]:
    """(encoding, BOM) of Python source: a UTF-8 BOM, else a PEP 263 coding
    comment on one of the first two lines, else UTF-8."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8", codecs.BOM_UTF8
    for line in data.split(b"\n", 2)[:2]:
        m = _CODING_RE.match(line)
        if m:
            return m.group(1).decode("ascii"), b""
    return "utf-8", b""


def decode(data: bytes) -> str:
    """Decode Python source the way the interpreter would (PEP 263, BOM)."""
    if b"\0" in data:
        raise SourceError("contains a NUL byte")
    encoding, bom = detect_encoding(data)
    data = data[len(bom):]
    try:
        return data.decode(encoding)
    except LookupError:
        raise SourceError(f"unknown encoding {encoding!r}") from None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceError(f"cannot decode as {encoding} (line {line})") from None
