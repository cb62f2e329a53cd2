"""The baseline, end to end through every front end: the console script
(check, baseline, baseline --update), flake8, review and pre-commit; a
baseline that no longer matches, and a corrupt one."""

import json
import os
import subprocess
import sys

import pytest

from tests.helpers import BIN, MIGRATION_ADD, MIGRATION_DROP, MIGRATION_PATH, RPCAPI_BAD, RPCAPI_PATH, console, git, \
    init_repo, write

BASELINE = ".upgradelint-baseline.json"


@pytest.fixture
def proj(tmp_path):
    init_repo(tmp_path, {"pyproject.toml": "[project]\nname='p'\n", RPCAPI_PATH: RPCAPI_BAD,
                         MIGRATION_PATH: MIGRATION_DROP})
    return tmp_path


def test_baseline_records_todays_findings_and_check_reports_only_new_ones(proj):
    assert console("check", cwd=proj).returncode == 1
    p = console("baseline", cwd=proj)
    assert p.returncode == 0 and "Wrote 2 findings" in p.stdout
    doc = json.loads((proj / BASELINE).read_text())
    assert [(e["code"], e["path"], e["symbol"]) for e in doc["findings"]] == [
        ("UPG301", MIGRATION_PATH, "instances.cleaned"),
        ("UPG101", RPCAPI_PATH, "SchedulerAPI.update_aggregates")]
    assert all("line" not in e and e["message"] for e in doc["findings"])
    text = (proj / BASELINE).read_text()
    assert text.count("\n") == len(doc["findings"]) + 2  # one entry a line: diffs read well
    p = console("check", cwd=proj)
    assert p.returncode == 0, p.stdout
    assert p.stdout == "2 problems recorded in the baseline not shown (--no-baseline shows them).\n"
    assert console("check", "--no-baseline", cwd=proj).returncode == 1
    # a new problem is still reported, alone
    write(proj, {"proj/db/migrations/versions/d4e5f6a7b8c9_drop.py": MIGRATION_DROP.replace(
        "'c3d4e5f6a7b8'", "'d4e5f6a7b8c9'").replace("'b2c3d4e5f6a7'", "'c3d4e5f6a7b8'").replace("cleaned", "host")})
    p = console("check", "--format", "json", cwd=proj)
    doc = json.loads(p.stdout)
    assert p.returncode == 1 and [f["symbol"] for f in doc["findings"]] == ["instances.host"]
    assert doc["baselined"] == 2


def test_moved_lines_still_match_but_a_fixed_entry_is_reported_and_update_drops_it(proj):
    console("baseline", cwd=proj)
    # the line moves: still the same finding (code, path, symbol)
    write(proj, {MIGRATION_PATH: "# a comment\n\n" + MIGRATION_DROP})
    assert console("check", cwd=proj).returncode == 0
    # the drop is fixed: the entry no longer matches
    write(proj, {MIGRATION_PATH: MIGRATION_ADD})
    p = console("check", cwd=proj)
    assert p.returncode == 0
    assert (f"{MIGRATION_PATH}:1:1: UPG301 [info] instances.cleaned: fixed since the baseline; drop it from "
            f"{BASELINE} (upgradelint baseline --update)") in p.stdout
    p = console("baseline", "--update", cwd=proj)
    assert p.returncode == 0 and "Removed 1 fixed finding" in p.stdout and "1 remains" in p.stdout
    doc = json.loads((proj / BASELINE).read_text())
    assert [e["code"] for e in doc["findings"]] == ["UPG101"]
    assert "fixed since the baseline" not in console("check", cwd=proj).stdout


@pytest.mark.parametrize("content,where", [
    ('{"version": 1, "findings": [\n  {"code": "UPG301",\n', f"{BASELINE}:3:"),
    ('{"version": 1, "findings": [\n  {"code": "UPG301", "path": "x.py", "count": 1}\n]}\n', f"{BASELINE}:2:"),
    ('[]\n', f"{BASELINE}: not a valid baseline"),
])
def test_corrupt_baseline_is_one_error_and_is_never_written_over(proj, content, where):
    (proj / BASELINE).write_text(content)
    for args in (["check"], ["baseline"], ["baseline", "--update"], ["review", "--gerrit", "http://127.0.0.1:9",
                                                                      "--change", "1", "--dry-run", "--base", "HEAD"]):
        p = console(*args, cwd=proj)
        assert p.returncode == 2, (args, p.stdout, p.stderr)
        lines = p.stderr.strip().splitlines()
        assert len(lines) == 1 and where in lines[0] and "not a valid baseline" in lines[0], (args, p.stderr)
        assert (proj / BASELINE).read_text() == content
    assert console("check", "--no-baseline", cwd=proj).returncode == 1


def test_update_without_a_baseline_says_so(proj):
    p = console("baseline", "--update", cwd=proj)
    assert p.returncode == 2 and "no baseline to update" in p.stderr
    assert not (proj / BASELINE).exists()


def flake8(*args, cwd):
    return subprocess.run([sys.executable, "-m", "flake8", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def test_flake8_reads_the_baseline(proj):
    assert "UPG301" in flake8("--select", "UPG", ".", cwd=proj).stdout
    console("baseline", cwd=proj)
    p = flake8("--select", "UPG", "--jobs", "2", ".", cwd=proj)
    assert p.returncode == 0 and "UPG" not in p.stdout, p.stdout
    p = flake8("--select", "UPG", "--upgradelint-no-baseline", ".", cwd=proj)
    assert "UPG301" in p.stdout and "UPG101" in p.stdout
    (proj / BASELINE).write_text("{oops\n")
    p = flake8("--select", "UPG", ".", cwd=proj)
    assert "UPG000 upgradelint cannot run" in p.stdout and "not a valid baseline" in p.stdout


def test_review_posts_only_what_is_new(proj):
    # the change under review adds the drop; a baseline written at the change hides it
    git(proj, "rm", "-q", MIGRATION_PATH)
    git(proj, "commit", "-qm", "no migration")
    write(proj, {MIGRATION_PATH: MIGRATION_DROP})
    git(proj, "add", "-A")
    git(proj, "commit", "-qm", "drop")
    args = ("review", "--gerrit", "http://127.0.0.1:9", "--change", "1", "--dry-run")
    p = console(*args, cwd=proj)
    assert p.returncode == 1 and MIGRATION_PATH in p.stdout
    console("baseline", cwd=proj)
    p = console(*args, cwd=proj)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "UPG301" not in p.stdout
    assert console(*args, "--no-baseline", cwd=proj).returncode == 1


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


def test_pre_commit_honours_the_baseline(tmp_path):
    init_repo(tmp_path, {"pyproject.toml": "", ".gitignore": ".pre-commit-home/\n",
                         ".pre-commit-config.yaml": PRE_COMMIT_CONFIG.format(bin=BIN)})
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / ".pre-commit-home")}

    def run(*args):
        return subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=tmp_path, capture_output=True,
                              text=True, env=env, timeout=300)

    write(tmp_path, {MIGRATION_PATH: MIGRATION_DROP})
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "drop", "--no-verify")
    p = run("run", "--from-ref", "HEAD~1", "--to-ref", "HEAD")
    assert p.returncode == 1 and "UPG301" in p.stdout
    console("baseline", cwd=tmp_path)
    p = run("run", "--from-ref", "HEAD~1", "--to-ref", "HEAD")
    assert p.returncode == 0, p.stdout


def test_baseline_is_a_full_tree_run_whatever_base_the_config_or_hook_names(proj):
    """A project that sets ``base`` (or runs under pre-commit's --from-ref) still
    baselines every finding of today, not the few its last commit added."""
    write(proj, {"pyproject.toml": "[project]\nname='p'\n\n[tool.upgradelint]\nbase = 'HEAD'\n"})
    git(proj, "commit", "-qam", "base = HEAD")
    assert console("check", cwd=proj).returncode == 0  # diff mode against HEAD: nothing new
    p = console("baseline", cwd=proj, env={"PRE_COMMIT_FROM_REF": "HEAD"})
    assert p.returncode == 0 and "Wrote 2 findings" in p.stdout
