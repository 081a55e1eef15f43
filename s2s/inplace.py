"""In-place changes of arrays, lists and dicts (x[i] = v, xs.append(v), ...):
what both transformers need to know about them.

The reverse sweep undoes every in-place change it has to (the overwritten
slice is pushed before `x[i] = v` and written back after that statement's
adjoint; `xs.append(v)` is undone by `xs.pop()`), so that when the adjoint of
a statement runs, every array, list and dict holds what it held right after
that statement ran: the same rule as for rebound names, applied to contents.
Because the undo writes into the very objects the primal sweep changed, names
that share an object (y = x, a list holding an array) see the restored
contents too.

What is supported, and checked here:
  - assigning into arrays, lists and dicts the function owns; a parameter
    assigned into (or appended to) is copied on entry, so the caller's value
    is never changed;
  - assigning into a name that shares its array with another user variable
    (`y = x; y[0] = 1`, or a view `row = H[t]; row[0] = 1`) is refused: the
    write would change x too, which name-level differentiation cannot follow.
    Write `y = x.copy()`.
  - an augmented assignment `y += v` (any operator) changes y's array in
    place; where y may share it with another user variable (a row of
    `for y in x`, `y = x`, a view or an item of x), the generated code checks
    at run time that y holds no array (a number is rebound, as Python does)
    and raises UnsupportedError otherwise (in_place_alias_guard).
Still not followed (documented in the README): reading a view taken before
its base is written in place (`r = H[0]; H[0] = v; use(r)`) sees the old
derivative routing.
"""
import re

import gast
import numpy as np

from .errors import UnsupportedError
from .activity import statements
from .normalize import is_setitem, mutated_names, origin_of
from .walk import name_nodes

# Methods whose result may share memory with (or be an item of) the receiver.
SHARING_METHODS = {"reshape", "ravel", "transpose", "view", "squeeze", "swapaxes"}
# Methods whose result is an item (or items) of the receiver.
ITEM_METHODS = {"pop", "get", "items", "values", "keys"}
LIST_METHODS = {"append", "extend", "pop", "insert"}


def _sharing_functions():
    import numpy as np
    return {np.asarray, np.asanyarray, np.reshape, np.transpose, np.ravel, np.squeeze,
            np.expand_dims, np.swapaxes, np.moveaxis, np.atleast_1d, np.atleast_2d,
            np.atleast_3d, np.broadcast_to, np.diagonal, np.real, np.imag}


def _names(expr):
    return [n.id for n in name_nodes(expr)]


class InPlace:
    """body: a normalised function body; params: its parameter names."""

    def __init__(self, body, params, resolver, location, generated_names):
        self.body = body
        self.params = list(params)
        self.resolver = resolver
        self.location = location
        self.generated = set(generated_names)
        self.mutated = mutated_names(body)
        self.setitem_targets = {s.targets[0].value.id for s in statements(body)
                                if is_setitem(s)}
        self.list_vars, self.dict_vars = set(), set()
        for s in statements(body):
            if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name):
                if isinstance(s.value, gast.List) or (  # [], [a, b], [0.0] * n
                        isinstance(s.value, gast.BinOp) and any(
                            isinstance(side, gast.Name) and side.id in self.list_vars
                            for side in (s.value.left, s.value.right))):
                    self.list_vars.add(s.targets[0].id)
                elif isinstance(s.value, gast.Dict):
                    self.dict_vars.add(s.targets[0].id)
            call = s.value if isinstance(s, (gast.Expr, gast.Assign)) else None
            if (isinstance(call, gast.Call) and isinstance(call.func, gast.Attribute)
                    and call.func.attr in LIST_METHODS and isinstance(call.func.value, gast.Name)):
                self.list_vars.add(call.func.value.id)
        for s in statements(body):  # x["key"] = v: x is a dict
            if is_setitem(s) and isinstance(s.targets[0].slice, gast.Constant) \
                    and isinstance(s.targets[0].slice.value, str):
                self.dict_vars.add(s.targets[0].value.id)
        self._parent = {}
        self._containers = {}  # name -> names of lists, tuples, dicts that may hold it
        self._union_sharing()
        self._check_shared_targets()
        self.param_copies = [p for p in self.params
                             if any(self.find(m) == self.find(p) for m in self.mutated)]

    # ---- which names may share an object ------------------------------------
    def find(self, v):
        while self._parent.get(v, v) != v:
            v = self._parent[v]
        return v

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self._parent[max(ra, rb)] = min(ra, rb)

    def same(self, v):
        """Names that may hold (part of) the same object as v, v included."""
        root = self.find(v)
        members = {v}
        for other in list(self._parent) + [root]:
            if self.find(other) == root:
                members.add(other)
        return members

    def sharing(self, v):
        """Names whose value changes when v's object is changed in place: the
        same object, and the lists, tuples and dicts that may hold it."""
        affected, todo = set(), [v]
        while todo:
            for member in self.same(todo.pop()):
                if member not in affected:
                    affected.add(member)
                    todo.extend(self._containers.get(member, ()))
        return affected

    def contains(self, container, item):
        self._containers.setdefault(item, set()).add(container)

    def shares_with(self, stmt):
        """For an assignment, the operand names whose object the target may
        share (a copy `y = x`, a view, an item of a container, ...)."""
        value = stmt.value
        if isinstance(value, (gast.Name, gast.Subscript)):
            return [n for n in _names(value.value if isinstance(value, gast.Subscript)
                                      else value)]
        if isinstance(value, gast.Attribute):
            return _names(value.value)
        if isinstance(value, gast.Call):
            func = value.func
            if isinstance(func, gast.Attribute) and not self.resolver.is_static(func):
                # a method of a local value
                return _names(func.value) if func.attr in SHARING_METHODS else []
            prim = self.resolver(value)
            if prim.kind == "user":
                return prim.operand_names()
            try:
                sharing = prim.function in _sharing_functions()
            except TypeError:  # unhashable callee
                sharing = False
            if sharing and prim.args:
                return _names(prim.args[0])
        return []

    def _union_sharing(self):
        for s in statements(self.body):
            if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name):
                target = s.targets[0].id
                if isinstance(s.value, (gast.List, gast.Tuple, gast.Dict)):
                    for item in _names(s.value):  # a new container holding the items
                        self.contains(target, item)
                    continue
                call = s.value
                if (isinstance(call, gast.Call) and isinstance(call.func, gast.Attribute)
                        and call.func.attr in ITEM_METHODS and isinstance(call.func.value, gast.Name)
                        and not self.resolver.is_static(call.func)):
                    self.contains(call.func.value.id, target)
                    continue
                for other in self.shares_with(s):
                    self.union(target, other)
            elif is_setitem(s) and self.is_container(s):
                for item in _names(s.value):  # the list or dict holds v itself
                    self.contains(s.targets[0].value.id, item)
            elif isinstance(s, gast.Expr) and isinstance(s.value, gast.Call):
                func = s.value.func
                if (isinstance(func, gast.Attribute) and func.attr in LIST_METHODS
                        and isinstance(func.value, gast.Name)):
                    for arg in s.value.args:
                        for item in _names(arg):
                            self.contains(func.value.id, item)

    # ---- kinds of subscript assignment ----------------------------------------
    def is_dict_item(self, stmt):
        """x["key"] = v, or x[k] = v on a dict literal's name."""
        index = stmt.targets[0].slice
        return (isinstance(index, gast.Constant) and isinstance(index.value, str)) or \
            stmt.targets[0].value.id in self.dict_vars

    def is_list_item(self, stmt):
        return stmt.targets[0].value.id in self.list_vars

    def is_container(self, stmt):
        return self.is_dict_item(stmt) or self.is_list_item(stmt)

    # ---- refused --------------------------------------------------------------
    def _check_shared_targets(self):
        """Assigning into y where y = x (or a view of x) for a user variable x."""
        for s in statements(self.body):
            if not (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)):
                continue
            y = s.targets[0].id
            if y not in self.setitem_targets:
                continue
            value = s.value
            if isinstance(value, (gast.List, gast.Tuple, gast.Dict)):
                continue  # a new container holding x: assigning into it replaces items
            shared = [x for x in self.shares_with(s)
                      if x != y and x not in self.generated]
            if shared:
                x = shared[0]
                lineno = origin_of(s) or getattr(s, "lineno", None)
                line = (self.location.text(lineno) or "").split("#")[0].strip()
                fix = f"write {line}.copy()" if line.startswith(f"{y} =") and \
                    line.count("=") == 1 else f"make {y} a copy: {y} = ....copy()"
                how = "is another name for" if isinstance(value, gast.Name) else "shares data with"
                if getattr(s, "s2s_loop_item", False):  # for y in x: y[j] = v
                    how = "is a row of"
                    fix = (f"assign into {x} itself ({x}[i, ...] = ... in a "
                           f"`for i in range(len({x}))` loop), or make {y} a copy: "
                           f"{y} = {y}.copy()")
                raise self.location.error(
                    UnsupportedError,
                    f"s2s does not support assigning into {y}, which {how} {x} (the "
                    f"assignment would change {x} too); {fix}",
                    lineno=origin_of(s) or getattr(s, "lineno", None))


# ---- augmented assignment through a second name ------------------------------
_OPERATORS = {gast.Add: "+", gast.Sub: "-", gast.Mult: "*", gast.Div: "/", gast.Pow: "**",
              gast.MatMult: "@", gast.FloorDiv: "//", gast.Mod: "%"}


def in_place_alias_guard(value, message, filename, lineno, text):
    """Before `y op= v` where y may share its array with another variable:
    on an array, Python would change that array in place, which s2s does not
    follow (it computes y op v as a new value): refuse. A number (a row of a
    1-D array is one) is rebound, as in Python: nothing to refuse."""
    if isinstance(value, np.ndarray):
        raise UnsupportedError(message, filename, lineno, text)


def _user_name(v, generated):
    """The user's name behind v (x for its versions x_1, x_2), or None for a
    temporary s2s made."""
    if v not in generated:
        return v
    match = re.fullmatch(r"(.+)_\d+", v)
    if match and match.group(1) not in generated:
        return match.group(1)
    return None


def guard_in_place_aliases(fn, parsed, resolver, namer, namespace):
    """Put in_place_alias_guard before each augmented assignment (marked by
    the normaliser) whose variable may share its object with another user
    variable. Changes fn's body in place."""
    marked = [s for s in statements(fn.body) if getattr(s, "s2s_augmented", False)]
    if not marked:
        return
    params = [a.id for a in fn.args.args]
    generated = set(namer.generated)
    inplace = InPlace(fn.body, params, resolver, parsed.location, generated)
    guards = {}
    for stmt in marked:
        y = stmt.value.left.id
        shown = _user_name(y, generated) or y
        others = sorted({u for u in (_user_name(v, generated) for v in inplace.sharing(y))
                         if u is not None and u != shown})
        if not others:
            continue
        x = others[0]
        lineno = origin_of(stmt) or getattr(stmt, "lineno", None)
        text = parsed.location.text(lineno)
        op = _OPERATORS.get(type(stmt.value.op), "op")
        bindings = [s for s in statements(fn.body) if isinstance(s, gast.Assign)
                    and isinstance(s.targets[0], gast.Name) and s.targets[0].id == y]
        if any(getattr(s, "s2s_loop_item", False) for s in bindings):
            how = f"is a row of {x} (`for {shown} in {x}`)"
            fix = (f"write `{x}[i] {op}= ...` in a `for i in range(len({x}))` loop to change "
                   f"{x}, or `{shown} = {shown} {op} ...` for a new array")
        else:
            copies = [s for s in bindings if isinstance(s.value, gast.Name)
                      and _user_name(s.value.id, generated) is not None]
            how = ("is another name for" if copies else "shares data with") + f" {x}"
            fix = (f"write `{shown} = {shown} {op} ...` for a new array, or "
                   f"`{shown} = {shown}.copy()` first")
        message = (f"`{shown} {op}= ...` changes the array {shown} in place and {shown} {how}, "
                   f"so {x} would change too: s2s does not follow that; {fix}")
        guard = namespace.bind("in_place_alias_guard", in_place_alias_guard)
        call = gast.Call(func=gast.Name(id=guard, ctx=gast.Load(), annotation=None,
                                        type_comment=None),
                         args=[gast.Name(id=y, ctx=gast.Load(), annotation=None, type_comment=None)]
                         + [gast.Constant(value=c, kind=None)
                            for c in (message, parsed.location.filename, lineno, text)],
                         keywords=[])
        check = gast.Expr(value=call)
        check.s2s_origin = origin_of(stmt)
        if check.s2s_origin is not None:
            check.lineno = check.s2s_origin
        guards[id(stmt)] = check
    if guards:
        _insert_before(fn.body, guards)


def _insert_before(body, guards):
    i = 0
    while i < len(body):
        stmt = body[i]
        check = guards.get(id(stmt))
        if check is not None:
            body.insert(i, check)
            i += 1
        for field in ("body", "orelse"):
            inner = getattr(stmt, field, None)
            if inner:
                _insert_before(inner, guards)
        i += 1
