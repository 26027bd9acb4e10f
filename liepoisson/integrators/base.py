"""The abstract integrator and the implicit solver shared by the implicit methods."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Callable

import numpy as np

from ..exceptions import ConvergenceError

__all__ = ["Integrator", "solve_fixed_point"]


class Integrator(ABC):
    """A one-step method for Lie–Poisson systems.

    Integrators are pure: :meth:`step` maps a state to the next one and keeps no hidden
    status between calls. Concrete integrators are frozen dataclasses.
    """

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
        mu : ndarray of shape (..., *system.algebra.shape)
            State (a batch when there are leading axes).
        dt : float
            Step size (negative steps run backwards).

        Returns
        -------
        ndarray of shape (..., *system.algebra.shape)
        """

    @property
    def name(self) -> str:
        """Short name used in reports and plots."""
        return type(self).__name__


def _max_abs(x: np.ndarray, n_axes: int) -> np.ndarray:
    axes = tuple(range(x.ndim - n_axes, x.ndim))
    return np.max(np.abs(x), axis=axes) if axes else np.abs(x)


def solve_fixed_point(
    update: Callable[[np.ndarray], np.ndarray],
    guess: np.ndarray,
    n_element_axes: int,
    tol: float,
    max_iter: int,
    what: str,
) -> tuple[np.ndarray, int]:
    """Iterate ``x <- update(x)`` until the change is below ``tol`` relative.

    Convergence is declared per batch member when
    ``max|x_new - x| <= tol * max(1, max|x|)``, or when the change has reached the
    round-off plateau (it stops decreasing while below ``1e3 * eps`` relative).

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
    scale = np.maximum(1.0, _max_abs(guess, n_element_axes))
    prev = np.full(scale.shape, np.inf)
    plateau = 1e3 * np.finfo(float).eps
    for it in range(1, max_iter + 1):
        x_new = update(x)
        change = _max_abs(x_new - x, n_element_axes) / scale
        x = x_new
        done = (change <= tol) | ((change <= plateau) & (change >= 0.5 * prev))
        if np.all(done):
            return x, it
        if not np.all(np.isfinite(change)):
            break
        prev = change
    worst = float(np.max(np.where(np.isfinite(change), change, np.inf)))
    raise ConvergenceError(
        f"{what} did not converge: relative residual {worst:.3e} > tol {tol:.1e} "
        f"after {it} iterations",
        residual=worst,
        iterations=it,
    )
