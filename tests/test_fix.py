"""``upgradelint fix``: safe fixes only by default, atomic writes, and files are
left alone when the result would not parse."""

import os

from tests.helpers import console, git, init_repo, write
from upgradelint.engine.fix import apply, new_text
from upgradelint.core.model import Finding, Replacement

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
