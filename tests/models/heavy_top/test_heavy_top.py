"""Laws of the heavy top on se(3)*."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liepoisson import InvalidArgumentError, LiePoissonSystem, NonFiniteError, ShapeError
from liepoisson.derivatives import numerical_gradient
from liepoisson.testing import reals
from liepoisson_models.heavy_top import HeavyTop, lagrange_integral, lagrange_top
from liepoisson_models.rigid_body import RigidBody

SETTINGS = settings(max_examples=30, deadline=None)

moments = st.floats(0.3, 4.0)
coordinates = reals(2.0)
inertias = st.tuples(moments, moments, moments).map(np.array)
vectors = st.tuples(coordinates, coordinates, coordinates).map(np.array)
states = st.tuples(*([coordinates] * 6)).map(np.array)
weights = reals(10.0)


def heavy_top_rhs(mu, inertia, chi, mgl):
    Pi, Gamma = mu[..., :3], mu[..., 3:]
    Omega = Pi / inertia
    return np.concatenate(
        [np.cross(Pi, Omega) + mgl * np.cross(Gamma, chi), np.cross(Gamma, Omega)], axis=-1
    )


def magnitude(mu, inertia, chi, mgl):
    """A bound on the size of the terms of the vector field."""
    return (1 + np.abs(mu).max()) ** 2 * (1 / np.min(inertia) + abs(mgl) * (1 + np.abs(chi).max()))


CASIMIR_GRADIENTS = {
    "Gamma.Gamma": lambda mu: np.concatenate([np.zeros(3), 2 * mu[3:]]),
    "Pi.Gamma": lambda mu: np.concatenate([mu[3:], mu[:3]]),
}


@SETTINGS
@given(inertias, vectors, weights, states)
def test_vector_field_is_the_heavy_top_equations(inertia, chi, mgl, mu):
    top = HeavyTop(inertia, chi, mgl)
    assert isinstance(top, LiePoissonSystem) and top.algebra.name == "se(3)"
    expected = heavy_top_rhs(mu, inertia, chi, mgl)
    np.testing.assert_allclose(
        top.vector_field(mu), expected, rtol=0, atol=1e-14 * magnitude(mu, inertia, chi, mgl)
    )
    np.testing.assert_allclose(
        top.poisson_tensor(mu) @ top.gradient(mu), expected, rtol=0,
        atol=1e-14 * magnitude(mu, inertia, chi, mgl),
    )


@SETTINGS
@given(inertias, vectors, weights, states, states)
def test_derivatives_are_exact(inertia, chi, mgl, mu, v):
    top = HeavyTop(inertia, chi, mgl)
    assert top.has_exact_gradient
    grad = top.gradient(mu)
    np.testing.assert_allclose(grad[:3], mu[:3] / inertia, rtol=4e-16, atol=0)
    np.testing.assert_allclose(grad[3:], mgl * chi, rtol=4e-16, atol=0)
    scale = 1 + np.abs(grad).max()
    np.testing.assert_allclose(
        grad, numerical_gradient(top.hamiltonian, top.algebra, mu), rtol=0, atol=1e-9 * scale
    )
    h = 1e-3
    fd = (top.gradient(mu + h * v) - top.gradient(mu - h * v)) / (2 * h)
    np.testing.assert_allclose(
        top.hessian_vector(mu, v), fd, rtol=0, atol=1e-12 * (1 + np.abs(fd).max())
    )
    np.testing.assert_array_equal(top.third_derivative(mu, v, v), np.zeros(6))


@SETTINGS
@given(inertias, vectors, weights, states)
def test_casimirs_are_in_the_kernel_of_the_poisson_tensor(inertia, chi, mgl, mu):
    top = HeavyTop(inertia, chi, mgl)
    assert sorted(top.casimirs) == ["Gamma.Gamma", "Pi.Gamma"]
    J = top.poisson_tensor(mu)
    scale = magnitude(mu, inertia, chi, mgl)
    for name, grad in CASIMIR_GRADIENTS.items():
        g = grad(mu)
        np.testing.assert_allclose(
            numerical_gradient(top.casimirs[name], top.algebra, mu), g,
            rtol=0, atol=1e-9 * (1 + np.abs(mu).max()),
        )
        np.testing.assert_allclose(J @ g, 0.0, rtol=0, atol=1e-14 * scale)
        assert abs(top.bracket(g, top.gradient(mu), mu)) <= 1e-14 * scale
    # and the energy itself is conserved: <grad H, X_H> = 0
    grad = top.gradient(mu)
    assert abs(grad @ top.vector_field(mu)) <= 1e-13 * scale * (1 + np.abs(grad).max())


@SETTINGS
@given(inertias, vectors, states)
def test_weightless_top_is_the_free_rigid_body(inertia, chi, mu):
    top, body = HeavyTop(inertia, chi, mgl=0.0), RigidBody(inertia)
    field = top.vector_field(mu)
    np.testing.assert_allclose(field[:3], body.vector_field(mu[:3]), rtol=1e-15, atol=1e-300)
    np.testing.assert_allclose(top.hamiltonian(mu), body.hamiltonian(mu[:3]), rtol=1e-15)


def test_gravity_torque_points_the_right_way():
    # center of mass along body x, gravity axis Gamma = e_3 (up): the torque
    # mgl Gamma x chi = mgl e_3 x e_1 = mgl e_2 makes the top fall towards -Gamma about e_2
    top = HeavyTop((1.0, 1.0, 1.0), (1.0, 0.0, 0.0), mgl=3.0)
    mu = np.array([0.0, 0.0, 0.0, 0.0, 0.0, 1.0])
    np.testing.assert_array_equal(top.vector_field(mu), [0.0, 3.0, 0.0, 0.0, 0.0, 0.0])
    # and the potential is mgl Gamma . chi: highest when the center of mass is up
    assert top.hamiltonian(np.array([0, 0, 0, 1.0, 0, 0])) == 3.0
    assert top.hamiltonian(np.array([0, 0, 0, -1.0, 0, 0])) == -3.0


@SETTINGS
@given(moments, moments, reals(2.0), weights, states)
def test_lagrange_top_conserves_the_axial_momentum(I1, I3, ell, mgl, mu):
    top = lagrange_top(I1, I3, ell, mgl)
    np.testing.assert_array_equal(top.inertia, [I1, I1, I3])
    np.testing.assert_array_equal(top.center_of_mass, [0.0, 0.0, ell])
    assert top.mgl == mgl
    rate = lagrange_integral(top.vector_field(mu))
    assert abs(rate) <= 1e-14 * magnitude(mu, top.inertia, top.center_of_mass, mgl)
    assert lagrange_integral(mu) == mu[2]
    classmethod_top = HeavyTop.lagrange_top(I1, I3, ell, mgl)
    np.testing.assert_array_equal(classmethod_top.vector_field(mu), top.vector_field(mu))


def test_axial_momentum_is_not_conserved_without_the_symmetry():
    mu = np.array([0.3, 1.0, -0.7, 0.6, 0.0, 0.8])
    asymmetric = HeavyTop((1.0, 2.0, 0.5), (0.0, 0.0, 1.0))
    off_axis = HeavyTop((1.0, 1.0, 0.5), (0.0, 1.0, 0.0))
    assert abs(lagrange_integral(asymmetric.vector_field(mu))) > 0.1
    assert abs(lagrange_integral(off_axis.vector_field(mu))) > 0.1


def test_heavy_top_is_batched_and_read_only():
    top = HeavyTop((1.0, 2.0, 3.0), (0.1, -0.2, 1.0), mgl=2.5)
    batch = np.random.default_rng(0).normal(size=(4, 2, 6))
    fields = top.vector_field(batch)
    assert fields.shape == (4, 2, 6) and top.hamiltonian(batch).shape == (4, 2)
    expected = heavy_top_rhs(batch, top.inertia, top.center_of_mass, 2.5)
    np.testing.assert_allclose(fields, expected, atol=1e-13)
    assert top.hessian_vector(batch, np.ones(6)).shape == (4, 2, 6)
    assert top.invariants(batch)["Pi.Gamma"].shape == (4, 2)
    assert lagrange_integral(batch).shape == (4, 2)
    for arr in (top.inertia, top.center_of_mass):
        with pytest.raises(ValueError):
            arr[0] = 7.0


# ------------------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    "kwargs, error, name",
    [
        (dict(inertia=(1.0, 0.0, 1.0)), InvalidArgumentError, "inertia"),
        (dict(inertia=(1.0, 1.0)), ShapeError, "inertia"),
        (dict(inertia=(1.0, np.nan, 1.0)), NonFiniteError, "inertia"),
        (dict(center_of_mass=(0.0, 1.0)), ShapeError, "center_of_mass"),
        (dict(center_of_mass=np.zeros((3, 3))), ShapeError, "center_of_mass"),
        (dict(center_of_mass=(0.0, np.inf, 1.0)), NonFiniteError, "center_of_mass"),
        (dict(mgl=np.nan), NonFiniteError, "mgl"),
        (dict(mgl="heavy"), InvalidArgumentError, "mgl"),
    ],
)
def test_bad_heavy_top_arguments_are_rejected_with_their_name(kwargs, error, name):
    args = dict(inertia=(1.0, 2.0, 3.0), center_of_mass=(0.0, 0.0, 1.0), mgl=1.0)
    args.update(kwargs)
    with pytest.raises(error, match=name):
        HeavyTop(**args)


@pytest.mark.parametrize(
    "args, error, name",
    [
        ((0.0, 1.0), InvalidArgumentError, "I1"),
        ((1.0, -1.0), InvalidArgumentError, "I3"),
        ((1.0, 1.0, np.nan), NonFiniteError, "ell"),
        ((1.0, 1.0, 1.0, np.inf), NonFiniteError, "mgl"),
    ],
)
def test_bad_lagrange_top_arguments_are_rejected_with_their_name(args, error, name):
    with pytest.raises(error, match=name):
        lagrange_top(*args)


def test_lagrange_integral_rejects_bad_states():
    with pytest.raises(ShapeError, match="mu"):
        lagrange_integral(np.zeros(3))
    with pytest.raises(NonFiniteError, match="mu"):
        lagrange_integral([0, 0, np.nan, 0, 0, 1])
