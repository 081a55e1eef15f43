"""Before normalisation: break, continue, early return and loop-else become
structured control flow with boolean flags, so later stages only see loops
that run to their test and a single final return.

    for x in xs:                 broke1 = False
        if c(x):                 for x in xs:
            break         ->         if not broke1:
        y = g(x)                         if c(x):
                                             broke1 = True
                                         if not broke1:
                                             y = g(x)
"""
import gast

from .names import assign, name


def _flag_test(flags):
    """not (f1 or f2 ...)"""
    names = [name(f) for f in flags]
    inner = names[0] if len(names) == 1 else gast.BoolOp(op=gast.Or(), values=names)
    return gast.UnaryOp(op=gast.Not(), operand=inner)


def _true(flag, node):
    return gast.copy_location(assign(flag, gast.Constant(value=True, kind=None)), node)


def _false(flag, node):
    return gast.copy_location(assign(flag, gast.Constant(value=False, kind=None)), node)


def _contains(stmts, kinds, through_loops):
    """Does any statement contain a node of `kinds` (not looking into nested
    loops unless through_loops)?"""
    todo = list(stmts)
    while todo:
        node = todo.pop()
        if isinstance(node, kinds):
            return True
        if isinstance(node, (gast.For, gast.While)) and not through_loops:
            continue
        if isinstance(node, (gast.FunctionDef, gast.Lambda, gast.ClassDef)):
            continue
        todo.extend(gast.iter_child_nodes(node))
    return False


class Desugarer:
    def __init__(self, namer):
        self.namer = namer
        self.returned = None  # flag name when the function returns early
        self.retval = None

    def function(self, fn):
        body = fn.body
        early = _contains(body[:-1], gast.Return, True) or (
            body and not isinstance(body[-1], gast.Return) and _contains(body, gast.Return, True))
        if not early:
            fn.body = self.block(body, None)
            return fn
        self.returned = self.namer.fresh("returned", numbered=False)
        self.retval = self.namer.fresh("retval", numbered=False)
        first = body[0]
        prologue = [_false(self.returned, first),
                    gast.copy_location(assign(self.retval, gast.Constant(value=None, kind=None)), first)]
        fn.body = prologue + self.block(body, None) + [
            gast.copy_location(gast.Return(value=name(self.retval)), body[-1])]
        return fn

    def block(self, stmts, loop):
        """loop: (broke flag, skip flag) of the innermost loop, or None."""
        out = []
        for index, stmt in enumerate(stmts):
            flags = self.flags_set_by(stmt, loop)  # before statement() rewrites it
            out.extend(self.statement(stmt, loop))
            rest = stmts[index + 1:]
            if flags and rest:
                guarded = self.block(rest, loop)
                if guarded:
                    out.append(gast.copy_location(
                        gast.If(test=_flag_test(flags), body=guarded, orelse=[]), rest[0]))
                break
        return out

    def flags_set_by(self, stmt, loop):
        flags = []
        if self.returned and _contains([stmt], gast.Return, True):
            flags.append(self.returned)
        if loop is not None:
            broke, skip = loop
            if broke and _contains([stmt], gast.Break, False):
                flags.append(broke)
            if skip and _contains([stmt], gast.Continue, False):
                flags.append(skip)
        return flags

    def statement(self, stmt, loop):
        if isinstance(stmt, gast.Return):
            if self.returned is None:
                return [stmt]
            value = stmt.value if stmt.value is not None else gast.Constant(value=None, kind=None)
            return [gast.copy_location(assign(self.retval, value), stmt),
                    _true(self.returned, stmt)]
        if isinstance(stmt, gast.Break):
            return [_true(loop[0], stmt)]
        if isinstance(stmt, gast.Continue):
            return [_true(loop[1], stmt)]
        if isinstance(stmt, gast.If):
            stmt.body = self.block(stmt.body, loop)
            stmt.orelse = self.block(stmt.orelse, loop)
            return [stmt]
        if isinstance(stmt, (gast.While, gast.For)):
            return self.loop(stmt)
        return [stmt]

    def loop(self, stmt):
        has_break = _contains(stmt.body, gast.Break, False)
        has_skip = _contains(stmt.body, gast.Continue, False)
        has_return = self.returned is not None and _contains(stmt.body, gast.Return, True)
        broke = self.namer.fresh("broke") if has_break else None
        skip = self.namer.fresh("skip") if has_skip else None
        before, body = [], self.block(stmt.body, (broke, skip))
        if skip:
            body = [_false(skip, stmt)] + body
        exits = [f for f in (broke, self.returned if has_return else None) if f]
        if broke:
            before.append(_false(broke, stmt))
        if exits:
            if isinstance(stmt, gast.While):
                stmt.test = gast.BoolOp(op=gast.And(), values=[_flag_test(exits), stmt.test])
            else:  # a for loop keeps iterating but its body is skipped
                body = [gast.copy_location(gast.If(test=_flag_test(exits), body=body, orelse=[]),
                                           stmt)]
        stmt.body = body
        orelse = self.block(stmt.orelse, None) if stmt.orelse else []
        stmt.orelse = []
        after = []
        if orelse:  # loop-else runs when the loop was not left by break
            after = [gast.copy_location(gast.If(test=_flag_test([broke]), body=orelse, orelse=[]),
                                        stmt)] if broke else orelse
        return before + [stmt] + after
