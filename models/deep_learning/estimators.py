"""scikit-learn estimators: a residual network trained by the Pontryagin/LP-HJ method.

:class:`ResNetClassifier` and :class:`ResNetRegressor` follow scikit-learn's conventions:
hyper-parameters in ``__init__`` (stored unchanged, so :func:`sklearn.base.clone`,
``get_params``/``set_params``, pipelines and model selection work), ``fit`` returns the
estimator, fitted attributes end with an underscore. The inputs are used as given (put a
:class:`~sklearn.preprocessing.StandardScaler` in front for unscaled features).

With ``noise`` :math:`\\sigma > 0` the network is trained on the expected loss over noisy
paths :math:`dX = f\\,dt + \\sigma\\,dW` (``n_paths`` per sample, fresh noise at every step;
see :class:`~liepoisson_models.deep_learning.ControlProblem`). The predictions use the
noise-free network (the deterministic flow of the trained vector field), so they are
reproducible; :meth:`~ResNetClassifier.noisy_flow` gives the noisy paths.
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from typing import final

import numpy as np
from scipy.special import softmax
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.validation import check_is_fitted

from liepoisson._validation import _describe, as_finite_array
from liepoisson.exceptions import InvalidArgumentError, ShapeError

from .networks import AntisymmetricResNet, GradientResNet, ResidualNetwork, TanhResNet
from .pontryagin import ControlProblem
from .training import check_inputs, train

__all__ = ["NETWORKS", "ResNetClassifier", "ResNetRegressor"]

#: The networks an estimator builds from a name.
NETWORKS = {"tanh": TanhResNet, "antisymmetric": AntisymmetricResNet, "gradient": GradientResNet}
# the network's size when the estimator builds it and the hyper-parameter is None
_DEFAULT_WIDTH, _DEFAULT_DEPTH, _DEFAULT_HORIZON = 16, 10, 1.0


class _ResNetEstimator(BaseEstimator, ABC):
    """What the classifier and the regressor share (abstract).

    Parameters
    ----------
    network : {"tanh", "antisymmetric", "gradient"}, ResidualNetwork subclass or instance
        A name or class is built as ``cls(dim=width, depth=depth, horizon=horizon)``; an
        instance is used as it is (then ``width``, ``depth`` and ``horizon`` must be None).
    width : int, optional
        State dimension :math:`d` (default 16).
    depth : int, optional
        Number of layers :math:`K` (default 10).
    horizon : float, optional
        Continuous depth :math:`T` (default 1.0); the layer step is :math:`T/K`.
    lift : {"linear", "pad"}
        Trained affine lift of the inputs to width :math:`d`, or zero padding.
    order : {2, 4}
        Order of the LP-HJ step of each layer.
    memory : {"stored", "reversible"}
        Keep the forward states, or rebuild them backwards (memory independent of depth).
    regularization : float
        Weight decay :math:`\\lambda` (the layers' part is the running cost of the
        Hamiltonian).
    epochs, batch_size : int
    learning_rate : float
        Adam's step size.
    lr_schedule : {"constant", "cosine", "step"}
    tol : float
        Relative tolerance of the implicit solves.
    noise : float
        :math:`\\sigma \\ge 0`: train on noisy paths (default 0, the deterministic network).
    n_paths : int
        Noisy paths per sample, :math:`\\ge 1` (used when ``noise > 0``).
    random_state : int, optional
        Seed of the initialisation, of the shuffling and of the noise.
    progress : bool
        Show a progress bar while fitting.
    """

    def __init__(
        self,
        network="tanh",
        width=None,
        depth=None,
        horizon=None,
        lift="linear",
        order=2,
        memory="stored",
        regularization=1e-4,
        epochs=50,
        batch_size=64,
        learning_rate=0.01,
        lr_schedule="cosine",
        tol=1e-10,
        noise=0.0,
        n_paths=1,
        random_state=None,
        progress=False,
    ):
        self.network = network
        self.width = width
        self.depth = depth
        self.horizon = horizon
        self.lift = lift
        self.order = order
        self.memory = memory
        self.regularization = regularization
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.lr_schedule = lr_schedule
        self.tol = tol
        self.noise = noise
        self.n_paths = n_paths
        self.random_state = random_state
        self.progress = progress

    @property
    @abstractmethod
    def _loss(self) -> str:
        """Name of the loss."""

    def _build_network(self) -> ResidualNetwork:
        spec = self.network
        if isinstance(spec, ResidualNetwork):
            given = {k: getattr(self, k) for k in ("width", "depth", "horizon") if getattr(self, k) is not None}
            if given:
                raise InvalidArgumentError(
                    f"width, depth and horizon must be None when network is an instance (they are "
                    f"the instance's), got {given}"
                )
            return spec
        if isinstance(spec, str):
            if spec not in NETWORKS:
                raise InvalidArgumentError(f"network must be one of {tuple(NETWORKS)}, got {spec!r}")
            spec = NETWORKS[spec]
        if not (inspect.isclass(spec) and issubclass(spec, ResidualNetwork)):
            raise InvalidArgumentError(
                "network must be a name, a ResidualNetwork subclass or a ResidualNetwork, got "
                f"{_describe(spec)}"
            )
        return spec(
            dim=_DEFAULT_WIDTH if self.width is None else self.width,
            depth=_DEFAULT_DEPTH if self.depth is None else self.depth,
            horizon=_DEFAULT_HORIZON if self.horizon is None else self.horizon,
        )

    def _fit(self, X, targets, n_outputs: int, classification: bool):
        network = self._build_network()
        problem = ControlProblem(
            network, loss=self._loss, lift=self.lift, regularization=self.regularization,
            order=self.order, tol=self.tol, noise=self.noise, n_paths=self.n_paths,
        )
        rng = np.random.default_rng(self.random_state)
        params = problem.init_parameters(X.shape[1], n_outputs, rng)
        self.params_, self.history_ = train(
            problem, params, X, targets, epochs=self.epochs, batch_size=self.batch_size,
            learning_rate=self.learning_rate, lr_schedule=self.lr_schedule, memory=self.memory,
            rng=rng, progress=self.progress, classification=classification,
        )
        self.problem_ = problem
        self.network_ = network
        self.n_features_in_ = X.shape[1]
        return self

    def _outputs(self, X) -> np.ndarray:
        check_is_fitted(self, "params_")
        X = check_inputs(X, n_features=self.n_features_in_)
        return self.problem_.outputs(self.params_, X)

    def flow(self, X) -> np.ndarray:
        """The states of the samples after every layer (the data flowing through depth).

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (depth + 1, n_samples, width)
        """
        check_is_fitted(self, "params_")
        X = check_inputs(X, n_features=self.n_features_in_)
        return self.problem_.forward(self.params_, X, keep_states=True)

    def noisy_flow(self, X, random_state=None) -> np.ndarray:
        """The states of the samples after every layer on ``n_paths`` noisy paths each
        (the noise the network was trained with; the noise-free flow when ``noise=0``).

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        random_state : int or numpy.random.Generator, optional
            Seed of the noise.

        Returns
        -------
        ndarray of shape (depth + 1, n_paths, n_samples, width)
        """
        check_is_fitted(self, "params_")
        X = check_inputs(X, n_features=self.n_features_in_)
        problem = self.problem_
        xi = problem.draw_noise(X.shape[0], np.random.default_rng(random_state))
        states = problem.forward(self.params_, X, keep_states=True, xi=xi)
        return states.reshape(states.shape[0], -1, *X.shape[:1], states.shape[-1])


@final
class ResNetClassifier(ClassifierMixin, _ResNetEstimator):
    """A residual-network classifier trained as an optimal-control problem (final).

    Softmax cross-entropy after a linear readout; the gradient is the exact gradient of the
    discrete network from the costate of the Lie–Poisson Hamilton–Jacobi sweep. The
    parameters are those of the shared base (listed below).

    Parameters
    ----------
    network, width, depth, horizon, lift, order, memory, regularization, epochs,
    batch_size, learning_rate, lr_schedule, tol, noise, n_paths, random_state, progress
        See :class:`ResNetRegressor`'s base: the same hyper-parameters (defaults:
        ``network="tanh"``, ``width=16``, ``depth=10``, ``horizon=1.0``, ``lift="linear"``,
        ``order=2``, ``memory="stored"``, ``regularization=1e-4``, ``epochs=50``,
        ``batch_size=64``, ``learning_rate=0.01``, ``lr_schedule="cosine"``, ``tol=1e-10``,
        ``noise=0.0``, ``n_paths=1``). With ``noise > 0`` the training loss is the expected
        loss over noisy paths and the predictions are those of the noise-free network.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    params_ : Parameters
    history_ : dict of str to list
        Loss, training accuracy, learning rate, seconds and reconstruction error per epoch.
    problem_ : ControlProblem
    network_ : ResidualNetwork
    n_features_in_ : int

    Examples
    --------
    >>> from liepoisson_models.deep_learning import ResNetClassifier, load_dataset
    >>> X, y = load_dataset("moons", 200, random_state=0)
    >>> clf = ResNetClassifier(width=4, depth=4, epochs=10, random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:3]).shape, bool(clf.score(X, y) > 0.8)
    ((3, 2), True)
    """

    _loss = "cross_entropy"

    def fit(self, X, y):
        """Train on ``X`` (shape ``(n_samples, n_features)``) and labels ``y``
        (``(n_samples,)``, any hashable values with at least two classes); returns self."""
        X, y = check_inputs(X, y)
        if y.ndim != 1:
            raise ShapeError(f"y must have shape (n_samples,), got shape {y.shape}")
        self.classes_, encoded = np.unique(y, return_inverse=True)
        if self.classes_.size < 2:
            raise InvalidArgumentError(f"y must contain at least 2 classes, got {self.classes_.tolist()}")
        return self._fit(X, encoded, self.classes_.size, classification=True)

    def decision_function(self, X) -> np.ndarray:
        """The class scores (logits), shape ``(n_samples, n_classes)``."""
        return self._outputs(X)

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities (softmax of the scores), shape ``(n_samples, n_classes)``."""
        return softmax(self._outputs(X), axis=1)

    def predict(self, X) -> np.ndarray:
        """The most probable class of every sample, shape ``(n_samples,)``."""
        scores = self._outputs(X)  # checks that the estimator is fitted
        return self.classes_[np.argmax(scores, axis=1)]


@final
class ResNetRegressor(RegressorMixin, _ResNetEstimator):
    """A residual-network regressor trained as an optimal-control problem (final).

    Squared error after a linear readout, on targets standardised by their training mean
    and standard deviation (``predict`` undoes it). Hyper-parameters as for
    :class:`ResNetClassifier`.

    Parameters
    ----------
    network, width, depth, horizon, lift, order, memory, regularization, epochs,
    batch_size, learning_rate, lr_schedule, tol, noise, n_paths, random_state, progress
        As for :class:`ResNetClassifier`.

    Attributes
    ----------
    params_ : Parameters
    history_ : dict of str to list
    problem_ : ControlProblem
    network_ : ResidualNetwork
    n_features_in_ : int
    n_outputs_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from liepoisson_models.deep_learning import ResNetRegressor
    >>> X = np.linspace(-2, 2, 100)[:, None]
    >>> reg = ResNetRegressor(width=4, depth=4, epochs=40, random_state=0).fit(X, np.sin(X[:, 0]))
    >>> bool(reg.score(X, np.sin(X[:, 0])) > 0.9)
    True
    """

    _loss = "squared_error"

    def fit(self, X, y):
        """Train on ``X`` (shape ``(n_samples, n_features)``) and targets ``y``
        (``(n_samples,)`` or ``(n_samples, n_outputs)``); returns self."""
        X, y = check_inputs(X, y)
        y = as_finite_array("y", y).astype(float)
        self._single_output = y.ndim == 1
        Y = y.reshape(len(y), -1)
        self.n_outputs_ = Y.shape[1]
        self.y_mean_ = Y.mean(axis=0)
        scale = Y.std(axis=0)
        self.y_scale_ = np.where(scale > 0, scale, 1.0)
        return self._fit(X, (Y - self.y_mean_) / self.y_scale_, self.n_outputs_, classification=False)

    def predict(self, X) -> np.ndarray:
        """Predicted targets, shape ``(n_samples,)`` or ``(n_samples, n_outputs)`` as in fit."""
        Y = self._outputs(X) * self.y_scale_ + self.y_mean_
        return Y[:, 0] if self._single_output else Y
