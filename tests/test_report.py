"""``upgradelint report A..B`` end to end through the console script, on small
scratch git repositories: a two-release project (an RPC client and its server,
a versioned object with its recorded fingerprint, migrations), then the ways
refs go wrong (missing, reversed, shallow) or are unusual (unrelated and
diverged histories, a head that is not the work tree, a project in a
subdirectory)."""

import json
import os
import shutil

import pytest

from tests.helpers import console, git, write

RPCAPI_V1 = '''\
import oslo_messaging as messaging


class WidgetAPI(object):
    """Client side of the widget RPC API.

    API version history:

        * 1.0 - Initial version.
        * 1.1 - Add color to paint()
    """

    VERSION_ALIASES = {
        'alpha': '1.0',
    }

    def __init__(self):
        target = messaging.Target(topic='widget', version='1.0')
        self.client = messaging.get_rpc_client(target, version_cap=None)

    def paint(self, ctxt, widget, color):
        version = '1.1'
        kwargs = {'widget': widget, 'color': color}
        if not self.client.can_send_version(version):
            kwargs.pop('color')
            version = '1.0'
        cctxt = self.client.prepare(version=version)
        cctxt.cast(ctxt, 'paint', **kwargs)
'''

RPCAPI_V2 = RPCAPI_V1.replace(
    "        * 1.1 - Add color to paint()\n",
    "        * 1.1 - Add color to paint()\n        * 1.2 - Add polish(), add finish to paint()\n").replace(
    "        'alpha': '1.0',\n", "        'alpha': '1.0',\n        'beta': '1.1',\n").replace(
    '''    def paint(self, ctxt, widget, color):
        version = '1.1'
        kwargs = {'widget': widget, 'color': color}
        if not self.client.can_send_version(version):
            kwargs.pop('color')
            version = '1.0'
''', '''    def paint(self, ctxt, widget, color, finish=None):
        version = '1.2'
        kwargs = {'widget': widget, 'color': color, 'finish': finish}
        if not self.client.can_send_version(version):
            kwargs.pop('finish')
            version = '1.1'
        if not self.client.can_send_version(version):
            kwargs.pop('color')
            version = '1.0'
''') + '''
    def polish(self, ctxt, widget):
        if not self.client.can_send_version('1.2'):
            raise NotImplementedError()
        cctxt = self.client.prepare(version='1.2')
        return cctxt.call(ctxt, 'polish', widget=widget)
'''

MANAGER = '''\
import oslo_messaging as messaging


class WidgetManager(object):
    target = messaging.Target(version='{version}')

    def paint(self, context, widget, color=None, finish=None):
        pass

    def polish(self, context, widget):
        pass
'''

OBJ_BASE = '''\
from oslo_versionedobjects import base as ovo_base


class ShopObject(ovo_base.VersionedObject):
    pass


class ShopObjectRegistry(ovo_base.VersionedObjectRegistry):
    pass
'''

WIDGET_V1 = '''\
from oslo_versionedobjects import fields

from shop.objects import base


@base.ShopObjectRegistry.register
class Widget(base.ShopObject):
    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = {
        'id': fields.IntegerField(),
        'name': fields.StringField(nullable=True),
        'size': fields.EnumField(valid_values=['s', 'm'], nullable=True),
    }
'''

WIDGET_V2 = '''\
from oslo_utils import versionutils
from oslo_versionedobjects import fields

from shop.objects import base


@base.ShopObjectRegistry.register
class Widget(base.ShopObject):
    # Version 1.0: Initial version
    # Version 1.1: Added color
    # Version 1.2: Added finish
    VERSION = '1.2'

    fields = {
        'id': fields.IntegerField(),
        'name': fields.StringField(nullable=True),
        'color': fields.StringField(nullable=True),
        'finish': fields.StringField(nullable=True),
        'size': fields.EnumField(valid_values=['s', 'm', 'l'], nullable=True),
    }

    def obj_make_compatible(self, primitive, target_version):
        super().obj_make_compatible(primitive, target_version)
        target_version = versionutils.convert_version_to_tuple(target_version)
        if target_version < (1, 2) and primitive.get('size') == 'l':
            raise ValueError('size l needs 1.2')
        if target_version < (1, 1):
            primitive.pop('color', None)
'''

GADGET = '''\
from oslo_versionedobjects import fields

from shop.objects import base


@base.ShopObjectRegistry.register
class Gadget(base.ShopObject):
    VERSION = '1.0'

    fields = {
        'id': fields.IntegerField(),
    }
'''

VERSIONS = "shop/db/migrations/versions/"
MIG_INITIAL = '''\
from alembic import op
import sqlalchemy as sa

revision = 'aaaa00000001'
down_revision = None


def upgrade():
    op.create_table('widgets', sa.Column('id', sa.Integer, primary_key=True),
                    sa.Column('name', sa.String(255)), sa.Column('legacy', sa.String(36)))
'''
MIG_ADD = '''\
from alembic import op
import sqlalchemy as sa

revision = 'bbbb00000002'
down_revision = 'aaaa00000001'


def upgrade():
    op.add_column('widgets', sa.Column('color', sa.String(36), nullable=True))
    op.create_index('widgets_color_idx', 'widgets', ['color'])
'''
MIG_DROP = '''\
from alembic import op

revision = 'cccc00000003'
down_revision = 'bbbb00000002'


def upgrade():
    op.drop_column('widgets', 'legacy')
'''

RECORDS = "shop/tests/unit/objects/test_objects.py"
ENV: dict = {}  # the fact cache of this module's runs, set by ``template``


def _records(root, names):
    """object_data as upgradelint's own fingerprint command computes it."""
    p = console("fingerprint", "--format", "json", "--no-cache", str(root), cwd=root)
    assert p.returncode == 0, p.stderr
    rows = {r["name"]: r["fingerprint"] for r in json.loads(p.stdout)}
    body = "".join(f"    '{n}': '{rows[n]}',\n" for n in names)
    write(root, {RECORDS: f"object_data = {{\n{body}}}\n"})


def _commit(root, tag):
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", tag)
    git(root, "tag", tag)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """Two releases of a small project, tagged 1.0.0 and 2.0.0 (built once)."""
    ENV["UPGRADELINT_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    root = tmp_path_factory.mktemp("template") / "shop"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write(root, {"pyproject.toml": "[project]\nname = 'shop'\n", "shop/__init__.py": "",
                 "shop/widget/rpcapi.py": RPCAPI_V1, "shop/widget/manager.py": MANAGER.format(version="1.1"),
                 "shop/objects/__init__.py": "", "shop/objects/base.py": OBJ_BASE,
                 "shop/objects/widget.py": WIDGET_V1, VERSIONS + "aaaa00000001_initial.py": MIG_INITIAL})
    _records(root, ["Widget"])
    _commit(root, "1.0.0")
    write(root, {"shop/widget/rpcapi.py": RPCAPI_V2, "shop/widget/manager.py": MANAGER.format(version="1.2"),
                 "shop/objects/widget.py": WIDGET_V2, "shop/objects/gadget.py": GADGET,
                 VERSIONS + "cccc00000003_drop_legacy.py": MIG_DROP,
                 VERSIONS + "bbbb00000002_add_color.py": MIG_ADD})
    _records(root, ["Widget", "Gadget"])
    _commit(root, "2.0.0")
    return root


@pytest.fixture
def shop(template, tmp_path):
    root = tmp_path / "shop"
    shutil.copytree(template, root)
    return root


def report(root, *args):
    return console("report", *args, cwd=root, env=ENV)


def _json(root, *args):
    p = report(root, *args, "--format", "json")
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


# -- the report of a release ---------------------------------------------------------------------

def test_json_contract(shop):
    doc = _json(shop, "1.0.0..2.0.0")
    assert (doc["base"], doc["head"]) == ("1.0.0", "2.0.0")
    assert doc["range"]["relation"] == "ancestor"
    assert set(doc) >= {"base", "head", "rpc", "objects", "migrations", "notes", "findings"}
    [rpc] = doc["rpc"]
    assert (rpc["path"], rpc["class"], rpc["from"], rpc["to"]) == ("shop/widget/rpcapi.py", "WidgetAPI", "1.1", "1.2")
    assert rpc["methods_added"] == [{"name": "polish", "version": "1.2"}]
    assert rpc["kwargs_added"] == {"paint": [{"name": "finish", "version": "1.2"}]}
    assert {"kind": "fallback", "method": "paint", "version": "1.2"} in rpc["compat_added"]
    assert {"kind": "gate", "method": "polish", "version": "1.2"} in rpc["compat_added"]
    assert rpc["compat_removed"] == []
    assert rpc["aliases_added"] == {"beta": "1.1"}
    assert rpc["server"] == {"path": "shop/widget/manager.py", "class": "WidgetManager", "from": "1.1", "to": "1.2",
                             "linked": False, "agree": True}
    objs = {o["name"]: o for o in doc["objects"]}
    assert set(objs) == {"Widget", "Gadget"}
    w = objs["Widget"]
    assert (w["path"], w["from"], w["to"]) == ("shop/objects/widget.py", "1.0", "1.2")
    assert w["fields_added"] == ["color", "finish"] and w["fields_removed"] == []
    [size] = w["fields_changed"]
    assert (size["name"], size["values_added"], size["values_removed"]) == ("size", ["l"], [])
    assert size["hash_blind"] is False
    assert (w["backported"], w["missing_backports"]) == (False, ["finish"])
    assert w["fingerprint"]["up_to_date"] is True
    assert (objs["Gadget"]["from"], objs["Gadget"]["to"]) == (None, "1.0")
    migs = doc["migrations"]
    assert [m["revision"] for m in migs] == ["bbbb00000002", "cccc00000003"]  # in the order they run
    add, drop = migs
    assert (add["phase"], drop["phase"]) == ("expand", "contract")
    assert add["operations"] == ["add_column widgets.color (String(36), nullable)",
                                 "create_index widgets_color_idx on widgets (color)"]
    assert {lk["operation"] for lk in add["locks"]} == {"add_column", "create_index"}
    assert all(lk["table"] == "widgets" and lk["mysql"] and lk["postgresql"] for lk in add["locks"])
    assert add["branch"] is None and add["step"] is None  # a single branch
    assert [f["code"] for f in drop["findings"]] == ["UPG301"]
    assert any("WidgetAPI" in n and "1.1 to 1.2" in n for n in doc["notes"])
    assert any("no obj_make_compatible branch for finish" in n for n in doc["notes"])


def test_json_keys_are_the_documented_contract(shop):
    """The keys the README documents; adding one is fine (add it there too), renaming is not."""
    doc = _json(shop, "1.0.0..2.0.0")
    assert set(doc) == {"base", "head", "range", "rpc", "objects", "migrations", "tables", "removable_compat",
                        "expired_compat", "notes", "unknown", "findings", "errors"}
    assert set(doc["range"]) == {"base_commit", "head_commit", "relation", "shallow", "findings_base",
                                 "files_changed"}
    assert set(doc["rpc"][0]) == {"path", "class", "topic", "namespace", "from", "to", "recorded_as", "caps",
                                  "methods_added", "methods_removed", "kwargs_added", "kwargs_removed",
                                  "compat_added", "compat_removed", "aliases_added", "aliases_changed",
                                  "aliases_removed", "server"}
    assert set(doc["rpc"][0]["server"]) == {"path", "class", "from", "to", "linked", "agree"}
    obj = next(o for o in doc["objects"] if o["name"] == "Widget")
    assert set(obj) == {"name", "path", "from", "to", "notification", "fields_added", "fields_removed",
                        "fields_changed", "remotables_added", "remotables_removed", "remotables_changed",
                        "child_versions_changed", "backported", "missing_backports", "backport_note", "fingerprint"}
    assert set(obj["fields_changed"][0]) == {"name", "from", "to", "hash_blind", "values_added", "values_removed"}
    assert set(obj["fingerprint"]) == {"recorded", "computed", "up_to_date", "unresolved"}
    assert set(doc["migrations"][0]) == {"path", "revision", "down_revision", "phase", "branch", "step",
                                         "operations", "locks", "findings"}
    assert set(doc["migrations"][0]["locks"][0]) == {"table", "operation", "mysql", "postgresql"}
    assert set(doc["removable_compat"][0]) == {"path", "class", "floor", "floor_source", "compat"}


def test_findings_are_check_base(shop):
    doc = _json(shop, "1.0.0..2.0.0")
    git(shop, "checkout", "-q", "2.0.0")
    p = console("check", "--base", "1.0.0", "--format", "json", cwd=shop, env=ENV)
    assert doc["findings"] == json.loads(p.stdout)["findings"]
    assert {f["code"] for f in doc["findings"]} >= {"UPG301", "UPG204"}


def test_text_and_markdown(shop):
    p = report(shop, "1.0.0..2.0.0")
    assert p.returncode == 0, p.stderr
    out = p.stdout
    assert out.startswith("Upgrade impact: 1.0.0 → 2.0.0\n")
    assert "WidgetAPI (shop/widget/rpcapi.py): 1.1 → 1.2" in out
    assert "methods added: polish (1.2)" in out
    assert "Widget (shop/objects/widget.py): 1.0 → 1.2" in out
    assert "obj_make_compatible: NO branch for finish" in out
    assert "size: values added 'l'" in out
    assert "1. shop/db/migrations/versions/bbbb00000002_add_color.py: expand" in out
    assert "UPG301" in out
    md = report(shop, "1.0.0..2.0.0", "--format", "markdown").stdout
    assert md.startswith("## Upgrade impact: 1.0.0 → 2.0.0\n")
    assert "- **WidgetAPI** (`shop/widget/rpcapi.py`): 1.1 → 1.2" in md
    assert "### Migrations, in the order they run" in md


def test_without_the_cache_the_same_report(shop):
    """No cache: the findings run after the reading, in the same process, instead of beside it."""
    assert _json(shop, "1.0.0..2.0.0", "--no-cache") == _json(shop, "1.0.0..2.0.0")


def test_exit_status_and_fail_on_findings(shop):
    assert report(shop, "1.0.0..2.0.0").returncode == 0
    assert report(shop, "1.0.0..2.0.0", "--fail-on-findings").returncode == 1
    assert report(shop, "2.0.0..2.0.0", "--fail-on-findings").returncode == 0


def test_same_ref_is_an_empty_report(shop):
    doc = _json(shop, "2.0.0..2.0.0")
    assert doc["range"]["relation"] == "same"
    assert (doc["rpc"], doc["objects"], doc["migrations"], doc["findings"]) == ([], [], [], [])


def test_base_option_means_head(shop):
    assert _json(shop, "--base", "1.0.0")["rpc"] == _json(shop, "1.0.0..2.0.0")["rpc"]
    assert _json(shop, "1.0.0")["head"] == "HEAD"


def test_removable_compat(shop):
    doc = _json(shop, "1.0.0..2.0.0")
    [r] = doc["removable_compat"]
    assert (r["class"], r["floor"], r["floor_source"]) == ("WidgetAPI", "1.1", "base")
    # the cascade's guard at or below 1.1 (its last fallback, 1.0, is tested by no guard)
    assert r["compat"] == [{"kind": "fallback", "method": "paint", "version": "1.1"}]
    assert any("the release window" in u for u in doc["unknown"])


# -- refs ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("rng, needle", [
    ("nope..2.0.0", "base 'nope': no such commit or ref"),
    ("1.0.0..nope", "head 'nope': no such commit or ref"),
    ("2.0.0..1.0.0", "2.0.0 is not an ancestor of 1.0.0"),
    ("1.0.0...2.0.0", "use A..B"),
])
def test_bad_ranges_exit_2_with_one_line(shop, rng, needle):
    p = report(shop, rng)
    assert p.returncode == 2
    assert p.stdout == ""
    assert len(p.stderr.strip().splitlines()) == 1 and needle in p.stderr, p.stderr


def test_usage_errors(shop):
    for args in (("1.0.0..2.0.0", "--base", "1.0.0"), (), ("1.0.0..2.0.0", "--jobs", "0")):
        p = report(shop, *args)
        assert p.returncode == 2 and p.stdout == "", (args, p.stderr)


def test_not_a_repository(template, tmp_path):
    write(tmp_path, {"pyproject.toml": "[project]\nname='p'\n"})
    p = report(tmp_path, "a..b")
    assert p.returncode == 2 and "needs a git repository" in p.stderr


def test_shallow_clone_missing_base(shop, tmp_path):
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", "--no-local", "--branch", "2.0.0", str(shop), str(clone))
    p = report(clone, "1.0.0..HEAD")
    assert p.returncode == 2
    assert "shallow clone" in p.stderr and len(p.stderr.strip().splitlines()) == 1


def test_shallow_clone_with_both_refs_compares_the_trees(shop, tmp_path):
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", "--no-local", "--branch", "2.0.0", str(shop), str(clone))
    git(clone, "fetch", "-q", "--depth", "1", "origin", "tag", "1.0.0")
    doc = _json(clone, "1.0.0..2.0.0")
    assert (doc["range"]["relation"], doc["range"]["shallow"]) == ("unrelated", True)
    assert (doc["rpc"][0]["from"], doc["rpc"][0]["to"]) == ("1.1", "1.2")
    assert "shallow clone" in report(clone, "1.0.0..2.0.0").stdout


def test_unrelated_histories_compare_the_trees(shop):
    git(shop, "checkout", "-q", "--orphan", "other", "1.0.0")
    git(shop, "commit", "-q", "-m", "a fresh history with the 1.0.0 tree")
    git(shop, "tag", "fresh")
    doc = _json(shop, "fresh..2.0.0")
    assert doc["range"]["relation"] == "unrelated"
    assert doc["rpc"][0]["from"] == "1.1" and doc["rpc"][0]["to"] == "1.2"


def test_diverged_branches_compare_the_trees(shop):
    git(shop, "checkout", "-q", "-b", "stable", "1.0.0")
    write(shop, {"shop/README.py": "# a backport on the stable branch\n"})
    _commit(shop, "1.0.1")
    doc = _json(shop, "1.0.1..2.0.0")
    assert doc["range"]["relation"] == "diverged"
    merge_base = git(shop, "rev-parse", "1.0.0").stdout.strip()
    assert doc["range"]["findings_base"] == merge_base  # what check --base 1.0.1 diffs from
    assert doc["rpc"][0]["to"] == "1.2"


def test_head_other_than_the_work_tree(shop):
    git(shop, "checkout", "-q", "1.0.0")
    write(shop, {"shop/widget/rpcapi.py": "# an uncommitted edit\n"})
    status = git(shop, "status", "--porcelain").stdout
    doc = _json(shop, "1.0.0..2.0.0")
    assert {f["code"] for f in doc["findings"]} >= {"UPG301"}
    assert git(shop, "status", "--porcelain").stdout == status  # the checkout is left alone
    assert git(shop, "worktree", "list").stdout.count("\n") == 1
    p = report(shop, "1.0.0..2.0.0")
    assert "temporary checkout of" in p.stdout


def test_dirty_work_tree_at_head_uses_a_clean_checkout(shop):
    write(shop, {VERSIONS + "dddd00000004_wip.py": MIG_DROP.replace("cccc00000003", "dddd00000004")})
    doc = _json(shop, "1.0.0..2.0.0")
    assert all("dddd" not in f["path"] for f in doc["findings"])
    assert [m["revision"] for m in doc["migrations"]] == ["bbbb00000002", "cccc00000003"]


def test_project_in_a_subdirectory(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    write(repo, {"svc/pyproject.toml": "[project]\nname = 'svc'\n", "svc/shop/widget/rpcapi.py": RPCAPI_V1,
                 "svc/shop/widget/manager.py": MANAGER.format(version="1.1")})
    _commit(repo, "v1")
    write(repo, {"svc/shop/widget/rpcapi.py": RPCAPI_V2, "svc/shop/widget/manager.py": MANAGER.format(version="1.2")})
    _commit(repo, "v2")
    git(repo, "checkout", "-q", "v1")  # the head is materialised, under the same prefix
    doc = _json(repo / "svc", "v1..v2")
    assert [(r["path"], r["from"], r["to"]) for r in doc["rpc"]] == [("shop/widget/rpcapi.py", "1.1", "1.2")]


def test_expired_compat_comes_from_the_release_window(tmp_path):
    """A tree whose tables name the oldest supported release: UPG110's notes at the
    head are the report's expired compat, and the window caveat goes."""
    src = os.path.join(os.path.dirname(__file__), "fixtures", "rpc", "nova_expired_compat", "tree")
    root = tmp_path / "nova"
    shutil.copytree(src, root)
    git(root, "init", "-q", "-b", "main")
    write(root, {"pyproject.toml": "[project]\nname = 'nova'\n"})
    _commit(root, "1.0.0")
    write(root, {"nova/__init__.py": "# 2.0.0\n"})
    _commit(root, "2.0.0")
    doc = _json(root, "1.0.0..2.0.0")
    assert doc["expired_compat"] and {f["code"] for f in doc["expired_compat"]} == {"UPG110"}
    assert {f["path"] for f in doc["expired_compat"]} == {"nova/compute/rpcapi.py", "nova/compute/manager.py"}
    assert not any("the release window" in u for u in doc["unknown"])
    md = report(root, "1.0.0..2.0.0").stdout
    assert "Compat code the release window says 2.0.0 can remove (UPG110)" in md
