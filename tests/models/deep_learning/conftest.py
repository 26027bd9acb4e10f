"""Helpers of the deep-learning tests, as fixtures: an independent reverse-mode derivative
of the implicit-midpoint network (the reference for the Pontryagin sweeps), and two networks
a user would write (only their vector field)."""

from __future__ import annotations

import numpy as np
import pytest

from liepoisson_models.deep_learning import ResidualNetwork

CS = 1e-30  # complex step


def _jacobians(net, x, theta):
    """Per-sample Jacobians d f_o / d x_j by complex steps of the vector field alone."""
    n, d = x.shape
    J = np.empty((n, d, d))
    for j in range(d):
        J[:, :, j] = np.imag(net.vector_field(x + 1j * CS * np.eye(d)[j], theta)) / CS
    return J


def _midpoint_step(net, x, theta, h):
    """x1 = x + h f((x + x1)/2) by Newton per sample with dense Jacobians."""
    eye = np.eye(x.shape[1])
    x1 = x + h * net.vector_field(x, theta)
    for _ in range(50):
        xb = 0.5 * (x + x1)
        r = x1 - x - h * net.vector_field(xb, theta)
        x1 = x1 - np.linalg.solve(eye - 0.5 * h * _jacobians(net, xb, theta), r[..., None])[..., 0]
        if np.max(np.abs(r)) < 1e-16:
            break
    return x1


def _backprop_midpoint(problem, params, X, y):
    """Reverse-mode differentiation of the implicit midpoint network, written independently
    of the costate sweep: dense per-sample Jacobians (complex steps of ``vector_field``),
    the implicit function theorem for each layer, and parameter derivatives by complex
    steps. Returns the flat gradient in the order of ``Parameters.vector``."""
    net, h, lam = problem.network, problem.network.step, problem.regularization
    eye = np.eye(net.dim)
    xs = [X @ params.lift[:-1] + params.lift[-1]]
    for theta in params.theta:
        xs.append(_midpoint_step(net, xs[-1], theta, h))
    V = params.readout
    _, dz = problem.loss.value_and_gradient(xs[-1] @ V[:-1] + V[-1], y)
    g_readout = np.vstack([xs[-1].T @ dz, dz.sum(0, keepdims=True)]) + lam * V
    g = dz @ V[:-1].T
    g_theta = np.empty_like(params.theta)
    for k in range(net.depth - 1, -1, -1):
        theta = params.theta[k]
        xb = 0.5 * (xs[k] + xs[k + 1])
        A = _jacobians(net, xb, theta)
        # (I - h A/2) dx_{k+1} = (I + h A/2) dx_k + h B dtheta
        lam_k = np.linalg.solve(np.swapaxes(eye - 0.5 * h * A, 1, 2), g[..., None])[..., 0]
        for j in range(theta.size):
            shifted = theta.astype(complex)
            shifted[j] += 1j * CS
            g_theta[k, j] = h * np.sum(lam_k * np.imag(net.vector_field(xb, shifted))) / CS
        g_theta[k] += h * lam * theta
        g = np.einsum("nij,ni->nj", eye + 0.5 * h * A, lam_k)
    g_lift = np.vstack([X.T @ g, g.sum(0, keepdims=True)]) + lam * params.lift
    return np.concatenate([g_theta.ravel(), g_lift.ravel(), g_readout.ravel()]), np.stack(xs)


class SineNet(ResidualNetwork):
    """A user network that writes only its vector field (complex-analytic)."""

    @property
    def parameter_shapes(self):
        return {"W": (self.dim, self.dim), "b": (self.dim,)}

    def vector_field(self, x, theta):
        p = self.unpack(theta)
        return np.sin(x @ p["W"].T + p["b"])


class KinkNet(SineNet):
    """Not complex-analytic: a leaky rectifier written with ``abs``."""

    def vector_field(self, x, theta):
        z = x @ self.unpack(theta)["W"].T + self.unpack(theta)["b"]
        return 0.55 * z + 0.45 * np.abs(z)


class AffineNet(SineNet):
    """:math:`f(x) = Wx + b`: with noise, the Ornstein–Uhlenbeck process."""

    def vector_field(self, x, theta):
        p = self.unpack(theta)
        return x @ p["W"].T + p["b"]


@pytest.fixture(scope="session")
def jacobians():
    """``_jacobians(net, x, theta)``: dense per-sample Jacobians of ``net.vector_field`` by
    complex steps, shape (n, d, d)."""
    return _jacobians


@pytest.fixture(scope="session")
def backprop_midpoint():
    """``backprop_midpoint(problem, params, X, y)``: the flat gradient and the states of
    reverse-mode differentiation of the implicit-midpoint network."""
    return _backprop_midpoint


@pytest.fixture(scope="session")
def sine_net():
    """A network class that writes only a complex-analytic vector field."""
    return SineNet


@pytest.fixture(scope="session")
def kink_net():
    """A network class whose vector field is not complex-analytic."""
    return KinkNet


@pytest.fixture(scope="session")
def affine_net():
    """The network class of an affine vector field."""
    return AffineNet
