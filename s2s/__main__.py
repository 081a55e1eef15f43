"""`python -m s2s` runs the s2s-show command line (cli.py)."""
import sys

from cli import main

if __name__ == "__main__":
    sys.exit(main())
