"""Matrix-free Lie–Poisson Hamilton–Jacobi steps on pure states of :math:`\\mathfrak u(N)^*`.

On :math:`\\mathfrak u(N)^*` a dense step of :class:`~liepoisson.LiePoissonHJ` forms the
covector :math:`\\nu` and functions of :math:`\\operatorname{ad}_\\xi` as :math:`N \\times N`
matrices: :math:`O(N^3)` per iteration. Many Hamiltonians see the state only through a few
linear functionals :math:`\\ell(\\nu)` (the NLS: the diagonal of :math:`\\nu`), and then the
step can be taken on the wavefunction :math:`\\psi` (:math:`\\mu_n = \\psi\\psi^H`) with
operators applied to vectors only.

**Exponential chart.** With :math:`\\xi = \\nabla S(\\nu) = iK` (:math:`K` Hermitian) and
:math:`A(x)^{-1} = (e^x - 1)/x = \\int_0^1 e^{sx}\\,ds`, the implicit equation
:math:`\\mu_n = A(\\operatorname{ad}_\\xi)^T\\nu` reads

.. math::

    \\nu = \\int_0^1 (e^{s\\operatorname{ad}_\\xi})^T\\mu_n\\,ds
        = \\int_0^1 \\phi_s\\phi_s^H\\,ds, \\qquad \\phi_s = e^{-isK}\\psi,

so the unknowns are the functionals :math:`d = \\ell(\\nu)` and the step is the fixed point
:math:`d \\leftarrow \\ell\\big(\\int_0^1 \\phi_s\\phi_s^H ds\\big)` with :math:`K = K(d)`,
followed by :math:`\\psi_{n+1} = e^{-iK}\\psi`. One Lanczos basis
:math:`V` of :math:`K` at :math:`\\psi` serves the whole interval: with
:math:`V^HKV = Q\\Theta Q^T`, :math:`Y = VQ` and :math:`c = \\|\\psi\\|Q^Te_1`,
:math:`\\phi_s = Y e^{-is\\Theta}c`, and the integral is exact in that basis:

.. math::

    \\int_0^1 \\phi_s\\phi_s^H\\,ds = Y E Y^H, \\qquad
    E_{ab} = c_a c_b \\int_0^1 e^{-is(\\theta_a - \\theta_b)}\\,ds .

**Cayley chart.** With :math:`\\xi = \\nabla S(\\nu) = iK` the step
:math:`\\mu_n = (I + \\xi/2)\\nu(I - \\xi/2)` keeps :math:`\\nu = \\phi\\phi^H` of rank one,
:math:`\\phi = (I + iK/2)^{-1}\\psi_n`, and :math:`\\psi_{n+1} = 2\\phi - \\psi_n`: the implicit
midpoint rule on :math:`\\psi`. It is solved by the fixed point
:math:`\\phi \\leftarrow (I + iK_0/2)^{-1}(\\psi_n - \\tfrac i2 (K - K_0)\\phi)`, where the stiff
part :math:`K_0` (a kinetic operator) has a fast solve.

A system opts in by returning a :class:`FunctionalGradient` from its
:attr:`~liepoisson.LiePoissonSystem.functional_gradient`; :class:`~liepoisson.LiePoissonHJ`
then takes these steps on its own. Memory is :math:`O(N k)` for a Krylov dimension
:math:`k`; no :math:`N \\times N` array is formed.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Callable, NamedTuple

import numpy as np
import scipy.linalg

from .exceptions import ConvergenceError
from .solvers import solve_contraction

__all__ = ["CayleyMaps", "FunctionalGradient", "Generator", "lanczos_exponential", "matrix_free_step"]

#: Largest Krylov dimension of one step (an error names it when reached).
MAX_KRYLOV = 600
#: Most iterations of the linear solve that ends a Cayley step (each gains the contraction
#: factor of the fixed point, about tau * |g| * max|psi|^2 / 2 for the NLS).
_POLISH_ITERATIONS = 10


@dataclass(frozen=True)
class Generator:
    """The generator :math:`\\xi = iK` of a step as operators on wavefunctions (final).

    Attributes
    ----------
    apply : callable
        :math:`v \\mapsto Kv` for ``v`` of shape ``(N,)``.
    soft : callable
        :math:`v \\mapsto (K - K_0)v`, the part of :math:`K` outside the stiff part
        :math:`K_0` (used by the Cayley chart).
    stiff_half_solve : callable
        :math:`v \\mapsto (I + \\tfrac i2 K_0)^{-1}v` (used by the Cayley chart).
    """

    apply: Callable[[np.ndarray], np.ndarray]
    soft: Callable[[np.ndarray], np.ndarray]
    stiff_half_solve: Callable[[np.ndarray], np.ndarray]


class CayleyMaps(NamedTuple):
    """The pieces of the Cayley chart's matrix-free step from one state (see
    :meth:`FunctionalGradient.cayley_maps`).

    Attributes
    ----------
    update : callable
        The fixed-point map :math:`\\delta \\mapsto \\delta'`, shape ``(N,)`` to ``(N,)``.
    frozen : callable
        ``frozen(delta)`` returns the linear map :math:`x \\mapsto x'` with :math:`K` taken
        at :math:`\\psi +` ``delta``.
    guess : ndarray of shape (N,), complex
        The first iterate: the explicit predictor
        :math:`-\\tfrac i2\\big((I + \\tfrac i2 K_0)^{-1}K_0\\psi + (K - K_0)\\psi\\big)`,
        :math:`K` at :math:`\\psi`: the kinetic part through its solve, the rest explicit
        (the same order of error as the first update from zero, at half its cost).
    """

    update: Callable[[np.ndarray], np.ndarray]
    frozen: Callable[[np.ndarray], Callable[[np.ndarray], np.ndarray]]
    guess: np.ndarray


class FunctionalGradient(ABC):
    """The gradient of the generating function seen through linear functionals (abstract).

    For a system on :math:`\\mathfrak u(N)^*` whose states are wavefunctions, and whose
    generating function of order ``order`` (:func:`liepoisson.integrators.lie_poisson_hj.generating_gradient`)
    has the gradient :math:`\\nabla S(\\nu) = iK(\\ell(\\nu))` with :math:`\\ell` linear and
    :math:`K` a Hermitian operator. Subclasses implement :meth:`functionals` and
    :meth:`generator`.
    """

    @abstractmethod
    def functionals(self, Y: np.ndarray, E: np.ndarray, order: int) -> np.ndarray:
        """:math:`\\ell(Y E Y^H)`: the functionals of a covector given in factored form.

        Parameters
        ----------
        Y : ndarray of shape (N, k), complex
        E : ndarray of shape (k, k), Hermitian
        order : {2, 4}

        Returns
        -------
        ndarray of real values (any fixed shape)
        """

    @abstractmethod
    def generator(self, d: np.ndarray, tau: float, order: int) -> Generator:
        """The generator :math:`\\xi = \\nabla S = iK(d)` of a step of length ``tau``.

        Parameters
        ----------
        d : ndarray
            Functionals, as returned by :meth:`functionals`.
        tau : float
        order : {2, 4}

        Returns
        -------
        Generator
        """

    def cayley_maps(self, psi: np.ndarray, tau: float):
        """The maps of the Cayley chart's step from ``psi`` and its first iterate, in the unknown
        :math:`\\delta = \\phi - \\psi` of :math:`(I + \\tfrac i2 K)\\phi = \\psi`.

        With :math:`K = K(\\ell(\\phi\\phi^H))` (order 2) split as :math:`K_0 + (K - K_0)`,
        :math:`K_0` the stiff part with a fast solve, the fixed-point map is

        .. math::

            \\delta \\mapsto -\\tfrac i2 (I + \\tfrac i2 K_0)^{-1}\\big(K_0\\psi
            + (K - K_0)(\\psi + \\delta)\\big),

        and the same map with :math:`K` frozen at a given :math:`\\delta` is the linear
        iteration that ends the step. This implementation composes :meth:`functionals` and
        :meth:`generator`; a subclass may return the same maps fused into fewer passes over
        the data (they must agree with these to round-off).

        Parameters
        ----------
        psi : ndarray of shape (N,), complex
        tau : float

        Returns
        -------
        CayleyMaps
            The fixed-point map, the linear map of a frozen :math:`K`, and the first iterate.
        """
        one = np.ones((1, 1))

        def generator(phi):
            return self.generator(self.functionals(phi[:, None], one, 2), tau, 2)

        K = generator(psi)
        soft_psi = K.soft(psi)
        stiff_psi = K.apply(psi) - soft_psi

        def linear(K, phi):
            return -0.5j * K.stiff_half_solve(stiff_psi + K.soft(phi))

        def update(delta):
            phi = psi + delta
            return linear(generator(phi), phi)

        def frozen(delta):
            K = generator(psi + delta)
            return lambda x: linear(K, psi + x)

        guess = -0.5j * (K.stiff_half_solve(stiff_psi) + soft_psi)
        return CayleyMaps(update, frozen, guess)


def _mean_phase(x: np.ndarray) -> np.ndarray:
    """:math:`\\int_0^1 e^{-isx}ds = e^{-ix/2}\\operatorname{sinc}(x/2\\pi)`, no cancellation at 0."""
    return np.exp(-0.5j * x) * np.sinc(x / (2.0 * np.pi))


def _next_vector(V: np.ndarray, j: int, v: np.ndarray) -> np.ndarray:
    """Store ``v`` as row ``j + 1`` of the basis ``V``, doubling its rows when full."""
    if j + 1 == V.shape[0]:
        V = np.concatenate([V, np.empty_like(V)])
    V[j + 1] = v
    return V


def lanczos_exponential(apply, psi: np.ndarray, tol: float, max_dim: int = MAX_KRYLOV):
    """A Krylov basis in which :math:`e^{-isK}\\psi`, :math:`0 \\le s \\le 1`, is exact to ``tol``.

    Lanczos with full reorthogonalisation on :math:`K` (Hermitian, given by ``apply``) from
    :math:`\\psi`, stopped when the a-posteriori error estimates of :math:`e^{-iK}\\psi` and of
    :math:`\\int_0^1 e^{-isK}\\psi\\,ds` are below ``tol`` relative to :math:`\\|\\psi\\|`, or
    when the space is invariant.

    Parameters
    ----------
    apply : callable
        :math:`v \\mapsto Kv`, shape ``(N,)`` to ``(N,)``.
    psi : ndarray of shape (N,)
    tol : float
    max_dim : int

    Returns
    -------
    Y : ndarray of shape (N, k)
        Orthonormal columns (the Ritz vectors).
    theta : ndarray of shape (k,)
        Ritz values.
    c : ndarray of shape (k,)
        Coefficients of :math:`\\psi`: :math:`e^{-isK}\\psi \\approx Y(e^{-is\\theta}c)`.

    Raises
    ------
    ConvergenceError
        If ``max_dim`` vectors do not reach ``tol``.
    """
    n = psi.shape[0]
    beta0 = float(np.linalg.norm(psi))
    if beta0 == 0.0:
        return np.zeros((n, 1), dtype=complex), np.zeros(1), np.zeros(1)
    max_dim = min(max_dim, n)
    V = np.empty((min(max_dim, 64), n), dtype=complex)
    V[0] = psi / beta0
    alpha, beta = [], []
    for j in range(max_dim):
        w = np.asarray(apply(V[j]), dtype=complex)
        a = float(np.vdot(V[j], w).real)
        alpha.append(a)
        basis = V[: j + 1]
        for _ in range(2):  # full reorthogonalisation, twice is enough
            w = w - basis.T @ (np.conj(basis) @ w)
        b = float(np.linalg.norm(w))
        # an invariant subspace: what is left of w is round-off of K v
        invariant = b <= 64.0 * np.finfo(float).eps * max(abs(a), max(beta, default=0.0), 1e-300)
        if not invariant and j + 1 < min(n, max_dim) and (j < 3 or j % 2):
            # the error estimate needs the Ritz decomposition: look at every other size
            beta.append(b)
            V = _next_vector(V, j, w / b)
            continue
        theta, Q = scipy.linalg.eigh_tridiagonal(np.array(alpha), np.array(beta))
        q0 = Q[0]
        last = Q[-1]
        end = abs(last @ (np.exp(-1j * theta) * q0))
        mean = abs(last @ (_mean_phase(theta) * q0))
        if b * max(end, mean) <= tol or invariant or j + 1 == n:
            return basis.T @ Q, theta, beta0 * q0
        beta.append(b)
        V = _next_vector(V, j, w / b)
    raise ConvergenceError(
        f"the Krylov basis of the step did not reach tol = {tol:.1e} within {max_dim} vectors "
        f"(estimated error {b * max(end, mean):.2e}): the step is too stiff, take a smaller dt "
        "or chart='cayley'"
    )


def _exp_step(fg: FunctionalGradient, psi, tau, order, tol, max_iter, what):
    krylov_tol = 0.1 * tol

    def update(d):
        Y, theta, c = lanczos_exponential(fg.generator(d, tau, order).apply, psi, krylov_tol)
        E = c[:, None] * c[None, :] * _mean_phase(theta[:, None] - theta[None, :])
        return fg.functionals(Y, E, order)

    guess = fg.functionals(psi[:, None], np.ones((1, 1)), order)
    d = solve_contraction(update, guess, tol, max_iter, what)
    # the generator of the converged functionals moves the state (a unitary in any case)
    Y, theta, c = lanczos_exponential(fg.generator(d, tau, order).apply, psi, krylov_tol)
    # psi = Y c: adding only the change keeps the round-off of the mass small
    return psi + Y @ (np.expm1(-1j * theta) * c)


def _cayley_step(fg: FunctionalGradient, psi, tau, tol, max_iter, what):
    # unknown: the change delta = phi - psi of (I + iK/2) phi = psi: its round-off scales
    # with the change, not with psi, so the mass drifts far less over many steps
    update, frozen, guess = fg.cayley_maps(psi, tau)
    trail = []  # the arguments of the last two updates and the last result

    def recorded(delta):
        out = update(delta)
        trail[:] = trail[-2:-1] + [delta, out]
        return out

    delta = solve_contraction(recorded, guess, tol, max_iter, what)
    # the state moves by the Cayley transform of the last generator, a unitary: solving its
    # linear equation to round-off keeps the mass to round-off whatever tol is
    round_off = 4.0 * np.finfo(float).eps * float(np.max(np.abs(psi)))
    change, rate = _last_change_and_rate(trail, delta)
    polished = 0
    # the linear iteration contracts about as the fixed point did (the frozen K drops the
    # derivative of the potential): an iterate whose next changes, about q c / (1 - q) in all
    # for the last change c, stay below round-off is the solution to round-off
    while not (change <= round_off or (rate is not None and change * rate <= round_off * (1.0 - rate))):
        if polished == 0:
            linear = frozen(delta)
        elif polished == _POLISH_ITERATIONS:
            break
        new = linear(delta)
        change = float(np.max(np.abs(new - delta)))
        delta = new
        polished += 1
    return psi + 2.0 * delta


def _last_change_and_rate(trail, delta) -> tuple[float, float | None]:
    """The fixed point's last change :math:`c_k = |\\delta_k - \\delta_{k-1}|` and its
    contraction :math:`q = c_k / c_{k-1}` (None unless below 1/2), when ``trail`` holds
    :math:`(\\delta_{k-2}, \\delta_{k-1}, \\delta_k)` with :math:`\\delta_k` = ``delta`` (the
    fixed point ran, not Newton–Krylov, whose result is not its last update); else
    ``(inf, None)``.

    With :math:`\\delta_k` computed from the generator at :math:`\\delta_{k-1}`, it solves that
    generator's Cayley equation up to :math:`\\tfrac12(K - K_0)(\\delta_k - \\delta_{k-1})`,
    whose size the linear iteration's next change would show: about :math:`q c_k`."""
    if len(trail) != 3 or trail[2] is not delta:
        return math.inf, None
    older, previous = trail[0], trail[1]
    last = float(np.max(np.abs(delta - previous)))
    before = float(np.max(np.abs(previous - older)))
    if not before > 0.0:
        return last, None
    rate = last / before
    return last, (rate if rate < 0.5 else None)


def matrix_free_step(fg: FunctionalGradient, state: np.ndarray, tau: float, order: int, chart: str,
                     tol: float, max_iter: int, what: str) -> np.ndarray:
    """One Lie–Poisson Hamilton–Jacobi step on wavefunctions, matrix-free.

    Parameters
    ----------
    fg : FunctionalGradient
    state : ndarray of shape (..., N)
        Wavefunctions (batch members are stepped one by one).
    tau : float
    order : {2, 4}
        Order of the generating function (``chart="cayley"``: 2).
    chart : {"exp", "cayley"}
    tol : float
    max_iter : int
    what : str
        Description for errors.

    Returns
    -------
    ndarray of shape (..., N)

    Raises
    ------
    ConvergenceError
        If the fixed point or the Krylov basis does not converge.
    """
    state = np.asarray(state, dtype=complex)
    if state.ndim > 1:
        flat = state.reshape(-1, state.shape[-1])
        out = [matrix_free_step(fg, member, tau, order, chart, tol, max_iter, what) for member in flat]
        return np.stack(out).reshape(state.shape)
    if chart == "cayley":
        return _cayley_step(fg, state, tau, tol, max_iter, what)
    return _exp_step(fg, state, tau, order, tol, max_iter, what)
