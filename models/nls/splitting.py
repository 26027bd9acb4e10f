"""The Lie–Poisson splitting of the NLS: exact kinetic and potential flows, composed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import final

import numpy as np

from liepoisson import Integrator
from liepoisson._validation import _describe
from liepoisson.exceptions import InvalidArgumentError

from .systems import NLSSystem

__all__ = ["LiePoissonSplitting", "SPLITTING_SCHEMES", "scheme_from_compositions"]


def scheme_from_compositions(weights) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The potential and kinetic coefficients of a composition of Strang steps.

    The Strang step of size :math:`w\\tau` is
    :math:`V_{w\\tau/2}\\,K_{w\\tau}\\,V_{w\\tau/2}`; composing the steps with weights
    :math:`w_1, \\dots, w_m` and merging neighbouring potential flows gives the potential
    coefficients :math:`(w_1/2, (w_1 + w_2)/2, \\dots, (w_{m-1} + w_m)/2, w_m/2)` and the
    kinetic coefficients :math:`(w_1, \\dots, w_m)`.

    Parameters
    ----------
    weights : sequence of float

    Returns
    -------
    (tuple of float, tuple of float)
        ``(potential, kinetic)``, of lengths ``m + 1`` and ``m``.

    Examples
    --------
    >>> scheme_from_compositions([1.0])
    ((0.5, 0.5), (1.0,))
    """
    w = [float(v) for v in weights]
    potential = [0.5 * w[0]] + [0.5 * (w[i] + w[i + 1]) for i in range(len(w) - 1)] + [0.5 * w[-1]]
    return tuple(potential), tuple(w)


def _triple_jump() -> tuple[float, float, float]:
    g1 = 1.0 / (2.0 - 2.0 ** (1.0 / 3.0))
    return (g1, 1.0 - 2.0 * g1, g1)


def _suzuki() -> tuple[float, ...]:
    p = 1.0 / (4.0 - 4.0 ** (1.0 / 3.0))
    return (p, p, 1.0 - 4.0 * p, p, p)


def _mclachlan() -> tuple[tuple[float, ...], tuple[float, ...]]:
    """McLachlan's (1995) minimum-error symmetric order-4 composition of a first-order
    splitting and its adjoint, written as a splitting with 6 potential and 5 kinetic flows."""
    r = np.sqrt(19.0)
    alpha = np.array([(146 + 5 * r) / 540, (-2 + 10 * r) / 135, 1 / 5,
                      (-23 - 20 * r) / 270, (14 - r) / 108])
    beta = alpha[::-1]
    kinetic = alpha + beta
    potential = np.concatenate([[beta[0]], alpha[:-1] + beta[1:], [alpha[-1]]])
    return tuple(potential.tolist()), tuple(kinetic.tolist())


#: ``(order, composition) -> (potential coefficients, kinetic coefficients)``: one step of
#: size :math:`\tau` is :math:`V_{a_0\tau} K_{b_0\tau} V_{a_1\tau} \cdots K_{b_{m-1}\tau}
#: V_{a_m\tau}` (potential flows first and last: they are the cheap ones).
SPLITTING_SCHEMES = {
    (2, "strang"): scheme_from_compositions([1.0]),
    (4, "triple-jump"): scheme_from_compositions(_triple_jump()),
    (4, "suzuki"): scheme_from_compositions(_suzuki()),
    (4, "mclachlan"): _mclachlan(),
}

_DEFAULT_COMPOSITION = {2: "strang", 4: "mclachlan"}


@final
@dataclass(frozen=True)
class LiePoissonSplitting(Integrator):
    """The Lie–Poisson splitting of :class:`~liepoisson_models.nls.NLSSystem` (final).

    The Hamiltonian :math:`h = h_K + h_V`, :math:`h_K(\\rho) = \\operatorname{tr}(L\\rho)`,
    :math:`h_V(\\rho) = \\frac g2\\sum_j\\rho_{jj}^2`, splits into two Lie–Poisson
    Hamiltonians whose flows are exact coadjoint actions
    (:meth:`~liepoisson_models.nls.NLSSystem.kinetic_flow`: :math:`\\psi \\mapsto e^{-i\\tau L}\\psi`,
    diagonal in Fourier space for :class:`~liepoisson_models.nls.PeriodicNLS`, in the eigenbasis of
    the Laplacian for :class:`~liepoisson_models.nls.GraphNLS`;
    :meth:`~liepoisson_models.nls.NLSSystem.potential_flow`:
    :math:`\\psi_j \\mapsto e^{-i\\tau g|\\psi_j|^2}\\psi_j`, exact because :math:`|\\psi_j|`
    is constant along it). Every composition of them is therefore a Poisson map on the
    coadjoint orbit of the initial state: the mass, the purity and every
    :math:`\\operatorname{tr}\\rho^k` are kept to round-off, at :math:`O(N\\log N)` per flow
    on the periodic grid.

    Schemes (:data:`SPLITTING_SCHEMES`), all symmetric, potential flows outermost:

    * order 2, ``"strang"``: :math:`V_{\\tau/2}K_\\tau V_{\\tau/2}` (one FFT pair per step);
    * order 4, ``"mclachlan"`` (default): McLachlan's minimum-error composition, 5 FFT pairs;
    * order 4, ``"suzuki"``: Suzuki's fractal composition of 5 Strang steps, 5 FFT pairs;
    * order 4, ``"triple-jump"``: the triple jump of 3 Strang steps, 3 FFT pairs (cheapest
      per step, largest error constant).

    Parameters
    ----------
    order : {2, 4}
    composition : str, optional
        The scheme for the order (default ``"strang"`` for 2, ``"mclachlan"`` for 4).

    Raises
    ------
    InvalidArgumentError
        For an unknown order or scheme; :meth:`step` raises it for a system that is not an
        :class:`~liepoisson_models.nls.NLSSystem`.

    Examples
    --------
    >>> import numpy as np
    >>> from liepoisson_models.nls import LiePoissonSplitting, PeriodicNLS
    >>> nls = PeriodicNLS(64, 20.0, g=-1.0)
    >>> psi = np.exp(-nls.x**2).astype(complex)
    >>> new = LiePoissonSplitting(order=4).step(nls, psi, 0.1)
    >>> bool(abs(np.vdot(new, new).real - np.vdot(psi, psi).real) < 1e-13)
    True
    >>> LiePoissonSplitting(order=4, composition="triple-jump").name
    'LiePoissonSplitting(order=4, triple-jump)'
    """

    order: int = 2
    composition: str | None = None

    def __post_init__(self):
        if isinstance(self.order, bool) or self.order not in _DEFAULT_COMPOSITION:
            raise InvalidArgumentError(f"order must be 2 or 4, got {_describe(self.order)}")
        if self.composition is None:
            object.__setattr__(self, "composition", _DEFAULT_COMPOSITION[self.order])
        if (self.order, self.composition) not in SPLITTING_SCHEMES:
            known = sorted(c for o, c in SPLITTING_SCHEMES if o == self.order)
            raise InvalidArgumentError(
                f"composition for order {self.order} must be one of {known}, "
                f"got {_describe(self.composition)}"
            )

    @property
    def name(self) -> str:
        if self.order == 2:
            return "LiePoissonSplitting(order=2)"
        return f"LiePoissonSplitting(order={self.order}, {self.composition})"

    @property
    def kinetic_flows(self) -> int:
        """Kinetic flows (FFT pairs on the periodic grid) per step."""
        return len(SPLITTING_SCHEMES[(self.order, self.composition)][1])

    def step(self, system, state, dt):
        if not isinstance(system, NLSSystem):
            raise InvalidArgumentError(
                f"LiePoissonSplitting needs an NLSSystem (GraphNLS, PeriodicNLS), got {_describe(system)}"
            )
        potential, kinetic = SPLITTING_SCHEMES[(self.order, self.composition)]
        for a, b in zip(potential, kinetic):
            state = system.potential_flow(state, a * dt)
            state = system.kinetic_flow(state, b * dt)
        return system.potential_flow(state, potential[-1] * dt)
