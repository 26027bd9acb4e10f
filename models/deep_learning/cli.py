"""``liepoisson run deep-learning``: train a residual network as an optimal-control problem.

The run loads a data set (:func:`~liepoisson_models.deep_learning.load_dataset`), splits it
(stratified, 30 % test), standardises the features on the training part, trains a
:class:`~liepoisson_models.deep_learning.ResNetClassifier` by Adam on the Pontryagin gradient, and
checks the gradient of the trained network on a small batch (against a central finite
difference of the discrete loss, and the reversible mode against the stored one). It writes

``report.json``
    the options, sizes, test and training accuracy, fit time, the loss and accuracy per
    epoch and the gradient check (``passed`` is the gradient check);
``deep_learning_decision_boundary.png``
    (2-D data) the predicted class over the plane with the test points;
``deep_learning_flow.png``
    the test points at five depths :math:`t = 0, T/4, T/2, 3T/4, T`, coloured by class,
    with the contours of a Gaussian kernel density estimate of each class (of all points
    for more than three classes): the
    "hydrodynamic" view of the network moving the data density until a linear readout
    separates the classes (states wider than 2 are projected on the two leading principal
    axes of the final states);
``deep_learning_history.png``
    the training loss and accuracy per epoch;
``deep_learning_noisy_flow.png``
    (with ``--sigma``) the same view of the test points on ``--paths`` noisy paths each,
    :math:`dX = f\\,dt + \\sigma\\,dW` through the LP-HJ layers.

With ``--sigma`` :math:`\\sigma > 0` the network is trained on the expected loss over
``--paths`` noisy paths per sample (stochastic, mean-field training; see
:class:`~liepoisson_models.deep_learning.ControlProblem`), the gradient check uses fixed
noisy paths, and the report adds ``noise_check``: the noisy loss and gradient on fixed
paths at :math:`\\sigma/10^2, \\sigma/10^3, \\sigma/10^4` against the noise-free ones, and
the measured order of their differences (1: the estimate is linear in the increments).

Examples
--------
>>> import argparse, tempfile
>>> from pathlib import Path
>>> from liepoisson_models.deep_learning.cli import add_arguments, run
>>> parser = argparse.ArgumentParser()
>>> add_arguments(parser)
>>> options = parser.parse_args(["--samples", "200", "--epochs", "3", "--depth", "3", "--width", "4"])
>>> options.out, options.seed, options.progress = Path(tempfile.mkdtemp()), 0, False
>>> result = run(options)
>>> result["passed"], result["dataset"], sorted(plot.name for plot in result["plots"])[0]
(True, 'moons', 'deep_learning_decision_boundary.png')
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from liepoisson.exceptions import InvalidArgumentError
from liepoisson.registry import ModelEntry, Plot

from .._cli import (
    add_order_argument,
    check,
    finite_float,
    outcome,
    positive_float,
    positive_int,
    refuse_unused,
)
from .datasets import DATASETS, load_dataset
from .pontryagin import MEMORY_MODES, Parameters

if TYPE_CHECKING:
    from .estimators import ResNetClassifier

__all__ = ["ENTRY", "add_arguments", "run", "GRADIENT_TOLERANCE", "ORDER_TOLERANCE"]

#: The gradient check passes when the Pontryagin directional derivative agrees with a
#: central finite difference of the discrete loss, and the reversible with the stored
#: gradient, to this relative level.
GRADIENT_TOLERANCE = 1e-6
#: The noise check passes when the measured order of the differences between the noisy
#: and the noise-free loss and gradient (fixed paths, sigma -> 0) is 1 to this tolerance.
ORDER_TOLERANCE = 0.1
_TEST_FRACTION = 0.3
_CHECK_BATCH = 32
_PLOT_POINTS = 600
# class colours of the flow plot when there are at most three classes
_COLORS = ("tab:blue", "tab:red", "tab:green")


def add_arguments(parser) -> None:
    """The options of ``liepoisson run deep-learning``."""
    from .estimators import NETWORKS  # scikit-learn: only when the model's options are built

    parser.add_argument("--dataset", choices=list(DATASETS), default="moons",
                        help="data set (default: moons)")
    parser.add_argument("--network", choices=list(NETWORKS), default="tanh",
                        help="residual network (default: tanh)")
    parser.add_argument("--depth", type=positive_int, default=10,
                        help="number of layers K, >= 1 (default: 10)")
    parser.add_argument("--width", type=positive_int, default=8,
                        help="state dimension d (the input is lifted to it; default: 8)")
    parser.add_argument("--horizon", type=positive_float, default=1.0,
                        help="continuous depth T; the layer step is T/K (default: 1)")
    parser.add_argument("--epochs", type=positive_int, default=40, help="epochs (default: 40)")
    parser.add_argument("--samples", type=positive_int, default=1000,
                        help="samples of the generated data sets, not digits (default: 1000)")
    parser.add_argument("--noise", type=finite_float, default=None,
                        help="noise of the generated data sets, not digits (default: the "
                        "set's own)")
    parser.add_argument("--batch-size", type=positive_int, default=64,
                        help="mini-batch size (default: 64)")
    parser.add_argument("--learning-rate", type=positive_float, default=0.02,
                        help="Adam step size (default: 0.02, cosine schedule)")
    parser.add_argument("--memory", choices=MEMORY_MODES, default="stored",
                        help="keep the forward states or rebuild them backwards (default: stored)")
    add_order_argument(parser, 2, choices=(2, 4),
                       help="order of the LP-HJ step of each layer: 2 or 4 (default: 2)")
    parser.add_argument("--sigma", type=finite_float, default=0.0,
                        help="noise on the states in training, dX = f dt + sigma dW, >= 0 "
                        "(default: 0, deterministic)")
    parser.add_argument("--paths", type=positive_int, default=4,
                        help="noisy paths per sample with --sigma (default: 4)")


def _gradient_check(clf: ResNetClassifier, X: np.ndarray, y: np.ndarray, seed: int) -> dict[str, float]:
    """Pontryagin gradient of the trained network on a small batch against a central
    difference of the discrete loss, and the reversible mode against the stored one (on
    fixed noisy paths when the network was trained with noise)."""
    problem = replace(clf.problem_, tol=1e-14)
    params: Parameters = clf.params_
    rng = np.random.default_rng(seed)
    xi = problem.draw_noise(X.shape[0], rng) if problem.noise > 0 else None
    stored = problem.loss_and_gradient(params, X, y, memory="stored", xi=xi)
    reversible = problem.loss_and_gradient(params, X, y, memory="reversible", xi=xi)
    g, r = stored.gradient.vector(), reversible.gradient.vector()
    direction = rng.standard_normal(g.size)
    direction /= np.linalg.norm(direction)
    v, eps = params.vector(), 1e-5
    fd = (problem.objective(params.from_vector(v + eps * direction), X, y, xi)
          - problem.objective(params.from_vector(v - eps * direction), X, y, xi)) / (2 * eps)
    exact = float(g @ direction)
    return {
        "batch": int(X.shape[0]),
        "directional_derivative": exact,
        "finite_difference": float(fd),
        "relative_error_vs_finite_difference": abs(fd - exact) / max(abs(exact), 1e-12),
        "relative_gap_reversible_vs_stored": float(np.max(np.abs(g - r)) / max(np.max(np.abs(g)), 1e-300)),
        "reconstruction_error_reversible": reversible.reconstruction_error,
    }


def _noise_check(clf: ResNetClassifier, X: np.ndarray, y: np.ndarray, seed: int) -> dict[str, Any]:
    """The noisy loss and gradient of the trained network on fixed paths at
    :math:`\\sigma/10^j`, :math:`j = 2, 3, 4`, against the noise-free ones, and the
    measured order of the differences."""
    problem = replace(clf.problem_, tol=1e-14)
    params: Parameters = clf.params_
    xi = problem.draw_noise(X.shape[0], np.random.default_rng(seed))
    exact = replace(problem, noise=0.0).loss_and_gradient(params, X, y)
    sigmas = problem.noise * 10.0 ** -np.arange(2, 5)
    loss_gaps, gradient_gaps = [], []
    for sigma in sigmas:
        noisy = replace(problem, noise=float(sigma)).loss_and_gradient(params, X, y, xi=xi)
        loss_gaps.append(abs(noisy.loss - exact.loss))
        gradient_gaps.append(float(np.max(np.abs(noisy.gradient.vector() - exact.gradient.vector()))))

    def order(gaps):
        return float(np.polyfit(np.log(sigmas), np.log(gaps), 1)[0])

    return {
        "sigmas": sigmas.tolist(),
        "loss_gaps": loss_gaps,
        "gradient_gaps": gradient_gaps,
        "relative_gradient_gap": gradient_gaps[-1] / max(float(np.max(np.abs(exact.gradient.vector()))), 1e-300),
        "order_loss": order(loss_gaps),
        "order_gradient": order(gradient_gaps),
    }


def _project(states: np.ndarray) -> np.ndarray:
    """Coordinates of the states in the plane of the two leading principal axes of the
    final states (or the states themselves in 2-D; 1-D states get a zero second axis)."""
    d = states.shape[-1]
    if d == 2:
        return states
    if d == 1:
        return np.concatenate([states, np.zeros_like(states)], axis=-1)
    final = states[-1]
    center = final.mean(axis=0)
    _, _, vt = np.linalg.svd(final - center, full_matrices=False)
    return (states - center) @ vt[:2].T


def _plot_flow(states: np.ndarray, y: np.ndarray, T: float, path: Path, title: str) -> None:
    """The states (shape ``(depth + 1, n, width)``, labels ``y``) at five depths."""
    from matplotlib.figure import Figure
    from scipy.stats import gaussian_kde

    states = _project(states)
    classes = np.unique(y)
    K = states.shape[0] - 1
    layers = sorted({0, K // 4, K // 2, (3 * K) // 4, K})
    fig = Figure(figsize=(3.0 * len(layers), 3.2), layout="constrained")
    axes = fig.subplots(1, len(layers), squeeze=False)[0]
    for ax, k in zip(axes, layers):
        pts = states[k]
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        pad = 0.1 * np.maximum(hi - lo, 1e-9)
        gx, gy = np.meshgrid(np.linspace(lo[0] - pad[0], hi[0] + pad[0], 60),
                             np.linspace(lo[1] - pad[1], hi[1] + pad[1], 60))
        few = classes.size <= len(_COLORS)
        groups = [(pts[y == c], color) for c, color in zip(classes, _COLORS)] if few else [(pts, "0.4")]
        for group, color in groups:
            try:
                density = gaussian_kde(group.T)(np.vstack([gx.ravel(), gy.ravel()])).reshape(gx.shape)
            except (np.linalg.LinAlgError, ValueError):  # degenerate (e.g. 1-D) point clouds
                continue
            ax.contour(gx, gy, density, levels=5, colors=color, linewidths=0.7)
        size = 5 if pts.shape[0] <= _PLOT_POINTS else 1
        if few:
            ax.scatter(pts[:, 0], pts[:, 1], c=[_COLORS[i] for i in np.searchsorted(classes, y)], s=size)
        else:
            ax.scatter(pts[:, 0], pts[:, 1], c=y, s=size, cmap="tab10")
        ax.set_title(f"layer {k}, t = {k * T / K:.2g}", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(title, fontsize=10)
    fig.savefig(path, dpi=90)


def _plot_boundary(model, X: np.ndarray, y: np.ndarray, path: Path, title: str) -> None:
    from matplotlib.figure import Figure

    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = 0.15 * (hi - lo)
    gx, gy = np.meshgrid(np.linspace(lo[0] - pad[0], hi[0] + pad[0], 150),
                         np.linspace(lo[1] - pad[1], hi[1] + pad[1], 150))
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    proba = model.predict_proba(grid)
    fig = Figure(figsize=(5.0, 4.2), layout="constrained")
    ax = fig.subplots()
    if proba.shape[1] == 2:
        filled = ax.contourf(gx, gy, proba[:, 1].reshape(gx.shape), levels=np.linspace(0, 1, 11),
                             cmap="coolwarm", alpha=0.6)
        fig.colorbar(filled, ax=ax, label="P(class 1)")
        ax.contour(gx, gy, proba[:, 1].reshape(gx.shape), levels=[0.5], colors="k", linewidths=1.0)
    else:
        ax.contourf(gx, gy, proba.argmax(axis=1).reshape(gx.shape), cmap="tab10", alpha=0.4)
    ax.scatter(X[:, 0], X[:, 1], c=y, s=8, cmap="coolwarm", edgecolors="k", linewidths=0.2)
    ax.set_title(title, fontsize=10)
    fig.savefig(path, dpi=90)


def _plot_history(history: dict, path: Path) -> None:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.0, 2.8), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    epochs = np.arange(1, len(history["loss"]) + 1)
    ax1.semilogy(epochs, history["loss"])
    ax1.set_xlabel("epoch")
    ax1.set_ylabel("training loss")
    ax2.plot(epochs, history["accuracy"])
    ax2.set_xlabel("epoch")
    ax2.set_ylabel("training accuracy")
    fig.savefig(path, dpi=90)


def run(options: argparse.Namespace) -> dict[str, Any]:
    """Train, evaluate, check the gradient and plot; return the report (see the module)."""
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from .estimators import ResNetClassifier

    if options.dataset == "digits":
        refuse_unused(options, ["samples", "noise"],
                      "with --dataset digits (a fixed set of 1797 images)")
    if options.sigma < 0:
        raise InvalidArgumentError(f"sigma must be >= 0, got {options.sigma}")
    if options.sigma == 0:
        refuse_unused(options, ["paths"], "without --sigma > 0 (the deterministic network has one path)")
    seed = int(options.seed)
    X, y = load_dataset(options.dataset, options.samples, options.noise, random_state=seed)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=_TEST_FRACTION, random_state=seed, stratify=y
    )
    clf = ResNetClassifier(
        network=options.network, width=options.width, depth=options.depth, horizon=options.horizon,
        order=options.order, memory=options.memory, epochs=options.epochs,
        batch_size=options.batch_size, learning_rate=options.learning_rate, random_state=seed,
        progress=bool(options.progress), noise=options.sigma, n_paths=options.paths,
    )
    model = make_pipeline(StandardScaler(), clf)
    start = time.perf_counter()
    model.fit(X_train, y_train)
    fit_seconds = time.perf_counter() - start
    test_accuracy = float(model.score(X_test, y_test))
    train_accuracy = float(model.score(X_train, y_train))

    scaler = model[0]
    X_check, y_check = scaler.transform(X_train[:_CHECK_BATCH]), np.searchsorted(clf.classes_, y_train[:_CHECK_BATCH])
    gradient = _gradient_check(clf, X_check, y_check, seed)
    checks = {
        "gradient_matches_finite_difference":
            check(gradient["relative_error_vs_finite_difference"], GRADIENT_TOLERANCE),
        "reversible_gradient_matches_stored":
            check(gradient["relative_gap_reversible_vs_stored"], GRADIENT_TOLERANCE),
    }
    noise = _noise_check(clf, X_check, y_check, seed) if options.sigma > 0 else None
    if noise is not None:
        checks["noisy_loss_tends_to_noise_free_at_first_order"] = check(
            abs(noise["order_loss"] - 1.0), ORDER_TOLERANCE)
        checks["noisy_gradient_tends_to_noise_free_at_first_order"] = check(
            abs(noise["order_gradient"] - 1.0), ORDER_TOLERANCE)
    passed = all(c["passed"] for c in checks.values())

    name = f"{options.dataset}, {options.network} ResNet, K = {options.depth}, d = {options.width}"
    if options.sigma > 0:
        name += f", sigma = {options.sigma:g}"
    shown = slice(0, _PLOT_POINTS)
    X_shown, y_shown, T = scaler.transform(X_test[shown]), y_test[shown], clf.network_.horizon
    plots = [Plot("deep_learning_flow.png", lambda path: _plot_flow(
        clf.flow(X_shown), y_shown, T, path, f"{name}: test points and their density through depth"))]
    if options.sigma > 0:
        def plot_noisy(path):
            states = clf.noisy_flow(X_shown, random_state=seed)
            _plot_flow(states.reshape(states.shape[0], -1, states.shape[-1]), np.tile(y_shown, options.paths),
                       T, path, f"{name}: test points on {options.paths} noisy paths each")

        plots.append(Plot("deep_learning_noisy_flow.png", plot_noisy))
    if X.shape[1] == 2:
        plots.append(Plot("deep_learning_decision_boundary.png", lambda path: _plot_boundary(
            model, X_test, y_test, path, f"{name}: test accuracy {test_accuracy:.3f}")))
    plots.append(Plot("deep_learning_history.png",
                      lambda path: _plot_history(clf.history_, path)))

    epochs = len(clf.history_["loss"])
    summary = (
        f"deep-learning on {options.dataset}: test accuracy {test_accuracy:.4f} "
        f"(train {train_accuracy:.4f}), {epochs} epochs in {fit_seconds:.1f} s; gradient check "
        f"{gradient['relative_error_vs_finite_difference']:.1e} vs finite differences, "
        f"reversible mode {gradient['relative_gap_reversible_vs_stored']:.1e}"
        + ("" if noise is None else f"; sigma -> 0: gradient gap {noise['gradient_gaps'][-1]:.1e} at "
           f"sigma/10^4, order {noise['order_gradient']:.2f}")
        + " -> " + ("passed" if passed else "FAILED")
    )
    return {
        "dataset": options.dataset,
        "n_train": int(X_train.shape[0]),
        "n_test": int(X_test.shape[0]),
        "n_features": int(X.shape[1]),
        "n_classes": int(clf.classes_.size),
        "network": repr(clf.network_),
        "n_parameters": int(clf.params_.vector().size),
        "test_accuracy": test_accuracy,
        "train_accuracy": train_accuracy,
        "final_loss": clf.history_["loss"][-1],
        "fit_seconds": fit_seconds,
        "seconds_per_epoch": fit_seconds / epochs,
        "history": clf.history_,
        "gradient_check": gradient,
        "sigma": options.sigma,
        "paths": options.paths if options.sigma > 0 else 1,
        **({} if noise is None else {"noise_check": noise}),
        **outcome(checks, plots, summary, complete=epochs == options.epochs),
    }


#: What the entry point ``deep-learning`` of the group ``liepoisson.models`` loads.
ENTRY = ModelEntry(
    "deep-learning", "Residual network trained as optimal control (Pontryagin system, "
    "LP-HJ sweeps): test accuracy, gradient check, the data flowing through depth.",
    run, add_arguments,
)
