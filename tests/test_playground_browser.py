"""The playground in a real browser: headless Chromium driven by Playwright, against a server in this process.

Skipped, with the reason, without Playwright for Python (``pip install
playwright``) or without Chromium (Debian: ``apt-get install chromium``;
``NEUROSIM_CHROMIUM`` names another executable). Set
``NEUROSIM_PLAYGROUND_SHOTS`` to a folder to keep screenshots of the pages.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

import numpy as np
import pytest

import neurosim as ns
from neurosim.playground.config import Config, from_query
from neurosim.playground.session import Session

sync_api = pytest.importorskip(
    "playwright.sync_api",
    reason="the browser tests drive Chromium with Playwright for Python: pip install playwright",
)

CHROMIUM = Path(os.environ.get("NEUROSIM_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = os.environ.get("NEUROSIM_PLAYGROUND_SHOTS")
XOR_TRUTH = [0, 1, 1, 0]
READY = "window.playground && window.playground.state !== null"


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install chromium, or name it in NEUROSIM_CHROMIUM")
    with sync_api.sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        except sync_api.Error as error:
            pytest.skip(f"Chromium at {CHROMIUM} did not start: {error}")
        yield launched
        launched.close()


@pytest.fixture
def context(browser):
    # Playwright's wait_for_function evaluates its text, which the page's policy forbids to the page's own
    # scripts; test_the_page_runs_under_its_content_security_policy runs the page with the policy
    opened = browser.new_context(viewport={"width": 1400, "height": 1000}, bypass_csp=True)
    yield opened
    opened.close()


def new_page(context):
    """A page that records its script errors in ``page.errors`` (answers of 400 are expected, not errors)."""
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            message.type == "error"
            and "status of 400" not in message.text
            and page.errors.append(message.text)
        ),
    )
    return page


@pytest.fixture
def page(context):
    opened = new_page(context)
    yield opened
    assert opened.errors == []


def open_page(page, server, query=""):
    """Load the playground with ``query``; return the page's session in the server."""
    page.goto(server.url + (f"?{query}" if query else ""))
    page.wait_for_function(READY)
    return server.sessions.get(page.evaluate("window.playground.session"))


def settle(page):
    """Wait until the page has no request in flight."""
    page.evaluate("() => window.playground.queue")


def shot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def pause(page):
    if page.evaluate("window.playground.playing"):
        page.click("#play")
    settle(page)


def test_xor_trains_until_the_decision_boundary_classifies_all_four_points(page, server, tmp_path):
    session = open_page(page, server, "dataset=xor&hidden=4&activations=tanh&lr=0.5&batch_size=4&seed=1")
    page.click("#play")
    page.wait_for_function(
        "window.playground.state.epoch > 0 && window.playground.state.data.train.every(p => p[3] === p[2])",
        timeout=30_000,
    )
    pause(page)
    # the picture itself: the cell of the boundary under each point is on its class's side of 0.5
    sides = page.evaluate(
        """() => {
            const state = window.playground.state, b = state.boundary, [x0, x1, y0, y1] = state.data.bounds;
            const values = Uint8Array.from(atob(b.values), (c) => c.charCodeAt(0));
            return state.data.train.map(([x, y]) => {
                const column = Math.floor((x - x0) / (x1 - x0) * b.size);
                const row = Math.floor((y1 - y) / (y1 - y0) * b.size);
                return values[row * b.size + column] > 127 ? 1 : 0;
            });
        }"""
    )
    assert sides == XOR_TRUTH
    X, _ = ns.datasets.xor()
    with session.lock:
        assert (session.net.predict(X)[:, 0] > 0.5).astype(int).tolist() == XOR_TRUTH
        assert page.evaluate("window.playground.state.epoch") == session.epoch > 0
    assert page.inner_text("#accuracy").startswith("100% train")
    with page.expect_download() as saving:
        page.click("#save")
    saving.value.save_as(tmp_path / "saved.json")
    with session.lock:
        np.testing.assert_array_equal(ns.load(tmp_path / "saved.json").predict(X), session.net.predict(X))
    page.click('.node[data-neuron="hidden1[0]"]')
    page.wait_for_selector("#neuron-view:not([hidden])")
    shot(page, "xor_trained")


def test_a_neurons_explanation_is_neuron_explain_of_the_same_network(page, server, tmp_path):
    session = open_page(page, server, "dataset=moons&samples=40&hidden=3&activations=tanh&seed=2")
    for epoch in (1, 2, 3):
        page.click("#step-epoch")
        page.wait_for_function(f"window.playground.state.epoch === {epoch}")
    page.click('.node[data-neuron="hidden1[1]"]')
    page.fill("#sample-index", "4")
    page.press("#sample-index", "Enter")
    page.locator("#sample-index").dispatch_event("change")
    settle(page)
    with session.lock:
        (tmp_path / "model.json").write_text(session.model_text())
        X, T = session.points.X_train[4:5], session.points.train_targets[4:5]
    copy = ns.load(tmp_path / "model.json")
    copy.backward(X, T, "bce")
    expected = str(copy["hidden1[1]"].explain())
    page.wait_for_function(
        "(text) => document.getElementById('explain-text').textContent === text", arg=expected
    )
    assert expected.startswith("hidden1[1] (tanh), one sample") and "gradients" in expected


def choose_sample(page, split, index):
    page.select_option("#sample-split", split)
    page.fill("#sample-index", str(index))
    page.locator("#sample-index").dispatch_event("change")
    page.wait_for_function(
        "([split, index]) => document.getElementById('explain-text').textContent.startsWith('output[0]')"
        " && window.playground.sample.split === split && window.playground.sample.index === index",
        arg=[split, index],
    )
    settle(page)


def test_the_sample_shown_stays_one_the_new_points_have_when_the_points_change(page, server):
    open_page(page, server, "dataset=circles&samples=200&test_ratio=0.5")
    page.click('.node[data-neuron="output[0]"]')
    page.wait_for_selector("#neuron-view:not([hidden])")
    choose_sample(page, "train", 90)  # of the 100 training points
    page.click("#play")
    page.click('#datasets button[data-dataset="xor"]')  # 4 points
    page.wait_for_function(
        "!document.getElementById('banner').hidden || (window.playground.state.config.dataset === 'xor'"
        " && document.getElementById('sample-point').textContent.startsWith('x = (1.000, 1.000)'))"
    )
    assert page.is_hidden("#banner"), page.inner_text("#banner-text")
    assert page.evaluate("window.playground.playing")  # the change did not stop the play
    pause(page)
    assert page.evaluate("window.playground.sample") == {"split": "train", "index": 3}
    assert page.input_value("#sample-index") == "3"  # xor's last point, (1, 1)
    page.click('#datasets button[data-dataset="moons"]')
    page.wait_for_function("window.playground.state.config.dataset === 'moons'")
    settle(page)
    choose_sample(page, "test", 40)
    page.locator("#test_ratio").evaluate(
        "(slider) => { slider.value = '0'; slider.dispatchEvent(new Event('change')); }"
    )
    page.wait_for_function("window.playground.state.config.test_ratio === 0")
    settle(page)
    assert page.is_hidden("#banner"), page.inner_text("#banner-text")
    assert page.evaluate("window.playground.sample") == {"split": "train", "index": 40}
    assert page.input_value("#sample-split") == "train" and page.input_value("#sample-index") == "40"


def test_setting_a_synapses_weight_changes_the_output_to_the_value_computed_in_python(page, server):
    session = open_page(page, server, "dataset=xor&hidden=2&activations=tanh&seed=3")
    page.locator('path.hit[data-synapse="hidden1[0] -> output[0]"]').dispatch_event("click")
    page.wait_for_selector("#synapse-view:not([hidden])")
    page.fill("#weight-input", "-2.75")
    page.click("#set-weight")
    page.wait_for_function(
        """() => window.playground.state.network.synapses.some(
            (s) => s.source === "hidden1[0]" && s.target === "output[0]" && s.weight === -2.75)"""
    )
    settle(page)
    page.wait_for_function("document.getElementById('synapse-weight').textContent === '-2.7500'")
    with session.lock:
        net, x = session.net, session.points.X_train[0]
        w = {synapse.name: synapse.weight for synapse in net.synapses}
        hidden = [
            math.tanh(
                w[f"input[0] -> hidden1[{j}]"] * x[0]
                + w[f"input[1] -> hidden1[{j}]"] * x[1]
                + net[f"hidden1[{j}]"].bias
            )
            for j in range(2)
        ]
    assert w["hidden1[0] -> output[0]"] == -2.75
    z = -2.75 * hidden[0] + w["hidden1[1] -> output[0]"] * hidden[1] + net["output[0]"].bias
    expected = 1 / (1 + math.exp(-z))
    shot(page, "synapse")
    page.click('.node[data-neuron="output[0]"]')
    page.wait_for_function("document.getElementById('explain-text').textContent.startsWith('output[0]')")
    shown = re.search(r"a = sigmoid\(.*\) = ([-0-9.e]+)", page.inner_text("#explain-text"))
    assert float(shown.group(1)) == pytest.approx(expected, rel=1e-3)
    # and prune it
    page.locator('path.hit[data-synapse="hidden1[0] -> output[0]"]').dispatch_event("click")
    page.wait_for_selector("#synapse-view:not([hidden])")
    page.click("#prune")
    page.wait_for_function("!document.querySelector('path.link[data-synapse=\"hidden1[0] -> output[0]\"]')")
    with session.lock:
        assert "hidden1[0] -> output[0]" not in [synapse.name for synapse in session.net.synapses]


def test_reloading_the_address_restores_the_configuration_and_the_first_weights(context, page, server):
    open_page(page, server)
    page.click('#datasets button[data-dataset="moons"]')
    page.wait_for_function("window.playground.state.config.dataset === 'moons'")
    page.click("#add-layer")
    page.wait_for_function("window.playground.state.config.hidden.length === 3")
    page.select_option('.layer-control select[data-layer="2"]', "relu")
    page.wait_for_function("window.playground.state.config.activations[2] === 'relu'")
    page.fill("#lr", "0.3")
    page.locator("#lr").dispatch_event("change")
    page.wait_for_function("window.playground.state.config.lr === 0.3")
    page.select_option("#optimizer", "adam")
    page.wait_for_function("window.playground.state.config.optimizer === 'adam'")
    config = page.evaluate("window.playground.state.config")
    address = page.url
    assert "dataset=moons" in address and "hidden=4,2,2" in address and "lr=0.3" in address
    page.reload()
    page.wait_for_function(READY)
    assert page.evaluate("window.playground.state.config") == config
    assert page.input_value("#lr") == "0.3" and page.input_value("#optimizer") == "adam"
    other = new_page(context)
    open_page(other, server, address.split("?", 1)[1])
    assert other.evaluate("window.playground.state.config") == config
    first, second = (server.sessions.get(p.evaluate("window.playground.session")) for p in (page, other))
    assert Config().changed(config) == first.config
    for (name, a), (_, b) in zip(first.net.named_parameters(), second.net.named_parameters(), strict=True):
        assert np.array_equal(a, b), name
    assert other.errors == []


def test_an_uploaded_csv_becomes_the_points_and_a_bad_one_is_explained(page, server):
    session = open_page(page, server, "test_ratio=0.25")
    rng = np.random.default_rng(5)
    X = rng.uniform(-1, 1, size=(40, 2)).round(3)
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    text = "left,right,kind\n" + "\n".join(f"{a},{b},{c}" for (a, b), c in zip(X, y, strict=True))
    page.set_input_files(
        "#upload", files=[{"name": "quadrants.csv", "mimeType": "text/csv", "buffer": text.encode()}]
    )
    page.wait_for_function("window.playground.state.config.dataset === 'csv'")
    data = page.evaluate("window.playground.state.data")
    points = sorted((p[0], p[1], p[2]) for p in data["train"] + data["test"])
    assert points == sorted((a, b, float(c)) for (a, b), c in zip(X.tolist(), y, strict=True))
    assert len(data["test"]) == 10 and data["name"] == "quadrants.csv" and "csv" in page.url
    shot(page, "upload")
    bad = "1,2,0\n3,4,1\n5,six,0\n7,8,1\n"
    page.set_input_files(
        "#upload", files=[{"name": "bad.csv", "mimeType": "text/csv", "buffer": bad.encode()}]
    )
    page.wait_for_selector("#banner:not([hidden])")
    assert "'bad.csv' line 3, column 2: 'six'; expected a number" in page.inner_text("#banner-text")
    settle(page)
    assert (
        session.upload.name == "quadrants.csv"
        and page.evaluate("window.playground.state.data.name") == "quadrants.csv"
    )


def test_the_doctor_finds_and_marks_dead_relus(page, server):
    session = open_page(page, server, "dataset=moons&hidden=4,4&activations=relu,relu&bias_init=-3")
    page.wait_for_selector("#findings li.error >> text=dead-neurons")
    assert "flagged-error" in page.get_attribute('.node[data-neuron="hidden1[2]"]', "class")
    with session.lock:  # z of every hidden1 neuron on every training point, from its weights and bias
        net, X = session.net, session.points.X_train
        W = np.array(
            [[net.synapse(f"input[{i}]", f"hidden1[{j}]").weight for i in range(2)] for j in range(4)]
        )
        z = X @ W.T + np.array([net[f"hidden1[{j}]"].bias for j in range(4)])
    assert (z <= 0).all()
    page.click("#step-epoch")
    page.wait_for_function("window.playground.state.epoch === 1")
    page.click("#findings li.error >> text=hidden1[0]")
    page.wait_for_function(
        "document.getElementById('explain-text').textContent.includes('dead on this pass')"
    )
    assert "dead-neurons" in page.inner_text("#neuron-findings")
    shot(page, "dead_relu")


def test_two_tabs_train_two_networks_at_once(context, page, server):
    queries = [
        "dataset=xor&hidden=4&activations=tanh&lr=0.5&batch_size=4&seed=4",
        "dataset=circles&samples=100&hidden=3,3&activations=relu,relu&seed=5",
    ]
    other = new_page(context)
    pages = [page, other]
    sessions = [open_page(tab, server, query) for tab, query in zip(pages, queries, strict=True)]
    assert sessions[0] is not sessions[1]
    for tab in pages:
        tab.click("#play")
    for tab in pages:
        tab.wait_for_function("window.playground.state.epoch >= 30", timeout=30_000)
    for tab in pages:
        pause(tab)
    shot(other, "second_tab")
    for tab, query, session in zip(pages, queries, sessions, strict=True):
        alone = Session(from_query(query))
        epochs = session.epoch
        assert tab.evaluate("window.playground.state.epoch") == epochs >= 30
        while alone.epoch < epochs:
            alone.step(epochs=min(200, epochs - alone.epoch))
        for (name, a), (_, b) in zip(
            session.net.named_parameters(), alone.net.named_parameters(), strict=True
        ):
            assert np.array_equal(a, b), name
    assert other.errors == []


def test_the_page_runs_under_its_content_security_policy(browser, server):
    strict = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = new_page(strict)
        page.goto(server.url + "?dataset=xor&hidden=3&activations=tanh")
        page.wait_for_selector(".node[data-neuron='output[0]'] canvas")
        page.click("#step-epoch")
        page.wait_for_selector("#epoch >> text=1")
        page.click(".node[data-neuron='hidden1[0]']")
        page.wait_for_selector("#explain-text >> text=hidden1[0] (tanh), one sample")
        assert page.evaluate("document.querySelectorAll('path.link').length") == 9
        assert page.errors == []  # a refused script, style or connection would be a console error
    finally:
        strict.close()
