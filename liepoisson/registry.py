"""How models and integrators plug into the ``liepoisson`` command.

The core never imports a model and knows no model's module name. A model makes itself
known to the command line through an entry point in the group ``liepoisson.models``,
declared in the ``pyproject.toml`` of the distribution that ships it and resolved at run
time::

    [project.entry-points."liepoisson.models"]
    rigid-body = "liepoisson_models.rigid_body.cli:ENTRY"

(the models of this repository are declared this way, under the import name
``liepoisson_models``). An entry point may load to a :class:`ModelEntry`, to a sequence of
them (a model with several commands), or to a callable without arguments that returns
either. The first entry point to register a name wins (entry points are read in the order
of their names). The name ``catalog`` is reserved for the built-in demo of the core
(:mod:`liepoisson.demo`).

The protocol of a model is :class:`ModelEntry`: ``run(options)`` receives the parsed
command-line options (an :class:`argparse.Namespace` with at least ``out``, ``seed`` and
``progress``, plus whatever ``add_arguments`` declared; ``options._given`` is the set of
the options given on the command line, by ``dest``) and returns a JSON-serialisable
``dict``. The command writes that dict to ``<out>/report.json``, prints its ``"summary"``
entry when there is one, and exits with status 1 when it contains ``"passed": False``.
Plots are not drawn by ``run``: its ``"plots"`` entry lists :class:`Plot` objects, which
the command draws once the report is written (so that an interruption while plotting
does not lose the report), each into a temporary file renamed into place.

Integrators are discovered the same way: the concrete subclasses of
``liepoisson.integrators.Integrator`` listed in that package's ``__all__``, and the entry
points of the group ``liepoisson.integrators`` (each loading to an :class:`IntegratorEntry`).

Examples
--------
A model written for the command line:

>>> import argparse
>>> from liepoisson.registry import ModelEntry
>>> def add_arguments(parser):
...     parser.add_argument("--steps", type=int, default=10)
>>> def run(options):
...     return {"steps": options.steps, "passed": True, "summary": f"{options.steps} steps"}
>>> entry = ModelEntry("toy", "A toy model.", run, add_arguments)
>>> parser = argparse.ArgumentParser()
>>> entry.add_arguments(parser)
>>> entry.run(parser.parse_args(["--steps", "3"]))["summary"]
'3 steps'
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import inspect
import os
import re
import tempfile
from pathlib import Path
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, Callable, Mapping

from ._validation import _describe
from .exceptions import InvalidArgumentError

__all__ = [
    "MODEL_ENTRY_POINT_GROUP",
    "INTEGRATOR_ENTRY_POINT_GROUP",
    "BUILTIN_MODEL",
    "ModelEntry",
    "IntegratorEntry",
    "Plot",
    "write_atomically",
    "Registry",
    "discover_models",
    "discover_integrators",
]

#: Entry-point group through which installed packages register models.
MODEL_ENTRY_POINT_GROUP = "liepoisson.models"
#: Entry-point group through which installed packages register integrators.
INTEGRATOR_ENTRY_POINT_GROUP = "liepoisson.integrators"
#: Name of the built-in demo of the core, run when no model is given.
BUILTIN_MODEL = "catalog"


def _no_arguments(parser: argparse.ArgumentParser) -> None:
    """Default ``add_arguments``: the model takes no options of its own."""


@dataclass(frozen=True)
class ModelEntry:
    """A model runnable from the command line (final).

    Parameters
    ----------
    name : str
        The name typed after ``liepoisson run``; non-empty, without spaces.
    description : str
        One line shown by ``liepoisson list``.
    run : callable
        ``run(options) -> dict``. ``options`` is the parsed :class:`argparse.Namespace`
        (``out`` is a :class:`pathlib.Path` that exists, ``seed`` an int, ``progress`` a
        bool); the returned dict must be JSON-serialisable (NumPy scalars and arrays are
        converted). Optional keys with a meaning: ``"summary"`` (str, printed),
        ``"passed"`` (bool; ``False`` makes the command exit with status 1), ``"complete"``
        (bool) and ``"plots"`` (a list of :class:`Plot` to draw, or of names of files
        already written). A run stopped by Ctrl-C (:class:`KeyboardInterrupt`) stops the
        command, which writes a report with ``"complete": False``.
    add_arguments : callable, optional
        ``add_arguments(parser)`` adds the model's own options to the ``run`` sub-parser.
    default : bool
        Whether ``liepoisson run`` without a model name runs this one (at most one
        registered model may set it; otherwise the built-in ``catalog`` demo runs).

    Raises
    ------
    InvalidArgumentError
        If ``name`` is empty or contains white space, or ``run`` / ``add_arguments`` is not
        callable.
    """

    name: str
    description: str
    run: Callable[[argparse.Namespace], Mapping[str, Any]]
    add_arguments: Callable[[argparse.ArgumentParser], None] = field(default=_no_arguments)
    default: bool = False

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name or any(c.isspace() for c in self.name):
            raise InvalidArgumentError(
                f"name must be a non-empty string without spaces, got {_describe(self.name)}"
            )
        if not isinstance(self.description, str):
            raise InvalidArgumentError(
                f"description must be a string, got {_describe(self.description)}"
            )
        if not callable(self.run):
            raise InvalidArgumentError(f"run must be callable, got {_describe(self.run)}")
        if not callable(self.add_arguments):
            raise InvalidArgumentError(
                f"add_arguments must be callable, got {_describe(self.add_arguments)}"
            )


def write_atomically(path, write: Callable[[Path], Any]) -> Path:
    """Write a file so that readers only ever see it complete.

    ``write(tmp)`` writes a temporary file in the directory of ``path`` (with the same
    suffix, so that e.g. matplotlib infers the format); it is then renamed to ``path``
    (:func:`os.replace`, atomic on POSIX). Concurrent writers each rename a complete file;
    the last one wins. On failure or interruption the temporary file is removed and
    ``path`` is left as it was.

    Parameters
    ----------
    path : str or Path
    write : callable
        ``write(tmp)`` with ``tmp`` a :class:`~pathlib.Path`.

    Returns
    -------
    Path

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from liepoisson.registry import write_atomically
    >>> path = Path(tempfile.mkdtemp()) / "a.txt"
    >>> write_atomically(path, lambda tmp: tmp.write_text("done")).read_text()
    'done'
    """
    path = Path(path)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=path.suffix)
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)  # mkstemp creates the file private
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return path


@dataclass(frozen=True)
class Plot:
    """A plot of a model's run, drawn by the command after the report is written (final).

    Parameters
    ----------
    name : str
        File name in the output directory (no directory part), e.g. ``"errors.png"``.
    draw : callable
        ``draw(path)`` writes the file at ``path`` (a :class:`~pathlib.Path` with the
        suffix of ``name``).

    Raises
    ------
    InvalidArgumentError
        If ``name`` is empty or has a directory part, or ``draw`` is not callable.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from liepoisson.registry import Plot
    >>> plot = Plot("note.txt", lambda path: path.write_text("a plot"))
    >>> plot.write(Path(tempfile.mkdtemp())).name
    'note.txt'
    """

    name: str
    draw: Callable[[Path], Any]

    def __post_init__(self):
        if (not isinstance(self.name, str) or not self.name or Path(self.name).name != self.name
                or self.name in (".", "..")):
            raise InvalidArgumentError(
                f"name must be a file name without a directory, got {_describe(self.name)}"
            )
        if not callable(self.draw):
            raise InvalidArgumentError(f"draw must be callable, got {_describe(self.draw)}")

    def write(self, directory) -> Path:
        """Draw into ``directory / name`` atomically (:func:`write_atomically`).

        Returns
        -------
        Path
        """
        return write_atomically(Path(directory) / self.name, self.draw)


@dataclass(frozen=True)
class IntegratorEntry:
    """An integrator shown by ``liepoisson list`` (final).

    Parameters
    ----------
    name : str
        Its name, e.g. the class name.
    description : str
        One line.
    factory : callable
        Builds the integrator (a class or a function).
    """

    name: str
    description: str
    factory: Callable[..., Any]


@dataclass(frozen=True)
class Registry:
    """What a discovery found (final).

    Parameters
    ----------
    entries : mapping of str to entry
        By name, in discovery order.
    errors : tuple of str
        One message per source that failed to load (a plug-in that raises on import is
        reported here, not raised, so that one broken model does not hide the others).
    """

    entries: Mapping[str, Any]
    errors: tuple[str, ...] = ()

    def names(self) -> list[str]:
        """The registered names, sorted."""
        return sorted(self.entries)


def _first_line(obj) -> str:
    """The summary of a docstring (its first paragraph) on one line, as plain text: formulas
    dropped, other roles unwrapped, "(final)" dropped."""
    doc = (inspect.getdoc(obj) or "").strip()
    line = " ".join(doc.split("\n\n")[0].split())
    line = re.sub(r":math:`[^`]*`", "", line)
    line = re.sub(r":[a-z]+:`~?([^`]*)`", r"\1", line).replace("``", "")
    line = line.replace(" (final)", "").strip().rstrip(" :.")
    return line + "." if line else line


def _entries_from(obj, source: str, kind: type) -> list:
    """Normalise what a plug-in provides to a list of entries of type ``kind``."""
    if isinstance(obj, kind):
        return [obj]
    if callable(obj) and not isinstance(obj, (list, tuple)):
        return _entries_from(obj(), source, kind)
    if isinstance(obj, (list, tuple)):
        out = []
        for item in obj:
            if not isinstance(item, kind):
                raise TypeError(f"{source} provides {_describe(item)}, not a {kind.__name__}")
            out.append(item)
        return out
    raise TypeError(f"{source} provides {_describe(obj)}, not a {kind.__name__} or a sequence of them")


def _from_entry_points(group: str, kind: type, found: dict, errors: list) -> None:
    for ep in sorted(metadata.entry_points(group=group), key=lambda e: e.name):
        source = f"entry point {ep.name!r} ({ep.value}) of group {group!r}"
        try:
            entries = _entries_from(ep.load(), source, kind)
        except Exception as exc:  # a broken plug-in must not hide the others
            errors.append(f"{source} failed to load: {type(exc).__name__}: {exc}")
            continue
        for entry in entries:
            found.setdefault(entry.name, entry)


def discover_models() -> Registry:
    """Find the models registered through the entry points of :data:`MODEL_ENTRY_POINT_GROUP`.

    Returns
    -------
    Registry
        ``entries`` maps names to :class:`ModelEntry`; the built-in ``catalog`` demo is not
        included (the command line adds it).

    Examples
    --------
    >>> from liepoisson.registry import discover_models
    >>> "catalog" in discover_models().entries
    False
    """
    found: dict[str, ModelEntry] = {}
    errors: list[str] = []
    _from_entry_points(MODEL_ENTRY_POINT_GROUP, ModelEntry, found, errors)
    if BUILTIN_MODEL in found:
        errors.append(f"the model name {BUILTIN_MODEL!r} is reserved for the built-in demo; ignored")
        del found[BUILTIN_MODEL]
    return Registry(entries=found, errors=tuple(errors))


def discover_integrators() -> Registry:
    """Find the integrators: the core's concrete ones and those of entry points.

    Returns
    -------
    Registry
        ``entries`` maps names to :class:`IntegratorEntry`.

    Examples
    --------
    >>> from liepoisson.registry import discover_integrators
    >>> isinstance(discover_integrators().entries, dict)
    True
    """
    found: dict[str, IntegratorEntry] = {}
    errors: list[str] = []
    try:
        package = importlib.import_module("liepoisson.integrators")
    except ModuleNotFoundError:
        package = None
    except Exception as exc:
        errors.append(f"liepoisson.integrators failed to import: {type(exc).__name__}: {exc}")
        package = None
    base = getattr(package, "Integrator", None)
    if inspect.isclass(base):
        for name in getattr(package, "__all__", ()):
            obj = getattr(package, name, None)
            if inspect.isclass(obj) and issubclass(obj, base) and not inspect.isabstract(obj):
                found.setdefault(name, IntegratorEntry(name, _first_line(obj), obj))
    _from_entry_points(INTEGRATOR_ENTRY_POINT_GROUP, IntegratorEntry, found, errors)
    return Registry(entries=found, errors=tuple(errors))
