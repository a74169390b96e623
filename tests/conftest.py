"""Fixtures shared across test packages: a small local Dask cluster."""

import pytest


@pytest.fixture(scope="session")
def dask_client():
    """A client of a 2-worker ``LocalCluster`` (processes, one thread each).

    Started once per session, on first use; skipped without ``skpanda[dask]``.
    """
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    client = distributed.Client(cluster, set_as_default=False)
    yield client
    client.close()
    cluster.close()
