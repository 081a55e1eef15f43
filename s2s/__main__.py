"""`python -m s2s` runs the s2s-show command line (cli.py, installed next to
the s2s package). It is loaded from there rather than by `import cli`, so a
cli.py in the current directory does not take its place."""
import importlib.util
import os
import sys


def _cli():
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "cli.py")
    if not os.path.isfile(path):
        import cli
        return cli
    existing = sys.modules.get("cli")
    if existing is not None and os.path.abspath(getattr(existing, "__file__", "")) == path:
        return existing
    spec = importlib.util.spec_from_file_location("_s2s_cli", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


if __name__ == "__main__":
    sys.exit(_cli().main())
