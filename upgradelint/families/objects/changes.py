"""The words of a version-history entry (``# Version 1.3: Added project``),
generated from what changed in an object's fingerprint data between the base
and the head tree: added, removed and changed fields, enum values added to a
field, remotable methods."""

from __future__ import annotations

import ast
import re

from upgradelint.core.edits import present_tense  # noqa: F401 - the objects' history speaks like the RPC one

_VALUES_RE = re.compile(r"valid_values=(.*)\)$")
_HISTORY_LINE_RE = re.compile(r"^\s*#\s*Version\s+(\d+\.\d+)\s*:\s*(.*)$")


def _names(names: list[str]) -> str:
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def _enum_values(repr_: str) -> list | None:
    m = _VALUES_RE.search(repr_)
    if not m:
        return None
    try:
        v = ast.literal_eval(m.group(1))
    except (ValueError, SyntaxError):
        return None
    return list(v) if isinstance(v, (list, tuple)) else None


def field_changes(old: dict, new: dict) -> tuple[list[str], list[str], list[str], dict]:
    """(added, removed, changed, enum values added by field) between two
    ``describe()['fields']`` maps (name -> field repr)."""
    added = [k for k in new if k not in old]
    removed = [k for k in old if k not in new]
    changed, enums = [], {}
    for k in new:
        if k in old and old[k] != new[k]:
            before, after = _enum_values(old[k]), _enum_values(new[k])
            if before is not None and after is not None and set(before) < set(after) and \
                    old[k].split("valid_values=")[0] == new[k].split("valid_values=")[0]:
                enums[k] = [v for v in after if v not in before]
            else:
                changed.append(k)
    return added, removed, changed, enums


def describe_change(old: dict | None, new: dict | None, present: bool = False) -> str | None:
    """The history text for the change from ``old`` to ``new`` (``describe()``
    dicts), in the past tense ("Added x") or the present ("Add x"); None when
    nothing the hash covers changed, or the data is unknown."""
    if old is None or new is None:
        return None
    verb = (lambda past, now: now if present else past)
    added, removed, changed, enums = field_changes(old["fields"], new["fields"])
    parts = []
    if added:
        parts.append(f"{verb('Added', 'Add')} {_names(added)}")
    for k, vals in enums.items():
        what = f"{_names([str(v) for v in vals])} value{'s' if len(vals) > 1 else ''}"
        parts.append(f"{verb('Added', 'Add')} {what} to {k}")
    if removed:
        parts.append(f"{verb('Removed', 'Remove')} {_names(removed)}")
    if changed:
        parts.append(f"{verb('Changed', 'Change')} {_names(changed)}")
    om, nm = old["methods"], new["methods"]
    new_m = [k for k in nm if k not in om]
    if new_m:
        parts.append(f"{verb('Added', 'Add')} remotable {_names(new_m)}")
    gone = [k for k in om if k not in nm]
    if gone:
        parts.append(f"{verb('Removed', 'Remove')} remotable {_names(gone)}")
    sig = [k for k in nm if k in om and om[k] != nm[k]]
    if sig:
        parts.append(f"{verb('Changed', 'Change')} the signature of {_names(sig)}")
    if old.get("child_versions") != new.get("child_versions"):
        parts.append(f"{verb('Updated', 'Update')} child_versions")
    if not parts:
        return None
    text = "; ".join(parts[:1] + [p[0].lower() + p[1:] for p in parts[1:]])
    return text


def facts_change(before, after, present: bool = False) -> str | None:
    """The same from the objects' own facts (a fingerprint that does not
    resolve): field names and remotable methods of the class body."""
    old = {"fields": {f.name: f.code for f in before.fields or ()},
           "methods": dict(before.remotables), "child_versions": None}
    new = {"fields": {f.name: f.code for f in after.fields or ()},
           "methods": dict(after.remotables), "child_versions": None}
    return describe_change(old, new, present)


def history_lines(lines: list[str]) -> list[tuple[int, str, str]]:
    """(index, version, text) of the ``# Version X.Y: text`` lines in ``lines``."""
    out = []
    for i, line in enumerate(lines):
        m = _HISTORY_LINE_RE.match(line)
        if m:
            out.append((i, m.group(1), m.group(2)))
    return out
