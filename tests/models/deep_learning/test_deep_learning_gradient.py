"""Laws of the Pontryagin sweeps of the deep-learning model: the costate gives the exact
gradient of the discrete network, the sweep is symplectic, the reversible mode rebuilds the
forward states, and the networks' products are their derivatives."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liepoisson import LiePoissonHJ
from liepoisson.derivatives import numerical_gradient
from liepoisson_models.deep_learning import (
    AntisymmetricResNet,
    ControlProblem,
    GradientResNet,
    PontryaginSystem,
    TanhResNet,
)

SETTINGS = settings(max_examples=25, deadline=None)
NETWORKS = {
    "tanh": lambda d, K, T: TanhResNet(d, K, T),
    "antisymmetric": lambda d, K, T: AntisymmetricResNet(d, K, T, gamma=0.05),
    "gradient": lambda d, K, T: GradientResNet(d, K, T, hidden=d + 1),
}
CS = 1e-30  # complex step


# ----------------------------------------------------------------------------- helpers
def make_problem(kind="tanh", dim=3, depth=4, horizon=1.0, order=2, loss="cross_entropy",
                 lift="linear", n=9, n_features=2, n_outputs=3, seed=0, spread=0.4):
    """A small problem with parameters pushed away from the initialisation."""
    rng = np.random.default_rng(seed)
    problem = ControlProblem(NETWORKS[kind](dim, depth, horizon), loss=loss, lift=lift,
                             regularization=0.02, order=order, tol=1e-14)
    params = problem.init_parameters(n_features, n_outputs, rng)
    v = params.vector()
    params = params.from_vector(v + spread * rng.standard_normal(v.size))
    X = rng.standard_normal((n, n_features))
    y = rng.integers(0, n_outputs, n) if loss == "cross_entropy" else rng.standard_normal((n, n_outputs))
    return problem, params, X, y, rng


def slope(eps, values):
    return np.polyfit(np.log(eps), np.log(values), 1)[0]


# ----------------------------------------------------------------------------- exactness
@pytest.mark.parametrize("order", [2, 4])
@pytest.mark.parametrize("kind", sorted(NETWORKS))
def test_pontryagin_gradient_passes_the_taylor_test(kind, order):
    problem, params, X, y, rng = make_problem(kind, order=order)
    grad = problem.loss_and_gradient(params, X, y).gradient.vector()
    v, dv = params.vector(), rng.standard_normal(params.vector().size)
    J0 = problem.objective(params, X, y)
    eps = 1e-2 * 2.0 ** -np.arange(6)
    first, second = [], []
    for e in eps:
        Je = problem.objective(params.from_vector(v + e * dv), X, y)
        first.append(abs(Je - J0))
        second.append(abs(Je - J0 - e * grad @ dv))
    assert slope(eps, first) == pytest.approx(1.0, abs=0.03)
    assert slope(eps, second) == pytest.approx(2.0, abs=0.1)
    # the remainder is second order: far below the first-order change at the smallest step
    assert second[-1] < 1e-2 * first[-1]


@pytest.mark.parametrize("kind", sorted(NETWORKS))
def test_pontryagin_gradient_equals_independent_backprop_of_the_midpoint_map(kind, backprop_midpoint):
    problem, params, X, y, _ = make_problem(kind, dim=3, depth=5, horizon=1.5)
    result = problem.loss_and_gradient(params, X, y)
    reference, states = backprop_midpoint(problem, params, X, y)
    grad = result.gradient.vector()
    assert np.max(np.abs(grad - reference)) <= 1e-10 * np.max(np.abs(reference))
    # the forward sweep of the core's LP-HJ step is the implicit midpoint rule
    assert np.max(np.abs(result.states - states)) <= 1e-13 * max(1.0, np.max(np.abs(states)))


def test_pontryagin_gradient_for_squared_error_and_padding_equals_backprop(backprop_midpoint):
    problem, params, X, y, _ = make_problem("tanh", dim=3, loss="squared_error", lift="pad", n_outputs=2)
    grad = problem.loss_and_gradient(params, X, y).gradient
    # zero padding x(0) = [X, 0] is the linear lift with the fixed matrix [[I], [0]]
    linear = ControlProblem(problem.network, loss="squared_error", lift="linear",
                            regularization=problem.regularization, tol=1e-14)
    pad = np.vstack([np.eye(2, 3), np.zeros((1, 3))])
    reference, _ = backprop_midpoint(linear, type(params)(params.theta, pad, params.readout), X, y)
    n_theta = params.theta.size
    expected = np.concatenate([reference[:n_theta], reference[n_theta + pad.size:]])
    ours = np.concatenate([grad.theta.ravel(), grad.readout.ravel()])
    assert grad.lift.shape == (0, 3)
    assert np.max(np.abs(ours - expected)) <= 1e-10 * np.max(np.abs(expected))


def test_costate_pairing_with_a_tangent_is_constant_across_layers(jacobians):
    problem, params, X, y, rng = make_problem("tanh", dim=4, depth=8, horizon=2.0)
    result = problem.loss_and_gradient(params, X, y, return_costates=True)
    net, h = problem.network, problem.network.step
    eye = np.eye(net.dim)
    dx = rng.standard_normal(result.states[0].shape)
    pairings = [np.sum(result.costates[0] * dx)]
    for k, theta in enumerate(params.theta):
        xb = 0.5 * (result.states[k] + result.states[k + 1])
        A = jacobians(net, xb, theta)
        rhs = np.einsum("nij,nj->ni", eye + 0.5 * h * A, dx)
        dx = np.linalg.solve(eye - 0.5 * h * A, rhs[..., None])[..., 0]
        pairings.append(np.sum(result.costates[k + 1] * dx))
    pairings = np.array(pairings)
    scale = np.max(np.abs(result.costates)) * np.max(np.abs(dx))
    assert np.ptp(pairings) <= 1e-12 * scale * X.shape[0]
    # the pairing is not trivially zero
    assert abs(pairings[0]) > 1e-3 * scale


def test_reversible_mode_reproduces_the_stored_gradient_on_a_stable_network():
    problem, params, X, y, _ = make_problem("antisymmetric", dim=4, depth=24, horizon=4.0, n=20,
                                            spread=0.2)
    stored = problem.loss_and_gradient(params, X, y, memory="stored")
    reversible = problem.loss_and_gradient(params, X, y, memory="reversible")
    g, r = stored.gradient.vector(), reversible.gradient.vector()
    assert np.max(np.abs(g - r)) <= 1e-8 * np.max(np.abs(g))
    assert reversible.reconstruction_error <= 1e-8
    assert reversible.states is None and stored.states.shape == (25, 20, 4)
    assert stored.loss == reversible.loss


def test_reconstruction_error_reports_a_loose_solve():
    problem, params, X, y, _ = make_problem("tanh", depth=6, horizon=3.0)
    loose = ControlProblem(problem.network, regularization=problem.regularization, tol=1e-5)
    tight = problem.loss_and_gradient(params, X, y, memory="reversible").reconstruction_error
    coarse = loose.loss_and_gradient(params, X, y, memory="reversible").reconstruction_error
    assert tight < 1e-12 < coarse < 1e-3


def test_order_four_layers_converge_at_fourth_order_to_the_flow():
    """With the same parameters in every layer, refining the layers converges to the ODE
    flow at the order of the LP-HJ step."""
    rng = np.random.default_rng(3)
    base = TanhResNet(3, 1, 1.0)
    theta = base.init_parameters(rng)[0] * 1.5
    X = rng.standard_normal((6, 3))

    def final_state(depth, order):
        net = TanhResNet(3, depth, 1.0)
        problem = ControlProblem(net, lift="pad", order=order, tol=1e-15)
        params = problem.init_parameters(3, 1, rng)
        params = type(params)(np.tile(theta, (depth, 1)), params.lift, params.readout)
        return problem.forward(params, X)

    for order in (2, 4):
        ref = final_state(64, order)
        errors = [np.max(np.abs(final_state(K, order) - ref)) for K in (4, 8)]
        assert np.log2(errors[0] / errors[1]) == pytest.approx(order, abs=0.3)


# ----------------------------------------------------------------------------- the system
def test_pontryagin_system_gradient_is_the_gradient_of_its_hamiltonian():
    rng = np.random.default_rng(1)
    net = GradientResNet(2, 1, 1.0, hidden=3)
    theta = net.init_parameters(rng)[0]
    system = PontryaginSystem(net, theta, n_samples=4, regularization=0.1)
    mu = system.state(rng.standard_normal((4, 2)), rng.standard_normal((4, 2)))
    exact = system.gradient(mu)
    numeric = numerical_gradient(system.hamiltonian, system.algebra, mu)
    assert np.max(np.abs(exact - numeric)) <= 1e-9 * np.max(np.abs(exact))
    # the canonical equations on the orbit gamma = 1
    x, P = system.split(mu)
    xdot, Pdot = system.split(system.vector_field(mu))
    assert np.allclose(xdot, net.vector_field(x, theta), atol=1e-15)
    assert np.allclose(Pdot, -net.vjp_x(x, theta, P), atol=1e-15)


def test_forward_sweep_keeps_the_costate_zero_and_the_casimir_one():
    rng = np.random.default_rng(2)
    net = TanhResNet(3, 1, 1.0)
    system = PontryaginSystem(net, net.init_parameters(rng)[0], n_samples=5)
    mu = LiePoissonHJ(order=4).step(system, system.state(rng.standard_normal((5, 3))), 0.3)
    assert np.all(system.split(mu)[1] == 0.0)
    assert mu[-1] == 1.0


# ----------------------------------------------------------------------------- networks
@SETTINGS
@given(kind=st.sampled_from(sorted(NETWORKS)), dim=st.integers(1, 5), seed=st.integers(0, 2**31))
def test_network_products_are_the_transposed_jacobians(kind, dim, seed, jacobians):
    rng = np.random.default_rng(seed)
    net = NETWORKS[kind](dim, 1, 1.0)
    theta = net.init_parameters(rng)[0] + 0.3 * rng.standard_normal(net.n_parameters)
    x, p = rng.standard_normal((7, dim)), rng.standard_normal((7, dim))
    A = jacobians(net, x, theta)
    assert np.allclose(net.vjp_x(x, theta, p), np.einsum("noj,no->nj", A, p), rtol=1e-13, atol=1e-13)
    vt = np.empty(net.n_parameters)
    for j in range(net.n_parameters):
        shifted = theta.astype(complex)
        shifted[j] += 1j * CS
        vt[j] = np.sum(p * np.imag(net.vector_field(x, shifted))) / CS
    assert np.allclose(net.vjp_theta(x, theta, p), vt, rtol=1e-12, atol=1e-12)
    f, g = net.vector_field_and_vjp_x(x, theta, p)
    assert np.array_equal(f, net.vector_field(x, theta)) and np.allclose(g, net.vjp_x(x, theta, p))


def test_gradient_network_is_minus_the_gradient_of_its_potential_with_symmetric_jacobian(jacobians):
    rng = np.random.default_rng(4)
    net = GradientResNet(3, 1, 1.0, hidden=5)
    theta = net.init_parameters(rng)[0] + 0.5 * rng.standard_normal(net.n_parameters)
    x = rng.standard_normal((6, 3))
    e = 1e-5
    grad = np.stack([(net.potential(x + e * u, theta) - net.potential(x - e * u, theta)) / (2 * e)
                     for u in np.eye(3)], axis=-1)
    assert np.max(np.abs(grad + net.vector_field(x, theta))) < 1e-9
    A = jacobians(net, x, theta)
    assert np.allclose(A, np.swapaxes(A, 1, 2), atol=1e-14)
    assert np.all(np.linalg.eigvalsh(A) <= 1e-14)  # each layer contracts
    # the potential stays finite far away (log cosh computed stably)
    assert np.all(np.isfinite(net.potential(1e5 * x, theta)))


def test_antisymmetric_network_matrix_has_eigenvalues_with_real_part_minus_gamma():
    rng = np.random.default_rng(5)
    net = AntisymmetricResNet(4, 1, 1.0, gamma=0.3)
    W = rng.standard_normal((4, 4))
    eig = np.linalg.eigvals(net._matrix(W))
    assert np.allclose(eig.real, -0.3, atol=1e-12)


def exact_sine_products(net, x, theta, p):
    W, b = net.unpack(theta).values()
    c = np.cos(x @ W.T + b) * p
    return c @ W, np.concatenate([(c.T @ x).ravel(), c.sum(0)])


def test_numerical_fallback_products_are_accurate_to_the_documented_level(sine_net):
    rng = np.random.default_rng(6)
    x, p = rng.standard_normal((8, 3)), rng.standard_normal((8, 3))
    for mode, tol in (("complex_step", 1e-14), ("central", 1e-9)):
        net = type("SineNet_" + mode, (sine_net,), {"derivatives": mode})(3, 1, 1.0)
        theta = net.init_parameters(rng)[0] + 0.2
        vx, vt = exact_sine_products(net, x, theta, p)
        assert np.max(np.abs(net.vjp_x(x, theta, p) - vx)) <= tol * np.max(np.abs(vx))
        assert np.max(np.abs(net.vjp_theta(x, theta, p) - vt)) <= tol * np.max(np.abs(vt))
    assert not net.has_exact_derivatives and TanhResNet(2).has_exact_derivatives


def test_auto_fallback_uses_the_complex_step_for_an_analytic_field_without_warning(sine_net):
    net = sine_net(2, 1, 1.0)
    rng = np.random.default_rng(7)
    theta, x = net.init_parameters(rng)[0], rng.standard_normal((4, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        net.vjp_x(x, theta, x)
    assert net._fallback == "complex_step"


def test_auto_fallback_switches_to_central_differences_for_a_kinked_field(kink_net):
    net = kink_net(2, 1, 1.0)
    rng = np.random.default_rng(8)
    theta, x, p = net.init_parameters(rng)[0], rng.standard_normal((5, 2)), rng.standard_normal((5, 2))
    with pytest.warns(RuntimeWarning, match="central differences"):
        g = net.vjp_x(x, theta, p)
    W, b = net.unpack(theta).values()
    slope_ = np.where(x @ W.T + b > 0, 1.0, 0.1)
    assert np.allclose(g, (slope_ * p) @ W, rtol=1e-8, atol=1e-9)


def test_order_four_refuses_a_network_without_exact_products(sine_net):
    with pytest.raises(ValueError, match="order=4 needs exact vjp_x"):
        ControlProblem(sine_net(2, 2), order=4)
