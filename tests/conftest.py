"""Plots in the tests render off screen, with matplotlib's Agg backend, and no test leaves a figure open.

``server`` is a playground server on a free port of 127.0.0.1, in a thread of this process.
"""

import threading

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest


@pytest.fixture(autouse=True)
def no_figure_left_open():
    before = set(plt.get_fignums())
    yield
    leaked = set(plt.get_fignums()) - before
    for number in leaked:
        plt.close(number)
    assert not leaked, "a test left figures open"


@pytest.fixture(scope="module")
def server():
    """A playground server on a free port of 127.0.0.1, serving from a thread for one test module."""
    from neurosim.playground.server import PlaygroundServer

    running = PlaygroundServer(("127.0.0.1", 0))
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    yield running
    running.shutdown()
    running.server_close()
    thread.join(5)
