"""The models are installed as ``liepoisson_models``: a user's own ``models`` package can
neither shadow them nor be executed in their place.

Most machine-learning projects have a top-level ``models/`` package. From a directory
holding one (whose every module writes a marker file and raises when executed), the
command, ``python -m liepoisson`` and the documented imports reach this project's models.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import liepoisson_models

ROOT = Path(__file__).resolve().parents[1]
MODELS = ["rigid-body", "heavy-top", "nls", "graph-nls", "deep-learning", "hydrodynamics",
          "euler-sphere"]
TRAP = """\
from pathlib import Path
Path(__file__).with_name("EXECUTED-" + __name__).write_text("executed")
raise RuntimeError("the user's own models package was executed: " + __name__)
"""


@pytest.fixture(scope="module")
def foreign_dir(tmp_path_factory):
    """A working directory with its own ``models`` package (``__init__``, ``registry``,
    ``deep_learning``) that leaves a marker file and raises when imported."""
    root = tmp_path_factory.mktemp("project-with-models")
    package = root / "models"
    (package / "deep_learning").mkdir(parents=True)
    for module in ("__init__.py", "registry.py", "deep_learning/__init__.py"):
        (package / module).write_text(TRAP)
    return root


def _env():
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    return env


def _run(argv, cwd):
    return subprocess.run(argv, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=600)


def _markers(root: Path) -> list[str]:
    return sorted(p.name for p in root.rglob("EXECUTED-*"))


def _command() -> str:
    found = shutil.which("liepoisson", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.skip("the liepoisson console script is not installed next to this Python")
    return found


@pytest.mark.parametrize("how", ["script", "module"])
def test_liepoisson_list_reaches_our_models_from_a_directory_with_its_own(foreign_dir, how):
    argv = [_command(), "list"] if how == "script" else [sys.executable, "-m", "liepoisson", "list"]
    result = _run(argv, foreign_dir)
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr
    section = result.stdout.split("Models (liepoisson run MODEL):", 1)[1].split("\n\n", 1)[0]
    for name in MODELS:
        assert f"  {name}" in section
    assert "rigid-body (default)" in section
    assert "LiePoissonSplitting" in result.stdout
    assert _markers(foreign_dir) == []


def test_documented_imports_reach_our_models_from_a_directory_with_its_own(foreign_dir):
    code = (
        "from liepoisson_models.deep_learning import ResNetClassifier\n"
        "import liepoisson_models.rigid_body, liepoisson_models.heavy_top, "
        "liepoisson_models.nls, liepoisson_models.hydrodynamics, liepoisson_models.euler_sphere\n"
        "import sys\n"
        "print(ResNetClassifier.__module__)\n"
        "print(sorted(m for m in sys.modules if m == 'models' or m.startswith('models.')))\n"
    )
    result = _run([sys.executable, "-c", code], foreign_dir)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["liepoisson_models.deep_learning.estimators", "[]"]
    assert _markers(foreign_dir) == []


def test_liepoisson_run_runs_our_default_model_from_a_directory_with_its_own(foreign_dir):
    out = foreign_dir / "out"
    result = _run([sys.executable, "-m", "liepoisson", "run", "--steps", "5", "--out", str(out)],
                  foreign_dir)
    assert result.returncode == 0, result.stderr
    assert "rigid-body" in (out / "report.json").read_text()
    assert _markers(foreign_dir) == []


def test_installed_name_is_liepoisson_models_from_the_folder_models():
    assert liepoisson_models.__name__ == "liepoisson_models"
    assert Path(liepoisson_models.__file__).parent.name in ("models", "liepoisson_models")


def test_pyproject_lists_every_package_and_registers_every_model_by_entry_point():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    setuptools = config["tool"]["setuptools"]
    assert setuptools["package-dir"] == {"liepoisson_models": "models"}
    found = set()
    for top, name in (("liepoisson", "liepoisson"), ("models", "liepoisson_models")):
        for init in (ROOT / top).rglob("__init__.py"):
            parts = init.parent.relative_to(ROOT / top).parts
            found.add(".".join((name, *parts)))
    assert sorted(setuptools["packages"]) == sorted(found)
    entry_points = config["project"]["entry-points"]["liepoisson.models"]
    assert set(entry_points) == {"rigid-body", "heavy-top", "nls", "deep-learning", "hydrodynamics",
                                 "euler-sphere"}
    for value in entry_points.values():
        assert value.startswith("liepoisson_models.") and ".cli:" in value


TOP_LEVEL_MODELS = re.compile(r"^(from|import) models\b|(?<![\w/])models\.[A-Za-z_]")


def test_nothing_imports_a_top_level_models_package():
    paths = [ROOT / "README.md", *ROOT.glob("*.py"), ROOT / "pyproject.toml"]
    for folder in ("liepoisson", "models", "tests", "benchmarks", "docs"):
        paths += [p for p in (ROOT / folder).rglob("*") if p.suffix in (".py", ".rst", ".md")
                  and "_build" not in p.parts]
    offenders = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in paths
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if TOP_LEVEL_MODELS.search(line.strip().removeprefix(">>> ").removeprefix("... "))
        and path.name not in ("test_import_name.py", "test_cli.py")
    ]
    assert offenders == []
