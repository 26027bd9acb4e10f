"""Newton solvers for the implicit equations of the integrators, in algebra coordinates."""

from __future__ import annotations

from typing import Callable

import numpy as np
import scipy.optimize

from ..exceptions import ConvergenceError, InvalidArgumentError

__all__ = ["solve_newton"]


def solve_newton(
    residual: Callable[[np.ndarray], np.ndarray],
    guess: np.ndarray,
    algebra,
    tol: float,
    max_iter: int,
    what: str,
    krylov: bool = False,
) -> np.ndarray:
    """Solve ``residual(nu) = 0`` for a covector ``nu`` by Newton's method.

    The unknowns are the dual coordinates of ``nu``. The dense variant forms the Jacobian
    by forward differences (``dim`` residual evaluations, each over the whole batch) and
    converges to the exact root (the Jacobian error only slows the rate, to about 1e-8 per
    iteration). The Krylov variant calls :func:`scipy.optimize.newton_krylov` and needs an
    unbatched state.

    Parameters
    ----------
    residual : callable
        Maps covectors of shape ``(..., *algebra.shape)`` to the same shape.
    guess : ndarray of shape (..., *algebra.shape)
    algebra : LieAlgebra
    tol : float
        Relative tolerance on ``max|residual|``.
    max_iter : int
    what : str
        Description used in error messages.
    krylov : bool

    Returns
    -------
    ndarray of shape (..., *algebra.shape)

    Raises
    ------
    ConvergenceError
        When the residual does not reach the tolerance.
    """
    c = np.asarray(algebra.dual_to_coords(guess), dtype=float)
    scale = np.maximum(1.0, np.max(np.abs(c), axis=-1))

    def R(coords):
        return np.asarray(algebra.dual_to_coords(residual(algebra.dual_from_coords(coords))), dtype=float)

    if krylov:
        if c.ndim != 1:
            raise InvalidArgumentError(
                f"solver 'newton_krylov' needs an unbatched state, got coordinates of shape {c.shape}"
            )
        try:
            sol = scipy.optimize.newton_krylov(R, c, f_tol=tol * float(scale), maxiter=max_iter)
        except scipy.optimize.NoConvergence as exc:
            last = np.asarray(exc.args[0]) if exc.args else c
            res = float(np.max(np.abs(R(last))) / scale)
            raise ConvergenceError(
                f"{what} did not converge: relative residual {res:.3e} > tol {tol:.1e} "
                f"after {max_iter} Newton-Krylov iterations",
                residual=res,
                iterations=max_iter,
            ) from None
        return algebra.dual_from_coords(sol)

    dim = c.shape[-1]
    plateau = 1e3 * np.finfo(float).eps
    prev = np.full(scale.shape, np.inf)
    for it in range(1, max_iter + 1):
        r = R(c)
        res = np.max(np.abs(r), axis=-1) / scale
        if np.all((res <= tol) | ((res <= plateau) & (res >= 0.5 * prev))):
            return algebra.dual_from_coords(c)
        if not np.all(np.isfinite(res)):
            break
        prev = res
        h = 1e-7 * scale[..., None]
        J = np.empty(c.shape + (dim,))
        for k in range(dim):
            ck = c.copy()
            ck[..., k] += h[..., 0]
            J[..., :, k] = (R(ck) - r) / h
        c = c - np.linalg.solve(J, r[..., None])[..., 0]
    worst = float(np.max(np.where(np.isfinite(res), res, np.inf)))
    raise ConvergenceError(
        f"{what} did not converge: relative residual {worst:.3e} > tol {tol:.1e} "
        f"after {it} Newton iterations",
        residual=worst,
        iterations=it,
    )
