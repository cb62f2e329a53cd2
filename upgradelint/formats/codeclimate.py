"""GitLab Code Quality (a Code Climate subset): a JSON array for
``artifacts: reports: codequality:``.

    [{"description": "UPG201 Flavor: ...", "check_name": "UPG201",
      "fingerprint": "<32 hex>", "severity": "major",
      "location": {"path": "nova/objects/flavor.py", "lines": {"begin": 9, "end": 9}}}]

Severity: error -> ``major``, warning -> ``minor``, info -> ``info``.
``critical`` and ``blocker`` are left unused: GitLab ranks them above anything
a linter finding should claim, and ``major`` already sorts upgradelint's
errors above style warnings. The fingerprint is Finding.fingerprint (code,
path, symbol and message, never the line), so an unchanged finding is not
reported as new when code above it moves. Paths are repository-relative.
"""

from __future__ import annotations

import hashlib
import json

from upgradelint.formats._common import repo_prefix

SEVERITIES = {"error": "major", "warning": "minor", "info": "info"}


def build(result, root: str = "") -> list:
    prefix = repo_prefix(root, result)
    out = []
    seen: dict[str, int] = {}
    for f in result.findings:
        fp = f.fingerprint
        n = seen[fp] = seen.get(fp, 0) + 1
        if n > 1:  # GitLab wants one fingerprint per finding; repeats get an occurrence number
            fp = hashlib.sha256(f"{fp}:{n}".encode()).hexdigest()[:32]
        out.append({
            "type": "issue",
            "description": f"{f.code} {f.message}",
            "check_name": f.code,
            "categories": ["Bug Risk"],
            "fingerprint": fp,
            "severity": SEVERITIES.get(f.severity, "minor"),
            "location": {"path": prefix + f.path, "lines": {"begin": f.line, "end": max(f.end_line, f.line)}},
        })
    return out


def render(result, root: str = "", color: bool = False) -> str:
    return json.dumps(build(result, root), indent=2, ensure_ascii=False) + "\n"
