"""Mean-field-type control on the periodic box: Fokker–Planck forward, HJB backward, the
coupled optimality system and its Hopf–Cole reference.

The problem (:class:`MeanFieldControl`): minimise

.. math::

    J = \\int_0^T\\!\\!\\int \\rho\\,(\\tfrac12|u|^2 + V)\\,dx\\,dt + \\int_0^T F(\\rho_t)\\,dt
        + \\int \\Phi\\,\\rho_T\\,dx, \\qquad
    F(\\rho) = -\\kappa\\,\\frac{\\sigma^4}{4}\\,I(\\rho) + \\int \\frac\\gamma2\\rho^2\\,dx,

over drifts :math:`u` of :math:`dX = u\\,dt + \\sigma\\,dW`. Its optimality system is
:math:`u = \\nabla\\varphi` with

.. math::

    \\partial_t\\rho + \\nabla\\cdot(\\rho\\nabla\\varphi) = \\tfrac{\\sigma^2}{2}\\Delta\\rho,
    \\quad \\rho(0) = \\rho_0, \\qquad
    \\partial_t\\varphi + \\tfrac12|\\nabla\\varphi|^2 + \\tfrac{\\sigma^2}{2}\\Delta\\varphi
    = V + \\frac{\\delta F}{\\delta\\rho}, \\quad \\varphi(T) = -\\Phi,

:math:`\\delta F/\\delta\\rho = \\kappa\\sigma^4\\,\\Delta\\sqrt\\rho/\\sqrt\\rho + \\gamma\\rho`.

Discretisation
--------------
*Fokker–Planck* (:func:`solve_fokker_planck`): finite volumes with the
Scharfetter–Gummel flux across each face,

.. math::

    F_{j+1/2} = \\frac{D}{h}\\big(B(-P)\\,\\rho_j - B(P)\\,\\rho_{j+1}\\big), \\quad
    P = \\frac{u_{j+1/2}h}{D}, \\quad B(z) = \\frac{z}{e^z - 1}, \\quad D = \\frac{\\sigma^2}{2},

(second order in :math:`h`, upwind for large Péclet numbers) and implicit Euler in time.
The matrix :math:`I + \\Delta t\\,A` has zero column sums in :math:`A` and is an M-matrix, so
the scheme conserves mass to round-off and keeps :math:`\\rho \\ge 0` for every
:math:`\\Delta t`. The face velocities of a value function are
:math:`(\\varphi_{j+1} - \\varphi_j)/h`.

*HJB* (:func:`solve_hjb`): backward in time, diffusion implicit (solved by FFT) and the
Hamiltonian :math:`\\tfrac12|\\nabla_h\\varphi|^2` explicit, central differences (second
order in :math:`h`, first in :math:`\\Delta t`; stable for :math:`\\Delta t = O(h^2)` or a
moderate :math:`|\\nabla\\varphi|`).

Refining with :math:`\\Delta t \\propto h^2` the whole solver converges at order 2 in
:math:`h`.

*Hopf–Cole* (:func:`hopf_cole`, only for :math:`F = 0`): :math:`\\eta = e^{\\varphi/\\sigma^2}`
and :math:`\\hat\\eta = \\rho/\\eta` solve two linear heat equations with potential,
advanced spectrally (Strang splitting with Richardson extrapolation: fourth order in time,
spectral in space), the reference of the nonlinear solver.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, final

import numpy as np
import scipy.integrate
import scipy.linalg

from liepoisson import fft
from liepoisson._validation import _describe, check_int, check_real
from liepoisson.exceptions import ConvergenceError, InvalidArgumentError
from liepoisson.solvers import solve_damped_fixed_point, solve_newton_krylov

from .fields import bohm_potential, fisher_information, madelung, osmotic_transform
from .grid import PeriodicGrid, check_sigma

__all__ = [
    "MeanFieldControl",
    "ControlSolution",
    "face_velocities",
    "face_velocities_from_field",
    "solve_fokker_planck",
    "solve_hjb",
    "HJB_SCHEMES",
    "solve_optimality",
    "OPTIMALITY_METHODS",
    "hopf_cole",
]


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=float, copy=True)
    a.setflags(write=False)
    return a


def _bernoulli(z: np.ndarray) -> np.ndarray:
    """:math:`B(z) = z/(e^z - 1)`, :math:`B(0) = 1`, without overflow or cancellation."""
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    small = np.abs(z) < 1e-5
    zs = z[small]
    out[small] = 1.0 - 0.5 * zs + zs * zs / 12.0
    zl = z[~small]
    with np.errstate(over="ignore"):
        out[~small] = zl / np.expm1(zl)
    return out


def face_velocities(grid: PeriodicGrid, phi) -> np.ndarray:
    """Face velocities of a value function, :math:`(\\varphi_{j+e_a} - \\varphi_j)/h`.

    Component ``a`` at index ``j`` is the velocity across the face between cell ``j`` and
    its neighbour ``j + e_a`` (periodic).

    Parameters
    ----------
    grid : PeriodicGrid
    phi : ndarray of shape (..., *shape)

    Returns
    -------
    ndarray of shape (..., dim, *shape)
    """
    phi = np.asarray(phi, dtype=float)
    return np.stack(
        [(np.roll(phi, -1, axis=a - grid.dim) - phi) / grid.dx for a in range(grid.dim)],
        axis=-grid.dim - 1,
    )


def face_velocities_from_field(grid: PeriodicGrid, velocity: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """Face velocities of a velocity field given as a function of position.

    Component ``a`` at index ``j`` is :math:`f_a(x_j + \\tfrac h2 e_a)`, the normal velocity
    at the face midpoint.

    Parameters
    ----------
    grid : PeriodicGrid
    velocity : callable
        ``velocity(x)`` with ``x`` of shape ``(n, dim)`` returns shape ``(n, dim)``.

    Returns
    -------
    ndarray of shape (dim, *shape)
    """
    pts = grid.points.reshape(grid.dim, -1).T
    out = np.empty((grid.dim,) + grid.shape)
    for a in range(grid.dim):
        shifted = pts.copy()
        shifted[:, a] += 0.5 * grid.dx
        out[a] = np.asarray(velocity(shifted), dtype=float)[:, a].reshape(grid.shape)
    return out


def _cyclic_tridiagonal(lower: np.ndarray, diag: np.ndarray, upper: np.ndarray,
                        rhs: np.ndarray) -> np.ndarray:
    """Solve cyclic tridiagonal systems along the last axis, one per line.

    Row :math:`j` of a line reads ``lower[j] x[j-1] + diag[j] x[j] + upper[j] x[j+1]``
    (indices mod n). All lines are stacked into one banded LU solve (LAPACK ``gbsv``), the
    periodic corners are added by Sherman–Morrison.

    Parameters
    ----------
    lower, diag, upper, rhs : ndarray of shape (..., n)

    Returns
    -------
    ndarray of shape (..., n)
    """
    shape = rhs.shape
    n = shape[-1]
    lower, diag, upper = (np.broadcast_to(c, shape).reshape(-1, n) for c in (lower, diag, upper))
    corner_first = lower[:, 0]    # row 0, column n-1
    corner_last = upper[:, -1]    # row n-1, column 0
    gamma = -diag[:, 0]
    d = diag.copy()
    d[:, 0] -= gamma
    d[:, -1] -= corner_first * corner_last / gamma
    ab = np.zeros((3, d.size))
    up = upper.copy()
    up[:, -1] = 0.0               # no coupling between lines
    lo = lower.copy()
    lo[:, 0] = 0.0
    ab[0, 1:] = up.ravel()[:-1]
    ab[1] = d.ravel()
    ab[2, :-1] = lo.ravel()[1:]
    u = np.zeros_like(d)
    u[:, 0] = gamma
    u[:, -1] = corner_last
    sol = scipy.linalg.solve_banded((1, 1), ab, np.stack([rhs.reshape(-1), u.ravel()], axis=-1),
                                    overwrite_ab=True, overwrite_b=True, check_finite=False)
    y = sol[:, 0].reshape(-1, n)
    z = sol[:, 1].reshape(-1, n)
    ratio = corner_first / gamma
    vy = y[:, 0] + ratio * y[:, -1]
    vz = z[:, 0] + ratio * z[:, -1]
    return (y - (vy / (1.0 + vz))[:, None] * z).reshape(shape)


def _along(axis: int, solve, *fields):
    """Apply a solver along the last axis to fields whose axis ``axis`` is moved there."""
    moved = [np.moveaxis(f, axis, -1) for f in fields]
    return np.moveaxis(solve(*moved), -1, axis)


def _implicit_fp_axis(rho: np.ndarray, face: np.ndarray, diffusion: float, h: float, dt: float,
                      axis: int) -> np.ndarray:
    """Solve :math:`(I + \\Delta t A_a)\\rho' = \\rho` for the Scharfetter–Gummel flux
    divergence :math:`A_a` along one axis.

    Row :math:`j` of a line: diagonal :math:`1 + \\Delta t(c^+_j + c^-_{j-1})`, neighbours
    :math:`-\\Delta t\\,c^-_j` (of :math:`j+1`) and :math:`-\\Delta t\\,c^+_{j-1}` (of
    :math:`j-1`), with :math:`c^\\pm_j = D B(\\mp P_j)/h^2` on the face between :math:`j`
    and :math:`j+1`: every column sums to 1 (mass) and the matrix is an M-matrix."""
    def solve(r, f):
        P = f * (h / diffusion)
        scale = dt * diffusion / h**2
        cp = scale * _bernoulli(-P)
        cm = scale * _bernoulli(P)
        return _cyclic_tridiagonal(-np.roll(cp, 1, axis=-1), 1.0 + cp + np.roll(cm, 1, axis=-1), -cm, r)

    return _along(axis, solve, rho, face)


def solve_fokker_planck(grid: PeriodicGrid, rho0, sigma, dt, n_steps,
                        faces: np.ndarray | Callable[[int], np.ndarray]) -> np.ndarray:
    """The Fokker–Planck equation :math:`\\partial_t\\rho + \\nabla\\cdot(\\rho u) =
    \\frac{\\sigma^2}{2}\\Delta\\rho` forward in time (conservative, positivity-preserving).

    Scharfetter–Gummel finite volumes, implicit Euler (see the module notes): mass is
    conserved to round-off and :math:`\\rho` stays :math:`\\ge 0` for every step size.

    Parameters
    ----------
    grid : PeriodicGrid
    rho0 : ndarray of shape (*shape)
        Initial density, :math:`\\ge 0` (normalised or not: its mass is kept).
    sigma : float
        > 0.
    dt : float
        > 0.
    n_steps : int
        >= 1.
    faces : ndarray of shape (n_steps + 1, dim, *shape) or (dim, *shape), or callable
        Face velocities (see :func:`face_velocities`) at the times :math:`t_n = n\\,dt`
        (step :math:`n \\to n + 1` uses those of time :math:`n + 1`), constant ones, or
        ``faces(n)`` returning those of time ``n``.

    Returns
    -------
    ndarray of shape (n_steps + 1, *shape)
        :math:`\\rho` at :math:`t_0, \\dots, t_N`.

    Examples
    --------
    Pure diffusion conserves mass and stays positive:

    >>> import numpy as np
    >>> from liepoisson_models.hydrodynamics import PeriodicGrid, solve_fokker_planck
    >>> grid = PeriodicGrid(32, 1.0)
    >>> rho0 = np.zeros(32); rho0[16] = 1 / grid.dx
    >>> rho = solve_fokker_planck(grid, rho0, 0.5, 0.01, 20, np.zeros((1, 32)))
    >>> abs(float(grid.integrate(rho[-1])) - 1.0) < 1e-14, bool(rho.min() >= 0)
    (True, True)
    """
    sigma = check_sigma(sigma)
    dt = check_real("dt", dt, positive=True)
    n_steps = check_int("n_steps", n_steps, minimum=1)
    rho0 = grid.check_density("rho0", rho0, normalized=False)
    if rho0.shape != grid.shape:
        raise InvalidArgumentError(f"rho0 must have shape {grid.shape}, got {rho0.shape}")
    if callable(faces):
        get = faces
    else:
        faces = grid.check_field("faces", faces, vector=True)
        if faces.ndim == grid.dim + 1:
            get = lambda n: faces  # noqa: E731
        elif faces.shape[0] == n_steps + 1:
            get = lambda n: faces[n]  # noqa: E731
        else:
            raise InvalidArgumentError(
                f"faces must have n_steps + 1 = {n_steps + 1} time levels, got {faces.shape[0]}"
            )
    diffusion = 0.5 * sigma**2
    out = np.empty((n_steps + 1,) + grid.shape)
    out[0] = current = rho0
    for n in range(n_steps):
        faces_n = np.asarray(get(n + 1))
        for a in range(grid.dim):
            current = _implicit_fp_axis(current, faces_n[a], diffusion, grid.dx, dt, a)
            # the exact solution of the M-matrix system is >= 0; clip round-off below zero
            np.maximum(current, 0.0, out=current)
        out[n + 1] = current
    return out


#: The discretisations of the HJB equation (see :func:`solve_hjb`).
HJB_SCHEMES = ("log", "direct")


def _fd2_laplacian_symbol(grid: PeriodicGrid) -> np.ndarray:
    k = grid.wavenumbers
    one = -(4.0 / grid.dx**2) * np.sin(0.5 * k * grid.dx) ** 2
    if grid.dim == 1:
        return one
    return one[:, None] + one[None, :]


def solve_hjb(grid: PeriodicGrid, terminal, sigma, dt, n_steps, source=0.0,
              scheme: str = "log") -> np.ndarray:
    """The HJB equation :math:`\\partial_t\\varphi + \\tfrac12|\\nabla\\varphi|^2 +
    \\tfrac{\\sigma^2}{2}\\Delta\\varphi = f` backward from :math:`\\varphi(T)`.

    Two discretisations, both second order in :math:`h` and first in :math:`\\Delta t`:

    ``"log"`` (default)
        The logarithmic (Hopf–Cole) transform :math:`\\eta = e^{\\varphi/\\sigma^2}` turns
        the equation, for any source :math:`f`, into the linear
        :math:`\\partial_t\\eta + \\frac{\\sigma^2}{2}\\Delta\\eta = \\frac f{\\sigma^2}\\eta`;
        each step is implicit Euler for the 3-point (5-point) diffusion, one cyclic
        tridiagonal solve per axis (split by axes in 2-D), then the exact factor
        :math:`e^{-\\Delta t f/\\sigma^2}`. Unconditionally stable and :math:`\\eta > 0`;
        :math:`\\eta` is rescaled every step, so :math:`\\varphi/\\sigma^2` may span the
        whole exponent range of a float.
    ``"direct"``
        Semi-implicit Euler on :math:`\\varphi` itself, diffusion implicit (FFT) and the
        Hamiltonian explicit with central differences,
        :math:`(I - \\Delta t\\,\\tfrac{\\sigma^2}{2}\\Delta_h)\\,\\varphi^n = \\varphi^{n+1}
        + \\Delta t\\,(\\tfrac12|\\nabla_h\\varphi^{n+1}|^2 - f^n)`: it never uses the
        transform, but is stable only for :math:`\\Delta t\\,|\\nabla\\varphi|^2 \\lesssim \\sigma^2`.

    Parameters
    ----------
    grid : PeriodicGrid
    terminal : ndarray of shape (*shape)
        :math:`\\varphi(T)`.
    sigma : float
        > 0.
    dt : float
    n_steps : int
    source : float or ndarray of shape (*shape) or (n_steps + 1, *shape)
        :math:`f` (``V + dF/drho`` for the control problem), constant or per time level.
    scheme : {"log", "direct"}

    Returns
    -------
    ndarray of shape (n_steps + 1, *shape)
        :math:`\\varphi` at :math:`t_0, \\dots, t_N`.

    Examples
    --------
    A constant source only shifts the value:

    >>> import numpy as np
    >>> from liepoisson_models.hydrodynamics import PeriodicGrid, solve_hjb
    >>> grid = PeriodicGrid(16, 1.0)
    >>> phi = solve_hjb(grid, np.zeros(16), 1.0, 0.1, 10, source=1.0)
    >>> bool(np.allclose(phi[0], -1.0))
    True
    """
    sigma = check_sigma(sigma)
    dt = check_real("dt", dt, positive=True)
    n_steps = check_int("n_steps", n_steps, minimum=1)
    if scheme not in HJB_SCHEMES:
        raise InvalidArgumentError(f"scheme must be one of {HJB_SCHEMES}, got {_describe(scheme)}")
    terminal = grid.check_field("terminal", terminal)
    source = np.asarray(source, dtype=float)
    per_step = source.ndim == grid.dim + 1
    if per_step and source.shape[0] != n_steps + 1:
        raise InvalidArgumentError(
            f"source must have n_steps + 1 = {n_steps + 1} time levels, got {source.shape[0]}"
        )
    s2 = sigma**2
    out = np.empty((n_steps + 1,) + grid.shape)
    out[n_steps] = terminal
    if scheme == "direct":
        axes = tuple(range(-grid.dim, 0))
        denominator = 1.0 - dt * 0.5 * s2 * _fd2_laplacian_symbol(grid)
        for n in range(n_steps - 1, -1, -1):
            nxt = out[n + 1]
            g = grid.gradient(nxt, "fd2")
            f = source[n] if per_step else source
            rhs = nxt + dt * (0.5 * grid.dot(g, g) - f)
            out[n] = fft.fourier_multiply(rhs, 1.0 / denominator, axes).real
        return out
    off = -dt * 0.5 * s2 / grid.dx**2
    solve = lambda r: _cyclic_tridiagonal(off, 1.0 - 2.0 * off, off, r)  # noqa: E731
    shift = float(np.max(terminal)) / s2
    eta = np.exp(terminal / s2 - shift)
    tiny = np.finfo(float).tiny
    for n in range(n_steps - 1, -1, -1):
        for a in range(grid.dim):
            eta = _along(a, solve, eta)
        f = source[n] if per_step else source
        log_eta = np.log(np.maximum(eta, tiny)) - dt * f / s2
        top = float(np.max(log_eta))
        eta = np.exp(log_eta - top)
        shift += top
        out[n] = s2 * (log_eta + shift - top)
    return out


@final
@dataclass(frozen=True, eq=False)
class MeanFieldControl:
    """A mean-field-type control problem on a periodic box (final, immutable).

    Parameters
    ----------
    grid : PeriodicGrid
    rho0 : ndarray of shape (*shape)
        Initial density (the data), :math:`\\ge 0`, :math:`\\int\\rho_0 = 1`.
    sigma : float
        Noise strength, > 0; :math:`\\hbar = \\sigma^2` in the quantum picture.
    horizon : float
        :math:`T > 0` (the depth of the network).
    running_cost : float or ndarray of shape (*shape)
        :math:`V(x)`.
    terminal_cost : float or ndarray of shape (*shape)
        :math:`\\Phi(x)` (the loss at the output layer).
    fisher : float
        :math:`\\kappa \\ge 0`, weight of the negative Fisher term
        :math:`-\\kappa\\frac{\\sigma^4}{4}I(\\rho)` of :math:`F` (:math:`\\kappa = 1` gives
        the real-time NLS, see ``docs/models/hydrodynamics.rst``).
    congestion : float
        :math:`\\gamma`, weight of :math:`\\int\\frac\\gamma2\\rho^2` in :math:`F`.

    Raises
    ------
    InvalidArgumentError
        For ``sigma <= 0``, ``horizon <= 0``, ``fisher < 0``, a negative or non-normalised
        ``rho0``; :class:`~liepoisson.ShapeError` for fields on another grid.

    Examples
    --------
    >>> import numpy as np
    >>> from liepoisson_models.hydrodynamics import MeanFieldControl, PeriodicGrid
    >>> grid = PeriodicGrid(32, 2 * np.pi)
    >>> problem = MeanFieldControl(grid, np.full(32, 1 / (2 * np.pi)), sigma=0.0, horizon=1.0)
    Traceback (most recent call last):
    ...
    liepoisson.exceptions.InvalidArgumentError: sigma must be > 0, got 0.0
    """

    grid: PeriodicGrid
    rho0: np.ndarray
    sigma: float
    horizon: float
    running_cost: np.ndarray = 0.0
    terminal_cost: np.ndarray = 0.0
    fisher: float = 0.0
    congestion: float = 0.0

    def __post_init__(self):
        if not isinstance(self.grid, PeriodicGrid):
            raise InvalidArgumentError(f"grid must be a PeriodicGrid, got {_describe(self.grid)}")
        grid = self.grid
        object.__setattr__(self, "sigma", check_sigma(self.sigma))
        object.__setattr__(self, "horizon", check_real("horizon", self.horizon, positive=True))
        rho0 = grid.check_density("rho0", self.rho0)
        if rho0.shape != grid.shape:
            raise InvalidArgumentError(f"rho0 must have shape {grid.shape}, got {rho0.shape}")
        object.__setattr__(self, "rho0", _readonly(rho0))
        for name in ("running_cost", "terminal_cost"):
            value = getattr(self, name)
            if np.ndim(value) != 0:
                value = grid.check_field(name, value)
                if value.shape != grid.shape:
                    raise InvalidArgumentError(f"{name} must have shape {grid.shape}, got {value.shape}")
            value = np.broadcast_to(grid.check_field(name, np.broadcast_to(value, grid.shape)), grid.shape)
            object.__setattr__(self, name, _readonly(value))
        fisher = check_real("fisher", self.fisher)
        if fisher < 0:
            raise InvalidArgumentError(f"fisher must be >= 0, got {fisher}")
        object.__setattr__(self, "fisher", fisher)
        object.__setattr__(self, "congestion", check_real("congestion", self.congestion))

    @property
    def hbar(self) -> float:
        """:math:`\\hbar = \\sigma^2`."""
        return self.sigma**2

    @property
    def coupled(self) -> bool:
        """Whether :math:`F \\ne 0` couples the HJB equation to the density."""
        return self.fisher != 0.0 or self.congestion != 0.0

    def coupling(self, rho: np.ndarray, method: str = "fd2") -> np.ndarray:
        """:math:`\\delta F/\\delta\\rho = \\kappa\\sigma^4\\Delta\\sqrt\\rho/\\sqrt\\rho +
        \\gamma\\rho`, shape of ``rho``."""
        out = self.congestion * rho
        if self.fisher:
            out = out + self.fisher * self.sigma**4 * bohm_potential(self.grid, rho, method)
        return out

    def quantum_potential(self, rho: np.ndarray) -> tuple[np.ndarray, str]:
        """The potential :math:`U` of the quantum Hamilton–Jacobi equation of the
        transformed fields and its time direction (see
        :func:`~liepoisson_models.hydrodynamics.quantum_hj_residual`).

        With :math:`\\kappa = 1` the Fisher term flips the sign of the Bohm term: the
        equation is the real-time one with :math:`U = -V - \\gamma\\rho` (:math:`W = -V`,
        :math:`g(\\rho) = -\\gamma\\rho`). Otherwise it is the imaginary-time one with
        :math:`U = -V - \\delta F/\\delta\\rho`.

        Returns
        -------
        U : ndarray of the shape of ``rho``
        time : {"real", "imaginary"}
        """
        if self.fisher == 1.0:
            return -self.running_cost - self.congestion * rho, "real"
        return -self.running_cost - self.coupling(rho), "imaginary"

    def cost(self, solution: "ControlSolution") -> float:
        """The objective :math:`J` of a solution (trapezoidal rule in time).

        Returns
        -------
        float
        """
        grid, t = self.grid, solution.t
        u = grid.gradient(solution.phi, "fd4")
        running = grid.integrate(solution.rho * (0.5 * grid.dot(u, u) + self.running_cost))
        if self.congestion:
            running = running + grid.integrate(0.5 * self.congestion * solution.rho**2)
        if self.fisher:
            running = running - self.fisher * self.sigma**4 / 4 * fisher_information(grid, solution.rho, "fd4")
        return float(scipy.integrate.trapezoid(running, t) + grid.integrate(self.terminal_cost * solution.rho[-1]))


@final
@dataclass(frozen=True, eq=False)
class ControlSolution:
    """The density and value of a :class:`MeanFieldControl` on a uniform time grid (final).

    Attributes
    ----------
    problem : MeanFieldControl
    t : ndarray of shape (n_steps + 1,)
    rho : ndarray of shape (n_steps + 1, *shape)
    phi : ndarray of shape (n_steps + 1, *shape)
    method : str
        ``"forward-backward"`` (damped fixed point), ``"newton-krylov"``, ``"hopf-cole"``
        or ``"shooting"`` (the real-time problem,
        :func:`~liepoisson_models.hydrodynamics.solve_real_time`).
    iterations : int
        Iterations of the solver (1 for an uncoupled problem or Hopf–Cole).
    changes : tuple of float
        The convergence history: :math:`\\max_t\\|\\rho^{(k+1)} - \\rho^{(k)}\\|_{L^1}` per
        fixed-point iteration, the residual per Newton–Krylov iteration, or the terminal
        residual per shooting iteration.
    psi : ndarray of shape (n_steps + 1, *shape), complex, optional
        The wavefunction a real-time solver advanced (then :meth:`wavefunction` returns it).
    """

    problem: MeanFieldControl
    t: np.ndarray
    rho: np.ndarray
    phi: np.ndarray
    method: str
    iterations: int = 1
    changes: tuple = field(default=())
    psi: np.ndarray | None = None

    @property
    def dt(self) -> float:
        return float(self.t[1] - self.t[0])

    def drift(self, method: str = "fd4") -> np.ndarray:
        """:math:`u = \\nabla\\varphi`, shape ``(n_steps + 1, dim, *shape)``."""
        return self.problem.grid.gradient(self.phi, method)

    def hydrodynamic(self, method: str = "fd4") -> tuple[np.ndarray, np.ndarray]:
        """The osmotic transform :math:`(S, v)` of the solution
        (:func:`~liepoisson_models.hydrodynamics.osmotic_transform`)."""
        return osmotic_transform(self.problem.grid, self.rho, self.phi, self.problem.sigma, method)

    def wavefunction(self) -> np.ndarray:
        """:math:`\\psi = \\sqrt\\rho\\,e^{iS/\\hbar}`, :math:`\\hbar = \\sigma^2`, shape
        ``(n_steps + 1, *shape)`` (:attr:`psi` when the solver advanced one)."""
        if self.psi is not None:
            return self.psi
        S, _ = self.hydrodynamic()
        return madelung(self.rho, S, self.problem.hbar)

    def residuals(self, method: str = "fd4") -> dict[str, float]:
        """Residuals of the hydrodynamic equations of the transformed fields.

        Time derivatives are central differences at the interior time levels; space
        derivatives use ``method``.

        Returns
        -------
        dict
            ``"continuity"``: :math:`\\max_t \\|\\partial_t\\rho + \\nabla\\cdot(\\rho\\nabla S)\\|_{L^1}`;
            ``"quantum_hj"``: :math:`\\max_t` of the :math:`\\rho`-weighted :math:`L^2` norm
            of the quantum HJ residual (the form of :meth:`MeanFieldControl.quantum_potential`);
            ``"hjb"``: the same norm of the HJB residual of :math:`\\varphi`;
            ``"mass"``: :math:`\\max_t|\\int\\rho_t - \\int\\rho_0|`;
            ``"time"``: ``"real"`` or ``"imaginary"``.
        """
        from .residuals import continuity_residual, quantum_hj_residual, time_derivative, weighted_norm

        problem, grid = self.problem, self.problem.grid
        S, v = self.hydrodynamic(method)
        flux = np.expand_dims(self.rho, -grid.dim - 1) * v
        cont = continuity_residual(grid, self.t, self.rho, flux, method)
        U, time = problem.quantum_potential(self.rho)
        qhj = quantum_hj_residual(grid, self.t, self.rho, S, problem.hbar, U, time, method)
        u = grid.gradient(self.phi, method)
        inner = slice(1, -1)
        hjb = (time_derivative(self.t, self.phi) + 0.5 * grid.dot(u[inner], u[inner]) + 0.5 * problem.sigma**2 * grid.laplacian(self.phi[inner], method)
               - problem.running_cost - problem.coupling(self.rho[inner]))
        mass = grid.integrate(self.rho)
        return {
            "continuity": float(np.max(grid.integrate(np.abs(cont)))),
            "quantum_hj": float(np.max(weighted_norm(grid, qhj, self.rho[inner]))),
            "hjb": float(np.max(weighted_norm(grid, hjb, self.rho[inner]))),
            "mass": float(np.max(np.abs(mass - mass[0]))),
            "time": time,
        }


def _check_problem(problem) -> MeanFieldControl:
    if not isinstance(problem, MeanFieldControl):
        raise InvalidArgumentError(f"problem must be a MeanFieldControl, got {_describe(problem)}")
    return problem


#: The methods of :func:`solve_optimality`.
OPTIMALITY_METHODS = ("auto", "fixed-point", "newton-krylov", "shooting")


def solve_optimality(problem: MeanFieldControl, n_steps: int, damping: float = 0.5,
                     tol: float = 1e-10, max_iter: int = 200, hjb: str = "log",
                     method: str = "auto") -> ControlSolution:
    """The optimality system of a :class:`MeanFieldControl`: the forward–backward system
    (HJB backward, Fokker–Planck forward) or, for :math:`\\kappa > 1/2`, its real-time form.

    Methods:

    ``"fixed-point"``
        Iteration :math:`k`: solve the HJB equation with the source
        :math:`V + \\delta F/\\delta\\rho(\\rho^{(k)})`, then the Fokker–Planck equation with its
        drift; :math:`\\rho^{(k+1)} = (1 - \\theta)\\rho^{(k)} + \\theta\\,\\rho_{FP}`. For an
        uncoupled problem (:math:`F = 0`) one pass is exact. The congestion term
        (:math:`\\gamma > 0`, convex :math:`F`) converges with moderate damping. The Fisher term
        does not for :math:`\\kappa \\ge 1/2`: linearised at fine scales (where the diffusion
        balances the sources), a density perturbation :math:`\\delta\\rho = \\epsilon\\rho\\cos kx`
        changes the source by :math:`\\kappa\\sigma^4\\delta Q \\approx
        -\\frac12\\kappa\\sigma^4k^2\\epsilon\\cos kx`, the value by :math:`\\delta\\varphi \\approx
        \\kappa\\sigma^2\\epsilon\\cos kx` and the next density by :math:`2\\kappa\\,\\delta\\rho`: a
        gain :math:`2\\kappa` that damping cannot reduce below 1.
    ``"newton-krylov"``
        Newton–Krylov (:func:`liepoisson.solvers.solve_newton_krylov`) on the value:
        :math:`\\varphi - \\mathrm{HJB}(V + \\delta F/\\delta\\rho(\\mathrm{FP}(\\varphi))) = 0` at the
        time levels :math:`0, \\dots, N - 1` (the Fokker–Planck solve keeps every iterate's
        density :math:`\\ge 0`). It converges where the fixed point's gain :math:`2\\kappa`
        reaches 1 (:math:`\\kappa = 1/2`, where the transformed fields obey a classical
        Hamilton–Jacobi equation: the Bohm term's weight :math:`(\\frac12 - \\kappa)\\sigma^4`
        vanishes); for :math:`\\kappa > 1/2` the linearisation :math:`1 - 2\\kappa` changes sign
        between coarse and fine scales and the Krylov solves stall.
    ``"shooting"``
        For :math:`1/2 < \\kappa \\le 1` the transformed fields obey the real-time NLS with
        :math:`\\hbar_\\kappa = \\sigma^2\\sqrt{2\\kappa - 1}`: solved by shooting on the initial
        phase (:func:`~liepoisson_models.hydrodynamics.solve_real_time`, order 2).
    ``"auto"`` (default)
        The fixed point for :math:`\\kappa < 1/2`, Newton–Krylov at :math:`\\kappa = 1/2`, the
        shooting above.

    Parameters
    ----------
    problem : MeanFieldControl
    n_steps : int
        Time steps over :math:`[0, T]` (:math:`\\Delta t = T/N`; take
        :math:`\\Delta t \\propto h^2` for second-order convergence of the grid solvers).
    damping : float
        :math:`\\theta \\in (0, 1]` (fixed point).
    tol : float
        Fixed point: stop when :math:`\\max_t\\|\\rho_{FP} - \\rho^{(k)}\\|_{L^1} \\le` ``tol``;
        Newton–Krylov: relative tolerance on the residual of the value, at least ``1e-8``
        (the finite-difference Jacobian-vector products stall below).
    max_iter : int
    hjb : {"log", "direct"}
        The scheme of :func:`solve_hjb`.
    method : {"auto", "fixed-point", "newton-krylov", "shooting"}

    Returns
    -------
    ControlSolution
        ``rho`` is the Fokker–Planck solution with the returned ``phi`` (grid methods);
        ``method`` names the method used.

    Raises
    ------
    ConvergenceError
        If the method does not converge (the message gives the iterations and the last
        change or residual).
    """
    problem = _check_problem(problem)
    n_steps = check_int("n_steps", n_steps, minimum=1)
    damping = check_real("damping", damping, positive=True)
    if damping > 1:
        raise InvalidArgumentError(f"damping must be in (0, 1], got {damping}")
    tol = check_real("tol", tol, positive=True)
    max_iter = check_int("max_iter", max_iter, minimum=1)
    if method not in OPTIMALITY_METHODS:
        raise InvalidArgumentError(f"method must be one of {OPTIMALITY_METHODS}, got {_describe(method)}")
    kappa = problem.fisher
    if method == "auto":
        method = "fixed-point" if kappa < 0.5 else "newton-krylov" if kappa == 0.5 else "shooting"
    if method == "shooting":
        from .shooting import solve_real_time

        return solve_real_time(problem, n_steps)
    grid, sigma = problem.grid, problem.sigma
    dt = problem.horizon / n_steps
    t = dt * np.arange(n_steps + 1)
    terminal = -problem.terminal_cost
    if not problem.coupled:
        phi = solve_hjb(grid, terminal, sigma, dt, n_steps, problem.running_cost, hjb)
        rho = solve_fokker_planck(grid, problem.rho0, sigma, dt, n_steps, face_velocities(grid, phi))
        return ControlSolution(problem, t, rho, phi, "forward-backward", 1, (0.0,))

    def backward(rho):
        return solve_hjb(grid, terminal, sigma, dt, n_steps, problem.running_cost + problem.coupling(rho), hjb)

    def forward(phi):
        return solve_fokker_planck(grid, problem.rho0, sigma, dt, n_steps, face_velocities(grid, phi))

    if method == "newton-krylov":
        return _solve_newton_krylov(problem, t, terminal, forward, backward, tol, max_iter, hjb)
    rho0 = np.broadcast_to(problem.rho0, (n_steps + 1,) + grid.shape).copy()
    solved = {}

    def forward_backward(rho):
        solved["phi"] = backward(rho)
        return forward(solved["phi"])

    def change(new, rho):
        return float(np.max(grid.integrate(np.abs(new - rho))))

    try:
        rho, iterations, changes = solve_damped_fixed_point(
            forward_backward, rho0, damping, tol, max_iter, "forward-backward fixed point", change
        )
    except ConvergenceError as exc:
        hint = "lower the damping or the horizon"
        if problem.fisher >= 0.5:
            hint = (f"with fisher = {problem.fisher:g} >= 1/2 the fixed-point map amplifies fine-scale "
                    "density perturbations (gain 2*fisher), so no damping converges; use "
                    "method='newton-krylov' (fisher = 1/2) or 'shooting' (fisher > 1/2)")
        raise ConvergenceError(f"{exc} ({hint})", residual=exc.residual, iterations=exc.iterations) from None
    return ControlSolution(problem, t, rho, solved["phi"], "forward-backward", iterations, changes)


def _solve_newton_krylov(problem, t, terminal, forward, backward, tol, max_iter, hjb) -> ControlSolution:
    """Newton–Krylov on the value at the time levels before the last (see
    :func:`solve_optimality`)."""
    shape = (t.size - 1,) + problem.grid.shape

    def residual(x):
        phi = np.concatenate([x.reshape(shape), terminal[None]])
        return x - backward(forward(phi))[:-1].ravel()

    guess = solve_hjb(problem.grid, terminal, problem.sigma, t[1] - t[0], t.size - 1,
                      problem.running_cost, hjb)[:-1].ravel()
    history = []
    x = solve_newton_krylov(residual, guess, max(tol, 1e-8), max_iter, f"Newton-Krylov on the optimality system "
                            f"(fisher={problem.fisher:g})",
                            callback=lambda x, f: history.append(float(np.max(np.abs(f)))))
    phi = np.concatenate([x.reshape(shape), terminal[None]])
    return ControlSolution(problem, t, forward(phi), phi, "newton-krylov", len(history), tuple(history))


def _heat_step(grid: PeriodicGrid, f, diffusion, potential, tau, axes):
    """One Strang step of :math:`\\partial_\\tau f = D\\Delta f - Wf`:
    :math:`e^{-\\tau W/2}e^{\\tau D\\Delta}e^{-\\tau W/2}` (spectral Laplacian)."""
    k2 = -grid.laplacian_symbol
    half = np.exp(-0.5 * tau * potential)
    g = fft.fourier_multiply(half * f, np.exp(-tau * diffusion * k2), axes).real
    return half * g


def _heat_semigroup(grid, f, diffusion, potential, tau, substeps):
    """:math:`e^{\\tau(D\\Delta - W)}f` by ``substeps`` Strang steps with Richardson
    extrapolation (fourth order in :math:`\\tau`)."""
    axes = tuple(range(-grid.dim, 0))
    h = tau / substeps
    for _ in range(substeps):
        coarse = _heat_step(grid, f, diffusion, potential, h, axes)
        fine = _heat_step(grid, _heat_step(grid, f, diffusion, potential, 0.5 * h, axes),
                          diffusion, potential, 0.5 * h, axes)
        f = (4.0 * fine - coarse) / 3.0
    return f


def hopf_cole(problem: MeanFieldControl, n_steps: int, substeps: int = 4) -> ControlSolution:
    """The exact optimality path of an uncoupled problem (:math:`F = 0`) by Hopf–Cole.

    :math:`\\eta = e^{\\varphi/\\sigma^2}` and :math:`\\hat\\eta = \\rho/\\eta` solve

    .. math::

        \\partial_t\\eta + \\tfrac{\\sigma^2}{2}\\Delta\\eta = \\frac{V}{\\sigma^2}\\eta,
        \\quad \\eta(T) = e^{-\\Phi/\\sigma^2}, \\qquad
        \\partial_t\\hat\\eta - \\tfrac{\\sigma^2}{2}\\Delta\\hat\\eta = -\\frac{V}{\\sigma^2}\\hat\\eta,
        \\quad \\hat\\eta(0) = \\rho_0/\\eta(0),

    two linear heat equations (the Schrödinger bridge in imaginary time), advanced by the
    spectral heat semigroup (exact in space for resolved periodic fields, fourth order in
    time: Strang splitting of the potential with Richardson extrapolation). Then
    :math:`\\rho = \\eta\\hat\\eta` and :math:`\\varphi = \\sigma^2\\log\\eta`.

    Parameters
    ----------
    problem : MeanFieldControl
        With ``fisher == congestion == 0``; :math:`\\eta` and :math:`\\hat\\eta` should be
        smooth and periodic on the box (periodic costs, or a box on which they decay).
    n_steps : int
        Output time levels :math:`t_n = nT/N`.
    substeps : int
        Extrapolated Strang steps between output levels.

    Returns
    -------
    ControlSolution

    Raises
    ------
    InvalidArgumentError
        For a coupled problem (:math:`F \\ne 0`: Hopf–Cole does not linearise it).
    """
    problem = _check_problem(problem)
    if problem.coupled:
        raise InvalidArgumentError(
            f"hopf_cole needs F = 0 (fisher = congestion = 0), got fisher={problem.fisher:g}, "
            f"congestion={problem.congestion:g}"
        )
    n_steps = check_int("n_steps", n_steps, minimum=1)
    substeps = check_int("substeps", substeps, minimum=1)
    grid, sigma = problem.grid, problem.sigma
    s2 = sigma**2
    dt = problem.horizon / n_steps
    t = dt * np.arange(n_steps + 1)
    diffusion, potential = 0.5 * s2, problem.running_cost / s2
    # eta is kept as exp(phi/s2 - shift) per level (a constant shift keeps it in range)
    log_eta = np.empty((n_steps + 1,) + grid.shape)
    log_eta[n_steps] = -problem.terminal_cost / s2
    shift = float(np.max(log_eta[n_steps]))
    eta = np.exp(log_eta[n_steps] - shift)
    for n in range(n_steps - 1, -1, -1):
        eta = _heat_semigroup(grid, eta, diffusion, potential, dt, substeps)
        top = float(np.max(eta))
        eta = eta / top
        shift += np.log(top)
        log_eta[n] = np.log(np.maximum(eta, np.finfo(float).tiny)) + shift
    rho = np.empty_like(log_eta)
    rho[0] = problem.rho0
    hat = problem.rho0 * np.exp(-log_eta[0])
    for n in range(n_steps):
        hat = _heat_semigroup(grid, hat, diffusion, potential, dt, substeps)
        rho[n + 1] = hat * np.exp(log_eta[n + 1])
    return ControlSolution(problem, t, rho, s2 * log_eta, "hopf-cole", 1, (0.0,))
