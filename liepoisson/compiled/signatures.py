"""numba types of the compiled kernels.

Every kernel that the stepping loops call through a function pointer has one of a few fixed
signatures, so that the loops are compiled once (and cached on disk) whatever the algebra
and the user's callables: the loops receive them as first-class function values.
"""

from __future__ import annotations

from numba import types

__all__ = [
    "VEC",
    "CVEC",
    "MAT3",
    "UNARY",
    "UNARY_COMPLEX",
    "BINARY",
    "TERNARY",
    "OPERATION",
    "UNARY_F",
    "UNARY_COMPLEX_F",
    "BINARY_F",
    "TERNARY_F",
    "OPERATION_F",
]

#: One element of g or g*: a C-contiguous float64 vector of length ``dim``.
VEC = types.float64[::1]
#: The same with complex entries (complex-step derivatives).
CVEC = types.complex128[::1]
#: Saved states of one trajectory, ``(n_saved, dim)``, or of a batch ``(batch, n_saved, dim)``.
MAT3 = types.float64[:, :, ::1]

#: ``grad_H(mu)``.
UNARY = VEC(VEC)
#: ``grad_H(mu)`` on complex states.
UNARY_COMPLEX = CVEC(CVEC)
#: ``hessian_vector(mu, v)``.
BINARY = VEC(VEC, VEC)
#: ``third_derivative(mu, u, v)``.
TERNARY = VEC(VEC, VEC, VEC)
#: The algebra operations ``op(x, y, data, out)``, writing into ``out``.
OPERATION = types.void(VEC, VEC, VEC, VEC)

UNARY_F = types.FunctionType(UNARY)
UNARY_COMPLEX_F = types.FunctionType(UNARY_COMPLEX)
BINARY_F = types.FunctionType(BINARY)
TERNARY_F = types.FunctionType(TERNARY)
OPERATION_F = types.FunctionType(OPERATION)
