"""Random-program testing of s2s: a hypothesis generator of small Python/NumPy
functions (generator.py), a judge comparing s2s with finite differences
(check.py), the pytest entry (test_fuzz.py) and a long campaign run by hand:

    python -m tests.fuzz --programs 10000 [--seed N] [--disable break,continue]
"""
