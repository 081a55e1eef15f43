"""Entry point of `python -m tests.benchmarks`."""
from .run import main

raise SystemExit(main())
