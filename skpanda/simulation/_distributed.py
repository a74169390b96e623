"""Run the experiment grid on a Dask cluster (``pip install skpanda[dask]``).

The harness maps its cells with ``joblib.Parallel``; :func:`dask_backend`
connects to a ``distributed`` scheduler (or starts a local cluster) and routes
joblib to it for the duration of a ``with`` block. Each finished cell is still
written to its own JSON file by the client process, so a run that loses its
cluster resumes from the finished cells.
"""

import re
from contextlib import contextmanager

#: Seconds to wait for a scheduler before giving up.
CONNECT_TIMEOUT = 10

_LOCAL = re.compile(r"^local(?::(\d+))?$")


def parse_scheduler(scheduler):
    """``("local", n_workers)`` for ``"local[:N]"``, else ``("address", scheduler)``.

    Examples
    --------
    >>> parse_scheduler("local:2")
    ('local', 2)
    >>> parse_scheduler("tcp://10.0.0.5:8786")
    ('address', 'tcp://10.0.0.5:8786')
    """
    if not isinstance(scheduler, str) or not scheduler.strip():
        raise ValueError(f"scheduler={scheduler!r} must be a Dask scheduler address such as "
                         "'tcp://host:8786', or 'local:N' to start N local workers.")
    match = _LOCAL.match(scheduler.strip())
    if match is None:
        return "address", scheduler.strip()
    n_workers = int(match.group(1) or 2)
    if n_workers < 1:
        raise ValueError(f"scheduler={scheduler!r} asks for no worker; use 'local:N' with "
                         "N >= 1.")
    return "local", n_workers


def _import_distributed():
    try:
        import distributed
    except ImportError:
        raise ImportError("running on a Dask cluster needs dask.distributed: "
                          "pip install 'skpanda[dask]'.") from None
    return distributed


def connect(scheduler, *, timeout=None):
    """A ``distributed.Client`` for ``scheduler``; a clear error within ``timeout`` s (10).

    ``"local:N"`` starts a ``LocalCluster`` of N worker processes with one
    thread each (no dashboard); an address connects to a running scheduler.

    Raises
    ------
    ConnectionError
        When no scheduler answers at the address within ``timeout`` seconds.
    """
    kind, value = parse_scheduler(scheduler)
    timeout = CONNECT_TIMEOUT if timeout is None else timeout
    distributed = _import_distributed()
    if kind == "local":
        cluster = distributed.LocalCluster(n_workers=value, threads_per_worker=1,
                                           processes=True, dashboard_address=None)
        return distributed.Client(cluster, set_as_default=False)
    try:
        return distributed.Client(value, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ConnectionError(
            f"no Dask scheduler reachable at {value!r} within {timeout} s "
            f"({type(exc).__name__}); start one (`dask scheduler` and `dask worker "
            f"ADDRESS --nthreads 1`) or pass --scheduler local:2."
        ) from None


@contextmanager
def dask_backend(scheduler, *, timeout=None):
    """Route ``joblib.Parallel`` (and so the harness's cells) to a Dask cluster.

    Parameters
    ----------
    scheduler : str or distributed.Client
        A scheduler address (``"tcp://host:8786"``), ``"local:N"`` (start N
        local worker processes, one thread each), or a connected client.
    timeout : float, default=None
        Seconds to wait for the scheduler; ``None`` is :data:`CONNECT_TIMEOUT`.

    Yields
    ------
    client : distributed.Client
        Closed on exit when this function created it (with its local cluster).

    Examples
    --------
    >>> with dask_backend("local:1") as client:  # doctest: +SKIP
    ...     df = run_experiment("synthetic", ["random"], n_jobs=-1, out="results")
    """
    import joblib

    own = isinstance(scheduler, str)
    client = connect(scheduler, timeout=timeout) if own else scheduler
    try:
        with joblib.parallel_backend("dask", client=client):
            yield client
    finally:
        if own:
            cluster = client.cluster
            client.close()
            if cluster is not None:
                cluster.close()
