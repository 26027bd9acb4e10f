"""The real-time (Fisher, kappa = 1) control problem by shooting on the initial phase: the
adjoint sweep is the exact transpose of the discrete tangent map, the gradient passes a
Taylor test, the forward sweep is the integrator's run, and the shooting solution converges
to the linear-quadratic closed form at the scheme's order in dt and spectrally in dx."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import least_squares

from liepoisson import LiePoissonHJ, integrate
from liepoisson.exceptions import ConvergenceError, InvalidArgumentError, ShapeError
from liepoisson_models.hydrodynamics import (
    LinearQuadratic,
    MeanFieldControl,
    PeriodicGrid,
    PhaseShooting,
    normalize_density,
    schrodinger_residual,
    solve_real_time,
)
from liepoisson_models.hydrodynamics import shooting as shooting_module
from liepoisson_models.hydrodynamics.cli import bimodal_problem
from liepoisson_models.hydrodynamics.shooting import _midpoint_tangent


def _bimodal(grid, congestion=1.5):
    """Two Gaussians, a cosine running cost and a double-well terminal cost, with congestion
    (so the NLS is nonlinear)."""
    x = grid.x
    rho0 = normalize_density(grid, np.exp(-((x + 1.5) ** 2) / 0.5) + 0.6 * np.exp(-((x - 1.2) ** 2) / 0.3))
    V = 0.3 * np.cos(2 * np.pi * x / grid.length)
    Phi = 0.5 * np.cos(2 * np.pi * x / grid.length * 2)
    return MeanFieldControl(grid, rho0, sigma=0.8, horizon=0.4, running_cost=V, terminal_cost=Phi,
                            fisher=1.0, congestion=congestion)


def _lq(q=0.0):
    return LinearQuadratic(sigma=1.0, horizon=0.5, mean0=[0.0], var0=0.5, q=q, p=1.0, target=0.5, fisher=1.0)


def _psi_error(lq, grid, solution) -> float:
    """max over t of the L2 distance of the solved wavefunction from the closed form."""
    exact = lq.wavefunction(grid, solution.t)
    return float(np.max(np.sqrt(grid.integrate(np.abs(solution.psi - exact) ** 2))))


def _orders(errors, ratio=2.0):
    errors = np.asarray(errors)
    return np.log(errors[:-1] / errors[1:]) / np.log(ratio)


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), adjoint_tau=st.sampled_from([0.05, -0.13, 0.4]))
def test_adjoint_substep_is_the_transpose_of_the_tangent_substep(seed, adjoint_tau):
    rng = np.random.default_rng(seed)
    shooting = PhaseShooting(_bimodal(PeriodicGrid(32, 8.0)), n_steps=2)
    nls = shooting.system.nls
    m = rng.standard_normal(32) + 1j * rng.standard_normal(32)
    v = rng.standard_normal(32) + 1j * rng.standard_normal(32)
    w = rng.standard_normal(32) + 1j * rng.standard_normal(32)
    Tv = _midpoint_tangent(nls, m, adjoint_tau, v, False, "tangent")
    Tw = _midpoint_tangent(nls, m, adjoint_tau, w, True, "adjoint")
    lhs, rhs = np.real(np.vdot(w, Tv)), np.real(np.vdot(Tw, v))
    assert abs(lhs - rhs) <= 1e-12 * np.linalg.norm(w) * np.linalg.norm(v) * max(1.0, np.abs(Tv).max())


def test_adjoint_substep_is_the_backward_tangent_conjugated_by_i():
    # symplecticity: D Phi^T = J D Phi^{-1} J^{-1} with J = -i, and the inverse of the midpoint
    # step of size tau is the midpoint step of size -tau at the same midpoint
    rng = np.random.default_rng(3)
    nls = PhaseShooting(_bimodal(PeriodicGrid(32, 8.0)), n_steps=2).system.nls
    m = rng.standard_normal(32) + 1j * rng.standard_normal(32)
    w = rng.standard_normal(32) + 1j * rng.standard_normal(32)
    adjoint = _midpoint_tangent(nls, m, 0.2, w, True, "adjoint")
    backward = -1j * _midpoint_tangent(nls, m, -0.2, 1j * w, False, "tangent")
    assert np.max(np.abs(adjoint - backward)) <= 1e-12 * np.max(np.abs(adjoint))


@pytest.mark.parametrize("order", [2, 4])
def test_vector_jacobian_is_the_transpose_of_jacobian_vector(order):
    shooting = PhaseShooting(_bimodal(PeriodicGrid(32, 8.0)), n_steps=6, order=order)
    rng = np.random.default_rng(order)
    theta = rng.standard_normal(32)
    d, w = rng.standard_normal(32), rng.standard_normal(32)
    lhs = w @ shooting.jacobian_vector(theta, d)
    rhs = shooting.vector_jacobian(theta, w) @ d
    assert abs(lhs - rhs) <= 1e-12 * max(abs(lhs), 1e-3)
    J = shooting.jacobian(theta)
    assert np.allclose(J @ d, shooting.jacobian_vector(theta, d), rtol=0, atol=1e-13)


@pytest.mark.parametrize("order", [2, 4])
def test_shooting_gradient_passes_taylor_test(order):
    shooting = PhaseShooting(_bimodal(PeriodicGrid(32, 8.0)), n_steps=8, order=order)
    rng = np.random.default_rng(7)
    theta = shooting.initial_guess(passes=0)
    d = rng.standard_normal(32)
    M0, slope = shooting.mismatch(theta), shooting.gradient(theta) @ d
    remainders = [abs(shooting.mismatch(theta + eps * d) - M0 - eps * slope) for eps in (1e-2, 5e-3, 2.5e-3)]
    assert abs(slope) > 1e-6
    # O(eps^2): halving eps quarters the remainder (a wrong gradient leaves O(eps))
    assert np.all(np.abs(_orders(remainders) - 2.0) < 0.1), remainders


def test_forward_sweep_is_the_integrator_run_on_the_qhd_system():
    problem = _bimodal(PeriodicGrid(32, 8.0))
    shooting = PhaseShooting(problem, n_steps=5, order=4)
    theta = np.random.default_rng(1).standard_normal(32) * 0.3
    psi = shooting.wavefunctions(theta)
    state0 = np.stack([problem.rho0, problem.hbar * theta])
    traj = integrate(shooting.system, state0, shooting.dt, 5, method=LiePoissonHJ(order=4, chart="cayley"))
    psi_run = shooting.system.wavefunction(traj.states)
    assert np.max(np.abs(psi - psi_run)) <= 1e-12


def test_shooting_solution_meets_the_terminal_condition_in_few_iterations():
    lq = _lq(q=0.5)
    problem = lq.problem(PeriodicGrid(48, 14.0))
    result = PhaseShooting(problem, n_steps=20, order=2).solve()
    assert result.residuals[-1] <= 1e-4 * result.residuals[0]
    assert result.iterations <= 8
    solution = result.solution()
    assert solution.method == "shooting" and solution.iterations == result.iterations
    # the value condition phi(T) = -Phi where the density is (modulo the 2 pi hbar of a phase)
    Theta = (solution.phi[-1] + problem.terminal_cost) / problem.hbar
    Theta -= 2 * np.pi * np.round(Theta / (2 * np.pi))
    weight = solution.rho[-1] / solution.rho[-1].max()
    assert np.max(np.abs(Theta) * weight) <= 1e-6
    assert abs(problem.grid.integrate(solution.rho[-1]) - 1.0) <= 1e-12


@pytest.mark.parametrize("order, n_points, length, steps, largest, slowest", [
    (2, 64, 16.0, (20, 40, 80), 1e-4, 1.8),
    (4, 32, 12.0, (5, 10, 20), 2e-6, 3.5),
])
def test_shooting_matches_linear_quadratic_at_the_scheme_order_in_dt(order, n_points, length, steps, largest, slowest):
    """The solutions approach the closed form, and their time-stepping error (successive
    differences on one grid) falls at the scheme's order. (Measured against the closed form
    itself, order 4 reaches the grid's own error, 4.6e-7 on this grid, from 20 steps.)"""
    lq = _lq()
    grid = PeriodicGrid(n_points, length)
    solutions = [solve_real_time(lq.problem(grid), n, order=order) for n in steps]
    assert _psi_error(lq, grid, solutions[-1]) <= largest
    levels = [s.psi[:: n // steps[0]] for s, n in zip(solutions, steps)]
    differences = [float(np.max(np.sqrt(grid.integrate(np.abs(a - b) ** 2)))) for a, b in zip(levels[:-1], levels[1:])]
    assert _orders(differences)[0] >= slowest, differences


def test_shooting_solution_solves_the_schrodinger_equation_at_the_scheme_order_in_dt():
    """The residual of the real-time equation of the transformed fields,
    :math:`i\\hbar\\psi_t + \\frac{\\hbar^2}2\\Delta\\psi - W\\psi` (central differences
    in time, spectral in space), falls at order 2 with the steps, with a potential
    :math:`W = -V \\ne 0`."""
    lq = _lq(q=0.5)
    grid = PeriodicGrid(64, 16.0)
    problem = lq.problem(grid)
    norms = []
    for steps in (20, 40, 80):
        solution = solve_real_time(problem, steps, order=2)
        residual = schrodinger_residual(grid, solution.t, solution.psi, problem.hbar,
                                        -problem.running_cost, "spectral")
        norms.append(float(np.max(np.sqrt(grid.integrate(np.abs(residual) ** 2)))))
    assert norms[-1] <= 1e-4
    assert np.all(np.abs(_orders(norms) - 2.0) < 0.15), norms


def test_shooting_matches_linear_quadratic_spectrally_in_dx():
    lq = _lq()
    errors = []
    for n_points in (18, 20, 24):
        grid = PeriodicGrid(n_points, 12.0)
        errors.append(_psi_error(lq, grid, solve_real_time(lq.problem(grid), 40, order=4)))
    # dx down by 10/9, then by 6/5: the error by more than 8, then 15 (orders above 15: the
    # spectral kinetic operator), down to the time-stepping error
    assert errors[0] > 8 * errors[1] and errors[1] > 15 * errors[2], errors
    assert errors[-1] <= 2e-6


@pytest.mark.parametrize("order, steps, slowest", [(2, (80, 160, 320, 640), 1.8), (4, (20, 40, 80, 160), 3.5)])
def test_bimodal_shooting_solution_converges_at_the_scheme_order_in_dt(order, steps, slowest):
    """Two bumps on a floor, a cosine terminal cost: every solve meets the terminal condition
    to round-off, and the solutions (each from the phase of the one before) differ by
    successive amounts falling at the scheme's order (measured: 2.11, 2.02 and 4.65, 3.90)."""
    problem = bimodal_problem()
    grid, guess, levels = problem.grid, None, []
    for n_steps in steps:
        result = PhaseShooting(problem, n_steps, order).solve(guess)
        guess = result.theta0
        assert result.residuals[-1] <= 1e-10
        solution = result.solution()
        Theta = np.angle(np.exp(1j * (solution.phi[-1] + problem.terminal_cost) / problem.hbar))
        assert np.max(np.abs(Theta)) <= 1e-8
        levels.append(solution.psi[:: n_steps // steps[0]])
    differences = [float(np.max(np.sqrt(grid.integrate(np.abs(a - b) ** 2)))) for a, b in zip(levels[:-1], levels[1:])]
    assert np.all(_orders(differences) >= slowest), differences


def test_shooting_continues_by_levenberg_marquardt_where_the_line_search_stalls(monkeypatch):
    """Bimodal data at T = 0.22 on 64 points: no fraction of the Gauss-Newton step decreases
    |R| at 4.0e-3; scipy's least_squares from there, on the same Jacobian, reaches round-off."""
    calls = []

    def recorded(*args, **kwargs):
        calls.append(kwargs)
        return least_squares(*args, **kwargs)

    monkeypatch.setattr(shooting_module, "least_squares", recorded)
    result = PhaseShooting(bimodal_problem(points=64, horizon=0.22), 40).solve()
    assert len(calls) == 1
    assert result.residuals[-1] <= 1e-12


def test_shooting_counts_each_evaluation_of_least_squares_as_one_iteration():
    """Bimodal data at T = 0.22 on 64 points: the line search fails at the fifth Gauss-Newton
    iteration; with max_iter = 8 scipy's least_squares gets the three evaluations left."""
    with pytest.raises(ConvergenceError, match=r"after 8 Gauss-Newton and Levenberg-Marquardt iterations") as info:
        PhaseShooting(bimodal_problem(points=64, horizon=0.22), 40).solve(max_iter=8)
    assert info.value.iterations == 8 and info.value.residual > 1e-3


def test_shooting_at_a_fold_reports_a_stationary_point_with_a_rank_deficient_jacobian():
    """Bimodal data at T = 0.28 on 64 points: the iterations end where DR^T R = 0 with R != 0
    and one singular value of DR near zero (a fold of the solution branch)."""
    with pytest.raises(ConvergenceError, match=r"stationary point of \|R\|\^2") as info:
        PhaseShooting(bimodal_problem(points=64, horizon=0.28), 40).solve()
    gradient, smallest = map(float, re.search(r"\|DR\^T R\| = (\S+) \|DR\| \|R\| and smallest singular value (\S+) of",
                                              str(info.value)).groups())
    assert gradient <= 1e-6 and smallest <= 1e-6
    assert 0 < info.value.residual <= 1e-3


def test_shooting_refuses_an_imaginary_time_problem():
    lq = LinearQuadratic(sigma=1.0, horizon=0.5, mean0=[0.0], var0=0.5, p=1.0, target=0.5, fisher=0.5)
    with pytest.raises(InvalidArgumentError, match=r"fisher must be in \(1/2, 1\]"):
        PhaseShooting(lq.problem(PeriodicGrid(32, 12.0)), 10)
    with pytest.raises(InvalidArgumentError, match="order"):
        PhaseShooting(_bimodal(PeriodicGrid(32, 8.0)), 10, order=3)
    shooting = PhaseShooting(_bimodal(PeriodicGrid(32, 8.0)), 4)
    with pytest.raises(ShapeError, match="theta0"):
        shooting.residual(np.zeros(31))
    with pytest.raises(InvalidArgumentError, match="finite"):
        shooting.residual(np.full(32, np.nan))


def test_shooting_that_runs_out_of_iterations_names_them():
    shooting = PhaseShooting(_bimodal(PeriodicGrid(32, 8.0)), 8)
    with pytest.raises(ConvergenceError, match=r"after 1 Gauss-Newton iterations") as info:
        shooting.solve(guess=np.zeros(32), tol=1e-300, max_iter=1)
    assert info.value.iterations == 1 and info.value.residual > 0


def test_liepoisson_run_hydrodynamics_shooting_reports_orders_and_a_plot(tmp_path, read_report, monkeypatch):
    from liepoisson.cli import main
    from liepoisson_models.hydrodynamics import cli

    # a lighter refinement study than the default (the default's numbers are the tests above)
    monkeypatch.setattr(cli, "SHOOTING_RUNS", {
        "dt_order_2": [(2, 64, 16.0, n) for n in (20, 40, 80)],
        "dt_order_4": [(4, 32, 12.0, n) for n in (5, 10, 20)],
        "dx_order_4": [(4, n, 12.0, 40) for n in (18, 20)],
    })
    monkeypatch.setattr(cli, "BIMODAL_RUNS", {"dt_order_2": (2, (80, 160, 320)), "dt_order_4": (4, (20, 40, 80))})
    code = main(["run", "hydrodynamics", "--case", "shooting", "--out", str(tmp_path)])
    report = read_report(tmp_path / "report.json")
    assert code == 0 and report["passed"] and set(report["shooting"]) >= {"dt_order_2", "dt_order_4", "dx_order_4"}
    assert report["shooting"]["dt_order_2"]["orders"][0] > 1.5
    assert report["shooting"]["dt_order_4"]["orders"][0] > 3.5
    assert report["checks"]["shooting_meets_terminal_condition"] is True
    assert all(report["checks"][f"bimodal_{law}"] is True
               for law in ("meets_terminal_condition", "order_2_in_dt", "order_4_in_dt"))
    assert report["bimodal"]["dt_order_2"]["orders"][0] >= 1.8
    for name in ("hydrodynamics_shooting.png", "hydrodynamics_bimodal.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["run", "hydrodynamics", "--case", "shooting", "--points", "64", "--out", str(tmp_path)]) == 2
