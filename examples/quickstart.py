"""The s2s quickstart: differentiate an ordinary NumPy function and print
the gradient code s2s wrote for it.

    python examples/quickstart.py
"""
import numpy as np

import s2s


def loss(W, b, X, y):
    """Mean logistic loss of a linear model."""
    z = X @ W + b
    return np.mean(np.log1p(np.exp(z)) - y * z)


grad_loss = s2s.grad(loss, wrt=("W", "b"))

if __name__ == "__main__":
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 3))
    y = (rng.uniform(size=8) > 0.5).astype(float)
    W, b = np.zeros(3), 0.0
    print(s2s.source(grad_loss))
    dW, db = grad_loss(W, b, X, y)
    print("dW =", dW)
    print("db =", db)
