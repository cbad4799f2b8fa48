"""predict_classes, predict_proba, score and evaluate, the one class rule, and optimizer state on the objects.

Expected values come from arithmetic written out here, from a second
computation in the test (a sigmoid or softmax in numpy), from
scikit-learn's own models and metrics when it is installed, or from
``fit``'s records of the same data.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import neurosim as ns
from neurosim.training.tasks import infer_task

FIT = dict(verbose=0, diagnose=False)
ENGINES = ["object", "compiled"]


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def threshold_net(weight=1.0, bias=0.0):
    """One input, one sigmoid output: ``sigmoid(weight * x + bias)``."""
    net = ns.Network.from_shape([1, 1], init="constant", seed=0)
    net.synapse("input[0]", "output[0]").weight = weight
    net["output[0]"].bias = bias
    return net


#: a softmax layer over two inputs, with weights and biases chosen here (rows: classes)
SOFTMAX_W = np.array([[1.0, -2.0], [0.5, 0.5], [-1.0, 1.5]])
SOFTMAX_B = np.array([0.1, -0.2, 0.3])
SOFTMAX_X = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 2.0], [-1.0, -1.0], [1.0, 1.0]])


def softmax_net():
    return ns.Network.from_arrays([SOFTMAX_W], [SOFTMAX_B], "softmax", layout="out_in")


def trained_net(seed=0):
    """A 2-4-1 network trained a little on XOR, its gradients and neurons set by a last backward pass."""
    X, y = ns.datasets.xor()
    net = ns.Network.from_shape([2, 4, 1], activation="tanh", output_activation="sigmoid", seed=seed)
    net.fit(X, y, epochs=20, lr=0.5, loss="bce", **FIT)
    net.backward(X[:3], y[:3], loss="bce")
    return net


# ---------------------------------------------------------------- the rule


@pytest.mark.parametrize(
    ("outputs", "expected"),
    [
        ([[0.2], [0.5], [0.4999999], [0.9]], [0, 1, 0, 1]),  # one output: 0.5 is class 1
        ([[0.1, 0.7, 0.2], [0.6, 0.3, 0.1], [0.2, 0.2, 0.6]], [1, 0, 2]),
        ([[0.4, 0.4, 0.2], [0.3, 0.35, 0.35]], [0, 1]),  # equal largest: the first
        ([[2.0, -1.0]], [0]),  # any scores, not only probabilities
        ([[np.nan], [0.7]], [-1, 1]),  # NaN: no class
        ([[0.1, np.nan], [0.9, 0.1]], [-1, 0]),
    ],
)
def test_predicted_classes_by_hand(outputs, expected):
    assert ns.predicted_classes(np.array(outputs, dtype=float)).tolist() == expected


def test_predicted_classes_takes_lists_and_float32_and_gives_integers():
    got = ns.predicted_classes(np.array([[0.3, 0.7]], dtype=np.float32))
    assert got.dtype.kind == "i" and got.tolist() == [1]
    assert ns.predicted_classes([[0.6], [0.4]]).tolist() == [1, 0]


@pytest.mark.parametrize(
    ("outputs", "error", "words"),
    [
        (np.array([0.1, 0.9]), ns.ShapeError, "reshape(1, -1)"),
        (np.zeros((3, 0)), ns.ShapeError, "(3, 0)"),
        (np.zeros((2, 2, 2)), ns.ShapeError, "2-D"),
        ([["a"], ["b"]], ns.DataError, "outputs"),
    ],
)
def test_predicted_classes_refuses_what_is_not_a_batch_of_outputs(outputs, error, words):
    with pytest.raises(error, match="outputs") as raised:
        ns.predicted_classes(outputs)
    assert words in str(raised.value)


def test_metrics_re_exports_the_one_rule():
    from neurosim.training import metrics

    assert metrics.predicted_classes is ns.predicted_classes


def test_training_accuracy_counts_a_nan_output_wrong_whatever_the_target():
    from neurosim.training.metrics import CorrectCounter, accuracy

    outputs = np.array([[np.nan], [0.8], [np.nan], [0.2]])
    targets = np.array([[0.0], [1.0], [1.0], [0.0]])
    assert accuracy(outputs, targets) == 0.5
    assert CorrectCounter(targets)(outputs, np.arange(4)) == 2


# ---------------------------------------------------------------- predict_classes


@pytest.mark.parametrize("engine", ENGINES)
def test_predict_classes_of_one_sigmoid_output_by_hand(engine):
    # sigmoid(2x - 1) at x = 0, 0.5, 0.6, 3: 0.27, 0.5, 0.55, 0.99
    net = threshold_net(weight=2.0, bias=-1.0)
    got = net.predict_classes([[0.0], [0.5], [0.6], [3.0]], engine=engine)
    assert got.tolist() == [0, 1, 1, 1]


@pytest.mark.parametrize("engine", ENGINES)
def test_predict_classes_of_a_softmax_layer_is_the_largest_of_a_softmax_computed_here(engine):
    expected = softmax(SOFTMAX_X @ SOFTMAX_W.T + SOFTMAX_B).argmax(axis=1)
    got = softmax_net().predict_classes(SOFTMAX_X, engine=engine)
    assert got.tolist() == expected.tolist()
    assert len(set(expected.tolist())) == 3  # the samples reach every class


def test_predict_classes_gives_the_values_of_classes():
    net = threshold_net(weight=1.0)
    assert net.predict_classes([[-2.0], [2.0]], classes=[-1, 1]).tolist() == [-1, 1]
    names = softmax_net().predict_classes(SOFTMAX_X, classes=["cat", "dog", "owl"])
    indices = softmax_net().predict_classes(SOFTMAX_X)
    assert names.tolist() == [["cat", "dog", "owl"][i] for i in indices]


def test_a_network_trained_on_minus_one_and_one_through_a_task_predicts_them_back():
    X, _ = ns.datasets.xor()
    y = np.array([-1, 1, 1, -1])
    task = infer_task(y)
    net = ns.Network.from_shape(
        [2, 4, task.n_outputs], activation="tanh", output_activation=task.output_activation, seed=1
    )
    net.fit(
        X, task.targets(y), epochs=300, optimizer="adam", lr=0.1, loss=task.loss, engine="compiled", **FIT
    )
    assert net.predict_classes(X).tolist() == [0, 1, 1, 0]  # what fit trained on
    assert net.predict_classes(X, classes=task.classes).tolist() == y.tolist()
    assert net.score(X, y, classes=task.classes) == 1.0


@pytest.mark.parametrize(
    ("classes", "words"),
    [
        ([0, 1, 2], "2 distinct values"),
        ([1, 1], "distinct"),
        ([[0, 1]], "sequence"),
        (5, "got 5"),
    ],
)
def test_predict_classes_refuses_classes_that_do_not_fit_the_output_layer(classes, words):
    with pytest.raises(ns.ParameterError, match="classes") as raised:
        threshold_net().predict_classes([[0.0]], classes=classes)
    assert words in str(raised.value)


@pytest.mark.parametrize("method", ["predict_classes", "predict_proba"])
def test_a_regression_output_has_no_classes_nor_probabilities(method):
    net = ns.Network.from_shape([2, 3, 1], output_activation="identity", seed=0)
    before = net.state_dict()
    with pytest.raises(ns.ParameterError, match=f"{method} needs a classifier's output layer") as raised:
        getattr(net, method)([[0.0, 1.0]])
    assert "'identity'" in str(raised.value) and "output_activation='sigmoid'" in str(raised.value)
    assert all(np.array_equal(before[k], v) for k, v in net.state_dict().items())


@pytest.mark.parametrize("method", ["predict_classes", "predict_proba", "score", "evaluate"])
@pytest.mark.parametrize(
    ("X", "error", "words"),
    [
        ([0.0, 1.0], ns.ShapeError, "X.reshape(1, -1)"),
        ([[0.0, 1.0, 2.0]], ns.ShapeError, "3 columns"),
        ([[0.0, np.nan]], ns.DataError, "X"),
        ([["a", "b"]], ns.DataError, "X must be numeric"),
    ],
)
def test_every_method_refuses_bad_inputs_by_name(method, X, error, words):
    net = ns.Network.from_shape([2, 1], seed=0)
    arguments = (X,) if method.startswith("predict") else (X, [1])
    with pytest.raises(error) as raised:
        getattr(net, method)(*arguments)
    assert words in str(raised.value)


@pytest.mark.parametrize("method", ["predict_classes", "predict_proba", "score", "evaluate"])
def test_every_method_refuses_an_unknown_engine(method):
    net = ns.Network.from_shape([2, 1], seed=0)
    arguments = ([[0.0, 1.0]],) if method.startswith("predict") else ([[0.0, 1.0]], [1])
    with pytest.raises(ns.ParameterError, match="engine must be 'auto', 'object' or 'compiled'; got 'gpu'"):
        getattr(net, method)(*arguments, engine="gpu")


def test_auto_takes_the_object_engine_for_an_activation_that_runs_one_neuron_at_a_time():
    by_value = ns.Activation(
        "tanh_by_value",
        lambda z: np.array([math.tanh(v) for v in z]),
        lambda z: np.array([1 - math.tanh(v) ** 2 for v in z]),
    )
    net = ns.Network.from_shape([2, 3, 1], activation=by_value, output_activation="sigmoid", seed=0)
    X, y = ns.datasets.xor()
    hidden = np.tanh(X @ net.blocks[0].weight.T + net["hidden1"].bias)
    p = sigmoid(hidden @ net.blocks[1].weight.T + net["output"].bias)[:, 0]
    np.testing.assert_allclose(net.predict_proba(X), np.column_stack([1 - p, p]), rtol=1e-12)
    assert net.predict_classes(X).tolist() == (p >= 0.5).astype(int).tolist()
    assert net.score(X, y) == np.mean((p >= 0.5) == y)  # the compiled engine would fail on it


@pytest.mark.parametrize("method", ["predict_classes", "predict_proba", "score", "evaluate"])
def test_an_output_that_is_not_finite_is_refused_as_predict_refuses_it(method):
    # the hidden neurons overflow to +inf and -inf, and the output's weighted sum is inf - inf
    net = ns.Network.from_shape([1, 2, 1], activation="identity", output_activation="sigmoid", seed=0)
    net.synapse("input[0]", "hidden1[0]").weight = 1e300
    net.synapse("input[0]", "hidden1[1]").weight = -1e300
    arguments = ([[1e300]],) if method.startswith("predict") else ([[1e300]], [1])
    with pytest.raises(ns.DataError, match="cannot predict: output output\\[0\\] is nan"):
        getattr(net, method)(*arguments)


# ---------------------------------------------------------------- predict_proba


@pytest.mark.parametrize("engine", ENGINES)
def test_predict_proba_of_one_sigmoid_output_is_one_minus_p_then_p(engine):
    x = np.array([[-1.0], [0.0], [0.25], [4.0]])
    p = sigmoid(3.0 * x[:, 0] - 0.5)
    got = threshold_net(weight=3.0, bias=-0.5).predict_proba(x, engine=engine)
    np.testing.assert_allclose(got, np.column_stack([1 - p, p]), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("engine", ENGINES)
def test_predict_proba_of_a_softmax_layer_is_its_softmax(engine):
    got = softmax_net().predict_proba(SOFTMAX_X, engine=engine)
    np.testing.assert_allclose(got, softmax(SOFTMAX_X @ SOFTMAX_W.T + SOFTMAX_B), rtol=1e-12)
    np.testing.assert_allclose(got.sum(axis=1), 1.0, rtol=1e-12)
    got[0, 0] = 0.0  # the caller's own array, as scikit-learn's


def test_predict_proba_of_several_sigmoid_outputs_is_each_outputs_probability():
    net = ns.Network.from_arrays([SOFTMAX_W], [SOFTMAX_B], "sigmoid", layout="out_in")
    got = net.predict_proba(SOFTMAX_X)
    np.testing.assert_allclose(got, sigmoid(SOFTMAX_X @ SOFTMAX_W.T + SOFTMAX_B), rtol=1e-12)
    assert net.predict_classes(SOFTMAX_X).tolist() == got.argmax(axis=1).tolist()


def test_a_sigmoid_of_ones_own_declared_with_acts_as_is_a_classifier():
    own = ns.Activation("my_sigmoid", sigmoid, output_derivative=lambda a: a * (1 - a), acts_as="sigmoid")
    net = ns.Network.from_shape([1, 1], activation=own, init="constant", seed=0)
    net.synapse("input[0]", "output[0]").weight = 1.0
    np.testing.assert_allclose(net.predict_proba([[0.0]]), [[0.5, 0.5]], rtol=1e-12)


# ---------------------------------------------------------------- score


def test_score_of_a_classifier_is_its_accuracy_by_hand():
    # sigmoid(x): classes 0, 1, 1, 1 for x = -1, 0, 2, 5; labels 0, 0, 1, 0 -> 2 of 4 right
    assert threshold_net().score([[-1.0], [0.0], [2.0], [5.0]], [0, 0, 1, 0]) == 0.5


def test_score_of_a_regression_is_r2_by_hand():
    net = ns.Network.from_shape([1, 1], activation="identity", init="constant", seed=0)
    net.synapse("input[0]", "output[0]").weight = 2.0  # predicts 0, 2, 4
    # y = 0, 2, 5: residuals 0, 0, 1; mean 7/3, total (49 + 1 + 64) / 9 = 114 / 9
    assert net.score([[0.0], [1.0], [2.0]], [0.0, 2.0, 5.0]) == pytest.approx(1 - 9 / 114, rel=1e-14)


def test_score_of_a_regression_with_constant_targets_follows_scikit_learn():
    net = ns.Network.from_shape([1, 1], activation="identity", init="constant", seed=0)
    net["output[0]"].bias = 3.0  # predicts 3 everywhere
    assert net.score([[0.0], [1.0]], [3.0, 3.0]) == 1.0  # exact
    assert net.score([[0.0], [1.0]], [4.0, 4.0]) == 0.0  # not exact
    assert net.score([[0.0], [1.0]], [2.0, 4.0]) == 0.0  # predicting the mean


@pytest.mark.parametrize(
    ("y", "classes", "error", "words"),
    [
        ([0, 2], None, ns.DataError, "y has 2 at index 1, which is not a class index 0 to 1"),
        ([0, 0.5], None, ns.DataError, "y has 0.5 at index 1"),
        ([0, -1], None, ns.DataError, "y has -1 at index 1"),
        (["a", "c"], ["a", "b"], ns.DataError, "y has 'c' at index 1, which is not one of the classes a, b"),
        ([0, 1, 1], None, ns.ShapeError, "y has 3 samples but X has 2"),
        ([[1, 0], [0, 1]], None, ns.ShapeError, "ns.predicted_classes(Y)"),
    ],
)
def test_score_refuses_labels_that_are_not_the_classes(y, classes, error, words):
    with pytest.raises(error) as raised:
        threshold_net().score([[0.0], [1.0]], y, classes=classes)
    assert words in str(raised.value)


def test_score_of_a_regression_refuses_classes_and_a_single_sample():
    net = ns.Network.from_shape([1, 1], activation="identity", seed=0)
    with pytest.raises(ns.ParameterError, match="classes: output layer 'output' uses 'identity'"):
        net.score([[0.0], [1.0]], [0.0, 1.0], classes=[0, 1])
    with pytest.raises(ns.DataError, match="R\\^2 needs at least 2"):
        net.score([[0.0]], [1.0])
    with pytest.raises(ns.ShapeError, match="y has 3 columns"):
        net.score([[0.0], [1.0]], [[0.0, 1.0, 2.0], [0.0, 1.0, 2.0]])


# ---------------------------------------------------------------- against scikit-learn


def blobs(n_classes, seed):
    rng = np.random.default_rng(seed)
    centres = rng.normal(0.0, 1.0, (n_classes, 3))
    y = rng.integers(0, n_classes, 60)
    return centres[y] + rng.normal(0.0, 1.5, (60, 3)), y


@pytest.mark.parametrize("n_classes", [2, 4])
@pytest.mark.parametrize("engine", ENGINES)
def test_a_logistic_regression_copied_into_a_network_predicts_and_scores_as_scikit_learn(n_classes, engine):
    linear_model = pytest.importorskip("sklearn.linear_model")
    metrics = pytest.importorskip("sklearn.metrics")
    X, y = blobs(n_classes, seed=n_classes)
    model = linear_model.LogisticRegression(C=0.5).fit(X, y)
    activation = "sigmoid" if n_classes == 2 else "softmax"
    net = ns.Network.from_arrays([model.coef_], [model.intercept_], activation, layout="out_in")
    np.testing.assert_allclose(
        net.predict_proba(X, engine=engine), model.predict_proba(X), rtol=1e-10, atol=1e-14
    )
    assert net.predict_classes(X, engine=engine).tolist() == model.predict(X).tolist()
    assert net.score(X, y, engine=engine) == model.score(X, y)
    assert net.score(X, y, engine=engine) == metrics.accuracy_score(y, model.predict(X))
    assert 0.5 < model.score(X, y) < 1.0  # some right, some wrong: the comparison has something to compare


@pytest.mark.parametrize("n_outputs", [1, 2])
@pytest.mark.parametrize("engine", ENGINES)
def test_a_linear_regression_copied_into_a_network_scores_its_r2(n_outputs, engine):
    linear_model = pytest.importorskip("sklearn.linear_model")
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(n_outputs)
    X = rng.normal(size=(40, 3))
    Y = X @ rng.normal(size=(3, n_outputs)) + rng.normal(0.0, [0.5, 2.0][:n_outputs], (40, n_outputs))
    y = Y[:, 0] if n_outputs == 1 else Y
    model = linear_model.LinearRegression().fit(X, y)
    weights = model.coef_.reshape(n_outputs, 3)
    net = ns.Network.from_arrays([weights], [np.atleast_1d(model.intercept_)], "identity", layout="out_in")
    expected = metrics.r2_score(y, model.predict(X))
    assert net.score(X, y, engine=engine) == pytest.approx(expected, rel=1e-12)
    assert net.score(X, y, engine=engine) == pytest.approx(model.score(X, y), rel=1e-12)
    # and against held-out targets, where R^2 is no longer the fit's own
    X_new = rng.normal(size=(10, 3))
    y_new = y[:10] if n_outputs == 1 else Y[:10]
    expected_new = metrics.r2_score(y_new, model.predict(X_new))
    assert net.score(X_new, y_new, engine=engine) == pytest.approx(expected_new, rel=1e-10)
    assert expected_new < 0.5


# ---------------------------------------------------------------- evaluate


@pytest.mark.parametrize("engine", ENGINES)
def test_evaluate_by_hand(engine):
    # sigmoid(x) at x = -1, 0, 2 with targets 0, 0, 1: bce = log(1 + e^z) - t z
    terms = [math.log(1 + math.exp(-1.0)), math.log(2.0), math.log(1 + math.exp(2.0)) - 2.0]
    result = threshold_net().evaluate([[-1.0], [0.0], [2.0]], [0, 0, 1], loss="bce", engine=engine)
    assert result.keys() == {"loss", "accuracy"}
    assert result["loss"] == pytest.approx(sum(terms) / 3, rel=1e-14)
    assert result["accuracy"] == pytest.approx(2 / 3)


def test_evaluate_of_a_regression_has_the_loss_only():
    net = ns.Network.from_shape([1, 1], activation="identity", init="constant", seed=0)
    net.synapse("input[0]", "output[0]").weight = 2.0
    result = net.evaluate([[0.0], [1.0], [2.0]], [0.0, 2.5, 5.0], loss="mse")
    assert result == {"loss": pytest.approx((0 + 0.25 + 1) / 3, rel=1e-14)}


def test_evaluate_of_a_softmax_layer_against_a_cross_entropy_computed_here():
    y = np.array([0, 1, 2, 2, 1])
    probabilities = softmax(SOFTMAX_X @ SOFTMAX_W.T + SOFTMAX_B)
    expected_loss = -np.mean(np.log(probabilities[np.arange(5), y]))
    result = softmax_net().evaluate(SOFTMAX_X, y, loss="cross_entropy")
    assert result["loss"] == pytest.approx(expected_loss, rel=1e-13)
    assert result["accuracy"] == np.mean(probabilities.argmax(axis=1) == y)


@pytest.mark.parametrize("engine", ENGINES)
def test_evaluate_gives_what_fit_records_for_its_validation_data(engine):
    X, y = ns.datasets.moons(80, noise=0.2, seed=0)
    X_val, y_val = ns.datasets.moons(30, noise=0.2, seed=1)
    net = ns.Network.from_shape([2, 6, 1], activation="tanh", output_activation="sigmoid", seed=0)
    history = net.fit(X, y, epochs=3, lr=0.5, loss="bce", validation_data=(X_val, y_val), **FIT)
    result = net.evaluate(X_val, y_val, loss="bce", engine=engine)
    assert result["loss"] == pytest.approx(history.val_loss[-1], rel=1e-12)
    assert result["accuracy"] == history.val_accuracy[-1]


def test_evaluate_refuses_targets_and_losses_by_name():
    net = ns.Network.from_shape([2, 1], output_activation="identity", seed=0)
    with pytest.raises(ns.IncompatibleLossError, match="loss 'bce' needs a sigmoid output layer"):
        net.evaluate([[0.0, 1.0]], [1.0], loss="bce")
    with pytest.raises(ns.ShapeError, match="Y has 2 samples but X has 1"):
        net.evaluate([[0.0, 1.0]], [1.0, 0.0])
    with pytest.raises(ns.UnknownNameError, match="hinge"):
        net.evaluate([[0.0, 1.0]], [1.0], loss="hinge")


# ---------------------------------------------------------------- nothing touched


def snapshot(net):
    """Every weight, bias and gradient, and every neuron's z, a and delta, as copies."""
    arrays = {name: values.copy() for name, values in net.named_parameters()}
    arrays |= {f"grad {name}": grad.copy() for name, grad in net.named_gradients()}
    for neuron in net.neurons:
        for kind in ("z_samples", "a_samples", "delta_samples"):
            value = getattr(neuron, kind)
            arrays[f"{neuron.name}.{kind}"] = None if value is None else value.copy()
    return arrays


def assert_same(before, after):
    assert before.keys() == after.keys()
    for name, value in before.items():
        if value is None:
            assert after[name] is None, name
        else:
            assert np.array_equal(value, after[name]), name


@pytest.mark.parametrize("engine", ENGINES)
def test_no_method_touches_a_gradient_a_weight_or_a_neuron(engine):
    net = trained_net()
    assert any(s.grad != 0 for s in net.synapses) and net["hidden1[0]"].delta is not None
    before = snapshot(net)
    X = np.array([[0.2, 0.9], [1.0, 0.0], [0.5, 0.5], [0.0, 0.1], [1.0, 1.0]])  # another batch size
    y = np.array([1, 1, 0, 0, 0])
    net.predict_classes(X, engine=engine)
    net.predict_proba(X, engine=engine)
    net.score(X, y, engine=engine)
    net.evaluate(X, y, loss="bce", engine=engine)
    net.evaluate(X, y, loss="mse", engine=engine)
    assert_same(before, snapshot(net))


def test_a_compiled_engine_given_keeps_its_last_pass():
    net = trained_net()
    engine = net.compile()
    X, y = ns.datasets.xor()
    engine.backward(X[1:], y[1:], loss="bce")
    last = engine.last_pass()
    kept = {(kind, layer.name): getattr(last, kind)(layer).copy() for kind in "za" for layer in net.layers}
    deltas = last.delta("output").copy()
    before = snapshot(net)
    X_other = np.array([[0.3, 0.3], [0.7, 0.1]])
    net.evaluate(X_other, [0, 1], loss="bce", engine=engine)
    net.predict_proba(X_other, engine=engine)
    net.score(X_other, [0, 1], engine=engine)
    last = engine.last_pass()
    assert last.n_samples == 3
    for (kind, name), values in kept.items():
        assert np.array_equal(getattr(last, kind)(name), values)
    assert np.array_equal(last.delta("output"), deltas)
    assert_same(before, snapshot(net))


# ---------------------------------------------------------------- optimizer state on the objects

BETAS = (0.9, 0.999)
EPS = 1e-8


def adam_by_hand(w, b, X, Y, lr, steps):
    """Adam on ``y = w x + b`` with the mse loss, full batch, written out: the last m and v of w and b."""
    m, v = np.zeros(2), np.zeros(2)
    beta1, beta2 = BETAS
    for t in range(1, steps + 1):
        error = w * X + b - Y
        g = np.array([np.mean(2 * error * X), np.mean(2 * error)])
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        step = lr / (1 - beta1**t) * m / (np.sqrt(v) / math.sqrt(1 - beta2**t) + EPS)
        w, b = w - step[0], b - step[1]
    return {"m": m[0], "v": v[0]}, {"m": m[1], "v": v[1]}, (w, b)


@pytest.mark.parametrize("engine", ENGINES)
def test_adam_state_of_one_weight_and_one_bias_after_two_steps_by_hand(engine):
    X, Y = np.array([0.5, -1.0, 2.0]), np.array([1.0, 0.0, 3.0])
    net = ns.Network.from_shape([1, 1], activation="identity", init="constant", seed=0)
    synapse, neuron = net.synapse("input[0]", "output[0]"), net["output[0]"]
    synapse.weight, neuron.bias = 0.3, -0.2
    adam = ns.optim.Adam(lr=0.05, betas=BETAS, eps=EPS)
    net.fit(X[:, None], Y, epochs=2, optimizer=adam, loss="mse", engine=engine, **FIT)
    weight_state, bias_state, (w, b) = adam_by_hand(0.3, -0.2, X, Y, lr=0.05, steps=2)
    assert (synapse.weight, neuron.bias) == (pytest.approx(w, rel=1e-12), pytest.approx(b, rel=1e-12))
    assert synapse.optimizer_state.keys() == {"m", "v"}
    for name in ("m", "v"):
        assert synapse.optimizer_state[name] == pytest.approx(weight_state[name], rel=1e-12)
        assert neuron.bias_optimizer_state[name] == pytest.approx(bias_state[name], rel=1e-12)
    assert synapse.optimizer_state == adam.state_of(synapse)
    assert neuron.bias_optimizer_state == adam.state_of(neuron)
    assert net.optimizer is adam


def test_every_synapse_and_bias_shows_the_state_of_the_optimizer_that_trained_the_network():
    X, y = ns.datasets.xor()
    net = ns.Network.from_shape([2, 3, 1], seed=0)
    net.fit(X, y, epochs=4, optimizer="rmsprop", lr=0.01, **FIT)
    optimizer = net.optimizer
    assert isinstance(optimizer, ns.optim.RMSprop)
    for synapse in net.synapses:
        assert synapse.optimizer_state == optimizer.state_of(synapse) == optimizer.state_of(synapse.name)
        assert synapse.optimizer_state["square_avg"] > 0
    for neuron in net["hidden1"]:
        assert neuron.bias_optimizer_state == optimizer.state_of(f"{neuron.name}.bias")


def test_the_network_remembers_the_optimizer_that_trained_it_last():
    X, y = ns.datasets.xor()
    net = ns.Network.from_shape([2, 2, 1], seed=0)
    synapse = net.synapse("input[0]", "hidden1[1]")
    net.fit(X, y, epochs=2, optimizer="adam", **FIT)
    assert synapse.optimizer_state.keys() == {"m", "v"}
    momentum = ns.optim.SGD(lr=0.1, momentum=0.9)
    net.fit(X, y, epochs=1, optimizer=momentum, **FIT)
    # one full-batch step of SGD with momentum: the velocity is the gradient of that step
    grad = synapse.grad
    assert net.optimizer is momentum
    assert synapse.optimizer_state == {"velocity": pytest.approx(grad, rel=1e-12)}
    net.fit(X, y, epochs=1, optimizer="sgd", lr=0.1, **FIT)
    assert synapse.optimizer_state == {}  # plain SGD keeps nothing


def test_no_optimizer_state_before_training_on_inputs_without_bias_or_once_disconnected():
    net = ns.Network(seed=0)
    net.add_layer(2)
    net.add_layer(2, activation="tanh")
    net.add_layer(1, name="output", activation="sigmoid", bias=False)
    net.connect("input", "hidden1")
    net.connect("hidden1", "output")
    synapse = net.synapse("input[0]", "hidden1[0]")
    assert synapse.optimizer_state is None and net["hidden1[0]"].bias_optimizer_state is None
    X, y = ns.datasets.xor()
    net.fit(X, y, epochs=1, optimizer="adam", **FIT)
    assert net["input[0]"].bias_optimizer_state is None
    assert net["output[0]"].bias_optimizer_state is None
    assert net["hidden1[0]"].bias_optimizer_state.keys() == {"m", "v"}
    net.disconnect("input[0]", "hidden1[0]")
    assert synapse.optimizer_state is None


def test_an_optimizer_made_for_a_network_is_remembered_at_once_with_zero_state():
    net = ns.Network.from_shape([2, 1], seed=0)
    adam = ns.optim.Adam(net, lr=0.1)
    assert net.optimizer is adam
    assert net.synapses[0].optimizer_state == {"m": 0.0, "v": 0.0}


def test_an_optimizer_refused_for_a_second_network_leaves_that_network_without_one():
    first, second = ns.Network.from_shape([2, 1], seed=0), ns.Network.from_shape([2, 1], seed=1)
    adam = ns.optim.Adam(first)
    with pytest.raises(ns.ParameterError, match="already trains another network"):
        adam.bind(second)
    assert second.optimizer is None and first.optimizer is adam
