"""The long fuzzing campaign, run by hand: `python -m tests.fuzz --programs 10000`.

Phase 1 generates and checks programs without stopping at failures, and
counts outcomes. Phase 2 takes each distinct failure (see
Outcome.signature), lets hypothesis find it again from the same seed and
shrink it, and saves the shrunk program as a regression file.
"""
import argparse
import collections
import os
import sys
import time

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.control import current_build_context

from .check import MODES, check_program, save_regression
from .generator import FEATURES, programs

HERE = os.path.dirname(os.path.abspath(__file__))
REGRESSIONS = os.path.join(HERE, "regressions")


WRONG = {"mismatch", "value", "consistency", "shape", "modified", "autograd"}


class _Stop(BaseException):
    """Ends a hypothesis run early (a BaseException, so it is not shrunk)."""


def _settings(count, phases):
    return settings(max_examples=count, phases=phases, database=None, deadline=None,
                    suppress_health_check=list(HealthCheck), print_blob=False,
                    report_multiple_bugs=False)


def explore(count, features, seed_value, time_limit=None, progress=None, autograd=True,
            modes=MODES):
    """Phase 1: check `count` programs; return (counts by kind, failures by
    signature as [occurrences, first program, first outcome], programs tried)."""
    kinds = collections.Counter()
    failures = {}
    feature_counts = collections.Counter()
    start = time.monotonic()
    tried = [0]

    @seed(seed_value)
    @_settings(count, [Phase.generate])
    @given(programs(features))
    def run(program):
        outcome = check_program(program, use_autograd=autograd, modes=modes)
        tried[0] += 1
        kinds[outcome.kind] += 1
        feature_counts.update(program.features)
        if outcome.failed:
            entry = failures.setdefault(outcome.signature, [0, program, outcome])
            entry[0] += 1
            if entry[0] == 1 and progress:
                # Shown at once, so a long campaign that is cut short still
                # tells what it found.
                print(f"  new failure at program {tried[0]}: {outcome.signature}\n"
                      f"{program.source.strip()}\n  args = {program.args!r}\n"
                      f"  {outcome.detail}", flush=True)
        if progress and tried[0] % progress == 0:
            bad = sum(e[0] for e in failures.values())
            print(f"  {tried[0]} programs, {bad} failures, {len(failures)} distinct, "
                  f"{time.monotonic() - start:.0f}s", flush=True)
        if time_limit is not None and time.monotonic() - start > time_limit:
            raise _Stop()

    try:
        run()
    except _Stop:
        pass
    return kinds, failures, feature_counts, tried[0]


def shrink(signature, count, features, seed_value, autograd=True, modes=MODES):
    """Phase 2: find a failure with this signature again and shrink it.
    Returns (program, outcome) or None."""
    found = []

    class Found(Exception):
        pass

    @seed(seed_value)
    @_settings(count, [Phase.generate, Phase.shrink])
    @given(programs(features))
    def hunt(program):
        outcome = check_program(program, use_autograd=autograd, modes=modes)
        if outcome.failed and outcome.signature == signature:
            if current_build_context().is_final:
                found.append((program, outcome))
            raise Found()

    try:
        hunt()
    except Found:
        pass
    return found[-1] if found else None


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz",
                                     description="Fuzz s2s with random programs.")
    parser.add_argument("--programs", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--disable", default="",
                        help=f"comma-separated features to leave out: {', '.join(FEATURES)}")
    parser.add_argument("--only", default="", help="comma-separated features to keep")
    parser.add_argument("--time-limit", type=float, default=None, help="seconds for phase 1")
    parser.add_argument("--no-shrink", action="store_true")
    parser.add_argument("--max-shrinks", type=int, default=8,
                        help="shrink only the most frequent N distinct failures")
    parser.add_argument("--save", default=REGRESSIONS,
                        help="directory for shrunk failures (default tests/fuzz/regressions)")
    parser.add_argument("--no-autograd", action="store_true")
    parser.add_argument("--modes", default=",".join(MODES),
                        help=f"comma-separated checks: {', '.join(MODES)}")
    args = parser.parse_args(argv)

    features = list(FEATURES)
    if args.only:
        features = [f for f in args.only.split(",") if f]
    disabled = {f for f in args.disable.split(",") if f}
    unknown = (disabled | set(features)) - set(FEATURES)
    if unknown:
        parser.error(f"unknown features: {', '.join(sorted(unknown))}")
    features = tuple(f for f in features if f not in disabled)
    autograd_on = not args.no_autograd
    modes = tuple(m for m in args.modes.split(",") if m)
    if set(modes) - set(MODES):
        parser.error(f"unknown modes: {', '.join(sorted(set(modes) - set(MODES)))}")
    print(f"modes: {', '.join(modes)}")
    from .check import autograd as autograd_module
    print(f"features: {', '.join(features)}")
    print(f"seed {args.seed}; autograd {'on' if autograd_on and autograd_module else 'off'}")
    import s2s
    print(f"s2s from {os.path.dirname(s2s.__file__)}")

    start = time.monotonic()
    kinds, failures, feature_counts, tried = explore(
        args.programs, features, args.seed, args.time_limit,
        progress=max(args.programs // 20, 50), autograd=autograd_on, modes=modes)
    elapsed = time.monotonic() - start

    failed = sum(e[0] for e in failures.values())
    wrong = {k: n for k, n in kinds.items() if k.split("-")[-1] in WRONG}
    mismatches = sum(wrong.values())
    print(f"\nprograms tried: {tried} in {elapsed:.0f}s ({tried / max(elapsed, 1e-9):.1f}/s)")
    print(f"ok: {kinds['ok']}   skipped (range / nonsmooth): "
          f"{kinds['skipped:range']} / {kinds['skipped:nonsmooth']}")
    print(f"wrong results (mismatch, value, consistency, shape, modified, autograd): {mismatches}")
    for kind in sorted(wrong):
        print(f"    {kind}: {kinds[kind]}")
    compile_kinds = {k: n for k, n in kinds.items() if "compile:" in k}
    runtime_kinds = {k: n for k, n in kinds.items() if "runtime:" in k or "generator:" in k}
    print(f"compile errors: {sum(compile_kinds.values())}")
    for kind, n in sorted(compile_kinds.items()):
        print(f"    {kind}: {n}")
    print(f"errors running generated code (runtime:) or the program (generator:): "
          f"{sum(runtime_kinds.values())}")
    for kind, n in sorted(runtime_kinds.items()):
        print(f"    {kind}: {n}")
    print("features used: " + ", ".join(f"{f} {n}" for f, n in feature_counts.most_common()))

    print(f"\n{len(failures)} distinct failures ({failed} programs):")
    ranked = sorted(failures.items(), key=lambda i: -i[1][0])
    for rank, (signature, (n, program, outcome)) in enumerate(ranked):
        print(f"\n=== {signature}  x{n}")
        if args.no_shrink or rank >= args.max_shrinks:
            shrunk = (program, outcome)
        else:
            shrunk = shrink(signature, args.programs, features, args.seed,
                            autograd=autograd_on, modes=modes) or (program, outcome)
        program, outcome = shrunk
        path = save_regression(program, outcome, args.save, modes)
        print(program.source.strip())
        print(f"args = {program.args!r}")
        print(outcome.detail)
        print(f"saved: {os.path.relpath(path)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
