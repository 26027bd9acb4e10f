"""``liepoisson run rigid-body``: the free rigid body against its exact solution.

The default run is the validation case :math:`I = (2, 1, 2/3)`,
:math:`\\Pi_0 = (\\cos 1.1, 0, \\sin 1.1)`, integrated with ``LiePoissonHJ(order=4)`` and,
on the same steps, with :data:`~liepoisson_models._cli.COMPARISON` (RK4). It writes

``report.json``
    the parameters, for each method the wall time, the maximal relative errors of the
    energy and of the Casimir :math:`|\\Pi|^2`, the energy drift and the error against
    :func:`~liepoisson_models.rigid_body.exact_solution` (maximum over the saved states and at the
    final time, relative to :math:`|\\Pi_0|`);
``rigid_body_sphere.png``
    the computed states on the momentum sphere :math:`|\\Pi| = |\\Pi_0|` with the exact
    polhode (its intersection with the energy ellipsoid :math:`\\Pi\\cdot I^{-1}\\Pi = 2E`)
    and, in grey, other polhodes of the same sphere;
``rigid_body_invariant_errors.png``
    the energy and Casimir errors against time on a log scale, both methods on the same
    axes.

With ``--ensemble N`` it integrates instead N initial states drawn uniformly on the
momentum sphere :math:`|\\Pi| = |\\Pi_0|` (seeded by ``--seed``) with
:func:`liepoisson.integrate_ensemble` on Dask (a local cluster of ``--workers`` processes,
or ``--scheduler ADDRESS``; ``--chunk-size``), and reports the quantiles of the members'
maximal relative invariant errors (``ensemble`` in the report) with their histograms
(``rigid_body_ensemble_errors.png``). ``--sweep I3=2:4:5`` runs one integration per value
of a principal moment with :func:`liepoisson.sweep` (``sweep`` in the report,
``rigid_body_sweep.png``); with ``--ensemble`` each run integrates the whole ensemble.

Examples
--------
>>> import argparse, tempfile
>>> from pathlib import Path
>>> from liepoisson_models.rigid_body.cli import add_arguments, run
>>> parser = argparse.ArgumentParser()
>>> add_arguments(parser)
>>> options = parser.parse_args(["--steps", "50"])
>>> options.out, options.progress = Path(tempfile.mkdtemp()), False
>>> result = run(options)
>>> result["passed"], sorted(result["methods"])
(True, ['LiePoissonHJ(order=4)', 'RK4'])
>>> result["error_vs_exact"]["max"] < 1e-6
True
"""

from __future__ import annotations

import argparse
import functools
from pathlib import Path
from typing import Any

import numpy as np

from liepoisson.registry import ModelEntry, Plot

from .._cli import (
    add_ensemble_arguments,
    add_integration_arguments,
    add_vector_argument,
    compare,
    distributed_mode,
    model_result,
    plot_invariant_errors,
    run_ensemble,
    run_sweep,
    sphere_points,
)
from .exact import exact_solution
from .systems import RigidBody

__all__ = [
    "ENTRY",
    "DEFAULT_INERTIA",
    "DEFAULT_MU0",
    "DEFAULT_DT",
    "DEFAULT_STEPS",
    "DEFAULT_ORDER",
    "add_arguments",
    "run",
    "plot_sphere",
    "SWEEP_PARAMETERS",
    "body_with_moment",
]

#: Principal moments of the validation case.
DEFAULT_INERTIA = (2.0, 1.0, 2.0 / 3.0)
#: Initial body angular momentum of the validation case, :math:`(\cos 1.1, 0, \sin 1.1)`.
DEFAULT_MU0 = (float(np.cos(1.1)), 0.0, float(np.sin(1.1)))
#: Default step size, number of steps (T = 300, about 27 turns of the polhode) and order.
DEFAULT_DT, DEFAULT_STEPS, DEFAULT_ORDER = 0.1, 3000, 4

_SPHERE_PNG = "rigid_body_sphere.png"
_ERRORS_PNG = "rigid_body_invariant_errors.png"


def add_arguments(parser) -> None:
    """The options of ``liepoisson run rigid-body``."""
    add_integration_arguments(parser, DEFAULT_DT, DEFAULT_STEPS, DEFAULT_ORDER, chart="exp")
    add_vector_argument(parser, "--inertia", DEFAULT_INERTIA, "I", positive=True,
                        help="principal moments of inertia, each > 0 (default: 2 1 0.666667)")
    add_vector_argument(parser, "--mu0", DEFAULT_MU0, "P",
                        help="initial body angular momentum (default: cos 1.1, 0, sin 1.1)")
    add_ensemble_arguments(parser, SWEEP_PARAMETERS,
                           "uniform on the momentum sphere |Pi| = |mu0|")


#: The parameters ``--sweep`` can vary: the principal moments.
SWEEP_PARAMETERS = ("I1", "I2", "I3")


def body_with_moment(inertia, name: str, value: float) -> RigidBody:
    """The rigid body of ``inertia`` with the moment ``name`` (``"I1"``, ``"I2"`` or
    ``"I3"``) set to ``value`` (the system of one ``--sweep`` value, built on a worker).

    Examples
    --------
    >>> body_with_moment((2.0, 1.0, 0.5), "I3", 3.0).inertia
    array([2., 1., 3.])
    """
    moments = [float(m) for m in inertia]
    moments[SWEEP_PARAMETERS.index(name)] = float(value)
    return RigidBody(moments)


def _exact_errors(traj, inertia, mu0) -> dict[str, float]:
    exact = exact_solution(inertia, mu0, traj.t)
    scale = float(np.linalg.norm(mu0)) or 1.0
    err = np.linalg.norm(traj.states - exact, axis=-1) / scale
    return {"max": float(err.max()), "final": float(err[-1])}


def _polhode_starts(inertia, radius: float, count: int) -> np.ndarray:
    """Points of the great circle through the axes of the smallest and largest moments
    (every polhode but the separatrix crosses it)."""
    order = np.argsort(inertia)
    angles = np.linspace(0.0, 2.0 * np.pi, count, endpoint=False) + np.pi / count
    starts = np.zeros((count, 3))
    starts[:, order[0]] = radius * np.cos(angles)
    starts[:, order[2]] = radius * np.sin(angles)
    return starts


def _separatrix_starts(inertia, radius: float) -> np.ndarray:
    """The four points where the separatrices :math:`2E\\,I_m = |\\Pi|^2` cross the great
    circle through the axes of the smallest and largest moments (none for a symmetric
    top), shape ``(n, 3)``."""
    order = np.argsort(inertia)
    beta = 1.0 / np.asarray(inertia)[order]
    if not beta[0] > beta[1] > beta[2]:
        return np.zeros((0, 3))
    angle = np.arctan(np.sqrt((beta[0] - beta[1]) / (beta[1] - beta[2])))
    starts = np.zeros((4, 3))
    for i, (a, b) in enumerate(((1, 1), (1, -1), (-1, 1), (-1, -1))):
        starts[i, order[0]] = a * radius * np.cos(angle)
        starts[i, order[2]] = b * radius * np.sin(angle)
    return starts


def plot_sphere(inertia, mu0, runs, path: Path, span: float = 60.0) -> Path:
    """The states of ``runs`` on the momentum sphere with the exact polhode through ``mu0``.

    Parameters
    ----------
    inertia : array_like of shape (3,)
    mu0 : array_like of shape (3,)
    runs : sequence of MethodRun
        The first run's states are drawn as dots (at most 1500 of them).
    path : Path
        The PNG file to write.
    span : float
        Time span over which the exact polhodes are traced.

    Returns
    -------
    Path
    """
    import mpl_toolkits.mplot3d  # noqa: F401  (registers the 3d projection)
    from matplotlib.figure import Figure

    inertia, mu0 = np.asarray(inertia, float), np.asarray(mu0, float)
    radius = float(np.linalg.norm(mu0))
    fig = Figure(figsize=(6.0, 6.0), layout="constrained")
    ax = fig.add_subplot(projection="3d")
    u, v = np.meshgrid(np.linspace(0, 2 * np.pi, 37), np.linspace(0, np.pi, 19))
    ax.plot_wireframe(radius * np.cos(u) * np.sin(v), radius * np.sin(u) * np.sin(v),
                      radius * np.cos(v), color="0.85", lw=0.4)
    times = np.linspace(0.0, span, 3000)
    for start in _polhode_starts(inertia, radius, 14):
        curve = exact_solution(inertia, start, times)
        ax.plot(*curve.T, color="0.6", lw=0.6)
    for i, start in enumerate(_separatrix_starts(inertia, radius)):
        curve = exact_solution(inertia, start, times - 0.5 * span)
        ax.plot(*curve.T, "--", color="0.35", lw=0.8, label=None if i else "separatrices")
    states = runs[0].trajectory.states
    states = states[:: max(1, len(states) // 1500)]
    ax.plot(*states.T, ".", ms=3.0, color="C0", alpha=0.6, label=f"{runs[0].name}")
    curve = exact_solution(inertia, mu0, times)
    ax.plot(*curve.T, color="C3", lw=1.0, label="exact polhode (sphere ∩ energy ellipsoid)")
    ax.set_xlabel(r"$\Pi_1$")
    ax.set_ylabel(r"$\Pi_2$")
    ax.set_zlabel(r"$\Pi_3$")
    ax.set_box_aspect((1, 1, 1))
    ax.view_init(elev=20, azim=35)
    ax.legend(loc="upper left", fontsize="small")
    ax.set_title("rigid body I=({:g}, {:g}, {:g}): momentum sphere".format(*inertia),
                 fontsize="medium")
    fig.savefig(path, dpi=80)
    return Path(path)


def run(options: argparse.Namespace) -> dict[str, Any]:
    """Run the rigid body from the command-line options (the command draws the plots).

    Parameters
    ----------
    options : argparse.Namespace
        ``dt``, ``steps``, ``method``, ``order``, ``inertia``, ``mu0`` (see
        :func:`add_arguments`), ``out`` (an existing directory) and ``progress``.

    Returns
    -------
    dict
        ``parameters``, ``methods`` (by name, see :func:`liepoisson_models._cli.method_report`,
        plus ``error_vs_exact``), the main method's ``method``,
        ``max_relative_invariant_errors``, ``wall_time_s`` and ``error_vs_exact``,
        ``plots`` (:class:`~liepoisson.registry.Plot` objects), ``passed`` and ``summary``.

    Raises
    ------
    InvalidArgumentError
        For a bad inertia, initial state or integrator order.
    """
    body = RigidBody(options.inertia)
    mu0 = np.asarray(options.mu0, dtype=float)
    if distributed_mode(options):
        return _distributed(body, mu0, options)
    runs, reports = compare(body, mu0, options)
    for r in runs:
        reports[r.name]["error_vs_exact"] = _exact_errors(r.trajectory, body.inertia, mu0)
    plots = [
        Plot(_SPHERE_PNG, lambda path: plot_sphere(body.inertia, mu0, runs, path)),
        Plot(_ERRORS_PNG, lambda path: plot_invariant_errors(
            runs, path, f"{body.name}, dt={options.dt:g}: relative errors of the invariants")),
    ]
    return model_result(
        runs, reports,
        parameters={"inertia": body.inertia, "mu0": mu0},
        headline=f"{body.name}, Pi0=({mu0[0]:.4g}, {mu0[1]:.4g}, {mu0[2]:.4g})",
        columns=[
            ("max |dH|/H", lambda r: r["max_relative_invariant_errors"]["energy"]),
            ("max |dC|/C", lambda r: r["max_relative_invariant_errors"]["|Pi|^2"]),
            ("energy drift", lambda r: r["energy_drift"]),
            ("max error vs exact", lambda r: r["error_vs_exact"]["max"]),
        ],
        notes=["C = |Pi|^2 (Casimir); errors relative; "
               "error vs exact = max |Pi - Pi_exact| / |Pi0|"],
        plots=plots,
        top_level=["error_vs_exact"],
    )


def _distributed(body: RigidBody, mu0: np.ndarray, options: argparse.Namespace) -> dict[str, Any]:
    """``--ensemble N`` and/or ``--sweep``: N initial states drawn uniformly on the sphere
    :math:`|\\Pi| = |\\Pi_0|` (seeded by ``--seed``)."""
    radius = float(np.linalg.norm(mu0))
    parameters = {"inertia": body.inertia}
    if options.ensemble is not None:
        mu0 = sphere_points(np.random.default_rng(getattr(options, "seed", 0)),
                            options.ensemble, radius)
        parameters["sphere_radius"] = radius
    else:
        parameters["mu0"] = mu0
    if options.sweep is None:
        return run_ensemble(body, mu0, options, "rigid_body", parameters)
    name, values = options.sweep
    return run_sweep(functools.partial(body_with_moment, tuple(body.inertia), name), name,
                     values, mu0, options, "rigid_body", parameters)


#: What the entry point ``rigid-body`` of the group ``liepoisson.models`` loads.
ENTRY = ModelEntry(
    "rigid-body", "Free rigid body on so(3)*, against its exact solution and RK4.",
    run, add_arguments, default=True,
)
