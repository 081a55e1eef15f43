"""Export a gradient as a standalone module, then use it where s2s is not
installed: a fresh interpreter that cannot import s2s imports the module,
calls it, and gets what s2s.grad gives.

    python examples/export_gradient.py

The same module from the command line:

    s2s-show examples/export_gradient.py:model --wrt w --output model_grad.py
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

import s2s


def model(w, x, steps):
    """A small recurrent net: `steps` tanh layers sharing the weights w."""
    h = x
    for i in range(int(steps)):
        h = np.tanh(h @ w)
    return np.mean(h ** 2)


# Run in a fresh interpreter: s2s is made unimportable, then the exported
# module is imported and called; the gradient comes back as JSON.
CHILD = r"""
import importlib.abc, json, sys

class NoS2S(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "s2s":
            raise ImportError("s2s is not installed here")

sys.meta_path.insert(0, NoS2S())
sys.path.insert(0, sys.argv[1])
import numpy as np
import model_grad

w, x = np.array(json.loads(sys.argv[2])), np.array(json.loads(sys.argv[3]))
dw = model_grad.grad_model(w, x, 3)
assert "s2s" not in sys.modules
print(json.dumps(dw.tolist()))
"""


def main():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(4, 4)) / 2
    x = rng.normal(size=(5, 4))

    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "model_grad.py")
        name = s2s.export(model, path, wrt="w")
        print(f"wrote {name} to model_grad.py:\n")
        with open(path, encoding="utf-8") as handle:
            print(handle.read())

        child = subprocess.run(
            [sys.executable, "-I", "-c", CHILD, directory,
             json.dumps(w.tolist()), json.dumps(x.tolist())],
            capture_output=True, text=True, check=True)
        exported = np.array(json.loads(child.stdout))

    expected = s2s.grad(model, wrt="w")(w, x, 3)
    np.testing.assert_allclose(exported, expected, rtol=1e-12, atol=0)
    print("the exported gradient, run without s2s, equals s2s.grad:")
    print(exported)


if __name__ == "__main__":
    main()
