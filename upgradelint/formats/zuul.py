"""Zuul ``file_comments``: the map a job hands to ``zuul_return`` so that Zuul
posts the findings as inline comments on the change:

    {"nova/objects/flavor.py": [{"line": 9, "message": "UPG201 ...", "level": "error",
                                 "range": {"start_line": 9, "start_character": 14,
                                           "end_line": 9, "end_character": 19}}]}

Paths are relative to the project (repository) root. ``range`` follows Gerrit's
CommentRange (``start_character`` 0-based, end exclusive) and is given for
one-line findings only; a multi-line finding is anchored at its first line.
``level`` is error, warning or info (Gerrit's reporter ignores it). Zuul drops
comments on files that are not part of the change.
"""

from __future__ import annotations

import json

from upgradelint.formats._common import comment_text, repo_prefix


def build(result, root: str = "") -> dict:
    prefix = repo_prefix(root, result)
    out: dict[str, list[dict]] = {}
    for f in result.findings:
        c: dict = {"line": f.line, "message": comment_text(f), "level": f.severity}
        if f.end_line == f.line and f.end_column > f.column:
            c["range"] = {"start_line": f.line, "start_character": f.column,
                          "end_line": f.end_line, "end_character": f.end_column}
        out.setdefault(prefix + f.path, []).append(c)
    return out


def render(result, root: str = "", color: bool = False) -> str:
    return json.dumps(build(result, root), indent=2, ensure_ascii=False) + "\n"
