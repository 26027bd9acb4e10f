"""Zeitlin's Euler equations on su(N): LiePoissonHJ against the isospectral midpoint method,
measured in one run and printed side by side.

For N = 128, 256, 512 (``--sizes``), from a random smooth vorticity (spherical harmonics of
degree l <= 10, root-mean-square vorticity 1, seed 0) and with the step h = 0.1 hbar,
hbar = 2/sqrt(N^2 - 1) (quflow's convention: its ``dt = 0.1 * hbar``, i.e. the step 0.1 in
the time of W' = [P, W] in its scaling, where 1 maps to iI), for each method:

* the CPU time per step (``time.process_time``, one BLAS and numba thread, after one
  warm-up step);
* the drift of the Casimirs over the run: :math:`\\max_k |\\operatorname{tr}W^k(T) -
  \\operatorname{tr}W^k(0)| / \\sum_j|\\lambda_j|^k`, k = 2, 3, 4;
* the error at T = steps * h against a fine reference (LiePoissonHJ(order=4), h/8), relative
  to the largest entry, and the cost at equal error: the CPU time per unit of time of
  LiePoissonHJ(order=2) run with the step r h at which its error is still at most the
  isospectral midpoint's (r = 1, 2, 4, ... up to the number of steps), divided by that of
  the isospectral midpoint at h.

Methods:

``LiePoissonHJ(order=2)``
    the library's integrator on :class:`~liepoisson_models.euler_sphere.EulerSphere`
    (exponential chart), through ``LiePoissonHJ().step``;
``LiePoissonHJ(order=2, chart="cayley")``
    the same in the Cayley chart, when the installed library has that keyword;
``isospectral midpoint``
    the method of Modin & Viviani (2020), written here from its equations: for
    :math:`\\dot W = [P(W), W]` (here :math:`W = \\Omega` Hermitian and
    :math:`P = \\tfrac{i}{\\kappa}\\Delta_N^{-1}W` skew-Hermitian), the midpoint
    :math:`\\tilde W` solves :math:`W_n = (I - \\tfrac h2\\tilde P)\\tilde W(I + \\tfrac h2\\tilde P)`,
    i.e. :math:`\\tilde W = W_n + \\tfrac h2[\\tilde P, \\tilde W] + \\tfrac{h^2}{4}\\tilde P\\tilde W\\tilde P`,
    by fixed-point iteration with the library's stopping rule and tolerance
    (:func:`liepoisson.solvers.solve_fixed_point`, ``tol=1e-14``, from the explicit half
    step :math:`W_n + \\tfrac h2[P(W_n), W_n]`, one product; two products and one Laplacian
    solve per iteration), then
    :math:`W_{n+1} = W_n + h[\\tilde P, \\tilde W]` with the last iterate's commutator;
``quflow``
    ``quflow.integrators.isospectral.isomp_fixedpoint`` (its own numba Laplacian, its
    default tolerance), when quflow is installed: it is not a dependency of the project
    (install it from its public repository to get this column). Its state is
    :math:`W = iN^{1/2}(4\\pi)^{-1/2}\\Omega`, in which its equation is the same.

Run ``python benchmarks/bench_euler_sphere.py`` (``--sizes 64 128`` for a short run).
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("NUMBA_NUM_THREADS", "1")  # quflow's kernels are parallel: one thread too

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from liepoisson import LiePoissonHJ  # noqa: E402
from liepoisson.solvers import solve_fixed_point  # noqa: E402
from liepoisson_models.euler_sphere import EulerSphere, random_vorticity  # noqa: E402

TOL = 1e-14
STEP_IN_HBAR = 0.1


def cayley_method():
    """``LiePoissonHJ(order=2, chart="cayley")``, or None when the library has no such chart."""
    try:
        return LiePoissonHJ(order=2, chart="cayley")
    except TypeError:
        return None


def isospectral_midpoint_step(system: EulerSphere, W: np.ndarray, h: float, counter: list) -> np.ndarray:
    """One step of the isospectral midpoint method (Modin & Viviani 2020) for
    :math:`\\dot W = [P(W), W]`, :math:`P = \\tfrac{i}{\\kappa}\\Delta_N^{-1}W`."""
    c = 1j / system.time_scale
    solve = system.laplacian.solve

    def commutator(P, Wt):
        PW = P @ Wt
        return PW, PW + PW.conj().T  # [P, Wt] (Wt Hermitian, P skew-Hermitian)

    def parts(Wt):
        P = c * solve(Wt)
        PW, bracket = commutator(P, Wt)
        return bracket, PW @ P  # and P Wt P

    last = {}

    def update(Wt):
        counter[0] += 1
        last["commutator"], sandwich = parts(Wt)
        return W + (0.5 * h) * last["commutator"] + (0.25 * h * h) * sandwich

    guess = W + (0.5 * h) * commutator(c * solve(W), W)[1]  # the explicit half step: one product
    solve_fixed_point(update, guess, 2, TOL, 100, "isospectral midpoint")
    # the commutator of the last iterate, as in the paper (converged to the tolerance)
    return W + h * last["commutator"]


def quflow_runner():
    """A function ``(system, W, h, steps) -> W`` running quflow's isospectral midpoint, or
    None when quflow is not installed."""
    try:
        from quflow.integrators.isospectral import isomp_fixedpoint
        from quflow.laplacian import solve_poisson
    except ImportError:
        return None

    def run(system, W, h, steps):
        scale = 1j * np.sqrt(system.n / (4 * np.pi))
        Wq = np.ascontiguousarray(scale * W)
        Wq = isomp_fixedpoint(Wq, h, steps=steps, hamiltonian=solve_poisson)
        return Wq / scale

    return run


def casimir_drift(W0: np.ndarray, W1: np.ndarray) -> float:
    """:math:`\\max_k |\\operatorname{tr}W_1^k - \\operatorname{tr}W_0^k| / \\sum_j|\\lambda_j|^k`,
    k = 2, 3, 4."""
    drift = 0.0
    for k in (2, 3, 4):
        a, b = (np.trace(np.linalg.matrix_power(W, k)).real for W in (W0, W1))
        drift = max(drift, abs(b - a) / np.sum(np.abs(np.linalg.eigvalsh(W0)) ** k))
    return drift


def timed_run(step, W0: np.ndarray, steps: int) -> tuple[np.ndarray, float]:
    """The state after ``steps`` steps and the CPU time per step (after a warm-up step
    from ``W0`` that is not counted)."""
    step(W0)
    W = W0
    start = time.process_time()
    for _ in range(steps):
        W = step(W)
    return W, (time.process_time() - start) / steps


def measure(n: int, steps: int) -> list[dict]:
    system = EulerSphere(n)
    W0 = system.from_coefficients(random_vorticity(n, 10, seed=0))
    h = STEP_IN_HBAR * system.hbar
    reference = W0
    fine = LiePoissonHJ(order=4)
    for _ in range(8 * steps):
        reference = fine.step(system, reference, h / 8)
    scale = np.max(np.abs(reference))

    rows = []

    def record(name, W, cost, **extra):
        rows.append({"method": name, "cost": cost, "casimir": casimir_drift(W0, W),
                     "error": float(np.max(np.abs(W - reference)) / scale), **extra})

    hj = LiePoissonHJ(order=2)
    W, cost = timed_run(lambda W: hj.step(system, W, h), W0, steps)
    record("LiePoissonHJ(order=2)", W, cost)
    cayley = cayley_method()
    if cayley is not None:
        W, cost = timed_run(lambda W: cayley.step(system, W, h), W0, steps)
        record('LiePoissonHJ(order=2, chart="cayley")', W, cost)
    counter = [0]
    W, cost = timed_run(lambda W: isospectral_midpoint_step(system, W, h, counter), W0, steps)
    record("isospectral midpoint", W, cost, iterations=counter[0] / (steps + 1))
    quflow = quflow_runner()
    if quflow is not None:
        quflow(system, W0, h, 1)  # compiles its kernels
        start = time.process_time()
        W = quflow(system, W0, h, steps)
        record("quflow isomp_fixedpoint", W, (time.process_time() - start) / steps)

    # LiePoissonHJ(order=2) at the largest step r h (r a power of 2 dividing `steps`) whose
    # error is still at most the isospectral midpoint's at h
    target = next(r["error"] for r in rows if r["method"] == "isospectral midpoint")
    best = None
    r = 1
    while r <= steps and steps % r == 0:
        W, cost = timed_run(lambda W: hj.step(system, W, r * h), W0, steps // r)
        error = float(np.max(np.abs(W - reference)) / scale)
        if error > target:
            break
        best = (r, cost / r, error)
        r *= 2
    for row in rows:
        row["hj_equal_error"] = best
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[128, 256, 512])
    parser.add_argument("--steps", type=int, default=8, help="steps timed per method (default 8)")
    options = parser.parse_args(argv)
    print(f"Zeitlin su(N), h = {STEP_IN_HBAR} hbar, {options.steps} steps from a random vorticity "
          "(l <= 10, rms 1); CPU time per step, one thread")
    with threadpool_limits(1):
        for n in options.sizes:
            rows = measure(n, options.steps)
            base = next(r for r in rows if r["method"] == "isospectral midpoint")
            print(f"\nN = {n}  (isospectral midpoint: {base['iterations']:.1f} fixed-point "
                  "iterations per step)")
            print(f"{'method':40s} {'ms/step':>9s} {'ratio':>7s} {'Casimir drift':>14s} "
                  f"{'error at T':>11s}")
            for r in rows:
                print(f"{r['method']:40s} {1e3 * r['cost']:9.2f} {r['cost'] / base['cost']:7.2f} "
                      f"{r['casimir']:14.1e} {r['error']:11.1e}")
            equal = rows[0]["hj_equal_error"]
            if equal is not None:
                r, cost, error = equal
                print(f"equal error: LiePoissonHJ(order=2) with step {r} h has error {error:.1e} "
                      f"(<= {base['error']:.1e}) at {1e3 * cost:.2f} ms per h of time: "
                      f"{cost / base['cost']:.2f} x the isospectral midpoint")


if __name__ == "__main__":
    main()
