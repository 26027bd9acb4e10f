"""Laws of stochastic (mean-field) training: noisy paths dX = f dt + sigma dW through the
LP-HJ layers, the expected loss over the paths and its exact gradient by the per-path
Pontryagin sweep."""

from __future__ import annotations

import re

import numpy as np
import pytest
import scipy.linalg
from hypothesis import given, settings
from hypothesis import strategies as st

from liepoisson.exceptions import InvalidArgumentError, NonFiniteError, ShapeError
from liepoisson_models.deep_learning import (
    AntisymmetricResNet,
    ControlProblem,
    GradientResNet,
    ResNetClassifier,
    TanhResNet,
    load_dataset,
)

BACKENDS = ("compiled", "numpy", "generic")
NETWORKS = {
    "tanh": TanhResNet,
    "antisymmetric": lambda d, K, T: AntisymmetricResNet(d, K, T, gamma=0.05),
    "gradient": lambda d, K, T: GradientResNet(d, K, T, hidden=d + 1),
}


def slope(x, values):
    """The measured order: the slope of log(values) against log(x)."""
    return np.polyfit(np.log(x), np.log(values), 1)[0]


def noisy_problem(kind="tanh", noise=0.3, n_paths=4, backend="auto", lift="linear", seed=0,
                  n=7, n_features=2, n_outputs=3, loss="cross_entropy", dim=3, depth=4, order=2):
    """A small problem with parameters away from the initialisation, and fixed noise."""
    rng = np.random.default_rng(seed)
    problem = ControlProblem(NETWORKS[kind](dim, depth, 1.0), loss=loss, lift=lift, regularization=0.02,
                             tol=1e-14, backend=backend, noise=noise, n_paths=n_paths, order=order)
    params = problem.init_parameters(n_features, n_outputs, rng)
    v = params.vector()
    params = params.from_vector(v + 0.4 * rng.standard_normal(v.size))
    X = rng.standard_normal((n, n_features))
    y = rng.integers(0, n_outputs, n) if loss == "cross_entropy" else rng.standard_normal((n, n_outputs))
    xi = problem.draw_noise(n, rng)
    return problem, params, X, y, xi, rng


def relative(a, b):
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


# ----------------------------------------------------------------------------- sigma = 0
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("memory", ["stored", "reversible"])
def test_zero_noise_gives_the_deterministic_loss_and_gradient_bit_for_bit(backend, memory):
    problem, params, X, y, xi, _ = noisy_problem(noise=0.0, n_paths=3, backend=backend)
    plain = ControlProblem(problem.network, regularization=0.02, tol=1e-14, backend=backend)
    noisy = problem.loss_and_gradient(params, X, y, memory=memory, xi=xi, return_costates=True)
    exact = plain.loss_and_gradient(params, X, y, memory=memory, return_costates=True)
    assert problem.paths == 1
    assert noisy.loss == exact.loss
    assert np.array_equal(noisy.gradient.vector(), exact.gradient.vector())
    assert np.array_equal(noisy.costates, exact.costates)
    assert noisy.outputs.shape == (X.shape[0], 3)


@pytest.mark.parametrize("backend", BACKENDS)
def test_zero_increments_give_the_deterministic_network_bit_for_bit(backend):
    problem, params, X, y, xi, _ = noisy_problem(n_paths=1, backend=backend)
    plain = ControlProblem(problem.network, regularization=0.02, tol=1e-14, backend=backend)
    noisy = problem.loss_and_gradient(params, X, y, xi=np.zeros_like(xi))
    exact = plain.loss_and_gradient(params, X, y)
    assert noisy.loss == exact.loss
    assert np.array_equal(noisy.gradient.vector(), exact.gradient.vector())


def gaps_to_the_deterministic_network(params, X, y, xi, sigmas):
    """The differences of the loss and of the gradient on the noisy paths ``xi`` from the
    noise-free ones, for each noise strength."""
    exact = noisy_problem(noise=0.0)[0].loss_and_gradient(params, X, y)
    dloss, dgrad = [], []
    for s in sigmas:
        r = noisy_problem(noise=s)[0].loss_and_gradient(params, X, y, xi=xi)
        dloss.append(abs(r.loss - exact.loss))
        dgrad.append(np.max(np.abs(r.gradient.vector() - exact.gradient.vector())))
    return dloss, dgrad


def test_noisy_loss_and_gradient_converge_to_the_deterministic_ones_at_first_order_in_sigma():
    _, params, X, y, xi, _ = noisy_problem()
    sigmas = 1e-2 * 2.0 ** -np.arange(6)
    dloss, dgrad = gaps_to_the_deterministic_network(params, X, y, xi, sigmas)
    assert slope(sigmas, dloss) == pytest.approx(1.0, abs=0.05)
    assert slope(sigmas, dgrad) == pytest.approx(1.0, abs=0.05)
    assert dgrad[-1] < 1e-3


def test_antithetic_paths_converge_to_the_deterministic_loss_at_second_order_in_sigma():
    problem, params, X, y, _, rng = noisy_problem()
    xi = problem.draw_noise(X.shape[0], rng, antithetic=True)
    assert np.array_equal(xi[:, 2:], -xi[:, :2])
    sigmas = 0.1 * 2.0 ** -np.arange(5)
    dloss, dgrad = gaps_to_the_deterministic_network(params, X, y, xi, sigmas)
    assert slope(sigmas, dloss) == pytest.approx(2.0, abs=0.1)
    assert slope(sigmas, dgrad) == pytest.approx(2.0, abs=0.1)


# ----------------------------------------------------------------------------- exactness
@pytest.mark.parametrize(
    "kind, lift, order",
    [(kind, lift, 2) for kind in sorted(NETWORKS) for lift in ("linear", "pad")] + [("tanh", "linear", 4)],
)
def test_noisy_gradient_passes_the_taylor_test_with_fixed_noise(kind, lift, order):
    problem, params, X, y, xi, rng = noisy_problem(kind, lift=lift, order=order)
    grad = problem.loss_and_gradient(params, X, y, xi=xi).gradient.vector()
    v = params.vector()
    dv = rng.standard_normal(v.size)
    J0 = problem.objective(params, X, y, xi)
    eps = 1e-2 * 2.0 ** -np.arange(6)
    first, second = [], []
    for e in eps:
        Je = problem.objective(params.from_vector(v + e * dv), X, y, xi)
        first.append(abs(Je - J0))
        second.append(abs(Je - J0 - e * grad @ dv))
    assert slope(eps, second) == pytest.approx(2.0, abs=0.1)
    assert second[-1] < 1e-2 * first[-1]


def test_expected_loss_gradient_is_the_mean_of_the_single_path_gradients():
    problem, params, X, y, xi, _ = noisy_problem(loss="squared_error")
    total = problem.loss_and_gradient(params, X, y, xi=xi)
    single = noisy_problem(n_paths=1, loss="squared_error")[0]
    parts = [single.loss_and_gradient(params, X, y, xi=xi[:, m : m + 1]) for m in range(4)]
    assert total.data_loss == pytest.approx(np.mean([p.data_loss for p in parts]), rel=1e-13)
    mean = np.mean([p.gradient.vector() for p in parts], axis=0)
    assert relative(total.gradient.vector(), mean) <= 1e-12


@pytest.mark.parametrize("backend", BACKENDS)
def test_noisy_states_are_the_layer_steps_plus_the_strang_increments(backend):
    problem, params, X, y, xi, _ = noisy_problem(backend=backend)
    states = problem.forward(params, X, keep_states=True, xi=xi)
    plain = ControlProblem(problem.network, tol=1e-14)
    eta = problem.increments(xi)
    h, sigma = problem.network.step, problem.noise
    # half-step variances at the ends, full steps between layers
    assert np.allclose(eta[0], sigma * np.sqrt(h / 2) * xi[0].reshape(-1, 3), rtol=1e-15)
    assert np.allclose(eta[1], sigma * np.sqrt(h) * xi[1].reshape(-1, 3), rtol=1e-15)
    x0 = np.concatenate([plain.lift_input(params, X)] * 4)
    assert np.allclose(states[0], x0 + eta[0], atol=1e-15)
    for k, layer in enumerate(params.theta):
        step = plain.sweeps.forward(layer[None], states[k]).final
        assert np.allclose(states[k + 1], step + eta[k + 1], atol=1e-12)


def test_noisy_layers_of_an_affine_network_give_the_ornstein_uhlenbeck_covariance_at_second_order(affine_net):
    d, T, sigma = 2, 1.5, 0.7
    A, b = np.array([[-0.5, 1.3], [-1.1, -0.2]]), np.array([0.3, -0.4])
    # exact covariance sigma^2 int_0^T e^{As} e^{A^T s} ds (Van Loan)
    E = scipy.linalg.expm(T * np.block([[-A, sigma**2 * np.eye(d)], [np.zeros((d, d)), A.T]]))
    exact = E[d:, d:].T @ E[:d, d:]
    errors = []
    for K in (4, 8, 16, 32):
        problem = ControlProblem(affine_net(d, K, T), lift="pad", noise=sigma, tol=1e-15)
        theta = np.tile(np.concatenate([A.ravel(), b]), (K, 1))
        # the layers are affine: row 1 + k d + j carries the unit increment e_j at boundary k
        n = (K + 1) * d
        unit = np.eye(n).reshape(n, K + 1, d).transpose(1, 0, 2)
        increments = np.concatenate([np.zeros((K + 1, 1, d)), unit], axis=1)
        final = problem.sweeps.forward(theta, np.zeros((n + 1, d)), increments=increments).final
        M = (final[1:] - final[0]).reshape(K + 1, d, d)  # M[k, j]: response to e_j at boundary k
        # the variances of the increments, sigma^2 w_k h with w = (1/2, 1, ..., 1, 1/2)
        var = (problem.increments(np.ones((K + 1, 1, 1, d)))[:, 0, 0]) ** 2
        errors.append(np.max(np.abs(np.einsum("k,kji,kjl->il", var, M, M) - exact)))
    orders = np.log2(np.array(errors[:-1]) / errors[1:])
    # Strang: exact Gaussian half-steps around a second-order step (Euler-Maruyama: first)
    assert np.all(np.abs(orders - 2.0) < 0.1), (errors, orders)


def test_reversible_mode_rebuilds_the_noisy_inputs():
    problem, params, X, y, xi, _ = noisy_problem(backend="numpy")
    stored = problem.loss_and_gradient(params, X, y, memory="stored", xi=xi)
    reversible = problem.loss_and_gradient(params, X, y, memory="reversible", xi=xi)
    assert reversible.reconstruction_error <= 1e-12
    assert relative(reversible.gradient.vector(), stored.gradient.vector()) <= 1e-11


# ----------------------------------------------------------------------------- estimator
def test_noisy_training_is_reproducible_from_the_seed_and_depends_on_the_noise():
    X, y = load_dataset("moons", 80, random_state=0)
    options = dict(width=3, depth=3, epochs=3, batch_size=40, noise=0.2, n_paths=2)
    a = ResNetClassifier(random_state=1, **options).fit(X, y)
    b = ResNetClassifier(random_state=1, **options).fit(X, y)
    c = ResNetClassifier(random_state=1, **{**options, "noise": 0.4}).fit(X, y)
    assert np.array_equal(a.params_.vector(), b.params_.vector())
    assert not np.array_equal(a.params_.vector(), c.params_.vector())
    # predictions are those of the noise-free network: deterministic
    assert np.array_equal(a.predict_proba(X), a.predict_proba(X))
    flow = a.noisy_flow(X[:5], random_state=0)
    assert flow.shape == (4, 2, 5, 3)
    assert np.array_equal(flow, a.noisy_flow(X[:5], random_state=0))
    assert not np.array_equal(flow[-1, 0], flow[-1, 1])


def test_zero_noise_training_is_todays_training_bit_for_bit():
    X, y = load_dataset("moons", 60, random_state=0)
    options = dict(width=3, depth=3, epochs=2, batch_size=30, random_state=0)
    a = ResNetClassifier(noise=0.0, n_paths=5, **options).fit(X, y)
    b = ResNetClassifier(**options).fit(X, y)
    assert np.array_equal(a.params_.vector(), b.params_.vector())
    assert a.history_["loss"] == b.history_["loss"]


def test_noisy_training_on_moons_still_classifies():
    X, y = load_dataset("moons", 200, random_state=0)
    clf = ResNetClassifier(width=4, depth=4, epochs=30, noise=0.3, n_paths=2, random_state=0).fit(X, y)
    assert clf.score(X, y) > 0.85


# ----------------------------------------------------------------------------- validation
@settings(max_examples=20, deadline=None)
@given(st.floats(max_value=-1e-300, allow_infinity=False, allow_nan=False))
def test_negative_noise_is_refused_naming_the_value(noise):
    with pytest.raises(InvalidArgumentError, match=re.escape(f"noise must be >= 0, got {noise}")):
        ControlProblem(NETWORKS["tanh"](2, 2, 1.0), noise=noise)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"noise": float("nan")}, NonFiniteError, "noise must be finite, got nan"),
        ({"noise": "0.1"}, InvalidArgumentError, "noise must be a real number"),
        ({"n_paths": 0}, InvalidArgumentError, "n_paths must be >= 1, got 0"),
        ({"n_paths": 1.5}, InvalidArgumentError, "n_paths must be an integer, got 1.5"),
    ],
)
def test_bad_noise_options_are_clear_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        ControlProblem(NETWORKS["tanh"](2, 2, 1.0), **kwargs)


def test_noise_of_the_wrong_shape_is_a_clear_error():
    problem, params, X, y, xi, rng = noisy_problem()
    with pytest.raises(ShapeError, match=r"xi must have shape .* = \(5, 4, 7, 3\), got \(5, 4, 6, 3\)"):
        problem.loss_and_gradient(params, X, y, xi=xi[:, :, 1:])
    with pytest.raises(InvalidArgumentError, match="antithetic paths need an even n_paths, got 3"):
        noisy_problem(n_paths=3)[0].draw_noise(2, rng, antithetic=True)
    with pytest.raises(InvalidArgumentError, match="rng must be a numpy.random.Generator, got 0"):
        problem.draw_noise(2, 0)
