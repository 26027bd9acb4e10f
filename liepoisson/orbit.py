"""Orbit charts: states that stand for covectors on one coadjoint orbit.

A Lie–Poisson flow never leaves the coadjoint orbit of its initial covector, so a system may
carry a smaller state than the covector itself, as long as the group acts on it. The
example that matters is quantum mechanics: a pure density matrix :math:`\\rho = \\psi\\psi^H`
on :math:`\\mathfrak u(n)^*` is represented by the wavefunction :math:`\\psi`, of size
:math:`n` instead of :math:`n^2`, and the coadjoint action
:math:`\\rho \\mapsto e^{-\\xi}\\rho\\,e^{\\xi}` becomes :math:`\\psi \\mapsto e^{-\\xi}\\psi`.

Integrators only use the three maps of :class:`OrbitChart`; with the update done by
:meth:`OrbitChart.act`, every Casimir (for pure states: the mass and the purity) is kept
exactly by construction.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import final

import numpy as np

from ._validation import _describe, as_finite_array, check_element_shape
from .exceptions import InvalidArgumentError

__all__ = ["OrbitChart", "WavefunctionChart", "PureStateChart"]


class OrbitChart(ABC):
    """How a state represents a covector, and how the group acts on states.

    Subclasses implement :attr:`state_shape`, :meth:`covector`, :meth:`act` and
    :meth:`infinitesimal`, consistent with the algebra's coadjoint action:

    .. math::

        \\operatorname{covector}(\\operatorname{act}(\\xi, s))
            = \\operatorname{coadjoint\\_exp}(\\xi, \\operatorname{covector}(s)).
    """

    @property
    @abstractmethod
    def state_shape(self) -> tuple:
        """Trailing shape of one state."""

    @property
    def state_dtype(self) -> np.dtype:
        """dtype of states."""
        return np.dtype(float)

    @abstractmethod
    def covector(self, state: np.ndarray) -> np.ndarray:
        """The covector a state stands for, shape ``(..., *algebra.shape)``."""

    @abstractmethod
    def act(self, xi: np.ndarray, state: np.ndarray) -> np.ndarray:
        """The state of ``coadjoint_exp(xi, covector(state))``, shape ``(..., *state_shape)``."""

    def act_cayley(self, xi: np.ndarray, state: np.ndarray) -> np.ndarray:
        """The state of ``coadjoint_cayley(xi, covector(state))`` (the Cayley chart's
        :meth:`act`), shape ``(..., *state_shape)``.

        Raises
        ------
        InvalidArgumentError
            For charts without it.
        """
        raise InvalidArgumentError(f"{type(self).__name__} has no Cayley action; use chart='exp'")

    @abstractmethod
    def infinitesimal(self, xi: np.ndarray, state: np.ndarray) -> np.ndarray:
        """:math:`\\frac{d}{ds}\\operatorname{act}(s\\xi, state)` at :math:`s = 0`, so that the
        Lie–Poisson vector field on states is ``infinitesimal(grad_H, state)``."""

    def validate_state(self, state, name: str = "state") -> np.ndarray:
        """Check shape and finiteness of a (batch of) state(s) and return it as an array."""
        arr = as_finite_array(name, state)
        check_element_shape(name, arr, self.state_shape, f"a state of {type(self).__name__}")
        return arr.astype(np.result_type(arr.dtype, self.state_dtype), copy=False)


class WavefunctionChart(OrbitChart):
    """States that stand for pure states :math:`\\rho = \\psi\\psi^H \\in \\mathfrak u(n)^*`
    through a wavefunction :math:`\\psi \\in \\mathbb C^n` (abstract).

    Subclasses implement :attr:`state_shape`, :meth:`to_wavefunction`,
    :meth:`from_wavefunction` and :meth:`infinitesimal`; the covector and the group actions
    (:math:`\\psi \\mapsto e^{-\\xi}\\psi`, the Cayley transform) act on the wavefunction.
    Matrix-free steps (:mod:`liepoisson.matrix_free`) take systems with such a chart.

    Parameters
    ----------
    algebra : UnitaryAlgebra
        u(n) (not su(n): a pure state has trace :math:`|\\psi|^2 \\neq 0`).
    """

    def __init__(self, algebra):
        from .algebra.unitary import UnitaryAlgebra

        if not isinstance(algebra, UnitaryAlgebra) or algebra.special:
            raise InvalidArgumentError(f"algebra must be u(n), got {_describe(algebra)}")
        self._algebra = algebra

    @abstractmethod
    def to_wavefunction(self, state: np.ndarray) -> np.ndarray:
        """The wavefunction of a state, shape ``(..., n)``, complex."""

    @abstractmethod
    def from_wavefunction(self, psi: np.ndarray) -> np.ndarray:
        """The state of a wavefunction, shape ``(..., *state_shape)``."""

    def covector(self, state):
        psi = self.to_wavefunction(np.asarray(state))
        return psi[..., :, None] * np.conj(psi[..., None, :])

    def act(self, xi, state):
        # psi + V ((e^{-i lam} - 1) * V^H psi): round-off scales with the change, so the
        # mass drifts far less over many steps than with V e^{-i lam} V^H psi
        psi = self.to_wavefunction(np.asarray(state))
        lam, V = np.linalg.eigh(-1j * np.asarray(xi))
        coeff = np.einsum("...ji,...j->...i", np.conj(V), psi)  # V^H psi
        return self.from_wavefunction(psi + np.einsum("...ij,...j->...i", V, np.expm1(-1j * lam) * coeff))

    def act_cayley(self, xi, state):
        """:math:`(I + \\xi/2)^{-1}(I - \\xi/2)\\psi` (one LU solve)."""
        psi = self.to_wavefunction(np.asarray(state))
        xi = np.asarray(xi)
        eye = np.eye(xi.shape[-1], dtype=complex)
        rhs = psi - 0.5 * np.einsum("...ij,...j->...i", xi, psi)
        return self.from_wavefunction(np.linalg.solve(eye + 0.5 * xi, rhs[..., None])[..., 0])


@final
class PureStateChart(WavefunctionChart):
    """Wavefunctions :math:`\\psi \\in \\mathbb C^n` for pure states
    :math:`\\rho = \\psi\\psi^H \\in \\mathfrak u(n)^*`: the state is the wavefunction (final).

    ``act(xi, psi)`` :math:`= e^{-\\xi}\\psi`, computed through the eigendecomposition of the
    Hermitian matrix :math:`-i\\xi` (so :math:`e^{-\\xi}` is unitary to round-off and the norm
    of :math:`\\psi`, i.e. the mass, is kept); ``infinitesimal(xi, psi)`` :math:`= -\\xi\\psi`.

    Parameters
    ----------
    algebra : UnitaryAlgebra
        u(n) (not su(n): a pure state has trace :math:`|\\psi|^2 \\neq 0`).

    Examples
    --------
    >>> import numpy as np
    >>> from liepoisson import u
    >>> from liepoisson.orbit import PureStateChart
    >>> chart = PureStateChart(u(2))
    >>> psi = np.array([1.0, 1.0j]) / np.sqrt(2)
    >>> xi = 0.3j * np.array([[1.0, 0.5], [0.5, -1.0]])
    >>> rho = u(2).coadjoint_exp(xi, chart.covector(psi))
    >>> bool(np.allclose(chart.covector(chart.act(xi, psi)), rho))
    True
    """

    @property
    def state_shape(self) -> tuple:
        return (self._algebra.n,)

    @property
    def state_dtype(self) -> np.dtype:
        return np.dtype(complex)

    def to_wavefunction(self, state):
        return state

    def from_wavefunction(self, psi):
        return psi

    def infinitesimal(self, xi, psi):
        return -np.einsum("...ij,...j->...i", xi, psi)
