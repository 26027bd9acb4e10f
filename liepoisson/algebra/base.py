"""The abstract Lie algebra.

Conventions (fixed throughout the library, see ``docs/conventions.rst``):

* basis :math:`e_1, \\dots, e_n` of :math:`\\mathfrak g`, structure constants
  :math:`[e_i, e_j] = \\sum_k C_{ijk} e_k`;
* the pairing :math:`\\langle \\mu, \\xi \\rangle` between :math:`\\mathfrak g^*` and
  :math:`\\mathfrak g` is the dot product of coefficient vectors in dual bases;
* :math:`\\operatorname{ad}^*_\\xi = (\\operatorname{ad}_\\xi)^T`, i.e.
  :math:`\\langle \\operatorname{ad}^*_\\xi \\mu, \\eta\\rangle = \\langle \\mu, [\\xi, \\eta]\\rangle`;
* ``coadjoint_exp(xi, mu)`` :math:`= (e^{\\operatorname{ad}_\\xi})^T \\mu`;
* ``dexpinv_star(xi, nu)`` :math:`= A(\\operatorname{ad}_\\xi)^T \\nu` with
  :math:`A(x) = x / (e^x - 1)`.
"""

from __future__ import annotations

import functools
import math
from abc import ABC, abstractmethod
from fractions import Fraction
from functools import cached_property
from typing import Callable

import numpy as np
import scipy.linalg

from .._validation import as_finite_array, check_element_shape
from ..exceptions import InvalidArgumentError, NonFiniteError, ShapeError

__all__ = ["LieAlgebra", "AdFactorisation", "phi1_matrix"]


def _bernoulli_taylor(n: int) -> np.ndarray:
    """:math:`B_k / k!` for ``k = 0..n`` with :math:`B_1 = -1/2` (Taylor coefficients of
    :math:`x / (e^x - 1)`), each correctly rounded.

    Computed in exact rational arithmetic from :math:`\\sum_{k=0}^{m}\\binom{m+1}{k}B_k = 0`:
    ``scipy.special.bernoulli`` returns :math:`B_4` with a relative error of 1.7e-12, which
    would put an error of that size into the fourth-order term of every series of
    :math:`A(x)`.
    """
    B = [Fraction(1)]
    for m in range(1, n + 1):
        B.append(-sum(math.comb(m + 1, k) * B[k] for k in range(m)) / (m + 1))
    return np.array([float(b / math.factorial(k)) for k, b in enumerate(B)])


_BERNOULLI_TAYLOR = _bernoulli_taylor(40)


def _bernoulli_terms(norm: float) -> int:
    r"""Terms of the Bernoulli series of :math:`A(X)` for :math:`\|X\|_1 = ` ``norm`` ``<= 1``:
    since :math:`|B_k / k!| \le 2 (2\pi)^{-k}`, the remaining terms are then below 1e-17
    (a single term when ``norm < 1e-150``, where it is exact to round-off)."""
    if norm < 1e-150:
        return 1
    return int(math.ceil(math.log(5e-18) / math.log(norm / (2 * math.pi))))


def phi1_matrix(X: np.ndarray) -> np.ndarray:
    """:math:`\\varphi_1(X) = (e^X - I) / X` for a (batch of) square matrices.

    Computed as the top-right block of ``expm([[X, I], [0, 0]])`` (no division by ``X``,
    exact for singular ``X``).

    Parameters
    ----------
    X : ndarray of shape (..., n, n)

    Returns
    -------
    ndarray of shape (..., n, n)
    """
    n = X.shape[-1]
    block = np.zeros(X.shape[:-2] + (2 * n, 2 * n), dtype=np.result_type(X, float))
    block[..., :n, :n] = X
    block[..., :n, n:] = np.eye(n)
    return scipy.linalg.expm(block)[..., :n, n:]


#: The operations of an algebra on its elements and covectors, and their operands' names.
_OPERATIONS = {
    "bracket": ("x", "y"),
    "ad": ("x",),
    "ad_star": ("x", "mu"),
    "pairing": ("mu", "x"),
    "coadjoint_exp": ("xi", "mu"),
    "dexpinv_star": ("xi", "nu"),
    "dexpinv_star_series": ("xi", "nu"),
    "dcayinv_star": ("xi", "nu"),
    "coadjoint_cayley": ("xi", "mu"),
}


def _diagnosed(method: Callable, operands: tuple) -> Callable:
    """``method`` of an algebra, whose numpy errors on operands of the wrong shape or with
    non-finite entries become the library's errors naming the operand (no cost when the
    call succeeds)."""

    @functools.wraps(method)
    def call(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except (ValueError, IndexError, TypeError, ArithmeticError) as error:
            self._raise_operand_error(method.__name__, operands, args, error)
            raise

    call._diagnosed = True
    return call


class LieAlgebra(ABC):
    """Abstract finite-dimensional real Lie algebra with its dual.

    Elements of :math:`\\mathfrak g` and :math:`\\mathfrak g^*` are arrays whose trailing
    shape is :attr:`shape` (``(dim,)`` coefficient vectors, or ``(n, n)`` matrices for large
    matrix algebras); all operations broadcast over leading batch axes.

    **Contract.** A subclass must provide only

    * :attr:`dim` (int), the dimension;
    * :meth:`bracket` ``(x, y) -> [x, y]``, broadcasting over leading axes.

    Everything else is derived from these two and may be overridden with closed forms
    (:func:`~liepoisson.testing.verify_algebra` then compares the override with the derived
    reference):

    * :meth:`structure_constants` and :meth:`ad` (brackets of the :meth:`basis`),
      :meth:`ad_star` (:math:`\\operatorname{ad}_x^T`), :meth:`pairing` (the dot product of
      coordinates), :meth:`killing_form`;
    * :meth:`coadjoint_exp` and :meth:`dexpinv_star` (dense matrix functions of
      :math:`\\operatorname{ad}_\\xi`), :meth:`dexpinv_star_series`;
    * :attr:`shape` ``(dim,)``, :attr:`dtype` float and the coordinate maps
      :meth:`to_coords`, :meth:`from_coords`, :meth:`dual_to_coords`,
      :meth:`dual_from_coords` (identities): an algebra whose elements are not coefficient
      vectors (matrices, say) overrides :attr:`shape` and the four coordinate maps together
      (and :attr:`dtype` for complex elements);
    * :meth:`casimirs` (none known), :attr:`name`.

    Integrators and systems call only these methods; they never look inside an element.
    Concrete algebras are final.

    Examples
    --------
    >>> import numpy as np
    >>> from liepoisson import so3
    >>> g = so3()
    >>> g.bracket(np.array([1.0, 0, 0]), np.array([0, 1.0, 0]))
    array([0., 0., 1.])
    """

    #: A short human-readable name, e.g. ``"so(3)"``.
    name: str = "g"

    # ----------------------------------------------------------------- declaration

    def __init_subclass__(cls, **kwargs):
        """Give the operations a subclass defines the diagnosis of bad operands
        (:func:`_diagnosed`)."""
        super().__init_subclass__(**kwargs)
        for name, operands in _OPERATIONS.items():
            method = cls.__dict__.get(name)
            if callable(method) and not getattr(method, "_diagnosed", False):
                setattr(cls, name, _diagnosed(method, operands))

    def _raise_operand_error(self, operation: str, operands: tuple, args: tuple, error) -> None:
        """Raise :class:`~liepoisson.ShapeError` or :class:`~liepoisson.NonFiniteError`
        naming the first operand of ``operation`` that is not a finite array of trailing
        shape :attr:`shape`, or the batch shapes that do not broadcast; return if the
        operands are fine (``error`` is then re-raised)."""
        want = tuple(self.shape)
        for name, value in zip(operands, args):
            try:
                arr = np.asarray(value)
            except Exception:  # not array-like at all
                raise ShapeError(
                    f"{self.name}.{operation}: {name} must be an array of trailing shape "
                    f"{want}, got {type(value).__name__}"
                ) from error
            if arr.ndim < len(want) or arr.shape[arr.ndim - len(want):] != want:
                raise ShapeError(
                    f"{self.name}.{operation}: {name} must have trailing shape {want}, got "
                    f"shape {arr.shape}"
                ) from error
            if arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
                raise NonFiniteError(
                    f"{self.name}.{operation}: {name} has non-finite entries"
                ) from error
        batches = [np.shape(value)[: np.ndim(value) - len(want)] for value in args[: len(operands)]]
        try:
            np.broadcast_shapes(*batches)
        except ValueError:
            described = ", ".join(f"{n} {b}" for n, b in zip(operands, batches))
            raise ShapeError(
                f"{self.name}.{operation}: the batch shapes of the operands do not broadcast "
                f"({described})"
            ) from error

    @property
    @abstractmethod
    def dim(self) -> int:
        """Dimension of the algebra."""

    @property
    def shape(self) -> tuple:
        """Trailing shape of an element of :math:`\\mathfrak g` or :math:`\\mathfrak g^*`."""
        return (self.dim,)

    @property
    def dtype(self) -> np.dtype:
        """dtype of element arrays (``float64``, or ``complex128`` for unitary matrices)."""
        return np.dtype(float)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}, dim={self.dim}>"

    # ---------------------------------------------------------------- coordinates
    def to_coords(self, x: np.ndarray) -> np.ndarray:
        """Coefficients of elements of :math:`\\mathfrak g` in the basis :math:`e_k`.

        Parameters
        ----------
        x : ndarray of shape (..., *shape)

        Returns
        -------
        ndarray of shape (..., dim), real
        """
        return np.asarray(x)

    def from_coords(self, c: np.ndarray) -> np.ndarray:
        """Element of :math:`\\mathfrak g` with coefficients ``c`` (inverse of :meth:`to_coords`).

        Parameters
        ----------
        c : ndarray of shape (..., dim)

        Returns
        -------
        ndarray of shape (..., *shape)
        """
        return np.asarray(c)

    def dual_to_coords(self, mu: np.ndarray) -> np.ndarray:
        """Coefficients of covectors in the dual basis, so that the pairing is a dot product.

        Parameters
        ----------
        mu : ndarray of shape (..., *shape)

        Returns
        -------
        ndarray of shape (..., dim), real
        """
        return np.asarray(mu)

    def dual_from_coords(self, c: np.ndarray) -> np.ndarray:
        """Covector with dual-basis coefficients ``c`` (inverse of :meth:`dual_to_coords`).

        Parameters
        ----------
        c : ndarray of shape (..., dim)

        Returns
        -------
        ndarray of shape (..., *shape)
        """
        return np.asarray(c)

    def basis(self) -> np.ndarray:
        """The basis :math:`e_1, \\dots, e_n` as an array of shape ``(dim, *shape)``."""
        return self.from_coords(np.eye(self.dim))

    def zeros(self, batch_shape: tuple = ()) -> np.ndarray:
        """The zero element, of shape ``batch_shape + shape``."""
        return np.zeros(tuple(batch_shape) + tuple(self.shape), dtype=self.dtype)

    def validate_element(self, x, name: str = "x", dual: bool = False) -> np.ndarray:
        """Check that ``x`` is a finite array of trailing shape :attr:`shape` and return it.

        Raises
        ------
        NonFiniteError
            If ``x`` has NaN or infinite entries.
        ShapeError
            If the trailing shape is not :attr:`shape`.
        """
        arr = as_finite_array(name, x)
        what = f"an element of {self.name}{'*' if dual else ''}"
        check_element_shape(name, arr, self.shape, what)
        if self.dtype.kind == "f" and arr.dtype.kind == "c":
            raise InvalidArgumentError(f"{name} must be real for {self.name}, got a complex array")
        return arr.astype(np.result_type(arr.dtype, self.dtype), copy=False)

    # ------------------------------------------------------------------ structure
    @abstractmethod
    def bracket(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The Lie bracket :math:`[x, y]`.

        Parameters
        ----------
        x, y : ndarray of shape (..., *shape)

        Returns
        -------
        ndarray of shape (..., *shape)
        """

    def ad_star(self, x: np.ndarray, mu: np.ndarray) -> np.ndarray:
        """The coadjoint operator :math:`\\operatorname{ad}^*_x \\mu = (\\operatorname{ad}_x)^T \\mu`.

        The generic implementation transposes the dense :meth:`ad` matrix.

        Parameters
        ----------
        x : ndarray of shape (..., *shape)
            Element of :math:`\\mathfrak g`.
        mu : ndarray of shape (..., *shape)
            Element of :math:`\\mathfrak g^*`.

        Returns
        -------
        ndarray of shape (..., *shape)
        """
        return self._transpose_times(self.ad(x), mu)

    def _transpose_times(self, M: np.ndarray, mu: np.ndarray) -> np.ndarray:
        """The covector with dual coordinates ``M^T dual_to_coords(mu)``, ``M`` of shape
        ``(..., dim, dim)`` acting on coordinates of :math:`\\mathfrak g`."""
        return self.dual_from_coords(np.einsum("...kj,...k->...j", M, self.dual_to_coords(mu)))

    def pairing(self, mu: np.ndarray, x: np.ndarray) -> np.ndarray:
        """The pairing :math:`\\langle \\mu, x \\rangle`.

        Parameters
        ----------
        mu : ndarray of shape (..., *shape)
        x : ndarray of shape (..., *shape)

        Returns
        -------
        ndarray of shape (...)
        """
        return np.sum(self.dual_to_coords(mu) * self.to_coords(x), axis=-1)

    @cached_property
    def _constants(self) -> np.ndarray:
        basis = self.basis()
        brackets = self.bracket(basis[:, None], basis[None, :])
        return np.ascontiguousarray(self.to_coords(brackets), dtype=float)

    def structure_constants(self) -> np.ndarray:
        """Structure constants ``C`` with :math:`[e_i, e_j] = \\sum_k C_{ijk} e_k`.

        Returns
        -------
        ndarray of shape (dim, dim, dim)
            A read-only array.
        """
        C = self._constants
        C.setflags(write=False)
        return C

    def ad(self, x: np.ndarray) -> np.ndarray:
        """Matrix of :math:`\\operatorname{ad}_x` acting on coefficient vectors.

        ``ad(x) @ to_coords(y) == to_coords(bracket(x, y))``.

        Parameters
        ----------
        x : ndarray of shape (..., *shape)

        Returns
        -------
        ndarray of shape (..., dim, dim)
        """
        return np.einsum("...i,ijk->...kj", self.to_coords(x), self.structure_constants())

    def killing_form(self) -> np.ndarray:
        """The Killing form :math:`K_{ij} = \\operatorname{tr}(\\operatorname{ad}_{e_i}\\operatorname{ad}_{e_j})`.

        Returns
        -------
        ndarray of shape (dim, dim)
        """
        C = self.structure_constants()
        return np.einsum("ikl,jlk->ij", C, C)

    def casimirs(self) -> dict[str, Callable[[np.ndarray], np.ndarray]]:
        """Known Casimir functions of :math:`\\mathfrak g^*`, by name.

        Each value maps covectors of shape ``(..., *shape)`` to values of shape ``(...)``.
        The generic algebra knows none; use :func:`liepoisson.find_casimirs` to compute a
        basis of the polynomial ones.
        """
        return {}

    # ------------------------------------------------------- functions of ad_xi
    def coadjoint_exp(self, xi: np.ndarray, mu: np.ndarray) -> np.ndarray:
        """Coadjoint action of :math:`\\exp(\\xi)`: :math:`(e^{\\operatorname{ad}_\\xi})^T \\mu`.

        The generic implementation exponentiates the dense ``ad`` matrix.

        Parameters
        ----------
        xi : ndarray of shape (..., *shape)
        mu : ndarray of shape (..., *shape)

        Returns
        -------
        ndarray of shape (..., *shape)
        """
        return self._transpose_times(scipy.linalg.expm(self.ad(xi)), mu)

    def dexpinv_star(self, xi: np.ndarray, nu: np.ndarray) -> np.ndarray:
        """:math:`A(\\operatorname{ad}_\\xi)^T \\nu` with :math:`A(x) = x / (e^x - 1)`.

        The generic implementation sums the Bernoulli series
        :math:`A(x) = \\sum_k B_k x^k / k!` when :math:`\\|\\operatorname{ad}_\\xi\\|_1 \\le 1`
        (the case of integrator steps; the number of terms is chosen so the truncation is
        below 1e-17 relative), and otherwise forms :math:`\\varphi_1(\\operatorname{ad}_\\xi)`
        by the block exponential (:func:`phi1_matrix`) and solves with its transpose, since
        :math:`A = \\varphi_1^{-1}`.

        Parameters
        ----------
        xi : ndarray of shape (..., *shape)
        nu : ndarray of shape (..., *shape)

        Returns
        -------
        ndarray of shape (..., *shape)
        """
        X = self.ad(xi)
        c = self.dual_to_coords(nu)[..., None]
        XT = np.swapaxes(X, -1, -2)
        norm = float(np.max(np.sum(np.abs(X), axis=-2))) if X.size else 0.0
        if norm <= 1.0:
            n_terms = _bernoulli_terms(norm)
            term = XT @ c
            out = c - 0.5 * term
            for k in range(2, n_terms + 1):
                term = XT @ term
                if k % 2 == 0:
                    out = out + _BERNOULLI_TAYLOR[k] * term
            return self.dual_from_coords(out[..., 0])
        PT = np.swapaxes(phi1_matrix(X), -1, -2)
        PT, c = np.broadcast_arrays(PT, c)
        return self.dual_from_coords(np.linalg.solve(PT, c)[..., 0])

    # ------------------------------------- functions of ad_xi sharing one factorisation
    @property
    def has_ad_factorisation(self) -> bool:
        """Whether :meth:`ad_factorisation` factors :math:`\\operatorname{ad}_\\xi` once (an
        eigendecomposition of :math:`\\xi` for u(n) and su(n)), so that several functions of
        it cost little more than one; otherwise (the default) it calls :meth:`dexpinv_star`
        and :meth:`coadjoint_exp` for each."""
        return False

    def ad_factorisation(self, xi: np.ndarray) -> "AdFactorisation":
        """The functions of :math:`\\operatorname{ad}_\\xi` that a Lie–Poisson
        Hamilton–Jacobi step needs, for one ``xi`` (or a batch), sharing one factorisation
        where the algebra has one (:attr:`has_ad_factorisation`).

        Parameters
        ----------
        xi : ndarray of shape (..., *shape)

        Returns
        -------
        AdFactorisation
        """
        return _SeparateAdFunctions(self, xi)

    # ------------------------------------------------ the Cayley chart (quadratic groups)
    @property
    def has_cayley(self) -> bool:
        """Whether the algebra has the Cayley chart (:meth:`dcayinv_star`,
        :meth:`coadjoint_cayley`): algebras of quadratic groups in a matrix representation,
        such as u(n), su(n), so(n) (and :func:`~liepoisson.so3`) and sp(n), or a
        :class:`~liepoisson.StructureConstantsAlgebra` given its ``representation`` and
        ``form``."""
        return False

    def dcayinv_star(self, xi: np.ndarray, nu: np.ndarray) -> np.ndarray:
        """The Cayley chart's counterpart of :meth:`dexpinv_star`:
        :math:`(I + \\xi/2)\\,\\nu\\,(I - \\xi/2)` on a matrix algebra.

        Raises
        ------
        InvalidArgumentError
            For algebras without the Cayley chart (:attr:`has_cayley` is False).
        """
        raise self._no_cayley()

    def coadjoint_cayley(self, xi: np.ndarray, mu: np.ndarray, nu: np.ndarray | None = None,
                         residual: np.ndarray | None = None,
                         residual_xi: np.ndarray | None = None) -> np.ndarray:
        """The coadjoint action of :math:`\\operatorname{cay}(\\xi) = (I - \\xi/2)^{-1}(I + \\xi/2)`,
        the Cayley chart's counterpart of :meth:`coadjoint_exp`.

        ``nu`` and ``residual`` (optional, together): a covector :math:`\\nu` and its residual
        ``dcayinv_star(residual_xi, nu) - mu`` (``residual_xi`` defaults to ``xi``), which an
        implicit solve has at hand; an algebra may use them to compute the same action more
        cheaply (the action equals ``dcayinv_star(-xi, nu_exact)`` for the solution of
        ``dcayinv_star(xi, nu_exact) == mu``).

        Raises
        ------
        InvalidArgumentError
            For algebras without the Cayley chart (:attr:`has_cayley` is False).
        """
        raise self._no_cayley()

    def _no_cayley(self):
        return InvalidArgumentError(
            f"{self.name} has no Cayley chart (it needs a matrix algebra of a quadratic group, "
            "such as u(n), su(n), so(n) or sp(n)); use chart='exp'"
        )

    def dexpinv_star_series(self, xi: np.ndarray, nu: np.ndarray, terms: int = 30) -> np.ndarray:
        """:meth:`dexpinv_star` by its Bernoulli series (a reference for tests, small ``xi``).

        :math:`A(x) = \\sum_k B_k x^k / k!` with :math:`B_1 = -1/2`; the series converges for
        :math:`\\|\\operatorname{ad}_\\xi\\| < 2\\pi`.
        """
        b = _bernoulli_taylor(terms)
        out = nu * b[0]
        term = nu
        for k in range(1, terms + 1):
            term = self.ad_star(xi, term)
            if b[k] != 0:
                out = out + b[k] * term
        return out


class AdFactorisation(ABC):
    """Functions of :math:`\\operatorname{ad}_\\xi` for one :math:`\\xi` (abstract), from
    :meth:`LieAlgebra.ad_factorisation`: an algebra that can factor
    :math:`\\operatorname{ad}_\\xi` once (u(n): the eigendecomposition of :math:`\\xi`, in
    whose basis every function of :math:`\\operatorname{ad}^*_\\xi` is an entrywise factor)
    computes it on first use and serves all three functions from it.

    With :math:`A(x) = x/(e^x - 1)` and :math:`\\varphi_1(x) = (e^x - 1)/x = A(x)^{-1}`:

    * :meth:`dexpinv_star` :math:`\\nu \\mapsto A(\\operatorname{ad}_\\xi)^T\\nu`
      (:meth:`LieAlgebra.dexpinv_star`);
    * :meth:`dexp_star` :math:`\\mu \\mapsto \\varphi_1(\\operatorname{ad}_\\xi)^T\\mu`, its
      inverse: the :math:`\\nu` with ``dexpinv_star(nu) == mu``;
    * :meth:`coadjoint_exp` :math:`\\mu \\mapsto (e^{\\operatorname{ad}_\\xi})^T\\mu`
      (:meth:`LieAlgebra.coadjoint_exp`); since :math:`e^x = 1 + x\\varphi_1(x)`, it equals
      :math:`\\mu + \\operatorname{ad}^*_\\xi\\nu` for :math:`\\nu` = ``dexp_star(mu)``, one
      bracket when :math:`\\nu` is at hand.

    Parameters
    ----------
    algebra : LieAlgebra
    xi : ndarray of shape (..., *shape)

    Raises
    ------
    ShapeError
        If ``xi`` does not have the trailing shape of the algebra's elements.
    """

    def __init__(self, algebra: LieAlgebra, xi: np.ndarray):
        xi = np.asarray(xi)
        check_element_shape("xi", xi, algebra.shape, f"an element of {algebra.name}, for ad_factorisation")
        self.algebra = algebra
        self.xi = xi

    @abstractmethod
    def dexpinv_star(self, nu: np.ndarray) -> np.ndarray:
        """:math:`A(\\operatorname{ad}_\\xi)^T\\nu`.

        Parameters
        ----------
        nu : ndarray of shape (..., *shape)

        Returns
        -------
        ndarray of shape (..., *shape)
        """

    @abstractmethod
    def dexp_star(self, mu: np.ndarray) -> np.ndarray:
        """:math:`\\varphi_1(\\operatorname{ad}_\\xi)^T\\mu`, the inverse of :meth:`dexpinv_star`.

        Parameters
        ----------
        mu : ndarray of shape (..., *shape)

        Returns
        -------
        ndarray of shape (..., *shape)
        """

    def coadjoint_exp(self, mu: np.ndarray, dexp_star: np.ndarray | None = None) -> np.ndarray:
        """:math:`(e^{\\operatorname{ad}_\\xi})^T\\mu`.

        Parameters
        ----------
        mu : ndarray of shape (..., *shape)
        dexp_star : ndarray of shape (..., *shape), optional
            :meth:`dexp_star` of ``mu``, when the caller has it: the action is then
            :math:`\\mu + \\operatorname{ad}^*_\\xi` ``dexp_star`` (one bracket, no
            factorisation), equal to it up to the round-off of ``dexp_star``.

        Returns
        -------
        ndarray of shape (..., *shape)
        """
        if dexp_star is None:
            return self._coadjoint_exp(mu)
        return mu + self.algebra.ad_star(self.xi, dexp_star)

    @abstractmethod
    def _coadjoint_exp(self, mu: np.ndarray) -> np.ndarray:
        """:meth:`coadjoint_exp` without ``dexp_star``."""


class _SeparateAdFunctions(AdFactorisation):
    """:class:`AdFactorisation` of an algebra without a shared factorisation (final): each
    function is the algebra's own method (:math:`\\varphi_1` from :func:`phi1_matrix`)."""

    def dexpinv_star(self, nu):
        return self.algebra.dexpinv_star(self.xi, nu)

    def dexp_star(self, mu):
        return self.algebra._transpose_times(phi1_matrix(self.algebra.ad(self.xi)), mu)

    def _coadjoint_exp(self, mu):
        return self.algebra.coadjoint_exp(self.xi, mu)


for _name, _operands in _OPERATIONS.items():
    if not getattr(getattr(LieAlgebra, _name), "__isabstractmethod__", False):
        setattr(LieAlgebra, _name, _diagnosed(getattr(LieAlgebra, _name), _operands))


