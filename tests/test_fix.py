"""``upgradelint fix``: safe fixes only by default, atomic writes, and files are
left alone when the result would not parse."""

import os

from tests.helpers import console, git, init_repo, write
from upgradelint.engine.fix import apply, new_text
from upgradelint.core.model import Edit, Finding, Fix, Replacement

OBJ_BEFORE = '''\
from oslo_versionedobjects import base
from oslo_versionedobjects import fields


@base.VersionedObjectRegistry.register
class Flavor(base.VersionedObject):
    VERSION = '1.1'

    fields = {
        'id': fields.IntegerField(),
    }
'''
OBJ_AFTER = OBJ_BEFORE.replace("        'id': fields.IntegerField(),\n",
                               "        'id': fields.IntegerField(),\n        'name': fields.StringField(),\n")
PATH = "proj/objects/flavor.py"


def repo(tmp_path, after=OBJ_AFTER):
    # UPG204 (the new field's backport branch) has no autofix: not what these tests are about
    init_repo(tmp_path, {"pyproject.toml": "[tool.upgradelint]\nextend-ignore = ['UPG204']\n", PATH: OBJ_BEFORE})
    write(tmp_path, {PATH: after})
    return tmp_path


def test_fix_bumps_the_version_through_the_console_script(tmp_path):
    repo(tmp_path)
    p = console("fix", "--base", "HEAD", cwd=tmp_path)
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout == "Fixed 1 finding in 1 file.\n"
    assert (tmp_path / PATH).read_text() == OBJ_AFTER.replace("'1.1'", "'1.2'")
    assert not [f for f in os.listdir(tmp_path / "proj/objects") if f.startswith(".upgradelint-")]
    assert console("check", "--base", "HEAD", cwd=tmp_path).returncode == 0


def test_fix_diff_writes_nothing(tmp_path):
    repo(tmp_path)
    p = console("fix", "--base", "HEAD", "--diff", cwd=tmp_path)
    assert p.returncode == 1
    assert "-    VERSION = '1.1'\n+    VERSION = '1.2'" in p.stdout
    assert (tmp_path / PATH).read_text() == OBJ_AFTER


def test_fix_keeps_crlf_bom_and_mode(tmp_path):
    after = "\ufeff" + OBJ_AFTER.replace("\n", "\r\n")
    repo(tmp_path)
    (tmp_path / PATH).write_bytes(after.encode("utf-8"))
    os.chmod(tmp_path / PATH, 0o640)
    assert console("fix", "--base", "HEAD", cwd=tmp_path).returncode == 0
    data = (tmp_path / PATH).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"VERSION = '1.2'\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    assert os.stat(tmp_path / PATH).st_mode & 0o777 == 0o640


def test_fix_never_writes_a_file_that_would_not_parse(tmp_path):
    write(tmp_path, {"a.py": "x = '1.1'\n"})
    bad = Finding("UPG201", "a.py", 1, 4, 1, 9, "m", "error", "A.VERSION", fix=Replacement(1, 4, 1, 9, "'1.2"))
    report = apply(str(tmp_path), [bad])
    assert report.fixed == {} and report.skipped == [("a.py", "the fixed file would not parse; left as it was")]
    assert (tmp_path / "a.py").read_text() == "x = '1.1'\n"


def test_unsafe_fixes_need_the_flag(tmp_path):
    write(tmp_path, {"a.py": "x = 1\n"})
    f = Finding("UPG202", "a.py", 1, 4, 1, 5, "m", "error", "s", fix=Replacement(1, 4, 1, 5, "2", safe=False))
    assert apply(str(tmp_path), [f]).fixed == {}
    assert apply(str(tmp_path), [f], unsafe=True).fixed == {"a.py": 1}
    assert (tmp_path / "a.py").read_text() == "x = 2\n"


def test_overlapping_edits_apply_once():
    text, n = new_text("abcdef\n", [Replacement(1, 1, 1, 4, "X"), Replacement(1, 2, 1, 5, "Y")])
    assert (text, n) == ("aXef\n", 1)


# -- fixes of several edits, in several files -------------------------------------


def _finding(path, fix, code="UPG201", line=1):
    return Finding(code, path, line, 0, line, 0, "m", "error", f"{path}.{line}", fix=fix)


def test_a_file_python_rejects_is_left_byte_identical(tmp_path):
    """LibCST parses 500 nested parentheses; CPython refuses them ("too many
    nested parentheses"): the file is not touched, and neither is the other
    file of the same fix."""
    nested = "x = '1.1'\ny = " + "(" * 500 + "1" + ")" * 500 + "\n"
    write(tmp_path, {"a.py": nested, "b.py": "z = 1\n"})
    fix = Fix((Edit("a.py", 1, 4, 1, 9, "'1.2'"), Edit("b.py", 1, 4, 1, 5, "2")), "bump")
    report = apply(str(tmp_path), [_finding("a.py", fix)])
    assert report.fixed == {} and report.findings == 0
    assert [p for p, _ in report.skipped] == ["a.py"] and "too many nested parentheses" in report.skipped[0][1]
    assert (tmp_path / "a.py").read_bytes() == nested.encode() and (tmp_path / "b.py").read_text() == "z = 1\n"


def test_a_fix_is_applied_whole_or_not_at_all(tmp_path):
    write(tmp_path, {"a.py": "x = 1\n", "b.py": "y = 1\n"})
    broken = Fix((Edit("a.py", 1, 4, 1, 5, "2"), Edit("b.py", 1, 4, 1, 5, "(")), "half broken")
    fine = Fix((Edit("a.py", 1, 0, 1, 0, "# ok\n"),), "comment")
    report = apply(str(tmp_path), [_finding("a.py", broken), _finding("a.py", fine, line=2)])
    assert report.skipped == [("b.py", "the fixed file would not parse; left as it was")]
    assert (tmp_path / "a.py").read_text() == "# ok\nx = 1\n" and (tmp_path / "b.py").read_text() == "y = 1\n"
    assert report.findings == 1 and report.fixed == {"a.py": 1}


def test_overlapping_fixes_one_is_left_for_the_next_run_in_every_file(tmp_path):
    write(tmp_path, {"a.py": "x = 1\n", "b.py": "y = 1\n"})
    first = Fix((Edit("a.py", 1, 4, 1, 5, "2"),), "first")
    second = Fix((Edit("a.py", 1, 0, 1, 5, "x = 3"), Edit("b.py", 1, 4, 1, 5, "3")), "second")
    report = apply(str(tmp_path), [_finding("a.py", first), _finding("a.py", second, line=2)])
    assert report.conflicts == 1 and report.findings == 1
    assert (tmp_path / "a.py").read_text() == "x = 2\n" and (tmp_path / "b.py").read_text() == "y = 1\n"


def test_identical_edits_of_two_findings_are_applied_once(tmp_path):
    write(tmp_path, {"a.py": "x = 1\n", "t.py": "r = {'A': '1.0-x'}\n"})
    record = Edit("t.py", 1, 10, 1, 17, "'1.1-y'")
    both = Fix((Edit("a.py", 1, 4, 1, 5, "2"), record), "bump and record")
    only = Fix((record,), "record")
    report = apply(str(tmp_path), [_finding("a.py", both), _finding("t.py", only)])
    assert report.findings == 2 and report.conflicts == 0 and report.fixed == {"a.py": 1, "t.py": 1}
    assert (tmp_path / "t.py").read_text() == "r = {'A': '1.1-y'}\n"


def test_unsafe_edits_of_a_fix_need_the_flag(tmp_path):
    write(tmp_path, {"a.py": "x = 1\n"})
    fix = Fix((Edit("a.py", 1, 4, 1, 5, "2"), Edit("a.py", 2, 0, 2, 0, "y = x\n", safe=False)), "mixed")
    assert not fix.safe and fix.safe_part().edits == fix.edits[:1]
    apply(str(tmp_path), [_finding("a.py", fix)])
    assert (tmp_path / "a.py").read_text() == "x = 2\n"
    write(tmp_path, {"a.py": "x = 1\n"})
    apply(str(tmp_path), [_finding("a.py", fix)], unsafe=True)
    assert (tmp_path / "a.py").read_text() == "x = 2\ny = x\n"


def test_edits_use_the_files_line_endings(tmp_path):
    (tmp_path / "a.py").write_bytes(b"x = 1\r\ny = 2\r\n")
    apply(str(tmp_path), [_finding("a.py", Fix((Edit("a.py", 2, 0, 2, 0, "# two\n"),), "c"))])
    assert (tmp_path / "a.py").read_bytes() == b"x = 1\r\n# two\r\ny = 2\r\n"


def test_a_replacement_is_a_one_edit_fix_in_the_findings_file():
    f = Finding("UPG201", "a.py", 1, 4, 1, 9, "m", "error", "s", fix=Replacement(1, 4, 1, 9, "'1.2'", "d", safe=False))
    assert f.fix == Fix((Edit("a.py", 1, 4, 1, 9, "'1.2'", safe=False),), "d")
