"""LiePoissonHJ on the free rigid body, measured against the exact solution of Euler's
equations (liepoisson_models.rigid_body.exact_solution)."""

from __future__ import annotations

import numpy as np
import pytest

from liepoisson import LiePoissonHJ, empirical_order, integrate
from liepoisson_models.rigid_body import RigidBody, exact_solution

INERTIA = np.array([2.0, 1.0, 2.0 / 3.0])
# The validation case circulates around the axis of the smallest moment (2E I_m > |Pi|^2);
# the second start circulates around the axis of the largest one (2E I_m < |Pi|^2).
STARTS = {
    "validation case": np.array([np.cos(1.1), 0.0, np.sin(1.1)]),
    "largest-moment side": np.array([np.cos(0.4), 0.0, np.sin(0.4)]),
}
T = 10.0
# Step sizes in the asymptotic range of each order (errors well above round-off).
DTS = {2: [0.1, 0.05, 0.025], 4: [0.2, 0.1, 0.05]}
ORDER_TOLERANCE = {2: 0.1, 4: 0.15}


def _energy_times_im_minus_casimir(mu0):
    return float(np.sum(mu0**2 / INERTIA) * INERTIA[1] - mu0 @ mu0)


def test_starts_lie_on_both_sides_of_the_separatrix():
    signs = {np.sign(_energy_times_im_minus_casimir(mu0)) for mu0 in STARTS.values()}
    assert signs == {-1.0, 1.0}


@pytest.mark.parametrize("start", sorted(STARTS))
@pytest.mark.parametrize("order", [2, 4])
def test_error_against_the_exact_solution_shrinks_at_the_declared_order(order, start):
    mu0 = STARTS[start]
    estimate = empirical_order(
        RigidBody(INERTIA), LiePoissonHJ(order=order), mu0, T, DTS[order],
        reference=exact_solution(INERTIA, mu0, T),
    )
    assert estimate.used.all()
    assert abs(estimate.order - order) <= ORDER_TOLERANCE[order], estimate
    # the error is a truncation error, not a solver artefact: clearly above round-off
    assert estimate.errors.min() > 1e-12


@pytest.mark.parametrize("order", [2, 4])
def test_trajectory_follows_the_exact_solution_within_the_order_bound(order):
    mu0 = STARTS["validation case"]
    dt = 0.05
    traj = integrate(RigidBody(INERTIA), mu0, dt, 200, method=LiePoissonHJ(order=order))
    error = np.max(np.linalg.norm(traj.states - exact_solution(INERTIA, mu0, traj.t), axis=-1))
    # global error of an order-p method over T = 10: a modest constant times dt^p
    assert error <= 0.1 * dt**order


@pytest.mark.slow
def test_casimir_is_preserved_to_round_off_over_1e5_steps():
    mu0 = STARTS["validation case"]
    traj = integrate(RigidBody(INERTIA), mu0, 0.05, 10**5, method=LiePoissonHJ(order=2),
                     save_every=1000)
    errors = traj.relative_invariant_errors()
    assert traj.t[-1] == pytest.approx(5000.0)
    assert errors["|Pi|^2"].max() <= 1e-13
    # the energy error stays at its O(dt^2) size over the whole run, it does not grow
    assert errors["energy"].max() <= 0.1 * 0.05**2
