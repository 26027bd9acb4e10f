"""Symmetric compositions: the coefficients that raise the order of a one-step method.

Two kinds, one definition each:

* **weights** :math:`(w_1, \\dots, w_m)`, summing to 1, of a composition
  :math:`\\Psi_\\tau = \\Phi_{w_m\\tau}\\circ\\dots\\circ\\Phi_{w_1\\tau}` of a *symmetric*
  method :math:`\\Phi` of even order :math:`p`: :func:`triple_jump` and :func:`suzuki` raise
  the order to :math:`p + 2`, :func:`nested_triple_jump` and :func:`nested_suzuki` repeat
  them up to any even order (used by :class:`~liepoisson.LiePoissonHJ` for its orders 6 and 8
  and its composition scheme);
* a :class:`Composition` of a *first-order* method :math:`\\Phi` and its adjoint
  :math:`\\Phi^*` (McLachlan 1995), pairs :math:`(\\beta_i, \\alpha_i)`: the form every
  splitting scheme takes (:class:`~liepoisson.integrators.splitting.LiePoissonSplitting`), with
  the Strang step :math:`\\Phi^*_{\\tau/2}\\circ\\Phi_{\\tau/2}` and any composition of
  Strang steps as special cases. :data:`COMPOSITIONS` lists those of orders 2, 4, 6 and 8.

Examples
--------
>>> from liepoisson.integrators.composition import COMPOSITIONS, nested_triple_jump, triple_jump
>>> g = triple_jump(2)
>>> round(sum(g), 15), len(nested_triple_jump(2, 8))
(1.0, 27)
>>> sorted(name for order, name in COMPOSITIONS if order == 4)
['mclachlan', 'suzuki', 'triple-jump']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence, final

import numpy as np

from .._validation import _describe
from ..exceptions import InvalidArgumentError

__all__ = [
    "triple_jump",
    "suzuki",
    "nested_triple_jump",
    "nested_suzuki",
    "Composition",
    "mclachlan",
    "COMPOSITIONS",
    "DEFAULT_COMPOSITION",
]


def _check_order(order) -> int:
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or order < 2 or order % 2:
        raise InvalidArgumentError(f"order must be an even integer >= 2, got {_describe(order)}")
    return int(order)


def triple_jump(order: int) -> tuple[float, float, float]:
    """The triple jump (Yoshida 1990; Suzuki 1990): weights raising a symmetric method of
    order ``order`` to ``order + 2``,

    .. math::  \\gamma_1 = \\gamma_3 = \\frac{1}{2 - 2^{1/(p+1)}}, \\qquad
               \\gamma_2 = 1 - 2\\gamma_1 .

    Parameters
    ----------
    order : int
        The even order :math:`p` of the symmetric method composed.

    Returns
    -------
    tuple of 3 float
        Symmetric, summing to 1 (the middle one negative).
    """
    p = _check_order(order)
    g1 = 1.0 / (2.0 - 2.0 ** (1.0 / (p + 1)))
    return (g1, 1.0 - 2.0 * g1, g1)


def suzuki(order: int) -> tuple[float, float, float, float, float]:
    """Suzuki's fractal composition (1990): five weights raising a symmetric method of order
    ``order`` to ``order + 2``, :math:`(q, q, 1 - 4q, q, q)` with
    :math:`q = 1/(4 - 4^{1/(p+1)})`. Two more substeps than :func:`triple_jump` buy a much
    smaller error constant (all weights but the middle one are small and positive).

    Parameters
    ----------
    order : int
        The even order :math:`p` of the symmetric method composed.

    Returns
    -------
    tuple of 5 float
    """
    p = _check_order(order)
    q = 1.0 / (4.0 - 4.0 ** (1.0 / (p + 1)))
    return (q, q, 1.0 - 4.0 * q, q, q)


def _nested(raise_by_two: Callable[[int], Sequence[float]], base: int, order: int) -> tuple[float, ...]:
    """The weights raising a symmetric method of order ``base`` to ``order`` by applying
    ``raise_by_two`` (a composition raising the order by 2) once per order gained."""
    base, order = _check_order(base), _check_order(order)
    if order < base:
        raise InvalidArgumentError(f"order must be >= base = {base}, got {order}")
    weights = (1.0,)
    for p in range(order - 2, base - 1, -2):
        weights = tuple(a * b for a in weights for b in raise_by_two(p))
    return weights


def nested_triple_jump(base: int, order: int) -> tuple[float, ...]:
    """Weights raising a symmetric method of order ``base`` to ``order`` by nested triple
    jumps: :math:`3^{(order - base)/2}` substeps.

    Parameters
    ----------
    base, order : int
        Even, ``order >= base``.

    Returns
    -------
    tuple of float
        Symmetric, summing to 1.

    Examples
    --------
    >>> nested_triple_jump(4, 4)
    (1.0,)
    >>> len(nested_triple_jump(2, 6))
    9
    """
    return _nested(triple_jump, base, order)


def nested_suzuki(base: int, order: int) -> tuple[float, ...]:
    """As :func:`nested_triple_jump`, with Suzuki's compositions (:func:`suzuki`):
    :math:`5^{(order - base)/2}` substeps."""
    return _nested(suzuki, base, order)


@final
@dataclass(frozen=True)
class Composition:
    """A symmetric composition of a first-order method and its adjoint (final).

    With :math:`\\Phi_\\tau` a first-order method and :math:`\\Phi^*_\\tau =
    \\Phi_{-\\tau}^{-1}` its adjoint, one step of size :math:`\\tau` is, in the order of
    application,

    .. math::  \\Phi_{\\beta_1\\tau},\\ \\Phi^*_{\\alpha_1\\tau},\\ \\Phi_{\\beta_2\\tau},\\
               \\Phi^*_{\\alpha_2\\tau},\\ \\dots,\\ \\Phi_{\\beta_m\\tau},\\ \\Phi^*_{\\alpha_m\\tau}.

    It is symmetric when :math:`\\beta_i = \\alpha_{m+1-i}`. The Strang step is the pair
    :math:`(\\tfrac12, \\tfrac12)` and a composition of symmetric steps with weights
    :math:`w_i` is the pairs :math:`(w_i/2, w_i/2)` (:meth:`of_symmetric`).

    Parameters
    ----------
    name : str
    order : int
    pairs : tuple of (float, float)
        :math:`(\\beta_i, \\alpha_i)`, the coefficients of :math:`\\Phi` and :math:`\\Phi^*`.

    Examples
    --------
    >>> Composition.of_symmetric("strang", 2, (1.0,)).pairs
    ((0.5, 0.5),)
    """

    name: str
    order: int
    pairs: tuple[tuple[float, float], ...]

    @classmethod
    def of_symmetric(cls, name: str, order: int, weights: Sequence[float]) -> "Composition":
        """The composition of Strang steps with ``weights`` (each the pair
        :math:`(w/2, w/2)`)."""
        return cls(name, order, tuple((0.5 * w, 0.5 * w) for w in weights))

    @property
    def symmetric_weights(self) -> tuple[float, ...] | None:
        """The weights :math:`w_i` when every pair is :math:`(w_i/2, w_i/2)` (a composition
        of symmetric steps, which applies to any symmetric method of order 2, e.g.
        :class:`~liepoisson.LiePoissonHJ`), else None.

        Examples
        --------
        >>> COMPOSITIONS[(4, "suzuki")].symmetric_weights == suzuki(2)
        True
        >>> COMPOSITIONS[(4, "mclachlan")].symmetric_weights is None
        True
        """
        if all(beta == alpha for beta, alpha in self.pairs):
            return tuple(beta + alpha for beta, alpha in self.pairs)
        return None


def mclachlan() -> Composition:
    """McLachlan's (1995) minimum-error symmetric order-4 composition of a first-order
    method and its adjoint: five pairs, i.e. 5 flows of each piece of a two-piece splitting
    (6 of the outer piece after merging).

    Returns
    -------
    Composition
    """
    r = np.sqrt(19.0)
    alpha = np.array([(146 + 5 * r) / 540, (-2 + 10 * r) / 135, 1 / 5,
                      (-23 - 20 * r) / 270, (14 - r) / 108])
    beta = alpha[::-1]
    return Composition("mclachlan", 4, tuple(zip(beta.tolist(), alpha.tolist())))


#: ``(order, name) -> Composition``: Strang (order 2); the triple jump, Suzuki's and
#: McLachlan's compositions (order 4); nested triple jumps (orders 6 and 8) and Suzuki's
#: (order 6), all of Strang steps.
COMPOSITIONS: dict[tuple[int, str], Composition] = {
    (2, "strang"): Composition.of_symmetric("strang", 2, (1.0,)),
    (4, "triple-jump"): Composition.of_symmetric("triple-jump", 4, triple_jump(2)),
    (4, "suzuki"): Composition.of_symmetric("suzuki", 4, suzuki(2)),
    (4, "mclachlan"): mclachlan(),
    (6, "triple-jump"): Composition.of_symmetric("triple-jump", 6, nested_triple_jump(2, 6)),
    (6, "suzuki"): Composition.of_symmetric("suzuki", 6, nested_suzuki(2, 6)),
    (8, "triple-jump"): Composition.of_symmetric("triple-jump", 8, nested_triple_jump(2, 8)),
}

#: The composition of each order when none is named: McLachlan's minimum-error one at order
#: 4, the nested triple jumps (the fewest substeps) at orders 6 and 8.
DEFAULT_COMPOSITION = {2: "strang", 4: "mclachlan", 6: "triple-jump", 8: "triple-jump"}
