"""Verification toolkit: hypothesis strategies and law checkers for algebras and systems.

Two kinds of tools:

* **hypothesis strategies** for property tests: :func:`catalog_algebras`,
  :func:`elements`, :func:`covectors`, :func:`structure_constants`;
* **plain checkers** :func:`verify_algebra` and :func:`verify_system`, which draw their data
  from a seeded :func:`numpy.random.default_rng` (no hypothesis involved), evaluate every
  law on it and return a :class:`VerificationReport`.

Residuals are relative: for a law stated as "a sum of terms vanishes", the residual of one
example is :math:`\\|\\sum_t T_t\\| / (\\sum_t \\|T_t\\| + B)`, where :math:`B` is an
a-priori bound on the terms built from the norms of the inputs and
:math:`\\|C\\|_F`, the Frobenius norm of the structure constants (so cancellation inside a
term is not mistaken for an error). Norms are those of coordinate vectors
(:meth:`~liepoisson.LieAlgebra.to_coords`, :meth:`~liepoisson.LieAlgebra.dual_to_coords`).
The report holds, per law, the largest residual over the examples.

Examples
--------
>>> from liepoisson import so3
>>> from liepoisson.testing import verify_algebra
>>> report = verify_algebra(so3(), n_examples=5)
>>> report.passed
True
>>> report.raise_if_failed()   # does nothing: every law holds
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, final

import numpy as np
import scipy.linalg
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ._validation import _describe, check_int, check_real
from .algebra import catalog
from .algebra.base import LieAlgebra, phi1_matrix
from .algebra.structure_constants import StructureConstantsAlgebra
from .derivatives import numerical_gradient
from .exceptions import InvalidArgumentError, InvalidStructureConstantsError, VerificationError
from .system import LiePoissonSystem

__all__ = [
    "CATALOG_SAMPLES",
    "catalog_algebra",
    "catalog_algebras",
    "elements",
    "covectors",
    "reals",
    "structure_constants",
    "change_of_basis",
    "NUMERICAL_DERIVATIVE_RTOL",
    "LawCheck",
    "VerificationReport",
    "verify_algebra",
    "verify_system",
]

#: Tolerance floor for laws evaluated with numerical gradients (8th-order differences).
NUMERICAL_DERIVATIVE_RTOL = 1e-7


# ============================================================== catalog samples
def _sl2_affine() -> LieAlgebra:
    """sl(2) ⋉ R^2 with the defining representation (the special affine algebra)."""
    g = catalog.sl(2)
    rep = np.array([[[0.0, 1.0], [0.0, 0.0]], [[0.0, 0.0], [1.0, 0.0]], [[1.0, 0.0], [0.0, -1.0]]])
    return catalog.semidirect_product(g, rep)


_BUILDERS: dict[str, Callable[[], LieAlgebra]] = {
    "so3": catalog.so3,
    "so(4)": lambda: catalog.so(4),
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

    so(3), so(4), se(3), se(2), su(2), su(3), u(2), sl(2), sl(3), gl(2), heisenberg(1..3),
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


# ====================================================================== reports
@final
@dataclass(frozen=True)
class LawCheck:
    """The outcome of one law (final).

    Attributes
    ----------
    law : str
        What was checked, e.g. ``"Jacobi identity"``.
    residual : float
        Largest relative residual over the examples (``inf`` if the check raised).
    tolerance : float
        The law passes when ``residual <= tolerance``.
    detail : str
        Extra information (the exception raised, or why a reference could not be built).
    """

    law: str
    residual: float
    tolerance: float
    detail: str = ""

    @property
    def passed(self) -> bool:
        """``residual <= tolerance`` (``False`` for NaN or inf residuals)."""
        return bool(np.isfinite(self.residual) and self.residual <= self.tolerance)


@final
@dataclass(frozen=True)
class VerificationReport:
    """The result of :func:`verify_algebra` or :func:`verify_system` (final).

    Attributes
    ----------
    subject : str
        What was verified.
    checks : tuple of LawCheck
        One entry per law.
    n_examples : int
        Random examples each law was evaluated on.
    seed : int or None
        Seed of the random generator.
    """

    subject: str
    checks: tuple
    n_examples: int
    seed: int | None

    @property
    def passed(self) -> bool:
        """Whether every law passed."""
        return all(c.passed for c in self.checks)

    @property
    def failed(self) -> tuple:
        """The checks that did not pass."""
        return tuple(c for c in self.checks if not c.passed)

    def __getitem__(self, law: str) -> LawCheck:
        for check in self.checks:
            if check.law == law:
                return check
        raise KeyError(law)

    def __str__(self) -> str:
        width = max([len(c.law) for c in self.checks] + [3])
        n_failed = len(self.failed)
        verdict = f"all {len(self.checks)} laws passed" if n_failed == 0 else (
            f"{n_failed} of {len(self.checks)} laws FAILED"
        )
        lines = [
            f"Verification of {self.subject} ({self.n_examples} examples, seed {self.seed}): {verdict}",
            f"{'law':<{width}}  {'residual':>10}  {'tolerance':>10}  result",
        ]
        for c in self.checks:
            mark = "ok" if c.passed else "FAILED"
            line = f"{c.law:<{width}}  {c.residual:>10.2e}  {c.tolerance:>10.1e}  {mark}"
            if c.detail:
                line += f"  ({c.detail})"
            lines.append(line)
        return "\n".join(lines)

    def raise_if_failed(self) -> None:
        """Raise :class:`~liepoisson.exceptions.VerificationError` listing the failed laws.

        Raises
        ------
        VerificationError
            If any law failed; its ``report`` attribute is this report.
        """
        failed = self.failed
        if failed:
            listing = "; ".join(
                f"{c.law}: residual {c.residual:.3e} > tolerance {c.tolerance:.1e}"
                + (f" ({c.detail})" if c.detail else "")
                for c in failed
            )
            raise VerificationError(
                f"{self.subject} failed {len(failed)} law(s): {listing}", report=self
            )


# ============================================================ residual helpers
def _norms(t: np.ndarray) -> np.ndarray:
    """Euclidean norm over all but the leading (example) axis."""
    t = np.abs(np.asarray(t))
    return np.sqrt(np.sum(t.reshape(t.shape[0], -1) ** 2, axis=1)) if t.ndim > 1 else t


def _relative(terms, bound=0.0) -> float:
    """Largest over examples of ``|sum terms| / (sum |terms| + bound)`` (0 where both vanish)."""
    total = _norms(sum(terms))
    scale = sum(_norms(t) for t in terms) + bound
    ratio = np.divide(total, scale, out=np.zeros_like(total), where=scale > 0)
    ratio[(scale == 0) & (total > 0)] = np.inf
    ratio[~np.isfinite(total)] = np.inf
    return float(np.max(ratio)) if ratio.size else 0.0


def _run(checks: list, law: str, tolerance: float, evaluate: Callable[[], float]) -> None:
    """Evaluate one law, recording an exception as an infinite residual."""
    try:
        residual, detail = evaluate(), ""
        if isinstance(residual, tuple):
            residual, detail = residual
    except Exception as exc:  # a checker reports, it does not stop at the first failure
        residual, detail = float("inf"), f"raised {type(exc).__name__}: {exc}"
    checks.append(LawCheck(law, float(residual), float(tolerance), detail))


def _check_verify_args(n_examples, seed, scale, rtol):
    n_examples = check_int("n_examples", n_examples, minimum=1)
    if seed is not None:
        seed = check_int("seed", seed, minimum=0)
    scale = check_real("scale", scale, positive=True)
    rtol = check_real("rtol", rtol, positive=True)
    return n_examples, seed, scale, rtol


def _rescale_ad(algebra: LieAlgebra, xi_coords: np.ndarray, bound: float) -> np.ndarray:
    """Shrink each row so that the spectral norm of its ad matrix is at most ``bound``."""
    norms = np.linalg.norm(algebra.ad(algebra.from_coords(xi_coords)), 2, axis=(-2, -1))
    factor = np.minimum(1.0, bound / np.where(norms > 0, norms, 1.0))
    return xi_coords * factor[:, None]


# ============================================================== verify_algebra
def verify_algebra(
    algebra: LieAlgebra,
    n_examples: int = 20,
    seed: int | None = 0,
    scale: float = 1.0,
    rtol: float = 1e-9,
) -> VerificationReport:
    """Check the laws of a Lie algebra and of its coadjoint functions on random data.

    Laws (each a row of the report):

    * bilinearity, antisymmetry and the Jacobi identity of :meth:`~LieAlgebra.bracket`;
    * ``structure_constants()`` reproduce the bracket, ``ad(x) @ y = [x, y]`` in coordinates,
      and ad is a representation, :math:`\\operatorname{ad}_{[x,y]} = [\\operatorname{ad}_x,
      \\operatorname{ad}_y]`;
    * ``pairing`` is the dot product of coordinates and
      :math:`\\langle\\operatorname{ad}^*_x\\mu, y\\rangle = \\langle\\mu, [x, y]\\rangle`;
    * ``coadjoint_exp(xi, mu)`` equals :math:`(e^{\\operatorname{ad}_\\xi})^T\\mu` (dense
      :func:`scipy.linalg.expm`) and is a one-parameter group in :math:`t \\mapsto t\\xi`;
    * ``dexpinv_star`` equals the generic dense implementation (that of
      :class:`~liepoisson.StructureConstantsAlgebra` built from ``structure_constants()``)
      and the block-exponential formula :math:`\\varphi_1(\\operatorname{ad}_\\xi)^{-T}\\nu`
      (both for :math:`\\|\\operatorname{ad}_\\xi\\|_2 \\le 3`), and the Bernoulli series
      (for :math:`\\|\\operatorname{ad}_\\xi\\|_2 \\le 1`);
    * every Casimir of ``algebra.casimirs()`` is invariant under ``coadjoint_exp`` and its
      (numerical) gradient is in the kernel of :math:`J(\\mu)`:
      :math:`\\operatorname{ad}^*_{\\nabla C(\\mu)}\\mu = 0`.

    Data: ``n_examples`` elements and covectors with coordinates uniform in
    ``[-scale, scale]`` from ``numpy.random.default_rng(seed)``, evaluated as one batch (so
    broadcasting over leading axes is exercised too). The dense references need the
    ``(dim, dim, dim)`` structure constants: meant for dimensions up to a few dozen.

    Parameters
    ----------
    algebra : LieAlgebra
    n_examples : int
        Number of random examples, ``>= 1``.
    seed : int or None
        Seed of the generator (``None``: fresh entropy).
    scale : float
        Coordinate bound of the random data, ``> 0``.
    rtol : float
        Tolerance on the relative residuals (see the module notes); laws evaluated with
        numerical gradients use ``max(rtol, NUMERICAL_DERIVATIVE_RTOL)``.

    Returns
    -------
    VerificationReport

    Raises
    ------
    InvalidArgumentError
        On a bad argument (not a LieAlgebra, ``n_examples < 1``, ...).

    Examples
    --------
    >>> from liepoisson import se3
    >>> from liepoisson.testing import verify_algebra
    >>> report = verify_algebra(se3(), n_examples=10, seed=1)
    >>> report.passed, report["Jacobi identity"].residual < 1e-12
    (True, True)
    """
    if not isinstance(algebra, LieAlgebra):
        raise InvalidArgumentError(f"algebra must be a LieAlgebra, got {_describe(algebra)}")
    n_examples, seed, scale, rtol = _check_verify_args(n_examples, seed, scale, rtol)
    g = algebra
    rng = np.random.default_rng(seed)
    n, dim = n_examples, g.dim
    xc, yc, zc, xic, muc = (rng.uniform(-scale, scale, (n, dim)) for _ in range(5))
    a, b = (rng.uniform(-2.0, 2.0, (n, 1)) for _ in range(2))
    s, t = (rng.uniform(0.0, 1.0, (n, 1)) for _ in range(2))
    x, y, z, xi = (g.from_coords(v) for v in (xc, yc, zc, xic))
    mu = g.dual_from_coords(muc)
    C = np.asarray(g.structure_constants(), dtype=float)
    cn = float(np.linalg.norm(C))
    nx, ny, nz, nmu = (np.linalg.norm(v, axis=-1) for v in (xc, yc, zc, muc))
    crd, dual = g.to_coords, g.dual_to_coords

    def br(p, q):
        return crd(g.bracket(p, q))

    checks: list[LawCheck] = []
    _run(checks, "bilinearity of the bracket", rtol, lambda: max(
        _relative([br(_scaled(a, x) + _scaled(b, z), y), -a * br(x, y), -b * br(z, y)],
                  cn * (np.abs(a[:, 0]) * nx + np.abs(b[:, 0]) * nz) * ny),
        _relative([br(x, _scaled(a, y) + _scaled(b, z)), -a * br(x, y), -b * br(x, z)],
                  cn * nx * (np.abs(a[:, 0]) * ny + np.abs(b[:, 0]) * nz)),
    ))
    _run(checks, "antisymmetry of the bracket", rtol,
         lambda: _relative([br(x, y), br(y, x)], cn * nx * ny))
    _run(checks, "Jacobi identity", rtol, lambda: _relative(
        [br(x, g.bracket(y, z)), br(y, g.bracket(z, x)), br(z, g.bracket(x, y))],
        cn**2 * nx * ny * nz))
    _run(checks, "structure constants reproduce the bracket", rtol, lambda: _relative(
        [br(x, y), -np.einsum("...i,...j,ijk->...k", xc, yc, C)], cn * nx * ny))
    _run(checks, "ad(x) @ y = [x, y]", rtol, lambda: _relative(
        [np.einsum("...kj,...j->...k", g.ad(x), yc), -br(x, y)], cn * nx * ny))

    def ad_representation():
        adx, ady = g.ad(x), g.ad(y)
        return _relative([g.ad(g.bracket(x, y)), -(adx @ ady - ady @ adx)], cn**2 * nx * ny)

    _run(checks, "ad([x, y]) = [ad x, ad y]", rtol, ad_representation)
    _run(checks, "pairing is the dot product of coordinates", rtol, lambda: _relative(
        [g.pairing(mu, y), -np.sum(muc * yc, axis=-1)], nmu * ny))
    _run(checks, "<ad*_x mu, y> = <mu, [x, y]>", rtol, lambda: _relative(
        [g.pairing(g.ad_star(x, mu), y), -g.pairing(mu, g.bracket(x, y))], cn * nx * nmu * ny))

    def coadjoint_dense():
        E = scipy.linalg.expm(g.ad(xi))
        reference = np.einsum("...kj,...k->...j", E, muc)
        return _relative([dual(g.coadjoint_exp(xi, mu)), -reference],
                         np.linalg.norm(E, 2, axis=(-2, -1)) * nmu)

    _run(checks, "coadjoint_exp = expm(ad_xi)^T mu", rtol, coadjoint_dense)

    def coadjoint_group():
        two_steps = g.coadjoint_exp(_scaled(t, xi), g.coadjoint_exp(_scaled(s, xi), mu))
        one_step = g.coadjoint_exp(_scaled(s + t, xi), mu)
        return _relative([dual(two_steps), -dual(one_step)])

    _run(checks, "coadjoint_exp((s+t) xi) = coadjoint_exp(t xi) coadjoint_exp(s xi)", rtol,
         coadjoint_group)

    wc = _rescale_ad(g, xic, 3.0)
    w = g.from_coords(wc)

    def dexpinv_generic():
        try:
            dense = StructureConstantsAlgebra(C)
        except InvalidStructureConstantsError as exc:
            return float("inf"), f"no dense reference: {exc}"
        return _relative([dual(g.dexpinv_star(w, mu)), -dense.dexpinv_star(wc, muc)])

    def dexpinv_block():
        ad_dense = np.einsum("...i,ijk->...kj", wc, C)
        reference = np.linalg.solve(np.swapaxes(phi1_matrix(ad_dense), -1, -2), muc[..., None])
        return _relative([dual(g.dexpinv_star(w, mu)), -reference[..., 0]])

    _run(checks, "dexpinv_star = generic dense implementation", rtol, dexpinv_generic)
    _run(checks, "dexpinv_star = block-exponential formula phi1(ad)^-T", rtol, dexpinv_block)

    def dexpinv_series():
        small = g.from_coords(_rescale_ad(g, xic, 1.0))
        return _relative(
            [dual(g.dexpinv_star(small, mu)), -dual(g.dexpinv_star_series(small, mu))]
        )

    _run(checks, "dexpinv_star = Bernoulli series", rtol, dexpinv_series)

    casimirs = g.casimirs()
    if casimirs:
        drtol = max(rtol, NUMERICAL_DERIVATIVE_RTOL)

        def casimir_invariance():
            moved = g.coadjoint_exp(xi, mu)
            n_moved = np.linalg.norm(dual(moved), axis=-1)
            worst = 0.0
            for fn in casimirs.values():
                before, after = np.asarray(fn(mu)), np.asarray(fn(moved))
                _, size = _difference_gradient(fn, g, mu)
                _, size_moved = _difference_gradient(fn, g, moved)
                worst = max(worst, _relative([after, -before], size * nmu + size_moved * n_moved))
            return worst

        def casimir_kernel():
            worst = 0.0
            for fn in casimirs.values():
                grad, size = _difference_gradient(fn, g, mu)
                worst = max(worst, _relative([dual(g.ad_star(grad, mu))], cn * size * nmu))
            return worst

        names = ", ".join(casimirs)
        _run(checks, f"Casimirs invariant under coadjoint_exp [{names}]", rtol, casimir_invariance)
        _run(checks, f"Casimirs in the kernel of J: ad*_(grad C) mu = 0 [{names}]", drtol,
             casimir_kernel)
    return VerificationReport(g.name, tuple(checks), n_examples, seed)


def _difference_gradient(fn, g: LieAlgebra, mu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`numerical_gradient` of ``fn`` at a batch ``mu``, and a size to measure it by.

    The size is ``|grad| + 1e-5 S / r`` with ``r = max(1, |mu|_inf)`` (the reach of the
    difference stencil, whose step is ``2e-3 r``) and ``S`` the largest ``|fn|`` at
    ``mu +- r e_k``: the round-off of the stencil is about ``1e-13 S / r``, so a relative
    tolerance of :data:`NUMERICAL_DERIVATIVE_RTOL` times this size covers it even where the
    gradient itself vanishes (e.g. the cubic Casimir of sl(3) at a nilpotent covector).
    """
    grad = numerical_gradient(fn, g, mu)
    c = np.asarray(g.dual_to_coords(mu), dtype=float)
    reach = np.maximum(1.0, np.max(np.abs(c), axis=-1))
    steps = np.concatenate([np.eye(g.dim), -np.eye(g.dim)])
    values = np.abs(np.asarray(fn(g.dual_from_coords(c[:, None, :] + reach[:, None, None] * steps))))
    size = np.linalg.norm(g.to_coords(grad), axis=-1) + 1e-5 * np.max(values, axis=-1) / reach
    return grad, size


def _scaled(factor: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``factor`` of shape (n, 1) times a batch of elements of any trailing shape."""
    return factor.reshape(factor.shape[:1] + (1,) * (np.ndim(x) - 1)) * x


# =============================================================== verify_system
def verify_system(
    system: LiePoissonSystem,
    n_examples: int = 20,
    seed: int | None = 0,
    scale: float = 1.0,
    rtol: float = 1e-9,
    states: np.ndarray | None = None,
) -> VerificationReport:
    """Check the laws of a Lie–Poisson system on random states.

    Laws (each a row of the report):

    * ``gradient`` agrees with :func:`~liepoisson.numerical_gradient` of the Hamiltonian
      (meaningful when the system has an exact gradient);
    * ``vector_field(mu)`` :math:`= J(\\mu)\\nabla H(\\mu)` with ``poisson_tensor``;
    * energy conservation :math:`dH \\cdot X_H = \\langle X_H, \\nabla H\\rangle = 0`;
    * the Lie–Poisson bracket is antisymmetric, :math:`\\{F, G\\} = -\\{G, F\\}` for linear
      :math:`F, G`;
    * every Casimir of ``system.casimirs`` Poisson-commutes with random linear functions,
      :math:`\\{C, F\\} = 0`, and is conserved along the vector field,
      :math:`\\langle X_H, \\nabla C\\rangle = 0` (numerical gradients of the Casimirs).

    Parameters
    ----------
    system : LiePoissonSystem
    n_examples : int
        Number of random states when ``states`` is omitted, ``>= 1``.
    seed : int or None
        Seed of :func:`numpy.random.default_rng`.
    scale : float
        Dual coordinates of the random states are uniform in ``[-scale, scale]``.
    rtol : float
        Tolerance on the relative residuals; laws evaluated with numerical gradients use
        ``max(rtol, NUMERICAL_DERIVATIVE_RTOL)``.
    states : ndarray of shape (n, *algebra.shape), optional
        Covectors to check at instead of random ones (for Hamiltonians defined on part of
        :math:`\\mathfrak g^*` only).

    Returns
    -------
    VerificationReport

    Raises
    ------
    InvalidArgumentError
        On a bad argument.

    Examples
    --------
    >>> import numpy as np
    >>> from liepoisson import so3, LiePoissonSystem
    >>> from liepoisson.testing import verify_system
    >>> I = np.array([1.0, 2.0, 3.0])
    >>> body = LiePoissonSystem(so3(), lambda m: 0.5 * np.sum(m**2 / I, axis=-1),
    ...                         gradient=lambda m: m / I)
    >>> print(verify_system(body, n_examples=5).passed)
    True
    """
    if not isinstance(system, LiePoissonSystem):
        raise InvalidArgumentError(f"system must be a LiePoissonSystem, got {_describe(system)}")
    n_examples, seed, scale, rtol = _check_verify_args(n_examples, seed, scale, rtol)
    g = system.algebra
    rng = np.random.default_rng(seed)
    if states is None:
        mu = g.dual_from_coords(rng.uniform(-scale, scale, (n_examples, g.dim)))
    else:
        mu = g.validate_element(states, "states", dual=True)
        if mu.ndim != len(g.shape) + 1:
            raise InvalidArgumentError(
                f"states must have shape (n, *{g.shape}), got shape {mu.shape}"
            )
        n_examples = mu.shape[0]
    muc = g.dual_to_coords(mu)
    n, dim = muc.shape
    fc, gc = (rng.uniform(-1.0, 1.0, (n, dim)) for _ in range(2))
    f, h = g.from_coords(fc), g.from_coords(gc)
    C = np.asarray(g.structure_constants(), dtype=float)
    cn = float(np.linalg.norm(C))
    nmu, nf, ng = (np.linalg.norm(v, axis=-1) for v in (muc, fc, gc))
    drtol = max(rtol, NUMERICAL_DERIVATIVE_RTOL)
    crd, dual = g.to_coords, g.dual_to_coords
    checks: list[LawCheck] = []

    def gradient_law():
        numerical, size = _difference_gradient(system.hamiltonian, g, mu)
        return _relative([crd(system.gradient(mu)), -crd(numerical)], size)

    _run(checks, "gradient = numerical gradient of H", drtol, gradient_law)

    def vector_field_law():
        J = system.poisson_tensor(mu)
        grad = crd(system.gradient(mu))
        return _relative([dual(system.vector_field(mu)), -np.einsum("...ij,...j->...i", J, grad)],
                         cn * nmu * np.linalg.norm(grad, axis=-1))

    _run(checks, "vector_field = J(mu) grad H", rtol, vector_field_law)

    def energy_law():
        X, grad = system.vector_field(mu), system.gradient(mu)
        bound = np.linalg.norm(dual(X), axis=-1) * np.linalg.norm(crd(grad), axis=-1)
        return _relative([g.pairing(X, grad)], bound)

    _run(checks, "energy conserved: <X_H, grad H> = 0", rtol, energy_law)
    _run(checks, "Poisson bracket antisymmetric", rtol, lambda: _relative(
        [system.bracket(f, h, mu), system.bracket(h, f, mu)], cn * nmu * nf * ng))

    casimirs = system.casimirs
    if casimirs:
        def casimir_linear():
            worst = 0.0
            for fn in casimirs.values():
                grad, size = _difference_gradient(fn, g, mu)
                worst = max(worst, _relative([system.bracket(grad, f, mu)], cn * nmu * nf * size))
            return worst

        def casimir_flow():
            X = system.vector_field(mu)
            nX = np.linalg.norm(dual(X), axis=-1)
            worst = 0.0
            for fn in casimirs.values():
                grad, size = _difference_gradient(fn, g, mu)
                worst = max(worst, _relative([g.pairing(X, grad)], nX * size))
            return worst

        names = ", ".join(casimirs)
        _run(checks, f"{{C, F}} = 0 for Casimirs and linear F [{names}]", drtol, casimir_linear)
        _run(checks, f"Casimirs conserved: <X_H, grad C> = 0 [{names}]", drtol, casimir_flow)
    return VerificationReport(system.name, tuple(checks), n_examples, seed)
