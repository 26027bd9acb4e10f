"""The real-time (:math:`1/2 < \\kappa \\le 1`) optimal-control problem by shooting on the
initial phase, with exact gradients from the adjoint of the discrete flow.

With the Fisher weight :math:`\\kappa = 1` (for :math:`1/2 < \\kappa < 1` replace
:math:`\\hbar` by :math:`\\hbar_\\kappa = \\sigma^2\\sqrt{2\\kappa - 1}` in the wavefunction, keeping
:math:`\\sigma^2` in :math:`S`) the optimality system of a
:class:`~liepoisson_models.hydrodynamics.MeanFieldControl` is, in the transformed fields
:math:`\\psi = \\sqrt\\rho\\,e^{iS/\\hbar}` (:math:`\\hbar = \\sigma^2`,
:math:`S = \\varphi - \\frac\\hbar2\\log\\rho`), the nonlinear Schrödinger equation

.. math::

    i\\hbar\\,\\partial_t\\psi = -\\frac{\\hbar^2}2\\Delta\\psi + W\\psi + g|\\psi|^2\\psi,
    \\qquad W = -V, \\quad g = -\\gamma,

with two-point data: :math:`|\\psi(0)|^2 = \\rho_0` and :math:`\\varphi(T) = -\\Phi`, i.e.
:math:`S(T) = -\\Phi - \\frac\\hbar2\\log\\rho(T)`. The unknown is the initial phase
:math:`S_0`. Each evaluation advances :math:`\\psi_0 = \\sqrt{\\rho_0}\\,e^{iS_0/\\hbar}` with
:class:`~liepoisson.LiePoissonHJ` in the Cayley chart (matrix-free, the implicit midpoint
rule on :math:`\\psi`; orders 4, 6, 8 by symmetric composition) on the
:class:`~liepoisson_models.hydrodynamics.QHDSystem` of the problem.

**The terminal residual.** With :math:`\\Theta = (\\varphi_T + \\Phi)/\\hbar =
S_T/\\hbar + \\log|\\psi_T| + \\Phi/\\hbar` (at :math:`\\kappa = 1`; in general
:math:`S_T/\\hbar_\\kappa + (\\sigma^2/\\hbar_\\kappa)\\log|\\psi_T| + \\Phi/\\hbar_\\kappa`) the terminal condition is :math:`\\Theta = 0`
(modulo :math:`2\\pi`: the phase of a wavefunction; the constant of a value function is
seen by no control). The residual

.. math::

    R_j = \\sqrt{\\Delta x^d}\\;\\rho_{T,j}\\sin\\Theta_j
        = \\sqrt{\\Delta x^d}\\,\\operatorname{Im}\\big(\\psi_{T,j}|\\psi_{T,j}|\\,e^{i\\Phi_j/\\hbar}
          e^{i\\log|\\psi_{T,j}|}\\big), \\qquad
    M = \\tfrac12|R|^2 \\approx \\tfrac12\\int\\rho_T^2\\,\\frac{(\\varphi_T + \\Phi)^2}{\\hbar^2},

is smooth in :math:`\\psi_T` away from :math:`\\psi_T = 0` and Lipschitz there (no division by
the density): where :math:`\\rho_T` is negligible it vanishes with :math:`\\rho_T`, so the
undefined phase of the tails (and their round-off) does not enter.

**Exact derivatives.** One substep is the implicit midpoint rule
:math:`\\psi' = \\psi - i\\tau K(m)\\,m`, :math:`m = (\\psi + \\psi')/2`,
:math:`K(m) = L + W' + g'|m|^2` (the NLS of :attr:`QHDSystem.nls`, :math:`\\tau = \\hbar\\,dt`
times the substep's fraction). Its tangent map and the transpose of that map (in the real
inner product :math:`\\operatorname{Re}\\langle a, b\\rangle` of :math:`\\mathbb C^N`) are

.. math::

    \\delta\\psi' = 2(I - \\tfrac12 B)^{-1}\\delta\\psi - \\delta\\psi, \\qquad
    w \\mapsto 2(I - \\tfrac12 B^T)^{-1}w - w,

    B v = -i\\tau\\big(K(m)v + 2g'\\operatorname{Re}(\\bar m v)\\,m\\big), \\qquad
    B^T w = i\\tau K(m)w + 2\\tau g'\\operatorname{Im}(\\bar w m)\\,m,

each a linear solve preconditioned by the kinetic part (a Fourier multiplier), to round-off.
Chained over the substeps (forward for Jacobian-vector products, backward from the terminal
cotangent for the gradient: the adjoint sweep) they are the derivatives of the *discrete*
map, so a Taylor test sees an :math:`O(\\epsilon^2)` remainder. Because the step is
symplectic, the backward sweep is also the tangent of the inverse map conjugated by
:math:`i` (:math:`D\\Phi^T = J\\,D\\Phi^{-1}J^{-1}`): the adjoint is the backward LP-HJ sweep,
linearised.

**The solver.** Gauss–Newton on :math:`R(\\theta_0) = 0`, :math:`\\theta_0 = S_0/\\hbar`: the
Jacobian's rows come from one backward (adjoint) sweep of the block of unit cotangents, the
step is the least-squares solution with small singular values cut off (the phase where
:math:`\\rho_0` is negligible moves nothing), halved until :math:`|R|` decreases. Where no
fraction of that step decreases :math:`|R|`, it continues by scipy's Levenberg–Marquardt
(:func:`scipy.optimize.least_squares` with ``method="lm"``, MINPACK, scaled by the column
norms of the Jacobian) from the same Jacobian restricted to the phases where :math:`\\rho_0`
is, the damping ruled by the ratio of the actual to the predicted decrease: it follows
curved valleys of :math:`|R|^2` that the straight Gauss–Newton step leaves. It starts
from alternating backward–forward passes (:meth:`PhaseShooting.initial_guess`): impose the
terminal condition on the last terminal density, run the steps backwards, keep the phase at
:math:`t = 0`; these converge linearly to a neighbourhood where Newton converges fast.

When the damped steps of ``least_squares`` find no decrease either, :math:`\\theta_0` is a
stationary point of :math:`|R|^2` that is not a solution (:math:`DR^T R \\approx 0`,
:math:`R \\ne 0`): the error then gives :math:`|DR^T R|/(\\|DR\\|\\,|R|)` and the smallest
singular value of :math:`DR` relative to the largest, from the Jacobian at its last iterate.
A smallest singular value near zero, isolated from the others, with a small :math:`|R|` is a
fold of the solution branch (a conjugate time): no solution nearby.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import final

import numpy as np
from scipy.optimize import least_squares

from liepoisson import LiePoissonHJ
from liepoisson._validation import _describe, as_finite_array, check_int, check_real
from liepoisson.exceptions import ConvergenceError, InvalidArgumentError, ShapeError
from liepoisson.solvers import solve_contraction

from .control import ControlSolution, MeanFieldControl
from .fields import inverse_madelung, log_density
from .systems import QHDSystem

__all__ = ["PhaseShooting", "ShootingResult", "solve_real_time", "align_phase_in_time"]

#: Relative tolerance of the linear solves of the tangent and adjoint substeps.
_LINEAR_TOL = 1e-14
#: How the errors name the iterations once they went on by ``least_squares``.
_CONTINUED = "Gauss-Newton and Levenberg-Marquardt"
#: The options of :func:`scipy.optimize.least_squares` where the Gauss–Newton line search
#: fails: MINPACK's Levenberg–Marquardt with its scaling by the column norms of the Jacobian,
#: the tolerances at machine precision (the lowest ``method="lm"`` accepts), so that it stops
#: at ``tol`` (:class:`_Reached`), at ``max_nfev``, or where no step decreases :math:`|R|`.
_LEAST_SQUARES = dict(method="lm", x_scale="jac", ftol=float(np.finfo(float).eps),
                      xtol=float(np.finfo(float).eps), gtol=float(np.finfo(float).eps))


def _midpoint_tangent(nls, m: np.ndarray, tau: float, v: np.ndarray, adjoint: bool, what: str) -> np.ndarray:
    """The tangent map of one implicit-midpoint substep of ``nls`` at the midpoint ``m``
    applied to ``v`` (``adjoint=False``) or its transpose (``adjoint=True``), shape ``(N,)``."""
    scale = float(np.max(np.abs(v)))
    if scale == 0.0:
        return np.zeros_like(v)
    b = v / scale
    potential = nls.site_potential((m * np.conj(m)).real)
    g = nls.g
    if adjoint:
        # (I - (i tau/2) L) y = w + (i tau/2) P y + tau g Im(conj(y) m) m
        def update(y):
            rhs = b + (0.5j * tau) * potential * y + (tau * g) * np.imag(np.conj(y) * m) * m
            return nls.solve_half_implicit_kinetic(rhs, -tau)
    else:
        # (I + (i tau/2) L) y = v - (i tau/2) (P y + 2 g Re(conj(m) y) m)
        def update(y):
            rhs = b - (0.5j * tau) * (potential * y + (2.0 * g) * np.real(np.conj(m) * y) * m)
            return nls.solve_half_implicit_kinetic(rhs, tau)

    y = solve_contraction(update, b.astype(complex), _LINEAR_TOL, 200, what)
    return scale * (2.0 * y - b)


class _Reached(Exception):
    """Raised by the residual handed to :func:`scipy.optimize.least_squares` at the first
    point where :math:`|R| \\le` ``tol``: the iterations stop there, before a Jacobian is
    formed at that point."""

    def __init__(self, x: np.ndarray):
        super().__init__()
        self.x = x.copy()


@dataclass(frozen=True)
class _Sweep:
    """The wavefunctions of a forward sweep at every substep, shape ``(n_sub + 1, N)``."""

    theta0: np.ndarray
    states: np.ndarray

    @property
    def final(self) -> np.ndarray:
        return self.states[-1]


@final
class PhaseShooting:
    """The terminal residual of the real-time control problem as a function of the initial
    phase, with its exact Jacobian-vector and vector-Jacobian products (final).

    The unknown is the dimensionless initial phase :math:`\\theta_0 = S_0/\\hbar` on the
    grid; see the module notes for the residual :math:`R(\\theta_0)` and the sweeps.

    Parameters
    ----------
    problem : MeanFieldControl
        With ``fisher`` in :math:`(1/2, 1]` (the real-time side; for :math:`\\kappa < 1` the
        transformed fields use :math:`\\hbar_\\kappa = \\sigma^2\\sqrt{2\\kappa - 1}`, see
        :attr:`hbar`).
    n_steps : int
        Time steps over :math:`[0, T]`, ``>= 1``.
    order : {2, 4, 6, 8}
        Order of :class:`~liepoisson.LiePoissonHJ` in the Cayley chart (4 and up by
        symmetric composition of the implicit midpoint step).

    Raises
    ------
    InvalidArgumentError
        For a problem that is not a :class:`MeanFieldControl` with ``fisher`` in (1/2, 1], or an
        invalid ``n_steps`` or ``order``.

    Examples
    --------
    >>> import numpy as np
    >>> from liepoisson_models.hydrodynamics import LinearQuadratic, PeriodicGrid, PhaseShooting
    >>> lq = LinearQuadratic(sigma=1.0, horizon=0.5, mean0=[0.0], var0=0.5, p=1.0, target=0.5, fisher=1.0)
    >>> shooting = PhaseShooting(lq.problem(PeriodicGrid(64, 16.0)), n_steps=20)
    >>> theta0 = np.zeros(64)
    >>> R = shooting.residual(theta0)
    >>> R.shape
    (64,)
    >>> g = shooting.gradient(theta0)           # of M = |R|^2 / 2, by the adjoint sweep
    >>> d = np.random.default_rng(0).standard_normal(64)
    >>> eps = 1e-6
    >>> fd = (shooting.mismatch(theta0 + eps * d) - shooting.mismatch(theta0 - eps * d)) / (2 * eps)
    >>> bool(abs(fd - g @ d) < 1e-6 * abs(g @ d))
    True
    """

    def __init__(self, problem: MeanFieldControl, n_steps: int, order: int = 2):
        if not isinstance(problem, MeanFieldControl):
            raise InvalidArgumentError(f"problem must be a MeanFieldControl, got {_describe(problem)}")
        if not 0.5 < problem.fisher <= 1.0:
            raise InvalidArgumentError(
                f"problem.fisher must be in (1/2, 1] for the real-time shooting (the Schrodinger form), "
                f"got {problem.fisher:g}; use solve_optimality for the imaginary-time problem"
            )
        self._problem = problem
        self._n_steps = check_int("n_steps", n_steps, minimum=1)
        if order not in (2, 4, 6, 8):
            raise InvalidArgumentError(f"order must be one of 2, 4, 6, 8, got {_describe(order)}")
        self._order = order
        grid = problem.grid
        # the Bohm term of the transformed fields has the weight (1/2 - kappa) sigma^4: real time
        # with hbar_e^2 = (2 kappa - 1) sigma^4 (hbar_e = sigma^2 = hbar at kappa = 1)
        self._hbar = problem.hbar * math.sqrt(2.0 * problem.fisher - 1.0)
        self._osmotic = problem.hbar / self._hbar
        self._qhd = QHDSystem(grid, self._hbar, potential=-problem.running_cost, coupling=-problem.congestion)
        self._nls = self._qhd.nls
        self._method = LiePoissonHJ(order=order, chart="cayley")
        self._substep = LiePoissonHJ(order=2, chart="cayley")
        coefficients, _ = self._method.for_system(self._qhd).substeps()
        dt = problem.horizon / self._n_steps
        # the NLS of QHDSystem.nls runs in the time hbar * t
        self._taus = tuple(self._hbar * dt * c for c in coefficients)
        self._sqrt_rho0 = np.sqrt(problem.rho0).ravel()
        self._terminal_phase = (problem.terminal_cost / self._hbar).ravel()
        self._weight = math.sqrt(grid.cell_volume)
        self._cache: _Sweep | None = None

    # ------------------------------------------------------------------ properties
    @property
    def problem(self) -> MeanFieldControl:
        return self._problem

    @property
    def n_steps(self) -> int:
        return self._n_steps

    @property
    def order(self) -> int:
        return self._order

    @property
    def system(self) -> QHDSystem:
        """The :class:`QHDSystem` (:math:`W = -V`, :math:`g = -\\gamma`) the fields follow."""
        return self._qhd

    @property
    def method(self) -> LiePoissonHJ:
        """The integrator of the sweeps (``LiePoissonHJ(order, chart="cayley")``)."""
        return self._method

    @property
    def hbar(self) -> float:
        """The Planck constant of the transformed fields,
        :math:`\\hbar_\\kappa = \\sigma^2\\sqrt{2\\kappa - 1}` (:math:`\\sigma^2` at
        :math:`\\kappa = 1`)."""
        return self._hbar

    @property
    def dt(self) -> float:
        return self._problem.horizon / self._n_steps

    # ------------------------------------------------------------------ the sweeps
    def _check_theta(self, theta0) -> np.ndarray:
        theta0 = as_finite_array("theta0", theta0, dtype=float)
        size = self._problem.grid.size
        if theta0.shape not in ((size,), tuple(self._problem.grid.shape)):
            raise ShapeError(f"theta0 must have shape {self._problem.grid.shape} or ({size},), got {theta0.shape}")
        return theta0.ravel()

    def initial_wavefunction(self, theta0) -> np.ndarray:
        """:math:`\\psi_0 = \\sqrt{\\rho_0}\\,e^{i\\theta_0}`, shape ``(N,)`` (flattened grid)."""
        return self._sqrt_rho0 * np.exp(1j * self._check_theta(theta0))

    def sweep(self, theta0) -> _Sweep:
        """The forward sweep from :math:`\\theta_0`: the wavefunctions at every substep
        (the last call is cached)."""
        theta0 = self._check_theta(theta0)
        if self._cache is not None and np.array_equal(self._cache.theta0, theta0):
            return self._cache
        psi = self.initial_wavefunction(theta0)
        states = [psi]
        for n in range(self._n_steps):
            for tau in self._taus:
                psi = self._substep.step(self._nls, psi, tau)
                states.append(psi)
        self._cache = _Sweep(theta0.copy(), np.array(states))
        return self._cache

    def wavefunctions(self, theta0) -> np.ndarray:
        """:math:`\\psi` at the time levels :math:`t_n = n\\,dt`, shape
        ``(n_steps + 1, *grid.shape)``."""
        states = self.sweep(theta0).states[:: len(self._taus)]
        return states.reshape((self._n_steps + 1,) + tuple(self._problem.grid.shape))

    def _terminal_parts(self, psi_T: np.ndarray):
        """:math:`e^{i\\alpha}`, :math:`\\alpha = \\Phi/\\hbar + \\log|\\psi_T|`, and the unit
        phase :math:`\\psi_T/|\\psi_T|` (0 where :math:`\\psi_T = 0`), shape ``(N,)`` each."""
        r = np.abs(psi_T)
        positive = r > 0
        safe = np.where(positive, r, 1.0)
        rotation = np.exp(1j * (self._terminal_phase + self._osmotic * np.log(safe)))
        return rotation, np.where(positive, psi_T / safe, 0.0)

    def residual(self, theta0) -> np.ndarray:
        """:math:`R(\\theta_0)`, shape ``(N,)``."""
        psi_T = self.sweep(theta0).final
        rotation, _ = self._terminal_parts(psi_T)
        return self._weight * np.imag(psi_T * np.abs(psi_T) * rotation)

    def mismatch(self, theta0) -> float:
        """:math:`M = \\frac12|R|^2`."""
        R = self.residual(theta0)
        return 0.5 * float(R @ R)

    def _substeps(self, sweep: _Sweep):
        n_sub = len(self._taus)
        for k in range(sweep.states.shape[0] - 1):
            m = 0.5 * (sweep.states[k] + sweep.states[k + 1])
            yield k, m, self._taus[k % n_sub]

    def jacobian_vector(self, theta0, direction) -> np.ndarray:
        """:math:`DR(\\theta_0)\\,\\delta` by the tangent sweep, shape ``(N,)``.

        Parameters
        ----------
        theta0, direction : ndarray of shape (N,) or grid.shape
        """
        sweep = self.sweep(theta0)
        delta = self._check_theta(direction)
        v = 1j * sweep.states[0] * delta
        for k, m, tau in self._substeps(sweep):
            v = _midpoint_tangent(self._nls, m, tau, v, False, f"tangent of substep {k}")
        psi_T = sweep.final
        rotation, unit = self._terminal_parts(psi_T)
        # d(psi |psi| e^{i log|psi|}) = e^{i alpha} (|psi| dpsi + (1 + i) psi Re(conj(u) dpsi))
        dz = rotation * (np.abs(psi_T) * v + (1 + 1j * self._osmotic) * psi_T * np.real(np.conj(unit) * v))
        return self._weight * np.imag(dz)

    def vector_jacobian(self, theta0, cotangent) -> np.ndarray:
        """:math:`DR(\\theta_0)^T w` by the adjoint (backward) sweep.

        Parameters
        ----------
        theta0 : ndarray of shape (N,) or grid.shape
        cotangent : ndarray of shape (N,) or (k, N)
            One cotangent, or a block of ``k`` swept together.

        Returns
        -------
        ndarray of the shape of ``cotangent``
        """
        sweep = self.sweep(theta0)
        w = np.asarray(cotangent, dtype=float)
        size = self._problem.grid.size
        if w.ndim not in (1, 2) or w.shape[-1] != size:
            raise ShapeError(f"cotangent must have shape ({size},) or (k, {size}), got {w.shape}")
        psi_T = sweep.final
        rotation, unit = self._terminal_parts(psi_T)
        lam = self._weight * w * (1j * np.abs(psi_T) * np.conj(rotation) + np.imag((1 + 1j * self._osmotic) * rotation * psi_T) * unit)
        for k, m, tau in reversed(list(self._substeps(sweep))):
            lam = _midpoint_tangent(self._nls, m, tau, lam, True, f"adjoint of substep {k}")
        return np.real(np.conj(lam) * 1j * sweep.states[0])

    def jacobian(self, theta0) -> np.ndarray:
        """The Jacobian :math:`DR(\\theta_0)`, shape ``(N, N)``, from one adjoint sweep of the
        block of unit cotangents (its rows)."""
        return self.vector_jacobian(theta0, np.eye(self._problem.grid.size))

    def gradient(self, theta0) -> np.ndarray:
        """:math:`\\nabla M = DR^T R` by one forward and one adjoint sweep, shape ``(N,)``."""
        return self.vector_jacobian(theta0, self.residual(theta0))

    def initial_guess(self, passes: int = 8) -> np.ndarray:
        """A starting phase by alternating sweeps on the terminal density.

        Pass :math:`k`: impose the terminal condition on the current terminal density,
        :math:`\\psi_T = \\sqrt{\\rho_T}\\,e^{-i(\\Phi + \\frac\\hbar2\\log\\rho_T)/\\hbar}`
        (:math:`\\rho_T = \\rho_0` at first), run the same steps backwards to
        :math:`t = 0`, keep the phase there, and run forward from :math:`\\rho_0` with it to
        the next :math:`\\rho_T`. The passes stop early when :math:`|R|` stops decreasing.

        Parameters
        ----------
        passes : int
            At most this many backward–forward passes (0: the terminal condition imposed at
            :math:`t = 0` on :math:`\\rho_0`).

        Returns
        -------
        ndarray of shape (N,)
            :math:`\\theta_0`.
        """
        passes = check_int("passes", passes, minimum=0)
        p = self._problem
        grid = p.grid
        rho_T = p.rho0
        best, best_norm = None, math.inf
        for _ in range(passes + 1):
            theta = -(p.terminal_cost + 0.5 * p.hbar * log_density(grid, rho_T)).ravel() / self._hbar
            if best is not None:
                psi = np.sqrt(rho_T).ravel() * np.exp(1j * theta)
                for _ in range(self._n_steps):
                    for tau in reversed(self._taus):
                        psi = self._substep.step(self._nls, psi, -tau)
                theta = np.angle(psi)
            norm = float(np.linalg.norm(self.residual(theta)))
            if norm >= best_norm:
                break
            best, best_norm = theta, norm
            rho_T = (np.abs(self.sweep(theta).final) ** 2).reshape(grid.shape)
        return best

    # ------------------------------------------------------------------ the solver
    def solve(self, guess=None, tol: float = 1e-12, max_iter: int = 60, rcond: float = 1e-8,
              floor: float = 1e-4, support: float = 1e-10) -> "ShootingResult":
        """Gauss–Newton on :math:`R(\\theta_0) = 0` with the Jacobian from the adjoint sweep,
        continued by scipy's Levenberg–Marquardt (:func:`scipy.optimize.least_squares`,
        ``method="lm"``) where the line search fails.

        Each iteration forms :math:`DR` by one backward block sweep (:meth:`jacobian`),
        takes the least-squares step with singular values below ``rcond`` times the largest
        cut off (the phase where :math:`\\rho_0` is negligible, and the constant of
        :math:`S_0` beyond :math:`2\\pi\\hbar`, do not move :math:`R`), and halves it until
        :math:`|R|` decreases. If no fraction down to 1/1000 decreases it, the iterations go
        on by :func:`scipy.optimize.least_squares` (MINPACK's Levenberg–Marquardt,
        ``x_scale="jac"``) on the same unknowns, starting from the same Jacobian and asking
        :meth:`jacobian` for a new one after each accepted step; it stops at the first
        evaluation with :math:`|R| \\le` ``tol``, or where no damped step decreases
        :math:`|R|` (``ftol``, ``xtol``, ``gtol`` at machine precision).

        Parameters
        ----------
        guess : ndarray of shape (N,) or grid.shape, optional
            :math:`\\theta_0` to start from (default :meth:`initial_guess`).
        tol : float
            Stop when :math:`|R| \\le` ``tol`` (:math:`|R|^2 \\approx
            \\int\\rho_T^2\\,\\Theta^2`, mass 1).
        floor : float
            Also stop when Newton stalls (a step gains less than a factor 2, or none
            decreases :math:`|R|`) below ``floor`` times the :math:`|R|` of the guess: the
            part of :math:`R` in the tails of :math:`\\rho_T` that the phase where
            :math:`\\rho_0` is negligible would have to move.
        max_iter : int
            Gauss–Newton and Levenberg–Marquardt iterations together: each Gauss–Newton
            iteration (one Jacobian and its line search) counts one, and each trial point of
            :func:`~scipy.optimize.least_squares` (its residual evaluations after the first)
            one, so that it runs with ``max_nfev`` = ``max_iter`` minus the Gauss–Newton
            iterations, plus one.
        rcond : float
            Relative cut-off of the singular values of the Gauss–Newton step.
        support : float
            The unknowns are the phases where :math:`\\rho_0 >` ``support`` times its
            maximum; elsewhere the phase of the guess is kept.

        Returns
        -------
        ShootingResult

        Raises
        ------
        ConvergenceError
            If :math:`|R|` does not reach ``tol`` in ``max_iter`` iterations or no step
            decreases it (the message gives the iterations and the last :math:`|R|`; at a
            stationary point of :math:`|R|^2` also :math:`|DR^TR|/(\\|DR\\|\\,|R|)` and the
            smallest singular value of :math:`DR` over the largest, from the Jacobian at the
            last iterate, as after ``max_iter`` iterations that went on by
            :func:`~scipy.optimize.least_squares`).
        """
        tol = check_real("tol", tol, positive=True)
        max_iter = check_int("max_iter", max_iter, minimum=1)
        rcond = check_real("rcond", rcond, positive=True)
        floor = check_real("floor", floor, positive=True)
        support = check_real("support", support, positive=True)
        theta = self.initial_guess() if guess is None else self._check_theta(guess).copy()
        R = self.residual(theta)
        norm = float(np.linalg.norm(R))
        history = [norm]
        iterations = 0
        # the phase where rho_0 is negligible moves nothing but round-off: it is not an unknown
        active = self._sqrt_rho0**2 > support * float(np.max(self._sqrt_rho0**2))
        step = np.zeros_like(theta)
        while norm > tol:
            if iterations == max_iter:
                self._not_converged(norm, tol, iterations, "")
            iterations += 1
            jacobian = self.jacobian(theta)[:, active]
            step[active] = np.linalg.lstsq(jacobian, -R, rcond=rcond)[0]
            length = 1.0
            while True:
                R_trial = self.residual(theta + length * step)
                trial_norm = float(np.linalg.norm(R_trial))
                if trial_norm < norm or length < 1e-3:
                    break
                length *= 0.5
            if trial_norm >= norm:
                history.append(norm)
                if norm > floor * history[0]:
                    theta, iterations = self._least_squares(theta, jacobian, active, tol, max_iter, iterations,
                                                            floor * history[0], history)
                break
            stalled = trial_norm > 0.5 * norm
            theta, R, norm = theta + length * step, R_trial, trial_norm
            history.append(norm)
            if stalled and norm <= floor * history[0]:
                break
        return ShootingResult(self, self._fix_constant(theta), iterations, tuple(history))

    def _least_squares(self, theta, jacobian, active, tol, max_iter, iterations, floor, history):
        """Continue from ``theta``, where no fraction of the Gauss–Newton step decreases
        :math:`|R|`, by :func:`scipy.optimize.least_squares` on the phases ``active``.

        ``jacobian`` is the restricted :math:`DR` at ``theta``, shape ``(N, n_active)``;
        each residual evaluation after the first counts one iteration, up to ``max_iter``
        with ``iterations`` already done. After each the smallest :math:`|R|` so far is
        appended to ``history`` (the last entry is that of the iterate returned). Returns
        :math:`\\theta_0`, shape ``(N,)``, and the iterations when :math:`|R| \\le` ``tol``,
        or when no step decreases :math:`|R|` below ``floor``; raises
        :class:`ConvergenceError` otherwise."""
        def point(x):
            full = theta.copy()
            full[active] = x
            return full

        def residual(x):
            R = self.residual(point(x))
            norm = float(np.linalg.norm(R))
            if evaluations:
                history.append(min(norm, history[-1]))
            evaluations.append(norm)
            if norm <= tol:
                raise _Reached(x)
            return R

        def restricted_jacobian(x):
            if not np.array_equal(x, last[0]):
                last[:] = [x.copy(), self.jacobian(point(x))[:, active]]
            return last[1]

        evaluations, last = [], [theta[active].copy(), jacobian]
        if iterations == max_iter:
            self._not_converged(history[-1], tol, iterations, "")
        try:
            result = least_squares(residual, theta[active], restricted_jacobian,
                                   max_nfev=max_iter - iterations + 1, **_LEAST_SQUARES)
        except _Reached as reached:
            return point(reached.x), iterations + len(evaluations) - 1
        iterations += result.nfev - 1
        norm = float(np.linalg.norm(result.fun))
        if result.status > 0 and norm <= floor:
            history[-1] = norm
            return point(result.x), iterations
        s = np.linalg.svd(result.jac, compute_uv=False)
        gradient = float(np.linalg.norm(result.jac.T @ result.fun)) / (s[0] * norm)
        measured = (f"|DR^T R| = {gradient:.1e} |DR| |R| and smallest singular value "
                    f"{s[-1] / s[0]:.1e} of the largest")
        if result.status == 0:
            self._not_converged(norm, tol, iterations, f" (at the last iterate {measured})", _CONTINUED)
        self._not_converged(norm, tol, iterations, (
            f" (no Levenberg-Marquardt step of scipy's least_squares decreases it: a stationary point of "
            f"|R|^2 with {measured})"), _CONTINUED)

    def _not_converged(self, norm, tol, iterations, why, kind="Gauss-Newton"):
        raise ConvergenceError(
            f"the real-time shooting did not converge: terminal residual |R| = {norm:.3e} > tol {tol:.1e} "
            f"after {iterations} {kind} iterations{why} (a horizon near a conjugate point, or a "
            "guess too far: try a shorter horizon, more initial_guess passes or another guess)",
            residual=norm, iterations=iterations,
        )

    def _fix_constant(self, theta: np.ndarray) -> np.ndarray:
        """Shift :math:`\\theta_0` by the constant that makes the :math:`\\rho_T^2`-weighted
        circular mean of :math:`\\Theta` zero (the value condition, not only its gradient)."""
        psi_T = self.sweep(theta).final
        rotation, _ = self._terminal_parts(psi_T)
        mean = np.sum(psi_T * np.abs(psi_T) * rotation)
        return theta - (np.angle(mean) if mean != 0 else 0.0)


@final
@dataclass(frozen=True, eq=False)
class ShootingResult:
    """The converged initial phase of a :class:`PhaseShooting` (final).

    Attributes
    ----------
    shooting : PhaseShooting
    theta0 : ndarray of shape (N,)
        :math:`S_0/\\hbar` on the flattened grid.
    iterations : int
        Gauss–Newton and Levenberg–Marquardt iterations.
    residuals : tuple of float
        :math:`|R|` before the first and after every iteration.
    """

    shooting: PhaseShooting
    theta0: np.ndarray
    iterations: int
    residuals: tuple

    def solution(self) -> ControlSolution:
        """The fields on the time levels as a :class:`ControlSolution` (``method="shooting"``):
        ``psi`` the wavefunction of the sweep, :math:`\\rho = |\\psi|^2`, the phase unwrapped
        in space (:func:`inverse_madelung`) and aligned in time
        (:func:`align_phase_in_time`), :math:`\\varphi = S + \\frac\\hbar2\\log\\rho` (with the
        density floor); ``changes`` holds :attr:`residuals`."""
        shooting = self.shooting
        problem = shooting.problem
        psi = shooting.wavefunctions(self.theta0)
        hbar = shooting.hbar
        rho, S = inverse_madelung(problem.grid, psi, hbar)
        S = align_phase_in_time(problem.grid, rho, S, hbar)
        phi = S + 0.5 * problem.hbar * log_density(problem.grid, rho)
        t = shooting.dt * np.arange(shooting.n_steps + 1)
        # psi is the wavefunction of hbar = sigma^2 (what ControlSolution.wavefunction means) at kappa = 1
        return ControlSolution(problem, t, rho, phi, "shooting", self.iterations, self.residuals,
                               psi if problem.fisher == 1.0 else None)


def align_phase_in_time(grid, rho, S, hbar) -> np.ndarray:
    """Shift each time level of a phase by a multiple of :math:`2\\pi\\hbar` so that it is
    continuous in time where the density is (the :math:`\\rho`-weighted mean change from the
    previous level is below :math:`\\pi\\hbar`).

    Parameters
    ----------
    grid : PeriodicGrid
    rho, S : ndarray of shape (n_times, *shape)
    hbar : float

    Returns
    -------
    ndarray of shape (n_times, *shape)
    """
    hbar = check_real("hbar", hbar, positive=True)
    S = np.array(S, dtype=float, copy=True)
    period = 2.0 * np.pi * hbar
    for n in range(1, S.shape[0]):
        w = np.sqrt(rho[n] * rho[n - 1])
        mean = float(np.sum(w * (S[n] - S[n - 1])) / max(float(np.sum(w)), np.finfo(float).tiny))
        S[n] -= period * np.round(mean / period)
    return S


def solve_real_time(problem: MeanFieldControl, n_steps: int, order: int = 2, guess=None,
                    tol: float = 1e-12, max_iter: int = 60) -> ControlSolution:
    """The real-time (:math:`\\kappa = 1`) optimality system by shooting on the initial
    phase (:class:`PhaseShooting`).

    Parameters
    ----------
    problem : MeanFieldControl
        With ``fisher`` in :math:`(1/2, 1]`.
    n_steps : int
    order : {2, 4, 6, 8}
    guess : ndarray of shape (N,) or grid.shape, optional
        Initial :math:`S_0/\\hbar`.
    tol : float
    max_iter : int

    Returns
    -------
    ControlSolution
        ``method="shooting"``, ``iterations`` the Gauss–Newton iterations,
        ``changes`` the terminal residual :math:`|R|` per iteration, ``psi`` the
        wavefunction.

    Raises
    ------
    ConvergenceError
        If the shooting does not converge.
    """
    return PhaseShooting(problem, n_steps, order).solve(guess, tol, max_iter).solution()
