"""Client side of the compute RPC API.

API version history:

    * 6.0 - Initial version
    * 6.1 - Add reboot_type parameter to reboot_instance
"""

import oslo_messaging as messaging


class ComputeAPI:
    RPC_API_VERSION = '6.1'

    def __init__(self, transport):
        target = messaging.Target(topic='compute', version=self.RPC_API_VERSION)
        self.client = messaging.get_rpc_client(transport, target)

    def reboot_instance(self, ctxt, instance, reboot_type):
        version = '6.1'
        kwargs = {'instance': instance, 'reboot_type': reboot_type}
        if not self.client.can_send_version(version):
            del kwargs['reboot_type']
            version = '6.0'
        cctxt = self.client.prepare(server=instance.host, version=version)
        cctxt.cast(ctxt, 'reboot_instance', **kwargs)

    def get_console_output(self, ctxt, instance, tail_length):
        cctxt = self.client.prepare(server=instance.host, version='6.0')
        return cctxt.call(ctxt, 'get_console_output', instance=instance, tail_length=tail_length)

    def trigger_crash_dump(self, ctxt, instance):
        cctxt = self.client.prepare(server=instance.host)
        cctxt.cast(ctxt, 'trigger_crash_dump', instance=instance)
