"""``liepoisson run nls`` and ``liepoisson run graph-nls``: the NLS on u(N)*.

``liepoisson run nls``: the NLS on a periodic grid against an exact solution
----------------------------------------------------------------------------
The focusing equation :math:`i\\psi_t + \\frac12\\psi_{xx} + |\\psi|^2\\psi = 0`
(:class:`~liepoisson_models.nls.PeriodicNLS` with ``g = -1``) is integrated from one of
three exact solutions (``--solution``):

``soliton`` (default)
    :func:`~liepoisson_models.nls.bright_soliton` with amplitude ``--amplitude`` and
    velocity ``--velocity`` on :math:`[-40, 40)`, up to :math:`T = 10`;
``breather``
    the Satsuma–Yajima breather :math:`\\psi(x, 0) = 2\\operatorname{sech}x`
    (:func:`~liepoisson_models.nls.satsuma_yajima`) on :math:`[-20, 20)`, over two periods
    (:math:`T = \\pi`);
``collision``
    the exact two-soliton solution (:func:`~liepoisson_models.nls.multi_soliton`,
    amplitudes ``--amplitude``, velocities :math:`\\pm` ``--velocity``) from
    :math:`t = -10` to :math:`t = 10`; the report adds the measured position shifts against
    :func:`~liepoisson_models.nls.collision_shifts` (:math:`\\pm\\ln 2` for the defaults).

With ``--dim 2`` the same solution runs on the square grid of ``--n-points`` squared points
as a line wave :math:`\\psi(x, y) = \\psi(x)`, uniform along the second axis (an exact
solution of :math:`i\\psi_t + \\frac12\\Delta\\psi + |\\psi|^2\\psi = 0`, advanced by the
2-D integrator as any other state); the plots show it along the first axis.

Without ``--steps`` the run covers the final time of the solution (above): ``--steps`` is
``round(T / dt)`` and ``dt`` is adjusted to ``T / steps``; with ``--steps`` it runs
``steps`` steps of ``--dt``. ``--method`` is any integrator of the registry; the default is
:class:`~liepoisson.LiePoissonHJ` (``--order 4``, ``--chart cayley``), which steps the
wavefunction matrix-free at any N (``--chart exp``: more accurate per step, slower on fine
grids); ``--method LiePoissonSplitting`` runs the NLS's exact-flow splitting. The run writes

``report.json``
    the parameters, the main method's wall time, the error against the exact solution
    (``error_vs_exact``: maximum of :math:`|\\psi - \\psi_\\text{exact}|` over the saved
    states and at the final time), ``max_relative_invariant_errors`` (the mass, the energy
    and :math:`\\operatorname{tr}\\rho^k` relative, the momentum as its change divided by
    the mass), and the checks: the mass kept to round-off (relative error below
    :data:`MASS_TOLERANCE`) and the error against the exact solution below ``--tolerance``;
``nls_spacetime.png``
    :math:`|\\psi(x, t)|^2` over space and time;
``nls_invariant_errors.png``
    the invariant errors against time on a log scale.

``liepoisson run graph-nls``: the discrete NLS on a networkx graph
-----------------------------------------------------------------
:class:`~liepoisson_models.nls.GraphNLS` with :math:`L` = ``--hopping`` times the graph
Laplacian and coupling ``--g`` starts with all its mass ``--mass`` on the first node and is
integrated with ``--method`` (default :class:`~liepoisson.LiePoissonHJ` of order
``--order``) and, on the same steps, with RK4. The graph (``--graph``) is a ring, a path, a
2-D grid, the complete graph, a star, the Petersen graph or a random :math:`G(n, p)` graph
(``--nodes``, ``--edge-probability``, ``--seed``). The run writes

``report.json``
    the graph (nodes, edges), the parameters, for each method the wall time, the largest
    relative errors of the energy, the mass and :math:`\\operatorname{tr}\\rho^k`, and the
    largest distance to a tight DOP853 reference over the saved states; the final mass per
    node; the check: the main method keeps the mass to round-off (relative error below
    :data:`MASS_TOLERANCE`; not asked of RK4, which is the contrast);
``graph_nls_mass_per_node.png``
    :math:`|\\psi_j(t)|^2` for every node against time;
``graph_nls_invariant_errors.png``
    the invariant errors of both methods against time on a log scale.

Examples
--------
>>> import argparse, tempfile
>>> from pathlib import Path
>>> from liepoisson_models.nls.cli import add_arguments, run
>>> parser = argparse.ArgumentParser()
>>> add_arguments(parser)
>>> options = parser.parse_args(["--n-points", "256", "--steps", "20", "--dt", "0.05"])
>>> options.out, options.progress = Path(tempfile.mkdtemp()), False
>>> result = run(options)
>>> result["passed"], result["method"]
(True, 'LiePoissonHJ(order=4, cayley, suzuki composition)')
>>> result["error_vs_exact"]["final"] < 1e-5
True

>>> from liepoisson_models.nls.cli import add_graph_arguments, run_graph
>>> parser = argparse.ArgumentParser()
>>> add_graph_arguments(parser)
>>> options = parser.parse_args(["--graph", "ring", "--nodes", "6", "--steps", "40"])
>>> options.out, options.progress, options.seed = Path(tempfile.mkdtemp()), False, 0
>>> result = run_graph(options)
>>> result["passed"], len(result["final_mass_per_node"])
(True, 6)
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from liepoisson import ScipyIVP
from liepoisson import fft
from liepoisson._validation import _describe
from liepoisson.exceptions import InvalidArgumentError
from liepoisson.registry import ModelEntry, Plot

from .._cli import (
    COMPARISON,
    add_integration_arguments,
    check,
    compare,
    finite_float,
    format_table,
    outcome,
    plot_invariant_errors,
    positive_float,
    positive_int,
    refuse_unused,
)
from . import (
    GraphNLS,
    PeriodicNLS,
    bright_soliton,
    collision_shifts,
    multi_soliton,
    satsuma_yajima,
)

__all__ = [
    "ENTRIES",
    "SOLUTIONS",
    "GRAPHS",
    "MASS_TOLERANCE",
    "COLLISION_START",
    "add_arguments",
    "run",
    "add_graph_arguments",
    "run_graph",
    "build_graph",
    "probability",
    "soliton_centres",
    "invariant_errors",
    "plot_spacetime",
    "plot_mass_per_node",
]

#: ``--solution`` -> (default length, default final time).
SOLUTIONS = {"soliton": (80.0, 10.0), "breather": (40.0, float(np.pi)), "collision": (80.0, 20.0)}
#: The graphs of ``--graph``.
GRAPHS = ("ring", "path", "grid", "complete", "star", "petersen", "random")
#: A run passes only if the main method keeps the mass to this relative accuracy.
MASS_TOLERANCE = 1e-10
#: Start time of the collision run (the solitons are then 20 apart).
COLLISION_START = -10.0
#: At most about this many states of a grid run are saved (for the space-time plot).
_MAX_SAVED_GRID = 400
#: ... and at most about this many bytes of them (2-D grids).
_MAX_SAVED_BYTES = 64 * 2**20
#: At most about this many states of a graph run are saved.
_MAX_SAVED_GRAPH = 500
#: Tolerances of the DOP853 reference of graph-nls.
_REFERENCE = ScipyIVP(method="DOP853", rtol=1e-12, atol=1e-14)

_SPACETIME_PNG = "nls_spacetime.png"
_ERRORS_PNG = "nls_invariant_errors.png"
_MASS_PNG = "graph_nls_mass_per_node.png"
_GRAPH_ERRORS_PNG = "graph_nls_invariant_errors.png"


# ---------------------------------------------------------------------- liepoisson run nls
def add_arguments(parser) -> None:
    """The options of ``liepoisson run nls``."""
    parser.add_argument("--solution", choices=sorted(SOLUTIONS), default="soliton",
                        help="exact solution to start from and compare with (default: soliton)")
    parser.add_argument("--n-points", type=positive_int, default=1024,
                        help="grid points (default: 1024)")
    parser.add_argument("--length", type=positive_float, default=None,
                        help="period of the grid (default: 80, or 40 for the breather)")
    add_integration_arguments(
        parser, dt=0.01, steps=None, order=4, method="LiePoissonHJ", engine=False, chart="cayley",
        steps_help="number of steps, >= 1 (default: up to the solution's final time, 10 for "
        "the soliton, pi for the breather, 20 for the collision, with dt adjusted to it)",
    )
    parser.add_argument("--amplitude", type=positive_float, default=1.0,
                        help="soliton amplitude a; not for the breather (default: 1)")
    parser.add_argument("--velocity", type=finite_float, default=1.0,
                        help="soliton velocity c (collision: +c and -c); not for the breather "
                        "(default: 1)")
    parser.add_argument("--tolerance", type=positive_float, default=1e-3,
                        help="largest accepted error against the exact solution (default: 1e-3)")
    parser.add_argument("--dim", type=int, choices=(1, 2), default=1,
                        help="space dimension: 2 runs the solution as a line wave on the square "
                        "grid of --n-points^2 points, uniform along the second axis (default: 1)")


def _exact(options, t: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The exact solution at the times ``t`` on the 1-D grid ``x`` (shape ``(n_t, n)``)."""
    tt = np.asarray(t)[:, None]
    a, c = options.amplitude, options.velocity
    if options.solution == "soliton":
        return bright_soliton(x, tt, a=a, c=c)
    if options.solution == "breather":
        return satsuma_yajima(x, tt)
    return multi_soliton(x, COLLISION_START + tt, a=[a, a], c=[c, -c], x0=[0.0, 0.0])


def _on_grid(line: np.ndarray, nls) -> np.ndarray:
    """Values on the 1-D grid, shape ``(..., n)``, as states of ``nls``: unchanged in 1-D; in
    2-D the line wave :math:`\\psi(x, y) = \\psi(x)`, shape ``(..., n^2)`` (an exact solution
    of the 2-D equation)."""
    return line if nls.dim == 1 else np.repeat(line, nls.n_points, axis=-1)


def _line(states: np.ndarray, nls) -> np.ndarray:
    """The values along the first axis at the first point of the second, shape ``(..., n)``."""
    if nls.dim == 1:
        return states
    return states.reshape(states.shape[:-1] + (nls.n_points, nls.n_points))[..., 0]


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
    >>> from liepoisson_models.nls.cli import soliton_centres
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
    start_left, start_right = soliton_centres(nls.x, _line(traj.states[0], nls))
    end_left, end_right = soliton_centres(nls.x, _line(traj.states[-1], nls))
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
        A run of an :class:`~liepoisson_models.nls.NLSSystem` (no batch axes).

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


def _grid_steps(options) -> tuple[float, int]:
    """``(dt, steps)``: as given, or up to the solution's final time with dt adjusted."""
    if options.steps is not None:
        return options.dt, options.steps
    final_time = SOLUTIONS[options.solution][1]
    steps = max(1, int(round(final_time / options.dt)))
    return final_time / steps, steps


def run(options: argparse.Namespace) -> dict[str, Any]:
    """Run ``liepoisson run nls`` (see the module docstring).

    Returns
    -------
    dict
        ``parameters``, ``methods`` (the main method's report, see
        :func:`liepoisson_models._cli.method_report`), ``method``, ``wall_time_s``,
        ``max_relative_invariant_errors``, ``error_vs_exact``,
        ``continuum_integrals_at_t0``, ``collision_shifts`` (collision only), ``checks``,
        ``complete``, ``passed``, ``plots`` and ``summary``.
    """
    if options.solution == "breather":
        refuse_unused(options, ["amplitude", "velocity"],
                      "with --solution breather (the Satsuma-Yajima breather is fixed)")
    length = options.length if options.length is not None else SOLUTIONS[options.solution][0]
    dt, steps = _grid_steps(options)
    nls = PeriodicNLS(options.n_points, length, g=-1.0, dim=options.dim)
    psi0 = _on_grid(_exact(options, np.array([0.0]), nls.x)[0], nls)
    run_options = argparse.Namespace(**{**vars(options), "dt": dt, "steps": steps})
    # saved states: at most _MAX_SAVED_GRID, and at most _MAX_SAVED_BYTES of them
    max_saved = max(2, min(_MAX_SAVED_GRID, _MAX_SAVED_BYTES // (16 * nls.n)))
    runs, reports = compare(nls, psi0, run_options, comparison=None,
                            max_saved=max_saved, errors=invariant_errors, casimirs=())
    main = runs[0]
    traj = main.trajectory
    report = reports[main.name]

    exact = _on_grid(_exact(options, traj.t, nls.x), nls)
    err = np.max(np.abs(traj.states - exact), axis=-1)
    report["error_vs_exact"] = {"max": float(err.max()), "final": float(err[-1])}
    worst = report["max_relative_invariant_errors"]
    result: dict[str, Any] = {
        "parameters": {
            "solution": options.solution, "dim": nls.dim, "n_points": nls.n_points, "length": length,
            "g": nls.g, "dt": dt, "steps": steps, "T": dt * steps, "method": main.name,
            "order": main.method.order, "save_every": traj.metadata["save_every"],
            "fft_backend": fft.backend(),
        },
        "methods": reports,
        "method": main.name,
        "wall_time_s": report["wall_time_s"],
        "max_relative_invariant_errors": worst,
        "error_vs_exact": report["error_vs_exact"],
        "continuum_integrals_at_t0": {k: float(v) for k, v in nls.integrals(psi0).items()},
    }
    if options.solution == "collision":
        result["collision_shifts"] = _collision_report(options, nls, traj)

    grid_name = f"N = {nls.n}" if nls.dim == 1 else f"N = {nls.n_points}^2, along y = {nls.x[0]:g}"
    title = f"{options.solution}: {main.name}, {grid_name}, dt = {dt:g}"
    plots = [
        Plot(_SPACETIME_PNG, lambda path: plot_spacetime(nls.x, traj.t, _line(traj.states, nls), path, title)),
        Plot(_ERRORS_PNG, lambda path: plot_invariant_errors(
            runs, path, title, errors=invariant_errors, ylabel="error")),
    ]
    checks = {"mass_to_round_off": check(worst["mass"], MASS_TOLERANCE),
              "error_within_tolerance": check(float(err.max()), options.tolerance)}
    rows = [[key, value] for key, value in worst.items()]
    rows.append(["|psi - exact|", float(err.max())])
    summary = (
        f"nls {options.solution}: {main.name}, {grid_name}, dt = {dt:g}, {steps} steps "
        f"({report['wall_time_s']:.2f} s)\n" + format_table(["quantity", "max error"], rows)
    )
    if result.get("collision_shifts"):
        shifts = result["collision_shifts"]
        summary += (
            f"\ncollision shifts: measured {shifts['measured'][0]:+.6f}, "
            f"{shifts['measured'][1]:+.6f}; exact {shifts['exact'][0]:+.6f}, "
            f"{shifts['exact'][1]:+.6f}"
        )
    result.update(outcome(checks, plots, summary, traj.complete))
    return result


# ---------------------------------------------------------------------- liepoisson run graph-nls
def build_graph(kind: str, nodes: int, edge_probability: float = 0.3, seed: int = 0) -> nx.Graph:
    """The graph of ``--graph``.

    Parameters
    ----------
    kind : str
        One of :data:`GRAPHS`. ``"grid"`` is the most nearly square
        :math:`m \\times n` grid with :math:`mn` = ``nodes``; ``"petersen"`` ignores
        ``nodes`` (it has 10).
    nodes : int
        Number of nodes, ``>= 1``.
    edge_probability : float
        Edge probability of ``"random"`` (:func:`networkx.gnp_random_graph`), in (0, 1].
    seed : int
        Seed of ``"random"``.

    Returns
    -------
    networkx.Graph

    Examples
    --------
    >>> from liepoisson_models.nls.cli import build_graph
    >>> build_graph("ring", 5).number_of_edges(), build_graph("petersen", 0).number_of_nodes()
    (5, 10)
    """
    if kind not in GRAPHS:
        raise InvalidArgumentError(f"--graph must be one of {', '.join(GRAPHS)}, got {kind!r}")
    if kind == "petersen":
        return nx.petersen_graph()
    if nodes < 1:
        raise InvalidArgumentError(f"--nodes must be >= 1, got {nodes}")
    if kind == "ring":
        return nx.cycle_graph(nodes)
    if kind == "path":
        return nx.path_graph(nodes)
    if kind == "complete":
        return nx.complete_graph(nodes)
    if kind == "star":
        return nx.star_graph(nodes - 1)
    if kind == "grid":
        rows = max(d for d in range(1, math.isqrt(nodes) + 1) if nodes % d == 0)
        return nx.convert_node_labels_to_integers(nx.grid_2d_graph(rows, nodes // rows))
    if not 0 < edge_probability <= 1:
        raise InvalidArgumentError(
            f"--edge-probability must be in (0, 1], got {_describe(edge_probability)}"
        )
    return nx.gnp_random_graph(nodes, edge_probability, seed=seed)


def probability(text: str) -> float:
    """argparse type: a probability in (0, 1].

    Examples
    --------
    >>> probability("0.3")
    0.3
    """
    value = finite_float(text)
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"must be a probability in (0, 1], got {text!r}")
    return value


def add_graph_arguments(parser) -> None:
    """The options of ``liepoisson run graph-nls``."""
    parser.add_argument("--graph", choices=GRAPHS, default="ring", help="the graph (default: ring)")
    parser.add_argument("--nodes", type=positive_int, default=12,
                        help="number of nodes (the grid is the most nearly square m x n = "
                        "nodes); not for petersen, which has 10 (default: 12)")
    parser.add_argument("--edge-probability", type=probability, default=0.3,
                        help="edge probability of the random graph, in (0, 1] (default: 0.3)")
    parser.add_argument("--g", type=finite_float, default=-3.0,
                        help="coupling, < 0 focusing, > 0 defocusing (default: -3)")
    parser.add_argument("--hopping", type=finite_float, default=1.0,
                        help="factor of the graph Laplacian (default: 1)")
    parser.add_argument("--mass", type=positive_float, default=1.0,
                        help="initial mass, all on the first node (default: 1)")
    add_integration_arguments(parser, dt=0.05, steps=1000, order=4, engine=False, chart="exp")


def plot_mass_per_node(t: np.ndarray, states: np.ndarray, nodes, path: Path, title: str) -> Path:
    """:math:`|\\psi_j(t)|^2` of every node against time (an image, and curves for at most
    12 nodes).

    Parameters
    ----------
    t : ndarray of shape (n_t,)
    states : ndarray of shape (n_t, N)
    nodes : sequence
        Node labels, in the order of the states.
    path : Path
        The PNG file to write.
    title : str

    Returns
    -------
    Path
    """
    from matplotlib.figure import Figure

    mass = np.abs(states) ** 2
    n = mass.shape[1]
    fig = Figure(figsize=(6.5, 5.0), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True)
    image = top.imshow(mass.T, origin="lower", aspect="auto", cmap="viridis",
                       extent=(t[0], t[-1], -0.5, n - 0.5), interpolation="nearest")
    fig.colorbar(image, ax=top, label=r"$|\psi_j|^2$")
    top.set_ylabel("node index j")
    shown = range(n) if n <= 12 else np.argsort(mass.max(axis=0))[::-1][:12]
    for j in shown:
        bottom.plot(t, mass[:, j], lw=1.0, label=str(nodes[j]))
    bottom.set_xlabel("t")
    bottom.set_ylabel(r"$|\psi_j|^2$")
    bottom.legend(loc="upper right", fontsize="x-small", ncol=4, title="node", title_fontsize="x-small")
    top.set_title(title, fontsize="medium")
    fig.savefig(path, dpi=90)
    return Path(path)


def run_graph(options: argparse.Namespace) -> dict[str, Any]:
    """Run ``liepoisson run graph-nls`` (see the module docstring).

    Returns
    -------
    dict
        ``graph`` (kind, nodes, edges), ``parameters``, ``methods`` (by name, see
        :func:`liepoisson_models._cli.method_report`, plus ``max_error_vs_dop853``),
        ``method``, ``wall_time_s`` and ``max_relative_invariant_errors`` of the main
        method, ``final_mass_per_node``, ``checks``, ``complete``, ``passed``, ``plots`` and
        ``summary``.
    """
    if options.graph == "petersen":
        refuse_unused(options, ["nodes"], "with --graph petersen (it has 10 nodes)")
    if options.graph != "random":
        refuse_unused(options, ["edge_probability"],
                      f"with --graph {options.graph} (only the random graph has one)")
    graph = build_graph(options.graph, options.nodes, options.edge_probability, options.seed)
    nls = GraphNLS(graph, g=options.g, hopping=options.hopping)
    psi0 = np.zeros(nls.n, dtype=complex)
    psi0[0] = np.sqrt(options.mass)
    runs, reports = compare(nls, psi0, options, max_saved=_MAX_SAVED_GRAPH,
                            errors=invariant_errors, casimirs=())
    main = runs[0]
    reference = _REFERENCE.solve(nls, psi0, main.trajectory.t)
    for r in runs:
        reports[r.name]["max_error_vs_dop853"] = float(np.max(np.abs(r.trajectory.states - reference)))

    title = (f"{options.graph} ({nls.n} nodes), g = {nls.g:g}, hopping = {nls.hopping:g}: "
             f"{main.name}")
    plots = [
        Plot(_MASS_PNG, lambda path: plot_mass_per_node(
            main.trajectory.t, main.trajectory.states, nls.nodes, path, title)),
        Plot(_GRAPH_ERRORS_PNG, lambda path: plot_invariant_errors(
            runs, path, title, errors=invariant_errors)),
    ]
    worst = reports[main.name]["max_relative_invariant_errors"]
    rows = [[name, r["max_relative_invariant_errors"]["mass"],
             r["max_relative_invariant_errors"]["energy"], r["max_error_vs_dop853"]]
            for name, r in reports.items()]
    summary = (
        f"graph-nls: {options.graph} with {nls.n} nodes and {graph.number_of_edges()} edges, "
        f"dt = {options.dt:g}, {options.steps} steps\n"
        + format_table(["method", "mass error", "energy error", "|psi - DOP853|"], rows)
    )
    result = {
        "graph": {
            "kind": options.graph,
            "nodes": [str(v) for v in nls.nodes],
            "edges": [[str(a), str(b)] for a, b in graph.edges],
        },
        "parameters": {
            "graph": options.graph, "g": nls.g, "hopping": nls.hopping, "mass": options.mass,
            "dt": options.dt, "steps": options.steps, "T": options.dt * options.steps,
            "method": main.name, "order": main.method.order, "comparison": COMPARISON.name,
            "save_every": main.trajectory.metadata["save_every"],
        },
        "methods": reports,
        "method": main.name,
        "wall_time_s": reports[main.name]["wall_time_s"],
        "max_relative_invariant_errors": worst,
        "final_mass_per_node": np.abs(main.trajectory.final) ** 2,
    }
    result.update(outcome({"mass_to_round_off": check(worst["mass"], MASS_TOLERANCE)}, plots,
                          summary, all(r.trajectory.complete for r in runs)))
    return result


#: What the entry point ``nls`` of the group ``liepoisson.models`` loads: both commands.
ENTRIES = (
    ModelEntry("nls", "NLS on a periodic grid (Lie-Poisson on u(N)*): soliton, breather or "
               "collision against the exact solution.", run, add_arguments),
    ModelEntry("graph-nls", "Discrete NLS on a networkx graph: mass per node, invariants "
               "against RK4 and DOP853.", run_graph, add_graph_arguments),
)
