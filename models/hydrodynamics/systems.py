"""Quantum hydrodynamics as a Lie–Poisson system advanced by the generic integrator.

The states are hydrodynamic fields, the density :math:`\\rho` and the phase :math:`S` on a
periodic grid; the Madelung transform :math:`\\psi = \\sqrt\\rho\\,e^{iS/\\hbar}` is an orbit
chart onto pure states :math:`\\psi\\psi^H` of :math:`\\mathfrak u(N)^*`, where the quantum
Euler equations are the Lie–Poisson equation of the NLS Hamiltonian. So
``integrate(qhd, state0, dt, n, method=LiePoissonHJ(order=2 | 4))`` advances the fields with
the one generic integrator, matrix-free (:mod:`liepoisson.matrix_free`, an FFT per
operator application), and returns fields.
"""

from __future__ import annotations

from typing import final

import numpy as np

from liepoisson import LiePoissonSystem
from liepoisson._validation import _describe, as_finite_array, check_element_shape, check_real
from liepoisson.exceptions import InvalidArgumentError
from liepoisson.matrix_free import FunctionalGradient
from liepoisson.orbit import WavefunctionChart

from .fields import current
from .grid import PeriodicGrid

__all__ = ["MadelungChart", "QHDSystem"]


@final
class MadelungChart(WavefunctionChart):
    """Hydrodynamic states :math:`(\\rho, S)` for pure states of :math:`\\mathfrak u(N)^*`
    through :math:`\\psi = \\sqrt\\rho\\,e^{iS/\\hbar}` (final).

    A state is a real array of shape ``(2, *grid.shape)``: ``state[0]`` the density (grid
    values, :math:`\\ge 0`), ``state[1]`` the phase :math:`S` (defined modulo
    :math:`2\\pi\\hbar`; :meth:`from_wavefunction` returns it in :math:`(-\\pi\\hbar, \\pi\\hbar]`,
    and 0 where :math:`\\rho = 0`).

    Parameters
    ----------
    grid : PeriodicGrid
    hbar : float
        :math:`\\hbar > 0`.
    """

    def __init__(self, grid: PeriodicGrid, hbar: float):
        from liepoisson import u

        if not isinstance(grid, PeriodicGrid):
            raise InvalidArgumentError(f"grid must be a PeriodicGrid, got {_describe(grid)}")
        self._grid = grid
        self._hbar = check_real("hbar", hbar, positive=True)
        super().__init__(u(grid.size))

    @property
    def grid(self) -> PeriodicGrid:
        return self._grid

    @property
    def hbar(self) -> float:
        return self._hbar

    @property
    def state_shape(self) -> tuple:
        return (2,) + tuple(self._grid.shape)

    def validate_state(self, state, name: str = "state") -> np.ndarray:
        """Check the shape, finiteness and :math:`\\rho \\ge 0` of (a batch of) states."""
        arr = as_finite_array(name, state, dtype=float)
        check_element_shape(name, arr, self.state_shape, "a hydrodynamic state (rho, S)")
        if np.any(arr[..., 0, :] < 0) if self._grid.dim == 1 else np.any(arr[..., 0, :, :] < 0):
            raise InvalidArgumentError(f"{name}[0] (the density) must be >= 0, got a minimum of "
                                       f"{float(np.min(np.take(arr, 0, axis=-self._grid.dim - 1))):.3e}")
        return arr

    def to_wavefunction(self, state):
        state = np.asarray(state, dtype=float)
        axis = -self._grid.dim - 1
        rho, S = np.take(state, 0, axis=axis), np.take(state, 1, axis=axis)
        psi = np.sqrt(rho) * np.exp(1j * S / self._hbar)
        return psi.reshape(psi.shape[: psi.ndim - self._grid.dim] + (-1,))

    def from_wavefunction(self, psi):
        psi = np.asarray(psi)
        psi = psi.reshape(psi.shape[:-1] + tuple(self._grid.shape))
        return np.stack([(psi * np.conj(psi)).real, self._hbar * np.angle(psi)], axis=-self._grid.dim - 1)

    def infinitesimal(self, xi, state):
        psi = self.to_wavefunction(state)
        return self.tangent(psi, -np.einsum("...ij,...j->...i", xi, psi))

    def tangent(self, psi, dpsi):
        """The change of the state :math:`(\\rho, S)` along a change ``dpsi`` of the
        wavefunction ``psi`` (both of shape ``(..., N)``): :math:`\\dot\\rho =
        2\\operatorname{Re}(\\bar\\psi\\dot\\psi)`, :math:`\\dot S =
        \\hbar\\operatorname{Im}(\\bar\\psi\\dot\\psi)/|\\psi|^2` (0 where :math:`\\psi = 0`)."""
        rho_dot = 2.0 * np.real(np.conj(psi) * dpsi)
        dens = (psi * np.conj(psi)).real
        S_dot = np.where(dens > 0, self._hbar * np.imag(np.conj(psi) * dpsi) / np.where(dens > 0, dens, 1.0), 0.0)
        shape = psi.shape[:-1] + tuple(self._grid.shape)
        return np.stack([rho_dot.reshape(shape), S_dot.reshape(shape)], axis=-self._grid.dim - 1)


@final
class _TimeScaled(FunctionalGradient):
    """A functional gradient whose Hamiltonian is ``scale`` times another's: the generator of a
    step ``tau`` is the other's of a step ``scale * tau`` (the series is homogeneous)."""

    def __init__(self, inner: FunctionalGradient, scale: float):
        self._inner, self._scale = inner, scale

    def functionals(self, Y, E, order):
        return self._inner.functionals(Y, E, order)

    def generator(self, d, tau, order):
        return self._inner.generator(d, self._scale * tau, order)

    def cayley_maps(self, psi, tau):
        return self._inner.cayley_maps(psi, self._scale * tau)


@final
class QHDSystem(LiePoissonSystem):
    """Quantum hydrodynamics on a periodic grid as a Lie–Poisson system (final).

    The fields :math:`(\\rho, S)` obey the quantum Euler equations

    .. math::

        \\partial_t\\rho + \\nabla\\cdot(\\rho\\nabla S) = 0, \\qquad
        \\partial_t S + \\tfrac12|\\nabla S|^2 + W + g\\rho
            - \\frac{\\hbar^2}{2}\\frac{\\Delta\\sqrt\\rho}{\\sqrt\\rho} = 0,

    the Madelung form of :math:`i\\hbar\\psi_t = -\\frac{\\hbar^2}2\\Delta\\psi + W\\psi +
    g|\\psi|^2\\psi`. Dividing by :math:`\\hbar` and rescaling time by :math:`\\hbar` this is
    the NLS of :class:`liepoisson_models.nls.PeriodicNLS` with potential :math:`W/\\hbar^2`
    and coupling :math:`g/\\hbar^2`; the system's Hamiltonian on :math:`\\mathfrak u(N)^*` is
    :math:`\\hbar` times that NLS's (so its flow runs in physical time), its chart the
    :class:`MadelungChart`, and :class:`~liepoisson.LiePoissonHJ` steps it matrix-free
    (both charts, orders 2 to 8).

    :meth:`invariants` gives the physical energy
    :math:`\\int \\frac{\\hbar^2}2|\\nabla\\psi|^2 + W\\rho + \\frac g2\\rho^2\\,dx` and the mass
    :math:`\\int\\rho\\,dx` (a Casimir); :meth:`fields` the density, momentum and velocity.

    Parameters
    ----------
    grid : PeriodicGrid
        The box (spectral derivatives are used for the kinetic operator).
    hbar : float
        :math:`\\hbar > 0`.
    potential : float or array_like of shape grid.shape
        :math:`W` (default 0).
    coupling : float
        :math:`g` (default 0).

    Examples
    --------
    >>> import numpy as np
    >>> from liepoisson import LiePoissonHJ, integrate
    >>> from liepoisson_models.hydrodynamics import PeriodicGrid, QHDSystem
    >>> grid = PeriodicGrid(64, 20.0)
    >>> qhd = QHDSystem(grid, hbar=0.5, coupling=1.0)
    >>> x = grid.x
    >>> state0 = np.stack([np.exp(-x**2) / np.sqrt(np.pi / 2) / 2, 0.3 * x])
    >>> traj = integrate(qhd, state0, dt=0.05, n_steps=40, method=LiePoissonHJ(order=4))
    >>> traj.final.shape
    (2, 64)
    >>> bool(traj.max_relative_invariant_errors()["mass"] < 1e-14)
    True
    """

    def __init__(self, grid: PeriodicGrid, hbar: float = 1.0, potential=0.0, coupling: float = 0.0):
        from ..nls import PeriodicNLS

        chart = MadelungChart(grid, hbar)
        hbar = chart.hbar
        W = np.broadcast_to(as_finite_array("potential", potential, dtype=float), grid.shape)
        self._W = np.array(W)
        self._W.setflags(write=False)
        self._g = check_real("coupling", coupling)
        self._grid, self._hbar = grid, hbar
        nls = PeriodicNLS(grid.n_points, grid.length, g=self._g / hbar**2, dim=grid.dim,
                          potential=self._W.ravel() / hbar**2)
        self._nls = nls
        self._functional = _TimeScaled(nls.functional_gradient, hbar)
        cell = grid.cell_volume
        super().__init__(
            nls.algebra,
            lambda rho: hbar * nls.hamiltonian(rho),
            gradient=lambda rho: hbar * nls.gradient(rho),
            hessian_vector=lambda rho, v: hbar * nls.hessian_vector(rho, v),
            third_derivative=lambda rho, a, b: hbar * nls.third_derivative(rho, a, b),
            casimirs={"mass": lambda rho: cell * np.real(np.trace(rho, axis1=-2, axis2=-1))},
            name=f"QHDSystem({grid.n_points}{'^2' if grid.dim == 2 else ''} points, length={grid.length:g}, "
                 f"hbar={hbar:g}, g={self._g:g})",
            chart=chart,
        )

    grid = property(lambda self: self.chart.grid, doc="The box (:class:`PeriodicGrid`).")
    hbar = property(lambda self: self.chart.hbar, doc=":math:`\\hbar`.")
    coupling = property(lambda self: self._g, doc=":math:`g`.")

    @property
    def potential(self) -> np.ndarray:
        """:math:`W`, shape ``grid.shape``."""
        return self._W

    @property
    def nls(self):
        """The NLS on :math:`\\mathfrak u(N)^*` in rescaled time (a
        :class:`liepoisson_models.nls.PeriodicNLS`)."""
        return self._nls

    @property
    def functional_gradient(self):
        return self._functional

    def wavefunction(self, state) -> np.ndarray:
        """:math:`\\psi = \\sqrt\\rho\\,e^{iS/\\hbar}`, shape ``(..., N)`` (flattened grid)."""
        return self.chart.to_wavefunction(state)

    def state_of(self, psi) -> np.ndarray:
        """The state :math:`(\\rho, S)` of wavefunctions of shape ``(..., N)``."""
        return self.chart.from_wavefunction(psi)

    def state_vector_field(self, state):
        """The quantum Euler equations' right-hand side :math:`(\\dot\\rho, \\dot S)`, from the
        NLS in :math:`O(N\\log N)` (no dense matrix)."""
        psi = self.wavefunction(state)
        return self.chart.tangent(psi, self._hbar * self._nls.state_vector_field(psi))

    def fields(self, state) -> dict[str, np.ndarray]:
        """The hydrodynamic fields of states: ``"rho"`` (shape ``(..., *grid.shape)``),
        ``"m"`` :math:`= \\hbar\\operatorname{Im}(\\bar\\psi\\nabla\\psi)` and ``"S"``."""
        state = np.asarray(state)
        psi = self.wavefunction(state)
        psi = psi.reshape(psi.shape[:-1] + tuple(self._grid.shape))
        axis = -self._grid.dim - 1
        return {"rho": np.take(state, 0, axis=axis), "S": np.take(state, 1, axis=axis),
                "m": current(self._grid, psi, self._hbar, "spectral")}

    def invariants(self, state) -> dict[str, np.ndarray]:
        """The physical energy and mass (integrals over the box), shape ``(...)`` each."""
        psi = self.wavefunction(state)
        values = self._nls.invariants(psi)
        cell = self._grid.cell_volume
        return {"energy": self._hbar**2 * cell * values["energy"], "mass": cell * values["mass"]}
