"""After normalisation: a variable reassigned in straight-line code gets a
new name for each new value (x, x_1, x_2), as in SSA. Then no value is
overwritten, so the reverse sweep needs no stack to restore it (loops and
branches still use stacks: their variables are left alone)."""
import gast

from .walk import name_nodes, walk


def _compound(stmt):
    return isinstance(stmt, (gast.If, gast.For, gast.While))


def rename_versions(fn, namer, keep=()):
    params = [a.id for a in fn.args.args]
    top_level, elsewhere, mutated = {}, set(), set()
    for p in params:
        top_level[p] = 1
    for stmt in fn.body:
        if isinstance(stmt, gast.Assign):
            for target in stmt.targets:
                if isinstance(target, gast.Name):
                    top_level[target.id] = top_level.get(target.id, 0) + 1
                else:
                    mutated |= {n.id for n in name_nodes(target)}
        if _compound(stmt):
            for inner in walk(stmt):
                if isinstance(inner, gast.Name) and isinstance(inner.ctx, gast.Store):
                    elsewhere.add(inner.id)
        for node in walk(stmt):
            # a value changed in place (xs.append(v), x[i] = v) keeps its name
            if isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute) and \
                    isinstance(node.func.value, gast.Name):
                mutated.add(node.func.value.id)
            if isinstance(node, gast.Subscript) and isinstance(node.ctx, gast.Store) and \
                    isinstance(node.value, gast.Name):
                mutated.add(node.value.id)
    renamed = {v for v, count in top_level.items()
               if count > 1 and v not in elsewhere and v not in mutated
               and (v not in keep or v in params)}  # a kept local is refused later
    if not renamed:
        return fn
    current = {v: v for v in renamed}
    seen = set(params)
    for stmt in fn.body:
        for node in walk(stmt):
            if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Load) and \
                    node.id in current:
                node.id = current[node.id]
        if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name):
            v = stmt.targets[0].id
            if v in renamed:
                if v in seen:
                    current[v] = namer.fresh(v + "_")
                    stmt.targets[0].id = current[v]
                seen.add(v)
    return fn


__all__ = ["rename_versions"]
