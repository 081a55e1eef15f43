"""break, continue and early return when the jump IS taken (values and
gradients): the desugaring into flags must guard what follows the jump."""
import numpy as np
import pytest

import s2s
from s2s.api import numerical_gradient


def continue_loop(x):
    s = 0.0
    for i in range(3):
        if i == 1:
            continue
        s = s + x * x
    return s


def break_loop(x):
    y = x
    for i in range(5):
        if y > 2.0:
            break
        y = y * 1.5
    return y


def early_return(x):
    if x < 0:
        return x * x
    return x * 3.0


def return_in_loop(x):
    y = x
    for i in range(4):
        y = np.sin(y) + y
        if y > 2.5:
            return y * 2.0
    return y


def break_nested(x):
    total = 0.0
    for i in range(3):
        for j in range(4):
            if j > i:
                break
            total = total + x * (i + 1)
    return total


def while_else(x):
    y = x
    n = 0
    while n < 5:
        y = y * 1.2
        n += 1
        if y > 3.0:
            break
    else:
        y = y * 10.0
    return y


CASES = [(continue_loop, [1.3, -0.7]), (break_loop, [1.5, 0.4, 3.0]),
         (early_return, [-2.0, 2.0]), (return_in_loop, [0.3, 1.5]),
         (break_nested, [0.8]), (while_else, [0.5, 2.9])]


@pytest.mark.parametrize("f,points", CASES, ids=[f.__name__ for f, _ in CASES])
def test_value_and_gradient_when_jumps_are_taken(f, points):
    for x in points:
        value, grad = s2s.value_and_grad(f)(x)
        assert value == pytest.approx(f(x), rel=1e-12)
        assert grad == pytest.approx(float(numerical_gradient(f, [x], 0)), rel=1e-6, abs=1e-8)


def test_known_values():
    assert s2s.value_and_grad(continue_loop)(1.0) == (2.0, 4.0)
    assert s2s.grad(early_return)(-2.0) == -4.0
    assert s2s.grad(break_loop)(1.5) == pytest.approx(1.5)  # y = 1.5 x, then break
