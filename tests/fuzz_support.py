"""The contract the fuzz tests hold every call to, and the hostile values they draw.

:func:`attempt` runs one call with every warning an error and checks that
it either succeeds or raises a ``NeurosimError`` whose message names the
argument to blame, with the networks it was given left exactly as they
were. Any other exception (a raw ``TypeError``, a numpy ``RuntimeWarning``)
escapes and fails the test.

The strategies draw one argument of a call from :func:`hostile` values and
the others from valid ones, so the argument to blame is known.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import neurosim as ns

#: what :func:`attempt` returns when the call raised a ``NeurosimError``
REFUSED = object()

#: how many calls the fuzz tests made, by entry point: [succeeded, refused]
CALLS: dict[str, list[int]] = {}


def fuzz_settings(max_examples: int) -> settings:
    """The same examples on every run, no deadline (one call may train a network)."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )


# ------------------------------------------------------------------ the contract


def structure(net: ns.Network) -> tuple:
    """The layers (name, size, activation, bias), the synapses and the dtype of ``net``."""
    layers = tuple(
        (layer.name, layer.size, layer.activation and layer.activation.name, layer.has_bias)
        for layer in net.layers
    )
    return layers, tuple(sorted(synapse.name for synapse in net.synapses)), str(net.dtype)


def snapshot(net: ns.Network) -> tuple:
    """Copies of everything a failed call must leave as it was."""
    return structure(net), {name: array.copy() for name, array in net.state_dict().items()}


def assert_unchanged(net: ns.Network, before: tuple, what: str) -> None:
    (layout, state), (layout_now, state_now) = before, snapshot(net)
    assert layout_now == layout, f"{what} changed the network's structure"
    assert state_now.keys() == state.keys(), f"{what} changed the network's parameter names"
    for name, array in state.items():
        assert np.array_equal(state_now[name], array, equal_nan=True), f"{what} changed {name}"


def attempt(
    entry: str,
    call: Callable[[], object],
    culprits: str | Iterable[str],
    networks: Iterable = (),
    *,
    allowed: tuple[type[Warning], ...] = (),
) -> object:
    """Run ``call``: its result, or :data:`REFUSED` after checking the ``NeurosimError`` it raised.

    ``culprits`` are the words the error must contain (one of them is
    enough); every network in ``networks`` must be unchanged after a
    refusal. Every warning is an error here, as in the rest of the suite,
    except the ``allowed`` categories (the warnings a call documents, such as
    fit's ``DiagnosisWarning``).
    """
    counts = CALLS.setdefault(entry, [0, 0])
    culprits = [culprits] if isinstance(culprits, str) else list(culprits)
    networks = list(networks)
    before = [snapshot(net) for net in networks]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for category in allowed:
            warnings.filterwarnings("ignore", category=category)
        try:
            result = call()
        except ns.NeurosimError as error:
            counts[1] += 1
            message = str(error)
            assert any(word in message for word in culprits), (
                f"{entry}: {type(error).__name__} does not name {culprits}: {message}"
            )
            for net, state in zip(networks, before, strict=True):
                assert_unchanged(net, state, f"{entry} (refused: {message})")
            return REFUSED
    counts[0] += 1
    return result


# ------------------------------------------------------------------ hostile values

SPECIAL_FLOATS = [0.0, -0.0, 1e308, -1e308, 5e-324, -5e-324, math.inf, -math.inf, math.nan, 1e39, -3.5e38]
HUGE_INTS = [2**63, -(2**63) - 1, 2**64, 10**20, 10**400, -(10**400)]
ODD_OBJECTS = [
    np.datetime64("2020-01-01"),
    np.timedelta64(1, "s"),
    np.longdouble("1e400") if np.finfo(np.longdouble).max > 1e400 else np.longdouble(1e300),
    np.float16(1.5),
    np.float32(3e38),
    np.int8(-3),
    np.uint64(2**64 - 1),
    np.bool_(True),
    np.complex64(1 + 1j),
    object(),
    [],
    {},
    (),
    [[]],
    Ellipsis,
    slice(1, 2),
    "1",
    "nan",
    b"1",
    "",
    "relu",
    "input",
    "output[0]",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.integers(-(2**70), 2**70),
    st.sampled_from(HUGE_INTS),
    st.floats(),
    st.sampled_from(SPECIAL_FLOATS),
    st.complex_numbers(),
    st.text(max_size=6),
    st.binary(max_size=4),
    st.sampled_from(ODD_OBJECTS),
)

DTYPES = [
    np.float64,
    np.float32,
    np.float16,
    np.longdouble,
    np.int64,
    np.int8,
    np.uint8,
    np.bool_,
    np.complex128,
    "datetime64[D]",
    "timedelta64[s]",
    "U3",
    "S3",
]


@st.composite
def odd_arrays(draw, shape: tuple[int, ...]) -> np.ndarray:
    """An array of ``shape`` of any dtype, with any values that dtype holds."""
    dtype = np.dtype(draw(st.sampled_from(DTYPES)))
    if dtype.kind == "f":
        elements = st.one_of(st.floats(width=min(64, dtype.itemsize * 8)), st.sampled_from([0.0, 1.0, -2.0]))
        array = draw(arrays(dtype, shape, elements=elements))
        if dtype == np.longdouble and array.size and draw(st.booleans()):
            array.flat[0] = np.longdouble(10) ** 400 if np.finfo(np.longdouble).max > 1e400 else 1e300
        return array
    return draw(arrays(dtype, shape))


@st.composite
def object_arrays(draw, shape: tuple[int, ...]) -> np.ndarray:
    array = np.empty(shape, dtype=object)
    for index in np.ndindex(*shape):
        array[index] = draw(st.one_of(st.floats(-2, 2), scalars))
    return array


@st.composite
def ragged(draw) -> list:
    """Nested lists of uneven lengths and depths."""
    leaf = st.one_of(st.floats(-2, 2), scalars)
    nested = st.recursive(st.lists(leaf, max_size=3), lambda inner: st.lists(inner, max_size=3), max_leaves=8)
    return draw(nested)


def good_arrays(shape: tuple[int, ...], low: float = -2.0, high: float = 2.0) -> st.SearchStrategy:
    return arrays(np.float64, shape, elements=st.floats(low, high))


@st.composite
def hostile_arrays(draw, shape: tuple[int, ...]) -> object:
    """Something given where an array of ``shape`` is meant: anything but a clean float array."""
    wrong_shape = st.tuples(*[st.integers(0, 4) for _ in range(draw(st.integers(0, 3)))])
    kind = draw(
        st.sampled_from(
            ["odd dtype", "objects", "ragged", "scalar", "wrong shape", "masked", "records", "big", "list"]
        )
    )
    if kind == "odd dtype":
        return draw(odd_arrays(shape))
    if kind == "objects":
        return draw(object_arrays(shape))
    if kind == "ragged":
        return draw(ragged())
    if kind == "scalar":
        return draw(scalars)
    if kind == "wrong shape":
        return draw(good_arrays(draw(wrong_shape)))
    if kind == "masked":
        data = draw(good_arrays(shape))
        return np.ma.array(data, mask=draw(arrays(np.bool_, shape)))
    if kind == "records":
        return np.zeros(shape, dtype=[("a", float), ("b", float)])
    if kind == "big":
        values = st.one_of(st.floats(allow_nan=True), st.sampled_from(SPECIAL_FLOATS))
        return draw(arrays(np.float64, shape, elements=values))
    return draw(good_arrays(shape)).tolist()


def sizes(low: int = 1, high: int = 4) -> st.SearchStrategy[int]:
    return st.integers(low, high)


hostile_sizes = st.one_of(
    st.integers(-3, 0),
    st.sampled_from([*HUGE_INTS, 10**9, 10**12]),
    st.floats(-2, 5),
    scalars,
)


@st.composite
def one_hostile(draw, valid: dict, hostile: dict) -> tuple[dict, str | None]:
    """Keyword arguments: all valid, or one (whose name is returned) drawn from its hostile values."""
    culprit = draw(st.sampled_from([None, *hostile]))
    kwargs = {name: draw(strategy) for name, strategy in valid.items() if name != culprit}
    if culprit is not None:
        kwargs[culprit] = draw(hostile[culprit])
    return kwargs, culprit
