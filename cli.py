"""s2s-show: print the derivative s2s generates for a function in a file, or
write it as an importable module.

    s2s-show path/to/file.py:function [--wrt NAME ...] [--mode reverse|forward]
             [--order N] [--output module.py] [--force] [--no-optimize] [--no-color]

Exit status: 0 ok; 1 on an error in the user's code (printed as
file:line: message, with the offending line); 2 on usage errors (bad
arguments, a missing file or function, an output file s2s did not write).
Also runs as `python -m s2s`.
"""
import argparse
import importlib.util
import os
import sys
import traceback

PROG = "s2s-show"


def _parser():
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Print the derivative source s2s generates for a Python function "
                    "(highlighted on a terminal), or with --output write it as a module "
                    "that imports numpy but not s2s.",
        epilog="example: s2s-show examples/quickstart.py:loss --wrt W --wrt b")
    parser.add_argument("target", metavar="path/to/file.py:function",
                        help="the file and the name of the function in it to differentiate")
    parser.add_argument("--wrt", action="append", metavar="NAME",
                        help="a parameter to differentiate with respect to (a name or a "
                             "position); repeat for several (default: the first parameter)")
    parser.add_argument("--mode", choices=("reverse", "forward"), default="reverse",
                        help="reverse: the gradient (s2s.grad); forward: the Jacobian-vector "
                             "product (s2s.jvp), a function (*args, tangent) -> (value, "
                             "directional derivative). Default: reverse")
    parser.add_argument("--order", type=_order, default=1, metavar="N",
                        help="the N-th derivative, by composing grad N times (for N > 1 "
                             "the gradient of the sum of the previous gradient); with "
                             "--mode forward, jvp of the (N-1)-th gradient. Default: 1")
    parser.add_argument("--output", metavar="module.py",
                        help="write an importable module holding the derivative (and the "
                             "derivatives and helpers it calls) instead of printing it")
    parser.add_argument("--force", action="store_true",
                        help="with --output, replace a file that s2s did not write")
    parser.add_argument("--no-optimize", action="store_true",
                        help="ask for the unoptimised generated code (where this s2s "
                             "version optimises)")
    parser.add_argument("--no-color", action="store_true",
                        help="never highlight the printed source")
    return parser


def _order(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"the order must be at least 1, got {value}")
    return value


def _display(filename):
    """A path as the user would like to read it: relative to the current
    directory when it is below it."""
    if not filename or filename.startswith("<"):
        return filename
    try:
        rel = os.path.relpath(filename)
    except ValueError:
        return filename
    return filename if rel.startswith(os.pardir) else rel


def _split_target(parser, target):
    path, sep, function = target.rpartition(":")
    if not sep or not path or not function:
        parser.error(f"expected path/to/file.py:function, got {target!r}")
    return path, function


def _load_module(path):
    """Import the file as Python would import it as a module: its directory
    first on sys.path, under its own name (so `if __name__ == "__main__"`
    blocks do not run)."""
    path = os.path.abspath(path)
    directory = os.path.dirname(path)
    if directory not in sys.path[:1]:
        sys.path.insert(0, directory)
    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path} as a Python module")
    module = importlib.util.module_from_spec(spec)
    registered = name not in sys.modules
    if registered:
        sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        if registered:
            sys.modules.pop(name, None)
        raise
    return module


def _user_exception(path, exc):
    """Report an exception raised while importing the user's file: a syntax
    error as file:line, anything else as the traceback from the user's code on."""
    if isinstance(exc, SyntaxError) and exc.filename:
        print(f"{_display(exc.filename)}:{exc.lineno}: SyntaxError: {exc.msg}", file=sys.stderr)
        if exc.text:
            print(f"    {exc.text.strip()}", file=sys.stderr)
        return
    path = os.path.abspath(path)
    tb = exc.__traceback__
    while tb is not None and os.path.abspath(tb.tb_frame.f_code.co_filename) != path:
        tb = tb.tb_next
    print(f"{PROG}: error while importing {_display(path)}:", file=sys.stderr)
    print("".join(traceback.format_exception(type(exc), exc, tb or exc.__traceback__)).rstrip(),
          file=sys.stderr)


def _s2s_error(exc):
    """file:line: message, then the offending line; no traceback."""
    where = ""
    if exc.filename is not None:
        where = f"{_display(exc.filename)}:{exc.lineno}: " if exc.lineno else \
            f"{_display(exc.filename)}: "
    print(f"{where}{exc.message}", file=sys.stderr)
    if exc.text:
        print(f"    {exc.text.strip()}", file=sys.stderr)


def _find_function(parser, module, path, name):
    obj = module
    for part in name.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            break
    if obj is None:
        defined = sorted(k for k, v in vars(module).items()
                         if callable(v) and getattr(v, "__module__", None) == module.__name__
                         and not k.startswith("_"))
        listing = f"; functions defined there: {', '.join(defined)}" if defined else \
            "; it defines no functions"
        parser.error(f"no function {name!r} in {path}{listing}")
    if not callable(obj):
        parser.error(f"{name!r} in {path} is a {type(obj).__name__}, not a function")
    return obj


def _wrt(values):
    if not values:
        return 0
    items = [int(v) if v.isdigit() else v for v in values]
    return items[0] if len(items) == 1 else tuple(items)


def _highlight(source, no_color):
    if no_color or os.environ.get("NO_COLOR") or not sys.stdout.isatty():
        return source
    try:
        from pygments import highlight
        from pygments.formatters import TerminalFormatter
        from pygments.lexers import PythonLexer
    except ImportError:
        return source
    return highlight(source, PythonLexer(), TerminalFormatter())


def main(argv=None):
    parser = _parser()
    args = parser.parse_args(argv)
    path, name = _split_target(parser, args.target)
    if not os.path.exists(path):
        parser.error(f"file not found: {path}")
    if not os.path.isfile(path):
        parser.error(f"not a file: {path}")

    import s2s
    from s2s.export import _accepts, compiled, derivative_function

    try:
        module = _load_module(path)
    except Exception as exc:  # noqa: BLE001 -- the user's module failed to import
        _user_exception(path, exc)
        return 1
    fn = _find_function(parser, module, path, name)

    optimize = False if args.no_optimize else None
    if args.no_optimize and not _accepts(s2s.grad, "optimize"):
        print(f"{PROG}: note: --no-optimize has no effect: this version of s2s does not "
              "optimize generated code", file=sys.stderr)
    wrt = _wrt(args.wrt)
    try:
        df = derivative_function(fn, wrt=wrt, mode=args.mode, order=args.order,
                                 optimize=optimize)
    except NotImplementedError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 1
    except s2s.S2SError as exc:
        _s2s_error(exc)
        return 1
    except ValueError as exc:  # a bad --wrt, --order or --mode
        parser.error(str(exc))

    try:
        if args.output:
            written = s2s.export(fn, args.output, wrt=wrt, mode=args.mode, order=args.order,
                                 overwrite=args.force, optimize=optimize)
            print(f"{PROG}: wrote {written} to {args.output}")
            return 0
        made = compiled(df)
    except s2s.S2SError as exc:
        _s2s_error(exc)
        return 1
    except (FileExistsError, IsADirectoryError, FileNotFoundError) as exc:
        message = str(exc).replace("pass overwrite=True (s2s-show --force)", "pass --force")
        parser.error(message)
    except ValueError as exc:  # e.g. wrt names a local of no such name
        parser.error(str(exc))
    sys.stdout.write(_highlight(made.source, args.no_color))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
