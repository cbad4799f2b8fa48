"""``from_torch`` on modules of your own, traced with torch.fx; ``to_torch`` with activations of your own."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neurosim as ns

torch = pytest.importorskip("torch", reason="the bridge to PyTorch needs PyTorch")
nn = torch.nn
F = torch.nn.functional

#: activations as people write them in a forward, each with the neurosim name it must come in as;
#: ``None`` applies none (the layer's sum is used as it is)
FORMS = {
    "Tanh module": ("module", "tanh"),
    "torch.relu": (torch.relu, "relu"),
    "x.sigmoid()": (lambda z: z.sigmoid(), "sigmoid"),
    "F.leaky_relu": (lambda z: F.leaky_relu(z, negative_slope=0.01), "leaky_relu"),
    "F.softplus": (F.softplus, "softplus"),
    "torch.softmax": (lambda z: torch.softmax(z, dim=1), "softmax"),
    "none": (None, "identity"),
}


class Wired(nn.Module):
    """A module of hand-wired Linear layers: layer ``i`` adds a Linear from each of its sources.

    ``layers`` lists ``(size, form name, source indices)``; index 0 is the input.
    """

    def __init__(self, n_inputs, layers, seed):
        super().__init__()
        torch.manual_seed(seed)
        sizes = [n_inputs] + [size for size, _, _ in layers]
        self.layers = layers
        self.tanh = nn.Tanh()
        self.linears = nn.ModuleDict()
        for i, (size, _, sources) in enumerate(layers, start=1):
            for source in sources:
                bias = (i + source) % 3 != 0  # some Linear layers without biases
                self.linears[f"{source}_{i}"] = nn.Linear(sizes[source], size, bias=bias).double()

    def forward(self, x):
        values = [x]
        for i, (_, form, sources) in enumerate(self.layers, start=1):
            total = self.linears[f"{sources[0]}_{i}"](values[sources[0]])
            for source in sources[1:]:
                total = total + self.linears[f"{source}_{i}"](values[source])
            function = self.tanh if form == "Tanh module" else FORMS[form][0]
            values.append(total if function is None else function(total))
        return values[-1]


@st.composite
def wired_modules(draw):
    n_inputs = draw(st.integers(1, 3), label="inputs")
    n_layers = draw(st.integers(1, 4), label="layers")
    layers = []
    for i in range(1, n_layers + 1):
        size = draw(st.integers(1, 4), label=f"layer {i} size")
        form = draw(st.sampled_from(sorted(FORMS)), label=f"layer {i} activation")
        # the previous layer always, and any earlier ones: skip connections
        skips = draw(st.lists(st.integers(0, i - 1), max_size=2), label=f"layer {i} skips")
        layers.append((size, form, sorted({i - 1, *skips})))
    return Wired(n_inputs, layers, draw(st.integers(0, 1000), label="seed")), n_inputs


@settings(max_examples=30, deadline=None, derandomize=True)
@given(wired_modules())
def test_a_module_with_skip_connections_comes_in_computing_the_same_outputs(case):
    module, n_inputs = case
    X = np.random.default_rng(0).normal(scale=2.0, size=(7, n_inputs))
    net = ns.from_torch(module, example_input=X[:1])
    expected = module(torch.from_numpy(X)).detach().numpy()
    np.testing.assert_allclose(net.predict(X), expected, rtol=1e-12, atol=1e-14)
    # one layer per torch layer, each with the activation written in forward, wired as the module is
    assert [layer.activation.name for layer in net.layers[1:]] == [
        FORMS[form][1] for _, form, _ in module.layers
    ]
    wiring = {(block.source.name, block.target.name) for block in net.blocks}
    names = [layer.name for layer in net.layers]
    assert wiring == {
        (names[s], names[i]) for i, (_, _, sources) in enumerate(module.layers, 1) for s in sources
    }


def test_two_linear_layers_from_one_source_add_into_one_block_and_the_biases_add():
    class Twice(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = nn.Linear(2, 1).double(), nn.Linear(2, 1).double()

        def forward(self, x):
            return self.a(x) + self.b(x)

    module = Twice()
    net = ns.from_torch(module)
    (block,) = net.blocks
    with torch.no_grad():
        np.testing.assert_array_equal(block.weight, (module.a.weight + module.b.weight).numpy())
        np.testing.assert_array_equal(net["output"].bias, (module.a.bias + module.b.bias).numpy())


def test_dropout_after_a_layer_becomes_its_dropout_and_eval_outputs_agree():
    torch.manual_seed(0)
    sequential = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Dropout(0.25), nn.Linear(8, 1), nn.Sigmoid())
    X = np.random.default_rng(1).normal(size=(5, 3))
    net = ns.from_torch(sequential, example_input=X)
    assert net["hidden1"].dropout == 0.25
    assert sequential.training  # example_input is checked in eval mode, and the mode is given back
    sequential.eval()
    expected = sequential(torch.from_numpy(X).float()).detach().double().numpy()
    np.testing.assert_allclose(net.predict(X), expected, rtol=1e-5, atol=1e-6)


def test_dropout_crosses_both_ways():
    net = ns.Network.from_shape([2, 50, 1], activation="tanh", output_activation="sigmoid", seed=3)
    net["hidden1"].dropout = 0.5
    module = ns.to_torch(net)
    x = torch.from_numpy(np.random.default_rng(0).normal(size=(4, 2)))
    torch.manual_seed(0)
    assert not torch.allclose(module(x), module.eval()(x))  # training mode drops, eval mode does not
    np.testing.assert_allclose(module(x).detach().numpy(), net.predict(x.numpy()), rtol=1e-12)
    assert ns.from_torch(module)["hidden1"].dropout == 0.5


def test_example_input_of_the_wrong_width_is_refused_naming_the_first_module():
    sequential = nn.Sequential(nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 1))
    with pytest.raises(ns.ShapeError, match=r"and dtype float64, but module '0' takes 4 inputs"):
        ns.from_torch(sequential, example_input=np.zeros((2, 3)))
    with pytest.raises(ns.ShapeError, match=r"shape \(4,\)"):
        ns.from_torch(sequential, example_input=np.zeros(4))
    net = ns.Network.from_shape([2, 2, 1], seed=0)
    with pytest.raises(ns.ShapeError, match="its first weight matrix takes 2 inputs"):
        ns.from_torch(ns.to_torch(net), example_input=torch.zeros(1, 5))


def test_a_module_whose_computation_is_not_read_whole_is_caught_by_example_input():
    class Scaled(nn.Module):  # multiplies after tracing: a constant neurosim cannot hold
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 1).double()

        def forward(self, x):
            return self.fc(x) * 2

    with pytest.raises(ns.ParameterError, match="calls mul"):
        ns.from_torch(Scaled(), example_input=np.ones((1, 2)))


@pytest.mark.parametrize(
    ("module", "message"),
    [
        (nn.Sequential(nn.Linear(2, 3), nn.GELU(), nn.Linear(3, 1)), r"module '1' \(GELU\) is not something"),
        (nn.Sequential(nn.Linear(2, 3), nn.Softmax(dim=0)), r"module '1' \(Softmax\(dim=0\)\) has settings"),
        (
            nn.Sequential(nn.Linear(2, 3), nn.LeakyReLU(0.2)),
            "has settings neurosim's activation does not have",
        ),
        (nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3)), r"module '1' \(BatchNorm1d, a normalisation\)"),
        (nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Tanh()), "applies tanh to the outputs of module '1'"),
        (nn.Sequential(nn.Tanh(), nn.Linear(2, 3)), "applies tanh to the network's input"),
        (nn.Sequential(nn.Dropout(0.1), nn.Linear(2, 3)), "drops out the network's input"),
        (nn.Sequential(nn.Identity()), "returns its input without any Linear layer"),
        (nn.GRU(2, 2), "got GRU, a recurrent layer"),
        (nn.ReLU(), "got ReLU"),
    ],
)
def test_what_neurosim_cannot_compute_is_refused_naming_the_module(module, message):
    with pytest.raises(ns.ParameterError, match=message):
        ns.from_torch(module)


def test_residuals_recurrent_layers_and_branching_forwards_are_refused_by_name():
    class Residual(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2)

        def forward(self, x):
            return x + torch.relu(self.fc(x))

    class Recurrent(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn, self.fc = nn.LSTM(2, 3), nn.Linear(3, 1)

        def forward(self, x):
            return self.fc(self.rnn(x)[0])

    class Branching(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 1)

        def forward(self, x):
            return self.fc(x) if x.sum() > 0 else -self.fc(x)

    with pytest.raises(ns.ParameterError, match="adds the outputs of a layer"):
        ns.from_torch(Residual())
    with pytest.raises(ns.ParameterError, match=r"module 'rnn' \(LSTM, a recurrent layer\)"):
        ns.from_torch(Recurrent())
    with pytest.raises(ns.ParameterError, match="could not trace Branching's forward"):
        ns.from_torch(Branching())
    with pytest.raises(ns.ParameterError, match=r"must be a torch\.nn\.Module; got ndarray"):
        ns.from_torch(np.zeros(2))


def cube(z):
    return z**3


def cube_slope(z):
    return 3 * z**2


def test_an_activation_of_your_own_crosses_with_its_torch_form_and_comes_back_as_itself():
    own = ns.Activation("cube_torch_form", cube, cube_slope)
    net = ns.Network.from_shape([2, 3, 1], activation=own, output_activation="sigmoid", seed=2)
    module = ns.to_torch(net, activations={"cube_torch_form": lambda z: z**3})
    X = np.random.default_rng(0).normal(size=(6, 2))
    outputs = module(torch.from_numpy(X))
    np.testing.assert_allclose(outputs.detach().numpy(), net.predict(X), rtol=1e-12)
    Y = np.random.default_rng(1).uniform(size=(6, 1))
    ((outputs - torch.from_numpy(Y)) ** 2).mean().backward()
    net.backward(X, Y, loss="mse")
    np.testing.assert_allclose(module.weights[0].grad.numpy(), net.blocks[0].grad, rtol=1e-10, atol=1e-14)
    back = ns.from_torch(module)
    assert back["hidden1"].activation is own


def test_a_torch_form_that_is_missing_wrong_or_unused_is_refused_with_the_evidence():
    own = ns.Activation("cube_torch_check", cube, cube_slope)
    net = ns.Network.from_shape([2, 3, 1], activation=own, output_activation="sigmoid", seed=2)
    with pytest.raises(ns.ParameterError, match=r"activations=\{'cube_torch_check': function\}"):
        ns.to_torch(net)
    with pytest.raises(ns.ParameterError, match=r"at z = -4 it gives -16 where -64 is expected"):
        ns.to_torch(net, activations={"cube_torch_check": lambda z: z**2 * z.sign() * 1.0})
    with pytest.raises(ns.ParameterError, match="names 'square', which no layer uses"):
        ns.to_torch(net, activations={"cube_torch_check": lambda z: z**3, "square": torch.square})
    with pytest.raises(ns.ParameterError, match="must be a function"):
        ns.to_torch(net, activations={"cube_torch_check": 3})


def test_a_registered_activation_of_your_own_is_not_taken_for_a_built_in():
    own = ns.register_activation(ns.Activation("cube_registered_torch", cube, cube_slope), overwrite=True)
    net = ns.Network.from_shape(
        [2, 2, 1], activation="cube_registered_torch", output_activation="sigmoid", seed=0
    )
    assert net["hidden1"].activation is own
    with pytest.raises(ns.ParameterError, match="layer 'hidden1' uses 'cube_registered_torch'"):
        ns.to_torch(net)


class InPlaceAlias(nn.Module):
    """The relu changes h in place, and the second Linear reads h after it: it sees the relu's output."""

    def __init__(self):
        super().__init__()
        self.a, self.o, self.o2 = nn.Linear(3, 4), nn.Linear(4, 2), nn.Linear(4, 2)

    def forward(self, x):
        h = self.a(x)
        r = F.relu(h, inplace=True)
        return self.o(r) + self.o2(h)


class AddedThroughAnAlias(nn.Module):
    """``h += ...`` changes g too, which torch.fx does not record."""

    def __init__(self):
        super().__init__()
        self.a, self.b, self.c = nn.Linear(3, 3), nn.Linear(3, 3), nn.Linear(3, 3)

    def forward(self, x):
        h = self.a(x)
        g = h
        h += self.b(x)
        return torch.tanh(self.c(torch.tanh(g)) + self.a(x))


def test_what_tracing_cannot_see_is_caught_by_running_the_module_never_imported_wrong():
    with pytest.raises(ns.ParameterError, match="changes its input in place"):
        ns.from_torch(InPlaceAlias().double())
    # the same in place but with nothing else reading the input is exact
    sequential = nn.Sequential(nn.Linear(3, 4), nn.ReLU(inplace=True), nn.Linear(4, 1)).double()
    X = np.random.default_rng(2).normal(size=(5, 3))
    np.testing.assert_allclose(
        ns.from_torch(sequential).predict(X), sequential(torch.from_numpy(X)).detach().numpy(), rtol=1e-12
    )
    with pytest.raises(ns.ParameterError, match="does not compute what the module computes on trial inputs"):
        ns.from_torch(AddedThroughAnAlias().double())
    hooked = nn.Sequential(nn.Linear(3, 2)).double()
    hooked[0].register_forward_hook(lambda module, inputs, output: output * 2)
    with pytest.raises(ns.ParameterError, match="a hook"):
        ns.from_torch(hooked)


def test_parameters_without_values_bad_keys_and_complex_inputs_are_refused_by_name():
    with pytest.raises(ns.ParameterError, match="meta device"):
        ns.from_torch(nn.Sequential(nn.Linear(2, 3)).to("meta"))
    net = ns.Network.from_shape([2, 2, 1], seed=0)
    with pytest.raises(ns.ParameterError, match=r"activation names \(str\)"):
        ns.to_torch(net, activations={1: None, "x": None})
    with pytest.raises(ns.ShapeError, match="real numbers"):
        ns.from_torch(nn.Sequential(nn.Linear(2, 1)), example_input=np.ones((1, 2), dtype=complex))
    with pytest.raises(ns.ParameterError, match="has settings neurosim's softmax does not have"):
        module = nn.Sequential(nn.Linear(2, 3)).double()

        class Softmax32(nn.Module):
            def __init__(self):
                super().__init__()
                self.inner = module

            def forward(self, x):
                return F.softmax(self.inner(x), dim=1, dtype=torch.float32)

        ns.from_torch(Softmax32())


def test_a_half_precision_to_torch_module_comes_back_and_dropout_through_an_identity_is_refused():
    net = ns.Network.from_shape([2, 3, 1], activation="tanh", output_activation="sigmoid", seed=0)
    back = ns.from_torch(ns.to_torch(net).bfloat16())
    np.testing.assert_allclose(back.predict(np.ones((1, 2))), net.predict(np.ones((1, 2))), atol=0.02)

    class DropoutAside(nn.Module):
        def __init__(self):
            super().__init__()
            self.i, self.a = nn.Linear(2, 3), nn.Linear(2, 3)
            self.same, self.drop, self.o, self.o2 = (
                nn.Identity(),
                nn.Dropout(0.3),
                nn.Linear(3, 1),
                nn.Linear(3, 1),
            )

        def forward(self, x):
            h = torch.tanh(self.i(x))
            return self.o(self.drop(self.same(h))) + self.o2(h)

    with pytest.raises(ns.ParameterError, match="used both with and without the dropout"):
        ns.from_torch(DropoutAside())
