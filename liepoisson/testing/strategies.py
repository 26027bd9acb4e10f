"""Hypothesis strategies for property tests of algebras and systems.

* :func:`catalog_algebras` draws small instances of every catalog family
  (:data:`CATALOG_SAMPLES`, built by :func:`catalog_algebra`);
* :func:`elements` and :func:`covectors` draw elements of :math:`\\mathfrak g` and
  :math:`\\mathfrak g^*`, :func:`reals` the well-scaled floats every strategy here is made of;
* :func:`structure_constants` draws valid structure constants in a random basis
  (:func:`change_of_basis`);
* :func:`algebra_samples` and :func:`system_samples` draw the data on which the laws of
  :mod:`liepoisson.testing.laws` are evaluated, so that a property test iterates the same
  table of laws as :func:`~liepoisson.testing.verify_algebra`.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Callable

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from .._validation import _describe, check_int, check_real
from ..algebra import catalog
from ..algebra.base import LieAlgebra
from ..exceptions import InvalidArgumentError
from .laws import AlgebraSample, SystemSample

__all__ = [
    "CATALOG_SAMPLES",
    "catalog_algebra",
    "catalog_algebras",
    "elements",
    "covectors",
    "reals",
    "structure_constants",
    "change_of_basis",
    "algebra_samples",
    "system_samples",
]


# ============================================================== catalog samples
def _sl2_affine() -> LieAlgebra:
    """sl(2) ⋉ R^2 with the defining representation (the special affine algebra)."""
    g = catalog.sl(2)
    rep = np.array([[[0.0, 1.0], [0.0, 0.0]], [[0.0, 0.0], [1.0, 0.0]], [[1.0, 0.0], [0.0, -1.0]]])
    return catalog.semidirect_product(g, rep)


_BUILDERS: dict[str, Callable[[], LieAlgebra]] = {
    "so3": catalog.so3,
    "so(4)": lambda: catalog.so(4),
    "sp(4)": lambda: catalog.sp(4),
    "se3": catalog.se3,
    "se(2)": lambda: catalog.se(2),
    "su(2)": lambda: catalog.su(2),
    "su(3)": lambda: catalog.su(3),
    "u(2)": lambda: catalog.u(2),
    "sl(2)": lambda: catalog.sl(2),
    "sl(3)": lambda: catalog.sl(3),
    "gl(2)": lambda: catalog.gl(2),
    "heisenberg(1)": lambda: catalog.heisenberg(1),
    "heisenberg(2)": lambda: catalog.heisenberg(2),
    "heisenberg(3)": lambda: catalog.heisenberg(3),
    "so3 + heisenberg(1)": lambda: catalog.direct_sum(catalog.so3(), catalog.heisenberg(1)),
    "sl(2) x| R^2": _sl2_affine,
}

#: Labels of the small catalog instances drawn by :func:`catalog_algebras`.
CATALOG_SAMPLES: tuple[str, ...] = tuple(_BUILDERS)


@lru_cache(maxsize=None)
def catalog_algebra(label: str) -> LieAlgebra:
    """The catalog instance called ``label`` (one of :data:`CATALOG_SAMPLES`), cached.

    Raises
    ------
    InvalidArgumentError
        If ``label`` is not in :data:`CATALOG_SAMPLES`.

    Examples
    --------
    >>> from liepoisson.testing import catalog_algebra
    >>> catalog_algebra("se3").dim
    6
    """
    if label not in _BUILDERS:
        raise InvalidArgumentError(f"label must be one of {CATALOG_SAMPLES}, got {_describe(label)}")
    return _BUILDERS[label]()


# ================================================================== strategies
def catalog_algebras() -> st.SearchStrategy:
    """Strategy drawing small instances of every catalog family.

    so(3), so(4), sp(4), se(3), se(2), su(2), su(3), u(2), sl(2), sl(3), gl(2), heisenberg(1..3),
    the direct sum so(3) ⊕ heisenberg(1) and the semidirect product sl(2) ⋉ R²
    (see :data:`CATALOG_SAMPLES`). Instances are cached, so drawing is cheap.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of LieAlgebra
    """
    return st.sampled_from(CATALOG_SAMPLES).map(catalog_algebra)


def _coordinates(algebra, scale, batch_shape) -> st.SearchStrategy:
    """Validated arguments -> strategy of coordinate arrays of shape ``batch_shape + (dim,)``."""
    if not isinstance(algebra, LieAlgebra):
        raise InvalidArgumentError(f"algebra must be a LieAlgebra, got {_describe(algebra)}")
    scale = check_real("scale", scale, positive=True)
    try:
        batch_shape = tuple(check_int("batch_shape entry", n, minimum=1) for n in batch_shape)
    except TypeError as exc:
        raise InvalidArgumentError(
            f"batch_shape must be a tuple of ints, got {_describe(batch_shape)}"
        ) from exc
    return hnp.arrays(np.float64, batch_shape + (algebra.dim,), elements=_well_scaled(scale))


def reals(bound: float = 1.0) -> st.SearchStrategy:
    """Strategy of well-scaled floats in ``[-bound, bound]``: finite, and 0 or at least
    ``1e-100 * bound`` in magnitude (never subnormal). Products of a few of them (norms,
    brackets, pairings, structure constants squared) then never underflow, which would
    make relative tolerances vanish; every strategy here draws its numbers from it.

    Parameters
    ----------
    bound : float
        ``> 0``.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of float

    Examples
    --------
    >>> from hypothesis import given
    >>> from liepoisson.testing import reals
    >>> @given(reals(2.0))
    ... def test_square_is_not_subnormal(x):
    ...     assert x == 0 or abs(x * x) >= 1e-200
    >>> test_square_is_not_subnormal()
    """
    return _well_scaled(check_real("bound", bound, positive=True))


def _well_scaled(scale: float) -> st.SearchStrategy:
    """:func:`reals` without the argument check."""
    tiny = 1e-100 * scale
    return st.floats(
        -scale, scale, allow_nan=False, allow_infinity=False, allow_subnormal=False
    ).map(lambda x: 0.0 if abs(x) < tiny else x)


def elements(algebra: LieAlgebra, scale: float = 1.0, batch_shape: tuple = ()) -> st.SearchStrategy:
    """Strategy of elements of :math:`\\mathfrak g` with coordinates in ``[-scale, scale]``.

    Parameters
    ----------
    algebra : LieAlgebra
    scale : float
        Bound on the coordinates, ``> 0``.
    batch_shape : tuple of int
        Leading axes of the drawn array.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of ndarray of shape (*batch_shape, *algebra.shape)
        Finite arrays of the algebra's dtype, built with :meth:`LieAlgebra.from_coords`.
    """
    return _coordinates(algebra, scale, batch_shape).map(algebra.from_coords)


def covectors(algebra: LieAlgebra, scale: float = 1.0, batch_shape: tuple = ()) -> st.SearchStrategy:
    """Strategy of covectors in :math:`\\mathfrak g^*` with dual coordinates in ``[-scale, scale]``.

    The arguments are those of :func:`elements`; the arrays are built with
    :meth:`LieAlgebra.dual_from_coords`.
    """
    return _coordinates(algebra, scale, batch_shape).map(algebra.dual_from_coords)


def change_of_basis(C: np.ndarray, P: np.ndarray) -> np.ndarray:
    """Structure constants in the basis :math:`f_a = \\sum_i P_{ia} e_i`.

    .. math::  C'_{abc} = \\sum_{ijk} P_{ia} P_{jb} C_{ijk} (P^{-1})_{ck}

    Parameters
    ----------
    C : ndarray of shape (n, n, n)
    P : ndarray of shape (n, n), invertible

    Returns
    -------
    ndarray of shape (n, n, n)
    """
    return np.einsum("ia,jb,ijk,ck->abc", P, P, C, np.linalg.inv(P))


def _solvable_constants(dim: int, D: np.ndarray) -> np.ndarray:
    """:math:`\\mathbb R \\ltimes_D \\mathbb R^{\\dim - 1}`: :math:`[e_0, e_i] = \\sum_j D_{ji} e_j`."""
    C = np.zeros((dim, dim, dim))
    C[0, 1:, 1:] = D.T
    C[1:, 0, 1:] = -D.T
    return C


@st.composite
def _base_constants(draw, dim: int) -> np.ndarray:
    padded = [label for label in CATALOG_SAMPLES if catalog_algebra(label).dim <= dim]
    choices = ["solvable"] + padded if dim >= 2 else ["abelian"]
    choice = draw(st.sampled_from(choices))
    if choice == "abelian":
        return np.zeros((dim, dim, dim))
    if choice == "solvable":
        D = draw(hnp.arrays(np.float64, (dim - 1, dim - 1), elements=_well_scaled(1.0)))
        return _solvable_constants(dim, D)
    # a catalog algebra, direct sum with an abelian algebra to reach dim
    C = np.zeros((dim, dim, dim))
    Cg = catalog_algebra(choice).structure_constants()
    d = Cg.shape[0]
    C[:d, :d, :d] = Cg
    return C


@st.composite
def _random_basis_constants(draw, dim: int) -> np.ndarray:
    C = draw(_base_constants(dim))
    A = draw(hnp.arrays(np.float64, (dim, dim), elements=_well_scaled(1.0)))
    P = np.eye(dim) + 0.5 * A / max(1.0, float(np.linalg.norm(A, 2)))
    return change_of_basis(C, P)


def structure_constants(dim: int | None = None, max_dim: int = 6) -> st.SearchStrategy:
    """Strategy of valid, well-conditioned structure constants.

    A base algebra of dimension ``dim`` (abelian; a solvable
    :math:`\\mathbb R \\ltimes_D \\mathbb R^{\\dim-1}` with random :math:`D`; or a catalog
    algebra of dimension at most ``dim`` padded by an abelian summand) is written in a
    random basis :math:`P = I + A/(2\\max(1, \\|A\\|_2))`, :math:`|A_{ij}| \\le 1`, whose
    condition number is at most 3 (see :func:`change_of_basis`). The result satisfies
    antisymmetry and the Jacobi identity to round-off and passes
    :func:`~liepoisson.check_structure_constants`.

    Parameters
    ----------
    dim : int, optional
        Dimension; drawn from ``1..max_dim`` when omitted.
    max_dim : int
        Largest dimension drawn when ``dim`` is omitted.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of ndarray of shape (dim, dim, dim)

    Raises
    ------
    InvalidArgumentError
        If ``dim`` or ``max_dim`` is not an integer ``>= 1``.
    """
    if dim is None:
        dims = st.integers(1, check_int("max_dim", max_dim, minimum=1))
    else:
        dims = st.just(check_int("dim", dim, minimum=1))
    return dims.flatmap(_random_basis_constants)


def _factors(n: int, bound: float, nonnegative: bool = False) -> st.SearchStrategy:
    """Arrays of shape ``(n, 1)`` of :func:`reals` in ``[-bound, bound]`` (or ``[0, bound]``)."""
    values = _well_scaled(bound).map(abs) if nonnegative else _well_scaled(bound)
    return hnp.arrays(np.float64, (n, 1), elements=values)


@st.composite
def _algebra_sample(draw, algebras, n_examples, scale) -> AlgebraSample:
    g = draw(algebras)
    xc, yc, zc, xic, muc = (draw(_coordinates(g, scale, (n_examples,))) for _ in range(5))
    a, b = (draw(_factors(n_examples, 2.0)) for _ in range(2))
    s, t = (draw(_factors(n_examples, 1.0, nonnegative=True)) for _ in range(2))
    return AlgebraSample(g, xc, yc, zc, xic, muc, a, b, s, t)


def algebra_samples(
    algebras: st.SearchStrategy | None = None, n_examples: int = 2, scale: float = 1.0
) -> st.SearchStrategy:
    """Strategy of :class:`~liepoisson.testing.laws.AlgebraSample`: the data of the algebra
    laws, drawn by hypothesis instead of a seeded generator.

    Parameters
    ----------
    algebras : hypothesis.strategies.SearchStrategy of LieAlgebra, optional
        Where the algebra comes from (default :func:`catalog_algebras`).
    n_examples : int
        Examples per sample (the leading batch axis), ``>= 1``.
    scale : float
        Bound on the coordinates of the elements and covectors, ``> 0``.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of AlgebraSample

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> from liepoisson.testing import ALGEBRA_LAWS, algebra_samples
    >>> jacobi = ALGEBRA_LAWS["jacobi_identity"]
    >>> @settings(max_examples=5)
    ... @given(algebra_samples())
    ... def test_jacobi_identity(sample):
    ...     assert jacobi.holds(sample, rtol=1e-12)
    >>> test_jacobi_identity()
    """
    n_examples = check_int("n_examples", n_examples, minimum=1)
    scale = check_real("scale", scale, positive=True)
    return _algebra_sample(catalog_algebras() if algebras is None else algebras, n_examples, scale)


@st.composite
def _system_sample(draw, systems, n_examples, scale) -> SystemSample:
    system = draw(systems)
    g = system.algebra
    muc, fc, gc = (draw(_coordinates(g, s, (n_examples,))) for s in (scale, 1.0, 1.0))
    return SystemSample(system, g.dual_from_coords(muc), fc, gc)


def system_samples(systems: st.SearchStrategy, n_examples: int = 2, scale: float = 1.0) -> st.SearchStrategy:
    """Strategy of :class:`~liepoisson.testing.laws.SystemSample`: the data of the system
    laws (states with dual coordinates in ``[-scale, scale]``, two linear functions).

    Parameters
    ----------
    systems : hypothesis.strategies.SearchStrategy of LiePoissonSystem
    n_examples : int
        States per sample, ``>= 1``.
    scale : float
        Bound on the dual coordinates of the states, ``> 0``.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of SystemSample
    """
    n_examples = check_int("n_examples", n_examples, minimum=1)
    scale = check_real("scale", scale, positive=True)
    return _system_sample(systems, n_examples, scale)
