"""The one module of nonlinear solvers (liepoisson.solvers)."""

import numpy as np
import pytest

from liepoisson import so3
from liepoisson.exceptions import ConvergenceError
from liepoisson.solvers import solve_damped_fixed_point, solve_fixed_point, solve_newton


def expanding(x):
    """G(x) = 1 - 1.5 x: fixed point 0.4, slope -1.5 (the plain iteration diverges)."""
    return 1.0 - 1.5 * x


def test_damping_makes_an_expanding_map_converge_to_its_fixed_point():
    with pytest.raises(ConvergenceError, match=r"plain did not converge in 50 iterations: last change") as info:
        solve_damped_fixed_point(expanding, np.array([0.0]), 1.0, 1e-12, 50, "plain")
    assert info.value.iterations == 50 and info.value.residual > 1.0
    # theta = 1/2 gives x <- 1/2 - x/4: contraction factor 1/4
    x, iterations, changes = solve_damped_fixed_point(expanding, np.array([0.0]), 0.5, 1e-12, 50, "damped")
    assert abs(x[0] - 0.4) <= 1e-12 and changes[-1] <= 1e-12 and len(changes) == iterations
    # the changes fall by about the contraction factor per iteration
    assert np.all(np.diff(np.log(changes[1:])) < np.log(0.3))


def test_fixed_point_reaches_the_tolerance_on_a_batch_and_refuses_a_divergent_map():
    x, _ = solve_fixed_point(lambda x: np.cos(x), np.zeros((4, 3)), 1, 1e-14, 200, "cos")
    np.testing.assert_allclose(x, 0.7390851332151607, atol=1e-13)
    with pytest.raises(ConvergenceError, match="expanding did not converge"):
        solve_fixed_point(expanding, np.array([0.0]), 1, 1e-14, 30, "expanding")


def test_newton_solves_to_the_tolerance_dense_and_krylov():
    algebra = so3()
    target = np.array([0.3, -1.0, 2.0])

    def residual(nu):
        return nu + 0.1 * np.sin(nu) - target

    for krylov in (False, True):
        nu = solve_newton(residual, target.copy(), algebra, 1e-13, 50, "newton", krylov=krylov)
        assert np.max(np.abs(residual(nu))) <= 1e-12
