"""Benchmarks of the Lie–Poisson Hamilton–Jacobi integrator against baselines, measured in
the same run and printed as ratios.

1. Cost per step on so(3)* (free rigid body): LiePoissonHJ orders 2 and 4 against RK4 and
   LiePoissonEuler (target: order 2 within 3x of RK4 per step).
2. Ensemble throughput: 10^5 rigid bodies x 100 steps, batched, per body-step, against a
   hand-vectorised numpy RK4 on the same batch (target: within 3x).
3. Work–precision at T = 100: wall time to reach a given error for LiePoissonHJ orders
   2/4/6/8 and ScipyIVP(DOP853) (target: order >= 4 beats DOP853 at errors <= 1e-8).

Run ``python benchmarks/bench_integrators.py`` (add ``--quick`` for a short run).
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from liepoisson import (  # noqa: E402
    RK4,
    LiePoissonEuler,
    LiePoissonHJ,
    LiePoissonSystem,
    ScipyIVP,
    integrate,
    so3,
)

INERTIA = np.array([1.0, 2.0, 3.5])
MU0 = np.array([0.3, 1.0, -0.7])


def rigid_body() -> LiePoissonSystem:
    return LiePoissonSystem(
        so3(),
        lambda m: 0.5 * np.sum(m**2 / INERTIA, axis=-1),
        gradient=lambda m: m / INERTIA,
        hessian_vector=lambda m, v: v / INERTIA,
        third_derivative=lambda m, u, v: np.zeros_like(m),
        name="rigid body",
    )


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def per_step_cost(n_steps: int, repeat: int) -> None:
    system = rigid_body()
    methods = [LiePoissonHJ(order=2), LiePoissonHJ(order=4), RK4(), LiePoissonEuler()]
    cost = {}
    for method in methods:

        def run(method=method):
            mu = MU0
            for _ in range(n_steps):
                mu = method.step(system, mu, 0.1)

        cost[method.name] = best_of(run, repeat) / n_steps
    rk4 = cost["RK4"]
    print(f"\n1. Cost per step on so(3)*, dt = 0.1 ({n_steps} steps, best of {repeat})")
    print(f"   {'method':<24}{'us/step':>10}{'/ RK4':>9}")
    for name, c in cost.items():
        print(f"   {name:<24}{1e6 * c:>10.1f}{c / rk4:>9.2f}")
    print(f"   target: LiePoissonHJ(order=2) within 3x of RK4 -> "
          f"{cost['LiePoissonHJ(order=2)'] / rk4:.2f}x")


def numpy_rk4(mu: np.ndarray, dt: float, n_steps: int) -> np.ndarray:
    """A hand-vectorised RK4 for Euler's equations on a batch of shape (n, 3)."""

    def f(m):
        w = m / INERTIA
        out = np.empty_like(m)
        out[:, 0] = m[:, 1] * w[:, 2] - m[:, 2] * w[:, 1]
        out[:, 1] = m[:, 2] * w[:, 0] - m[:, 0] * w[:, 2]
        out[:, 2] = m[:, 0] * w[:, 1] - m[:, 1] * w[:, 0]
        return out

    for _ in range(n_steps):
        k1 = f(mu)
        k2 = f(mu + 0.5 * dt * k1)
        k3 = f(mu + 0.5 * dt * k2)
        k4 = f(mu + dt * k3)
        mu = mu + (dt / 6.0) * (k1 + 2 * k2 + 2 * k3 + k4)
    return mu


def ensemble(n_bodies: int, n_steps: int) -> None:
    rng = np.random.default_rng(0)
    batch = rng.normal(size=(n_bodies, 3))
    batch /= np.linalg.norm(batch, axis=-1, keepdims=True)
    system = rigid_body()
    t0 = time.perf_counter()
    traj = integrate(system, batch, 0.1, n_steps, method=LiePoissonHJ(order=2), save_every=n_steps)
    t_hj = time.perf_counter() - t0
    t0 = time.perf_counter()
    numpy_rk4(batch, 0.1, n_steps)
    t_rk = time.perf_counter() - t0
    cas = traj.max_relative_invariant_errors()["|mu|^2"]
    per = n_bodies * n_steps
    print(f"\n2. Ensemble: {n_bodies} rigid bodies x {n_steps} steps, batched")
    print(f"   LiePoissonHJ(order=2)   {1e9 * t_hj / per:8.1f} ns/body-step  (Casimir error {cas:.1e})")
    print(f"   numpy RK4 (hand-coded)  {1e9 * t_rk / per:8.1f} ns/body-step")
    print(f"   ratio LiePoissonHJ / numpy RK4 = {t_hj / t_rk:.2f}x (target: within 3x)")


def work_precision(T: float, quick: bool) -> None:
    system = rigid_body()
    reference = ScipyIVP("DOP853", rtol=1e-14, atol=1e-16).solve(system, MU0, np.array([0.0, T]))[-1]
    print(f"\n3. Work-precision at T = {T:g} (error: max-norm against DOP853 at rtol 1e-14)")
    print(f"   {'method':<24}{'steps':>8}{'error':>11}{'seconds':>10}")
    results = {}
    grids = {
        2: [1000, 4000, 16000] if not quick else [1000, 4000],
        4: [250, 500, 1000, 2000],
        6: [100, 200, 400],
        8: [100, 200, 400],
    }
    for order, counts in grids.items():
        method = LiePoissonHJ(order=order)
        for n in counts:
            t0 = time.perf_counter()
            final = integrate(system, MU0, T / n, n, method=method, save_every=n).final
            seconds = time.perf_counter() - t0
            err = float(np.max(np.abs(final - reference)))
            results.setdefault(method.name, []).append((err, seconds))
            print(f"   {method.name:<24}{n:>8}{err:>11.2e}{seconds:>10.3f}")
    for rtol in (1e-8, 1e-10, 1e-12):
        ivp = ScipyIVP("DOP853", rtol=rtol, atol=rtol * 1e-2)
        t0 = time.perf_counter()
        final = ivp.solve(system, MU0, np.array([0.0, T]))[-1]
        seconds = time.perf_counter() - t0
        err = float(np.max(np.abs(final - reference)))
        results.setdefault("DOP853", []).append((err, seconds))
        print(f"   {'DOP853 rtol=%.0e' % rtol:<24}{'-':>8}{err:>11.2e}{seconds:>10.3f}")

    def time_to(name, target):
        ok = [s for e, s in results[name] if e <= target]
        return min(ok) if ok else float("nan")

    for target in (1e-6, 1e-8, 1e-10):
        dop = time_to("DOP853", target)
        line = ", ".join(
            f"order {o}: {time_to(f'LiePoissonHJ(order={o})', target) / dop:.2f}x" for o in (4, 6, 8)
        )
        print(f"   time to error <= {target:.0e} relative to DOP853: {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short run")
    args = parser.parse_args()
    per_step_cost(2000 if args.quick else 20000, 3)
    ensemble(10_000 if args.quick else 100_000, 20 if args.quick else 100)
    work_precision(100.0, args.quick)


if __name__ == "__main__":
    main()
