"""The one version parser: ``'1.42'`` style RPC and object versions.

Every family compares versions through these helpers, never by splitting the
string itself."""

from __future__ import annotations

import re

_VERSION_RE = re.compile(r"^\d+\.\d+(\.\d+)?$")


def parse(v) -> tuple[int, ...] | None:
    """``'1.42'`` -> ``(1, 42)``; None for anything that is not dotted integers."""
    try:
        return tuple(int(p) for p in str(v).split(".")) if v is not None and v != "" else None
    except ValueError:
        return None


def is_version(v) -> bool:
    """A string written as a version literal (``'X.Y'`` or ``'X.Y.Z'``)."""
    return isinstance(v, str) and bool(_VERSION_RE.match(v))


def key(v, missing: tuple[int, ...] = (0,)) -> tuple[int, ...]:
    """A sort key: unparsable versions sort as ``missing``."""
    return parse(v) or missing


def major(v) -> int | None:
    t = parse(v)
    return t[0] if t else None


def same_major_gt(a, b) -> bool:
    """a > b within the same major (versions of different majors do not compare)."""
    if not a or not b or major(a) != major(b):
        return False
    return key(a) > key(b)


def newest(versions) -> str | None:
    vs = [v for v in versions if v and parse(v)]
    return max(vs, key=key) if vs else None


def bump_minor(v) -> str | None:
    """``'1.41'`` -> ``'1.42'``; None when ``v`` has no ``X.Y`` head."""
    parts = str(v).split(".")
    if len(parts) < 2 or not all(p.isdigit() for p in parts[:2]):
        return None
    return f"{parts[0]}.{int(parts[1]) + 1}"


def fmt(t) -> str:
    """``(1, 42)`` -> ``'1.42'``."""
    return ".".join(str(x) for x in t)
