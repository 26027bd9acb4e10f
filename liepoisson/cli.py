"""The ``liepoisson`` command.

Subcommands:

``liepoisson list``
    The algebras of the catalog (name, dimension, known Casimirs), the registered models and
    the integrators.
``liepoisson run [MODEL] [--out DIR] [--seed N] [--progress] [model options]``
    Runs a model and writes ``DIR/report.json`` (default ``DIR`` = ``./liepoisson-out``).
    Without ``MODEL`` it runs the registered default model, or else the built-in ``catalog``
    demo (:mod:`liepoisson.demo`). Models plug in through :mod:`liepoisson.registry`; the
    model's own options come after its name.

The report is written before the plots are drawn and updated after them; the report and
every plot are written atomically (a temporary file renamed into place), so that
concurrent runs into one directory leave complete files. Warnings raised during a run
(e.g. NumPy's ``RuntimeWarning``) are recorded in the report (``"warnings"``) instead of
being printed. Ctrl-C stops the whole command: the report is written with
``"complete": false`` and ``"passed": false`` (keeping the numbers when the interruption
came while plotting).

Exit status: 0 on success, 1 when a run reports ``"passed": False`` or fails with a library
error, 2 on bad arguments, an unknown model or an error outside the library (reported in
one line, e.g. an overflow in NumPy), 130 when interrupted (Ctrl-C).

Examples
--------
>>> from liepoisson.cli import main
>>> main(["run", "no-such-model"])
2
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import warnings
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from . import __version__
from .exceptions import InvalidArgumentError, LiePoissonError
from .registry import (
    BUILTIN_MODEL,
    ModelEntry,
    Plot,
    Registry,
    discover_integrators,
    discover_models,
    write_atomically,
)

__all__ = ["main", "build_parser", "DEFAULT_OUT", "INTERRUPTED", "MAX_WARNINGS"]

#: Output directory of ``liepoisson run`` when ``--out`` is not given.
DEFAULT_OUT = Path("liepoisson-out")
#: Exit status of a command stopped by Ctrl-C (128 + SIGINT, the shell's convention).
INTERRUPTED = 130
#: At most this many distinct warnings of a run are recorded in its report.
MAX_WARNINGS = 50


class _StoreGiven(argparse._StoreAction):
    """argparse's ``store`` action that also records the option in ``namespace._given``,
    so that a model can tell an option given on the command line from its default."""

    def __call__(self, parser, namespace, values, option_string=None):
        super().__call__(parser, namespace, values, option_string)
        given = set(getattr(namespace, "_given", ()))
        given.add(self.dest)
        namespace._given = given


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--seed must be a non-negative integer, got {text!r}")
    if value < 0:
        raise argparse.ArgumentTypeError(f"--seed must be a non-negative integer, got {text!r}")
    return value


def build_parser(model: ModelEntry | None = None, *, probe: bool = False) -> argparse.ArgumentParser:
    """The argument parser of the command.

    Parameters
    ----------
    model : ModelEntry, optional
        When given, its options are added to the ``run`` sub-parser.
    probe : bool
        Build the first-pass parser, used only to find the model name (no ``-h`` on ``run``,
        so that ``liepoisson run MODEL -h`` shows the model's options in the second pass).

    Returns
    -------
    argparse.ArgumentParser
    """
    parser = argparse.ArgumentParser(
        prog="liepoisson",
        description="Lie-Poisson systems on abstract Lie algebras and their "
        "structure-preserving integrators.",
    )
    parser.add_argument("--version", action="version", version=f"liepoisson {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    commands.add_parser(
        "list", help="list the catalog algebras, the models and the integrators",
        description="List the catalog algebras, the registered models and the integrators.",
    )
    run = commands.add_parser(
        "run",
        help="run a model (default: the built-in catalog demo) and write DIR/report.json",
        description="Run a model and write DIR/report.json. Without MODEL, the registered "
        f"default model runs, or else the built-in {BUILTIN_MODEL!r} demo.",
        add_help=not probe,
    )
    run.register("action", None, _StoreGiven)
    run.register("action", "store", _StoreGiven)
    run.set_defaults(_given=frozenset())
    run.add_argument("model", nargs="?", metavar="MODEL", help="model name (see 'liepoisson list')")
    run.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, metavar="DIR",
        help=f"output directory, created if needed (default: ./{DEFAULT_OUT})",
    )
    run.add_argument("--seed", type=_seed, default=0, help="random seed (default: 0)")
    run.add_argument("--progress", action="store_true", help="show progress bars on stderr")
    if model is not None:
        group = run.add_argument_group(f"options of model {model.name!r}")
        model.add_arguments(group)
    return parser


def _available_models(registry: Registry) -> dict[str, ModelEntry]:
    from .demo import CATALOG_DEMO

    return {BUILTIN_MODEL: CATALOG_DEMO, **registry.entries}


def _default_model(registry: Registry) -> str:
    defaults = sorted(name for name, e in registry.entries.items() if e.default)
    if len(defaults) > 1:
        raise InvalidArgumentError(
            f"several models claim to be the default ({', '.join(defaults)}); name one: "
            "liepoisson run MODEL"
        )
    return defaults[0] if defaults else BUILTIN_MODEL


def _warn(registry: Registry) -> None:
    for message in registry.errors:
        print(f"liepoisson: warning: {message}", file=sys.stderr)


def _jsonable(value: Any) -> Any:
    """Convert NumPy types, paths and non-finite floats (to ``null``) for strict JSON."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.generic):
        return _jsonable(value.item())
    if isinstance(value, complex):
        return {"real": _jsonable(value.real), "imag": _jsonable(value.imag)}
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Path):
        return str(value)
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return repr(value)


def _cmd_list() -> int:
    from .demo import catalog_algebras

    built, missing = catalog_algebras()
    rows = [("name", "dim", "Casimirs", "charts", "factory")]
    rows += [(a.name, str(a.dim), ", ".join(a.casimirs()) or "-", "exp, cayley" if a.has_cayley else "exp", call)
             for _, call, a in built]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    print("Algebras of the catalog:")
    for r in rows:
        print("  " + "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
    if missing:
        print("  not in this version: " + ", ".join(missing))

    registry = discover_models()
    _warn(registry)
    models = _available_models(registry)
    try:
        default = _default_model(registry)
    except InvalidArgumentError:
        default = None
    print("\nModels (liepoisson run MODEL):")
    width = max(len(n) for n in models) + len(" (default)")
    for name in [BUILTIN_MODEL] + registry.names():
        label = name + (" (default)" if name == default else "")
        print(f"  {label.ljust(width)}  {models[name].description}")

    integrators = discover_integrators()
    _warn(integrators)
    print("\nIntegrators:")
    if not integrators.entries:
        print("  (none registered)")
    width = max((len(n) for n in integrators.entries), default=0)
    for name in integrators.names():
        print(f"  {name.ljust(width)}  {integrators.entries[name].description}")
    return 0


def _recorded(caught: list[warnings.WarningMessage]) -> list[dict[str, Any]]:
    """The distinct warnings of a run (category, message, where), with their counts."""
    found: dict[tuple, dict[str, Any]] = {}
    for w in caught:
        key = (w.category.__name__, str(w.message), f"{w.filename}:{w.lineno}")
        if key in found:
            found[key]["count"] += 1
        elif len(found) < MAX_WARNINGS:
            found[key] = {"category": key[0], "message": key[1], "where": key[2], "count": 1}
    return list(found.values())


def _incomplete_result(summary: str, **details: Any) -> dict[str, Any]:
    """The report of a run that did not finish: nothing checked, not passed."""
    return {"checks": {}, "complete": False, "passed": False, **details, "plots": [],
            "summary": summary}


def _interrupted_result(entry: ModelEntry, exc: KeyboardInterrupt) -> dict[str, Any]:
    detail = f" ({exc})" if str(exc) else ""
    return _incomplete_result(
        f"{entry.name}: interrupted (Ctrl-C) during the run{detail}; nothing was checked",
        interrupted=f"during the run{detail}",
    )


def _failed_result(entry: ModelEntry, exc: LiePoissonError) -> dict[str, Any]:
    """The report of a run stopped by a library error inside it (a failed step, a solve
    that did not converge): incomplete and not passed, with the error and its step."""
    error = {"type": type(exc).__name__, "message": str(exc)}
    if getattr(exc, "step", None) is not None:
        error["step"] = int(exc.step)
    return _incomplete_result(f"{entry.name}: stopped by {type(exc).__name__}: {exc}",
                              error=error)


def _run_model(entry: ModelEntry, options: argparse.Namespace) -> tuple[Any, int | None]:
    """``entry.run(options)``: its result, or an interrupted one, or an exit status."""
    name = f"liepoisson run {entry.name}"
    try:
        return entry.run(options), None
    except KeyboardInterrupt as exc:
        return _interrupted_result(entry, exc), None
    except InvalidArgumentError as exc:
        print(f"{name}: error: {exc}", file=sys.stderr)
        return None, 2
    except LiePoissonError as exc:  # a failure inside the run: reported, exit status 1
        print(f"{name}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return _failed_result(entry, exc), None
    except (MemoryError, RecursionError) as exc:
        print(f"{name}: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return None, 2
    except Exception as exc:  # numpy/scipy errors on extreme inputs: one line, no traceback
        text = " ".join(str(exc).split()) or "(no message)"
        print(f"{name}: error: {type(exc).__name__}: {text} (outside the library's checks; "
              "try less extreme options)", file=sys.stderr)
        return None, 2


def _cmd_run(options: argparse.Namespace, entry: ModelEntry, parser) -> int:
    out: Path = options.out
    if out.exists() and not out.is_dir():
        parser.error(f"--out must be a directory, got the file {str(out)!r}")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        parser.error(f"--out: cannot create directory {str(out)!r}: {exc.strerror}")
    with warnings.catch_warnings(record=True) as caught:
        result, status = _run_model(entry, options)
        if status is not None:
            return status
        if not isinstance(result, dict):
            print(
                f"liepoisson run {entry.name}: error: the model returned "
                f"{type(result).__name__}, not a dict",
                file=sys.stderr,
            )
            return 1
        report = {
            "model": entry.name,
            "version": __version__,
            "options": {k: v for k, v in vars(options).items()
                        if k != "command" and not k.startswith("_")},
        }
        report.update(result)
        plots = list(report.get("plots") or [])
        pending = [p for p in plots if isinstance(p, Plot)]
        report["plots"] = [str(p) for p in plots if not isinstance(p, Plot)]
        if pending:
            report["plots_pending"] = [p.name for p in pending]
        path = out / "report.json"
        _write_report(path, report, caught)
        try:
            for plot in pending:
                try:
                    plot.write(out)
                except Exception as exc:  # a failed plot must not lose the report
                    text = " ".join(str(exc).split())
                    report.setdefault("plot_errors", {})[plot.name] = f"{type(exc).__name__}: {text}"
                    print(f"liepoisson run {entry.name}: error: plot {plot.name} failed: "
                          f"{type(exc).__name__}: {text}", file=sys.stderr)
                else:
                    report["plots"].append(plot.name)
                report["plots_pending"].remove(plot.name)
        except KeyboardInterrupt:
            report.update(complete=False, passed=False, interrupted="while drawing the plots")
            report["summary"] = (str(report.get("summary") or "") + "\ninterrupted (Ctrl-C) "
                                 "while drawing the plots; not drawn: "
                                 + ", ".join(report["plots_pending"])).strip()
        if not report.get("plots_pending"):
            report.pop("plots_pending", None)
        if pending or caught:
            _write_report(path, report, caught)
    summary = report.get("summary")
    if summary:
        print(summary)
    if report.get("warnings"):
        print(f"{sum(w['count'] for w in report['warnings'])} warning(s) during the run, "
              "recorded in the report (\"warnings\")")
    print(f"report written to {path}")
    if report.get("interrupted"):
        return INTERRUPTED
    return 1 if report.get("passed") is False or report.get("plot_errors") else 0


def _write_report(path: Path, report: dict, caught: list) -> None:
    if caught:
        report["warnings"] = _recorded(caught)
    text = json.dumps(_jsonable(report), indent=2, allow_nan=False) + "\n"
    write_atomically(path, lambda tmp: tmp.write_text(text))


def _unknown_model(name: str, registry: Registry) -> int:
    print(
        f"liepoisson run: error: unknown model {name!r}; available models: "
        f"{', '.join([BUILTIN_MODEL] + registry.names())} (see 'liepoisson list')",
        file=sys.stderr,
    )
    return 2


def _is_option_value(argv: list[str], token: str) -> bool:
    """Whether the first ``token`` after ``run`` directly follows an option (``--x token``).

    The first-pass parser does not know the options of the models, so in
    ``liepoisson run --steps 10`` it takes ``10`` for the model name.
    """
    start = argv.index("run") + 1 if "run" in argv else 0
    for i in range(start, len(argv)):
        if argv[i] == token:
            return i > start and argv[i - 1].startswith("-")
    return False


def _main(argv: list[str]) -> int:
    probe, _ = build_parser(probe=True).parse_known_args(argv)
    if probe.command == "list":
        build_parser().parse_args(argv)
        return _cmd_list()

    registry = discover_models()
    _warn(registry)
    models = _available_models(registry)
    try:
        model = probe.model
        if model is not None and model not in models and _is_option_value(argv, model):
            model = None  # `run --steps 10`: "10" belongs to an option of the default model
        name = model or _default_model(registry)
    except InvalidArgumentError as exc:
        print(f"liepoisson run: error: {exc}", file=sys.stderr)
        return 2
    if name not in models:
        return _unknown_model(name, registry)
    entry = models[name]
    parser = build_parser(entry)
    options = parser.parse_args(argv)
    if options.model not in (None, name):  # a positional that was not an option's value
        return _unknown_model(options.model, registry)
    options.model = name
    return _cmd_run(options, entry, parser)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``liepoisson`` command.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after the program name; ``sys.argv[1:]`` when omitted.

    Returns
    -------
    int
        The exit status: 0 on success, 1 on a failed run, 2 on bad arguments, an unknown
        model or an error outside the library (argparse's own errors included: they are
        returned, not raised), 130 when interrupted.

    Examples
    --------
    >>> from liepoisson.cli import main
    >>> main(["--version"])
    liepoisson 0.1.0
    0
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        return _main(argv)
    except KeyboardInterrupt:
        print("liepoisson: interrupted", file=sys.stderr)
        return INTERRUPTED
    except BrokenPipeError:  # output piped into a command that stopped reading (`| head`)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except SystemExit as exc:  # argparse reports --help, --version and errors this way
        code = exc.code
        if code is None:
            return 0
        return code if isinstance(code, int) else 1
