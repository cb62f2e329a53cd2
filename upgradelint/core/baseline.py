"""The baseline: today's accepted failing findings, by fingerprint (code, path,
symbol; never the line), so that a project adopting upgradelint is told only
what is new.

The file is JSON, one entry a line, sorted, so that a change to it reads well
in review::

    {"version": 1, "findings": [
      {"code": "UPG304", "path": "x/migrations/versions/0042_a.py", "symbol": "0042", "count": 1,
       "fingerprint": "…", "message": "…"}
    ]}
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field

from upgradelint.core.model import Finding, UsageError

FILENAME = ".upgradelint-baseline.json"
VERSION = 1


@dataclass(frozen=True)
class Entry:
    code: str
    path: str
    symbol: str
    count: int
    message: str = ""

    @property
    def fingerprint(self) -> str:
        return Finding(self.code, self.path, 1, 0, 1, 0, "", "error", self.symbol).fingerprint


@dataclass
class Baseline:
    path: str
    entries: dict[str, Entry] = field(default_factory=dict)  # fingerprint -> entry


def load(path: str) -> Baseline | None:
    """The baseline at ``path``; None when there is none. A file that is not a
    valid baseline is a UsageError naming the file and the line."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the baseline: {exc.strerror or exc}") from None
    return parse(raw, path)


def parse(raw: bytes, path: str) -> Baseline:
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: not a valid baseline: not UTF-8 ({exc.reason})") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}:{exc.lineno}: not a valid baseline: {exc.msg}; fix it, or delete it and run "
                         f"'upgradelint baseline'") from None
    if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("findings"), list):
        raise UsageError(f"{path}: not a valid baseline: expected {{\"version\": {VERSION}, \"findings\": [...]}}")
    out = Baseline(path)
    for n, item in enumerate(data["findings"], 1):
        try:
            entry = Entry(code=item["code"], path=item["path"], symbol=item["symbol"], count=int(item.get("count", 1)),
                          message=str(item.get("message", "")))
            if not all(isinstance(v, str) for v in (entry.code, entry.path, entry.symbol)) or entry.count < 1:
                raise TypeError
        except (KeyError, TypeError, ValueError, AttributeError):
            raise UsageError(f"{path}:{_line_of(raw, n)}: not a valid baseline: finding {n} needs code, path, "
                             f"symbol (strings) and a positive count") from None
        out.entries[entry.fingerprint] = entry
    return out


def _line_of(raw: bytes, n: int) -> int:
    """The line of the n-th entry, as ``dump`` writes them (one a line)."""
    lines = raw.decode("utf-8", "replace").splitlines()
    seen = 0
    for i, line in enumerate(lines, 1):
        if line.lstrip().startswith("{\"code\""):
            seen += 1
            if seen == n:
                return i
    return 1


def entries_for(findings) -> dict[str, Entry]:
    out: dict[str, Entry] = {}
    for f in findings:
        if not f.failing:
            continue
        fp = f.fingerprint
        e = out.get(fp)
        out[fp] = Entry(f.code, f.path, f.symbol, (e.count + 1) if e else 1, e.message if e else f.message)
    return out


def dump(entries: dict[str, Entry]) -> str:
    rows = sorted(entries.values(), key=lambda e: (e.path, e.code, e.symbol))
    body = ",\n".join("  " + json.dumps({"code": e.code, "path": e.path, "symbol": e.symbol, "count": e.count,
                                          "fingerprint": e.fingerprint, "message": e.message}, ensure_ascii=False)
                      for e in rows)
    return f'{{"version": {VERSION}, "findings": [\n{body}{chr(10) if body else ""}]}}\n'


def write(path: str, entries: dict[str, Entry]) -> None:
    """Atomically: a temporary file beside it, checked to parse, then renamed."""
    text = dump(entries)
    parse(text.encode("utf-8"), path)  # never write what would not read back
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".upgradelint-baseline.", dir=d)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def apply(findings: list, baseline: Baseline) -> tuple[list, int, list[Entry]]:
    """(the findings not in the baseline, how many were baselined, the entries
    no finding matched any more). Findings are taken in order; a fingerprint
    that now occurs more often than its count reports the extra ones."""
    left = {fp: e.count for fp, e in baseline.entries.items()}
    kept, hidden = [], 0
    for f in findings:
        fp = f.fingerprint
        if f.failing and left.get(fp, 0) > 0:
            left[fp] -= 1
            hidden += 1
        else:
            kept.append(f)
    stale = [baseline.entries[fp] for fp, n in left.items() if n == baseline.entries[fp].count]
    return kept, hidden, sorted(stale, key=lambda e: (e.path, e.code, e.symbol))
