"""Particles: the controlled flow as a stochastic differential equation, and its density.

A sample moves by :math:`dX = u(X, t)\\,dt + \\sigma\\,dW` (Euler–Maruyama); its density
solves the Fokker–Planck equation of :mod:`liepoisson_models.hydrodynamics.control`. On the grid the
empirical density is a histogram (cell counts over the cell volume) or a kernel estimate.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from liepoisson import fft
from liepoisson._validation import _describe, as_finite_array, check_int, check_real
from liepoisson.exceptions import InvalidArgumentError, ShapeError

from .grid import PeriodicGrid

__all__ = [
    "simulate_particles",
    "interpolate_periodic",
    "grid_velocity",
    "histogram_density",
    "kde_density",
    "sample_density",
]


def _check_positions(grid: PeriodicGrid, x, name: str = "x") -> np.ndarray:
    x = as_finite_array(name, x, dtype=float)
    if x.ndim != 2 or x.shape[1] != grid.dim:
        raise ShapeError(f"{name} must have shape (n_particles, {grid.dim}), got {x.shape}")
    return x


def simulate_particles(x0, velocity: Callable[[np.ndarray, float], np.ndarray], sigma, dt,
                       n_steps, rng: np.random.Generator, t0: float = 0.0, save_every: int = 1,
                       grid: PeriodicGrid | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Euler–Maruyama for :math:`dX = u(X, t)\\,dt + \\sigma\\,dW`.

    .. math::

        X_{n+1} = X_n + \\Delta t\\,u(X_n, t_n) + \\sigma\\sqrt{\\Delta t}\\,\\xi_n,
        \\qquad \\xi_n \\sim N(0, I).

    Parameters
    ----------
    x0 : ndarray of shape (n_particles, dim)
    velocity : callable
        ``velocity(x, t)`` with ``x`` of shape ``(n_particles, dim)``.
    sigma : float
        >= 0 (0: the deterministic flow).
    dt : float
        > 0.
    n_steps : int
    rng : numpy.random.Generator
    t0 : float
        Initial time.
    save_every : int
        Keep every ``save_every``-th state (and the last one).
    grid : PeriodicGrid, optional
        Wrap the positions into its box after every step.

    Returns
    -------
    t : ndarray of shape (n_saved,)
    x : ndarray of shape (n_saved, n_particles, dim)

    Examples
    --------
    Brownian motion from the origin spreads with variance :math:`\\sigma^2 t`:

    >>> import numpy as np
    >>> from liepoisson_models.hydrodynamics import simulate_particles
    >>> t, x = simulate_particles(np.zeros((20000, 1)), lambda x, t: 0 * x, 0.5, 0.1, 10,
    ...                           np.random.default_rng(0))
    >>> round(float(x[-1].var()), 2)
    0.25
    """
    sigma = check_real("sigma", sigma)
    if sigma < 0:
        raise InvalidArgumentError(f"sigma must be >= 0, got {sigma}")
    dt = check_real("dt", dt, positive=True)
    n_steps = check_int("n_steps", n_steps, minimum=1)
    save_every = check_int("save_every", save_every, minimum=1)
    if not isinstance(rng, np.random.Generator):
        raise InvalidArgumentError(f"rng must be a numpy.random.Generator, got {_describe(rng)}")
    x = as_finite_array("x0", x0, dtype=float)
    if x.ndim != 2:
        raise ShapeError(f"x0 must have shape (n_particles, dim), got {x.shape}")
    if grid is not None:
        x = _check_positions(grid, x, "x0")
        x = grid.wrap(x)
    x = x.copy()
    times, states = [t0], [x.copy()]
    noise = sigma * np.sqrt(dt)
    for n in range(n_steps):
        t = t0 + n * dt
        x += dt * np.asarray(velocity(x, t), dtype=float)
        if noise:
            x += noise * rng.standard_normal(x.shape)
        if grid is not None:
            x = grid.wrap(x)
        if (n + 1) % save_every == 0 or n + 1 == n_steps:
            times.append(t0 + (n + 1) * dt)
            states.append(x.copy())
    return np.array(times), np.stack(states)


def interpolate_periodic(grid: PeriodicGrid, f: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Multilinear interpolation of grid fields at positions, periodic.

    Parameters
    ----------
    grid : PeriodicGrid
    f : ndarray of shape (k, *shape)
        ``k`` scalar fields (e.g. the components of a vector field).
    x : ndarray of shape (n_particles, dim)

    Returns
    -------
    ndarray of shape (n_particles, k)
    """
    h, n = grid.dx, grid.n_points
    s = (np.asarray(x, dtype=float) + 0.5 * grid.length) / h
    base = np.floor(s).astype(np.int64)
    frac = s - base
    out = 0.0
    for corner in np.ndindex(*([2] * grid.dim)):
        weight = 1.0
        index = []
        for a, c in enumerate(corner):
            weight = weight * (frac[:, a] if c else 1.0 - frac[:, a])
            index.append(np.mod(base[:, a] + c, n))
        out = out + weight[:, None] * f[(slice(None),) + tuple(index)].T
    return out


def grid_velocity(grid: PeriodicGrid, t, u) -> Callable[[np.ndarray, float], np.ndarray]:
    """A velocity ``velocity(x, t)`` from vector fields sampled on the grid at times ``t``:
    multilinear in space, linear in time (constant outside ``[t[0], t[-1]]``).

    Parameters
    ----------
    grid : PeriodicGrid
    t : ndarray of shape (n_times,)
    u : ndarray of shape (n_times, dim, *shape)

    Returns
    -------
    callable
    """
    t = np.asarray(t, dtype=float)
    u = grid.check_field("u", u, vector=True)
    if u.ndim != grid.dim + 2 or u.shape[0] != t.size:
        raise ShapeError(f"u must have shape ({t.size}, {grid.dim}, *{grid.shape}), got {u.shape}")

    def velocity(x, time):
        k = int(np.clip(np.searchsorted(t, time, side="right") - 1, 0, t.size - 1))
        if k == t.size - 1 or time <= t[0]:
            return interpolate_periodic(grid, u[k], x)
        w = (time - t[k]) / (t[k + 1] - t[k])
        field = (1.0 - w) * u[k] + w * u[k + 1]
        return interpolate_periodic(grid, field, x)

    return velocity


def histogram_density(grid: PeriodicGrid, x) -> np.ndarray:
    """The histogram density of positions on the grid cells: the fraction of particles in
    each cell :math:`[x_j - h/2, x_j + h/2)` (periodic) over the cell volume.

    Parameters
    ----------
    grid : PeriodicGrid
    x : ndarray of shape (n_particles, dim)

    Returns
    -------
    ndarray of shape (*shape)
        Integrates to 1.

    Examples
    --------
    >>> import numpy as np
    >>> from liepoisson_models.hydrodynamics import PeriodicGrid, histogram_density
    >>> grid = PeriodicGrid(4, 4.0)
    >>> histogram_density(grid, np.array([[-2.0], [0.2], [0.4], [1.2]]))
    array([0.25, 0.  , 0.5 , 0.25])
    """
    x = _check_positions(grid, x)
    if x.shape[0] == 0:
        raise InvalidArgumentError("x must hold at least one particle, got 0")
    index = np.mod(np.floor((x + 0.5 * grid.length) / grid.dx + 0.5).astype(np.int64), grid.n_points)
    flat = np.ravel_multi_index(tuple(index.T), grid.shape)
    counts = np.bincount(flat, minlength=grid.size).reshape(grid.shape)
    return counts / (x.shape[0] * grid.cell_volume)


def kde_density(grid: PeriodicGrid, x, bandwidth) -> np.ndarray:
    """A Gaussian kernel density estimate on the grid (periodic): the histogram of
    :func:`histogram_density` convolved with the Gaussian of standard deviation
    ``bandwidth`` by FFT (binning adds an error :math:`O(h^2)`).

    Parameters
    ----------
    grid : PeriodicGrid
    x : ndarray of shape (n_particles, dim)
    bandwidth : float
        > 0.

    Returns
    -------
    ndarray of shape (*shape)
        Integrates to 1, :math:`\\ge 0` up to round-off.
    """
    bandwidth = check_real("bandwidth", bandwidth, positive=True)
    hist = histogram_density(grid, x)
    k2 = -grid.laplacian_symbol
    axes = tuple(range(-grid.dim, 0))
    smooth = fft.fourier_multiply(hist, np.exp(-0.5 * bandwidth**2 * k2), axes).real
    return np.maximum(smooth, 0.0)


def sample_density(grid: PeriodicGrid, rho, n_particles, rng: np.random.Generator) -> np.ndarray:
    """Samples of a grid density: a cell drawn with probability :math:`\\rho_j h^d`, then a
    uniform point in it (exact samples of the piecewise-constant density).

    Parameters
    ----------
    grid : PeriodicGrid
    rho : ndarray of shape (*shape)
        Normalised density.
    n_particles : int
    rng : numpy.random.Generator

    Returns
    -------
    ndarray of shape (n_particles, dim)
    """
    rho = grid.check_density("rho", rho)
    n_particles = check_int("n_particles", n_particles, minimum=1)
    p = rho.ravel() * grid.cell_volume
    cells = rng.choice(grid.size, size=n_particles, p=p / p.sum())
    index = np.stack(np.unravel_index(cells, grid.shape), axis=-1)
    offset = rng.random((n_particles, grid.dim)) - 0.5
    return grid.x[0] + grid.dx * (index + offset)
