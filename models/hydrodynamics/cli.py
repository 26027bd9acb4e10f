"""``liepoisson run hydrodynamics``: the chain from training to quantum hydrodynamics and NLS.

Three parts (``--case``; ``both`` runs the first two):

``lq``
    The linear–quadratic Gaussian problem in 1-D, in every representation, against its
    closed form (:class:`~liepoisson_models.hydrodynamics.LinearQuadratic`). *Plain* control
    (:math:`F = 0`): the forward–backward grid solver, the Hopf–Cole path and particles
    with the closed-form feedback; the transformed fields satisfy the imaginary-time
    quantum HJ equation, not the real-time one. *With the Fisher term*
    (:math:`\\kappa = 1`, :math:`\\sigma = 1`, :math:`V = 0`): the closed form is a solution
    of the free Schrödinger equation; its fields :math:`(\\rho, S)` at :math:`t = 0`, as a
    :class:`~liepoisson_models.hydrodynamics.QHDSystem` state, are advanced by
    :class:`~liepoisson.LiePoissonHJ` (order 4, matrix-free through the Madelung chart) and
    reproduce it, with the mass to round-off and the QHD energy conserved; the same data as a
    wavefunction, run by the same integrator on the NLS, agrees with it to round-off.
``network``
    A :class:`~liepoisson_models.deep_learning.GradientResNet` trained on the 2-D moons (zero-padded
    inputs), its data density flowing through depth with noise (grid and particles), its
    phase, wavefunction, residuals and the conditions of the theory.
``shooting``
    The real-time (:math:`\\kappa = 1`) two-point problem by
    :class:`~liepoisson_models.hydrodynamics.PhaseShooting`: the LQ problem of :data:`SHOOTING`
    against its closed form (orders in :math:`\\Delta t`, spectral in :math:`\\Delta x`), and
    general data, :func:`bimodal_problem` (two bumps on a floor, the terminal cost
    :math:`1 - \\cos(2\\pi x/L)`): the terminal residual and the orders of the successive
    differences of the solutions in :math:`\\Delta t` (plots ``hydrodynamics_shooting.png``
    and ``hydrodynamics_bimodal.png``).

It writes ``report.json`` and the plots ``hydrodynamics_lq_fields.png`` (:math:`\\rho`,
:math:`v`, :math:`|\\psi|` and the phase :math:`S` over :math:`(x, t)` for both LQ cases),
``hydrodynamics_lq_residuals.png`` (the residuals of continuity, of both quantum HJ
equations and of the Schrödinger equation against time), ``hydrodynamics_qhd_vs_nls.png``
(the Fisher case's :math:`(\\rho, S)` advanced as a QHD state beside the NLS run of the same
data, and their differences), ``hydrodynamics_network.png``
(density with the particles, :math:`|\\psi|` and phase at three depths) and
``hydrodynamics_network_residuals.png`` (residuals per layer). ``passed`` collects the
checks of the LQ part and of the density flow; the NLS conditions of the trained network
are reported, not required.

Examples
--------
>>> import argparse, tempfile
>>> from pathlib import Path
>>> from liepoisson_models.hydrodynamics.cli import add_arguments, run
>>> parser = argparse.ArgumentParser()
>>> add_arguments(parser)
>>> options = parser.parse_args(["--case", "lq", "--points", "128", "--steps", "64",
...                              "--particles", "2000"])
>>> options.out, options.seed, options.progress = Path(tempfile.mkdtemp()), 0, False
>>> result = run(options)
>>> result["passed"], sorted(result["lq"])
(True, ['fisher', 'plain'])
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np

from liepoisson.exceptions import InvalidArgumentError

from liepoisson.registry import ModelEntry, Plot

from .._cli import (
    add_steps_argument,
    check,
    outcome,
    positive_float,
    positive_int,
    refuse_unused,
)
from .control import MeanFieldControl, hopf_cole, solve_optimality
from .fields import inverse_madelung
from .grid import PeriodicGrid, normalize_density
from .lq import LinearQuadratic
from .network import gradient_network_hydrodynamics, network_density_flow
from .particles import histogram_density, simulate_particles
from .qhd import from_nls
from .shooting import PhaseShooting
from .systems import QHDSystem
from .residuals import (
    continuity_residual,
    quantum_hj_residual,
    schrodinger_residual,
    weighted_norm,
)

__all__ = ["ENTRY", "CASES", "TOLERANCES", "PLAIN", "FISHER", "SHOOTING", "SHOOTING_RUNS", "BIMODAL", "BIMODAL_RUNS",
           "LQ_OPTIONS", "NETWORK_OPTIONS", "NETWORK_BLOCKS", "network_points", "bimodal_problem", "add_arguments", "run"]

#: What ``--case`` selects.
CASES = ("both", "lq", "network", "shooting")
#: The checks of ``passed``: bound of each measured error.
TOLERANCES = {
    "grid_vs_closed_form": 2e-2,         # L1 error of rho, forward-backward solver
    "hopf_cole_vs_closed_form": 1e-6,
    "particles_vs_closed_form": 2.0,     # L1 error of a histogram / its expected statistical error
    "mass": 1e-12,
    "side_holds": 2e-2,                   # rho-weighted residual of the equation that holds
    "side_fails": 0.1,                    # ... and of the one that must not
    "nls_vs_closed_form": 1e-8,
    "qhd_vs_nls_run": 1e-12,              # L2 of psi: the QHD run against the NLS run of its data
    "energy_drift": 1e-10,
    "network_density_gap": 0.15,          # L1, cells of 1/2 (statistical)
    "shooting_order_2": 1.8,              # measured orders in dt (at least)
    "shooting_order_4": 3.5,
    "shooting_spectral_gain": 8.0,        # error ratio per refinement in dx (at least)
    "shooting_residual": 1e-4,            # |R| at the end / |R| of the guess (at most)
    "bimodal_residual": 1e-10,            # |R| at the end, bimodal data (at most)
}
#: The real-time LQ problem of ``--case shooting`` (kappa = 1, hbar = sigma^2 = 1).
SHOOTING = dict(sigma=1.0, horizon=0.5, mean0=[0.0], var0=0.5, q=0.0, p=1.0, target=0.5, fisher=1.0)
#: Its refinements: (order, points, box length, steps) per run. In dt the orders are measured
#: by the successive differences of the solutions on the same grid (the time-stepping error
#: alone: the closed-form error of order 4 reaches the grid's own error within these steps).
SHOOTING_RUNS = {
    "dt_order_2": [(2, 64, 16.0, n) for n in (20, 40, 80, 160)],
    "dt_order_4": [(4, 32, 12.0, n) for n in (5, 10, 20, 40)],
    "dx_order_4": [(4, n, 12.0, 40) for n in (18, 20, 24)],
}
#: The real-time problem with general data of ``--case shooting``: two bumps
#: :math:`e^{-(x \\mp c)^2/w}` on a density floor (normalised to mass 1) on ``points`` points of
#: :math:`[-L/2, L/2)`, the terminal cost :math:`\\Phi = 1 - \\cos(2\\pi x/L)`, no running cost.
BIMODAL = dict(points=32, length=8.0, centre=1.2, width=0.5, floor=0.1, sigma=1.0, horizon=0.25, fisher=1.0)
#: Its refinements in dt: (order, steps per run); each run starts from the phase of the one before.
BIMODAL_RUNS = {
    "dt_order_2": (2, (80, 160, 320, 640)),
    "dt_order_4": (4, (20, 40, 80, 160)),
}
#: The plain LQ problem (noise set by ``--sigma``).
PLAIN = dict(horizon=1.0, mean0=[-0.5], var0=0.5, q=0.5, p=1.0, target=1.0)
#: The Fisher LQ problem: hbar = sigma^2 = 1 and W = -V = 0, the equation of PeriodicNLS(g=0).
FISHER = dict(sigma=1.0, horizon=1.0, mean0=[-0.5], var0=1.0, q=0.0, p=1.0, target=1.0, fisher=1.0)
_LENGTH = 16.0
_NETWORK_BOX = 8.0
#: Blocks per axis of the network's box in which particles and grid density are compared
#: (cells of side 1/2, the scale of :data:`TOLERANCES` ``"network_density_gap"``): the grid
#: points per axis must be a multiple of it.
NETWORK_BLOCKS = 16
#: The options of the LQ part only, and of the network part only (by ``dest``).
LQ_OPTIONS = ("points", "steps", "sigma")
NETWORK_OPTIONS = ("samples", "epochs", "depth", "hidden", "network_sigma", "network_points",
                   "steps_per_layer")


def network_points(text: str) -> int:
    """argparse type of ``--network-points``: a positive multiple of :data:`NETWORK_BLOCKS`
    (the blocks of side 1/2 in which particles and grid density are compared must tile
    the grid).

    Examples
    --------
    >>> network_points("96")
    96
    >>> network_points("50")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: must be a multiple of 16 (16, 32, 48, ...), got '50'
    """
    value = positive_int(text)
    if value % NETWORK_BLOCKS:
        raise argparse.ArgumentTypeError(
            f"must be a multiple of {NETWORK_BLOCKS} ({NETWORK_BLOCKS}, {2 * NETWORK_BLOCKS}, "
            f"{3 * NETWORK_BLOCKS}, ...), got {text!r}"
        )
    return value


def _at_least_two(text: str) -> int:
    value = positive_int(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f"must be an integer >= 2, got {text!r}")
    return value


def add_arguments(parser) -> None:
    """The options of ``liepoisson run hydrodynamics``."""
    parser.add_argument("--case", choices=CASES, default="both",
                        help="the linear-quadratic closed form, the trained network, both (default), or "
                             "the real-time (Fisher) problem by shooting: against the LQ closed form, and "
                             "on a bimodal density with a cosine terminal cost")
    parser.add_argument("--points", type=positive_int, default=256,
                        help="grid points of the 1-D LQ box [-8, 8) (default: 256)")
    add_steps_argument(parser, 256, help="time steps of the LQ grid solver over T = 1 (default: 256)")
    parser.add_argument("--sigma", type=positive_float, default=1.0,
                        help="noise of the plain LQ problem, > 0 (default: 1)")
    parser.add_argument("--particles", type=positive_int, default=20000,
                        help="particles of the LQ and network flows (default: 20000)")
    parser.add_argument("--samples", type=positive_int, default=300,
                        help="training samples of the network (default: 300)")
    parser.add_argument("--epochs", type=positive_int, default=15, help="training epochs (default: 15)")
    parser.add_argument("--depth", type=positive_int, default=16, help="layers (default: 16)")
    parser.add_argument("--hidden", type=positive_int, default=8,
                        help="hidden units of the gradient network (default: 8)")
    parser.add_argument("--network-sigma", type=positive_float, default=0.5,
                        help="noise on the network's flow, hbar = sigma^2 (default: 0.5)")
    parser.add_argument("--network-points", type=network_points, default=96,
                        help="grid points per axis of the 2-D box [-4, 4)^2, a multiple of 16 "
                             "(default: 96)")
    parser.add_argument("--steps-per-layer", type=_at_least_two, default=8,
                        help="Fokker-Planck and particle steps per layer, >= 2 (default: 8)")


# ---------------------------------------------------------------------- the LQ part
def _norm_max(grid, R, rho) -> float:
    return float(np.max(weighted_norm(grid, R, rho)))


def _sides(grid, t, rho, S, psi, hbar, W) -> dict[str, np.ndarray]:
    """Residual norms against time of the four equations."""
    inner = rho[1:-1]
    return {
        "continuity": grid.integrate(np.abs(continuity_residual(
            grid, t, rho, np.expand_dims(rho, 1) * grid.gradient(S, "fd4"), "fd4"))),
        "quantum_hj_imaginary": weighted_norm(grid, quantum_hj_residual(grid, t, rho, S, hbar, W, "imaginary", "fd4"), inner),
        "quantum_hj_real": weighted_norm(grid, quantum_hj_residual(grid, t, rho, S, hbar, W, "real", "fd4"), inner),
        "schrodinger": np.sqrt(grid.integrate(np.abs(schrodinger_residual(grid, t, psi, hbar, W, "spectral")) ** 2)),
    }


def _histogram_error(p: np.ndarray, n: int) -> float:
    """The expected :math:`L^1` error of a histogram of ``n`` samples with cell
    probabilities ``p``: :math:`\\sum_j \\sqrt{2p_j(1 - p_j)/(\\pi n)}` (normal counts)."""
    return float(np.sum(np.sqrt(2.0 * p * (1.0 - p) / (np.pi * n))))


def _plain_case(options, rng) -> tuple[dict, dict]:
    lq = LinearQuadratic(sigma=options.sigma, **PLAIN)
    grid = PeriodicGrid(options.points, _LENGTH, derivative="fd4")
    problem = lq.problem(grid)
    start = time.perf_counter()
    sol = solve_optimality(problem, options.steps)
    wall = time.perf_counter() - start
    exact = lq.density(grid, sol.t)
    ref = hopf_cole(problem, 8, substeps=4)
    _, x = simulate_particles(lq.mean0 + np.sqrt(lq.var0) * rng.standard_normal((options.particles, 1)),
                              lq.drift_function(), lq.sigma, lq.horizon / 200, 200, rng, save_every=200)
    coarse = PeriodicGrid(64, _LENGTH)          # cells of 1/4
    hist = histogram_density(coarse, x[-1])
    cells = lq.cell_density(coarse, [lq.horizon])[0]
    S, v = sol.hydrodynamic()
    psi = sol.wavefunction()
    sides = _sides(grid, sol.t, sol.rho, S, psi, lq.hbar, -lq.running_cost(grid))
    mass = grid.integrate(sol.rho)
    report = {
        "parameters": dict(PLAIN, sigma=lq.sigma, points=options.points, steps=options.steps,
                           length=_LENGTH, particles=options.particles),
        "wall_time_s": wall,
        "grid_vs_closed_form": float(np.max(grid.integrate(np.abs(sol.rho - exact)))),
        "wavefunction_vs_closed_form": _l2_gap(grid, psi, lq.wavefunction(grid, sol.t)),
        "hopf_cole_vs_closed_form": float(np.max(grid.integrate(np.abs(ref.rho - lq.density(grid, ref.t))))),
        "particles_vs_closed_form": float(coarse.integrate(np.abs(hist - cells))),
        "particles_statistical_error": _histogram_error(cells * coarse.cell_volume, options.particles),
        "mass_error": float(np.max(np.abs(mass - mass[0]))),
        "residuals": {key: float(np.max(value)) for key, value in sides.items()},
        "time": "imaginary",
    }
    fields = {"t": sol.t, "x": grid.x, "rho": sol.rho, "v": v[:, 0], "psi": psi, "S": S, "sides": sides}
    return report, fields


def _fisher_case(options) -> tuple[dict, dict]:
    from liepoisson import LiePoissonHJ, integrate
    from ..nls import PeriodicNLS

    lq = LinearQuadratic(**FISHER)
    n = options.points
    grid = PeriodicGrid(n, 24.0, derivative="fd4")
    steps = max(50, options.steps // 2)
    psi0 = lq.wavefunction(grid, [0.0])[0]
    # the hydrodynamic fields (rho, S) advanced by the generic integrator, matrix-free
    qhd = QHDSystem(grid, hbar=lq.hbar)
    start = time.perf_counter()
    traj = integrate(qhd, qhd.state_of(psi0.ravel()), dt=lq.horizon / steps, n_steps=steps,
                     method=LiePoissonHJ(order=4))
    wall = time.perf_counter() - start
    psi = qhd.wavefunction(traj.states).reshape((len(traj.t),) + grid.shape)
    # the same data as a wavefunction, run by the same integrator on the NLS (time hbar t)
    nls_run = integrate(qhd.nls, psi0.ravel(), dt=lq.hbar * lq.horizon / steps, n_steps=steps,
                        method=LiePoissonHJ(order=4))
    psi_nls = nls_run.states.reshape(psi.shape)
    exact = lq.wavefunction(grid, traj.t)
    m, rho, fields_qhd = from_nls(PeriodicNLS(n, 24.0, g=0.0), psi)
    energies = np.array([fields_qhd.energy(m[k], rho[k]) for k in range(len(traj.t))])
    S = lq.phase(grid, traj.t)
    sides = _sides(grid, traj.t, rho, S, psi, lq.hbar, 0.0)
    report = {
        "parameters": dict(FISHER, points=n, steps=steps, length=24.0),
        "method": f"{LiePoissonHJ(order=4).name} on {qhd.name}",
        "wall_time_s": wall,
        "nls_vs_closed_form": _l2_gap(grid, psi, exact),
        "qhd_vs_nls_run": _l2_gap(grid, psi, psi_nls),
        "qhd_energy": float(energies[0]),
        "nls_energy": float(qhd.invariants(traj.states[0])["energy"]),
        "mass_error": float(traj.max_relative_invariant_errors()["mass"]),
        "energy_drift": float(np.ptp(energies) / abs(energies[0])),
        "residuals": {key: float(np.max(value)) for key, value in sides.items()},
        "time": "real",
    }
    fields = {"t": traj.t, "x": grid.x, "rho": rho, "v": lq.velocity(grid, traj.t)[:, 0],
              "psi": psi, "S": S, "sides": sides, "qhd": traj.states, "psi_nls": psi_nls,
              "grid": grid}
    return report, fields


def _successive_differences(grid: PeriodicGrid, levels: list) -> dict[str, list]:
    """``differences``, :math:`\\max_t\\|\\psi_{\\Delta t} - \\psi_{\\Delta t/2}\\|_{L^2}` of
    successive solutions on ``grid`` (each of shape ``(n_times, *grid.shape)``, on the times
    of the coarsest run), and ``orders``, the base-2 logarithms of their ratios."""
    differences = np.array([_l2_gap(grid, a, b) for a, b in zip(levels[:-1], levels[1:])])
    return {"differences": differences.tolist(), "orders": np.log2(differences[:-1] / differences[1:]).tolist()}


def _l2_gap(grid: PeriodicGrid, a: np.ndarray, b: np.ndarray) -> float:
    """:math:`\\max_t\\|a - b\\|_{L^2}` of two fields of shape ``(n_times, *grid.shape)``."""
    return float(np.max(np.sqrt(grid.integrate(np.abs(a - b) ** 2))))


def _below(value: float, tolerance: float) -> dict:
    return check(value, tolerance, value < tolerance)


def _at_least(value: float, tolerance: float) -> dict:
    return check(value, tolerance, value >= tolerance)


def _sides_check(holds: float, fails: float) -> dict:
    """The equation that must hold has a residual below ``side_holds``, the one that must
    not above ``side_fails``."""
    tol = TOLERANCES
    return check({"holds": holds, "fails": fails},
                 {"holds": f"< {tol['side_holds']:g}", "fails": f"> {tol['side_fails']:g}"},
                 holds < tol["side_holds"] and fails > tol["side_fails"])


def _lq_checks(plain: dict, fisher: dict) -> dict[str, dict]:
    tol = TOLERANCES
    pr, fr = plain["residuals"], fisher["residuals"]
    gap = abs(fisher["qhd_energy"] - fisher["nls_energy"])
    return {
        "grid_solver_matches_closed_form": _below(plain["grid_vs_closed_form"], tol["grid_vs_closed_form"]),
        "hopf_cole_matches_closed_form": _below(plain["hopf_cole_vs_closed_form"], tol["hopf_cole_vs_closed_form"]),
        "particles_match_closed_form": _below(
            plain["particles_vs_closed_form"],
            tol["particles_vs_closed_form"] * plain["particles_statistical_error"] + 5e-3),
        "mass_conserved": _below(plain["mass_error"], tol["mass"]),
        "plain_control_is_imaginary_time": _sides_check(pr["quantum_hj_imaginary"], pr["quantum_hj_real"]),
        "fisher_case_is_real_time_nls": _sides_check(fr["quantum_hj_real"], fr["quantum_hj_imaginary"]),
        "nls_reproduces_closed_form": _below(fisher["nls_vs_closed_form"], tol["nls_vs_closed_form"]),
        "qhd_run_equals_nls_run": _below(fisher["qhd_vs_nls_run"], tol["qhd_vs_nls_run"]),
        "qhd_energy_conserved_and_equal_to_nls": check(
            {"drift": fisher["energy_drift"], "qhd_minus_nls": gap},
            {"drift": tol["energy_drift"], "qhd_minus_nls": 1e-10 * abs(fisher["nls_energy"])},
            fisher["energy_drift"] < tol["energy_drift"] and gap < 1e-10 * abs(fisher["nls_energy"])),
    }


def _plot_lq_fields(cases: dict, path: Path) -> Path:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(12.0, 5.6), layout="constrained")
    axes = fig.subplots(2, 4)
    for row, (name, f) in enumerate(cases.items()):
        x, t, rho = f["x"], f["t"], f["rho"]
        keep = np.abs(x) <= 5.0
        ext = (x[keep][0], x[keep][-1], t[0], t[-1])
        faint = rho < 1e-4 * rho.max()
        panels = [
            (rho, r"$\rho(x, t)$", "viridis"),
            (np.where(faint, np.nan, f["v"]), r"$v = \nabla S$", "coolwarm"),
            (np.abs(f["psi"]), r"$|\psi|$", "magma"),
            (np.where(faint, np.nan, f["S"]), r"phase $S$ (unwrapped)", "cividis"),
        ]
        for ax, (data, label, cmap) in zip(axes[row], panels):
            im = ax.imshow(data[:, keep], origin="lower", aspect="auto", extent=ext, cmap=cmap)
            fig.colorbar(im, ax=ax, shrink=0.85)
            ax.set_title(f"{name}: {label}", fontsize=9)
            ax.set_xlabel("x")
        axes[row, 0].set_ylabel("t (depth)")
    fig.suptitle("linear-quadratic case: plain control (imaginary time) and with the Fisher "
                 "term (real-time NLS)", fontsize=10)
    fig.savefig(path, dpi=80)
    return path


def _plot_qhd_vs_nls(f: dict, path: Path) -> Path:
    """The Fisher case's fields :math:`(\\rho, S)` advanced as a QHD state beside the NLS run
    of the same data, and their differences."""
    from matplotlib.figure import Figure

    x, t = f["x"], f["t"]
    keep = np.abs(x) <= 5.0
    ext = (x[keep][0], x[keep][-1], t[0], t[-1])
    rho_qhd, S_qhd = f["qhd"][:, 0], f["qhd"][:, 1]
    rho_nls = np.abs(f["psi_nls"]) ** 2
    # the state's phase is kept modulo 2 pi hbar; shown unwrapped (hbar = 1 here)
    _, S_shown = inverse_madelung(f["grid"], np.sqrt(rho_qhd) * np.exp(1j * S_qhd), 1.0)
    # the phase of the NLS run, compared modulo 2 pi hbar through the wavefunctions
    dphase = np.abs(np.angle(f["psi_nls"] * np.exp(-1j * S_qhd)))
    faint = rho_qhd < 1e-4 * rho_qhd.max()
    fig = Figure(figsize=(12.0, 3.2), layout="constrained")
    axes = fig.subplots(1, 4)
    panels = [
        (rho_qhd, r"$\rho$, QHD state by LiePoissonHJ", "viridis", False),
        (np.where(faint, np.nan, S_shown), r"$S$ (unwrapped), QHD state by LiePoissonHJ", "cividis", False),
        (np.abs(rho_qhd - rho_nls), r"$|\rho_{QHD} - |\psi_{NLS}|^2|$", "magma", True),
        (np.where(faint, np.nan, dphase), r"$|S_{QHD} - \hbar\arg\psi_{NLS}|$ (mod $2\pi\hbar$)",
         "magma", True),
    ]
    for ax, (data, label, cmap, log) in zip(axes, panels):
        shown = np.log10(np.maximum(data[:, keep], 1e-17)) if log else data[:, keep]
        im = ax.imshow(shown, origin="lower", aspect="auto", extent=ext, cmap=cmap)
        fig.colorbar(im, ax=ax, shrink=0.85, label="log10" if log else None)
        ax.set_title(label, fontsize=9)
        ax.set_xlabel("x")
    axes[0].set_ylabel("t (depth)")
    fig.suptitle("Fisher case: quantum hydrodynamics advanced by LiePoissonHJ (order 4, Madelung "
                 "chart) against the NLS run of the same data", fontsize=10)
    fig.savefig(path, dpi=80)
    return path


def _plot_lq_residuals(cases: dict, path: Path) -> Path:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10.0, 3.6), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    labels = {"continuity": "continuity", "quantum_hj_imaginary": "quantum HJ, imaginary time",
              "quantum_hj_real": "quantum HJ, real time", "schrodinger": "Schrodinger"}
    for ax, (name, f) in zip(axes, cases.items()):
        for key, label in labels.items():
            ax.semilogy(f["t"][1:-1], np.maximum(f["sides"][key], 1e-16), label=label)
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("t")
        ax.grid(True, alpha=0.3)
    axes[0].set_ylabel("residual norm")
    axes[0].legend(fontsize=7)
    fig.savefig(path, dpi=80)
    return path


# ---------------------------------------------------------------------- the shooting part
def _shooting_part() -> tuple[dict, dict]:
    """The real-time LQ problem by :class:`PhaseShooting` on the refinements of
    :data:`SHOOTING_RUNS`: errors of the wavefunction against the closed form, the orders
    in dt (from successive differences) and dx (gains of the closed-form error), and the
    Gauss–Newton histories."""
    lq = LinearQuadratic(**SHOOTING)
    report: dict[str, Any] = {"parameters": dict(SHOOTING, mean0=SHOOTING["mean0"][0])}
    fields = {}
    for name, runs in SHOOTING_RUNS.items():
        rows, levels = [], []
        for order, n_points, length, n_steps in runs:
            grid = PeriodicGrid(n_points, length)
            start = time.perf_counter()
            result = PhaseShooting(lq.problem(grid), n_steps, order).solve()
            wall = time.perf_counter() - start
            solution = result.solution()
            exact = lq.wavefunction(grid, solution.t)
            error = _l2_gap(grid, solution.psi, exact)
            rows.append({"order": order, "points": n_points, "length": length, "steps": n_steps,
                         "error": error, "iterations": result.iterations,
                         "residuals": list(result.residuals), "wall_time_s": wall})
            fields[(name, n_steps, n_points)] = (grid, solution)
            levels.append(solution.psi[:: n_steps // runs[0][3]])
        if name.startswith("dt"):  # one grid per refinement in dt
            report[name] = {"runs": rows, **_successive_differences(grid, levels)}
        else:
            errors = np.array([r["error"] for r in rows])
            report[name] = {"runs": rows, "gains": (errors[:-1] / errors[1:]).tolist()}
    return report, fields


def _shooting_checks(report: dict) -> dict[str, dict]:
    tol = TOLERANCES
    relative = max(r["residuals"][-1] / r["residuals"][0] for runs in SHOOTING_RUNS
                   for r in report[runs]["runs"])
    return {
        "shooting_order_2_in_dt": _at_least(min(report["dt_order_2"]["orders"]), tol["shooting_order_2"]),
        "shooting_order_4_in_dt": _at_least(min(report["dt_order_4"]["orders"]), tol["shooting_order_4"]),
        "shooting_spectral_in_dx": _at_least(min(report["dx_order_4"]["gains"]), tol["shooting_spectral_gain"]),
        "shooting_meets_terminal_condition": _below(relative, tol["shooting_residual"]),
    }


def _plot_histories(ax, runs: list, ylabel: str) -> None:
    """The terminal residual per Gauss–Newton iteration of each run ``(marker, label,
    residuals)``."""
    for marker, label, residuals in runs:
        ax.semilogy(residuals, marker + "-", ms=3, label=label)
    ax.set_xlabel("Gauss-Newton iteration")
    ax.set_ylabel(ylabel)
    ax.set_title("shooting on the initial phase", fontsize=9)
    ax.legend(fontsize=6)
    ax.grid(True, alpha=0.3)


def _plot_dt_orders(ax, curves: list, ylabel: str, title: str) -> None:
    """Errors against the time step, each curve ``(dt, errors, order, measured orders)``, with
    the slope of its order dotted."""
    for dt, err, order, measured in curves:
        ax.loglog(dt, err, "o-", label=f"order {order}: " + ", ".join(f"{o:.2f}" for o in measured))
        ax.loglog(dt, err[-1] * (dt / dt[-1]) ** order, "k:", lw=0.8)
    ax.set_xlabel(r"$\Delta t$")
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7)
    ax.grid(True, alpha=0.3)


def _plot_shooting(report: dict, fields: dict, path: Path) -> Path:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11.0, 3.4), layout="constrained")
    axes = fig.subplots(1, 3)
    _plot_histories(axes[0], [(marker, f"order {r['order']}, {r['steps']} steps",
                               np.array(r["residuals"]) / r["residuals"][0])
                              for name, marker in (("dt_order_2", "o"), ("dt_order_4", "s"))
                              for r in report[name]["runs"]],
                    r"terminal residual $|R| / |R_{\mathrm{guess}}|$")
    curves = []
    for name, order in (("dt_order_2", 2), ("dt_order_4", 4)):
        dt = np.array([SHOOTING["horizon"] / r["steps"] for r in report[name]["runs"]])
        curves.append((dt[:-1], np.array(report[name]["differences"]), order, report[name]["orders"]))
        axes[1].loglog(dt, [r["error"] for r in report[name]["runs"]], "x--", ms=4, lw=0.8,
                       label=f"order {order}: error against the closed form")
    _plot_dt_orders(axes[1], curves, r"$L^2$ gap (largest over $t$)",
                    r"successive differences ($\Delta t$, $\Delta t/2$) and the LQ error")
    ax = axes[2]
    last = report["dt_order_2"]["runs"][-1]
    grid, solution = fields[("dt_order_2", last["steps"], last["points"])]
    x = grid.x
    for n in np.linspace(0, solution.t.size - 1, 5).astype(int):
        ax.plot(x, solution.rho[n], label=f"t = {solution.t[n]:.2g}")
    exact = LinearQuadratic(**SHOOTING).density(grid, solution.t[[0, -1]])
    ax.plot(x, exact[-1], "k:", lw=1.0, label="closed form, t = T")
    ax.set_xlim(-4, 4)
    ax.set_xlabel("x")
    ax.set_ylabel(r"$\rho$")
    ax.set_title(rf"density of the solution ($\kappa = 1$, order 2, {last['steps']} steps)", fontsize=9)
    ax.legend(fontsize=6)
    fig.savefig(path, dpi=80)
    return path


def bimodal_problem(points: int | None = None, horizon: float | None = None) -> MeanFieldControl:
    """The real-time problem of :data:`BIMODAL`: a bimodal initial density and a
    non-quadratic terminal cost.

    Parameters
    ----------
    points : int, optional
        Grid points on :math:`[-L/2, L/2)` (default ``BIMODAL["points"]``).
    horizon : float, optional
        :math:`T` (default ``BIMODAL["horizon"]``).

    Returns
    -------
    MeanFieldControl
        On ``PeriodicGrid(points, BIMODAL["length"])``, with ``fisher = 1``.

    Examples
    --------
    >>> problem = bimodal_problem()
    >>> problem.grid.shape, round(float(problem.grid.integrate(problem.rho0)), 12)
    ((32,), 1.0)
    """
    b = BIMODAL
    grid = PeriodicGrid(b["points"] if points is None else points, b["length"])
    x = grid.x
    bumps = np.exp(-((x - b["centre"]) ** 2) / b["width"]) + np.exp(-((x + b["centre"]) ** 2) / b["width"])
    return MeanFieldControl(grid, normalize_density(grid, bumps + b["floor"]), sigma=b["sigma"],
                            horizon=b["horizon"] if horizon is None else horizon,
                            terminal_cost=1.0 - np.cos(2.0 * np.pi * x / b["length"]), fisher=b["fisher"])


def _bimodal_part() -> tuple[dict, dict]:
    """:func:`bimodal_problem` by :class:`PhaseShooting` on the refinements of
    :data:`BIMODAL_RUNS`: the terminal residual, the Gauss–Newton histories and the orders
    of the successive differences :math:`\\max_t\\|\\psi_{\\Delta t} - \\psi_{\\Delta t/2}\\|_{L^2}`
    (on the levels of the coarsest run)."""
    problem = bimodal_problem()
    grid = problem.grid
    report: dict[str, Any] = {"parameters": dict(BIMODAL, terminal_cost="1 - cos(2 pi x / length)")}
    fields = {}
    for name, (order, steps) in BIMODAL_RUNS.items():
        rows, levels, guess = [], [], None
        for n_steps in steps:
            start = time.perf_counter()
            result = PhaseShooting(problem, n_steps, order).solve(guess)
            wall = time.perf_counter() - start
            guess = result.theta0
            solution = result.solution()
            levels.append(solution.psi[:: n_steps // steps[0]])
            Theta = np.angle(np.exp(1j * (solution.phi[-1] + problem.terminal_cost) / problem.hbar))
            rows.append({"steps": n_steps, "iterations": result.iterations, "residuals": list(result.residuals),
                         "terminal_phase_error": float(np.max(np.abs(Theta))),
                         "mass_error": float(np.max(np.abs(grid.integrate(solution.rho) - 1.0))),
                         "wall_time_s": wall})
            fields[(name, n_steps)] = solution
        report[name] = {"order": order, "runs": rows, **_successive_differences(grid, levels)}
    return report, fields


def _bimodal_checks(report: dict) -> dict[str, dict]:
    tol = TOLERANCES
    largest = max(r["residuals"][-1] for name in BIMODAL_RUNS for r in report[name]["runs"])
    return {
        "bimodal_meets_terminal_condition": _below(largest, tol["bimodal_residual"]),
        "bimodal_order_2_in_dt": _at_least(min(report["dt_order_2"]["orders"]), tol["shooting_order_2"]),
        "bimodal_order_4_in_dt": _at_least(min(report["dt_order_4"]["orders"]), tol["shooting_order_4"]),
    }


def _plot_bimodal(report: dict, fields: dict, path: Path) -> Path:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11.0, 3.4), layout="constrained")
    axes = fig.subplots(1, 3)
    problem = bimodal_problem()
    x = problem.grid.x
    ax = axes[0]
    order, steps = BIMODAL_RUNS["dt_order_2"]
    solution = fields[("dt_order_2", steps[-1])]
    for n in np.linspace(0, solution.t.size - 1, 5).astype(int):
        ax.plot(x, solution.rho[n], label=f"t = {solution.t[n]:.3g}")
    twin = ax.twinx()
    twin.plot(x, problem.terminal_cost, "k:", lw=1.0)
    twin.set_ylabel(r"terminal cost $\Phi$ (dotted)")
    ax.set_xlabel("x")
    ax.set_ylabel(r"$\rho$")
    ax.set_title(rf"density of the solution (order {order}, {steps[-1]} steps)", fontsize=9)
    ax.legend(fontsize=6)
    _plot_histories(axes[1], [(marker, f"order {report[name]['order']}, {r['steps']} steps",
                               np.maximum(r["residuals"], 1e-17))
                              for name, marker in (("dt_order_2", "o"), ("dt_order_4", "s"))
                              for r in report[name]["runs"]],
                    r"terminal residual $|R|$")
    axes[1].axhline(TOLERANCES["bimodal_residual"], color="0.5", lw=0.8, ls="--")
    _plot_dt_orders(axes[2], [(BIMODAL["horizon"] / np.array(steps[:-1]), np.array(report[name]["differences"]),
                               order, report[name]["orders"]) for name, (order, steps) in BIMODAL_RUNS.items()],
                    r"$\max_t\|\psi_{\Delta t} - \psi_{\Delta t/2}\|_{L^2}$", "successive differences")
    fig.suptitle(rf"bimodal density, $\Phi = 1 - \cos(2\pi x/L)$, $T = {BIMODAL['horizon']:g}$, "
                 r"$\kappa = 1$", fontsize=10)
    fig.savefig(path, dpi=80)
    return path


# ---------------------------------------------------------------------- the network part
def _train(options, seed: int):
    from ..deep_learning import GradientResNet, ResNetClassifier, load_dataset

    X, y = load_dataset("moons", options.samples, random_state=seed)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    net = GradientResNet(dim=2, depth=options.depth, horizon=1.0, hidden=options.hidden)
    clf = ResNetClassifier(network=net, lift="pad", epochs=options.epochs, learning_rate=0.01,
                           regularization=1e-3, random_state=seed, progress=options.progress)
    start = time.perf_counter()
    clf.fit(X, y)
    return clf, X, y, time.perf_counter() - start


def _block(grid: PeriodicGrid) -> int:
    """Cells per axis of the blocks of side about 1/2 in which particles and grid density
    are compared."""
    n = grid.n_points
    want = max(1, int(round(0.5 / grid.dx)))
    return max(b for b in range(1, want + 1) if n % b == 0)


def _network_part(options, seed: int) -> tuple[dict, Any]:
    clf, X, y, train_time = _train(options, seed)
    theta = clf.params_.theta
    grid = PeriodicGrid(options.network_points, _NETWORK_BOX, 2)
    x0 = clf.problem_.lift_input(clf.params_, X)
    start = time.perf_counter()
    flow = network_density_flow(clf.network_, theta, x0, grid, options.network_sigma,
                                steps_per_layer=options.steps_per_layer,
                                n_particles=options.particles, rng=np.random.default_rng(seed))
    hd = gradient_network_hydrodynamics(flow)
    gap = flow.density_gap(_block(grid))
    report = {
        "parameters": {"dataset": "moons", "samples": options.samples, "epochs": options.epochs,
                       "depth": options.depth, "hidden": options.hidden, "sigma": options.network_sigma,
                       "hbar": options.network_sigma**2, "points": options.network_points,
                       "box": _NETWORK_BOX, "steps_per_layer": flow.steps_per_layer,
                       "particles": options.particles, "bandwidth": flow.bandwidth},
        "training_accuracy": float(clf.score(X, y)),
        "training_time_s": train_time,
        "wall_time_s": time.perf_counter() - start,
        "density_gap_max": float(np.max(gap)),
        "mass_error": float(np.max(np.abs(grid.integrate(flow.rho) - 1.0))),
        "residuals": hd.residuals,
        "conditions": hd.conditions,
    }
    return report, (flow, hd, y)


def _plot_network(flow, hd, path: Path) -> Path:
    from matplotlib.figure import Figure

    grid = flow.grid
    x = grid.x
    ext = (x[0], x[-1] + grid.dx, x[0], x[-1] + grid.dx)
    s, K = flow.steps_per_layer, flow.network.depth
    layers = [0, K // 2, K]
    fig = Figure(figsize=(10.5, 9.6), layout="constrained")
    axes = fig.subplots(3, 3)
    for col, k in enumerate(layers):
        n = k * s
        rho = flow.rho[n]
        faint = rho < 1e-4 * rho.max()
        pts = flow.particles[k][:1500]
        panels = [(rho, r"$\rho$ (Fokker–Planck) and particles", "viridis"),
                  (np.abs(hd.psi[n]), r"$|\psi|$", "magma"),
                  (np.where(faint, np.nan, hd.S[n]), r"phase $S$ (unwrapped)", "cividis")]
        for row, (data, label, cmap) in enumerate(panels):
            ax = axes[row, col]
            im = ax.imshow(data.T, origin="lower", extent=ext, cmap=cmap)
            fig.colorbar(im, ax=ax, shrink=0.8)
            if row == 0:
                ax.scatter(pts[:, 0], pts[:, 1], s=0.5, c="w", alpha=0.4)
            ax.set_title(f"layer {k} (t = {flow.t[n]:.2g}): {label}", fontsize=8)
    fig.suptitle(f"trained gradient network, sigma = {flow.sigma:g} (hbar = {flow.sigma**2:g})", fontsize=10)
    fig.savefig(path, dpi=75)
    return path


def _plot_network_residuals(flow, hd, path: Path) -> Path:
    from matplotlib.figure import Figure

    from .network import RESIDUAL_TOLERANCE

    fig = Figure(figsize=(8.0, 3.6), layout="constrained")
    ax = fig.subplots()
    layers = np.arange(flow.network.depth)
    labels = {"continuity": "continuity (discretisation)", "hjb": "HJB / imaginary-time quantum HJ",
              "nls_phase": "real-time quantum HJ", "nls": "Schrodinger (NLS)"}
    for key, label in labels.items():
        ax.semilogy(layers, hd.layer_residuals[key], "o-", ms=3, label=label)
    ax.semilogy(np.arange(flow.network.depth + 1), np.maximum(flow.density_gap(_block(flow.grid)), 1e-16),
                "k:", label="particles vs grid density (L1, cells of 1/2)")
    ax.axhline(RESIDUAL_TOLERANCE, color="0.5", lw=0.8, ls="--", label="tolerance")
    ax.set_xlabel("layer")
    ax.set_ylabel("relative residual")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7)
    fig.savefig(path, dpi=80)
    return path


# ---------------------------------------------------------------------- the run
def run(options) -> dict[str, Any]:
    """Run the parts selected by ``--case`` (the command draws the plots).

    Parameters
    ----------
    options : argparse.Namespace
        The options of :func:`add_arguments`, ``out`` (an existing directory), ``seed`` and
        ``progress``.

    Returns
    -------
    dict
        ``lq`` (``plain`` and ``fisher`` reports), ``network``, ``shooting`` and
        ``bimodal`` (``--case shooting``), ``checks``, ``plots``, ``passed`` and ``summary``.
    """
    if options.case not in CASES:
        raise InvalidArgumentError(f"--case must be one of {CASES}, got {options.case!r}")
    if options.case == "lq":
        refuse_unused(options, NETWORK_OPTIONS, "with --case lq (options of the network part)")
    if options.case == "network":
        refuse_unused(options, LQ_OPTIONS, "with --case network (options of the LQ part)")
    if options.case == "shooting":
        refuse_unused(options, LQ_OPTIONS + NETWORK_OPTIONS + ("particles",),
                      "with --case shooting (a fixed refinement study)")
    seed = int(getattr(options, "seed", 0) or 0)
    result: dict[str, Any] = {"case": options.case}
    checks: dict[str, bool | dict] = {}
    plots: list[Plot] = []
    lines = []
    if options.case in ("both", "lq"):
        plain, plain_fields = _plain_case(options, np.random.default_rng(seed))
        fisher, fisher_fields = _fisher_case(options)
        result["lq"] = {"plain": plain, "fisher": fisher}
        checks.update(_lq_checks(plain, fisher))
        cases = {"plain control": plain_fields, "Fisher term": fisher_fields}
        plots += [Plot("hydrodynamics_lq_fields.png", lambda path: _plot_lq_fields(cases, path)),
                  Plot("hydrodynamics_lq_residuals.png",
                       lambda path: _plot_lq_residuals(cases, path)),
                  Plot("hydrodynamics_qhd_vs_nls.png",
                       lambda path: _plot_qhd_vs_nls(fisher_fields, path))]
        pr, fr = plain["residuals"], fisher["residuals"]
        lines += [
            "linear-quadratic Gaussian case (errors against the closed form):",
            f"  plain: grid solver L1(rho) {plain['grid_vs_closed_form']:.1e}, psi {plain['wavefunction_vs_closed_form']:.1e}, "
            f"Hopf-Cole {plain['hopf_cole_vs_closed_form']:.1e}, particles {plain['particles_vs_closed_form']:.1e} "
            f"(statistical {plain['particles_statistical_error']:.1e}), "
            f"mass {plain['mass_error']:.1e}",
            f"         quantum HJ residual: imaginary time {pr['quantum_hj_imaginary']:.1e}, real time {pr['quantum_hj_real']:.1e}",
            f"  Fisher: QHD fields by {fisher['method']}: psi vs closed form {fisher['nls_vs_closed_form']:.1e}, "
            f"H_QHD = {fisher['qhd_energy']:.10g} = H_NLS = {fisher['nls_energy']:.10g}, drift {fisher['energy_drift']:.1e}",
            f"          against the NLS run of the same data (L2 of psi) {fisher['qhd_vs_nls_run']:.1e}",
            f"          quantum HJ residual: real time {fr['quantum_hj_real']:.1e}, imaginary time {fr['quantum_hj_imaginary']:.1e}",
        ]
    if options.case in ("both", "network"):
        report, (flow, hd, _) = _network_part(options, seed)
        result["network"] = report
        checks["network_density_flow_matches_particles"] = _below(
            report["density_gap_max"], TOLERANCES["network_density_gap"])
        checks["network_mass_conserved"] = _below(report["mass_error"], TOLERANCES["mass"])
        checks["gradient_network_is_irrotational"] = bool(hd.conditions["irrotational"]["holds"])
        plots += [Plot("hydrodynamics_network.png", lambda path: _plot_network(flow, hd, path)),
                  Plot("hydrodynamics_network_residuals.png",
                       lambda path: _plot_network_residuals(flow, hd, path))]
        res = report["residuals"]
        lines += [
            f"trained gradient network (moons, accuracy {report['training_accuracy']:.3f}), sigma = {flow.sigma:g}:",
            f"  particles vs grid density (L1, max over layers) {report['density_gap_max']:.2e}",
            f"  relative residuals: continuity {res['continuity']:.1e}, HJB {res['hjb']:.1e}, "
            f"real-time quantum HJ {res['nls_phase']:.1e}, Schrodinger {res['nls']:.1e}",
            "  conditions: " + ", ".join(f"{k} {'holds' if v['holds'] else 'does not hold'}"
                                         for k, v in report["conditions"].items()),
        ]
    if options.case == "shooting":
        report, fields = _shooting_part()
        result["shooting"] = report
        checks.update(_shooting_checks(report))
        plots.append(Plot("hydrodynamics_shooting.png", lambda path: _plot_shooting(report, fields, path)))
        lines += [
            "real-time (Fisher) LQ problem by shooting on the initial phase (errors of psi against the closed form):",
            "  order 2 in dt: errors " + ", ".join(f"{r['error']:.2e}" for r in report["dt_order_2"]["runs"])
            + "; orders " + ", ".join(f"{o:.2f}" for o in report["dt_order_2"]["orders"]),
            "  order 4 in dt: errors " + ", ".join(f"{r['error']:.2e}" for r in report["dt_order_4"]["runs"])
            + "; orders " + ", ".join(f"{o:.2f}" for o in report["dt_order_4"]["orders"]),
            "  spectral in dx: errors " + ", ".join(f"{r['error']:.2e}" for r in report["dx_order_4"]["runs"])
            + "; gains " + ", ".join(f"{g:.1f}" for g in report["dx_order_4"]["gains"]),
            "  Gauss-Newton iterations: " + ", ".join(str(r["iterations"]) for name in SHOOTING_RUNS
                                                      for r in report[name]["runs"]),
        ]
        bimodal, bimodal_fields = _bimodal_part()
        result["bimodal"] = bimodal
        checks.update(_bimodal_checks(bimodal))
        plots.append(Plot("hydrodynamics_bimodal.png", lambda path: _plot_bimodal(bimodal, bimodal_fields, path)))
        lines.append(f"bimodal density (floor {BIMODAL['floor']:g}), 1 - cos terminal cost, T = {BIMODAL['horizon']:g}, "
                     "by shooting (successive differences of psi):")
        for name in BIMODAL_RUNS:
            b = bimodal[name]
            lines.append(
                f"  order {b['order']}, steps " + ", ".join(str(r["steps"]) for r in b["runs"])
                + ": iterations " + ", ".join(str(r["iterations"]) for r in b["runs"])
                + ", |R| <= " + f"{max(r['residuals'][-1] for r in b['runs']):.1e}"
                + "; differences " + ", ".join(f"{d:.2e}" for d in b["differences"])
                + "; orders " + ", ".join(f"{o:.2f}" for o in b["orders"]))
    result.update(outcome(checks, plots, "\n".join(lines)))
    return result


#: What the entry point ``hydrodynamics`` of the group ``liepoisson.models`` loads.
ENTRY = ModelEntry(
    "hydrodynamics", "Training as mean-field control -> quantum hydrodynamics -> NLS: the LQ "
    "closed form in every representation, a trained gradient network's density, "
    "wavefunction and residuals.",
    run, add_arguments,
)
