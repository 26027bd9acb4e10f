"""Lie–Poisson systems: an algebra, a Hamiltonian on its dual, and the Casimirs."""

from __future__ import annotations

import functools
import math
from typing import Callable, Mapping

import numpy as np

from ._validation import _describe, as_finite_array
from .algebra.base import LieAlgebra
from .derivatives import COMPLEX_STEP, central_difference, complex_step, complex_step_second, numerical_gradient
from .exceptions import InvalidArgumentError, NonFiniteError, ShapeError

__all__ = ["LiePoissonSystem"]


class LiePoissonSystem:
    """A Hamiltonian system on the dual of a Lie algebra.

    The equation of motion is the (minus, body) Lie–Poisson equation

    .. math::

        \\dot\\mu = \\operatorname{ad}^*_{\\nabla H(\\mu)}\\,\\mu = J(\\mu)\\,\\nabla H(\\mu),
        \\qquad J(\\mu)_{ij} = -\\sum_k C_{ijk}\\,\\mu_k .

    Models subclass it and pass their exact derivatives to this constructor.

    **Contract with integrators.** Integrators (and :func:`liepoisson.integrate`) use only
    these members, which a subclass may override (e.g. with a cheaper chart or matrix-free
    forms) but must keep consistent:

    * :attr:`algebra`, :attr:`state_shape`, :attr:`chart`, :meth:`validate_state`;
    * :meth:`covector` (state to :math:`\\mu`), :meth:`act` (coadjoint action of
      :math:`\\exp\\xi` on a state), :meth:`state_vector_field`, :meth:`vector_field`;
    * :meth:`gradient`, :meth:`hessian_vector`, :meth:`third_derivative` and the flags
      :attr:`has_exact_gradient`, :attr:`has_exact_hessian_vector`,
      :attr:`has_exact_second_derivatives` (which choose solvers and schemes);
    * :meth:`derivative_callables` (the compiled path), :meth:`invariants` (recorded along a
      trajectory), :meth:`poisson_tensor` (diagnostics).

    :func:`liepoisson.testing.verify_system` checks the laws relating them
    (:data:`liepoisson.testing.laws.SYSTEM_LAWS`).

    Parameters
    ----------
    algebra : LieAlgebra
        The algebra :math:`\\mathfrak g`; states live in :math:`\\mathfrak g^*`.
    hamiltonian : callable
        ``H(mu)``, mapping ``(..., *algebra.shape)`` to ``(...)``.
    gradient : callable, optional
        ``grad_H(mu)``, the element :math:`\\nabla H(\\mu) \\in \\mathfrak g` of shape
        ``(..., *algebra.shape)``. When omitted, :func:`liepoisson.derivatives.numerical_gradient`
        is used (8th-order central differences, relative error about 1e-12).
    casimirs : mapping of str to callable, optional
        Casimir functions by name; defaults to ``algebra.casimirs()``.
    hessian_vector : callable, optional
        ``hvp(mu, v)`` :math:`= D^2H(\\mu)[v] \\in \\mathfrak g` for ``v`` in
        :math:`\\mathfrak g^*` (used by high-order integrators).
    third_derivative : callable, optional
        ``d3(mu, u, v)`` :math:`= D^3H(\\mu)[u, v, \\cdot] \\in \\mathfrak g`.
    name : str, optional
    chart : OrbitChart, optional
        When given, the states of the system are the chart's states (e.g. wavefunctions
        standing for pure density matrices, :class:`liepoisson.orbit.PureStateChart`);
        integrators then work with :meth:`covector`, :meth:`act` and
        :meth:`state_vector_field` and return states of the chart.
    vectorized : bool
        Whether the callables accept a batch of states (leading axes) and return one
        result per state (default). With ``False`` they are written for one state and are
        called once per state of a batch (as ``scipy.integrate.solve_ivp`` does by default;
        slower). :func:`liepoisson.integrate` checks the shapes the callables return once,
        before the first step (:meth:`check_callables`).
    affine_gradient : tuple of (array_like of shape (dim, dim), array_like of shape (dim,)), optional
        :math:`(M, c)` when the gradient is exactly affine, :math:`\\nabla H(\\mu) = M\\mu + c`
        (quadratic Hamiltonians; states must be coefficient vectors). The compiled path of
        :func:`liepoisson.integrate` then evaluates the gradient as this matrix without
        calling ``gradient`` at every step to confirm it (which it does for an affine form
        it reads off the gradient itself). Checked against ``gradient`` here, at three
        random states.

    Examples
    --------
    The free rigid body with :math:`I = (1, 2, 3)` gives Euler's equations
    :math:`\\dot\\Pi = \\Pi \\times I^{-1}\\Pi`:

    >>> import numpy as np
    >>> from liepoisson import so3, LiePoissonSystem
    >>> I = np.array([1.0, 2.0, 3.0])
    >>> body = LiePoissonSystem(so3(), lambda m: 0.5 * np.sum(m**2 / I, axis=-1),
    ...                         gradient=lambda m: m / I)
    >>> mu = np.array([1.0, 1.0, 1.0])
    >>> np.allclose(body.vector_field(mu), np.cross(mu, mu / I))
    True
    """

    def __init__(
        self,
        algebra: LieAlgebra,
        hamiltonian: Callable[[np.ndarray], np.ndarray],
        gradient: Callable[[np.ndarray], np.ndarray] | None = None,
        casimirs: Mapping[str, Callable[[np.ndarray], np.ndarray]] | None = None,
        hessian_vector: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
        third_derivative: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray] | None = None,
        name: str | None = None,
        chart=None,
        vectorized: bool = True,
        affine_gradient=None,
    ):
        if not isinstance(algebra, LieAlgebra):
            raise InvalidArgumentError(f"algebra must be a LieAlgebra, got {_describe(algebra)}")
        for arg, value in (
            ("hamiltonian", hamiltonian),
            ("gradient", gradient),
            ("hessian_vector", hessian_vector),
            ("third_derivative", third_derivative),
        ):
            if value is not None and not callable(value):
                raise InvalidArgumentError(f"{arg} must be callable, got {_describe(value)}")
        if hamiltonian is None:
            raise InvalidArgumentError("hamiltonian must be callable, got None")
        if casimirs is None:
            casimirs = algebra.casimirs()
        if not isinstance(casimirs, Mapping):
            raise InvalidArgumentError(
                f"casimirs must be a mapping of name to callable, got {_describe(casimirs)}"
            )
        for key, value in casimirs.items():
            if not callable(value):
                raise InvalidArgumentError(f"casimirs[{key!r}] must be callable, got {_describe(value)}")
        if "energy" in casimirs:
            raise InvalidArgumentError("casimirs may not use the reserved name 'energy'")
        from .orbit import OrbitChart

        if chart is not None and not isinstance(chart, OrbitChart):
            raise InvalidArgumentError(f"chart must be an OrbitChart, got {_describe(chart)}")
        if not isinstance(vectorized, (bool, np.bool_)):
            raise InvalidArgumentError(f"vectorized must be a bool, got {_describe(vectorized)}")
        if not vectorized:
            depth = len(algebra.shape) if chart is None else len(chart.state_shape)
            hamiltonian, gradient, hessian_vector, third_derivative = (
                None if fn is None else _PerState(fn, depth)
                for fn in (hamiltonian, gradient, hessian_vector, third_derivative)
            )
        self._chart = chart
        self._algebra = algebra
        self._hamiltonian = hamiltonian
        self._gradient = gradient
        self._casimirs = dict(casimirs)
        self._hessian_vector = hessian_vector
        self._third_derivative = third_derivative
        self.name = name if name is not None else f"Lie-Poisson system on {algebra.name}*"
        self._affine_gradient = None
        if affine_gradient is not None:
            self._affine_gradient = _checked_affine_gradient(self, affine_gradient)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"

    @property
    def algebra(self) -> LieAlgebra:
        """The Lie algebra :math:`\\mathfrak g`."""
        return self._algebra

    @property
    def chart(self):
        """The :class:`~liepoisson.orbit.OrbitChart` of the states, or None (states are
        covectors)."""
        return self._chart

    @property
    def state_shape(self) -> tuple:
        """Trailing shape of one state: the chart's, else the algebra's element shape."""
        return self._chart.state_shape if self._chart is not None else tuple(self._algebra.shape)

    def validate_state(self, state, name: str = "mu0") -> np.ndarray:
        """Check a (batch of) state(s): shape, finiteness, dtype; return it as an array.

        Raises
        ------
        ShapeError
            If the trailing shape is not :attr:`state_shape`, or the batch is empty.
        NonFiniteError, InvalidArgumentError
            If an entry is not finite, or the state is not a covector of the algebra
            (e.g. a non-Hermitian matrix for u(n)*).
        """
        if self._chart is not None:
            arr = self._chart.validate_state(state, name=name)
        else:
            arr = self._algebra.validate_element(state, name=name, dual=True)
        if arr.size == 0:
            raise ShapeError(f"{name} is an empty batch (shape {arr.shape}): there is no state")
        return arr

    def covector(self, state: np.ndarray) -> np.ndarray:
        """The covector :math:`\\mu \\in \\mathfrak g^*` a state stands for (the state itself
        without a chart)."""
        return state if self._chart is None else self._chart.covector(state)

    def act(self, xi: np.ndarray, state: np.ndarray) -> np.ndarray:
        """The coadjoint action of :math:`\\exp(\\xi)` on a state (through the chart)."""
        if self._chart is None:
            return self._algebra.coadjoint_exp(xi, state)
        return self._chart.act(xi, state)

    def act_cayley(self, xi: np.ndarray, state: np.ndarray, **solved) -> np.ndarray:
        """The coadjoint action of :math:`\\operatorname{cay}(\\xi)` on a state (the Cayley
        chart's :meth:`act`; algebras with :attr:`~liepoisson.LieAlgebra.has_cayley`).

        ``solved``: ``nu``, ``residual`` (and ``residual_xi``) from the implicit solve,
        passed on to :meth:`~liepoisson.LieAlgebra.coadjoint_cayley` when states are
        covectors (charts do without)."""
        if self._chart is None:
            return self._algebra.coadjoint_cayley(xi, state, **solved)
        return self._chart.act_cayley(xi, state)

    @property
    def functional_gradient(self):
        """How the generating function's gradient sees a pure state through a few linear
        functionals (a :class:`liepoisson.matrix_free.FunctionalGradient`), which gives
        :class:`~liepoisson.LiePoissonHJ` its matrix-free steps; ``None`` (the default)
        for systems without that structure. Systems that return one have a
        :class:`~liepoisson.orbit.WavefunctionChart`."""
        return None

    def state_vector_field(self, state: np.ndarray) -> np.ndarray:
        """The Lie–Poisson vector field on states (:meth:`vector_field` without a chart)."""
        if self._chart is None:
            return self.vector_field(state)
        return self._chart.infinitesimal(self.gradient(self._chart.covector(state)), state)

    @property
    def has_exact_gradient(self) -> bool:
        """Whether :meth:`gradient` is user-supplied (not the numerical fallback)."""
        return self._gradient is not None

    def derivative_callables(self) -> dict:
        """The callables given at construction: ``"gradient"``, ``"hessian_vector"`` and
        ``"third_derivative"`` (None where the system uses its numerical fallback), and
        ``"affine_gradient"``, the declared :math:`(M, c)` (read-only arrays) or None.

        The compiled path of :func:`liepoisson.integrate` compiles these.
        """
        return {
            "gradient": self._gradient,
            "hessian_vector": self._hessian_vector,
            "third_derivative": self._third_derivative,
            "affine_gradient": self._affine_gradient,
        }

    @property
    def casimirs(self) -> dict[str, Callable[[np.ndarray], np.ndarray]]:
        """Casimir functions by name (a copy)."""
        return dict(self._casimirs)

    def check_callables(self, state: np.ndarray) -> None:
        """Check the callables given at construction once, on one state and on a batch of
        two: their results must have the documented shapes and be finite.

        Called by :func:`liepoisson.integrate` before the first step. Systems with a chart
        or overriding :meth:`hamiltonian` (the models) are trusted.

        Parameters
        ----------
        state : ndarray of shape (..., *state_shape)
            A valid state (the run's initial state); its first state is used.

        Raises
        ------
        InvalidArgumentError
            Naming the callable, the input and output shapes, or the exception it raised.
        NonFiniteError
            If a callable returns non-finite values at the state.
        """
        if self._chart is not None or type(self).hamiltonian is not LiePoissonSystem.hamiltonian:
            return
        shape = tuple(self._algebra.shape)
        one = np.asarray(state).reshape((-1,) + shape)[0]
        direction = np.cos(np.arange(one.size, dtype=float)).reshape(shape).astype(one.dtype)
        for states in (one, np.stack([one, one])):
            batch = states.shape[: states.ndim - len(shape)]
            v = np.broadcast_to(direction, states.shape)
            for name, fn, args, want in (
                ("hamiltonian", self._hamiltonian, (states,), batch),
                ("gradient", self._gradient, (states,), states.shape),
                ("hessian_vector", self._hessian_vector, (states, v), states.shape),
                ("third_derivative", self._third_derivative, (states, v, v), states.shape),
            ):
                if fn is not None:
                    _check_result(name, fn, args, want, len(batch))

    def hamiltonian(self, mu: np.ndarray) -> np.ndarray:
        """The energy :math:`H(\\mu)`, shape ``(...)`` for ``mu`` of shape ``(..., *shape)``."""
        return self._hamiltonian(mu)

    def gradient(self, mu: np.ndarray) -> np.ndarray:
        """:math:`\\nabla H(\\mu) \\in \\mathfrak g`, shape ``(..., *shape)``."""
        if self._gradient is not None:
            return self._gradient(mu)
        return numerical_gradient(self._hamiltonian, self._algebra, mu)

    @property
    def has_exact_hessian_vector(self) -> bool:
        """Whether :meth:`hessian_vector` is user-supplied (not the complex-step fallback)."""
        return self._hessian_vector is not None

    @property
    def has_exact_second_derivatives(self) -> bool:
        """Whether :meth:`hessian_vector` and :meth:`third_derivative` are user-supplied."""
        return self._hessian_vector is not None and self._third_derivative is not None

    def hessian_vector(self, mu: np.ndarray, v: np.ndarray) -> np.ndarray:
        r""":math:`D^2H(\mu)[v] \in \mathfrak g` for a covector direction ``v``.

        Uses the hook given at construction; otherwise a complex step on :meth:`gradient`,

        .. math::  D^2H(\mu)[v] = \operatorname{Im}\,\nabla H(\mu + i h v) / h
                   + O(h^2),\qquad h = 10^{-30} / \|v\|_\infty,

        exact to round-off (no subtractive cancellation). This requires the gradient (or,
        without a gradient, the Hamiltonian) to be written with complex-analytic numpy
        operations (no ``abs``, ``np.real`` or comparisons on the state). For algebras with
        complex elements (unitary matrices) a 4th-order central difference of the gradient
        is used instead (relative error about 1e-9).

        Parameters
        ----------
        mu, v : ndarray of shape (..., *shape)

        Returns
        -------
        ndarray of shape (..., *shape)
        """
        if self._hessian_vector is not None:
            return self._hessian_vector(mu, v)
        return self._complex_step(mu, v, order=1)

    def third_derivative(self, mu: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        r""":math:`D^3H(\mu)[u, v, \cdot] \in \mathfrak g`.

        Uses the hook given at construction; otherwise, by polarisation
        :math:`D^3H[u, v] = (D^3H[u+v, u+v] - D^3H[u-v, u-v]) / 4` and, for one direction
        :math:`a`, a complex step along :math:`\omega = e^{i\pi/4}`:

        .. math::  D^3H(\mu)[a, a, \cdot] = \operatorname{Im}\big(\nabla H(\mu + h\omega a)
                   + \nabla H(\mu - h\omega a)\big) / h^2 + O(h^4),

        which has no subtractive cancellation; with :math:`h\|a\|_\infty = 10^{-3}
        \max(1, \|\mu\|_\infty)` the relative error is about 1e-12 for smooth
        Hamiltonians. The same analyticity requirement as :meth:`hessian_vector` applies;
        for complex-element algebras a central difference of :meth:`hessian_vector` is used.

        Parameters
        ----------
        mu, u, v : ndarray of shape (..., *shape)

        Returns
        -------
        ndarray of shape (..., *shape)
        """
        if self._third_derivative is not None:
            return self._third_derivative(mu, u, v)
        if u is v:
            return self._complex_step(mu, u, order=2)
        return 0.25 * (self._complex_step(mu, u + v, order=2) - self._complex_step(mu, u - v, order=2))

    def _complex_step(self, mu: np.ndarray, v: np.ndarray, order: int) -> np.ndarray:
        """Directional derivative of the gradient along ``v``: first (``order=1``) or
        second (``order=2``, both directions ``v``), by :mod:`liepoisson.derivatives`."""
        axes = tuple(range(-len(self._algebra.shape), 0))
        vmax = np.max(np.abs(v), axis=axes, keepdims=True)
        vmax = np.where(vmax == 0, 1.0, vmax)
        complex_elements = self._algebra.dtype.kind == "c"
        if order == 1 and not complex_elements:
            return complex_step(lambda s: self.gradient(mu + s * v), COMPLEX_STEP / vmax)
        scale = np.maximum(1.0, np.max(np.abs(mu), axis=axes, keepdims=True))
        if complex_elements:
            # 4th-order central differences of the gradient (order 1) or of the
            # Hessian-vector product (order 2), steps 1e-3 resp. 2e-3 relative
            h = (1e-3 if order == 1 else 2e-3) * (scale / vmax)
            f = self.gradient if order == 1 else (lambda m: self.hessian_vector(m, v))
            return central_difference(lambda k: f(mu + k * h * v), h)
        return complex_step_second(lambda s: self.gradient(mu + s * v), 1e-3 * scale / vmax)

    def vector_field(self, mu: np.ndarray) -> np.ndarray:
        """:math:`\\dot\\mu = \\operatorname{ad}^*_{\\nabla H(\\mu)}\\mu`, shape ``(..., *shape)``."""
        return self._algebra.ad_star(self.gradient(mu), mu)

    def poisson_tensor(self, mu: np.ndarray) -> np.ndarray:
        """The Poisson tensor in dual coordinates, :math:`J_{ij} = -\\sum_k C_{ijk}\\mu_k`.

        Parameters
        ----------
        mu : ndarray of shape (..., *shape)

        Returns
        -------
        ndarray of shape (..., dim, dim)
            ``J @ to_coords(grad_H) == dual_to_coords(vector_field(mu))``.
        """
        c = self._algebra.dual_to_coords(mu)
        return -np.einsum("ijk,...k->...ij", self._algebra.structure_constants(), c)

    def bracket(self, f_grad: np.ndarray, g_grad: np.ndarray, mu: np.ndarray) -> np.ndarray:
        """Lie–Poisson bracket :math:`\\{F, G\\}(\\mu) = -\\langle\\mu, [\\nabla F, \\nabla G]\\rangle`.

        Parameters
        ----------
        f_grad, g_grad : ndarray of shape (..., *shape)
            The gradients :math:`\\nabla F(\\mu), \\nabla G(\\mu) \\in \\mathfrak g`.
        mu : ndarray of shape (..., *shape)

        Returns
        -------
        ndarray of shape (...)
        """
        return -self._algebra.pairing(mu, self._algebra.bracket(f_grad, g_grad))

    def invariants(self, state: np.ndarray) -> dict[str, np.ndarray]:
        """Energy and every Casimir at a (batch of) state(s), by name (``"energy"`` first).

        Models whose states are cheaper than their covectors may override this.
        """
        mu = self.covector(state)
        out = {"energy": np.asarray(self.hamiltonian(mu))}
        for key, fn in self._casimirs.items():
            out[key] = np.asarray(fn(mu))
        return out


def _check_result(name: str, fn: Callable, args: tuple, want: tuple, n_batch: int) -> None:
    """Call a user's callable and check the shape and finiteness of what it returns."""
    what = "one state" if n_batch == 0 else f"a batch of states of shape {args[0].shape}"
    try:
        with np.errstate(all="ignore"):
            out = np.asarray(fn(*args))
    except Exception as error:
        raise InvalidArgumentError(
            f"{name} raised {type(error).__name__} on {what}: {error}"
        ) from error
    if out.shape != want:
        hint = ""
        if n_batch and out.shape == want[n_batch:]:  # one result for the whole batch
            hint = (" (it seems written for one state: reduce over the state's axes only, "
                    "e.g. np.sum(..., axis=-1), or pass vectorized=False)")
        raise InvalidArgumentError(
            f"{name} must return shape {want} on {what}, got shape {out.shape}{hint}"
        )
    if out.dtype.kind not in "fciub":
        raise InvalidArgumentError(f"{name} must return numbers, got dtype {out.dtype}")
    if not np.all(np.isfinite(out)):
        raise NonFiniteError(f"{name} returned non-finite values on {what}")


class _PerState:
    """A callable written for one state, applied state by state to a batch (the
    ``vectorized=False`` option of :class:`LiePoissonSystem`)."""

    def __init__(self, fn: Callable, depth: int):
        self.fn = fn
        self.depth = depth
        functools.update_wrapper(self, fn)

    def __call__(self, *args):
        arrays = [np.asarray(a) for a in args]
        batch = np.broadcast_shapes(*(a.shape[: a.ndim - self.depth] for a in arrays))
        if batch == ():
            return self.fn(*arrays)
        tails = [a.shape[a.ndim - self.depth:] for a in arrays]
        flat = [np.broadcast_to(a, batch + t).reshape((-1,) + t) for a, t in zip(arrays, tails)]
        results = [np.asarray(self.fn(*row)) for row in zip(*flat)]
        return np.stack(results).reshape(batch + results[0].shape)


def _checked_affine_gradient(system: LiePoissonSystem, affine_gradient) -> tuple:
    """``affine_gradient`` as read-only float arrays ``(M, c)``, after checking shapes,
    finiteness, and agreement with the system's gradient at three random states (to 1e-12
    relative).

    Raises
    ------
    InvalidArgumentError
    """
    algebra = system.algebra
    dim = algebra.dim
    if system.chart is not None or tuple(algebra.shape) != (dim,):
        raise InvalidArgumentError(
            f"affine_gradient needs states that are coefficient vectors of shape ({dim},); "
            f"{algebra.name} has elements of shape {tuple(algebra.shape)}"
            + (" and the system has a chart" if system.chart is not None else "")
        )
    if system.derivative_callables()["gradient"] is None:
        raise InvalidArgumentError("affine_gradient needs the gradient it describes, got gradient=None")
    try:
        M, c = affine_gradient
    except (TypeError, ValueError):
        raise InvalidArgumentError(
            f"affine_gradient must be a pair (M, c), got {_describe(affine_gradient)}"
        ) from None
    M = as_finite_array("affine_gradient[0] (M)", M)
    c = as_finite_array("affine_gradient[1] (c)", c)
    if M.shape != (dim, dim) or c.shape != (dim,):
        raise InvalidArgumentError(
            f"affine_gradient must be (M, c) of shapes ({dim}, {dim}) and ({dim},), got {M.shape} and {c.shape}"
        )
    states = np.random.default_rng(0).standard_normal((3, dim))
    gap = affine_gap(states, np.asarray(system.gradient(states), dtype=float), M, c)
    if not gap <= 1e-12:
        raise InvalidArgumentError(
            f"affine_gradient (M, c) does not match the gradient: |grad H(mu) - (M mu + c)| = "
            f"{gap:.3e} relative at random states (tolerance 1e-12)"
        )
    M, c = np.ascontiguousarray(M, dtype=float), np.ascontiguousarray(c, dtype=float)
    M.setflags(write=False)
    c.setflags(write=False)
    return M, c


def affine_gap(states: np.ndarray, values: np.ndarray, M: np.ndarray, c: np.ndarray) -> float:
    """How far gradient ``values`` at ``states`` (both of shape ``(k, dim)``) are from the
    affine form :math:`M\\mu + c`: the largest entry of :math:`|\\nabla H(\\mu) - (M\\mu + c)|`
    over the larger of :math:`\\max|\\nabla H(\\mu)|`, :math:`\\max_{ij}|M_{ij}\\mu_j|` and
    :math:`\\max|c|`, state by state (NaN if a value is not finite)."""
    with np.errstate(all="ignore"):
        got = states @ M.T + c
        size = (np.abs(states)[:, None, :] * np.abs(M)[None]).max(axis=(1, 2))
        scale = np.maximum.reduce([np.abs(values).max(axis=1), size, np.full(len(states), np.abs(c).max())])
        gaps = np.abs(got - values).max(axis=1) / np.maximum(scale, np.finfo(float).tiny)
    return float(np.max(gaps)) if np.all(np.isfinite(values)) else math.nan
