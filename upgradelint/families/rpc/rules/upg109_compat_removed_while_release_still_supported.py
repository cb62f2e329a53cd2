"""UPG109 compat-removed-while-release-still-supported."""

from __future__ import annotations

from upgradelint.core import versions
from upgradelint.core.rule import Context, Invalid, Rule, Valid
from upgradelint.families.rpc.analysis import RpcAnalysis, rpc_extra, send_version
from upgradelint.families.rpc.window import ReleaseWindow, compat_items, object_guards

_V6_CLIENT = """
class ComputeAPI(object):
    '''
    * 5.12 - Add accel_uuids (accelerator requests) parameter to rebuild_instance()
    * 6.0 - Remove 5.x compatibility
    '''

    VERSION_ALIASES = {
        'ussuri': '5.11',
        'victoria': '5.12',
    }

    def reboot_instance(self, ctxt, instance, block_device_info, reboot_type):
        version = self._ver(ctxt, '5.0')
        cctxt = self.router.client(ctxt).prepare(server=instance.host, version=version)
        cctxt.cast(ctxt, 'reboot_instance', instance=instance, block_device_info=block_device_info,
                   reboot_type=reboot_type)
"""

_WHAT = {"guard": "can_send_version('{version}') fallback", "gate": "gate for {version}",
         "pin": "fallback for peers below {version} (_ver)"}


class CompatRemovedWhileReleaseStillSupported(Rule):
    """
    ## What it does
    In a change (`--base`), checks for compatibility code removed while the
    oldest release still supported in a rolling upgrade speaks the version it
    serves:

    - a `can_send_version('X.Y')` fallback, a gate (`assert_min_rpc_version`,
      a raise when the version cannot be sent) or an old-major pin (nova's
      `_ver(ctxt, '5.12')`) in a client method that still sends;
    - an endpoint for an old RPC major (nova's `_ComputeV5Proxy`, registered in
      `additional_endpoints`);
    - an `obj_make_compatible` branch for `target_version < (M, N)`.

    The oldest supported release comes from `rpc-oldest-release`, else from
    what the project states (nova's `OLDEST_SUPPORTED_SERVICE_VERSION`), else
    from the newest release in its tables: for a tree at release R (or
    developing the one after it), the upgrade starts from the release before,
    or from the SLURP release two back when the release being made is a SLURP
    one (the `.1` releases from 2023.1 on). The version that release speaks is
    read from the client's `VERSION_ALIASES`, nova's `SERVICE_VERSION_ALIASES`
    and `SERVICE_VERSION_HISTORY`, ironic's `RELEASE_MAPPING` and the "...
    Newton supports messaging version 2.6" lines of the history docstring; an
    object's oldest live version from cinder's `OBJ_VERSIONS` history or
    ironic's `RELEASE_MAPPING`. When the tables leave a doubt (a release between
    two entries, a tree that may be release R or its successor), the newest
    version the oldest release may speak is used: the rule reports only what is
    certain. Without such tables it says nothing (cinder's RPC clients, nova's
    objects).

    ## Why is this bad?
    The oldest release of the upgrade window still runs somewhere: a compute
    node on the previous SLURP release during a skip-level upgrade, a conductor
    pinned with `[upgrade_levels]`. Once its fallback is gone the new code
    sends it a version it rejects ("Endpoint does not support RPC version
    6.5"), refuses it outright, or hands it an object version it cannot load.
    nova restored such a fallback in 2015 (live migration with Icehouse
    computes, bug 1402813).

    ## How to allow
    Keep the compat code until the release that still needs it leaves the
    upgrade window, set `rpc-oldest-release` if the project's tables are out
    of date, or add `# noqa: UPG109`.

    ## Fix safety
    No automatic fix: restore the removed code.

    ## References
    - OpenStack, SLURP releases and skip-level upgrades: https://governance.openstack.org/tc/resolutions/20220210-release-cadence-adjustment.html
    - nova, RPC versioning and upgrade levels: https://docs.openstack.org/nova/latest/contributor/rpc.html
    - cinder, rolling upgrades and OBJ_VERSIONS: https://docs.openstack.org/cinder/latest/contributor/rolling.upgrades.html
    """

    code = "UPG109"
    name = "compat-removed-while-release-still-supported"
    message = "{cls}.{method}: {what} removed, but {release} is still supported and speaks {oldest}; keep it"
    messages = {
        "endpoint": "{cls}: compat endpoint {proxy} for RPC {major}.x removed, but {release} is still supported "
                    "and speaks {oldest}; keep it",
        "object": "{cls}.obj_make_compatible: backport for < {version} removed, but {release} still lists "
                  "{cls} {oldest}; keep it",
    }
    severity = "error"
    scope = "diff"
    INVALID = [
        # SLURP: during the 2026.1 cycle the upgrade starts from 2025.1 (epoxy), two releases back
        Invalid(
            """
            class ComputeAPI(object):
                '''
                * 6.4 - Add allow_share() and deny_share()
                * 6.5 - Add 2nd RPC server with new topic 'compute-alt'
                '''

                VERSION_ALIASES = {
                    'dalmatian': '6.3',
                    'epoxy': '6.4',
                    'flamingo': '6.5',
                }

                def prepare_for_alt_rpcserver(self, client, server, version, **kwargs):  # expect: UPG109
                    topic = RPC_TOPIC_ALT
                    return client.prepare(server=server, version=version, topic=topic, **kwargs)

                def reboot_instance(self, ctxt, instance, reboot_type):
                    client = self.router.client(ctxt)
                    cctxt = self.prepare_for_alt_rpcserver(client, instance.host, '6.0')
                    cctxt.cast(ctxt, 'reboot_instance', instance=instance, reboot_type=reboot_type)
            """,
            before="""
            class ComputeAPI(object):
                '''
                * 6.4 - Add allow_share() and deny_share()
                * 6.5 - Add 2nd RPC server with new topic 'compute-alt'
                '''

                VERSION_ALIASES = {
                    'dalmatian': '6.3',
                    'epoxy': '6.4',
                    'flamingo': '6.5',
                }

                def prepare_for_alt_rpcserver(self, client, server, version, **kwargs):
                    topic = RPC_TOPIC_ALT
                    if not client.can_send_version('6.5'):
                        topic = RPC_TOPIC
                    return client.prepare(server=server, version=version, topic=topic, **kwargs)

                def reboot_instance(self, ctxt, instance, reboot_type):
                    client = self.router.client(ctxt)
                    cctxt = self.prepare_for_alt_rpcserver(client, instance.host, '6.0')
                    cctxt.cast(ctxt, 'reboot_instance', instance=instance, reboot_type=reboot_type)
            """,
            path="nova/compute/rpcapi.py",
        ),
        # an object backport while cinder's history still lists the old version
        Invalid(
            {
                "cinder/objects/base.py": """
                class CinderObjectVersionsHistory(dict):
                    def __init__(self):
                        super(CinderObjectVersionsHistory, self).__init__()
                        self.versions = ['1.35']
                        self['1.35'] = {'Backup': '1.6', 'Volume': '1.8'}


                OBJ_VERSIONS = CinderObjectVersionsHistory()
                OBJ_VERSIONS.add('1.36', {'Backup': '1.7'})
                """,
                "cinder/objects/backup.py": """
                @base.CinderObjectRegistry.register
                class Backup(base.CinderPersistentObject, base.CinderObject):  # expect: UPG109
                    # Version 1.7: Add parent
                    VERSION = '1.7'

                    fields = {
                        'id': fields.UUIDField(),
                        'parent_id': fields.StringField(nullable=True),
                        'parent': fields.ObjectField('Backup', nullable=True),
                    }
                """,
            },
            before={
                "cinder/objects/base.py": """
                class CinderObjectVersionsHistory(dict):
                    def __init__(self):
                        super(CinderObjectVersionsHistory, self).__init__()
                        self.versions = ['1.35']
                        self['1.35'] = {'Backup': '1.6', 'Volume': '1.8'}


                OBJ_VERSIONS = CinderObjectVersionsHistory()
                OBJ_VERSIONS.add('1.36', {'Backup': '1.7'})
                """,
                "cinder/objects/backup.py": """
                @base.CinderObjectRegistry.register
                class Backup(base.CinderPersistentObject, base.CinderObject):
                    # Version 1.7: Add parent
                    VERSION = '1.7'

                    fields = {
                        'id': fields.UUIDField(),
                        'parent_id': fields.StringField(nullable=True),
                        'parent': fields.ObjectField('Backup', nullable=True),
                    }

                    def obj_make_compatible(self, primitive, target_version):
                        super(Backup, self).obj_make_compatible(primitive, target_version)
                        target_version = versionutils.convert_version_to_tuple(target_version)
                        if target_version < (1, 7):
                            primitive.pop('parent', None)
                """,
            },
        ),
        # the 5.x proxy dropped during the Wallaby cycle, while Victoria computes still send 5.12
        Invalid(
            {
                "nova/compute/rpcapi.py": _V6_CLIENT,
                "nova/compute/manager.py": """
                import oslo_messaging as messaging


                class ComputeManager(manager.Manager):
                    target = messaging.Target(version='6.0')  # expect: UPG109

                    def reboot_instance(self, context, instance, block_device_info, reboot_type):
                        pass
                """,
            },
            before={
                "nova/compute/rpcapi.py": _V6_CLIENT,
                "nova/compute/manager.py": """
                import oslo_messaging as messaging


                class ComputeManager(manager.Manager):
                    target = messaging.Target(version='6.0')

                    def __init__(self, compute_driver=None, *args, **kwargs):
                        self.additional_endpoints.append(_ComputeV5Proxy(self))

                    def reboot_instance(self, context, instance, block_device_info, reboot_type):
                        pass


                class _ComputeV5Proxy(object):
                    target = messaging.Target(version='5.13')

                    def __init__(self, manager):
                        self.manager = manager

                    def __getattr__(self, name):
                        return getattr(self.manager, name)
                """,
            },
        ),
    ]
    VALID = [

        # the same fallback removed once the oldest supported release speaks 6.5
        Valid(
            {
                "nova/compute/rpcapi.py": """
                class ComputeAPI(object):
                    '''
                    * 6.4 - Add allow_share() and deny_share()
                    * 6.5 - Add 2nd RPC server with new topic 'compute-alt'
                    '''

                    VERSION_ALIASES = {
                        'epoxy': '6.4',
                        'flamingo': '6.5',
                        'gazpacho': '6.5',
                    }

                    def prepare_for_alt_rpcserver(self, client, server, version, **kwargs):
                        return client.prepare(server=server, version=version, topic=RPC_TOPIC_ALT, **kwargs)

                    def reboot_instance(self, ctxt, instance, reboot_type):
                        client = self.router.client(ctxt)
                        cctxt = self.prepare_for_alt_rpcserver(client, instance.host, '6.0')
                        cctxt.cast(ctxt, 'reboot_instance', instance=instance, reboot_type=reboot_type)
                """,
                "nova/objects/service.py": """
                SERVICE_VERSION_HISTORY = (
                    {'compute_rpc': '6.4'},
                    {'compute_rpc': '6.5'},
                )
                OLDEST_SUPPORTED_SERVICE_VERSION = 'Gazpacho'
                SERVICE_VERSION_ALIASES = {
                    'Flamingo': 0,
                    'Gazpacho': 1,
                }
                """,
            },
            before={
                "nova/compute/rpcapi.py": """
                class ComputeAPI(object):
                    '''
                    * 6.4 - Add allow_share() and deny_share()
                    * 6.5 - Add 2nd RPC server with new topic 'compute-alt'
                    '''

                    VERSION_ALIASES = {
                        'epoxy': '6.4',
                        'flamingo': '6.5',
                        'gazpacho': '6.5',
                    }

                    def prepare_for_alt_rpcserver(self, client, server, version, **kwargs):
                        topic = RPC_TOPIC_ALT
                        if not client.can_send_version('6.5'):
                            topic = RPC_TOPIC
                        return client.prepare(server=server, version=version, topic=topic, **kwargs)

                    def reboot_instance(self, ctxt, instance, reboot_type):
                        client = self.router.client(ctxt)
                        cctxt = self.prepare_for_alt_rpcserver(client, instance.host, '6.0')
                        cctxt.cast(ctxt, 'reboot_instance', instance=instance, reboot_type=reboot_type)
                """,
                "nova/objects/service.py": """
                SERVICE_VERSION_HISTORY = (
                    {'compute_rpc': '6.4'},
                    {'compute_rpc': '6.5'},
                )
                OLDEST_SUPPORTED_SERVICE_VERSION = 'Gazpacho'
                SERVICE_VERSION_ALIASES = {
                    'Flamingo': 0,
                    'Gazpacho': 1,
                }
                """,
            },
        ),
        # cinder drops the backports together with the history entries they serve
        Valid(
            {
                "cinder/objects/base.py": """
                class CinderObjectVersionsHistory(dict):
                    def __init__(self):
                        super(CinderObjectVersionsHistory, self).__init__()
                        self.versions = ['1.36']
                        self['1.36'] = {'Backup': '1.7', 'Volume': '1.8'}


                OBJ_VERSIONS = CinderObjectVersionsHistory()
                OBJ_VERSIONS.add('1.37', {'Volume': '1.9'})
                """,
                "cinder/objects/backup.py": """
                @base.CinderObjectRegistry.register
                class Backup(base.CinderPersistentObject, base.CinderObject):
                    # Version 1.7: Add parent
                    VERSION = '1.7'

                    fields = {
                        'parent_id': fields.StringField(nullable=True),
                        'parent': fields.ObjectField('Backup', nullable=True),
                    }
                """,
            },
            before={
                "cinder/objects/base.py": """
                class CinderObjectVersionsHistory(dict):
                    def __init__(self):
                        super(CinderObjectVersionsHistory, self).__init__()
                        self.versions = ['1.35']
                        self['1.35'] = {'Backup': '1.6', 'Volume': '1.8'}


                OBJ_VERSIONS = CinderObjectVersionsHistory()
                OBJ_VERSIONS.add('1.36', {'Backup': '1.7'})
                OBJ_VERSIONS.add('1.37', {'Volume': '1.9'})
                """,
                "cinder/objects/backup.py": """
                @base.CinderObjectRegistry.register
                class Backup(base.CinderPersistentObject, base.CinderObject):
                    # Version 1.7: Add parent
                    VERSION = '1.7'

                    fields = {
                        'parent_id': fields.StringField(nullable=True),
                        'parent': fields.ObjectField('Backup', nullable=True),
                    }

                    def obj_make_compatible(self, primitive, target_version):
                        super(Backup, self).obj_make_compatible(primitive, target_version)
                        target_version = versionutils.convert_version_to_tuple(target_version)
                        if target_version < (1, 7):
                            primitive.pop('parent', None)
                """,
            },
        ),
    ]

    def check(self, ctx: Context):

        if ctx.base is None:
            return
        window = ctx.analysis(ReleaseWindow)
        self._clients(ctx, window)
        for path, facts in ctx.head.items():
            base = ctx.base.get(path)
            if base is None or path not in ctx.diff.changes:
                continue
            self._endpoints(ctx, window, path, facts, base)
            self._objects(ctx, window, path, facts, base)

    def _clients(self, ctx, window):
        for path, client, old in ctx.analysis(RpcAnalysis).pairs:
            w = window.client(client)
            if w is None:
                continue
            head = {m.name: m for m in client.methods}
            defs = dict(client.defs)
            for om in old.methods:
                m = head.get(om.name)
                if m is None and om.name not in defs:
                    continue  # the method is gone: nothing sends any more
                now = compat_items(client, m) if m is not None else {}
                need = _needs(client, m) if m is not None else None
                span = m.span if m is not None else defs[om.name]
                for v, kind in sorted(compat_items(old, om).items(), key=lambda x: versions.key(x[0])):
                    if v in now or any(k != "gate" and versions.key(w_) >= versions.key(v) for w_, k in now.items()):
                        continue  # still served, or a wider fallback serves it
                    if need is not None and versions.key(need) < versions.key(v) or not w.still_speaks_below(v):
                        continue
                    ctx.report(self, path, span, f"{client.name}.{om.name}.{v}", cls=client.name, method=om.name,
                               what=_WHAT[kind].format(version=v), release=w.release_hi, oldest=w.hi)

    def _endpoints(self, ctx, window, path, facts, base):
        ex, bex = rpc_extra(facts), rpc_extra(base)
        if ex is None or bex is None:
            return
        names = {s.name for s in ex.servers}
        majors = {versions.major(s.version) for s in ex.servers if s.version}
        for old in bex.servers:
            major = versions.major(old.version)
            if not old.proxy or major is None or old.name in names or major in majors:
                continue
            main = next((s for s in ex.servers if not s.proxy and (versions.major(s.version) or 0) > major), None)
            w = window.server(path, main) if main is not None else None
            if w is not None and w.still_speaks_below(f"{major + 1}.0"):
                ctx.report(self, path, main.version_span or main.span, main.name, variant="endpoint", cls=main.name,
                           proxy=old.name, major=major, release=w.release_hi, oldest=w.hi)

    def _objects(self, ctx, window, path, facts, base):
        now = object_guards(facts)
        for cls, before in object_guards(base).items():
            obj = next((o for o in facts.objects if o.name == cls), None)
            w = window.object(cls) if obj is not None else None
            if w is None:
                continue
            for v in sorted(before - now.get(cls, set()), key=versions.key):
                if w.still_speaks_below(v):
                    ctx.report(self, path, obj.span, f"{cls}.obj_make_compatible.{v}", variant="object", cls=cls,
                               version=v, release=w.release_hi, oldest=w.hi)


def _needs(client, method) -> str | None:
    """The newest version the method still sends or requires (None: it sends
    nothing itself, as a wrapper or chooser: it is assumed to need everything)."""
    vs = [send_version(client, s) for s in method.sends] + list(method.gated)
    vs = [v for v in vs if versions.is_version(v)]
    return versions.newest(vs) if vs else None
