"""Baseline integrators for comparison, behind the same interface as LiePoissonHJ."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import scipy.integrate

from .._validation import check_int, check_real
from ..exceptions import ConvergenceError, InvalidArgumentError, NonFiniteStateError
from ..solvers import solve_fixed_point
from .base import Integrator

__all__ = ["LiePoissonEuler", "ImplicitMidpoint", "RK4", "ScipyIVP"]


@dataclass(frozen=True)
class LiePoissonEuler(Integrator):
    """Explicit coadjoint Euler step (final):
    :math:`\\mu_{n+1} = (e^{\\tau\\,\\operatorname{ad}_{\\nabla H(\\mu_n)}})^T\\mu_n`.

    First order; stays on the coadjoint orbit (Casimirs to round-off) but is **not** a
    Poisson map: the contrast that :func:`liepoisson.poisson_defect` detects.
    """

    # moves states by the coadjoint action, explicitly: on the orbit, not Poisson, not symmetric
    preserves_casimirs: ClassVar[bool] = True
    symmetric: ClassVar[bool] = False
    poisson: ClassVar[bool] = False

    @property
    def order(self) -> int:
        return 1

    def step(self, system, mu, dt):
        return system.act(dt * system.gradient(system.covector(mu)), mu)


@dataclass(frozen=True)
class ImplicitMidpoint(Integrator):
    """The implicit midpoint rule on the coefficients of the state (final).

    :math:`\\mu_{n+1} = \\mu_n + \\tau X((\\mu_n + \\mu_{n+1})/2)`. Order 2, symmetric;
    preserves quadratic Casimirs but in general neither the other Casimirs nor the Poisson
    structure. Solved by fixed-point iteration.

    Parameters
    ----------
    tol : float
        Relative tolerance of the fixed-point iteration.
    max_iter : int
    """

    # symmetric; conserves quadratic Casimirs only, and is not Poisson in general
    preserves_casimirs: ClassVar[bool] = False
    symmetric: ClassVar[bool] = True
    poisson: ClassVar[bool] = False

    tol: float = 1e-14
    max_iter: int = 100

    def __post_init__(self):
        check_real("tol", self.tol, positive=True)
        check_int("max_iter", self.max_iter, minimum=1)

    @property
    def order(self) -> int:
        return 2

    def step(self, system, mu, dt):
        def update(mid):
            return mu + 0.5 * dt * system.state_vector_field(mid)

        guess = mu + 0.5 * dt * system.state_vector_field(mu)
        what = f"ImplicitMidpoint implicit solve (dt={dt:.6g})"
        mid, _ = solve_fixed_point(update, guess, len(system.state_shape), self.tol, self.max_iter, what)
        return 2.0 * mid - mu


@dataclass(frozen=True)
class RK4(Integrator):
    """The classical explicit Runge–Kutta method of order 4 (final).

    Neither Poisson nor Casimir-preserving: Casimirs and energy drift.
    """

    preserves_casimirs: ClassVar[bool] = False
    symmetric: ClassVar[bool] = False
    poisson: ClassVar[bool] = False

    @property
    def order(self) -> int:
        return 4

    def step(self, system, mu, dt):
        f = system.state_vector_field
        k1 = f(mu)
        k2 = f(mu + 0.5 * dt * k1)
        k3 = f(mu + 0.5 * dt * k2)
        k4 = f(mu + dt * k3)
        return mu + (dt / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)


class _BudgetSpent(Exception):
    """Raised inside ``solve_ivp`` when :attr:`ScipyIVP.max_evaluations` is spent, at time ``t``."""

    def __init__(self, t):
        super().__init__(t)
        self.t = float(t)


@dataclass(frozen=True)
class ScipyIVP(Integrator):
    """:func:`scipy.integrate.solve_ivp` over each step (final).

    ``step`` integrates the vector field over ``[0, dt]`` with adaptive steps; for a whole
    trajectory :meth:`solve` makes one adaptive run with dense output, which is the fair
    way to time it.

    Parameters
    ----------
    method : str
        Any method of :func:`scipy.integrate.solve_ivp` (default ``"DOP853"``).
    rtol, atol : float
        Tolerances passed to ``solve_ivp``.
    max_evaluations : int
        Budget of evaluations of the vector field per call of :meth:`solve` (or
        :meth:`step`): beyond it the run stops with a :class:`~liepoisson.ConvergenceError`
        instead of taking ever smaller steps (default ``10**6``; a step of DOP853 costs 12).

    Raises
    ------
    ConvergenceError
        From :meth:`solve` and :meth:`step` when ``solve_ivp`` fails or the budget is spent.
    NonFiniteStateError
        From :meth:`solve` and :meth:`step` when a computed state is not finite.
    """

    preserves_casimirs: ClassVar[bool] = False
    symmetric: ClassVar[bool] = False
    poisson: ClassVar[bool] = False

    method: str = "DOP853"
    rtol: float = 1e-10
    atol: float = 1e-12
    max_evaluations: int = 10**6

    def __post_init__(self):
        check_real("rtol", self.rtol, positive=True)
        check_real("atol", self.atol, positive=True)
        check_int("max_evaluations", self.max_evaluations, minimum=1)
        methods = ("RK45", "RK23", "DOP853", "Radau", "BDF", "LSODA")
        if self.method not in methods:
            raise InvalidArgumentError(f"method must be one of {methods}, got {self.method!r}")

    @property
    def order(self) -> int:
        return {"RK45": 5, "RK23": 3, "DOP853": 8, "Radau": 5, "BDF": 1, "LSODA": 1}[self.method]

    @property
    def name(self) -> str:
        return f"ScipyIVP({self.method})"

    def solve(self, system, mu0: np.ndarray, times: np.ndarray) -> np.ndarray:
        """States at ``times`` (increasing, starting at 0) from one adaptive run.

        Parameters
        ----------
        system : LiePoissonSystem
        mu0 : ndarray of shape (..., *state_shape)
        times : ndarray of shape (n_times,)

        Returns
        -------
        ndarray of shape (n_times, ..., *state_shape)
        """
        mu0 = np.asarray(mu0)
        shape, dtype = mu0.shape, mu0.dtype
        complex_state = dtype.kind == "c"
        times = np.asarray(times, dtype=float)

        def pack(x):  # complex states integrate as pairs of reals
            x = np.ascontiguousarray(x)
            return (x.view(float) if complex_state else x.astype(float)).ravel()

        def unpack(y):
            y = np.ascontiguousarray(y)
            return (y.view(complex) if complex_state else y).reshape(shape)

        evaluations = [0]

        def rhs(t, y):
            evaluations[0] += 1
            if evaluations[0] > self.max_evaluations:
                raise _BudgetSpent(t)
            return pack(system.state_vector_field(unpack(y)))

        end = float(times[-1])
        try:
            sol = scipy.integrate.solve_ivp(
                rhs, (0.0, end), pack(mu0), method=self.method,
                t_eval=times, rtol=self.rtol, atol=self.atol,
            )
        except _BudgetSpent as spent:
            raise ConvergenceError(
                f"{self.name} spent max_evaluations={self.max_evaluations} evaluations of the "
                f"vector field and reached only t = {spent.t:.6g} of {end:.6g}",
                iterations=self.max_evaluations,
            ) from None
        if not sol.success:
            raise ConvergenceError(f"{self.name} failed: {sol.message}")
        states = np.stack([unpack(y) for y in sol.y.T])
        finite = np.isfinite(sol.y).all(axis=0)
        if not finite.all():
            t_bad = float(sol.t[np.argmin(finite)])
            raise NonFiniteStateError(f"{self.name} computed a non-finite state at t = {t_bad:.6g}")
        return states

    def step(self, system, mu, dt):
        return self.solve(system, mu, np.array([0.0, dt]))[-1]
