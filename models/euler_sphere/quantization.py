"""The quantized sphere: spin matrices, the Hoppe–Yau Laplacian and its eigenbasis.

The spin :math:`s = (N-1)/2` representation of :math:`\\mathfrak{su}(2)` has Hermitian
generators :math:`S_1, S_2, S_3` with :math:`[S_a, S_b] = i\\varepsilon_{abc}S_c`,
:math:`S_3 = \\operatorname{diag}(s, s-1, \\dots, -s)` (row :math:`i` has
:math:`m_i = s - i`) and :math:`S_1^2 + S_2^2 + S_3^2 = s(s+1)`. The coordinate functions
:math:`x_a` of the unit sphere correspond to :math:`X_a = \\hbar S_a`,
:math:`\\hbar = 1/\\sqrt{s(s+1)} = 2/\\sqrt{N^2 - 1}`, and the Poisson bracket
:math:`\\{x_1, x_2\\} = x_3` to :math:`-\\tfrac{i}{\\hbar}[X_1, X_2] = X_3`.

The quantized (Hoppe–Yau) Laplacian is

.. math::

    \\Delta_N W = -\\sum_{a=1}^3 [S_a, [S_a, W]],

with eigenvalues :math:`-l(l+1)`, :math:`l = 0, \\dots, N-1` (the adjoint representation
splits into spins :math:`l`), each of multiplicity :math:`2l + 1`. It commutes with
:math:`[S_3, \\cdot]`, so it maps the :math:`m`-th diagonal (entries :math:`(i, i+m)`) to
itself, where it is the real symmetric tridiagonal matrix

.. math::

    (\\Delta_N W)_{i,j} = -2\\,(s(s+1) - m_i m_j)\\,W_{i,j}
        + c_{i+1}c_{j+1}W_{i+1,j+1} + c_i c_j W_{i-1,j-1},
    \\qquad c_i = \\sqrt{s(s+1) - m_i(m_i + 1)} .

:class:`QuantizedLaplacian` applies it and solves it diagonal by diagonal, O(N²), with
LDLᵀ factors computed once; :class:`HarmonicBasis` holds its eigenvectors, the matrices
:math:`T_{lm}` of the real spherical harmonics.

The basis. On the upper :math:`m`-th diagonal (:math:`m \\ge 0`) the eigenvector of
:math:`l` is a real unit vector :math:`u_{lm}`, signed so that its first entry is
positive. Then

.. math::

    T_{l0} = \\operatorname{diag}(u_{l0}), \\qquad
    T_{lm} = \\tfrac{1}{\\sqrt2}\\big(U + U^T\\big), \\qquad
    T_{l,-m} = \\tfrac{-i}{\\sqrt2}\\big(U - U^T\\big),

with :math:`U` the matrix holding :math:`u_{lm}` on its upper :math:`m`-th diagonal. They
are Hermitian and orthonormal, :math:`\\operatorname{tr}(T_{lm}T_{l'm'}) =
\\delta_{ll'}\\delta_{mm'}`, and :math:`T_{lm}` corresponds to the real spherical harmonic
:math:`Y_{lm}` (:math:`\\sqrt2(-1)^m\\operatorname{Re}Y_l^m` for :math:`m > 0`,
:math:`\\sqrt2(-1)^m\\operatorname{Im}Y_l^{|m|}` for :math:`m < 0`, Condon–Shortley
phase, orthonormal on the unit sphere). The signs follow from the correspondence: the
rotation generators :math:`L_a = i\\{x_a, \\cdot\\}` act as :math:`[S_a, \\cdot]`, the
highest weight :math:`(x + iy)^l` corresponds to a positive multiple of :math:`S_+^l`
(:math:`S_\\pm = S_1 \\pm iS_2`), :math:`Y_l^l \\propto (-1)^l (x+iy)^l`, and each lowering
:math:`L_- Y_l^m = \\sqrt{(l+m)(l-m+1)}\\,Y_l^{m-1}`, i.e. :math:`[S_-, \\cdot]`, flips the
sign of the first entry of a diagonal, so the complex :math:`T_l^m` has first entry of sign
:math:`(-1)^m`, and the real combinations have a positive one.

A function :math:`\\omega = \\sum_{lm}\\omega_{lm}Y_{lm}` corresponds to the Hermitian matrix
:math:`\\Omega = \\sum_{lm}\\omega_{lm}T_{lm}` (:math:`l \\le N - 1`): the map is an isometry
from :math:`L^2(S^2)` (band-limited) to the trace inner product. Coefficients are stored
as arrays of length :math:`(L+1)^2` with :math:`\\omega_{lm}` at index :math:`l(l+1) + m`
(:func:`harmonic_index`).

Examples
--------
>>> import numpy as np
>>> from liepoisson_models.euler_sphere.quantization import QuantizedLaplacian, HarmonicBasis
>>> lap, basis = QuantizedLaplacian(6), HarmonicBasis(6)
>>> T = basis.matrix(3, -2)
>>> bool(np.allclose(lap.apply(T), -12.0 * T))
True
>>> bool(np.allclose(lap.solve(T), -T / 12.0))
True
"""

from __future__ import annotations

import math

import numba
import numpy as np
import scipy.linalg
import scipy.special

from liepoisson._validation import as_finite_array, check_int, check_memory
from liepoisson.exceptions import InvalidArgumentError, ShapeError

__all__ = [
    "hbar",
    "time_scale",
    "spin_matrices",
    "harmonic_index",
    "harmonic_degrees",
    "QuantizedLaplacian",
    "HarmonicBasis",
    "grid_values",
]

_SQRT2 = math.sqrt(2.0)


def hbar(n: int) -> float:
    """:math:`\\hbar = 2/\\sqrt{N^2 - 1}`, the quantization parameter of the spin
    :math:`(N-1)/2` representation (:math:`X_a = \\hbar S_a` lie on the unit sphere).

    Examples
    --------
    >>> round(hbar(3), 12)
    0.707106781187
    """
    n = check_int("n", n, minimum=2)
    return 2.0 / math.sqrt(n * n - 1.0)


def time_scale(n: int) -> float:
    """:math:`\\kappa = \\hbar\\sqrt{4\\pi/N}`: with orthonormal :math:`T_{lm}`,
    :math:`\\{f, g\\} \\leftrightarrow -\\tfrac{i}{\\kappa}[F, G]`.

    A function :math:`f` corresponds to :math:`F = \\sqrt{4\\pi/N}\\,\\hat f` where
    :math:`\\hat f` is its quantization with :math:`1 \\mapsto I` (for which the bracket is
    :math:`-\\tfrac{i}{\\hbar}[\\cdot, \\cdot]`), hence the factor. It is the time unit of
    Zeitlin's equations in the orthonormal scaling (:mod:`.systems`).

    Examples
    --------
    >>> round(time_scale(2) / hbar(2), 12) == round(math.sqrt(2 * math.pi), 12)
    True
    """
    return hbar(n) * math.sqrt(4.0 * math.pi / n)


def spin_matrices(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The spin :math:`(N-1)/2` generators :math:`S_1, S_2, S_3`, complex arrays of shape
    ``(n, n)``, with :math:`[S_1, S_2] = iS_3` and :math:`S_3 = \\operatorname{diag}(s, \\dots, -s)`.

    Examples
    --------
    >>> S1, S2, S3 = spin_matrices(4)
    >>> bool(np.allclose(S1 @ S2 - S2 @ S1, 1j * S3))
    True
    """
    n = check_int("n", n, minimum=2)
    s = 0.5 * (n - 1)
    m = s - np.arange(n)
    c = _raising(n)
    plus = np.diag(c[1:], 1).astype(complex)  # (S_+)_{i-1, i} = c_i
    minus = plus.T.copy()
    return 0.5 * (plus + minus), -0.5j * (plus - minus), np.diag(m).astype(complex)


def _raising(n: int) -> np.ndarray:
    """:math:`c_i = \\sqrt{s(s+1) - m_i(m_i+1)}`, :math:`m_i = s - i`, shape ``(n,)``
    (:math:`c_0 = 0`)."""
    s = 0.5 * (n - 1)
    m = s - np.arange(n)
    return np.sqrt(np.maximum(s * (s + 1.0) - m * (m + 1.0), 0.0))


def _diagonal_operator(n: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    """The tridiagonal matrix of :math:`\\Delta_N` on the ``m``-th diagonal (``m >= 0``):
    its diagonal (length ``n - m``) and off-diagonal (length ``n - m - 1``)."""
    s = 0.5 * (n - 1)
    mi = s - np.arange(n)
    c = _raising(n)
    k = np.arange(n - m)
    diag = -2.0 * (s * (s + 1.0) - mi[k] * mi[k + m])
    off = c[k[:-1] + 1] * c[k[:-1] + m + 1]
    return diag, off


def harmonic_index(l: int, m: int) -> int:
    """Index of :math:`\\omega_{lm}` in a coefficient array: :math:`l(l+1) + m`.

    Examples
    --------
    >>> harmonic_index(0, 0), harmonic_index(1, -1), harmonic_index(2, 2)
    (0, 1, 8)
    """
    return l * (l + 1) + m


def harmonic_degrees(size: int) -> tuple[np.ndarray, np.ndarray]:
    """The degrees ``l`` and orders ``m`` of a coefficient array of length ``size``
    (a square), two int arrays of shape ``(size,)``.

    Examples
    --------
    >>> harmonic_degrees(4)
    (array([0, 1, 1, 1]), array([ 0, -1,  0,  1]))
    """
    bandwidth = math.isqrt(size)
    if bandwidth * bandwidth != size or size == 0:
        raise ShapeError(f"a coefficient array must have length (L+1)^2 for a degree L >= 0, got {size}")
    l = np.repeat(np.arange(bandwidth), 2 * np.arange(bandwidth) + 1)
    m = np.arange(size) - l * (l + 1)
    return l, m


@numba.njit(cache=True)
def _upper_sweeps(rhs, y, inv_pivot, mult, off, transpose):
    """Solve the tridiagonal system of every diagonal of the upper triangle of ``rhs``
    (of its transpose with ``transpose``) into the upper triangle of ``y``.

    The entry ``(i, i+m)`` is the ``i``-th unknown of the diagonal of offset ``m``, so the
    sweeps run over the rows (row ``i`` from row ``i - 1`` shifted by one column), along
    contiguous memory. The LU factors of the diagonal ``m`` are indexed ``[k, m]``:
    ``mult`` (multipliers of the unit lower factor, ``k >= 1``), ``inv_pivot``
    (reciprocal pivots) and ``off`` (upper off-diagonal, ``k < n - m - 1``).
    """
    n = rhs.shape[0]
    for j in range(n):
        y[0, j] = rhs[j, 0] if transpose else rhs[0, j]
    for i in range(1, n):
        for j in range(i, n):
            value = rhs[j, i] if transpose else rhs[i, j]
            y[i, j] = value - mult[i, j - i] * y[i - 1, j - 1]
    for i in range(n - 1, -1, -1):
        y[i, n - 1] *= inv_pivot[i, n - 1 - i]  # the last unknown of its diagonal
        for j in range(i, n - 1):
            y[i, j] = (y[i, j] - off[i, j - i] * y[i + 1, j + 1]) * inv_pivot[i, j - i]


@numba.njit(cache=True)
def _tridiagonal_kernel(rhs, out, inv_pivot, mult, off):
    """Solve the tridiagonal systems of every diagonal (both triangles) of every matrix of
    ``rhs``, shape ``(batch, n, n)`` complex, into ``out`` (see :func:`_upper_sweeps`)."""
    n = rhs.shape[1]
    lower = np.empty((n, n), dtype=np.complex128)
    for b in range(rhs.shape[0]):
        _upper_sweeps(rhs[b], lower, inv_pivot, mult, off, True)
        _upper_sweeps(rhs[b], out[b], inv_pivot, mult, off, False)
        for i in range(n):
            for j in range(i + 1, n):
                out[b, j, i] = lower[i, j]
    return out


def _lu_factors(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """LU factors of the tridiagonal matrices of every diagonal, arrays of shape ``(n, n)``
    indexed ``[k, m]`` (unknown ``k`` of the diagonal of offset ``m``): reciprocal pivots,
    multipliers and off-diagonals (see :func:`_upper_sweeps`).

    The main diagonal's matrix is singular (the identity, :math:`l = 0`, spans its
    kernel); its first pivot is shifted by :data:`_PIN`, which leaves the solution of a
    system with a traceless right-hand side unchanged (summing the rows gives
    :math:`\\delta x_0 = \\sum_k b_k = 0`). Every matrix is negative (semi)definite, so
    the factorisation needs no pivoting.
    """
    diag = np.ones((n, n))  # padding beyond each diagonal's length: identity
    off = np.zeros((n, n))
    for m in range(n):
        d, e = _diagonal_operator(n, m)
        diag[m, : n - m] = d
        off[m, : n - m - 1] = e
    diag[0, 0] += _PIN * diag[0, 0] if n > 1 else 0.0
    pivot = np.empty((n, n))
    mult = np.zeros((n, n))
    pivot[:, 0] = diag[:, 0]
    for k in range(1, n):
        mult[:, k] = off[:, k - 1] / pivot[:, k - 1]
        pivot[:, k] = diag[:, k] - mult[:, k] * off[:, k - 1]
    # indexed [k, m] for the row-wise sweeps
    return (np.ascontiguousarray((1.0 / pivot).T), np.ascontiguousarray(mult.T),
            np.ascontiguousarray(off.T))


#: Relative shift of the first pivot of the (singular) main-diagonal system.
_PIN = 1.0


class QuantizedLaplacian:
    """The Hoppe–Yau Laplacian :math:`\\Delta_N = -\\sum_a [S_a, [S_a, \\cdot]]` on
    :math:`N \\times N` matrices (final).

    :meth:`apply` costs :math:`O(N^2)` (three shifted products); :meth:`solve` inverts it
    on traceless matrices, diagonal by diagonal, with LU factors of the :math:`N`
    tridiagonal matrices computed once (:math:`O(N^2)` memory and time, compiled).

    Parameters
    ----------
    n : int
        Matrix size, ``n >= 2``.

    Raises
    ------
    InvalidArgumentError
        If ``n`` is not an integer ``>= 2``.

    Examples
    --------
    >>> lap = QuantizedLaplacian(5)
    >>> S1, S2, S3 = spin_matrices(5)
    >>> bool(np.allclose(lap.apply(S3), -2.0 * S3))
    True
    """

    def __init__(self, n: int):
        self._n = check_int("n", n, minimum=2)
        s = 0.5 * (n - 1)
        mi = s - np.arange(n)
        c = _raising(n)
        self._diag = -2.0 * (s * (s + 1.0) - np.multiply.outer(mi, mi))
        self._coupling = np.multiply.outer(c, c)[1:, 1:]
        self._factors = _lu_factors(n)

    @property
    def n(self) -> int:
        """Matrix size."""
        return self._n

    def eigenvalues(self) -> np.ndarray:
        """:math:`-l(l+1)` for :math:`l = 0, \\dots, N-1`, shape ``(n,)`` (multiplicity
        :math:`2l + 1` each)."""
        l = np.arange(self._n, dtype=float)
        return -l * (l + 1.0)

    def apply(self, W: np.ndarray) -> np.ndarray:
        """:math:`\\Delta_N W`.

        Parameters
        ----------
        W : ndarray of shape (..., n, n)
            Any (complex) matrices.

        Returns
        -------
        ndarray of shape (..., n, n)
        """
        W = np.asarray(W)
        out = self._diag * W
        out[..., :-1, :-1] += self._coupling * W[..., 1:, 1:]
        out[..., 1:, 1:] += self._coupling * W[..., :-1, :-1]
        return out

    def solve(self, W: np.ndarray) -> np.ndarray:
        """:math:`\\Delta_N^{-1} W` on traceless matrices: the traceless :math:`P` with
        :math:`\\Delta_N P = W - \\tfrac{\\operatorname{tr}W}{N} I`.

        Linear on all complex matrices (the trace of ``W`` is dropped), Hermitian for
        Hermitian ``W``.

        Parameters
        ----------
        W : ndarray of shape (..., n, n)

        Returns
        -------
        ndarray of shape (..., n, n), complex
        """
        W = np.asarray(W)
        n = self._n
        rhs = np.array(W.reshape((-1, n, n)), dtype=np.complex128, order="C")
        diagonal = np.einsum("bii->bi", rhs)
        diagonal -= diagonal.mean(axis=-1, keepdims=True)
        out = np.empty_like(rhs)
        _tridiagonal_kernel(rhs, out, *self._factors)
        diagonal = np.einsum("bii->bi", out)
        diagonal -= diagonal.mean(axis=-1, keepdims=True)
        return out.reshape(W.shape)


def _sph_harm_y(l, m, theta, phi):
    """Complex spherical harmonics :math:`Y_l^m(\\theta, \\phi)` (Condon–Shortley phase,
    orthonormal), ``theta`` the colatitude: ``scipy.special.sph_harm_y`` (SciPy >= 1.15),
    else the older ``sph_harm``."""
    if hasattr(scipy.special, "sph_harm_y"):
        return scipy.special.sph_harm_y(l, m, theta, phi)
    return scipy.special.sph_harm(m, l, phi, theta)  # pragma: no cover


class HarmonicBasis:
    """The eigenmatrices :math:`T_{lm}` of :math:`\\Delta_N` for the real spherical
    harmonics :math:`Y_{lm}`, and the maps between coefficients and matrices (final).

    See :mod:`liepoisson_models.euler_sphere.quantization` for the construction and the
    signs. The eigenvectors of each diagonal are computed on first use
    (``scipy.linalg.eigh_tridiagonal``) for the degrees asked for and kept.

    Parameters
    ----------
    n : int
        Matrix size, ``n >= 2``; degrees :math:`l = 0, \\dots, N-1`.

    Examples
    --------
    >>> basis = HarmonicBasis(4)
    >>> T = basis.matrix(2, 1)
    >>> round(float(np.trace(T @ T).real), 12), bool(np.allclose(T, T.conj().T))
    (1.0, True)
    >>> c = np.zeros(16); c[harmonic_index(3, -1)] = 2.0
    >>> bool(np.allclose(basis.to_coefficients(basis.to_matrix(c)), c))
    True
    """

    def __init__(self, n: int):
        self._n = check_int("n", n, minimum=2)
        self._vectors: dict[int, np.ndarray] = {}

    @property
    def n(self) -> int:
        """Matrix size."""
        return self._n

    def vectors(self, m: int, lmax: int | None = None) -> np.ndarray:
        """The unit eigenvectors :math:`u_{lm}` of the ``|m|``-th diagonal for
        :math:`l = |m|, \\dots, l_{max}`, as columns, first entries positive.

        Parameters
        ----------
        m : int
            Order, ``|m| <= n - 1``.
        lmax : int, optional
            Largest degree (default ``n - 1``).

        Returns
        -------
        ndarray of shape (n - abs(m), lmax - abs(m) + 1)
        """
        n = self._n
        m = abs(check_int("m", m))
        lmax = n - 1 if lmax is None else check_int("lmax", lmax, minimum=0)
        if m > n - 1 or lmax > n - 1:
            raise InvalidArgumentError(f"|m| and lmax must be <= n - 1 = {n - 1}, got m={m}, lmax={lmax}")
        count = lmax - m + 1
        if count <= 0:
            return np.zeros((n - m, 0))
        have = self._vectors.get(m)
        if have is None or have.shape[1] < count:
            length = n - m
            d, e = _diagonal_operator(n, m)
            # eigenvalues -l(l+1) ascending: l = n-1 first; the top `count` are l = m..lmax
            _, vec = scipy.linalg.eigh_tridiagonal(d, e, select="i",
                                                   select_range=(length - count, length - 1))
            vec = vec[:, ::-1]
            vec *= np.where(vec[0] < 0, -1.0, 1.0)
            have = self._vectors[m] = vec
        return have[:, :count]

    def matrix(self, l: int, m: int) -> np.ndarray:
        """:math:`T_{lm}`, Hermitian, shape ``(n, n)``.

        Raises
        ------
        InvalidArgumentError
            Unless ``0 <= l <= n - 1`` and ``|m| <= l``.
        """
        l, m = check_int("l", l, minimum=0), check_int("m", m)
        if l > self._n - 1 or abs(m) > l:
            raise InvalidArgumentError(f"need 0 <= l <= n - 1 = {self._n - 1} and |m| <= l, "
                                       f"got l={l}, m={m}")
        c = np.zeros((l + 1) ** 2)
        c[harmonic_index(l, m)] = 1.0
        return self.to_matrix(c)

    def to_matrix(self, coefficients) -> np.ndarray:
        """:math:`\\Omega = \\sum_{lm}\\omega_{lm}T_{lm}`.

        Parameters
        ----------
        coefficients : array_like of shape (..., (L+1)**2)
            Real coefficients :math:`\\omega_{lm}` at index :math:`l(l+1) + m`,
            :math:`L \\le N - 1`.

        Returns
        -------
        ndarray of shape (..., n, n)
            Hermitian.

        Raises
        ------
        ShapeError
            If the length is not a square or :math:`L > N - 1`.
        NonFiniteError, InvalidArgumentError
            For non-finite or complex coefficients.
        """
        c = self._coefficients(coefficients)
        n, L = self._n, math.isqrt(c.shape[-1]) - 1
        out = np.zeros(c.shape[:-1] + (n, n), dtype=np.complex128)
        rows = np.arange(n)
        for m in range(L + 1):
            U = self.vectors(m, L)
            l = np.arange(m, L + 1)
            if m == 0:
                out[..., rows, rows] = c[..., l * (l + 1)] @ U.T
                continue
            diagonal = (c[..., l * (l + 1) + m] - 1j * c[..., l * (l + 1) - m]) @ U.T / _SQRT2
            r = rows[: n - m]
            out[..., r, r + m] = diagonal
            out[..., r + m, r] = np.conj(diagonal)
        return out

    def to_coefficients(self, W, lmax: int | None = None) -> np.ndarray:
        """The coefficients :math:`\\omega_{lm} = \\operatorname{tr}(T_{lm}\\Omega)` of a
        Hermitian matrix, :math:`l \\le l_{max}`.

        Parameters
        ----------
        W : array_like of shape (..., n, n)
            Hermitian (the anti-Hermitian part is ignored).
        lmax : int, optional
            Largest degree (default ``n - 1``: every coefficient).

        Returns
        -------
        ndarray of shape (..., (lmax+1)**2)

        Raises
        ------
        ShapeError
            If ``W`` is not a (batch of) ``(n, n)`` matrix.
        """
        n = self._n
        W = as_finite_array("W", W)
        if W.ndim < 2 or W.shape[-2:] != (n, n):
            raise ShapeError(f"W must have trailing shape ({n}, {n}) (matrices of the basis), "
                             f"got shape {W.shape}")
        L = n - 1 if lmax is None else check_int("lmax", lmax, minimum=0)
        if L > n - 1:
            raise InvalidArgumentError(f"lmax must be <= n - 1 = {n - 1}, got {L}")
        check_memory("the eigenvectors of the quantized Laplacian",
                     8 * sum((n - m) * (L - m + 1) for m in range(L + 1)))
        out = np.zeros(W.shape[:-2] + ((L + 1) ** 2,))
        for m in range(L + 1):
            U = self.vectors(m, L)
            l = np.arange(m, L + 1)
            diagonal = np.diagonal(W, offset=m, axis1=-2, axis2=-1)
            if m == 0:
                out[..., l * (l + 1)] = diagonal.real @ U
                continue
            upper = diagonal
            lower = np.conj(np.diagonal(W, offset=-m, axis1=-2, axis2=-1))
            mean = 0.5 * (upper + lower)  # the Hermitian part's upper diagonal
            out[..., l * (l + 1) + m] = _SQRT2 * (mean.real @ U)
            out[..., l * (l + 1) - m] = -_SQRT2 * (mean.imag @ U)
        return out

    def _coefficients(self, coefficients) -> np.ndarray:
        c = as_finite_array("coefficients", coefficients)
        if c.dtype.kind == "c":
            raise InvalidArgumentError("coefficients must be real (real spherical harmonics), "
                                       f"got dtype {c.dtype}")
        c = c.astype(float)
        if c.ndim == 0:
            raise ShapeError("coefficients must have a last axis of length (L+1)^2, got a scalar")
        L = math.isqrt(c.shape[-1]) - 1
        if (L + 1) ** 2 != c.shape[-1] or L < 0 or L > self._n - 1:
            raise ShapeError(
                f"coefficients must have last axis of length (L+1)^2 with 0 <= L <= n - 1 = "
                f"{self._n - 1}, got shape {c.shape}"
            )
        return c


def grid_values(coefficients, n_lat: int = 91, n_lon: int = 181
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The function :math:`\\sum_{lm}\\omega_{lm}Y_{lm}` on a latitude–longitude grid.

    Parameters
    ----------
    coefficients : array_like of shape ((L+1)**2,)
        Real spherical-harmonic coefficients (index :math:`l(l+1) + m`).
    n_lat, n_lon : int
        Grid points in latitude (poles included) and longitude (both ends included).

    Returns
    -------
    lat : ndarray of shape (n_lat,)
        Latitudes :math:`\\pi/2 - \\theta` in radians, from :math:`-\\pi/2` to :math:`\\pi/2`.
    lon : ndarray of shape (n_lon,)
        Longitudes :math:`\\phi - \\pi` in radians, from :math:`-\\pi` to :math:`\\pi`.
    values : ndarray of shape (n_lat, n_lon)

    Examples
    --------
    >>> c = np.zeros(4); c[harmonic_index(1, 0)] = np.sqrt(4 * np.pi / 3)   # the function z
    >>> lat, lon, f = grid_values(c, 5, 9)
    >>> bool(np.allclose(f, np.sin(lat)[:, None] * np.ones(9)))
    True
    """
    c = as_finite_array("coefficients", coefficients).astype(float)
    if c.ndim != 1:
        raise ShapeError(f"coefficients must have shape ((L+1)^2,), got shape {c.shape}")
    l, m = harmonic_degrees(c.size)
    n_lat, n_lon = check_int("n_lat", n_lat, minimum=2), check_int("n_lon", n_lon, minimum=2)
    lat = np.linspace(-0.5 * np.pi, 0.5 * np.pi, n_lat)
    lon = np.linspace(-np.pi, np.pi, n_lon)
    theta, phi = 0.5 * np.pi - lat, lon + np.pi
    # real Y_lm = sqrt(2) (-1)^m Y_l^|m|(theta, 0) cos(m phi) (m > 0), ... sin(|m| phi) (m < 0)
    am = np.abs(m)
    legendre = _sph_harm_y(l[:, None], am[:, None], theta[None, :], 0.0).real  # (size, n_lat)
    weight = np.where(m == 0, 1.0, _SQRT2 * (-1.0) ** am) * c
    angular = np.where((m >= 0)[:, None], np.cos(np.outer(am, phi)), np.sin(np.outer(am, phi)))
    return lat, lon, (legendre * weight[:, None]).T @ angular
