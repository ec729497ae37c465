"""Every package directory ships (pyproject's explicit package list names them all), and the
subpackages are reachable after `import minigrad` as PyTorch's are after `import torch`."""

import json
import subprocess
import sys
from pathlib import Path

import tomllib

ROOT = Path(__file__).parent.parent


def test_every_package_directory_is_listed_in_pyproject():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
                 ["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts)
             for p in (ROOT / "minigrad").rglob("__init__.py")}
    found.add("minigrad.reference")  # installed from reference/ through package-dir
    assert listed == found


def _attributes_after_import(library: str, names: list[str]) -> dict[str, bool]:
    """Which dotted names are reachable as attributes right after `import library`, in a fresh
    interpreter (so that no other import has loaded a subpackage already)."""
    code = (f"import sys, json, {library}\n"
            f"def reach(path):\n"
            f"    obj = {library}\n"
            f"    for part in path.split('.'):\n"
            f"        if not hasattr(obj, part):\n"
            f"            return False\n"
            f"        obj = getattr(obj, part)\n"
            f"    return True\n"
            f"print(json.dumps({{n: reach(n) for n in {names!r}}}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_subpackages_are_attributes_after_import_as_in_torch():
    names = ["autograd", "nn", "nn.functional", "nn.init", "nn.utils", "optim", "utils.data",
             "testing", "backends", "backends.cudnn", "backends.mps", "backends.cuda"]
    assert _attributes_after_import("torch", names) == dict.fromkeys(names, True)
    assert _attributes_after_import("minigrad", [*names, "viz"]) == dict.fromkeys(
        [*names, "viz"], True)


def test_import_minigrad_needs_only_numpy():
    """minigrad.testing (which needs Hypothesis) is imported on first use, not by the package."""
    code = "import sys, minigrad; print(sorted({'hypothesis', 'torch'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_package_type_checks_with_mypy():
    """`py.typed` promises types: mypy, configured in pyproject.toml, finds no error."""
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout + result.stderr
