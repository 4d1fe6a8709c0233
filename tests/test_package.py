"""The package as shipped: every subpackage in the wheel, modules of a readable size."""

import tomllib
from pathlib import Path

from setuptools import find_packages

ROOT = Path(__file__).resolve().parents[1]


def test_every_subpackage_is_found_for_the_wheel():
    # A subpackage setuptools does not find installs in editable mode all the
    # same, and is missing from a wheel.
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    found = set(find_packages(ROOT, **config["tool"]["setuptools"]["packages"]["find"]))
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "skgd").rglob("__init__.py")
    }
    assert found == on_disk
    assert {"skgd._solvers", "skgd._plotting"} <= found


def test_no_module_is_over_400_lines():
    for module in (ROOT / "skgd").rglob("*.py"):
        assert len(module.read_text().splitlines()) <= 400, module.relative_to(ROOT)
