"""Fuzzing the functions around the Network: data sets, initializers, activations, losses, diagnostics."""

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
)
from hypothesis import given
from hypothesis import strategies as st

import neurosim as ns
from neurosim import datasets, initializers

numbers = st.one_of(st.floats(-3, 3), scalars)
fractions = st.one_of(st.floats(0.05, 0.95), scalars)


@fuzz_settings(150)
@given(st.data())
def test_datasets(data):
    which = data.draw(st.sampled_from(["moons", "spiral", "split", "xor"]), label="data set")
    if which == "xor":
        X, y = attempt("datasets.xor", datasets.xor, [])
        assert X.shape == (4, 2) and y.tolist() == [0, 1, 1, 0]
        return
    if which == "moons":
        kwargs, culprit = data.draw(
            one_hostile(
                valid={"n_samples": st.integers(2, 50), "noise": st.floats(0, 1), "seed": st.integers(0, 9)},
                hostile={"n_samples": hostile_sizes, "noise": numbers, "seed": scalars},
            )
        )
        result = attempt("datasets.moons", lambda: datasets.moons(**kwargs), culprit or [])
    elif which == "spiral":
        kwargs, culprit = data.draw(
            one_hostile(
                valid={
                    "n_samples": st.integers(3, 50),
                    "classes": st.integers(2, 3),
                    "noise": st.floats(0, 1),
                    "turns": st.floats(0.1, 2),
                    "seed": st.integers(0, 9),
                },
                hostile={
                    "n_samples": hostile_sizes,
                    "classes": hostile_sizes,
                    "noise": numbers,
                    "turns": numbers,
                    "seed": scalars,
                },
            )
        )
        result = attempt("datasets.spiral", lambda: datasets.spiral(**kwargs), culprit or [])
    else:
        n = data.draw(st.integers(1, 6), label="samples")
        kwargs, culprit = data.draw(
            one_hostile(
                valid={
                    "X": good_arrays((n, 2)),
                    "y": good_arrays((n,)),
                    "test_fraction": st.floats(0.05, 0.95),
                    "seed": st.integers(0, 9),
                },
                hostile={
                    "X": hostile_arrays((n, 2)),
                    "y": hostile_arrays((n,)),
                    "test_fraction": fractions,
                    "seed": scalars,
                },
            )
        )
        # too few samples for the fraction is blamed on test_fraction, with the count
        culprits = [culprit, "test_fraction"] if culprit else ["X", "y", "test_fraction"]
        result = attempt("datasets.split", lambda: datasets.split(**kwargs), culprits)
        if result is not REFUSED:
            X_train, X_test, _, _ = result
            assert len(X_train) >= 1 and len(X_test) >= 1 and len(X_train) + len(X_test) == n
        return
    if result is not REFUSED:
        X, y = result
        assert X.shape == (kwargs["n_samples"], 2) and np.isfinite(X).all() and len(y) == len(X)


def returning(value):
    """A function of the shape of a draw or of an activation's input that returns ``value`` instead."""
    return lambda *args, **kwargs: value


@fuzz_settings(150)
@given(st.data())
def test_initializers(data):
    which = data.draw(st.sampled_from(["uniform", "normal", "constant", "named", "custom"]), label="which")
    if which == "uniform":
        low, high = data.draw(numbers, label="low"), data.draw(numbers, label="high")
        init = attempt("initializers.uniform", lambda: initializers.uniform(low, high), ["low", "high"])
    elif which == "normal":
        std = data.draw(numbers, label="std")
        init = attempt("initializers.normal", lambda: initializers.normal(std), "std")
    elif which == "constant":
        value = data.draw(numbers, label="value")
        init = attempt("initializers.constant", lambda: initializers.constant(value), "value")
    elif which == "named":
        spec = data.draw(
            st.one_of(st.sampled_from(["xavier", "he", "uniform"]), st.text(max_size=6), scalars)
        )
        init = attempt("get_initializer", lambda: ns.get_initializer(spec), ["init", repr(spec)[:20]])
    else:
        drawn = data.draw(st.one_of(good_arrays((3, 2)), hostile_arrays((3, 2))), label="custom draw")
        init = ns.Initializer("custom", returning(drawn))
    if init is REFUSED:
        return
    net = ns.Network(init=init, seed=0)
    net.add_layer(2)
    net.add_layer(3)
    made = attempt("connect with an initializer", lambda: net.connect("input", "hidden1"), "init", [net])
    if made is not REFUSED:
        assert np.isfinite(net.blocks[0].weight).all()


@fuzz_settings(150)
@given(st.data())
def test_activations(data):
    named = data.draw(st.one_of(st.sampled_from(["relu", "tanh"]), st.text(max_size=6), scalars))
    attempt("get_activation", lambda: ns.get_activation(named), ["activation", repr(named)[:20]])
    output = data.draw(
        st.one_of(good_arrays((2, 2)), hostile_arrays((2, 2)), st.sampled_from([None, np.nan])), label="f(z)"
    )
    slope = data.draw(st.one_of(good_arrays((2, 2)), hostile_arrays((2, 2))), label="f'(z)")
    check = data.draw(st.booleans(), label="check")

    def make():
        return ns.Activation("fuzzed", returning(output), returning(slope), check=check)

    activation = attempt("Activation", make, ["fuzzed"])
    if activation is REFUSED:
        return
    net = ns.Network.from_shape([2, 2, 2], activation=activation, output_activation="identity", seed=0)
    X = np.array([[0.5, -1.0], [1.0, 2.0]])
    out = attempt("forward through a custom activation", lambda: net.predict(X), ["fuzzed"], [net])
    if out is not REFUSED:
        assert np.isfinite(out).all()
    attempt(
        "backward through a custom activation", lambda: net.backward(X, np.zeros((2, 2))), ["fuzzed"], [net]
    )


@fuzz_settings(150)
@given(st.data())
def test_losses(data):
    spec = data.draw(
        st.one_of(st.sampled_from(["mse", "bce", "cross_entropy"]), st.text(max_size=6), scalars)
    )
    loss = attempt("get_loss", lambda: ns.get_loss(spec), ["loss", repr(spec)[:20]])
    if loss is REFUSED:
        return
    output = "softmax" if loss.name == "cross_entropy" else "sigmoid"
    net = ns.Network.from_shape([2, 2, 2], output_activation=output, seed=0)
    X = data.draw(st.one_of(good_arrays((3, 2)), hostile_arrays((3, 2))), label="X")
    Y = data.draw(
        st.one_of(
            good_arrays((3, 2), 0, 1), hostile_arrays((3, 2)), hostile_arrays((3,)), good_arrays((3,), 0, 1)
        ),
        label="Y",
    )
    value = attempt("loss through backward", lambda: net.backward(X, Y, loss=loss), ["X", "Y"], [net])
    if value is not REFUSED:
        assert np.isfinite(value) and value >= 0


@st.composite
def chain(draw) -> tuple[ns.Network, np.ndarray, np.ndarray]:
    """A 2-2-1 network of arrays, with three samples in rows."""
    W1, W2 = draw(good_arrays((2, 2), -1, 1)), draw(good_arrays((1, 2), -1, 1))
    net = ns.Network.from_arrays([W1, W2], [np.zeros(2), np.zeros(1)], ["tanh", "sigmoid"], layout="out_in")
    return net, draw(good_arrays((3, 2))), draw(good_arrays((3, 1), 0, 1))


@fuzz_settings(100)
@given(chain(), st.data())
def test_diagnose_and_gradient_check(case, data):
    net, X, Y = case
    kwargs, culprit = data.draw(
        one_hostile(
            valid={"X": st.just(X), "Y": st.just(Y), "loss": st.sampled_from(["mse", "bce"])},
            hostile={
                "X": hostile_arrays((3, 2)),
                "Y": hostile_arrays((3, 1)),
                "loss": st.one_of(st.text(max_size=6), scalars),
                "settings": st.one_of(scalars, st.dictionaries(st.text(max_size=6), numbers, max_size=2)),
            },
        )
    )
    culprits = [culprit] if culprit else []
    report = attempt("diagnose", lambda: ns.diagnose(net, **kwargs), culprits, [net])
    if report is not REFUSED:
        assert isinstance(report.findings, list)
    kwargs.pop("settings", None)
    options, option = data.draw(
        one_hostile(
            valid={},
            hostile={
                "step": numbers,
                "tolerance": numbers,
                "floor": numbers,
                "kink_margin": numbers,
                "grads": st.one_of(scalars, st.dictionaries(st.text(max_size=6), numbers, max_size=2)),
            },
        )
    )
    culprits = [c for c in (culprit, option) if c]
    checked = attempt("gradient_check", lambda: ns.gradient_check(net, **kwargs, **options), culprits, [net])
    if checked is not REFUSED and culprit is None and option is None:
        assert checked.ok


@fuzz_settings(100)
@given(chain(), st.data())
def test_compare_forward_and_gradients(case, data):
    net, X, Y = case
    hidden = np.tanh(X @ net.blocks[0].weight.T)
    output = 1 / (1 + np.exp(-(hidden @ net.blocks[1].weight.T)))
    culprit = data.draw(st.sampled_from([None, "X", "values", "samples", "tolerance"]), label="culprit")
    values = {"hidden1": hidden, "output": output}
    if culprit == "values":
        values = data.draw(
            st.one_of(
                scalars,
                st.fixed_dictionaries({"hidden1": hostile_arrays((3, 2)), "output": st.just(output)}),
                st.dictionaries(st.text(max_size=6), hostile_arrays((3, 2)), max_size=2),
            )
        )
    kwargs = {
        "samples": data.draw(scalars) if culprit == "samples" else "rows",
        "tolerance": data.draw(numbers) if culprit == "tolerance" else 1e-6,
    }
    given_X = data.draw(hostile_arrays((3, 2))) if culprit == "X" else X
    culprits = [culprit] if culprit else []
    verdict = attempt(
        "compare_forward", lambda: ns.compare_forward(net, given_X, values, **kwargs), culprits, [net]
    )
    if verdict is not REFUSED and culprit is None:
        assert verdict.first_difference is None
    grads = data.draw(
        st.one_of(
            st.just({}),
            scalars,
            st.dictionaries(st.sampled_from(["dW1", "db1", "W1", "b2"]), hostile_arrays((2, 2))),
        ),
        label="grads",
    )
    culprits = [culprit] if culprit in ("X", "samples", "tolerance") else ["grads"]
    attempt(
        "compare_gradients",
        lambda: ns.compare_gradients(net, given_X, Y, "mse", grads, **kwargs),
        [*culprits, "grads"],
        [net],
    )


@fuzz_settings(100)
@given(st.data())
def test_from_arrays(data):
    kwargs, culprit = data.draw(
        one_hostile(
            valid={
                "weights": st.tuples(good_arrays((3, 2)), good_arrays((1, 3))).map(list),
                "biases": st.one_of(st.none(), st.tuples(good_arrays((3,)), good_arrays((1,))).map(list)),
                "activations": st.sampled_from(["tanh", ["relu", "sigmoid"]]),
                "layout": st.sampled_from([None, "out_in"]),
            },
            hostile={
                "weights": st.one_of(scalars, st.lists(hostile_arrays((3, 2)), max_size=3)),
                "biases": st.one_of(scalars, st.lists(hostile_arrays((3,)), max_size=3)),
                "activations": st.one_of(
                    scalars, st.lists(st.one_of(st.text(max_size=5), scalars), max_size=3)
                ),
                "layout": st.one_of(st.text(max_size=6), scalars),
            },
        )
    )
    net = attempt("from_arrays", lambda: ns.Network.from_arrays(**kwargs), culprit or [])
    if net is not REFUSED:
        assert [layer.size for layer in net.layers] == [2, 3, 1]
