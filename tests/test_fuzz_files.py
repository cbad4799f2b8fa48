"""Fuzzing the model-file reader and save: a mutated or random file is loaded or refused by name."""

import json
import os
import tempfile

import numpy as np
from fuzz_support import REFUSED, attempt, fuzz_settings, scalars, snapshot
from hypothesis import given
from hypothesis import strategies as st

import neurosim as ns

json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(10**20), 10**20), st.floats(), st.text(max_size=6)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=10,
)


def paths_in(document, prefix=()):
    """Every path of keys and indices into a JSON document."""
    yield prefix
    if isinstance(document, dict):
        for key, value in document.items():
            yield from paths_in(value, (*prefix, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield from paths_in(value, (*prefix, index))


@st.composite
def mutated_models(draw) -> str:
    """A saved 2-3-1 model with one to three keys deleted, replaced, added or nested."""
    net = ns.Network.from_shape([2, 3, 1], seed=0)
    document = json.loads(json.dumps(_description(net)))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(list(paths_in(document))[1:]))
        *parents, last = path
        holder = document
        for key in parents:
            holder = holder[key]
        how = draw(st.sampled_from(["delete", "replace", "add", "nest"]))
        if how == "delete":
            del holder[last]
        elif how == "replace":
            holder[last] = draw(json_values)
        elif how == "nest":
            holder[last] = [holder[last]]
        elif isinstance(holder, dict):
            holder[draw(st.text(max_size=6))] = draw(json_values)
        else:
            holder.append(draw(json_values))
        if not list(paths_in(document))[1:]:
            break
    return json.dumps(document)


def _description(net):
    """The JSON document save writes, read back from a file."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.json")
        net.save(path)
        with open(path) as file:
            return json.load(file)


@fuzz_settings(200)
@given(st.one_of(mutated_models(), st.binary(max_size=64).map(lambda b: b.decode("latin-1"))))
def test_load_a_mutated_or_random_file(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("fuzz") / "model.json"
    path.write_text(text, encoding="utf-8", errors="surrogateescape")
    net = attempt("load", lambda: ns.load(path), ["model.json"])
    if net is not REFUSED:
        out = attempt("forward of a loaded model", lambda: net.predict(np.ones((1, 2))), ["output", "hidden"])
        assert out is REFUSED or np.isfinite(out).all()


names = st.one_of(
    st.text(min_size=1, max_size=12),
    st.sampled_from(["a" * 245 + ".json", "a" * 300, "x\0y", "", ".", "..", "sub/m.json", "no/m.json"]),
)


@fuzz_settings(150)
@given(names, st.one_of(st.none(), scalars))
def test_save_to_any_path(tmp_path_factory, name, odd):
    folder = tmp_path_factory.mktemp("save")
    net = ns.Network.from_shape([2, 2, 1], seed=0)
    before = snapshot(net)
    target = odd if odd is not None and not isinstance(odd, str) else folder / name
    saved = attempt("save", lambda: net.save(target), ["path", "save", "cannot"], [net])
    if saved is not REFUSED:
        loaded = ns.load(target)
        assert snapshot(loaded)[0] == before[0]
    leftovers = [entry for entry in os.listdir(folder) if entry.startswith(".")]
    assert not leftovers, f"save left {leftovers} behind"
