"""``upgradelint fix`` finishes the bookkeeping, one fixture per project style
(nova, cinder, ironic, neutron), each through the console script: the change
without its bookkeeping is committed on top of the base, ``fix --base HEAD``
writes it, ``check`` is then clean of the fixed codes and a second ``fix``
changes nothing."""

from __future__ import annotations

import textwrap

from tests.helpers import console, init_repo, write

NOVA_BASE = '''\
from oslo_versionedobjects import base as ovo_base


class NovaObject(ovo_base.VersionedObject):
    pass


class NovaObjectRegistry(ovo_base.VersionedObjectRegistry):
    pass
'''
FLAVOR = '''\
from oslo_utils import versionutils
from oslo_versionedobjects import fields

from nova.objects import base


@base.NovaObjectRegistry.register
class Flavor(base.NovaObject):
    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = {
        'id': fields.IntegerField(),
    }
'''
FLAVOR_NEW = FLAVOR.replace("        'id': fields.IntegerField(),\n",
                            "        'id': fields.IntegerField(),\n"
                            "        'description': fields.StringField(nullable=True),\n")
RECORDS = '''\
object_data = {
    'Flavor': '1.0-2cbd3b5f5a1e2fc4fd7fa4cd2fb1e7a8',
}
'''
# the fingerprint oslo.versionedobjects gives Flavor 1.1 with 'id' and 'description'
FLAVOR_1_1 = "1.1-6c228f7572247c38b0ccc2f303f6ef36"

NOVA_RPCAPI = '''\
import oslo_messaging as messaging

from nova.objects import service as service_obj


class ComputeAPI:
    """Client side of the compute rpc API.

    API version history:

        * 6.0 - Remove 5.x compatibility
        * 6.1 - Add reimage_boot_volume parameter to rebuild_instance()
    """

    def __init__(self):
        target = messaging.Target(topic='compute', version='6.0')
        self.client = messaging.get_rpc_client(target, version_cap=None)

    def rebuild_instance(self, ctxt, instance, reimage_boot_volume):
        version = '6.1'
        msg_args = {'instance': instance, 'reimage_boot_volume': reimage_boot_volume}
        if not self.client.can_send_version(version):
            del msg_args['reimage_boot_volume']
            version = '6.0'
        cctxt = self.client.prepare(server=instance.host, version=version)
        cctxt.cast(ctxt, 'rebuild_instance', **msg_args)

    def get_host_uptime(self, ctxt, host):
        cctxt = self.client.prepare(server=host, version='6.0')
        return cctxt.call(ctxt, 'get_host_uptime')

    def get_version(self):
        return service_obj.SERVICE_VERSION_HISTORY
'''
NOVA_RPCAPI_NEW = NOVA_RPCAPI.replace(
    "reimage_boot_volume):\n", "reimage_boot_volume, target_state):\n").replace(
    "'reimage_boot_volume': reimage_boot_volume}", "'reimage_boot_volume': reimage_boot_volume,\n"
    "                    'target_state': target_state}")
NOVA_MANAGER = '''\
import oslo_messaging as messaging


class ComputeManager:
    target = messaging.Target(version='6.1')

    def rebuild_instance(self, context, instance, reimage_boot_volume=None):
        pass

    def get_host_uptime(self, context):
        pass
'''
NOVA_MANAGER_NEW = NOVA_MANAGER.replace("instance, reimage_boot_volume=None)", "instance, target_state, reimage_boot_volume=None)")
NOVA_SERVICE = '''\
# NOTE(danms): This is the global service version counter
SERVICE_VERSION = 1


SERVICE_VERSION_HISTORY = (
    # Version 0: Pre-history
    {'compute_rpc': '6.0'},
    # Version 1: Compute RPC v6.1:
    # Add reimage_boot_volume parameter to rebuild_instance()
    {'compute_rpc': '6.1'},
)
'''


def run_fix(tmp_path, base: dict, change: dict, *flags):
    init_repo(tmp_path, {"pyproject.toml": "", **base})
    write(tmp_path, change)
    p = console("fix", "--base", "HEAD", *flags, cwd=tmp_path)
    assert "Fixed" in p.stdout, p.stdout + p.stderr
    return p


def read(tmp_path, rel) -> str:
    return (tmp_path / rel).read_text(encoding="utf-8")


def assert_settled(tmp_path, codes, *flags):
    """check is clean of ``codes``; a second fix changes nothing."""
    p = console("check", "--base", "HEAD", cwd=tmp_path)
    assert not any(f" {c} " in p.stdout for c in codes), p.stdout
    before = {str(f): f.read_bytes() for f in tmp_path.rglob("*.py")}
    p = console("fix", "--base", "HEAD", *flags, "--diff", cwd=tmp_path)
    assert p.stdout == "", p.stdout
    assert before == {str(f): f.read_bytes() for f in tmp_path.rglob("*.py")}


def test_nova_object_bump_history_record_and_backport(tmp_path):
    base = {"nova/objects/base.py": NOVA_BASE, "nova/objects/flavor.py": FLAVOR,
            "nova/tests/unit/objects/test_objects.py": RECORDS}
    run_fix(tmp_path, base, {"nova/objects/flavor.py": FLAVOR_NEW}, "--unsafe-fixes")
    assert read(tmp_path, "nova/objects/flavor.py") == FLAVOR_NEW.replace(
        "    VERSION = '1.0'\n", "    # Version 1.1: Added description\n    VERSION = '1.1'\n") + textwrap.dedent('''
        def obj_make_compatible(self, primitive, target_version):
            super().obj_make_compatible(primitive, target_version)
            target_version = versionutils.convert_version_to_tuple(target_version)
            if target_version < (1, 1):
                primitive.pop('description', None)
    ''').replace("\ndef", "\n    def").replace("\n    s", "\n        s").replace("\n    t", "\n        t") \
        .replace("\n    i", "\n        i").replace("\n        p", "\n            p")
    assert read(tmp_path, "nova/tests/unit/objects/test_objects.py") == RECORDS.replace(
        "1.0-2cbd3b5f5a1e2fc4fd7fa4cd2fb1e7a8", FLAVOR_1_1)
    assert_settled(tmp_path, ("UPG201", "UPG202", "UPG204"), "--unsafe-fixes")


def test_nova_safe_fixes_leave_the_backport_to_unsafe(tmp_path):
    base = {"nova/objects/base.py": NOVA_BASE, "nova/objects/flavor.py": FLAVOR,
            "nova/tests/unit/objects/test_objects.py": RECORDS}
    p = run_fix(tmp_path, base, {"nova/objects/flavor.py": FLAVOR_NEW})
    assert "obj_make_compatible" not in read(tmp_path, "nova/objects/flavor.py")
    assert FLAVOR_1_1 in read(tmp_path, "nova/tests/unit/objects/test_objects.py")
    assert " UPG204 " in p.stdout and " UPG201 " not in p.stdout and " UPG202 " not in p.stdout


def test_nova_rpc_kwarg_bump_service_history_and_cascade(tmp_path):
    base = {"nova/compute/rpcapi.py": NOVA_RPCAPI, "nova/compute/manager.py": NOVA_MANAGER,
            "nova/objects/service.py": NOVA_SERVICE}
    run_fix(tmp_path, base, {"nova/compute/rpcapi.py": NOVA_RPCAPI_NEW, "nova/compute/manager.py": NOVA_MANAGER_NEW},
            "--unsafe-fixes")
    rpcapi = read(tmp_path, "nova/compute/rpcapi.py")
    assert "        * 6.2 - Add target_state parameter to rebuild_instance()\n    \"\"\"" in rpcapi
    assert ("        version = '6.2'\n"
            "        msg_args = {'instance': instance, 'reimage_boot_volume': reimage_boot_volume,\n"
            "                    'target_state': target_state}\n"
            "        if not self.client.can_send_version(version):\n"
            "            msg_args.pop('target_state', None)\n"
            "            version = '6.1'\n"
            "        if not self.client.can_send_version(version):\n"
            "            del msg_args['reimage_boot_volume']\n") in rpcapi
    manager = read(tmp_path, "nova/compute/manager.py")
    assert "target = messaging.Target(version='6.2')" in manager
    assert "target_state=None, reimage_boot_volume=None)" in manager
    service = read(tmp_path, "nova/objects/service.py")
    assert "SERVICE_VERSION = 2\n" in service
    assert ("    {'compute_rpc': '6.1'},\n    # Version 2: Compute RPC v6.2:\n"
            "    # Add target_state parameter to rebuild_instance()\n    {'compute_rpc': '6.2'},\n)") in service
    assert_settled(tmp_path, ("UPG102", "UPG103", "UPG104", "UPG105", "UPG108"), "--unsafe-fixes")


CINDER_BASE = '''\
from oslo_versionedobjects import base


class CinderObjectVersionsHistory(dict):
    def add(self, ver, updates):
        self[ver] = updates


OBJ_VERSIONS = CinderObjectVersionsHistory()
OBJ_VERSIONS.add('1.38', {'Backup': '1.7', 'Volume': '1.8'})


class CinderObject(base.VersionedObject):
    pass


class CinderObjectRegistry(base.VersionedObjectRegistry):
    pass
'''
CINDER_VOLUME = '''\
from oslo_utils import versionutils
from oslo_versionedobjects import fields

from cinder.objects import base


@base.CinderObjectRegistry.register
class Volume(base.CinderObject):
    # Version 1.7: Add service_uuid
    # Version 1.8: Add shared_targets
    VERSION = '1.8'

    fields = {
        'id': fields.IntegerField(),
    }

    def obj_make_compatible(self, primitive, target_version):
        """Make a Volume representation compatible with a target version."""
        added_fields = (((1, 8), ('shared_targets',)),)
        super(Volume, self).obj_make_compatible(primitive, target_version)
        target_version = versionutils.convert_version_to_tuple(target_version)
        for version, remove_fields in added_fields:
            if target_version < version:
                for obj_field in remove_fields:
                    primitive.pop(obj_field, None)
'''
CINDER_RECORDS = '''\
object_data = {
    'Volume': '1.8-00000000000000000000000000000000',
}
'''


def test_cinder_obj_versions_added_fields_and_record(tmp_path):
    base = {"cinder/objects/base.py": CINDER_BASE, "cinder/objects/volume.py": CINDER_VOLUME,
            "cinder/tests/unit/objects/test_objects.py": CINDER_RECORDS}
    new = CINDER_VOLUME.replace("        'id': fields.IntegerField(),\n",
                                "        'id': fields.IntegerField(),\n        'cluster_name': fields.StringField(),\n")
    # the base record is stale on purpose: full-tree checks compare, diff mode judges the change
    run_fix(tmp_path, base, {"cinder/objects/volume.py": new}, "--unsafe-fixes")
    volume = read(tmp_path, "cinder/objects/volume.py")
    assert "    # Version 1.8: Add shared_targets\n    # Version 1.9: Add cluster_name\n    VERSION = '1.9'\n" in volume
    assert "added_fields = (((1, 8), ('shared_targets',)), ((1, 9), ('cluster_name',)))" in volume
    assert "OBJ_VERSIONS.add('1.38', {'Backup': '1.7', 'Volume': '1.8'})\n" \
           "OBJ_VERSIONS.add('1.39', {'Volume': '1.9'})\n" in read(tmp_path, "cinder/objects/base.py")
    record = read(tmp_path, "cinder/tests/unit/objects/test_objects.py")
    assert "'Volume': '1.9-" in record and "0000000" not in record
    assert_settled(tmp_path, ("UPG201", "UPG202"), "--unsafe-fixes")


IRONIC_RPCAPI = '''\
import oslo_messaging as messaging

from ironic.common import release_mappings as versions


class ConductorAPI(object):
    """Client side of the conductor RPC API.

    API version history:

    |    1.0 - Initial version.
    |    1.61 - Added get virtual media support
    """

    # NOTE(rloo): This must be in sync with manager.ConductorManager's.
    RPC_API_VERSION = '1.61'

    def __init__(self, topic=None):
        target = messaging.Target(topic=topic, version='1.0')
        cap = versions.RELEASE_MAPPING['master']['rpc']
        self.client = messaging.get_rpc_client(target, version_cap=cap)

    def _prepare_call(self, topic, version=None):
        return self.client.prepare(topic=topic, version=version)

    def get_virtual_media(self, context, node_id, topic=None):
        cctxt = self._prepare_call(topic=topic, version='1.61')
        return cctxt.call(context, 'get_virtual_media', node_id=node_id)
'''
IRONIC_NEW = IRONIC_RPCAPI + '''
    def update_portgroup_physical_network(self, context, portgroup, topic=None):
        cctxt = self._prepare_call(topic=topic, version='1.61')
        return cctxt.call(context, 'update_portgroup_physical_network', portgroup=portgroup)
'''
IRONIC_MANAGER = '''\
import oslo_messaging as messaging


class ConductorManager(object):
    # NOTE(rloo): This must be in sync with rpcapi.ConductorAPI's.
    RPC_API_VERSION = '1.61'

    target = messaging.Target(version=RPC_API_VERSION)

    def get_virtual_media(self, context, node_id):
        pass

    def update_portgroup_physical_network(self, context, portgroup):
        pass
'''
IRONIC_MAPPINGS = '''\
RELEASE_MAPPING = {
    'master': {
        'api': '1.100',
        'rpc': '1.61',
        'objects': {
            'Node': ['1.43', '1.42'],
            'Port': ['1.15'],
        }
    },
}
'''
IRONIC_NODE = '''\
from oslo_versionedobjects import base as object_base
from oslo_versionedobjects import fields as object_fields


@object_base.VersionedObjectRegistry.register
class Node(object_base.VersionedObject):
    # Version 1.42: Add instance_name field
    # Version 1.43: Add disable_power_off
    VERSION = '1.43'

    fields = {
        'id': object_fields.IntegerField(),
    }
'''
IRONIC_RECORDS = '''\
expected_object_fingerprints = {
    'Node': '1.43-00000000000000000000000000000000',
}
'''


def test_ironic_release_mapping_fingerprints_and_rpc(tmp_path):
    # the commit adds the method to the manager and the client; the bookkeeping is left to fix
    old_manager = IRONIC_MANAGER.replace(
        "\n    def update_portgroup_physical_network(self, context, portgroup):\n        pass\n", "")
    base = {"ironic/conductor/rpcapi.py": IRONIC_RPCAPI, "ironic/conductor/manager.py": old_manager,
            "ironic/common/release_mappings.py": IRONIC_MAPPINGS, "ironic/objects/node.py": IRONIC_NODE,
            "ironic/tests/unit/objects/test_objects.py": IRONIC_RECORDS}
    node = IRONIC_NODE.replace("        'id': object_fields.IntegerField(),\n",
                               "        'id': object_fields.IntegerField(),\n"
                               "        'health': object_fields.StringField(nullable=True),\n")
    run_fix(tmp_path, base, {"ironic/conductor/rpcapi.py": IRONIC_NEW, "ironic/objects/node.py": node,
                             "ironic/conductor/manager.py": IRONIC_MANAGER})
    assert "    # Version 1.44: Add health\n    VERSION = '1.44'\n" in read(tmp_path, "ironic/objects/node.py")
    mappings = read(tmp_path, "ironic/common/release_mappings.py")
    assert "'Node': ['1.44', '1.43', '1.42']," in mappings and "'rpc': '1.62'," in mappings
    assert "'Node': '1.44-" in read(tmp_path, "ironic/tests/unit/objects/test_objects.py")
    rpcapi = read(tmp_path, "ironic/conductor/rpcapi.py")
    assert "    |    1.62 - Added update_portgroup_physical_network()\n" in rpcapi
    assert "RPC_API_VERSION = '1.62'" in rpcapi
    assert "self._prepare_call(topic=topic, version='1.62')\n        return cctxt.call(context, " \
           "'update_portgroup_physical_network'" in rpcapi
    assert "RPC_API_VERSION = '1.62'" in read(tmp_path, "ironic/conductor/manager.py")
    assert_settled(tmp_path, ("UPG104", "UPG108", "UPG201", "UPG202"))


NEUTRON_AGENT_RPC = '''\
import oslo_messaging


class PluginApi(object):
    """Agent side of the rpc API.

    API version history:
        1.0 - Initial version.
        1.9 - Support for device definition as DeviceInfo(mac, pci_info).
    """

    def __init__(self, topic):
        target = oslo_messaging.Target(topic=topic, version='1.9')
        self.client = oslo_messaging.get_rpc_client(target)

    def get_device_details(self, context, device, agent_id, host=None):
        cctxt = self.client.prepare(version='1.9')
        return cctxt.call(context, 'get_device_details', device=device, agent_id=agent_id, host=host)
'''
NEUTRON_SERVER = '''\
import oslo_messaging


class RpcCallbacks(object):
    # history
    #   1.0 Initial version
    #   1.9 Support for device definition as DeviceInfo(mac, pci_info)
    target = oslo_messaging.Target(version='1.9')

    def get_device_details(self, rpc_context, **kwargs):
        pass
'''


def test_neutron_no_caps_pin_is_safe(tmp_path):
    new = NEUTRON_AGENT_RPC.replace("host=None):\n", "host=None, agent_restarted=None):\n").replace(
        "host=host)", "host=host,\n                          agent_restarted=agent_restarted)")
    base = {"neutron/agent/rpc.py": NEUTRON_AGENT_RPC, "neutron/agent/server.py": NEUTRON_SERVER}
    run_fix(tmp_path, base, {"neutron/agent/rpc.py": new})
    rpc = read(tmp_path, "neutron/agent/rpc.py")
    assert "        1.10 - Add agent_restarted parameter to get_device_details()\n" in rpc
    assert "cctxt = self.client.prepare(version='1.10')" in rpc and "can_send_version" not in rpc
    assert_settled(tmp_path, ("UPG108",))


def test_an_unresolved_fingerprint_is_never_written_and_fix_says_why(tmp_path):
    """A field type from a module that is not there: the bump and its history
    are written, the recorded hash is left alone, and stderr says why."""
    flavor = FLAVOR.replace("from nova.objects import base\n", "from nova.objects import base\nfrom nova import magic\n")
    new = flavor.replace("        'id': fields.IntegerField(),\n",
                         "        'id': fields.IntegerField(),\n        'spell': magic.SpellField(),\n")
    base = {"nova/objects/base.py": NOVA_BASE, "nova/objects/flavor.py": flavor,
            "nova/tests/unit/objects/test_objects.py": RECORDS}
    p = run_fix(tmp_path, base, {"nova/objects/flavor.py": new})
    assert "    # Version 1.1: Added spell\n    VERSION = '1.1'\n" in read(tmp_path, "nova/objects/flavor.py")
    assert read(tmp_path, "nova/tests/unit/objects/test_objects.py") == RECORDS
    assert "Flavor: fingerprint not written (" in p.stderr


def test_a_float_version_becomes_a_string(tmp_path):
    rpcapi = NEUTRON_AGENT_RPC.replace("prepare(version='1.9')", "prepare(version=1.9)")
    init_repo(tmp_path, {"pyproject.toml": "", "neutron/agent/rpc.py": rpcapi})
    p = console("fix", cwd=tmp_path)
    assert p.stdout.startswith("Fixed 1 finding in 1 file."), p.stdout + p.stderr
    assert "prepare(version='1.9')" in read(tmp_path, "neutron/agent/rpc.py")
