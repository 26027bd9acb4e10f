"""Sphinx configuration of the liepoisson documentation.

Build with ``sphinx-build -W -b html docs docs/_build/html`` (needs the ``docs`` extra:
``pip install ".[docs]"``).
"""

import os
import sys

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
    app.connect("autodoc-process-docstring", _escape_shape_stars)
