"""SARIF 2.1.0, for GitHub code scanning (``github/codeql-action/upload-sarif``).

- One ``rules[]`` entry per registered code, with its help text and the link to
  its rules/UPGnnn.md page; results point at it with ``ruleId``/``ruleIndex``.
- Paths are repository-relative under ``uriBaseId: %SRCROOT%``; columns are
  1-based code points (``columnKind: unicodeCodePoints``), end exclusive.
- ``partialFingerprints`` carries only ``upgradelint/v1`` (Finding.fingerprint:
  code, path, symbol, message; never the line). ``primaryLocationLineHash`` is
  left to the upload action, which computes it itself.
- Fixes become ``fixes[]`` with one ``artifactChanges`` entry per file the
  fix edits (its safe part first, as its own fix, when it also has unsafe
  edits); files that could not be checked become
  ``toolExecutionNotifications``.
"""

from __future__ import annotations

import json

from upgradelint import __version__
from upgradelint.formats import _common
from upgradelint.formats._common import TOOL_NAME, TOOL_URL, repo_prefix, rule_meta, rule_url

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "upgradelint/v1"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def _region(line, column, end_line, end_column) -> dict:
    region = {"startLine": line, "startColumn": column + 1}
    if end_line and (end_line, end_column) >= (line, column):
        region["endLine"] = end_line
        region["endColumn"] = end_column + 1
    return region


def _location(uri: str, region: dict | None = None) -> dict:
    phys = {"artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"}}
    if region:
        phys["region"] = region
    return {"physicalLocation": phys}


_ACRONYMS = {"rpc": "RPC", "db": "DB", "api": "API", "sql": "SQL"}


def title(name: str) -> str:
    """``unversioned-rpc-send`` -> ``Unversioned RPC send``."""
    words = [_ACRONYMS.get(w, w) for w in name.split("-")]
    return " ".join(words)[:1].upper() + " ".join(words)[1:]


def _rule(meta) -> dict:
    text = meta.description or meta.summary
    help_md = f"{text}\n\n{meta.why}\n\nSee [{meta.code}]({rule_url(meta.code)})." if meta.why else \
        f"{text}\n\nSee [{meta.code}]({rule_url(meta.code)})."
    return {
        "id": meta.code,
        "name": meta.name,
        "shortDescription": {"text": title(meta.name)},
        "fullDescription": {"text": text},
        "help": {"text": f"{text} {meta.why}".strip() + f" See {rule_url(meta.code)}", "markdown": help_md},
        "helpUri": rule_url(meta.code),
        "defaultConfiguration": {"level": LEVELS.get(meta.severity, "warning")},
        "properties": {"tags": ["rolling-upgrade"]},
    }


def _fix(prefix: str, desc: str, edits, safe: bool) -> dict:
    """A SARIF ``fix``: one ``artifactChange`` per file, in the order the files first appear."""
    by_path: dict[str, list] = {}
    for e in edits:
        by_path.setdefault(e.path, []).append({
            "deletedRegion": _region(e.line, e.column, e.end_line, e.end_column),
            "insertedContent": {"text": e.text}})
    return {
        "description": {"text": desc},
        "artifactChanges": [{"artifactLocation": {"uri": prefix + path, "uriBaseId": "%SRCROOT%"},
                             "replacements": reps} for path, reps in by_path.items()],
        "properties": {"safe": safe},
    }


def build(result, root: str = "") -> dict:
    prefix = repo_prefix(root, result)
    known = _common.rules_meta()
    codes = list(known)
    for f in result.findings:
        if f.code not in known and f.code not in codes:
            codes.append(f.code)
    index = {code: i for i, code in enumerate(codes)}
    results = []
    for f in result.findings:
        r = {
            "ruleId": f.code,
            "ruleIndex": index[f.code],
            "level": LEVELS.get(f.severity, "warning"),
            "message": {"text": f.message},
            "locations": [_location(prefix + f.path, _region(f.line, f.column, f.end_line, f.end_column))],
            "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
            "properties": {"symbol": f.symbol},
        }
        variants = _common.fix_variants(f)
        if variants:
            r["fixes"] = [_fix(prefix, desc, edits, safe) for desc, edits, safe in variants]
        results.append(r)
    invocation = {"executionSuccessful": not (result.errors and result.checked == 0)}
    if result.errors:
        invocation["toolExecutionNotifications"] = [
            {"level": "error", "message": {"text": e.message},
             **({"locations": [_location(prefix + e.path)]} if e.path else {})}
            for e in result.errors]
    run = {
        "tool": {"driver": {
            "name": TOOL_NAME,
            "version": __version__,
            "semanticVersion": __version__,
            "informationUri": TOOL_URL,
            "rules": [_rule(rule_meta(code, known)) for code in codes],
        }},
        "invocations": [invocation],
        "results": results,
        "columnKind": "unicodeCodePoints",
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(result, root: str = "", color: bool = False) -> str:
    return json.dumps(build(result, root), indent=2, ensure_ascii=False) + "\n"
