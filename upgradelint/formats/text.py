"""``path:line:col: CODE message``, like flake8 (1-based column)."""

from __future__ import annotations

_COLORS = {"error": "\033[31m", "warning": "\033[33m", "info": "\033[36m"}
_BOLD, _RESET = "\033[1m", "\033[0m"


def render(result, root: str = "", color: bool = False, verbose: bool = False) -> str:
    lines = []
    for fam, name, value, why in getattr(result, "conventions", ()):
        lines.append(f"convention {fam}.{name} = {value}: {why}")
    for e in result.errors:
        where = f"{e.path}: " if e.path else ""
        lines.append(f"{where}error: {e.message}")
    for f in result.findings:
        code = f.code
        if f.severity == "info":
            code = f"{code} [info]"
        if color:
            code = f"{_COLORS.get(f.severity, '')}{_BOLD}{code}{_RESET}"
        line = f"{f.path}:{f.line}:{f.column + 1}: {code} {f.message}"
        if verbose and f.accepted:
            line += f" (accepted: {f.accepted})"
        lines.append(line)
    failing = sum(1 for f in result.findings if f.failing)
    notes = len(result.findings) - failing
    if result.findings or result.errors:
        summary = f"Found {failing} problem{'s' if failing != 1 else ''}"
        if notes:
            summary += f" and {notes} note{'s' if notes != 1 else ''}"
        if result.errors:
            summary += f"; {len(result.errors)} file{'s' if len(result.errors) != 1 else ''} could not be checked"
        lines.append(summary + ".")
    if getattr(result, "baselined", 0):
        n = result.baselined
        lines.append(f"{n} problem{'s' if n != 1 else ''} recorded in the baseline not shown (--no-baseline shows them).")
    return "\n".join(lines) + ("\n" if lines else "")
