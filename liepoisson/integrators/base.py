"""The abstract integrator and the implicit solver shared by the implicit methods."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from typing import Callable, ClassVar

import numpy as np

from ..exceptions import ConvergenceError

__all__ = ["Integrator", "solve_fixed_point"]


class Integrator(ABC):
    """A one-step method for Lie–Poisson systems (abstract).

    Integrators are pure: :meth:`step` maps a state to the next one and keeps no hidden
    status between calls. Concrete integrators are final frozen dataclasses whose fields are
    their parameters.

    **Contract.** A subclass must provide

    * :attr:`order` (int): the classical order of accuracy;
    * :meth:`step` ``(system, mu, dt) -> mu``: one step, batched over leading axes, calling
      only the methods of :class:`~liepoisson.LiePoissonSystem` listed in its "Contract with
      integrators" (never looking inside an element).

    It may override

    * :attr:`name` (str): the label of reports and plots (default: the class name);
    * :meth:`for_system` ``(system, state) -> Integrator``: the integrator to run on
      ``system`` from ``state`` (default: itself); :func:`liepoisson.integrate` calls it once
      before stepping;
    * ``solve(system, mu0, times) -> states``: a whole trajectory at the given times from
      one adaptive run, for methods that control their own steps (see
      :class:`~liepoisson.ScipyIVP`); callers check ``hasattr(method, "solve")``;

    and declares its **capability flags**, class attributes that callers (the command line,
    reports, :func:`~liepoisson.testing.verify_integrator`) read instead of testing class
    names. Each promises one law of :data:`liepoisson.testing.laws.INTEGRATOR_LAWS`; the
    defaults promise nothing:

    * :attr:`preserves_casimirs`: every Casimir is conserved to round-off by a step (the
      state moves on its coadjoint orbit), whatever the solver tolerance;
    * :attr:`symmetric`: ``step(system, step(system, mu, dt), -dt) == mu`` (to the solver
      tolerance), so the order is even and errors do not drift under time reversal;
    * :attr:`poisson`: a step is a Poisson map of :math:`\\mathfrak g^*`;

    and one flag of the implementation, which promises no law:

    * :attr:`compiled`: :func:`liepoisson.integrate` has a compiled path for it
      (``engine="compiled"``; see :mod:`liepoisson.compiled`), so callers may pass their
      ``engine`` on.

    Examples
    --------
    >>> from liepoisson import RK4, LiePoissonHJ
    >>> LiePoissonHJ.poisson, RK4.poisson, RK4().order
    (True, False, 4)
    """

    #: Whether a step conserves every Casimir to round-off.
    preserves_casimirs: ClassVar[bool] = False
    #: Whether a step of ``-dt`` undoes a step of ``dt``.
    symmetric: ClassVar[bool] = False
    #: Whether a step is a Poisson map.
    poisson: ClassVar[bool] = False
    #: Whether :func:`liepoisson.integrate` has a compiled path for this integrator.
    compiled: ClassVar[bool] = False

    @property
    @abstractmethod
    def order(self) -> int:
        """Classical order of accuracy."""

    @abstractmethod
    def step(self, system, mu: np.ndarray, dt: float) -> np.ndarray:
        """Advance ``mu`` by one step of size ``dt``.

        Parameters
        ----------
        system : LiePoissonSystem
        mu : ndarray of shape (..., *system.state_shape)
            State (a batch when there are leading axes): a covector, or the state of the
            system's orbit chart.
        dt : float
            Step size (negative steps run backwards).

        Returns
        -------
        ndarray of shape (..., *system.state_shape)
        """

    @property
    def name(self) -> str:
        """Short name used in reports and plots."""
        return type(self).__name__

    def for_system(self, system, state=None) -> "Integrator":
        """The integrator to run on ``system`` from ``state``: this one, unless a subclass
        resolves options that depend on the system (see :meth:`LiePoissonHJ.for_system
        <liepoisson.LiePoissonHJ.for_system>`).

        Parameters
        ----------
        system : LiePoissonSystem
        state : ndarray of shape (..., *system.state_shape), optional

        Returns
        -------
        Integrator
        """
        return self


def _element_scale(x: np.ndarray, n_axes: int):
    """``max(1, max|x|)`` per element: a float for one element, else an array shaped to
    broadcast against ``x``."""
    if x.ndim == n_axes:
        return max(1.0, float(np.abs(x).max()))
    axes = tuple(range(x.ndim - n_axes, x.ndim))
    return np.maximum(1.0, np.max(np.abs(x), axis=axes, keepdims=True))


def _converged(change: float, prev: float, tol: float, plateau: float) -> bool:
    """The stopping rule of :func:`solve_fixed_point`."""
    if change <= tol:
        return True
    rate = change / prev if prev > 0 else math.nan
    if rate < 1.0 and change * rate <= tol * (1.0 - rate):
        return True
    return change <= plateau and rate >= 0.5


def solve_fixed_point(
    update: Callable[[np.ndarray], np.ndarray],
    guess: np.ndarray,
    n_element_axes: int,
    tol: float,
    max_iter: int,
    what: str,
) -> tuple[np.ndarray, int]:
    """Iterate ``x <- update(x)`` until the error is below ``tol`` relative.

    With :math:`\\delta_k` the largest over the batch of
    :math:`\\max|x_{k} - x_{k-1}| / \\max(1, \\max|x_0|)` (per element) and the observed
    contraction rate :math:`q_k = \\delta_k / \\delta_{k-1}`, the iteration has converged when :math:`\\delta_k \\le` ``tol``, or when the estimated error of the last
    iterate :math:`\\delta_k q_k / (1 - q_k) \\le` ``tol`` (the usual stopping rule of
    implicit Runge–Kutta solvers), or when the change has reached the round-off plateau (it
    stops decreasing while below ``1e3 * eps``).

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

    Returns
    -------
    x : ndarray
        The fixed point.
    iterations : int

    Raises
    ------
    ConvergenceError
        After ``max_iter`` iterations without convergence, or on a non-finite iterate.
    """
    x = guess
    # per-element relative change, reduced to its maximum over the batch in one pass (the
    # stopping rule then acts on the worst element, as for one stacked system)
    scale = _element_scale(guess, n_element_axes)
    prev = math.nan  # no rate before the second iterate
    plateau = 1e3 * np.finfo(float).eps
    for it in range(1, max_iter + 1):
        x_new = update(x)
        change = float((np.abs(x_new - x) / scale).max())
        x = x_new
        if _converged(change, prev, tol, plateau):
            return x, it
        if not math.isfinite(change):
            break
        prev = change
    worst = change if math.isfinite(change) else math.inf
    raise ConvergenceError(
        f"{what} did not converge: relative residual {worst:.3e} > tol {tol:.1e} "
        f"after {it} iterations",
        residual=worst,
        iterations=it,
    )
