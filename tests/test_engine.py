"""The engine through its Python API: selection, suppression, diff mode,
bad input, config, and the guarantee that checked code is never imported."""

import json
import os

import pytest

from tests.helpers import (MIGRATION_ADD, MIGRATION_DROP, MIGRATION_PATH, RPCAPI_BAD, RPCAPI_GOOD, RPCAPI_PATH,
                           git, init_repo, write)
from upgradelint import engine
from upgradelint.core.model import Finding, UsageError


THREAD = ("UPG101", "UPG201", "UPG301")  # the foundation's rules; family tests cover the rest


def run(root, **kw):
    kw.setdefault("select", THREAD)
    kw.setdefault("use_cache", False)
    kw.setdefault("jobs", 1)
    return engine.check(engine.Options(root=str(root), paths=kw.pop("paths", [str(root)]), **kw))


def codes(result):
    return sorted((f.code, f.path, f.line) for f in result.findings)


@pytest.fixture
def proj(tmp_path):
    write(tmp_path, {"pyproject.toml": "[project]\nname='p'\n", RPCAPI_PATH: RPCAPI_BAD, MIGRATION_PATH: MIGRATION_DROP})
    return tmp_path


def test_full_tree_reports_thread_rules(proj):
    r = run(proj)
    assert codes(r) == [("UPG101", RPCAPI_PATH, 16), ("UPG301", MIGRATION_PATH, 8)]
    assert r.exit_code == 1 and r.errors == []
    f = next(f for f in r.findings if f.code == "UPG101")
    assert (f.column, f.end_line) == (16, 16)
    assert f.symbol == "SchedulerAPI.update_aggregates"


def test_select_ignore_and_per_file_ignores(proj):
    assert codes(run(proj, select=("UPG3",))) == [("UPG301", MIGRATION_PATH, 8)]
    assert codes(run(proj, select=("UPG101", "UPG301"), ignore=("UPG101",))) == [("UPG301", MIGRATION_PATH, 8)]
    write(proj, {"pyproject.toml": "[tool.upgradelint]\nper-file-ignores = {'proj/db/*' = ['UPG301']}\n"})
    assert codes(run(proj)) == [("UPG101", RPCAPI_PATH, 16)]


def test_severity_override_and_info_does_not_fail(proj):
    write(proj, {"pyproject.toml": "[tool.upgradelint]\nseverity = {UPG101 = 'info', UPG301 = 'off'}\n"})
    r = run(proj)
    assert [(f.code, f.severity) for f in r.findings] == [("UPG101", "info")]
    assert r.exit_code == 0


def test_setup_cfg_and_tox_ini_config(proj):
    write(proj, {"setup.cfg": "[upgradelint]\nignore = UPG101\n"})
    assert codes(run(proj)) == [("UPG301", MIGRATION_PATH, 8)]
    os.remove(proj / "setup.cfg")
    write(proj, {"tox.ini": "[upgradelint]\nextend-exclude = proj/db\n"})
    assert codes(run(proj)) == [("UPG101", RPCAPI_PATH, 16)]


@pytest.mark.parametrize("cfg,needle", [
    ("[tool.upgradelint]\nselekt = ['UPG1']\n", "unknown key 'selekt'"),
    ("[tool.upgradelint]\nselect = ['E501']\n", "'select' has 'E501'"),
    ("[tool.upgradelint]\njobs = 0\n", "'jobs' must be at least 1"),
    ("[tool.upgradelint]\nseverity = {UPG101 = 'fatal'}\n", "'severity.UPG101'"),
    ("[tool.upgradelint\n", "invalid TOML"),
    ("[tool.upgradelint]\nrpc-oldest-release = 'epoxi'\n", "'rpc-oldest-release' must name an OpenStack release"),
])
def test_bad_config_is_a_usage_error_naming_the_key(proj, cfg, needle):
    write(proj, {"pyproject.toml": cfg})
    with pytest.raises(UsageError, match=needle.replace("[", r"\[").replace(".", r"\.").replace("(", r"\(")):
        run(proj)


@pytest.mark.parametrize("content,cause", [
    ("def upgrade(:\n    pass\nrevision = 'x'\ndown_revision = 'y'\n", "syntax error at line 1, column 13"),
    (b"revision = 'x'\ndown_revision = 'y'\ndef upgrade():\n    op.drop_column('t', '\xff')\n", "cannot decode as utf-8 (line 4)"),
    (b"revision = 'x'\0\n", "contains a NUL byte"),
])
def test_bad_file_is_one_error_and_the_rest_is_checked(proj, content, cause):
    bad = "proj/db/migrations/versions/bad.py"
    write(proj, {bad: content})
    r = run(proj)
    assert [e.path for e in r.errors] == [bad]
    assert r.errors[0].message.startswith(cause)
    assert codes(r) == [("UPG101", RPCAPI_PATH, 16), ("UPG301", MIGRATION_PATH, 8)]
    assert r.exit_code == 1


def test_nothing_checkable_exits_2(tmp_path):
    write(tmp_path, {"only.py": b"\0"})
    r = run(tmp_path)
    assert r.exit_code == 2 and len(r.errors) == 1


def test_checked_code_is_never_imported(tmp_path):
    boom = tmp_path / "imported"
    write(tmp_path, {RPCAPI_PATH: f"import pathlib; pathlib.Path({str(boom)!r}).write_text('x')\n"
                                  "raise SystemExit('upgradelint imported me')\n" + RPCAPI_BAD,
                     "proj/__init__.py": "raise ImportError('never import the checked project')\n"})
    r = run(tmp_path, jobs=2)
    assert codes(r) == [("UPG101", RPCAPI_PATH, 18)]
    assert not boom.exists()


def test_noqa_and_ignore_comments(proj):
    src = RPCAPI_BAD.replace("prepare(fanout=True)", "prepare(fanout=True)  # noqa: UPG1")
    write(proj, {RPCAPI_PATH: src})
    assert codes(run(proj)) == [("UPG301", MIGRATION_PATH, 8)]
    assert len(run(proj, disable_noqa=True).findings) == 2
    mig = MIGRATION_DROP.replace("    op.drop_column", "    # upgradelint: ignore[UPG301] unused since 2024.1\n    op.drop_column")
    write(proj, {MIGRATION_PATH: mig})
    assert codes(run(proj)) == []
    write(proj, {MIGRATION_PATH: MIGRATION_DROP.replace("'cleaned')", "'cleaned')  # noqa: UPG302")})
    assert codes(run(proj)) == [("UPG301", MIGRATION_PATH, 8)]


def test_fingerprint_ignores_line_numbers():
    a = Finding("UPG101", "p.py", 3, 0, 3, 5, "m", "error", "A.b")
    b = Finding("UPG101", "p.py", 90, 4, 90, 9, "m", "error", "A.b")
    assert a.fingerprint == b.fingerprint != Finding("UPG101", "q.py", 3, 0, 3, 5, "m", "error", "A.b").fingerprint


# --- diff mode -----------------------------------------------------------------------------------

def test_diff_mode_reports_only_what_changed(tmp_path):
    init_repo(tmp_path, {"pyproject.toml": "", RPCAPI_PATH: RPCAPI_BAD, MIGRATION_PATH: MIGRATION_ADD})
    # nothing changed: the old UPG101 is not the change's fault
    assert codes(run(tmp_path, base="HEAD")) == []
    write(tmp_path, {MIGRATION_PATH: MIGRATION_DROP})
    assert codes(run(tmp_path, base="HEAD")) == [("UPG301", MIGRATION_PATH, 8)]
    # a state finding on an untouched line of a touched file is not reported
    write(tmp_path, {RPCAPI_PATH: RPCAPI_BAD + "\n# a comment\n"})
    assert codes(run(tmp_path, base="HEAD")) == [("UPG301", MIGRATION_PATH, 8)]
    write(tmp_path, {RPCAPI_PATH: RPCAPI_GOOD.replace("version='4.0'", "version='4.0', timeout=3")})
    assert codes(run(tmp_path, base="HEAD")) == [("UPG301", MIGRATION_PATH, 8)]


def test_diff_mode_untracked_and_renamed_files(tmp_path):
    init_repo(tmp_path, {"pyproject.toml": "", "proj/scheduler/old.py": RPCAPI_GOOD})
    git(tmp_path, "mv", "proj/scheduler/old.py", RPCAPI_PATH)
    write(tmp_path, {RPCAPI_PATH: RPCAPI_BAD, "proj/db/migrations/versions/new.py": MIGRATION_DROP})
    assert codes(run(tmp_path, base="HEAD")) == [("UPG101", RPCAPI_PATH, 16),
                                                  ("UPG301", "proj/db/migrations/versions/new.py", 8)]


def test_project_in_a_subdirectory_of_the_repo(tmp_path):
    sub = tmp_path / "services" / "proj"
    init_repo(tmp_path, {"services/proj/pyproject.toml": "", f"services/proj/{MIGRATION_PATH}": MIGRATION_ADD})
    write(sub, {MIGRATION_PATH: MIGRATION_DROP})
    assert codes(run(sub, base="HEAD")) == [("UPG301", MIGRATION_PATH, 8)]


def test_base_outside_git_is_a_usage_error(proj):
    with pytest.raises(UsageError, match="needs a git repository"):
        run(proj, base="HEAD~1")


def test_unknown_base_ref(tmp_path):
    init_repo(tmp_path, {"pyproject.toml": ""})
    with pytest.raises(UsageError, match="no-such-ref: no such commit"):
        run(tmp_path, base="no-such-ref")


def test_base_missing_from_a_shallow_clone(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    init_repo(src, {"pyproject.toml": "", "a.py": "x = 1\n"})
    write(src, {"a.py": "x = 2\n"})
    git(src, "commit", "-qam", "two")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{src}", str(clone))
    with pytest.raises(UsageError, match=r"shallow clone.*git fetch --deepen"):
        run(clone, base="HEAD~1")


def test_pre_commit_from_ref_environment(tmp_path, monkeypatch):
    init_repo(tmp_path, {"pyproject.toml": ""})
    write(tmp_path, {MIGRATION_PATH: MIGRATION_DROP})
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "second")
    assert codes(run(tmp_path)) == [("UPG301", MIGRATION_PATH, 8)]  # full-tree
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", "HEAD")
    assert codes(run(tmp_path)) == []
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", "HEAD~1")
    assert codes(run(tmp_path)) == [("UPG301", MIGRATION_PATH, 8)]


def test_cache_is_reused_and_safe_to_delete(proj, tmp_path_factory, monkeypatch):
    cache = tmp_path_factory.mktemp("c")
    monkeypatch.setenv("UPGRADELINT_CACHE_DIR", str(cache))
    first = codes(run(proj, use_cache=True))
    assert os.listdir(cache)
    import upgradelint.engine.pipeline as eng

    monkeypatch.setattr(eng, "extract", lambda *a: pytest.fail("cache miss"))
    assert codes(run(proj, use_cache=True)) == first
    monkeypatch.undo()
    import shutil

    shutil.rmtree(cache)
    monkeypatch.setenv("UPGRADELINT_CACHE_DIR", str(cache))
    assert codes(run(proj, use_cache=True)) == first


def test_parallel_matches_serial(tmp_path):
    files = {"pyproject.toml": ""}
    for i in range(12):
        files[f"proj/db/migrations/versions/m{i}.py"] = MIGRATION_DROP
        files[f"proj/s{i}/rpcapi.py"] = RPCAPI_BAD
    write(tmp_path, files)
    serial, parallel = run(tmp_path, jobs=1), run(tmp_path, jobs=2)
    assert codes(serial) == codes(parallel) and len(serial.findings) == 24


def test_json_shape(proj):
    from upgradelint.formats import render

    doc = json.loads(render("json", run(proj), root=str(proj)))
    assert set(doc) == {"findings", "errors"}
    f = next(f for f in doc["findings"] if f["code"] == "UPG101")
    assert {"code", "path", "line", "column", "message", "severity"} <= set(f)
    assert (f["code"], f["path"], f["line"], f["column"]) == ("UPG101", RPCAPI_PATH, 16, 17)


def test_git_diff_statuses_and_lines(tmp_path):
    from upgradelint.engine import gitbase as g

    init_repo(tmp_path, {"keep.py": "a = 1\nb = 2\nc = 3\n", "old name.py": "x = 1\n" * 20, "gone.py": "z = 1\n",
                         "empty.py": ""})
    write(tmp_path, {"keep.py": "a = 1\nb = 20\nc = 3\nd = 4\n", "new file.py": "", "untracked.py": "u = 1\n"})
    git(tmp_path, "mv", "old name.py", "new name.py")
    git(tmp_path, "rm", "-q", "gone.py")
    git(tmp_path, "add", "new file.py")
    d = g.diff(str(tmp_path), "HEAD")
    got = {p: (c.status, c.old_path, sorted(c.lines) if c.lines is not None else None) for p, c in d.changes.items()}
    assert got == {"keep.py": ("M", "keep.py", [2, 4]), "new name.py": ("R", "old name.py", []),
                   "gone.py": ("D", "gone.py", None), "new file.py": ("A", None, None),
                   "untracked.py": ("A", None, None)}
    blobs = g.read_blobs(str(tmp_path), d.commit, ["keep.py", "old name.py", "missing.py", "empty.py"])
    assert blobs == {"keep.py": b"a = 1\nb = 2\nc = 3\n", "old name.py": b"x = 1\n" * 20, "empty.py": b""}


def test_base_branch_that_moved_on_is_compared_at_the_merge_base(tmp_path):
    init_repo(tmp_path, {"pyproject.toml": "", "a.py": "x = 1\n"})
    git(tmp_path, "checkout", "-q", "-b", "feature")
    write(tmp_path, {MIGRATION_PATH: MIGRATION_ADD})
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "feature: add a column")
    git(tmp_path, "checkout", "-q", "main")
    write(tmp_path, {"proj/db/migrations/versions/other.py": MIGRATION_DROP})
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "main moved on: a drop merged elsewhere")
    git(tmp_path, "checkout", "-q", "feature")
    # main's newer drop is not this change's (it is not even in this tree)
    assert codes(run(tmp_path, base="main")) == []
    write(tmp_path, {MIGRATION_PATH: MIGRATION_DROP})
    assert codes(run(tmp_path, base="main")) == [("UPG301", MIGRATION_PATH, 8)]


def test_root_without_markers_is_the_current_directory(tmp_path, monkeypatch):
    from upgradelint.engine.project import find_root

    write(tmp_path, {"proj/db/migrations/versions/x.py": "x = 1\n"})
    monkeypatch.chdir(tmp_path)
    assert find_root("proj/db/migrations/versions/x.py") == str(tmp_path)
    write(tmp_path, {"proj/setup.cfg": ""})
    assert find_root("proj/db/migrations/versions/x.py") == str(tmp_path / "proj")


def test_readme_config_example_is_valid():
    import re as re_

    from upgradelint.engine.config import from_mapping, tomllib

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with open(os.path.join(root, "README.md"), encoding="utf-8") as fh:
        text = fh.read()
    block = re_.search(r"```toml\n(\[tool\.upgradelint\].*?)```", text, re_.S).group(1)
    cfg = from_mapping(tomllib.loads(block)["tool"]["upgradelint"], "README")
    assert cfg.severity["UPG107"] == "off" and cfg.rpc_version_caps is False


def test_base_reader_batches_late_reads(tmp_path, monkeypatch):
    from upgradelint import engine as eng
    from upgradelint.engine import gitbase as g

    init_repo(tmp_path, {"a.py": "a = 1\n", "b.py": "b = 1\n", "c.py": "c = 1\n"})
    write(tmp_path, {"a.py": "a = 2\n", "b.py": "b = 2\n", "c.py": "c = 2\n", "new.py": "n = 1\n"})
    calls = []
    real = g.read_blobs
    monkeypatch.setattr(g, "read_blobs", lambda *a: calls.append(a[2]) or real(*a))
    reader = eng.BaseReader(str(tmp_path), str(tmp_path), g.diff(str(tmp_path), "HEAD"))
    assert reader.read(["a.py"]) == {"a.py": b"a = 1\n"}
    assert reader.read(["b.py"]) == {"b.py": b"b = 1\n"}  # sweeps every other changed file at once
    assert reader.read(["c.py", "new.py"]) == {"c.py": b"c = 1\n"}
    assert calls == [["a.py"], ["b.py", "c.py"]]
