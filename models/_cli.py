"""What the command-line runs of the models share: options, runs, reports, table and plot.

One dialect for every ``liepoisson run MODEL``:

* **options**, one helper each: ``--dt`` (:func:`add_dt_argument`), ``--steps``
  (:func:`add_steps_argument`), ``--method`` with the names the registry lists
  (:func:`add_method_argument`, built by :func:`integrator_from_options`), ``--order``
  (:func:`add_order_argument`) and ``--engine``; :func:`add_integration_arguments` adds the
  five with a model's defaults. ``--out``, ``--seed`` and ``--progress`` are the command's
  own (:mod:`liepoisson.cli`).
* **runs**: :func:`run_methods` integrates a system with several methods on the same steps
  (:func:`compare`: the chosen method and :data:`COMPARISON`), :func:`method_report` gives
  the numbers of one run.
* **reports**: every report has ``checks`` (name to bool), ``check_values`` (the value and
  tolerance of each check that has them), ``failed_checks``, ``passed`` (all checks hold),
  ``complete`` (every run did all its steps), ``plots`` (file names in ``--out``; the
  command draws the :class:`~liepoisson.registry.Plot` objects a run returns after writing
  the report) and ``summary`` (:func:`outcome`); the runs of an integrator add
  ``parameters``, ``methods`` (by name), ``method``, ``wall_time_s`` and
  ``max_relative_invariant_errors`` of the main method (:func:`model_result`).
* **honest options**: an option given on the command line that the run would ignore is
  refused (:func:`refuse_unused`), and so is a step size whose final time ``dt * steps``
  overflows (:func:`check_time_span`).
* one table (:func:`format_table`) and one invariant-error plot
  (:func:`plot_invariant_errors`).
* **ensembles and sweeps on Dask**: :func:`add_ensemble_arguments` adds ``--ensemble N``,
  ``--sweep NAME=START:STOP:COUNT``, ``--workers``, ``--scheduler`` and ``--chunk-size``;
  :func:`run_ensemble` (:func:`liepoisson.integrate_ensemble`, the distribution of the
  members' invariant errors and its histogram) and :func:`run_sweep`
  (:func:`liepoisson.sweep`) report in the same schema.

Bad option values are reported the way :mod:`liepoisson.cli` reports them: argparse
errors (usage message, exit status 2) for values that are wrong on their own, and
:class:`~liepoisson.InvalidArgumentError` (``error: ...``, exit status 2) for the rest.

Examples
--------
>>> import argparse
>>> from liepoisson_models._cli import add_integration_arguments
>>> parser = argparse.ArgumentParser(prog="demo")
>>> add_integration_arguments(parser, dt=0.1, steps=100, order=4)
>>> options = parser.parse_args(["--dt", "0.05"])
>>> options.dt, options.steps, options.order, options.method
(0.05, 100, 4, 'LiePoissonHJ')
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from liepoisson import RK4, Integrator, Trajectory, energy_drift, integrate
from liepoisson._validation import _describe
from liepoisson.exceptions import InvalidArgumentError
from liepoisson.integrators.composition import COMPOSITIONS
from liepoisson.registry import Plot, discover_integrators

__all__ = [
    "COMPARISON",
    "DEFAULT_METHOD",
    "MAX_SAVED",
    "CASIMIR_TOLERANCE",
    "positive_float",
    "positive_int",
    "finite_float",
    "add_dt_argument",
    "add_steps_argument",
    "add_method_argument",
    "add_order_argument",
    "add_chart_argument",
    "add_engine_argument",
    "add_integration_arguments",
    "add_vector_argument",
    "given_options",
    "refuse_unused",
    "check_time_span",
    "check",
    "integrator_from_options",
    "save_every_for",
    "MethodRun",
    "run_methods",
    "method_report",
    "format_table",
    "compare",
    "outcome",
    "model_result",
    "plot_invariant_errors",
    "QUANTILES",
    "sweep_spec",
    "add_ensemble_arguments",
    "distributed_mode",
    "sphere_points",
    "dask_client",
    "run_ensemble",
    "run_sweep",
    "plot_error_histograms",
    "plot_sweep",
]

#: The baseline every model run is compared with, on the same step size and step count.
COMPARISON = RK4()
#: The integrator of ``--method`` when the option is not given.
DEFAULT_METHOD = "LiePoissonHJ"
#: At most about this many states of a run are kept (for the report and the plots).
MAX_SAVED = 2500
#: A Casimir-preserving method passes when every Casimir's relative error stays below this.
CASIMIR_TOLERANCE = 1e-11
# Floor of the log-scale error plots (exact zeros cannot be drawn on a log axis).
_LOG_FLOOR = 1e-17


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
    return value


def finite_float(text: str) -> float:
    """argparse type: a finite real number.

    Examples
    --------
    >>> finite_float("-1.5")
    -1.5
    """
    return _number(text)


def positive_float(text: str) -> float:
    """argparse type: a finite real number > 0.

    Examples
    --------
    >>> positive_float("0.1")
    0.1
    >>> positive_float("0")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: must be a finite number > 0, got '0'
    """
    value = _number(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text!r}")
    return value


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1.

    Examples
    --------
    >>> positive_int("10")
    10
    """
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {text!r}")
    return value


def add_dt_argument(parser, default: float) -> None:
    """Add ``--dt``, the step size (> 0)."""
    parser.add_argument("--dt", type=positive_float, default=default,
                        help=f"step size, > 0 (default: {default:g})")


def add_steps_argument(parser, default: int | None, help: str | None = None) -> None:
    """Add ``--steps``, the number of steps (>= 1); ``help`` replaces the default text."""
    parser.add_argument("--steps", type=positive_int, default=default,
                        help=help or f"number of steps, >= 1 (default: {default})")


def add_method_argument(parser, default: str = DEFAULT_METHOD) -> None:
    """Add ``--method``: the name of an integrator listed by the registry
    (:func:`liepoisson.registry.discover_integrators`, as ``liepoisson list`` shows them)."""
    methods = sorted(discover_integrators().entries)
    parser.add_argument("--method", choices=methods, default=default, metavar="NAME",
                        help=f"integrator, one of {', '.join(methods)} (default: {default})")


def add_order_argument(parser, default: int, choices: Sequence[int] | None = None,
                       help: str | None = None) -> None:
    """Add ``--order``. With ``choices`` argparse enforces them; without, the integrator
    built by :func:`integrator_from_options` checks the order (its error names the value)."""
    valid = (", ".join(str(c) for c in choices) if choices
             else "LiePoissonHJ and LiePoissonSplitting 2, 4, 6 or 8")
    parser.add_argument("--order", type=int, default=default, choices=choices,
                        help=help or f"order of the integrator: {valid} (default: {default})")


def add_chart_argument(parser, default: str = "exp") -> None:
    """Add ``--chart``: the group chart of :class:`~liepoisson.LiePoissonHJ` (``exp`` or
    ``cayley``, the latter on u(n)* and su(n)* only)."""
    parser.add_argument("--chart", choices=("exp", "cayley"), default=default,
                        help="group chart of LiePoissonHJ: exp (exact for frozen gradients) "
                             f"or cayley (products and solves only) (default: {default})")


def add_composition_argument(parser) -> None:
    """Add ``--composition``: the symmetric composition by which
    :class:`~liepoisson.LiePoissonHJ` (orders 4 to 8 from order-2 steps) and
    :class:`~liepoisson.LiePoissonSplitting` reach their order; the integrator checks the
    name against its order (its error names the value)."""
    names = sorted({name for _, name in COMPOSITIONS if name != "strang"})
    parser.add_argument("--composition", choices=names, default=None,
                        help="composition that raises the order of LiePoissonHJ's order-2 step or "
                             "of LiePoissonSplitting (default: the integrator's own for the order)")


def add_engine_argument(parser) -> None:
    """Add ``--engine``: the compiled (numba) or numpy path of the integrators that have one
    (capability flag ``compiled``: LiePoissonHJ)."""
    parser.add_argument("--engine", choices=("auto", "compiled", "numpy"), default="auto",
                        help="compiled (numba) or numpy path of LiePoissonHJ; auto compiles "
                             "runs long enough to pay for it (default: auto)")


def add_integration_arguments(parser, dt: float, steps: int | None, order: int,
                              method: str = DEFAULT_METHOD, engine: bool = True,
                              steps_help: str | None = None, chart: str | None = None) -> None:
    """Add ``--dt``, ``--steps``, ``--method``, ``--order``, ``--composition``, ``--engine`` and
    ``--chart`` with a model's defaults.

    Parameters
    ----------
    parser : argparse.ArgumentParser or argument group
    dt : float
        Default step size.
    steps : int or None
        Default number of steps (None: the model derives it, see ``steps_help``).
    order : int
        Default ``--order`` (used by integrators that take an ``order`` argument, such as
        :class:`~liepoisson.LiePoissonHJ`).
    method : str
        Default ``--method``.
    engine : bool
        Whether to add ``--engine``.
    steps_help : str, optional
        Help of ``--steps``.
    chart : {"exp", "cayley"}, optional
        Default ``--chart``; without it the option is not added (for algebras without
        the Cayley chart).
    """
    add_dt_argument(parser, dt)
    add_steps_argument(parser, steps, steps_help)
    add_method_argument(parser, method)
    add_order_argument(parser, order)
    add_composition_argument(parser)
    if engine:
        add_engine_argument(parser)
    if chart is not None:
        add_chart_argument(parser, chart)


def add_vector_argument(parser, flag: str, default, symbol: str, help: str,
                        positive: bool = False) -> None:
    """Add an option taking three finite numbers (each > 0 with ``positive``).

    Parameters
    ----------
    parser : argparse.ArgumentParser or argument group
    flag : str
        E.g. ``"--inertia"``.
    default : sequence of 3 float
    symbol : str
        Stem of the metavariables (``"I"`` gives ``I1 I2 I3``).
    help : str
    positive : bool

    Examples
    --------
    >>> import argparse
    >>> parser = argparse.ArgumentParser()
    >>> add_vector_argument(parser, "--inertia", (1, 2, 3), "I", "moments", positive=True)
    >>> parser.parse_args(["--inertia", "1", "1", "0.5"]).inertia
    [1.0, 1.0, 0.5]
    """
    parser.add_argument(flag, type=positive_float if positive else finite_float, nargs=3,
                        default=list(default), metavar=tuple(f"{symbol}{i}" for i in (1, 2, 3)),
                        help=help)


def given_options(options: argparse.Namespace) -> frozenset[str]:
    """The options given on the command line (by ``dest``), as recorded by
    :mod:`liepoisson.cli`; empty for options built another way."""
    return frozenset(getattr(options, "_given", ()))


def _flag(dest: str) -> str:
    return "--" + dest.replace("_", "-")


def refuse_unused(options: argparse.Namespace, dests: Sequence[str], reason: str) -> None:
    """Refuse the options among ``dests`` given on the command line: the run would ignore
    them.

    Raises
    ------
    InvalidArgumentError
        Naming the options, their values and ``reason``.

    Examples
    --------
    >>> import argparse
    >>> options = argparse.Namespace(nodes=3, _given={"nodes"})
    >>> refuse_unused(options, ["nodes"], "with --graph petersen (it has 10 nodes)")
    Traceback (most recent call last):
    ...
    liepoisson.exceptions.InvalidArgumentError: --nodes 3 has no effect with --graph petersen (it has 10 nodes); leave it out
    """
    unused = [d for d in dests if d in given_options(options)]
    if unused:
        shown = ", ".join(f"{_flag(d)} {_value(getattr(options, d, None))}" for d in unused)
        verb = "has" if len(unused) == 1 else "have"
        raise InvalidArgumentError(f"{shown} {verb} no effect {reason}; leave "
                                   f"{'it' if len(unused) == 1 else 'them'} out")


def _value(value) -> str:
    if isinstance(value, (list, tuple)):
        return " ".join(_value(v) for v in value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def check_time_span(dt: float, steps: int) -> float:
    """The final time ``dt * steps``, refused when it is not a finite number.

    Raises
    ------
    InvalidArgumentError
        Naming ``--dt`` and ``--steps``.

    Examples
    --------
    >>> check_time_span(0.1, 30)
    3.0
    >>> check_time_span(1e308, 3000)
    Traceback (most recent call last):
    ...
    liepoisson.exceptions.InvalidArgumentError: --dt 1e+308 times --steps 3000 (the final time) overflows; choose a smaller --dt
    """
    span = dt * steps
    if not math.isfinite(span):
        raise InvalidArgumentError(f"--dt {dt:g} times --steps {steps} (the final time) "
                                   "overflows; choose a smaller --dt")
    return span


def check(value: Any, tolerance: Any, passed: bool | None = None) -> dict[str, Any]:
    """A check of a report with its measured value and tolerance, for :func:`outcome`.

    Parameters
    ----------
    value : float or dict
        What was measured.
    tolerance : float or dict
        The bound it is held to.
    passed : bool, optional
        Default ``value <= tolerance`` (numbers only).

    Returns
    -------
    dict
        ``passed``, ``value``, ``tolerance``.

    Examples
    --------
    >>> check(2.7e-2, 1e-3)
    {'passed': False, 'value': 0.027, 'tolerance': 0.001}
    """
    if passed is None:
        passed = bool(value <= tolerance)
    return {"passed": bool(passed), "value": value, "tolerance": tolerance}


def integrator_from_options(options: argparse.Namespace) -> Integrator:
    """Build the integrator named by ``options.method``.

    ``options.order`` (and ``options.chart`` and ``options.composition``, when the command
    has them) is passed to integrators whose factory takes that argument; giving one on the
    command line for an integrator without it is an error.

    Raises
    ------
    InvalidArgumentError
        For an unknown name or an order the integrator refuses.

    Examples
    --------
    >>> import argparse
    >>> from liepoisson_models._cli import integrator_from_options
    >>> integrator_from_options(argparse.Namespace(method="LiePoissonHJ", order=4)).name
    'LiePoissonHJ(order=4)'
    >>> integrator_from_options(argparse.Namespace(method="RK4", order=4)).name
    'RK4'
    """
    entries = discover_integrators().entries
    if options.method not in entries:
        raise InvalidArgumentError(
            f"--method must be one of {', '.join(sorted(entries))}, got {_describe(options.method)}"
        )
    factory = entries[options.method].factory
    try:
        parameters = inspect.signature(factory).parameters
    except (TypeError, ValueError):
        parameters = {}
    takes_order = "order" in parameters
    kwargs = {"order": options.order} if takes_order else {}
    chart = getattr(options, "chart", None)
    if chart is not None and "chart" in parameters:
        kwargs["chart"] = chart
    elif chart is not None:
        refuse_unused(options, ["chart"], f"with --method {options.method} (it has no chart)")
    composition = getattr(options, "composition", None)
    if composition is not None and "composition" in parameters:
        kwargs["composition"] = composition
    elif composition is not None:
        refuse_unused(options, ["composition"], f"with --method {options.method} (it has no composition)")
    method = factory(**kwargs)
    if not isinstance(method, Integrator):
        raise InvalidArgumentError(
            f"--method {options.method} does not build an Integrator, got {_describe(method)}"
        )
    if not takes_order and options.order != method.order:
        refuse_unused(options, ["order"], f"with --method {options.method} (its order is "
                      f"{method.order})")
    if not method.compiled:
        refuse_unused(options, ["engine"], f"with --method {options.method} (it has no "
                      "compiled path)")
    return method


def save_every_for(steps: int, max_saved: int = MAX_SAVED) -> int:
    """The ``save_every`` that keeps at most about ``max_saved`` states of a run.

    Examples
    --------
    >>> save_every_for(1000), save_every_for(10**6)
    (1, 400)
    """
    return max(1, -(-steps // max_saved))


@dataclass(frozen=True)
class MethodRun:
    """One integrator's run (final).

    Attributes
    ----------
    method : Integrator
    trajectory : Trajectory
    wall_time : float
        Seconds spent in :func:`liepoisson.integrate`.
    """

    method: Integrator
    trajectory: Trajectory
    wall_time: float

    @property
    def name(self) -> str:
        return self.method.name


def run_methods(system, mu0, dt: float, steps: int, methods: Sequence[Integrator],
                progress: bool = False, engine: str = "auto",
                max_saved: int = MAX_SAVED) -> list[MethodRun]:
    """Integrate ``system`` from ``mu0`` with each method on the same steps.

    Methods with the same name run once. States are saved every
    ``save_every_for(steps, max_saved)`` steps; ``engine`` is passed to
    :func:`liepoisson.integrate` for the methods that have a compiled path (capability flag
    ``compiled``), the others run numpy.

    Returns
    -------
    list of MethodRun

    Raises
    ------
    KeyboardInterrupt
        When a run was interrupted (Ctrl-C): the methods after it do not run, and the
        command reports the run as incomplete.
    """
    save_every = save_every_for(steps, max_saved)
    runs, seen = [], set()
    for method in methods:
        if method.name in seen:
            continue
        seen.add(method.name)
        start = time.perf_counter()
        # integrators without a compiled path always run numpy
        traj = integrate(system, mu0, dt, steps, method=method, save_every=save_every,
                         progress=progress, engine=engine if method.compiled else "auto")
        if not traj.complete:  # integrate returns what it has on Ctrl-C: stop everything
            raise KeyboardInterrupt(f"{method.name} interrupted after "
                                    f"{traj.metadata.get('steps_done', '?')} of {steps} steps")
        runs.append(MethodRun(method, traj, time.perf_counter() - start))
    return runs


def method_report(run: MethodRun,
                  errors: Callable[[Trajectory], dict[str, np.ndarray]] | None = None,
                  casimirs: Sequence[str] | None = None) -> dict[str, Any]:
    """The numbers of one run: wall time, invariant errors, energy drift, checks.

    Parameters
    ----------
    run : MethodRun
    errors : callable, optional
        ``errors(trajectory)``: the error of each invariant along the run, arrays of shape
        ``(n_saved, ...)``; default :meth:`~liepoisson.Trajectory.relative_invariant_errors`.
    casimirs : sequence of str, optional
        The invariants that ``casimirs_to_round_off`` checks; default every invariant but
        the energy. Empty: no such check (a model that checks its invariants itself).

    Returns
    -------
    dict
        ``method``, ``order``, ``complete`` (all steps done), ``wall_time_s``,
        ``time_per_step_us``, ``max_relative_invariant_errors`` (by invariant, over the
        saved states),
        ``energy_drift`` (slope of the energy error against time, see
        :func:`liepoisson.energy_drift`), ``engine`` and ``engine_detail`` (whether the
        compiled or the numpy path ran, and why) and ``checks`` (``casimirs_to_round_off`` for the
        integrators whose flag ``preserves_casimirs`` is set, with tolerance
        :data:`CASIMIR_TOLERANCE`; its value and tolerance in ``check_values``).
    """
    traj = run.trajectory
    steps = int(traj.metadata["steps_done"])
    if errors is None:
        errors = traj.max_relative_invariant_errors()
    else:
        errors = {key: float(np.max(value)) for key, value in errors(traj).items()}
    report = {
        "method": run.name,
        "order": run.method.order,
        "complete": bool(traj.complete),
        "wall_time_s": run.wall_time,
        "time_per_step_us": 1e6 * run.wall_time / max(steps, 1),
        "max_relative_invariant_errors": errors,
        "energy_drift": energy_drift(traj),
        "engine": traj.metadata.get("engine", "numpy"),
        "engine_detail": traj.metadata.get("engine_detail", ""),
        "compile_seconds": traj.metadata.get("compile_seconds", 0.0),
        "checks": {},
    }
    checked = [k for k in errors if k != "energy"] if casimirs is None else list(casimirs)
    if run.method.preserves_casimirs and checked:
        worst = max(errors[k] for k in checked)
        report["checks"]["casimirs_to_round_off"] = bool(worst <= CASIMIR_TOLERANCE)
        report["check_values"] = {
            "casimirs_to_round_off": {"value": worst, "tolerance": CASIMIR_TOLERANCE}}
    return report


def format_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain-text table; floats in ``%.1e`` (``-`` for None).

    Examples
    --------
    >>> print(format_table(["method", "error"], [["RK4", 1.5e-06], ["exact", None]]))
    method  error
    ------  -------
    RK4     1.5e-06
    exact   -
    """
    def cell(value):
        if value is None:
            return "-"
        if isinstance(value, float):
            return f"{value:.1e}"
        return str(value)

    lines = [list(header)] + [[cell(v) for v in row] for row in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = ["  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() for line in lines]
    text.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(text)


def compare(system, mu0, options: argparse.Namespace, comparison: Integrator | None = COMPARISON,
            max_saved: int = MAX_SAVED,
            errors: Callable[[Trajectory], dict[str, np.ndarray]] | None = None,
            casimirs: Sequence[str] | None = None,
            ) -> tuple[list[MethodRun], dict[str, dict]]:
    """Run the integrator of the options and ``comparison`` on the same steps.

    Parameters
    ----------
    system : LiePoissonSystem
    mu0 : ndarray of shape (*shape,)
    options : argparse.Namespace
        ``dt``, ``steps``, ``method``, ``order``, ``engine`` (optional) and ``progress``.
    comparison : Integrator or None
        The baseline run on the same steps (default :data:`COMPARISON`); None runs the
        method of the options alone.
    max_saved : int
        See :func:`run_methods`.
    errors, casimirs : optional
        See :func:`method_report`.

    Returns
    -------
    runs : list of MethodRun
        The main method first.
    reports : dict of str to dict
        :func:`method_report` of each run, by method name.
    """
    check_time_span(options.dt, options.steps)
    method = integrator_from_options(options)
    methods = [method] if comparison is None else [method, comparison]
    runs = run_methods(system, mu0, options.dt, options.steps, methods,
                       progress=options.progress, engine=getattr(options, "engine", "auto"),
                       max_saved=max_saved)
    return runs, {r.name: method_report(r, errors, casimirs) for r in runs}


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_shown(v)}" for k, v in value.items()) + "}"
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def outcome(checks: dict[str, bool | dict], plots: Sequence[Plot | Path | str], summary: str,
            complete: bool = True) -> dict[str, Any]:
    """The keys every report ends with.

    Parameters
    ----------
    checks : dict of str to bool or dict
        What the run verified: a bool, or a :func:`check` (``passed``, ``value``,
        ``tolerance``).
    plots : sequence of Plot, Path or str
        The plots (:class:`~liepoisson.registry.Plot`, drawn by the command after the
        report is written) or files already written (reported by file name).
    summary : str
        The text printed by the command; the check lines (with the value and tolerance of
        a failed check) and the plot names are appended.
    complete : bool
        Whether every run did all its steps (False after an interruption).

    Returns
    -------
    dict
        ``checks`` (name to bool), ``check_values`` (name to value and tolerance, for the
        checks that have them), ``failed_checks`` (name, value and tolerance of each check
        that failed), ``complete``, ``passed`` (every check holds and the run is
        complete), ``plots`` (the Plot objects and file names) and ``summary``.

    Examples
    --------
    >>> from liepoisson_models._cli import check, outcome
    >>> report = outcome({"mass_to_round_off": True, "error": check(0.5, 1e-3)},
    ...                  ["/tmp/a.png"], "a run")
    >>> report["passed"], report["plots"], report["failed_checks"]
    (False, ['a.png'], [{'name': 'error', 'value': 0.5, 'tolerance': 0.001}])
    >>> print(report["summary"])
    a run
    check mass_to_round_off: ok
    check error: FAILED (value 0.5, tolerance 0.001)
    failed checks: error
    plots: a.png
    """
    values = {k: {"value": v["value"], "tolerance": v["tolerance"]}
              for k, v in checks.items() if isinstance(v, dict)}
    checks = {k: bool(v["passed"] if isinstance(v, dict) else v) for k, v in checks.items()}
    failed = [{"name": k, **values.get(k, {"value": None, "tolerance": None})}
              for k, ok in checks.items() if not ok]
    plots = [p if isinstance(p, Plot) else Path(p).name for p in plots]
    names = [p.name if isinstance(p, Plot) else p for p in plots]
    lines = [summary]
    for key, ok in checks.items():
        detail = ""
        if not ok and key in values:
            detail = (f" (value {_shown(values[key]['value'])}, "
                      f"tolerance {_shown(values[key]['tolerance'])})")
        lines.append(f"check {key}: {'ok' if ok else 'FAILED'}{detail}")
    if failed:
        lines.append("failed checks: " + ", ".join(f["name"] for f in failed))
    if not complete:
        lines.append("the run was interrupted before its last step")
    if names:
        lines.append("plots: " + ", ".join(names))
    return {
        "checks": checks,
        "check_values": values,
        "failed_checks": failed,
        "complete": bool(complete),
        "passed": bool(complete and all(checks.values())),
        "plots": plots,
        "summary": "\n".join(lines),
    }


def _wall_time(report: dict) -> str:
    return f"{report['wall_time_s']:.2f} s"


def model_result(
    runs: Sequence[MethodRun],
    reports: dict[str, dict],
    parameters: dict[str, Any],
    headline: str,
    columns: Sequence[tuple[str, Callable[[dict], Any]]],
    notes: Sequence[str],
    plots: Sequence[Plot | Path],
    top_level: Sequence[str] = (),
) -> dict[str, Any]:
    """The dict a model's ``run`` returns: parameters, reports, checks and the summary.

    Parameters
    ----------
    runs : sequence of MethodRun
        The main method first (as from :func:`compare`).
    reports : dict of str to dict
        By method name (as from :func:`compare`, possibly with extra entries).
    parameters : dict
        The model's parameters; the integration parameters are added.
    headline : str
        First line of the summary.
    columns : sequence of (str, callable)
        The columns of the summary table after the method and its wall time: a header and a
        function of a method's report.
    notes : sequence of str
        Lines printed under the table.
    plots : sequence of Plot or Path
        The plots (see :func:`outcome`).
    top_level : sequence of str
        Keys of the main method's report repeated at the top level (e.g.
        ``"error_vs_exact"``).

    Returns
    -------
    dict
        ``parameters``, ``methods`` (``reports``), ``method``,
        ``max_relative_invariant_errors``, ``wall_time_s`` and the ``top_level`` keys of the
        main method, then :func:`outcome`: ``checks`` (the main method's), ``complete``,
        ``passed``, ``plots`` (file names) and ``summary``.
    """
    main = runs[0]
    main_report = reports[main.name]
    traj = main.trajectory
    dt, steps = traj.metadata["dt"], traj.metadata["n_steps"]
    parameters = dict(parameters)
    parameters.update({
        "dt": dt, "steps": steps, "T": dt * steps, "method": main.name,
        "order": main.method.order, "comparison": COMPARISON.name,
        "save_every": traj.metadata["save_every"],
    })
    header = ["method", "wall time"] + [label for label, _ in columns]
    rows = [[name, _wall_time(r)] + [get(r) for _, get in columns] for name, r in reports.items()]
    values = main_report.get("check_values", {})
    checks = {k: check(values[k]["value"], values[k]["tolerance"], ok) if k in values else ok
              for k, ok in main_report["checks"].items()}
    engines = [f"{name}: {r['engine']} ({r['engine_detail']}); compiled in "
               f"{r['compile_seconds']:.2f} s, included in its wall time"
               for name, r in reports.items() if r.get("engine") == "compiled"]
    summary = "\n".join(
        [f"{headline}: {steps} steps of dt={dt:g} (T={dt * steps:g})", format_table(header, rows)]
        + list(notes)
        + [f"engine {line}" for line in engines]
    )
    result = {
        "parameters": parameters,
        "methods": dict(reports),
        "method": main.name,
        "max_relative_invariant_errors": main_report["max_relative_invariant_errors"],
        "wall_time_s": main_report["wall_time_s"],
    }
    result.update({key: main_report[key] for key in top_level})
    result.update(outcome(checks, plots, summary, all(r.trajectory.complete for r in runs)))
    return result


def plot_invariant_errors(runs: Sequence[MethodRun], path: Path, title: str,
                          errors: Callable[[Trajectory], dict[str, np.ndarray]] | None = None,
                          ylabel: str = "rel. error") -> Path:
    """Relative energy and Casimir errors against time, log scale, one panel per invariant,
    every run on the same axes.

    Parameters
    ----------
    runs : sequence of MethodRun
    path : Path
        The PNG file to write.
    title : str
    errors : callable, optional
        ``errors(trajectory)``: the error of each invariant along a run, arrays of shape
        ``(n_saved, ...)`` (default
        :meth:`~liepoisson.Trajectory.relative_invariant_errors`).
    ylabel : str
        Label of the error axes (followed by the invariant's name).

    Returns
    -------
    Path
    """
    from matplotlib.figure import Figure

    names = list(runs[0].trajectory.invariants())
    fig = Figure(figsize=(7.0, 2.3 * len(names) + 0.6), layout="constrained")
    axes = fig.subplots(len(names), 1, sharex=True, squeeze=False)[:, 0]
    styles = ("-", "--", ":", "-.")
    for i, run in enumerate(runs):
        traj = run.trajectory
        series = traj.relative_invariant_errors() if errors is None else errors(traj)
        for ax, key in zip(axes, names):
            worst = series[key][1:].reshape(len(traj.t) - 1, -1).max(axis=1)  # over a batch
            values = np.maximum(worst, _LOG_FLOOR)
            ax.semilogy(traj.t[1:], values, styles[i % len(styles)], lw=1.0, label=run.name)
    for ax, key in zip(axes, names):
        ax.set_ylabel(f"{ylabel}\n{key}")
        ax.grid(True, which="major", alpha=0.3)
    axes[0].legend(loc="best", fontsize="small")
    axes[-1].set_xlabel("t")
    axes[0].set_title(title, fontsize="medium")
    fig.savefig(path, dpi=90)
    return Path(path)


# --------------------------------------------------------------------------------------
# Ensembles and sweeps on Dask (``--ensemble N``, ``--sweep NAME=START:STOP:COUNT``)

#: The quantiles of the per-member errors an ensemble report gives, by name.
QUANTILES = {"min": 0.0, "median": 0.5, "p90": 0.9, "p99": 0.99, "max": 1.0}


def sweep_spec(names: Sequence[str]) -> Callable[[str], tuple[str, list[float]]]:
    """argparse type of ``--sweep NAME=START:STOP:COUNT``: ``COUNT`` evenly spaced values of
    the parameter ``NAME`` (one of ``names``) from ``START`` to ``STOP``, both included.

    Examples
    --------
    >>> sweep_spec(["I1", "I3"])("I3=2:4:5")
    ('I3', [2.0, 2.5, 3.0, 3.5, 4.0])
    >>> sweep_spec(["I1", "I3"])("I2=2:4:5")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: must be NAME=START:STOP:COUNT with NAME one of I1, I3, got 'I2=2:4:5'
    """
    def parse(text: str) -> tuple[str, list[float]]:
        name, _, span = text.partition("=")
        parts = span.split(":")
        if name not in names or len(parts) != 3:
            raise argparse.ArgumentTypeError(
                f"must be NAME=START:STOP:COUNT with NAME one of {', '.join(names)}, "
                f"got {text!r}")
        start, stop = _number(parts[0]), _number(parts[1])
        count = positive_int(parts[2])
        return name, [float(v) for v in np.linspace(start, stop, count)]

    return parse


def add_ensemble_arguments(parser, sweep_names: Sequence[str], sphere: str) -> None:
    """Add ``--ensemble``, ``--sweep``, ``--workers``, ``--scheduler`` and ``--chunk-size``.

    Parameters
    ----------
    parser : argparse.ArgumentParser or argument group
    sweep_names : sequence of str
        The model parameters ``--sweep`` can vary.
    sphere : str
        How the model draws an ensemble's initial states (for the help).
    """
    parser.add_argument("--ensemble", type=positive_int, default=None, metavar="N",
                        help=f"integrate N random initial states ({sphere}; seeded by --seed) "
                             "on Dask with liepoisson.integrate_ensemble")
    parser.add_argument("--sweep", type=sweep_spec(sweep_names), default=None,
                        metavar="NAME=START:STOP:COUNT",
                        help="one run per value of a model parameter on Dask "
                             f"(liepoisson.sweep), NAME one of {', '.join(sweep_names)}; "
                             "COUNT values from START to STOP; with --ensemble, each run "
                             "integrates the whole ensemble")
    parser.add_argument("--workers", type=positive_int, default=None, metavar="W",
                        help="worker processes of the local Dask cluster (default: one per "
                             "core)")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="run on the Dask cluster of this scheduler (e.g. "
                             "tcp://host:8786) instead of a local one")
    parser.add_argument("--chunk-size", type=positive_int, default=None, metavar="C",
                        help="ensemble members per chunk (default: four chunks per worker)")


def distributed_mode(options: argparse.Namespace) -> bool:
    """Whether the options ask for an ensemble or a sweep; without either, the Dask options
    are refused (the run would ignore them).

    Raises
    ------
    InvalidArgumentError
        For ``--workers``, ``--scheduler`` or ``--chunk-size`` without ``--ensemble`` or
        ``--sweep``, ``--chunk-size`` without ``--ensemble``, and ``--workers`` with
        ``--scheduler``.
    """
    ensemble, swept = getattr(options, "ensemble", None), getattr(options, "sweep", None)
    if ensemble is None and swept is None:
        refuse_unused(options, ["workers", "scheduler", "chunk_size"],
                      "without --ensemble or --sweep")
        return False
    if ensemble is None:
        refuse_unused(options, ["chunk_size"], "without --ensemble (a sweep runs one task "
                      "per value)")
    if getattr(options, "scheduler", None) is not None:
        refuse_unused(options, ["workers"], "with --scheduler (the cluster has its own "
                      "workers)")
    return True


def sphere_points(rng: np.random.Generator, n: int, radius: float) -> np.ndarray:
    """``n`` points drawn uniformly on the sphere of ``radius`` in :math:`\\mathbb R^3`,
    shape ``(n, 3)``.

    Examples
    --------
    >>> points = sphere_points(np.random.default_rng(0), 4, 2.0)
    >>> points.shape, bool(np.allclose(np.linalg.norm(points, axis=1), 2.0))
    ((4, 3), True)
    """
    points = rng.normal(size=(n, 3))
    return radius * points / np.linalg.norm(points, axis=1, keepdims=True)


@contextlib.contextmanager
def dask_client(options: argparse.Namespace):
    """The Dask client of the options: connected to ``--scheduler``, or on a local cluster
    of ``--workers`` single-threaded process workers (default one per core), closed on exit.

    Yields
    ------
    client : distributed.Client
    where : str
        The scheduler's address, or ``"local, W workers"``.

    Raises
    ------
    InvalidArgumentError
        When ``--scheduler`` cannot be reached (naming the address and the cause).
    """
    import logging

    from distributed import Client, LocalCluster

    from liepoisson.compiled.runner import _cores
    from liepoisson.ensemble import HEADLESS_CLUSTER

    address = getattr(options, "scheduler", None)
    if address is not None:
        try:
            client = Client(address, timeout="10s")
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            raise InvalidArgumentError(
                f"--scheduler {address!r}: cannot connect ({type(exc).__name__}: {exc})"
            ) from None
        with client:
            yield client, address
        return
    workers = getattr(options, "workers", None) or _cores()
    quiet = logging.getLogger("distributed")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # the cluster's start and stop are not the run's output
    try:
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                          silence_logs=logging.ERROR, **HEADLESS_CLUSTER) as cluster, \
                Client(cluster) as client:
            yield client, f"local, {workers} worker{'s' if workers > 1 else ''}"
    finally:
        quiet.setLevel(level)


def _scaled_errors(summary_errors: dict[str, np.ndarray], mu0: np.ndarray, system,
                   scales: Callable[[np.ndarray], dict[str, np.ndarray]] | None):
    """Per-member errors relative to ``scales(mu0)`` (by invariant, shape ``(batch,)``)
    where given, else relative to the initial values (as computed on the workers)."""
    if scales is None:
        return summary_errors
    given = scales(mu0)
    initial = system.invariants(mu0)
    out = {}
    for key, rel in summary_errors.items():
        if key not in given:
            out[key] = rel
            continue
        ref = np.abs(np.asarray(initial[key], dtype=float))
        absolute = rel * np.where(ref > 0, ref, 1.0)
        out[key] = absolute / np.asarray(given[key], dtype=float)
    return out


def _quantiles(errors: np.ndarray) -> dict[str, float]:
    return {name: float(np.quantile(errors, q)) for name, q in QUANTILES.items()}


def _casimir_check(method: Integrator, worst: dict[str, float]) -> dict[str, Any]:
    """The ``casimirs_to_round_off`` check of a Casimir-preserving method (else none)."""
    casimirs = [k for k in worst if k != "energy"]
    if not (method.preserves_casimirs and casimirs):
        return {}
    return {"casimirs_to_round_off": check(max(worst[k] for k in casimirs), CASIMIR_TOLERANCE)}


def run_ensemble(system, mu0: np.ndarray, options: argparse.Namespace, prefix: str,
                 parameters: dict[str, Any], scales=None, scale_note: str = "") -> dict[str, Any]:
    """``--ensemble N``: integrate the batch ``mu0`` with
    :func:`liepoisson.integrate_ensemble` and report the distribution of the members' maximal
    relative invariant errors.

    Parameters
    ----------
    system : LiePoissonSystem
    mu0 : ndarray of shape (N, *shape)
        The members' initial states.
    options : argparse.Namespace
        ``dt``, ``steps``, ``method``, ``order``, ``engine``, ``chunk_size``, ``workers``,
        ``scheduler``, ``progress``.
    prefix : str
        Stem of the plot's file name (``PREFIX_ensemble_errors.png``).
    parameters : dict
        The model's parameters for the report.
    scales : callable, optional
        ``scales(mu0)``: for some invariants, the scale (shape ``(N,)``) their errors are
        relative to instead of their initial values (a Casimir that can vanish, say).
    scale_note : str
        What ``scales`` does, for the summary.

    Returns
    -------
    dict
        ``parameters``, ``method``, ``wall_time_s``, ``max_relative_invariant_errors`` (the
        worst member), ``ensemble`` (``members``, ``chunks``, ``engine``, ``cluster``,
        ``quantiles`` of the per-member errors by invariant), then :func:`outcome` with the
        checks ``every_member_integrated`` (N finite final states) and
        ``casimirs_to_round_off``.
    """
    from liepoisson import integrate_ensemble
    from liepoisson.registry import Plot

    check_time_span(options.dt, options.steps)
    method = integrator_from_options(options)
    with dask_client(options) as (client, where):
        start = time.perf_counter()
        summary = integrate_ensemble(
            system, mu0, options.dt, options.steps, method=method, save_every=1,
            chunk_size=options.chunk_size, client=client, progress=options.progress,
            reduce="final", engine=getattr(options, "engine", "auto") if method.compiled else "auto")
        wall = time.perf_counter() - start
    errors = _scaled_errors(summary.max_relative_invariant_errors, mu0, system, scales)
    worst = {k: float(v.max()) for k, v in errors.items()}
    members = int(len(summary.final))
    finite = int(np.isfinite(summary.final).reshape(members, -1).all(axis=1).sum())
    checks = {"every_member_integrated": check(finite, len(mu0), finite == len(mu0) == members)}
    checks.update(_casimir_check(method, worst))
    quantiles = {k: _quantiles(v) for k, v in errors.items()}
    rows = [[k] + [quantiles[k][q] for q in QUANTILES] for k in errors]
    text = "\n".join([
        f"{system.name}: ensemble of {members} members, {options.steps} steps of "
        f"dt={options.dt:g} with {method.name} on Dask ({where}; {summary.metadata['chunks']} "
        f"chunks, engine {summary.metadata['engine']}) in {wall:.2f} s",
        "maximal relative invariant error of each member, quantiles over the members:",
        format_table(["invariant"] + list(QUANTILES), rows),
    ] + ([scale_note] if scale_note else []))
    plot = Plot(f"{prefix}_ensemble_errors.png", lambda path: plot_error_histograms(
        errors, path, f"{system.name}: {members} members, {options.steps} steps of "
        f"dt={options.dt:g}, {method.name}"))
    parameters = dict(parameters, dt=options.dt, steps=options.steps, method=method.name,
                      members=len(mu0), seed=getattr(options, "seed", 0),
                      chunk_size=options.chunk_size, cluster=where)
    result = {
        "parameters": parameters,
        "method": method.name,
        "wall_time_s": wall,
        "max_relative_invariant_errors": worst,
        "ensemble": {"members": members, "chunks": summary.metadata["chunks"],
                     "engine": summary.metadata["engine"], "cluster": where,
                     "quantiles": quantiles},
    }
    result.update(outcome(checks, [plot], text))
    return result


def run_sweep(make_system: Callable[[float], Any], name: str, values: Sequence[float],
              mu0: np.ndarray, options: argparse.Namespace, prefix: str,
              parameters: dict[str, Any]) -> dict[str, Any]:
    """``--sweep NAME=START:STOP:COUNT``: one run per value with :func:`liepoisson.sweep`.

    Parameters
    ----------
    make_system : callable
        ``make_system(value)``, picklable (a module-level function or a
        :func:`functools.partial` of one); called on the client first, so that a bad value
        is refused before anything runs.
    name : str
        The parameter's name.
    values : sequence of float
    mu0 : ndarray of shape (*shape,) or (N, *shape)
    options : argparse.Namespace
    prefix : str
        Stem of the plot's file name (``PREFIX_sweep.png``).
    parameters : dict

    Returns
    -------
    dict
        ``parameters``, ``method``, ``wall_time_s``, ``max_relative_invariant_errors`` (the
        worst run), ``sweep`` (``parameter``, ``values``, ``final`` and
        ``max_relative_invariant_errors`` per value), then :func:`outcome` with the checks
        ``every_value_integrated`` and ``casimirs_to_round_off``.

    Raises
    ------
    InvalidArgumentError
        For a value the model refuses (naming ``--sweep`` and the value).
    """
    from liepoisson import sweep
    from liepoisson.registry import Plot

    check_time_span(options.dt, options.steps)
    method = integrator_from_options(options)
    systems = []
    for value in values:
        try:
            systems.append(make_system(value))
        except InvalidArgumentError as exc:
            raise InvalidArgumentError(f"--sweep {name}={value:g}: {exc}") from None
    batched = mu0.ndim > len(systems[0].state_shape)
    with dask_client(options) as (client, where):
        start = time.perf_counter()
        result = sweep(make_system, values, mu0, options.dt, options.steps, method=method,
                       client=client, progress=options.progress,
                       engine=getattr(options, "engine", "auto") if method.compiled else "auto")
        wall = time.perf_counter() - start
    errors = {k: [float(e) for e in v] for k, v in result.max_relative_invariant_errors.items()}
    worst = {k: max(v) for k, v in errors.items()}
    finite = int(np.isfinite(result.final).reshape(len(values), -1).all(axis=1).sum())
    checks = {"every_value_integrated": check(finite, len(values), finite == len(values))}
    checks.update(_casimir_check(method, worst))
    rows = [[f"{v:g}"] + [errors[k][i] for k in errors] for i, v in enumerate(values)]
    members = f", {len(mu0)} members each" if batched else ""
    text = "\n".join([
        f"sweep of {name} over {len(values)} values{members}: {options.steps} steps of "
        f"dt={options.dt:g} with {method.name} on Dask ({where}) in {wall:.2f} s",
        format_table([name] + [f"max |d {k}|" for k in errors], rows),
        "errors relative to the initial values, maxima over time"
        + (" and members" if batched else ""),
    ])
    plot = Plot(f"{prefix}_sweep.png", lambda path: plot_sweep(
        name, values, errors, path, f"sweep of {name}: {method.name}, dt={options.dt:g}, "
        f"{options.steps} steps"))
    report = {
        "parameters": dict(parameters, dt=options.dt, steps=options.steps, method=method.name,
                           sweep=name, cluster=where),
        "method": method.name,
        "wall_time_s": wall,
        "max_relative_invariant_errors": worst,
        "sweep": {"parameter": name, "values": list(values), "final": result.final.tolist(),
                  "max_relative_invariant_errors": errors},
    }
    report.update(outcome(checks, [plot], text))
    return report


def plot_error_histograms(errors: dict[str, np.ndarray], path: Path, title: str) -> Path:
    """Histograms of the members' maximal relative errors, one panel per invariant, on a
    log scale of the error (zeros drawn at the floor 1e-17).

    Parameters
    ----------
    errors : dict of str to ndarray of shape (N,)
    path : Path
    title : str

    Returns
    -------
    Path
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.0, 2.2 * len(errors) + 0.6), layout="constrained")
    axes = fig.subplots(len(errors), 1, squeeze=False)[:, 0]
    for ax, (key, values) in zip(axes, errors.items()):
        logs = np.log10(np.maximum(np.asarray(values, dtype=float), _LOG_FLOOR))
        ax.hist(logs, bins=min(60, max(5, len(logs) // 20)), color="C0")
        ax.set_ylabel(f"members\n{key}")
        ax.grid(True, alpha=0.3)
    axes[-1].set_xlabel("log10 of the member's maximal relative error")
    axes[0].set_title(title, fontsize="medium")
    fig.savefig(path, dpi=90)
    return Path(path)


def plot_sweep(name: str, values: Sequence[float], errors: dict[str, list[float]], path: Path,
               title: str) -> Path:
    """The maximal relative error of each invariant against the swept parameter, log scale.

    Returns
    -------
    Path
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.0, 4.0), layout="constrained")
    ax = fig.subplots()
    for key, series in errors.items():
        ax.semilogy(values, np.maximum(series, _LOG_FLOOR), "o-", lw=1.0, label=key)
    ax.set_xlabel(name)
    ax.set_ylabel("max relative error")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    ax.set_title(title, fontsize="medium")
    fig.savefig(path, dpi=90)
    return Path(path)
