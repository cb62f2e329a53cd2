"""reviewdog Diagnostic Format, ``rdjson``: one DiagnosticResult,

    {"source": {"name": "upgradelint", "url": ...}, "severity": "ERROR",
     "diagnostics": [{"message": ..., "location": {"path": ..., "range": {...}},
                      "severity": "ERROR", "code": {"value": "UPG201", "url": ...},
                      "suggestions": [{"range": {...}, "text": "'1.2'"}]}]}

Use it as ``upgradelint check --format rdjson | reviewdog -f=rdjson -reporter=...``
from the repository root. Lines are 1-based; columns are 1-based and count
UTF-8 bytes (read from the files under the project root; a file that cannot be
read counts as ASCII); ``range.end`` is exclusive. Fixes become
``suggestions`` when they edit only the diagnostic's file (the safe part when
only that does). The top-level severity is the worst one present.
"""

from __future__ import annotations

import json

from upgradelint.formats._common import TOOL_NAME, TOOL_URL, Lines, fix_variants, repo_prefix, rule_url

SEVERITIES = {"error": "ERROR", "warning": "WARNING", "info": "INFO"}


def _range(lines: Lines, path: str, line, column, end_line, end_column) -> dict:
    rng = {"start": {"line": line, "column": lines.byte_column(path, line, column)}}
    if end_line and (end_line, end_column) >= (line, column):
        rng["end"] = {"line": end_line, "column": lines.byte_column(path, end_line, end_column)}
    return rng


def build(result, root: str = "") -> dict:
    prefix = repo_prefix(root, result)
    lines = Lines(root)
    diagnostics = []
    for f in result.findings:
        d = {
            "message": f.message,
            "location": {"path": prefix + f.path,
                         "range": _range(lines, f.path, f.line, f.column, f.end_line, f.end_column)},
            "severity": SEVERITIES.get(f.severity, "UNKNOWN_SEVERITY"),
            "source": {"name": TOOL_NAME, "url": TOOL_URL},
            "code": {"value": f.code, "url": rule_url(f.code)},
        }
        local = [edits for _, edits, _ in fix_variants(f) if all(e.path == f.path for e in edits)]
        if local:  # reviewdog suggestions live in the diagnostic's file
            d["suggestions"] = [{"range": _range(lines, f.path, e.line, e.column, e.end_line, e.end_column),
                                 "text": e.text} for e in local[0]]
        diagnostics.append(d)
    present = {f.severity for f in result.findings}
    worst = next((SEVERITIES[s] for s in ("error", "warning", "info") if s in present), "UNKNOWN_SEVERITY")
    return {"source": {"name": TOOL_NAME, "url": TOOL_URL}, "severity": worst, "diagnostics": diagnostics}


def render(result, root: str = "", color: bool = False) -> str:
    return json.dumps(build(result, root), indent=2, ensure_ascii=False) + "\n"
