"""u(n) and su(n) in their matrix representation, with O(n^3) functions of ad.

Elements of :math:`\\mathfrak g` are skew-Hermitian matrices and covectors are Hermitian
matrices, both stored as complex arrays of shape ``(..., n, n)``; no operation except
:meth:`UnitaryAlgebra.ad` and :meth:`UnitaryAlgebra.structure_constants` builds an array
whose size grows faster than :math:`n^2` per element, so large ``n`` (su(64), dimension
4095) is cheap.
"""

from __future__ import annotations

import contextlib
import functools
from dataclasses import dataclass, field

import numpy as np
from threadpoolctl import threadpool_limits

from .._validation import _describe, check_int, check_memory
from ..exceptions import InvalidArgumentError
from .base import AdFactorisation, LieAlgebra

__all__ = ["UnitaryAlgebra"]

_SQRT2 = np.sqrt(2.0)
#: Relative tolerance of the checks that a matrix is (skew-)Hermitian and, for su(n),
#: traceless (relative to its largest entry).
STRUCTURE_RTOL = 1e-10
#: Largest n for which u(n) and su(n) map coordinates by one dense real matrix product (at
#: n = 16: matrices of 512 x 256 doubles, 1 MB) rather than by index arrays.
DENSE_COORDINATES_MAX = 16


@dataclass(frozen=True, eq=False)
class _TracePower:
    """The function :math:`\\mu \\mapsto \\operatorname{Re}\\operatorname{tr} M(\\mu)^k`.

    ``weights is None``: ``mu`` is already the matrix (shape ``(..., n, n)``). Otherwise
    ``mu`` is a coefficient vector and :math:`M(\\mu) = \\sum_a \\mu_a W_a` with
    ``weights`` :math:`W` of shape ``(dim, n, n)``.
    """

    k: int
    weights: np.ndarray | None = field(default=None, repr=False)

    def __call__(self, mu: np.ndarray) -> np.ndarray:
        mu = np.asarray(mu)
        M = mu if self.weights is None else np.einsum("...a,aij->...ij", mu, self.weights)
        k = self.k
        if k == 1:
            return np.real(np.trace(M, axis1=-2, axis2=-1))
        # tr M^k = tr(A B) = sum(A * B^T) with B = M^(k//2), A = B or B M: k//2 products,
        # on one BLAS thread for stacks (a threaded BLAS is far slower on small products)
        with threadpool_limits(1, user_api="blas") if M.ndim > 2 and k > 2 else contextlib.nullcontext():
            half = M
            for _ in range(k // 2 - 1):
                half = half @ M
            other = half if k % 2 == 0 else half @ M
        return np.real(np.sum(other * np.swapaxes(half, -1, -2), axis=(-2, -1)))


def _gell_mann_diagonal(n: int) -> np.ndarray:
    """Rows: the normalised diagonal generalised Gell-Mann matrices (their diagonals).

    Row ``l - 1`` (``l = 1 .. n-1``) is :math:`(1, \\dots, 1, -l, 0, \\dots, 0) / \\sqrt{l(l+1)}`
    with ``l`` leading ones: orthonormal rows, each orthogonal to ``(1, ..., 1)``.
    """
    G = np.zeros((n - 1, n))
    for l in range(1, n):
        G[l - 1, :l] = 1.0
        G[l - 1, l] = -float(l)
        G[l - 1] /= np.sqrt(l * (l + 1.0))
    return G


def _dexpinv_factor(theta: np.ndarray) -> np.ndarray:
    """:math:`A(i\\theta) = i\\theta / (e^{i\\theta} - 1) = (\\theta/2)\\cot(\\theta/2) - i\\theta/2`.

    Written as :math:`\\cos(\\theta/2) / \\operatorname{sinc}(\\theta / 2\\pi) - i\\theta/2`, which
    has no cancellation near :math:`\\theta = 0` (where it equals 1); it is singular at
    :math:`\\theta = 2\\pi k`, :math:`k \\neq 0`.
    """
    return np.cos(0.5 * theta) / np.sinc(theta / (2.0 * np.pi)) - 0.5j * theta


def _coadjoint_factor(theta: np.ndarray) -> np.ndarray:
    """:math:`e^{i\\theta}`."""
    return np.exp(1j * theta)


def _dexp_factor(theta: np.ndarray) -> np.ndarray:
    """:math:`\\varphi_1(i\\theta) = (e^{i\\theta} - 1)/(i\\theta) = e^{i\\theta/2}\\operatorname{sinc}(\\theta/2\\pi)`,
    the reciprocal of :func:`_dexpinv_factor` (1 at :math:`\\theta = 0`)."""
    return np.exp(0.5j * theta) * np.sinc(theta / (2.0 * np.pi))


class _EigenAdFunctions(AdFactorisation):
    """Functions of :math:`\\operatorname{ad}^*_\\xi` on u(n)* from one eigendecomposition
    :math:`\\xi = V\\,\\mathrm{diag}(i\\lambda)\\,V^H` (final; see :class:`UnitaryAlgebra`).

    ``numpy.linalg.eigh`` of :math:`-i\\xi` runs on first use of a function that needs it;
    :meth:`coadjoint_exp` with ``dexp_star`` needs none.
    """

    @functools.cached_property
    def _eigen(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:math:`V`, :math:`V^H` and :math:`\\theta_{ab} = \\lambda_b - \\lambda_a`."""
        lam, V = np.linalg.eigh(-1j * self.xi)
        return V, _hermitian_transpose(V), lam[..., None, :] - lam[..., :, None]

    def _apply(self, mu, factor):
        """:math:`f(\\operatorname{ad}^*_\\xi)\\mu` with ``factor(theta)`` :math:`= f(i\\theta)`.

        Computed as :math:`\\mu + V\\big((F - 1)\\circ(V^H\\mu V)\\big)V^H` with :math:`f(0) = 1`,
        so the round-off from the eigenvectors scales with the (small) change, not with
        :math:`\\mu`: over many integrator steps the Casimirs then drift far less.
        """
        mu = np.asarray(mu)
        V, VH, theta = self._eigen
        inner = (VH @ mu @ V) * (factor(theta) - 1.0)
        change = V @ inner @ VH
        return mu + 0.5 * _plus_hermitian_transpose(change)

    def dexpinv_star(self, nu):
        return self._apply(nu, _dexpinv_factor)

    def dexp_star(self, mu):
        return self._apply(mu, _dexp_factor)

    def _coadjoint_exp(self, mu):
        return self._apply(mu, _coadjoint_factor)


class UnitaryAlgebra(LieAlgebra):
    """u(n), or su(n) when ``special=True``, as matrices (final).

    * :math:`\\mathfrak g` = skew-Hermitian matrices (traceless for su(n)), bracket the
      commutator :math:`[x, y] = xy - yx`.
    * :math:`\\mathfrak g^*` = Hermitian matrices (traceless for su(n)), pairing
      :math:`\\langle\\rho, \\xi\\rangle = \\operatorname{Im}\\operatorname{tr}(\\rho\\,\\xi)`, so that
      :math:`\\langle\\rho, iX\\rangle = \\operatorname{tr}(\\rho X)` for Hermitian :math:`X`.
    * :math:`\\operatorname{ad}^*_\\xi\\rho = [\\rho, \\xi] = \\rho\\xi - \\xi\\rho` and
      ``coadjoint_exp(xi, rho)`` :math:`= e^{-\\xi}\\rho\\,e^{\\xi}`.

    Coordinates: an orthonormal basis :math:`H_k` of the Hermitian matrices,
    :math:`\\operatorname{tr}(H_j H_k) = \\delta_{jk}`, ordered as

    1. :math:`(E_{jk} + E_{kj})/\\sqrt2` for :math:`j < k` (in ``numpy.triu_indices`` order),
    2. :math:`i(E_{kj} - E_{jk})/\\sqrt2` for :math:`j < k` (same order),
    3. the diagonal part: :math:`E_{jj}` for u(n); for su(n) the normalised generalised
       Gell-Mann matrices :math:`(E_{00} + \\dots + E_{l-1,l-1} - l E_{ll})/\\sqrt{l(l+1)}`,
       :math:`l = 1, \\dots, n-1`.

    The basis of :math:`\\mathfrak g` is :math:`e_k = iH_k` and its dual basis is :math:`H_k`:
    ``to_coords(xi)[k]`` :math:`= \\operatorname{Re}\\operatorname{tr}(H_k\\xi/i)`,
    ``dual_to_coords(rho)[k]`` :math:`= \\operatorname{Re}\\operatorname{tr}(H_k\\rho)`, and the
    pairing is the dot product of coordinates. For su(2) the :math:`H_k` are the Pauli
    matrices :math:`\\sigma_x, \\sigma_y, \\sigma_z` divided by :math:`\\sqrt2`.

    Functions of :math:`\\operatorname{ad}_\\xi` use the eigendecomposition
    :math:`\\xi = V\\,\\mathrm{diag}(i\\lambda)\\,V^H` (from ``numpy.linalg.eigh`` of the
    Hermitian :math:`-i\\xi`): in that basis :math:`\\operatorname{ad}^*_\\xi` multiplies the
    entry :math:`(a, b)` of a covector by :math:`i(\\lambda_b - \\lambda_a)`, so

    .. math::

        f(\\operatorname{ad}^*_\\xi)\\,\\rho
          = V\\,\\big[f(i(\\lambda_b - \\lambda_a))\\,(V^H\\rho V)_{ab}\\big]_{ab}\\,V^H ,

    with :math:`f(z) = e^z` for ``coadjoint_exp`` and :math:`f = A`,
    :math:`A(i\\theta) = (\\theta/2)\\cot(\\theta/2) - i\\theta/2`, for ``dexpinv_star``
    (since :math:`A(\\operatorname{ad}_\\xi)^T = A(\\operatorname{ad}^*_\\xi)`). Cost
    :math:`O(n^3)`; the dense structure constants are never formed by these methods.
    :meth:`ad_factorisation` keeps one eigendecomposition for several such functions
    (and :math:`\\varphi_1(\\operatorname{ad}^*_\\xi)`, :math:`\\varphi_1(z) = (e^z - 1)/z`).

    Casimirs: :math:`\\operatorname{tr}\\rho^k` under the names ``"tr rho^k"``, for
    :math:`k = 1, \\dots, \\min(n, 4)` (u(n)) or :math:`k = 2, \\dots, \\min(n, 4)` (su(n)).
    A complete set of independent ones is :math:`k = 1, \\dots, n` (resp.
    :math:`2, \\dots, n`); any of them is available from :meth:`trace_power`.

    Parameters
    ----------
    n : int
        Matrix size, ``n >= 1`` (``n >= 2`` for su(n)).
    special : bool
        ``True`` for su(n) (traceless), ``False`` for u(n).

    Raises
    ------
    InvalidArgumentError
        If ``n`` is not an integer in range or ``special`` is not a bool.

    Examples
    --------
    >>> import numpy as np
    >>> from liepoisson import su
    >>> g = su(2)
    >>> g.dim, g.shape
    (3, (2, 2))
    >>> rho = g.dual_from_coords(np.array([0.0, 0.0, 1.0]))   # sigma_z / sqrt(2)
    >>> xi = g.from_coords(np.array([0.5, 0.0, 0.0]))         # i sigma_x / (2 sqrt(2))
    >>> round(float(g.pairing(rho, g.from_coords(np.array([0.0, 0.0, 2.0])))), 12)
    2.0
    >>> out = g.coadjoint_exp(xi, rho)
    >>> bool(np.allclose(np.linalg.eigvalsh(out), np.linalg.eigvalsh(rho)))
    True
    """

    def __init__(self, n: int, special: bool = False):
        if not isinstance(special, (bool, np.bool_)):
            raise InvalidArgumentError(f"special must be a bool, got {_describe(special)}")
        special = bool(special)
        n = check_int("n", n, minimum=2 if special else 1)
        self._n = n
        self._special = special
        self.name = f"su({n})" if special else f"u({n})"
        self._diag_index = np.arange(n)
        self._offdiag = n * (n - 1) // 2
        self._gell_mann = _gell_mann_diagonal(n) if special else None

    @functools.cached_property
    def _triu(self) -> tuple[np.ndarray, np.ndarray]:
        """Rows and columns of the strict upper triangle (``numpy.triu_indices(n, 1)``), two
        int arrays of shape ``(n(n-1)/2,)``: built on first use (coordinates), never by the
        matrix operations, so that a large u(n) used through its matrices stays O(n)."""
        n = self._n
        check_memory(f"the coordinates of {self.name} (index arrays of its n(n-1)/2 "
                     "off-diagonal entries)", 17 * n * n)
        return np.triu_indices(n, 1)

    # ---------------------------------------------------------------- declaration
    @property
    def n(self) -> int:
        """Matrix size."""
        return self._n

    @property
    def special(self) -> bool:
        """``True`` for su(n)."""
        return self._special

    @property
    def dim(self) -> int:
        return self._n**2 - (1 if self._special else 0)

    @property
    def shape(self) -> tuple:
        return (self._n, self._n)

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(np.complex128)

    def validate_element(self, x, name: str = "x", dual: bool = False) -> np.ndarray:
        """Check that ``x`` is a finite (batch of) ``(n, n)`` matrix that is Hermitian (a
        covector, ``dual=True``) or skew-Hermitian (an element), and traceless for su(n), to
        :data:`STRUCTURE_RTOL` relative to its largest entry; return it as a complex array.

        Raises
        ------
        ShapeError, NonFiniteError
            As :meth:`LieAlgebra.validate_element`.
        InvalidArgumentError
            If ``x`` is not (skew-)Hermitian, or not traceless for su(n).
        """
        arr = super().validate_element(x, name=name, dual=dual)
        size = float(np.max(np.abs(arr))) if arr.size else 0.0
        sign = 1.0 if dual else -1.0
        defect = float(np.max(np.abs(arr - sign * np.conj(np.swapaxes(arr, -1, -2))))) if arr.size else 0.0
        what = "Hermitian" if dual else "skew-Hermitian"
        if defect > STRUCTURE_RTOL * size:
            raise InvalidArgumentError(
                f"{name} must be {what} (an element of {self.name}{'*' if dual else ''}), "
                f"got max|{name} - {'' if dual else '-'}{name}^H| = {defect:.3e} for max|{name}| = {size:.3e}"
            )
        if self._special and arr.size:
            trace = float(np.max(np.abs(np.trace(arr, axis1=-2, axis2=-1))))
            if trace > STRUCTURE_RTOL * size * self._n:
                raise InvalidArgumentError(
                    f"{name} must be traceless for {self.name}, got |tr {name}| = {trace:.3e}"
                )
        return arr

    # ---------------------------------------------------------------- coordinates
    @functools.cached_property
    def _coordinate_matrices(self) -> tuple[np.ndarray, np.ndarray] | None:
        """For :math:`n \\le` :data:`DENSE_COORDINATES_MAX`: the real matrices of
        :meth:`dual_to_coords` and :meth:`dual_from_coords` on the entries of a matrix read
        as interleaved real and imaginary parts (shapes ``(2n^2, dim)`` and
        ``(dim, 2n^2)``), built from the index maps below on unit vectors; one product then
        does what about ten small numpy operations do. None for larger n, where the index
        maps are the cheaper."""
        n = self._n
        if n > DENSE_COORDINATES_MAX:
            return None
        units = np.eye(2 * n * n).view(np.complex128).reshape(2 * n * n, n, n)
        to_coords = self._dual_to_coords_by_index(units)
        from_coords = self._dual_from_coords_by_index(np.eye(self.dim))
        return to_coords, np.ascontiguousarray(from_coords).view(np.float64).reshape(self.dim, 2 * n * n)

    def dual_to_coords(self, mu):
        matrices = self._coordinate_matrices
        if matrices is None:
            return self._dual_to_coords_by_index(mu)
        mu = np.ascontiguousarray(mu, dtype=np.complex128)
        n = self._n
        return mu.view(np.float64).reshape(mu.shape[:-2] + (2 * n * n,)) @ matrices[0]

    def dual_from_coords(self, c):
        matrices = self._coordinate_matrices
        if matrices is None:
            return self._dual_from_coords_by_index(c)
        c = np.asarray(c, dtype=float)
        n = self._n
        return np.ascontiguousarray(c @ matrices[1]).view(np.complex128).reshape(c.shape[:-1] + (n, n))

    def _dual_to_coords_by_index(self, mu):
        mu = np.asarray(mu)
        r, c = self._triu
        upper, lower = mu[..., r, c], mu[..., c, r]
        sym = (upper.real + lower.real) / _SQRT2
        anti = (lower.imag - upper.imag) / _SQRT2
        diag = np.diagonal(mu, axis1=-2, axis2=-1).real
        if self._special:
            diag = diag @ self._gell_mann.T
        return np.concatenate([sym, anti, diag], axis=-1)

    def _dual_from_coords_by_index(self, c):
        c = np.asarray(c, dtype=float)
        m, n = self._offdiag, self._n
        sym, anti, diag = c[..., :m], c[..., m : 2 * m], c[..., 2 * m :]
        if self._special:
            diag = diag @ self._gell_mann
        out = np.zeros(c.shape[:-1] + (n, n), dtype=np.complex128)
        rows, cols = self._triu
        out[..., rows, cols] = (sym - 1j * anti) / _SQRT2
        out[..., cols, rows] = (sym + 1j * anti) / _SQRT2
        out[..., self._diag_index, self._diag_index] = diag
        return out

    def to_coords(self, x):
        return self.dual_to_coords(-1j * np.asarray(x))

    def from_coords(self, c):
        return 1j * self.dual_from_coords(c)

    # ------------------------------------------------------------------ structure
    def bracket(self, x, y):
        x, y = np.asarray(x), np.asarray(y)
        return x @ y - y @ x

    def ad_star(self, x, mu):
        """:math:`\\operatorname{ad}^*_x\\mu = \\mu x - x\\mu = P + P^H` with :math:`P = \\mu x`
        (:math:`\\mu` Hermitian, :math:`x` skew-Hermitian): one product, exactly Hermitian.

        Parameters
        ----------
        x : ndarray of shape (..., n, n)
            Skew-Hermitian.
        mu : ndarray of shape (..., n, n)
            Hermitian.

        Returns
        -------
        ndarray of shape (..., n, n)
            Hermitian.
        """
        return _plus_hermitian_transpose(np.asarray(mu) @ np.asarray(x))

    def pairing(self, mu, x):
        return np.einsum("...ij,...ji->...", np.asarray(mu), np.asarray(x)).imag

    def ad(self, x):
        """Matrix of :math:`\\operatorname{ad}_x` on coordinates, shape ``(..., dim, dim)``.

        Built column by column from brackets with the basis (memory
        :math:`O(\\dim \\cdot n^2)` per element; meant for moderate ``n``).
        """
        x = np.asarray(x)[..., None, :, :]
        basis = self.basis()
        columns = self.to_coords(x @ basis - basis @ x)  # (..., j, k): coords of [x, e_j]
        return np.swapaxes(columns, -1, -2)

    def casimirs(self):
        first = 2 if self._special else 1
        return {f"tr rho^{k}": self.trace_power(k) for k in range(first, min(self._n, 4) + 1)}

    def trace_power(self, k: int):
        """The Casimir :math:`\\rho \\mapsto \\operatorname{tr}\\rho^k` (real part).

        Parameters
        ----------
        k : int
            Power, ``k >= 1``.

        Returns
        -------
        callable
            Maps ``(..., n, n)`` Hermitian matrices to values of shape ``(...)``.

        Examples
        --------
        >>> import numpy as np
        >>> from liepoisson import u
        >>> float(u(3).trace_power(2)(np.diag([1.0, 2.0, 3.0]).astype(complex)))
        14.0
        """
        return _TracePower(check_int("k", k, minimum=1))

    # ------------------------------------------------------- functions of ad_xi
    def coadjoint_exp(self, xi, mu):
        """:math:`e^{-\\xi}\\mu\\,e^{\\xi}` by diagonalising :math:`\\xi` (cost :math:`O(n^3)`).

        Parameters
        ----------
        xi : ndarray of shape (..., n, n)
            Skew-Hermitian.
        mu : ndarray of shape (..., n, n)
            Hermitian.

        Returns
        -------
        ndarray of shape (..., n, n)
            Hermitian, with the eigenvalues of ``mu``.
        """
        return self.ad_factorisation(xi).coadjoint_exp(mu)

    def dexpinv_star(self, xi, nu):
        """:math:`A(\\operatorname{ad}^*_\\xi)\\nu`, :math:`A(x) = x/(e^x - 1)` (cost :math:`O(n^3)`).

        Singular when two eigenvalues of :math:`-i\\xi` differ by a nonzero multiple of
        :math:`2\\pi`.

        Parameters
        ----------
        xi : ndarray of shape (..., n, n)
            Skew-Hermitian.
        nu : ndarray of shape (..., n, n)
            Hermitian.

        Returns
        -------
        ndarray of shape (..., n, n)
            Hermitian.
        """
        return self.ad_factorisation(xi).dexpinv_star(nu)

    @property
    def has_ad_factorisation(self) -> bool:
        return True

    def ad_factorisation(self, xi):
        """The functions of :math:`\\operatorname{ad}_\\xi` from one eigendecomposition of
        :math:`\\xi` (computed on first use; :class:`~liepoisson.algebra.AdFactorisation`).

        Parameters
        ----------
        xi : ndarray of shape (..., n, n)
            Skew-Hermitian.

        Returns
        -------
        AdFactorisation
            Its functions take and return Hermitian ``(..., n, n)`` matrices.
        """
        return _EigenAdFunctions(self, xi)

    # ------------------------------------------------------------ the Cayley chart
    @property
    def has_cayley(self) -> bool:
        return True

    def dcayinv_star(self, xi, nu):
        """:math:`(I + \\xi/2)\\,\\nu\\,(I - \\xi/2)`: the equation
        :math:`\\mu_n = (I + \\xi/2)\\nu(I - \\xi/2)` of a Lie–Poisson Hamilton–Jacobi step in
        the Cayley chart (two matrix products).

        With :math:`P = \\xi\\nu` and :math:`Q = P\\xi` (Hermitian), it is
        :math:`\\nu + S + S^H` with :math:`S = P/2 - Q/8`, since :math:`\\nu\\xi = -P^H`;
        the result is exactly Hermitian.

        Parameters
        ----------
        xi : ndarray of shape (..., n, n)
            Skew-Hermitian.
        nu : ndarray of shape (..., n, n)
            Hermitian.

        Returns
        -------
        ndarray of shape (..., n, n)
            Hermitian.
        """
        xi, nu = np.asarray(xi), np.asarray(nu)
        P = xi @ nu
        S = P @ xi
        S *= -0.125
        P *= 0.5
        S += P
        out = _plus_hermitian_transpose(S)
        out += nu
        return out

    def coadjoint_cayley(self, xi, mu, nu=None, residual=None, residual_xi=None):
        """:math:`C\\mu C^H` with the unitary :math:`C = (I + \\xi/2)^{-1}(I - \\xi/2)`, the
        coadjoint action of :math:`\\operatorname{cay}(\\xi)`; the eigenvalues of ``mu`` are
        kept to round-off.

        Without ``nu``: one LU solve for :math:`C` and two products. With a covector ``nu``
        and its ``residual`` :math:`r = (I + \\eta/2)\\nu(I - \\eta/2) - \\mu` for
        :math:`\\eta` = ``residual_xi`` (default ``xi``), as the implicit solve of a
        Lie–Poisson Hamilton–Jacobi step in the Cayley chart has them at hand, it is one
        product: the action equals :math:`(I - \\xi/2)\\nu^*(I + \\xi/2) = \\mu +
        \\operatorname{ad}^*_\\xi\\nu^*` for the solution :math:`\\nu^*` of
        :math:`R(\\nu^*) = 0`, :math:`R(\\nu) = (I + \\xi/2)\\nu(I - \\xi/2) - \\mu`, and it
        is computed with :math:`\\hat\\nu = \\nu - r` in place of :math:`\\nu^*`. With
        :math:`x \\ge \\|\\xi\\|_2` and :math:`y \\ge \\|\\eta\\|_2`,

        .. math::

            \\|\\operatorname{ad}^*_\\xi(\\hat\\nu - \\nu^*)\\|_F \\le 2x\\,\\|R(\\hat\\nu)\\|_F,
            \\qquad
            \\|R(\\hat\\nu)\\|_F \\le (y + y^2/4)\\,\\|r\\|_F
              + \\|\\xi - \\eta\\|_2\\,\\|\\hat\\nu\\|_F\\,(1 + (x + y)/4)

        (in the eigenbasis of :math:`\\xi = V\\operatorname{diag}(i\\lambda)V^H`,
        :math:`\\operatorname{ad}^*_\\xi` multiplies the entry :math:`(a, b)` by
        :math:`i(\\lambda_b - \\lambda_a)` and :math:`R^{-1}` by at most 1 in modulus; the
        residual changes by :math:`r - (I + \\eta/2)r(I - \\eta/2)` from :math:`\\nu` to
        :math:`\\hat\\nu`, and by the difference of the two charts' maps at
        :math:`\\hat\\nu` from :math:`\\eta` to :math:`\\xi`), where
        :math:`\\|\\hat\\nu\\|_F \\le \\|\\mu\\|_F + \\|R(\\hat\\nu)\\|_F` and
        :math:`y \\le x + \\|\\xi - \\eta\\|_F`. While this bound exceeds
        :math:`n u \\|\\mu\\|_F` (:math:`u` the unit round-off: the round-off bound of the
        products of the action), :math:`\\hat\\nu` takes a further step
        :math:`\\hat\\nu \\leftarrow \\hat\\nu - R(\\hat\\nu)` (two products; the bound
        becomes :math:`2x(x + x^2/4)\\|R(\\hat\\nu)\\|_F`); where :math:`x + x^2/4 > 1/2`, or
        after :data:`CAYLEY_REFINEMENTS` such steps, the LU route is taken. So the Casimirs are
        kept to round-off whatever the accuracy of ``nu``.

        Parameters
        ----------
        xi : ndarray of shape (..., n, n)
            Skew-Hermitian.
        mu : ndarray of shape (..., n, n)
            Hermitian.
        nu : ndarray of shape (..., n, n), optional
            Hermitian, given with ``residual``.
        residual : ndarray of shape (..., n, n), optional
            :math:`(I + \\eta/2)\\nu(I - \\eta/2) - \\mu` (Hermitian).
        residual_xi : ndarray of shape (..., n, n), optional
            :math:`\\eta`, skew-Hermitian (default ``xi``).

        Returns
        -------
        ndarray of shape (..., n, n)
            Hermitian, with the eigenvalues of ``mu``.
        """
        xi, mu = np.asarray(xi), np.asarray(mu)
        if nu is None:
            return self._coadjoint_cayley_solve(xi, mu)
        nu, r = np.asarray(nu), np.asarray(residual)
        shape = np.broadcast_shapes(xi.shape, mu.shape, nu.shape, r.shape)[:-2]
        x = _spectral_bound(xi)
        rate = x + 0.25 * x * x
        mu_norm = _frobenius(mu)
        nu = nu - r
        if residual_xi is None:
            defect = rate * _frobenius(r)
        else:
            # |xi - eta|_2 <= d, |eta|_2 <= y = x + d, and |nu_hat|_F <= |mu|_F + |R(nu_hat)|_F
            d = _frobenius(xi - np.asarray(residual_xi))
            y = x + d
            b = d * (1.0 + 0.25 * (x + y))
            with np.errstate(divide="ignore"):
                defect = np.where(b < 1.0, ((y + 0.25 * y * y) * _frobenius(r) + b * mu_norm) / (1.0 - b), np.inf)
        bound = np.broadcast_to(2.0 * x * defect, shape)
        limit = (0.5 * np.finfo(float).eps * self._n) * mu_norm
        exact = np.broadcast_to(rate > 0.5, shape)
        for _ in range(CAYLEY_REFINEMENTS):
            refine = (bound > limit) & ~exact
            if not refine.any():
                break
            r = self.dcayinv_star(xi, nu) - mu
            nu = np.where(refine[..., None, None], nu - r, nu)
            bound = np.where(refine, 2.0 * x * rate * _frobenius(r), bound)
        exact = exact | (bound > limit)
        # mu + ad*_xi nu = mu + nu xi - xi nu = mu - (P + P^H), P = xi nu
        out = mu - _plus_hermitian_transpose(xi @ nu)
        if exact.any():
            out = np.where(exact[..., None, None], self._coadjoint_cayley_solve(xi, mu), out)
        return out

    def _coadjoint_cayley_solve(self, xi, mu):
        """:meth:`coadjoint_cayley` through :func:`cayley_unitary` (one LU solve)."""
        C = cayley_unitary(xi)
        out = C @ mu @ _hermitian_transpose(C)
        return 0.5 * (out + _hermitian_transpose(out))


#: The most refinement steps :meth:`UnitaryAlgebra.coadjoint_cayley` takes from a given
#: ``nu`` before it takes the LU route.
CAYLEY_REFINEMENTS = 8


def _hermitian_transpose(a: np.ndarray) -> np.ndarray:
    """:math:`a^H` over the last two axes."""
    return np.conj(np.swapaxes(a, -1, -2))


#: Tile size of :func:`_plus_hermitian_transpose`.
_TILE = 128


def _plus_hermitian_transpose(a: np.ndarray) -> np.ndarray:
    """:math:`a + a^H` over the last two axes, exactly Hermitian, a new C-ordered array.

    By tiles of :data:`_TILE` rows and columns: the transposed operand of a tile stays in
    cache, where a whole transposed matrix of a power-of-two size would be read with one
    cache and TLB miss per entry (five times slower at n = 256)."""
    n = a.shape[-1]
    out = np.empty(a.shape, dtype=a.dtype)  # C order, whatever the layouts of the operands
    if n <= _TILE:
        return np.add(a, _hermitian_transpose(a), out=out)
    for i in range(0, n, _TILE):
        for j in range(0, n, _TILE):
            np.add(a[..., i:i + _TILE, j:j + _TILE], _hermitian_transpose(a[..., j:j + _TILE, i:i + _TILE]),
                   out=out[..., i:i + _TILE, j:j + _TILE])
    return out


def _frobenius(a: np.ndarray) -> np.ndarray:
    """:math:`\\|a\\|_F` over the last two axes, shape ``(...)``."""
    return np.linalg.norm(a, axis=(-2, -1))


def _spectral_bound(a: np.ndarray) -> np.ndarray:
    """A bound of :math:`\\|a\\|_2` for normal (e.g. skew-Hermitian) ``a``, shape ``(...)``:
    the smaller of :math:`\\|a\\|_F` and :math:`\\|a\\|_\\infty` (the largest row sum of
    moduli, which bounds the spectral radius)."""
    moduli = np.abs(a)
    frobenius = np.sqrt(np.einsum("...ij,...ij->...", moduli, moduli))
    return np.minimum(np.max(np.sum(moduli, axis=-1), axis=-1), frobenius)


def cayley_unitary(xi: np.ndarray) -> np.ndarray:
    """:math:`(I + \\xi/2)^{-1}(I - \\xi/2)` for skew-Hermitian ``xi`` of shape ``(..., n, n)``:
    the unitary :math:`\\operatorname{cay}(-\\xi)` by which states move in the Cayley chart."""
    eye = np.eye(xi.shape[-1], dtype=complex)
    return np.linalg.solve(eye + 0.5 * xi, eye - 0.5 * xi)
