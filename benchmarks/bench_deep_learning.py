"""Benchmarks of the deep-learning model, measured in the same run and printed as ratios.

(f1) Epoch time of the Pontryagin/LP-HJ trainer (implicit midpoint layers, forward sweep and
     costate sweep of the ``LiePoissonHJ`` step, by the compiled sweeps of the model)
     against a plain numpy back-propagation of the same explicit-Euler ResNet (same width,
     depth, lift, readout, loss, batches and Adam), on moons (700 training samples).
     Target: at most 3x. Shown for several tolerances of the implicit solves, for the
     reversible memory mode, and for the generic backend (every layer the core's step on
     the whole Heisenberg state). The epochs of all runs are interleaved.
(f2) Digits (1257 training / 540 test images): test accuracy and fit time of
     ``ResNetClassifier`` against scikit-learn's ``MLPClassifier`` with a comparable
     parameter count (one hidden layer of 88 units: 6610 parameters against 6634).
     Targets: accuracy at least the MLP's, fit time at most 2x.

Times are the fastest of several epochs or fits, since the machine may be shared.

Run ``python benchmarks/bench_deep_learning.py`` (``--quick`` for a short run).
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from scipy.special import log_softmax  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from liepoisson_models.deep_learning import (  # noqa: E402
    Adam,
    ControlProblem,
    ResNetClassifier,
    TanhResNet,
    load_dataset,
    train,
)


def euler_backprop_epoch(params, X, y, h, lam, batch_size, optimiser, rng, lr):
    """One epoch of plain numpy back-propagation of the explicit-Euler tanh ResNet
    x_{k+1} = x_k + h tanh(W_k x_k + b_k), with the same lift, readout and loss."""
    theta, lift, readout = params
    d = lift.shape[1]
    order = rng.permutation(X.shape[0])
    for first in range(0, X.shape[0], batch_size):
        idx = order[first : first + batch_size]
        Xb, yb, n = X[idx], y[idx], idx.size
        xs, acts = [Xb @ lift[:-1] + lift[-1]], []
        for layer in theta:
            W, b = layer[: d * d].reshape(d, d), layer[d * d :]
            a = np.tanh(xs[-1] @ W.T + b)
            acts.append(a)
            xs.append(xs[-1] + h * a)
        z = xs[-1] @ readout[:-1] + readout[-1]
        dz = np.exp(log_softmax(z, axis=1))
        dz[np.arange(n), yb] -= 1.0
        dz /= n
        g_readout = np.vstack([xs[-1].T @ dz, dz.sum(0, keepdims=True)]) + lam * readout
        g = dz @ readout[:-1].T
        g_theta = np.empty_like(theta)
        for k in range(theta.shape[0] - 1, -1, -1):
            W = theta[k, : d * d].reshape(d, d)
            s = h * (1.0 - acts[k] ** 2) * g
            g_theta[k] = np.concatenate([(s.T @ xs[k]).ravel(), s.sum(0)]) + h * lam * theta[k]
            g = g + s @ W
        g_lift = np.vstack([Xb.T @ g, g.sum(0, keepdims=True)]) + lam * lift
        params = optimiser.update(params, (g_theta, g_lift, g_readout), lr)
        theta, lift, readout = params
    return params


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def bench_epoch_time(epochs: int) -> None:
    """(f1): epoch time against explicit-Euler backprop, the runs interleaved epoch by
    epoch so that a change of the machine's load hits all of them alike."""
    X, y = load_dataset("moons", 1000, 0.2, random_state=0)
    X_train, _, y_train, _ = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    X_train = StandardScaler().fit_transform(X_train)
    width, depth, batch, lam, lr = 16, 10, 64, 1e-4, 0.01
    print(f"(f1) Epoch time on moons ({X_train.shape[0]} samples), tanh ResNet width {width}, "
          f"depth {depth}, T = 1, batch {batch}; fastest of {epochs} interleaved epochs")
    net = TanhResNet(width, depth, 1.0)
    start = ControlProblem(net, regularization=lam).init_parameters(2, 2, np.random.default_rng(0))
    # (label, tol, memory, backend); None for the explicit-Euler baseline
    runs = [None] + [(f"tol {tol:.0e}, stored", tol, "stored", "auto") for tol in (1e-6, 1e-10, 1e-12, 1e-14)]
    runs += [("tol 1e-10, reversible", 1e-10, "reversible", "auto"),
             ("tol 1e-10, stored, generic backend", 1e-10, "stored", "generic")]
    state = {i: (start, np.random.default_rng(0)) for i in range(len(runs))}
    euler_state = [start.arrays(), Adam(), np.random.default_rng(0)]
    times = {i: [] for i in range(len(runs))}
    from threadpoolctl import threadpool_limits

    for epoch in range(epochs):
        for i, run in enumerate(runs):
            if run is None:
                params, optimiser, rng = euler_state
                with threadpool_limits(1, user_api="blas"):
                    t0 = time.perf_counter()
                    euler_state[0] = euler_backprop_epoch(params, X_train, y_train, net.step, lam, batch,
                                                          optimiser, rng, lr)
                    times[i].append(time.perf_counter() - t0)
                continue
            if run[3] == "generic" and epoch >= 2:
                continue  # slow: two epochs suffice
            _, tol, memory, backend = run
            params, rng = state[i]
            problem = ControlProblem(net, regularization=lam, tol=tol, backend=backend)
            params, history = train(problem, params, X_train, y_train, epochs=1, batch_size=batch,
                                    learning_rate=lr, lr_schedule="constant", memory=memory, rng=rng)
            state[i] = (params, rng)
            times[i].append(history["seconds"][0])
    euler = min(times[0])
    print(f"   numpy backprop, explicit Euler              {euler * 1e3:8.1f} ms/epoch   (1.00x)")
    ratios = {}
    for i, run in enumerate(runs[1:], start=1):
        t = min(times[i])
        ratios[run[0]] = t / euler
        print(f"   Pontryagin/LP-HJ, {run[0]:<36}{t * 1e3:8.1f} ms/epoch   ({t / euler:.2f}x)")
    for label in ("tol 1e-10, stored", "tol 1e-14, stored"):
        r = ratios[label]
        print(f"   (f1) target <= 3x at {label}: {r:.2f}x, {verdict(r <= 3.0)}")


def bench_digits(epochs: int) -> None:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    X, y = load_dataset("digits")
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    print(f"\n(f2) Digits ({X_train.shape[0]} train / {X_test.shape[0]} test), features in [0, 1]")

    def fastest_fit(make, repeat=2):
        """The fastest of ``repeat`` fits (the machine may be busy) and the fitted model."""
        best = np.inf
        for _ in range(repeat):
            model = make()
            t0 = time.perf_counter()
            model.fit(X_train, y_train)
            best = min(best, time.perf_counter() - t0)
        return best, model

    runs = []
    for tol in (1e-10, 1e-6):  # the estimator's default tolerance, and a loose one
        t, clf = fastest_fit(lambda: ResNetClassifier(width=32, depth=4, epochs=epochs, tol=tol,
                                                      random_state=0))
        runs.append((tol, t, clf.score(X_test, y_test), clf.params_.vector().size))
    with warnings.catch_warnings():  # the MLP stops at its default max_iter=200
        warnings.simplefilter("ignore", ConvergenceWarning)
        t_mlp, mlp = fastest_fit(lambda: MLPClassifier(hidden_layer_sizes=(88,), random_state=0))
    acc_mlp = mlp.score(X_test, y_test)
    n_mlp = sum(w.size for w in mlp.coefs_) + sum(b.size for b in mlp.intercepts_)
    print(f"   MLPClassifier (88 hidden, {mlp.n_iter_} epochs):            {n_mlp} parameters, "
          f"accuracy {acc_mlp:.4f}, fit {t_mlp:.2f} s")
    for tol, t, acc, n in runs:
        print(f"   ResNetClassifier (width 32, depth 4, {epochs} epochs, tol {tol:.0e}): {n} parameters, "
              f"accuracy {acc:.4f}, fit {t:.2f} s")
        met = acc >= acc_mlp and t / t_mlp <= 2.0
        print(f"      accuracy difference {acc - acc_mlp:+.4f} (target >= 0), fit-time ratio "
              f"{t / t_mlp:.2f}x (target <= 2x): (f2) {verdict(met)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer epochs")
    args = parser.parse_args()
    bench_epoch_time(3 if args.quick else 8)
    bench_digits(5 if args.quick else 15)


if __name__ == "__main__":
    main()
