"""Polynomial Casimir functions of :math:`\\mathfrak g^*`, found by linear algebra.

A function :math:`C` on :math:`\\mathfrak g^*` is a Casimir when it Poisson-commutes with
every function, equivalently with the coordinate functions :math:`\\mu_i`:

.. math::

    \\{C, \\mu_i\\}(\\mu) = \\sum_{j,k} C_{ijk}\\,\\mu_k\\,\\frac{\\partial C}{\\partial \\mu_j} = 0
    \\quad\\text{for all } i .

The operator :math:`C \\mapsto \\{C, \\mu_i\\}` maps homogeneous polynomials of degree
:math:`d` to homogeneous polynomials of degree :math:`d`, so the Casimirs of degree
:math:`d` are the null space of a matrix with ``dim * M`` rows and :math:`M = \\binom{\\dim
+ d - 1}{d}` columns (one per monomial). :func:`find_casimirs` builds that matrix, takes
its null space by SVD, and brings the basis to reduced row echelon form with near-rational
coefficients snapped to exact ones.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from fractions import Fraction
from math import comb
from typing import final

import numpy as np
import scipy.linalg

from .._validation import _describe, check_int, check_real
from ..exceptions import InvalidArgumentError
from .base import LieAlgebra

__all__ = ["PolynomialCasimir", "find_casimirs", "MAX_MONOMIALS"]

#: Default limit on the number of monomials of the highest degree searched.
MAX_MONOMIALS = 800

# Largest denominator of the rationals that coefficients are snapped to.
_MAX_DENOMINATOR = 48
# A column becomes a pivot of the echelon form only if its entry exceeds this (the null
# space basis is orthonormal, so genuine pivots are O(1) and noise is O(1e-15)).
_PIVOT_TOL = 1e-8


@final
@dataclass(frozen=True, eq=False)
class PolynomialCasimir:
    """A homogeneous polynomial Casimir :math:`C(\\mu) = \\sum_t a_t\\,\\mu^{\\alpha_t}` (final).

    The variables are the dual coordinates ``algebra.dual_to_coords(mu)``, printed as
    ``mu0, mu1, ...``.

    Parameters
    ----------
    algebra : LieAlgebra
        The algebra on whose dual the function lives.
    degree : int
        The common degree :math:`|\\alpha_t|` of the monomials.
    exponents : ndarray of shape (n_terms, dim), int
        Row ``t`` is the exponent vector :math:`\\alpha_t`.
    coefficients : ndarray of shape (n_terms,)
        The coefficients :math:`a_t` (all nonzero).

    Examples
    --------
    >>> import numpy as np
    >>> from liepoisson import so3, find_casimirs
    >>> (c,) = find_casimirs(so3())
    >>> print(c)
    mu0^2 + mu1^2 + mu2^2
    >>> float(c(np.array([1.0, 2.0, 2.0])))
    9.0
    >>> c.gradient(np.array([1.0, 2.0, 2.0]))
    array([2., 4., 4.])
    """

    algebra: LieAlgebra
    degree: int
    exponents: np.ndarray
    coefficients: np.ndarray

    def __post_init__(self):
        if not isinstance(self.algebra, LieAlgebra):
            raise InvalidArgumentError(f"algebra must be a LieAlgebra, got {_describe(self.algebra)}")
        object.__setattr__(self, "degree", check_int("degree", self.degree, minimum=0))
        exponents = np.array(self.exponents, dtype=np.int64).reshape(-1, self.algebra.dim)
        coefficients = np.array(self.coefficients, dtype=float).reshape(-1)
        if exponents.shape[0] != coefficients.shape[0]:
            raise InvalidArgumentError(
                f"exponents and coefficients must have the same number of terms, got "
                f"{exponents.shape[0]} and {coefficients.shape[0]}"
            )
        if np.any(exponents < 0) or np.any(exponents.sum(axis=1) != self.degree):
            raise InvalidArgumentError(
                f"exponents must be nonnegative with row sums equal to degree={self.degree}"
            )
        exponents.setflags(write=False)
        coefficients.setflags(write=False)
        object.__setattr__(self, "exponents", exponents)
        object.__setattr__(self, "coefficients", coefficients)

    def __call__(self, mu: np.ndarray) -> np.ndarray:
        """Value :math:`C(\\mu)`.

        Parameters
        ----------
        mu : ndarray of shape (..., *algebra.shape)

        Returns
        -------
        ndarray of shape (...)
        """
        c = np.asarray(self.algebra.dual_to_coords(mu))
        monomials = np.prod(c[..., None, :] ** self.exponents, axis=-1)  # (..., n_terms)
        return monomials @ self.coefficients

    def gradient(self, mu: np.ndarray) -> np.ndarray:
        """Exact gradient :math:`\\nabla C(\\mu) \\in \\mathfrak g`.

        Parameters
        ----------
        mu : ndarray of shape (..., *algebra.shape)

        Returns
        -------
        ndarray of shape (..., *algebra.shape)
            The element :math:`\\xi` with ``to_coords(xi)[j]`` :math:`= \\partial C /
            \\partial \\mu_j`, so that :math:`\\langle \\delta\\mu, \\xi\\rangle = DC(\\mu)\\,
            \\delta\\mu`.
        """
        c = np.asarray(self.algebra.dual_to_coords(mu))
        dim = self.algebra.dim
        # lowered[j, t] = alpha_t - e_j (clipped at 0 where alpha_tj = 0: weight 0 there)
        lowered = np.maximum(self.exponents[None, :, :] - np.eye(dim, dtype=np.int64)[:, None, :], 0)
        weights = self.exponents.T * self.coefficients  # (dim, n_terms)
        monomials = np.prod(c[..., None, None, :] ** lowered, axis=-1)  # (..., dim, n_terms)
        return self.algebra.from_coords(np.sum(monomials * weights, axis=-1))

    def __str__(self) -> str:
        if self.coefficients.size == 0:
            return "0"
        text = ""
        for alpha, a in zip(self.exponents, self.coefficients):
            factors = "*".join(
                f"mu{k}" if e == 1 else f"mu{k}^{e}" for k, e in enumerate(alpha) if e > 0
            )
            magnitude = _format_coefficient(abs(a))
            term = factors if magnitude == "1" else f"{magnitude}*{factors}"
            if not text:
                text = f"-{term}" if a < 0 else term
            else:
                text += f" - {term}" if a < 0 else f" + {term}"
        return text

    def __repr__(self) -> str:
        return f"PolynomialCasimir({self.algebra.name}, degree={self.degree}: {self})"


def _format_coefficient(value: float) -> str:
    """``1``, ``2``, ``1/3`` for exact small rationals, else six significant digits."""
    f = Fraction(value).limit_denominator(_MAX_DENOMINATOR)
    if float(f) == value:
        return str(f.numerator) if f.denominator == 1 else f"{f.numerator}/{f.denominator}"
    return f"{value:.6g}"


def _monomials(dim: int, degree: int) -> np.ndarray:
    """Exponent vectors of the degree-``degree`` monomials in ``dim`` variables, shape
    ``(M, dim)``, in lexicographic order of their variable multisets (``mu0^2`` first)."""
    combos = list(itertools.combinations_with_replacement(range(dim), degree))
    exps = np.zeros((len(combos), dim), dtype=np.int64)
    for row, combo in enumerate(combos):
        for k in combo:
            exps[row, k] += 1
    return exps


def _casimir_operator(C: np.ndarray, exps: np.ndarray) -> np.ndarray:
    """The matrix of :math:`P \\mapsto (\\{P, \\mu_i\\})_i` on homogeneous polynomials.

    Returns an array of shape ``(dim * M, M)``: row ``(i, beta)``, column ``alpha`` holds
    the coefficient of :math:`\\mu^\\beta` in :math:`\\{\\mu^\\alpha, \\mu_i\\} = \\sum_{j,k}
    C_{ijk}\\,\\alpha_j\\,\\mu^{\\alpha - e_j + e_k}`.
    """
    dim = C.shape[0]
    M = exps.shape[0]
    index = {tuple(alpha): m for m, alpha in enumerate(exps)}
    A = np.zeros((dim, M, M))
    for col, alpha in enumerate(exps):
        for j in np.flatnonzero(alpha):
            lowered = alpha.copy()
            lowered[j] -= 1
            for k in range(dim):
                lowered[k] += 1
                A[:, index[tuple(lowered)], col] += alpha[j] * C[:, j, k]
                lowered[k] -= 1
    return A.reshape(dim * M, M)


def _null_space(A: np.ndarray, rcond: float) -> tuple[np.ndarray, float]:
    """Orthonormal basis of the null space of ``A`` (shape ``(rows, M)``) and ``||A||_2``.

    The right singular vectors whose singular values are at most ``rcond`` times the
    largest, as in :func:`scipy.linalg.null_space`, but from the economy-size SVD (the full
    one would form a ``(rows, rows)`` factor: 370 MB for so(5) at degree 4).
    """
    M = A.shape[1]
    if A.shape[0] < M:
        A = np.vstack([A, np.zeros((M - A.shape[0], M))])
    _, s, Vh = scipy.linalg.svd(A, full_matrices=False)
    smax = float(s[0]) if s.size else 0.0
    rank = int(np.sum(s > rcond * smax))
    return Vh[rank:].T, (smax if smax > 0 else 1.0)


def _echelon(basis: np.ndarray) -> np.ndarray:
    """Reduced row echelon form of the rows of ``basis`` (shape ``(r, M)``, full row rank).

    Gauss–Jordan elimination with partial pivoting, taking columns in order and skipping
    those whose remaining entries are below ``_PIVOT_TOL``; if that finds fewer than ``r``
    pivots, the pivots of a column-pivoted QR factorisation are used instead.
    """
    r, M = basis.shape
    B = basis.copy()
    pivots: list[int] = []
    row = 0
    for col in range(M):
        if row == r:
            break
        p = row + int(np.argmax(np.abs(B[row:, col])))
        if abs(B[p, col]) <= _PIVOT_TOL:
            continue
        B[[row, p]] = B[[p, row]]
        B[row] /= B[row, col]
        others = np.arange(r) != row
        B[others] -= np.outer(B[others, col], B[row])
        pivots.append(col)
        row += 1
    if row < r:
        _, _, perm = scipy.linalg.qr(basis, pivoting=True, mode="economic")
        pivots = sorted(int(p) for p in perm[:r])
    return np.linalg.solve(basis[:, pivots], basis)


def _snap(coefficients: np.ndarray, tol: float) -> np.ndarray:
    """Replace coefficients within ``tol`` (relative) of a rational with denominator at most
    ``_MAX_DENOMINATOR`` by that rational; zero those below ``tol``."""
    out = coefficients.copy()
    for idx, v in enumerate(coefficients):
        f = float(Fraction(float(v)).limit_denominator(_MAX_DENOMINATOR))
        if abs(v - f) <= tol * max(1.0, abs(v)):
            out[idx] = f
    return out


def find_casimirs(
    algebra: LieAlgebra,
    max_degree: int = 2,
    tol: float = 1e-9,
    max_monomials: int = MAX_MONOMIALS,
) -> list[PolynomialCasimir]:
    """A basis of the homogeneous polynomial Casimirs of degrees ``1..max_degree``.

    For each degree :math:`d`, the coefficients of a homogeneous polynomial :math:`C` of
    degree :math:`d` in the dual coordinates must satisfy the linear equations

    .. math::

        \\sum_{j,k} C_{ijk}\\,\\mu_k\\,\\frac{\\partial C}{\\partial \\mu_j} = 0
        \\quad (i = 1, \\dots, \\dim),

    identically in :math:`\\mu`. Their null space is computed by SVD (the right singular
    vectors with singular values at most ``tol`` times the largest, as
    :func:`scipy.linalg.null_space` does, from the economy-size factorisation) and brought to reduced row echelon form in the
    lexicographic order of monomials (``mu0^2, mu0*mu1, ...``), so each returned Casimir
    has a leading coefficient 1 and the Casimirs of one degree are linearly independent;
    coefficients within ``tol`` of a rational with denominator at most 48 are replaced by
    it. The result is the **full basis at each degree**: it includes products of
    lower-degree Casimirs (for Heisenberg, the central coordinate :math:`\\gamma` at degree
    1 and :math:`\\gamma^2` at degree 2). Constants (degree 0) are not returned.

    Cost: with :math:`M = \\binom{\\dim + d - 1}{d}` monomials of degree :math:`d`, the
    economy-size SVD of the ``(dim * M, M)`` matrix costs about :math:`6\\dim \\cdot M^3`
    flops and :math:`16\\dim \\cdot M^2` bytes (dim 8, degree 3: :math:`M = 120`,
    milliseconds; dim 10, degree 4: :math:`M = 715`, about a second and 80 MB). Algebras whose top-degree monomial count exceeds ``max_monomials``
    (default :data:`MAX_MONOMIALS` = 800) are refused; raise it knowingly.

    Parameters
    ----------
    algebra : LieAlgebra
    max_degree : int
        Highest degree searched, ``>= 1``.
    tol : float
        Singular values at most ``tol`` times the largest count as zero (null space), and
        the snapping tolerance of coefficients. ``0 < tol < 1``.
    max_monomials : int
        Refuse degrees with more monomials than this (see Cost).

    Returns
    -------
    list of PolynomialCasimir
        Ordered by degree, then by leading monomial.

    Raises
    ------
    InvalidArgumentError
        If ``algebra`` is not a :class:`LieAlgebra`, ``max_degree`` is not an integer
        ``>= 1``, ``tol`` is not in ``(0, 1)``, or the monomial count exceeds
        ``max_monomials``.

    Examples
    --------
    The heavy-top algebra se(3) = so(3) ⋉ R^3 in coordinates (Pi, Gamma):

    >>> import numpy as np
    >>> from liepoisson import StructureConstantsAlgebra, find_casimirs
    >>> C = np.zeros((6, 6, 6))
    >>> for i, j, k in ((0, 1, 2), (1, 2, 0), (2, 0, 1)):
    ...     for a, b, c in ((i, j, k), (i, j + 3, k + 3), (i + 3, j, k + 3)):
    ...         C[a, b, c], C[b, a, c] = 1.0, -1.0
    >>> for cas in find_casimirs(StructureConstantsAlgebra(C)):
    ...     print(cas)
    mu0*mu3 + mu1*mu4 + mu2*mu5
    mu3^2 + mu4^2 + mu5^2
    """
    if not isinstance(algebra, LieAlgebra):
        raise InvalidArgumentError(f"algebra must be a LieAlgebra, got {_describe(algebra)}")
    max_degree = check_int("max_degree", max_degree, minimum=1)
    tol = check_real("tol", tol, positive=True)
    if tol >= 1:
        raise InvalidArgumentError(f"tol must be < 1, got {tol}")
    max_monomials = check_int("max_monomials", max_monomials, minimum=1)
    dim = algebra.dim
    top = comb(dim + max_degree - 1, max_degree)
    if top > max_monomials:
        raise InvalidArgumentError(
            f"algebra {algebra.name} (dim {dim}) is too large for find_casimirs with "
            f"max_degree={max_degree}: {top} monomials of degree {max_degree}, over the limit "
            f"max_monomials={max_monomials} (the cost grows like dim * monomials^3); lower "
            f"max_degree or raise max_monomials"
        )
    C = np.asarray(algebra.structure_constants(), dtype=float)
    found: list[PolynomialCasimir] = []
    for degree in range(1, max_degree + 1):
        exps = _monomials(dim, degree)
        A = _casimir_operator(C, exps)
        A = A[np.any(A != 0, axis=1)]
        null, scale = _null_space(A, tol)
        if null.shape[1] == 0:
            continue
        for coeffs in _echelon(null.T):
            snapped = _snap(coeffs, tol)
            # keep the clean coefficients only if they are (still) a null vector
            if A.shape[0] and np.linalg.norm(A @ snapped) > 100 * tol * scale * np.linalg.norm(coeffs):
                snapped = np.where(np.abs(coeffs) <= tol * np.max(np.abs(coeffs)), 0.0, coeffs)
            keep = snapped != 0
            found.append(PolynomialCasimir(algebra, degree, exps[keep], snapped[keep]))
    return found
