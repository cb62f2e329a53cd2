"""UPG2xx over the scenario trees in tests/fixtures/objects/ (``before/`` and
``after/``, diff mode through git, with ``# expect: UPGnnn`` markers in the
``after/`` files; run by ``upgradelint.testing.run_scenario``), and the static
fingerprint on small hand-written objects."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from upgradelint.frontends import fingerprint as F
from upgradelint.testing import run_scenario, scenarios

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures", "objects")
SCENARIOS = scenarios(FIXTURES)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_fixture_diff(scenario):
    out = run_scenario(os.path.join(FIXTURES, scenario), select="UPG2")
    assert out.actual == out.expected, out.describe()


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_fixture_as_merged_tree_is_judged_in_full(scenario):
    """The after tree in full-tree mode never crashes (run_scenario asserts the run has no errors)."""
    run_scenario(os.path.join(FIXTURES, scenario), diff=False, select="UPG2")


FLASH = "Camera 1.3 adds 'flash' but obj_make_compatible has no 'target_version < (1, 3)' branch removing it"


@pytest.mark.parametrize("scenario, messages", [
    ("history_several_bumps_branch_missing", [FLASH]),
    ("history_several_bumps_branch_below_base", [FLASH]),
    ("history_several_bumps_branch_at_other_version", [FLASH]),
    ("history_several_bumps_enum_branch_late",
     ["Camera 1.4 adds values to 'mode' but obj_make_compatible has no 'target_version < (1, 4)' branch for it"]),
])
def test_backport_branch_is_due_at_the_version_the_history_names(scenario, messages):
    """Base 1.2, head 1.5: each field and enum value is blamed on the bump the
    object's ``# Version`` history gives it, not on the newest."""
    out = run_scenario(os.path.join(FIXTURES, scenario), select="UPG204")
    assert [f.message for f in out.findings] == messages


def test_a_new_notification_belongs_in_notification_object_data():
    """nova records notifications and payloads apart, hashed with their SCHEMA:
    the message names that table and its hash."""
    out = run_scenario(os.path.join(FIXTURES, "notification_unrecorded"), select="UPG202")
    assert [f.message for f in out.findings] == [
        "DiskPayload is a new registered object with no notification_object_data entry; "
        "add 'DiskPayload': '1.0-62f964526feec3ebf8477815ac7d26ff'"]


# -- the fingerprint on small objects ---------------------------------------------------

BASE = """
from oslo_versionedobjects import base as ovo_base
from oslo_versionedobjects import fields


class MyObject(ovo_base.VersionedObject):
    pass


class Registry(ovo_base.VersionedObjectRegistry):
    pass
"""


def _world(tmp_path, body, extra=None):
    files = {"proj/objects/base.py": BASE, "proj/objects/thing.py": body, **(extra or {})}
    for path, code in files.items():
        full = tmp_path / path
        full.parent.mkdir(parents=True, exist_ok=True)
        full.write_text(textwrap.dedent(code).lstrip())
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    root, facts = F.tree_facts(str(tmp_path), use_cache=False)
    return F.world_from_facts(facts, root), facts


def _data(tmp_path, body, name="Thing", **kw):
    world, _ = _world(tmp_path, body, **kw)
    fp = F.compute(world, F.ClassRef("proj.objects.thing", name))
    return fp


def test_argspec_and_field_reprs(tmp_path):
    fp = _data(tmp_path, """
        from oslo_versionedobjects import base as ovo_base
        from oslo_versionedobjects import fields

        from proj.objects import base


        @base.Registry.register
        class Thing(base.MyObject):
            VERSION = '1.3'
            fields = {
                'id': fields.IntegerField(),
                'tags': fields.SetOfStringsField(default=set(['b', 'a'])),
                'kind': fields.EnumField(valid_values=('x', 'y'), nullable=True),
            }

            @ovo_base.remotable_classmethod
            def get_by_id(cls, context, id, expected=None):
                pass

            @ovo_base.remotable
            def save(self, context, *, force: bool = False):
                pass

            def helper(self):
                pass
        """)
    assert fp.reason is None
    assert fp.data == (
        "([('id', Integer(default=<class 'oslo_versionedobjects.fields.UnspecifiedDefault'>,nullable=False)), "
        "('kind', Enum(default=<class 'oslo_versionedobjects.fields.UnspecifiedDefault'>,nullable=True,"
        "valid_values=('x', 'y'))), ('tags', Set(default=set([a,b]),nullable=False))], "
        "[('get_by_id', ArgSpec(args=['cls', 'context', 'id', 'expected'], varargs=None, keywords=None, "
        "defaults=(None,))), ('save', FullArgSpec(args=['self', 'context'], varargs=None, varkw=None, "
        "defaults=None, kwonlyargs=['force'], kwonlydefaults={'force': False}, "
        "annotations={'force': <class 'bool'>}))])")
    assert fp.value.startswith("1.3-")


def test_list_objects_hash_child_versions(tmp_path):
    fp = _data(tmp_path, """
        from oslo_versionedobjects import base as ovo_base
        from oslo_versionedobjects import fields

        from proj.objects import base


        @base.Registry.register
        class ThingList(ovo_base.ObjectListBase, base.MyObject):
            VERSION = '1.1'
            fields = {'objects': fields.ListOfObjectsField('Thing')}
            child_versions = {'1.1': '1.1', '1.0': '1.0'}
        """, name="ThingList")
    assert fp.data.endswith("[], OrderedDict([('1.0', '1.0'), ('1.1', '1.1')]))")


def test_unresolvable_objects_say_why(tmp_path):
    fp = _data(tmp_path, """
        import somelib

        from proj.objects import base


        @base.Registry.register
        class Thing(base.MyObject):
            VERSION = '1.0'
            fields = {'id': somelib.MagicField()}
        """)
    assert fp.value is None
    assert "somelib.MagicField" in fp.reason


def test_subclass_shadowing_hides_a_remotable(tmp_path):
    fp = _data(tmp_path, """
        from oslo_versionedobjects import base as ovo_base

        from proj.objects import base


        class Parent(base.MyObject):
            @ovo_base.remotable
            def save(self, context):
                pass


        @base.Registry.register
        class Thing(Parent):
            VERSION = '1.0'
            fields = {}
            save = None
        """)
    assert fp.data == "([], [])"


def test_cli_json(tmp_path, capsys):
    from upgradelint.frontends.cli import main

    _world(tmp_path, """
        from oslo_versionedobjects import fields

        from proj.objects import base


        @base.Registry.register
        class Thing(base.MyObject):
            VERSION = '1.0'
            fields = {'id': fields.IntegerField()}
        """)
    assert main(["fingerprint", str(tmp_path), "--format", "json", "--no-cache"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in rows] == ["Thing"] and rows[0]["fingerprint"].startswith("1.0-")


def test_record_file_reaches_the_parser():
    from upgradelint.families.objects import facts as objects

    text = "object_data = {\n    'A': '1.0-x',\n}\n"
    assert objects.prefilter("proj/tests/unit/objects/test_objects.py", text)
    assert not objects.prefilter("proj/tests/unit/test_api.py", "x = 1\n")
    assert not objects.prefilter("proj/tests/unit/objects/test_instance.py", "import x\n")


def test_history_script_is_runnable():
    script = os.path.join(os.path.dirname(HERE), "scripts", "history_objects.py")
    out = subprocess.run([sys.executable, script, "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "MIRROR" in out.stdout.upper()


# -- payload SCHEMA: only where the project's test hashes with it ------------------------

PAYLOAD = """
    from oslo_versionedobjects import base as ovo_base
    from oslo_versionedobjects import fields

    from proj.objects import base


    class NotificationPayloadBase(base.MyObject):
        SCHEMA = {}


    @base.Registry.register
    class DiskPayload(NotificationPayloadBase):
        VERSION = '1.0'
        SCHEMA = {'name': ('disk', 'name')}
        fields = {'name': fields.StringField()}
    """

# a test that hashes a table with the payloads' SCHEMA (nova's notification test)
SCHEMA_TEST = """
    from oslo_versionedobjects import fixture

    notification_object_data = {
        'DiskPayload': '%s',
    }


    def get_extra_data(obj_class):
        extra = tuple()
        if issubclass(obj_class, NotificationPayloadBase):
            extra += (sorted(obj_class.SCHEMA.items()),)
        return extra


    class TestVersions:
        def test_versions(self):
            checker = fixture.ObjectVersionChecker({})
            expected, actual = checker.test_hashes(notification_object_data, extra_data_func=get_extra_data)
    """

# a plain table, and an extra_data_func used only on a test's own class (masakari)
PLAIN_TEST = """
    from oslo_versionedobjects import fixture

    object_data = {
        'DiskPayload': '%s',
    }


    def get_extra_data(obj_class):
        return (sorted(obj_class.SCHEMA.items()),)


    class TestVersions:
        def test_versions(self):
            checker = fixture.ObjectVersionChecker({})
            expected, actual = checker.test_hashes(object_data)

        def test_schema_counts(self):
            checker = fixture.ObjectVersionChecker({})
            checker.get_hashes(extra_data_func=get_extra_data)
    """


@pytest.mark.parametrize("test, path, schema", [
    (SCHEMA_TEST, "proj/tests/unit/notifications/objects/test_notification.py", True),
    (PLAIN_TEST, "proj/tests/unit/objects/test_objects.py", False),
])
def test_payload_schema_only_where_the_test_passes_it(tmp_path, capsys, test, path, schema):
    from upgradelint.frontends.cli import main

    world, _ = _world(tmp_path, PAYLOAD)
    ref = F.ClassRef("proj.objects.thing", "DiskPayload")
    value = F.compute(world, ref, with_schema=schema).value
    assert value != F.compute(world, ref, with_schema=not schema).value
    (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / path).write_text(textwrap.dedent(test % value).lstrip())
    assert main(["fingerprint", str(tmp_path), "--format", "json", "--no-cache"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["name"], r["notification"], r["recorded"] == r["fingerprint"]) for r in rows] == \
        [("DiskPayload", schema, True)]
