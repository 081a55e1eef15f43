"""The examples run and check themselves."""
import os
import subprocess
import sys

EXAMPLES = os.path.join(os.path.dirname(__file__), os.pardir, "examples")


def test_derivatives_plot_matches_closed_forms(tmp_path):
    result = subprocess.run([sys.executable, os.path.join(EXAMPLES, "derivatives_plot.py"),
                             str(tmp_path / "d.png")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("max |s2s - closed form|") == 4
