"""Numerical derivatives: the one set of fallbacks for functions given without derivatives.

* :func:`complex_step`: the derivative of an analytic function along a direction,
  :math:`\\operatorname{Im} f(x + i h v)/h` with :math:`h = 10^{-30}`: exact to round-off (no
  subtractive cancellation), for code written with complex-analytic numpy operations;
  :func:`complex_step_second`, the second derivative along a direction, likewise;
* :func:`central_difference` and :func:`central_second_difference`: 4th-order central
  differences, for any smooth function;
* :func:`complex_step_problem`: whether the complex step can be trusted on a function (it
  is checked once against central differences);
* :func:`numerical_gradient`: the gradient of a function on :math:`\\mathfrak g^*`.

They serve :class:`~liepoisson.LiePoissonSystem` (Hessian-vector products and third
derivatives of a Hamiltonian without them, a gradient without one),
:class:`~liepoisson.LiePoissonHJ` (whether the series can use complex steps) and the models
(vector-Jacobian products of networks without exact ones).

Gradients
---------
The fallback used when a system is given a Hamiltonian without its gradient. It works in
the dual coordinates of the algebra (where the pairing is the dot product), so the gradient
of :math:`f : \\mathfrak g^* \\to \\mathbb R` is returned as an element of
:math:`\\mathfrak g`.

Accuracy: the 8th-order central stencil with step
:math:`h = 2\\cdot 10^{-3}\\max(1, \\|\\mu\\|_\\infty)` has truncation error
:math:`O(h^8)` and round-off :math:`O(\\varepsilon |f| / h)`; for smooth functions of
moderate size the relative error is about ``1e-12`` (tested to ``1e-10``). It is linear in
``f``, so it also differentiates the imaginary part of ``f`` at complex ``mu`` (which is
how higher derivatives are obtained by complex steps, see :mod:`liepoisson.system`). It costs
``8 * dim`` evaluations of ``f``, done in one vectorised call, so ``f`` must broadcast over
leading axes.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

__all__ = [
    "COMPLEX_STEP",
    "complex_step",
    "complex_step_second",
    "central_difference",
    "central_second_difference",
    "complex_step_problem",
    "numerical_gradient",
]

#: The step of :func:`complex_step`: tiny, since there is no cancellation to fear.
COMPLEX_STEP = 1e-30

# 8th-order central difference weights for offsets 1..4 (antisymmetric stencil)
_OFFSETS = np.array([1.0, 2.0, 3.0, 4.0])
_WEIGHTS = np.array([4.0 / 5, -1.0 / 5, 4.0 / 105, -1.0 / 280])
_REL_STEP = 2e-3


def numerical_gradient(f: Callable[[np.ndarray], np.ndarray], algebra, mu: np.ndarray) -> np.ndarray:
    """Gradient :math:`\\nabla f(\\mu) \\in \\mathfrak g` by an 8th-order central stencil.

    Parameters
    ----------
    f : callable
        Maps covectors of shape ``(..., *algebra.shape)`` to values of shape ``(...)``.
    algebra : LieAlgebra
    mu : ndarray of shape (..., *algebra.shape)

    Returns
    -------
    ndarray of shape (..., *algebra.shape)
        The element :math:`\\xi` with :math:`\\langle \\delta\\mu, \\xi\\rangle = Df(\\mu)\\,\\delta\\mu`.
    """
    c = np.asarray(algebra.dual_to_coords(mu))
    if c.dtype.kind not in "fc":
        c = c.astype(float)
    dim = c.shape[-1]
    scale = np.maximum(1.0, np.max(np.abs(c), axis=-1, keepdims=True))  # (..., 1)
    h = _REL_STEP * scale
    # points[..., s, k, :] = c + sign_s * offset * h * e_k, s over (+1..+4, -1..-4)
    steps = np.concatenate([_OFFSETS, -_OFFSETS])[:, None, None] * np.eye(dim)  # (8, dim, dim)
    points = c[..., None, None, :] + h[..., None, None] * steps
    # complex values are kept: a complex-step perturbation of mu passes through linearly
    values = np.asarray(f(algebra.dual_from_coords(points)))  # (..., 8, dim)
    diff = values[..., :4, :] - values[..., 4:, :]
    grad = np.einsum("s,...sk->...k", _WEIGHTS, diff) / h
    return algebra.from_coords(grad)


def complex_step(evaluate: Callable[[complex], np.ndarray], h=COMPLEX_STEP) -> np.ndarray:
    """:math:`\\frac{d}{ds}` ``evaluate(s)`` at :math:`s = 0` by a complex step,
    :math:`\\operatorname{Im}\\,\\mathrm{evaluate}(ih)/h`.

    Parameters
    ----------
    evaluate : callable
        ``s -> f(x + s v)`` (any shapes), complex-analytic in ``s``.
    h : float or ndarray
        The step (broadcast against the values); default :data:`COMPLEX_STEP`.

    Returns
    -------
    ndarray
        The directional derivative :math:`Df(x)[v]`, exact to round-off.

    Examples
    --------
    >>> import numpy as np
    >>> bool(complex_step(lambda s: np.sin(1.0 + s)) == np.cos(1.0))
    True
    """
    return np.imag(evaluate(1j * h)) / h


def complex_step_second(evaluate: Callable[[complex], np.ndarray], h) -> np.ndarray:
    """:math:`\\frac{d^2}{ds^2}` ``evaluate(s)`` at 0 by a complex step along
    :math:`\\omega = e^{i\\pi/4}`,

    .. math::  \\operatorname{Im}\\big(e(\\omega h) + e(-\\omega h)\\big) / h^2 + O(h^4),

    which has no subtractive cancellation (:math:`\\omega^2 = i`): with :math:`h` about
    ``1e-3`` of the scale the relative error is about 1e-12 for smooth functions.

    Parameters
    ----------
    evaluate : callable
        ``s -> f(x + s v)``, complex-analytic in ``s``.
    h : float or ndarray

    Returns
    -------
    ndarray
        :math:`D^2f(x)[v, v]`.

    Examples
    --------
    >>> import numpy as np
    >>> bool(abs(complex_step_second(lambda s: np.exp(s), 1e-3) - 1.0) < 1e-12)
    True
    """
    w = np.exp(0.25j * np.pi) * h
    return np.imag(evaluate(w) + evaluate(-w)) / h**2


def central_difference(evaluate: Callable[[float], np.ndarray], h) -> np.ndarray:
    """:math:`\\frac{d}{ds}` ``evaluate(s)`` at 0 by the 4th-order central difference

    .. math::  \\frac{8\\,(e(1) - e(-1)) - (e(2) - e(-2))}{12 h},

    where ``evaluate(k)`` is the function ``k`` steps away (the step folded into it).

    Parameters
    ----------
    evaluate : callable
        ``k -> f(x + k h v)`` for ``k`` in ``(1, -1, 2, -2)``.
    h : float or ndarray
        The step (broadcast against the values).

    Returns
    -------
    ndarray
        :math:`Df(x)[v] + O(h^4)`; round-off :math:`O(\\varepsilon |f| / h)`.

    Examples
    --------
    >>> import numpy as np
    >>> h = 1e-3
    >>> bool(abs(central_difference(lambda k: np.sin(1.0 + k * h), h) - np.cos(1.0)) < 1e-12)
    True
    """
    return (8.0 * (evaluate(1.0) - evaluate(-1.0)) - (evaluate(2.0) - evaluate(-2.0))) / (12.0 * h)


def central_second_difference(evaluate: Callable[[float], np.ndarray], h, center=None) -> np.ndarray:
    """:math:`\\frac{d^2}{ds^2}` ``evaluate(s)`` at 0 by the 4th-order central difference

    .. math::  \\frac{16\\,(e(1) + e(-1)) - (e(2) + e(-2)) - 30\\,e(0)}{12 h^2}.

    Parameters
    ----------
    evaluate : callable
        ``k -> f(x + k h v)``.
    h : float or ndarray
    center : ndarray, optional
        ``evaluate(0)`` when the caller has it.

    Returns
    -------
    ndarray
        :math:`D^2f(x)[v, v] + O(h^4)`.
    """
    f0 = evaluate(0.0) if center is None else center
    return (16.0 * (evaluate(1.0) + evaluate(-1.0)) - (evaluate(2.0) + evaluate(-2.0)) - 30.0 * f0) / (12.0 * h**2)


def complex_step_problem(evaluate: Callable, h: float, rtol: float = 1e-6, floor: float = 1e-8) -> str | None:
    """Why the complex step of ``evaluate`` cannot be trusted, or None when it can.

    It cannot when ``evaluate`` raises on a complex argument, returns real or non-finite
    values for it (code using ``abs``, ``np.real``, comparisons, ...), or disagrees with
    :func:`central_difference` of step ``h`` by more than ``rtol`` relative to
    ``max(|central|, floor)``.

    Parameters
    ----------
    evaluate : callable
        ``s -> f(x + s v)``, called with complex and real ``s``.
    h : float
        The step of the central difference, in units of ``s``.
    rtol, floor : float

    Returns
    -------
    str or None

    Examples
    --------
    >>> import numpy as np
    >>> complex_step_problem(lambda s: np.sin(1.0 + s), 1e-3) is None
    True
    >>> complex_step_problem(lambda s: np.abs(1.0 + s) ** 3, 1e-3)
    'it returns real values for complex input'
    >>> complex_step_problem(lambda s: np.sqrt((1.0 + s) * np.conj(1.0 + s)), 1e-3)
    'it disagrees with central differences (relative difference 1.0e+00)'
    """
    try:
        values = evaluate(1j * COMPLEX_STEP)
    except Exception as exc:  # any failure of complex arithmetic in user code
        return f"complex input raised {type(exc).__name__}: {exc}"
    if not np.iscomplexobj(values):
        return "it returns real values for complex input"
    derivative = np.imag(values) / COMPLEX_STEP
    reference = central_difference(lambda k: evaluate(k * h), h)
    scale = max(float(np.max(np.abs(reference), initial=0.0)), floor)
    gap = float(np.max(np.abs(derivative - reference), initial=0.0)) / scale
    if not gap <= rtol:
        return f"it disagrees with central differences (relative difference {gap:.1e})"
    return None
