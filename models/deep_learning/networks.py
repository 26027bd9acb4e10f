"""Residual networks in continuous depth: the controlled vector fields of the model.

A residual network with ``depth`` layers moves a sample :math:`x \\in \\mathbb R^d` along

.. math::

    \\dot x = f(x, \\theta(t)), \\qquad t \\in [0, T], \\qquad
    \\theta(t) = \\theta_k \\ \\text{on}\\ [kh, (k+1)h), \\quad h = T / K,

with piecewise-constant parameters :math:`\\theta_k \\in \\mathbb R^P` (one flat vector per
layer, split into named arrays by :meth:`ResidualNetwork.unpack`). The Pontryagin system of
:mod:`liepoisson_models.deep_learning.pontryagin` needs :math:`f` and two products with its Jacobians,

.. math::

    \\texttt{vjp\\_x}(x, \\theta, p) = \\Big(\\frac{\\partial f}{\\partial x}\\Big)^{\\!T} p
    \\ \\text{(per sample)}, \\qquad
    \\texttt{vjp\\_theta}(x, \\theta, p) = \\sum_i \\Big(\\frac{\\partial f}{\\partial \\theta}
    (x_i, \\theta)\\Big)^{\\!T} p_i \\ \\text{(summed over samples)}.

A subclass of :class:`ResidualNetwork` must write :meth:`~ResidualNetwork.vector_field` and
declare :attr:`~ResidualNetwork.parameter_shapes`; the two products have a numerical
fallback (see :meth:`ResidualNetwork.vjp_x`), so a network written as a single formula
trains as it is. The concrete networks give exact products:

* :class:`TanhResNet`: :math:`f = \\tanh(Wx + b)`;
* :class:`AntisymmetricResNet`: :math:`f = \\tanh((W - W^T - \\gamma I)x + b)`, whose
  linearisation has eigenvalues with real part :math:`\\le 0` near the origin (a stable
  forward flow, and so a well-conditioned backward costate sweep);
* :class:`GradientResNet`: :math:`f = -W^T\\tanh(Wx + b) = -\\nabla_x \\Phi_\\theta(x)` with
  :math:`\\Phi_\\theta(x) = \\sum_j \\log\\cosh(Wx + b)_j`, an irrotational flow whose
  potential is :meth:`GradientResNet.potential`.
"""

from __future__ import annotations

import math
import warnings
from abc import ABC, abstractmethod
from typing import final

import numpy as np

from liepoisson._validation import _describe, check_int, check_real
from liepoisson.derivatives import central_difference, complex_step, complex_step_problem
from liepoisson.exceptions import InvalidArgumentError

__all__ = [
    "ResidualNetwork",
    "TanhResNet",
    "AntisymmetricResNet",
    "GradientResNet",
    "TanhLayers",
    "DERIVATIVE_FALLBACKS",
]

#: The numerical derivatives a network without exact products can use (see
#: :meth:`ResidualNetwork.vjp_x`).
DERIVATIVE_FALLBACKS = ("auto", "complex_step", "central")

# relative step of the 4th-order central differences: truncation O(h^4), round-off O(eps / h)
_CENTRAL_STEP = 1e-3
# the "auto" fallback accepts the complex step when it agrees with central differences to
_AGREEMENT = 1e-6


def _derivative(evaluate, h):
    """:math:`\\frac{d}{ds}` ``evaluate(s)`` at 0: a complex step (``h`` None) or 4th-order
    central differences of step ``h`` (:mod:`liepoisson.derivatives`)."""
    if h is None:
        return complex_step(evaluate)
    return central_difference(lambda k: evaluate(k * h), h)


class ResidualNetwork(ABC):
    """A residual network in continuous depth, :math:`\\dot x = f(x, \\theta_k)` (abstract).

    Subclass it for your own architecture: declare :attr:`parameter_shapes`, write
    :meth:`vector_field`, and optionally the exact products :meth:`vjp_x` and
    :meth:`vjp_theta` (and :meth:`init_layer` for a custom initialisation). Without the
    products the network still trains, on numerical derivatives (see :meth:`vjp_x` for their
    accuracy and cost).

    Parameters
    ----------
    dim : int
        Dimension :math:`d` of the state (the width of the network), ``>= 1``.
    depth : int
        Number of layers :math:`K`, ``>= 1``.
    horizon : float
        Continuous depth :math:`T > 0`; the layer step is :math:`h = T / K`.

    Attributes
    ----------
    derivatives : {"auto", "complex_step", "central"}
        Class attribute: the fallback for products a subclass does not write.

    Examples
    --------
    A user network written as a single formula (its products are numerical):

    >>> import numpy as np
    >>> from liepoisson_models.deep_learning import ResidualNetwork
    >>> class SineNet(ResidualNetwork):
    ...     @property
    ...     def parameter_shapes(self):
    ...         return {"W": (self.dim, self.dim), "b": (self.dim,)}
    ...     def vector_field(self, x, theta):
    ...         W, b = self.unpack(theta).values()
    ...         return np.sin(x @ W.T + b)
    >>> net = SineNet(dim=2, depth=4)
    >>> theta = net.init_parameters(np.random.default_rng(0))
    >>> theta.shape, net.step
    ((4, 6), 0.25)
    >>> x, p = np.ones((5, 2)), np.ones((5, 2))
    >>> net.vjp_x(x, theta[0], p).shape, net.vjp_theta(x, theta[0], p).shape
    ((5, 2), (6,))
    """

    derivatives: str = "auto"

    def __init__(self, dim: int, depth: int = 10, horizon: float = 1.0):
        self._dim = check_int("dim", dim, minimum=1)
        self._depth = check_int("depth", depth, minimum=1)
        self._horizon = check_real("horizon", horizon, positive=True)
        if self.derivatives not in DERIVATIVE_FALLBACKS:
            raise InvalidArgumentError(
                f"derivatives must be one of {DERIVATIVE_FALLBACKS}, got {_describe(self.derivatives)}"
            )
        shapes = self.parameter_shapes
        if not isinstance(shapes, dict) or not shapes:
            raise InvalidArgumentError(
                f"parameter_shapes must be a non-empty dict of name to shape, got {_describe(shapes)}"
            )
        self._layout = []
        offset = 0
        for name, shape in shapes.items():
            shape = tuple(int(s) for s in shape)
            if any(s < 1 for s in shape):
                raise InvalidArgumentError(
                    f"parameter_shapes[{name!r}] must have positive sizes, got {shape}"
                )
            size = math.prod(shape)
            self._layout.append((name, shape, offset, offset + size))
            offset += size
        self._n_parameters = offset
        self._fallback = None if self.derivatives == "auto" else self.derivatives

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(dim={self._dim}, depth={self._depth}, "
                f"horizon={self._horizon:g})")

    # ------------------------------------------------------------------ declaration
    @property
    def dim(self) -> int:
        """Dimension :math:`d` of the state."""
        return self._dim

    @property
    def depth(self) -> int:
        """Number of layers :math:`K`."""
        return self._depth

    @property
    def horizon(self) -> float:
        """Continuous depth :math:`T`."""
        return self._horizon

    @property
    def step(self) -> float:
        """Layer step :math:`h = T / K`."""
        return self._horizon / self._depth

    @property
    @abstractmethod
    def parameter_shapes(self) -> dict:
        """The parameters of one layer: an ordered dict of name to shape."""

    @property
    def n_parameters(self) -> int:
        """Number :math:`P` of parameters of one layer."""
        return self._n_parameters

    def unpack(self, theta: np.ndarray) -> dict:
        """Split a layer's flat parameter vector into named arrays (views, no copy).

        Parameters
        ----------
        theta : ndarray of shape (..., n_parameters)
            One layer, or a stack of layers along the leading axes.

        Returns
        -------
        dict of str to ndarray
            In the order of :attr:`parameter_shapes`, each of shape ``(..., *shape)``.
        """
        lead = theta.shape[:-1]
        return {name: theta[..., a:b].reshape(lead + shape) for name, shape, a, b in self._layout}

    def pack(self, arrays: dict) -> np.ndarray:
        """The flat parameter vector of one layer from named arrays (inverse of :meth:`unpack`).

        Parameters
        ----------
        arrays : dict of str to ndarray
            One array per name of :attr:`parameter_shapes`, of that shape.

        Returns
        -------
        ndarray of shape (n_parameters,)
        """
        return np.concatenate([np.reshape(arrays[name], -1) for name, *_ in self._layout])

    def init_layer(self, rng: np.random.Generator) -> np.ndarray:
        """Initial parameters of one layer.

        The default draws every parameter with at least two axes from
        :math:`N(0, 1/n)`, :math:`n` its last axis (the fan-in), and sets vectors to zero.
        Subclasses override it for another initialisation.

        Parameters
        ----------
        rng : numpy.random.Generator

        Returns
        -------
        ndarray of shape (n_parameters,)
        """
        theta = np.zeros(self._n_parameters)
        for _, shape, a, b in self._layout:
            if len(shape) >= 2:
                theta[a:b] = rng.normal(scale=1.0 / math.sqrt(shape[-1]), size=b - a)
        return theta

    def init_parameters(self, rng: np.random.Generator) -> np.ndarray:
        """Initial parameters of all layers, one :meth:`init_layer` per layer.

        Parameters
        ----------
        rng : numpy.random.Generator

        Returns
        -------
        ndarray of shape (depth, n_parameters)
        """
        return np.stack([np.asarray(self.init_layer(rng), dtype=float) for _ in range(self._depth)])

    # ------------------------------------------------------------------ the vector field
    @abstractmethod
    def vector_field(self, x: np.ndarray, theta: np.ndarray) -> np.ndarray:
        """The velocity :math:`f(x, \\theta)` of every sample.

        Parameters
        ----------
        x : ndarray of shape (..., dim)
            Samples along the leading axes (the numerical fallbacks add a leading axis, so
            write the formula to broadcast, e.g. ``x @ W.T``).
        theta : ndarray of shape (n_parameters,)
            One layer's parameters (complex in the complex-step fallback).

        Returns
        -------
        ndarray of shape (..., dim)
        """

    @property
    def has_exact_derivatives(self) -> bool:
        """Whether the subclass writes both :meth:`vjp_x` and :meth:`vjp_theta`."""
        cls = type(self)
        return cls.vjp_x is not ResidualNetwork.vjp_x and cls.vjp_theta is not ResidualNetwork.vjp_theta

    def vjp_x(self, x: np.ndarray, theta: np.ndarray, p: np.ndarray) -> np.ndarray:
        """:math:`(\\partial f/\\partial x)^T p`, sample by sample.

        The default is numerical; subclasses override it with the exact product.

        * ``"complex_step"``: :math:`\\partial f/\\partial x_j = \\operatorname{Im} f(x + i
          \\epsilon e_j)/\\epsilon` with :math:`\\epsilon = 10^{-30}`, exact to round-off
          (relative error about 1e-16: no subtractive cancellation). It needs a
          complex-analytic :meth:`vector_field` (numpy's ``tanh``, ``sin``, ``exp``, matrix
          products; not ``abs``, ``maximum`` or comparisons). Cost: ``dim`` complex
          evaluations of :math:`f`, made as one call on a batch ``dim`` times larger.
        * ``"central"``: 4th-order central differences with step
          :math:`10^{-3}\\max(1, \\|x\\|_\\infty)`, relative error about 1e-11 for smooth
          :math:`f`; any :meth:`vector_field`. Cost: ``4 * dim`` real evaluations, in one call.
        * ``"auto"`` (default): the complex step, after checking it once against central
          differences along one direction; if it fails or disagrees (relative difference
          above 1e-6), central differences, with a :class:`RuntimeWarning`.

        Parameters
        ----------
        x : ndarray of shape (..., dim)
        theta : ndarray of shape (n_parameters,)
        p : ndarray of shape (..., dim)

        Returns
        -------
        ndarray of shape (..., dim)
        """
        d = self._dim
        # every direction e_j at once, on a batch d times larger
        directions = np.eye(d).reshape((d,) + (1,) * (x.ndim - 1) + (d,))
        h = None if self._fallback_mode(x, theta) == "complex_step" else (
            _CENTRAL_STEP * max(1.0, float(np.max(np.abs(x), initial=0.0))))
        jac = _derivative(lambda s: self.vector_field(x[np.newaxis] + s * directions, theta), h)
        # jac[j, ..., o] = d f_o / d x_j
        return np.einsum("j...o,...o->...j", jac, p)

    def vjp_theta(self, x: np.ndarray, theta: np.ndarray, p: np.ndarray) -> np.ndarray:
        """:math:`\\sum_i (\\partial f/\\partial \\theta)(x_i, \\theta)^T p_i`, summed over samples.

        The default is numerical, with the fallback of :meth:`vjp_x` applied to each of the
        ``n_parameters`` coordinates of :math:`\\theta`: cost ``n_parameters`` complex (or
        ``4 * n_parameters`` real) evaluations of :math:`f` on the whole batch, the same
        accuracy. Subclasses override it with the exact product.

        Parameters
        ----------
        x : ndarray of shape (..., dim)
        theta : ndarray of shape (n_parameters,)
        p : ndarray of shape (..., dim)

        Returns
        -------
        ndarray of shape (n_parameters,)
        """
        out = np.empty(self._n_parameters)
        h = None if self._fallback_mode(x, theta) == "complex_step" else (
            _CENTRAL_STEP * max(1.0, float(np.max(np.abs(theta), initial=0.0))))
        for j in range(self._n_parameters):
            e = np.zeros_like(theta, dtype=float)
            e[j] = 1.0
            df = _derivative(lambda s: self.vector_field(x, theta + s * e), h)
            out[j] = np.sum(df * p)
        return out

    def vector_field_and_vjp_x(self, x: np.ndarray, theta: np.ndarray, p: np.ndarray):
        """:meth:`vector_field` and :meth:`vjp_x` together (subclasses may share work).

        Parameters
        ----------
        x : ndarray of shape (..., dim)
        theta : ndarray of shape (n_parameters,)
        p : ndarray of shape (..., dim)

        Returns
        -------
        f, vjp : ndarray of shape (..., dim)
        """
        return self.vector_field(x, theta), self.vjp_x(x, theta, p)

    # ------------------------------------------------------------------ fallbacks
    def _fallback_mode(self, x: np.ndarray, theta: np.ndarray) -> str:
        if self._fallback is None:
            self._fallback = self._choose_fallback(np.asarray(x, dtype=float), np.asarray(theta, dtype=float))
        return self._fallback

    def _choose_fallback(self, x: np.ndarray, theta: np.ndarray) -> str:
        """Check the complex step once against central differences (the "auto" mode)."""
        rng = np.random.default_rng(12345)
        vx = rng.standard_normal(x.shape)
        vt = rng.standard_normal(theta.shape)
        h = _CENTRAL_STEP * max(1.0, float(np.max(np.abs(x), initial=0.0)),
                                float(np.max(np.abs(theta), initial=0.0)))
        problem = complex_step_problem(lambda s: self.vector_field(x + s * vx, theta + s * vt), h,
                                       rtol=_AGREEMENT)
        if problem is None:
            return "complex_step"
        warnings.warn(
            f"{type(self).__name__}.vector_field is not complex-analytic ({problem}); its "
            "derivatives use central differences (relative error about 1e-11, 4x the cost). "
            "Write vjp_x and vjp_theta, or set derivatives = 'central', to silence this.",
            RuntimeWarning,
            stacklevel=4,
        )
        return "central"


class TanhLayers(ABC):
    """Networks whose layers are :math:`f = \\tanh(x B^T + b)\\,C` (abstract): the compiled
    sweeps of :mod:`liepoisson_models.deep_learning.sweeps` use this form. The package networks have
    it; a user network has it by inheriting this class and writing both methods."""

    @abstractmethod
    def _tanh_layers(self, theta: np.ndarray):
        """``(B, b, C)`` of shapes ``(K, m, d)``, ``(K, m)`` and ``(K, m, d)`` (``C`` of shape
        ``(K, 0, d)`` for the identity, ``m = d``) from parameters ``theta`` of shape
        ``(K, n_parameters)``."""

    @abstractmethod
    def _tanh_layers_adjoint(self, dB: np.ndarray, db: np.ndarray, dC: np.ndarray) -> np.ndarray:
        """Derivatives with respect to ``theta`` from those with respect to the
        :meth:`_tanh_layers` arrays, shape ``(K, n_parameters)``."""


class _TanhAffine(ResidualNetwork, TanhLayers):
    """:math:`f = \\tanh(x M^T + b)` with a matrix :math:`M(W)` linear in a parameter
    :math:`W` (abstract: the subclass gives :meth:`_matrix` and its adjoint)."""

    @property
    def parameter_shapes(self) -> dict:
        return {"W": (self.dim, self.dim), "b": (self.dim,)}

    @abstractmethod
    def _matrix(self, W: np.ndarray) -> np.ndarray:
        """The matrix :math:`M(W)`."""

    @abstractmethod
    def _matrix_adjoint(self, G: np.ndarray) -> np.ndarray:
        """The adjoint of :math:`W \\mapsto M(W)`: :math:`\\partial \\langle G, M(W)
        \\rangle/\\partial W`."""

    def _parts(self, theta):
        W, b = self.unpack(theta).values()
        return self._matrix(W), b

    def vector_field(self, x, theta):
        M, b = self._parts(theta)
        return np.tanh(x @ M.T + b)

    def vector_field_and_vjp_x(self, x, theta, p):
        M, b = self._parts(theta)
        a = np.tanh(x @ M.T + b)
        return a, ((1.0 - a * a) * p) @ M

    def vjp_x(self, x, theta, p):
        return self.vector_field_and_vjp_x(x, theta, p)[1]

    def vjp_theta(self, x, theta, p):
        M, b = self._parts(theta)
        a = np.tanh(x @ M.T + b)
        g = ((1.0 - a * a) * p).reshape(-1, self.dim)
        return np.concatenate([self._matrix_adjoint(g.T @ x.reshape(-1, self.dim)).ravel(), g.sum(axis=0)])

    def _tanh_layers(self, theta):
        M, b = self._parts(theta)
        return M, b, np.empty((theta.shape[0], 0, self.dim))

    def _tanh_layers_adjoint(self, dB, db, dC):
        return np.concatenate([self._matrix_adjoint(dB).reshape(dB.shape[0], -1), db], axis=1)


@final
class TanhResNet(_TanhAffine):
    """The residual network :math:`f(x, \\theta) = \\tanh(Wx + b)` (final).

    Parameters per layer: ``W`` of shape ``(dim, dim)`` and ``b`` of shape ``(dim,)``; exact
    products. To give the flow more room than the input has, lift the input to a wider
    state (``width`` and ``lift`` of :class:`~liepoisson_models.deep_learning.ControlProblem` and of the
    estimators).

    Parameters
    ----------
    dim : int
    depth : int
    horizon : float

    Examples
    --------
    >>> import numpy as np
    >>> from liepoisson_models.deep_learning import TanhResNet
    >>> net = TanhResNet(dim=3, depth=5)
    >>> theta = net.init_parameters(np.random.default_rng(0))
    >>> net.vector_field(np.zeros((4, 3)), theta[0]).shape
    (4, 3)
    """

    def _matrix(self, W):
        return W

    def _matrix_adjoint(self, G):
        return G


@final
class AntisymmetricResNet(_TanhAffine):
    """The stable residual network :math:`f = \\tanh((W - W^T - \\gamma I)x + b)` (final).

    The matrix :math:`W - W^T - \\gamma I` has eigenvalues with real part :math:`-\\gamma`,
    so the linearised forward flow neither blows up nor (for small :math:`\\gamma`) damps
    much, and the backward costate sweep is as well conditioned as the forward one.

    Parameters
    ----------
    dim : int
    depth : int
    horizon : float
    gamma : float
        Damping :math:`\\gamma \\ge 0` (default 0.01).

    Examples
    --------
    >>> import numpy as np
    >>> from liepoisson_models.deep_learning import AntisymmetricResNet
    >>> net = AntisymmetricResNet(dim=2, depth=3, gamma=0.1)
    >>> M = net._matrix(np.array([[0.0, 1.0], [0.0, 0.0]]))
    >>> np.linalg.eigvals(M).real
    array([-0.1, -0.1])
    """

    def __init__(self, dim: int, depth: int = 10, horizon: float = 1.0, gamma: float = 0.01):
        gamma = check_real("gamma", gamma)
        if gamma < 0:
            raise InvalidArgumentError(f"gamma must be >= 0, got {gamma}")
        self._gamma = gamma
        super().__init__(dim, depth, horizon)

    @property
    def gamma(self) -> float:
        """The damping :math:`\\gamma`."""
        return self._gamma

    def __repr__(self) -> str:
        return super().__repr__()[:-1] + f", gamma={self._gamma:g})"

    def _matrix(self, W):
        return W - np.swapaxes(W, -1, -2) - self._gamma * np.eye(self.dim)

    def _matrix_adjoint(self, G):
        return G - np.swapaxes(G, -1, -2)


@final
class GradientResNet(ResidualNetwork, TanhLayers):
    """The gradient network :math:`f = -W^T\\tanh(Wx + b) = -\\nabla_x\\Phi_\\theta(x)` (final).

    With :math:`\\Phi_\\theta(x) = \\sum_j \\log\\cosh(Wx + b)_j` (:meth:`potential`), every
    layer moves the samples down the gradient of a potential: the flow is irrotational, its
    Jacobian :math:`-W^T \\operatorname{diag}(1 - \\tanh^2) W` is symmetric negative
    semi-definite (each layer contracts), and the velocity field of the data is
    :math:`v = \\nabla S` with the velocity potential :math:`S = -\\Phi_\\theta` (the setting
    of the hydrodynamic and Madelung pictures, ``docs/models/deep_learning.rst``).

    Parameters
    ----------
    dim : int
    depth : int
    horizon : float
    hidden : int, optional
        Number :math:`m` of rows of :math:`W` (shape ``(hidden, dim)``); default ``dim``.

    Examples
    --------
    The vector field is minus the gradient of the potential:

    >>> import numpy as np
    >>> from liepoisson_models.deep_learning import GradientResNet
    >>> net = GradientResNet(dim=2, depth=1, hidden=3)
    >>> theta = net.init_parameters(np.random.default_rng(1))[0]
    >>> x, e = np.array([[0.3, -0.2]]), 1e-6
    >>> grad = [(net.potential(x + e * u, theta) - net.potential(x - e * u, theta)) / (2 * e)
    ...         for u in np.eye(2)]
    >>> np.allclose(-np.ravel(grad), net.vector_field(x, theta), atol=1e-8)
    True
    """

    def __init__(self, dim: int, depth: int = 10, horizon: float = 1.0, hidden: int | None = None):
        self._hidden = dim if hidden is None else check_int("hidden", hidden, minimum=1)
        super().__init__(dim, depth, horizon)

    @property
    def hidden(self) -> int:
        """Number :math:`m` of hidden units (rows of :math:`W`)."""
        return self._hidden

    def __repr__(self) -> str:
        return super().__repr__()[:-1] + f", hidden={self._hidden})"

    @property
    def parameter_shapes(self) -> dict:
        return {"W": (self._hidden, self.dim), "b": (self._hidden,)}

    def potential(self, x: np.ndarray, theta: np.ndarray) -> np.ndarray:
        """The potential :math:`\\Phi_\\theta(x) = \\sum_j \\log\\cosh(Wx + b)_j`, with
        :math:`f = -\\nabla_x \\Phi_\\theta`.

        Computed stably as :math:`\\sum_j (\\operatorname{logaddexp}(z_j, -z_j) - \\log 2)`.

        Parameters
        ----------
        x : ndarray of shape (..., dim)
        theta : ndarray of shape (n_parameters,)

        Returns
        -------
        ndarray of shape (...)
        """
        W, b = self.unpack(theta).values()
        z = x @ W.T + b
        return np.sum(np.logaddexp(z, -z) - math.log(2.0), axis=-1)

    def vector_field(self, x, theta):
        W, b = self.unpack(theta).values()
        return -np.tanh(x @ W.T + b) @ W

    def vector_field_and_vjp_x(self, x, theta, p):
        W, b = self.unpack(theta).values()
        a = np.tanh(x @ W.T + b)
        return -a @ W, -((1.0 - a * a) * (p @ W.T)) @ W

    def vjp_x(self, x, theta, p):
        return self.vector_field_and_vjp_x(x, theta, p)[1]

    def vjp_theta(self, x, theta, p):
        W, b = self.unpack(theta).values()
        m, d = self._hidden, self.dim
        x2, p2 = x.reshape(-1, d), p.reshape(-1, d)
        a = np.tanh(x2 @ W.T + b)
        g = (1.0 - a * a) * (p2 @ W.T)
        # p . f = -(W p) . tanh(W x + b)
        dW = -(a.T @ p2 + g.T @ x2)
        return np.concatenate([dW.reshape(m * d), -g.sum(axis=0)])

    def _tanh_layers(self, theta):
        W, b = self.unpack(theta).values()
        return W, b, -W

    def _tanh_layers_adjoint(self, dB, db, dC):
        return np.concatenate([(dB - dC).reshape(dB.shape[0], -1), db], axis=1)
