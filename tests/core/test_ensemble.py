"""Ensembles and sweeps on Dask: the same bits as ``integrate``, whatever the chunking and
the workers; lost workers and resumed checkpoints change nothing."""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
import warnings

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")

from liepoisson import (  # noqa: E402
    RK4,
    CheckpointError,
    ImplicitMidpoint,
    InvalidArgumentError,
    LiePoissonHJ,
    LiePoissonSystem,
    StepError,
    integrate,
    integrate_ensemble,
    so3,
    sweep,
)

INERTIA = np.array([2.0, 1.0, 2.0 / 3.0])


def body(inertia=INERTIA):
    """A rigid body built from lambdas (closures over ``inertia``): shipped by cloudpickle."""
    inertia = np.asarray(inertia, dtype=float)
    return LiePoissonSystem(so3(), lambda m: 0.5 * np.sum(m**2 / inertia, axis=-1),
                            gradient=lambda m: m / inertia, name="lambda body")


def states(n, seed=0):
    return np.random.default_rng(seed).normal(size=(n, 3))


@pytest.fixture(scope="module")
def client(local_cluster):
    with distributed.Client(local_cluster) as c:
        yield c


def same(a, b):
    """Bit-identical trajectories: times, states and invariants."""
    assert np.array_equal(a.t, b.t)
    assert np.array_equal(a.states, b.states)
    assert a.invariant_values.keys() == b.invariant_values.keys()
    for key in a.invariant_values:
        assert np.array_equal(a.invariant_values[key], b.invariant_values[key]), key


def test_an_embedded_cluster_takes_a_free_port_beside_a_server_on_8787(monkeypatch):
    """Without a client, integrate_ensemble starts its own cluster. With Dask's default HTTP
    port 8787 taken (a listening socket here, a dashboard or a second cluster in practice) it
    serves on a free port, without the "port already in use" warning, and gives integrate's
    bits."""

    def no_client():
        raise ValueError("no client")  # as distributed says when there is none

    monkeypatch.setattr(distributed, "default_client", no_client)  # this module's client aside
    mu0 = states(4, seed=3)
    holder = socket.socket()
    try:
        holder.bind(("", 8787))
        holder.listen()
    except OSError:
        pass  # taken already: the same situation
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("error", message=".*already in use")
            ens = integrate_ensemble(body(), mu0, 0.1, 5, chunk_size=2, engine="numpy")
    finally:
        holder.close()
    same(ens, integrate(body(), mu0, 0.1, 5, engine="numpy"))


def test_compiled_ensemble_is_bit_identical_to_integrate_for_any_chunking(client):
    mu0 = states(30)
    method = LiePoissonHJ(order=4)
    single = integrate(body(), mu0, 0.1, 40, method=method, save_every=4, engine="compiled")
    for chunk_size in (1, 7, 30):
        ens = integrate_ensemble(body(), mu0, 0.1, 40, method=method, save_every=4,
                                 chunk_size=chunk_size, client=client, engine="compiled")
        same(ens, single)
        assert ens.metadata["engine"] == "compiled"
        assert ens.metadata["chunks"] == -(-30 // chunk_size)


@pytest.mark.parametrize("method", [LiePoissonHJ(order=2), LiePoissonHJ(order=4),
                                    ImplicitMidpoint(), RK4()], ids=repr)
def test_numpy_ensemble_is_bit_identical_to_integrate_for_any_chunking(client, method):
    """Implicit methods too: each member stops its solver by its own rule, so a member does
    not iterate longer because of its chunk's companions."""
    mu0 = states(12, seed=1) * np.array([1.0, 10.0, 0.1])  # members of unequal difficulty
    single = integrate(body(), mu0, 0.05, 12, method=method, engine="numpy")
    for chunk_size in (1, 5):
        same(integrate_ensemble(body(), mu0, 0.05, 12, method=method, chunk_size=chunk_size,
                                client=client, engine="numpy"), single)


def test_final_reduction_keeps_final_states_and_per_member_maximal_errors(client):
    mu0 = states(20, seed=2)
    full = integrate(body(), mu0, 0.1, 30, engine="compiled")
    summary = integrate_ensemble(body(), mu0, 0.1, 30, chunk_size=6, client=client,
                                 reduce="final", engine="compiled")
    assert np.array_equal(summary.final, full.final)
    for key, err in full.relative_invariant_errors().items():
        assert np.array_equal(summary.max_relative_invariant_errors[key], err.max(axis=0))


def test_an_unserialisable_system_is_refused_naming_the_argument(client):
    system = body()
    system.lock = threading.Lock()
    with pytest.raises(InvalidArgumentError, match="system cannot be sent to the workers"):
        integrate_ensemble(system, states(4), 0.1, 5, client=client, engine="numpy")


def _failing_gradient(m):
    if np.any(np.abs(m[..., 0]) > 50.0):
        raise ValueError("gradient refused a large state")
    return m / INERTIA


def test_a_failing_chunk_names_its_members_and_the_original_error(client):
    system = LiePoissonSystem(so3(), lambda m: 0.5 * np.sum(m**2 / INERTIA, axis=-1),
                              gradient=_failing_gradient)
    mu0 = states(12, seed=3)
    mu0[9, 0] = 100.0
    with pytest.raises(StepError) as info:
        integrate_ensemble(system, mu0, 0.1, 5, chunk_size=4, client=client, engine="numpy")
    message = str(info.value)
    assert "members 8..11" in message
    assert "gradient refused a large state" in message


def test_resumed_ensemble_recomputes_only_missing_chunks_and_is_identical(client, tmp_path):
    mu0 = states(24, seed=4)
    kwargs = dict(chunk_size=6, client=client, checkpoint_dir=tmp_path, engine="numpy",
                  save_every=5)
    first = integrate_ensemble(body(), mu0, 0.1, 20, **kwargs)
    assert (first.metadata["chunks_resumed"], first.metadata["chunks_computed"]) == (0, 4)
    files = sorted(tmp_path.glob("chunk-*.npz"))
    assert len(files) == 4 and not list(tmp_path.glob("*.tmp*"))
    for f in files[1:3]:
        f.unlink()
    again = integrate_ensemble(body(), mu0, 0.1, 20, **kwargs)
    assert (again.metadata["chunks_resumed"], again.metadata["chunks_computed"]) == (2, 2)
    same(again, first)
    done = integrate_ensemble(body(), mu0, 0.1, 20, **kwargs)
    assert done.metadata["chunks_computed"] == 0
    same(done, first)
    with pytest.raises(CheckpointError, match="belongs to another ensemble"):
        integrate_ensemble(body(), mu0, 0.1, 21, **kwargs)


def test_sweep_gives_each_parameter_the_run_of_integrate(client):
    values = [1.5, 2.5, 3.5]
    mu0 = [1.0, 0.5, -0.2]
    result = sweep(lambda i3: body([1.0, 2.0, i3]), values, mu0, 0.1, 30, client=client,
                   trajectories=True, engine="numpy", method=RK4())
    assert result.final.shape == (3, 3)
    for i, value in enumerate(values):
        single = integrate(body([1.0, 2.0, value]), mu0, 0.1, 30, engine="numpy", method=RK4())
        same(result.trajectories[i], single)
        assert np.array_equal(result.final[i], single.final)
        for key, err in single.max_relative_invariant_errors().items():
            assert result.max_relative_invariant_errors[key][i] == err


def test_a_failing_sweep_run_names_its_parameter(client):
    def make(value):
        if value < 0:
            raise ValueError(f"moment {value} is negative")
        return body([1.0, 2.0, value])

    with pytest.raises(StepError, match=r"parameter -1\.0 \(index 1\).*moment -1.0 is negative"):
        sweep(make, [1.0, -1.0], [1.0, 0.0, 0.0], 0.1, 3, client=client, engine="numpy")


def test_killing_a_worker_mid_run_loses_nothing(client, tmp_path):
    """The worker is killed once a chunk has finished and while it works on another; its
    chunks are recomputed elsewhere and the ensemble equals the undisturbed run (which is
    ``integrate`` on the whole batch). Runs last: the nanny restarts the killed worker."""
    mu0 = states(12, seed=5)
    method = LiePoissonHJ(order=4)
    undisturbed = integrate(body(), mu0, 0.05, 60, method=method, engine="numpy")
    outcome = {}

    def run():
        try:
            outcome["result"] = integrate_ensemble(
                body(), mu0, 0.05, 60, method=method, chunk_size=2, client=client,
                engine="numpy", checkpoint_dir=tmp_path)
        except BaseException as exc:  # reported by the assertions below
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    pids = client.run(os.getpid)
    deadline = time.monotonic() + 60
    while True:
        busy = [w for w, keys in client.processing().items() if keys]
        if list(tmp_path.glob("chunk-*.npz")) and busy:
            break
        assert time.monotonic() < deadline and thread.is_alive()
        time.sleep(0.01)
    os.kill(pids[busy[0]], signal.SIGKILL)
    assert thread.is_alive()  # killed mid-run
    thread.join(120)
    assert "error" not in outcome, outcome.get("error")
    same(outcome["result"], undisturbed)
    assert len(list(tmp_path.glob("chunk-*.npz"))) == 6
