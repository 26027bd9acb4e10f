"""Benchmarks of the NLS model, measured in one run and printed as ratios.

1. Cost of one step of the Lie–Poisson splitting on :class:`liepoisson_models.nls.PeriodicNLS`
   (Strang, and the 4th-order composition per kinetic flow) against a bare numpy Strang
   split-step Fourier step (precomputed kinetic phases, ``numpy.fft``) at N = 1024 and 4096
   (target: Strang within 1.3x). The same bare step with ``scipy.fft`` (and with pyFFTW, the
   library's plans, when it is installed) is shown too, so the part of the ratio that comes
   from the FFT library is visible.
2. Target (b): LiePoissonHJ (matrix-free; exponential chart orders 2 and 4, Cayley chart
   order 2) on :class:`liepoisson_models.nls.GraphNLS` (cycle and square grid graphs,
   N = 1024, 4096, 16384): CPU time at equal error against a DOP853 reference, against a
   sparse-LU implicit midpoint rule on psi written here (target: at most 3x).
3. Target (c): LiePoissonHJ per step on :class:`liepoisson_models.nls.PeriodicNLS`
   (N = 4096 in 1-D, 256^2 in 2-D, dt = 0.01) against a bare numpy Strang split-step, with
   the error at the end and the peak memory of one step (target: at most 3x; the ratio to
   the bare step with pyFFTW is printed too when it is installed); and the cost per unit
   time at equal error (the largest step at which the Cayley chart's error is at most the
   Strang step's), for the Cayley chart at order 2 and at order 4 (Suzuki's composition of
   order-2 steps).

The header of each section names the FFT library the library's steps use
(:func:`liepoisson.fft.backend`: pyFFTW when installed, else ``scipy.fft``).

Times are CPU times of the process (``time.process_time``), the best of several rounds.
Run ``python benchmarks/bench_nls.py`` (add ``--quick`` for a short run, ``--only 3`` for one
section).
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
import scipy.fft  # noqa: E402
import scipy.sparse  # noqa: E402
import scipy.sparse.linalg  # noqa: E402

from liepoisson import LiePoissonHJ, ScipyIVP, integrate  # noqa: E402
from liepoisson import fft as lpfft  # noqa: E402
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


def fftw_strang(phases: np.ndarray, g: float, dt: float, shape: tuple) -> dict:
    """``{"bare Strang, pyFFTW": step}``, the bare step with the FFTW plans of
    :mod:`liepoisson.fft`, when pyfftw is installed; else ``{}``."""
    if lpfft.backend() != "pyfftw":
        return {}
    axes = tuple(range(-len(shape), 0))
    return {"bare Strang, pyFFTW": bare_strang(
        lambda v: lpfft.fftn(v.reshape(shape), axes).ravel(),
        lambda v: lpfft.ifftn(v.reshape(shape), axes).ravel(), phases, g, dt)}


def splitting_cost(sizes, repeat: int, number: int) -> None:
    print("\n1. One step on PeriodicNLS (L = 80, g = -1, dt = 0.01), bright soliton, "
          f"best of {repeat} x {number} steps; the library's FFTs by {lpfft.backend()}")
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
        candidates.update(fftw_strang(phases, g, dt, (n,)))
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
        per_flow = cost[four.name] / four.flow_counts(2)[1]  # pieces: potential, kinetic
        print(f"   {n:>6}  {'  order 4 per kinetic flow':<40}{1e6 * per_flow:>10.1f}"
              f"{per_flow / base:>14.2f}")
        ratios[n] = cost["LiePoissonSplitting(order=2)"] / base
    for n, r in ratios.items():
        print(f"   target: Strang within 1.3x of the bare numpy step at N = {n} -> {r:.2f}x")


def sparse_lu_midpoint(nls: GraphNLS, dt: float, tol: float = 1e-14):
    """The implicit midpoint rule on psi, written directly: phi = psi - i dt/2 (L + g|phi|^2) phi
    by fixed-point iterations, each a solve with one sparse LU of I + i dt/2 L per step size."""
    lu = scipy.sparse.linalg.splu((scipy.sparse.identity(nls.n, format="csc")
                                   + 0.5j * dt * nls.laplacian).tocsc())
    g = nls.g

    def step(psi):
        phi = psi
        for _ in range(100):
            new = lu.solve(psi - 0.5j * dt * g * np.abs(phi) ** 2 * phi)
            done = np.max(np.abs(new - phi)) <= tol * max(1.0, np.max(np.abs(psi)))
            phi = new
            if done:
                break
        return 2.0 * phi - psi

    return step


def _graph_case(kind: str, n: int):
    """A cycle or a square grid graph of n nodes and a Gaussian packet with momentum on it."""
    if kind == "cycle":
        graph = nx.cycle_graph(n)
        pos = np.arange(n, dtype=float)[:, None]
    else:
        side = int(round(np.sqrt(n)))
        graph = nx.grid_2d_graph(side, side)
        pos = np.array(list(graph.nodes), dtype=float)
    nls = GraphNLS(graph, g=-1.0)
    centre = pos.mean(axis=0)
    r2 = np.sum((pos - centre) ** 2, axis=1)
    psi0 = np.exp(-r2 / (2 * 8.0**2) + 1j * 0.5 * pos[:, 0])
    return nls, psi0 / np.linalg.norm(psi0) * np.sqrt(4.0)


def _time_run(step, psi0, dt, T):
    n = round(T / dt)
    t0 = time.process_time()
    psi = psi0
    for _ in range(n):
        psi = step(psi)
    return time.process_time() - t0, psi


def _cost_at(error_target, errors, times):
    """Time at ``error_target`` interpolated in log-log between the measured points."""
    e, t = np.log(errors), np.log(times)
    order = np.argsort(e)
    return float(np.exp(np.interp(np.log(error_target), e[order], t[order])))


def graph_equal_error(sizes, T: float, target: float) -> None:
    print(f"\n2. GraphNLS (g = -1, Gaussian packet, T = {T}): CPU time at equal error {target:g} "
          "against DOP853 (rtol 1e-12); the baseline is a sparse-LU implicit midpoint on psi")
    print(f"   {'graph':>10} {'N':>6}  {'method':<36}{'s at error':>12}{'/ baseline':>12}")
    methods = {
        "LiePoissonHJ(order=2)": (LiePoissonHJ(order=2), [0.1, 0.05, 0.025]),
        "LiePoissonHJ(order=4)": (LiePoissonHJ(order=4), [0.25, 0.125, 0.0625]),
        "LiePoissonHJ(order=2, cayley)": (LiePoissonHJ(order=2, chart="cayley"), [0.05, 0.025, 0.0125]),
    }
    ratios = []
    for kind in ("cycle", "grid"):
        for n in sizes:
            nls, psi0 = _graph_case(kind, n)
            reference = integrate(nls, psi0, T, 1, method=ScipyIVP(method="DOP853", rtol=1e-12, atol=1e-14)).final
            cost = {}
            base_dts = [0.05, 0.025, 0.0125, 0.00625]
            runs = [_time_run(sparse_lu_midpoint(nls, dt), psi0, dt, T) for dt in base_dts]
            base_err = [float(np.max(np.abs(p - reference))) for _, p in runs]
            cost["sparse-LU implicit midpoint"] = _cost_at(target, base_err, [t for t, _ in runs])
            for name, (method, dts) in methods.items():
                times, errs = [], []
                for dt in dts:
                    t0 = time.process_time()
                    traj = integrate(nls, psi0, dt, round(T / dt), method=method, save_every=round(T / dt))
                    times.append(time.process_time() - t0)
                    errs.append(float(np.max(np.abs(traj.final - reference))))
                cost[name] = _cost_at(target, errs, times)
            base = cost["sparse-LU implicit midpoint"]
            for name, c in cost.items():
                print(f"   {kind:>10} {n:>6}  {name:<36}{c:>12.3f}{c / base:>12.2f}")
            best = min(v for k, v in cost.items() if k != "sparse-LU implicit midpoint")
            ratios.append((kind, n, best / base))
    for kind, n, r in ratios:
        print(f"   target (b): best LiePoissonHJ <= 3x the sparse-LU midpoint at equal error, "
              f"{kind} N = {n} -> {r:.2f}x")


def periodic_per_step(cases, dt: float, steps: int, repeat: int = 3) -> None:
    import tracemalloc

    print(f"\n3. PeriodicNLS, dt = {dt}, {steps} steps (fastest of {repeat} interleaved runs): "
          "LiePoissonHJ per step against a bare numpy Strang split-step, error at the end, "
          f"peak memory of one step; the library's FFTs by {lpfft.backend()}")
    print(f"   {'grid':>8}  {'method':<32}{'ms/step':>10}{'/ Strang':>10}{'error':>10}{'peak MB':>9}")
    for n_points, dim in cases:
        g = -1.0 if dim == 1 else 1.0
        nls = PeriodicNLS(n_points, 40.0, g=g, dim=dim)
        if dim == 1:
            psi0 = bright_soliton(nls.x, 0.0, a=1.0, c=0.5)
            exact = bright_soliton(nls.x, dt * steps, a=1.0, c=0.5)
        else:
            r2 = np.sum(nls.points**2, axis=1)
            psi0 = np.exp(-r2 / 8.0 + 0.5j * nls.points[:, 0]).astype(complex)
            exact = integrate(nls, psi0, dt / 4, 4 * steps, method=LiePoissonSplitting(order=6),
                              save_every=4 * steps).final
        half_k2 = 0.5 * np.add.outer(*([nls.wavenumbers**2] * 2)).ravel() if dim == 2 else 0.5 * nls.wavenumbers**2
        phases = np.exp(-1j * dt * half_k2)
        if dim == 1:
            strang = bare_strang(np.fft.fft, np.fft.ifft, phases, g, dt)
        else:
            shape = (n_points, n_points)
            strang = bare_strang(lambda v: np.fft.fft2(v.reshape(shape)).ravel(),
                                 lambda v: np.fft.ifft2(v.reshape(shape)).ravel(), phases, g, dt)
        candidates = {"bare Strang, numpy.fft": strang, **fftw_strang(phases, g, dt, (n_points,) * dim)}
        for method in (LiePoissonHJ(order=2, chart="cayley"), LiePoissonSplitting(order=2)):
            candidates[method.name] = lambda psi, m=method: m.step(nls, psi, dt)
        rows = {}
        for name, step in candidates.items():
            step(psi0)  # loads what the step compiles or caches: not the step's memory
            tracemalloc.start()
            step(psi0)
            peak = tracemalloc.get_traced_memory()[1] / 1e6
            tracemalloc.stop()
            rows[name] = [np.inf, np.nan, peak]
        # interleaved repeats, the fastest of each: load changes hit all candidates alike
        for _ in range(repeat):
            for name, step in candidates.items():
                seconds, final = _time_run(step, psi0, dt, dt * steps)
                rows[name][0] = min(rows[name][0], seconds / steps)
                rows[name][1] = float(np.max(np.abs(final - exact)))
        base = rows["bare Strang, numpy.fft"][0]
        label = f"{n_points}" + ("^2" if dim == 2 else "")
        for name, (c, err, peak) in rows.items():
            print(f"   {label:>8}  {name:<32}{1e3 * c:>10.2f}{c / base:>10.2f}{err:>10.1e}{peak:>9.1f}")
        # the exponential chart on this stiff grid (dt * lambda_max(L) in the hundreds in 1-D):
        # one step only, its Krylov basis is long
        exp = LiePoissonHJ(order=2)
        t0 = time.process_time()
        exp.step(nls, psi0, dt)
        c = time.process_time() - t0
        print(f"   {label:>8}  {exp.name + ' (1 step)':<32}{1e3 * c:>10.2f}{c / base:>10.2f}")
        best = min(rows[k][0] for k in rows if k.startswith("LiePoissonHJ"))
        fastest = min(rows[k][0] for k in rows if k.startswith("bare Strang"))
        print(f"   target (c): LiePoissonHJ per step <= 3x the bare Strang step, {label} -> {best / base:.2f}x "
              f"({best / fastest:.2f}x the fastest bare Strang step)")
        # at equal error: for the Cayley chart at orders 2 and 4, the largest step at which
        # its error over the same span is at most the bare Strang step's at dt; then its CPU
        # time over the span, timed interleaved with the bare Strang steps at dt
        strang_error, span = rows["bare Strang, numpy.fft"][1], dt * steps
        bare = {name: step for name, step in candidates.items() if name.startswith("bare Strang")}
        fractions = {2: (0.35, 0.5, 0.7, 1.0, 1.4, 2.0, 2.8, 4.0),
                     4: (0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.1, 0.11, 0.12, 0.14, 0.17, 0.2, 0.3,
                        0.5)}
        for order, tried in fractions.items():
            cayley = LiePoissonHJ(order=order, chart="cayley").for_system(nls)
            found = None
            for n in sorted({round(steps * f) for f in tried}):
                h = span / n
                error = float(np.max(np.abs(_time_run(lambda psi: cayley.step(nls, psi, h), psi0, h, span)[1] - exact)))
                if error <= strang_error:
                    found = (h, error)
                    break
            if found is None:
                print(f"   {label:>8}  {cayley.name}: no step tried reaches the Strang error {strang_error:.1e}")
                continue
            h, error = found
            runs = {"cayley": (lambda psi: cayley.step(nls, psi, h), h),
                    **{name: (step, dt) for name, step in bare.items()}}
            seconds = dict.fromkeys(runs, np.inf)  # the fastest of the repeats
            for _ in range(repeat):
                for name, (step, size) in runs.items():
                    seconds[name] = min(seconds[name], _time_run(step, psi0, size, span)[0])
            numpy_ratio = seconds["cayley"] / seconds["bare Strang, numpy.fft"]
            fastest_ratio = seconds["cayley"] / min(seconds[name] for name in bare)
            print(f"   {label:>8}  at equal error: {cayley.name} with step {h:.4g} (error {error:.1e} <= "
                  f"{strang_error:.1e}) costs {numpy_ratio:.2f}x the bare numpy Strang step at dt = {dt} "
                  f"over the same span ({fastest_ratio:.2f}x the fastest bare Strang step)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short run")
    parser.add_argument("--only", default="1,2,3", help="sections to run, e.g. 3")
    args = parser.parse_args()
    only = set(args.only.split(","))
    if "1" in only:
        splitting_cost([1024, 4096], repeat=3 if args.quick else 15, number=50 if args.quick else 200)
    if "2" in only:
        graph_equal_error([1024] if args.quick else [1024, 4096, 16384], T=1.0, target=1e-6)
    if "3" in only:
        periodic_per_step([(4096, 1)] if args.quick else [(4096, 1), (256, 2)], dt=0.01,
                          steps=20 if args.quick else 100)


if __name__ == "__main__":
    main()
