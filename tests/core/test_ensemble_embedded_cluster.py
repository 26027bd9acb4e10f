"""integrate_ensemble without a client: its own cluster, headless, beside whatever already
listens on Dask's default HTTP port."""

from __future__ import annotations

import socket
import warnings

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")

from liepoisson import LiePoissonSystem, integrate, integrate_ensemble, so3  # noqa: E402


def test_an_embedded_cluster_takes_a_free_port_beside_a_server_on_8787():
    """With Dask's default HTTP port 8787 taken (a listening socket here, a dashboard or a
    second cluster in practice) the embedded cluster serves on a free port, without the
    "port already in use" warning, and gives integrate's bits."""
    inertia = np.array([2.0, 1.0, 2.0 / 3.0])
    body = LiePoissonSystem(so3(), lambda m: 0.5 * np.sum(m**2 / inertia, axis=-1),
                            gradient=lambda m: m / inertia)
    mu0 = np.random.default_rng(3).normal(size=(4, 3))
    with pytest.raises(ValueError):
        distributed.default_client()  # no client of this process: the cluster is embedded
    holder = socket.socket()
    try:
        holder.bind(("", 8787))
        holder.listen()
    except OSError:
        pass  # taken already: the same situation
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("error", message=".*already in use")
            ens = integrate_ensemble(body, mu0, 0.1, 5, chunk_size=2, engine="numpy")
    finally:
        holder.close()
    single = integrate(body, mu0, 0.1, 5, engine="numpy")
    assert np.array_equal(ens.states, single.states)
