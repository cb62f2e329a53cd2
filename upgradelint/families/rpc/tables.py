"""The release-window tables a project keeps (``ReleaseTables``): nova's
``OLDEST_SUPPORTED_SERVICE_VERSION``, ``SERVICE_VERSION_ALIASES`` and the
``compute_rpc`` of each ``SERVICE_VERSION_HISTORY`` entry; ironic's named
``RELEASE_MAPPING`` entries (``RELEASE_MAPPING['zed'] = RELEASE_MAPPING['21.1']``
included); cinder's ``OBJ_VERSIONS`` history (the oldest version of each object
it still lists)."""

from __future__ import annotations

from upgradelint.core import versions
from upgradelint.core.cst.static import evaluate
from upgradelint.core.lazy import cst
from upgradelint.families.rpc.facts import ReleaseTables
from upgradelint.core.calendar import index
from upgradelint.families.rpc.syntax import classes, str_key


def release_tables(parsed, consts) -> ReleaseTables | None:
    module = parsed.module
    fields: dict = {}
    oldest = evaluate(consts.get("OLDEST_SUPPORTED_SERVICE_VERSION"), consts)
    if isinstance(oldest, str):
        fields["oldest_supported"] = oldest.lower()
    aliases = consts.get("SERVICE_VERSION_ALIASES")
    if isinstance(aliases, cst.Dict):
        fields["service_aliases"] = tuple(
            (k.lower(), v) for k, v in ((str_key(el.key), evaluate(el.value, consts)) for el in aliases.elements
                                        if isinstance(el, cst.DictElement)) if k and isinstance(v, int))
    history = consts.get("SERVICE_VERSION_HISTORY")
    if isinstance(history, (cst.Tuple, cst.List)) and fields:
        fields["service_rpc"] = tuple(_compute_rpc(el.value) for el in history.elements)
    if isinstance(consts.get("RELEASE_MAPPING"), cst.Dict):
        fields["releases"] = _release_mapping(module, consts)
    if "OBJ_VERSIONS" in parsed.text:
        found = _object_history(module)
        if found:
            fields["obj_history"], fields["obj_oldest"] = found
    if not fields:
        return None
    anchor = next((consts[k] for k in ("OLDEST_SUPPORTED_SERVICE_VERSION", "RELEASE_MAPPING") if k in consts), None)
    return ReleaseTables(span=parsed.span(anchor) if anchor is not None else None, **fields)


def _compute_rpc(node):
    if isinstance(node, cst.Dict):
        for el in node.elements:
            if isinstance(el, cst.DictElement) and str_key(el.key) == "compute_rpc":
                v = evaluate(el.value, {})
                return v if versions.is_version(v) else None
    return None


def _release_mapping(module, consts) -> tuple:
    """((release, rpc, ((object, versions), ...)), ...) for the named releases and 'master'."""
    entries = {}
    for el in consts["RELEASE_MAPPING"].elements:
        key = str_key(el.key) if isinstance(el, cst.DictElement) else None
        if key and isinstance(el.value, cst.Dict):
            entries[key] = _mapping_entry(el.value, consts)
    for stmt in module.body:  # RELEASE_MAPPING['zed'] = RELEASE_MAPPING['21.1']
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                pair = _subscript_alias(small, "RELEASE_MAPPING")
                if pair and pair[1] in entries:
                    entries[pair[0]] = entries[pair[1]]
    return tuple((k.lower(), rpc, objs) for k, (rpc, objs) in entries.items()
                 if k == "master" or index(k) is not None)


def _mapping_entry(node, consts):
    rpc, objs = None, ()
    for el in node.elements:
        if not isinstance(el, cst.DictElement):
            continue
        key = str_key(el.key)
        if key == "rpc":
            v = evaluate(el.value, consts)
            rpc = v if versions.is_version(v) else None
        elif key == "objects" and isinstance(el.value, cst.Dict):
            found = []
            for o in el.value.elements:
                name = str_key(o.key) if isinstance(o, cst.DictElement) else None
                vs = evaluate(o.value, consts) if name else None
                if isinstance(vs, (list, tuple)) and vs and all(versions.is_version(v) for v in vs):
                    found.append((name, tuple(vs)))
            objs = tuple(found)
    return rpc, objs


def _subscript_alias(small, table):
    if not (isinstance(small, cst.Assign) and len(small.targets) == 1):
        return None
    sides = []
    for node in (small.targets[0].target, small.value):
        if not (isinstance(node, cst.Subscript) and isinstance(node.value, cst.Name) and node.value.value == table
                and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index)):
            return None
        sides.append(str_key(node.slice[0].slice.value))
    return tuple(sides) if all(sides) else None


def _object_history(module):
    """cinder's OBJ_VERSIONS: ('OBJ_VERSIONS <oldest key>', ((object, its version in the oldest set listing it), ...))."""
    sets = _initial_sets(module)
    for stmt in module.body:  # OBJ_VERSIONS.add('1.39', {'Volume': '1.9'})
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                call = small.value if isinstance(small, cst.Expr) else None
                if isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) and \
                        call.func.attr.value == "add" and len(call.args) == 2:
                    key, table = str_key(call.args[0].value), _version_dict(call.args[1].value)
                    if key and table is not None:
                        sets.append((key, table))
    if not sets:
        return None
    oldest: dict[str, str] = {}
    for _, table in sets:
        for obj, v in table:
            oldest.setdefault(obj, v)
    return f"OBJ_VERSIONS {sets[0][0]}", tuple(sorted(oldest.items()))


def _initial_sets(module) -> list:
    """``self['1.38'] = {...}`` in the ``__init__`` of the history class (the base of its history)."""
    out = []
    for cls in classes(module):
        for fn in cls.body.body:
            if not (isinstance(fn, cst.FunctionDef) and fn.name.value == "__init__"):
                continue
            for stmt in fn.body.body:
                if not isinstance(stmt, cst.SimpleStatementLine):
                    continue
                for small in stmt.body:
                    if isinstance(small, cst.Assign) and len(small.targets) == 1:
                        t = small.targets[0].target
                        if isinstance(t, cst.Subscript) and isinstance(t.value, cst.Name) and t.value.value == "self" \
                                and len(t.slice) == 1 and isinstance(t.slice[0].slice, cst.Index):
                            key, table = str_key(t.slice[0].slice.value), _version_dict(small.value)
                            if key and table:
                                out.append((key, table))
    return out


def _version_dict(node):
    if not isinstance(node, cst.Dict):
        return None
    out = []
    for el in node.elements:
        if not isinstance(el, cst.DictElement):
            return None
        k, v = str_key(el.key), evaluate(el.value, {})
        if not k or not versions.is_version(v):
            return None
        out.append((k, v))
    return tuple(out)
