"""Lie algebras given by their structure constants."""

from __future__ import annotations

from typing import Callable, Mapping

import numpy as np

from .._validation import as_finite_array, check_real
from ..exceptions import InvalidArgumentError, InvalidStructureConstantsError
from .base import LieAlgebra

__all__ = ["StructureConstantsAlgebra", "check_structure_constants"]


def check_structure_constants(constants, rtol: float = 1e-10) -> np.ndarray:
    """Validate structure constants and return them as a float array.

    Checks the shape ``(n, n, n)``, finiteness, antisymmetry
    :math:`C_{ijk} = -C_{jik}` and the Jacobi identity
    :math:`\\sum_l C_{ijl} C_{lkm} + C_{jkl} C_{lim} + C_{kil} C_{ljm} = 0`.

    Parameters
    ----------
    constants : array_like of shape (n, n, n)
    rtol : float
        Relative tolerance, finite and > 0: residuals are compared with
        ``rtol * max|C|**2`` (Jacobi) and ``rtol * max|C|`` (antisymmetry), so the checks do
        not depend on the scale of the constants.

    Returns
    -------
    ndarray of shape (n, n, n)

    Raises
    ------
    InvalidStructureConstantsError
        Naming the failed law, the worst index triple and its residual.
    """
    rtol = check_real("rtol", rtol, positive=True)
    C = as_finite_array("constants", constants)
    if C.ndim != 3 or not (C.shape[0] == C.shape[1] == C.shape[2]) or C.shape[0] < 1:
        raise InvalidStructureConstantsError(
            f"constants must have shape (n, n, n) with n >= 1, got shape {C.shape}"
        )
    if C.dtype.kind == "c":
        raise InvalidStructureConstantsError("constants must be real, got a complex array")
    C = C.astype(float)
    scale = float(np.max(np.abs(C)))
    anti = C + np.swapaxes(C, 0, 1)
    worst = np.unravel_index(np.argmax(np.abs(anti)), anti.shape)
    if abs(anti[worst]) > rtol * scale:
        i, j, k = (int(v) for v in worst)
        raise InvalidStructureConstantsError(
            f"constants are not antisymmetric: C[{i},{j},{k}] + C[{j},{i},{k}] = "
            f"{anti[worst]:.3e} (should be 0)"
        )
    # Jacobi <=> ad is a representation: ad([e_i, e_j]) = [ad e_i, ad e_j], checked one i
    # at a time so that memory stays O(n^3). R[j, m, k] is the e_m coefficient of
    # [[e_i, e_j], e_k] - [e_i, [e_j, e_k]] + [e_j, [e_i, e_k]].
    ad = np.transpose(C, (0, 2, 1))  # ad[i] @ y = [e_i, y]
    worst_res, worst_triple = 0.0, (0, 0, 0)
    for i in range(C.shape[0]):
        R = np.einsum("jl,lmk->jmk", C[i], ad) - (ad[i] @ ad - ad @ ad[i])
        res = np.max(np.abs(R), axis=1)
        j, k = np.unravel_index(np.argmax(res), res.shape)
        if res[j, k] > worst_res:
            worst_res, worst_triple = float(res[j, k]), (i, int(j), int(k))
    if worst_res > rtol * scale**2:
        i, j, k = worst_triple
        raise InvalidStructureConstantsError(
            f"constants violate the Jacobi identity: worst triple (i, j, k) = ({i}, {j}, {k}), "
            f"residual max_m |([[e_i,e_j],e_k] + [[e_j,e_k],e_i] + [[e_k,e_i],e_j])_m| = "
            f"{worst_res:.3e}"
        )
    return C


def _trace_form_weights(basis: np.ndarray, scale: float) -> np.ndarray:
    """Weights :math:`W` with :math:`M(\\mu) = \\sum_a \\mu_a W_a` the matrix of a covector.

    :math:`M(\\mu)` is the element of the matrix algebra with
    ``scale * tr(M(mu) B_a) == mu[a]`` for every basis matrix :math:`B_a`. The form
    :math:`(X, Y) \\mapsto \\mathrm{scale}\\cdot\\operatorname{tr}(XY)` is invariant, so the
    coadjoint action becomes conjugation of :math:`M(\\mu)` and every
    :math:`\\operatorname{tr} M(\\mu)^k` is a Casimir.
    """
    gram = scale * np.einsum("aij,bji->ab", basis, basis)
    weights = np.einsum("ab,bij->aij", np.linalg.inv(gram), basis)
    weights.setflags(write=False)
    return weights


class StructureConstantsAlgebra(LieAlgebra):
    """A Lie algebra defined by its structure constants (final).

    Elements of :math:`\\mathfrak g` and :math:`\\mathfrak g^*` are coefficient vectors of
    shape ``(..., dim)``. The constants are validated at construction (shape, antisymmetry,
    Jacobi identity); the functions of :math:`\\operatorname{ad}_\\xi` use dense matrices.

    Parameters
    ----------
    constants : array_like of shape (n, n, n)
        ``C[i, j, k]`` with :math:`[e_i, e_j] = \\sum_k C_{ijk} e_k`.
    name : str, optional
        Human-readable name.
    casimirs : mapping of str to callable, optional
        Known Casimir functions (``mu -> value``, broadcasting over leading axes).
    rtol : float
        Tolerance of the validation (relative to the size of the constants).
    representation : array_like of shape (n, m, m), optional
        Real matrices :math:`B_i` with :math:`[B_i, B_j] = \\sum_k C_{ijk} B_k`: the basis in a
        faithful matrix representation whose group is *quadratic*,
        :math:`\\{g : g^T P g = P\\}` for the invertible ``form`` :math:`P` (so(n): the
        identity; sp(n): the symplectic :math:`J`). Given with ``form``, the algebra has the
        Cayley chart (:attr:`has_cayley`): a covector :math:`\\mu` is the matrix
        :math:`M(\\mu)` of the algebra with :math:`\\operatorname{tr}(M(\\mu) B_i) = \\mu_i`
        (the trace form, which must be nondegenerate), on which the coadjoint action is
        conjugation, and :meth:`dcayinv_star` and :meth:`coadjoint_cayley` are the matrix
        formulas of :class:`~liepoisson.UnitaryAlgebra`, with the transpose for the
        Hermitian transpose.
    form : array_like of shape (m, m), optional
        :math:`P`, with :math:`B_i^T P + P B_i = 0` for every :math:`i`.

    Raises
    ------
    InvalidStructureConstantsError
        If ``constants`` are not those of a Lie algebra.
    InvalidArgumentError
        If ``representation`` and ``form`` are not given together, or do not represent the
        constants (shapes, the commutators, the form kept, an invertible form and trace
        form), naming the worst residual.

    Examples
    --------
    >>> import numpy as np
    >>> from liepoisson import StructureConstantsAlgebra
    >>> C = np.zeros((2, 2, 2)); C[0, 1, 1], C[1, 0, 1] = 1.0, -1.0   # [e0, e1] = e1
    >>> g = StructureConstantsAlgebra(C, name="aff(1)")
    >>> g.bracket(np.array([1.0, 0.0]), np.array([0.0, 2.0]))
    array([0., 2.])
    """

    def __init__(
        self,
        constants,
        name: str | None = None,
        casimirs: Mapping[str, Callable[[np.ndarray], np.ndarray]] | None = None,
        rtol: float = 1e-10,
        representation=None,
        form=None,
    ):
        C = check_structure_constants(constants, rtol=rtol)
        C.setflags(write=False)
        self._C = C
        self.name = name if name is not None else f"g{C.shape[0]}"
        self._casimirs = dict(casimirs or {})
        if (representation is None) != (form is None):
            raise InvalidArgumentError(
                "representation and form must be given together (the Cayley chart needs both), got "
                + ("representation only" if form is None else "form only")
            )
        self._cayley = None if representation is None else _QuadraticRepresentation(C, representation, form, rtol)

    @property
    def dim(self) -> int:
        return self._C.shape[0]

    def structure_constants(self) -> np.ndarray:
        return self._C

    def bracket(self, x, y):
        return np.einsum("...i,...j,ijk->...k", x, y, self._C)

    def ad_star(self, x, mu):
        return np.einsum("...i,ijk,...k->...j", x, self._C, mu)

    def pairing(self, mu, x):
        return np.sum(np.asarray(mu) * np.asarray(x), axis=-1)

    def casimirs(self):
        return dict(self._casimirs)

    # ------------------------------------------------ the Cayley chart (quadratic groups)
    @property
    def has_cayley(self) -> bool:
        return self._cayley is not None

    def dcayinv_star(self, xi, nu):
        """:math:`(I + X/2)\\,N\\,(I - X/2)` with :math:`X` the matrix of ``xi`` and :math:`N`
        that of the covector ``nu`` (see ``representation``), as a covector.

        Parameters
        ----------
        xi, nu : ndarray of shape (..., dim)

        Returns
        -------
        ndarray of shape (..., dim)
        """
        rep = self._representation()
        X, N = rep.element(xi), rep.covector(nu)
        XN = X @ N
        return rep.coordinates(N + 0.5 * (XN - N @ X) - 0.25 * (XN @ X))

    def coadjoint_cayley(self, xi, mu, nu=None, residual=None, residual_xi=None):
        """:math:`C M C^{-1}` with :math:`C = (I + X/2)^{-1}(I - X/2)`, in the group, and
        :math:`M` the matrix of ``mu``: the coadjoint action of :math:`\\operatorname{cay}(\\xi)`,
        which keeps every Casimir. The matrices are small, so the action is always computed
        from :math:`C` (two LU solves); ``nu``, ``residual`` and ``residual_xi`` are accepted
        for the interface and not needed.

        Parameters
        ----------
        xi, mu : ndarray of shape (..., dim)

        Returns
        -------
        ndarray of shape (..., dim)
        """
        rep = self._representation()
        X, M = rep.element(xi), rep.covector(mu)
        eye = np.eye(X.shape[-1])
        plus, minus = eye + 0.5 * X, eye - 0.5 * X
        C = np.linalg.solve(plus, minus)
        C_inverse = np.linalg.solve(minus, plus)
        return rep.coordinates(C @ M @ C_inverse)

    def _representation(self) -> "_QuadraticRepresentation":
        if self._cayley is None:
            raise self._no_cayley()
        return self._cayley


class _QuadraticRepresentation:
    """The matrices of a :class:`StructureConstantsAlgebra` in a representation of a quadratic
    group, validated: elements :math:`X(\\xi) = \\sum_i \\xi_i B_i`, covectors
    :math:`M(\\mu) = \\sum_i \\mu_i W_i` with :math:`\\operatorname{tr}(W_i B_j) = \\delta_{ij}`
    (the trace form's dual basis), and back :math:`\\mu_i = \\operatorname{tr}(M B_i)`."""

    def __init__(self, C: np.ndarray, representation, form, rtol: float):
        B = as_finite_array("representation", representation, dtype=float)
        P = as_finite_array("form", form, dtype=float)
        n = C.shape[0]
        if B.ndim != 3 or B.shape[0] != n or B.shape[1] != B.shape[2]:
            raise InvalidArgumentError(
                f"representation must have shape ({n}, m, m) (one matrix per basis element), got shape {B.shape}"
            )
        m = B.shape[1]
        if P.shape != (m, m):
            raise InvalidArgumentError(f"form must have shape ({m}, {m}), got shape {P.shape}")
        scale = max(float(np.max(np.abs(B))), np.finfo(float).tiny)
        # [B_i, B_j] = sum_k C_ijk B_k
        products = np.einsum("iab,jbc->ijac", B, B)
        defect = products - np.swapaxes(products, 0, 1) - np.einsum("ijk,kab->ijab", C, B)
        if np.max(np.abs(defect)) > rtol * max(1.0, float(np.max(np.abs(C)))) * scale**2:
            raise InvalidArgumentError(
                "representation does not represent the constants: max |[B_i, B_j] - sum_k C_ijk B_k| = "
                f"{np.max(np.abs(defect)):.3e}"
            )
        if np.linalg.cond(P) > 1.0 / rtol:
            raise InvalidArgumentError(f"form must be invertible, got a matrix of condition number {np.linalg.cond(P):.3e}")
        kept = np.einsum("iba,bc->iac", B, P) + np.einsum("ab,ibc->iac", P, B)
        if np.max(np.abs(kept)) > rtol * scale * float(np.max(np.abs(P))):
            raise InvalidArgumentError(
                "form is not kept by the representation (the group is not quadratic for it): "
                f"max |B_i^T P + P B_i| = {np.max(np.abs(kept)):.3e}"
            )
        gram = np.einsum("iab,jba->ij", B, B)
        if np.linalg.cond(gram) > 1.0 / rtol:
            raise InvalidArgumentError(
                "the trace form tr(XY) of representation is degenerate (condition number "
                f"{np.linalg.cond(gram):.3e}): covectors cannot be matrices of the algebra"
            )
        B.setflags(write=False)
        self.basis = B
        self.weights = _trace_form_weights(B, 1.0)

    def element(self, xi) -> np.ndarray:
        return np.einsum("...i,iab->...ab", xi, self.basis)

    def covector(self, mu) -> np.ndarray:
        return np.einsum("...i,iab->...ab", mu, self.weights)

    def coordinates(self, M) -> np.ndarray:
        return np.einsum("...ab,iba->...i", M, self.basis)
