"""``to_onnx``: the model onnxruntime runs computes the network's outputs, for a batch of any size."""

from __future__ import annotations

import importlib
import math
import os
import sys

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from strategies import ACTIVATIONS, cases, network_settings

import neurosim as ns

torch = pytest.importorskip("torch", reason="to_onnx exports through PyTorch")
onnx = pytest.importorskip("onnx", reason="to_onnx writes the model with onnx")
pytest.importorskip("onnxscript", reason="PyTorch's ONNX exporter builds the model with onnxscript")
ort = pytest.importorskip("onnxruntime", reason="the exported models are run with onnxruntime")

from neurosim.io import onnx_export  # noqa: E402 - after the skips: it needs the packages above

#: the ONNX element type of each precision (TensorProto.FLOAT, TensorProto.DOUBLE)
ELEMENT_TYPES = {"float32": 1, "float64": 11}


def run(path, X, dtype):
    """The model at ``path`` run by onnxruntime on ``X`` in ``dtype``."""
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(["outputs"], {"inputs": np.asarray(X, dtype=dtype)})[0]


def check_model(path, n_inputs, n_outputs, dtype):
    """The file is a valid ONNX model with the promised input, output and batch dimension."""
    model = onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)
    (given_input,) = model.graph.input
    (given_output,) = model.graph.output
    for value, width, name in ((given_input, n_inputs, "inputs"), (given_output, n_outputs, "outputs")):
        assert value.name == name
        assert value.type.tensor_type.elem_type == ELEMENT_TYPES[dtype]
        batch, features = value.type.tensor_type.shape.dim
        assert batch.dim_param == "batch" and not batch.HasField("dim_value")
        assert features.dim_value == width
    return model


def step_margin(net, X):
    """The smallest ``|z|`` of any neuron with a step activation, over the batch ``X``."""
    net.forward(X)
    margins = [
        np.min(np.abs(n.z)) for layer in net.layers[1:] if layer.activation.name == "step" for n in layer
    ]
    return min(margins, default=np.inf)


def batch_for(net, X, seed):
    """``X`` and 40 more samples: batches of 1, ``len(X)`` and ``len(X) + 40`` rows are its starts."""
    extra = np.random.default_rng(seed).normal(scale=2.0, size=(40, net.input_layer.size))
    return np.vstack([X, extra])


def assert_any_batch_size(path, net, batch, n_given, dtype, rtol, atol):
    for n in (1, n_given, len(batch)):
        got = run(path, batch[:n], dtype)
        assert got.dtype == np.dtype(dtype)
        np.testing.assert_allclose(got, net.predict(batch[:n]), rtol=rtol, atol=atol, err_msg=f"{n} samples")
    assert run(path, batch[:0], dtype).shape == (0, net.output_layer.size)


@network_settings(max_examples=10)
@given(data=st.data())
def test_float64_models_compute_the_networks_outputs_for_any_batch_size(data, tmp_path_factory):
    hidden = data.draw(st.sampled_from(ACTIVATIONS), label="hidden activation")
    output = data.draw(st.sampled_from(ACTIVATIONS), label="output activation")
    net, X, _, _, _ = data.draw(cases(hidden, output, "mse"), label="case")
    batch = batch_for(net, X, seed=data.draw(st.integers(0, 2**16), label="seed"))
    assume(step_margin(net, batch) > 1e-9)  # summed in another order, z must keep its sign
    path = tmp_path_factory.mktemp("onnx") / "net.onnx"
    ns.to_onnx(net, path, dtype="float64")
    check_model(path, net.input_layer.size, net.output_layer.size, "float64")
    assert_any_batch_size(path, net, batch, len(X), "float64", rtol=1e-12, atol=1e-12)


@network_settings(max_examples=6)
@given(data=st.data())
def test_float32_models_compute_the_networks_outputs_to_single_precision(data, tmp_path_factory):
    hidden = data.draw(st.sampled_from(ACTIVATIONS), label="hidden activation")
    output = data.draw(st.sampled_from(ACTIVATIONS), label="output activation")
    net, X, _, _, _ = data.draw(cases(hidden, output, "mse"), label="case")
    batch = batch_for(net, X, seed=data.draw(st.integers(0, 2**16), label="seed"))
    assume(step_margin(net, batch) > 1e-3)  # single-precision rounding must not flip a step
    path = tmp_path_factory.mktemp("onnx") / "net.onnx"
    ns.to_onnx(net, path)  # float32 is the default
    check_model(path, net.input_layer.size, net.output_layer.size, "float32")
    # the inputs are rounded to float32 first, as the model receives them
    batch = batch.astype(np.float32).astype(np.float64)
    assert_any_batch_size(path, net, batch, len(X), "float32", rtol=2e-5, atol=2e-6)


# -- each built-in activation, far out on both sides, against its definition written here -----------------

Z = np.array([-1000.0, -100.0, -30.0, -3.0, -1e-30, 0.0, 1e-30, 0.5, 3.0, 30.0, 100.0, 1000.0])


def softplus(z):
    return max(z, 0.0) + math.log1p(math.exp(-abs(z)))


def sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


BY_HAND = {
    "sigmoid": sigmoid,
    "tanh": math.tanh,
    "leaky_relu": lambda z: z if z > 0 else 0.01 * z,
    "softplus": softplus,
    "step": lambda z: 1.0 if z >= 0 else 0.0,
}


def one_to_one(activation):
    """A network whose output is ``activation`` of its input: one synapse of weight 1, bias 0."""
    net = ns.Network()
    net.add_layer(1, name="input")
    net.add_layer(1, name="output", activation=activation)
    net.connect("input", "output", weight=1.0)
    net["output"][0].bias = 0.0
    return net


@pytest.mark.parametrize(
    ("activation", "dtype"),
    # identity and relu are exact in the tests above; these are where the exporter's forms would differ
    [(name, "float64") for name in ("sigmoid", "tanh", "leaky_relu", "softplus", "step")]
    + [(name, "float32") for name in ("sigmoid", "softplus", "leaky_relu")],
)
def test_each_activation_computes_its_definition_far_from_zero(activation, dtype, tmp_path):
    net = one_to_one(activation)
    path = tmp_path / "net.onnx"
    ns.to_onnx(net, path, dtype=dtype)
    check_model(path, 1, 1, dtype)
    z = Z.astype(dtype).astype(np.float64)
    expected = np.array([[BY_HAND[activation](value)] for value in z])
    # no overflow to infinity for large z (the exporter's own softplus gives inf above 88 in float32),
    # and the small values far below 0 kept (onnxruntime's own sigmoid gives 0 from -20 in float32)
    rtol, atol = (
        (1e-15, 1e-300) if dtype == "float64" else (1e-6, 1e-37)
    )  # float32's smallest normal: 1.2e-38
    np.testing.assert_allclose(run(path, z[:, None], dtype), expected, rtol=rtol, atol=atol)


def test_a_softmax_output_sums_to_one_and_matches_its_definition(tmp_path):
    net = ns.Network()
    net.add_layer(1, name="input")
    net.add_layer(3, name="output", activation="softmax")
    net.connect("input", "output")
    net.blocks[0].weight = np.array([[1.0], [-1.0], [0.5]])
    net["output"].bias = np.array([0.0, 0.25, -0.5])
    path = tmp_path / "net.onnx"
    ns.to_onnx(net, path, dtype="float64")
    z = Z[:, None] * np.array([1.0, -1.0, 0.5]) + np.array([0.0, 0.25, -0.5])
    shifted = np.exp(z - z.max(axis=1, keepdims=True))
    got = run(path, Z[:, None], "float64")
    np.testing.assert_allclose(got, shifted / shifted.sum(axis=1, keepdims=True), rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(got.sum(axis=1), 1.0, rtol=1e-15)


# -- what else crosses ---------------------------------------------------------------------------------------


def test_dropout_is_left_out_and_activations_of_your_own_cross_with_their_torch_form(tmp_path):
    cube = ns.Activation("cube_onnx_test", lambda z: z**3, lambda z: 3 * z**2)
    net = ns.Network(seed=3)
    net.add_layer(2, name="input")
    net.add_layer(4, activation=cube, dropout=0.5)
    net.add_layer(1, name="output", activation="identity")
    net.connect("input", "hidden1")
    net.connect("hidden1", "output")
    net.connect("input[1]", "output[0]", weight=0.75)  # a skip connection
    net.disconnect("input[0]", "hidden1[2]")  # a pruned synapse
    path = tmp_path / "net.onnx"
    ns.to_onnx(net, path, activations={"cube_onnx_test": lambda z: z**3}, dtype="float64")
    X = np.random.default_rng(0).normal(size=(6, 2))
    # by hand: the cube of the weighted sums, the pruned synapse as a zero, the skip added at the output
    block = {(b.source.name, b.target.name): b for b in net.blocks}
    W1 = block["input", "hidden1"].weight * block["input", "hidden1"].mask
    hidden = (X @ W1.T + net["hidden1"].bias) ** 3
    expected = hidden @ block["hidden1", "output"].weight.T + 0.75 * X[:, 1:] + net["output"].bias
    np.testing.assert_allclose(run(path, X, "float64"), expected, rtol=1e-12)
    np.testing.assert_allclose(run(path, X, "float64"), net.predict(X), rtol=1e-12)


@pytest.mark.parametrize("opset", [15, onnx.defs.onnx_opset_version()])
def test_the_oldest_and_newest_opsets_are_written_as_asked(opset, tmp_path):
    net = ns.Network.from_shape([3, 4, 2], activation="softplus", output_activation="softmax", seed=2)
    path = tmp_path / "net.onnx"
    ns.to_onnx(net, path, opset=opset)
    model = check_model(path, 3, 2, "float32")
    assert {entry.version for entry in model.opset_import if entry.domain in ("", "ai.onnx")} == {opset}
    X = np.random.default_rng(1).normal(size=(5, 3)).astype(np.float32)
    np.testing.assert_allclose(run(path, X, "float32"), net.predict(X), rtol=1e-5, atol=1e-7)


# -- files: whole or not at all ----------------------------------------------------------------------------


def files_in(folder):
    return sorted(p.name for p in folder.iterdir())


def test_a_failed_export_or_write_leaves_the_earlier_file_byte_for_byte(tmp_path, monkeypatch):
    path = tmp_path / "net.onnx"
    ns.to_onnx(ns.Network.from_shape([2, 2, 1], seed=0), path)
    earlier = path.read_bytes()
    cube = ns.Activation("cube_onnx_fail", lambda z: z**3, lambda z: 3 * z**2)
    net = ns.Network.from_shape([2, 3, 1], activation=cube, seed=0)
    # a torch form the exporter cannot write in ONNX operators: ONNX has no Bessel function
    form = {"cube_onnx_fail": lambda z: z**3 + 0 * torch.special.bessel_j0(z)}
    with pytest.raises(ns.ParameterError, match=r"activations of your own .*bessel_j0"):
        ns.to_onnx(net, path, activations=form)
    assert path.read_bytes() == earlier and files_in(tmp_path) == ["net.onnx"]

    # the disk fails as the finished file would replace the earlier one
    def disk_full(*_):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(ns.ModelFileError, match=r"cannot write the ONNX file '.*net\.onnx': No space left"):
        ns.to_onnx(ns.Network.from_shape([2, 5, 1], seed=1), path)
    assert path.read_bytes() == earlier and files_in(tmp_path) == ["net.onnx"]


def test_an_export_replaces_the_earlier_file(tmp_path):
    path = tmp_path / "net.onnx"
    path.write_bytes(b"an older file")
    net = ns.Network.from_shape([2, 2], activation="relu", seed=0)
    ns.to_onnx(net, str(path))  # a str path works as a Path does
    assert files_in(tmp_path) == ["net.onnx"]
    X = np.array([[1.0, -1.0], [0.5, 2.0]], dtype=np.float32)
    np.testing.assert_allclose(run(path, X, "float32"), net.predict(X), rtol=1e-6, atol=1e-7)


# -- bad input -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"dtype": "float16"}, "dtype must be 'float32' or 'float64'; got 'float16'"),
        ({"dtype": int}, "dtype must be 'float32' or 'float64'"),
        ({"dtype": None}, "dtype must be 'float32' or 'float64'; got None"),
        ({"dtype": "double precision"}, "dtype must be"),
        ({"opset": 14}, r"opset must be an int from 15 to \d+; got 14"),
        ({"opset": onnx.defs.onnx_opset_version() + 1}, "opset must be an int from 15"),
        ({"opset": True}, "got True"),
        ({"opset": "20"}, "got '20'"),
        ({"opset": 20.0}, "got 20.0"),
    ],
)
def test_bad_options_are_refused_by_name_before_anything_is_written(options, match, tmp_path):
    net = ns.Network.from_shape([2, 2, 1], seed=0)
    with pytest.raises(ns.ParameterError, match=match):
        ns.to_onnx(net, tmp_path / "net.onnx", **options)
    assert files_in(tmp_path) == []


def test_bad_networks_and_paths_are_refused_by_name(tmp_path):
    net = ns.Network.from_shape([2, 2, 1], seed=0)
    with pytest.raises(ns.ParameterError, match="exports a neurosim Network; got dict"):
        ns.to_onnx({"weights": []}, tmp_path / "net.onnx")
    cube = ns.Activation("cube_onnx_bad", lambda z: z**3, lambda z: 3 * z**2)
    own = ns.Network.from_shape([2, 2, 1], activation=cube, seed=0)
    with pytest.raises(ns.ParameterError, match="layer 'hidden1' uses 'cube_onnx_bad'"):
        ns.to_onnx(own, tmp_path / "net.onnx")
    missing = tmp_path / "no such folder" / "net.onnx"
    with pytest.raises(ns.ModelFileError, match=r"net\.onnx'.*folder '.*no such folder' does not exist"):
        ns.to_onnx(net, missing)
    with pytest.raises(
        ns.ModelFileError, match=r"it is a folder; expected a file name such as 'model\.onnx'"
    ):
        ns.to_onnx(net, tmp_path)
    with pytest.raises(ns.ParameterError, match="the path is empty"):
        ns.to_onnx(net, "")
    with pytest.raises(ns.ParameterError, match=r"must be a str or os\.PathLike"):
        ns.to_onnx(net, None)
    assert files_in(tmp_path) == []


def test_the_facade_loads_to_onnx_and_names_the_extra_when_a_package_is_missing(monkeypatch):
    assert ns.to_onnx is onnx_export.to_onnx
    monkeypatch.setitem(sys.modules, "onnxscript", None)  # as if it were not installed
    monkeypatch.delitem(sys.modules, "neurosim.io.onnx_export")
    with pytest.raises(
        ns.MissingDependencyError, match=r'onnxscript is not installed: pip install "neurosim-learn\[onnx\]"'
    ):
        importlib.import_module("neurosim.io.onnx_export")
    with pytest.raises(ns.MissingDependencyError, match="to_onnx needs PyTorch, onnx and onnxscript"):
        getattr(ns, "to_onnx")  # noqa: B009 - the lazy attribute is what is tested
