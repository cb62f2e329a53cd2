"""Example trees shared by the executable examples of several UPG2xx rules."""

FLAVOR_BASE = """
    from oslo_versionedobjects import base as ovo_base


    class NovaObject(ovo_base.VersionedObject):
        pass


    class NovaObjectRegistry(ovo_base.VersionedObjectRegistry):
        pass
    """
