"""Hydrodynamic fields on the grid: velocity, momentum, Fisher information, Bohm potential,
the osmotic transform and the Madelung transform.

With noise :math:`\\sigma` the control problem has the density :math:`\\rho` and the value
:math:`\\varphi` (drift :math:`u = \\nabla\\varphi`); the *osmotic transform*

.. math::

    S = \\varphi - \\frac{\\sigma^2}{2}\\log\\rho, \\qquad
    v = \\nabla S = u - \\frac{\\sigma^2}{2}\\nabla\\log\\rho

gives the phase :math:`S` and current velocity :math:`v` of quantum hydrodynamics with
:math:`\\hbar = \\sigma^2`, and the *Madelung transform*
:math:`\\psi = \\sqrt\\rho\\,e^{iS/\\hbar}` a wavefunction.
"""

from __future__ import annotations

import heapq

import numpy as np

from liepoisson._validation import check_real

from .grid import PeriodicGrid, check_sigma

__all__ = [
    "DENSITY_FLOOR",
    "velocity",
    "momentum",
    "log_density",
    "fisher_information",
    "bohm_potential",
    "osmotic_velocity",
    "osmotic_transform",
    "inverse_osmotic_transform",
    "madelung",
    "inverse_madelung",
    "current",
]

#: Where :math:`\\rho` is below this fraction of its maximum, divisions by :math:`\\rho`
#: are replaced by 0 and :math:`\\log\\rho` is cut off (the fields there are not defined).
DENSITY_FLOOR = 1e-13


def _floor(rho: np.ndarray, grid: PeriodicGrid, floor: float) -> np.ndarray:
    """The absolute floor ``floor * max rho`` per leading index, broadcastable to ``rho``."""
    axes = tuple(range(-grid.dim, 0))
    top = np.max(rho, axis=axes, keepdims=True)
    return np.maximum(floor * top, np.finfo(float).tiny)


def velocity(grid: PeriodicGrid, S, method: str | None = None) -> np.ndarray:
    """:math:`v = \\nabla S`, shape ``(..., dim, *shape)``.

    Parameters
    ----------
    grid : PeriodicGrid
    S : ndarray of shape (..., *shape)
        A velocity potential (phase). For a potential that is not periodic (a quadratic on
        the box) use a local derivative, ``method="fd2"`` or ``"fd4"``.
    method : {"spectral", "fd2", "fd4"}, optional
    """
    return grid.gradient(grid.check_field("S", S), method)


def momentum(grid: PeriodicGrid, rho, v) -> np.ndarray:
    """:math:`m = \\rho v`, shape ``(..., dim, *shape)``."""
    rho = grid.check_field("rho", rho)
    v = grid.check_field("v", v, vector=True)
    return np.expand_dims(rho, -grid.dim - 1) * v


def log_density(grid: PeriodicGrid, rho, floor: float = DENSITY_FLOOR) -> np.ndarray:
    """:math:`\\log\\max(\\rho, \\text{floor}\\cdot\\max\\rho)` (finite everywhere)."""
    rho = np.asarray(rho, dtype=float)
    return np.log(np.maximum(rho, _floor(rho, grid, floor)))


def fisher_information(grid: PeriodicGrid, rho, method: str | None = None) -> np.ndarray:
    """:math:`I(\\rho) = \\int |\\nabla\\rho|^2/\\rho\\,dx = 4\\int|\\nabla\\sqrt\\rho|^2 dx`.

    Computed from :math:`\\sqrt\\rho` (no division by :math:`\\rho`). Its functional
    derivative is :math:`\\delta I/\\delta\\rho = -4\\,\\Delta\\sqrt\\rho/\\sqrt\\rho`
    (:func:`bohm_potential`).

    Parameters
    ----------
    grid : PeriodicGrid
    rho : ndarray of shape (..., *shape)
        A density (:math:`\\ge 0`).
    method : {"spectral", "fd2", "fd4"}, optional

    Returns
    -------
    ndarray of shape (...)

    Examples
    --------
    The Fisher information of a Gaussian of variance :math:`s` in 1-D is :math:`1/s`:

    >>> import numpy as np
    >>> from liepoisson_models.hydrodynamics import PeriodicGrid, fisher_information
    >>> grid = PeriodicGrid(128, 20.0)
    >>> rho = np.exp(-grid.x ** 2 / (2 * 0.5)) / np.sqrt(2 * np.pi * 0.5)
    >>> round(float(fisher_information(grid, rho)), 10)
    2.0
    """
    rho = grid.check_density("rho", rho, normalized=False)
    root = np.sqrt(rho)
    g = grid.gradient(root, method)
    return 4.0 * grid.integrate(grid.dot(g, g))


def bohm_potential(grid: PeriodicGrid, rho, method: str | None = None,
                   floor: float = DENSITY_FLOOR) -> np.ndarray:
    """The quantum (Bohm) potential :math:`Q = \\Delta\\sqrt\\rho/\\sqrt\\rho
    = \\tfrac12\\Delta\\log\\rho + \\tfrac14|\\nabla\\log\\rho|^2`.

    With a local derivative (``"fd2"``, ``"fd4"``) it is computed from :math:`\\log\\rho`
    (exact for a Gaussian, whose logarithm is quadratic, and relatively accurate in the
    tails); spectrally as :math:`\\Delta\\sqrt\\rho/\\sqrt\\rho`. Where :math:`\\rho` is below
    ``floor`` times its maximum the value is not meaningful.

    Parameters
    ----------
    grid : PeriodicGrid
    rho : ndarray of shape (..., *shape)
    method : {"spectral", "fd2", "fd4"}, optional
    floor : float
        Relative floor of :math:`\\rho` (see :data:`DENSITY_FLOOR`).

    Returns
    -------
    ndarray of shape (..., *shape)

    Examples
    --------
    For a Gaussian of variance :math:`s`, :math:`Q = x^2/(4s^2) - 1/(2s)`:

    >>> import numpy as np
    >>> from liepoisson_models.hydrodynamics import PeriodicGrid, bohm_potential
    >>> grid = PeriodicGrid(64, 12.0, derivative="fd2")
    >>> rho = np.exp(-grid.x ** 2 / 2) / np.sqrt(2 * np.pi)
    >>> Q = bohm_potential(grid, rho)
    >>> bool(np.allclose(Q[5:-5], grid.x[5:-5] ** 2 / 4 - 0.5, atol=1e-9))
    True
    """
    rho = grid.check_density("rho", rho, normalized=False)
    method = grid._method(method)
    if method == "spectral":
        root = np.sqrt(rho)
        lap = grid.laplacian(root, method)
        cut = np.sqrt(_floor(rho, grid, floor))
        return np.where(root > cut, lap / np.maximum(root, cut), 0.0)
    ell = log_density(grid, rho, floor)
    g = grid.gradient(ell, method)
    return 0.5 * grid.laplacian(ell, method) + 0.25 * grid.dot(g, g)


def osmotic_velocity(grid: PeriodicGrid, rho, sigma, method: str | None = None,
                     floor: float = DENSITY_FLOOR) -> np.ndarray:
    """The osmotic velocity :math:`\\frac{\\sigma^2}{2}\\nabla\\log\\rho`, shape
    ``(..., dim, *shape)``."""
    sigma = check_sigma(sigma)
    rho = grid.check_density("rho", rho, normalized=False)
    return 0.5 * sigma**2 * grid.gradient(log_density(grid, rho, floor), method)


def osmotic_transform(grid: PeriodicGrid, rho, phi, sigma, method: str | None = None,
                      floor: float = DENSITY_FLOOR) -> tuple[np.ndarray, np.ndarray]:
    """From the control fields :math:`(\\rho, \\varphi)` to the phase and current velocity:
    :math:`S = \\varphi - \\frac{\\sigma^2}{2}\\log\\rho`, :math:`v = \\nabla S`.

    Parameters
    ----------
    grid : PeriodicGrid
    rho : ndarray of shape (..., *shape)
        Density, :math:`\\ge 0` (not necessarily normalised).
    phi : ndarray of shape (..., *shape)
        Value function, :math:`u = \\nabla\\varphi`.
    sigma : float
        Noise strength, > 0 (:math:`\\hbar = \\sigma^2`).
    method : {"spectral", "fd2", "fd4"}, optional
        Derivative for :math:`v`.
    floor : float
        Relative floor of :math:`\\rho` in :math:`\\log\\rho`.

    Returns
    -------
    S : ndarray of shape (..., *shape)
    v : ndarray of shape (..., dim, *shape)

    Raises
    ------
    InvalidArgumentError
        For ``sigma <= 0``, a negative density or fields on another grid.

    Examples
    --------
    The transform and its inverse are exact inverses:

    >>> import numpy as np
    >>> from liepoisson_models.hydrodynamics import PeriodicGrid, osmotic_transform, inverse_osmotic_transform
    >>> grid = PeriodicGrid(32, 2 * np.pi)
    >>> rho = (1 + 0.5 * np.cos(grid.x)) / (2 * np.pi)
    >>> phi = np.sin(grid.x)
    >>> S, v = osmotic_transform(grid, rho, phi, sigma=0.7)
    >>> phi2, u = inverse_osmotic_transform(grid, rho, S, sigma=0.7)
    >>> bool(np.allclose(phi2, phi)), bool(np.allclose(u[0], np.cos(grid.x)))
    (True, True)
    """
    sigma = check_sigma(sigma)
    rho = grid.check_density("rho", rho, normalized=False)
    phi = grid.check_field("phi", phi)
    S = phi - 0.5 * sigma**2 * log_density(grid, rho, floor)
    return S, grid.gradient(S, method)


def inverse_osmotic_transform(grid: PeriodicGrid, rho, S, sigma, method: str | None = None,
                              floor: float = DENSITY_FLOOR) -> tuple[np.ndarray, np.ndarray]:
    """From the phase back to the control fields: :math:`\\varphi = S +
    \\frac{\\sigma^2}{2}\\log\\rho`, :math:`u = \\nabla\\varphi = v + \\frac{\\sigma^2}{2}
    \\nabla\\log\\rho` (the inverse of :func:`osmotic_transform`).

    Returns
    -------
    phi : ndarray of shape (..., *shape)
    u : ndarray of shape (..., dim, *shape)
    """
    sigma = check_sigma(sigma)
    rho = grid.check_density("rho", rho, normalized=False)
    S = grid.check_field("S", S)
    phi = S + 0.5 * sigma**2 * log_density(grid, rho, floor)
    return phi, grid.gradient(phi, method)


def madelung(rho, S, hbar) -> np.ndarray:
    """The Madelung wavefunction :math:`\\psi = \\sqrt\\rho\\,e^{iS/\\hbar}`.

    Parameters
    ----------
    rho : array_like
        Density, :math:`\\ge 0`.
    S : array_like
        Phase, same shape.
    hbar : float
        > 0.

    Returns
    -------
    ndarray of complex

    Examples
    --------
    >>> import numpy as np
    >>> from liepoisson_models.hydrodynamics import madelung
    >>> madelung(np.array([4.0]), np.array([np.pi]), hbar=2.0).round(12)
    array([0.+2.j])
    """
    hbar = check_real("hbar", hbar, positive=True)
    rho = np.asarray(rho, dtype=float)
    if rho.size and rho.min() < 0:
        from liepoisson.exceptions import InvalidArgumentError

        raise InvalidArgumentError(f"rho must be >= 0 everywhere, got {rho.min():.3g}")
    return np.sqrt(rho) * np.exp(1j * np.asarray(S, dtype=float) / hbar)


def _unwrap_quality_guided(theta: np.ndarray, quality: np.ndarray) -> np.ndarray:
    """Unwrap a phase field (radians) by growing a region from the best point, always
    adding next the neighbour of highest quality (non-periodic neighbours)."""
    shape = theta.shape
    flat = theta.ravel()
    q = quality.ravel()
    out = np.empty_like(flat)
    done = np.zeros(flat.size, dtype=bool)
    strides = np.array([int(np.prod(shape[a + 1:])) for a in range(len(shape))])
    start = int(np.argmax(q))
    out[start] = flat[start]
    done[start] = True
    heap = []

    def push_neighbours(i):
        coords = np.unravel_index(i, shape)
        for a, stride in enumerate(strides):
            for step in (-1, 1):
                c = coords[a] + step
                if 0 <= c < shape[a]:
                    j = i + step * stride
                    if not done[j]:
                        heapq.heappush(heap, (-q[j], j, i))

    push_neighbours(start)
    while heap:
        _, j, i = heapq.heappop(heap)
        if done[j]:
            continue
        d = flat[j] - flat[i]
        out[j] = out[i] + d - 2.0 * np.pi * np.round(d / (2.0 * np.pi))
        done[j] = True
        push_neighbours(j)
    return out.reshape(shape)


def inverse_madelung(grid: PeriodicGrid, psi, hbar) -> tuple[np.ndarray, np.ndarray]:
    """:math:`(\\rho, S)` from :math:`\\psi`: :math:`\\rho = |\\psi|^2` and the phase
    :math:`S = \\hbar\\arg\\psi` unwrapped.

    The wrapped phase is unwrapped by region growing from the point of largest
    :math:`|\\psi|` (quality-guided path following): each new point is joined to an
    already unwrapped neighbour, largest :math:`|\\psi|` first, so the path crosses the
    regions where :math:`\\rho` is small (where the phase is noisy or undefined) last and
    errors there do not propagate into the bulk. The phase is continuous along the paths,
    not periodic: a flow with a net circulation gives a phase that grows across the box.
    :math:`S` at the starting point is :math:`\\hbar\\arg\\psi \\in (-\\pi\\hbar, \\pi\\hbar]`.
    The phase must be resolved (jumps below :math:`\\pi` between neighbours) where
    :math:`\\rho` is not small.

    Parameters
    ----------
    grid : PeriodicGrid
    psi : ndarray of shape (*shape) or (n_times, *shape), complex
    hbar : float
        > 0.

    Returns
    -------
    rho : ndarray of the shape of ``psi``
    S : ndarray of the shape of ``psi``

    Examples
    --------
    >>> import numpy as np
    >>> from liepoisson_models.hydrodynamics import PeriodicGrid, inverse_madelung, madelung
    >>> grid = PeriodicGrid(64, 10.0)
    >>> rho = np.exp(-grid.x ** 2) / np.sqrt(np.pi)
    >>> S = 0.4 * grid.x ** 2               # S / hbar winds round the circle
    >>> rho2, S2 = inverse_madelung(grid, madelung(rho, S, hbar=0.5), hbar=0.5)
    >>> inner = rho > 1e-6
    >>> bool(np.allclose(S2[inner] - S2[32], S[inner] - S[32], atol=1e-10))
    True
    """
    hbar = check_real("hbar", hbar, positive=True)
    psi = grid.check_field("psi", psi, complex_ok=True)
    rho = np.abs(psi) ** 2
    theta = np.angle(psi)
    if grid.dim == 1:
        # on a line the path from the start to a point is unique: sum the wrapped steps
        steps = np.diff(theta, axis=-1)
        steps -= 2.0 * np.pi * np.round(steps / (2.0 * np.pi))
        walk = np.concatenate([np.zeros(theta.shape[:-1] + (1,)), np.cumsum(steps, axis=-1)], axis=-1)
        start = np.argmax(rho, axis=-1)[..., None]
        S = np.take_along_axis(theta, start, -1) + walk - np.take_along_axis(walk, start, -1)
        return rho, hbar * S
    batch = psi.shape[: psi.ndim - grid.dim]
    S = np.empty(psi.shape)
    for index in np.ndindex(*batch):
        S[index] = hbar * _unwrap_quality_guided(theta[index], rho[index])
    return rho, S


def current(grid: PeriodicGrid, psi, hbar, method: str | None = None) -> np.ndarray:
    """The probability current :math:`m = \\hbar\\operatorname{Im}(\\bar\\psi\\nabla\\psi)
    = \\rho\\nabla S`, shape ``(..., dim, *shape)`` (no phase unwrapping needed).

    Parameters
    ----------
    grid : PeriodicGrid
    psi : ndarray of shape (..., *shape), complex
    hbar : float
    method : {"spectral", "fd2", "fd4"}, optional
    """
    hbar = check_real("hbar", hbar, positive=True)
    psi = grid.check_field("psi", psi, complex_ok=True)
    g = grid.gradient(psi, method)
    return hbar * np.imag(np.expand_dims(np.conj(psi), -grid.dim - 1) * g)
