"""Turning file bytes into text, with one-line errors for bad input."""

from __future__ import annotations

import codecs
import re

_CODING_RE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")


class SourceError(Exception):
    pass


def decode(data: bytes) -> str:
    """Decode Python source the way the interpreter would (PEP 263, BOM)."""
    if b"\0" in data:
        raise SourceError("contains a NUL byte")
    encoding = "utf-8"
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    else:
        for line in data.split(b"\n", 2)[:2]:
            m = _CODING_RE.match(line)
            if m:
                encoding = m.group(1).decode("ascii")
                break
    try:
        return data.decode(encoding)
    except LookupError:
        raise SourceError(f"unknown encoding {encoding!r}") from None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceError(f"cannot decode as {encoding} (line {line})") from None
