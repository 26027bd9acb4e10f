"""``liepoisson run euler-sphere``: Zeitlin's model of the Euler equations on the sphere.

A random smooth vorticity field (Gaussian spherical-harmonic coefficients for
:math:`1 \\le l \\le` ``--lmax`` decaying like :math:`1/l`, root-mean-square vorticity 1,
seeded by ``--seed``; :func:`~liepoisson_models.euler_sphere.random_vorticity`) is
quantized to an :math:`N \\times N` matrix (``--n``) and integrated by
:class:`~liepoisson_models.euler_sphere.EulerSphere` with ``--method`` (default
``LiePoissonHJ`` of order ``--order`` in the chart ``--chart``: ``exp``, the default, or
``cayley``, the isospectral midpoint method) and, on the same steps, with RK4. The run
writes

``report.json``
    the parameters (with :math:`\\hbar` and the step in units of :math:`\\hbar`), the
    initial energy and enstrophy, for each method the wall time, the largest relative
    errors of the energy and of the Casimirs :math:`\\operatorname{tr}W^k`; the checks: the
    main method keeps the Casimirs to round-off (when it promises to) and its relative
    energy error stays below :data:`ENERGY_TOLERANCE`;
``euler_sphere_vorticity.png``
    the vorticity on the sphere at the start and at the end of the main run;
``euler_sphere_invariant_errors.png``
    the invariant errors of both methods against time on a log scale.

Examples
--------
>>> import argparse, tempfile
>>> from pathlib import Path
>>> from liepoisson_models.euler_sphere.cli import add_arguments, run
>>> parser = argparse.ArgumentParser()
>>> add_arguments(parser)
>>> options = parser.parse_args(["--n", "16", "--steps", "10"])
>>> options.out, options.progress, options.seed = Path(tempfile.mkdtemp()), False, 0
>>> result = run(options)
>>> result["passed"], sorted(result["methods"])
(True, ['LiePoissonHJ(order=4)', 'RK4'])
"""

from __future__ import annotations

import argparse
from typing import Any

from liepoisson.registry import ModelEntry, Plot

from .._cli import add_integration_arguments, compare, model_result, plot_invariant_errors, positive_int

__all__ = ["ENTRY", "DEFAULT_N", "DEFAULT_LMAX", "DEFAULT_DT", "DEFAULT_STEPS", "DEFAULT_ORDER",
           "ENERGY_TOLERANCE", "add_arguments", "run"]

#: Default matrix size, largest degree of the initial field, step size, steps (T = 5) and order.
DEFAULT_N, DEFAULT_LMAX = 64, 10
DEFAULT_DT, DEFAULT_STEPS, DEFAULT_ORDER = 0.025, 200, 4
#: The main method passes when its relative energy error stays below this.
ENERGY_TOLERANCE = 1e-4

_VORTICITY_PNG = "euler_sphere_vorticity.png"
_ERRORS_PNG = "euler_sphere_invariant_errors.png"


def _size(text: str) -> int:
    value = positive_int(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f"must be an integer >= 2, got {text!r}")
    return value


def add_arguments(parser) -> None:
    """The options of ``liepoisson run euler-sphere``."""
    add_integration_arguments(parser, DEFAULT_DT, DEFAULT_STEPS, DEFAULT_ORDER, engine=False,
                              chart="exp")
    parser.add_argument("--n", type=_size, default=DEFAULT_N,
                        help=f"matrix size N >= 2 (degrees l <= N - 1; default: {DEFAULT_N})")
    parser.add_argument("--lmax", type=positive_int, default=DEFAULT_LMAX,
                        help="largest degree of the random initial vorticity, >= 1, capped at "
                             f"N - 1 (default: {DEFAULT_LMAX})")


def run(options: argparse.Namespace) -> dict[str, Any]:
    """Run ``liepoisson run euler-sphere`` (see the module docstring).

    Returns
    -------
    dict
        ``parameters``, ``initial`` (energy, enstrophy), ``methods`` (by name, see
        :func:`liepoisson_models._cli.method_report`), ``method``, ``wall_time_s`` and
        ``max_relative_invariant_errors`` of the main method, ``checks``,
        ``check_values``, ``failed_checks``, ``complete``, ``passed``, ``plots`` and
        ``summary``.
    """
    from .plots import plot_vorticity
    from .systems import EulerSphere, random_vorticity

    system = EulerSphere(options.n)
    lmax = min(options.lmax, options.n - 1)
    W0 = system.from_coefficients(random_vorticity(options.n, lmax, seed=options.seed))
    runs, reports = compare(system, W0, options)
    main = runs[0]
    main_report = reports[main.name]
    energy_error = main_report["max_relative_invariant_errors"]["energy"]
    main_report["checks"]["energy_error_bounded"] = bool(energy_error <= ENERGY_TOLERANCE)
    main_report.setdefault("check_values", {})["energy_error_bounded"] = {
        "value": energy_error, "tolerance": ENERGY_TOLERANCE}
    traj = main.trajectory
    title = f"{system.name}, {main.name}, dt = {options.dt:g}"
    plots = [
        Plot(_VORTICITY_PNG, lambda path: plot_vorticity(
            system, [traj.states[0], traj.final], [f"t = {traj.t[0]:g}", f"t = {traj.t[-1]:g}"],
            path, title)),
        Plot(_ERRORS_PNG, lambda path: plot_invariant_errors(
            runs, path, f"Zeitlin N={system.n}, dt={options.dt:g}: relative errors of the invariants")),
    ]
    casimirs = [k for k in main_report["max_relative_invariant_errors"] if k != "energy"]
    result = model_result(
        runs, reports,
        parameters={"n": system.n, "lmax": lmax, "seed": options.seed, "hbar": system.hbar,
                    "dt_over_hbar": options.dt / system.hbar},
        headline=f"{system.name}, random vorticity (l <= {lmax}, seed {options.seed})",
        columns=[("max |dH|/H", lambda r: r["max_relative_invariant_errors"]["energy"])]
        + [(f"max |d {k}|/|{k}|", lambda r, k=k: r["max_relative_invariant_errors"][k])
           for k in casimirs],
        notes=[f"dt = {options.dt / system.hbar:.3g} hbar (hbar = 2/sqrt(N^2 - 1)); "
               "errors relative"],
        plots=plots,
    )
    result["initial"] = {"energy": float(system.energy(W0)), "enstrophy": float(system.enstrophy(W0))}
    return result


#: What the entry point ``euler-sphere`` of the group ``liepoisson.models`` loads.
ENTRY = ModelEntry(
    "euler-sphere", "Zeitlin's model of 2-D Euler on the sphere (su(N)*): random vorticity, "
    "Casimirs tr W^k, against RK4.", run, add_arguments,
)
