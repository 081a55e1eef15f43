"""Entry point of `python -m tests.fuzz`."""
from .campaign import main

raise SystemExit(main())
