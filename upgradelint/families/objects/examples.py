"""Example trees shared by the executable examples of several UPG2xx rules."""

FLAVOR_BASE = """
    from oslo_versionedobjects import base as ovo_base


    class NovaObject(ovo_base.VersionedObject):
        pass


    class NovaObjectRegistry(ovo_base.VersionedObjectRegistry):
        pass
    """


IRONIC_BASE = """
    from oslo_versionedobjects import base as ovo_base


    class IronicObject(ovo_base.VersionedObject):
        def _convert_to_version(self, target_version, remove_unavailable_fields=True):
            pass


    class IronicObjectRegistry(ovo_base.VersionedObjectRegistry):
        pass
    """


def ironic_history(version: str, history: str, fields: str, extra: str = "", mark: str = "") -> str:
    """An ironic object module: NodeHistory at ``version`` with ``fields``."""
    return f"""
    from oslo_versionedobjects import fields as object_fields

    from ironic.objects import base


    @base.IronicObjectRegistry.register
    class NodeHistory(base.IronicObject):
{history}
        VERSION = '{version}'{mark}

        fields = {{
{fields}
        }}
{extra}
    """
