"""The doctor as a whole: its report, its settings, how ``fit`` runs it, and the gradients it computes.

The checks of each code have their own files (``test_doctor_data``,
``test_doctor_pass``, ``test_doctor_nonfinite``, ``test_doctor_training``).
Here: ``Report`` (order, ``ok``, text, look-up), ``settings=`` changing
outcomes, ``fit(diagnose=...)`` adding the doctor or not and warning once
per code, the doctor leaving training's numbers and the neurons exactly as
they are without it (both engines), and ``pass_gradients`` agreeing with
the engines' backward pass on random networks.
"""

from __future__ import annotations

import importlib
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import COMBINATIONS, cases, network_settings

import neurosim as ns
from neurosim.diagnostics import Doctor, Finding, Report
from neurosim.diagnostics.backprop import pass_gradients

ENGINES = ["object", "compiled"]


def finding(code: str, severity: str, where: tuple[str, ...] = ()) -> Finding:
    return Finding(code, severity, where, {}, f"{code} found.", f"fix {code}")


def scaled_moons(n: int = 200) -> tuple[np.ndarray, np.ndarray]:
    X, y = ns.datasets.moons(n, noise=0.15, seed=0)
    return (X - X.mean(axis=0)) / X.std(axis=0), y


def one_dead_relu() -> ns.Network:
    """A 2-4-1 relu net whose hidden1[2] has z < 0 on every sample of scaled moons."""
    net = ns.Network.from_shape([2, 4, 1], activation="relu", output_activation="sigmoid", init="he", seed=0)
    net.blocks[0].weight[2] *= 0.1
    net["hidden1"].bias[2] = -5.0
    return net


def broken_relu_training(net: ns.Network | None = None, **options: object) -> ns.History:
    """Relu on unscaled moons with lr=50: dead neurons, a constant output, zero gradients, a rising loss."""
    X, y = ns.datasets.moons(200, noise=0.1, seed=0)
    net = net or ns.Network.from_shape([2, 8, 1], activation="relu", output_activation="sigmoid", seed=0)
    options = {"diagnose": {"look_every": 1}, **options}  # looks after epochs 1, 2, 4, 8, 16 and 20
    return net.fit(X, y, epochs=20, lr=50.0, loss="bce", seed=0, verbose=0, **options)


# ------------------------------------------------------------------ Report


def test_a_report_lists_errors_then_warnings_then_information():
    found = [
        finding("a", "info"),
        finding("b", "warning"),
        finding("c", "error"),
        finding("d", "warning"),
        finding("e", "error"),
    ]
    report = Report(found)
    assert report.codes == ["c", "e", "b", "d", "a"]  # by severity, in the order found within one
    assert [f.severity for f in report] == ["error", "error", "warning", "warning", "info"]
    assert len(report) == 5
    assert "b" in report and "z" not in report
    assert report["d"] is found[3]


@pytest.mark.parametrize(
    ("severities", "ok"),
    [
        ([], True),
        (["info"], True),
        (["info", "info"], True),
        (["info", "warning"], False),
        (["error"], False),
    ],
)
def test_a_report_is_ok_only_without_warnings_and_errors(severities, ok):
    assert Report([finding(f"code{i}", s) for i, s in enumerate(severities)]).ok is ok


def test_a_report_reads_as_text():
    report = Report([finding("dead-neurons", "info", ("hidden1[2]",)), finding("no-nonlinearity", "warning")])
    assert str(report) == (
        "2 findings: 1 warning, 1 info\n\n"
        "warning  no-nonlinearity\n  no-nonlinearity found.\n  try: fix no-nonlinearity\n\n"
        "info     dead-neurons  hidden1[2]\n  dead-neurons found.\n  try: fix dead-neurons"
    )
    assert str(Report()) == "no findings: nothing the doctor checks for looks wrong"


def test_a_finding_found_during_training_says_since_when_and_shortens_long_lists():
    names = tuple(f"hidden1[{i}]" for i in range(10))
    text = str(Finding("dead-neurons", "error", names, {}, "dead.", "relu less.", epoch=4))
    shown = ", ".join(names[:8])
    assert text.splitlines()[0] == f"error    dead-neurons (seen after epoch 4)  {shown} and 2 more"


def test_looking_up_a_code_the_report_lacks_says_what_it_has():
    report = Report([finding("dead-neurons", "warning"), finding("constant-output", "warning")])
    with pytest.raises(KeyError, match=r"no finding 'overfitting'; the report has \['dead-neurons', 'const"):
        report["overfitting"]
    with pytest.raises(KeyError, match="no finding 'overfitting'; the report has none"):
        Report()["overfitting"]


def test_a_real_report_is_ordered_most_severe_first():
    net = ns.Network.from_shape([2, 8, 1], activation="relu", output_activation="sigmoid", seed=0)
    broken_relu_training(net, diagnose=False)
    X, y = ns.datasets.moons(200, noise=0.1, seed=0)
    report = ns.diagnose(net, X, y, loss="bce")
    ranks = [("error", "warning", "info").index(f.severity) for f in report]
    assert len(report) >= 3 and ranks == sorted(ranks)
    assert not report.ok
    assert str(report).startswith(f"{len(report)} findings: ")


# ------------------------------------------------------------------ settings


def test_settings_change_a_threshold_and_so_the_outcome():
    X, y = scaled_moons()
    net = one_dead_relu()
    assert ns.diagnose(net, X, y, loss="bce")["dead-neurons"].severity == "info"  # 1 of 4 < 0.5
    assert ns.diagnose(net, X, y, loss="bce").ok
    stricter = ns.diagnose(net, X, y, loss="bce", settings={"dead_fraction": 0.25})
    assert stricter["dead-neurons"].severity == "warning"  # 1 of 4 >= 0.25
    assert not stricter.ok

    X_xor, y_xor = ns.datasets.xor()
    perceptron = ns.Network.from_shape([2, 1], seed=0)
    assert "no-nonlinearity" in ns.diagnose(perceptron, X_xor, y_xor, loss="bce")
    lenient = ns.diagnose(perceptron, X_xor, y_xor, loss="bce", settings={"linear_accuracy": 0.7})
    assert "no-nonlinearity" not in lenient  # 0.75 is enough now


def test_an_unknown_setting_is_refused_with_the_close_name():
    X, y = scaled_moons()
    with pytest.raises(
        ns.ParameterError, match=r"no threshold 'dead_fracton'; did you mean 'dead_fraction'\?"
    ):
        ns.diagnose(one_dead_relu(), X, y, loss="bce", settings={"dead_fracton": 0.25})


def test_fit_takes_the_doctors_thresholds_as_a_dict():
    X, y = scaled_moons()
    quiet = one_dead_relu().fit(X, y, epochs=1, lr=1e-3, loss="bce", verbose=0)
    assert quiet.diagnosis["dead-neurons"].severity == "info"
    with pytest.warns(ns.DiagnosisWarning, match=r"^dead-neurons: 1 relu neuron is dead") as record:
        history = one_dead_relu().fit(
            X, y, epochs=1, lr=1e-3, loss="bce", verbose=0, diagnose={"dead_fraction": 0.25}
        )
    assert len(record) == 1
    assert history.diagnosis["dead-neurons"].where == ("hidden1[2]",)


@pytest.mark.parametrize(
    ("diagnose", "message"),
    [
        ("yes", "diagnose must be True, False or a dict of the doctor's thresholds; got 'yes'"),
        (1, "diagnose must be True, False or a dict"),
        ({"dead_fracton": 0.25}, "did you mean 'dead_fraction'"),
    ],
)
def test_fit_refuses_a_bad_diagnose_before_training(diagnose, message):
    X, y = scaled_moons()
    net = one_dead_relu()
    before = {name: values.copy() for name, values in net.named_parameters()}
    with pytest.raises(ns.ParameterError, match=message):
        net.fit(X, y, epochs=3, lr=0.1, verbose=0, diagnose=diagnose)
    assert all(np.array_equal(values, before[name]) for name, values in net.named_parameters())


# ------------------------------------------------------------------ fit(diagnose=...)


@pytest.fixture
def callbacks_given_to_fit(monkeypatch):
    """The callbacks each ``net.fit`` passes on to the training loop."""
    training = importlib.import_module(
        "neurosim.training.fit"
    )  # the module: the package's fit is the function

    seen: list[list[object]] = []
    real_fit = training.fit

    def recording_fit(network, X, Y, **options):
        seen.append(list(options.get("callbacks", ())))
        return real_fit(network, X, Y, **options)

    monkeypatch.setattr(training, "fit", recording_fit)
    return seen


def test_diagnose_false_adds_no_doctor_and_warns_nothing(callbacks_given_to_fit):
    X, y = ns.datasets.xor()
    net = ns.Network.from_shape([2, 4, 1], activation="tanh", output_activation="sigmoid", init="constant")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = net.fit(X, y, epochs=20, lr=0.5, loss="bce", verbose=0, diagnose=False)
    assert caught == []
    assert history.diagnosis is None
    assert not any(isinstance(c, Doctor) for c in callbacks_given_to_fit[0])


def test_diagnose_true_adds_one_doctor_and_leaves_its_report(callbacks_given_to_fit):
    X, y = scaled_moons()
    history = one_dead_relu().fit(X, y, epochs=2, lr=0.1, loss="bce", verbose=0)
    doctors = [c for c in callbacks_given_to_fit[0] if isinstance(c, Doctor)]
    assert len(doctors) == 1
    assert isinstance(history.diagnosis, Report)
    assert history.diagnosis is doctors[0].report
    assert "dead-neurons" in history.diagnosis

    one_dead_relu().fit(X, y, epochs=1, lr=0.1, loss="bce", verbose=0, diagnose={"dead_fraction": 0.3})
    (doctor,) = [c for c in callbacks_given_to_fit[1] if isinstance(c, Doctor)]
    assert doctor.settings.dead_fraction == 0.3


def test_each_code_warns_once_per_fit():
    net = ns.Network.from_shape([2, 8, 1], activation="relu", output_activation="sigmoid", seed=0)
    for _ in range(2):  # a second fit warns again, once
        with pytest.warns(ns.DiagnosisWarning) as record:
            history = broken_relu_training(net)
        codes = [str(w.message).split(":")[0] for w in record]
        assert len(codes) == len(set(codes)), codes
        # the dead neurons were there at several looks (epochs 1, 2, 4, 8, 16, 20), warned of once
        assert "dead-neurons" in codes
        warned = {f.code for f in history.diagnosis if f.severity != "info"}
        assert warned <= set(codes)


# ------------------------------------------------------------------ the doctor changes nothing


def twins(**options: object):
    """Two runs of one training, with the doctor and without it."""
    runs = []
    for diagnose in ({"look_every": 1}, False):  # a look after epochs 1, 2, 4, 8, ...: the most it can do
        X, y = ns.datasets.moons(300, noise=0.15, seed=0)  # over 256 samples: the doctor picks a subset
        validation = ns.datasets.moons(50, noise=0.15, seed=1)
        net = ns.Network.from_shape([2, 8, 8, 1], activation="relu", output_activation="sigmoid", seed=3)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ns.DiagnosisWarning)
            history = net.fit(
                X, y, loss="bce", seed=5, verbose=0, validation_data=validation, diagnose=diagnose, **options
            )
        runs.append((net, history))
    return runs


@pytest.mark.parametrize("engine", ENGINES)
def test_the_doctor_leaves_the_trained_weights_exactly_as_without_it(engine):
    (doctored, with_doctor), (plain, without) = twins(
        epochs=11, lr=3.0, batch_size=32, momentum=0.5, engine=engine
    )
    assert with_doctor.diagnosis.findings  # it found things, and looked, along the way
    assert without.diagnosis is None
    for (name, values), (other, expected) in zip(
        doctored.named_parameters(), plain.named_parameters(), strict=True
    ):
        assert name == other and np.array_equal(values, expected), name
    assert with_doctor.loss == without.loss and with_doctor.val_loss == without.val_loss


@pytest.mark.parametrize("engine", ENGINES)
def test_the_doctors_looks_leave_the_neurons_values_and_gradients_as_fit_leaves_them(engine):
    (doctored, _), (plain, _) = twins(epochs=5, lr=0.5, batch_size=64, engine=engine)  # 5: a look at the end
    for neuron, twin in zip(doctored.neurons, plain.neurons, strict=True):
        for values in ("z_samples", "a_samples", "delta_samples"):
            mine, theirs = getattr(neuron, values), getattr(twin, values)
            assert (mine is None) == (theirs is None), (neuron.name, values)
            assert mine is None or np.array_equal(mine, theirs), (neuron.name, values)
    for (name, grads), (_, expected) in zip(doctored.named_gradients(), plain.named_gradients(), strict=True):
        assert np.array_equal(grads, expected), name


# ------------------------------------------------------------------ pass_gradients


@pytest.mark.parametrize(("hidden", "output", "loss"), COMBINATIONS)
@network_settings(max_examples=3)
@given(data=st.data())
def test_pass_gradients_equal_the_engines_gradients(data, hidden, output, loss):
    net, X, Y, _, skips = data.draw(cases(hidden, output, loss), label="case")
    loss_fn, X, T = net.prepare_batch(X, Y, loss)
    for engine in ENGINES:
        grads = pass_gradients(net, ns.engines.create(net, engine).activations(X), loss_fn, T)
        net.zero_grad()
        net.backward(X, T, loss)
        for block in net.blocks:
            assert np.allclose(grads[block], block.grad, rtol=1e-10, atol=1e-14), (engine, block.name, skips)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("sizes", "activation", "output", "loss"),
    [
        ([2, 5, 3], "tanh", "softmax", "cross_entropy"),
        ([3, 4, 4, 1], "relu", "sigmoid", "bce"),
        ([2, 6, 2], "sigmoid", "identity", "mse"),
        ([1, 3, 3, 3, 2], "leaky_relu", "softmax", "cross_entropy"),
    ],
)
def test_pass_gradients_with_a_skip_connection(engine, sizes, activation, output, loss):
    net = ns.Network.from_shape(sizes, activation=activation, output_activation=output, seed=1)
    net.connect("input", "output")  # every input also straight to every output
    rng = np.random.default_rng(2)
    X = rng.normal(size=(7, sizes[0]))
    Y = rng.integers(0, sizes[-1], 7) if loss == "cross_entropy" else rng.uniform(size=(7, sizes[-1]))
    if loss == "bce":
        Y = (Y > 0.5).astype(float)
    loss_fn, X, T = net.prepare_batch(X, Y, loss)
    values = ns.engines.create(net, engine).activations(X)
    grads = pass_gradients(net, values, loss_fn, T)
    net.backward(X, T, loss)
    assert len(grads) == len(net.blocks) == len(sizes)  # the neighbours' blocks and the skip
    for block in net.blocks:
        assert np.allclose(grads[block], block.grad, rtol=1e-10, atol=1e-14), block.name
    skip = next(block for block in net.blocks if block.source.is_input and block.target is net.output_layer)
    assert np.any(grads[skip] != 0)
