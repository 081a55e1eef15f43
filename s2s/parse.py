"""Stage 1: a live Python function -> its gast FunctionDef and namespace."""
import ast
import builtins
import inspect
import linecache
import textwrap
import types

import gast

from .convert import to_gast
from .errors import S2SError, SourceLocation, UnsupportedError


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


def _parsed(text, first_line):
    """ast.parse of a def's text, with the file's line numbers: blank lines
    in front cost the parser less than renumbering every node after."""
    return ast.parse("\n" * (first_line - 1) + text)


def _last_line(code):
    """The last line any instruction of `code` (or of code nested in it)
    comes from: where the def's text ends, but for no-op statements."""
    last = max((end for _, end, _, _ in code.co_positions() if end is not None),
               default=code.co_firstlineno)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            last = max(last, _last_line(const))
    return last


def _indent(line):
    return len(line) - len(line.lstrip())


def _body_goes_on(lines, first, last):
    """Does a statement without bytecode (a `pass`, a string) follow line
    `last` inside the def? Its next line of code is indented deeper."""
    for line in lines[last:]:
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            return _indent(line) > _indent(lines[first - 1])
    return False


def _parse_def_lines(fn, lines):
    """The module tree of fn's def, read from the file's lines between the
    def's first line and the last its bytecode covers; None when that text
    is not the whole def (then inspect.getsource finds the block, with a
    tokenizer pass that costs more than this parse)."""
    code = fn.__code__
    first, last = code.co_firstlineno, _last_line(code)
    if _body_goes_on(lines, first, last):
        return None
    text = "".join(lines[first - 1:last])
    try:
        tree = _parsed(textwrap.dedent(text), first)
    except SyntaxError:  # a trailing `pass` or `else:` left out, say
        return None
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.FunctionDef) \
            or tree.body[0].name != fn.__name__:
        return None
    return tree


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
    lines = linecache.getlines(filename)
    tree = _parse_def_lines(fn, lines) if lines else None
    if tree is None:
        try:
            source = inspect.getsource(fn)
        except (OSError, TypeError) as exc:
            raise S2SError(
                f"cannot read the source of {fn.__qualname__} (defined in {filename}); "
                "s2s needs functions defined in a file, not in the REPL or by exec",
                filename, code.co_firstlineno) from exc
        lines = lines or source.splitlines(True)
    location = SourceLocation(filename, lines)
    if fn.__name__ == "<lambda>":
        raise location.error(
            UnsupportedError, "lambda functions are not supported; write a def",
            lineno=code.co_firstlineno)
    if inspect.isgeneratorfunction(fn) or inspect.iscoroutinefunction(fn):
        raise location.error(
            UnsupportedError, "generators and coroutines are not supported (yield/async)",
            lineno=code.co_firstlineno)
    if tree is None:
        tree = _parsed(textwrap.dedent(source), code.co_firstlineno)
    tree = to_gast(tree) or gast.ast_to_gast(tree)  # (s2s/convert.py)
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
