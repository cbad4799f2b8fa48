"""What the fuzz tests found, each kept as a focused test: refused by name, never a raw exception."""

import os
import re

import numpy as np
import pytest

import neurosim as ns
from neurosim.limits import format_bytes

SPAN = np.timedelta64(3, "s")  # numpy counts a time span as an integer


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda: ns.Network.from_shape([2, SPAN, 1]), "sizes[1]"),
        (lambda: ns.Network(seed=SPAN), "seed"),
        (lambda: ns.initializers.normal(SPAN), "std"),
        (lambda: ns.datasets.moons(SPAN), "n_samples"),
    ],
)
def test_a_time_span_is_not_a_number(call, argument):
    expected = rf"^{re.escape(argument)} must be .*; got (np|numpy)\.timedelta64"  # numpy 1 and 2 reprs
    with pytest.raises(ns.ParameterError, match=expected):
        call()


def test_a_noise_beyond_float_range_is_refused_by_name():
    with pytest.raises(ns.ParameterError, match=r"^noise must be"):
        ns.datasets.spiral(10, noise=-(2**63) - 1)
    with pytest.raises(ns.ParameterError, match=r"^turns must be"):
        ns.datasets.spiral(10, turns=10**400)


def test_a_sample_count_too_large_for_a_float_is_refused_with_its_size():
    with pytest.raises(ns.ResourceError, match=r"^n_samples asks for 10,000,.*about 1.2e\+402 bytes"):
        ns.datasets.moons(10**400)


def test_byte_counts_beyond_float_range_are_written_from_their_digits():
    assert format_bytes(10**400) == "1e+400 bytes"
    assert format_bytes(3 * 10**30) == "3e+30 bytes"
    assert format_bytes(2e21) == "2e+21 bytes"


def test_an_activation_that_returns_the_wrong_shape_is_refused_when_made():
    def constant_pair(z):
        return np.zeros(2)

    with pytest.raises(ns.ParameterError, match=r"'pair': its function returned shape \(2,\) for an input"):
        ns.Activation("pair", constant_pair, constant_pair)


def test_from_arrays_names_the_activation_it_does_not_know():
    weights = [np.ones((3, 2)), np.ones((1, 3))]
    with pytest.raises(ns.UnknownNameError, match=r"^activations\[1\]: unknown activation 'sigmoyd'"):
        ns.Network.from_arrays(weights, activations=["tanh", "sigmoyd"], layout="out_in")
    with pytest.raises(ns.UnknownNameError, match=r"^activations: unknown activation ''"):
        ns.Network.from_arrays(weights, activations="", layout="out_in")


@pytest.fixture
def chain():
    return ns.Network.from_arrays([np.ones((2, 2)), np.ones((1, 2))], layout="out_in")


@pytest.mark.parametrize("X", [[], [1.0, 2.0, 3.0], np.zeros((0, 2))])
def test_compare_forward_refuses_inputs_of_the_wrong_width(chain, X):
    values = {"hidden1": np.zeros((1, 2)), "output": np.zeros((1, 1))}
    with pytest.raises(ns.ShapeError, match=r"^X must be one sample of 2 inputs or a 2-D array of samples"):
        ns.compare_forward(chain, X, values)


def test_compare_gradients_refuses_samples_given_as_an_array(chain):
    with pytest.raises(ns.ParameterError, match=r"^samples must be 'rows', 'columns' or None"):
        ns.compare_gradients(chain, np.zeros((3, 2)), np.zeros((3, 1)), "mse", {}, samples=np.array([1, 2]))


def test_save_to_a_name_too_long_for_the_system_is_refused_by_path(tmp_path):
    net = ns.Network.from_shape([2, 1], seed=0)
    with pytest.raises(ns.ModelFileError, match=r"^cannot save to '.*a{300}': File name too long"):
        net.save(tmp_path / ("a" * 300))
    assert os.listdir(tmp_path) == []
