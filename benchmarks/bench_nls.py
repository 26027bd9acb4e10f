"""Benchmarks of the NLS model, measured in one run and printed as ratios.

1. Cost of one step of the Lie–Poisson splitting on :class:`liepoisson_models.nls.PeriodicNLS`
   (Strang, and the 4th-order composition per kinetic flow) against a bare numpy Strang
   split-step Fourier step (precomputed kinetic phases, ``numpy.fft``) at N = 1024 and 4096
   (target: Strang within 1.3x). The same bare step with ``scipy.fft`` is shown too, so the
   part of the ratio that comes from the FFT library is visible.
2. LiePoissonHJ (orders 2 and 4) on :class:`liepoisson_models.nls.GraphNLS` (a random 3-regular
   graph) with N = 64, 128, 256: time per step, the relative error of the Casimirs
   :math:`\\operatorname{tr}\\rho^k` over the run, and the exponent of a power-law fit of the
   time per step against N (expected about 3: eigendecompositions and products of dense
   N x N matrices).

Times are CPU times of the process (``time.process_time``), the best of several rounds.
Run ``python benchmarks/bench_nls.py`` (add ``--quick`` for a short run).
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
import scipy.fft  # noqa: E402

from liepoisson import LiePoissonHJ, integrate  # noqa: E402
from liepoisson_models.nls import GraphNLS, LiePoissonSplitting, PeriodicNLS, bright_soliton  # noqa: E402


def best_of(fn, repeat: int, number: int) -> float:
    """Smallest CPU time per call over ``repeat`` rounds of ``number`` calls (CPU time of
    this process, so that other jobs on a shared machine distort it less)."""
    times = []
    for _ in range(repeat):
        t0 = time.process_time()
        for _ in range(number):
            fn()
        times.append((time.process_time() - t0) / number)
    return min(times)


def bare_strang(fft, ifft, phases: np.ndarray, g: float, dt: float):
    """A plain split-step Fourier Strang step: half potential, kinetic, half potential."""
    half = -0.5 * g * dt

    def step(psi):
        psi = psi * np.exp(1j * half * np.abs(psi) ** 2)
        psi = ifft(fft(psi) * phases)
        return psi * np.exp(1j * half * np.abs(psi) ** 2)

    return step


def splitting_cost(sizes, repeat: int, number: int) -> None:
    print("\n1. One step on PeriodicNLS (L = 80, g = -1, dt = 0.01), bright soliton, "
          f"best of {repeat} x {number} steps")
    print(f"   {'N':>6}  {'method':<40}{'us/step':>10}{'/ bare numpy':>14}")
    dt, g = 0.01, -1.0
    ratios = {}
    for n in sizes:
        nls = PeriodicNLS(n, 80.0, g=g)
        psi0 = bright_soliton(nls.x, 0.0, a=1.0, c=1.0)
        phases = np.exp(-0.5j * dt * nls.wavenumbers**2)
        candidates = {
            "bare Strang, numpy.fft": bare_strang(np.fft.fft, np.fft.ifft, phases, g, dt),
            "bare Strang, scipy.fft": bare_strang(scipy.fft.fft, scipy.fft.ifft, phases, g, dt),
        }
        for method in (LiePoissonSplitting(order=2), LiePoissonSplitting(order=4)):
            candidates[method.name] = lambda psi, m=method: m.step(nls, psi, dt)
        # interleave the candidates so that load changes hit all of them alike
        cost = {name: np.inf for name in candidates}
        for _ in range(repeat):
            for name, step in candidates.items():
                cost[name] = min(cost[name], best_of(lambda s=step: s(psi0), 1, number))
        base = cost["bare Strang, numpy.fft"]
        for name, c in cost.items():
            print(f"   {n:>6}  {name:<40}{1e6 * c:>10.1f}{c / base:>14.2f}")
        four = LiePoissonSplitting(order=4)
        per_flow = cost[four.name] / four.kinetic_flows
        print(f"   {n:>6}  {'  order 4 per kinetic flow':<40}{1e6 * per_flow:>10.1f}"
              f"{per_flow / base:>14.2f}")
        ratios[n] = cost["LiePoissonSplitting(order=2)"] / base
    for n, r in ratios.items():
        print(f"   target: Strang within 1.3x of the bare numpy step at N = {n} -> {r:.2f}x")


def hj_scaling(sizes, steps: int) -> None:
    print(f"\n2. LiePoissonHJ on GraphNLS (random 3-regular graph, g = -1, dt = 0.05, "
          f"{steps} steps)")
    print(f"   {'N':>6}  {'method':<24}{'ms/step':>10}{'Casimir rel. error':>20}")
    results = {2: [], 4: []}
    for n in sizes:
        graph = nx.random_regular_graph(3, n, seed=1)
        nls = GraphNLS(graph, g=-1.0)
        rng = np.random.default_rng(n)
        psi0 = rng.normal(size=n) + 1j * rng.normal(size=n)
        psi0 *= np.sqrt(n / 8) / np.linalg.norm(psi0)  # mean density 1/8 per site
        for order in (2, 4):
            method = LiePoissonHJ(order=order)
            integrate(nls, psi0, 0.05, 1, method=method)  # warm up (caches, imports)
            t0 = time.process_time()
            traj = integrate(nls, psi0, 0.05, steps, method=method, save_every=steps)
            per_step = (time.process_time() - t0) / steps
            # tr rho^k from the matrix psi psi^H itself, not from the mass
            rho = traj.states[..., :, None] * np.conj(traj.states[..., None, :])
            powers = np.stack([np.real(np.trace(np.linalg.matrix_power(rho, k), axis1=-2, axis2=-1))
                               for k in (1, 2, 3)])
            casimir = float(np.max(np.abs(powers[:, -1] / powers[:, 0] - 1.0)))
            results[order].append(per_step)
            print(f"   {n:>6}  {method.name:<24}{1e3 * per_step:>10.2f}{casimir:>20.1e}")
    for order, times in results.items():
        slope = np.polyfit(np.log(sizes), np.log(times), 1)[0]
        local = np.diff(np.log(times)) / np.diff(np.log(sizes))
        pairs = ", ".join(f"{a}->{b}: {e:.2f}" for a, b, e in zip(sizes[:-1], sizes[1:], local))
        print(f"   fitted time per step ~ N^{slope:.2f} for LiePoissonHJ(order={order}) "
              f"(expected about 3; between sizes {pairs})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short run")
    args = parser.parse_args()
    if args.quick:
        splitting_cost([1024, 4096], repeat=3, number=50)
        hj_scaling([64, 128, 256], steps=3)
    else:
        splitting_cost([1024, 4096], repeat=15, number=200)
        hj_scaling([64, 128, 256], steps=10)


if __name__ == "__main__":
    main()
