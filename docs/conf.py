"""Sphinx configuration of the liepoisson documentation.

Build with ``sphinx-build -W -b html docs docs/_build/html`` (needs the ``docs`` extra:
``pip install ".[docs]"``).
"""

import importlib.resources
import os
import shutil
import sys
from pathlib import Path

# Document the checkout, not whatever copy happens to be installed.
sys.path.insert(0, os.path.abspath(".."))

import liepoisson  # noqa: E402

project = "liepoisson"
author = "the liepoisson developers"
copyright = "the liepoisson developers"
version = release = liepoisson.__version__

extensions = [
    "sphinx.ext.autodoc",
    "numpydoc",
    "sphinx.ext.mathjax",
    "sphinx.ext.doctest",
]

exclude_patterns = ["_build"]
nitpicky = False

# numpydoc: classes list their members through autodoc's :members:, not numpydoc tables.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

autodoc_member_order = "bysource"
autodoc_typehints = "none"  # the numpydoc Parameters sections carry the types

html_theme = "alabaster"
html_static_path = []

# ---------------------------------------------------------------------------------------
# Math is typeset by a copy of MathJax shipped with the docs, not loaded from a CDN, so that
# the built pages show formulas without a network. The docs extra installs
# django-static-mathjax (import name ``mathjax``: the MathJax 3 distribution, no Django
# needed); its single-file component tex-svg-full.js (TeX input with every extension, SVG
# output with its fonts inside, so nothing else is fetched) is copied to
# _static/mathjax/ of the build, with MathJax's license.
MATHJAX_FILE = "tex-svg-full.js"
mathjax_path = f"mathjax/{MATHJAX_FILE}"


def _mathjax_sources():
    try:
        root = importlib.resources.files("mathjax") / "static" / "mathjax"
    except ModuleNotFoundError:
        root = None
    if root is None or not (root / "es5" / MATHJAX_FILE).is_file():
        raise RuntimeError(
            "the docs need MathJax from the package django-static-mathjax (import name "
            "'mathjax'), which is missing: pip install \".[docs]\""
        )
    return root / "es5" / MATHJAX_FILE, root / "LICENSE"


def _copy_mathjax(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / "mathjax"
    target.mkdir(parents=True, exist_ok=True)
    script, license_file = _mathjax_sources()
    shutil.copyfile(script, target / MATHJAX_FILE)
    shutil.copyfile(license_file, target / "LICENSE")

# ---------------------------------------------------------------------------------------
# Shapes are written in Python notation in the numpydoc type fields, e.g.
# ``mu : ndarray of shape (..., *shape)`` or ``(*shape,)``; reST would read ``*shape`` as
# the start of an emphasis. On lines that mention a shape, escape a star that follows "("
# or ", " and precedes a name, outside inline literals and roles.
import re  # noqa: E402

_STAR = re.compile(r"(?:(?<=\()|(?<=, ))\*(?=[A-Za-z_])")
_LITERAL = re.compile(r"(``.*?``|`[^`]*`)")


def _escape_shape_stars(app, what, name, obj, options, lines):
    for i, line in enumerate(lines):
        if "*" not in line or "shape" not in line:
            continue
        parts = _LITERAL.split(line)
        for k in range(0, len(parts), 2):  # even parts are outside literals
            parts[k] = _STAR.sub(r"\\*", parts[k])
        lines[i] = "".join(parts)


def setup(app):
    _mathjax_sources()  # fail early, not after the whole build
    app.connect("autodoc-process-docstring", _escape_shape_stars)
    app.connect("build-finished", _copy_mathjax)
