"""Laws of the density of a network trained with noise: particles through the noisy discrete
network (LP-HJ layers between exact Gaussian half-step increments) have the Fokker–Planck
density of the trained vector field at the same sigma, to the grid's order."""

from __future__ import annotations

import numpy as np
import pytest

from liepoisson.exceptions import InvalidArgumentError, ShapeError
from liepoisson_models.deep_learning import ResNetRegressor, TanhResNet
from liepoisson_models.hydrodynamics import (
    PeriodicGrid,
    histogram_density,
    kernel_density,
    network_density_flow,
    network_fokker_planck,
    noisy_network_particles,
)

SIGMA, BANDWIDTH = 0.3, 0.3


@pytest.fixture(scope="module")
def trained():
    """A 1-D network trained with noise sigma to map x to tanh(4 x): its flow splits the
    uniform data into two clusters."""
    rng = np.random.default_rng(0)
    X = rng.uniform(-1.5, 1.5, (300, 1))
    reg = ResNetRegressor(network=TanhResNet(1, 16, 2.0), lift="pad", noise=SIGMA, n_paths=2, epochs=60,
                          batch_size=50, learning_rate=0.03, random_state=0).fit(X, np.tanh(4 * X[:, 0]))
    return reg, X


def wasserstein_1d(grid, p, q):
    """:math:`\\int |F_p - F_q|\\,dx` of two cell-mass vectors on a 1-D grid."""
    return float(np.sum(np.abs(np.cumsum(p - q))) * grid.dx)


def test_noisy_network_particles_have_the_fokker_planck_density_at_first_order_in_the_step(trained):
    reg, X = trained
    net, theta = reg.network_, reg.params_.theta
    assert reg.score(X, np.tanh(4 * X[:, 0])) > 0.9
    grid = PeriodicGrid(512, 12.0)  # spatial error (second order) well below the floor
    rng = np.random.default_rng(5)
    # 10^6 particles in chunks (exact samples of the kernel density of the data)
    counts = 0.0
    for _ in range(5):
        start = X[rng.integers(0, X.shape[0], 200_000)] + BANDWIDTH * rng.standard_normal((200_000, 1))
        final = noisy_network_particles(net, theta, start, SIGMA, rng)[-1]
        assert np.all(np.abs(final) < 0.4 * grid.length)  # far from the edge of the box
        counts = counts + histogram_density(grid, final)
    particles = counts / 5 * grid.cell_volume
    rho0 = kernel_density(grid, X, BANDWIDTH)
    fp = {s: network_fokker_planck(net, theta, grid, rho0, SIGMA, s)[-1] * grid.cell_volume
          for s in (1, 2, 4, 32, 64)}
    gaps = [wasserstein_1d(grid, fp[s], particles) for s in (1, 2, 4)]
    orders = np.log2(np.array(gaps[:-1]) / gaps[1:])
    # implicit Euler in time: first order in the step until the particles' floor
    assert np.all(orders > 0.8), (gaps, orders)
    # the floor: against the extrapolated grid solution the gap is the particles' own
    # statistical error (about sqrt(2/pi) int sqrt(F(1 - F)/n) dx = 1.6e-3) and the
    # network's weak error O(h^2)
    limit = 2 * fp[64] - fp[32]
    F = np.clip(np.cumsum(limit), 0.0, 1.0)
    statistical = np.sqrt(2 / np.pi) * np.sum(np.sqrt(F * (1 - F) / 1e6)) * grid.dx
    floor = wasserstein_1d(grid, limit, particles)
    assert floor < 2.5 * statistical, (floor, statistical)
    assert floor < gaps[-1] / 4
    # the flow moves the data much more than these gaps
    assert wasserstein_1d(grid, rho0 * grid.cell_volume, particles) > 30 * floor


def test_density_flow_with_network_particles_agrees_with_its_grid_solution(trained):
    reg, X = trained
    grid = PeriodicGrid(128, 12.0)
    flow = network_density_flow(reg.network_, reg.params_.theta, X, grid, SIGMA, steps_per_layer=8,
                                bandwidth=BANDWIDTH, n_particles=40000, rng=np.random.default_rng(2),
                                particles="network")
    assert flow.scheme == "network" and flow.escaped == 0.0
    assert flow.particles.shape == (17, 40000, 1)
    gap = flow.density_gap(block=4)
    assert np.max(gap) < 0.06
    assert grid.integrate(np.abs(flow.rho[-1] - flow.rho[0])) > 10 * gap[-1]


def test_zero_noise_particles_are_the_deterministic_network(trained):
    reg, X = trained
    states = noisy_network_particles(reg.network_, reg.params_.theta, X, 0.0, np.random.default_rng(0))
    # the noise-free layers (the estimator solves them to its tolerance 1e-10)
    assert np.allclose(states, reg.flow(X), rtol=0, atol=1e-9)


def test_noisy_network_particles_refuse_bad_arguments(trained):
    reg, X = trained
    net, theta = reg.network_, reg.params_.theta
    with pytest.raises(InvalidArgumentError, match="sigma must be >= 0, got -0.1"):
        noisy_network_particles(net, theta, X, -0.1, np.random.default_rng(0))
    with pytest.raises(ShapeError, match=r"x0 must have shape \(n_particles, 1\), got \(300,\)"):
        noisy_network_particles(net, theta, X[:, 0], 0.1, np.random.default_rng(0))
    with pytest.raises(InvalidArgumentError, match="rng must be a numpy.random.Generator, got 3"):
        noisy_network_particles(net, theta, X, 0.1, 3)
    with pytest.raises(InvalidArgumentError, match="particles must be one of"):
        network_density_flow(net, theta, X, PeriodicGrid(16, 12.0), 0.3, particles="exact")
