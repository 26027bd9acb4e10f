"""``liepoisson run nls``: the 1-D NLS on a periodic grid against an exact solution.

The focusing equation :math:`i\\psi_t + \\frac12\\psi_{xx} + |\\psi|^2\\psi = 0`
(:class:`~models.nls.PeriodicNLS` with ``g = -1``) is integrated from one of three exact
solutions (``--solution``):

``soliton`` (default)
    :func:`~models.nls.bright_soliton` with amplitude ``--amplitude`` and velocity
    ``--velocity`` on :math:`[-40, 40)`, up to :math:`T = 10`;
``breather``
    the Satsuma–Yajima breather :math:`\\psi(x, 0) = 2\\operatorname{sech}x`
    (:func:`~models.nls.satsuma_yajima`) on :math:`[-20, 20)`, over two periods
    (:math:`T = \\pi`);
``collision``
    the exact two-soliton solution (:func:`~models.nls.multi_soliton`, amplitudes
    ``--amplitude``, velocities :math:`\\pm` ``--velocity``) from :math:`t = -10` to
    :math:`t = 10`; the report adds the measured position shifts against
    :func:`~models.nls.collision_shifts` (:math:`\\pm\\ln 2` for the defaults).

The method is the :class:`~models.nls.LiePoissonSplitting` (``--method splitting``, the
default) or :class:`~liepoisson.LiePoissonHJ` on the dense :math:`\\mathfrak u(N)^*`
(``--method hj``, only up to :data:`~models.nls.DENSE_LIMIT` points). The run writes

``report.json``
    the parameters, the wall time, the error against the exact solution (maximum of
    :math:`|\\psi - \\psi_\\text{exact}|` over the saved states and at the final time), the
    largest errors of the mass, the energy and :math:`\\operatorname{tr}\\rho^k` (relative)
    and of the momentum (its change divided by the mass), and ``passed``: the mass kept to
    round-off (relative error below 1e-10) and the error against the exact solution below
    ``--tolerance``;
``nls_spacetime.png``
    :math:`|\\psi(x, t)|^2` over space and time;
``nls_invariant_errors.png``
    the invariant errors against time on a log scale.

Examples
--------
>>> import argparse, tempfile
>>> from pathlib import Path
>>> from models.cli_nls import add_arguments, run
>>> parser = argparse.ArgumentParser()
>>> add_arguments(parser)
>>> options = parser.parse_args(["--n-points", "256", "--time", "1", "--dt", "0.05"])
>>> options.out, options.progress = Path(tempfile.mkdtemp()), False
>>> result = run(options)
>>> result["passed"], result["method"]
(True, 'LiePoissonSplitting(order=4, mclachlan)')
>>> result["error_vs_exact"]["final"] < 1e-6
True
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np

from liepoisson import LiePoissonHJ, integrate

from .cli_common import format_table, positive_float, positive_int, save_every_for
from .nls import (
    LiePoissonSplitting,
    PeriodicNLS,
    bright_soliton,
    collision_shifts,
    multi_soliton,
    satsuma_yajima,
)

__all__ = [
    "SOLUTIONS",
    "MASS_TOLERANCE",
    "add_arguments",
    "run",
    "soliton_centres",
    "invariant_errors",
    "plot_spacetime",
    "plot_invariant_errors",
]

#: ``--solution`` -> (default length, default final time).
SOLUTIONS = {"soliton": (80.0, 10.0), "breather": (40.0, float(np.pi)), "collision": (80.0, 20.0)}
#: The run passes only if the mass keeps this relative accuracy.
MASS_TOLERANCE = 1e-10
#: Start time of the collision run (the solitons are then 20 apart).
COLLISION_START = -10.0
#: At most about this many states are saved (for the space-time plot).
_MAX_SAVED = 400
# Floor of the log-scale error plot (exact zeros cannot be drawn on a log axis).
_LOG_FLOOR = 1e-17

_SPACETIME_PNG = "nls_spacetime.png"
_ERRORS_PNG = "nls_invariant_errors.png"


def add_arguments(parser) -> None:
    """The options of ``liepoisson run nls``."""
    parser.add_argument("--solution", choices=sorted(SOLUTIONS), default="soliton",
                        help="exact solution to start from and compare with (default: soliton)")
    parser.add_argument("--n-points", type=positive_int, default=1024,
                        help="grid points (default: 1024)")
    parser.add_argument("--length", type=positive_float, default=None,
                        help="period of the grid (default: 80, or 40 for the breather)")
    parser.add_argument("--dt", type=positive_float, default=0.01, help="step size (default: 0.01)")
    parser.add_argument("--time", type=positive_float, default=None,
                        help="final time (default: 10 for the soliton, pi for the breather, "
                        "20 for the collision)")
    parser.add_argument("--method", choices=("splitting", "hj"), default="splitting",
                        help="LiePoissonSplitting or LiePoissonHJ on the dense u(N)* "
                        "(default: splitting)")
    parser.add_argument("--order", type=int, choices=(2, 4), default=4, help="order (default: 4)")
    parser.add_argument("--amplitude", type=positive_float, default=1.0,
                        help="soliton amplitude a (default: 1)")
    parser.add_argument("--velocity", type=float, default=1.0,
                        help="soliton velocity c (collision: +c and -c; default: 1)")
    parser.add_argument("--tolerance", type=positive_float, default=1e-3,
                        help="largest accepted error against the exact solution (default: 1e-3)")


def _exact(options, t: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The exact solution at the times ``t`` (shape ``(n_t, N)``)."""
    tt = np.asarray(t)[:, None]
    a, c = options.amplitude, options.velocity
    if options.solution == "soliton":
        return bright_soliton(x, tt, a=a, c=c)
    if options.solution == "breather":
        return satsuma_yajima(x, tt)
    return multi_soliton(x, COLLISION_START + tt, a=[a, a], c=[c, -c], x0=[0.0, 0.0])


def soliton_centres(x: np.ndarray, psi: np.ndarray, split: float = 0.0) -> tuple[float, float]:
    """Centres (first moments of :math:`|\\psi|^2`) of the parts left and right of ``split``.

    Parameters
    ----------
    x : ndarray of shape (N,)
    psi : ndarray of shape (N,)
    split : float

    Returns
    -------
    (float, float)

    Examples
    --------
    >>> import numpy as np
    >>> from models.cli_nls import soliton_centres
    >>> x = np.linspace(-40, 40, 2001)
    >>> psi = 1 / np.cosh(x + 10) + 1 / np.cosh(x - 7)
    >>> [round(c, 3) for c in soliton_centres(x, psi)]
    [-10.0, 7.0]
    """
    dens = np.abs(psi) ** 2
    left = x < split
    out = []
    for part in (left, ~left):
        out.append(float(np.sum(x[part] * dens[part]) / np.sum(dens[part])))
    return out[0], out[1]


def _collision_report(options, nls, traj) -> dict[str, Any]:
    """Measured position shifts of the two solitons, against the exact ones."""
    c1 = options.velocity
    if c1 == 0:
        return {}
    T = float(traj.t[-1] - traj.t[0])
    start_left, start_right = soliton_centres(nls.x, traj.states[0])
    end_left, end_right = soliton_centres(nls.x, traj.states[-1])
    # the soliton moving right starts on the left and ends on the right
    if c1 > 0:
        first, second = (start_left, end_right), (start_right, end_left)
    else:
        first, second = (start_right, end_left), (start_left, end_right)
    measured = [first[1] - (first[0] + c1 * T), second[1] - (second[0] - c1 * T)]
    exact = collision_shifts(options.amplitude, c1, options.amplitude, -c1)
    return {
        "measured": measured,
        "exact": list(exact),
        "error": max(abs(m - e) for m, e in zip(measured, exact)),
    }


def plot_spacetime(x: np.ndarray, t: np.ndarray, states: np.ndarray, path: Path, title: str) -> Path:
    """:math:`|\\psi|^2` as an image over :math:`(x, t)`.

    Parameters
    ----------
    x : ndarray of shape (N,)
    t : ndarray of shape (n_t,)
    states : ndarray of shape (n_t, N)
    path : Path
        The PNG file to write.
    title : str

    Returns
    -------
    Path
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.5, 4.0), layout="constrained")
    ax = fig.subplots()
    image = ax.imshow(np.abs(states) ** 2, origin="lower", aspect="auto", cmap="magma",
                      extent=(x[0], x[-1] + (x[1] - x[0]), t[0], t[-1]), interpolation="nearest")
    fig.colorbar(image, ax=ax, label=r"$|\psi|^2$")
    ax.set_xlabel("x")
    ax.set_ylabel("t")
    ax.set_title(title, fontsize="medium")
    fig.savefig(path, dpi=90)
    return Path(path)


def invariant_errors(traj) -> dict[str, np.ndarray]:
    """The error of each invariant along a run, shape ``(n_saved,)`` each.

    Relative errors :math:`|I(t) - I(0)|/|I(0)|`, except for the momentum, which is often
    zero: its change is divided by the mass (the change of the mean wavenumber).

    Parameters
    ----------
    traj : Trajectory
        A run of an :class:`~models.nls.NLSSystem` (no batch axes).

    Returns
    -------
    dict of str to ndarray of shape (n_saved,)
    """
    values = traj.invariants()
    mass0 = abs(float(values["mass"][0])) or 1.0
    out = {}
    for key, series in values.items():
        if key.startswith("momentum"):
            out[key] = np.abs(series - series[0]) / mass0
        else:
            ref = abs(float(series[0]))
            out[key] = np.abs(series - series[0]) / (ref if ref > 0 else 1.0)
    return out


def plot_invariant_errors(t: np.ndarray, errors: dict, path: Path, title: str,
                          ylabel: str = "relative error") -> Path:
    """The errors of :func:`invariant_errors` against time, one curve each, log scale.

    Parameters
    ----------
    t : ndarray of shape (n_saved,)
    errors : dict of str to ndarray of shape (n_saved,) or dict of str to such dicts
        One run, or several runs by name (drawn with different line styles).
    path : Path
        The PNG file to write.
    title : str
    ylabel : str

    Returns
    -------
    Path
    """
    from matplotlib.figure import Figure

    runs = errors if all(isinstance(v, dict) for v in errors.values()) else {"": errors}
    fig = Figure(figsize=(6.5, 3.6), layout="constrained")
    ax = fig.subplots()
    styles = ("-", "--", ":", "-.")
    for i, (run_name, series) in enumerate(runs.items()):
        for j, (key, values) in enumerate(series.items()):
            label = f"{run_name}: {key}" if run_name else key
            ax.semilogy(t[1:], np.maximum(values[1:], _LOG_FLOOR), styles[i % len(styles)],
                        color=f"C{j}", lw=1.0, label=label)
    ax.set_xlabel("t")
    ax.set_ylabel(ylabel)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(loc="best", fontsize="x-small", ncol=2)
    ax.set_title(title, fontsize="medium")
    fig.savefig(path, dpi=90)
    return Path(path)


def run(options: argparse.Namespace) -> dict[str, Any]:
    """Run ``liepoisson run nls`` (see the module docstring)."""
    default_length, default_time = SOLUTIONS[options.solution]
    length = options.length if options.length is not None else default_length
    final_time = options.time if options.time is not None else default_time
    steps = max(1, int(round(final_time / options.dt)))
    dt = final_time / steps
    nls = PeriodicNLS(options.n_points, length, g=-1.0)
    if options.method == "splitting":
        method = LiePoissonSplitting(order=options.order)
    else:
        method = LiePoissonHJ(order=options.order)
    psi0 = _exact(options, np.array([0.0]), nls.x)[0]
    save_every = save_every_for(steps, _MAX_SAVED)
    start = time.perf_counter()
    traj = integrate(nls, psi0, dt, steps, method=method, save_every=save_every,
                     progress=options.progress)
    wall = time.perf_counter() - start

    exact = _exact(options, traj.t, nls.x)
    err = np.max(np.abs(traj.states - exact), axis=-1)
    errors = invariant_errors(traj)
    worst = {key: float(np.max(v)) for key, v in errors.items()}
    initial = {k: float(v) for k, v in nls.integrals(psi0).items()}
    result: dict[str, Any] = {
        "solution": options.solution,
        "n_points": nls.n_points,
        "length": length,
        "g": nls.g,
        "dt": dt,
        "steps": steps,
        "final_time": final_time,
        "method": method.name,
        "wall_time_s": wall,
        "time_per_step_us": 1e6 * wall / steps,
        "continuum_integrals_at_t0": initial,
        "error_vs_exact": {"max": float(err.max()), "final": float(err[-1])},
        "max_invariant_errors": worst,
    }
    if options.solution == "collision":
        result["collision_shifts"] = _collision_report(options, nls, traj)

    title = f"{options.solution}: {method.name}, N = {nls.n}, dt = {dt:g}"
    result["plots"] = [
        str(plot_spacetime(nls.x, traj.t, traj.states, options.out / _SPACETIME_PNG, title)),
        str(plot_invariant_errors(traj.t, errors, options.out / _ERRORS_PNG, title,
                                  ylabel="error (relative; momentum: change / mass)")),
    ]
    mass_ok = worst["mass"] <= MASS_TOLERANCE
    exact_ok = float(err.max()) <= options.tolerance
    result["checks"] = {"mass_to_round_off": bool(mass_ok), "error_within_tolerance": bool(exact_ok)}
    result["passed"] = bool(mass_ok and exact_ok)
    rows = [[key, value] for key, value in worst.items()]
    rows.append(["|psi - exact|", float(err.max())])
    result["summary"] = (
        f"nls {options.solution}: {method.name}, N = {nls.n}, dt = {dt:g}, {steps} steps "
        f"({wall:.2f} s)\n" + format_table(["quantity", "max error"], rows)
    )
    if options.solution == "collision" and result["collision_shifts"]:
        shifts = result["collision_shifts"]
        result["summary"] += (
            f"\ncollision shifts: measured {shifts['measured'][0]:+.6f}, "
            f"{shifts['measured'][1]:+.6f}; exact {shifts['exact'][0]:+.6f}, "
            f"{shifts['exact'][1]:+.6f}"
        )
    return result

