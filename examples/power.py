"""Seed case 14: a loop whose trip count is an (integer, so constant) argument.

    python examples/power.py
    s2s-show examples/power.py:power
    s2s-show examples/power.py:power --output power_grad.py
"""
import s2s


def power(x, y):
    """x ** int(y), by repeated multiplication."""
    out = 1.0
    for i in range(int(y)):
        out = out * x
    return out


if __name__ == "__main__":
    grad_power = s2s.grad(power)
    print(grad_power(3.0, 2), grad_power(4.0, 3))  # 6.0 48.0
