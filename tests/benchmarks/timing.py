"""Timing helpers.

Methodology (the same as the project's peer comparison):
  * warm up, then choose `number` so that one measurement (`number` calls in a
    tight timeit loop, garbage collector off) lasts about `target` seconds;
  * take `repeat` measurements and report the median time per call;
  * hand-written and s2s measurements alternate (hand, s2s, hand, s2s, ...)
    so that slow drift of the machine (frequency, other load) hits both alike;
  * the ratio is the median, over the rounds, of s2s's time over the
    hand-written one's in the same round: each pair is measured back to
    back, so load that comes and goes (other machines' work on a shared
    host) cancels within a pair, where a ratio of the two medians can take
    one median from a quiet stretch and the other from a busy one.
"""
import contextlib
import gc
import signal
import statistics
import time
import timeit
import types


class Timeout(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds):
    """Raise Timeout if the body runs longer than `seconds` (0 = no limit).

    The compiler under test is work in progress; a transform that loops
    forever must cost one row, not the whole run."""
    if not seconds:
        yield
        return

    def on_alarm(signum, frame):
        raise Timeout(f"no result after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def calls_per_measurement(call, target):
    """Warm up `call` and return how many calls fill ~target seconds."""
    t0, n = time.perf_counter(), 0
    while n < 3 or time.perf_counter() - t0 < max(0.05, 0.2 * target):
        call()
        n += 1
    per_call = (time.perf_counter() - t0) / n
    return max(1, round(target / per_call))


def interleaved_medians(calls, target, repeat):
    """Median seconds per call for each callable in `calls`, measured
    alternately, and the median over the rounds of calls[1]'s time over
    calls[0]'s (None for one callable)."""
    numbers = [calls_per_measurement(c, target) for c in calls]
    samples = [[] for _ in calls]
    gc.collect()
    for _ in range(repeat):
        for call, number, out in zip(calls, numbers, samples):
            out.append(timeit.Timer(call).timeit(number) / number)
    ratio = statistics.median(b / a for a, b in zip(samples[0], samples[1])) \
        if len(calls) > 1 else None
    return [statistics.median(s) for s in samples], ratio


def fresh_copy(fn):
    """A new function object with the same code, globals and defaults.

    Transforming the copy bypasses any cache keyed on the function object, so
    the measured first call includes parsing, transforming and compiling."""
    copy = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__,
                              fn.__defaults__, fn.__closure__)
    copy.__kwdefaults__ = fn.__kwdefaults__
    copy.__qualname__ = fn.__qualname__
    copy.__module__ = fn.__module__
    # not s2s's cache of compiled derivatives, which lives on the function
    copy.__dict__.update({k: v for k, v in fn.__dict__.items()
                          if k != "__s2s_derivatives__"})
    return copy


def first_call_seconds(make_call, fn, repeat):
    """Median seconds of transform + compile + first run, each on a fresh copy of fn.

    make_call(fn) performs the whole first call (e.g. s2s.grad(fn, ...)(*args))."""
    times = []
    for _ in range(repeat):
        copy = fresh_copy(fn)
        gc.collect()
        t0 = time.perf_counter()
        make_call(copy)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)
