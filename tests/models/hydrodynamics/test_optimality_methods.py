"""The optimality system for every Fisher weight kappa in [0, 1]: the damped fixed point
where it converges (kappa < 1/2), Newton-Krylov at kappa = 1/2 (where the fixed point's gain
reaches 1), the real-time shooting above (hbar_kappa = sigma^2 sqrt(2 kappa - 1)); each
agrees with the others where both apply and with the linear-quadratic closed form at the
order of its scheme."""

from __future__ import annotations

import numpy as np
import pytest

from liepoisson.exceptions import ConvergenceError, InvalidArgumentError
from liepoisson_models.hydrodynamics import LinearQuadratic, PeriodicGrid, solve_optimality


def _lq(kappa):
    return LinearQuadratic(sigma=1.0, horizon=0.5, mean0=[0.0], var0=0.5, p=1.0, target=0.5, fisher=kappa)


def _density_error(lq, grid, solution) -> float:
    return float(np.max(grid.integrate(np.abs(solution.rho - lq.density(grid, solution.t)))))


def _orders(errors, ratios):
    errors = np.asarray(errors)
    return np.log(errors[:-1] / errors[1:]) / np.log(np.asarray(ratios))


def test_newton_krylov_agrees_with_the_damped_fixed_point_where_that_converges():
    problem = _lq(0.25).problem(PeriodicGrid(32, 12.0))
    newton = solve_optimality(problem, 14, method="newton-krylov")
    fixed = solve_optimality(problem, 14, method="fixed-point", tol=1e-12)
    assert newton.method == "newton-krylov" and fixed.method == "forward-backward"
    assert newton.iterations <= 6 < fixed.iterations
    assert np.max(np.abs(newton.rho - fixed.rho)) <= 1e-9
    assert solve_optimality(problem, 14).method == "forward-backward"   # auto: the fixed point


def test_newton_krylov_converges_at_half_fisher_at_order_two_where_the_fixed_point_cannot():
    lq = _lq(0.5)
    with pytest.raises(ConvergenceError, match="gain"):
        solve_optimality(lq.problem(PeriodicGrid(24, 12.0)), 8, method="fixed-point", max_iter=8)
    errors, residuals = [], []
    sizes = ((20, 6), (24, 8), (32, 14))          # dt ~ h^2
    for n_points, n_steps in sizes:
        grid = PeriodicGrid(n_points, 12.0)
        solution = solve_optimality(lq.problem(grid), n_steps)
        assert solution.method == "newton-krylov"
        errors.append(_density_error(lq, grid, solution))
        r = solution.residuals("fd4")
        residuals.append(max(r["hjb"], r["continuity"]))
    ratios = [sizes[k + 1][0] / sizes[k][0] for k in range(2)]
    assert np.all(_orders(errors, ratios) >= 1.5), errors
    assert np.all(_orders(residuals, ratios) >= 1.5), residuals


@pytest.mark.parametrize("kappa", [0.75, 1.0])
def test_auto_method_shoots_above_half_fisher_at_order_two_in_dt(kappa):
    lq = _lq(kappa)
    grid = PeriodicGrid(64, 16.0)
    errors = []
    for n_steps in (20, 40, 80):
        solution = solve_optimality(lq.problem(grid), n_steps)
        assert solution.method == "shooting"
        errors.append(_density_error(lq, grid, solution))
    assert np.all(_orders(errors, [2, 2]) >= 1.8), errors


def test_solve_optimality_names_an_unknown_method():
    with pytest.raises(InvalidArgumentError, match="method must be one of"):
        solve_optimality(_lq(0.25).problem(PeriodicGrid(24, 12.0)), 8, method="newton")
