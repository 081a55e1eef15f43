"""gast <-> ast without gast's generic translators.

gast's translators visit every node through a NodeTransformer and build each
new node from a dict of its fields: a third of printing a generated
function, and most of parsing one. Most node types have the same fields in
both trees, so a table of them and a plain recursion do the same work in a
fraction of the time. The differences this has to know (for the Python
versions s2s supports): a function parameter is an `ast.arg` and a gast
Name with a Param ctx; an except handler's name is a string in ast and a
Name in gast; gast's Name has `annotation` and `type_comment` fields, and
its function and class definitions a `type_params` field, that ast (before
3.12) does not. Any node type outside the table makes `to_ast` / `to_gast`
return None, and the caller uses gast's translator.

`to_ast` (for the printer) copies no line numbers: the printer does not read
them. `to_gast` (for the parser) copies them: error messages and the
comments of generated code quote the user's lines.
"""
import ast

import gast

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
    if kind is gast.Name:
        if type(node.ctx) is gast.Param:
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


# ---- ast -> gast -------------------------------------------------------------

_GAST_TABLE = {}
_GAST_CONTEXTS = {ast_ctx: gast_ctx for gast_ctx, ast_ctx in _CONTEXTS.items()}
_LOCATION = ("lineno", "col_offset", "end_lineno", "end_col_offset")


def to_gast(node):
    """The gast tree of an ast tree (line numbers kept), or None when it
    holds a node type this does not translate (use gast.ast_to_gast then)."""
    try:
        return _to_gast(node)
    except _Unsupported:
        return None


def _located(new, node):
    for attribute in _LOCATION:
        value = getattr(node, attribute, None)
        if value is not None:
            setattr(new, attribute, value)
    return new


def _to_gast(node):
    if type(node) is list:
        return [_to_gast(item) for item in node]
    if not isinstance(node, ast.AST):
        return node
    kind = type(node)
    if kind is ast.Name:
        context = _GAST_CONTEXTS.get(type(node.ctx))
        if context is None:
            raise _Unsupported(type(node.ctx).__name__)
        return _located(gast.Name(id=node.id, ctx=context(), annotation=None,
                                  type_comment=None), node)
    if kind is ast.arg:
        return _located(gast.Name(id=node.arg, ctx=gast.Param(),
                                  annotation=_to_gast(node.annotation),
                                  type_comment=node.type_comment), node)
    if kind is ast.ExceptHandler and node.name:
        return _located(gast.ExceptHandler(
            type=_to_gast(node.type), name=gast.Name(id=node.name, ctx=gast.Store(),
                                                     annotation=None, type_comment=None),
            body=_to_gast(node.body)), node)
    entry = _GAST_TABLE.get(kind, False)
    if entry is False:
        entry = _GAST_TABLE[kind] = _gast_entry(kind)
    if entry is None:
        raise _Unsupported(kind.__name__)
    target, missing = entry
    new = target.__new__(target)
    # (an ast node's __dict__ holds its fields and its line numbers)
    new.__dict__.update({key: _to_gast(value) if type(value) is list
                         or isinstance(value, ast.AST) else value
                         for key, value in node.__dict__.items()})
    for field, default in missing:
        setattr(new, field, default())
    return new


def _gast_entry(kind):
    """(gast class, [(gast-only field, its default)]),
    or None when kind has fields gast's class lacks or gast-only fields
    this does not know a default for."""
    target = getattr(gast, kind.__name__, None)
    if target is None or not set(kind._fields) <= set(target._fields):
        return None
    missing = []
    for field in target._fields:
        if field in kind._fields:
            continue
        if field != "type_params":
            return None
        missing.append((field, list))
    return target, missing
