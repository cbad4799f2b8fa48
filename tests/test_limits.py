"""Sizes over neurosim's limits or the memory available are refused before anything is allocated."""

from __future__ import annotations

import os
import resource

import pytest

import neurosim as ns
from neurosim import limits

#: how much the peak memory of the process may grow while a refused request runs (ru_maxrss is in kB)
GROWTH_BOUND_KB = 200_000


@pytest.fixture
def plenty_of_memory(monkeypatch):
    """As if the machine had an exabyte free, so that only the fixed ceilings apply."""
    monkeypatch.setattr(limits, "available_memory", lambda: 10**18)


def peak_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def test_resource_error_is_a_neurosim_error_and_a_memory_error():
    assert issubclass(ns.ResourceError, ns.NeurosimError)
    assert issubclass(ns.ResourceError, MemoryError)
    assert ns.ResourceError is ns.errors.ResourceError


def test_the_documented_ceilings():
    assert (limits.MAX_LAYER_SIZE, limits.MAX_PARAMETERS, limits.MAX_SAMPLES) == (10**7, 10**8, 10**8)


def test_from_shape_refuses_a_layer_of_a_billion_neurons_without_allocating_it():
    before = peak_kb()
    with pytest.raises(
        ns.ResourceError, match=r"sizes\[1\] asks for a layer of 1,000,000,000 neurons"
    ) as caught:
        ns.Network.from_shape([2, 10**9, 1])
    assert peak_kb() - before < GROWTH_BOUND_KB
    assert "10,000,000 per layer" in str(caught.value)
    # 10**9 neurons and 10**9 biases at 500 + (500 + 4 * 8) bytes each: 1.032e12 bytes
    assert "about 1.03 TB of memory" in str(caught.value)


def test_from_shape_counts_every_parameter_before_building(monkeypatch, plenty_of_memory):
    # [3, 4, 2]: 3*4 + 4*2 = 20 weights, and 4 + 2 = 6 biases
    monkeypatch.setattr(limits, "MAX_PARAMETERS", 20)
    assert ns.Network.from_shape([3, 4, 2], bias=False).n_parameters == 20
    with pytest.raises(ns.ResourceError, match=r"sizes asks for 26 parameters; neurosim allows at most 20"):
        ns.Network.from_shape([3, 4, 2])


def test_add_layer_refuses_a_huge_layer_and_leaves_the_network_as_it_was():
    net = ns.Network.from_shape([2, 3, 1], seed=0)
    before_repr, before_nodes, before_version = repr(net), net.graph.number_of_nodes(), net.structure_version
    before = peak_kb()
    with pytest.raises(
        ns.ResourceError, match=r"^size asks for a layer of 100,000,000,000,000,000,000 neurons"
    ):
        net.add_layer(10**20, name="huge")
    assert peak_kb() - before < GROWTH_BOUND_KB
    assert repr(net) == before_repr == "Network(layers=[2, 3, 1], synapses=9, parameters=13)"
    assert net.graph.number_of_nodes() == before_nodes == 6
    assert net.structure_version == before_version
    assert "huge" not in net


@pytest.mark.parametrize("generator", [ns.datasets.moons, ns.datasets.spiral])
def test_datasets_refuse_a_trillion_samples(generator):
    before = peak_kb()
    with pytest.raises(ns.ResourceError, match=r"n_samples asks for 1,000,000,000,000 samples") as caught:
        generator(10**12)
    assert peak_kb() - before < GROWTH_BOUND_KB
    # (2 features + 1 label) * 8 bytes * 5 arrays = 120 bytes per sample
    assert "about 120 TB of memory" in str(caught.value)


def test_connect_refuses_a_block_past_the_parameter_ceiling_and_changes_nothing(
    monkeypatch, plenty_of_memory
):
    net = ns.Network(seed=0)
    net.add_layer(20)
    net.add_layer(10, name="output")  # 10 biases
    monkeypatch.setattr(limits, "MAX_PARAMETERS", 200)
    with pytest.raises(
        ns.ResourceError,
        match=r"connecting 'input' -> 'output' asks for 200 parameters more than the 10 the network has",
    ):
        net.connect("input", "output")
    with pytest.raises(ns.ResourceError, match=r"connecting 'input' -> 'output' asks for 200 parameters"):
        net.connect("input[0]", "output[0]")  # one synapse, but its weight block holds 10 x 20
    assert (net.synapses, net.blocks, net.n_parameters) == ([], [], 10)
    monkeypatch.setattr(limits, "MAX_PARAMETERS", 210)
    assert len(net.connect("input", "output")) == 200


def test_memory_check_gives_the_need_and_what_is_available(monkeypatch):
    monkeypatch.setattr(limits, "available_memory", lambda: 200_000_000)
    # [2, 100000, 1]: 100,003 neurons; 2*100000 + 100000*1 weights + 100,001 biases = 400,001
    # parameters; 100003 * 500 + 400001 * (500 + 4 * 8) = 262,802,032 bytes
    with pytest.raises(ns.ResourceError) as caught:
        ns.Network.from_shape([2, 100_000, 1])
    assert str(caught.value) == (
        "sizes asks for a network of 100,003 neurons and 400,001 parameters, which would need about "
        "263 MB of memory; only 200 MB is available"
    )


def test_small_requests_are_never_refused_for_memory(monkeypatch):
    monkeypatch.setattr(limits, "available_memory", lambda: 0)
    # 103 * 500 + 401 * 532 = 264,832 bytes, under the 100 MB below which memory is not checked
    assert ns.Network.from_shape([2, 100, 1]).n_parameters == 401
    limits.check_memory(100 * 10**6 - 1, "an array", "x")
    with pytest.raises(ns.ResourceError, match="x asks for an array, which would need about 100 MB"):
        limits.check_memory(100 * 10**6, "an array", "x")


def test_just_under_each_ceiling_is_accepted_and_one_more_is_refused(plenty_of_memory):
    limits.check_layer_size(10**7, "size")
    limits.check_parameters(10**8, "sizes")
    limits.check_parameters(1, "connect", existing=10**8 - 1)
    limits.check_samples(10**8, 2, "n_samples")
    limits.check_network([10**7, 10, 1], 10**8, "sizes")
    with pytest.raises(ns.ResourceError, match="10,000,001 neurons"):
        limits.check_layer_size(10**7 + 1, "size")
    with pytest.raises(ns.ResourceError, match="100,000,001 parameters"):
        limits.check_parameters(10**8 + 1, "sizes")
    with pytest.raises(ns.ResourceError, match="1 parameters more than the 100,000,000"):
        limits.check_parameters(1, "connect", existing=10**8)
    with pytest.raises(ns.ResourceError, match="100,000,001 samples"):
        limits.check_samples(10**8 + 1, 2, "n_samples")
    with pytest.raises(ns.ResourceError, match=r"layers\[1\] asks for a layer of 10,000,001 neurons"):
        limits.check_network([10, 10**7 + 1], 10, "layers")


def test_network_bytes_by_hand():
    assert limits.network_bytes(0, 0) == 0
    assert limits.network_bytes(10, 0) == 10 * 500
    assert limits.network_bytes(0, 10, "float32") == 10 * (500 + 4 * 4)
    assert limits.network_bytes(2, 3, "float64") == 2 * 500 + 3 * (500 + 4 * 8)


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (0, "0 bytes"),
        (999, "999 bytes"),
        (1000, "1 kB"),
        (2_630_032, "2.63 MB"),
        (1.032e12, "1.03 TB"),
        (999e15, "999 PB"),
        (1e21, "1e+21 bytes"),
    ],
)
def test_format_bytes(count, text):
    assert limits.format_bytes(count) == text


def test_available_memory_reads_memavailable(tmp_path, monkeypatch):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       8000 kB\nMemFree:        1000 kB\nMemAvailable:   2048 kB\n")
    monkeypatch.setattr(limits, "MEMINFO", meminfo)
    assert limits.available_memory() == 2048 * 1024


def test_without_meminfo_the_free_pages_are_used(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MEMINFO", tmp_path / "absent")
    pages = {"SC_AVPHYS_PAGES": 300, "SC_PAGE_SIZE": 4096}
    monkeypatch.setattr(os, "sysconf", pages.__getitem__)
    assert limits.available_memory() == 300 * 4096


def test_where_memory_cannot_be_read_only_the_ceilings_apply(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MEMINFO", tmp_path / "absent")

    def unsupported(name):
        raise ValueError(f"unrecognized configuration name {name}")

    monkeypatch.setattr(os, "sysconf", unsupported)
    assert limits.available_memory() is None
    limits.check_memory(10**30, "a huge array", "x")
    limits.check_samples(10**8, 2, "n_samples")
    with pytest.raises(ns.ResourceError):
        limits.check_samples(10**8 + 1, 2, "n_samples")


@pytest.mark.parametrize("epochs", [10**9 + 1, 2**64, 10**400])
def test_fit_refuses_more_epochs_than_the_ceiling_before_training(epochs):
    net = ns.Network.from_shape([2, 2, 1], seed=0)
    before = {name: values.copy() for name, values in net.state_dict().items()}
    X, y = ns.datasets.xor()
    with pytest.raises(ns.ParameterError, match=r"epochs must be at most 1,000,000,000"):
        net.fit(X, y, epochs=epochs, verbose=0)
    assert all((net.state_dict()[name] == values).all() for name, values in before.items())
