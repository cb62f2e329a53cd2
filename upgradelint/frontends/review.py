"""``upgradelint review``: run the diff-mode check and post the findings as line
comments on the change under review, on Gerrit or on a GitHub pull request.

- Always diff mode. The base is ``--base``, else ``PRE_COMMIT_FROM_REF``, else
  ``UPGRADELINT_BASE``, else the config's ``base`` (as for ``check``), else
  on a GitHub pull-request run the merge base with ``origin/$GITHUB_BASE_REF``,
  else ``HEAD~1`` (a Gerrit change is one commit on top of its parent, and Zuul
  checks it out as such or as a merge commit onto the branch).
- Gerrit: ``POST {URL}/a/changes/{id}/revisions/{rev}/review`` with a
  ReviewInput (see ``formats/gerrit.py``), HTTP basic auth from
  ``GERRIT_USERNAME`` and ``GERRIT_PASSWORD`` (the account's HTTP password).
  Every finding is an inline comment: diff mode only reports on files the change
  touched, and Gerrit accepts comments on any line of those.
- GitHub: ``POST {API}/repos/{owner}/{repo}/pulls/{n}/reviews`` with
  ``event: COMMENT``, token from ``GITHUB_TOKEN``, API base from
  ``--github-api`` or ``GITHUB_API_URL`` (GitHub Enterprise). GitHub only
  accepts line comments inside the diff, so a finding whose lines the change
  did not touch goes into the review body instead of a line comment. A fix
  that edits only the finding's file, in one block of lines the change
  touched, comes as a ```suggestion``` block on those lines (a multi-line
  comment when it spans several; an unsafe fix says so).
- No duplicates: the comments already on the change are read back first
  (Gerrit ``GET .../revisions/{rev}/comments``; GitHub ``GET .../pulls/{n}/comments``
  and ``.../reviews``), and findings already there are skipped. Gerrit matches
  path, line and message; GitHub matches the hidden ``<!-- upgradelint:FP -->``
  marker carrying Finding.fingerprint. All new comments go out in one request,
  so a failure never leaves half a review behind.
- Exit status: 0 no problems (notes may have been posted), 1 problems found
  (posted now or already there), 2 the check could not run or posting failed
  (one line on stderr). ``--exit-zero`` turns 1 into 0, never 2 into 0.
- Credentials are sent only in the Authorization header, never printed; a
  redirect is refused rather than followed, so they cannot leak to another host.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import re
import socket
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

from upgradelint.core.model import UsageError

from upgradelint.frontends.args import EXIT_CLEAN, EXIT_ERROR, add_run, options

TIMEOUT = 30
MAX_PAGES = 50
MARKER_RE = re.compile(r"<!-- upgradelint:([0-9a-f]{8,64}) -->")
USER_AGENT = "upgradelint-review"


class PostError(Exception):
    """Posting failed; the message is one line, free of credentials."""


def add_arguments(p) -> None:
    p.add_argument("paths", nargs="*", metavar="PATH")
    p.add_argument("--base", metavar="REV", help="compare with REV (default: as for check, else the merge "
                   "base with origin/$GITHUB_BASE_REF, else HEAD~1)")
    g = p.add_argument_group("Gerrit (credentials from GERRIT_USERNAME and GERRIT_PASSWORD)")
    g.add_argument("--gerrit", metavar="URL", help="Gerrit base URL, e.g. https://review.opendev.org")
    g.add_argument("--change", metavar="ID", help="change number or project~branch~Change-Id")
    g.add_argument("--revision", metavar="REV", default="current",
                   help="patch set number or commit (default: current)")
    g.add_argument("--gerrit-robot-comments", action="store_true",
                   help="post deprecated robot comments instead of regular comments")
    h = p.add_argument_group("GitHub (token from GITHUB_TOKEN)")
    h.add_argument("--github", metavar="OWNER/REPO", help="repository of the pull request")
    h.add_argument("--pr", metavar="N", type=int, help="pull request number")
    h.add_argument("--github-api", metavar="URL",
                   help="REST API base (default: $GITHUB_API_URL, else https://api.github.com)")
    h.add_argument("--commit", metavar="SHA", help="commit the review is for (default: the PR's head)")
    p.add_argument("--dry-run", action="store_true", help="print the request instead of sending it")
    add_run(p)


def default_base(cli_value, cfg, root: str = ".") -> str:
    """As for check; else, on a GitHub pull-request run, where the PR branched
    off ``origin/$GITHUB_BASE_REF`` (the PR's own diff even when the target
    branch moved on); else ``HEAD~1``."""
    from upgradelint.engine import choose_base

    base = choose_base(cli_value, cfg)
    if base:
        return base
    target = os.environ.get("GITHUB_BASE_REF")
    if target:
        ref = f"origin/{target}"
        try:
            proc = subprocess.run(["git", "merge-base", ref, "HEAD"], cwd=root, capture_output=True, text=True)
        except OSError:
            return ref
        return proc.stdout.strip() if proc.returncode == 0 and proc.stdout.strip() else ref
    return "HEAD~1"


def _validate(args) -> None:
    if bool(args.gerrit) == bool(args.github):
        raise UsageError("review needs exactly one of --gerrit URL or --github OWNER/REPO")
    if args.gerrit:
        if not args.change:
            raise UsageError("--gerrit needs --change ID (and --revision REV)")
        if not re.match(r"^https?://[^/\s]+", args.gerrit):
            raise UsageError(f"--gerrit {safe_url(args.gerrit)}: give the base URL, e.g. https://review.example.org")
    else:
        if not re.match(r"^[\w.-]+/[\w.-]+$", args.github):
            raise UsageError(f"--github {args.github!r}: write it as OWNER/REPO")
        if args.pr is None or args.pr < 1:
            raise UsageError("--github needs --pr N")


def run(args) -> int:
    from upgradelint import engine
    from upgradelint.formats import render

    _validate(args)
    opts = options(args)
    root, cfg = engine.load_config(opts)
    defaulted = engine.choose_base(args.base, cfg) is None
    opts.base = default_base(args.base, cfg, root)
    try:
        result = engine.check(opts)
    except UsageError as exc:
        if defaulted:
            raise UsageError(f"{exc}; review compares with {opts.base} by default, pass --base REV") from None
        raise
    sys.stdout.write(render("text", result, root=root))
    sys.stdout.flush()
    if result.exit_code == EXIT_ERROR:
        return EXIT_ERROR
    prefix = result.prefix or ""
    status = EXIT_CLEAN if args.exit_zero else result.exit_code
    try:
        if args.gerrit:
            _gerrit(args, result.findings, prefix)
        else:
            _github(args, result.findings, prefix, result.diff, root)
    except PostError as exc:
        print(f"upgradelint: error: {_one_line(str(exc))}", file=sys.stderr)
        return EXIT_ERROR
    return status


# -- HTTP --------------------------------------------------------------------


def safe_url(url: str) -> str:
    """The URL without any user:password@ part."""
    parts = urllib.parse.urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def _one_line(text: str) -> str:
    return " ".join(text.split())


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise urllib.error.HTTPError(req.full_url, code, f"redirect to {safe_url(newurl)} refused", headers, fp)


class Client:
    """A tiny JSON-over-HTTP client that never lets a secret into a message."""

    def __init__(self, service: str, auth: str | None, secrets: tuple[str, ...], hints: dict[int, str],
                 xssi: bool = False, headers: dict | None = None):
        self.service = service
        self.auth = auth
        self.secrets = tuple(s for s in secrets if s)
        self.hints = hints
        self.xssi = xssi  # Gerrit prefixes JSON with )]}'
        self.headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})}
        self.opener = urllib.request.build_opener(_NoRedirect())

    def scrub(self, text: str) -> str:
        for s in self.secrets:
            text = text.replace(s, "***")
        return text

    def request_headers(self, body: bool) -> dict:
        h = dict(self.headers)
        if body:
            h["Content-Type"] = "application/json; charset=UTF-8"
        if self.auth:
            h["Authorization"] = self.auth
        return h

    def call(self, method: str, url: str, payload=None):
        data = None if payload is None else json.dumps(payload).encode("utf-8")
        req = urllib.request.Request(url, data=data, method=method, headers=self.request_headers(data is not None))
        where = f"{self.service} {method} {safe_url(url)}"
        try:
            with self.opener.open(req, timeout=TIMEOUT) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            detail = ""
            try:
                text = exc.read(2000).decode("utf-8", "replace")
                if text.startswith(")]}'"):
                    text = text[4:]
                try:
                    parsed = json.loads(text)
                    text = str(parsed.get("message") or text) if isinstance(parsed, dict) else text
                except ValueError:
                    pass
                detail = _one_line(text)[:160]
            except Exception:  # noqa: BLE001 - the body is only a hint
                pass
            hint = self.hints.get(exc.code) or (self.hints.get(500) if exc.code >= 500 else "")
            msg = f"{where} failed: HTTP {exc.code} {exc.reason}"
            if detail and detail.lower() not in str(exc.reason).lower():
                msg += f" ({detail})"
            if hint:
                msg += f"; {hint}"
            raise PostError(self.scrub(msg)) from None
        except urllib.error.URLError as exc:
            reason = getattr(exc.reason, "strerror", None) or exc.reason
            raise PostError(self.scrub(f"cannot reach {self.service} at {safe_url(url)}: {reason}")) from None
        except (socket.timeout, TimeoutError):
            raise PostError(f"{where} timed out after {TIMEOUT} s") from None
        except OSError as exc:
            raise PostError(self.scrub(f"{where} failed: {exc.strerror or exc}")) from None
        text = raw.decode("utf-8", "replace")
        if self.xssi and text.startswith(")]}'"):
            text = text[4:]
        if not text.strip():
            return None
        try:
            return json.loads(text)
        except ValueError:
            raise PostError(f"{where}: the answer is not JSON (is the URL right?)") from None

    def dry_run(self, method: str, url: str, payload) -> None:
        headers = self.request_headers(True)
        if "Authorization" in headers:
            headers["Authorization"] = headers["Authorization"].split(" ", 1)[0] + " ***"
        print(f"{method} {safe_url(url)}")
        for k, v in headers.items():
            print(f"{k}: {v}")
        print()
        print(self.scrub(json.dumps(payload, indent=2, ensure_ascii=False)))


# -- Gerrit ------------------------------------------------------------------

GERRIT_HINTS = {
    401: "check GERRIT_USERNAME and GERRIT_PASSWORD (the HTTP password from Gerrit's settings)",
    403: "the account may not comment on this change",
    404: "no such change or revision, or the account cannot see it",
    409: "the change is closed or the request conflicts with its state",
    500: "Gerrit had a server error; try again later",
}


def _gerrit(args, findings, prefix: str) -> None:
    from upgradelint.formats import gerrit as fmt

    base = args.gerrit.rstrip("/")
    change = urllib.parse.quote(args.change, safe="~")
    rev = urllib.parse.quote(str(args.revision), safe="")
    rev_url = f"{base}/a/changes/{change}/revisions/{rev}"
    user, password = os.environ.get("GERRIT_USERNAME", ""), os.environ.get("GERRIT_PASSWORD", "")
    auth = None
    if user and password:
        auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    where = f"Gerrit change {args.change} revision {args.revision}"
    robot = args.gerrit_robot_comments
    run_id = os.environ.get("UPGRADELINT_RUN_ID")
    client = Client("Gerrit", auth, (password, auth or ""), GERRIT_HINTS, xssi=True)
    if args.dry_run:
        if not findings:
            print(f"upgradelint: nothing to post on {where}.")
            return
        print("upgradelint: dry run; existing comments are not read. Would send:")
        client.dry_run("POST", f"{rev_url}/review", fmt.build(findings, prefix, robot, run_id))
        return
    if not auth:
        raise PostError("set GERRIT_USERNAME and GERRIT_PASSWORD (the account's HTTP password) to post on Gerrit")
    if not findings:
        print(f"upgradelint: nothing to post on {where}.")
        return
    existing = client.call("GET", f"{rev_url}/{'robotcomments' if robot else 'comments'}") or {}
    if not isinstance(existing, dict):
        raise PostError(f"Gerrit GET {safe_url(rev_url)}/comments: unexpected answer")
    seen = {(path, c.get("line"), c.get("message")) for path, cs in existing.items() for c in cs or ()
            if isinstance(c, dict)}
    new = [f for f in findings
           if (prefix + f.path, f.line, fmt.comment_text(f)) not in seen]
    skipped = len(findings) - len(new)
    if not new:
        print(f"upgradelint: nothing new to post on {where} ({_n(skipped, 'comment')} already there).")
        return
    client.call("POST", f"{rev_url}/review", fmt.build(new, prefix, robot, run_id))
    print(f"upgradelint: posted {_n(len(new), 'comment')} on {where}"
          + (f" ({skipped} already there)." if skipped else "."))


# -- GitHub ------------------------------------------------------------------

GITHUB_HINTS = {
    401: "check GITHUB_TOKEN",
    403: "the token needs pull-requests: write permission (or the rate limit was hit)",
    404: "no such repository or pull request, or the token cannot see it",
    409: "the pull request is in a conflicting state",
    422: "GitHub rejected the review (a line outside the diff, or a wrong --commit)",
    500: "GitHub had a server error; try again later",
}


def _marker(f) -> str:
    return f"<!-- upgradelint:{f.fingerprint} -->"


def _github_body(f, suggestion: str = "") -> str:
    from upgradelint.formats._common import rule_url

    return f"**{f.code}** {f.message}{suggestion}\n\n[{f.code}]({rule_url(f.code)}) {_marker(f)}"


def _hunk(edits) -> tuple[int, int] | None:
    """(first, last) line a set of edits in one file rewrites, when they form
    one block of adjacent lines; else None. An insertion at the start of a line
    rewrites that line; an edit ending at column 0 ends on the line before."""
    ranges = []
    for e in sorted(edits, key=lambda e: (e.line, e.column)):
        last = e.end_line - 1 if e.end_column == 0 and e.end_line > e.line else e.end_line
        ranges.append((e.line, max(last, e.line)))
    first, last = ranges[0]
    for a, b in ranges[1:]:
        if a > last + 1:
            return None
        last = max(last, b)
    return first, last


def suggestion(root: str, path: str, f, changed) -> tuple[int, int, str] | None:
    """A GitHub suggestion for the finding's fix: (first line, last line,
    block), where the fix (else its safe part) edits only this file, in one
    block of lines the pull request changed (``changed``: a set of line numbers,
    None for a new file). Unsafe fixes say so."""
    from upgradelint.engine.fix import new_text
    from upgradelint.formats._common import fix_variants

    for desc, edits, safe in sorted(fix_variants(f), key=lambda v: v[2]):  # the whole fix first
        if not all(e.path == f.path for e in edits):
            continue
        hunk = _hunk(edits)
        if hunk is None or (changed is not None and not all(n in changed for n in range(hunk[0], hunk[1] + 1))):
            continue
        lines = _file_lines(root, path)
        if lines is None or hunk[1] > len(lines):
            return None
        old = "".join(lines[hunk[0] - 1:hunk[1]])
        if not old.endswith(("\n", "\r")):
            old += "\n"
        shifted = [dataclasses.replace(e, line=e.line - hunk[0] + 1, end_line=e.end_line - hunk[0] + 1)
                   for e in edits]
        text, n = new_text(old, shifted)
        if n != len(set(edits)):
            return None
        body = "\n".join(ln.rstrip("\r\n") for ln in text.splitlines(True))
        note = "" if safe else "\n\nThis fix changes behaviour (unsafe): review it before committing it."
        return hunk[0], hunk[1], f"{note}\n\n```suggestion\n{body}\n```"
    return None


def _file_lines(root: str, path: str) -> list[str] | None:
    from upgradelint.core.source import LINE_RE

    try:
        with open(os.path.join(root, path), encoding="utf-8", newline="") as fh:
            return LINE_RE.findall(fh.read())
    except (OSError, UnicodeDecodeError):
        return None


def _anchor(diff, path: str, f) -> int | None:
    """The first line of the finding the change touched, or None."""
    ch = diff.changes.get(path)
    if ch is None or ch.status == "D":
        return None
    end = max(f.end_line, f.line)
    if ch.lines is None:
        return f.line
    return next((n for n in range(f.line, end + 1) if n in ch.lines), None)


def _github(args, findings, prefix: str, diff, root: str) -> None:
    """``diff`` is the engine's (project-relative paths); comments carry repository paths."""
    from upgradelint.formats.gerrit import summary

    api = (args.github_api or os.environ.get("GITHUB_API_URL") or "https://api.github.com").rstrip("/")
    owner, repo = args.github.split("/", 1)
    pr_url = f"{api}/repos/{urllib.parse.quote(owner)}/{urllib.parse.quote(repo)}/pulls/{args.pr}"
    token = os.environ.get("GITHUB_TOKEN", "")
    where = f"{args.github}#{args.pr}"
    client = Client("GitHub", f"Bearer {token}" if token else None, (token,), GITHUB_HINTS,
                    headers={"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"})
    if not args.dry_run and not token:
        raise PostError("set GITHUB_TOKEN to post on GitHub")
    if not findings:
        print(f"upgradelint: nothing to post on {where}.")
        return
    new = findings
    if not args.dry_run:
        seen: set[str] = set()
        for kind in ("comments", "reviews"):
            for item in _pages(client, f"{pr_url}/{kind}"):
                seen.update(MARKER_RE.findall(str(item.get("body") or "")))
        new = [f for f in findings if f.fingerprint not in seen]
    skipped = len(findings) - len(new)
    if not new:
        print(f"upgradelint: nothing new to post on {where} ({_n(skipped, 'finding')} already there).")
        return
    comments, outside = [], []
    for f in new:
        comment = _line_comment(diff, root, prefix, f)
        if comment is None:
            outside.append(f)
        else:
            comments.append(comment)
    body = summary(new)
    if outside:
        body += "\n\nOn lines this pull request did not change:\n" + "\n".join(
            f"- `{prefix + f.path}:{f.line}` {_github_body(f).replace(chr(10) * 2, ' ')}" for f in outside)
    review = {"body": body, "event": "COMMENT", "comments": comments}
    if args.commit:
        review["commit_id"] = args.commit
    if args.dry_run:
        print("upgradelint: dry run; existing comments are not read. Would send:")
        client.dry_run("POST", f"{pr_url}/reviews", review)
        return
    client.call("POST", f"{pr_url}/reviews", review)
    print(f"upgradelint: posted a review on {where} with {_n(len(comments), 'line comment')}"
          + (f" and {len(outside)} more in its body" if outside else "")
          + (f" ({skipped} already there)." if skipped else "."))


def _line_comment(diff, root: str, prefix: str, f) -> dict | None:
    """A review comment on the lines the fix suggests to rewrite, else on the
    first line of the finding the change touched; None: outside the diff."""
    ch = diff.changes.get(f.path)
    if ch is None or ch.status == "D":
        return None
    sug = suggestion(root, f.path, f, ch.lines)
    if sug is not None:
        first, last, block = sug
        c = {"path": prefix + f.path}
        if first != last:
            c.update(start_line=first, start_side="RIGHT")
        c.update(line=last, side="RIGHT", body=_github_body(f, block))
        return c
    line = _anchor(diff, f.path, f)
    if line is None:
        return None
    return {"path": prefix + f.path, "line": line, "side": "RIGHT", "body": _github_body(f)}


def _pages(client: Client, url: str):
    for page in range(1, MAX_PAGES + 1):
        items = client.call("GET", f"{url}?per_page=100&page={page}")
        if not isinstance(items, list):
            raise PostError(f"GitHub GET {safe_url(url)}: unexpected answer")
        yield from (i for i in items if isinstance(i, dict))
        if len(items) < 100:
            return


def _n(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
