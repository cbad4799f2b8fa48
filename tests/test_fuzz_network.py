"""Fuzzing the Network's methods: each call succeeds, or is refused by name with the network unchanged."""

import numpy as np
from fuzz_support import (
    REFUSED,
    attempt,
    fuzz_settings,
    good_arrays,
    hostile_arrays,
    hostile_sizes,
    one_hostile,
    scalars,
    sizes,
)
from hypothesis import given
from hypothesis import strategies as st

import neurosim as ns
from neurosim.limits import MAX_EPOCHS

ACTIVATIONS = ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "softplus", "step", "softmax"]
NAMES = ["input", "hidden1", "output", "input[0]", "input[1]", "hidden1[0]", "hidden1[2]", "output[0]"]


@st.composite
def networks(draw) -> ns.Network:
    """A small layered network: 1-3 inputs, one hidden layer of 1-3, 1-2 outputs."""
    shape = [draw(sizes(1, 3)), draw(sizes(1, 3)), draw(sizes(1, 2))]
    return ns.Network.from_shape(
        shape,
        activation=draw(st.sampled_from(ACTIVATIONS[:-1])),
        output_activation=draw(st.sampled_from(["sigmoid", "identity", "tanh"])),
        seed=draw(st.integers(0, 9)),
    )


hostile_names = st.one_of(st.sampled_from(NAMES), st.text(max_size=12), scalars)


@fuzz_settings(250)
@given(st.data())
def test_from_shape(data):
    kwargs, culprit = data.draw(
        one_hostile(
            valid={
                "sizes": st.lists(sizes(), min_size=2, max_size=4),
                "activation": st.sampled_from(ACTIVATIONS),
                "output_activation": st.sampled_from([None, *ACTIVATIONS]),
                "seed": st.one_of(st.none(), st.integers(0, 2**32)),
                "bias": st.booleans(),
                "init": st.sampled_from(["xavier", "he", "uniform"]),
            },
            hostile={
                "sizes": st.one_of(st.lists(st.one_of(sizes(), hostile_sizes), max_size=4), scalars),
                "activation": st.one_of(st.text(max_size=8), scalars),
                "output_activation": st.one_of(st.text(max_size=8), scalars),
                "seed": scalars,
                "bias": scalars,
                "init": st.one_of(st.text(max_size=8), scalars),
            },
        )
    )
    sizes_given = kwargs.pop("sizes")
    net = attempt("from_shape", lambda: ns.Network.from_shape(sizes_given, **kwargs), culprit or [])
    if net is not REFUSED:
        assert [layer.size for layer in net.layers] == list(sizes_given)


@fuzz_settings(200)
@given(networks(), st.data())
def test_add_layer(net, data):
    kwargs, culprit = data.draw(
        one_hostile(
            valid={
                "size": sizes(),
                "name": st.one_of(st.none(), st.sampled_from(["extra", "more"])),
                "activation": st.sampled_from(ACTIVATIONS),
                "bias": st.booleans(),
            },
            hostile={
                "size": hostile_sizes,
                "name": hostile_names,
                "activation": st.one_of(st.text(max_size=8), scalars),
                "bias": scalars,
            },
        )
    )
    before = len(net.layers)
    layer = attempt("add_layer", lambda: net.add_layer(**kwargs), culprit or [], [net])
    if layer is not REFUSED:
        assert len(net.layers) == before + 1 and net.layers[-1] is layer


@fuzz_settings(200)
@given(networks(), st.data())
def test_connect_and_disconnect(net, data):
    # a skip connection, or one of the existing synapses removed then made again
    existing = [(synapse.source.name, synapse.target.name) for synapse in net.synapses]
    pairs = [("input[0]", "output[0]"), ("input", "output"), *existing]
    pair = data.draw(st.sampled_from(pairs), label="pair")
    if pair in existing and data.draw(st.booleans(), label="disconnect first"):
        net.disconnect(*pair)
    kwargs, culprit = data.draw(
        one_hostile(
            valid={
                "source": st.just(pair[0]),
                "target": st.just(pair[1]),
                "weight": st.one_of(st.none(), st.floats(-2, 2)),
            },
            hostile={
                "source": hostile_names,
                "target": hostile_names,
                "weight": st.one_of(scalars, hostile_arrays((2, 2))),
            },
        )
    )
    culprits = [culprit] if culprit else []
    culprits += ["synapse", "already", "cycle"]
    culprits += [repr(kwargs[key])[:20] for key in ("source", "target")]
    made = attempt("connect", lambda: net.connect(**kwargs), culprits, [net])
    if made is not REFUSED and kwargs["weight"] is not None:
        assert all(synapse.weight == kwargs["weight"] for synapse in made)
    source, target = kwargs["source"], kwargs["target"]
    attempt("disconnect", lambda: net.disconnect(source, target), culprits, [net])


def batch(net: ns.Network, data, name: str, n: int, width: int, valid=None) -> tuple[object, str | None]:
    """A clean batch of ``(n, width)``, or (one time in two) something hostile in its place."""
    if data.draw(st.booleans(), label=f"{name} hostile"):
        return data.draw(hostile_arrays((n, width)), label=name), name
    return data.draw(good_arrays((n, width)) if valid is None else valid, label=name), None


@fuzz_settings(200)
@given(networks(), st.data())
def test_forward_and_predict_on_both_engines(net, data):
    n_in = net.input_layer.size
    x, culprit = batch(net, data, "x", data.draw(st.integers(1, 3)), n_in)
    engine = data.draw(st.sampled_from(["object", "float64", "float32"]), label="engine")
    runner = net if engine == "object" else net.compile(dtype=engine)
    names = [culprit] if culprit else []
    out = attempt("forward", lambda: runner.forward(x), [*names, "output", "hidden"], [net])
    if out is not REFUSED:
        assert np.isfinite(out).all()
    X = x if culprit is None else data.draw(hostile_arrays((2, n_in)))
    predicted = attempt("predict", lambda: runner.predict(X), ["X", "output", "hidden"], [net])
    if predicted is not REFUSED:
        assert np.isfinite(predicted).all()


@fuzz_settings(150)
@given(networks(), st.data())
def test_backward(net, data):
    n, n_in, n_out = 3, net.input_layer.size, net.output_layer.size
    X, x_culprit = batch(net, data, "X", n, n_in)
    Y, y_culprit = batch(net, data, "Y", n, n_out, good_arrays((n, n_out), 0, 1))
    loss = data.draw(st.one_of(st.sampled_from(["mse", "bce", "cross_entropy"]), scalars), label="loss")
    culprits = [c for c in (x_culprit, y_culprit) if c] + ["loss", "output"]
    attempt("backward", lambda: net.backward(X, Y, loss=loss), culprits, [net])


@fuzz_settings(120)
@given(networks(), st.data())
def test_fit(net, data):
    n, n_in, n_out = 4, net.input_layer.size, net.output_layer.size
    X, x_culprit = batch(net, data, "X", n, n_in)
    Y, y_culprit = batch(net, data, "Y", n, n_out, good_arrays((n, n_out), 0, 1))
    kwargs, culprit = data.draw(
        one_hostile(
            valid={
                "epochs": st.integers(1, 2),
                "lr": st.floats(0.01, 0.5),
                "batch_size": st.one_of(st.none(), st.integers(1, 4)),
                "momentum": st.floats(0, 0.9),
                "shuffle": st.booleans(),
                "seed": st.one_of(st.none(), st.integers(0, 9)),
                "engine": st.sampled_from(["object", "compiled"]),
                "diagnose": st.booleans(),
            },
            hostile={
                # a valid number of epochs above 2 is not hostile, only long: leave those out
                "epochs": hostile_sizes.filter(lambda v: not (isinstance(v, int) and 2 < v <= MAX_EPOCHS)),
                "lr": scalars,
                "batch_size": hostile_sizes,
                "momentum": scalars,
                "shuffle": scalars,
                "seed": scalars,
                "engine": st.one_of(st.text(max_size=8), scalars),
                "loss": st.one_of(st.text(max_size=8), scalars),
                "verbose": scalars,
                "diagnose": scalars,
                "validation_data": st.one_of(scalars, st.tuples(hostile_arrays((2, n_in)), scalars)),
            },
        )
    )
    culprits = [c for c in (x_culprit, y_culprit, culprit) if c] + ["output"]
    # the doctor's findings and a divergence are warnings that fit documents
    documented = (ns.DiagnosisWarning, ns.DivergenceWarning)
    options = {"verbose": 0, **kwargs}
    history = attempt("fit", lambda: net.fit(X, Y, **options), culprits, [net], allowed=documented)
    if history is not REFUSED:
        # every epoch asked for (100 by default) is recorded, unless the loss stopped being finite in one
        epochs = kwargs.get("epochs", 100) if history.diverged_at is None else history.diverged_at - 1
        assert len(history.loss) == epochs


@fuzz_settings(100)
@given(networks(), st.one_of(st.sampled_from(["float32", "float64", np.float32, None]), scalars))
def test_compile(net, dtype):
    compiled = attempt("compile", lambda: net.compile(dtype=dtype), "dtype", [net])
    if compiled is not REFUSED:
        assert compiled.dtype in (np.float32, np.float64)


@fuzz_settings(200)
@given(networks(), st.data())
def test_parameter_assignments(net, data):
    layer = net.layers[1]
    value = data.draw(
        st.one_of(st.floats(-2, 2), scalars, hostile_arrays((layer.size,)), good_arrays((layer.size,))),
        label="value",
    )
    synapse = net.synapses[0]
    attempt("synapse.weight", lambda: setattr(synapse, "weight", value), ["weight", synapse.name], [net])
    neuron = layer[0]
    attempt("neuron.bias", lambda: setattr(neuron, "bias", value), ["bias", neuron.name], [net])
    attempt("layer.bias", lambda: setattr(layer, "bias", value), ["bias", layer.name], [net])
    block = net.blocks[0]
    if data.draw(st.booleans(), label="block-shaped value"):
        value = data.draw(st.one_of(good_arrays(block.weight.shape), hostile_arrays(block.weight.shape)))
    attempt("block.weight", lambda: setattr(block, "weight", value), ["weight", block.name], [net])
    compiled = net.compile()
    x = np.ones((1, net.input_layer.size))
    same = attempt("after assignment", lambda: (net.predict(x), compiled.predict(x)), ["output", "hidden"])
    if same is not REFUSED:
        np.testing.assert_allclose(*same, rtol=1e-12)


@fuzz_settings(150)
@given(networks(), st.data())
def test_load_state_dict(net, data):
    state = net.state_dict()
    name = data.draw(st.sampled_from([*state, "nonsense", "output.weight"]), label="name")
    shape = state.get(name, np.zeros((1,))).shape
    value = data.draw(st.one_of(hostile_arrays(shape), scalars, good_arrays(shape)), label="value")
    state[name] = value
    if data.draw(st.booleans(), label="drop one"):
        state.pop(data.draw(st.sampled_from(sorted(state))))
    strict = data.draw(st.one_of(st.booleans(), scalars), label="strict")
    attempt("load_state_dict", lambda: net.load_state_dict(state, strict=strict), ["state", "strict"], [net])
