"""The oslo.versionedobjects fingerprint, computed from source.

``ObjectVersionChecker.get_hashes()`` hashes, per registered object,
``repr((sorted(fields.items()), sorted(remotable specs)[, OrderedDict(child_versions)]) + extra)``.
This module rebuilds that repr without importing anything, over the values the
evaluator of upgradelint.families.objects.world computes from module summaries
(field classes, ``AUTO_TYPE``, enum ``valid_values``, bases in C3 order) and
the remotable signatures. Modules the facts do not cover are read through the
engine's reader (upgradelint.families.objects.sources): library modules from
their source when the engine can locate it without importing (installed
packages, ``--source-path``), else from the built-in models in
upgradelint.families.objects.stubs. What cannot be resolved raises ``Unresolved`` with
the reason; it is never guessed."""

from __future__ import annotations

import hashlib
import inspect
from collections import namedtuple
from dataclasses import dataclass

from upgradelint.core import versions
from upgradelint.families.objects.sources import ModuleSources
from upgradelint.families.objects.summary import ClassSummary, Method
from upgradelint.families.objects.world import (
    BUILTIN_TYPES, OVO, ClassRef, Inst, Opaque, Scope, Unresolved, World, merged_fields, plain,
)

ArgSpec = namedtuple("ArgSpec", ("args", "varargs", "keywords", "defaults"))


class R:
    """A value whose repr is a fixed string."""

    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return self.text


# -- the fingerprint ------------------------------------------------------

REMOTABLE_DECORATORS = {"remotable", "remotable_classmethod"}
PASSTHROUGH_DECORATORS = {"serialize_args"}  # sets .remotable and .original_fn on its wrapper
TRANSPARENT = {"classmethod", "staticmethod"}


def decorator_name(d) -> str | None:
    if d[0] == "n":
        return d[1].rsplit(".", 1)[-1]
    return None


def remotable_impl(method: Method):
    """'impl' when the method counts as remotable, None when not, or raise
    Unresolved when the remotable chain ends in another decorator's wrapper."""
    parent = False
    for d in method.decorators:
        n = decorator_name(d)
        if n in TRANSPARENT:
            continue
        if n in REMOTABLE_DECORATORS or n in PASSTHROUGH_DECORATORS:
            parent = True
            continue
        label = n or "a decorator call"
        if parent:
            raise Unresolved(f"{method.name}: {label} under @remotable hides the real signature")
        if any(decorator_name(x) in REMOTABLE_DECORATORS for x in method.decorators):
            raise Unresolved(f"{method.name}: {label} above @remotable")
        return None
    return method if parent else None


def method_spec(world: World, method: Method, module: str) -> object:
    summary = world.module(module)
    future = bool(summary and summary.future_annotations)
    args, varargs, varkw, defaults, kwonly, kwdefaults, annotations = [], None, None, [], [], {}, {}
    for p in method.params:
        if p.annotation is not None:
            annotations[p.name] = _annotation(p.annotation, future)
        if p.kind == "pos":
            args.append(p.name)
            if p.default is not None:
                defaults.append(_default(world, p.default, module, method.name))
        elif p.kind == "vararg":
            varargs = p.name
        elif p.kind == "varkw":
            varkw = p.name
        else:
            kwonly.append(p.name)
            if p.default is not None:
                kwdefaults[p.name] = _default(world, p.default, module, method.name)
    if method.returns is not None:
        annotations["return"] = _annotation(method.returns, future)
    defaults_t = tuple(defaults) if defaults else None
    if kwonly or kwdefaults or annotations:
        return inspect.FullArgSpec(args, varargs, varkw, defaults_t, kwonly, kwdefaults or None, annotations)
    return ArgSpec(args, varargs, varkw, defaults_t)


def _default(world, node, module, name):
    v = world.eval(node, Scope(module))
    if plain(v) or isinstance(v, ClassRef):
        return v
    raise Unresolved(f"{name}: default value has no stable repr")


def _annotation(src: str, future: bool):
    if future:
        import ast

        try:
            return ast.unparse(ast.parse(src, mode="eval"))
        except SyntaxError:
            raise Unresolved("bad annotation") from None
    s = src.strip()
    if s == "None":
        return None
    if s in BUILTIN_TYPES:
        return BUILTIN_TYPES[s]
    if len(s) >= 2 and s[0] == s[-1] and s[0] in "'\"":
        return s[1:-1]
    raise Unresolved(f"annotation {s!r} has no static repr")


def field_repr(world: World, f) -> str:
    if not isinstance(f, Inst) or not world.issub(f.cls, OVO, "Field"):
        raise Unresolved("a field value is not a Field")
    t = world.getattr(f, "_type")
    if not isinstance(t, Inst):
        raise Unresolved(f"{f.cls.name} has no resolvable field type")
    tname = t.cls.name
    default = default_str(world, world.getattr(f, "_default"))
    nullable = world.getattr(f, "_nullable")
    if world.issub(f.cls, OVO, "BaseEnumField"):
        vv = world.getattr(t, "_valid_values")
    elif world.issub(f.cls, OVO, "ListOfEnumField"):
        vv = world.getattr(f, "_valid_values")
    else:
        return f"{tname}(default={default},nullable={nullable})"
    if not plain(vv):
        raise Unresolved(f"{f.cls.name}: valid_values not constant")
    return f"{tname}(default={default},nullable={nullable},valid_values={vv})"


def default_str(world: World, d) -> str:
    if isinstance(d, ClassRef):
        return repr(d)
    if isinstance(d, (set, frozenset)) and plain(d):
        return "set([{}])".format(",".join(sorted(str(v) for v in d)))
    if isinstance(d, Inst) and world.issub(d.cls, OVO, "VersionedObject"):
        names = sorted(merged_fields(world, d.cls))
        if d.attrs:
            raise Unresolved("object default with attributes set")
        return "{}({})".format(d.cls.name, ",".join(f"{n}=<?>" for n in names))
    if plain(d):
        return str(d)
    raise Unresolved("default value has no static str()")


@dataclass
class Fingerprint:
    name: str
    module: str
    cls: str
    version: str | None
    value: str | None  # "X.Y-md5", None when unresolved
    data: str | None  # repr(relevant_data)
    reason: str | None  # why unresolved
    notification: bool = False  # hashed with the notification SCHEMA extra data


def relevant_data(world: World, ref: ClassRef, with_schema: bool) -> tuple:
    fields = merged_fields(world, ref)
    obj_fields = sorted((k, R(field_repr(world, v))) for k, v in fields.items())
    obj_fields = [(k, v) for k, v in sorted(obj_fields, key=lambda kv: kv[0])]
    methods = []
    seen: set = set()
    for c in world.mro(ref):
        if isinstance(c, Opaque):
            continue
        cs = world.class_summary(c)
        for name, (kind, value) in cs.names.items():
            if name in seen:
                continue
            seen.add(name)
            if kind != "func":
                continue
            impl = remotable_impl(value)
            if impl is not None:
                methods.append((name, method_spec(world, impl, c.module)))
    methods.sort(key=lambda m: m[0])
    data: tuple = (obj_fields, methods)
    if world.definer(ref, "child_versions") is not None:
        cv = world.class_attr(ref, "child_versions")
        if not isinstance(cv, dict) or not plain(cv):
            raise Unresolved("child_versions is not a constant dict")
        items = sorted(cv.items())
        data = data + (R(f"OrderedDict({items!r})" if items else "OrderedDict()"),)
    if with_schema:
        schema = world.class_attr(ref, "SCHEMA")
        if not isinstance(schema, dict) or not plain(schema):
            raise Unresolved("SCHEMA is not a constant dict")
        data = data + (sorted(schema.items()),)
    return data


def describe(world: World, ref: ClassRef) -> dict:
    """What the hash covers, by part, for messages and diffs:
    {'fields': {name: repr}, 'methods': {name: repr}, 'child_versions': dict|None}.
    Raises Unresolved."""
    data = relevant_data(world, ref, False)
    out = {"fields": {k: repr(v) for k, v in data[0]}, "methods": {k: repr(v) for k, v in data[1]},
           "child_versions": None}
    if len(data) > 2:
        out["child_versions"] = world.class_attr(ref, "child_versions")
    return out


def enum_values(world: World, ref: ClassRef) -> dict[str, frozenset]:
    """field -> the values an enum field accepts, resolved through modules as
    the fingerprint resolves an enum's ``ALL``, whether or not the field's repr
    shows them (old nova enums hashed without them). A single string stands
    for itself: ``ALL = (X)`` and ``ALL = (X,)`` accept the same value."""
    out = {}
    for name, f in merged_fields(world, ref).items():
        if not isinstance(f, Inst):
            continue
        try:
            holders = [f, world.getattr(f, "_type")]
        except Unresolved:
            continue
        for h in holders:
            vv = h.attrs.get("_valid_values") if isinstance(h, Inst) else None
            if isinstance(vv, str):
                out[name] = frozenset((vv,))
            elif isinstance(vv, (tuple, list, set, frozenset)) and plain(vv):
                out[name] = frozenset(vv)
            else:
                continue
            break
    return out


def field_details(world: World, ref: ClassRef) -> dict:
    """name -> what the hash does not see: the type tree with object targets
    and element types, and read_only."""
    out = {}
    for name, f in merged_fields(world, ref).items():
        try:
            t = world.getattr(f, "_type")
            ro = f.attrs.get("_read_only", False)
            out[name] = _type_tree(world, t) + (" read_only" if ro is True else "")
        except Unresolved:
            continue
    return out


def _type_tree(world, t, depth=0) -> str:
    if not isinstance(t, Inst) or depth > 5:
        return "?"
    name = t.cls.name
    if "_obj_name" in t.attrs:
        sub = t.attrs.get("_subclasses")
        return f"{name}({t.attrs['_obj_name']!r}{', subclasses' if sub is True else ''})"
    if "_element_type" in t.attrs:
        return f"{name}({_type_tree(world, t.attrs['_element_type'], depth + 1)})"
    return name


def subclass_of(world: World, ref: ClassRef, *names: str) -> bool:
    """Is one of the classes in ``ref``'s MRO named one of ``names``?"""
    try:
        return any(isinstance(c, ClassRef) and c.name in names for c in world.mro(ref))
    except Unresolved:
        return False


def is_payload(world: World, ref: ClassRef) -> bool:
    return subclass_of(world, ref, "NotificationPayloadBase")


def is_notification(world: World, ref: ClassRef, how: str | None = None) -> bool:
    """A notification or its payload (nova records them apart, in notification_object_data)."""
    return how == "notification" or subclass_of(world, ref, "NotificationBase", "NotificationPayloadBase")


def compute(world: World, ref: ClassRef, with_schema: bool = False) -> Fingerprint:
    fp = Fingerprint(name=ref.name, module=ref.module, cls=ref.name, version=None, value=None, data=None,
                     reason=None, notification=with_schema)
    try:
        version = world.class_attr(ref, "VERSION")
        if not isinstance(version, str):
            raise Unresolved("VERSION is not a string")
        fp.version = version
        data = repr(relevant_data(world, ref, with_schema))
    except Unresolved as exc:
        fp.reason = str(exc) or "unresolved"
        return fp
    except RecursionError:
        fp.reason = "too deeply nested"
        return fp
    fp.data = data
    fp.value = f"{version}-{hashlib.md5(data.encode(), usedforsecurity=False).hexdigest()}"
    return fp


# -- registration ---------------------------------------------------------

def registration(cs: ClassSummary) -> str | None:
    """'object', 'notification', or None (not registered / register_if(False))."""
    state = None
    for d in cs.decorators:
        if d[0] == "call" and d[1][0] == "n" and d[1][1].endswith("register_if"):
            arg = d[2][0] if d[2] else None
            if arg == ("c", False):
                return None
            state = state or "object"
        elif d[0] == "n":
            if d[1].endswith("register_notification"):
                state = "notification"
            elif d[1].endswith(".register") or d[1] == "register":
                state = state or "object"
    return state


def registered(world: World, modules=None) -> list[tuple[ClassRef, str]]:
    """Registered classes, newest VERSION per name."""
    found: dict[str, list] = {}
    for modname in sorted(modules if modules is not None else list(world.mods)):
        summary = world.mods.get(modname)
        if summary is None:
            continue
        for name, (kind, value) in summary.names.items():
            if kind != "class":
                continue
            how = registration(value)
            if how:
                found.setdefault(name, []).append((ClassRef(modname, name), how))
    out = []
    for name, cands in sorted(found.items()):
        real = [c for c in cands if not _is_test_module(c[0].module)]
        cands = real or cands  # a test's own object only where the project has none of that name
        if len(cands) > 1:
            def ver(c):
                try:
                    v = world.class_attr(c[0], "VERSION")
                except (Unresolved, ValueError, AttributeError):
                    return (-1,)
                return versions.key(v, (-1,)) if isinstance(v, str) else (-1,)
            cands = sorted(cands, key=ver, reverse=True)
        out.append(cands[0])
    return out


def _is_test_module(mod: str) -> bool:
    parts = mod.split(".")
    return "tests" in parts or "test" in parts or parts[-1].startswith("test_")


NOTIFICATION_TABLE = "notification_object_data"


@dataclass(frozen=True)
class Hashing:
    """How the project's own tests hash each record, so that the CLI, ``check``
    and the tests compute the one fingerprint the project records.

    oslo.versionedobjects adds extra data only when a test passes an
    ``extra_data_func``. nova's notification test passes one to
    ``test_hashes(notification_object_data, ...)`` and it adds the SCHEMA of
    every ``NotificationPayloadBase`` subclass; that is ``schema``
    (table -> payload base class), read from the test's code. A project whose
    ``extra_data_func`` only hashes a test's own class (masakari) has none, and
    its payloads are hashed plain wherever they are recorded."""

    schema: dict  # table -> base class whose subclasses that table hashes with SCHEMA
    tables: dict  # registered name -> the table that records it
    known: frozenset  # every record table of the project

    @classmethod
    def from_facts(cls, facts: dict) -> Hashing:
        schema: dict = {}
        tables: dict = {}
        stale = False
        for rel, f in sorted(facts.items()):
            ex = f.extra.get("objects") if f is not None else None
            if ex is None or not ex.records:
                continue
            if ex.extra_data is None:
                stale = True  # facts cached by an older build: the old rule
            for table, base in ex.extra_data or ():
                schema.setdefault(table, base)
            for r in ex.records:
                tables.setdefault(r.name, []).append(r.table)
        known = frozenset(t for ts in tables.values() for t in ts)
        if stale and NOTIFICATION_TABLE in known:
            schema.setdefault(NOTIFICATION_TABLE, "NotificationPayloadBase")
        home = {name: next((t for t in ts if t in schema), ts[0]) for name, ts in tables.items()}
        return cls(schema=schema, tables=home, known=known)

    def with_schema(self, world: World, ref: ClassRef, table: str | None) -> bool:
        base = self.schema.get(table) if table else None
        return base is not None and subclass_of(world, ref, base)

    def home(self, world: World, ref: ClassRef, how: str | None = None) -> str:
        """The table that records ``ref``, else the one it belongs in."""
        return self.tables.get(ref.name) or self.belongs(world, ref, how)

    def belongs(self, world: World, ref: ClassRef, how: str | None = None) -> str:
        """The table whose test checks ``ref``: a notification goes to
        notification_object_data where the project has one, anything else to
        object_data or the project's one table."""
        if NOTIFICATION_TABLE in self.known and is_notification(world, ref, how):
            return NOTIFICATION_TABLE
        plain = sorted(t for t in self.known if t != NOTIFICATION_TABLE)
        return "object_data" if "object_data" in plain or not plain else plain[0]

    def fingerprint(self, world: World, ref: ClassRef, how: str | None = None, table: str | None = None):
        """The fingerprint the project's test computes for ``ref`` in ``table``
        (default: its home table)."""
        table = table or self.home(world, ref, how)
        return compute(world, ref, with_schema=self.with_schema(world, ref, table))


def fingerprints(world: World, hashing: Hashing, modules=None) -> dict[str, Fingerprint]:
    """name -> fingerprint of every registered object, as the project's test
    hashes it in the table that records it."""
    return {ref.name: hashing.fingerprint(world, ref, how) for ref, how in registered(world, modules)}


# -- running over a tree --------------------------------------------------

def world_from_facts(facts: dict, reader=None, base_facts: dict | None = None, diff=None) -> World:
    """The World of a tree's facts; the modules they do not cover are read
    through ``reader`` (the engine's ``core.reader.Reader``), at the base
    commit of ``diff`` when it is given."""
    summaries = {}
    for rel, f in facts.items():
        if base_facts is not None and rel in base_facts:
            f = base_facts[rel]
        ex = f.extra.get("objects") if f is not None else None
        if ex is not None and ex.summary is not None:
            summaries[ex.summary.module] = ex.summary
    return World(summaries, ModuleSources(reader, diff))


def records_from_facts(facts: dict) -> list[tuple[str, object]]:
    out = []
    for rel, f in sorted(facts.items()):
        ex = f.extra.get("objects")
        if ex is not None:
            out.extend((rel, r) for r in ex.records)
    return out


def compare(world: World, records, hashing: Hashing) -> list[tuple[str, object, Fingerprint | None, str | None]]:
    """(path, record, fingerprint, expected string or None when unknown) per
    record, each hashed as its table's test hashes it."""
    refs = {ref.name: (ref, how) for ref, how in registered(world)}
    done: dict = {}
    out = []
    for rel, rec in records:
        entry = refs.get(rec.name)
        fp = None
        if entry is not None:
            schema = hashing.with_schema(world, entry[0], rec.table)
            if (rec.name, schema) not in done:
                done[(rec.name, schema)] = compute(world, entry[0], with_schema=schema)
            fp = done[(rec.name, schema)]
        out.append((rel, rec, fp, fp.value if fp is not None else None))
    return out
