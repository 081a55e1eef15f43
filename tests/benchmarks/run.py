"""Benchmark driver: s2s-generated gradients vs hand-written NumPy gradients.

    python -m tests.benchmarks                  # full run
    python -m tests.benchmarks --quick          # smoke run (target 0.05 s, 3 repeats)
    python -m tests.benchmarks --only W2,W4 --markdown-out bench.md

For every workload: the hand-written gradient is checked against finite
differences, the s2s result is checked against the hand-written one (rtol
1e-6), and only then are both timed.  A failing or missing s2s shows up as
'n/a: <error>' or 'WRONG' in its row; the other rows still run.

NumPy (and anything importing it) is imported only after the thread
environment is set and the process is pinned to one CPU, hence the imports
inside functions below.
"""
import argparse
import os
import sys
from dataclasses import dataclass, field
from typing import Optional

THREAD_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
TABLE_HEAD = ["workload", "hand µs (median)", "s2s µs (median)", "ratio", "compile ms"]
CELL_REASON_CHARS = 70  # longer error messages go to the notes below the table


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m tests.benchmarks",
                                description="s2s gradients vs hand-written NumPy gradients.")
    p.add_argument("--only", default="",
                   help="comma list of workloads or groups, e.g. W2,W4 (W1 = W1a,W1b; "
                        "C = compile-scaling rows)")
    p.add_argument("--target", type=float, default=0.2,
                   help="seconds per measurement (default 0.2)")
    p.add_argument("--repeat", type=int, default=7, help="measurements per column (default 7)")
    p.add_argument("--compile-repeat", type=int, default=3,
                   help="fresh-function first calls per compile time (default 3; median)")
    p.add_argument("--quick", action="store_true",
                   help="smoke run: --target 0.05 --repeat 3 --compile-repeat 1")
    p.add_argument("--no-pin", action="store_true", help="do not pin the process to one CPU")
    p.add_argument("--cpu", type=int, default=None,
                   help="CPU to pin to (default: the first one this process may use)")
    p.add_argument("--no-check", action="store_true",
                   help="skip the finite-difference check of the hand-written gradients")
    p.add_argument("--check-only", action="store_true",
                   help="only run the finite-difference check, no timing")
    p.add_argument("--timeout", type=float, default=120.0,
                   help="seconds allowed for one s2s transform or call before the row "
                        "is marked n/a (default 120; 0 = no limit)")
    p.add_argument("--markdown-out", metavar="FILE", help="also write the report to FILE")
    args = p.parse_args(argv)
    if args.quick:
        args.target, args.repeat, args.compile_repeat = 0.05, 3, 1
    return args


def prepare_process(args):
    """Single-threaded BLAS and one CPU, before NumPy is loaded.

    One thread and one core make hand-written and generated code compete on
    equal terms and keep the numbers comparable between runs and machines."""
    if "numpy" in sys.modules:
        print("warning: numpy was imported before the thread settings; "
              "they may not take effect", file=sys.stderr)
    os.environ.update(THREAD_ENV)
    if args.no_pin:
        return None
    cpu = args.cpu if args.cpu is not None else min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return cpu


def import_s2s():
    """(module, None) or (None, reason): s2s may be incomplete while it is written."""
    try:
        import s2s
    except Exception as e:  # noqa: BLE001 -- any failure just disables the s2s column
        return None, short_error(e)
    return s2s, None


def short_error(e):
    lines = str(e).strip().splitlines()
    return f"{type(e).__name__}: {lines[0]}" if lines else type(e).__name__


# ---------------------------------------------------------------------------
# One row
# ---------------------------------------------------------------------------
@dataclass
class Row:
    key: str
    name: str
    hand_s: Optional[float] = None
    s2s_s: Optional[float] = None
    ratio: Optional[float] = None  # median over rounds of s2s / hand (timing.py)
    s2s_status: str = "n/a"        # ok | n/a: ... | WRONG: ...
    compile_s: Optional[float] = None
    fd_failed: bool = False
    notes: list = field(default_factory=list)


def s2s_transform(s2s, w, fn):
    """The s2s derivative function of fn for this workload's kind."""
    # w.kind is "grad", "hvp" or "hessian": the s2s function of that name.
    return getattr(s2s, w.kind)(fn, wrt=w.wrt)


def inputs_unchanged(before, after):
    import numpy as np
    return all(np.array_equal(a, b) for a, b in zip(before, after))


def verify_s2s(s2s, w, ref, pristine, timeout):
    """Build and check the s2s derivative; returns (callable or None, status)."""
    from .checks import as_tuple, compare
    from .timing import time_limit
    try:
        with time_limit(timeout):
            g = s2s_transform(s2s, w, w.f)
            out = g(*w.args)
    except Exception as e:  # noqa: BLE001 -- report and continue with the next row
        return None, "n/a: " + short_error(e)
    if not inputs_unchanged(pristine, w.args):
        return None, "WRONG: modified its inputs"
    try:
        reason = compare(as_tuple(out, w.wrt), ref)
    except Exception as e:  # noqa: BLE001 -- e.g. an unexpected result type
        reason = "unusable result: " + short_error(e)
    if reason:
        return None, "WRONG: " + reason
    return (lambda: g(*w.args)), "ok"


def measure_compile(s2s, w, repeat, timeout):
    """Median ms of s2s.<transform>(fresh f)(*args): transform + compile + first run."""
    from .timing import first_call_seconds, time_limit
    with time_limit(timeout * max(1, repeat)):
        return first_call_seconds(lambda fn: s2s_transform(s2s, w, fn)(*w.args), w.f, repeat)


def run_row(w, s2s, s2s_error, args):
    import copy

    from .timing import interleaved_medians
    row = Row(w.key, w.name)
    ref = w.hand(*w.args)
    # The contract says s2s never modifies the caller's arrays; keep a copy to
    # detect it, and to give the hand-written timing the original inputs back.
    pristine = copy.deepcopy(w.args)
    if s2s is None:
        row.s2s_status = "n/a: " + s2s_error
        g = None
    else:
        g, row.s2s_status = verify_s2s(s2s, w, ref, pristine, args.timeout)
    if s2s is not None and not row.s2s_status.startswith("n/a"):
        # Compile time is meaningful even for a wrong result; skip it only
        # when the transform itself fails.
        try:
            row.compile_s = measure_compile(s2s, w, args.compile_repeat, args.timeout)
        except Exception as e:  # noqa: BLE001
            row.notes.append(f"compile timing failed: {short_error(e)}")
    if not inputs_unchanged(pristine, w.args):
        w.args = pristine
    hand_call = lambda: w.hand(*w.args)  # noqa: E731
    calls = [hand_call] + ([g] if g is not None else [])
    medians, row.ratio = interleaved_medians(calls, args.target, args.repeat)
    row.hand_s = medians[0]
    row.s2s_s = medians[1] if g is not None else None
    return row


# ---------------------------------------------------------------------------
# Finite-difference check of the references
# ---------------------------------------------------------------------------
def check_references(workloads):
    """FD-check every hand-written gradient; returns the set of failing keys."""
    from .checks import check_hand
    failed = set()
    print("hand-written gradients vs central finite differences:", file=sys.stderr)
    for w in workloads:
        try:
            rep = check_hand(w)
        except Exception as e:  # noqa: BLE001 -- a broken reference is a failure, not a crash
            print(f"  {w.key:5s} ERROR {short_error(e)}", file=sys.stderr)
            failed.add(w.key)
            continue
        verdict = "ok  " if rep.ok else "FAIL"
        extra = f" ({rep.detail})" if rep.detail else ""
        print(f"  {w.key:5s} {verdict} max error {rep.max_err:.1e} over {rep.probes} "
              f"probes{extra}", file=sys.stderr)
        if not rep.ok:
            failed.add(w.key)
    return failed


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------
def fmt_us(seconds):
    us = seconds * 1e6
    if us < 10:
        return f"{us:.2f}"
    if us < 100:
        return f"{us:.1f}"
    return f"{us:,.0f}"


def fmt_ms(seconds):
    ms = seconds * 1e3
    return f"{ms:.1f}" if ms < 100 else f"{ms:,.0f}"


def md_escape(text):
    return text.replace("|", "\\|").replace("\n", " ")


def s2s_cell(row):
    if row.s2s_s is not None:
        return fmt_us(row.s2s_s)
    status = row.s2s_status
    if len(status) > CELL_REASON_CHARS:
        status = status[:CELL_REASON_CHARS - 1] + "…"
    return md_escape(status)


def table_rows(rows):
    lines = ["| " + " | ".join(TABLE_HEAD) + " |", "|" + "---|" * len(TABLE_HEAD)]
    for r in rows:
        name = f"{r.key} {r.name}" + (" (hand ≠ FD!)" if r.fd_failed else "")
        ratio = f"{r.ratio:.2f}×" if r.s2s_s is not None else "–"
        compile_ms = fmt_ms(r.compile_s) if r.compile_s is not None else "–"
        lines.append("| " + " | ".join([md_escape(name), fmt_us(r.hand_s), s2s_cell(r),
                                        ratio, compile_ms]) + " |")
    return lines


def cpu_model():
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.partition(":")[2].strip()
    except OSError:
        pass
    import platform
    return platform.processor() or "unknown CPU"


def machine_line(cpu):
    import platform

    import numpy as np
    pin = f"pinned to CPU {cpu}" if cpu is not None else "not pinned"
    return (f"numpy {np.__version__}, Python {platform.python_version()}, "
            f"CPU {cpu_model()} ({os.cpu_count()} logical, {pin}), "
            f"BLAS threads 1 (OMP/MKL/OPENBLAS_NUM_THREADS)")


def s2s_line(s2s, s2s_error):
    if s2s is None:
        return f"s2s: not importable ({s2s_error})"
    return f"s2s: {getattr(s2s, '__version__', 'importable, no __version__')}"


def report(rows, cpu, s2s, s2s_error, args, workloads=()):
    out = [machine_line(cpu), s2s_line(s2s, s2s_error),
           f"timing: median of {args.repeat} measurements of ~{args.target:g} s each, "
           "hand and s2s alternating; ratio = median over the rounds of s2s / hand "
           f"in the same round; compile ms = median of {args.compile_repeat} "
           "first calls on fresh function objects (transform + compile + first run)",
           "", *table_rows(rows)]
    if s2s is not None:
        from .statements import statement_lines
        counted = statement_lines(s2s, workloads)
        if counted:
            out += ["", "Statements (code, no comments), s2s gradient / hand-written:",
                    *counted]
    notes = [f"- {r.key}: {n}" for r in rows for n in r.notes]
    notes += [f"- {r.key}: {r.s2s_status}" for r in rows
              if r.s2s_s is None and len(r.s2s_status) > CELL_REASON_CHARS]
    if notes:
        out += ["", "Notes:", *notes]
    return "\n".join(out)


# ---------------------------------------------------------------------------
def main(argv=None):
    args = parse_args(argv)
    cpu = prepare_process(args)

    from .workloads import select  # imports NumPy: only now, after prepare_process
    workloads = select(args.only)

    failed = set() if args.no_check else check_references(workloads)
    if args.check_only:
        return 1 if failed else 0

    s2s, s2s_error = import_s2s()
    rows = []
    for w in workloads:
        print(f"running {w.key} {w.name} ...", file=sys.stderr, flush=True)
        row = run_row(w, s2s, s2s_error, args)
        row.fd_failed = w.key in failed
        rows.append(row)

    text = report(rows, cpu, s2s, s2s_error, args, workloads)
    print(text)
    if args.markdown_out:
        with open(args.markdown_out, "w") as fh:
            fh.write("# s2s benchmarks\n\n" + text + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
