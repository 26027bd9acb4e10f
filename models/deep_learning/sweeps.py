"""The forward and costate sweeps of a :class:`~liepoisson_models.deep_learning.ControlProblem`.

Every layer is one step of :class:`liepoisson.LiePoissonHJ` on the Pontryagin system; that
step defines the map. Three backends compute it:

* ``"generic"``: the core's step itself on the whole Heisenberg state, for every order
  (order 4 always runs here).
* ``"numpy"``: for order 2, a solve of the same implicit equation specialised to the
  model, for any network. On the Heisenberg algebra the step's midpoint is
  :math:`\\nu = \\frac12(\\mu_k + \\mu_{k+1})` and its equations split: in :math:`x` alone,
  :math:`\\bar x - \\frac h2 f(\\bar x) = x_k` (forward, on the invariant subspace
  :math:`P = 0`), and, for that :math:`\\bar x`, *linear* in :math:`P`:
  :math:`\\bar P - \\frac h2 A^T\\bar P = P_{k+1}`, :math:`A = \\partial f/\\partial x(\\bar x)`
  (the step with :math:`-h` from :math:`\\mu_{k+1}`, whose :math:`x`-equation the forward
  midpoint already solves). Fixed points on :math:`x` from the explicit predictor
  :math:`x_k + \\frac h2 f(x_k)`, and on :math:`\\bar P` with the network's ``vjp_x``; the
  updates are those of the step, :math:`x_{k+1} = x_k + h f(\\bar x)`,
  :math:`P_k = P_{k+1} + hA^T\\bar P`.
* ``"compiled"``: the same equations in compiled kernels
  (:mod:`liepoisson_models.deep_learning._kernels`) for the networks of the form
  :math:`f = C^T\\tanh(Bx + b)` (:class:`TanhResNet`, :class:`AntisymmetricResNet`,
  :class:`GradientResNet`): an inexact Newton iteration on :math:`\\bar x` and a Neumann
  series for :math:`\\bar P` (LU when it converges slowly), the samples advancing in
  lockstep so that every product is a matrix product over the batch.

With noise (:attr:`ControlProblem.noise`), the forward sweep adds increments
:math:`\\eta_k` at the layer boundaries, :math:`x_0^+ = x_0 + \\eta_0`,
:math:`x_{k+1}^+ = \\Phi_k(x_k^+) + \\eta_{k+1}` (:math:`\\Phi_k` the layer's step), kept in
:attr:`Forward.increments`. A translation leaves :math:`P` unchanged and is symplectic, so the
costate sweep is the same map on the noisy states; in ``"reversible"`` mode it subtracts the
increments while it rebuilds them.

The midpoints in :math:`x` are solved to the problem's tolerance by all three, :math:`\\bar P`
to round-off by the compiled kernels; with a tolerance near round-off the backends agree to
round-off (tested), and the gradient is the exact one of the computed map for each.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import final

import numpy as np

from liepoisson.exceptions import ConvergenceError
from liepoisson.derivatives import central_difference, central_second_difference, complex_step
from liepoisson.solvers import solve_fixed_point

from . import _kernels
from .networks import ResidualNetwork, TanhLayers

__all__ = ["BACKENDS", "Forward", "Sweeps", "GenericSweeps", "NumpySweeps", "CompiledSweeps",
           "has_compiled_form", "make_sweeps", "modified_vector_field"]

#: The backends of the sweeps, by name (``"auto"`` picks one, see :func:`make_sweeps`).
BACKENDS = ("auto", "compiled", "numpy", "generic")

# relative step of the central differences inside the order-4 modified vector field
_S3_STEP = 3e-3


def _relative_gap(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b))) / max(1.0, float(np.max(np.abs(b))))


@final
@dataclass(frozen=True)
class Forward:
    """The result of a forward sweep (final).

    Attributes
    ----------
    initial, final : ndarray of shape (n_samples, dim)
        The states before the first layer (noise-free) and after the last one (its
        increment included).
    states : ndarray of shape (depth + 1, n_samples, dim) or None
        Every state at the layer boundaries, increments included, when kept.
    midpoints : object
        What the backend keeps for a stored costate sweep (None when not asked): the
        midpoints :math:`\\bar x_k` (numpy); the layer arrays, the midpoints and
        :math:`\\tanh` at them, samples along the last axis (compiled).
    residual : float
        The largest relative error estimate of the layers' midpoint solves (0 when the
        backend does not report it).
    increments : ndarray of shape (depth + 1, n_samples, dim) or None
        The noise increments :math:`\\eta_k` added at the layer boundaries (None: none).
    """

    initial: np.ndarray
    final: np.ndarray
    states: np.ndarray | None = None
    midpoints: object = None
    residual: float = 0.0
    increments: np.ndarray | None = None


class Sweeps(ABC):
    """The sweeps of one problem (abstract).

    Parameters
    ----------
    problem : ControlProblem
    """

    def __init__(self, problem):
        self.problem = problem
        self.network: ResidualNetwork = problem.network

    @abstractmethod
    def forward(self, theta: np.ndarray, x0: np.ndarray, keep_states: bool = False,
                for_costate: bool = False, increments: np.ndarray | None = None) -> Forward:
        """The forward sweep from ``x0`` (shape ``(n_samples, dim)``) through the layers
        ``theta`` (shape ``(depth, n_parameters)``); ``for_costate`` keeps what a stored
        costate sweep needs; ``increments`` (shape ``(depth + 1, n_samples, dim)``), if
        given, are added at the layer boundaries."""

    @abstractmethod
    def costate(self, theta: np.ndarray, forward: Forward, P_final: np.ndarray, memory: str,
                return_costates: bool = False):
        """The costate sweep from :math:`P_K` = ``P_final``.

        Returns
        -------
        g_theta : ndarray of shape (depth, n_parameters)
            :math:`\\partial J/\\partial\\theta_k = -\\partial S_k/\\partial\\theta`.
        P0 : ndarray of shape (n_samples, dim)
        costates : ndarray of shape (depth + 1, n_samples, dim) or None
        reconstruction_error : float
        """

    def _penalty_gradient(self, theta):
        """:math:`h\\lambda\\theta`, the running cost's part of :math:`\\partial J/\\partial\\theta`."""
        return (self.network.step * self.problem.regularization) * theta


@final
class GenericSweeps(Sweeps):
    """Every layer is the core's :meth:`LiePoissonHJ.step` on the Heisenberg state (final)."""

    def forward(self, theta, x0, keep_states=False, for_costate=False, increments=None):
        h, step = self.network.step, self.problem.integrator.step
        keep = keep_states or for_costate
        x = x0 if increments is None else x0 + increments[0]
        system = None
        states = [x]
        mu = None
        for k, layer in enumerate(theta):
            system = self.problem.system(layer, x0.shape[0])
            mu = step(system, system.state(x) if mu is None else mu, h)
            if increments is not None:
                system.split(mu)[0][...] += increments[k + 1]
            if keep:
                states.append(system.split(mu)[0])
        final = x if system is None else system.split(mu)[0]
        return Forward(x0, final, np.stack(states) if keep else None, increments=increments)

    def costate(self, theta, forward, P_final, memory, return_costates=False):
        problem, step = self.problem, self.problem.integrator.step
        K, h = theta.shape[0], self.network.step
        stored = memory == "stored"
        systems = [problem.system(layer, P_final.shape[0]) for layer in theta]
        increments = forward.increments
        mu = systems[0].state(forward.final, P_final)
        if increments is not None:
            systems[0].split(mu)[0][...] -= increments[K]
        g_theta = np.empty_like(theta)
        costates = [None] * (K + 1) if return_costates else None
        error = 0.0
        for k in range(K - 1, -1, -1):
            system = systems[k]
            if costates is not None:
                costates[k + 1] = system.split(mu)[1].copy()
            prev = step(system, mu, -h)
            xbar, Pbar = system.split(0.5 * (prev + mu))
            g_theta[k] = -self._dS_dtheta(theta[k], xbar, Pbar)
            if stored:
                x_prev = system.split(prev)[0]
                error = max(error, _relative_gap(x_prev, forward.states[k]))
                x_prev[...] = forward.states[k]
            if increments is not None:
                system.split(prev)[0][...] -= increments[k]
            mu = prev
        x0_back, P0 = systems[0].split(mu)
        if costates is not None:
            costates[0] = P0.copy()
        if not stored:
            error = _relative_gap(x0_back, forward.initial)
        return g_theta, P0, None if costates is None else np.stack(costates), error

    def _dS_dtheta(self, theta, xbar, Pbar) -> np.ndarray:
        """:math:`\\partial S/\\partial\\theta` at the midpoint of a step (step :math:`+h`)."""
        net, h = self.network, self.network.step
        g = h * (net.vjp_theta(xbar, theta, Pbar) - self.problem.regularization * theta)
        if self.problem.order == 4:
            g3 = np.empty_like(theta)
            for j in range(theta.size):
                e = np.zeros_like(theta, dtype=float)
                e[j] = 1.0
                g3[j] = np.sum(Pbar * complex_step(lambda s: modified_vector_field(net, xbar, theta + s * e)))
            g = g + h**3 * g3
        return g


@final
class NumpySweeps(Sweeps):
    """Order 2: the step's implicit equation solved in :math:`x`, then linearly in
    :math:`\\bar P`, by fixed points on the network's products (final; any network)."""

    def _solve(self, update, guess, what):
        problem = self.problem
        return solve_fixed_point(update, guess, 1, problem.tol, problem.max_iter, what)[0]

    def _midpoint(self, layer, x, c, k):
        """:math:`\\bar x - c f(\\bar x) = x` and :math:`f(\\bar x)`."""
        net = self.network
        xbar = self._solve(lambda xb: x + c * net.vector_field(xb, layer),
                           x + c * net.vector_field(x, layer), f"layer {k}: implicit midpoint solve")
        return xbar, net.vector_field(xbar, layer)

    def forward(self, theta, x0, keep_states=False, for_costate=False, increments=None):
        h = self.network.step
        x = x0 if increments is None else x0 + increments[0]
        states, midpoints, residual = [x], [], 0.0
        for k, layer in enumerate(theta):
            xbar, f = self._midpoint(layer, x, 0.5 * h, k)
            residual = max(residual, _relative_gap(xbar - 0.5 * h * f, x))
            x = x + h * f
            if increments is not None:
                x = x + increments[k + 1]
            if keep_states:
                states.append(x)
            if for_costate:
                midpoints.append(xbar)
        return Forward(x0, x, np.stack(states) if keep_states else None,
                       midpoints if for_costate else None, residual, increments)

    def costate(self, theta, forward, P_final, memory, return_costates=False):
        net, h = self.network, self.network.step
        c, K = 0.5 * h, theta.shape[0]
        stored = memory == "stored"
        increments = forward.increments
        x, P = forward.final, P_final
        if increments is not None and not stored:
            x = x - increments[K]
        g_theta = np.empty_like(theta)
        costates = [None] * (K + 1) if return_costates else None
        for k in range(K - 1, -1, -1):
            layer = theta[k]
            if costates is not None:
                costates[k + 1] = P
            if stored:
                xbar = forward.midpoints[k]
            else:
                xbar, f = self._midpoint(layer, x, -c, k)
                x = x - h * f
                if increments is not None:
                    x = x - increments[k]
            # linear in Pbar: solve for Pbar / max|P| (relative accuracy at any scale)
            size = float(np.max(np.abs(P), initial=0.0)) or 1.0
            rhs = P / size
            Pbar = size * self._solve(lambda Q: rhs + c * net.vjp_x(xbar, layer, Q),
                                      rhs + c * net.vjp_x(xbar, layer, rhs),
                                      f"layer {k}: costate solve")
            P = P + h * net.vjp_x(xbar, layer, Pbar)
            g_theta[k] = -h * net.vjp_theta(xbar, layer, Pbar)
        if costates is not None:
            costates[0] = P
        g_theta += self._penalty_gradient(theta)
        error = forward.residual if stored else _relative_gap(x, forward.initial)
        return g_theta, P, None if costates is None else np.stack(costates), error


@final
class CompiledSweeps(Sweeps):
    """Order 2 in compiled kernels for networks :math:`f = C^T\\tanh(Bx + b)`
    (final; see :mod:`liepoisson_models.deep_learning._kernels`)."""

    def _arrays(self, theta):
        """``(B, Bt, bias, C, Ct)``, contiguous, with the transposes of ``B`` and ``C``."""
        B, bias, C = (np.asarray(a, dtype=float) for a in self.network._tanh_layers(theta))
        return tuple(np.ascontiguousarray(a) for a in (B, np.swapaxes(B, 1, 2), bias, C, np.swapaxes(C, 1, 2)))

    @staticmethod
    def _check(status, what):
        if status[0]:
            k, i, it, res = int(status[1]), int(status[2]), int(status[3]), float(status[4])
            raise ConvergenceError(
                f"layer {k}, sample {i}: {what} did not converge: relative change {res:.3e} "
                f"after {it} iterations", residual=res, iterations=it,
            )

    @staticmethod
    def _increments(increments, N, d):
        """The increments with the samples along the last axis (``(0, d, N)`` for none)."""
        if increments is None:
            return np.empty((0, d, N))
        return np.ascontiguousarray(np.swapaxes(increments, 1, 2), dtype=float)

    def forward(self, theta, x0, keep_states=False, for_costate=False, increments=None):
        problem, h = self.problem, self.network.step
        layers = self._arrays(theta)
        K, (N, d), m = theta.shape[0], x0.shape, layers[0].shape[1]
        states = np.empty((K + 1 if keep_states else 1, N, d))
        n = K if for_costate else 0
        midpoints, acts = np.empty((n, d, N)), np.empty((n, m, N))
        status = np.zeros(5)
        _kernels.forward_sweep(np.ascontiguousarray(x0, dtype=float), *layers, h, problem.tol,
                               problem.max_iter, self._increments(increments, N, d), states,
                               midpoints, acts, status)
        self._check(status, "implicit midpoint solve")
        return Forward(x0, states[-1], states if keep_states else None,
                       (layers, midpoints, acts) if for_costate else None, float(status[4]),
                       increments)

    def costate(self, theta, forward, P_final, memory, return_costates=False):
        problem, h = self.problem, self.network.step
        K, (N, d) = theta.shape[0], P_final.shape
        stored = memory == "stored"
        if stored:
            layers, midpoints, acts = forward.midpoints
        else:
            layers = self._arrays(theta)
            midpoints, acts = np.empty((0, d, N)), np.empty((0, layers[0].shape[1], N))
        B, _, bias, C, _ = layers
        costates = np.empty((K + 1 if return_costates else 0, N, d))
        dB, db, dC = np.empty_like(B), np.empty_like(bias), np.empty_like(C)
        P0, x0 = np.empty((N, d)), np.empty((N, d))
        status = np.zeros(5)
        _kernels.costate_sweep(np.ascontiguousarray(P_final, dtype=float), *layers, h,
                               problem.tol, problem.max_iter, np.ascontiguousarray(forward.final),
                               self._increments(None if stored else forward.increments, N, d),
                               midpoints, acts, costates, dB, db, dC, P0, x0, status)
        self._check(status, "implicit midpoint solve of the costate sweep")
        g_theta = -h * self.network._tanh_layers_adjoint(dB, db, dC) + self._penalty_gradient(theta)
        error = forward.residual if stored else _relative_gap(x0, forward.initial)
        return g_theta, P0, costates if return_costates else None, error


def has_compiled_form(network: ResidualNetwork) -> bool:
    """Whether the network gives the :math:`C^T\\tanh(Bx + b)` form of the compiled sweeps."""
    return isinstance(network, TanhLayers)


def make_sweeps(problem, backend: str = "auto") -> Sweeps:
    """The sweeps of ``problem`` for a backend name (validated by the problem).

    ``"auto"``: ``"generic"`` for order 4, ``"compiled"`` for order 2 on a network with a
    compiled form, ``"numpy"`` otherwise.
    """
    if backend == "auto":
        if problem.order != 2:
            backend = "generic"
        else:
            backend = "compiled" if has_compiled_form(problem.network) else "numpy"
    return {"generic": GenericSweeps, "numpy": NumpySweeps, "compiled": CompiledSweeps}[backend](problem)


def _along(network, x, theta, u):
    """``k -> f(x + k\\,\\epsilon u)`` for ``k`` in ``(1, -1, 2, -2)`` (evaluated once each),
    with a per-sample step :math:`\\epsilon` scaled to :math:`x` and :math:`u`, and
    :math:`\\epsilon`."""
    size = np.max(np.abs(u.real), axis=-1, keepdims=True)
    reach = _S3_STEP * np.maximum(1.0, np.max(np.abs(x), axis=-1, keepdims=True))
    eps = np.where(size > 0, reach / np.where(size > 0, size, 1.0), 1.0)
    values = {k: network.vector_field(x + k * eps * u, theta) for k in (1.0, -1.0, 2.0, -2.0)}
    return values.__getitem__, eps


def modified_vector_field(network: ResidualNetwork, x: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """The order-4 correction :math:`s_3 = \\frac1{24}\\big(f''[f, f] - 2A(Af)\\big)`,
    :math:`A = \\partial f/\\partial x`, with :math:`S_3 = \\sum_i P_i\\cdot s_3(x_i)`.

    On the Pontryagin system, :math:`S_3 = \\frac1{24}D^2H[a, a]` with
    :math:`a = (f, -A^T P)`, which is linear in :math:`P`. The derivatives along :math:`f`
    and :math:`Af` are 4th-order central differences (relative error about 1e-10, scaled by
    :math:`h^3/24` in the step) evaluated with the network's ``vector_field`` only, so the
    result is complex-analytic in ``theta`` (complex steps in the parameters give its
    parameter derivative).

    Parameters
    ----------
    network : ResidualNetwork
    x : ndarray of shape (..., dim)
    theta : ndarray of shape (n_parameters,)

    Returns
    -------
    ndarray of shape (..., dim)
    """
    f0 = network.vector_field(x, theta)
    along_f, eps = _along(network, x, theta, f0)
    second = central_second_difference(along_f, eps, center=f0)
    w = central_difference(along_f, eps)
    along_w, eps_w = _along(network, x, theta, w)
    Aw = central_difference(along_w, eps_w)
    return (second - 2.0 * Aw) / 24.0
