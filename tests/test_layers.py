"""The apps' layers hold (pyproject.toml's import-linter contract), and the check fails when an app imports
one above it: it is run on a copy of the code with one upward import added."""
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
PACKAGES = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["root_packages"]

pytestmark = pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="needs import-linter (make install-test)")


def lint(tree):
    done = subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=tree, capture_output=True, text=True, timeout=300)
    return done.returncode, done.stdout + done.stderr


def copy_of_the_code(tmp_path):
    tree = tmp_path / "tree"
    tree.mkdir()
    shutil.copy(ROOT / "pyproject.toml", tree)
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tree / package, ignore=shutil.ignore_patterns("__pycache__"))
    return tree


def test_the_layers_hold_and_an_upward_import_breaks_them(tmp_path):
    tree = copy_of_the_code(tmp_path)
    code, out = lint(tree)
    assert code == 0, out

    # resources importing research (the edge this contract was written to end)
    views = tree / "resources" / "views" / "browse.py"
    views.write_text(views.read_text() + "\nfrom research.models import ResearchGroup  # noqa: E402,F401\n")
    code, out = lint(tree)
    assert code != 0 and "resources is not allowed to import research" in out, out

    # a low app importing a high one, inside a function (an import there hides the edge from a reader, not the check)
    shutil.copy(ROOT / "resources" / "views" / "browse.py", views)
    services = tree / "accounts" / "services.py"
    services.write_text(services.read_text() + "\n\ndef _upward():\n    from lessons import views  # noqa: F401\n")
    code, out = lint(tree)
    assert code != 0 and "accounts is not allowed to import lessons" in out, out
