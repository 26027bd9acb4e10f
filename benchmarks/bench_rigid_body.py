"""Long runs of the rigid body and the heavy top: LiePoissonHJ(order=2) against McLachlan's
explicit splitting and RK4, measured in the same run and printed as ratios.

Both Hamiltonians split into integrable parts whose flows are exact:

* rigid body, :math:`H = \\sum_i \\Pi_i^2 / (2 I_i)`: the flow of :math:`\\Pi_i^2/(2I_i)` rotates
  :math:`\\Pi` about the body axis :math:`e_i` by the angle :math:`-t\\,\\Pi_i/I_i`;
* heavy top, :math:`H = \\sum_i \\Pi_i^2/(2 I_i) + mg\\ell\\,\\Gamma\\cdot\\chi`: the kinetic parts
  rotate :math:`\\Pi` and :math:`\\Gamma` together, the potential part moves
  :math:`\\Pi \\mathrel{+}= t\\,mg\\ell\\,\\Gamma\\times\\chi`.

The symmetric (Strang) composition of these flows is McLachlan's explicit splitting: second
order, Poisson, Casimir-preserving; the natural baseline for ``LiePoissonHJ(order=2)``, which
is also all three but implicit and generic. The splitting is timed twice: from the library
(:class:`~liepoisson.LiePoissonSplitting` on the models' ``split_flows``, numpy, one call per
step) and compiled with numba here (the fastest it gets); before timing, both are checked to
agree to 1e-12 over 1000 steps.
LiePoissonHJ runs through :func:`liepoisson.integrate` (compiled; its first-call compile
time is reported, not timed). RK4 (numpy, the library's) is the non-geometric baseline.

The methods run interleaved, chunk by chunk, so that the ratios hold on a machine whose load
changes during the run. Before timing, the split vector fields are checked to sum to the
library's vector field.

Target (heavy top, 10^6 steps): LiePoissonHJ within 2x of the explicit splitting per step.
At the same step LiePoissonHJ's energy error is the smaller, so the cost per unit time at
equal energy error is printed too: LiePoissonHJ over the same span with the longest step
whose largest relative energy error is at most the numba splitting's (sampled as often,
timed alone after the interleaved runs).

Run ``python benchmarks/bench_rigid_body.py`` (10^6 steps of each model, a few minutes),
``--steps N`` to choose, ``--quick`` for 10^4 steps, ``--model heavy-top`` for one model.
"""

from __future__ import annotations

import argparse
import math
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numba  # noqa: E402
import numpy as np  # noqa: E402

from liepoisson import RK4, LiePoissonHJ, LiePoissonSplitting, integrate  # noqa: E402
from liepoisson_models.heavy_top import HeavyTop  # noqa: E402
from liepoisson_models.rigid_body import RigidBody  # noqa: E402

DT = 0.1
#: Number of states sampled per run for the invariant errors.
SAMPLES = 1000
#: Interleaved chunks per run.
CHUNKS = 20

RIGID_BODY = dict(inertia=np.array([2.0, 1.0, 2.0 / 3.0]),
                  mu0=np.array([math.cos(1.1), 0.0, math.sin(1.1)]))
HEAVY_TOP = dict(inertia=np.array([1.0, 1.5, 2.0]), chi=np.array([0.0, 0.0, 1.0]), mgl=1.0,
                 mu0=np.array([0.3, 0.2, 1.0, 0.0, 0.6, 0.8]))


# ------------------------------------------------------------- the splitting
@numba.njit(cache=True)
def _rotate(mu, offset, i, angle):
    """Rotate the 3-vector ``mu[offset:offset+3]`` about axis ``i`` by ``angle``."""
    j, k = offset + (i + 1) % 3, offset + (i + 2) % 3
    c, s = math.cos(angle), math.sin(angle)
    a, b = mu[j], mu[k]
    mu[j] = c * a + s * b
    mu[k] = c * b - s * a


@numba.njit(cache=True)
def _kinetic(mu, inv, i, h, with_gamma):
    angle = h * mu[i] * inv[i]
    _rotate(mu, 0, i, angle)
    if with_gamma:
        _rotate(mu, 3, i, angle)


@numba.njit(cache=True)
def _potential(mu, force, h):
    g0, g1, g2 = mu[3], mu[4], mu[5]
    mu[0] += h * (g1 * force[2] - g2 * force[1])
    mu[1] += h * (g2 * force[0] - g0 * force[2])
    mu[2] += h * (g0 * force[1] - g1 * force[0])


@numba.njit(cache=True)
def compiled_splitting(mu, dt, n_steps, inv, force, heavy):
    """McLachlan's symmetric splitting, compiled: V(h/2) R1(h/2) R2(h/2) R3(h) R2(h/2)
    R1(h/2) V(h/2) (no V for the rigid body)."""
    mu = mu.copy()
    half = 0.5 * dt
    for _ in range(n_steps):
        if heavy:
            _potential(mu, force, half)
        _kinetic(mu, inv, 0, half, heavy)
        _kinetic(mu, inv, 1, half, heavy)
        _kinetic(mu, inv, 2, dt, heavy)
        _kinetic(mu, inv, 1, half, heavy)
        _kinetic(mu, inv, 0, half, heavy)
        if heavy:
            _potential(mu, force, half)
    return mu


def splitting_agreement(system, mu0, inv, force, heavy, n_steps: int = 1000) -> float:
    """Largest gap between the compiled splitting and the library's
    (:class:`~liepoisson.LiePoissonSplitting` on the system's ``split_flows``) over
    ``n_steps`` steps: the same composition of the same exact flows."""
    library = LiePoissonSplitting(order=2)
    mu, worst = mu0.copy(), 0.0
    compiled = mu0.copy()
    for _ in range(n_steps):
        mu = library.step(system, mu, DT)
        compiled = compiled_splitting(compiled, DT, 1, inv, force, heavy)
        worst = max(worst, float(np.max(np.abs(mu - compiled))))
    return worst


def check_split_fields(system, inv, force, heavy) -> float:
    """Largest gap between the library's vector field and the sum of the split fields (the
    splitting's flows differentiated at t = 0) at random states."""
    rng = np.random.default_rng(0)
    worst = 0.0
    for _ in range(5):
        mu = rng.normal(size=system.algebra.dim)
        h = 1e-6
        total = np.zeros_like(mu)
        for i in range(3):
            plus, minus = mu.copy(), mu.copy()
            _kinetic(plus, inv, i, h, heavy)
            _kinetic(minus, inv, i, -h, heavy)
            total += (plus - minus) / (2 * h)
        if heavy:
            plus, minus = mu.copy(), mu.copy()
            _potential(plus, force, h)
            _potential(minus, force, -h)
            total += (plus - minus) / (2 * h)
        worst = max(worst, float(np.max(np.abs(total - system.vector_field(mu)))))
    return worst


# ------------------------------------------------------------------- timing
def timed_runs(advance: dict, mu0: np.ndarray, n_steps: int):
    """Run every method ``n_steps`` steps, interleaved in :data:`CHUNKS` chunks.

    ``advance[name](mu, n, every)`` returns the state after ``n`` steps and the states every
    ``every`` steps. Returns, by name, the time spent (s) and the sampled states.
    """
    every = max(1, n_steps // SAMPLES)
    chunk = max(every, (n_steps // CHUNKS) // every * every)
    state = {name: mu0.copy() for name in advance}
    samples = {name: [mu0[None]] for name in advance}
    elapsed = dict.fromkeys(advance, 0.0)
    done = 0
    while done < n_steps:
        n = min(chunk, n_steps - done)
        for name, fn in advance.items():
            start = time.perf_counter()
            state[name], states = fn(state[name], n, every)
            elapsed[name] += time.perf_counter() - start
            samples[name].append(states)
        done += n
    return {name: (elapsed[name], np.concatenate(samples[name])) for name in advance}


def _sampled_loop(step):
    def advance(mu, n, every):
        out = []
        for k in range(1, n + 1):
            mu = step(mu, DT)
            if k % every == 0:
                out.append(mu.copy())
        return mu, np.array(out).reshape(-1, mu.shape[0])
    return advance


def _sampled_compiled(inv, force, heavy):
    def advance(mu, n, every):
        out = []
        for _ in range(n // every):
            mu = compiled_splitting(mu, DT, every, inv, force, heavy)
            out.append(mu)
        return mu, np.array(out)
    return advance


def _sampled_integrate(system, method):
    def advance(mu, n, every):
        traj = integrate(system, mu, DT, n, method=method, save_every=every)
        return traj.final, traj.states[1:]
    return advance


def invariant_errors(system, states: np.ndarray) -> dict:
    """Largest relative error of each invariant, and the energy error's growth: the ratio of
    its maximum over the last quarter to that over the first (about 1 when bounded)."""
    values = system.invariants(states)
    out = {}
    for key, v in values.items():
        out[key] = float(np.max(np.abs(v - v[0])) / max(abs(float(v[0])), 1e-300))
    e = np.abs(values["energy"] - values["energy"][0])
    q = max(1, len(e) // 4)
    first = e[1 : q + 1].max()
    out["growth"] = float(e[-q:].max() / first) if first > 0 else math.nan
    return out


def equal_energy_error(system, mu0, method, n_steps: int, target: float, error_at_dt: float):
    """LiePoissonHJ over the same span with the longest step whose largest relative energy
    error is at most ``target`` (the splitting's at :data:`DT`): the step from the order-2
    scaling of ``error_at_dt`` (LiePoissonHJ's at DT), shrunk by 10% at a time if the error is
    still above the target. Returns ``(dt, seconds, error)``, or None."""
    span = n_steps * DT
    factor = math.sqrt(target / error_at_dt) if error_at_dt > 0 else 1.0
    for shrink in (1.0, 0.9, 0.8, 0.7, 0.6):
        k = round(span / (DT * factor * shrink))
        if k >= n_steps:
            return None
        dt = span / k
        every = max(1, k // SAMPLES)
        start = time.perf_counter()
        traj = integrate(system, mu0, dt, k, method=method, save_every=every)
        seconds = time.perf_counter() - start
        error = invariant_errors(system, traj.states)["energy"]
        if error <= target:
            return dt, seconds, error
    return None


def bench(name: str, system, mu0, inv, force, heavy, n_steps: int, with_rk4: bool) -> dict:
    gap = check_split_fields(system, inv, force, heavy)
    assert gap < 1e-6, f"the split fields do not sum to the vector field ({gap:.1e})"
    agreement = splitting_agreement(system, mu0, inv, force, heavy)
    assert agreement < 1e-12, f"the numba and library splittings disagree ({agreement:.1e})"
    library = LiePoissonSplitting(order=2)
    method = LiePoissonHJ(order=2)
    first = integrate(system, mu0, DT, 2, method=method, engine="compiled").metadata["compile_seconds"]
    compiled_splitting(mu0, DT, 2, inv, force, heavy)
    advance = {
        "LiePoissonHJ(order=2)": _sampled_integrate(system, method),
        "splitting, numba": _sampled_compiled(inv, force, heavy),
        "splitting, numpy loop": _sampled_loop(lambda mu, dt: library.step(system, mu, dt)),
    }
    if with_rk4:
        rk4 = RK4()
        advance["RK4 (numpy)"] = _sampled_loop(lambda mu, dt: rk4.step(system, mu, dt))
    print(f"\n{name}: dt = {DT}, {n_steps} steps (T = {n_steps * DT:g}); split fields checked "
          f"(gap {gap:.0e}); numba and library splittings agree to {agreement:.0e} over 1000 "
          f"steps; LiePoissonHJ first-call compile {first:.2f} s, not timed")
    keys = [k for k in system.invariants(mu0) if k != "energy"]
    print(f"  {'method':<24}{'wall s':>9}{'us/step':>10}{'max dH/H':>11}"
          + "".join(f"{'max d' + k:>16}" for k in keys) + f"{'dH growth':>11}")
    cost, energy = {}, {}
    for label, (elapsed, states) in timed_runs(advance, mu0, n_steps).items():
        err = invariant_errors(system, states)
        cost[label] = elapsed / n_steps
        energy[label] = err["energy"]
        print(f"  {label:<24}{elapsed:>9.2f}{1e6 * cost[label]:>10.3f}{err['energy']:>11.2e}"
              + "".join(f"{err[k]:>16.2e}" for k in keys) + f"{err['growth']:>11.2f}")
    hj = cost["LiePoissonHJ(order=2)"]
    ratios = {f"{name}: LP-HJ / splitting (numpy loop)": hj / cost["splitting, numpy loop"],
              f"{name}: LP-HJ / splitting (numba)": hj / cost["splitting, numba"]}
    found = equal_energy_error(system, mu0, method, n_steps, energy["splitting, numba"],
                               energy["LiePoissonHJ(order=2)"])
    if found is None:
        print("  at equal energy error: no step of LiePoissonHJ(order=2) above dt reaches the splitting's")
    else:
        dt, seconds, error = found
        ratio = (seconds / (n_steps * DT)) / (cost["splitting, numba"] / DT)
        print(f"  at equal energy error: LiePoissonHJ(order=2) with dt = {dt:.4g} (max dH/H {error:.2e} <= "
              f"the splitting's {energy['splitting, numba']:.2e} at dt = {DT}) costs {ratio:.2f}x the numba "
              "splitting per unit time")
        ratios[f"{name}: LP-HJ / splitting (numba), equal energy error"] = ratio
    for label, ratio in ratios.items():
        print(f"  {label} = {ratio:.2f}x")
    return ratios


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=10**6, help="steps per model (default 10^6)")
    parser.add_argument("--quick", action="store_true", help="10^4 steps")
    parser.add_argument("--model", choices=("rigid-body", "heavy-top", "both"), default="both")
    parser.add_argument("--rk4", action="store_true",
                        help="also time the library's RK4 (about 30 us/step: slow at 10^6)")
    options = parser.parse_args(argv)
    n_steps = 10**4 if options.quick else options.steps
    if n_steps < 8 * CHUNKS:
        parser.error(f"--steps must be >= {8 * CHUNKS}, got {n_steps}")
    ratios = {}
    if options.model in ("rigid-body", "both"):
        body = RigidBody(RIGID_BODY["inertia"])
        ratios.update(bench("rigid body I = (2, 1, 2/3)", body, RIGID_BODY["mu0"],
                            1.0 / RIGID_BODY["inertia"], np.zeros(3), False, n_steps,
                            options.rk4 or options.quick))
    if options.model in ("heavy-top", "both"):
        top = HeavyTop(HEAVY_TOP["inertia"], HEAVY_TOP["chi"], HEAVY_TOP["mgl"])
        ratios.update(bench("heavy top I = (1, 1.5, 2), chi = e3, mgl = 1", top, HEAVY_TOP["mu0"],
                            1.0 / HEAVY_TOP["inertia"], HEAVY_TOP["mgl"] * HEAVY_TOP["chi"],
                            True, n_steps, options.rk4 or options.quick))
    print("\nTime ratios, per step unless said (target: heavy top, LP-HJ per step within 2x of the "
          "explicit splitting):")
    for label, ratio in ratios.items():
        print(f"  {label:<86}{ratio:8.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
