"""gast -> ast for the printer, without gast's generic translator.

gast's `gast_to_ast` visits every node through a NodeTransformer and builds
each new node from a dict of its fields: a third of printing a generated
function. Most node types have the same fields in both trees, so a table
of them and a plain recursion do the same work in a fraction of the time.
The differences this has to know (for the Python versions s2s supports):
a Name whose ctx is Param is an `ast.arg`, and an except handler's name is
a Name in gast and a string in ast. Any node type outside the table (rare
in a generated gradient) makes `to_ast` return None, and the caller uses
gast's translator. Line numbers are not copied: the printer does not read
them.
"""
import ast

import gast

_PARAM = gast.Param
_NAME = gast.Name


def _ast_class(kind):
    """The ast class with kind's name when its fields are among kind's, else None."""
    target = getattr(ast, kind.__name__, None)
    if target is None or not set(target._fields) <= set(kind._fields):
        return None
    return target


# gast class -> (ast class, its fields); None: not handled here
_TABLE = {}
_CONTEXTS = {gast.Load: ast.Load, gast.Store: ast.Store, gast.Del: ast.Del}


class _Unsupported(Exception):
    pass


def to_ast(node):
    """The ast tree of a gast tree, or None when it holds a node type this
    does not translate (use gast.gast_to_ast then)."""
    try:
        return _convert(node)
    except _Unsupported:
        return None


def _convert(node):
    if type(node) is list:
        return [_convert(item) for item in node]
    if not isinstance(node, gast.AST):
        return node
    kind = type(node)
    if kind is _NAME:
        if type(node.ctx) is _PARAM:
            return ast.arg(arg=node.id, annotation=_convert(node.annotation),
                           type_comment=node.type_comment)
        context = _CONTEXTS.get(type(node.ctx))
        if context is None:
            raise _Unsupported(type(node.ctx).__name__)
        return ast.Name(id=node.id, ctx=context())
    if kind is gast.ExceptHandler:
        return ast.ExceptHandler(type=_convert(node.type),
                                 name=node.name.id if node.name is not None else None,
                                 body=_convert(node.body))
    entry = _TABLE.get(kind, False)
    if entry is False:
        target = _ast_class(kind)
        entry = _TABLE[kind] = None if target is None else (target, target._fields)
    if entry is None:
        raise _Unsupported(kind.__name__)
    target, fields = entry
    new = target.__new__(target)
    for field in fields:
        setattr(new, field, _convert(getattr(node, field, None)))
    return new
