"""``neurosim.training.tasks``: the task, output layer and loss chosen from the targets, and every refusal."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neurosim as ns
from neurosim.training.tasks import TargetError, check_loss_fits_output, class_values, infer_task

# ------------------------------------------------------------------------------------ what is chosen


def test_two_classes_get_one_sigmoid_output_and_bce():
    task = ns.training.infer_task(np.array([0, 1, 1, 0]))
    assert task.kind == "classification"
    assert task.classes.tolist() == [0.0, 1.0]
    assert (task.output_activation, task.loss, task.n_outputs) == ("sigmoid", "bce", 1)
    assert task.targets([0, 1, 1, 0]).tolist() == [[0.0], [1.0], [1.0], [0.0]]


def test_three_classes_get_a_softmax_output_per_class_and_cross_entropy():
    task = infer_task([2, 0, 1, 1])
    assert task.kind == "classification"
    assert (task.output_activation, task.loss, task.n_outputs) == ("softmax", "cross_entropy", 3)
    assert task.targets([2, 0, 1]).tolist() == [[0, 0, 1], [1, 0, 0], [0, 1, 0]]


def test_class_values_that_are_not_0_to_k_are_numbered_in_sorted_order():
    y = [10, 3, 7, 3, 10]
    task = infer_task(y)
    assert task.classes.tolist() == [3.0, 7.0, 10.0]
    assert task.labels(y).tolist() == [2, 0, 1, 0, 2]
    assert task.targets([7]).tolist() == [[0, 1, 0]]


def test_two_class_values_that_are_not_0_and_1_become_targets_0_and_1():
    task = infer_task([-1, 1, 1])
    assert task.targets([1, -1, 1]).tolist() == [[1.0], [0.0], [1.0]]


def test_fractional_targets_are_regression_with_an_identity_output_and_mse():
    y = [0.5, 2.25, -1.0]
    task = infer_task(y)
    assert (task.kind, task.classes) == ("regression", None)
    assert (task.output_activation, task.loss, task.n_outputs) == ("identity", "mse", 1)
    assert task.targets(y).tolist() == [[0.5], [2.25], [-1.0]]


def test_more_than_max_classes_whole_numbers_are_regression_unless_told_otherwise():
    y = np.arange(ns.training.tasks.MAX_CLASSES + 1)
    assert infer_task(y).kind == "regression"
    told = infer_task(y, task="classification")
    assert (told.kind, told.n_outputs, told.output_activation) == ("classification", 21, "softmax")


def test_a_few_whole_numbers_can_be_learned_as_regression():
    task = infer_task([1, 2, 1], task="regression")
    assert (task.kind, task.output_activation, task.loss) == ("regression", "identity", "mse")


@pytest.mark.parametrize(
    ("y", "options", "expected"),
    [
        # the loss given: the output layer is chosen to fit it
        ([0, 1, 0], {"loss": "mse"}, ("sigmoid", "mse", 1)),
        ([0, 1, 2], {"loss": "mse"}, ("sigmoid", "mse", 3)),
        ([0, 1, 0], {"loss": "cross_entropy"}, ("softmax", "cross_entropy", 2)),
        ([0.2, 0.9, 0.4], {"loss": "bce"}, ("sigmoid", "bce", 1)),
        # the output layer given: the loss is chosen to fit it
        ([0, 1, 0], {"output_activation": "softmax"}, ("softmax", "cross_entropy", 2)),
        ([0, 1, 2], {"output_activation": "sigmoid"}, ("sigmoid", "bce", 3)),
        ([0, 1, 0], {"output_activation": "tanh"}, ("tanh", "mse", 1)),
        ([0.5, 3.0], {"output_activation": "relu"}, ("relu", "mse", 1)),
        # both given, fitting each other
        ([0, 1, 2], {"output_activation": "tanh", "loss": "mse"}, ("tanh", "mse", 3)),
    ],
)
def test_a_choice_given_decides_the_other(y, options, expected):
    task = infer_task(y, **options)
    assert (task.output_activation, task.loss, task.n_outputs) == expected


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(-5, 5), min_size=2, max_size=30).filter(lambda y: len(set(y)) > 1))
def test_labels_point_back_at_the_class_values_and_targets_at_the_labels(y):
    task = infer_task(y)
    labels = task.labels(y)
    assert task.classes[labels].tolist() == [float(value) for value in y]
    targets = task.targets(y)
    assert targets.shape == (len(y), task.n_outputs)
    assert (targets.argmax(axis=1) if task.n_outputs > 1 else targets[:, 0]).tolist() == labels.tolist()


def test_class_values_are_whole_numbers_with_2_to_20_distinct_values():
    assert class_values([5, -1, 5, 2]).tolist() == [-1.0, 2.0, 5.0]
    assert class_values([1.0, 1.5]) is None
    assert class_values([3, 3, 3]) is None
    assert class_values(np.arange(21)) is None
    assert len(class_values(np.arange(20))) == 20


# ------------------------------------------------------------------------------------------ refusals


def test_bce_with_targets_outside_0_to_1_is_refused_naming_the_value_and_its_index():
    with pytest.raises(TargetError) as info:
        infer_task([0.2, 0.5, 1.5, -0.3], loss="bce")
    assert str(info.value) == (
        "loss='bce' needs targets from 0 to 1, but y has 1.5 at index 2; use loss='mse' for regression"
    )
    error = info.value
    assert (error.problem, error.argument, error.sample, error.value) == ("outside_0_1", "loss", 2, 1.5)
    assert isinstance(error, ns.DataError)


def test_cross_entropy_on_fractional_targets_is_refused_naming_the_first_fraction():
    with pytest.raises(TargetError) as info:
        infer_task([1.0, 2.0, 3.7, 0.5], loss="cross_entropy")
    assert str(info.value) == (
        "loss='cross_entropy' needs class labels, but y is not a few distinct whole numbers "
        "(it has 3.7 at index 2); use loss='mse' for regression"
    )
    assert (info.value.problem, info.value.argument, info.value.sample) == ("not_labels", "loss", 2)


def test_classification_of_fractional_targets_is_refused_naming_the_first_fraction():
    with pytest.raises(TargetError) as info:
        infer_task([1.0, 0.25, 3.5], task="classification")
    assert str(info.value) == (
        "task='classification' needs class labels (whole numbers) in y; y has 0.25 at index 1"
    )
    assert (info.value.problem, info.value.argument, info.value.value) == ("not_labels", "task", 0.25)


@pytest.mark.parametrize(
    ("loss", "output", "needed"),
    [("bce", "relu", "sigmoid"), ("bce", "softmax", "sigmoid"), ("cross_entropy", "sigmoid", "softmax")],
)
def test_a_loss_that_cannot_follow_the_output_layer_is_refused(loss, output, needed):
    message = (
        f"loss='{loss}' needs output_activation='{needed}', not '{output}'; "
        "leave out either and it is chosen to fit the other"
    )
    with pytest.raises(ns.IncompatibleLossError) as info:
        infer_task([0, 1, 0], loss=loss, output_activation=output)
    assert str(info.value) == message
    with pytest.raises(ns.IncompatibleLossError):
        check_loss_fits_output(loss, output)


def test_mse_follows_any_output_layer_and_one_choice_alone_always_fits():
    for output in ("identity", "tanh", "relu", "sigmoid", "softmax"):
        check_loss_fits_output("mse", output)
    check_loss_fits_output("bce", None)
    check_loss_fits_output(None, "relu")


@pytest.mark.parametrize("task", [None, "classification", "regression"])
def test_a_constant_target_is_refused_whatever_the_task(task):
    with pytest.raises(TargetError) as info:
        infer_task([2, 2, 2], task=task)
    assert str(info.value) == "y is 2 in all 3 samples, so there is nothing to learn"
    assert (info.value.problem, info.value.value, info.value.argument) == ("constant", 2.0, None)


def test_a_single_sample_is_refused():
    with pytest.raises(TargetError, match=r"^y has only 1 sample; training needs at least 2$") as info:
        infer_task([1.0])
    assert info.value.problem == "too_few_samples"


@pytest.mark.parametrize(
    ("y", "options", "error", "message"),
    [
        (
            [0, 1],
            {"task": "clustering"},
            ns.ParameterError,
            "task must be 'classification', 'regression' or None",
        ),
        ([0, 1], {"loss": "hinge"}, ns.UnknownNameError, "unknown loss 'hinge'"),
        ([0, 1], {"output_activation": "swish"}, ns.UnknownNameError, "unknown activation 'swish'"),
        ([[0], [1]], {}, ns.ShapeError, r"y must be a 1-D array .* got shape \(2, 1\) \(use y.ravel\(\)"),
        ([0, np.nan, 1], {}, ns.DataError, "y contains nan at index 1"),
        (["a", "b"], {}, ns.DataError, "y must be numeric"),
    ],
)
def test_bad_arguments_are_refused_naming_them(y, options, error, message):
    with pytest.raises(error, match=message):
        infer_task(y, **options)


def test_labels_of_a_value_that_is_not_a_class_are_refused():
    task = infer_task([3, 7, 10])
    with pytest.raises(ns.DataError, match=r"^y has 8 at index 1, which is not one of the classes 3, 7, 10$"):
        task.labels([3, 8])
    with pytest.raises(ns.DataError, match="y has 11 at index 0"):
        task.labels([11])


def test_a_regression_task_has_no_labels():
    with pytest.raises(ns.ParameterError, match="this task is regression"):
        infer_task([0.5, 1.5]).labels([0.5])


@pytest.mark.parametrize(("argument", "value"), [("loss", "cross_entropy"), ("output_activation", "softmax")])
def test_a_choice_that_needs_classes_is_refused_for_targets_that_are_not(argument, value):
    with pytest.raises(
        TargetError, match=rf"{argument}='{value}' needs class labels, .* has 1.5 at index 1"
    ) as info:
        infer_task([0.0, 1.5, 2.5], **{argument: value})
    assert (info.value.problem, info.value.argument, info.value.sample) == ("not_labels", argument, 1)
    many = np.arange(30)  # whole numbers, but too many distinct values to be classes by themselves
    with pytest.raises(
        TargetError, match=r"y has 30 distinct values, more than the 20 taken as classes"
    ) as info:
        infer_task(many, **{argument: value})
    assert (info.value.problem, info.value.value, info.value.sample) == ("too_many_classes", 30.0, None)
    assert infer_task(many, task="classification", **{argument: value}).n_outputs == 30
    with pytest.raises(ns.ParameterError, match=rf"task='regression' cannot go with {argument}='{value}'"):
        infer_task([0, 1, 2], task="regression", **{argument: value})


def test_choices_must_be_names():
    with pytest.raises(ns.ParameterError, match="loss must be a name such as 'bce', or None; got Loss"):
        infer_task([0, 1], loss=ns.get_loss("bce"))
