"""The release window of a run (``ctx.analysis(ReleaseWindow)``): which
release is the oldest one still live in a rolling upgrade, and which RPC and
object versions it speaks, from what the project records.

The oldest supported release:

1. ``rpc-oldest-release`` in the configuration, when set;
2. else what the project states: nova's ``OLDEST_SUPPORTED_SERVICE_VERSION``;
3. else it is derived from the newest release named in the project's release
   tables (``VERSION_ALIASES`` keys, ``SERVICE_VERSION_ALIASES``, ironic's named
   ``RELEASE_MAPPING`` entries), call it R. The tree is either release R itself
   (its alias is added just before the release) or the development of the
   release after it. A rolling upgrade to a release starts from the release
   before it, or, for a SLURP release (the ``.1`` releases from 2023.1 on), from
   the SLURP release before it (two back). Both readings are kept: the oldest
   live release is at least ``oldest_for(R)`` and at most ``oldest_for(R + 1)``.

Each table then gives bounds on the version the oldest release speaks: a table
entry at or before a release is a lower bound (versions only grow), one at or
after it an upper bound. UPG109 acts only when even the upper bound is below
the version the removed compat code serves; UPG110 only when even the lower
bound is at or above it. Without bounds both stay silent."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass

from upgradelint.core import versions
from upgradelint.core.rule import Context
from upgradelint.families.rpc.analysis import current_version, rpc_extra, send_version
from upgradelint.families.rpc.facts import ReleaseTables, RpcClient, RpcServer
from upgradelint.core.calendar import index, name, oldest_for


@dataclass(frozen=True)
class Window:
    """What the oldest live peer speaks: at least ``lo``, at most ``hi`` (None: unknown)."""

    lo: str | None
    hi: str | None
    release_lo: str  # the release (or record) each bound is read at, for messages
    release_hi: str

    def still_speaks_below(self, version: str) -> bool:
        """Is it certain that the oldest live peer cannot take ``version``?"""
        return self.hi is not None and versions.key(self.hi) < versions.key(version)

    def moved_past(self, version: str) -> bool:
        """Is it certain that every live peer takes ``version``?"""
        return self.lo is not None and versions.key(self.lo) >= versions.key(version)


class ReleaseWindow:
    def __init__(self, ctx: Context):
        self.ctx = ctx

    @functools.cached_property
    def tables(self) -> list[tuple[str, ReleaseTables]]:
        out = []
        for path, facts in sorted(self.ctx.head.items()):
            ex = rpc_extra(facts)
            if ex is not None and ex.tables is not None:
                out.append((path, ex.tables))
        return out

    @functools.cached_property
    def oldest(self) -> tuple[int, int] | None:
        """(lowest, highest) calendar index the oldest supported release may have."""
        cfg = index(getattr(self.ctx.config, "rpc_oldest_release", None))
        if cfg is not None:
            return cfg, cfg
        for _, t in self.tables:
            stated = index(t.oldest_supported)
            if stated is not None:
                return stated, stated
        named = [index(r) for _, t in self.tables for r, _ in t.service_aliases]
        named += [index(r) for _, t in self.tables for r, _, _ in t.releases]
        named += [index(r) for facts in self.ctx.head.values() for c in facts.rpc for r, _, _ in c.aliases]
        named = [i for i in named if i is not None]
        if not named:
            return None
        last = max(named)
        return oldest_for(last), oldest_for(last + 1)

    # -------------------------------------------------------------- RPC

    def client(self, client: RpcClient) -> Window | None:
        """What the oldest live server of ``client`` speaks."""
        if self.oldest is None:
            return None
        keyed = [{index(r): v for r, v, _ in client.aliases}, {index(r): v for r, v in client.release_marks}]
        kinds = {kind for kind, _ in client.refs}
        for _, t in self.tables:
            if "service_history" in kinds and t.service_aliases and t.service_rpc:
                keyed.append({index(r): t.service_rpc[n] for r, n in t.service_aliases
                              if 0 <= n < len(t.service_rpc) and t.service_rpc[n]})
            if "release_mapping" in kinds and t.releases:
                keyed.append({index(r): rpc for r, rpc, _ in t.releases if rpc and index(r) is not None})
        return self._window([{k: v for k, v in table.items() if k is not None} for table in keyed])

    def server(self, path: str, server: RpcServer) -> Window | None:
        """What the oldest live client of ``server`` sends: the window of the
        client next to it (same package, same namespace when there is one)."""
        d = os.path.dirname(path)
        found = [c for p, facts in self.ctx.head.items() if os.path.dirname(p) == d for c in facts.rpc]
        for c in sorted(found, key=lambda c: (c.namespace != server.namespace, c.name)):
            w = self.client(c)
            if w is not None:
                return w
        return None

    def _window(self, tables: list[dict]) -> Window | None:
        lo_idx, hi_idx = self.oldest
        los, his = [], []
        for table in tables:
            before = [k for k in table if k <= lo_idx]
            after = [k for k in table if k >= hi_idx]
            if before:
                los.append((table[max(before)], name(lo_idx)))
            if after:
                his.append((table[min(after)], name(hi_idx)))
        lo = max(los, key=lambda x: versions.key(x[0]), default=(None, name(lo_idx)))
        hi = min(his, key=lambda x: versions.key(x[0]), default=(None, name(hi_idx)))
        if lo[0] is not None and hi[0] is not None and versions.key(lo[0]) > versions.key(hi[0]):
            return None  # the tables disagree: judge nothing
        if lo[0] is None and hi[0] is None:
            return None
        return Window(lo=lo[0], hi=hi[0], release_lo=lo[1], release_hi=hi[1])

    # -------------------------------------------------------------- objects

    def object(self, cls: str) -> Window | None:
        """The oldest version of object ``cls`` a live peer may still send or
        expect: cinder's OBJ_VERSIONS history, or ironic's RELEASE_MAPPING."""
        for _, t in self.tables:
            for obj, v in t.obj_oldest:
                if obj == cls:
                    return Window(lo=v, hi=v, release_lo=t.obj_history or "", release_hi=t.obj_history or "")
        keyed = {}
        for _, t in self.tables:
            for release, _, objs in t.releases:
                idx = index(release)
                for obj, vs in objs:
                    if obj == cls and idx is not None:
                        keyed[idx] = min(vs, key=versions.key)
        if not keyed or self.oldest is None:
            return None
        w = self._window([keyed])
        if w is None:
            return None
        return Window(lo=w.lo, hi=w.hi, release_lo=f"RELEASE_MAPPING {w.release_lo}",
                      release_hi=f"RELEASE_MAPPING {w.release_hi}")


def compat_items(client: RpcClient, method) -> dict[str, str]:
    """Version -> kind of each piece of compat code in a client method, keyed
    by the version a peer must speak for it to be dead: ``guard`` (a
    ``can_send_version`` fallback), ``gate`` (a raise, or
    ``assert_min_rpc_version``), ``pin`` (an old-major fallback such as nova's
    ``_ver(ctxt, '5.12')``, keyed by the current major's X.0); a tuple version or
    ``_compat_ver('3.3', '3.0')`` counts as a guard of its top version. Checks of
    an older major are left out."""
    cur = versions.major(current_version(client))
    # checks of an older major belong to the bridge to it (nova's _ver), and the
    # flow-insensitive scan also credits a guard with the _ver() pins assigned
    # to the same variable later: leave them to the bridge's own entry
    out = {v: "guard" for v in method.guards if cur is None or versions.major(v) == cur}
    out.update({v: "gate" for v in method.gated if cur is None or versions.major(v) == cur})
    for s in method.sends:
        if s.chosen and s.versions:
            top = send_version(client, s)
            majors = [versions.major(v) for v in s.versions if versions.major(v) is not None]
            if top and majors and max(majors) < (versions.major(top) or 0):
                out.setdefault(top, "pin")
            elif top and len(set(s.versions)) > 1:  # a tuple or _compat_ver('3.3', '3.0'): the fallback below top
                out.setdefault(top, "guard")
    return out


def object_guards(facts) -> dict[str, set[str]]:
    """Object class -> the 'M.N' of each ``target_version < (M, N)`` branch of its
    obj_make_compatible, from the objects family's facts (read as data)."""
    ex = facts.extra.get("objects") if facts is not None and facts.extra else None
    out: dict[str, set[str]] = {}
    for cls, found in (getattr(ex, "guards", None) or {}).items():
        out[cls] = {f"{g[0][0]}.{g[0][1]}" for g in found}  # empty: a method in a form not read (a table loop)
    return out
