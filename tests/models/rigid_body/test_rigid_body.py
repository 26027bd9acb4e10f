"""Laws of the free rigid body and of the exact solution of Euler's equations."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from liepoisson import InvalidArgumentError, LiePoissonSystem, NonFiniteError, ShapeError
from liepoisson.derivatives import numerical_gradient
from liepoisson.testing import reals
from liepoisson_models.rigid_body import RigidBody, exact_solution

SETTINGS = settings(max_examples=30, deadline=None)

moments = st.floats(0.3, 4.0)
components = reals(2.0)
inertias = st.tuples(moments, moments, moments).map(np.array)
momenta = st.tuples(components, components, components).map(np.array)


def euler_rhs(Pi, inertia):
    return np.cross(Pi, Pi / inertia)


def reference(inertia, mu0, t_end, n=41):
    """DOP853 at rtol = atol = 1e-13, on ``linspace(0, t_end, n)``."""
    t = np.linspace(0.0, t_end, n)
    sol = solve_ivp(
        lambda _, y: euler_rhs(y, inertia), (0.0, t_end), mu0,
        method="DOP853", rtol=1e-13, atol=1e-13, t_eval=t,
    )
    assert sol.success
    return t, sol.y.T


def energy(inertia, Pi):
    return 0.5 * np.sum(Pi**2 / inertia, axis=-1)


def separatrix_gap(inertia, mu0):
    """2E I_mid - L^2: > 0 around the smallest-moment axis, < 0 around the largest."""
    return 2.0 * energy(inertia, mu0) * np.sort(inertia)[1] - mu0 @ mu0


def well_conditioned(inertia, mu0):
    """Away from the separatrix, where nearby orbits separate fast (the comparisons below
    would then measure the conditioning of the flow, not the accuracy of the formulas;
    near-separatrix orbits are tested with the fixed cases)."""
    L2 = mu0 @ mu0
    return L2 > 1e-2 and abs(separatrix_gap(inertia, mu0)) > 1e-3 * L2


# I = (1, 1.5, 3) has equal gaps 1/I1 - 1/I2 = 1/I2 - 1/I3 = 1/3 in floating point, so
# Pi_1 = Pi_3 lies exactly on the separatrix.
SEP_I = (1.0, 1.5, 3.0)
CASES = {
    "validation case": ((2.0, 1.0, 2.0 / 3.0), (np.cos(1.1), 0.0, np.sin(1.1))),
    "around smallest-moment axis": ((1.0, 2.0, 3.0), (1.0, 0.3, 0.2)),
    "around largest-moment axis": ((1.0, 2.0, 3.0), (0.2, 0.3, -1.0)),
    "descending moments": ((3.5, 2.0, 1.0), (-0.7, 1.0, 0.3)),
    "odd order, negative components": ((2.0, 3.0, 0.5), (-0.4, -0.9, 0.6)),
    "even order, far from axes": ((2.0, 0.5, 1.0), (0.9, 0.8, -0.7)),
    "just above the separatrix": (SEP_I, (0.7 * (1 + 1e-6), 0.3, 0.7)),
    "just below the separatrix": (SEP_I, (0.7 * (1 - 1e-6), -0.3, 0.7)),
    "within 1e-12 of the separatrix": (SEP_I, (-0.7 * (1 + 1e-12), 0.3, 0.7)),
    "on the separatrix": (SEP_I, (0.7, 0.3, 0.7)),
    "on the separatrix, other signs": ((3.0, 1.5, 1.0), (-0.5, 0.0, 0.5)),
    "large momentum, spread moments": ((0.5, 2.5, 4.0), (3.0, -2.0, 1.0)),
    "odd order, around largest-moment axis": ((0.5, 3.0, 2.0), (0.2, 1.2, -0.4)),
    "even order, around largest-moment axis": ((3.0, 1.0, 2.0), (1.1, -0.2, 0.3)),
    "symmetric prolate top": ((1.0, 1.0, 0.5), (0.3, -0.5, 0.8)),
    "symmetric oblate top": ((2.0, 1.0, 2.0), (0.3, -0.5, 0.8)),
    "nearly symmetric top": ((1.0, 1.0 + 1e-9, 2.0), (0.6, -0.5, 0.8)),
}
GENERIC = [k for k in CASES if "symmetric" not in k]


def case(name):
    inertia, mu0 = CASES[name]
    return np.array(inertia, dtype=float), np.array(mu0, dtype=float)


# --------------------------------------------------------------------------- the system
@SETTINGS
@given(inertias, momenta)
def test_vector_field_is_eulers_equations(inertia, Pi):
    body = RigidBody(inertia)
    expected = np.cross(Pi, Pi / inertia)
    scale = np.sum(Pi**2) / np.min(inertia)
    np.testing.assert_allclose(
        body.vector_field(Pi), expected, rtol=0, atol=1e-14 * scale + 1e-300
    )


@SETTINGS
@given(inertias, momenta, momenta)
def test_derivatives_are_exact(inertia, Pi, v):
    body = RigidBody(inertia)
    assert isinstance(body, LiePoissonSystem)
    assert body.has_exact_gradient
    scale = 1.0 + np.max(np.abs(Pi)) / np.min(inertia)
    np.testing.assert_allclose(
        body.gradient(Pi), numerical_gradient(body.hamiltonian, body.algebra, Pi),
        rtol=0, atol=1e-9 * scale,
    )
    np.testing.assert_allclose(body.gradient(Pi), Pi / inertia, rtol=4e-16, atol=0)
    h = 1e-3
    fd = (body.gradient(Pi + h * v) - body.gradient(Pi - h * v)) / (2 * h)
    np.testing.assert_allclose(
        body.hessian_vector(Pi, v), fd, rtol=0, atol=1e-12 * (1 + np.abs(fd).max())
    )
    np.testing.assert_array_equal(body.third_derivative(Pi, v, v), np.zeros(3))


@SETTINGS
@given(inertias, momenta)
def test_casimir_has_zero_bracket_with_energy(inertia, Pi):
    body = RigidBody(inertia)
    grad_c = 2.0 * Pi
    np.testing.assert_allclose(
        numerical_gradient(body.casimirs["|Pi|^2"], body.algebra, Pi), grad_c,
        atol=1e-9 * (1 + np.abs(Pi).max()),
    )
    scale = np.sum(Pi**2) * (1 + np.abs(Pi).max() / np.min(inertia))
    assert abs(body.bracket(grad_c, body.gradient(Pi), Pi)) <= 1e-14 * scale
    np.testing.assert_allclose(body.poisson_tensor(Pi) @ grad_c, 0.0, atol=1e-14 * scale)


def test_rigid_body_is_batched_and_inertia_read_only():
    body = RigidBody([1.0, 2.0, 3.0])
    batch = np.arange(12.0).reshape(4, 3) - 5.0
    np.testing.assert_allclose(body.vector_field(batch), np.cross(batch, batch / body.inertia))
    assert body.hamiltonian(batch).shape == (4,)
    assert body.invariants(batch)["|Pi|^2"].shape == (4,)
    assert body.hessian_vector(batch, np.ones(3)).shape == (4, 3)
    with pytest.raises(ValueError):
        body.inertia[0] = 5.0
    assert list(body.casimirs) == ["|Pi|^2"]
    assert "rigid body" in body.name and RigidBody([1, 2, 3], name="b").name == "b"


# --------------------------------------------------------------------- the exact solution
@pytest.mark.parametrize("name", list(CASES))
def test_exact_solution_satisfies_eulers_equations(name):
    inertia, mu0 = case(name)
    t = np.linspace(-10.0, 10.0, 201)
    h = 1e-3
    # 4th-order central difference: truncation ~ h^4 |Pi^(5)|, round-off ~ eps |Pi| / h
    P = [exact_solution(inertia, mu0, t + k * h) for k in (-2, -1, 1, 2)]
    derivative = (P[0] - 8 * P[1] + 8 * P[2] - P[3]) / (12 * h)
    Pi = exact_solution(inertia, mu0, t)
    scale = (mu0 @ mu0) / np.min(inertia)
    residual = np.max(np.abs(derivative - euler_rhs(Pi, inertia))) / scale
    assert residual <= 1e-8


@pytest.mark.parametrize("name", list(CASES))
def test_exact_solution_matches_dop853_reference(name):
    inertia, mu0 = case(name)
    t, ref = reference(inertia, mu0, 10.0)
    err = np.max(np.abs(exact_solution(inertia, mu0, t) - ref)) / np.linalg.norm(mu0)
    assert err <= 1e-10


@pytest.mark.parametrize("name", list(CASES))
def test_exact_solution_conserves_energy_and_casimir(name):
    inertia, mu0 = case(name)
    Pi = exact_solution(inertia, mu0, np.linspace(-50.0, 50.0, 501))
    E0, C0 = energy(inertia, mu0), mu0 @ mu0
    assert np.max(np.abs(energy(inertia, Pi) - E0)) <= 1e-12 * E0
    assert np.max(np.abs(np.sum(Pi**2, axis=-1) - C0)) <= 1e-12 * C0


def test_cases_cover_both_sides_of_the_separatrix():
    gaps = {name: separatrix_gap(*case(name)) for name in GENERIC}
    assert gaps["around smallest-moment axis"] > 0 and gaps["around largest-moment axis"] < 0
    assert gaps["just above the separatrix"] > 0 > gaps["just below the separatrix"]
    assert sum(g > 0 for g in gaps.values()) >= 4 and sum(g < 0 for g in gaps.values()) >= 4
    assert separatrix_gap(*case("validation case")) > 0


@SETTINGS
@given(inertias, momenta)
def test_exact_solution_matches_dop853_for_random_bodies(inertia, mu0):
    assume(well_conditioned(inertia, mu0))
    t, ref = reference(inertia, mu0, 10.0, n=11)
    err = np.max(np.abs(exact_solution(inertia, mu0, t) - ref)) / np.linalg.norm(mu0)
    assert err <= 1e-10


@SETTINGS
@given(inertias, momenta, reals(5.0), reals(5.0))
def test_exact_solution_is_a_flow(inertia, mu0, s, t):
    assume(well_conditioned(inertia, mu0))
    mid = exact_solution(inertia, mu0, s)
    np.testing.assert_allclose(
        exact_solution(inertia, mid, t), exact_solution(inertia, mu0, s + t),
        rtol=0, atol=1e-10 * (1 + np.linalg.norm(mu0)),
    )


@SETTINGS
@given(inertias, momenta, st.sampled_from(list(itertools.permutations(range(3)))))
def test_exact_solution_is_covariant_under_axis_permutations(inertia, mu0, perm):
    # P Pi(det(P) t) solves Euler's equations for the moments P I
    perm = list(perm)
    parity = np.linalg.det(np.eye(3)[perm])
    t = np.linspace(-4.0, 4.0, 9)
    np.testing.assert_allclose(
        exact_solution(inertia[perm], mu0[perm], t),
        exact_solution(inertia, mu0, parity * t)[:, perm],
        rtol=0, atol=1e-11 * (1 + np.linalg.norm(mu0)),
    )


@SETTINGS
@given(inertias, momenta, st.integers(0, 2))
def test_exact_solution_is_reversed_by_reflections(inertia, mu0, axis):
    # Pi -> -Pi and Pi -> R Pi (one axis flipped) map solutions to time-reversed ones
    t = np.linspace(-4.0, 4.0, 9)
    atol = 1e-11 * (1 + np.linalg.norm(mu0))
    forward = exact_solution(inertia, mu0, t)
    np.testing.assert_allclose(exact_solution(inertia, -mu0, -t), -forward, rtol=0, atol=atol)
    R = np.ones(3)
    R[axis] = -1.0
    np.testing.assert_allclose(exact_solution(inertia, R * mu0, -t), R * forward, rtol=0, atol=atol)


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_validation_case_is_independent_of_the_axis_labels(order):
    inertia, mu0 = case("validation case")
    order = list(order)
    parity = np.linalg.det(np.eye(3)[order])
    t, ref = reference(inertia, mu0, 10.0)
    np.testing.assert_allclose(
        exact_solution(inertia[order], mu0[order], parity * t), ref[:, order], rtol=0, atol=1e-10
    )


def test_exact_solution_starts_at_initial_condition_with_documented_shapes():
    for name in CASES:
        inertia, mu0 = case(name)
        out = exact_solution(inertia, mu0, 0.0)
        assert out.shape == (3,)
        np.testing.assert_allclose(out, mu0, rtol=0, atol=2e-15 * np.linalg.norm(mu0))
    inertia, mu0 = case("validation case")
    assert exact_solution(inertia, mu0, np.linspace(0, 1, 7)).shape == (7, 3)
    assert exact_solution(inertia, mu0, np.zeros((2, 5))).shape == (2, 5, 3)
    assert exact_solution(inertia, mu0, []).shape == (0, 3)
    np.testing.assert_allclose(
        RigidBody(inertia).exact_solution(mu0, 2.0), exact_solution(inertia, mu0, 2.0)
    )


@pytest.mark.parametrize("axis", [0, 1, 2])
@pytest.mark.parametrize(
    "inertia", [(1.0, 2.0, 3.0), (3.0, 1.0, 2.0), (1.0, 1.0, 2.0), (2.0, 2.0, 2.0)]
)
def test_exact_solution_is_constant_at_equilibria(inertia, axis):
    mu0 = np.zeros(3)
    mu0[axis] = -1.7
    t = np.array([-30.0, 0.5, 7.0, 1e4])
    np.testing.assert_array_equal(exact_solution(inertia, mu0, t), np.tile(mu0, (4, 1)))
    np.testing.assert_array_equal(exact_solution(inertia, np.zeros(3), t), np.zeros((4, 3)))


def test_spherical_top_is_constant():
    mu0 = np.array([0.3, -1.0, 2.0])
    np.testing.assert_array_equal(exact_solution([1.5, 1.5, 1.5], mu0, [1.0, 100.0]), [mu0, mu0])


def test_symmetric_top_precesses_at_the_predicted_rate():
    # I1 = I2: Pi_3 constant, (Pi_1, Pi_2) turns at rate (1/I3 - 1/I1) Pi_3 about e_3 ... with
    # our sign, d/dt (Pi_1 + i Pi_2) = -i nu (Pi_1 + i Pi_2), nu = (1/I3 - 1/I1) Pi_3
    I1, I3, Pi3 = 2.0, 0.5, 1.5
    nu = (1 / I3 - 1 / I1) * Pi3
    t = np.linspace(0.0, 10.0, 11)
    out = exact_solution([I1, I1, I3], [1.0, 0.0, Pi3], t)
    np.testing.assert_allclose(out[:, 0] + 1j * out[:, 1], np.exp(-1j * nu * t), atol=1e-14)
    np.testing.assert_allclose(out[:, 2], Pi3, rtol=0, atol=0)


def test_separatrix_solution_tends_to_the_middle_axis_at_the_saddle_rate():
    inertia, mu0 = case("on the separatrix")
    L = np.linalg.norm(mu0)
    ends = exact_solution(inertia, mu0, [-150.0, 150.0])
    np.testing.assert_allclose(np.abs(ends[:, 1]), L, rtol=1e-15)
    np.testing.assert_allclose(ends[:, [0, 2]], 0.0, atol=1e-15)
    assert ends[0, 1] * ends[1, 1] < 0  # a heteroclinic connection from one end to the other
    # the off-axis components decay like exp(-lambda t), lambda^2 = L^2 (b1 - b2)(b2 - b3),
    # the unstable eigenvalue of the middle-axis equilibrium
    b = 1.0 / inertia
    lam = L * np.sqrt((b[0] - b[1]) * (b[1] - b[2]))
    tail = exact_solution(inertia, mu0, [30.0, 31.0])
    np.testing.assert_allclose(tail[1, [0, 2]] / tail[0, [0, 2]], np.exp(-lam), rtol=1e-9)
    # both sides converge to it: the orbits nearby follow it for a time ~ log(1/distance)
    t = np.linspace(-5.0, 5.0, 21)
    sep = exact_solution(inertia, mu0, t)
    for eps in (1e-9, -1e-9):
        near = exact_solution(inertia, mu0 * np.array([1 + eps, 1.0, 1.0]), t)
        assert np.max(np.abs(near - sep)) <= 1e-6


def test_near_separatrix_long_times_stay_accurate():
    # scipy's ellipj alone is wrong for m close to 1 and |u| > K; the reduction keeps it exact
    inertia, mu0 = case("within 1e-12 of the separatrix")
    t = np.linspace(0.0, 200.0, 2001)
    Pi = exact_solution(inertia, mu0, t)
    assert np.max(np.abs(np.sum(Pi**2, axis=1) - mu0 @ mu0)) <= 1e-13
    assert np.max(np.abs(energy(inertia, Pi) - energy(inertia, mu0))) <= 1e-13


# ------------------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    "inertia, error",
    [
        ((1.0, 0.0, 2.0), InvalidArgumentError),
        ((1.0, -2.0, 2.0), InvalidArgumentError),
        ((1.0, np.nan, 2.0), NonFiniteError),
        ((1.0, np.inf, 2.0), NonFiniteError),
        ((1.0, 2.0), ShapeError),
        ((1.0, 2.0, 3.0, 4.0), ShapeError),
        (np.ones((3, 1)), ShapeError),
        (2.0, ShapeError),
        ((1.0, 2.0, 3.0j), InvalidArgumentError),
        ("abc", InvalidArgumentError),
    ],
)
def test_bad_inertia_is_rejected_with_its_name(inertia, error):
    for make in (lambda: RigidBody(inertia), lambda: exact_solution(inertia, [1.0, 0, 0], 1.0)):
        with pytest.raises(error, match="inertia"):
            make()


def test_nonpositive_inertia_message_shows_the_value():
    with pytest.raises(InvalidArgumentError, match=r"inertia.*-2"):
        RigidBody((1.0, -2.0, 3.0))


@pytest.mark.parametrize(
    "mu0, t, error, name",
    [
        ((1.0, 2.0), 1.0, ShapeError, "mu0"),
        (np.ones((2, 3)), 1.0, ShapeError, "mu0"),
        ((1.0, np.nan, 0.0), 1.0, NonFiniteError, "mu0"),
        ((1.0, 2.0, 3.0), np.nan, NonFiniteError, "t"),
        ((1.0, 2.0, 3.0), [0.0, np.inf], NonFiniteError, "t"),
        ((1.0, 2.0, 3.0), 1j, InvalidArgumentError, "t"),
        ((1.0, 2.0, 3.0), "x", InvalidArgumentError, "t"),
    ],
)
def test_bad_state_or_time_is_rejected_with_its_name(mu0, t, error, name):
    with pytest.raises(error, match=name):
        exact_solution((1.0, 2.0, 3.0), mu0, t)
