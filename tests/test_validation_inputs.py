"""Array inputs refuse what is not a real number, naming the argument; numbers never overflow silently."""

import numpy as np
import pytest

import neurosim as ns
from neurosim.activations import get_activation

NOT_REAL = {
    "numeric strings": np.array([["1", "2"]]),
    "bytes": np.array([[b"1", b"2"]]),
    "booleans": np.array([[True, False]]),
    "complex numbers": np.array([[1 + 1j, 2.0]]),
    "dates": np.array([["2020-01-01", "2020-01-02"]], dtype="datetime64[D]"),
    "objects": np.array([[1.0, "2"]], dtype=object),
    "records": np.array([[(1.0, 2.0)]], dtype=[("a", float), ("b", float)]).reshape(1, 1),
    "masked": np.ma.array([[1.0, 2.0]], mask=[[False, True]]),
}


@pytest.fixture
def net():
    return ns.Network.from_shape([2, 3, 1], seed=0)


@pytest.mark.parametrize("kind", NOT_REAL)
@pytest.mark.parametrize(
    ("argument", "call"),
    [
        ("x", lambda net, bad: net.forward(bad)),
        ("X", lambda net, bad: net.predict(bad)),
        ("x", lambda net, bad: net.compile().forward(bad)),
        ("X", lambda net, bad: net.fit(bad, [[1.0]], epochs=1, lr=0.1, verbose=0)),
        ("Y", lambda net, bad: net.fit([[0.0, 1.0]], bad[:, -1:], epochs=1, lr=0.1, verbose=0)),
    ],
)
def test_array_inputs_refuse_what_is_not_a_real_number(net, kind, argument, call):
    before = net.state_dict()
    with pytest.raises(ns.DataError, match=rf"^{argument} "):
        call(net, NOT_REAL[kind])
    for name, values in net.state_dict().items():
        np.testing.assert_array_equal(values, before[name])


@pytest.mark.parametrize("weight", ["1", b"1", True, 1 + 0j, np.array([["0.5", "0.5"]])])
def test_connect_refuses_a_weight_that_is_not_a_real_number(weight):
    net = ns.Network(seed=0)
    net.add_layer(2)
    net.add_layer(1, name="output")
    with pytest.raises(ns.DataError, match=r"^weight "):
        net.connect("input", "output", weight=weight)
    assert len(net.synapses) == 0


def test_a_masked_value_is_refused_rather_than_used(net):
    hidden = np.ma.array([[0.5, 99.0]], mask=[[False, True]])
    with pytest.raises(ns.DataError, match="masked array"):
        net.predict(hidden)


def test_python_ints_too_large_for_int64_are_real_numbers(net):
    # an object array of Python ints: the same numbers as floats give the same outputs
    exact = net.predict(np.array([[2**70, -(2**70)]], dtype=object))
    np.testing.assert_array_equal(exact, net.predict([[float(2**70), -float(2**70)]]))


def test_an_integer_outside_float64s_range_is_refused_not_overflowing(net):
    with pytest.raises(
        ns.DataError, match=r"^x holds an integer of 401 digits at index 0, outside float64's range"
    ):
        net.forward([10**400, 1])


@pytest.mark.skipif(
    np.finfo(np.longdouble).max <= np.finfo(np.float64).max, reason="longdouble is float64 here"
)
def test_a_longdouble_above_float64s_range_is_refused_as_out_of_range_not_inf(net):
    big = np.array([[np.longdouble("1e400"), 1.0]], dtype=np.longdouble)
    with pytest.raises(ns.DataError) as caught:
        net.predict(big)
    message = str(caught.value)
    assert message.startswith("X holds 1e+400 at row 0, column 0, outside float64's range")
    assert "inf" not in message


def test_forward_of_none_or_one_number_says_what_was_expected(net):
    with pytest.raises(
        ns.DataError,
        match=r"x must be one sample of shape \(2,\) or a batch of shape \(n_samples, 2\); got None",
    ):
        net.forward(None)
    with pytest.raises(
        ns.ShapeError, match=r"x must be one sample of shape \(2,\) .*got the single number 3"
    ):
        net.forward(3)


# ---------------------------------------------------------------- float32 networks


def test_a_float32_network_refuses_a_weight_float32_cannot_hold():
    net = ns.Network(seed=0)
    net.add_layer(2)
    net.add_layer(1, name="output")
    net.compile(dtype="float32")
    with pytest.raises(ns.DataError, match=r"^weight holds 1e\+39 .*outside float32's range"):
        net.connect("input", "output", weight=[[1e39, 0.0]])
    assert len(net.synapses) == 0
    with pytest.raises(ns.DataError, match="too large for float32"):
        net["output"].bias = [1e39]
    assert net["output"].bias.tolist() == [0.0]


def test_a_float32_network_refuses_inputs_and_targets_that_would_overflow_its_pass():
    net = ns.Network.from_shape([2, 1], seed=0)
    net.compile(dtype="float32")
    before = net.state_dict()
    with pytest.raises(ns.DataError, match=r"^X holds 1e\+39 at row 1, column 0, outside float32's range"):
        net.fit([[0.0, 1.0], [1e39, 1.0]], [0.0, 1.0], epochs=1, lr=0.1, verbose=0, engine="compiled")
    with pytest.raises(ns.DataError, match=r"^Y holds -4e\+38 at row 0, column 0, outside float32's range"):
        net.fit([[0.0, 1.0]], [-4e38], epochs=1, lr=0.1, verbose=0, loss="mse")
    for name, values in net.state_dict().items():
        np.testing.assert_array_equal(values, before[name])
    float64 = ns.Network.from_shape([2, 1], activation="identity", seed=0)
    float64.backward([[1e39, 0.0]], [1.0])  # within float64's range: accepted


# ---------------------------------------------------------------- numerics


def test_softmax_of_the_most_distant_finite_logits_is_exact_and_silent():
    # 1e308 - (-1e308) overflows; its exp is exactly 0 either way
    np.testing.assert_array_equal(get_activation("softmax")(np.array([[1e308, -1e308]])), [[1.0, 0.0]])
    np.testing.assert_array_equal(
        get_activation("softmax")(np.array([[-1e308, 1e308, 1e308]])), [[0.0, 0.5, 0.5]]
    )


def test_uniform_refuses_a_range_wider_than_float64():
    with pytest.raises(ns.ParameterError, match="high - low within float64's range"):
        ns.initializers.uniform(-1e308, 1e308)
    draws = ns.initializers.uniform(-1e307, 1e307)((50, 2), np.random.default_rng(0))
    assert np.isfinite(draws).all() and draws.min() < 0 < draws.max()


# ---------------------------------------------------------------- arguments


def test_fit_refuses_a_shuffle_that_is_not_true_or_false(net):
    with pytest.raises(ns.ParameterError, match=r"^shuffle must be True or False; got 'no'"):
        net.fit([[0.0, 1.0]], [1.0], epochs=1, lr=0.1, verbose=0, shuffle="no")


def test_gradient_check_refuses_a_negative_kink_margin(net):
    with pytest.raises(ns.ParameterError, match=r"^kink_margin must be a number >= 0; got -1"):
        ns.gradient_check(net, [[0.0, 1.0]], [1.0], kink_margin=-1)


@pytest.mark.parametrize("argument", ["activation", "output_activation"])
def test_from_shape_names_the_activation_argument_it_cannot_find(argument):
    with pytest.raises(
        ns.UnknownNameError,
        match=rf"^{argument}: unknown activation 'foo'; expected one of: identity, sigmoid",
    ):
        ns.Network.from_shape([2, 1], **{argument: "foo"})


def test_moons_refuses_infinite_noise():
    with pytest.raises(ns.ParameterError, match=r"^noise must be a finite number >= 0; got inf"):
        ns.datasets.moons(10, noise=float("inf"))


def test_split_refuses_single_numbers_and_an_empty_training_set():
    with pytest.raises(ns.ShapeError, match=r"^X must be an array with one sample per row"):
        ns.datasets.split(5, 5)
    with pytest.raises(ns.ParameterError, match=r"test_fraction=0.9 of 2 samples leaves no training samples"):
        ns.datasets.split(np.zeros((2, 1)), np.zeros(2), test_fraction=0.9)
    X_train, X_test, _, _ = ns.datasets.split(np.arange(3.0).reshape(3, 1), np.arange(3), test_fraction=0.5)
    assert (len(X_train), len(X_test)) == (1, 2)  # round(1.5) = 2 test samples, 1 left to train


# ---------------------------------------------------------------- functions of your own


@pytest.mark.parametrize(
    ("returned", "problem"),
    [
        (lambda shape: np.zeros(shape[::-1]), r"returned shape \(2, 3\); expected \(3, 2\)"),
        (lambda shape: np.full(shape, np.nan), "returned NaN or infinity"),
        (lambda shape: None, "must return an array of numbers"),
    ],
)
def test_a_custom_initializer_must_return_finite_weights_of_the_asked_shape(returned, problem):
    init = ns.initializers.Initializer("mine", lambda shape, rng, fan_in, fan_out: returned(shape))
    with pytest.raises(ns.NeurosimError, match=rf"initializer 'mine'.*{problem}"):
        ns.Network.from_shape([2, 3], init=init)


@pytest.mark.parametrize(
    ("function", "problem"),
    [
        (lambda z: np.where(z > 0, np.nan, z), "returned NaN for 0.5"),
        (lambda z: None, "must return an array of numbers"),
    ],
)
def test_a_custom_activation_must_return_numbers(function, problem):
    act = ns.Activation("nan_for_positive", function, derivative=np.ones_like)
    net = ns.Network.from_shape([1, 1], activation=act, init="constant", seed=0)
    net["output"].bias = [0.5]
    with pytest.raises(ns.ParameterError, match=rf"activation 'nan_for_positive'.*{problem}"):
        net.forward([0.0])


def test_a_custom_activation_may_pass_on_nan_it_was_given():
    act = ns.Activation("halve", lambda z: z / 2, derivative=lambda z: np.full_like(z, 0.5))
    np.testing.assert_array_equal(act(np.array([np.nan, 3.0])), [np.nan, 1.5])


# ---------------------------------------------------------------- a broken network


def test_predict_refuses_outputs_that_overflowed_and_names_the_largest_weight():
    net = ns.Network.from_shape([1, 1, 1], activation="identity", init="constant", seed=0)
    net.synapse("input[0]", "hidden1[0]").weight = 1e200
    net.synapse("hidden1[0]", "output[0]").weight = 1e200
    with pytest.raises(ns.DataError) as caught:
        net.predict([[1.0]])
    message = str(caught.value)
    assert message.startswith("cannot predict: output output[0] is inf for sample 0")
    assert "the largest parameter is hidden1->output.weight[0, 0] = 1e+200" in message
    assert net.forward([1.0]).tolist() == [np.inf]  # forward still shows what was computed, to look into


def test_predict_names_the_parameter_that_is_nan():
    net = ns.Network.from_shape([2, 2, 1], seed=0)
    net["hidden1"].bias[1] = np.nan  # written into the array itself, as a diverged update would
    with pytest.raises(
        ns.DataError, match=r"output output\[0\] is nan for sample 0, because hidden1.bias\[1\] is nan"
    ):
        net.predict([[0.0, 1.0]])


# ---------------------------------------------------------------- the graph and assigned arrays


def test_forward_refuses_an_edge_added_to_the_graph_by_hand_as_compile_does():
    net = ns.Network.from_shape([2, 2, 1], seed=0)
    net.graph.add_edge(net["input[0]"], net["output[0]"])
    with pytest.raises(ns.StructureError) as from_forward:
        net.forward([1.0, 2.0])
    with pytest.raises(ns.StructureError) as from_compile:
        net.compile()
    assert str(from_forward.value) == str(from_compile.value)
    assert "input[0] -> output[0] with no synapse" in str(from_forward.value)


def test_arrays_assigned_after_compile_are_seen_by_both_engines():
    net = ns.Network.from_shape([2, 1], activation="identity", seed=0)
    compiled = net.compile()
    compiled.predict([[1.0, 1.0]])  # the compiled engine has run with the old arrays
    net["output"].bias = [5.0]
    net.blocks[0].weight = [[1.0, 2.0]]
    X = np.array([[1.0, 3.0], [-2.0, 0.5]])
    expected = [[1.0 * 1 + 2.0 * 3 + 5], [1.0 * -2 + 2.0 * 0.5 + 5]]  # 12 and 4
    np.testing.assert_allclose(compiled.predict(X), expected, rtol=1e-12)
    np.testing.assert_allclose(net.predict(X), expected, rtol=1e-12)
    with pytest.raises(ns.ShapeError, match=r"expected shape \(1,\), got \(2,\)"):
        net["output"].bias = [1.0, 2.0]
    with pytest.raises(ns.ShapeError, match=r"expected shape \(1, 2\), got \(2, 1\)"):
        net.blocks[0].weight = [[1.0], [2.0]]
    np.testing.assert_allclose(compiled.predict(X), expected, rtol=1e-12)
