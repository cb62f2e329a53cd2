"""The evaluator behind the fingerprint: values of names, classes and
constructors computed from module summaries (upgradelint.families.objects.summary)
without importing anything. A World holds the project's summaries (from facts)
and reads the modules they do not cover through ModuleSources (the engine's
reader: project files, library sources, the built-in stubs). It resolves field
classes, ``AUTO_TYPE``, enum ``valid_values`` (across modules), bases in C3
order and what an object's class leaves in ``fields``; what cannot be resolved
raises ``Unresolved`` with the reason, it is never guessed."""

from __future__ import annotations

from dataclasses import dataclass

from upgradelint.families.objects.sources import ModuleSources
from upgradelint.families.objects.summary import ClassSummary, Method, ModuleSummary

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


BUILTIN_TYPES = {"str": str, "int": int, "bool": bool, "float": float, "dict": dict, "list": list,
                 "tuple": tuple, "set": set, "bytes": bytes, "object": object, "frozenset": frozenset}
_BUILTINS = set(BUILTIN_TYPES) | {"sorted", "len", "super", "min", "max", "reversed", "range"}


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
        if not (plain(left) and plain(right)):
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
            if not isinstance(right, (list, tuple, set, frozenset, dict, str)) or not plain(left):
                raise Unresolved("membership test on a non-constant")
            return (left in right) == (op == "in")
        if op in ("is", "is not"):
            if not (left is None or right is None or isinstance(left, bool) or isinstance(right, bool)):
                raise Unresolved("identity test on a non-constant")
            return (left is right) == (op == "is")
        if not (plain(left) and plain(right)):
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
        if not plain(v):
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
            if n in BUILTIN_TYPES and not all(plain(a) for a in args):
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
                if n in BUILTIN_TYPES:
                    return BUILTIN_TYPES[n](*args, **kwargs)
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
            if func.name == "itertools.chain" and all(plain(a) for a in args) and not kwargs:
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


def plain(v) -> bool:
    if isinstance(v, (str, int, float, bool, type(None), bytes)):
        return True
    if isinstance(v, (list, tuple, set, frozenset)):
        return all(plain(x) for x in v)
    if isinstance(v, dict):
        return all(plain(k) and plain(x) for k, x in v.items())
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


def merged_fields(world: World, ref: ClassRef) -> dict:
    """The ``fields`` an object class ends up with: the ``fields`` dicts along
    its MRO (the nearest definition wins), and neutron's standard attributes."""
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
