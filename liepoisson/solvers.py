"""Nonlinear solvers: fixed points (plain and damped) and Newton's method.

One module for every implicit equation of the library and its models:

* :func:`solve_fixed_point`: ``x <- update(x)`` on a batch, with the stopping rule of
  implicit Runge–Kutta solvers (the implicit steps of :class:`~liepoisson.LiePoissonHJ`,
  :class:`~liepoisson.ImplicitMidpoint` and the models' sweeps);
* :func:`solve_damped_fixed_point`: ``x <- (1 - theta) x + theta G(x)`` for maps that only
  contract once damped (forward–backward optimality systems);
* :func:`solve_contraction`: the fixed point of one element (real or complex), falling back
  to Newton–Krylov where the iteration does not contract (the matrix-free steps and their
  linearisations);
* :func:`solve_newton`: Newton's method in algebra coordinates, dense (finite-difference
  Jacobian) or Newton–Krylov.

Each raises :class:`~liepoisson.ConvergenceError` with the residual and the iteration count
rather than return an inaccurate solution.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
import scipy.optimize

from .exceptions import ConvergenceError, InvalidArgumentError

__all__ = [
    "solve_fixed_point",
    "solve_damped_fixed_point",
    "solve_contraction",
    "solve_newton",
    "solve_newton_krylov",
]


#: Changes or residuals below this relative size are round-off.
_PLATEAU = 1e3 * np.finfo(float).eps


def _element_scale(x: np.ndarray, n_axes: int):
    """``max(1, max|x|)`` per element: a float for one element, else an array shaped to
    broadcast against ``x``."""
    if x.ndim == n_axes:
        return max(1.0, float(np.abs(x).max()))
    axes = tuple(range(x.ndim - n_axes, x.ndim))
    return np.maximum(1.0, np.max(np.abs(x), axis=axes, keepdims=True))


def _stopping_rule(change, rate, tol: float, plateau: float):
    """The stopping rule of :func:`solve_fixed_point` on a change and its observed contraction
    rate (nan before the second iterate). No branch but selects (``&``, ``|``: no short
    circuit): it holds elementwise on arrays, and a compiled loop over members evaluates it
    in SIMD lanes (:mod:`liepoisson.compiled` compiles this very function)."""
    return (change <= tol) | ((rate < 1.0) & (change * rate <= tol * (1.0 - rate))) | (
        (change <= plateau) & (rate >= 0.5))


def _converged(change: float, prev: float, tol: float, plateau: float) -> bool:
    """The stopping rule of :func:`solve_fixed_point` for one element."""
    return _stopping_rule(change, change / (prev if prev > 0 else math.nan), tol, plateau)


def _converged_each(change, prev, tol: float, plateau: float):
    """:func:`_converged` elementwise on arrays of changes and previous changes."""
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(prev > 0, change / prev, math.nan)
    return _stopping_rule(change, rate, tol, plateau)


def solve_fixed_point(
    update: Callable[[np.ndarray], np.ndarray],
    guess: np.ndarray,
    n_element_axes: int,
    tol: float,
    max_iter: int,
    what: str,
    with_data: bool = False,
    data_error: Callable[[tuple], np.ndarray] | None = None,
) -> tuple[np.ndarray, int] | tuple[np.ndarray, int, tuple]:
    """Iterate ``x <- update(x)`` until the error is below ``tol`` relative.

    With :math:`\\delta_k = \\max|x_{k} - x_{k-1}| / \\max(1, \\max|x_0|)` the relative change
    of one element and :math:`q_k = \\delta_k / \\delta_{k-1}` its observed contraction rate,
    the iteration of that element has converged when :math:`\\delta_k \\le` ``tol``, or when
    the estimated error of the last iterate :math:`\\delta_k q_k / (1 - q_k) \\le` ``tol``
    (the usual stopping rule of implicit Runge–Kutta solvers), or when the change has reached
    the round-off plateau (it stops decreasing while below ``1e3 * eps``).

    On a batch, each element stops by this rule on its own and keeps the iterate it stopped
    at while the others go on (``update`` still receives the whole batch). The elements must
    be independent (``update`` acts on each separately, as on a batch of states); then an
    element's result does not depend on the other elements of its batch, and a batch cut
    into chunks gives the same bits.

    Parameters
    ----------
    update : callable
        The fixed-point map, applied to the whole batch at once.
    guess : ndarray of shape (..., *element_shape)
    n_element_axes : int
        Number of trailing axes that form one element.
    tol : float
    max_iter : int
    what : str
        Description used in the error message.
    with_data : bool
        If True, ``update(x)`` returns ``(x_new, data)``: ``data`` a tuple of arrays whose
        leading axes are the batch axes of ``x`` (quantities the update computed on the
        way, such as the residual), and the data of the update that gave each element its
        final iterate are returned too.
    data_error : callable, optional
        With ``with_data=True``: maps an update's ``data`` to an estimate of the error, in
        the largest entry, of what the caller computes from that data (a float for one
        element, else an array of the batch shape). An element has then converged only when
        this estimate, relative as the change is, is at most ``tol`` too: for a caller that
        takes its result from the data of the last update (its input's accuracy, say),
        where the rule above judges the last iterate.

    Returns
    -------
    x : ndarray
        The fixed point.
    iterations : int
        The iterations of the slowest element.
    data : tuple of ndarray
        Only with ``with_data=True``: for each element, the ``data`` of the update whose
        result is its returned iterate.

    Raises
    ------
    ConvergenceError
        After ``max_iter`` iterations without convergence of every element, or on a
        non-finite iterate.
    """
    scale = _element_scale(guess, n_element_axes)
    if not with_data:
        def update_with_data(x):
            return update(x), ()
    else:
        update_with_data = update
    if guess.ndim == n_element_axes:
        out = _fixed_point_one(update_with_data, guess, scale, tol, max_iter, what, _PLATEAU, data_error)
    else:
        out = _fixed_point_batch(update_with_data, guess, n_element_axes, scale, tol, max_iter, what, _PLATEAU,
                                 data_error)
    return out if with_data else out[:2]


def _fixed_point_one(update, x, scale, tol, max_iter, what, plateau, data_error=None):
    """:func:`solve_fixed_point` for one element (``update`` returns ``(x_new, data)``)."""
    prev = math.nan  # no rate before the second iterate
    for it in range(1, max_iter + 1):
        x_new, data = update(x)
        # max(|a|) / s: the bits of max(|a| / s) (division is monotone), one pass fewer
        change = float(np.abs(x_new - x).max() / scale)
        x = x_new
        if _converged(change, prev, tol, plateau) and (
                data_error is None or float(data_error(data)) <= tol * scale):
            return x, it, data
        if not math.isfinite(change):
            break
        prev = change
    _not_converged(what, change, tol, it)


def _fixed_point_batch(update, x, n_element_axes, scale, tol, max_iter, what, plateau, data_error=None):
    """:func:`solve_fixed_point` for a batch (``update`` returns ``(x_new, data)``): each
    element stops by its own rule and keeps the iterate it stopped at, and its data, while
    the others go on."""
    element_axes = tuple(range(x.ndim - n_element_axes, x.ndim))
    scale = scale.reshape(scale.shape[:x.ndim - n_element_axes])
    solving = np.ones(scale.shape, dtype=bool)
    prev = np.full(scale.shape, math.nan)  # no rate before the second iterate
    data = None
    for it in range(1, max_iter + 1):
        x_new, data_new = update(x)
        change = np.max(np.abs(x_new - x), axis=element_axes) / scale
        x = np.where(_expand(solving, x.ndim), x_new, x)
        data = data_new if data is None else tuple(
            np.where(_expand(solving, np.ndim(new)), new, old) for new, old in zip(data_new, data)
        )
        done = _converged_each(change, prev, tol, plateau)
        if data_error is not None:
            done &= np.asarray(data_error(data_new)) <= tol * scale
        if not np.all(np.isfinite(change[solving & ~done])):
            worst = math.inf
            break
        solving &= ~done
        if not solving.any():
            return x, it, data
        prev = np.where(solving, change, prev)
        worst = float(change[solving].max())
    _not_converged(what, worst, tol, it)


def _expand(mask: np.ndarray, ndim: int) -> np.ndarray:
    """``mask`` (the batch shape) with trailing axes of length 1 up to ``ndim`` axes."""
    return mask.reshape(mask.shape + (1,) * (ndim - mask.ndim))


def _not_converged(what, change, tol, iterations):
    worst = change if math.isfinite(change) else math.inf
    raise ConvergenceError(
        f"{what} did not converge: relative residual {worst:.3e} > tol {tol:.1e} "
        f"after {iterations} iterations",
        residual=worst,
        iterations=iterations,
    )


def solve_damped_fixed_point(
    update: Callable[[np.ndarray], np.ndarray],
    guess: np.ndarray,
    damping: float,
    tol: float,
    max_iter: int,
    what: str,
    change: Callable[[np.ndarray, np.ndarray], float] | None = None,
) -> tuple[np.ndarray, int, tuple[float, ...]]:
    """Iterate :math:`x \\leftarrow (1 - \\theta)\\,x + \\theta\\,G(x)` until
    :math:`G(x)` is within ``tol`` of :math:`x`.

    Parameters
    ----------
    update : callable
        The map :math:`G`.
    guess : ndarray
    damping : float
        :math:`\\theta \\in (0, 1]` (1: the plain iteration).
    tol : float
        Stop when ``change(G(x), x) <= tol``.
    max_iter : int
        Evaluations of :math:`G` at most.
    what : str
        Description used in the error message.
    change : callable, optional
        ``change(new, old) -> float``; default ``max|new - old|``.

    Returns
    -------
    x : ndarray
        :math:`G(x)` at the last iterate (the one within ``tol`` of its preimage).
    iterations : int
        Evaluations of :math:`G`.
    changes : tuple of float
        The change after each evaluation.

    Raises
    ------
    ConvergenceError
        After ``max_iter`` evaluations without convergence, or on a non-finite change (the
        message gives the last change).

    Examples
    --------
    >>> import numpy as np
    >>> x, iterations, changes = solve_damped_fixed_point(np.cos, np.array([1.0]), 0.5, 1e-12, 200, "cos")
    >>> round(float(x[0]), 10), changes[-1] <= 1e-12
    (0.7390851332, True)
    """
    if change is None:
        def change(new, old):
            return float(np.max(np.abs(new - old)))
    x = guess
    changes = []
    for _ in range(max_iter):
        new = update(x)
        delta = float(change(new, x))
        changes.append(delta)
        if not math.isfinite(delta):
            break
        if delta <= tol:
            return new, len(changes), tuple(changes)
        x = (1.0 - damping) * x + damping * new
    raise ConvergenceError(
        f"{what} did not converge in {len(changes)} iterations: last change {changes[-1]:.3g} "
        f"> tol {tol:g}",
        residual=changes[-1],
        iterations=len(changes),
    )


def solve_contraction(update: Callable[[np.ndarray], np.ndarray], guess: np.ndarray, tol: float,
                      max_iter: int, what: str) -> np.ndarray:
    """The fixed point of ``update`` from ``guess`` (one element, real or complex), and where
    the fixed-point iteration does not contract (large steps), Newton–Krylov on
    ``update(x) - x`` from the same guess.

    Parameters
    ----------
    update : callable
        Maps arrays of the shape of ``guess`` to the same shape.
    guess : ndarray, real or complex
    tol : float
        Relative tolerance (see :func:`solve_fixed_point`).
    max_iter : int
        Iterations of each method.
    what : str
        Description used in error messages.

    Returns
    -------
    ndarray of the shape and kind of ``guess``

    Raises
    ------
    ConvergenceError
        When neither method converges.

    Examples
    --------
    >>> import numpy as np
    >>> x = solve_contraction(lambda z: 0.5j * z + 1.0, np.zeros(2, dtype=complex), 1e-14, 100, "z")
    >>> bool(np.allclose(x, 1.0 / (1.0 - 0.5j)))
    True
    """
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            return solve_fixed_point(update, guess, np.ndim(guess), tol, max_iter, what)[0]
    except ConvergenceError:
        pass
    # Newton-Krylov in real coordinates: (Re, Im) of a complex unknown
    shape, n = np.shape(guess), np.size(guess)
    if np.iscomplexobj(guess):
        def pack(z):
            z = np.ravel(z)
            return np.concatenate([z.real, z.imag])

        def unpack(x):
            return (x[:n] + 1j * x[n:]).reshape(shape)
    else:
        pack = np.ravel

        def unpack(x):
            return x.reshape(shape)

    def residual(x):
        z = unpack(x)
        return pack(update(z) - z)

    return unpack(solve_newton_krylov(residual, pack(guess), tol, max_iter, what))


def solve_newton_krylov(residual: Callable[[np.ndarray], np.ndarray], guess: np.ndarray, tol: float,
                        max_iter: int, what: str,
                        callback: Callable[[np.ndarray, np.ndarray], None] | None = None) -> np.ndarray:
    """Solve ``residual(x) = 0`` for a real vector ``x`` by :func:`scipy.optimize.newton_krylov`
    (Jacobian-free: finite-difference Jacobian-vector products, a Krylov solve per step).

    The residual is accepted at the round-off plateau, ``1e3 * eps`` relative, when ``tol``
    is below it.

    Parameters
    ----------
    residual : callable
        Maps ``(n,)`` to ``(n,)``, real.
    guess : ndarray of shape (n,)
    tol : float
        Relative tolerance on ``max|residual|`` (relative to ``max(1, max|guess|)``).
    max_iter : int
    what : str
        Description used in error messages.
    callback : callable, optional
        ``callback(x, residual)`` after each Newton iteration.

    Returns
    -------
    ndarray of shape (n,)

    Raises
    ------
    ConvergenceError
        When the residual does not reach the tolerance.
    """
    scale = max(1.0, float(np.max(np.abs(guess)))) if guess.size else 1.0
    # finite-difference Jacobian-vector products do not get below the round-off plateau
    f_tol = max(tol, _PLATEAU) * scale
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            return scipy.optimize.newton_krylov(residual, guess, f_tol=f_tol, maxiter=max_iter, callback=callback)
    except (scipy.optimize.NoConvergence, ValueError, ArithmeticError) as exc:
        last = np.asarray(exc.args[0]) if isinstance(exc, scipy.optimize.NoConvergence) and exc.args else guess
        res = float(np.max(np.abs(residual(last))) / scale)
        raise ConvergenceError(
            f"{what} did not converge: relative residual {res:.3e} > tol {tol:.1e} "
            f"after {max_iter} Newton-Krylov iterations",
            residual=res,
            iterations=max_iter,
        ) from None


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
    iteration); each member of a batch stops on its own (its coordinates are frozen once its
    residual is within ``tol``), so its result does not depend on the rest of the batch. The
    Krylov variant calls :func:`scipy.optimize.newton_krylov` and needs an
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
        return algebra.dual_from_coords(solve_newton_krylov(R, c, tol, max_iter, what))

    dim = c.shape[-1]
    plateau = _PLATEAU
    prev = np.full(scale.shape, np.inf)
    solving = np.ones(scale.shape, dtype=bool)
    for it in range(1, max_iter + 1):
        r = R(c)
        res = np.where(solving, np.max(np.abs(r), axis=-1) / scale, 0.0)
        solving &= ~((res <= tol) | ((res <= plateau) & (res >= 0.5 * prev)))
        if not solving.any():
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
        c = np.where(solving[..., None], c - np.linalg.solve(J, r[..., None])[..., 0], c)
    worst = float(np.max(np.where(np.isfinite(res), res, np.inf)))
    raise ConvergenceError(
        f"{what} did not converge: relative residual {worst:.3e} > tol {tol:.1e} "
        f"after {it} Newton iterations",
        residual=worst,
        iterations=it,
    )
