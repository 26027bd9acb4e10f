"""``liepoisson run graph-nls``: the discrete NLS on a networkx graph.

:class:`~models.nls.GraphNLS` with :math:`L` = ``--hopping`` times the graph Laplacian and
coupling ``--g`` starts with all its mass ``--mass`` on the first node and is integrated
with ``--method`` (default :class:`~liepoisson.LiePoissonHJ` of order ``--order``) and, on
the same steps, with RK4. The graph (``--graph``) is a ring, a path, a 2-D grid, the
complete graph, a star, the Petersen graph or a random :math:`G(n, p)` graph (``--nodes``,
``--edge-probability``, ``--seed``). The run writes

``report.json``
    the graph (nodes, edges), the parameters, for each method the wall time, the largest
    relative errors of the energy, the mass and :math:`\\operatorname{tr}\\rho^k`, and the
    largest distance to a tight DOP853 reference over the saved states; the final mass per
    node; ``passed``: the main method keeps the mass to round-off (relative error below
    1e-10; not asked of RK4, which is the contrast);
``graph_nls_mass_per_node.png``
    :math:`|\\psi_j(t)|^2` for every node against time;
``graph_nls_invariant_errors.png``
    the invariant errors of both methods against time on a log scale.

Examples
--------
>>> import argparse, tempfile
>>> from pathlib import Path
>>> from models.cli_graph_nls import add_arguments, run
>>> parser = argparse.ArgumentParser()
>>> add_arguments(parser)
>>> options = parser.parse_args(["--graph", "ring", "--nodes", "6", "--steps", "40"])
>>> options.out, options.progress, options.seed = Path(tempfile.mkdtemp()), False, 0
>>> result = run(options)
>>> result["passed"], len(result["final_mass_per_node"])
(True, 6)
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from liepoisson import RK4, LiePoissonHJ, ScipyIVP, integrate
from liepoisson.exceptions import InvalidArgumentError

from .cli_common import finite_float, format_table, positive_float, positive_int, save_every_for
from .cli_nls import MASS_TOLERANCE, invariant_errors, plot_invariant_errors
from .nls import GraphNLS, LiePoissonSplitting

__all__ = ["GRAPHS", "build_graph", "add_arguments", "run", "plot_mass_per_node"]

#: The graphs of ``--graph``.
GRAPHS = ("ring", "path", "grid", "complete", "star", "petersen", "random")

_MASS_PNG = "graph_nls_mass_per_node.png"
_ERRORS_PNG = "graph_nls_invariant_errors.png"
#: Tolerances of the DOP853 reference.
_REFERENCE = ScipyIVP(method="DOP853", rtol=1e-12, atol=1e-14)
#: At most about this many states are saved.
_MAX_SAVED = 500


def build_graph(kind: str, nodes: int, edge_probability: float = 0.3, seed: int = 0) -> nx.Graph:
    """The graph of ``--graph``.

    Parameters
    ----------
    kind : str
        One of :data:`GRAPHS`. ``"grid"`` is the square grid with ``round(sqrt(nodes))``
        nodes per side; ``"petersen"`` ignores ``nodes`` (it has 10).
    nodes : int
        Number of nodes, ``>= 1``.
    edge_probability : float
        Edge probability of ``"random"`` (:func:`networkx.gnp_random_graph`).
    seed : int
        Seed of ``"random"``.

    Returns
    -------
    networkx.Graph

    Examples
    --------
    >>> from models.cli_graph_nls import build_graph
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
        side = max(1, int(round(np.sqrt(nodes))))
        return nx.convert_node_labels_to_integers(nx.grid_2d_graph(side, side))
    return nx.gnp_random_graph(nodes, edge_probability, seed=seed)


def add_arguments(parser) -> None:
    """The options of ``liepoisson run graph-nls``."""
    parser.add_argument("--graph", choices=GRAPHS, default="ring", help="the graph (default: ring)")
    parser.add_argument("--nodes", type=positive_int, default=12, help="number of nodes (default: 12)")
    parser.add_argument("--edge-probability", type=positive_float, default=0.3,
                        help="edge probability of the random graph (default: 0.3)")
    parser.add_argument("--g", type=finite_float, default=-3.0,
                        help="coupling, < 0 focusing, > 0 defocusing (default: -3)")
    parser.add_argument("--hopping", type=finite_float, default=1.0,
                        help="factor of the graph Laplacian (default: 1)")
    parser.add_argument("--mass", type=positive_float, default=1.0,
                        help="initial mass, all on the first node (default: 1)")
    parser.add_argument("--dt", type=positive_float, default=0.05, help="step size (default: 0.05)")
    parser.add_argument("--steps", type=positive_int, default=1000,
                        help="number of steps (default: 1000)")
    parser.add_argument("--method", choices=("hj", "splitting"), default="hj",
                        help="LiePoissonHJ or LiePoissonSplitting (default: hj)")
    parser.add_argument("--order", type=int, choices=(2, 4), default=4, help="order (default: 4)")


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


def run(options: argparse.Namespace) -> dict[str, Any]:
    """Run ``liepoisson run graph-nls`` (see the module docstring)."""
    graph = build_graph(options.graph, options.nodes, options.edge_probability, options.seed)
    nls = GraphNLS(graph, g=options.g, hopping=options.hopping)
    if options.method == "hj":
        method = LiePoissonHJ(order=options.order)
    else:
        method = LiePoissonSplitting(order=options.order)
    psi0 = np.zeros(nls.n, dtype=complex)
    psi0[0] = np.sqrt(options.mass)
    save_every = save_every_for(options.steps, _MAX_SAVED)

    reports, errors, trajectories = {}, {}, {}
    for m in (method, RK4()):
        start = time.perf_counter()
        traj = integrate(nls, psi0, options.dt, options.steps, method=m, save_every=save_every,
                         progress=options.progress)
        wall = time.perf_counter() - start
        trajectories[m.name] = traj
        errors[m.name] = invariant_errors(traj)
        reports[m.name] = {
            "wall_time_s": wall,
            "time_per_step_us": 1e6 * wall / options.steps,
            "max_relative_invariant_errors": {k: float(v.max()) for k, v in errors[m.name].items()},
        }
    main = trajectories[method.name]
    reference = _REFERENCE.solve(nls, psi0, main.t)
    for name, traj in trajectories.items():
        reports[name]["max_error_vs_dop853"] = float(np.max(np.abs(traj.states - reference)))

    title = (f"{options.graph} ({nls.n} nodes), g = {nls.g:g}, hopping = {nls.hopping:g}: "
             f"{method.name}")
    plots = [
        plot_mass_per_node(main.t, main.states, nls.nodes, options.out / _MASS_PNG, title),
        plot_invariant_errors(main.t, errors, options.out / _ERRORS_PNG, title),
    ]
    mass_ok = reports[method.name]["max_relative_invariant_errors"]["mass"] <= MASS_TOLERANCE
    rows = [[name, r["max_relative_invariant_errors"]["mass"],
             r["max_relative_invariant_errors"]["energy"], r["max_error_vs_dop853"]]
            for name, r in reports.items()]
    summary = (
        f"graph-nls: {options.graph} with {nls.n} nodes and {graph.number_of_edges()} edges, "
        f"dt = {options.dt:g}, {options.steps} steps\n"
        + format_table(["method", "mass error", "energy error", "|psi - DOP853|"], rows)
    )
    return {
        "graph": {
            "kind": options.graph,
            "nodes": [str(v) for v in nls.nodes],
            "edges": [[str(a), str(b)] for a, b in graph.edges],
        },
        "g": nls.g,
        "hopping": nls.hopping,
        "dt": options.dt,
        "steps": options.steps,
        "method": method.name,
        "methods": reports,
        "final_mass_per_node": np.abs(main.final) ** 2,
        "plots": [str(p) for p in plots],
        "checks": {"mass_to_round_off": bool(mass_ok)},
        "passed": bool(mass_ok),
        "summary": summary,
    }
