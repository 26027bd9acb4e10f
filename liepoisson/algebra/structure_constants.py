"""Lie algebras given by their structure constants."""

from __future__ import annotations

from typing import Callable, Mapping

import numpy as np

from .._validation import as_finite_array, check_real
from ..exceptions import InvalidStructureConstantsError
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

    Raises
    ------
    InvalidStructureConstantsError
        If ``constants`` are not those of a Lie algebra.

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
    ):
        C = check_structure_constants(constants, rtol=rtol)
        C.setflags(write=False)
        self._C = C
        self.name = name if name is not None else f"g{C.shape[0]}"
        self._casimirs = dict(casimirs or {})

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
