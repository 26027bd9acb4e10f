"""The examples in the docstrings of the models, run under the models' installed name.

pytest's ``--doctest-modules`` collects ``liepoisson/`` (see ``testpaths``), but it would
import the folder ``models/`` by its path, as a top-level package ``models``: the name this
project must never import (a user's own ``models`` package would be run in its place).
Here every module of ``liepoisson_models`` is imported by that name and each docstring with
examples is one test, with the option flags of the pytest configuration.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import liepoisson_models

FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _modules() -> list[str]:
    names = [liepoisson_models.__name__]
    for info in pkgutil.walk_packages(liepoisson_models.__path__, liepoisson_models.__name__ + "."):
        names.append(info.name)
    return sorted(names)


def _doctests() -> list[doctest.DocTest]:
    finder = doctest.DocTestFinder(exclude_empty=True)
    tests = []
    for name in _modules():
        tests.extend(t for t in finder.find(importlib.import_module(name), name) if t.examples)
    return sorted(tests, key=lambda t: t.name)


DOCTESTS = _doctests()


def test_every_model_package_has_examples():
    packages = {t.name.split(".")[1] for t in DOCTESTS if t.name.count(".") >= 1}
    assert {"rigid_body", "heavy_top", "nls", "deep_learning", "hydrodynamics", "euler_sphere",
            "_cli"} <= packages
    assert len(DOCTESTS) >= 60


def test_no_module_is_imported_as_top_level_models():
    import sys

    assert not [name for name in sys.modules if name == "models" or name.startswith("models.")]


@pytest.mark.parametrize("test", DOCTESTS, ids=lambda t: t.name)
def test_docstring_examples_run_as_written(test):
    output: list[str] = []
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    result = runner.run(test, out=output.append)
    assert result.failed == 0, "".join(output)
