"""Lie–Poisson splitting: exact flows of the pieces of a Hamiltonian, composed."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable, ClassVar, Sequence, final

import numpy as np

from .._validation import _describe
from ..exceptions import InvalidArgumentError
from .base import Integrator
from .composition import COMPOSITIONS, DEFAULT_COMPOSITION, Composition

__all__ = ["LiePoissonSplitting", "splitting_stages"]

#: ``flow(state, t) -> state``: the exact time-``t`` flow of one piece of a Hamiltonian.
Flow = Callable[[np.ndarray, float], np.ndarray]


def splitting_stages(composition: Composition, n_pieces: int) -> tuple[tuple[int, float], ...]:
    """The flows one step of a splitting applies, in order: ``(piece, coefficient)``.

    With pieces :math:`H = H_0 + \\dots + H_{n-1}` and :math:`\\varphi^i_t` the flow of
    :math:`H_i`, the first-order method is :math:`\\Phi_\\tau = \\varphi^{n-1}_\\tau \\circ
    \\dots \\circ \\varphi^0_\\tau` (piece 0 first) and its adjoint applies the pieces in the
    reverse order. The pairs :math:`(\\beta_i, \\alpha_i)` of ``composition`` expand to
    :math:`\\Phi_{\\beta_1\\tau}, \\Phi^*_{\\alpha_1\\tau}, \\dots`, and neighbouring flows of
    the same piece are merged (their times add), so piece 0 is outermost and the last piece
    innermost: Strang is :math:`\\varphi^0_{\\tau/2} \\cdots \\varphi^{n-1}_\\tau \\cdots
    \\varphi^0_{\\tau/2}`.

    Parameters
    ----------
    composition : Composition
    n_pieces : int
        ``>= 1``.

    Returns
    -------
    tuple of (int, float)
        The piece index and the fraction of the step of each flow, in the order applied.

    Examples
    --------
    >>> from liepoisson.integrators.composition import COMPOSITIONS
    >>> splitting_stages(COMPOSITIONS[(2, "strang")], 3)
    ((0, 0.5), (1, 0.5), (2, 1.0), (1, 0.5), (0, 0.5))
    """
    sequence = []
    for beta, alpha in composition.pairs:
        sequence += [(i, beta) for i in range(n_pieces)]
        sequence += [(i, alpha) for i in reversed(range(n_pieces))]
    merged: list[tuple[int, float]] = []
    for piece, c in sequence:
        if merged and merged[-1][0] == piece:
            merged[-1] = (piece, merged[-1][1] + c)
        else:
            merged.append((piece, c))
    return tuple(merged)


@functools.lru_cache(maxsize=64)
def _stages(order: int, composition: str, n_pieces: int) -> tuple[tuple[int, float], ...]:
    return splitting_stages(COMPOSITIONS[(order, composition)], n_pieces)


def _split_flows(system) -> Sequence[Flow]:
    """The system's ``split_flows()``, checked."""
    get = getattr(system, "split_flows", None)
    flows = get() if callable(get) else None
    if not flows or not all(callable(f) for f in flows):
        raise InvalidArgumentError(
            "LiePoissonSplitting needs a system with split_flows(), the exact flows of the "
            f"pieces of its Hamiltonian, got {_describe(system)}"
        )
    return flows


@final
@dataclass(frozen=True)
class LiePoissonSplitting(Integrator):
    """Lie–Poisson splitting: the exact flows of the pieces of a Hamiltonian, composed
    symmetrically (final).

    For a system whose Hamiltonian splits as :math:`H = H_0 + \\dots + H_{n-1}` into pieces
    whose Lie–Poisson flows are known exactly. The flow of a Lie–Poisson Hamiltonian is a
    Poisson map that moves states on their coadjoint orbit, so every composition of them is
    too: the method is Poisson and keeps every Casimir to round-off (flags
    ``preserves_casimirs``, ``poisson``), and the compositions used are symmetric (flag
    ``symmetric``: a step of :math:`-\\tau` undoes a step of :math:`\\tau`, because each exact
    flow satisfies :math:`\\varphi_{-t} = \\varphi_t^{-1}`).

    **Protocol.** The system provides ``split_flows()``, a sequence of :math:`n \\ge 1`
    callables ``flow(state, t) -> state``, the exact time-:math:`t` flow of each piece on
    states of shape ``(..., *system.state_shape)`` (batched over leading axes, any real
    :math:`t`, negative included). The order matters only for cost: piece 0 is outermost
    (applied first and last, and merged between substeps), so put the cheapest flow first.
    A piece whose gradient is constant along its own flow (it depends only on what that
    flow conserves) has the flow :math:`\\mu \\mapsto (e^{t\\operatorname{ad}_\\xi})^T\\mu`,
    :math:`\\xi = \\nabla H_i(\\mu)`: the coadjoint action, ``system.act(t * grad_i(mu), mu)``.

    Schemes (:data:`~liepoisson.integrators.composition.COMPOSITIONS`, expanded by
    :func:`splitting_stages`), all symmetric:

    * order 2, ``"strang"``: :math:`\\varphi^0_{\\tau/2}\\cdots\\varphi^{n-1}_\\tau\\cdots
      \\varphi^0_{\\tau/2}`;
    * order 4, ``"mclachlan"`` (default): McLachlan's minimum-error composition (5 flows of
      the innermost piece per step); ``"suzuki"``: Suzuki's fractal composition of 5 Strang
      steps; ``"triple-jump"``: the triple jump of 3 Strang steps (cheapest per step, largest
      error constant);
    * order 6, ``"triple-jump"`` (default, 9 Strang steps) or ``"suzuki"`` (25); order 8,
      ``"triple-jump"`` (27 Strang steps).

    Parameters
    ----------
    order : {2, 4, 6, 8}
    composition : str, optional
        The scheme of that order (default:
        :data:`~liepoisson.integrators.composition.DEFAULT_COMPOSITION`).

    Raises
    ------
    InvalidArgumentError
        For an unknown order or scheme; :meth:`step` raises it for a system without
        ``split_flows()``.

    Examples
    --------
    The free rigid body :math:`H = \\sum_i \\Pi_i^2/(2I_i)`: each piece rotates :math:`\\Pi`
    about a body axis, :math:`\\nabla H_i = (\\Pi_i/I_i) e_i` is constant along that rotation.

    >>> import numpy as np
    >>> from liepoisson import LiePoissonSplitting, LiePoissonSystem, so3
    >>> I = np.array([1.0, 2.0, 3.5])
    >>> class Body(LiePoissonSystem):
    ...     def split_flows(self):
    ...         def flow(i):
    ...             return lambda m, t: self.act(t * (m * np.eye(3)[i]) / I, m)
    ...         return [flow(i) for i in range(3)]
    >>> body = Body(so3(), lambda m: 0.5 * np.sum(m**2 / I, axis=-1), gradient=lambda m: m / I)
    >>> mu = np.array([0.3, 1.0, -0.7])
    >>> new = LiePoissonSplitting(order=4).step(body, mu, 0.1)
    >>> bool(abs(new @ new - mu @ mu) < 1e-15)
    True
    >>> LiePoissonSplitting(order=4, composition="triple-jump").name
    'LiePoissonSplitting(order=4, triple-jump)'
    """

    preserves_casimirs: ClassVar[bool] = True
    symmetric: ClassVar[bool] = True
    poisson: ClassVar[bool] = True

    order: int = 2
    composition: str | None = None

    def __post_init__(self):
        if isinstance(self.order, bool) or self.order not in DEFAULT_COMPOSITION:
            raise InvalidArgumentError(f"order must be one of 2, 4, 6, 8, got {_describe(self.order)}")
        if self.composition is None:
            object.__setattr__(self, "composition", DEFAULT_COMPOSITION[self.order])
        if (self.order, self.composition) not in COMPOSITIONS:
            known = sorted(c for o, c in COMPOSITIONS if o == self.order)
            raise InvalidArgumentError(
                f"composition for order {self.order} must be one of {known}, "
                f"got {_describe(self.composition)}"
            )

    @property
    def name(self) -> str:
        if self.order == 2:
            return "LiePoissonSplitting(order=2)"
        return f"LiePoissonSplitting(order={self.order}, {self.composition})"

    def flow_counts(self, n_pieces: int) -> tuple[int, ...]:
        """How many flows of each piece one step applies, for ``n_pieces`` pieces.

        Examples
        --------
        >>> LiePoissonSplitting(order=4).flow_counts(2)
        (6, 5)
        """
        stages = _stages(self.order, self.composition, n_pieces)
        return tuple(sum(1 for piece, _ in stages if piece == i) for i in range(n_pieces))

    def step(self, system, state, dt):
        flows = _split_flows(system)
        for piece, c in _stages(self.order, self.composition, len(flows)):
            state = flows[piece](state, c * dt)
        return state
