"""Every front end end-to-end through its real entry point: the installed
console script, a flake8 subprocess, a real pre-commit run in a temp git repo."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.helpers import (BIN, MIGRATION_ADD, MIGRATION_DROP, MIGRATION_PATH, RPCAPI_BAD, RPCAPI_GOOD, RPCAPI_PATH,
                           console, git, init_repo, write)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def proj(tmp_path):
    write(tmp_path, {"pyproject.toml": "[project]\nname='p'\n", RPCAPI_PATH: RPCAPI_BAD, MIGRATION_PATH: MIGRATION_DROP})
    return tmp_path


# --- console script ------------------------------------------------------------------------------

def test_cli_check_text_and_exit_codes(proj):
    p = console("check", cwd=proj)
    assert p.returncode == 1, p.stderr
    assert p.stdout.splitlines() == [
        f"{MIGRATION_PATH}:8:5: UPG301 drop_column('instances', 'cleaned') in upgrade() breaks N-1 services "
        "that still map the column; move it to the contract phase: 1) stop using instances.cleaned in this release "
        "(keep the column), 2) let N-1 and N run without it, 3) drop it in a later release's contract migration",
        f"{RPCAPI_PATH}:16:17: UPG101 SchedulerAPI.update_aggregates: 'update_aggregates' is sent without a "
        "version and goes out as the target's 4.3; pin prepare(version='X.Y')",
        "Found 2 problems.",
    ]
    assert "\033[" not in p.stdout  # no colour when not a terminal
    write(proj, {RPCAPI_PATH: RPCAPI_GOOD, MIGRATION_PATH: MIGRATION_ADD})
    p = console("check", cwd=proj)
    assert (p.returncode, p.stdout) == (0, "")


def test_cli_json_paths_relative_to_root(proj):
    p = console("check", "--format", "json", str(proj / "proj"), cwd=proj / "proj" / "db")
    doc = json.loads(p.stdout)
    assert [(f["code"], f["path"]) for f in doc["findings"]] == [("UPG301", MIGRATION_PATH), ("UPG101", RPCAPI_PATH)]
    assert doc["errors"] == [] and p.returncode == 1


def test_cli_select_ignore_exit_zero(proj):
    assert console("check", "--select", "UPG3", cwd=proj).stdout.count("UPG") == 1
    assert console("check", "--ignore", "UPG101,UPG301", cwd=proj).returncode == 0
    assert console("check", "--exit-zero", cwd=proj).returncode == 0


@pytest.mark.parametrize("args,needle", [
    (["check", "--select", "E501"], "not an upgradelint code"),
    (["check", "--jobs", "0"], "--jobs must be at least 1"),
    (["check", "nope/"], "nope/: no such file or directory"),
    (["check", "--base", "HEAD~1"], "needs a git repository"),
    (["check", "--config", "missing.toml"], "missing.toml: config file not found"),
    (["explain", "UPG999"], "no rule 'UPG999'"),
])
def test_cli_usage_errors_exit_2_with_one_line(proj, args, needle):
    p = console(*args, cwd=proj)
    assert p.returncode == 2
    assert needle in p.stderr
    assert len([ln for ln in p.stderr.splitlines() if "error:" in ln]) == 1


def test_cli_bad_file_reports_and_checks_the_rest(proj):
    write(proj, {"proj/db/migrations/versions/broken.py": "def upgrade(:\nrevision = 1\ndown_revision = 2\n"})
    p = console("check", cwd=proj)
    assert p.returncode == 1
    assert "proj/db/migrations/versions/broken.py: error: syntax error at line 1" in p.stdout
    assert "UPG301" in p.stdout and "UPG101" in p.stdout


def test_cli_rules_and_explain(proj):
    p = console("rules", cwd=proj)
    assert p.returncode == 0
    for code in ("UPG101", "UPG201", "UPG301"):
        assert code in p.stdout
    p = console("explain", "upg301", cwd=proj)
    with open(os.path.join(ROOT, "rules", "UPG301.md"), encoding="utf-8") as fh:
        assert p.stdout == fh.read()


def test_cli_diff_mode_bad_ref(tmp_path):
    init_repo(tmp_path, {"pyproject.toml": ""})
    p = console("check", "--base", "origin/nope", cwd=tmp_path)
    assert p.returncode == 2 and "--base origin/nope: no such commit" in p.stderr


def test_demo_runs_and_shows_each_family():
    p = console("demo", cwd=ROOT)
    assert p.returncode == 0, p.stdout + p.stderr
    for code in ("UPG101", "UPG201", "UPG301"):
        assert f": {code} " in p.stdout
    # then fix --diff previews the bookkeeping, fix applies it, and only the migration is left
    before, diff = p.stdout.split("$ upgradelint fix --base HEAD~1 --diff\n")
    assert "+    VERSION = '1.2'" in diff and "+    * 6.2 - Add trigger_crash_dump()" in diff
    after = diff.split("$ upgradelint check --base HEAD~1\n")[1]
    assert ": UPG301 " in after and not any(f": {c} " in after for c in ("UPG101", "UPG108", "UPG201", "UPG204"))


def test_python_dash_m(proj):
    p = subprocess.run([sys.executable, "-m", "upgradelint", "check", "--select", "UPG101"], cwd=proj,
                       capture_output=True, text=True)
    assert p.returncode == 1 and "UPG101" in p.stdout


# --- flake8 --------------------------------------------------------------------------------------

def flake8(*args, cwd, input=None):
    return subprocess.run([sys.executable, "-m", "flake8", *args], cwd=cwd, capture_output=True, text=True,
                          input=input, timeout=120)


def test_flake8_reports_with_positions(proj):
    p = flake8("--select", "UPG", ".", cwd=proj)
    assert p.returncode == 1, p.stderr
    assert sorted(p.stdout.splitlines()) == sorted([
        f"./{MIGRATION_PATH}:8:5: UPG301 drop_column('instances', 'cleaned') in upgrade() breaks N-1 services "
        "that still map the column; move it to the contract phase: 1) stop using instances.cleaned in this release "
        "(keep the column), 2) let N-1 and N run without it, 3) drop it in a later release's contract migration",
        f"./{RPCAPI_PATH}:16:17: UPG101 SchedulerAPI.update_aggregates: 'update_aggregates' is sent without a "
        "version and goes out as the target's 4.3; pin prepare(version='X.Y')",
    ])


def test_flake8_parallel_noqa_and_per_file_ignores(proj):
    write(proj, {RPCAPI_PATH: RPCAPI_BAD.replace("prepare(fanout=True)", "prepare(fanout=True)  # noqa: UPG101")})
    for i in range(4):
        write(proj, {f"proj/db/migrations/versions/m{i}.py": MIGRATION_DROP})
    p = flake8("--select", "UPG", "--jobs", "2", ".", cwd=proj)
    assert p.stdout.count("UPG301") == 5 and "UPG101" not in p.stdout
    write(proj, {"setup.cfg": "[flake8]\nper-file-ignores = proj/db/*:UPG301\n"})
    p = flake8("--select", "UPG", ".", cwd=proj)
    assert p.returncode == 0 and p.stdout == ""


def test_flake8_extend_select_with_explicit_select(proj):
    # keystone-style "select = H" drops UPG unless it is extended
    write(proj, {"tox.ini": "[flake8]\nselect = H\nextend-select = UPG\n"})
    assert "UPG101" in flake8(".", cwd=proj).stdout


def test_flake8_base_option_from_config_and_cli(tmp_path):
    init_repo(tmp_path, {"pyproject.toml": "", RPCAPI_PATH: RPCAPI_BAD})
    write(tmp_path, {MIGRATION_PATH: MIGRATION_DROP})
    write(tmp_path, {"setup.cfg": "[flake8]\nupgradelint-base = HEAD\n"})
    p = flake8("--select", "UPG", ".", cwd=tmp_path)
    assert p.stdout.splitlines() == [
        f"./{MIGRATION_PATH}:8:5: UPG301 drop_column('instances', 'cleaned') in upgrade() breaks N-1 services "
        "that still map the column; move it to the contract phase: 1) stop using instances.cleaned in this release "
        "(keep the column), 2) let N-1 and N run without it, 3) drop it in a later release's contract migration"]
    p = flake8("--select", "UPG", "--upgradelint-base", "nope", ".", cwd=tmp_path)
    assert "UPG000 upgradelint cannot run: --base nope: no such commit" in p.stdout


def test_flake8_stdin(proj):
    p = flake8("--select", "UPG", "--stdin-display-name", RPCAPI_PATH, "-", cwd=proj, input=RPCAPI_BAD)
    assert p.stdout.startswith(f"{RPCAPI_PATH}:16:17: UPG101 ")


def test_flake8_plugin_in_process(proj):
    import ast

    from upgradelint.frontends.flake8_plugin import Plugin

    path = str(proj / RPCAPI_PATH)
    lines = RPCAPI_BAD.splitlines(True)
    out = list(Plugin(ast.parse(RPCAPI_BAD), path, lines).run())
    assert [(ln, col, msg.split()[0]) for ln, col, msg, _ in out] == [(16, 16, "UPG101")]
    assert list(Plugin(ast.parse("x = 1\n"), str(proj / "x.py"), ["x = 1\n"]).run()) == []


# --- pre-commit ----------------------------------------------------------------------------------

PRE_COMMIT_CONFIG = """\
repos:
  - repo: local
    hooks:
      - id: upgradelint
        name: upgradelint
        entry: {bin}/upgradelint check --pre-commit
        language: system
        types: [python]
        require_serial: true
"""


def pre_commit(*args, cwd, env=None):
    return subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "PRE_COMMIT_HOME": str(cwd / ".pre-commit-home"), **(env or {})},
                          timeout=300)


@pytest.fixture
def hooked_repo(tmp_path):
    init_repo(tmp_path, {"pyproject.toml": "", ".gitignore": ".pre-commit-home/\n",
                         ".pre-commit-config.yaml": PRE_COMMIT_CONFIG.format(bin=BIN),
                         RPCAPI_PATH: RPCAPI_BAD})
    p = pre_commit("install", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    return tmp_path


def test_pre_commit_blocks_a_bad_commit_and_passes_a_good_one(hooked_repo):
    repo = hooked_repo
    # the existing UPG101 is not this commit's fault: an unrelated change commits fine
    write(repo, {"proj/util.py": "def f():\n    return 1\n"})
    git(repo, "add", "-A")
    p = git(repo, "commit", "-m", "unrelated", check=False)
    assert p.returncode == 0, p.stdout + p.stderr
    # a contracting migration is blocked, with the finding shown
    write(repo, {MIGRATION_PATH: MIGRATION_DROP})
    git(repo, "add", "-A")
    p = git(repo, "commit", "-m", "drop a column", check=False)
    assert p.returncode != 0
    assert f"{MIGRATION_PATH}:8:5: UPG301" in p.stdout + p.stderr
    # the good version of the same change passes
    write(repo, {MIGRATION_PATH: MIGRATION_ADD})
    git(repo, "add", "-A")
    p = git(repo, "commit", "-m", "add a column", check=False)
    assert p.returncode == 0, p.stdout + p.stderr


def test_pre_commit_from_ref_in_ci(hooked_repo):
    repo = hooked_repo
    write(repo, {MIGRATION_PATH: MIGRATION_DROP})
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "drop", "--no-verify")
    p = pre_commit("run", "--from-ref", "HEAD~1", "--to-ref", "HEAD", cwd=repo)
    assert p.returncode == 1 and "UPG301" in p.stdout and "UPG101" not in p.stdout
    p = pre_commit("run", "--all-files", cwd=repo)  # against HEAD: nothing changed since
    assert p.returncode == 0, p.stdout


def test_hook_manifest_is_valid():
    p = subprocess.run([sys.executable, "-m", "pre_commit", "validate-manifest", ".pre-commit-hooks.yaml"], cwd=ROOT,
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    with open(os.path.join(ROOT, ".pre-commit-hooks.yaml")) as fh:
        text = fh.read()
    assert "id: upgradelint" in text and "entry: upgradelint check --pre-commit" in text


def test_cli_misspelt_oldest_release_is_a_usage_error(proj):
    """A release name the calendar does not know would silently fall back to the
    project's tables; say so instead."""
    write(proj, {"pyproject.toml": "[tool.upgradelint]\nrpc-oldest-release = 'epoxi'\n"})
    p = console("check", cwd=proj)
    assert p.returncode == 2
    assert "'rpc-oldest-release' must name an OpenStack release" in p.stderr and "'epoxi'" in p.stderr
