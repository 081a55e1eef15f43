"""A small RNN language model, written the way people write NumPy: a dict of
parameters, a helper returning a tuple, a list collecting the hidden states,
an array of log-probabilities filled in place, a generator expression in a
sum. s2s differentiates it as it is; plain gradient descent trains it.

    python examples/rnn_lists.py          # prints the loss every few steps
    s2s-show examples/rnn_lists.py:loss   # the generated gradient
"""
import numpy as np

import s2s

TEXT = "hello world, hello numpy. "


def rnn_step(params, x, h):
    """One step: the new state and the logits of the next character."""
    h = np.tanh(x @ params["Wx"] + h @ params["Wh"] + params["b"])
    logits = h @ params["Wy"] + params["by"]
    return h, logits


def log_softmax(z):
    z = z - np.max(z, axis=-1, keepdims=True)
    return z - np.log(np.sum(np.exp(z), axis=-1, keepdims=True))


def loss(params, inputs, targets):
    """Mean negative log-likelihood of targets (T, B, V one-hot) given inputs,
    plus a small penalty on the hidden states."""
    steps, batch, vocab = inputs.shape
    h = np.zeros((batch, params["Wh"].shape[0]))
    states = []
    logp = np.zeros((steps, batch, vocab))
    for t in range(steps):
        h, logits = rnn_step(params, inputs[t], h)
        states.append(h)
        logp[t] = log_softmax(logits)  # filled in place
    nll = -np.sum(logp * targets) / (steps * batch)
    penalty = sum(np.mean(s ** 2) for s in states) / steps
    return nll + 1e-3 * penalty


def init_params(vocab, hidden, seed=0):
    rng = np.random.default_rng(seed)
    return {"Wx": rng.normal(0.0, 0.5, (vocab, hidden)),
            "Wh": rng.normal(0.0, 0.5 / np.sqrt(hidden), (hidden, hidden)),
            "b": np.zeros(hidden),
            "Wy": rng.normal(0.0, 0.5, (hidden, vocab)),
            "by": np.zeros(vocab)}


def batches(text, steps, batch):
    """One-hot inputs and next-character targets, shape (steps, batch, vocab)."""
    chars = sorted(set(text))
    codes = np.array([chars.index(c) for c in text])
    eye = np.eye(len(chars))
    starts = np.arange(batch) * (len(text) // batch)
    windows = np.stack([np.take(codes, np.arange(s, s + steps + 1), mode="wrap")
                        for s in starts], axis=1)  # (steps + 1, batch)
    return eye[windows[:-1]], eye[windows[1:]], chars


def train(steps=80, learning_rate=1.0, hidden=24, seq_len=12, batch=4, every=10, verbose=True):
    """Gradient descent with the s2s gradient; returns the losses."""
    inputs, targets, chars = batches(TEXT, seq_len, batch)
    params = init_params(len(chars), hidden)
    value_and_grad = s2s.value_and_grad(loss)  # w.r.t. params (a dict: so is the gradient)
    losses = []
    for step in range(steps):
        value, grads = value_and_grad(params, inputs, targets)
        losses.append(float(value))
        params = {name: params[name] - learning_rate * grads[name] for name in params}
        if verbose and (step % every == 0 or step == steps - 1):
            print(f"step {step:3d}  loss {value:.4f}")
    return losses


if __name__ == "__main__":
    train()
