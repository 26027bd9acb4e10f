"""The network link: a trained residual network as a density flow, and a gradient network as
a wavefunction.

A :class:`~liepoisson_models.deep_learning.ResidualNetwork` with parameters :math:`\\theta_k` on layer
:math:`k` moves a sample by :math:`\\dot x = f(x, \\theta_k)`; with noise
:math:`dX = f\\,dt + \\sigma\\,dW` the data density solves the Fokker–Planck equation with the
network's velocity. :func:`network_density_flow` computes that density twice, on the grid
(Fokker–Planck, :func:`~liepoisson_models.hydrodynamics.solve_fokker_planck`) and from particles
(Euler–Maruyama, or the noisy discrete network of stochastic training), from the same
initial density: a Gaussian kernel estimate of the data.

For a :class:`~liepoisson_models.deep_learning.GradientResNet`, :math:`f = -\\nabla\\Phi_\\theta`, so
the drift has the potential :math:`\\varphi = -\\Phi_{\\theta_k}` on layer :math:`k`
(up to a function of time) and :func:`gradient_network_hydrodynamics` builds the phase
:math:`S = \\varphi - \\frac{\\sigma^2}2\\log\\rho`, the wavefunction
:math:`\\psi = \\sqrt\\rho\\,e^{iS/\\hbar}` (:math:`\\hbar = \\sigma^2`) and the residuals
of the equations that the theory would make them satisfy. They measure how far the trained
network is from the conditions: the flow is irrotational by construction, but training does
not make it the optimal feedback of the control problem (the HJB residual) and has no
negative Fisher term (the real-time NLS residual).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import final

import numpy as np

from liepoisson._validation import _describe, as_finite_array, check_int, check_real
from liepoisson.exceptions import InvalidArgumentError, ShapeError

from .control import face_velocities_from_field, solve_fokker_planck
from .fields import bohm_potential, madelung, osmotic_transform
from .grid import PeriodicGrid, check_sigma
from .particles import histogram_density, simulate_particles
from .residuals import (
    continuity_residual,
    quantum_hj_residual,
    schrodinger_residual,
    time_derivative,
    weighted_norm,
)

__all__ = [
    "RESIDUAL_TOLERANCE",
    "PARTICLE_SCHEMES",
    "network_velocity",
    "network_fokker_planck",
    "noisy_network_particles",
    "kernel_density",
    "NetworkFlow",
    "network_density_flow",
    "NetworkHydrodynamics",
    "gradient_network_hydrodynamics",
]

#: A relative residual below this counts as "the equation holds" in the conditions report.
RESIDUAL_TOLERANCE = 0.05
#: How the particles of :func:`network_density_flow` move: Euler–Maruyama with the grid's
#: time step, or the layers of the noisy network itself.
PARTICLE_SCHEMES = ("euler-maruyama", "network")


def _check_network(network, theta):
    from ..deep_learning import ResidualNetwork

    if not isinstance(network, ResidualNetwork):
        raise InvalidArgumentError(
            f"network must be a liepoisson_models.deep_learning.ResidualNetwork, got {_describe(network)}"
        )
    theta = as_finite_array("theta", theta, dtype=float)
    if theta.shape != (network.depth, network.n_parameters):
        raise ShapeError(
            f"theta must have shape (depth, n_parameters) = ({network.depth}, "
            f"{network.n_parameters}), got {theta.shape}"
        )
    return theta


def network_velocity(network, theta):
    """The velocity ``velocity(x, t) = f(x, theta_k)`` of the network, layer
    :math:`k = \\lfloor t/h \\rfloor` (clipped to the layers).

    Parameters
    ----------
    network : liepoisson_models.deep_learning.ResidualNetwork
    theta : ndarray of shape (depth, n_parameters)

    Returns
    -------
    callable
        ``velocity(x, t)`` with ``x`` of shape ``(n, dim)``.
    """
    theta = _check_network(network, theta)

    def velocity(x, t):
        k = int(np.clip(np.floor(t / network.step + 1e-9), 0, network.depth - 1))
        return network.vector_field(x, theta[k])

    return velocity


def kernel_density(grid: PeriodicGrid, samples, bandwidth) -> np.ndarray:
    """The Gaussian kernel density of samples evaluated at the grid points (exact, not
    binned; nearest periodic image), normalised on the grid.

    Parameters
    ----------
    grid : PeriodicGrid
    samples : ndarray of shape (n_samples, dim)
    bandwidth : float
        Standard deviation of the kernel, > 0.

    Returns
    -------
    ndarray of shape (*shape)
    """
    bandwidth = check_real("bandwidth", bandwidth, positive=True)
    samples = as_finite_array("samples", samples, dtype=float)
    if samples.ndim != 2 or samples.shape[1] != grid.dim:
        raise ShapeError(f"samples must have shape (n_samples, {grid.dim}), got {samples.shape}")
    pts = grid.points.reshape(grid.dim, -1).T
    out = np.zeros(grid.size)
    for chunk in np.array_split(samples, max(1, samples.shape[0] // 256)):
        d = grid.wrap(pts[:, None, :] - chunk[None, :, :])
        out += np.exp(-0.5 * np.sum(d * d, axis=-1) / bandwidth**2).sum(axis=1)
    out = out.reshape(grid.shape)
    return out / grid.integrate(out)


@final
@dataclass(frozen=True, eq=False)
class NetworkFlow:
    """The density of the data flowing through a network with noise (final).

    Attributes
    ----------
    grid : PeriodicGrid
    network : liepoisson_models.deep_learning.ResidualNetwork
    theta : ndarray of shape (depth, n_parameters)
    sigma : float
    bandwidth : float
        Of the initial kernel density.
    steps_per_layer : int
    t : ndarray of shape (depth * steps_per_layer + 1,)
    rho : ndarray of shape (n_times, *shape)
        Fokker–Planck density with the network's velocity.
    layer_times : ndarray of shape (depth + 1,)
    particles : ndarray of shape (depth + 1, n_particles, dim)
        Particle positions at the layer boundaries (wrapped into the box).
    particle_density : ndarray of shape (depth + 1, *shape)
        Their histograms.
    escaped : float
        Fraction of particle steps (Euler–Maruyama) or of particle positions at the layer
        boundaries (network) that crossed the edge of the box (the network's velocity
        is not periodic; this should be 0).
    scheme : {"euler-maruyama", "network"}
        How the particles moved (see :func:`network_density_flow`).
    """

    grid: PeriodicGrid
    network: object
    theta: np.ndarray
    sigma: float
    bandwidth: float
    steps_per_layer: int
    t: np.ndarray
    rho: np.ndarray
    layer_times: np.ndarray
    particles: np.ndarray
    particle_density: np.ndarray
    escaped: float
    scheme: str = "euler-maruyama"

    def density_gap(self, block: int = 1) -> np.ndarray:
        """:math:`\\|\\rho_{FP} - \\rho_{particles}\\|_{L^1}` at each layer boundary, shape
        ``(depth + 1,)`` (statistical error :math:`O(N^{-1/2})` plus discretisation).

        Parameters
        ----------
        block : int
            Compare the masses of blocks of ``block`` cells per axis (``n_points`` must be
            a multiple): coarser cells hold more particles each, so the histogram's
            statistical error is smaller.
        """
        block = check_int("block", block, minimum=1)
        n = self.grid.n_points
        if n % block:
            raise InvalidArgumentError(f"block must divide n_points = {n}, got {block}")
        diff = (self.rho[:: self.steps_per_layer] - self.particle_density) * self.grid.cell_volume
        shape = (diff.shape[0],) + sum(((n // block, block) for _ in range(self.grid.dim)), ())
        return np.abs(diff.reshape(shape).sum(axis=tuple(range(2, 2 + 2 * self.grid.dim, 2)))).reshape(diff.shape[0], -1).sum(axis=1)

    def layer_slice(self, k: int) -> slice:
        """The time levels of layer ``k`` (both ends included)."""
        s = self.steps_per_layer
        return slice(k * s, (k + 1) * s + 1)

    def curl(self) -> float:
        """The relative antisymmetric part of the Jacobian of the velocity,
        :math:`\\max_k \\|J - J^T\\|_F / \\|J\\|_F` with :math:`J = \\partial f/\\partial x`
        summed over the particles at the start of layer :math:`k` (from the network's
        :meth:`vjp_x`, no grid derivative): 0 exactly when the flow is a gradient on the
        data, and in 1-D.
        """
        if self.grid.dim == 1:
            return 0.0
        worst = 0.0
        d = self.grid.dim
        for k in range(self.network.depth):
            x = self.particles[k][:2000]
            rows = [self.network.vjp_x(x, self.theta[k], np.broadcast_to(e, x.shape)) for e in np.eye(d)]
            J = np.stack(rows, axis=1)            # J[:, j, i] = d f_j / d x_i
            skew = np.sqrt(np.sum((J - np.swapaxes(J, 1, 2)) ** 2))
            worst = max(worst, float(skew / max(np.sqrt(np.sum(J**2)), 1e-300)))
        return worst


def noisy_network_particles(network, theta, x0, sigma, rng: np.random.Generator) -> np.ndarray:
    """Particles through the noisy discrete network of stochastic training, at the layer
    boundaries :math:`t_k = k h`.

    The layers of :class:`~liepoisson_models.deep_learning.ControlProblem` with
    ``noise=sigma`` (one LP-HJ step per layer between exact Gaussian half-step increments,
    a weak second-order scheme for :math:`dX = f\\,dt + \\sigma\\,dW`). The interior
    increment :math:`\\eta_k = \\sigma\\sqrt h\\,\\xi_k` is drawn as the sum of the
    Brownian increments over the half-steps before and after :math:`t_k`, and the position
    at :math:`t_k` is the network's state less the second one.

    Parameters
    ----------
    network : liepoisson_models.deep_learning.ResidualNetwork
    theta : ndarray of shape (depth, n_parameters)
    x0 : ndarray of shape (n_particles, network.dim)
        The states at :math:`t = 0`.
    sigma : float
        >= 0.
    rng : numpy.random.Generator

    Returns
    -------
    ndarray of shape (depth + 1, n_particles, network.dim)
    """
    from ..deep_learning import ControlProblem

    theta = _check_network(network, theta)
    start = as_finite_array("x0", x0, dtype=float)
    if start.ndim != 2 or start.shape[1] != network.dim:
        raise ShapeError(f"x0 must have shape (n_particles, {network.dim}), got {start.shape}")
    if not isinstance(rng, np.random.Generator):
        raise InvalidArgumentError(f"rng must be a numpy.random.Generator, got {_describe(rng)}")
    sigma = check_real("sigma", sigma)
    if sigma < 0:
        raise InvalidArgumentError(f"sigma must be >= 0, got {sigma}")
    problem = ControlProblem(network, lift="pad", noise=sigma)
    K, shape = network.depth, (network.depth + 1, 1) + start.shape
    before, after = rng.standard_normal(shape), rng.standard_normal(shape)
    before[0], after[-1] = 0.0, 0.0  # no noise before t = 0 or after t = T
    xi = (before + after) / np.sqrt(2.0)
    xi[[0, -1]] *= np.sqrt(2.0)  # the end increments are half-steps of variance h/2
    states = problem.sweeps.forward(theta, start, keep_states=True,
                                    increments=problem.increments(xi)).states
    # the second half of each interior increment is after the layer boundary
    states[1:K] -= sigma * np.sqrt(0.5 * network.step) * after[1:K, 0]
    states[0] = start
    return states


def network_fokker_planck(network, theta, grid: PeriodicGrid, rho0, sigma, steps_per_layer: int) -> np.ndarray:
    """The Fokker–Planck density of the network's flow with noise :math:`\\sigma`:
    :func:`~liepoisson_models.hydrodynamics.solve_fokker_planck` with the face velocities
    :math:`f(x_{j+1/2}, \\theta_k)` on layer :math:`k`, ``steps_per_layer`` implicit steps
    per layer (validated by the callers).

    Parameters
    ----------
    network : liepoisson_models.deep_learning.ResidualNetwork
    theta : ndarray of shape (depth, n_parameters)
    grid : PeriodicGrid
    rho0 : ndarray of shape (*shape)
    sigma : float
    steps_per_layer : int

    Returns
    -------
    ndarray of shape (depth * steps_per_layer + 1, *shape)
    """
    faces = [face_velocities_from_field(grid, lambda x, k=k: network.vector_field(x, theta[k]))
             for k in range(network.depth)]
    return solve_fokker_planck(grid, rho0, sigma, network.step / steps_per_layer, network.depth * steps_per_layer,
                               lambda n: faces[(n - 1) // steps_per_layer])


def network_density_flow(network, theta, x0, grid: PeriodicGrid, sigma, *, steps_per_layer: int = 8,
                         bandwidth: float | None = None, n_particles: int | None = None,
                         rng: np.random.Generator | None = None,
                         particles: str = "euler-maruyama") -> NetworkFlow:
    """The density flow of the data through a network with noise :math:`\\sigma`.

    The initial density is the Gaussian kernel density of the samples ``x0`` (bandwidth
    ``bandwidth``). The grid solution is the Fokker–Planck equation with the network's
    velocity (face velocities :math:`f(x_{j+1/2}, \\theta_k)`, ``steps_per_layer`` implicit
    steps per layer); the particles are exact samples of the initial density (a sample of
    ``x0`` plus Gaussian noise of the bandwidth) moved by Euler–Maruyama with the same steps,
    or by the noisy discrete network of stochastic training (``particles="network"``: one
    LP-HJ step per layer between exact Gaussian half-step increments, a weak second-order
    scheme, see :mod:`liepoisson_models.deep_learning.pontryagin`).

    Parameters
    ----------
    network : liepoisson_models.deep_learning.ResidualNetwork
        Of dimension ``grid.dim`` (1 or 2): the state of the network is the point of the box.
    theta : ndarray of shape (depth, n_parameters)
    x0 : ndarray of shape (n_samples, dim)
        The (lifted) inputs, inside the box.
    grid : PeriodicGrid
    sigma : float
        > 0.
    steps_per_layer : int
    bandwidth : float, optional
        Default: Scott's rule :math:`n^{-1/(d+4)}` times the mean standard deviation,
        at least two grid spacings.
    n_particles : int, optional
        Default ``20 * n_samples``.
    rng : numpy.random.Generator, optional
        Default ``numpy.random.default_rng(0)``.
    particles : {"euler-maruyama", "network"}
        How the particles move.

    Returns
    -------
    NetworkFlow

    Raises
    ------
    InvalidArgumentError
        For a network of another dimension, samples outside the box, ``sigma <= 0``.
    """
    theta = _check_network(network, theta)
    if not isinstance(grid, PeriodicGrid):
        raise InvalidArgumentError(f"grid must be a PeriodicGrid, got {_describe(grid)}")
    if network.dim != grid.dim:
        raise InvalidArgumentError(
            f"network.dim must equal grid.dim = {grid.dim} (the state is a point of the box), "
            f"got {network.dim}"
        )
    sigma = check_sigma(sigma)
    if particles not in PARTICLE_SCHEMES:
        raise InvalidArgumentError(f"particles must be one of {PARTICLE_SCHEMES}, got {_describe(particles)}")
    steps_per_layer = check_int("steps_per_layer", steps_per_layer, minimum=2)
    x0 = as_finite_array("x0", x0, dtype=float)
    if x0.ndim != 2 or x0.shape[1] != grid.dim or x0.shape[0] == 0:
        raise ShapeError(f"x0 must have shape (n_samples, {grid.dim}), got {x0.shape}")
    half = 0.5 * grid.length
    if np.any(np.abs(x0) >= half):
        raise InvalidArgumentError(
            f"x0 must lie inside the box (-{half:g}, {half:g})^{grid.dim}, got a sample at "
            f"{_describe(x0[np.argmax(np.abs(x0).max(axis=1))].tolist())}"
        )
    if bandwidth is None:
        spread = float(np.mean(np.std(x0, axis=0)))
        bandwidth = max(spread * x0.shape[0] ** (-1.0 / (grid.dim + 4)), 2 * grid.dx)
    bandwidth = check_real("bandwidth", bandwidth, positive=True)
    n_particles = 20 * x0.shape[0] if n_particles is None else check_int("n_particles", n_particles, minimum=1)
    rng = np.random.default_rng(0) if rng is None else rng

    dt = network.step / steps_per_layer
    n_steps = network.depth * steps_per_layer
    t = dt * np.arange(n_steps + 1)
    rho = network_fokker_planck(network, theta, grid, kernel_density(grid, x0, bandwidth), sigma, steps_per_layer)

    start = x0[rng.integers(0, x0.shape[0], n_particles)] + bandwidth * rng.standard_normal((n_particles, grid.dim))
    start = grid.wrap(start)
    if particles == "network":
        states = noisy_network_particles(network, theta, start, sigma, rng)
        escaped = np.count_nonzero(np.any(np.abs(states) >= half, axis=-1)) / states[..., 0].size
        states = grid.wrap(states)
    else:
        velocity = network_velocity(network, theta)
        crossings = [0]

        def tracked(x, time):
            v = velocity(x, time)
            crossings[0] += int(np.count_nonzero(np.any(np.abs(x + dt * v) >= half, axis=1)))
            return v

        _, states = simulate_particles(start, tracked, sigma, dt, n_steps, rng, save_every=steps_per_layer,
                                       grid=grid)
        escaped = crossings[0] / (n_particles * n_steps)
    density = np.stack([histogram_density(grid, x) for x in states])
    return NetworkFlow(grid, network, theta, sigma, bandwidth, steps_per_layer, t, rho,
                       t[::steps_per_layer], states, density, escaped, particles)


@final
@dataclass(frozen=True, eq=False)
class NetworkHydrodynamics:
    """The hydrodynamic and wavefunction picture of a gradient network's density flow
    (final).

    Attributes
    ----------
    flow : NetworkFlow
    hbar : float
        :math:`\\sigma^2`.
    phi : ndarray of shape (n_times, *shape)
        :math:`-\\Phi_{\\theta_k}` of the layer that starts at each time (the last layer at
        :math:`T`).
    S : ndarray of shape (n_times, *shape)
        :math:`\\varphi - \\frac{\\sigma^2}2\\log\\rho`.
    psi : ndarray of shape (n_times, *shape)
        :math:`\\sqrt\\rho\\,e^{iS/\\hbar}`.
    effective_potential : ndarray of shape (n_times - 2 * depth, *shape)
        :math:`W_{\\rm eff} = -(\\partial_t S + \\frac12|\\nabla S|^2 - \\frac{\\hbar^2}2
        \\Delta\\sqrt\\rho/\\sqrt\\rho)` at the interior times of the layers: the potential
        that would make the real-time quantum HJ equation (so the NLS) hold exactly.
    residuals : dict of str to float
        Relative (:math:`\\rho`-weighted, worst layer and time) residuals:
        ``"continuity"`` (:math:`L^1` norm over that of :math:`\\partial_t\\rho`), ``"hjb"`` (imaginary-time quantum HJ = HJB of the plain control
        problem with the potential ``V``), ``"nls_phase"`` (real-time quantum HJ with
        :math:`W = -V`) and ``"nls"`` (the Schrödinger residual of :math:`\\psi`), each over
        the size of its largest term; a time-dependent constant (a global phase) is fitted
        out of the last three.
    layer_residuals : dict of str to ndarray of shape (depth,)
        The same per layer.
    conditions : dict
        Which conditions of the theory hold, with the numbers behind them.
    """

    flow: NetworkFlow
    hbar: float
    phi: np.ndarray
    S: np.ndarray
    psi: np.ndarray
    effective_potential: np.ndarray
    residuals: dict = field(default_factory=dict)
    layer_residuals: dict = field(default_factory=dict)
    conditions: dict = field(default_factory=dict)


def _fit_out_constant(grid, R, rho):
    """``R`` minus its :math:`\\rho`-weighted mean at each time (a global phase rate)."""
    mean = grid.integrate(rho * R) / grid.integrate(rho)
    return R - mean.reshape((-1,) + (1,) * grid.dim)


def _relative(grid, R, rho, *terms):
    scale = max(float(np.max(weighted_norm(grid, T, rho))) for T in terms)
    return float(np.max(weighted_norm(grid, R, rho))) / max(scale, 1e-300)


def gradient_network_hydrodynamics(flow: NetworkFlow, running_cost=0.0,
                                   method: str = "fd4") -> NetworkHydrodynamics:
    """Phase, wavefunction and residuals of the density flow of a gradient network.

    On layer :math:`k` the drift is :math:`f = -\\nabla\\Phi_{\\theta_k} = \\nabla\\varphi`
    with :math:`\\varphi = -\\Phi_{\\theta_k}` (:meth:`GradientResNet.potential`); the
    osmotic transform gives :math:`S`, :math:`v = \\nabla S` and the Madelung transform
    :math:`\\psi`. Every residual is evaluated inside the layers (the value jumps between
    layers), with central differences in time and ``method`` in space; see
    :class:`NetworkHydrodynamics` for their definitions.

    The conditions reported:

    ``irrotational``
        The network's velocity is a gradient (relative curl, exactly 0 for a gradient
        network up to the derivative's error).
    ``density_positive``
        :math:`\\rho > 0` on the grid (the Fokker–Planck density with noise is), and the
        smallest :math:`\\rho/\\max\\rho`.
    ``optimal_feedback``
        The HJB residual is below :data:`RESIDUAL_TOLERANCE`: the network's drift is the
        optimal feedback of the plain control problem with running cost ``running_cost``
        (and :math:`F = 0`).
    ``real_time_sign``
        Measured: the coefficient :math:`s` of :math:`\\frac{\\hbar^2}2\\Delta\\sqrt\\rho/\\sqrt\\rho`
        that best fits :math:`\\partial_tS + \\frac12|\\nabla S|^2 + W + s\\,\\frac{\\hbar^2}2
        \\frac{\\Delta\\sqrt\\rho}{\\sqrt\\rho} = c(t)` (least squares weighted by
        :math:`\\rho`, over all layers; ``"fitted_bohm_sign"``): :math:`-1` is the real-time
        (NLS) sign, :math:`+1` the imaginary-time (Schrödinger-bridge) sign that plain
        stochastic control gives; ``"relative_fit_residual"`` is what the best fit leaves,
        relative to its largest term. Holds when :math:`s < 0` and the fit explains the fields
        (residual below :data:`RESIDUAL_TOLERANCE`); fields that satisfy neither equation
        (an untrained network) have no sign.
    ``nls``
        The Schrödinger residual is below :data:`RESIDUAL_TOLERANCE`.

    Parameters
    ----------
    flow : NetworkFlow
        Of a :class:`~liepoisson_models.deep_learning.GradientResNet`.
    running_cost : float or ndarray of shape (*shape)
        :math:`V` of the control problem the network is compared with (:math:`W = -V`).
    method : {"spectral", "fd2", "fd4"}
        Space derivatives (the potential is not periodic: use a local one).

    Returns
    -------
    NetworkHydrodynamics

    Raises
    ------
    InvalidArgumentError
        If the network is not a gradient network.
    """
    from ..deep_learning import GradientResNet

    if not isinstance(flow, NetworkFlow):
        raise InvalidArgumentError(f"flow must be a NetworkFlow, got {_describe(flow)}")
    net = flow.network
    if not isinstance(net, GradientResNet):
        raise InvalidArgumentError(
            f"the phase needs a gradient network (liepoisson_models.deep_learning.GradientResNet), got "
            f"{type(net).__name__}: a general network's drift has no potential"
        )
    grid, sigma = flow.grid, flow.sigma
    hbar = sigma**2
    V = np.broadcast_to(grid.check_field("running_cost", np.broadcast_to(running_cost, grid.shape)), grid.shape)
    W = -V
    pts = grid.points.reshape(grid.dim, -1).T
    layer_phi = np.stack([-net.potential(pts, flow.theta[k]).reshape(grid.shape) for k in range(net.depth)])
    s = flow.steps_per_layer
    index = np.minimum(np.arange(len(flow.t)) // s, net.depth - 1)
    phi = layer_phi[index]
    S, _ = osmotic_transform(grid, flow.rho, phi, sigma, method)
    psi = madelung(flow.rho, S, hbar)

    cont, hjb, nls_phase, schr, w_eff = [], [], [], [], []
    sign_ab = sign_bb = sign_aa = 0.0
    for k in range(net.depth):
        sl = flow.layer_slice(k)
        t, rho = flow.t[sl], flow.rho[sl]
        ph = np.broadcast_to(layer_phi[k], rho.shape)
        Sk, vk = osmotic_transform(grid, rho, ph, sigma, method)
        inner = rho[1:-1]
        # continuity of the transformed fields (the Fokker-Planck equation)
        C = continuity_residual(grid, t, rho, np.expand_dims(rho, 1) * vk, method)
        rate = grid.integrate(np.abs(time_derivative(t, rho)))
        cont.append(float(np.max(grid.integrate(np.abs(C)) / np.maximum(rate, 1e-300))))
        # the terms of the quantum HJ equations
        g = grid.gradient(Sk[1:-1], method)
        St = time_derivative(t, Sk)
        kinetic = 0.5 * grid.dot(g, g)
        bohm = 0.5 * hbar**2 * bohm_potential(grid, inner, method)
        imag = _fit_out_constant(grid, quantum_hj_residual(grid, t, rho, Sk, hbar, W, "imaginary", method), inner)
        real = _fit_out_constant(grid, quantum_hj_residual(grid, t, rho, Sk, hbar, W, "real", method), inner)
        hjb.append(_relative(grid, imag, inner, St, kinetic, bohm, W))
        nls_phase.append(_relative(grid, real, inner, St, kinetic, bohm, W))
        w_eff.append(-(St + kinetic - bohm))
        # the sign of the quantum potential that fits best: S_t + |grad S|^2/2 + W + s Q = c(t),
        # s = -hbar^2/2 real time (NLS), +hbar^2/2 imaginary time (least squares, rho-weighted)
        A = _fit_out_constant(grid, St + kinetic + W, inner)
        B = _fit_out_constant(grid, bohm, inner)
        sign_aa += float(np.sum(grid.integrate(inner * A * A)))
        sign_ab += float(np.sum(grid.integrate(inner * A * B)))
        sign_bb += float(np.sum(grid.integrate(inner * B * B)))
        # the Schrodinger residual with the fitted global phase rate
        raw = quantum_hj_residual(grid, t, rho, Sk, hbar, W, "real", method)
        rate_c = (grid.integrate(inner * raw) / grid.integrate(inner)).reshape((-1,) + (1,) * grid.dim)
        psik = madelung(rho, Sk, hbar)
        U = np.concatenate([W[None] - rate_c[:1], W[None] - rate_c, W[None] - rate_c[-1:]])
        R = schrodinger_residual(grid, t, psik, hbar, U, method)
        lhs = 1j * hbar * time_derivative(t, psik)
        lap = 0.5 * hbar**2 * grid.laplacian(psik[1:-1], method)
        norm = lambda F: float(np.max(np.sqrt(grid.integrate(np.abs(F) ** 2))))  # noqa: E731
        schr.append(norm(R) / max(norm(lhs), norm(lap), 1e-300))
    layers = {"continuity": cont, "hjb": hjb, "nls_phase": nls_phase, "nls": schr}
    residuals = {key: max(values) for key, values in layers.items()}
    min_ratio = float(flow.rho.min() / flow.rho.max())
    bohm_sign = -sign_ab / max(sign_bb, 1e-300)
    # what the best fit leaves, relative to the larger of the two sides
    left = max(sign_aa - sign_ab**2 / max(sign_bb, 1e-300), 0.0)
    sign_fit = float(np.sqrt(left / max(sign_aa, bohm_sign**2 * sign_bb, 1e-300)))
    conditions = {
        "irrotational": {"holds": bool(flow.curl() < 1e-6), "relative_curl": flow.curl()},
        "density_positive": {"holds": bool(min_ratio > 0), "min_relative_density": min_ratio},
        "optimal_feedback": {"holds": bool(residuals["hjb"] < RESIDUAL_TOLERANCE),
                             "relative_hjb_residual": residuals["hjb"]},
        "real_time_sign": {"holds": bool(bohm_sign < 0 and sign_fit < RESIDUAL_TOLERANCE),
                           "fitted_bohm_sign": bohm_sign, "relative_fit_residual": sign_fit},
        "nls": {"holds": bool(residuals["nls"] < RESIDUAL_TOLERANCE),
                "relative_schrodinger_residual": residuals["nls"]},
        "inside_box": {"holds": bool(flow.escaped == 0.0), "escaped_fraction": flow.escaped},
    }
    return NetworkHydrodynamics(flow, hbar, phi, S, psi, np.concatenate(w_eff), residuals,
                                {key: np.array(values) for key, values in layers.items()}, conditions)
