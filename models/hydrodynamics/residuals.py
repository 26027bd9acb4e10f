"""Residuals of the hydrodynamic and Schrödinger equations for fields sampled in time.

Every residual is evaluated at the interior time levels ``t[1:-1]`` with central
differences in time (second order on a uniform time grid) and the grid's derivatives in
space; the norms (:func:`weighted_norm`) weight by the density, so the regions where
:math:`\\rho` is negligible (and phases are undefined) do not count.

The quantum Hamilton–Jacobi equation comes in two time directions,

.. math::

    \\text{real:}\\quad \\partial_t S + \\tfrac12|\\nabla S|^2 + U
        - \\frac{\\hbar^2}{2}\\frac{\\Delta\\sqrt\\rho}{\\sqrt\\rho} = 0, \\qquad
    \\text{imaginary:}\\quad \\partial_t S + \\tfrac12|\\nabla S|^2 + U
        + \\frac{\\hbar^2}{2}\\frac{\\Delta\\sqrt\\rho}{\\sqrt\\rho} = 0:

the first is the phase equation of :math:`i\\hbar\\partial_t\\psi = -\\frac{\\hbar^2}{2}\\Delta\\psi
+ U\\psi` (NLS when :math:`U = W + g(\\rho)`), the second the transformed HJB equation of
stochastic control (Schrödinger bridge) with :math:`\\hbar = \\sigma^2` and
:math:`U = -V - \\delta F/\\delta\\rho`.
"""

from __future__ import annotations

import numpy as np

from liepoisson._validation import _describe, check_real
from liepoisson.exceptions import InvalidArgumentError, ShapeError

from .fields import DENSITY_FLOOR, _floor, bohm_potential
from .grid import PeriodicGrid

__all__ = [
    "TIME_DIRECTIONS",
    "time_derivative",
    "weighted_norm",
    "continuity_residual",
    "quantum_hj_residual",
    "momentum_flux_divergence",
    "quantum_euler_residual",
    "schrodinger_residual",
]

#: The two forms of the quantum Hamilton–Jacobi equation.
TIME_DIRECTIONS = ("real", "imaginary")


def _check_times(t, f, grid: PeriodicGrid, name: str) -> np.ndarray:
    t = np.asarray(t, dtype=float)
    if t.ndim != 1 or t.size < 3:
        raise InvalidArgumentError(f"t must be a 1-D array of at least 3 times, got shape {t.shape}")
    if not np.all(np.diff(t) > 0):
        raise InvalidArgumentError("t must be increasing")
    if np.shape(f)[0] != t.size:
        raise ShapeError(f"{name} must have len(t) = {t.size} time levels, got shape {np.shape(f)}")
    return t


def time_derivative(t, f) -> np.ndarray:
    """Central difference :math:`(f_{n+1} - f_{n-1})/(t_{n+1} - t_{n-1})` at ``t[1:-1]``.

    Parameters
    ----------
    t : ndarray of shape (n_times,)
    f : ndarray of shape (n_times, ...)

    Returns
    -------
    ndarray of shape (n_times - 2, ...)
    """
    t = np.asarray(t, dtype=float)
    f = np.asarray(f)
    span = (t[2:] - t[:-2]).reshape((-1,) + (1,) * (f.ndim - 1))
    return (f[2:] - f[:-2]) / span


def weighted_norm(grid: PeriodicGrid, R, rho) -> np.ndarray:
    """:math:`\\big(\\int\\rho R^2 / \\int\\rho\\big)^{1/2}` per leading index (complex
    :math:`R`: :math:`|R|^2`)."""
    R2 = np.abs(R) ** 2
    return np.sqrt(grid.integrate(rho * R2) / grid.integrate(rho))


def continuity_residual(grid: PeriodicGrid, t, rho, flux, method: str | None = None) -> np.ndarray:
    """:math:`\\partial_t\\rho + \\nabla\\cdot m` at ``t[1:-1]``.

    Parameters
    ----------
    grid : PeriodicGrid
    t : ndarray of shape (n_times,)
    rho : ndarray of shape (n_times, *shape)
    flux : ndarray of shape (n_times, dim, *shape)
        :math:`m = \\rho v`.
    method : {"spectral", "fd2", "fd4"}, optional

    Returns
    -------
    ndarray of shape (n_times - 2, *shape)
    """
    rho = grid.check_field("rho", rho)
    flux = grid.check_field("flux", flux, vector=True)
    t = _check_times(t, rho, grid, "rho")
    return time_derivative(t, rho) + grid.divergence(flux[1:-1], method)


def _potential_levels(U, n: int, grid: PeriodicGrid) -> np.ndarray:
    U = np.asarray(U, dtype=float)
    if U.ndim == grid.dim + 1:
        if U.shape[0] != n:
            raise ShapeError(f"potential must have {n} time levels, got shape {U.shape}")
        return U[1:-1]
    return U


def quantum_hj_residual(grid: PeriodicGrid, t, rho, S, hbar, potential=0.0, time: str = "real",
                        method: str | None = None) -> np.ndarray:
    """The quantum Hamilton–Jacobi residual (see the module notes) at ``t[1:-1]``.

    Parameters
    ----------
    grid : PeriodicGrid
    t : ndarray of shape (n_times,)
    rho, S : ndarray of shape (n_times, *shape)
    hbar : float
        > 0.
    potential : float or ndarray of shape (*shape) or (n_times, *shape)
        :math:`U`.
    time : {"real", "imaginary"}
    method : {"spectral", "fd2", "fd4"}, optional

    Returns
    -------
    ndarray of shape (n_times - 2, *shape)
    """
    if time not in TIME_DIRECTIONS:
        raise InvalidArgumentError(f"time must be one of {TIME_DIRECTIONS}, got {_describe(time)}")
    hbar = check_real("hbar", hbar, positive=True)
    rho = grid.check_field("rho", rho)
    S = grid.check_field("S", S)
    t = _check_times(t, rho, grid, "rho")
    U = _potential_levels(potential, t.size, grid)
    inner = S[1:-1]
    g = grid.gradient(inner, method)
    Q = bohm_potential(grid, rho[1:-1], method)
    sign = -1.0 if time == "real" else 1.0
    return time_derivative(t, S) + 0.5 * grid.dot(g, g) + U + sign * 0.5 * hbar**2 * Q


def momentum_flux_divergence(grid: PeriodicGrid, rho, m, hbar, potential=0.0,
                             method: str | None = None, floor: float = DENSITY_FLOOR) -> np.ndarray:
    """The right-hand side of the quantum Euler equation in conservation form,

    .. math::

        \\dot m = -\\nabla\\cdot\\Big(\\frac{m\\otimes m}{\\rho}\\Big) - \\rho\\nabla U
        + \\frac{\\hbar^2}{4}\\nabla\\cdot\\big(\\nabla\\nabla\\rho
        - 4\\nabla\\sqrt\\rho\\otimes\\nabla\\sqrt\\rho\\big)

    (the last term is :math:`\\frac{\\hbar^2}{2}\\rho\\nabla\\frac{\\Delta\\sqrt\\rho}{\\sqrt\\rho}`).
    Only :math:`m\\otimes m/\\rho = \\rho v\\otimes v` divides by :math:`\\rho`, and it is
    continuous where the quotient is cut off (0 below ``floor`` times the maximum), so the
    tails do not spoil spectral derivatives.

    Parameters
    ----------
    grid : PeriodicGrid
    rho : ndarray of shape (..., *shape)
    m : ndarray of shape (..., dim, *shape)
    hbar : float
    potential : float or ndarray broadcastable to ``rho``
        :math:`U` (:math:`W + g\\rho` for the NLS).
    method : {"spectral", "fd2", "fd4"}, optional

    Returns
    -------
    ndarray of shape (..., dim, *shape)
    """
    cut = _floor(rho, grid, floor)
    inv = np.where(rho > cut, 1.0 / np.maximum(rho, cut), 0.0)
    root_grad = grid.gradient(np.sqrt(rho), method)
    grad_rho = grid.gradient(rho, method)
    gradU = grid.gradient(np.broadcast_to(potential, rho.shape), method)
    comps = []
    for i in range(grid.dim):
        mi = grid.component(m, i)
        advect = sum(grid.partial(mi * grid.component(m, j) * inv, j, method) for j in range(grid.dim))
        stress = sum(
            grid.partial(grid.partial(grid.component(grad_rho, i), j, method)
                         - 4.0 * grid.component(root_grad, i) * grid.component(root_grad, j), j, method)
            for j in range(grid.dim)
        )
        comps.append(-advect - rho * grid.component(gradU, i) + 0.25 * hbar**2 * stress)
    return np.stack(comps, axis=-grid.dim - 1)


def quantum_euler_residual(grid: PeriodicGrid, t, rho, m, hbar, potential=0.0,
                           method: str | None = None, floor: float = DENSITY_FLOOR) -> np.ndarray:
    """The residual :math:`\\partial_t m - \\dot m` of the quantum Euler equation at
    ``t[1:-1]``, :math:`\\dot m` from :func:`momentum_flux_divergence`.

    Parameters
    ----------
    grid : PeriodicGrid
    t : ndarray of shape (n_times,)
    rho : ndarray of shape (n_times, *shape)
    m : ndarray of shape (n_times, dim, *shape)
    hbar : float
    potential : float or ndarray of shape (*shape) or (n_times, *shape)
        :math:`U` (:math:`W + g\\rho` for the NLS).
    method : {"spectral", "fd2", "fd4"}, optional

    Returns
    -------
    ndarray of shape (n_times - 2, dim, *shape)
    """
    hbar = check_real("hbar", hbar, positive=True)
    rho = grid.check_field("rho", rho)
    m = grid.check_field("m", m, vector=True)
    t = _check_times(t, rho, grid, "rho")
    U = _potential_levels(potential, t.size, grid)
    force = momentum_flux_divergence(grid, rho[1:-1], m[1:-1], hbar, U, method, floor)
    return time_derivative(t, m) - force


def schrodinger_residual(grid: PeriodicGrid, t, psi, hbar, potential=0.0,
                         method: str | None = None) -> np.ndarray:
    """:math:`i\\hbar\\partial_t\\psi + \\frac{\\hbar^2}{2}\\Delta\\psi - U\\psi` at
    ``t[1:-1]`` (the NLS residual when :math:`U = W + g|\\psi|^2`).

    Parameters
    ----------
    grid : PeriodicGrid
    t : ndarray of shape (n_times,)
    psi : ndarray of shape (n_times, *shape), complex
    hbar : float
    potential : float or ndarray of shape (*shape) or (n_times, *shape)
    method : {"spectral", "fd2", "fd4"}, optional

    Returns
    -------
    ndarray of shape (n_times - 2, *shape), complex
    """
    hbar = check_real("hbar", hbar, positive=True)
    psi = grid.check_field("psi", psi, complex_ok=True)
    t = _check_times(t, psi, grid, "psi")
    U = _potential_levels(potential, t.size, grid)
    inner = psi[1:-1]
    return 1j * hbar * time_derivative(t, psi) + 0.5 * hbar**2 * grid.laplacian(inner, method) - U * inner
