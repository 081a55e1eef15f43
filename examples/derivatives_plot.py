"""The seed figure: f(x) = sin(x)^2 and its first three derivatives on
[-2pi, 2pi], each obtained by nesting s2s.grad, checked against the closed
forms sin 2x, 2 cos 2x and -4 sin 2x, and drawn to a PNG.

    python3 -m pip install -e '.[examples]'     # matplotlib, for the picture
    python3 examples/derivatives_plot.py [out.png]

Without matplotlib the check still runs and the picture is skipped.
"""
import sys

import numpy as np

import s2s


def f(x):
    return np.square(np.sin(x))


def derivatives(x):
    """f and its first three derivatives at x, by composing transforms."""
    d1 = s2s.grad(f)
    d2 = s2s.grad(d1)
    d3 = s2s.grad(d2)
    return [f(x), d1(x), d2(x), d3(x)]


def main(out="derivatives.png"):
    x = np.linspace(-2 * np.pi, 2 * np.pi, 400)
    curves = derivatives(x)
    closed_forms = [np.sin(x) ** 2, np.sin(2 * x), 2 * np.cos(2 * x), -4 * np.sin(2 * x)]
    for order, (got, expected) in enumerate(zip(curves, closed_forms)):
        error = np.max(np.abs(got - expected))
        print(f"order {order}: max |s2s - closed form| = {error:.1e}")
        assert error < 1e-10
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: pip install -e '.[examples]' to draw the figure")
        return
    figure, axes = plt.subplots(figsize=(8, 4.5))
    labels = ["f(x) = sin²x", "f′(x)", "f″(x)", "f‴(x)"]
    for curve, label in zip(curves, labels):
        axes.plot(x, curve, label=label)
    axes.set_xlabel("x")
    axes.legend()
    axes.set_title("sin²x and its derivatives, by nesting s2s.grad")
    figure.tight_layout()
    figure.savefig(out, dpi=120)
    print(f"wrote {out}")


if __name__ == "__main__":
    main(*sys.argv[1:])
