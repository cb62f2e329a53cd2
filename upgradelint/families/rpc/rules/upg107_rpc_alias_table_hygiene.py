"""UPG107 rpc-alias-table-hygiene."""

from __future__ import annotations

import difflib

from upgradelint.core import versions
from upgradelint.core.rule import Context, Invalid, Rule, Valid
from upgradelint.core.calendar import OPENSTACK_RELEASES
from upgradelint.families.rpc.analysis import current_version

_RELEASE_INDEX = {name: i for i, name in enumerate(OPENSTACK_RELEASES)}


class RpcAliasTableHygiene(Rule):
    """
    ## What it does
    Checks `VERSION_ALIASES` tables (release name to the newest RPC version
    that release can handle): a value above the newest version in the client's
    history docstring, a value lower than the one of the release before it
    (entries are in release order), a release named twice, a misspelt
    OpenStack release name, and releases out of their order.

    Repeated values are fine (`'newton': '4.13', 'ocata': '4.13'`). An alias
    above the history but not above what the client itself sends means the
    history docstring lags (trove's guest agent API at 1.3 documents up to 1.1):
    UPG104 asks for the missing history lines, and the alias is not reported
    again.

    ## Why is this bad?
    Operators pin `[upgrade_levels] compute = <release>` during an upgrade. An
    alias above what the release really supports lets new services send
    versions the old ones reject; a decreasing value or a duplicate key pins
    the wrong version silently.

    ## How to allow
    Fix the table, or add `# noqa: UPG107` on the entry.

    ## Fix safety
    No automatic fix.

    ## References
    - nova, upgrade levels: https://docs.openstack.org/nova/latest/configuration/config.html#upgrade_levels
    """

    code = "UPG107"
    name = "rpc-alias-table-hygiene"
    message = "{cls}.VERSION_ALIASES['{release}'] = '{version}' is above the history maximum {max}"
    messages = {
        "order": "{cls}.VERSION_ALIASES['{release}'] = '{version}' is lower than '{prev}' of the release before",
        "dup": "{cls}.VERSION_ALIASES names '{release}' twice",
        "spelling": "{cls}.VERSION_ALIASES: '{release}' is not an OpenStack release; did you mean '{known}'?",
        "sequence": "{cls}.VERSION_ALIASES: '{release}' comes after '{prev}' but is an older release; "
                    "keep the table in release order",
    }
    severity = "error"
    INVALID = [
        Invalid(
            """
            class SchedulerAPI:
                '''
                4.4 - Modify select_destinations() signature
                4.5 - Add return_alternates
                '''

                VERSION_ALIASES = {
                    'queens': '4.4',
                    'rocky': '4.3',  # expect: UPG107
                    'stein': '4.6',  # expect: UPG107
                    'trian': '4.5',  # expect: UPG107
                    'pike': '4.5',  # expect: UPG107
                }

                def select_destinations(self, ctxt, spec):
                    cctxt = self.client.prepare(version='4.5')
                    return cctxt.call(ctxt, 'select_destinations', spec=spec)
            """,
            path="nova/scheduler/rpcapi.py",
        ),
    ]
    VALID = [
        Valid(
            """
            class SchedulerAPI:
                '''
                4.4 - Modify select_destinations() signature
                4.5 - Add return_alternates
                '''

                VERSION_ALIASES = {
                    'queens': '4.4',
                    'rocky': '4.4',
                    'stein': '4.5',
                }

                def select_destinations(self, ctxt, spec):
                    cctxt = self.client.prepare(version='4.5')
                    return cctxt.call(ctxt, 'select_destinations', spec=spec)
            """,
            path="nova/scheduler/rpcapi.py",
        ),
        Valid(
            """
            class API:
                '''
                1.0 - Initial version.
                1.1 - Add ds_version to prepare
                '''

                VERSION_ALIASES = {
                    'victoria': '1.1',
                    'epoxy': '1.2',
                }

                def resize_fs(self, ctxt, online):
                    # the history lags behind what the client sends: UPG104's finding, not this one
                    cctxt = self.client.prepare(version='1.2')
                    return cctxt.call(ctxt, 'resize_fs', online=online)
            """,
            path="trove/guestagent/api.py",
        ),
    ]

    def check(self, ctx: Context):
        for path, facts in ctx.head.items():
            for client in facts.rpc:
                if not client.aliases:
                    continue
                top = versions.newest(client.history)
                seen = set()
                prev = None
                prev_known = None
                for release, version, span in client.aliases:
                    symbol = f"{client.name}.VERSION_ALIASES.{release}"
                    if release in _RELEASE_INDEX:
                        if prev_known is not None and _RELEASE_INDEX[release] < _RELEASE_INDEX[prev_known]:
                            ctx.report(self, path, span, symbol, variant="sequence", cls=client.name,
                                       release=release, prev=prev_known)
                            seen.add(release)
                            continue
                        prev_known = release
                    else:
                        close = difflib.get_close_matches(release, OPENSTACK_RELEASES, n=1, cutoff=0.75)
                        if close:  # an unknown name far from every release may be a future one: say nothing
                            ctx.report(self, path, span, symbol, variant="spelling", cls=client.name,
                                       release=release, known=close[0])
                            seen.add(release)
                            continue
                    if release in seen:
                        ctx.report(self, path, span, symbol, variant="dup", cls=client.name, release=release)
                    elif top and versions.same_major_gt(version, top) and not _history_stale(client, version, top):
                        ctx.report(self, path, span, symbol, cls=client.name, release=release, version=version,
                                   max=top)
                    elif prev is not None and versions.key(version) < versions.key(prev):
                        ctx.report(self, path, span, symbol, variant="order", cls=client.name, release=release,
                                   version=version, prev=prev)
                    seen.add(release)
                    prev = version if prev is None or versions.key(version) >= versions.key(prev) else prev


def _history_stale(client, version: str, top: str) -> bool:
    """The client itself sends at or above the alias, past its history: the
    docstring is what lags (UPG104 asks for the missing lines), not the table."""
    current = current_version(client)
    return bool(current) and versions.same_major_gt(current, top) and \
        versions.key(version) <= versions.key(current)
