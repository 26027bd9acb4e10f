"""Diagnostics: empirical order, Poisson-map defect, energy drift."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ._validation import as_finite_array, check_real
from .exceptions import InvalidArgumentError
from .trajectory import Trajectory

__all__ = ["OrderEstimate", "empirical_order", "poisson_defect", "energy_drift", "flow_jacobian"]


@dataclass(frozen=True)
class OrderEstimate:
    """Result of :func:`empirical_order` (final).

    Attributes
    ----------
    order : float
        Least-squares slope of log(error) against log(dt) over the points used.
    dts : ndarray of shape (n,)
    errors : ndarray of shape (n,)
    used : ndarray of bool, shape (n,)
        Points kept for the fit (those above the round-off plateau).
    """

    order: float
    dts: np.ndarray
    errors: np.ndarray
    used: np.ndarray


def empirical_order(
    system,
    method,
    mu0,
    T: float,
    dts,
    reference,
    plateau: float = 1e-13,
) -> OrderEstimate:
    """Measure the order of ``method`` from the error at time ``T`` for several step sizes.

    Parameters
    ----------
    system : LiePoissonSystem
    method : Integrator
    mu0 : ndarray of shape (*shape,)
    T : float
        Final time; each ``T / dt`` must be (close to) an integer.
    dts : sequence of float
        At least two step sizes.
    reference : ndarray of shape (*shape,) or callable
        The exact state at ``T``, or a function ``t -> state``.
    plateau : float
        Errors below ``plateau * max(1, |reference|)`` are at the round-off plateau and are
        dropped from the fit.

    Returns
    -------
    OrderEstimate
    """
    from .integrate import integrate

    T = check_real("T", T, positive=True)
    dts = as_finite_array("dts", dts, dtype=float)
    if dts.ndim != 1 or len(dts) < 2 or np.any(dts <= 0):
        raise InvalidArgumentError(f"dts must be at least two positive step sizes, got {dts!r}")
    ref = reference(T) if callable(reference) else np.asarray(reference)
    errors = []
    for dt in dts:
        n = int(round(T / dt))
        if n < 1 or abs(n * dt - T) > 1e-9 * T:
            raise InvalidArgumentError(f"T / dt must be an integer, got T={T}, dt={dt}")
        traj = integrate(system, mu0, dt, n, method=method, save_every=n)
        errors.append(float(np.max(np.abs(traj.final - ref))))
    errors = np.array(errors)
    used = errors > plateau * max(1.0, float(np.max(np.abs(ref))))
    if np.count_nonzero(used) < 2:
        raise InvalidArgumentError(
            f"fewer than two errors above the round-off plateau ({errors!r}); use larger dts"
        )
    slope = np.polyfit(np.log(dts[used]), np.log(errors[used]), 1)[0]
    return OrderEstimate(order=float(slope), dts=dts, errors=errors, used=used)


def flow_jacobian(step: Callable[[np.ndarray], np.ndarray], algebra, mu, h: float = 1e-3) -> np.ndarray:
    """Jacobian of a map of :math:`\\mathfrak g^*` in dual coordinates (4th-order central
    differences, all ``4 * dim`` evaluations in one batched call).

    Parameters
    ----------
    step : callable
        Maps covectors of shape ``(..., *shape)`` to the same shape (batched).
    algebra : LieAlgebra
    mu : ndarray of shape (*shape,)
    h : float
        Relative step; the truncation error is :math:`O(h^4)`.

    Returns
    -------
    ndarray of shape (dim, dim)
        ``D[i, j] = d phi_i / d mu_j``.
    """
    c = np.asarray(algebra.dual_to_coords(mu), dtype=float)
    dim = c.shape[-1]
    h = h * max(1.0, float(np.max(np.abs(c))))
    offsets = np.array([1.0, -1.0, 2.0, -2.0])[:, None, None] * h * np.eye(dim)  # (4, dim, dim)
    points = algebra.dual_from_coords(c + offsets)
    out = np.asarray(algebra.dual_to_coords(step(points)), dtype=float)  # (4, dim(j), dim(i))
    deriv = (8 * (out[0] - out[1]) - (out[2] - out[3])) / (12 * h)
    return deriv.T


def poisson_defect(system, method, mu, dt: float, h: float = 1e-3) -> float:
    """How far one step of ``method`` is from a Poisson map at ``mu``.

    .. math::  \\max_{ij} \\big| (D\\varphi\\, J(\\mu)\\, D\\varphi^T - J(\\varphi(\\mu)))_{ij} \\big|

    with :math:`D\\varphi` from :func:`flow_jacobian` (error :math:`O(h^4)` plus the solver
    tolerance divided by ``h``, about 1e-11 for the defaults).

    Parameters
    ----------
    system : LiePoissonSystem
    method : Integrator
    mu : ndarray of shape (*shape,)
    dt : float

    Returns
    -------
    float
    """
    dt = check_real("dt", dt, nonzero=True)
    if system.chart is not None:
        raise InvalidArgumentError(
            "poisson_defect needs a system whose states are covectors (chart=None); "
            f"{system.name!r} has a chart"
        )
    mu = system.algebra.validate_element(mu, name="mu", dual=True)
    D = flow_jacobian(lambda m: method.step(system, m, dt), system.algebra, mu, h=h)
    new = method.step(system, mu, dt)
    defect = D @ system.poisson_tensor(mu) @ D.T - system.poisson_tensor(new)
    return float(np.max(np.abs(defect)))


def energy_drift(trajectory: Trajectory) -> float:
    """Least-squares slope of the energy error :math:`H(t) - H(0)` against time.

    A Poisson integrator with a bounded energy error has a slope near zero (oscillation
    only); a drifting method has a slope of the size of its energy error per unit time.
    For batched trajectories the largest slope in absolute value is returned.

    Parameters
    ----------
    trajectory : Trajectory

    Returns
    -------
    float
    """
    energy = trajectory.invariants()["energy"]
    err = (energy - energy[0]).reshape(len(trajectory.t), -1)
    slopes = np.polyfit(trajectory.t, err, 1)[0]
    return float(slopes.flat[np.argmax(np.abs(slopes))])
