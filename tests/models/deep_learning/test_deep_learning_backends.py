"""The model-specialised sweeps compute the map the core's LP-HJ step defines: the compiled
and numpy backends agree with the generic one (every layer a ``LiePoissonHJ.step`` on the
Heisenberg state) and with each other to round-off, their midpoints solve the step's
implicit equation to round-off, and their gradients pass the Taylor test."""

from __future__ import annotations

import numpy as np
import pytest

from liepoisson import ConvergenceError, InvalidArgumentError, LiePoissonHJ
from liepoisson_models.deep_learning import BACKENDS, AntisymmetricResNet, ControlProblem, GradientResNet, TanhResNet
from liepoisson_models.deep_learning.sweeps import CompiledSweeps, GenericSweeps, NumpySweeps

NETWORKS = {
    "tanh": lambda d, K, T: TanhResNet(d, K, T),
    "antisymmetric": lambda d, K, T: AntisymmetricResNet(d, K, T, gamma=0.05),
    "gradient": lambda d, K, T: GradientResNet(d, K, T, hidden=d + 2),
}


def make(kind, backend, dim=4, depth=5, horizon=1.5, n=11, seed=0, spread=0.3, network=None, noise=0.0):
    rng = np.random.default_rng(seed)
    net = network if network is not None else NETWORKS[kind](dim, depth, horizon)
    problem = ControlProblem(net, regularization=0.02, tol=1e-15, backend=backend, noise=noise, n_paths=3)
    params = problem.init_parameters(3, 3, rng)
    v = params.vector()
    params = params.from_vector(v + spread * rng.standard_normal(v.size))
    X, y = rng.standard_normal((n, 3)), rng.integers(0, 3, n)
    return problem, params, X, y


EPS = np.finfo(float).eps


def rel(a, b):
    return np.max(np.abs(a - b)) / np.max(np.abs(b))


@pytest.mark.parametrize("noise", [0.0, 0.3])
@pytest.mark.parametrize("memory", ["stored", "reversible"])
@pytest.mark.parametrize("kind", sorted(NETWORKS))
def test_specialised_backends_agree_with_the_core_step_to_round_off(kind, memory, noise):
    results = {}
    for backend in ("generic", "numpy", "compiled"):
        problem, params, X, y = make(kind, backend, noise=noise)
        xi = problem.draw_noise(X.shape[0], np.random.default_rng(1))  # ignored without noise
        results[backend] = problem.loss_and_gradient(params, X, y, memory=memory, return_costates=True, xi=xi)
    ref = results["generic"]
    for backend in ("numpy", "compiled"):
        got = results[backend]
        assert got.loss == pytest.approx(ref.loss, rel=1e-14)
        # the generic solve of the whole state meets its tolerance a little less tightly
        assert rel(got.gradient.vector(), ref.gradient.vector()) <= 1e-11
        assert rel(got.costates, ref.costates) <= 1e-11
        assert rel(got.outputs, ref.outputs) <= 1e-12
        assert got.reconstruction_error <= (1e-13 if memory == "stored" else 1e-10)
    # the compiled kernels against their numpy reference
    assert rel(results["compiled"].gradient.vector(), results["numpy"].gradient.vector()) <= 1e-12


@pytest.mark.parametrize("kind", sorted(NETWORKS))
def test_every_compiled_layer_is_the_core_step_and_its_midpoint_solves_the_implicit_equation(kind):
    problem, params, X, _ = make(kind, "compiled", depth=6, horizon=2.0, n=17)
    net, h = problem.network, problem.network.step
    x0 = problem.lift_input(params, X)
    forward = problem.sweeps.forward(params.theta, x0, keep_states=True, for_costate=True)
    _, midpoints, acts = (np.swapaxes(a, -1, -2) if i else a for i, a in enumerate(forward.midpoints))
    core = LiePoissonHJ(order=2, tol=1e-15)
    for k, theta in enumerate(params.theta):
        x, x_next, xbar = forward.states[k], forward.states[k + 1], midpoints[k]
        system = problem.system(theta, x.shape[0])
        stepped = system.split(core.step(system, system.state(x), h))[0]
        assert rel(x_next, stepped) <= 1e-12
        # the midpoint nu of the step, and tanh at it, exact to round-off
        scale = max(1.0, np.max(np.abs(xbar)))
        assert np.max(np.abs(xbar - 0.5 * h * net.vector_field(xbar, theta) - x)) <= 8 * EPS * scale
        B, b, _ = net._tanh_layers(params.theta[k : k + 1])
        assert np.max(np.abs(acts[k] - np.tanh(xbar @ B[0].T + b[0]))) <= 4 * EPS
        assert np.max(np.abs(xbar - 0.5 * (x + x_next))) <= 8 * EPS * scale


def test_numpy_backend_gradient_of_a_user_network_passes_the_taylor_test(sine_net):
    problem, params, X, y = make(None, "auto", network=sine_net(3, 4, 1.0), spread=0.2)
    assert isinstance(problem.sweeps, NumpySweeps)
    rng = np.random.default_rng(1)
    grad = problem.loss_and_gradient(params, X, y).gradient.vector()
    v, dv = params.vector(), rng.standard_normal(params.vector().size)
    J0 = problem.objective(params, X, y)
    eps = 1e-2 * 2.0 ** -np.arange(5)
    second = [abs(problem.objective(params.from_vector(v + e * dv), X, y) - J0 - e * grad @ dv) for e in eps]
    assert np.polyfit(np.log(eps), np.log(second), 1)[0] == pytest.approx(2.0, abs=0.1)
    # and it agrees with the core's step on the same user network
    generic = ControlProblem(problem.network, regularization=0.02, tol=1e-15, backend="generic")
    assert rel(grad, generic.loss_and_gradient(params, X, y).gradient.vector()) <= 1e-11


@pytest.mark.parametrize("kind", sorted(NETWORKS))
def test_compiled_forward_of_a_large_batch_equals_the_numpy_one(kind):
    compiled, params, X, _ = make(kind, "compiled", dim=6, depth=8, n=300, seed=3)
    numpy_ = ControlProblem(compiled.network, regularization=0.02, tol=1e-15, backend="numpy")
    a = compiled.forward(params, X, keep_states=True)
    b = numpy_.forward(params, X, keep_states=True)
    assert a.shape == (9, 300, 6)
    assert rel(a, b) <= 1e-13


def test_auto_backend_choice(sine_net):
    assert isinstance(ControlProblem(TanhResNet(2, 2)).sweeps, CompiledSweeps)
    assert isinstance(ControlProblem(GradientResNet(2, 2, hidden=3)).sweeps, CompiledSweeps)
    assert isinstance(ControlProblem(sine_net(2, 2)).sweeps, NumpySweeps)
    assert isinstance(ControlProblem(TanhResNet(2, 2), order=4).sweeps, GenericSweeps)
    assert BACKENDS == ("auto", "compiled", "numpy", "generic")


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"backend": "fast"}, "backend must be one of"),
        ({"backend": "compiled", "order": 4}, "order-2 layers"),
        ({"backend": "numpy", "order": 4}, "order-2 layers"),
    ],
)
def test_bad_backend_is_refused(kwargs, match):
    with pytest.raises(InvalidArgumentError, match=match):
        ControlProblem(TanhResNet(2, 2), **kwargs)


def test_compiled_backend_refuses_a_network_without_the_compiled_form(sine_net):
    with pytest.raises(InvalidArgumentError, match="backend='compiled' needs"):
        ControlProblem(sine_net(2, 2), backend="compiled")


@pytest.mark.parametrize("backend", ["compiled", "numpy"])
def test_a_solve_that_does_not_converge_names_the_layer(backend):
    net = TanhResNet(3, 2, 20.0)  # h/2 Lip(f) far above 1
    problem = ControlProblem(net, tol=1e-15, max_iter=3, backend=backend)
    rng = np.random.default_rng(0)
    params = problem.init_parameters(2, 2, rng)
    params = type(params)(params.theta * 6.0, params.lift, params.readout)
    with pytest.raises(ConvergenceError, match=r"layer \d+.* did not converge"):
        problem.loss_and_gradient(params, rng.standard_normal((5, 2)), np.array([0, 1, 0, 1, 0]))


@pytest.mark.parametrize("kind", ["tanh", "antisymmetric"])
def test_compiled_backend_with_large_steps_gives_the_exact_gradient(kind, backprop_midpoint):
    """Layer steps with h Lip(f) / 2 near 1: the Neumann series converge slowly and the
    kernels fall back to LU solves; the gradient is still the one of the midpoint map (an
    independent reverse-mode differentiation)."""
    problem, params, X, y = make(kind, "compiled", dim=3, depth=2, horizon=2.6, spread=0.1, seed=4)
    reference, states = backprop_midpoint(problem, params, X, y)
    result = problem.loss_and_gradient(params, X, y)
    assert rel(result.gradient.vector(), reference) <= 1e-11
    assert rel(result.states, states) <= 1e-13
