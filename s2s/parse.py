"""Stage 1: a live Python function -> its gast FunctionDef and namespace."""
import ast
import builtins
import inspect
import linecache
import textwrap

import gast

from .convert import to_gast
from .errors import S2SError, SourceLocation, UnsupportedError
from .walk import walk


class ParsedFunction:
    """A user function's AST (line numbers are the file's) and what it can see."""

    def __init__(self, fn, node, globals_, closure, location):
        self.fn = fn
        self.node = node
        self.globals = globals_
        self.closure = closure
        self.location = location

    @property
    def name(self):
        return self.node.name

    def lookup(self, name):
        """The object a free name refers to, or raise KeyError."""
        for scope in (self.closure, self.globals, vars(builtins)):
            if name in scope:
                return scope[name]
        raise KeyError(name)


def _shift_lines(tree, offset):
    for node in walk(tree):
        if hasattr(node, "lineno") and node.lineno is not None:
            node.lineno += offset
        if hasattr(node, "end_lineno") and node.end_lineno is not None:
            node.end_lineno += offset


def parse_function(fn):
    """Parse `fn`'s source. Raise S2SError when there is none to read."""
    fn = inspect.unwrap(fn)
    if not inspect.isfunction(fn):
        if inspect.ismethod(fn):
            raise UnsupportedError(
                f"{fn!r} is a bound method; differentiate a plain function "
                "(pass the instance's arrays as arguments)")
        raise S2SError(f"s2s differentiates Python functions; got {type(fn).__name__} {fn!r}")
    code = fn.__code__
    filename = code.co_filename
    try:
        source = inspect.getsource(fn)
    except (OSError, TypeError) as exc:
        raise S2SError(
            f"cannot read the source of {fn.__qualname__} (defined in {filename}); "
            "s2s needs functions defined in a file, not in the REPL or by exec",
            filename, code.co_firstlineno) from exc
    lines = linecache.getlines(filename) or source.splitlines(True)
    location = SourceLocation(filename, lines)
    if fn.__name__ == "<lambda>":
        raise location.error(
            UnsupportedError, "lambda functions are not supported; write a def",
            lineno=code.co_firstlineno)
    if inspect.isgeneratorfunction(fn) or inspect.iscoroutinefunction(fn):
        raise location.error(
            UnsupportedError, "generators and coroutines are not supported (yield/async)",
            lineno=code.co_firstlineno)
    text = textwrap.dedent(source)
    tree = ast.parse(text)
    tree = to_gast(tree) or gast.ast_to_gast(tree)  # (s2s/convert.py)
    _shift_lines(tree, code.co_firstlineno - 1)
    node = tree.body[0]
    if not isinstance(node, gast.FunctionDef):
        raise location.error(UnsupportedError, "expected a def statement",
                             lineno=code.co_firstlineno)
    node.decorator_list = []
    node.returns = None
    closure = {}
    if fn.__closure__:
        for name, cell in zip(code.co_freevars, fn.__closure__):
            try:
                closure[name] = cell.cell_contents
            except ValueError:  # an empty cell: the name is not bound yet
                pass
    return ParsedFunction(fn, node, fn.__globals__, closure, location)
