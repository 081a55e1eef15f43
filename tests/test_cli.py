"""s2s-show, run as the installed console script (or `python -m s2s` when the
script is not next to this Python): printing, --output, --order, --mode,
exit codes and their messages."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import s2s

REPO = Path(__file__).resolve().parents[1]

USER_MODULE = '''\
import numpy as np

SCALE = 3.0


def power(x, y):
    out = 1.0
    for i in range(int(y)):
        out = out * x
    return out


def cube(x):
    return x * x * x


def helper(a, b):
    return np.sin(a) * b


def model(x, w):
    h = helper(x, w) * SCALE
    return np.sum(h @ w)


def uses_try(x):
    try:
        y = x * 2
    except ValueError:
        y = x
    return y


NOT_A_FUNCTION = 42
'''


def s2s_show_command():
    """The installed console script, else `python -m s2s`."""
    directory = Path(sys.executable).parent
    for name in ("s2s-show", "s2s-show.exe"):
        if (directory / name).exists():
            return [str(directory / name)]
    return [sys.executable, "-m", "s2s"]


def run(*args, cwd):
    return subprocess.run(s2s_show_command() + [str(a) for a in args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def project(tmp_path):
    (tmp_path / "usercode.py").write_text(USER_MODULE)
    return tmp_path


def _import_file(path):
    """Import a generated module by path in this process (it needs
    usercode, which lives next to it)."""
    import importlib.util
    sys.path.insert(0, str(path.parent))
    try:
        name = f"_s2s_cli_test_{path.stem}_{os.getpid()}"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(path.parent))
        sys.modules.pop("usercode", None)


def test_prints_the_generated_gradient():
    result = run("examples/quickstart.py:loss", "--wrt", "W", "--wrt", "b", cwd=REPO)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("def grad_loss(W, b, X, y):\n")
    assert "# z = X @ W + b" in result.stdout
    assert "\x1b[" not in result.stdout  # not a terminal: no colours
    compile(result.stdout, "<printed>", "exec")
    assert result.stderr == ""


def test_python_m_s2s_prints_the_same():
    script = run("examples/quickstart.py:loss", "--wrt", "b", cwd=REPO)
    module = subprocess.run([sys.executable, "-m", "s2s", "examples/quickstart.py:loss",
                             "--wrt", "b", "--no-color"], cwd=REPO, capture_output=True,
                            text=True, timeout=120)
    assert module.returncode == 0, module.stderr
    assert module.stdout == script.stdout
    assert "def grad_loss(W, b, X, y):" in module.stdout


def test_loop_function_and_output_module(project):
    printed = run("usercode.py:power", cwd=project)
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout.startswith("def grad_power(x, y):")
    assert "for i in range(int(y)):" in printed.stdout

    written = run("usercode.py:power", "--output", "power_grad.py", cwd=project)
    assert written.returncode == 0, written.stderr
    assert "power_grad.py" in written.stdout
    module = _import_file(project / "power_grad.py")
    assert module.grad_power(3.0, 2) == 6.0
    assert module.grad_power(4.0, 3) == 48.0


def test_order_2(project):
    printed = run("usercode.py:cube", "--order", "2", cwd=project)
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout.startswith("def grad_grad_cube(x):")

    written = run("usercode.py:cube", "--order", "2", "--output", "cube_hess.py", cwd=project)
    assert written.returncode == 0, written.stderr
    module = _import_file(project / "cube_hess.py")
    assert module.grad_grad_cube(2.0) == pytest.approx(12.0)


@pytest.mark.skipif(not hasattr(s2s, "jvp"), reason="forward mode (s2s.jvp) not available")
def test_forward_mode(project):
    printed = run("usercode.py:model", "--mode", "forward", "--wrt", "w", cwd=project)
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout.startswith("def jvp_model(x, w, w_dot):")

    written = run("usercode.py:model", "--mode", "forward", "--wrt", "w", "--output",
                  "model_jvp.py", cwd=project)
    assert written.returncode == 0, written.stderr
    module = _import_file(project / "model_jvp.py")
    rng = np.random.default_rng(0)
    x, w, v = rng.normal(size=(3, 3)), rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    value, tangent = module.jvp_model(x, w, v)
    sys.path.insert(0, str(project))
    try:
        import usercode
        expected = np.sum(s2s.grad(usercode.model, wrt="w")(x, w) * v)
        assert value == pytest.approx(usercode.model(x, w))
    finally:
        sys.path.remove(str(project))
        sys.modules.pop("usercode", None)
    assert tangent == pytest.approx(expected)


def test_exit_1_on_an_error_in_the_users_code(project):
    result = run("usercode.py:uses_try", cwd=project)
    assert result.returncode == 1
    line = USER_MODULE.splitlines().index("    try:") + 1
    first, second = result.stderr.splitlines()[:2]
    assert first.startswith(f"usercode.py:{line}: ")
    assert "try" in first
    assert second.strip() == "try:"
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_exit_1_when_the_users_module_does_not_import(tmp_path):
    (tmp_path / "broken.py").write_text("def f(x):\n    return x +\n")
    result = run("broken.py:f", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("broken.py:2: SyntaxError")


@pytest.mark.parametrize("args, message", [
    (["missing.py:f"], "file not found: missing.py"),
    (["usercode.py:nope"], "no function 'nope' in usercode.py"),
    (["usercode.py:NOT_A_FUNCTION"], "not a function"),
    (["usercode.py"], "expected path/to/file.py:function"),
    (["usercode.py:power", "--wrt", "z"], "'z' is not a parameter of power"),
    (["usercode.py:power", "--order", "0"], "the order must be at least 1"),
    (["usercode.py:power", "--mode", "sideways"], "invalid choice"),
    (["usercode.py:power", "--output", "no/such/dir/m.py"], "does not exist"),
    (["usercode.py:model", "--wrt", "x", "--wrt", "w", "--order", "2"], "one parameter"),
])
def test_exit_2_on_usage_errors(project, args, message):
    result = run(*args, cwd=project)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_function_lists_the_functions_there(project):
    result = run("usercode.py:nope", cwd=project)
    assert "power" in result.stderr and "cube" in result.stderr


def test_output_does_not_replace_a_file_s2s_did_not_write(project):
    mine = project / "mine.py"
    mine.write_text("precious = True\n")
    refused = run("usercode.py:cube", "--output", "mine.py", cwd=project)
    assert refused.returncode == 2
    assert "--force" in refused.stderr and "mine.py" in refused.stderr
    assert mine.read_text() == "precious = True\n"

    forced = run("usercode.py:cube", "--output", "mine.py", "--force", cwd=project)
    assert forced.returncode == 0, forced.stderr
    assert mine.read_text().startswith("# Generated by s2s")
    # a module s2s wrote is regenerated without --force
    again = run("usercode.py:cube", "--output", "mine.py", cwd=project)
    assert again.returncode == 0, again.stderr


def test_no_optimize_and_no_color_are_accepted(project):
    result = run("usercode.py:cube", "--no-optimize", "--no-color", cwd=project)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("def grad_cube(x):")
    assert "no effect" not in result.stderr
    optimized = run("usercode.py:cube", "--no-color", cwd=project)
    # the unoptimised gradient keeps the shape fixes the optimiser proves away
    assert "unbroadcast" in result.stdout and "unbroadcast" not in optimized.stdout


def test_highlighted_only_on_a_terminal(monkeypatch):
    pytest.importorskip("pygments")
    sys.path.insert(0, str(REPO))
    try:
        import cli
    finally:
        sys.path.remove(str(REPO))
    source = "def f(x):\n    return x\n"
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    assert "\x1b[" in cli._highlight(source, no_color=False)
    assert cli._highlight(source, no_color=True) == source
    monkeypatch.setattr(sys.stdout, "isatty", lambda: False, raising=False)
    assert cli._highlight(source, no_color=False) == source


def test_header_command_regenerates_the_same_module(project):
    (project / "out").mkdir()
    first = run("usercode.py:model", "--wrt", "x", "--wrt", "w", "--output", "out/m.py",
                cwd=project)
    assert first.returncode == 0, first.stderr
    text = (project / "out" / "m.py").read_text()
    command = next(line for line in text.splitlines() if line.startswith("#     s2s-show "))
    args = command.split()[2:]
    assert args[0] == "../usercode.py:model"
    again = run(*args, cwd=project / "out")
    assert again.returncode == 0, again.stderr
    assert (project / "out" / "m.py").read_text() == text


def test_readme_first_command_uses_s2s_show():
    readme = (REPO / "README.md").read_text()
    first = next(line for line in readme.splitlines() if line.startswith("python3 -m pip"))
    assert first == ("python3 -m pip install -e . && s2s-show examples/quickstart.py:loss "
                     "--wrt W --wrt b")


def test_readme_shows_real_s2s_show_output():
    """The README's s2s-show example is what s2s-show prints (its key lines:
    the generated code may change in details)."""
    readme = (REPO / "README.md").read_text()
    section = readme.split("## s2s-show and exported modules", 1)[1]
    block = section.split("$ s2s-show examples/power.py:power\n", 1)[1].split("```", 1)[0]
    result = run("examples/power.py:power", cwd=REPO)
    assert result.returncode == 0, result.stderr
    compile(block, "<readme>", "exec")
    for line in ("def grad_power(x, y):", "for i in range(int(y)):",
                 "for i in reversed(range(int(y))):", "out = out_stack.pop()",
                 "return x_bar"):
        assert line in block, line
        assert any(out.strip() == line for out in result.stdout.splitlines()), line
