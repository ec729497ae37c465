"""Every package directory ships: pyproject's explicit package list names them all."""

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
