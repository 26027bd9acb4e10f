"""The catalog: factory functions for the classical Lie algebras.

Every factory validates its arguments and returns a ready algebra: :class:`SO3` and
:class:`Heisenberg` (closed forms), :class:`UnitaryAlgebra` (matrix representation, for large
``n``) or :class:`StructureConstantsAlgebra` (dense constants) with a name and known Casimirs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

import numpy as np

from .._validation import _describe, as_finite_array, check_int
from ..exceptions import InvalidArgumentError, InvalidStructureConstantsError, ShapeError
from .base import LieAlgebra
from .heisenberg import Heisenberg
from .so3 import SO3
from .structure_constants import StructureConstantsAlgebra, _trace_form_weights
from .unitary import UnitaryAlgebra, _TracePower

__all__ = [
    "so3",
    "heisenberg",
    "so",
    "sp",
    "se",
    "se3",
    "su",
    "u",
    "sl",
    "gl",
    "direct_sum",
    "semidirect_product",
]


# ------------------------------------------------------------------- helpers
@dataclass(frozen=True, eq=False)
class _Restricted:
    """``f`` applied to the block ``mu[..., start:stop]`` read as a covector of ``algebra``."""

    f: Callable[[np.ndarray], np.ndarray]
    algebra: LieAlgebra = field(repr=False)
    start: int
    stop: int

    def __call__(self, mu: np.ndarray) -> np.ndarray:
        block = np.asarray(mu)[..., self.start : self.stop]
        return self.f(self.algebra.dual_from_coords(block))


@dataclass(frozen=True, eq=False)
class _Quadratic:
    """:math:`\\mu \\mapsto \\mu^T Q \\mu` on coefficient vectors."""

    Q: np.ndarray = field(repr=False)

    def __call__(self, mu: np.ndarray) -> np.ndarray:
        mu = np.asarray(mu)
        return np.einsum("...i,ij,...j->...", mu, self.Q, mu)


@dataclass(frozen=True, eq=False)
class _BlockDot:
    """:math:`\\mu \\mapsto \\mu_{[a]} \\cdot \\mu_{[b]}` for two equal-length coefficient blocks."""

    first: slice
    second: slice

    def __call__(self, mu: np.ndarray) -> np.ndarray:
        mu = np.asarray(mu)
        return np.sum(mu[..., self.first] * mu[..., self.second], axis=-1)


def _matrix_basis_constants(basis: np.ndarray) -> np.ndarray:
    """Structure constants of a real matrix basis ``(dim, n, n)`` closed under commutators.

    ``C[a, b, c]`` with :math:`[B_a, B_b] = \\sum_c C_{abc} B_c`, the orthogonal projection
    (Frobenius inner product) onto the basis; exact for orthogonal bases of integer matrices,
    and round-off below ``1e-13`` relative is zeroed.
    """
    dim = basis.shape[0]
    flat = basis.reshape(dim, -1)
    products = np.einsum("aij,bjk->abik", basis, basis)
    commutators = (products - np.swapaxes(products, 0, 1)).reshape(dim * dim, -1)
    coeffs = np.linalg.solve(flat @ flat.T, flat @ commutators.T)  # (c, a * dim + b)
    C = np.ascontiguousarray(coeffs.T.reshape(dim, dim, dim))
    C[np.abs(C) < 1e-13 * max(1.0, float(np.max(np.abs(C))))] = 0.0
    return C


def _trace_power_casimirs(basis: np.ndarray, scale: float, powers) -> dict:
    weights = _trace_form_weights(basis, scale)
    return {f"tr M^{k}": _TracePower(k, weights) for k in powers}


def _skew_symmetric_basis(n: int) -> np.ndarray:
    """geomstats' basis of the skew-symmetric ``n x n`` matrices, as a float array."""
    from geomstats.geometry.skew_symmetric_matrices import SkewSymmetricMatrices

    return np.array(SkewSymmetricMatrices(n).basis, dtype=float)


def _check_algebra(name: str, value) -> LieAlgebra:
    if not isinstance(value, LieAlgebra):
        raise InvalidArgumentError(f"{name} must be a LieAlgebra, got {_describe(value)}")
    return value


# ------------------------------------------------------------------- factories
def so3() -> SO3:
    """so(3), with :math:`[x, y] = x \\times y` and closed-form coadjoint functions.

    Examples
    --------
    >>> from liepoisson import so3
    >>> so3().dim
    3
    """
    return SO3()


def heisenberg(n: int = 1) -> Heisenberg:
    """The Heisenberg algebra of dimension :math:`2n + 1`, central element last.

    Parameters
    ----------
    n : int
        Degrees of freedom, ``n >= 1``.

    Examples
    --------
    >>> from liepoisson import heisenberg
    >>> heisenberg(2).dim
    5
    """
    return Heisenberg(check_int("n", n, minimum=1))


def so(n: int) -> StructureConstantsAlgebra:
    """so(n), the skew-symmetric real :math:`n \\times n` matrices, dimension :math:`n(n-1)/2`.

    The basis :math:`B_a` is that of geomstats' ``SkewSymmetricMatrices(n)``: the matrices
    :math:`E_{ji} - E_{ij}`-type generators, orthonormal for
    :math:`(X, Y) \\mapsto -\\tfrac12\\operatorname{tr}(XY)`. For ``n = 3`` it is the hat map of
    the standard basis, so ``so(3)`` has the same constants :math:`C_{ijk} = \\varepsilon_{ijk}`
    as :func:`so3` (the identity map between the two; :func:`so3` adds closed forms).

    Casimirs: with :math:`M(\\mu) = \\sum_a \\mu_a B_a` (the covector as a skew matrix, through
    the invariant form above), ``"tr M^2k"`` :math:`= \\operatorname{tr} M(\\mu)^{2k}` for
    :math:`k = 1, \\dots, \\lfloor n/2\\rfloor` (odd powers vanish). For odd ``n`` they
    generate all Casimirs; for even :math:`n = 2m` the generators are the powers up to
    :math:`2m - 2` and the Pfaffian of :math:`M`, which is not included.

    Parameters
    ----------
    n : int
        ``n >= 2``.

    Returns
    -------
    StructureConstantsAlgebra

    Raises
    ------
    InvalidArgumentError
        If ``n`` is not an integer ``>= 2``.

    Examples
    --------
    >>> import numpy as np
    >>> from liepoisson import so, so3
    >>> g = so(4)
    >>> g.name, g.dim
    ('so(4)', 6)
    >>> bool(np.array_equal(so(3).structure_constants(), so3().structure_constants()))
    True
    >>> sorted(g.casimirs())
    ['tr M^2', 'tr M^4']
    """
    n = check_int("n", n, minimum=2)
    basis = _skew_symmetric_basis(n)
    return StructureConstantsAlgebra(
        _matrix_basis_constants(basis),
        name=f"so({n})",
        casimirs=_trace_power_casimirs(basis, -0.5, range(2, n + 1, 2)),
        representation=basis,
        form=np.eye(n),
    )


def _symplectic_form(n: int) -> np.ndarray:
    """:math:`J = \\begin{pmatrix} 0 & I \\\\ -I & 0 \\end{pmatrix}`, ``n x n`` (``n`` even)."""
    m = n // 2
    J = np.zeros((n, n))
    J[:m, m:], J[m:, :m] = np.eye(m), -np.eye(m)
    return J


def sp(n: int) -> StructureConstantsAlgebra:
    """sp(n), the Hamiltonian real :math:`n \\times n` matrices (``n`` even),
    :math:`X^T J + J X = 0`: the algebra of the symplectic group, dimension :math:`n(n+1)/2`.

    Basis: :math:`B = J S` for the symmetric matrices :math:`S = E_{ii}` and
    :math:`E_{ij} + E_{ji}` (:math:`i < j`, in row order), orthogonal for the Frobenius inner
    product. The group is quadratic, so the algebra has the Cayley chart (the
    ``representation`` and ``form`` :math:`J` of :class:`StructureConstantsAlgebra`).

    Casimirs: with :math:`M(\\mu)` the covector as a Hamiltonian matrix through the invariant
    form :math:`\\operatorname{tr}(XY)`, ``"tr M^2k"`` :math:`= \\operatorname{tr} M(\\mu)^{2k}`
    for :math:`k = 1, \\dots, n/2` (odd powers vanish); they generate all Casimirs.

    Parameters
    ----------
    n : int
        Even, ``n >= 2`` (``sp(2)`` is isomorphic to ``sl(2)``).

    Returns
    -------
    StructureConstantsAlgebra

    Raises
    ------
    InvalidArgumentError
        If ``n`` is not an even integer ``>= 2``.

    Examples
    --------
    >>> from liepoisson import sp
    >>> g = sp(4)
    >>> g.name, g.dim, g.has_cayley
    ('sp(4)', 10, True)
    >>> sorted(g.casimirs())
    ['tr M^2', 'tr M^4']
    """
    n = check_int("n", n, minimum=2)
    if n % 2:
        raise InvalidArgumentError(f"n must be even for sp(n) (the symplectic matrices are 2m x 2m), got {n}")
    J = _symplectic_form(n)
    symmetric = []
    for i in range(n):
        for j in range(i, n):
            S = np.zeros((n, n))
            S[i, j] = S[j, i] = 1.0
            symmetric.append(S)
    basis = J @ np.array(symmetric)
    return StructureConstantsAlgebra(
        _matrix_basis_constants(basis),
        name=f"sp({n})",
        casimirs=_trace_power_casimirs(basis, 1.0, range(2, n + 1, 2)),
        representation=basis,
        form=J,
    )


def semidirect_product(
    g: LieAlgebra,
    representation,
    name: str | None = None,
    casimirs: Mapping[str, Callable[[np.ndarray], np.ndarray]] | None = None,
    rtol: float = 1e-10,
) -> StructureConstantsAlgebra:
    """The semidirect product :math:`\\mathfrak g \\ltimes_\\rho \\mathbb R^m`.

    Basis :math:`e_1, \\dots, e_d` of :math:`\\mathfrak g` first, then the standard basis
    :math:`f_1, \\dots, f_m` of :math:`\\mathbb R^m` (vector part last), with

    .. math::

        [(x, u), (y, v)] = ([x, y],\\ \\rho(x)v - \\rho(y)u),

    i.e. :math:`[e_a, f_j] = \\sum_i \\rho(e_a)_{ij} f_i` and :math:`[f_i, f_j] = 0`.

    Parameters
    ----------
    g : LieAlgebra
        The acting algebra (its :meth:`~LieAlgebra.structure_constants` are used).
    representation : array_like of shape (g.dim, m, m)
        The real matrices :math:`\\rho(e_a)`; they must satisfy
        :math:`[\\rho(e_a), \\rho(e_b)] = \\sum_c C_{abc}\\,\\rho(e_c)`.
    name : str, optional
        Defaults to ``"<g> x| R^m"``.
    casimirs : mapping of str to callable, optional
        Known Casimirs of the result (none are derived in general).
    rtol : float
        Tolerance of the representation check, relative to
        :math:`\\max(1, \\max|\\rho|)^2\\max(1, \\max|C|)`.

    Returns
    -------
    StructureConstantsAlgebra
        Of dimension ``g.dim + m``.

    Raises
    ------
    ShapeError
        If ``representation`` does not have shape ``(g.dim, m, m)``.
    InvalidStructureConstantsError
        If the matrices do not form a representation; the message names the worst pair
        ``(a, b)`` and its residual.

    Examples
    --------
    The affine algebra of the line, :math:`\\mathbb R \\ltimes \\mathbb R`:

    >>> import numpy as np
    >>> from liepoisson import StructureConstantsAlgebra, semidirect_product
    >>> line = StructureConstantsAlgebra(np.zeros((1, 1, 1)), name="R")
    >>> aff = semidirect_product(line, np.ones((1, 1, 1)))
    >>> aff.bracket(np.array([1.0, 0.0]), np.array([0.0, 1.0]))
    array([0., 1.])
    """
    g = _check_algebra("g", g)
    rep = as_finite_array("representation", representation)
    if rep.dtype.kind == "c":
        raise InvalidArgumentError("representation must be real, got a complex array")
    d = g.dim
    if rep.ndim != 3 or rep.shape[0] != d or rep.shape[1] != rep.shape[2] or rep.shape[1] < 1:
        raise ShapeError(
            f"representation must have shape (g.dim, m, m) = ({d}, m, m) with m >= 1, "
            f"got shape {rep.shape}"
        )
    rep = rep.astype(float)
    Cg = np.asarray(g.structure_constants(), dtype=float)
    products = np.einsum("aij,bjk->abik", rep, rep)
    residual = products - np.swapaxes(products, 0, 1) - np.einsum("abc,cij->abij", Cg, rep)
    per_pair = np.max(np.abs(residual), axis=(2, 3))
    a, b = np.unravel_index(np.argmax(per_pair), per_pair.shape)
    scale = max(1.0, float(np.max(np.abs(rep)))) ** 2 * max(1.0, float(np.max(np.abs(Cg))))
    if per_pair[a, b] > rtol * scale:
        raise InvalidStructureConstantsError(
            f"representation is not a representation of {g.name}: worst pair (a, b) = "
            f"({a}, {b}), residual max |[rho_a, rho_b] - sum_c C[a,b,c] rho_c| = "
            f"{per_pair[a, b]:.3e}"
        )
    m = rep.shape[1]
    C = np.zeros((d + m,) * 3)
    C[:d, :d, :d] = Cg
    C[:d, d:, d:] = np.swapaxes(rep, 1, 2)  # C[a, d+j, d+i] = rho_a[i, j]
    C[d:, :d, d:] = -np.transpose(rep, (2, 0, 1))  # C[d+j, a, d+i] = -rho_a[i, j]
    return StructureConstantsAlgebra(
        C, name=name if name is not None else f"{g.name} x| R^{m}", casimirs=casimirs, rtol=rtol
    )


def se(n: int) -> StructureConstantsAlgebra:
    """se(n) = so(n) ⋉ R^n with the defining representation, dimension :math:`n(n+1)/2`.

    Built by :func:`semidirect_product` of :func:`so` with :math:`\\rho(B_a) = B_a`:
    coefficients :math:`(\\Omega, v)`, rotation part first, and
    :math:`[(\\Omega_1, v_1), (\\Omega_2, v_2)] = ([\\Omega_1, \\Omega_2], \\Omega_1 v_2 - \\Omega_2 v_1)`.
    Dual coefficients :math:`(\\Pi, \\Gamma)`. Casimir: ``"Gamma.Gamma"``
    :math:`= |\\Gamma|^2`; for ``n = 3`` also ``"Pi.Gamma"`` (see :func:`se3`).

    Parameters
    ----------
    n : int
        ``n >= 2``.

    Raises
    ------
    InvalidArgumentError
        If ``n`` is not an integer ``>= 2``.

    Examples
    --------
    >>> from liepoisson import se
    >>> g = se(2)
    >>> g.name, g.dim, sorted(g.casimirs())
    ('se(2)', 3, ['Gamma.Gamma'])
    """
    n = check_int("n", n, minimum=2)
    rotations = so(n)
    d = rotations.dim
    casimirs = {"Gamma.Gamma": _BlockDot(slice(d, None), slice(d, None))}
    if n == 3:
        casimirs["Pi.Gamma"] = _BlockDot(slice(0, d), slice(d, None))
    return semidirect_product(
        rotations, _skew_symmetric_basis(n), name=f"se({n})", casimirs=casimirs
    )


def se3() -> StructureConstantsAlgebra:
    """se(3) = so(3) ⋉ R^3, the algebra of the heavy top.

    Coefficients :math:`(\\omega, v)`, with
    :math:`[(\\omega_1, v_1), (\\omega_2, v_2)] = (\\omega_1\\times\\omega_2,\\
    \\omega_1\\times v_2 - \\omega_2\\times v_1)`; dual coefficients :math:`(\\Pi, \\Gamma)`.
    For :math:`\\nabla H = (\\Omega, \\partial H/\\partial\\Gamma)` the Lie–Poisson equation
    reads

    .. math::

        \\dot\\Pi = \\Pi\\times\\Omega + \\Gamma\\times\\frac{\\partial H}{\\partial\\Gamma},
        \\qquad \\dot\\Gamma = \\Gamma\\times\\Omega .

    Casimirs: ``"Gamma.Gamma"`` :math:`= |\\Gamma|^2` and ``"Pi.Gamma"`` :math:`= \\Pi\\cdot\\Gamma`.

    Examples
    --------
    >>> import numpy as np
    >>> from liepoisson import se3
    >>> g = se3()
    >>> x = np.array([0.0, 0, 1, 0, 0, 0]); y = np.array([0.0, 0, 0, 1, 0, 0])
    >>> g.bracket(x, y)          # e_z x e_x = e_y in the vector part
    array([0., 0., 0., 0., 1., 0.])
    """
    return se(3)


def su(n: int) -> UnitaryAlgebra:
    """su(n) as traceless skew-Hermitian matrices, dimension :math:`n^2 - 1`.

    See :class:`UnitaryAlgebra` for the conventions (pairing
    :math:`\\operatorname{Im}\\operatorname{tr}(\\rho\\xi)`, Gell-Mann-type coordinates) and the
    Casimirs :math:`\\operatorname{tr}\\rho^k`.

    Parameters
    ----------
    n : int
        ``n >= 2``.

    Raises
    ------
    InvalidArgumentError
        If ``n`` is not an integer ``>= 2``.

    Examples
    --------
    >>> from liepoisson import su
    >>> g = su(3)
    >>> g.name, g.dim, g.shape
    ('su(3)', 8, (3, 3))
    """
    return UnitaryAlgebra(check_int("n", n, minimum=2), special=True)


def u(n: int) -> UnitaryAlgebra:
    """u(n) as skew-Hermitian matrices, dimension :math:`n^2`.

    See :class:`UnitaryAlgebra`; :math:`\\mathfrak u(n)^*` is identified with the Hermitian
    matrices (density matrices for the NLS model).

    Parameters
    ----------
    n : int
        ``n >= 1``.

    Raises
    ------
    InvalidArgumentError
        If ``n`` is not an integer ``>= 1``.

    Examples
    --------
    >>> from liepoisson import u
    >>> g = u(2)
    >>> g.name, g.dim, sorted(g.casimirs())
    ('u(2)', 4, ['tr rho^1', 'tr rho^2'])
    """
    return UnitaryAlgebra(check_int("n", n, minimum=1), special=False)


def sl(n: int) -> StructureConstantsAlgebra:
    """sl(n), the traceless real :math:`n \\times n` matrices, dimension :math:`n^2 - 1`.

    Basis: :math:`E_{ij}` for :math:`i \\neq j` (row-major order), then
    :math:`E_{ii} - E_{i+1,i+1}` for :math:`i = 0, \\dots, n-2`.

    Casimirs: ``"killing"`` :math:`= \\mu^T K^{-1}\\mu` with :math:`K` the Killing form (the
    quadratic Casimir), and ``"tr M^k"`` :math:`= \\operatorname{tr} M(\\mu)^k` for
    :math:`k = 2, \\dots, n` (a generating set), where :math:`M(\\mu)` is the traceless matrix
    with :math:`\\operatorname{tr}(M(\\mu) B_a) = \\mu_a` for every basis matrix. Since
    :math:`K(X, Y) = 2n\\operatorname{tr}(XY)`, ``killing`` equals ``tr M^2 / (2n)``.

    Parameters
    ----------
    n : int
        ``n >= 2``.

    Raises
    ------
    InvalidArgumentError
        If ``n`` is not an integer ``>= 2``.

    Examples
    --------
    >>> import numpy as np
    >>> from liepoisson import sl
    >>> g = sl(2)                        # basis E_01, E_10, H = E_00 - E_11
    >>> g.bracket(np.array([1.0, 0, 0]), np.array([0, 1.0, 0]))   # [E, F] = H
    array([0., 0., 1.])
    >>> sorted(g.casimirs())
    ['killing', 'tr M^2']
    """
    n = check_int("n", n, minimum=2)
    off_rows, off_cols = np.nonzero(~np.eye(n, dtype=bool))
    basis = np.zeros((n * n - 1, n, n))
    k = off_rows.size
    basis[np.arange(k), off_rows, off_cols] = 1.0
    idx = np.arange(n - 1)
    basis[k + idx, idx, idx] = 1.0
    basis[k + idx, idx + 1, idx + 1] = -1.0
    C = _matrix_basis_constants(basis)
    killing = np.einsum("ikl,jlk->ij", C, C)
    casimirs = {"killing": _Quadratic(np.linalg.inv(killing))}
    casimirs.update(_trace_power_casimirs(basis, 1.0, range(2, n + 1)))
    return StructureConstantsAlgebra(C, name=f"sl({n})", casimirs=casimirs)


def gl(n: int) -> StructureConstantsAlgebra:
    """gl(n), all real :math:`n \\times n` matrices, dimension :math:`n^2`.

    Basis :math:`E_{ij}` in row-major order (index :math:`in + j`), so
    :math:`[E_{ij}, E_{kl}] = \\delta_{jk}E_{il} - \\delta_{li}E_{kj}`.

    Casimirs: ``"tr M^k"`` :math:`= \\operatorname{tr} M(\\mu)^k` for :math:`k = 1, \\dots, n`,
    where :math:`M(\\mu)` is the matrix of :math:`\\mu` for the trace pairing,
    :math:`\\mu(\\xi) = \\operatorname{tr}(M(\\mu)\\,\\xi)`, i.e. :math:`M(\\mu)_{ji} = \\mu_{in+j}`
    (the transpose of ``mu.reshape(n, n)``). The coadjoint action is
    :math:`M \\mapsto e^{-\\xi} M e^{\\xi}`, hence the invariance.

    Parameters
    ----------
    n : int
        ``n >= 1``.

    Raises
    ------
    InvalidArgumentError
        If ``n`` is not an integer ``>= 1``.

    Examples
    --------
    >>> import numpy as np
    >>> from liepoisson import gl
    >>> g = gl(2)
    >>> mu = np.array([1.0, 2.0, 3.0, 4.0])
    >>> float(g.casimirs()["tr M^1"](mu)), float(g.casimirs()["tr M^2"](mu))
    (5.0, 29.0)
    """
    n = check_int("n", n, minimum=1)
    basis = np.eye(n * n).reshape(n * n, n, n)
    return StructureConstantsAlgebra(
        _matrix_basis_constants(basis),
        name=f"gl({n})",
        casimirs=_trace_power_casimirs(basis, 1.0, range(1, n + 1)),
    )


def direct_sum(g: LieAlgebra, h: LieAlgebra, name: str | None = None) -> StructureConstantsAlgebra:
    """The direct sum :math:`\\mathfrak g \\oplus \\mathfrak h` (block-diagonal constants).

    Coefficients of :math:`\\mathfrak g` first (``mu[..., :g.dim]``), then those of
    :math:`\\mathfrak h`. Casimirs: those of both summands, named ``"g.<name>"`` and
    ``"h.<name>"``, evaluated on the corresponding block (converted with the summand's
    :meth:`~LieAlgebra.dual_from_coords`, so matrix algebras work too).

    Parameters
    ----------
    g, h : LieAlgebra
    name : str, optional
        Defaults to ``"<g> + <h>"``.

    Returns
    -------
    StructureConstantsAlgebra
        Of dimension ``g.dim + h.dim``.

    Examples
    --------
    >>> from liepoisson import direct_sum, heisenberg, so3
    >>> g = direct_sum(so3(), heisenberg(1))
    >>> g.name, g.dim, sorted(g.casimirs())
    ('so(3) + heisenberg(1)', 6, ['g.|mu|^2', 'h.central'])
    """
    g = _check_algebra("g", g)
    h = _check_algebra("h", h)
    d, e = g.dim, h.dim
    C = np.zeros((d + e,) * 3)
    C[:d, :d, :d] = g.structure_constants()
    C[d:, d:, d:] = h.structure_constants()
    casimirs = {f"g.{key}": _Restricted(f, g, 0, d) for key, f in g.casimirs().items()}
    casimirs.update({f"h.{key}": _Restricted(f, h, d, d + e) for key, f in h.casimirs().items()})
    return StructureConstantsAlgebra(
        C, name=name if name is not None else f"{g.name} + {h.name}", casimirs=casimirs
    )
