"""The oslo.versionedobjects fingerprint, computed from source.

``ObjectVersionChecker.get_hashes()`` hashes, per registered object,
``repr((sorted(fields.items()), sorted(remotable specs)[, OrderedDict(child_versions)]) + extra)``.
This module rebuilds that repr without importing anything: a small evaluator
over module summaries (upgradelint.families.objects.summary) resolves field classes,
``AUTO_TYPE``, enum ``valid_values`` (across modules), bases in C3 order and
remotable signatures. Modules the facts do not cover are read through the
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
from upgradelint.families.objects.summary import ClassSummary, Method, ModuleSummary

ArgSpec = namedtuple("ArgSpec", ("args", "varargs", "keywords", "defaults"))
OVO = "oslo_versionedobjects"
# modules whose classes may sit in an object's MRO without being read: they
# define no fields and no remotable methods
SAFE_OPAQUE = ("abc", "typing", "collections", "builtins", "enum", "six", "functools")


class Unresolved(Exception):
    """The value cannot be known statically; the message says why."""


@dataclass(frozen=True)
class ClassRef:
    module: str
    name: str

    def __repr__(self):
        return f"<class '{self.module}.{self.name}'>"

    __str__ = __repr__


@dataclass(frozen=True)
class Opaque:
    """Something from a module we cannot read."""

    name: str


@dataclass(frozen=True)
class ModuleRef:
    module: str


@dataclass(frozen=True)
class FuncRef:
    module: str
    name: str


@dataclass(frozen=True)
class Builtin:
    name: str


class _Bases(tuple):
    """The bases a with_metaclass() call stands for."""


class Poison:
    def __init__(self, reason):
        self.reason = reason


class Inst:
    def __init__(self, cls):
        self.cls = cls
        self.attrs = {}


class R:
    """A value whose repr is a fixed string."""

    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return self.text


_BUILTIN_TYPES = {"str": str, "int": int, "bool": bool, "float": float, "dict": dict, "list": list,
                  "tuple": tuple, "set": set, "bytes": bytes, "object": object, "frozenset": frozenset}
_BUILTINS = set(_BUILTIN_TYPES) | {"sorted", "len", "super", "min", "max", "reversed", "range"}


@dataclass
class Scope:
    module: str
    cls: ClassRef | None = None
    locals: dict | None = None


class World:
    """All modules a fingerprint may need: the project's (from facts), then
    the ones ``sources`` reads through the engine's reader (project files,
    library sources, the built-in stubs)."""

    def __init__(self, summaries: dict[str, ModuleSummary], sources: ModuleSources | None = None):
        self.mods = dict(summaries)
        self.sources = sources if sources is not None else ModuleSources()
        self._missing: set[str] = set()
        self._gcache: dict = {}
        self._ccache: dict = {}
        self._mro: dict = {}
        self._busy: set = set()
        self.trace: list | None = None  # when a list: every class and module read, in order

    # -- modules ---------------------------------------------------------
    def module(self, name: str) -> ModuleSummary | None:
        if name in self.mods:
            return self.mods[name]
        if name in self._missing or not name:
            return None
        summary = self.sources.load(name)
        if summary is None:
            self._missing.add(name)
        else:
            self.mods[name] = summary
        return summary

    # -- names -----------------------------------------------------------
    def global_(self, mod: str, name: str):
        key = (mod, name)
        if self.trace is not None:
            self.trace.append(ModuleRef(mod))
        if key in self._gcache:
            v = self._gcache[key]
            if isinstance(v, Unresolved):
                raise v
            return v
        if key in self._busy:
            raise Unresolved(f"{mod}.{name} refers to itself")
        self._busy.add(key)
        try:
            v = self._global(mod, name)
        except Unresolved as exc:
            self._gcache[key] = exc
            raise
        finally:
            self._busy.discard(key)
        self._gcache[key] = v
        return v

    def _global(self, mod: str, name: str):
        summary = self.module(mod)
        if summary is None:
            return Opaque(f"{mod}.{name}")
        entry = summary.names.get(name)
        if entry is None:
            sub = self.module(f"{mod}.{name}")
            if sub is not None:
                return ModuleRef(sub.module)
            if name in _BUILTINS:
                return Builtin(name)
            raise Unresolved(f"{mod} has no name {name!r}")
        kind, value = entry
        if kind == "import":
            return self.import_target(value)
        if kind == "class":
            return ClassRef(mod, name)
        if kind == "func":
            return FuncRef(mod, name)
        return self.eval(value, Scope(mod))

    def import_target(self, target: str):
        if self.module(target) is not None:
            return ModuleRef(target)
        if "." in target:
            parent, attr = target.rsplit(".", 1)
            if self.module(parent) is not None:
                return self.global_(parent, attr)
        return Opaque(target)

    def lookup(self, name: str, scope: Scope):
        if scope.locals is not None and name in scope.locals:
            return scope.locals[name]
        if scope.cls is not None and scope.locals is None:
            cs = self.class_summary(scope.cls)
            # ``fields = {'a': fields.X()}``: the right side sees the module's name
            if cs is not None and name in cs.names and (scope.cls, name) not in self._busy:
                return self.class_own(scope.cls, name)
        return self.global_(scope.module, name)

    # -- classes ---------------------------------------------------------
    def class_summary(self, ref) -> ClassSummary | None:
        if not isinstance(ref, ClassRef):
            return None
        m = self.module(ref.module)
        if m is None:
            return None
        entry = m.names.get(ref.name)
        return entry[1] if entry and entry[0] == "class" else None

    def bases(self, ref: ClassRef) -> list:
        cs = self.class_summary(ref)
        out = []
        for b in cs.bases:
            v = self.eval(b, Scope(ref.module))
            if isinstance(v, Builtin) and v.name == "object":
                continue
            if isinstance(v, (ClassRef, Opaque)):
                out.append(v)
            elif isinstance(v, _Bases) and all(isinstance(x, (ClassRef, Opaque)) for x in v):
                out.extend(v)
            elif isinstance(v, ModuleRef):
                raise Unresolved(f"base {v.module} of {ref.name} is a module")
            else:
                raise Unresolved(f"cannot resolve a base of {ref.name}")
        return out

    def mro(self, ref) -> list:
        if isinstance(ref, Opaque):
            return [ref]
        if ref in self._mro:
            v = self._mro[ref]
            if isinstance(v, Unresolved):
                raise v
            return v
        if ref in self._busy:
            raise Unresolved(f"{ref.name} inherits from itself")
        self._busy.add(ref)
        try:
            seqs = [self.mro(b) for b in self.bases(ref)]
            seqs.append(self.bases(ref))
            out = [ref] + _c3(seqs, ref.name)
        except Unresolved as exc:
            self._mro[ref] = exc
            raise
        finally:
            self._busy.discard(ref)
        self._mro[ref] = out
        return out

    def issub(self, ref, module: str, name: str) -> bool:
        try:
            return any(isinstance(c, ClassRef) and c.name == name and c.module.startswith(module)
                       for c in self.mro(ref))
        except Unresolved:
            return False

    def class_own(self, ref: ClassRef, name: str):
        key = (ref, name)
        if self.trace is not None:
            self.trace.append(ref)
        if key in self._ccache:
            v = self._ccache[key]
            if isinstance(v, Unresolved):
                raise v
            return v
        if key in self._busy:
            raise Unresolved(f"{ref.name}.{name} refers to itself")
        cs = self.class_summary(ref)
        kind, value = cs.names[name]
        self._busy.add(key)
        try:
            if kind == "assign":
                v = self.eval(value, Scope(ref.module, cls=ref))
            elif kind == "func":
                v = value
            else:
                raise Unresolved(f"nested class {ref.name}.{name}")
        except Unresolved as exc:
            self._ccache[key] = exc
            raise
        finally:
            self._busy.discard(key)
        self._ccache[key] = v
        return v

    def definer(self, ref, name: str):
        """The class in ref's MRO that defines ``name`` (None: not found)."""
        for c in self.mro(ref):
            if isinstance(c, Opaque):
                if not c.name.startswith(SAFE_OPAQUE):
                    raise Unresolved(f"{name!r} may come from {c.name}, which cannot be read")
                continue
            cs = self.class_summary(c)
            if "<dynamic>" in cs.names:
                raise Unresolved(f"{c.name} defines attributes conditionally")
            if name in cs.names:
                return c
        return None

    def class_attr(self, ref, name: str):
        if name == "__name__":
            return ref.name
        if name == "fields" and self.issub(ref, OVO, "VersionedObject"):
            return merged_fields(self, ref)  # what _make_class_properties leaves on the class
        c = self.definer(ref, name)
        if c is None:
            raise Unresolved(f"{ref.name} has no attribute {name!r}")
        return self.class_own(c, name)

    # -- evaluation ------------------------------------------------------
    def getattr(self, value, name: str):
        if isinstance(value, ModuleRef):
            return self.global_(value.module, name)
        if isinstance(value, ClassRef):
            return self.class_attr(value, name)
        if isinstance(value, Inst):
            if name == "__class__":
                return value.cls
            if name in value.attrs:
                v = value.attrs[name]
                if isinstance(v, Poison):
                    raise Unresolved(v.reason)
                return v
            return self.class_attr(value.cls, name)
        if isinstance(value, Opaque):
            return Opaque(f"{value.name}.{name}")
        if isinstance(value, (dict, list, tuple, set, frozenset, str)) and name in (
                "keys", "values", "items", "copy", "get", "union", "index", "count", "format", "join", "upper",
                "lower"):
            return getattr(value, name)
        raise Unresolved(f"cannot read attribute {name!r}")

    def eval(self, node, scope: Scope):
        kind = node[0]
        if kind == "c":
            return node[1]
        if kind == "n":
            parts = node[1].split(".")
            v = self.lookup(parts[0], scope)
            for p in parts[1:]:
                v = self.getattr(v, p)
            return v
        if kind == "attr":
            return self.getattr(self.eval(node[1], scope), node[2])
        step = self._STEPS.get(kind)
        if step is None:
            raise Unresolved(f"cannot evaluate {node[1] if kind == '?' else kind}")
        return step(self, node, scope)

    def _positional(self, items, scope: Scope) -> list:
        """Call arguments or display items: ``('*', ir)`` unpacks a constant."""
        out = []
        for it in items:
            if it[0] == "*":
                out.extend(self._iter(self.eval(it[1], scope)))
            else:
                out.append(self.eval(it, scope))
        return out

    def _eval_items(self, node, scope: Scope):
        kind = node[0]
        items = self._positional(node[1], scope)
        if kind == "set":
            try:
                return set(items)
            except TypeError:
                raise Unresolved("unhashable set item") from None
        return tuple(items) if kind == "tuple" else items

    def _eval_dict(self, node, scope: Scope):
        out = {}
        for k, v in node[1]:
            if k is None:
                m = self.eval(v, scope)
                if not isinstance(m, dict):
                    raise Unresolved("** of a non-dict")
                out.update(m)
            else:
                kv = self.eval(k, scope)
                try:
                    out[kv] = self.eval(v, scope)
                except TypeError:
                    raise Unresolved("unhashable key") from None
        return out

    def _eval_call(self, node, scope: Scope):
        func = self.eval(node[1], scope)
        args = self._positional(node[2], scope)
        kwargs = {}
        for k, v in node[3]:
            if k is None:
                m = self.eval(v, scope)
                if not isinstance(m, dict):
                    raise Unresolved("** of a non-dict")
                kwargs.update(m)
            else:
                kwargs[k] = self.eval(v, scope)
        return self.apply(func, args, kwargs)

    def _eval_bin(self, node, scope: Scope):
        left, right = self.eval(node[2], scope), self.eval(node[3], scope)
        if not (_plain(left) and _plain(right)):
            raise Unresolved("operation on a non-constant")
        try:
            if node[1] == "+":
                return left + right
            if node[1] == "-":
                return left - right
            if node[1] == "*":
                return left * right
            if node[1] == "%":
                return left % (tuple(right) if isinstance(right, list) else right)
            if node[1] == "|":
                return left | right
        except Exception:  # noqa: BLE001
            raise Unresolved("constant operation failed") from None
        raise Unresolved("cannot evaluate bin")

    def _eval_cmp(self, node, scope: Scope):
        left, right = self.eval(node[2], scope), self.eval(node[3], scope)
        op = node[1]
        if op in ("in", "not in"):
            if not isinstance(right, (list, tuple, set, frozenset, dict, str)) or not _plain(left):
                raise Unresolved("membership test on a non-constant")
            return (left in right) == (op == "in")
        if op in ("is", "is not"):
            if not (left is None or right is None or isinstance(left, bool) or isinstance(right, bool)):
                raise Unresolved("identity test on a non-constant")
            return (left is right) == (op == "is")
        if not (_plain(left) and _plain(right)):
            raise Unresolved("comparison of a non-constant")
        return (left == right) == (op == "==")

    def _eval_not(self, node, scope: Scope):
        v = self.eval(node[1], scope)
        if not isinstance(v, (bool, type(None), int, str)):
            raise Unresolved("not of a non-constant")
        return not v

    def _eval_neg(self, node, scope: Scope):
        v = self.eval(node[1], scope)
        if isinstance(v, (int, float)):
            return -v
        raise Unresolved("cannot evaluate neg")

    def _eval_sub(self, node, scope: Scope):
        v, i = self.eval(node[1], scope), self.eval(node[2], scope)
        if isinstance(v, Opaque):
            return v  # Generic[T], Sequence[X] as a base
        if isinstance(v, ClassRef):
            return v  # Field[T]
        try:
            return v[i]
        except Exception:  # noqa: BLE001
            raise Unresolved("subscript failed") from None

    def _comp(self, node, scope: Scope):
        _, kind, elt, gens = node
        results = []

        def run(i, local):
            if i == len(gens):
                inner = Scope(scope.module, locals=local)
                if kind == "dict":
                    results.append((self.eval(elt[0], inner), self.eval(elt[1], inner)))
                else:
                    results.append(self.eval(elt, inner))
                return
            names, it, ifs = gens[i]
            # the first iterable is evaluated in the enclosing scope, the rest inside
            src = self.eval(it, scope if i == 0 else Scope(scope.module, locals=local))
            for item in self._iter(src):
                new = dict(local)
                if len(names) == 1:
                    new[names[0]] = item
                else:
                    if not isinstance(item, (tuple, list)) or len(item) != len(names):
                        raise Unresolved("cannot unpack in a comprehension")
                    new.update(zip(names, item))
                inner = Scope(scope.module, locals=new)
                if all(self._truth(self.eval(c, inner)) for c in ifs):
                    run(i + 1, new)

        run(0, dict(scope.locals or {}))
        if kind == "dict":
            try:
                return dict(results)
            except TypeError:
                raise Unresolved("unhashable key") from None
        if kind == "set":
            try:
                return set(results)
            except TypeError:
                raise Unresolved("unhashable set item") from None
        return results

    @staticmethod
    def _truth(v):
        if not _plain(v):
            raise Unresolved("condition on a non-constant")
        return bool(v)

    def _iter(self, v):
        if isinstance(v, (list, tuple, set, frozenset, dict)):
            return list(v)
        raise Unresolved("star of a non-constant")

    def apply(self, func, args, kwargs):
        if isinstance(func, ClassRef):
            return self.instantiate(func, args, kwargs)
        if isinstance(func, Builtin):
            n = func.name
            if n in _BUILTIN_TYPES and not all(_plain(a) for a in args):
                raise Unresolved(f"{n}() of a non-constant")
            try:
                if n == "sorted":
                    return sorted(*args, **kwargs)
                if n in ("len", "min", "max"):
                    return {"len": len, "min": min, "max": max}[n](*args)
                if n == "reversed":
                    return list(reversed(*args))
                if n == "range":
                    return list(range(*args))
                if n in _BUILTIN_TYPES:
                    return _BUILTIN_TYPES[n](*args, **kwargs)
            except Exception:  # noqa: BLE001
                raise Unresolved(f"{n}() failed") from None
            raise Unresolved(f"cannot call {n}()")
        if callable(func) and not isinstance(func, (Inst, Opaque, ModuleRef, FuncRef, Method)):
            try:
                v = func(*args, **kwargs)
            except Exception:  # noqa: BLE001
                raise Unresolved("method call failed") from None
            if type(v).__name__ in ("dict_keys", "dict_values", "dict_items"):
                v = list(v)
            return v
        if isinstance(func, Opaque):
            if func.name == "itertools.chain" and all(_plain(a) for a in args) and not kwargs:
                return [x for a in args for x in a]
            raise Unresolved(f"calls {func.name}, which cannot be read")
        if isinstance(func, FuncRef) and func.name == "with_metaclass" and args:
            # jinja2-style with_metaclass(meta, *bases): the bases, without a dummy class
            return _Bases(args[1:])
        raise Unresolved("call of a function")

    def instantiate(self, cls: ClassRef, args, kwargs):
        inst = Inst(cls)
        self.call_init(inst, self.mro(cls), 0, args, kwargs)
        return inst

    def call_init(self, inst, mro, start, args, kwargs):
        for i in range(start, len(mro)):
            c = mro[i]
            if isinstance(c, Opaque):
                if c.name.startswith(SAFE_OPAQUE):
                    continue
                raise Unresolved(f"constructor of {c.name} cannot be read")
            cs = self.class_summary(c)
            entry = cs.names.get("__init__")
            if entry and entry[0] == "func":
                self._interpret(entry[1], c, i, mro, inst, args, kwargs)
                return
        return

    def _interpret(self, method: Method, cls: ClassRef, index: int, mro, inst, args, kwargs):
        """Run ``cls.__init__`` (``cls`` is ``mro[index]``) on ``inst``: its
        ``self.x = ...`` assignments and the base constructors it calls."""
        params = list(method.params)
        if not params or params[0].kind != "pos":
            raise Unresolved(f"{cls.name}.__init__ has no self")
        self_name = params[0].name
        scope = Scope(cls.module, locals=self._bind(params, cls, inst, args, kwargs))
        for stmt in method.body:
            if stmt[0] == "set":
                try:
                    inst.attrs[stmt[1]] = self.eval(stmt[2], scope)
                except Unresolved as exc:
                    inst.attrs[stmt[1]] = Poison(str(exc))
                continue
            call = stmt[1]
            target, cargs = self._init_target(call, scope, mro, index, self_name)
            if target is None:
                continue
            a = self._positional(cargs, scope)
            kw = {}
            for k, v in call[3]:
                if k is None:
                    kw.update(self.eval(v, scope))
                else:
                    kw[k] = self.eval(v, scope)
            self.call_init(inst, mro, target, a, kw)

    def _bind(self, params, cls: ClassRef, inst, args, kwargs) -> dict:
        """The constructor's locals: ``self``, and its parameters bound to the call's arguments."""
        local: dict = {params[0].name: inst}
        pos = [p for p in params[1:] if p.kind == "pos"]
        args = list(args)
        kwargs = dict(kwargs)
        for p in pos:
            if args:
                local[p.name] = args.pop(0)
            elif p.name in kwargs:
                local[p.name] = kwargs.pop(p.name)
            elif p.default is not None:
                local[p.name] = self.eval(p.default, Scope(cls.module))
            else:
                raise Unresolved(f"{cls.name}() missing argument {p.name!r}")
        for p in params:
            if p.kind == "vararg":
                local[p.name] = tuple(args)
                args = []
            elif p.kind == "kwonly":
                if p.name in kwargs:
                    local[p.name] = kwargs.pop(p.name)
                elif p.default is not None:
                    local[p.name] = self.eval(p.default, Scope(cls.module))
        varkw = [p for p in params if p.kind == "varkw"]
        if varkw:
            local[varkw[0].name] = kwargs
            kwargs = {}
        if args or kwargs:
            raise Unresolved(f"{cls.name}() takes other arguments")
        return local

    def _init_target(self, call, scope: Scope, mro, index: int, self_name: str):
        """(MRO index, arguments) of the base constructor that a
        ``super().__init__(...)`` or ``Base.__init__(self, ...)`` statement
        runs; (None, arguments) for any other call."""
        func = call[1]
        target = None
        cargs = call[2]
        if func[0] == "attr" and func[2] == "__init__" and func[1][0] == "call" and func[1][1] == ("n", "super"):
            sargs = func[1][2]
            if sargs:
                named = self.eval(sargs[0], scope)
                target = mro.index(named) + 1 if named in mro else None
                if target is None:
                    raise Unresolved(f"super({named}) outside the MRO")
            else:
                target = index + 1
        elif func[0] == "n" and func[1].endswith(".__init__") and cargs and cargs[0] == ("n", self_name):
            named = self.eval(("n", func[1][: -len(".__init__")]), scope)
            if named in mro:
                target = mro.index(named)
                cargs = cargs[1:]
        return target, cargs

    # eval() of the IR kinds beyond constants, names and attributes
    _STEPS = {"tuple": _eval_items, "list": _eval_items, "set": _eval_items, "dict": _eval_dict,
              "call": _eval_call, "bin": _eval_bin, "comp": _comp, "cmp": _eval_cmp, "not": _eval_not,
              "neg": _eval_neg, "sub": _eval_sub}


def _plain(v) -> bool:
    if isinstance(v, (str, int, float, bool, type(None), bytes)):
        return True
    if isinstance(v, (list, tuple, set, frozenset)):
        return all(_plain(x) for x in v)
    if isinstance(v, dict):
        return all(_plain(k) and _plain(x) for k, x in v.items())
    return False


def _c3(seqs, name):
    seqs = [list(s) for s in seqs if s]
    out = []
    while True:
        seqs = [s for s in seqs if s]
        if not seqs:
            return out
        for s in seqs:
            head = s[0]
            if not any(head in t[1:] for t in seqs):
                break
        else:
            raise Unresolved(f"no consistent MRO for {name}")
        out.append(head)
        for s in seqs:
            if s[0] == head:
                del s[0]


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
    if _plain(v) or isinstance(v, ClassRef):
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
    if s in _BUILTIN_TYPES:
        return _BUILTIN_TYPES[s]
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
    if not _plain(vv):
        raise Unresolved(f"{f.cls.name}: valid_values not constant")
    return f"{tname}(default={default},nullable={nullable},valid_values={vv})"


def default_str(world: World, d) -> str:
    if isinstance(d, ClassRef):
        return repr(d)
    if isinstance(d, (set, frozenset)) and _plain(d):
        return "set([{}])".format(",".join(sorted(str(v) for v in d)))
    if isinstance(d, Inst) and world.issub(d.cls, OVO, "VersionedObject"):
        names = sorted(merged_fields(world, d.cls))
        if d.attrs:
            raise Unresolved("object default with attributes set")
        return "{}({})".format(d.cls.name, ",".join(f"{n}=<?>" for n in names))
    if _plain(d):
        return str(d)
    raise Unresolved("default value has no static str()")


def merged_fields(world: World, ref: ClassRef) -> dict:
    out: dict = {}
    for c in world.mro(ref):
        if isinstance(c, Opaque):
            if c.name.startswith(SAFE_OPAQUE):
                continue
            raise Unresolved(f"fields may come from {c.name}, which cannot be read")
        cs = world.class_summary(c)
        if "<dynamic>" in cs.names:
            raise Unresolved(f"{c.name} defines attributes conditionally")
        if "fields" in cs.names:
            own = world.class_own(c, "fields")
            if not isinstance(own, dict):
                raise Unresolved(f"{c.name}.fields is not a dict")
            for k, v in own.items():
                out.setdefault(k, v)
    std = _neutron_standard_attributes(world, ref)
    if std:
        out.update(std)
    return out


def _neutron_standard_attributes(world: World, ref: ClassRef) -> dict | None:
    """neutron's DeclarativeObject metaclass adds neutron_lib's
    STANDARD_ATTRIBUTES to classes whose db_model has standard attributes."""
    mro = world.mro(ref)
    if not any(isinstance(c, ClassRef) and c.name == "NeutronDbObject" and c.module.startswith("neutron.")
               for c in mro):
        return None
    model = world.class_attr(ref, "db_model") if world.definer(ref, "db_model") else None
    if not isinstance(model, ClassRef):
        if model is None:
            return None
        raise Unresolved("db_model cannot be resolved")
    if not any(isinstance(c, ClassRef) and c.name == "HasStandardAttributes" for c in world.mro(model)):
        return None
    std = world.global_("neutron_lib.objects.extensions.standardattributes", "STANDARD_ATTRIBUTES")
    if not isinstance(std, dict):
        raise Unresolved("STANDARD_ATTRIBUTES cannot be read")
    return std


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
        if not isinstance(cv, dict) or not _plain(cv):
            raise Unresolved("child_versions is not a constant dict")
        items = sorted(cv.items())
        data = data + (R(f"OrderedDict({items!r})" if items else "OrderedDict()"),)
    if with_schema:
        schema = world.class_attr(ref, "SCHEMA")
        if not isinstance(schema, dict) or not _plain(schema):
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


def is_payload(world: World, ref: ClassRef) -> bool:
    try:
        return any(isinstance(c, ClassRef) and c.name == "NotificationPayloadBase" for c in world.mro(ref))
    except Unresolved:
        return False


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


def fingerprints(world: World, modules=None) -> dict[str, Fingerprint]:
    """name -> fingerprint of every registered object (notification payloads
    with their SCHEMA, as nova's notification test hashes them)."""
    out = {}
    for ref, how in registered(world, modules):
        out[ref.name] = compute(world, ref, with_schema=is_payload(world, ref))
    return out


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


def compare(world: World, records) -> list[tuple[str, object, Fingerprint | None, str | None]]:
    """(path, record, fingerprint, expected string or None when unknown) per record."""
    fps = fingerprints(world)
    plain: dict = {}
    out = []
    for rel, rec in records:
        fp = fps.get(rec.name)
        if fp is not None and fp.notification and rec.table != "notification_object_data":
            if rec.name not in plain:
                ref = ClassRef(fp.module, fp.cls)
                plain[rec.name] = compute(world, ref, with_schema=False)
            fp = plain[rec.name]
        out.append((rel, rec, fp, fp.value if fp is not None else None))
    return out
