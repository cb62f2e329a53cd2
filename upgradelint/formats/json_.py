"""``{"findings": [...], "errors": [...]}`` with paths relative to the project root."""

from __future__ import annotations

import json


def finding_dict(f) -> dict:
    d = {"code": f.code, "path": f.path, "line": f.line, "column": f.column + 1,
         "end_line": f.end_line, "end_column": f.end_column + 1,
         "message": f.message, "severity": f.severity, "symbol": f.symbol, "fingerprint": f.fingerprint}
    if f.accepted:
        d["accepted"] = f.accepted
    if f.fix is not None:
        x = f.fix
        fix = {"description": x.description, "safe": x.safe,
               "edits": [{"path": e.path, "line": e.line, "column": e.column + 1, "end_line": e.end_line,
                          "end_column": e.end_column + 1, "text": e.text, "safe": e.safe} for e in x.edits]}
        own = next((e for e in x.edits if e.path == f.path), None)
        if own is not None:  # the first edit in the finding's file, as before multi-file fixes
            fix = {"line": own.line, "column": own.column + 1, "end_line": own.end_line,
                   "end_column": own.end_column + 1, "text": own.text, **fix}
        if x.notes:
            fix["notes"] = list(x.notes)
        d["fix"] = fix
    return d


def render(result, root: str = "", color: bool = False) -> str:
    doc = {"findings": [finding_dict(f) for f in result.findings],
           "errors": [{"path": e.path, "message": e.message} for e in result.errors]}
    if getattr(result, "baselined", 0):
        doc["baselined"] = result.baselined
    if getattr(result, "conventions", None):
        doc["conventions"] = [{"family": fam, "name": name, "value": value, "why": why}
                              for fam, name, value, why in result.conventions]
    return json.dumps(doc, indent=2) + "\n"
