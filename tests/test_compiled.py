"""The compiled engine: one source of truth, recompiling, matrices, float32, bad input, digits."""

from __future__ import annotations

import importlib
import re

import numpy as np
import pytest
from test_bad_input import refused

import neurosim as ns
from neurosim.activations import ACTIVATIONS
from neurosim.engines import kernels

X = np.array([[0.5, -1.0], [2.0, 0.25], [-0.3, 0.8], [1.0, 1.0]])
Y = np.array([[1.0], [0.0], [1.0], [0.0]])


def layered(seed: int = 0) -> ns.Network:
    return ns.Network.from_shape([2, 3, 1], activation="tanh", output_activation="sigmoid", seed=seed)


def by_hand(net: ns.Network, X: np.ndarray) -> np.ndarray:
    """A 2-3-1 tanh/sigmoid network's outputs, from its synapse objects, in plain numpy."""
    W1 = np.array([[net.synapse(f"input[{j}]", f"hidden1[{i}]").weight for j in range(2)] for i in range(3)])
    W2 = np.array([[net.synapse(f"hidden1[{j}]", "output[0]").weight for j in range(3)]])
    b1 = np.array([net[f"hidden1[{i}]"].bias for i in range(3)])
    b2 = np.array([net["output[0]"].bias])
    return 1 / (1 + np.exp(-(np.tanh(X @ W1.T + b1) @ W2.T + b2)))


# ------------------------------------------------------------------ one source of truth


def test_compiled_training_is_seen_by_every_synapse_without_a_sync():
    net = layered()
    before = {s.name: s.weight for s in net.synapses}
    net.fit(X, Y, epochs=50, lr=0.5, loss="bce", engine="compiled", seed=0, verbose=0)
    after = {s.name: s.weight for s in net.synapses}
    assert all(after[name] != before[name] for name in before)
    # the synapse objects hold the weights the compiled engine computes with
    assert np.allclose(net.compile().predict(X), by_hand(net, X), rtol=1e-12)


def test_setting_a_weight_or_bias_is_seen_by_the_next_compiled_forward():
    net = layered()
    compiled = net.compile()
    first = compiled.forward(X)
    net.synapse("hidden1[1]", "output[0]").weight = 3.0
    net["hidden1[2]"].bias = -2.0
    second = compiled.forward(X)
    assert not np.allclose(first, second)
    assert np.allclose(second, by_hand(net, X), rtol=1e-12)


def central_difference(net: ns.Network, owner: object, attribute: str, step: float = 1e-6) -> float:
    """d(mean squared error)/d(owner.attribute), by central differences on :func:`by_hand`."""
    value = getattr(owner, attribute)
    losses = []
    for shifted in (value + step, value - step):
        setattr(owner, attribute, shifted)
        losses.append(np.mean((by_hand(net, X) - Y) ** 2))
    setattr(owner, attribute, value)
    return (losses[0] - losses[1]) / (2 * step)


def test_compiled_backward_leaves_gradients_on_synapses_and_neurons():
    net = layered()
    net.compile().backward(X, Y, loss="mse")
    for synapse in net.synapses:
        expected = central_difference(net, synapse, "weight")
        assert synapse.grad == pytest.approx(expected, rel=1e-6, abs=1e-10), synapse.name
    for neuron in net.neurons[2:]:
        expected = central_difference(net, neuron, "bias")
        assert neuron.bias_grad == pytest.approx(expected, rel=1e-6, abs=1e-10), neuron.name


def test_compiled_passes_leave_neuron_values_like_the_object_engine():
    net = layered()
    compiled = net.compile()
    compiled.backward(X, Y, loss="bce")
    z, a, delta = net["hidden1[1]"].z, net["hidden1[1]"].a, net["output[0]"].delta
    net.backward(X, Y, loss="bce")
    assert np.allclose(net["hidden1[1]"].z, z, rtol=1e-12)
    assert np.allclose(net["hidden1[1]"].a, a, rtol=1e-12)
    assert np.allclose(net["output[0]"].delta, delta, rtol=1e-12)
    compiled.forward(X[0])
    assert net["output[0]"].delta is None  # a forward pass clears the deltas
    assert net["output[0]"].a == pytest.approx(by_hand(net, X[:1])[0, 0], rel=1e-12)
    assert "z=" in repr(net["hidden1[0]"])


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda net: net.connect("input[1]", "output[0]", weight=1.5), id="new synapse"),
        pytest.param(lambda net: net.disconnect("hidden1[2]", "output[0]"), id="pruned synapse"),
        pytest.param(lambda net: net.disconnect("input", "hidden1"), id="pruned layer pair"),
        pytest.param(
            lambda net: (net.add_layer(2, name="side", activation="relu"), net.connect("input", "side")),
            id="new layer",
        ),
    ],
)
def test_a_structural_change_recompiles_at_the_next_call(change):
    net = layered()
    compiled = net.compile()
    compiled.forward(X)
    change(net)
    # the object engine computes on the changed network; so must the compiled one
    assert np.allclose(compiled.forward(X), net.predict(X), rtol=1e-12)
    compiled.backward(X, np.zeros((4, net.output_layer.size)), loss="mse")
    grads = {s.name: s.grad for s in net.synapses}
    net.backward(X, np.zeros((4, net.output_layer.size)), loss="mse")
    assert grads == pytest.approx({s.name: s.grad for s in net.synapses}, rel=1e-10, abs=1e-14)


def test_a_pruned_synapse_stays_exactly_zero_through_compiled_training():
    net = layered()
    net.disconnect("input[0]", "hidden1[1]")
    net.disconnect("hidden1[2]", "output[0]")
    net.fit(X, Y, epochs=30, lr=0.5, batch_size=2, momentum=0.9, loss="bce", engine="compiled", verbose=0)
    W, _, _ = net.compile().matrix("input", "hidden1")
    assert W[1, 0] == 0.0 and net.parameter_store.block(net["input"], net["hidden1"]).grad[1, 0] == 0.0
    assert net.compile().matrix("hidden1", "output")[0][0, 2] == 0.0
    assert ("input[0]", "hidden1[1]") not in {(s.source.name, s.target.name) for s in net.synapses}
    assert np.count_nonzero(W) == 5


def test_fit_with_either_engine_trains_the_same_network_object():
    net = layered()
    compiled = net.compile()
    net.fit(X, Y, epochs=10, lr=0.5, loss="bce", engine="compiled", seed=1, verbose=0)
    halfway = net.predict(X)
    assert np.allclose(compiled.predict(X), halfway, rtol=1e-12)
    net.fit(X, Y, epochs=10, lr=0.5, loss="bce", engine="object", seed=1, verbose=0)
    assert np.allclose(compiled.predict(X), net.predict(X), rtol=1e-12)
    assert not np.allclose(net.predict(X), halfway)


# ------------------------------------------------------------------------------ matrix


def test_matrix_names_rows_and_columns_and_shows_live_weights():
    net = ns.Network.from_shape([3, 2, 2], seed=0)
    net.connect("input[2]", "output[1]", weight=0.25)  # a skip connection gets its own block
    compiled = net.compile()
    W, rows, cols = compiled.matrix("hidden1", "output")
    assert rows == ["output[0]", "output[1]"]
    assert cols == ["hidden1[0]", "hidden1[1]"]
    for i, target in enumerate(rows):
        for j, source in enumerate(cols):
            assert W[i, j] == net.synapse(source, target).weight
    skip, rows, cols = compiled.matrix("input", "output")
    assert skip.tolist() == [[0.0, 0.0, 0.0], [0.0, 0.0, 0.25]]
    with pytest.raises(ValueError, match="read-only"):
        W[0, 0] = 1.0
    net.fit(np.ones((4, 3)), np.hstack([Y, 1 - Y]), epochs=3, lr=1.0, engine="compiled", verbose=0)
    assert W[0, 1] == net.synapse("hidden1[1]", "output[0]").weight


def test_matrix_of_unconnected_layers_names_the_connected_pairs():
    compiled = ns.Network.from_shape([2, 3, 1], seed=0).compile()
    with pytest.raises(ns.UnknownNameError, match="'input' -> 'hidden1', 'hidden1' -> 'output'"):
        compiled.matrix("output", "hidden1")
    with pytest.raises(ns.UnknownNameError, match="no layer named 'hiden1'"):
        compiled.matrix("hiden1", "output")


# ------------------------------------------------------------------------------ float32


def test_float32_stores_the_weights_in_single_precision_and_agrees_with_float64():
    net64 = layered(3)
    net32 = layered(3)
    compiled = net32.compile(dtype="float32")
    assert net32.dtype == np.float32 and compiled.dtype == np.float32
    assert all(block.weight.dtype == np.float32 for block in net32.blocks)
    assert net32["output"].bias.dtype == np.float32
    # weights were rounded once to float32
    for s64, s32 in zip(net64.synapses, net32.synapses, strict=True):
        assert s32.weight == float(np.float32(s64.weight))
    assert np.allclose(compiled.forward(X), net64.predict(X), rtol=1e-6)
    history32 = net32.fit(X, Y, epochs=100, lr=0.5, loss="bce", engine="compiled", seed=0, verbose=0)
    history64 = net64.fit(X, Y, epochs=100, lr=0.5, loss="bce", engine="compiled", seed=0, verbose=0)
    assert np.allclose(history32.loss, history64.loss, rtol=1e-4)
    assert np.allclose(net32.predict(X), net64.predict(X), rtol=1e-4)
    # the object engine still works on a float32 network, and back to float64 on request
    net32.compile(dtype="float64")
    assert net32.dtype == np.float64 and all(block.weight.dtype == np.float64 for block in net32.blocks)


def test_a_layer_added_to_a_float32_network_is_float32():
    net = layered()
    net.compile(dtype=np.float32)
    net.add_layer(2, name="extra", activation="tanh")
    net.connect("hidden1", "extra")
    assert net["extra"].bias.dtype == np.float32
    assert net.parameter_store.block(net["hidden1"], net["extra"]).weight.dtype == np.float32
    assert net.compile().forward(X).dtype == np.float32


@pytest.mark.parametrize("dtype", ["float16", "int64", "double precision", 3, complex])
def test_unsupported_dtype_is_refused(dtype):
    net = layered()
    with refused(net, ns.ParameterError, "dtype must be 'float64' or 'float32'"):
        net.compile(dtype=dtype)


# ------------------------------------------------------------------- invalid graphs


def test_compile_needs_an_input_and_an_output_layer():
    net = ns.Network()
    net.add_layer(2)
    with pytest.raises(ns.StructureError, match=r"needs an input and an output layer; it has 1 layer"):
        net.compile()


def test_compile_refuses_an_edge_that_closes_a_cycle_added_to_the_graph_directly():
    net = layered()
    net.graph.add_edge(net["output[0]"], net["hidden1[0]"])
    with pytest.raises(ns.CycleError, match=re.escape("edge output[0] -> hidden1[0]") + ".*closes a cycle"):
        net.compile()


def test_compile_refuses_an_edge_without_a_synapse():
    net = layered()
    net.graph.add_edge(net["input[0]"], net["output[0]"])
    with pytest.raises(ns.StructureError, match=re.escape("edge input[0] -> output[0] with no synapse")):
        net.compile()


def test_compile_refuses_a_graph_that_lost_an_edge_or_gained_a_node():
    net = layered()
    net.graph.remove_edge(net["input[0]"], net["hidden1[0]"])
    with pytest.raises(
        ns.StructureError, match=r"6 nodes and 8 edges but the network has 6 neurons and 9 synapses"
    ):
        net.compile()
    net = layered()
    net.graph.add_node("stranger")
    with pytest.raises(ns.StructureError, match="7 nodes"):
        net.compile()


def test_a_compiled_network_notices_a_graph_changed_directly_after_compiling():
    net = layered()
    compiled = net.compile()
    net.graph.add_edge(net["output[0]"], net["hidden1[0]"])
    net.connect("input[0]", "output[0]")  # a real change, so the next call recompiles and checks
    with pytest.raises(ns.CycleError):
        compiled.forward(X)


# ------------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("method", "args", "error", "match"),
    [
        ("forward", (np.ones((4, 3)),), ns.ShapeError, r"x has 3 columns but the input layer has 2 neurons"),
        ("forward", ([[1.0, np.nan]],), ns.DataError, r"x contains nan at row 0, column 1"),
        ("predict", (np.ones(2),), ns.ShapeError, r"2-D"),
        ("backward", (X, np.ones((3, 1))), ns.ShapeError, r"Y has 3 samples"),
        ("backward", (X, Y, "cross_entropy"), ns.IncompatibleLossError, r"softmax output"),
        ("backward", (X, Y * 2, "bce"), ns.DataError, r"\[0, 1\]"),
        ("backward", (X, Y, "hinge"), ns.UnknownNameError, r"unknown loss 'hinge'"),
    ],
)
def test_compiled_calls_validate_like_the_object_engine(method, args, error, match):
    net = layered()
    compiled = net.compile()
    compiled.backward(X, Y, loss="bce")
    with refused(net, error, match) as compiled_info:
        getattr(compiled, method)(*args)
    with pytest.raises(error) as object_info:
        getattr(net, method)(*args)
    assert str(object_info.value) == str(compiled_info.value)


def test_fit_refuses_an_unknown_engine_before_training():
    net = layered()
    with refused(net, ns.ParameterError, r"engine must be 'auto', 'object' or 'compiled'; got 'gpu'"):
        net.fit(X, Y, epochs=1, lr=0.1, engine="gpu")


def test_compiled_fit_reports_divergence_like_the_object_engine():
    histories = []
    for engine in ("object", "compiled"):
        net = ns.Network.from_shape([2, 4, 1], activation="identity", seed=0)
        with pytest.warns(ns.DivergenceWarning, match=r"epoch \d+, batch 1") as caught:
            # without the doctor, which adds its own warning about the unscaled inputs
            histories.append(
                net.fit(X * 100, Y * 100, epochs=50, lr=5.0, engine=engine, verbose=0, diagnose=False)
            )
        assert all(np.isfinite(block.weight).all() for block in net.blocks), engine
        assert len(caught) == 1
    assert histories[0].diverged_at == histories[1].diverged_at is not None
    assert histories[0].loss == pytest.approx(histories[1].loss, rel=1e-10)


def test_custom_activation_runs_in_the_compiled_engine():
    cube = ns.Activation("cube_compiled", lambda z: z**3 / 3, lambda z: z**2)
    net = ns.Network.from_shape([2, 2, 1], activation=cube, output_activation="sigmoid", seed=0)
    compiled_grads = (net.compile().backward(X, Y, loss="bce"), [s.grad for s in net.synapses])
    object_grads = (net.backward(X, Y, loss="bce"), [s.grad for s in net.synapses])
    assert compiled_grads[0] == pytest.approx(object_grads[0], rel=1e-12)
    assert compiled_grads[1] == pytest.approx(object_grads[1], rel=1e-10)


def test_compiled_engine_stays_finite_and_quiet_on_extreme_inputs():
    for activation in ACTIVATIONS:
        if activation == "softmax":
            continue
        net = ns.Network.from_shape([2, 3, 2], activation=activation, output_activation="softmax", seed=0)
        net.synapse("input[0]", "hidden1[0]").weight = 1e4
        extreme = np.array([[1e300, -1e300], [-1e4, 1e4]])
        loss = net.compile().backward(extreme, [0, 1], loss="cross_entropy")  # warnings are errors here
        object_loss = net.backward(extreme, [0, 1], loss="cross_entropy")
        assert loss == pytest.approx(object_loss, rel=1e-10, nan_ok=True), activation


# ------------------------------------------------------------------------------ digits


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_digits_reach_97_percent_test_accuracy_with_the_compiled_engine(seed):
    images, labels = ns.datasets.digits()
    X_train, X_test, y_train, y_test = ns.datasets.split(images, labels, test_fraction=0.2, seed=0)
    assert (len(X_train), len(X_test)) == (1438, 359)
    net = ns.Network.from_shape(
        [64, 64, 10], activation="relu", output_activation="softmax", init="he", seed=seed
    )
    options = {"epochs": 60, "lr": 0.2, "batch_size": 32, "loss": "cross_entropy", "seed": seed}
    net.fit(X_train, y_train, engine="compiled", verbose=0, **options)
    test_accuracy = np.mean(net.predict(X_test).argmax(axis=1) == y_test)
    assert test_accuracy >= 0.97


def test_a_refused_compile_changes_nothing_not_even_the_dtype():
    net = layered()
    net.graph.add_edge(net["input[0]"], net["output[0]"])
    with refused(net, ns.StructureError, "with no synapse"):
        net.compile(dtype="float32")
    assert net.dtype == np.float64 and net["output"].bias.dtype == np.float64


# ----------------------------------------------------------------- kernels and fit paths

EXTREMES = np.array([[-1e300, -800.0, -40.0, -1.0, -1e-300, 0.0], [1e-300, 0.5, 1.0, 40.0, 800.0, 1e300]])


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_kernels_compute_the_activation_and_its_derivative(name):
    """The compiled engine's in-place kernels against the activation's own definition."""
    activation = ACTIVATIONS[name]
    forward, backward = kernels.activation_kernels(activation)
    a = np.empty_like(EXTREMES)
    with np.errstate(over="ignore"):  # as the engine runs them
        forward(EXTREMES, a)
    expected = activation(EXTREMES)
    assert np.isfinite(a).all() or name in {"identity", "leaky_relu", "softplus", "relu"}
    assert np.allclose(a, expected, rtol=1e-15, atol=0) or np.array_equal(a, expected)
    g = np.linspace(-2.0, 2.0, EXTREMES.size).reshape(EXTREMES.shape)
    out, scratch = np.empty_like(g), np.empty_like(g)
    backward(EXTREMES, a, g, out, scratch)
    assert np.array_equal(out, activation.backward(EXTREMES, expected, g)) or np.allclose(
        out, activation.backward(EXTREMES, expected, g), rtol=1e-15, atol=1e-300
    )
    # out may be the same array as g
    backward(EXTREMES, a, g, g, scratch)
    assert np.allclose(g, out, rtol=0, atol=0)


def test_fit_gathers_batches_either_way_with_the_same_result(monkeypatch):
    """Small training sets are gathered into epoch order once per epoch, large ones batch by batch."""
    fit_module = importlib.import_module("neurosim.training.batches")
    X_big, y_big = ns.datasets.moons(200, seed=1)
    results = []
    for limit in (0, 2**30):  # batch by batch, then once per epoch
        monkeypatch.setattr(fit_module, "GATHER_LIMIT", limit)
        for engine in ("object", "compiled"):
            net = ns.Network.from_shape([2, 5, 1], activation="tanh", output_activation="sigmoid", seed=0)
            options = {"epochs": 3, "lr": 0.3, "batch_size": 7, "loss": "bce", "seed": 4, "verbose": 0}
            history = net.fit(X_big, y_big, engine=engine, **options)
            results.append((engine, history.loss, [b.weight.copy() for b in net.blocks]))
    for engine, loss, weights in results[1:]:
        assert loss == pytest.approx(results[0][1], rel=1e-10), engine
        for a, b in zip(weights, results[0][2], strict=True):
            assert np.allclose(a, b, rtol=1e-10, atol=1e-14), engine


@pytest.mark.parametrize("shuffle", [True, False])
def test_engines_record_the_same_validation_history(shuffle):
    X_all, y_all = ns.datasets.moons(120, seed=2)
    histories, nets = [], []
    for engine in ("object", "compiled"):
        net = ns.Network.from_shape([2, 4, 2], activation="tanh", output_activation="softmax", seed=1)
        histories.append(
            net.fit(
                X_all[:90],
                y_all[:90],
                epochs=5,
                lr=0.5,
                batch_size=16,
                loss="cross_entropy",
                shuffle=shuffle,
                seed=0,
                validation_data=(X_all[90:], y_all[90:]),
                engine=engine,
                verbose=0,
            )
        )
        nets.append(net)
    for record in ("loss", "accuracy", "val_loss", "val_accuracy"):
        assert getattr(histories[1], record) == pytest.approx(getattr(histories[0], record), rel=1e-10)
    # after training with validation data, the neurons hold the validation pass, in both engines
    assert np.allclose(nets[0]["hidden1[3]"].a, nets[1]["hidden1[3]"].a, rtol=1e-10)
    assert len(nets[1]["hidden1[3]"].a) == 30 and nets[1]["hidden1[3]"].delta is None


@pytest.mark.parametrize("build", ["from_shape", "by hand"])
def test_arrays_held_before_training_stay_live(build):
    """Training never moves a weight or bias array, so references taken earlier keep seeing the values."""
    if build == "from_shape":
        net = layered()
    else:
        net = ns.Network(seed=0)
        net.add_layer(2)
        net.add_layer(3, activation="tanh")
        net.add_layer(1, name="output", activation="sigmoid")
        net.connect("input", "hidden1")
        net.connect("hidden1", "output")
    bias, weights = net["hidden1"].bias, net.blocks[0].weight
    W, _, _ = net.compile().matrix("input", "hidden1")
    before = weights.copy()
    net.fit(X, Y, epochs=20, lr=0.5, loss="bce", engine="compiled", verbose=0)
    assert net["hidden1"].bias is bias and net.blocks[0].weight is weights
    assert not np.array_equal(weights, before)
    assert np.array_equal(W, weights) and bias[1] == net["hidden1[1]"].bias


def test_a_connection_added_after_from_shape_is_trained_too():
    net, twin_net = layered(), layered()
    for n in (net, twin_net):
        n.connect("input[1]", "output[0]", weight=0.0)  # a block of its own, outside the packed vector
    net.fit(X, Y, epochs=20, lr=0.5, loss="bce", engine="compiled", seed=0, verbose=0)
    twin_net.fit(X, Y, epochs=20, lr=0.5, loss="bce", engine="object", seed=0, verbose=0)
    skip = net.synapse("input[1]", "output[0]").weight
    assert skip != 0.0
    assert skip == pytest.approx(twin_net.synapse("input[1]", "output[0]").weight, rel=1e-10)
