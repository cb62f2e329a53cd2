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
        r = f.fix
        d["fix"] = {"line": r.line, "column": r.column + 1, "end_line": r.end_line,
                    "end_column": r.end_column + 1, "text": r.text, "description": r.description,
                    "safe": r.safe}
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
