"""GitHub Actions workflow commands, one annotation per finding:

    ::error file=nova/objects/flavor.py,line=9,endLine=9,col=5,endColumn=19,title=UPG201 ...::Flavor: ...

error -> ``::error``, warning -> ``::warning``, info -> ``::notice``. ``col`` and
``endColumn`` are 1-based (``endColumn`` is the last character, inclusive) and
only given when the finding sits on one line, as GitHub requires. Paths are
repository-relative.

GitHub keeps only 10 error, 10 warning and 10 notice annotations per step and
50 per job, and drops the rest silently. So a summary line always follows, and
when a limit is exceeded every finding is also printed as plain text for the
log.
"""

from __future__ import annotations

from upgradelint.formats import _common
from upgradelint.formats._common import count, repo_prefix

COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}
PER_STEP = 10
PER_JOB = 50


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(kind: str, message: str, **props) -> str:
    body = ",".join(f"{k}={escape_property(str(v))}" for k, v in props.items() if v is not None)
    return f"::{kind}{' ' + body if body else ''}::{escape_data(message)}"


def render(result, root: str = "", color: bool = False) -> str:
    prefix = repo_prefix(root, result)
    known = _common.rules_meta()
    lines = []
    for e in result.errors:
        lines.append(command("error", f"cannot check: {e.message}", file=(prefix + e.path) if e.path else None,
                             title="upgradelint"))
    per_kind: dict[str, int] = {}
    for f in result.findings:
        kind = COMMANDS.get(f.severity, "warning")
        per_kind[kind] = per_kind.get(kind, 0) + 1
        one_line = f.end_line in (None, f.line)
        meta = known.get(f.code)
        lines.append(command(
            kind, f.message,
            file=prefix + f.path, line=f.line, endLine=f.end_line or f.line,
            col=f.column + 1 if one_line else None,
            endColumn=max(f.end_column, f.column + 1) if one_line else None,
            title=f"{f.code} {meta.name}" if meta else f.code,
        ))
    failing = sum(1 for f in result.findings if f.failing)
    notes = len(result.findings) - failing
    files = len({f.path for f in result.findings})
    if result.findings:
        summary = f"upgradelint: {count(failing, 'problem')}"
        if notes:
            summary += f" and {count(notes, 'note')}"
        summary += f" in {count(files, 'file')}"
    else:
        summary = "upgradelint: no problems found"
    if result.errors:
        summary += f"; {count(len(result.errors), 'file')} could not be checked"
    lines.append(summary + ".")
    total = len(result.findings) + len(result.errors)
    per_kind["error"] = per_kind.get("error", 0) + len(result.errors)
    if total > PER_JOB or any(n > PER_STEP for n in per_kind.values()):
        lines.append(f"GitHub shows at most {PER_STEP} annotations of each kind per step and {PER_JOB} per job; "
                     f"all {total} are listed below.")
        for e in result.errors:
            lines.append(f"{prefix + e.path + ': ' if e.path else ''}error: {e.message}")
        for f in result.findings:
            lines.append(f"{prefix}{f.path}:{f.line}:{f.column + 1}: {f.code} {f.message}")
    return "\n".join(lines) + "\n"
