"""Turn a template into statements for one call site."""
import gast

from .names import assign, copy_tree, name
from .template import is_d
from .walk import name_nodes


class Contribution:
    """`d[var] = expr`: the engine decides to initialise or accumulate."""

    def __init__(self, var, expr, origin_stmt):
        self.var = var
        self.expr = expr
        self.origin_stmt = origin_stmt


def instantiate(tmpl, bindings, derivative_names, namer, namespace):
    """Statements of `tmpl` for one call site.

    bindings: template parameter -> AST of the argument (result included).
    derivative_names: template parameter -> name of its derivative variable,
        or None when that value is inactive (d[p] is then zero).
    Returns a list of gast statements and Contribution objects, in order.
    Contributions to inactive values are dropped, then the template's
    temporaries that nothing reads any more.
    """
    locals_ = dict.fromkeys(tmpl.local_names)  # -> the fresh name of this instance
    params = set(tmpl.signature.parameters)
    module_globals = tmpl.module_globals

    def renamed(node):
        """A copy of a template node with the call site's names in it (one
        pass: copying first and renaming after made every name twice)."""
        kind = type(node)
        if kind is gast.Subscript and is_d(node):
            derivative = derivative_names.get(node.slice.id)
            return name(derivative) if derivative else _ZERO_MARK()
        if kind is gast.Name:
            if node.id in params:
                return copy_tree(bindings[node.id])
            if node.id in locals_:
                if locals_[node.id] is None:
                    locals_[node.id] = namer.fresh(node.id)
                return gast.Name(id=locals_[node.id], ctx=node.ctx, annotation=None,
                                 type_comment=None)
            if node.id in module_globals:
                return name(namespace.bind(node.id, module_globals[node.id]))
            return copy_tree(node)
        fields = kind._fields
        if not fields:  # a ctx or an operator: shared, as copy_tree shares them
            return node
        new = kind.__new__(kind)
        for key, value in node.__dict__.items():
            if key not in fields:  # line numbers, s2s's own annotations
                value = copy_tree(value) if isinstance(value, (list, gast.AST)) else value
            elif type(value) is list:
                value = [renamed(v) if isinstance(v, gast.AST) else v for v in value]
            elif isinstance(value, gast.AST):
                value = renamed(value)
            new.__dict__[key] = value
        return new

    out = []
    for stmt in tmpl.body:
        if (isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 and is_d(stmt.targets[0])):
            param = stmt.targets[0].slice.id
            target = derivative_names.get(param)
            if not target:
                continue
            out.append(Contribution(target, renamed(stmt.value), stmt))
        else:
            out.append(renamed(stmt))
    # renamed refers to itself through its closure: a reference cycle that
    # would hold this call's names and bindings until the cyclic collector
    # ran. Emptying its cell breaks it.
    renamed = None
    return _drop_unused_temporaries(out)


class _ZERO_MARK(gast.Constant):
    """d[v] of an inactive v inside a template expression: zero."""

    def __init__(self):
        super().__init__(value=0.0, kind=None)


def materialize_zeros(node):
    """Zero markers left after simplification become the constant 0.0."""
    if isinstance(node, _ZERO_MARK):
        return gast.Constant(value=0.0, kind=None)
    if type(node) is gast.Name or type(node) is gast.Constant:
        return node  # (nothing below to look at)
    for field, value in gast.iter_fields(node):
        if isinstance(value, list):
            setattr(node, field, [materialize_zeros(v) if isinstance(v, gast.AST) else v
                                  for v in value])
        elif isinstance(value, gast.AST):
            setattr(node, field, materialize_zeros(value))
    return node


def _drop_unused_temporaries(items):
    changed = True
    while changed:
        changed = False
        used = set()
        for item in items:
            expr = item.expr if isinstance(item, Contribution) else item
            if isinstance(item, gast.Assign):
                expr = item.value
            used |= {n.id for n in name_nodes(expr)}
        kept = []
        for item in items:
            if (isinstance(item, gast.Assign) and isinstance(item.targets[0], gast.Name)
                    and item.targets[0].id not in used):
                changed = True
                continue
            kept.append(item)
        items = kept
    return items


def make_assign(target, value, origin):
    stmt = assign(target, value)
    stmt.s2s_origin = origin
    return stmt
