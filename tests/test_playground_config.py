"""The playground's configuration: every field checked and named when wrong, and the address round trip."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest

import neurosim as ns
from neurosim.playground.config import Config, ConfigError, from_json, from_query
from neurosim.playground.upload import read_upload


def test_the_defaults_and_a_partial_object_make_a_config():
    config = from_json({"dataset": "moons", "lr": 0.3, "hidden": [5, 3, 2], "activations": ["relu"] * 3})
    assert (config.dataset, config.lr, config.hidden, config.activations) == (
        "moons",
        0.3,
        (5, 3, 2),
        ("relu", "relu", "relu"),
    )
    assert config.samples == Config().samples and config.optimizer == "sgd"
    assert from_json({}) == Config()


def test_the_query_string_writes_every_field_and_reads_back_the_same_config():
    config = Config(
        dataset="spiral", samples=300, noise=0.25, classes=3, test_ratio=0.3, hidden=(6, 1),
        activations=("leaky_relu", "sigmoid"), init="he", bias_init=-0.5, seed=7, lr=0.03,
        batch_size=16, optimizer="adam", l1=0.001, l2=0.01, grid=50, data_seed=11,
    )  # fmt: skip
    pairs = dict(parse_qsl(config.to_query(), keep_blank_values=True))
    assert pairs["hidden"] == "6,1" and pairs["activations"] == "leaky_relu,sigmoid"
    assert pairs["lr"] == "0.03" and pairs["optimizer"] == "adam" and pairs["bias_init"] == "-0.5"
    assert set(pairs) == set(Config().to_json())
    assert from_query(config.to_query()) == config
    assert from_query("?" + config.to_query()) == config


def test_no_hidden_layer_is_written_as_an_empty_list():
    config = Config(hidden=(), activations=())
    assert "hidden=&activations=&" in config.to_query()
    assert from_query(config.to_query()).hidden == ()


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"dataset": "mnist"}, "dataset", "expected one of: circles, xor"),
        ({"samples": 5}, "samples", "from 10 to 1000; got 5"),
        ({"samples": 10**9}, "samples", "from 10 to 1000"),
        ({"samples": 100.5}, "samples", "whole number"),
        ({"samples": True}, "samples", "whole number"),
        ({"noise": -0.1}, "noise", "from 0 to 1"),
        ({"noise": float("nan")}, "noise", "from 0 to 1"),
        ({"noise": "low"}, "noise", "got 'low'"),
        ({"noise": 10**400}, "noise", "from 0 to 1; got 1000000000"),  # too big for a float
        ({"lr": -(10**400)}, "lr", "from 0 to 10 (0 excluded)"),
        ({"samples": 10**5000}, "samples", "from 10 to 1000; got a whole number of more than 4,300 digits"),
        ({"classes": 7}, "classes", "from 2 to 6"),
        ({"test_ratio": 0.95}, "test_ratio", "from 0 to 0.9"),
        ({"hidden": [4] * 7, "activations": ["tanh"] * 7}, "hidden", "at most 6 hidden layers"),
        ({"hidden": [4, 0]}, "hidden[1]", "from 1 to 8; got 0"),
        ({"hidden": [4, 10**6]}, "hidden[1]", "from 1 to 8"),
        ({"hidden": "4,2"}, "hidden", "expected a list"),
        ({"hidden": [2, 2], "activations": ["tanh", "swish"]}, "activations[1]", "got 'swish'"),
        ({"hidden": [2, 2], "activations": ["tanh"]}, "activations", "one activation per hidden layer (2)"),
        ({"activations": ["tanh"] * 9}, "activations", "at most 6"),
        ({"init": "orthogonal"}, "init", "xavier, he"),
        ({"bias_init": 50}, "bias_init", "from -10 to 10"),
        ({"seed": -1}, "seed", "from 0 to"),
        ({"lr": 0}, "lr", "0 excluded"),
        ({"lr": 11}, "lr", "from 0 to 10"),
        ({"batch_size": 0}, "batch_size", "from 1 to 1000"),
        ({"optimizer": "lbfgs"}, "optimizer", "sgd, adam"),
        ({"l1": 2}, "l1", "from 0 to 1"),
        ({"l2": -1}, "l2", "from 0 to 1"),
        ({"grid": 100_000}, "grid", "from 10 to 80"),
        ({"learning_rate": 0.1}, "learning_rate", "unknown field"),
    ],
)
def test_each_bad_field_is_named_with_what_was_expected(values, field, words):
    with pytest.raises(ConfigError) as raised:
        from_json(values)
    assert raised.value.field == field
    assert str(raised.value).startswith(f"{field}: ") and words in str(raised.value)
    assert isinstance(raised.value, ns.ParameterError)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("lr=fast", "lr"),
        ("hidden=4,x", "hidden[1]"),
        ("lr=0.1&lr=0.2", "lr"),
        ("colour=red", "colour"),
        ("dataset=", "dataset"),
        ("samples=1e400", "samples"),
    ],
)
def test_a_bad_query_string_names_its_field(query, field):
    with pytest.raises(ConfigError) as raised:
        from_query(query)
    assert raised.value.field == field


def test_something_else_than_an_object_or_a_text_is_refused():
    with pytest.raises(ConfigError, match="config: expected a JSON object"):
        from_json([1, 2])
    with pytest.raises(ConfigError, match="query: expected the text"):
        from_query(12)


def test_a_layer_added_or_removed_alone_takes_the_activation_of_the_last_one():
    config = Config(hidden=(3, 3), activations=("relu", "sigmoid"))
    assert config.changed({"hidden": [3, 3, 5]}).activations == ("relu", "sigmoid", "sigmoid")
    assert config.changed({"hidden": [3]}).activations == ("relu",)
    assert config.changed({"hidden": []}).activations == ()
    assert Config(hidden=(), activations=()).changed({"hidden": [2]}).activations == ("tanh",)


def test_a_refused_change_leaves_the_config_as_it_was():
    config = Config(lr=0.2)
    with pytest.raises(ConfigError):
        config.changed({"lr": 0.5, "seed": "x"})
    assert config.lr == 0.2


# ------------------------------------------------------------------ uploads

GOOD = "x1,x2,label\n0,0,0\n0,1,1\n\n1,0,1\n1,1,0\n"


def test_an_upload_reads_its_numbers_skipping_the_header_and_blank_lines():
    upload = read_upload(GOOD, "gates.csv")
    assert upload.X.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert upload.y.tolist() == [0, 1, 1, 0] and upload.name == "gates.csv"
    assert read_upload("\ufeff" + GOOD.replace("\n", "\r\n"), "bom.csv").X.shape == (4, 2)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "is empty"),
        ("a,b,c\n", "0 rows of numbers; expected at least 4"),
        ("1,2\n3,4\n5,6\n7,8\n", "line 1 has 2 columns; expected 3"),
        ("1,2,0\n3,4,1\n5,6,0,9\n7,8,1\n", "line 3 has 4 columns"),
        ("1,2,0\n3,x,1\n5,6,0\n7,8,1\n", "line 2, column 2: 'x'; expected a number"),
        ("1,2,0\n3,,1\n5,6,0\n7,8,1\n", "line 2, column 2: the cell is empty"),
        ("1,2,0\n3,inf,1\n5,6,0\n7,8,1\n", "line 2, column 2: 'inf' is not a number from -1e+06 to 1e+06"),
        ("1,2,0\n3,4,0\n5,6,0\n7,8,0\n", "its label column (the last)"),
        ("1,2,0\n" * 2001 + "1,2,1\n", "has 2,002 rows; the playground reads at most 2,000"),
    ],
)
def test_a_bad_upload_is_refused_with_the_line_and_column(text, words):
    with pytest.raises(ConfigError) as raised:
        read_upload(text, "mine.csv")
    assert raised.value.field == "file" and "'mine.csv'" in str(raised.value)
    assert words in str(raised.value)


def test_a_first_row_with_no_finite_number_is_a_header_even_of_words_float_reads():
    upload = read_upload("nan,inf,label\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n", "words.csv")
    assert upload.X.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]] and upload.y.tolist() == [0, 1, 1, 0]
    # a first row with a finite number in it is data, and its word is refused where it stands
    with pytest.raises(ConfigError, match="line 1, column 1: 'nan' is not a number from"):
        read_upload("nan,2,0\n0,1,1\n1,0,1\n1,1,0\n", "data.csv")


def test_a_huge_cell_is_shown_shortened():
    cell = "9" * 5000  # float() reads it as inf
    with pytest.raises(ConfigError) as raised:
        read_upload(f"1,2,0\n3,{cell},1\n5,6,0\n7,8,1\n", "big.csv")
    message = str(raised.value)
    assert "line 2, column 2: '9999" in message and "5,002 characters" in message and len(message) < 200


def test_an_upload_too_long_or_not_text_is_refused_before_reading():
    with pytest.raises(ConfigError, match=r"text: 'big\.csv' has 200,001 characters"):
        read_upload("1" * 200_001, "big.csv")
    with pytest.raises(ConfigError, match="text: expected the file's text"):
        read_upload(b"1,2,3", "bytes.csv")
    with pytest.raises(ConfigError, match="name: expected the file's name"):
        read_upload(GOOD, 42)
