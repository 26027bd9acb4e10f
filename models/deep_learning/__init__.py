"""Deep learning as mean-field optimal control, trained with the Lie–Poisson HJ integrator.

A residual network in continuous depth is a controlled flow :math:`\\dot x = f(x, \\theta)`;
training it is an optimal-control problem whose Pontryagin system is Hamiltonian on the
orbit :math:`\\gamma = 1` of the Heisenberg algebra. The same
:class:`~liepoisson.LiePoissonHJ` step that integrates the rigid body advances the forward
(states) and backward (costates) sweeps, and the costate gives the exact gradient of the
discrete network.

Modules
-------
``networks``
    :class:`ResidualNetwork` (subclass it), :class:`TanhResNet`,
    :class:`AntisymmetricResNet`, :class:`GradientResNet`.
``pontryagin``
    :class:`PontryaginSystem` (one layer on heisenberg(N d)), :class:`ControlProblem`
    (lift, network, readout and loss; forward and costate sweeps), :class:`Parameters`,
    :class:`PontryaginGradient`.
``losses``
    :class:`SoftmaxCrossEntropy`, :class:`SquaredError`.
``training``
    :func:`train` (Adam on the Pontryagin gradient, mini-batches, schedules).
``estimators``
    :class:`ResNetClassifier`, :class:`ResNetRegressor` (scikit-learn conventions; loaded,
    with scikit-learn, on first use).
``datasets``
    :func:`load_dataset` and the 2-D generators.
``cli``
    ``liepoisson run deep-learning`` (imported only by the command).
"""

from .networks import (
    DERIVATIVE_FALLBACKS,
    AntisymmetricResNet,
    GradientResNet,
    ResidualNetwork,
    TanhResNet,
)
from .losses import LOSSES, Loss, SoftmaxCrossEntropy, SquaredError
from .pontryagin import (
    BACKENDS,
    LIFTS,
    MEMORY_MODES,
    ControlProblem,
    Parameters,
    PontryaginGradient,
    PontryaginSystem,
    modified_vector_field,
)
from .training import SCHEDULES, Adam, check_inputs, learning_rate_factor, train
from .datasets import DATASETS, load_dataset, make_donut, make_swiss_roll, make_two_spirals

# the estimators import scikit-learn (about 2 s): loaded on first use
_LAZY = {"NETWORKS", "ResNetClassifier", "ResNetRegressor"}


def __getattr__(name):
    if name in _LAZY:
        from . import estimators

        return getattr(estimators, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "ResidualNetwork",
    "TanhResNet",
    "AntisymmetricResNet",
    "GradientResNet",
    "DERIVATIVE_FALLBACKS",
    "Loss",
    "SoftmaxCrossEntropy",
    "SquaredError",
    "LOSSES",
    "PontryaginSystem",
    "ControlProblem",
    "Parameters",
    "PontryaginGradient",
    "modified_vector_field",
    "LIFTS",
    "MEMORY_MODES",
    "BACKENDS",
    "Adam",
    "train",
    "learning_rate_factor",
    "SCHEDULES",
    "ResNetClassifier",
    "ResNetRegressor",
    "NETWORKS",
    "check_inputs",
    "DATASETS",
    "load_dataset",
    "make_swiss_roll",
    "make_two_spirals",
    "make_donut",
]
