"""numba types of the compiled kernels.

Every kernel that the stepping loops call through a function pointer has one of a few fixed
signatures, so that the loops are compiled once (and cached on disk) whatever the algebra
and the user's callables: the loops receive them as first-class function values. Kernels act
on a block of states at once, ``(n, dim)`` arrays (one trajectory is a block of one), so
that a call, and the allocation of its result, is shared by the block.
"""

from __future__ import annotations

from numba import types

__all__ = [
    "VEC",
    "BLOCK",
    "CBLOCK",
    "MAT3",
    "UNARY",
    "UNARY_COMPLEX",
    "BINARY",
    "TERNARY",
    "UNARY_F",
    "UNARY_COMPLEX_F",
    "BINARY_F",
    "TERNARY_F",
]

#: A float64 vector (the algebra's parameters, substep coefficients).
VEC = types.float64[::1]
#: A block of elements of g or g*: C-contiguous float64, ``(n, dim)``.
BLOCK = types.float64[:, ::1]
#: The same with complex entries (complex-step derivatives).
CBLOCK = types.complex128[:, ::1]
#: Saved states of a batch, ``(batch, n_saved, dim)``.
MAT3 = types.float64[:, :, ::1]

#: ``grad_H(mu)``.
UNARY = BLOCK(BLOCK)
#: ``grad_H(mu)`` on complex states.
UNARY_COMPLEX = CBLOCK(CBLOCK)
#: ``hessian_vector(mu, v)``.
BINARY = BLOCK(BLOCK, BLOCK)
#: ``third_derivative(mu, u, v)``.
TERNARY = BLOCK(BLOCK, BLOCK, BLOCK)

UNARY_F = types.FunctionType(UNARY)
UNARY_COMPLEX_F = types.FunctionType(UNARY_COMPLEX)
BINARY_F = types.FunctionType(BINARY)
TERNARY_F = types.FunctionType(TERNARY)
