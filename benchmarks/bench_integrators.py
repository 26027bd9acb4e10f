"""Benchmarks of the Lie–Poisson Hamilton–Jacobi integrator against what users pick instead,
measured side by side in one run and printed as ratios.

The system is the free rigid body written as a user writes it, numpy lambdas only::

    LiePoissonSystem(so3(), lambda m: 0.5 * np.sum(m**2 / I, axis=-1), gradient=lambda m: m / I)

with I = (1, 2, 3.5), mu0 = (0.3, 1.0, -0.7). ``integrate`` runs it on the compiled path
(numba); the time spent compiling it (once per process) is reported separately.

(a) One trajectory, order 2, dt = 0.1, per step: LiePoissonHJ against a plain numpy RK4
    loop written with ``np.cross`` (target <= 0.25x) and a numba-compiled RK4 (<= 5x).
(b) T = 100, error <= 1e-8 against a tight DOP853 reference: the fastest LiePoissonHJ order
    against scipy's DOP853 at the loosest rtol that reaches 1e-8 (target <= 0.5x).
(c) 10^5 bodies x 20 steps, per body-step: LiePoissonHJ on the batch (parallel, every core)
    against a vectorised numpy RK4 (target <= 1.0x).
(d) T = 10^4: time to relative error 1e-6 against the exact solution (Jacobi elliptic
    functions): LiePoissonHJ against DOP853, with the work-precision curve (target: below).

Run ``python benchmarks/bench_integrators.py`` (a few minutes); ``--quick`` for a short
run, ``--only a,c`` for some sections.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numba  # noqa: E402
import numpy as np  # noqa: E402

from liepoisson import LiePoissonHJ, LiePoissonSystem, ScipyIVP, integrate, so3  # noqa: E402
from liepoisson_models.rigid_body import exact_solution  # noqa: E402

INERTIA = np.array([1.0, 2.0, 3.5])
MU0 = np.array([0.3, 1.0, -0.7])


def user_rigid_body() -> LiePoissonSystem:
    """The rigid body as a user writes it: H and its gradient, nothing else."""
    I = INERTIA
    return LiePoissonSystem(so3(), lambda m: 0.5 * np.sum(m**2 / I, axis=-1),
                            gradient=lambda m: m / I, name="rigid body (user lambdas)")


def best_of(fn, repeat: int) -> float:
    """The fastest of ``repeat`` timed calls (the machine may be shared)."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def compile_seconds(system, order: int) -> float:
    """Time of the first compiled run of ``system`` in this process (compiling, or loading
    from numba's disk cache), from the run's metadata."""
    traj = integrate(system, MU0, 0.1, 2, method=LiePoissonHJ(order=order), engine="compiled")
    return traj.metadata["compile_seconds"]


# ------------------------------------------------------------------ baselines
def _rk4(f, mu: np.ndarray, dt: float, n_steps: int) -> np.ndarray:
    for _ in range(n_steps):
        k1 = f(mu)
        k2 = f(mu + 0.5 * dt * k1)
        k3 = f(mu + 0.5 * dt * k2)
        k4 = f(mu + dt * k3)
        mu = mu + (dt / 6.0) * (k1 + 2 * k2 + 2 * k3 + k4)
    return mu


def numpy_rk4_loop(mu: np.ndarray, dt: float, n_steps: int) -> np.ndarray:
    """RK4 for Euler's equations, one state, the way it is written with numpy."""
    return _rk4(lambda m: np.cross(m, m / INERTIA), mu, dt, n_steps)


@numba.njit(cache=True)
def _euler_rhs(m, inv):
    w0, w1, w2 = m[0] * inv[0], m[1] * inv[1], m[2] * inv[2]
    return np.array((m[1] * w2 - m[2] * w1, m[2] * w0 - m[0] * w2, m[0] * w1 - m[1] * w0))


@numba.njit(cache=True)
def compiled_rk4(mu, dt, n_steps, inv):
    """RK4 for Euler's equations compiled with numba: the fastest non-geometric baseline."""
    for _ in range(n_steps):
        k1 = _euler_rhs(mu, inv)
        k2 = _euler_rhs(mu + 0.5 * dt * k1, inv)
        k3 = _euler_rhs(mu + 0.5 * dt * k2, inv)
        k4 = _euler_rhs(mu + dt * k3, inv)
        mu = mu + (dt / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
    return mu


def vectorised_rk4(mu: np.ndarray, dt: float, n_steps: int) -> np.ndarray:
    """RK4 on a batch of shape (n, 3), vectorised over the batch with numpy."""
    inv = 1.0 / INERTIA

    def f(m):
        w = m * inv
        out = np.empty_like(m)
        out[:, 0] = m[:, 1] * w[:, 2] - m[:, 2] * w[:, 1]
        out[:, 1] = m[:, 2] * w[:, 0] - m[:, 0] * w[:, 2]
        out[:, 2] = m[:, 0] * w[:, 1] - m[:, 1] * w[:, 0]
        return out

    return _rk4(f, mu, dt, n_steps)


def dop853(rtol: float):
    return ScipyIVP("DOP853", rtol=rtol, atol=rtol * 1e-3)


def verdict(ratio: float, target: float) -> str:
    return "met" if ratio <= target else "NOT met"


# ------------------------------------------------------------------- sections
def section_a(quick: bool) -> dict:
    system = user_rigid_body()
    first = compile_seconds(system, 2)
    n_hj = 200_000 if quick else 2_000_000
    n_np = 5_000 if quick else 20_000
    method = LiePoissonHJ(order=2)
    inv = 1.0 / INERTIA
    compiled_rk4(MU0.copy(), 0.1, 10, inv)  # compile before timing
    t_hj = best_of(lambda: integrate(system, MU0, 0.1, n_hj, method=method, save_every=n_hj), 3) / n_hj
    t_np = best_of(lambda: numpy_rk4_loop(MU0, 0.1, n_np), 3) / n_np
    t_nb = best_of(lambda: compiled_rk4(MU0.copy(), 0.1, n_hj, inv), 3) / n_hj
    traj = integrate(system, MU0, 0.1, n_hj, method=method, save_every=n_hj // 100)
    casimir = traj.max_relative_invariant_errors()["|mu|^2"]
    print(f"\n(a) One trajectory, order 2, dt = 0.1 (first-call compile: {first:.2f} s, not timed)")
    print(f"    LiePoissonHJ(order=2), compiled  {1e6 * t_hj:8.3f} us/step  "
          f"(Casimir error {casimir:.1e} over {n_hj} steps; {traj.metadata['engine']})")
    print(f"    numpy RK4 loop with np.cross     {1e6 * t_np:8.3f} us/step")
    print(f"    numba-compiled RK4               {1e6 * t_nb:8.3f} us/step")
    r_np, r_nb = t_hj / t_np, t_hj / t_nb
    print(f"    ratio to numpy RK4    = {r_np:.3f}x (target <= 0.25x: {verdict(r_np, 0.25)})")
    print(f"    ratio to compiled RK4 = {r_nb:.2f}x (target <= 5x: {verdict(r_nb, 5.0)})")
    return {"a: LP-HJ / numpy RK4 loop": (r_np, 0.25), "a: LP-HJ / compiled RK4": (r_nb, 5.0)}


def _steps_to_reach(system, order, T, target, reference, counts):
    """The first step count of ``counts`` whose error is <= target, its error and time."""
    method = LiePoissonHJ(order=order)
    for n in counts:
        final = integrate(system, MU0, T / n, n, method=method, save_every=n).final
        err = float(np.max(np.abs(final - reference)))
        if err <= target:
            seconds = best_of(lambda: integrate(system, MU0, T / n, n, method=method, save_every=n), 3)
            return n, err, seconds
    return None


def _loosest_dop853(system, T, target, reference, rtols, exact=None):
    for rtol in rtols:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            final = dop853(rtol).solve(system, MU0, np.array([0.0, T]))[-1]
        err = float(np.max(np.abs(final - reference)))
        if err <= target:
            seconds = best_of(lambda: dop853(rtol).solve(system, MU0, np.array([0.0, T])), 3)
            return rtol, err, seconds
    return None


def section_b(quick: bool) -> dict:
    system = user_rigid_body()
    T, target = 100.0, 1e-8
    for order in (2, 4, 6, 8):
        compile_seconds(system, order)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = dop853(3e-14).solve(system, MU0, np.array([0.0, T]))[-1]
    counts = [int(round(1000 * 1.25**k)) for k in range(-12, 25)]
    print(f"\n(b) T = {T:g}, error <= {target:.0e} (max-norm, against DOP853 at rtol 3e-14)")
    print(f"    {'method':<28}{'steps':>9}{'error':>11}{'seconds':>10}")
    best = None
    for order in (2, 4, 6, 8):
        found = _steps_to_reach(system, order, T, target, reference,
                                counts if order > 2 else counts[8:])
        if found is None:
            print(f"    LiePoissonHJ(order={order}) did not reach {target:.0e}")
            continue
        n, err, seconds = found
        print(f"    {'LiePoissonHJ(order=%d)' % order:<28}{n:>9}{err:>11.2e}{seconds:>10.4f}")
        if best is None or seconds < best[1]:
            best = (order, seconds)
    rtols = [10.0 ** -k for k in np.arange(6.0, 13.5, 0.5)]
    rtol, err, t_dop = _loosest_dop853(system, T, target, reference, rtols)
    print(f"    {'DOP853 rtol=%.1e' % rtol:<28}{'-':>9}{err:>11.2e}{t_dop:>10.4f}")
    ratio = best[1] / t_dop
    print(f"    best LiePoissonHJ (order {best[0]}) / DOP853 = {ratio:.3f}x "
          f"(target <= 0.5x: {verdict(ratio, 0.5)})")
    return {"b: best LP-HJ / DOP853 to 1e-8 at T=100": (ratio, 0.5)}


def section_c(quick: bool) -> dict:
    system = user_rigid_body()
    compile_seconds(system, 2)
    n_bodies, n_steps = (20_000 if quick else 100_000), 20
    rng = np.random.default_rng(0)
    batch = rng.normal(size=(n_bodies, 3))
    batch /= np.linalg.norm(batch, axis=-1, keepdims=True)
    method = LiePoissonHJ(order=2)
    integrate(system, batch[:4], 0.1, 2, method=method, engine="compiled")  # load the batch loop
    t_hj = best_of(lambda: integrate(system, batch, 0.1, n_steps, method=method, save_every=n_steps), 3)
    t_rk = best_of(lambda: vectorised_rk4(batch, 0.1, n_steps), 3)
    traj = integrate(system, batch, 0.1, n_steps, method=method, save_every=n_steps)
    per = n_bodies * n_steps
    ratio = t_hj / t_rk
    print(f"\n(c) Ensemble: {n_bodies} rigid bodies x {n_steps} steps "
          f"({numba.get_num_threads()} threads)")
    print(f"    LiePoissonHJ(order=2) batch   {1e9 * t_hj / per:8.1f} ns/body-step "
          f"(Casimir error {traj.max_relative_invariant_errors()['|mu|^2']:.1e}; "
          f"{traj.metadata['engine']})")
    print(f"    vectorised numpy RK4          {1e9 * t_rk / per:8.1f} ns/body-step")
    print(f"    ratio = {ratio:.2f}x (target <= 1.0x: {verdict(ratio, 1.0)})")
    return {"c: LP-HJ batch / vectorised numpy RK4": (ratio, 1.0)}


def section_d(quick: bool) -> dict:
    system = user_rigid_body()
    T = 1e3 if quick else 1e4
    target = 1e-6
    exact = exact_solution(INERTIA, MU0, np.array([T]))[0]
    scale = float(np.linalg.norm(MU0))
    for order in (4, 6):
        compile_seconds(system, order)
    print(f"\n(d) T = {T:g}: relative error |mu - exact| / |mu0| against wall time")
    print(f"    {'method':<28}{'steps':>9}{'rel. error':>12}{'seconds':>10}")
    curve: dict[str, list] = {}
    for order, counts in ((4, [int(T * f) for f in (2, 4, 8, 16)]),
                          (6, [int(T * f) for f in (1, 2, 4, 8)])):
        method = LiePoissonHJ(order=order)
        for n in counts:
            t0 = time.perf_counter()
            final = integrate(system, MU0, T / n, n, method=method, save_every=n).final
            seconds = time.perf_counter() - t0
            err = float(np.linalg.norm(final - exact)) / scale
            curve.setdefault(method.name, []).append((err, seconds))
            print(f"    {method.name:<28}{n:>9}{err:>12.2e}{seconds:>10.3f}")
    for rtol in (1e-9, 1e-10, 1e-11, 1e-12, 1e-13):
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            final = dop853(rtol).solve(system, MU0, np.array([0.0, T]))[-1]
        seconds = time.perf_counter() - t0
        err = float(np.linalg.norm(final - exact)) / scale
        curve.setdefault("DOP853", []).append((err, seconds))
        print(f"    {'DOP853 rtol=%.0e' % rtol:<28}{'-':>9}{err:>12.2e}{seconds:>10.3f}")

    def time_to(name):
        ok = [s for e, s in curve[name] if e <= target]
        return min(ok) if ok else float("inf")

    hj = min(time_to(name) for name in curve if name != "DOP853")
    dop = time_to("DOP853")
    ratio = hj / dop
    print(f"    time to {target:.0e}: LiePoissonHJ {hj:.3f} s, DOP853 {dop:.3f} s, ratio "
          f"{ratio:.3f}x (target < 1x: {verdict(ratio, 1.0)})")
    return {f"d: LP-HJ / DOP853 to 1e-6 at T={T:g}": (ratio, 1.0)}


SECTIONS = {"a": section_a, "b": section_b, "c": section_c, "d": section_d}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short run")
    parser.add_argument("--only", default="a,b,c,d", help="sections to run, e.g. a,c")
    options = parser.parse_args(argv)
    print(f"numba {numba.__version__}, {numba.get_num_threads()} threads, numpy {np.__version__}")
    results = {}
    for key in options.only.split(","):
        results.update(SECTIONS[key.strip()](options.quick))
    print("\nSummary (ratio, target):")
    for name, (ratio, target) in results.items():
        print(f"    {name:<45} {ratio:8.3f}x  target <= {target:g}x  {verdict(ratio, target)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
