"""Quantum hydrodynamics as a Lie–Poisson system on the dual of a semidirect product.

The Lie algebra is :math:`\\mathfrak g = \\mathfrak X \\ltimes C^\\infty`: pairs
:math:`\\xi = (w, f)` of a vector field and a function on the box, with

.. math::

    [(w, f), (u, h)] = \\big((w\\cdot\\nabla)u - (u\\cdot\\nabla)w,\\;
    w\\cdot\\nabla h - u\\cdot\\nabla f\\big)

(the Jacobi–Lie bracket of vector fields, acting on functions by derivation). Its dual
holds :math:`\\mu = (m, \\rho)`, a momentum density and a density, paired by
:math:`\\langle\\mu, \\xi\\rangle = \\int m\\cdot w + \\rho f\\,dx`. From
:math:`\\langle\\operatorname{ad}^*_\\xi\\mu, \\eta\\rangle = \\langle\\mu, [\\xi, \\eta]\\rangle`,

.. math::

    \\operatorname{ad}^*_{(u, h)}(m, \\rho) = \\big(-\\nabla\\cdot(m\\otimes u) - (\\nabla u)^T m
    - \\rho\\nabla h,\\; -\\nabla\\cdot(\\rho u)\\big),

and the project's Lie–Poisson equation :math:`\\dot\\mu = \\operatorname{ad}^*_{\\delta H/\\delta\\mu}\\mu`
(bracket :math:`\\{F, G\\} = -\\langle\\mu, [\\delta F, \\delta G]\\rangle`) with the QHD
Hamiltonian

.. math::

    H(m, \\rho) = \\int \\frac{|m|^2}{2\\rho} + \\frac{\\hbar^2}{8}\\frac{|\\nabla\\rho|^2}{\\rho}
        + \\rho W + \\frac g2\\rho^2\\,dx, \\qquad
    \\frac{\\delta H}{\\delta m} = v = \\frac m\\rho, \\quad
    \\frac{\\delta H}{\\delta\\rho} = -\\frac{|v|^2}2 - \\frac{\\hbar^2}{2}\\frac{\\Delta\\sqrt\\rho}{\\sqrt\\rho}
        + W + g\\rho,

is the compressible quantum Euler system
:math:`\\partial_t\\rho + \\nabla\\cdot m = 0`,
:math:`\\partial_t m + \\nabla\\cdot(m\\otimes v) = -\\rho\\nabla(W + g\\rho
- \\frac{\\hbar^2}2\\Delta\\sqrt\\rho/\\sqrt\\rho)` (the :math:`(\\nabla v)^T m` term cancels
against :math:`-\\rho\\nabla|v|^2/2`). The mass :math:`\\int\\rho` is a Casimir. On the grid
the derivatives are skew-adjoint (spectral or central differences), so the discrete
:math:`\\operatorname{ad}^*` is exactly the adjoint of the discrete bracket and the
discrete :math:`\\{F, G\\}` is antisymmetric to round-off.

The Madelung transform :math:`\\psi \\mapsto (m, \\rho) = (\\hbar\\operatorname{Im}
\\bar\\psi\\nabla\\psi, |\\psi|^2)` maps the NLS
:math:`i\\hbar\\psi_t = -\\frac{\\hbar^2}{2}\\Delta\\psi + W\\psi + g|\\psi|^2\\psi` to this
system, with :math:`H = \\int\\frac{\\hbar^2}2|\\nabla\\psi|^2 + W|\\psi|^2 + \\frac g2|\\psi|^4`
(:func:`from_nls`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import final

import numpy as np

from liepoisson._validation import _describe, check_real
from liepoisson.exceptions import InvalidArgumentError

from .fields import DENSITY_FLOOR, _floor, bohm_potential, current
from .grid import PeriodicGrid

__all__ = [
    "semidirect_bracket",
    "coadjoint",
    "pairing",
    "lie_poisson_bracket",
    "QuantumHydrodynamics",
    "grid_of",
    "from_nls",
]


def _pair(grid: PeriodicGrid, name: str, value):
    if not (isinstance(value, (tuple, list)) and len(value) == 2):
        raise InvalidArgumentError(f"{name} must be a pair (vector field, function), got {_describe(value)}")
    vec = grid.check_field(f"{name}[0]", value[0], vector=True)
    fun = grid.check_field(f"{name}[1]", value[1])
    return vec, fun


def _advect(grid: PeriodicGrid, w, u, method):
    """:math:`(w\\cdot\\nabla)u` for vector fields, component by component."""
    return np.stack(
        [sum(grid.component(w, j) * grid.partial(grid.component(u, i), j, method) for j in range(grid.dim))
         for i in range(grid.dim)],
        axis=-grid.dim - 1,
    )


def semidirect_bracket(grid: PeriodicGrid, xi, eta, method: str | None = None):
    """The bracket :math:`[(w, f), (u, h)] = ((w\\cdot\\nabla)u - (u\\cdot\\nabla)w,\\;
    w\\cdot\\nabla h - u\\cdot\\nabla f)` of :math:`\\mathfrak X \\ltimes C^\\infty`.

    Parameters
    ----------
    grid : PeriodicGrid
    xi, eta : pair of (ndarray of shape (dim, *shape), ndarray of shape (*shape))
    method : {"spectral", "fd2", "fd4"}, optional

    Returns
    -------
    (ndarray of shape (dim, *shape), ndarray of shape (*shape))
    """
    w, f = _pair(grid, "xi", xi)
    u, h = _pair(grid, "eta", eta)
    vec = _advect(grid, w, u, method) - _advect(grid, u, w, method)
    fun = grid.dot(w, grid.gradient(h, method)) - grid.dot(u, grid.gradient(f, method))
    return vec, fun


def coadjoint(grid: PeriodicGrid, xi, mu, method: str | None = None):
    """:math:`\\operatorname{ad}^*_{(u, h)}(m, \\rho) = (-\\nabla\\cdot(m\\otimes u)
    - (\\nabla u)^T m - \\rho\\nabla h,\\; -\\nabla\\cdot(\\rho u))`.

    Parameters
    ----------
    grid : PeriodicGrid
    xi : pair (u, h)
        Element of the algebra.
    mu : pair (m, rho)
        Element of the dual.
    method : {"spectral", "fd2", "fd4"}, optional

    Returns
    -------
    (ndarray of shape (dim, *shape), ndarray of shape (*shape))
    """
    u, h = _pair(grid, "xi", xi)
    m, rho = _pair(grid, "mu", mu)
    comps = []
    for i in range(grid.dim):
        mi = grid.component(m, i)
        transport = sum(grid.partial(mi * grid.component(u, j), j, method) for j in range(grid.dim))
        stretch = sum(grid.component(m, k) * grid.partial(grid.component(u, k), i, method)
                      for k in range(grid.dim))
        comps.append(-transport - stretch - rho * grid.partial(h, i, method))
    rho_dot = -grid.divergence(np.expand_dims(rho, 0) * u, method)
    return np.stack(comps), rho_dot


def pairing(grid: PeriodicGrid, mu, xi) -> float:
    """:math:`\\langle(m, \\rho), (w, f)\\rangle = \\int m\\cdot w + \\rho f\\,dx`."""
    m, rho = _pair(grid, "mu", mu)
    w, f = _pair(grid, "xi", xi)
    return float(grid.integrate(grid.dot(m, w) + rho * f))


def lie_poisson_bracket(grid: PeriodicGrid, mu, dF, dG, method: str | None = None) -> float:
    """:math:`\\{F, G\\}(\\mu) = -\\langle\\mu, [\\delta F/\\delta\\mu, \\delta G/\\delta\\mu]\\rangle`.

    Parameters
    ----------
    grid : PeriodicGrid
    mu : pair (m, rho)
    dF, dG : pair (vector field, function)
        The functional derivatives :math:`(\\delta F/\\delta m, \\delta F/\\delta\\rho)`.
    method : {"spectral", "fd2", "fd4"}, optional

    Returns
    -------
    float
    """
    return -pairing(grid, mu, semidirect_bracket(grid, dF, dG, method))


@final
@dataclass(frozen=True, eq=False)
class QuantumHydrodynamics:
    """The QHD Hamiltonian on the dual of :math:`\\mathfrak X \\ltimes C^\\infty` (final).

    Parameters
    ----------
    grid : PeriodicGrid
    hbar : float
        > 0.
    potential : float or ndarray of shape (*shape)
        :math:`W`.
    coupling : float
        :math:`g` of the interaction :math:`\\frac g2\\rho^2` (the NLS nonlinearity
        :math:`g|\\psi|^2\\psi`).
    method : {"spectral", "fd2", "fd4"}, optional
        The derivatives (default: the grid's).
    floor : float
        Relative density floor for quotients by :math:`\\rho`.

    Examples
    --------
    A plane wave :math:`\\psi = e^{ikx}/\\sqrt\\ell` has :math:`\\rho = 1/\\ell`,
    :math:`m = \\hbar k/\\ell` and energy :math:`\\hbar^2k^2/2`:

    >>> import numpy as np
    >>> from liepoisson_models.hydrodynamics import PeriodicGrid
    >>> from liepoisson_models.hydrodynamics.qhd import QuantumHydrodynamics
    >>> grid = PeriodicGrid(32, 2 * np.pi)
    >>> qhd = QuantumHydrodynamics(grid, hbar=1.0)
    >>> rho = np.full(32, 1 / (2 * np.pi)); m = 3.0 * rho[None]
    >>> round(qhd.energy(m, rho), 12)
    4.5
    """

    grid: PeriodicGrid
    hbar: float
    potential: np.ndarray = 0.0
    coupling: float = 0.0
    method: str | None = None
    floor: float = DENSITY_FLOOR

    def __post_init__(self):
        if not isinstance(self.grid, PeriodicGrid):
            raise InvalidArgumentError(f"grid must be a PeriodicGrid, got {_describe(self.grid)}")
        object.__setattr__(self, "hbar", check_real("hbar", self.hbar, positive=True))
        W = np.broadcast_to(np.asarray(self.potential, dtype=float), self.grid.shape)
        W = np.array(self.grid.check_field("potential", W))
        W.setflags(write=False)
        object.__setattr__(self, "potential", W)
        object.__setattr__(self, "coupling", check_real("coupling", self.coupling))
        self.grid._method(self.method)

    def _inverse(self, rho):
        cut = _floor(rho, self.grid, self.floor)
        return np.where(rho > cut, 1.0 / np.maximum(rho, cut), 0.0)

    def velocity(self, m, rho) -> np.ndarray:
        """:math:`v = m/\\rho` (0 where :math:`\\rho` is below the floor)."""
        return m * np.expand_dims(self._inverse(rho), -self.grid.dim - 1)

    def energy_density(self, m, rho) -> dict[str, np.ndarray]:
        """The four terms of the energy density: ``"kinetic"``, ``"quantum"``
        (:math:`\\frac{\\hbar^2}{8}|\\nabla\\rho|^2/\\rho = \\frac{\\hbar^2}2|\\nabla\\sqrt\\rho|^2`),
        ``"potential"`` and ``"interaction"``."""
        grid = self.grid
        m = grid.check_field("m", m, vector=True)
        rho = grid.check_density("rho", rho, normalized=False)
        g_root = grid.gradient(np.sqrt(rho), self.method)
        return {
            "kinetic": 0.5 * grid.dot(m, m) * self._inverse(rho),
            "quantum": 0.5 * self.hbar**2 * grid.dot(g_root, g_root),
            "potential": rho * self.potential,
            "interaction": 0.5 * self.coupling * rho**2,
        }

    def energy(self, m, rho):
        """:math:`H(m, \\rho)` (float, or an array over leading axes)."""
        total = sum(self.energy_density(m, rho).values())
        out = self.grid.integrate(total)
        return float(out) if np.ndim(out) == 0 else out

    def gradient(self, m, rho):
        """The functional derivatives :math:`(\\delta H/\\delta m, \\delta H/\\delta\\rho)
        = (v, -|v|^2/2 - \\frac{\\hbar^2}2 Q + W + g\\rho)`, :math:`Q` the Bohm potential."""
        grid = self.grid
        v = self.velocity(m, rho)
        Q = bohm_potential(grid, rho, self.method, self.floor)
        h = -0.5 * grid.dot(v, v) - 0.5 * self.hbar**2 * Q + self.potential + self.coupling * rho
        return v, h

    def vector_field(self, m, rho):
        """:math:`(\\dot m, \\dot\\rho) = \\operatorname{ad}^*_{\\delta H/\\delta\\mu}(m, \\rho)`,
        evaluated in conservation form.

        In :func:`coadjoint` with :math:`\\delta H/\\delta m = v`, the term
        :math:`-(\\nabla v)^T m` cancels :math:`\\rho\\nabla|v|^2/2` of
        :math:`-\\rho\\nabla\\,\\delta H/\\delta\\rho`; what remains is
        :math:`\\dot\\rho = -\\nabla\\cdot m` and the momentum equation of
        :func:`~liepoisson_models.hydrodynamics.momentum_flux_divergence`, in which nothing but
        :math:`\\rho v\\otimes v` divides by :math:`\\rho`. It equals
        ``coadjoint(grid, self.gradient(m, rho), (m, rho))`` for resolved fields with
        :math:`\\rho > 0` and stays accurate where :math:`\\rho` is tiny (where
        :math:`v = m/\\rho` is not defined to working precision).
        """
        from .residuals import momentum_flux_divergence

        grid = self.grid
        m = grid.check_field("m", m, vector=True)
        rho = grid.check_density("rho", rho, normalized=False)
        U = self.potential + self.coupling * rho
        m_dot = momentum_flux_divergence(grid, rho, m, self.hbar, U, self.method, self.floor)
        return m_dot, -grid.divergence(m, self.method)

    def mass(self, rho) -> float:
        """The Casimir :math:`\\int\\rho\\,dx`."""
        return float(self.grid.integrate(rho))


def grid_of(nls, derivative: str = "spectral") -> PeriodicGrid:
    """The :class:`PeriodicGrid` of a :class:`liepoisson_models.nls.PeriodicNLS` (same points, period
    and dimension)."""
    from ..nls import PeriodicNLS

    if not isinstance(nls, PeriodicNLS):
        raise InvalidArgumentError(f"nls must be a liepoisson_models.nls.PeriodicNLS, got {_describe(nls)}")
    return PeriodicGrid(nls.n_points, nls.length, nls.dim, derivative)


def from_nls(nls, psi):
    """The QHD state :math:`(m, \\rho)` of NLS wavefunctions, with the Hamiltonian they
    conserve.

    :class:`liepoisson_models.nls.PeriodicNLS` solves :math:`i\\psi_t = -\\frac12\\Delta\\psi +
    g|\\psi|^2\\psi` (:math:`\\hbar = 1`, :math:`W = 0`) on grid values, so
    :math:`\\rho = |\\psi|^2`, :math:`m = \\operatorname{Im}(\\bar\\psi\\nabla\\psi)`
    (spectral derivative, no phase unwrapping) and the QHD energy equals the continuum NLS
    energy ``nls.integrals(psi)["energy"]``.

    Parameters
    ----------
    nls : liepoisson_models.nls.PeriodicNLS
        With wavefunction states.
    psi : ndarray of shape (..., N)
        States of ``nls`` (flattened grid values, N = ``n_points ** dim``).

    Returns
    -------
    m : ndarray of shape (..., dim, *shape)
    rho : ndarray of shape (..., *shape)
    qhd : QuantumHydrodynamics
        :math:`\\hbar = 1`, :math:`W = 0`, coupling ``nls.g``, spectral derivatives.
    """
    grid = grid_of(nls)
    if nls.density:
        raise InvalidArgumentError("nls must have wavefunction states (density=False)")
    psi = np.asarray(psi)
    if psi.shape[-1:] != (nls.n,):
        raise InvalidArgumentError(f"psi must have trailing shape ({nls.n},), got shape {psi.shape}")
    psi = psi.reshape(psi.shape[:-1] + grid.shape)
    rho = np.abs(psi) ** 2
    m = current(grid, psi, 1.0)
    return m, rho, QuantumHydrodynamics(grid, 1.0, coupling=nls.g, method="spectral")
