"""``upgradelint review`` end to end: a temp git repository with a change that
breaks rolling upgrades, and a real HTTP server on 127.0.0.1 that speaks the
Gerrit and GitHub endpoints review uses and records every request."""

from __future__ import annotations

import base64
import json
import socket
import subprocess
import textwrap
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from upgradelint.frontends import cli

GERRIT_USER, GERRIT_PASSWORD = "ci-bot", "gerrit-http-pw-s3cret"
GITHUB_TOKEN = "ghp_t0psecretT0KEN"
SECRETS = (GERRIT_PASSWORD, GITHUB_TOKEN, base64.b64encode(f"{GERRIT_USER}:{GERRIT_PASSWORD}".encode()).decode())
CHANGE, REVISION = "nova~master~I5e1f0000", "3"
GERRIT_PATH = f"/a/changes/{CHANGE}/revisions/{REVISION}"
PR_PATH = "/repos/openstack/nova/pulls/7"

RPC = "nova/scheduler/rpcapi.py"
OBJ = "nova/objects/flavor.py"
MIG = "nova/db/main/migrations/versions/3c5a2b1f0d9e_drop_locked_by.py"

BASE_FILES = {
    OBJ: """
        from nova.objects import base
        from nova.objects import fields


        @base.NovaObjectRegistry.register
        class Flavor(base.NovaObject):
            # Version 1.0: Initial version
            # Version 1.1: Added description
            VERSION = '1.1'

            fields = {
                'id': fields.IntegerField(),
                'description': fields.StringField(nullable=True),
            }
        """,
    RPC: """
        import oslo_messaging as messaging


        class SchedulerAPI:
            RPC_API_VERSION = '4.3'

            def __init__(self):
                target = messaging.Target(topic='scheduler', version=self.RPC_API_VERSION)
                self.client = messaging.get_rpc_client(target)

            def select_destinations(self, ctxt, spec):
                cctxt = self.client.prepare(version='4.0')
                return cctxt.call(ctxt, 'select_destinations', spec=spec)
        """,
    "pyproject.toml": "",
}
# the change: a field without a VERSION bump (UPG201, on the untouched VERSION
# line), a send without a version (UPG101) and a contracting migration (UPG301)
CHANGED_FILES = {
    OBJ: BASE_FILES[OBJ].replace("nullable=True),\n", "nullable=True),\n        'memory_mb': fields.IntegerField(),\n"),
    RPC: BASE_FILES[RPC] + """
            def update_aggregates(self, ctxt, aggregates):
                cctxt = self.client.prepare(fanout=True)
                cctxt.cast(ctxt, 'update_aggregates', aggregates=aggregates)
        """,
    MIG: """
        from alembic import op

        revision = '3c5a2b1f0d9e'
        down_revision = '8f2f1571d55b'


        def upgrade():
            op.drop_column('instances', 'locked_by')
        """,
}


def _write(root, files):
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def _git(root, *args):
    subprocess.run(["git", "-c", "user.email=ci@example.org", "-c", "user.name=CI", "-c", "commit.gpgsign=false",
                    *args], cwd=root, check=True, capture_output=True)


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    root = tmp_path_factory.mktemp("change")
    _git(root, "init", "-q")
    _write(root, BASE_FILES)
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "base")
    _write(root, CHANGED_FILES)
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "Add memory_mb to Flavor")
    return root


# -- the fake Gerrit and GitHub ------------------------------------------------


class Server:
    def __init__(self):
        self.requests: list[dict] = []
        self.gerrit: dict[str, list[dict]] = {}  # published comments on the revision, by path
        self.gh_comments: list[dict] = []
        self.gh_reviews: list[dict] = []
        self.fail: dict[str, int] = {}  # method -> status to answer with
        self.redirect = False
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02},
                                       daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def posts(self):
        return [r for r in self.requests if r["method"] == "POST"]


def _handler(server: Server):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep the test output clean
            pass

        def _answer(self, status: int, payload=None, xssi=False, headers=()):
            body = b"" if payload is None else ((")]}'\n" if xssi else "") + json.dumps(payload)).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for k, v in headers:
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def _handle(self, method: str):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            url = urlsplit(self.path)
            server.requests.append({"method": method, "path": url.path, "query": parse_qs(url.query),
                                    "headers": dict(self.headers.items()),
                                    "body": json.loads(raw) if raw else None})
            if server.redirect:
                return self._answer(302, headers=[("Location", "http://evil.example.invalid/steal")])
            if method in server.fail:
                status = server.fail[method]
                return self._answer(status, {"message": f"failure {status}"})
            if url.path.startswith("/a/"):
                return self._gerrit(method, url)
            if url.path.startswith("/repos/"):
                return self._github(method, url)
            return self._answer(404, {"message": "Not Found"})

        def _gerrit(self, method, url):
            want = "Basic " + base64.b64encode(f"{GERRIT_USER}:{GERRIT_PASSWORD}".encode()).decode()
            if self.headers.get("Authorization") != want:
                return self._answer(401, {"message": "Unauthorized"})
            if method == "GET" and url.path == f"{GERRIT_PATH}/comments":
                return self._answer(200, server.gerrit, xssi=True)
            if method == "POST" and url.path == f"{GERRIT_PATH}/review":
                review = server.requests[-1]["body"]
                for path, comments in review.get("comments", {}).items():
                    for c in comments:  # Gerrit stores a ranged comment on the range's end line
                        line = c["range"]["end_line"] if "range" in c else c["line"]
                        server.gerrit.setdefault(path, []).append(
                            {"id": f"c{len(server.requests)}", "line": line, "message": c["message"],
                             "unresolved": c.get("unresolved", False)})
                return self._answer(200, {"labels": {}}, xssi=True)
            return self._answer(404, {"message": "Not found"})

        def _github(self, method, url):
            if self.headers.get("Authorization") != f"Bearer {GITHUB_TOKEN}":
                return self._answer(401, {"message": "Bad credentials"})
            page = int(parse_qs(url.query).get("page", ["1"])[0])
            per_page = int(parse_qs(url.query).get("per_page", ["30"])[0])
            if method == "GET" and url.path in (f"{PR_PATH}/comments", f"{PR_PATH}/reviews"):
                items = server.gh_comments if url.path.endswith("comments") else server.gh_reviews
                return self._answer(200, items[(page - 1) * per_page:page * per_page])
            if method == "POST" and url.path == f"{PR_PATH}/reviews":
                review = server.requests[-1]["body"]
                server.gh_reviews.append({"id": len(server.gh_reviews) + 1, "body": review["body"]})
                for c in review["comments"]:
                    server.gh_comments.append({"id": len(server.gh_comments) + 1, **c})
                return self._answer(200, {"id": len(server.gh_reviews), "state": "COMMENTED"})
            return self._answer(404, {"message": "Not Found"})

        def do_GET(self):
            self._handle("GET")

        def do_POST(self):
            self._handle("POST")

    return Handler


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()


@pytest.fixture(autouse=True)
def env(monkeypatch, tmp_path):
    for var in ("GITHUB_BASE_REF", "UPGRADELINT_BASE", "PRE_COMMIT_FROM_REF", "GITHUB_API_URL", "UPGRADELINT_RUN_ID",
                "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("UPGRADELINT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("GERRIT_USERNAME", GERRIT_USER)
    monkeypatch.setenv("GERRIT_PASSWORD", GERRIT_PASSWORD)
    monkeypatch.setenv("GITHUB_TOKEN", GITHUB_TOKEN)


def review(repo, monkeypatch, capsys, *argv):
    monkeypatch.chdir(repo)
    # the three rules the fixture change is written for; new rules must not change these tests
    code = cli.main(["review", "--select", "UPG101,UPG201,UPG301", *argv])
    out, err = capsys.readouterr()
    for secret in SECRETS:  # never in the output, whatever happened
        assert secret not in out and secret not in err
    return code, out, err


def gerrit_args(server, *extra):
    return ("--gerrit", server.url, "--change", CHANGE, "--revision", REVISION, *extra)


def github_args(server, *extra):
    return ("--github", "openstack/nova", "--pr", "7", "--github-api", server.url, *extra)


# -- Gerrit --------------------------------------------------------------------


def test_gerrit_posts_the_findings_as_line_comments(repo, server, monkeypatch, capsys):
    code, out, err = review(repo, monkeypatch, capsys, *gerrit_args(server))
    assert code == 1, err
    assert [(r["method"], r["path"]) for r in server.requests] == [
        ("GET", f"{GERRIT_PATH}/comments"), ("POST", f"{GERRIT_PATH}/review")]
    post = server.posts()[0]
    assert post["headers"]["Authorization"] == "Basic " + base64.b64encode(
        f"{GERRIT_USER}:{GERRIT_PASSWORD}".encode()).decode()
    assert post["headers"]["Content-Type"].startswith("application/json")
    body = post["body"]
    assert body["tag"] == "autogenerated:upgradelint"
    assert body["message"] == "upgradelint: 3 problems in 3 files."
    assert "robot_comments" not in body
    assert sorted(body["comments"]) == sorted([RPC, OBJ, MIG])
    for comments in body["comments"].values():
        assert len(comments) == 1
        c = comments[0]
        assert isinstance(c["line"], int) and c["unresolved"] is True
        assert c["message"].startswith(("UPG101 ", "UPG201 ", "UPG301 "))
        assert c["range"]["start_line"] == c["line"] == c["range"]["end_line"]
    rpc = body["comments"][RPC][0]
    assert rpc["line"] == 16 and rpc["message"].startswith("UPG101 SchedulerAPI.update_aggregates")
    obj = body["comments"][OBJ][0]
    assert obj["line"] == 9 and obj["range"]["start_character"] == 14  # VERSION = '1.1'
    # the fix's safe part: the bump and its history line (then, unsafe, the obj_make_compatible branch)
    assert obj["fix_suggestions"][0]["replacements"] == [
        {"path": OBJ, "range": obj["range"], "replacement": "'1.2'"},
        {"path": OBJ, "range": {"start_line": 9, "start_character": 0, "end_line": 9, "end_character": 0},
         "replacement": "    # Version 1.2: Added memory_mb\n"}]
    assert [s["description"] for s in obj["fix_suggestions"]] == [
        "Bump Flavor.VERSION to 1.2; history comment, obj_make_compatible branch (unsafe) (safe part)",
        "Bump Flavor.VERSION to 1.2; history comment, obj_make_compatible branch (unsafe) "
        "(unsafe: review the behaviour change)"]
    assert body["comments"][MIG][0]["line"] == 8
    assert "UPG101" in out and "posted 3 comments on Gerrit change" in out


def test_gerrit_rerun_does_not_duplicate(repo, server, monkeypatch, capsys):
    assert review(repo, monkeypatch, capsys, *gerrit_args(server))[0] == 1
    code, out, err = review(repo, monkeypatch, capsys, *gerrit_args(server))
    assert code == 1  # the problems are still there: the check's status is kept
    assert len(server.posts()) == 1
    assert server.requests[-1]["method"] == "GET"
    assert "nothing new to post" in out and "3 comments already there" in out


def test_gerrit_posts_only_what_is_missing(repo, server, monkeypatch, capsys):
    review(repo, monkeypatch, capsys, *gerrit_args(server))
    server.gerrit.pop(MIG)  # say a reviewer deleted that one
    server.gerrit[OBJ].append({"line": 1, "message": "a human's comment"})
    code, out, _ = review(repo, monkeypatch, capsys, *gerrit_args(server))
    assert code == 1
    assert len(server.posts()) == 2
    assert list(server.posts()[1]["body"]["comments"]) == [MIG]
    assert "posted 1 comment" in out and "(2 already there)" in out


def test_gerrit_robot_comments_on_request(repo, server, monkeypatch, capsys):
    monkeypatch.setenv("UPGRADELINT_RUN_ID", "zuul-build-1")
    code, out, _ = review(repo, monkeypatch, capsys, *gerrit_args(server, "--gerrit-robot-comments", "--dry-run"))
    assert code == 1 and not server.requests
    payload = json.loads(out[out.index("\n{") + 1:])
    assert "comments" not in payload
    c = payload["robot_comments"][OBJ][0]
    assert c["robot_id"] == "upgradelint" and c["robot_run_id"] == "zuul-build-1" and c["fix_suggestions"]


def test_gerrit_dry_run_prints_the_request(repo, server, monkeypatch, capsys):
    url = server.url.replace("http://", f"http://{GERRIT_USER}:{GERRIT_PASSWORD}@")
    code, out, err = review(repo, monkeypatch, capsys, "--gerrit", url, "--change", CHANGE, "--revision", REVISION,
                            "--dry-run")
    assert code == 1 and not server.requests
    assert f"POST {server.url}{GERRIT_PATH}/review" in out
    assert "Authorization: Basic ***" in out
    payload = json.loads(out[out.index("\n{") + 1:])
    assert sorted(payload["comments"]) == sorted([RPC, OBJ, MIG])


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("status", [401, 403, 404, 409, 500, 503])
def test_gerrit_http_errors(repo, server, monkeypatch, capsys, method, status):
    server.fail[method] = status
    code, out, err = review(repo, monkeypatch, capsys, *gerrit_args(server))
    assert code == 2
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("upgradelint: error: Gerrit ")
    assert f"HTTP {status}" in lines[0]
    if method == "GET":  # nothing is posted when the existing comments cannot be read
        assert not server.posts()
    assert len(server.posts()) <= 1
    assert "posted" not in out


def test_gerrit_wrong_password(repo, server, monkeypatch, capsys):
    monkeypatch.setenv("GERRIT_PASSWORD", "wrong-" + GERRIT_PASSWORD)
    code, _, err = review(repo, monkeypatch, capsys, *gerrit_args(server))
    assert code == 2 and not server.posts()
    assert "HTTP 401" in err and "GERRIT_USERNAME and GERRIT_PASSWORD" in err
    assert "wrong-" not in err


def test_gerrit_needs_credentials(repo, server, monkeypatch, capsys):
    monkeypatch.delenv("GERRIT_PASSWORD")
    code, _, err = review(repo, monkeypatch, capsys, *gerrit_args(server))
    assert code == 2 and not server.requests
    assert err.strip() == ("upgradelint: error: set GERRIT_USERNAME and GERRIT_PASSWORD "
                           "(the account's HTTP password) to post on Gerrit")


def test_connection_refused(repo, monkeypatch, capsys):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    for args in (("--gerrit", f"http://127.0.0.1:{port}", "--change", "1"),
                 ("--github", "o/r", "--pr", "1", "--github-api", f"http://127.0.0.1:{port}")):
        code, _, err = review(repo, monkeypatch, capsys, *args)
        assert code == 2
        assert len(err.splitlines()) == 1 and "cannot reach" in err and f"127.0.0.1:{port}" in err


def test_redirects_are_not_followed(repo, server, monkeypatch, capsys):
    server.redirect = True
    for args in (gerrit_args(server), github_args(server)):
        code, _, err = review(repo, monkeypatch, capsys, *args)
        assert code == 2 and "HTTP 302" in err and "refused" in err
    assert all(r["path"].startswith(("/a/", "/repos/")) for r in server.requests)
    assert not server.posts()


# -- GitHub --------------------------------------------------------------------


def test_github_posts_one_review(repo, server, monkeypatch, capsys):
    code, out, err = review(repo, monkeypatch, capsys, *github_args(server))
    assert code == 1, err
    assert [(r["method"], r["path"]) for r in server.requests] == [
        ("GET", f"{PR_PATH}/comments"), ("GET", f"{PR_PATH}/reviews"), ("POST", f"{PR_PATH}/reviews")]
    post = server.posts()[0]
    assert post["headers"]["Authorization"] == f"Bearer {GITHUB_TOKEN}"
    assert post["headers"]["Accept"] == "application/vnd.github+json"
    assert post["headers"]["X-Github-Api-Version"] == "2022-11-28"
    body = post["body"]
    assert body["event"] == "COMMENT" and "commit_id" not in body
    # line comments only on lines the change touched
    assert sorted((c["path"], c["line"], c["side"]) for c in body["comments"]) == [
        (MIG, 8, "RIGHT"), (RPC, 16, "RIGHT")]
    for c in body["comments"]:
        assert c["body"].startswith(("**UPG101** ", "**UPG301** "))
        assert "<!-- upgradelint:" in c["body"]
    # UPG201 sits on the VERSION line, which the change did not touch: it goes into the body
    assert body["body"].startswith("upgradelint: 3 problems in 3 files.")
    assert f"`{OBJ}:9` **UPG201** Flavor: fields changed" in body["body"]
    assert "posted a review on openstack/nova#7 with 2 line comments and 1 more in its body" in out


def test_github_rerun_does_not_duplicate(repo, server, monkeypatch, capsys):
    server.gh_comments = [{"id": n, "body": f"a human's comment {n}"} for n in range(150)]  # two pages
    assert review(repo, monkeypatch, capsys, *github_args(server))[0] == 1
    code, out, _ = review(repo, monkeypatch, capsys, *github_args(server))
    assert code == 1 and len(server.posts()) == 1
    pages = [r["query"]["page"] for r in server.requests if r["path"].endswith("/comments")]
    assert pages == [["1"], ["2"]] * 2
    assert "nothing new to post on openstack/nova#7 (3 findings already there)" in out


def test_github_commit_and_exit_zero(repo, server, monkeypatch, capsys):
    code, _, _ = review(repo, monkeypatch, capsys, *github_args(server, "--commit", "abc123", "--exit-zero"))
    assert code == 0
    assert server.posts()[0]["body"]["commit_id"] == "abc123"


def test_github_api_from_the_environment(repo, server, monkeypatch, capsys):
    monkeypatch.setenv("GITHUB_API_URL", server.url)
    code, _, _ = review(repo, monkeypatch, capsys, "--github", "openstack/nova", "--pr", "7")
    assert code == 1 and len(server.posts()) == 1


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("status", [401, 403, 404, 409, 422, 500])
def test_github_http_errors(repo, server, monkeypatch, capsys, method, status):
    server.fail[method] = status
    code, out, err = review(repo, monkeypatch, capsys, *github_args(server))
    assert code == 2
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("upgradelint: error: GitHub ")
    assert f"HTTP {status}" in lines[0]
    if method == "GET":
        assert not server.posts()
    assert "posted" not in out


def test_github_bad_token(repo, server, monkeypatch, capsys):
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_wrong")
    code, _, err = review(repo, monkeypatch, capsys, *github_args(server))
    assert code == 2 and "HTTP 401" in err and "check GITHUB_TOKEN" in err and "ghp_wrong" not in err


def test_github_needs_a_token_but_dry_run_does_not(repo, server, monkeypatch, capsys):
    monkeypatch.delenv("GITHUB_TOKEN")
    code, _, err = review(repo, monkeypatch, capsys, *github_args(server))
    assert code == 2 and err.strip() == "upgradelint: error: set GITHUB_TOKEN to post on GitHub"
    code, out, _ = review(repo, monkeypatch, capsys, *github_args(server, "--dry-run"))
    assert code == 1 and not server.requests
    assert f"POST {server.url}{PR_PATH}/reviews" in out


def test_github_dry_run_hides_the_token(repo, server, monkeypatch, capsys):
    code, out, _ = review(repo, monkeypatch, capsys, *github_args(server, "--dry-run"))
    assert code == 1 and not server.requests
    assert "Authorization: Bearer ***" in out
    payload = json.loads(out[out.index("\n{") + 1:])
    assert payload["event"] == "COMMENT" and len(payload["comments"]) == 2


# -- the check side ----------------------------------------------------------------


def test_base_precedence_is_the_checks(repo, server, monkeypatch, capsys):
    monkeypatch.setenv("UPGRADELINT_BASE", "HEAD")  # nothing changed since HEAD
    code, out, _ = review(repo, monkeypatch, capsys, *gerrit_args(server))
    assert code == 0 and not server.requests
    assert "nothing to post" in out
    code, _, _ = review(repo, monkeypatch, capsys, *gerrit_args(server, "--base", "HEAD~1"))
    assert code == 1 and len(server.posts()) == 1  # --base wins over the environment


def test_bad_base_is_an_error_before_any_request(repo, server, monkeypatch, capsys):
    code, _, err = review(repo, monkeypatch, capsys, *gerrit_args(server, "--base", "no-such-ref"))
    assert code == 2 and not server.requests
    assert len(err.splitlines()) == 1 and "no-such-ref" in err


@pytest.mark.parametrize("argv, message", [
    (("--gerrit", "http://127.0.0.1:1", "--github", "o/r", "--pr", "1", "--change", "1"), "exactly one of"),
    ((), "exactly one of"),
    (("--gerrit", "http://127.0.0.1:1"), "--change"),
    (("--gerrit", "review.example.org", "--change", "1"), "base URL"),
    (("--github", "nova", "--pr", "1"), "OWNER/REPO"),
    (("--github", "o/r"), "--pr"),
])
def test_usage_errors(repo, monkeypatch, capsys, argv, message):
    code, _, err = review(repo, monkeypatch, capsys, *argv)
    assert code == 2 and message in err and len(err.splitlines()) == 1


def test_github_suggests_a_fix_on_a_touched_line(tmp_path, server, monkeypatch, capsys):
    root = tmp_path / "touched"
    root.mkdir()
    _git(root, "init", "-q")
    _write(root, {OBJ: BASE_FILES[OBJ], "pyproject.toml": ""})
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "base")
    # the fields change and the VERSION line is touched (a comment), but not bumped
    _write(root, {OBJ: CHANGED_FILES[OBJ].replace("VERSION = '1.1'", "VERSION = '1.1'  # keep in sync")})
    _git(root, "commit", "-qam", "Add memory_mb")
    code, out, err = review(root, monkeypatch, capsys, *github_args(server))
    assert code == 1, out + err
    (comment,) = server.posts()[0]["body"]["comments"]
    assert (comment["path"], comment["line"]) == (OBJ, 9)
    # the safe part of the fix (the bump and its history line) is one block on the touched line
    assert "```suggestion\n    # Version 1.2: Added memory_mb\n    VERSION = '1.2'  # keep in sync\n```" \
        in comment["body"]


def test_default_base_needs_a_parent(tmp_path, server, monkeypatch, capsys):
    root = tmp_path / "single"
    root.mkdir()
    _git(root, "init", "-q")
    _write(root, CHANGED_FILES)
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "only")
    code, _, err = review(root, monkeypatch, capsys, *gerrit_args(server))
    assert code == 2 and not server.requests
    assert len(err.splitlines()) == 1 and "review compares with HEAD~1 by default, pass --base REV" in err


def test_github_base_ref_default(repo, server, monkeypatch, capsys):
    _git(repo, "update-ref", "refs/remotes/origin/stable", "HEAD~1")
    monkeypatch.setenv("GITHUB_BASE_REF", "stable")
    code, _, _ = review(repo, monkeypatch, capsys, *github_args(server))
    assert code == 1 and len(server.posts()[0]["body"]["comments"]) == 2
    monkeypatch.setenv("GITHUB_BASE_REF", "no-such-branch")
    code, _, err = review(repo, monkeypatch, capsys, *github_args(server))
    assert code == 2 and "origin/no-such-branch" in err and "pass --base REV" in err


# -- fixes as suggestions: golden files ---------------------------------------------

GOLDEN = __import__("pathlib").Path(__file__).parent / "golden"
RECORDS = "nova/tests/unit/objects/test_objects.py"
MANAGER = "nova/compute/manager.py"
FIX_BASE = {
    "nova/objects/base.py": """
        from oslo_versionedobjects import base as ovo_base


        class NovaObject(ovo_base.VersionedObject):
            pass


        class NovaObjectRegistry(ovo_base.VersionedObjectRegistry):
            pass
        """,
    OBJ: """
        from oslo_versionedobjects import fields

        from nova.objects import base


        @base.NovaObjectRegistry.register
        class Flavor(base.NovaObject):
            # Version 1.0: Initial version
            VERSION = '1.0'

            fields = {
                'id': fields.IntegerField(),
            }
        """,
    RECORDS: """
        object_data = {
            'Flavor': '1.0-2cbd3b5f5a1e2fc4fd7fa4cd2fb1e7a8',
        }
        """,
    MANAGER: """
        import oslo_messaging as messaging


        class ComputeManager:
            target = messaging.Target(version='6.2')

            def rebuild_instance(self, context, instance):
                pass
        """,
    "pyproject.toml": "",
}
FIX_CHANGE = {
    OBJ: FIX_BASE[OBJ].replace("'id': fields.IntegerField(),\n",
                               "'id': fields.IntegerField(),\n        'description': fields.StringField(nullable=True),\n"),
    MANAGER: FIX_BASE[MANAGER].replace("def rebuild_instance(self, context, instance):",
                                       "def rebuild_instance(self, context, instance, target_state,\n"
                                       "                                 accel_uuids):"),
}


@pytest.fixture(scope="module")
def fix_repo(tmp_path_factory):
    root = tmp_path_factory.mktemp("bookkeeping")
    _git(root, "init", "-q")
    _write(root, FIX_BASE)
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "base")
    _write(root, FIX_CHANGE)
    _git(root, "commit", "-qam", "Add Flavor.description and rebuild_instance arguments")
    return root


def _golden(name: str, payload) -> None:
    import os

    path = GOLDEN / name
    text = json.dumps(payload, indent=2, sort_keys=True) + "\n"
    if os.environ.get("UPGRADELINT_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} differs; UPGRADELINT_UPDATE_GOLDEN=1 rewrites it"


def fix_review(repo, monkeypatch, capsys, *argv):
    monkeypatch.chdir(repo)
    code = cli.main(["review", "--select", "UPG105,UPG201", *argv])
    capsys.readouterr()
    return code


def test_gerrit_suggests_every_edit_of_a_fix_in_every_file(fix_repo, server, monkeypatch, capsys):
    assert fix_review(fix_repo, monkeypatch, capsys, *gerrit_args(server)) == 1
    body = server.posts()[0]["body"]
    (obj,) = body["comments"][OBJ]
    safe, whole = obj["fix_suggestions"]
    # the bump, its history line, and the recorded fingerprint in the test file: one suggestion,
    # then the same with the (unsafe) obj_make_compatible branch
    assert set(map(json.dumps, safe["replacements"])) < set(map(json.dumps, whole["replacements"]))
    assert {r["path"] for r in safe["replacements"]} == {OBJ, RECORDS}
    assert {"path": RECORDS, "replacement": "'1.1-6c228f7572247c38b0ccc2f303f6ef36'",
            "range": {"start_line": 2, "start_character": 14, "end_line": 2, "end_character": 52}} \
        in safe["replacements"]
    (mgr,) = body["comments"][MANAGER]
    assert [r["replacement"] for r in mgr["fix_suggestions"][0]["replacements"]] == ["=None", "=None"]
    _golden("review-fixes.gerrit.json", body)


def test_github_suggests_a_fix_of_touched_lines_only_when_it_stays_in_the_file(fix_repo, server, monkeypatch,
                                                                               capsys):
    assert fix_review(fix_repo, monkeypatch, capsys, *github_args(server)) == 1
    body = server.posts()[0]["body"]
    (mgr,) = [c for c in body["comments"] if c["path"] == MANAGER]
    # two touched lines: a multi-line comment whose suggestion rewrites both
    assert (mgr["start_line"], mgr["line"], mgr["start_side"], mgr["side"]) == (7, 8, "RIGHT", "RIGHT")
    assert "```suggestion\n    def rebuild_instance(self, context, instance, target_state=None,\n" \
           "                         accel_uuids=None):\n```" in mgr["body"]
    # the object's fix also edits the test that records the fingerprint: no suggestion, and its
    # VERSION line is untouched, so it goes into the review body
    assert not [c for c in body["comments"] if c["path"] == OBJ]
    assert f"`{OBJ}:9` **UPG201**" in body["body"]
    _golden("review-fixes.github.json", body)
