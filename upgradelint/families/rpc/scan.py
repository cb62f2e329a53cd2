"""The flow-insensitive scan of one client method body: its calls (and whether
each sits under a version guard), local assignments, the keys of the kwargs
dicts it builds, the keys it drops, and the guards that raise."""

from __future__ import annotations

import functools

from upgradelint.core import versions
from upgradelint.core.cst.static import dotted
from upgradelint.core.lazy import cst
from upgradelint.families.rpc.syntax import contains, find, str_key


class _ScanHooks:
    """Flow-insensitive facts of one function body, with the guard context of each node."""

    def __init__(self, guard_pred):
        self.guard_pred = guard_pred  # node -> bool: a can_send_version (or alias) call
        self.guard_depth = 0
        self.if_stack: list[bool] = []
        self.calls: list[tuple[cst.Call, bool]] = []
        self.assigns: dict[str, list] = {}
        self.keys: dict[str, list[tuple[str, bool]]] = {}  # dict name -> (key, under a guard)
        self.open_dicts: set[str] = set()
        self.dropped: set[str] = set()
        self.guard_calls: list[cst.Call] = []
        self.raising_guards: list[cst.If] = []
        self.optin: set[str] = set()

    def visit_FunctionDef(self, node) -> bool:
        return False

    def visit_ClassDef(self, node) -> bool:
        return False

    def visit_If(self, node: cst.If) -> None:
        guard = contains(node.test, self.guard_pred)
        if not guard:
            # ironic: "avoid sending unset parameters": the argument and its version only when set
            vs = [a.value.evaluated_value for a in find(node.body, lambda n: isinstance(n, cst.Assign) and isinstance(
                n.value, cst.SimpleString) and len(n.targets) == 1 and isinstance(n.targets[0].target, cst.Name))
                if versions.is_version(str_key(a.value))]
            if vs:
                self.optin.update(vs)
                guard = True
        self.if_stack.append(guard)
        if guard:
            self.guard_depth += 1
            if contains(node.body, lambda n: isinstance(n, cst.Raise)):
                self.raising_guards.append(node)

    def leave_If(self, node) -> None:
        if self.if_stack.pop():
            self.guard_depth -= 1

    def visit_Call(self, node: cst.Call) -> None:
        self.calls.append((node, self.guard_depth > 0))
        if self.guard_pred(node):
            self.guard_calls.append(node)
        f = node.func
        if isinstance(f, cst.Attribute) and isinstance(f.value, cst.Name):
            d = f.value.value
            if f.attr.value == "pop" and node.args:
                k = str_key(node.args[0].value)
                if k:
                    self.dropped.add(k)
            elif f.attr.value in ("update", "setdefault"):
                if f.attr.value == "setdefault" and node.args:
                    k = str_key(node.args[0].value)
                    if k:
                        self.keys.setdefault(d, []).append((k, self.guard_depth > 0))
                for a in node.args:
                    if a.keyword is not None:
                        self.keys.setdefault(d, []).append((a.keyword.value, self.guard_depth > 0))
                    elif isinstance(a.value, cst.Dict):
                        self._dict_keys(d, a.value)
                    elif f.attr.value == "update":
                        self.open_dicts.add(d)

    def _dict_keys(self, name, node: cst.Dict):
        for el in node.elements:
            if isinstance(el, cst.DictElement):
                k = str_key(el.key)
                if k:
                    self.keys.setdefault(name, []).append((k, self.guard_depth > 0))
                else:
                    self.open_dicts.add(name)
            else:
                self.open_dicts.add(name)

    def visit_Assign(self, node: cst.Assign) -> None:
        for t in node.targets:
            tgt = t.target
            if isinstance(tgt, cst.Name):
                self.assigns.setdefault(tgt.value, []).append(node.value)
                if isinstance(node.value, cst.Dict):
                    self._dict_keys(tgt.value, node.value)
                elif isinstance(node.value, cst.Call) and dotted(node.value.func) == "dict":
                    for a in node.value.args:
                        if a.keyword is not None:
                            self.keys.setdefault(tgt.value, []).append((a.keyword.value, self.guard_depth > 0))
                        else:
                            self.open_dicts.add(tgt.value)
            elif isinstance(tgt, (cst.Tuple, cst.List)):
                for el in tgt.elements:
                    if isinstance(el.value, cst.Name):
                        self.assigns.setdefault(el.value.value, []).append(None)
            elif isinstance(tgt, cst.Subscript) and isinstance(tgt.value, cst.Name) and len(tgt.slice) == 1:
                sl = tgt.slice[0].slice
                k = str_key(sl.value) if isinstance(sl, cst.Index) else None
                if k:
                    self.keys.setdefault(tgt.value.value, []).append((k, self.guard_depth > 0))

    def visit_Del(self, node: cst.Del) -> None:
        targets = node.target.elements if isinstance(node.target, cst.Tuple) else [node.target]
        for t in targets:
            if isinstance(t, cst.Element):
                t = t.value
            if isinstance(t, cst.Subscript) and len(t.slice) == 1 and isinstance(t.slice[0].slice, cst.Index):
                k = str_key(t.slice[0].slice.value)
                if k:
                    self.dropped.add(k)


@functools.lru_cache(maxsize=None)
def scanner():
    """The ``Scan`` visitor class, built on first use so that importing this
    module does not import libcst."""

    class Scan(_ScanHooks, cst.CSTVisitor):
        """The hooks of ``_ScanHooks`` as a LibCST visitor (driven by ``fast_visit``)."""

    return Scan
