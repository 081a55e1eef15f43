"""Stage 7: generated AST -> source text (with the user's lines as comments)
-> a live function whose source `inspect` and tracebacks can show."""
import ast
import hashlib
import linecache
import types

import astor
import gast

from .convert import to_ast
from .activity import statements
from .walk import walk

COMMENT_MARK = "\x00s2s-comment\x00"


class CommentingSourceGenerator(astor.code_gen.SourceGenerator):
    """astor's printer, plus comment lines (ast.unparse cannot print those)."""

    def visit_Expr(self, node):
        value = node.value
        if (isinstance(value, ast.Constant) and isinstance(value.value, str)
                and value.value.startswith(COMMENT_MARK)):
            self.statement(node, "# " + value.value[len(COMMENT_MARK):])
            return
        super().visit_Expr(node)


def _comment(text):
    return gast.Expr(value=gast.Constant(value=COMMENT_MARK + text, kind=None))


def add_comments(fn, location):
    """Before each group of statements that came from one user line, a
    comment quoting that line."""
    def visit(body):
        out, previous = [], None
        for stmt in body:
            origin = getattr(stmt, "s2s_origin", None)
            if origin is not None and origin != previous:
                text = location.text(origin)
                if text is not None:
                    out.append(_comment(text.strip()))
            previous = origin
            for field in ("body", "orelse"):
                inner = getattr(stmt, field, None)
                if inner:
                    setattr(stmt, field, visit(inner))
            out.append(stmt)
        return out
    fn.body = visit(fn.body)
    return fn


def _strip_comments(tree):
    for node in walk(tree):
        for field in ("body", "orelse"):
            body = getattr(node, field, None)
            if isinstance(body, list):
                kept = [s for s in body if not (
                    isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant)
                    and isinstance(s.value.value, str) and s.value.value.startswith(COMMENT_MARK))]
                if body and not kept:
                    kept = [ast.Pass()]
                setattr(node, field, kept)
    return tree


def _fill_empty_blocks(node):
    """Passes that remove statements can leave a block empty: give it a pass."""
    for child in [node, *statements(node.body)]:  # (blocks are statements')
        for field in ("body", "orelse"):
            block = getattr(child, field, None)
            if field == "body" and isinstance(block, list) and not block and \
                    not isinstance(child, gast.Module):
                setattr(child, field, [gast.Pass()])
            if field == "orelse" and isinstance(block, list) and block and all(
                    isinstance(s, gast.Pass) for s in block):
                setattr(child, field, [])


def _wrapped_where_long(pieces):
    """astor's line wrapping, only when a line is longer than it allows: it
    leaves shorter lines as they are, and reading every piece of them cost
    a tenth of the printing."""
    text = "".join(pieces)
    if max(map(len, text.split("\n"))) <= _ASTOR_LINE_WIDTH:
        return text
    return astor.source_repr.pretty_source(pieces)


_ASTOR_LINE_WIDTH = 79  # (astor.source_repr.split_lines' maxline)


def to_source(fn, use_astor=True):
    """Source text of a gast FunctionDef. astor prints the comments; where it
    cannot print a node, ast.unparse prints the function without them."""
    _fill_empty_blocks(fn)
    module = gast.Module(body=[fn], type_ignores=[])
    if use_astor:
        # (no line numbers needed: astor does not read them)
        tree = to_ast(module) or gast.gast_to_ast(module)
        try:
            return astor.to_source(tree, source_generator_class=CommentingSourceGenerator,
                                   pretty_source=_wrapped_where_long)
        except Exception:  # noqa: BLE001 -- any astor failure: use the fallback
            pass
    return ast.unparse(_strip_comments(gast.gast_to_ast(module))) + "\n"


def _at_line_1(node):
    """node, placed on line 1 (the parsed source has its own lines: this
    spares walking it all to fill in the few new nodes')."""
    node.lineno = node.end_lineno = 1
    node.col_offset = node.end_col_offset = 0
    return node


def load(source, function_name, bindings, user_globals):
    """Compile `source`, register it with linecache, return the function.

    The function reads s2s's bindings (`bindings`: runtime helpers, numpy,
    generated helpers, the user's closure variables) as closure variables
    and every other name from the user's module globals, live, as their own
    code does. The globals stay that plain dict because CPython caches a
    global lookup only in an exact dict: a dict that fell back to the
    user's (a subclass with __missing__) made every `np.` in a loop a slow
    lookup, 18% of a 200-step scalar loop's gradient."""
    digest = hashlib.sha1(source.encode()).hexdigest()[:12]
    filename = f"<s2s-generated {function_name} {digest}>"
    lines = source.splitlines(True)
    linecache.cache[filename] = (len(source), None, lines, filename)
    tree = ast.parse(source, filename)
    # def <factory>(np, unbroadcast, ...): def f(...): ...; return f
    # (the inner function keeps its line numbers: tracebacks show `source`)
    names = sorted(bindings)
    factory = _at_line_1(ast.FunctionDef(
        name="_s2s_bindings", args=ast.arguments(
            posonlyargs=[], args=[_at_line_1(ast.arg(arg=n)) for n in names], vararg=None,
            kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[]),
        body=tree.body + [_at_line_1(ast.Return(
            value=_at_line_1(ast.Name(id=function_name, ctx=ast.Load()))))],
        decorator_list=[], returns=None, type_params=[]))
    module = ast.Module(body=[factory], type_ignores=[])
    code = compile(module, filename, "exec")
    # Defaults are evaluated where the user's globals are visible.
    scratch = dict(user_globals)
    exec(code, scratch)  # noqa: S102 -- our own generated code
    made = scratch["_s2s_bindings"](*[bindings[n] for n in names])
    return types.FunctionType(made.__code__, user_globals, function_name,
                              made.__defaults__, made.__closure__)
