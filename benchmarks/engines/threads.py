"""Thread pools while timing: what ``threadpoolctl`` finds, and one thread for the small workloads.

On a small network, a multi-threaded BLAS spends more time waking and
synchronising its threads than it saves, and on a busy machine a thread that
waits for a core can slow a whole product down. The benchmark therefore
limits the thread pools to one thread (``threadpoolctl.threadpool_limits(1)``)
while it times small workloads, leaves them at their defaults for the wide
one, and says which it did in every section. Without ``threadpoolctl`` it
cannot pin them, says so, and times with the defaults.
"""

from __future__ import annotations

import contextlib
import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def have_threadpoolctl() -> bool:
    """Whether ``threadpoolctl`` can be imported.

    Returns
    -------
    bool
    """
    return importlib.util.find_spec("threadpoolctl") is not None


def threadpool_record() -> list[dict[str, Any]] | None:
    """The thread pools loaded in this process, as ``threadpoolctl.threadpool_info()`` lists them.

    Returns
    -------
    list of dict, or None
        One ``{"user_api", "library", "prefix", "version", "threads", "file"}``
        per pool (``user_api`` is ``"blas"`` or ``"openmp"``, ``library`` the
        implementation such as ``"openblas"``, ``file`` the shared library's
        name); ``None`` without ``threadpoolctl``.
    """
    if not have_threadpoolctl():
        return None
    from threadpoolctl import threadpool_info

    return [
        {
            "user_api": info.get("user_api"),
            "library": info.get("internal_api"),
            "prefix": info.get("prefix"),
            "version": info.get("version"),
            "threads": info.get("num_threads"),
            "file": Path(info.get("filepath", "")).name,
        }
        for info in threadpool_info()
    ]


def describe_pools(pools: list[dict[str, Any]] | None) -> str:
    """The thread pools in a few words: each library, its version and its threads.

    Parameters
    ----------
    pools : list of dict, or None
        As :func:`threadpool_record` returns.

    Returns
    -------
    str

    Examples
    --------
    >>> describe_pools([{"user_api": "blas", "library": "openblas", "version": "0.3.31", "threads": 2}])
    'blas openblas 0.3.31: 2 threads'
    >>> describe_pools(None)
    'unknown (threadpoolctl not installed)'
    """
    if pools is None:
        return "unknown (threadpoolctl not installed)"
    if not pools:
        return "none loaded"
    seen = []
    for pool in pools:
        version = f" {pool['version']}" if pool.get("version") else ""
        threads = pool["threads"]
        library = pool.get("prefix") if pool["library"] == pool["user_api"] else pool["library"]
        text = f"{pool['user_api']} {library}{version}: {threads} thread{'' if threads == 1 else 's'}"
        if text not in seen:
            seen.append(text)
    return ", ".join(seen)


def summarize_pools(pools: list[dict[str, Any]] | None) -> str:
    """The thread pools in fewer words: how many of each kind, and their threads if they all have as many.

    Parameters
    ----------
    pools : list of dict, or None
        As :func:`threadpool_record` returns.

    Returns
    -------
    str

    Examples
    --------
    >>> blas = {"user_api": "blas", "library": "openblas", "version": "0.3.31", "threads": 1}
    >>> openmp = {**blas, "user_api": "openmp", "library": "openmp", "prefix": "libgomp"}
    >>> summarize_pools([blas, blas, openmp])
    '3 pools (2 blas, 1 openmp), each at 1 thread'
    """
    threads = {pool["threads"] for pool in pools or []}
    if len(threads) != 1:
        return describe_pools(pools)
    kinds = [pool["user_api"] for pool in pools]
    counts = ", ".join(f"{kinds.count(kind)} {kind}" for kind in dict.fromkeys(sorted(kinds)))
    (count,) = threads
    pool_word = "pool" if len(kinds) == 1 else "pools"
    return f"{len(kinds)} {pool_word} ({counts}), each at {count} thread{'' if count == 1 else 's'}"


@contextlib.contextmanager
def thread_limits(pin: bool) -> Iterator[dict[str, Any]]:
    """Limit every thread pool to one thread inside the block, or leave them be; say which.

    Parameters
    ----------
    pin : bool
        Whether to limit the pools to one thread (with ``threadpoolctl``,
        where installed).

    Yields
    ------
    dict
        ``{"pinned": bool, "pools": [...], "note": str}``: whether the pools
        were limited, the pools as they are inside the block, and a sentence
        saying what was done.
    """
    if pin and have_threadpoolctl():
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1):
            pools = threadpool_record()
            note = f"limited to 1 thread with threadpoolctl.threadpool_limits(1): {summarize_pools(pools)}"
            yield {"pinned": True, "pools": pools, "note": note}
        return
    pools = threadpool_record()
    if pin:
        note = "could not pin BLAS to 1 thread: threadpoolctl is not installed; timed with the defaults"
    else:
        note = f"left at their defaults: {summarize_pools(pools)}"
    yield {"pinned": False, "pools": pools, "note": note}


def print_threads(threads: dict[str, Any]) -> None:
    """Print what a section did with the thread pools.

    Parameters
    ----------
    threads : dict
        As :func:`thread_limits` yields.
    """
    print(f"  threads: {threads['note']}")
