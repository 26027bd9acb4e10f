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


def _contracting(x):
    """x <- 0.3 cos(x): each element converges on its own, at a rate set by its value."""
    return 0.3 * np.cos(x)


def test_each_batch_element_stops_by_its_own_rule_whatever_its_companions():
    """A fixed point of a batch is, element by element, the fixed point of that element
    alone, to the bit: an element does not iterate longer because a slower one shares its
    batch."""
    guesses = np.array([[0.29, 0.3, 0.28], [40.0, -7.0, 3.0], [0.1, 1e3, -2.0]])
    batch, iterations = solve_fixed_point(_contracting, guesses, 1, 1e-14, 200, "batch")
    alone = [solve_fixed_point(_contracting, g, 1, 1e-14, 200, "alone") for g in guesses]
    for row, (x, _) in zip(batch, alone):
        assert np.array_equal(row, x)
    assert iterations == max(it for _, it in alone)
    assert len({it for _, it in alone}) > 1  # the elements did need different counts
    np.testing.assert_allclose(batch, 0.2876720852584332, atol=1e-13)  # x = 0.3 cos x


def test_each_batch_element_gets_the_data_of_the_update_that_gave_its_iterate():
    """With ``with_data``, the data returned for an element are those its own run ends
    with (here the input of the last update and the change it made), to the bit."""

    def update(x):
        new = _contracting(x)
        return new, (x.copy(), np.max(np.abs(new - x), axis=-1))

    guesses = np.array([[0.29, 0.3, 0.28], [40.0, -7.0, 3.0], [0.1, 1e3, -2.0]])
    batch, _, (inputs, changes) = solve_fixed_point(update, guesses, 1, 1e-14, 200, "batch", with_data=True)
    for k, g in enumerate(guesses):
        x, _, (x_in, change) = solve_fixed_point(update, g, 1, 1e-14, 200, "alone", with_data=True)
        assert np.array_equal(batch[k], x) and np.array_equal(inputs[k], x_in)
        assert changes[k] == change
        assert np.array_equal(_contracting(x_in), x)  # the update that gave the iterate


def test_an_element_with_a_data_error_stops_only_when_that_estimate_is_below_tol():
    """``data_error`` holds an element until the error estimate carried in its data (here
    the change of the update, i.e. the accuracy of its input) is below the tolerance, on
    one element and on each element of a batch alone."""

    def update(x):
        new = _contracting(x)
        return new, (x.copy(), np.max(np.abs(new - x), axis=-1))

    def input_error(data):
        return data[1]

    guesses = np.array([[0.29, 0.3, 0.28], [40.0, -7.0, 3.0]])
    for g in guesses:
        plain = solve_fixed_point(update, g, 1, 1e-10, 200, "plain", with_data=True)
        held = solve_fixed_point(update, g, 1, 1e-10, 200, "held", with_data=True, data_error=input_error)
        scale = max(1.0, np.max(np.abs(g)))
        assert held[2][1] <= 1e-10 * scale < plain[2][1]  # the plain rule stops on the rate estimate
        assert held[1] > plain[1]
    batch, _, (inputs, changes) = solve_fixed_point(update, guesses, 1, 1e-10, 200, "batch", with_data=True,
                                                    data_error=input_error)
    for k, g in enumerate(guesses):
        x, _, (x_in, change) = solve_fixed_point(update, g, 1, 1e-10, 200, "alone", with_data=True,
                                                 data_error=input_error)
        assert np.array_equal(batch[k], x) and changes[k] == change


def test_each_batch_member_of_newton_stops_on_its_own():
    algebra = so3()
    targets = np.array([[0.3, -1.0, 2.0], [30.0, 5.0, -80.0]])

    def solve(target):
        return solve_newton(lambda nu: nu + 0.1 * np.sin(nu) - target, target.copy(), algebra,
                            1e-13, 50, "newton")

    batch = solve(targets)
    for k in range(2):
        assert np.array_equal(batch[k], solve(targets[k]))
    assert np.max(np.abs(batch + 0.1 * np.sin(batch) - targets)) <= 1e-11


def test_the_stopping_rule_decides_alike_on_scalars_arrays_and_in_compiled_loops():
    """One rule, written once without branches: on one element (``_converged``), elementwise on
    arrays (``_converged_each``) and compiled for the stepping loops, it takes the decision of
    the documented rule (converged when the change is at most ``tol``, or its estimated
    remaining error ``change * rate / (1 - rate)`` is, or it sits on the round-off plateau and
    stops decreasing) on every pair of changes: below, at and above the tolerance and the
    plateau, contracting or not, and with zero, negative, infinite or NaN values."""
    from liepoisson.compiled.lie_poisson_hj import _converged as compiled
    from liepoisson.solvers import _converged, _converged_each

    def documented(change, prev, tol, plateau):
        if change <= tol:
            return True
        rate = change / prev if prev > 0 else np.nan
        if rate < 1.0 and change * rate <= tol * (1.0 - rate):
            return True
        return change <= plateau and rate >= 0.5

    values = [0.0, -1.0, 1e-17, 1e-16, 2e-16, 1e-14, 1e-13, 5e-13, 1e-12, 1e-8, 0.3, 0.5, 0.9,
              1.0, 2.0, np.inf, np.nan]
    changes, prevs = (np.array(a) for a in zip(*[(c, p) for c in values for p in values]))
    for tol in (1e-15, 1e-12):
        each = _converged_each(changes, prevs, tol, 2.2e-13)
        for k, (change, prev) in enumerate(zip(changes.tolist(), prevs.tolist())):
            expected = documented(change, prev, tol, 2.2e-13)
            assert _converged(change, prev, tol, 2.2e-13) == expected, (change, prev, tol)
            assert compiled(change, prev, tol, 2.2e-13) == expected, (change, prev, tol)
            assert each[k] == expected, (change, prev, tol)
