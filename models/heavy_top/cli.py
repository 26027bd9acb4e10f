"""``liepoisson run heavy-top``: the heavy top, its Casimirs and its energy, against RK4.

The default top is an asymmetric body, :math:`I = (1, 1.5, 2)`, with its center of mass on
the third body axis, :math:`\\chi = (0, 0, 1)`, and :math:`m g \\ell = 1`; it starts spinning
mostly about that axis, :math:`\\Pi_0 = (0.5, 0.3, 2)`, with the axis tilted by 0.6 rad
from the upward vertical, :math:`\\Gamma_0 = (\\sin 0.6, 0, \\cos 0.6)` (the upward
vertical seen in the body frame, as in :mod:`liepoisson_models.heavy_top`). It is integrated with
``LiePoissonHJ(order=4)`` and, on the same steps, with
:data:`~liepoisson_models._cli.COMPARISON` (RK4). The run writes

``report.json``
    the parameters and, for each method, the wall time, the maximal relative errors of
    the energy and of the Casimirs :math:`|\\Gamma|^2` and :math:`\\Pi\\cdot\\Gamma`, the
    energy drift and, for a Lagrange top (:math:`I_1 = I_2`, :math:`\\chi` on the third
    axis), the largest change of its integral :math:`\\Pi_3`;
``heavy_top_invariant_errors.png``
    the energy and Casimir errors against time on a log scale, both methods on the same
    axes;
``heavy_top_components.png``
    :math:`\\Pi(t)` and :math:`\\Gamma(t)` of the main method.

With ``--ensemble N`` it integrates instead N initial states, :math:`\\Pi` uniform on the
momentum sphere :math:`|\\Pi| = |\\Pi_0|` and :math:`\\Gamma` independently uniform on
:math:`|\\Gamma| = |\\Gamma_0|` (seeded by ``--seed``), with
:func:`liepoisson.integrate_ensemble` on Dask, and reports the quantiles of the members'
maximal invariant errors (``ensemble``; :math:`\\Pi\\cdot\\Gamma` relative to
:math:`|\\Pi_0||\\Gamma_0|`, see :func:`casimir_scales`) with their histograms
(``heavy_top_ensemble_errors.png``). ``--sweep mgl=0:2:5`` runs one integration per value
of a principal moment or of the weight factor with :func:`liepoisson.sweep`
(``heavy_top_sweep.png``).

There is no closed-form solution to compare with, so the report has no error against an
exact solution.

Examples
--------
>>> import argparse, tempfile
>>> from pathlib import Path
>>> from liepoisson_models.heavy_top.cli import add_arguments, run
>>> parser = argparse.ArgumentParser()
>>> add_arguments(parser)
>>> options = parser.parse_args(["--steps", "20", "--order", "2"])
>>> options.out, options.progress = Path(tempfile.mkdtemp()), False
>>> result = run(options)
>>> result["passed"], result["method"]
(True, 'LiePoissonHJ(order=2)')
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
    finite_float,
    model_result,
    plot_invariant_errors,
    run_ensemble,
    run_sweep,
    sphere_points,
)
from .systems import HeavyTop, lagrange_integral

__all__ = [
    "ENTRY",
    "DEFAULT_INERTIA",
    "DEFAULT_CENTER_OF_MASS",
    "DEFAULT_MGL",
    "DEFAULT_PI0",
    "DEFAULT_GAMMA0",
    "DEFAULT_DT",
    "DEFAULT_STEPS",
    "DEFAULT_ORDER",
    "add_arguments",
    "run",
    "plot_components",
    "SWEEP_PARAMETERS",
    "top_with",
    "casimir_scales",
]

#: Principal moments of the default top.
DEFAULT_INERTIA = (1.0, 1.5, 2.0)
#: Body-frame vector from the fixed point to the center of mass.
DEFAULT_CENTER_OF_MASS = (0.0, 0.0, 1.0)
#: The weight factor :math:`m g \ell`.
DEFAULT_MGL = 1.0
#: Initial body angular momentum.
DEFAULT_PI0 = (0.5, 0.3, 2.0)
#: Initial upward vertical in the body frame: the symmetry axis tilted by 0.6 rad.
DEFAULT_GAMMA0 = (float(np.sin(0.6)), 0.0, float(np.cos(0.6)))
#: Default step size, number of steps (T = 100) and order.
DEFAULT_DT, DEFAULT_STEPS, DEFAULT_ORDER = 0.05, 2000, 4

_ERRORS_PNG = "heavy_top_invariant_errors.png"
_COMPONENTS_PNG = "heavy_top_components.png"


def add_arguments(parser) -> None:
    """The options of ``liepoisson run heavy-top``."""
    add_integration_arguments(parser, DEFAULT_DT, DEFAULT_STEPS, DEFAULT_ORDER)
    add_vector_argument(parser, "--inertia", DEFAULT_INERTIA, "I", positive=True,
                        help="principal moments of inertia about the fixed point, each > 0 "
                        "(default: 1 1.5 2)")
    add_vector_argument(parser, "--center-of-mass", DEFAULT_CENTER_OF_MASS, "X",
                        help="body-frame vector from the fixed point to the center of mass "
                        "(default: 0 0 1)")
    parser.add_argument("--mgl", type=finite_float, default=DEFAULT_MGL,
                        help="weight factor m g l, any sign (default: 1)")
    add_vector_argument(parser, "--pi0", DEFAULT_PI0, "P",
                        help="initial body angular momentum (default: 0.5 0.3 2)")
    add_vector_argument(parser, "--gamma0", DEFAULT_GAMMA0, "G",
                        help="initial upward vertical in the body frame "
                        "(default: sin 0.6, 0, cos 0.6)")
    add_ensemble_arguments(parser, SWEEP_PARAMETERS,
                           "Pi uniform on the sphere |Pi| = |pi0|, Gamma independently "
                           "uniform on |Gamma| = |gamma0|")


#: The parameters ``--sweep`` can vary: the principal moments and the weight factor.
SWEEP_PARAMETERS = ("I1", "I2", "I3", "mgl")


def top_with(inertia, center_of_mass, mgl: float, name: str, value: float) -> HeavyTop:
    """The heavy top of ``inertia``, ``center_of_mass`` and ``mgl`` with the parameter
    ``name`` (``"I1"``, ``"I2"``, ``"I3"`` or ``"mgl"``) set to ``value`` (the system of one
    ``--sweep`` value, built on a worker).

    Examples
    --------
    >>> top_with((1.0, 1.5, 2.0), (0.0, 0.0, 1.0), 1.0, "mgl", 2.5).mgl
    2.5
    """
    moments = [float(m) for m in inertia]
    if name == "mgl":
        mgl = value
    else:
        moments[SWEEP_PARAMETERS.index(name)] = float(value)
    return HeavyTop(moments, center_of_mass, mgl)


def casimir_scales(mu0: np.ndarray) -> dict[str, np.ndarray]:
    """The scale of the Casimir :math:`\\Pi\\cdot\\Gamma` of each member,
    :math:`|\\Pi_0|\\,|\\Gamma_0|`: relative to its own initial value, which can be
    arbitrarily close to 0 for random initial states, its round-off error would be
    arbitrarily large.

    Parameters
    ----------
    mu0 : ndarray of shape (N, 6)

    Returns
    -------
    dict
        ``{"Pi.Gamma": ndarray of shape (N,)}``
    """
    return {"Pi.Gamma": np.linalg.norm(mu0[:, :3], axis=1) * np.linalg.norm(mu0[:, 3:], axis=1)}


def _is_lagrange_top(top: HeavyTop) -> bool:
    I, chi = top.inertia, top.center_of_mass
    return bool(I[0] == I[1] and chi[0] == 0.0 and chi[1] == 0.0)


def _axial_momentum_change(traj) -> float:
    """:math:`\\max_t |\\Pi_3(t) - \\Pi_3(0)|` relative to :math:`\\max(|\\Pi_3(0)|, |\\Pi_0|)`."""
    values = lagrange_integral(traj.states)
    scale = max(abs(float(values[0])), float(np.linalg.norm(traj.states[0, :3]))) or 1.0
    return float(np.max(np.abs(values - values[0]))) / scale


def plot_components(run, path: Path, title: str) -> Path:
    """:math:`\\Pi(t)` and :math:`\\Gamma(t)` of one run, two panels.

    Parameters
    ----------
    run : MethodRun
    path : Path
        The PNG file to write.
    title : str

    Returns
    -------
    Path
    """
    from matplotlib.figure import Figure

    traj = run.trajectory
    fig = Figure(figsize=(7.0, 5.0), layout="constrained")
    axes = fig.subplots(2, 1, sharex=True)
    for ax, offset, symbol in ((axes[0], 0, r"\Pi"), (axes[1], 3, r"\Gamma")):
        for i in range(3):
            ax.plot(traj.t, traj.states[:, offset + i], lw=1.0, label=f"${symbol}_{i + 1}$")
        ax.set_ylabel(f"${symbol}$")
        ax.grid(True, alpha=0.3)
        ax.legend(loc="upper right", fontsize="small", ncol=3)
    axes[-1].set_xlabel("t")
    axes[0].set_title(title, fontsize="medium")
    fig.savefig(path, dpi=90)
    return Path(path)


def run(options: argparse.Namespace) -> dict[str, Any]:
    """Run the heavy top from the command-line options (the command draws the plots).

    Parameters
    ----------
    options : argparse.Namespace
        ``dt``, ``steps``, ``method``, ``order``, ``inertia``, ``center_of_mass``, ``mgl``,
        ``pi0``, ``gamma0`` (see :func:`add_arguments`), ``out`` (an existing directory) and
        ``progress``.

    Returns
    -------
    dict
        ``parameters``, ``methods`` (by name, see :func:`liepoisson_models._cli.method_report`,
        plus ``axial_momentum_change`` for a Lagrange top), the main method's ``method``,
        ``max_relative_invariant_errors`` and ``wall_time_s``, ``plots``
        (:class:`~liepoisson.registry.Plot` objects), ``passed`` and ``summary``.

    Raises
    ------
    InvalidArgumentError
        For a bad inertia, center of mass, weight factor, initial state or order.
    """
    top = HeavyTop(options.inertia, options.center_of_mass, options.mgl)
    mu0 = np.concatenate([np.asarray(options.pi0, float), np.asarray(options.gamma0, float)])
    if distributed_mode(options):
        return _distributed(top, mu0, options)
    runs, reports = compare(top, mu0, options)
    lagrange = _is_lagrange_top(top)
    columns = [
        (f"max |d {key}|", lambda r, key=key: r["max_relative_invariant_errors"][key])
        for key in reports[runs[0].name]["max_relative_invariant_errors"]
    ] + [("energy drift", lambda r: r["energy_drift"])]
    if lagrange:
        for r in runs:
            reports[r.name]["axial_momentum_change"] = _axial_momentum_change(r.trajectory)
        columns.append(("max |d Pi_3|", lambda r: r["axial_momentum_change"]))
    plots = [
        Plot(_ERRORS_PNG, lambda path: plot_invariant_errors(
            runs, path, f"heavy top, dt={options.dt:g}: relative errors of the invariants")),
        Plot(_COMPONENTS_PNG, lambda path: plot_components(
            runs[0], path, f"{top.name}\n{runs[0].name}, dt={options.dt:g}")),
    ]
    return model_result(
        runs, reports,
        parameters={"inertia": top.inertia, "center_of_mass": top.center_of_mass,
                    "mgl": top.mgl, "mu0": mu0, "lagrange_top": lagrange},
        headline=top.name,
        columns=columns,
        notes=["errors relative to the initial values (absolute where an initial value is 0)"],
        plots=plots,
        top_level=["axial_momentum_change"] if lagrange else [],
    )


def _distributed(top: HeavyTop, mu0: np.ndarray, options: argparse.Namespace) -> dict[str, Any]:
    """``--ensemble N`` and/or ``--sweep``: N initial states with :math:`\\Pi` uniform on
    the sphere :math:`|\\Pi| = |\\Pi_0|` and :math:`\\Gamma` on :math:`|\\Gamma| =
    |\\Gamma_0|` (seeded by ``--seed``)."""
    parameters = {"inertia": top.inertia, "center_of_mass": top.center_of_mass,
                  "mgl": top.mgl}
    if options.ensemble is not None:
        rng = np.random.default_rng(getattr(options, "seed", 0))
        radii = float(np.linalg.norm(mu0[:3])), float(np.linalg.norm(mu0[3:]))
        mu0 = np.concatenate([sphere_points(rng, options.ensemble, radii[0]),
                              sphere_points(rng, options.ensemble, radii[1])], axis=1)
        parameters.update(pi_sphere_radius=radii[0], gamma_sphere_radius=radii[1])
    else:
        parameters["mu0"] = mu0
    if options.sweep is None:
        return run_ensemble(top, mu0, options, "heavy_top", parameters, scales=casimir_scales,
                            scale_note="Pi.Gamma relative to |Pi0| |Gamma0| (its initial "
                            "value can be arbitrarily close to 0)")
    name, values = options.sweep
    return run_sweep(functools.partial(top_with, tuple(top.inertia),
                                       tuple(top.center_of_mass), top.mgl, name),
                     name, values, mu0, options, "heavy_top", parameters)


#: What the entry point ``heavy-top`` of the group ``liepoisson.models`` loads.
ENTRY = ModelEntry(
    "heavy-top", "Heavy top on se(3)*: Casimirs and energy against RK4.", run, add_arguments,
)
