"""The benchmark's thread pools: limited to one thread where asked, left alone elsewhere, and said so."""

import numpy as np  # noqa: F401 (loads numpy's BLAS, so that threadpoolctl has a pool to list)
from threadpoolctl import threadpool_info

from neurosim.benchmarks.engines import threads
from neurosim.benchmarks.engines.threads import (
    describe_pools,
    summarize_pools,
    thread_limits,
    threadpool_record,
)


def blas_threads():
    return [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"]


def test_pinning_limits_every_blas_pool_to_one_thread_inside_the_block_only():
    before = blas_threads()
    assert before
    with thread_limits(pin=True) as inside:
        assert blas_threads() == [1] * len(before)
        assert inside["pinned"] is True
        assert [pool["threads"] for pool in inside["pools"] if pool["user_api"] == "blas"] == [1] * len(
            before
        )
    assert blas_threads() == before
    pools = len(inside["pools"])
    assert inside["note"].startswith(
        f"limited to 1 thread with threadpoolctl.threadpool_limits(1): {pools} pool"
    )
    assert inside["note"].endswith(", each at 1 thread")


def test_not_pinning_leaves_the_pools_at_their_defaults_and_says_so():
    before = blas_threads()
    with thread_limits(pin=False) as inside:
        assert blas_threads() == before
    assert inside["pinned"] is False
    assert inside["note"] == f"left at their defaults: {summarize_pools(threadpool_record())}"


def test_without_threadpoolctl_the_benchmark_says_it_could_not_pin_and_goes_on(monkeypatch):
    monkeypatch.setattr(threads, "have_threadpoolctl", lambda: False)
    before = blas_threads()
    with thread_limits(pin=True) as inside:
        assert blas_threads() == before
    assert inside == {
        "pinned": False,
        "pools": None,
        "note": "could not pin BLAS to 1 thread: threadpoolctl is not installed; timed with the defaults",
    }
    assert threads.threadpool_record() is None


def test_the_record_lists_each_pools_library_version_and_threads_as_threadpoolctl_does():
    record = threadpool_record()
    expected = [(i["user_api"], i["internal_api"], i["version"], i["num_threads"]) for i in threadpool_info()]
    assert [(p["user_api"], p["library"], p["version"], p["threads"]) for p in record] == expected


def test_the_pools_in_words_name_each_distinct_pool_once():
    pools = [
        {
            "user_api": "blas",
            "library": "openblas",
            "prefix": "libopenblas",
            "version": "0.3.1",
            "threads": 2,
        },
        {
            "user_api": "blas",
            "library": "openblas",
            "prefix": "libopenblas",
            "version": "0.3.1",
            "threads": 2,
        },
        {"user_api": "openmp", "library": "openmp", "prefix": "libgomp", "version": None, "threads": 1},
    ]
    assert describe_pools(pools) == "blas openblas 0.3.1: 2 threads, openmp libgomp: 1 thread"
    assert describe_pools([]) == "none loaded"


def test_the_pools_in_fewer_words_count_each_kind_or_list_them_when_their_threads_differ():
    blas = {
        "user_api": "blas",
        "library": "openblas",
        "prefix": "libopenblas",
        "version": "0.3.1",
        "threads": 2,
    }
    openmp = {"user_api": "openmp", "library": "openmp", "prefix": "libgomp", "version": None, "threads": 2}
    assert summarize_pools([openmp, blas, blas]) == "3 pools (2 blas, 1 openmp), each at 2 threads"
    assert summarize_pools([{**blas, "threads": 1}]) == "1 pool (1 blas), each at 1 thread"
    mixed = [blas, {**openmp, "threads": 1}]
    assert (
        summarize_pools(mixed)
        == describe_pools(mixed)
        == "blas openblas 0.3.1: 2 threads, openmp libgomp: 1 thread"
    )
