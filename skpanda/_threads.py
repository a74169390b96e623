"""Thread policy: skpanda's small models run on one thread unless told otherwise.

Selectors fit logistic regressions on a few thousand rows and run a small
Transformer (``d_model=32``). Split over several BLAS/OpenMP threads, such work
spends more time synchronising than computing, and on a machine shared with
other processes the threads wait for each other's time slices: a 15-iteration
PANDA fit on Adult was measured 3.8x slower with the default thread count than
with one thread (``benchmarks/threads.py``). So every public verb of a selector
(``fit``, ``select``, ``score``, ``fit_selected``, ``transform``) runs inside
:func:`limit_threads`, which caps the BLAS and OpenMP thread pools (through
threadpoolctl) and torch's intra-op threads, and restores the caller's settings
when it returns.

The environment variable ``SKPANDA_NUM_THREADS`` overrides the policy: a
positive integer is the thread count to use, ``keep`` leaves the caller's
settings untouched (for example a large pool on an idle many-core machine).

Torch stays lazy: its thread count is only read and changed when torch is
already imported. Code that imports torch inside a limited scope (PANDA's
``fit``) calls :func:`limit_torch_threads` right after the import.
"""

import os
import sys
import threading
from contextlib import contextmanager

ENV_VAR = "SKPANDA_NUM_THREADS"
DEFAULT_NUM_THREADS = 1

_local = threading.local()


def thread_limit():
    """The thread count skpanda's verbs run with, or ``None`` to keep the caller's.

    Returns
    -------
    n_threads : int or None
        ``DEFAULT_NUM_THREADS`` (1) unless ``SKPANDA_NUM_THREADS`` says
        otherwise: a positive integer, or ``keep`` (``None``: no limit).

    Examples
    --------
    >>> import os
    >>> from skpanda._threads import thread_limit
    >>> thread_limit() if "SKPANDA_NUM_THREADS" not in os.environ else 1
    1
    """
    value = os.environ.get(ENV_VAR, "").strip().lower()
    if not value:
        return DEFAULT_NUM_THREADS
    if value == "keep":
        return None
    try:
        n_threads = int(value)
    except ValueError:
        n_threads = 0
    if n_threads < 1:
        raise ValueError(
            f"{ENV_VAR}={os.environ[ENV_VAR]!r} is not valid: set it to a positive "
            "integer (threads per skpanda call) or 'keep' (leave thread settings alone)."
        )
    return n_threads


class _Scope:
    """One active limit: remembers torch's thread count to restore it."""

    def __init__(self, n_threads):
        self.n_threads = n_threads
        self.torch_threads = None  # the caller's torch thread count, once changed

    def limit_torch(self):
        torch = sys.modules.get("torch")
        if torch is None or self.torch_threads is not None:
            return
        self.torch_threads = torch.get_num_threads()
        if self.torch_threads != self.n_threads:
            torch.set_num_threads(self.n_threads)

    def restore_torch(self):
        torch = sys.modules.get("torch")
        if torch is not None and self.torch_threads not in (None, self.n_threads):
            torch.set_num_threads(self.torch_threads)


def _stack():
    if not hasattr(_local, "scopes"):
        _local.scopes = []
    return _local.scopes


@contextmanager
def limit_threads(n_threads=None):
    """Cap BLAS, OpenMP and torch threads for the ``with`` block, then restore them.

    Parameters
    ----------
    n_threads : int, default=None
        Threads to allow; ``None`` follows :func:`thread_limit` (one thread
        unless ``SKPANDA_NUM_THREADS`` says otherwise).

    Notes
    -----
    A block nested in another with the same limit costs nothing (threadpoolctl
    takes about 3 ms to list the loaded libraries). Thread pools are
    process-wide: the limit also applies to other Python threads while the
    block runs.

    Examples
    --------
    >>> from threadpoolctl import threadpool_info
    >>> from skpanda._threads import limit_threads
    >>> with limit_threads(1):
    ...     all(pool["num_threads"] == 1 for pool in threadpool_info())
    True
    """
    n_threads = thread_limit() if n_threads is None else n_threads
    stack = _stack()
    if n_threads is None or (stack and stack[-1].n_threads == n_threads):
        yield
        return
    from threadpoolctl import threadpool_limits

    scope = _Scope(n_threads)
    scope.limit_torch()  # before threadpoolctl, which would change torch's count too
    stack.append(scope)
    try:
        with threadpool_limits(limits=n_threads):
            yield
    finally:
        stack.pop()
        scope.restore_torch()


def limit_torch_threads():
    """Apply the active :func:`limit_threads` scope to torch, imported since it began.

    Does nothing outside a scope or when torch is not imported; the scope
    restores torch's previous count when it ends.
    """
    stack = _stack()
    if stack:
        stack[-1].limit_torch()
