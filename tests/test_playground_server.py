"""The playground's server: its files, its JSON API, and the requests it refuses without harm."""

from __future__ import annotations

import http.client
import json
import socket
import threading

import numpy as np
import pytest

import neurosim as ns
from neurosim.cli import main
from neurosim.playground import server as playground_server
from neurosim.playground import session as playground_session
from neurosim.playground.config import Config, ConfigError
from neurosim.playground.server import MAX_BODY_BYTES, PlaygroundServer, remote_refusal, serve
from neurosim.playground.session import Session


def call(server, method, path, body=b"", headers=None):
    """``(status, headers, body bytes)`` of one request on a new connection."""
    host, port = server.server_address[:2]
    connection = http.client.HTTPConnection(host, port, timeout=30)
    try:
        connection.request(
            method, path, body=body, headers={"Content-Type": "application/json", **(headers or {})}
        )
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def post(server, action, payload):
    status, _, body = call(server, "POST", f"/api/{action}", json.dumps(payload).encode())
    return status, json.loads(body)


def start(server, **config):
    status, answer = post(server, "start", {"config": config})
    assert status == 200, answer
    return answer["session"], answer["state"]


def weights(server, key):
    session = server.sessions.get(key)
    with session.lock:
        return {name: values.copy() for name, values in session.net.named_parameters()}


def test_the_page_and_its_files_are_served_with_their_types(server):
    status, headers, body = call(server, "GET", "/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert b'src="/static/playground.js"' in body and b"http" not in body.replace(b"http://www.w3.org", b"")
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    for name, kind in (("playground.js", "text/javascript"), ("playground.css", "text/css")):
        status, headers, body = call(server, "GET", f"/static/{name}")
        assert status == 200 and headers["Content-Type"].startswith(kind) and len(body) > 1000
    for path in ("/static/../server.py", "/static/session.py", "/nothing"):
        status, headers, body = call(server, "GET", path)
        assert status == 404 and json.loads(body)["field"] == "path"


def test_start_train_and_download_a_model_that_ns_load_opens(server, tmp_path):
    key, state = start(server, dataset="xor", hidden=[3], activations=["tanh"], lr=0.5, batch_size=4)
    assert state["epoch"] == 0 and state["config"]["hidden"] == [3] and "dataset=xor" in state["query"]
    status, after = post(server, "step", {"session": key, "epochs": 30})
    assert status == 200 and after["epoch"] == 30 and after["loss"]["train"] < state["loss"]["train"]
    status, headers, body = call(server, "GET", f"/api/model?session={key}")
    assert status == 200 and "attachment" in headers["Content-Disposition"]
    (tmp_path / "model.json").write_bytes(body)
    loaded = ns.load(tmp_path / "model.json")
    X, _ = ns.datasets.xor()
    session = server.sessions.get(key)
    np.testing.assert_array_equal(loaded.predict(X), session.net.predict(X))


def test_a_query_string_starts_the_same_config_as_its_object(server):
    config = Config(dataset="moons", hidden=(5, 2), activations=("relu", "tanh"), lr=0.25, seed=3)
    status, answer = post(server, "start", {"query": "?" + config.to_query()})
    assert status == 200 and answer["state"]["config"] == config.to_json()
    assert answer["choices"]["fields"]["hidden"]["high"] == 8


@pytest.mark.parametrize(
    ("action", "payload", "field"),
    [
        ("step", {"epochs": "ten"}, "epochs"),
        ("step", {"epochs": 10**9}, "epochs"),
        ("step", {"batches": 2.5}, "batches"),
        ("step", {"steps": 1}, "steps"),
        ("config", {"config": {"hidden": [8] * 50}}, "hidden"),
        ("config", {"config": {"samples": 10**9}}, "samples"),
        ("config", {"config": {"grid": 100_000}}, "grid"),
        ("config", {"config": {"lr": "fast"}}, "lr"),
        ("config", {"config": {"lr": 10**400}}, "lr"),  # too big for a float
        ("config", {"config": {"colour": "red"}}, "colour"),
        ("config", {"config": [1]}, "config"),
        ("config", {}, "config"),
        ("weight", {"source": "hidden1[0]", "target": "output[0]", "weight": 1e300}, "weight"),
        ("weight", {"source": "hidden1[0]", "target": "output[0]", "weight": None}, "weight"),
        ("weight", {"source": "input[0]", "target": "hidden1[0]", "weight": 10**400}, "weight"),
        ("prune", {"source": "hidden1[0]", "target": "hidden1[1]"}, "target"),
        ("explain", {"neuron": "nobody"}, "neuron"),
        ("explain", {"neuron": "output[0]", "sample": -1}, "sample"),
        ("upload", {"text": "1,2\n3,4\n"}, "file"),
        ("upload", {"text": 12}, "text"),
    ],
)
def test_a_bad_request_gets_400_naming_the_field_and_the_session_survives(server, action, payload, field):
    key, state = start(server, dataset="xor", hidden=[2], activations=["tanh"], batch_size=4)
    post(server, "step", {"session": key, "epochs": 3})
    before = weights(server, key)
    status, answer = post(server, action, {"session": key, **payload})
    assert status == 400 and answer["field"] == field and isinstance(answer["error"], str)
    assert answer["error"].startswith(f"{field}: ")
    after = weights(server, key)
    assert after.keys() == before.keys() and all(np.array_equal(after[k], before[k]) for k in after)
    status, good = post(server, "step", {"session": key, "epochs": 1})
    assert status == 200 and good["epoch"] == 4 and good["config"] == state["config"]


@pytest.mark.parametrize(
    ("body", "headers", "field"),
    [
        (b"{not json", {}, "body"),
        (b"[1, 2]", {}, "body"),
        (b'{"epochs": NaN}', {}, "body"),
        (b"\xff\xfe", {}, "body"),
        (b'{"epochs": 1}', {"Content-Type": "text/plain"}, "Content-Type"),
        (b"{}", {"Content-Length": str(MAX_BODY_BYTES + 1)}, "body"),
        (b'{"config":' + b"[" * 100_000 + b"]" * 100_000 + b"}", {}, "body"),  # too deep to parse
        (b"{}", {"Content-Length": "\u00b2"}, "Content-Length"),  # a digit to isdigit, not to int
        (b"{}", {"Content-Length": "9" * 5000}, "body"),  # more digits than int reads
    ],
)
def test_a_body_that_is_not_a_json_object_gets_400(server, body, headers, field):
    key, _ = start(server, dataset="xor")
    status, _, answer = call(server, "POST", "/api/step", body, headers)
    assert status == 400 and json.loads(answer)["field"] == field
    status, good = post(server, "step", {"session": key, "batches": 1})
    assert status == 200 and good["batches"] == 1


def test_a_huge_number_is_refused_naming_the_field_and_its_range(server):
    key, _ = start(server, dataset="xor", hidden=[2], activations=["tanh"])
    huge = "9" * 400
    status, _, body = call(
        server, "POST", "/api/config", f'{{"session":"{key}","config":{{"lr":{huge}}}}}'.encode()
    )
    assert status == 400 and json.loads(body)["error"].startswith("lr: expected a number from 0 to 10")
    weight = f'{{"session":"{key}","source":"input[0]","target":"hidden1[0]","weight":{huge}}}'
    status, _, body = call(server, "POST", "/api/weight", weight.encode())
    assert status == 400 and json.loads(body)["error"].startswith(
        "weight: expected a number from -100 to 100"
    )


def test_a_value_nested_almost_too_deep_to_parse_is_refused_with_400(server):
    key, _ = start(server, dataset="xor")
    for depth in range(960, 1000):  # where JSON still reads it, but repr may run out of depth
        nested = "[" * depth + "]" * depth
        body = f'{{"session":"{key}","config":{{"lr":{nested}}}}}'.encode()
        status, _, answer = call(server, "POST", "/api/config", body)
        assert status == 400 and json.loads(answer)["field"] in ("lr", "body"), (depth, answer[:200])


def test_an_answer_to_a_huge_value_is_short(server):
    key, _ = start(server, dataset="xor", hidden=[2], activations=["tanh"])
    for action, payload in [
        ("explain", {"neuron": "A" * 400_000}),
        ("explain", {"neuron": "output[0]", "sample": [1] * 130_000}),
        ("weight", {"source": "input[0]", "target": "hidden1[0]", "weight": [1] * 130_000}),
        ("state", {"A" * 400_000: 1}),  # an unknown field's name
        ("config", {"config": {"A" * 400_000: 1}}),
    ]:
        status, _, body = call(
            server, "POST", f"/api/{action}", json.dumps({"session": key, **payload}).encode()
        )
        assert status == 400 and len(body) < 400 and "characters)" in json.loads(body)["error"]


def raw_request(server, data, wait):
    """What the server sends back to ``data`` on a raw socket until it closes (``wait`` seconds at most)."""
    host, port = server.server_address[:2]
    with socket.create_connection((host, port), timeout=wait) as connection:
        connection.sendall(data)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


def test_a_stalled_body_or_an_idle_connection_is_dropped_after_the_timeout(server, monkeypatch):
    assert playground_server.Handler.timeout is not None and 5 <= playground_server.Handler.timeout <= 120
    monkeypatch.setattr(playground_server.Handler, "timeout", 0.5)
    key, _ = start(server, dataset="xor")
    host = f"127.0.0.1:{server.server_address[1]}"
    head = (
        f"POST /api/step HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        "Content-Length: 100\r\n\r\n"
    )
    # raw_request raises a timeout unless the server closes the connection within its 10 s
    answer = raw_request(server, head.encode() + b'{"session": "' + key.encode(), wait=10)
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert b'"field":"body"' in answer and b"Connection: close" in answer
    assert raw_request(server, b"", wait=10) == b""  # an idle connection: closed without an answer
    assert post(server, "step", {"session": key, "batches": 1})[1]["batches"] == 1


def test_a_long_step_returns_when_its_time_is_up_with_what_it_trained(server, monkeypatch):
    monkeypatch.setattr(playground_session, "MAX_STEP_SECONDS", 0.1)
    config = {"samples": 1000, "batch_size": 1, "hidden": [8] * 6, "activations": ["tanh"] * 6}
    key, _ = start(server, **config)
    status, answer = post(server, "step", {"session": key, "epochs": 200})  # minutes of work
    assert status == 200
    # it trained until its time was up, well short of one epoch's 1000 batches of one sample
    assert answer["seconds"] >= 0.1
    assert 0 < answer["batches"] < 1000 and answer["epochs"] == 0


def test_a_port_in_use_is_named_with_what_to_do(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["playground", "--port", str(port), "--no-browser"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"neurosim: cannot listen on 127.0.0.1:{port}: ")
    assert "--port" in err and "--port 0" in err


def test_a_huge_body_is_refused_without_being_read(server):
    status, _, answer = call(server, "POST", "/api/upload", b"x" * 100, {"Content-Length": str(10**12)})
    assert status == 400 and "more than the" in json.loads(answer)["error"]


def test_an_unknown_session_action_or_host_is_refused(server):
    assert post(server, "step", {"session": "nope", "epochs": 1})[0] == 404
    assert post(server, "state", {})[1]["field"] == "session"
    assert post(server, "teleport", {})[1]["field"] == "path"
    status, _, body = call(server, "GET", "/", headers={"Host": "attacker.example:80"})
    assert status == 403 and json.loads(body)["field"] == "Host"
    status, _, _ = call(server, "GET", "/", headers={"Host": f"localhost:{server.server_address[1]}"})
    assert status == 200


def test_closing_a_session_forgets_it(server):
    key, _ = start(server)
    assert post(server, "close", {"session": key}) == (200, {})
    assert post(server, "state", {"session": key})[0] == 404


def test_two_sessions_training_at_once_each_train_their_own_network(server):
    configs = [
        {"dataset": "moons", "samples": 80, "hidden": [4], "activations": ["tanh"], "seed": 1},
        {"dataset": "circles", "samples": 80, "hidden": [3, 3], "activations": ["relu", "relu"], "seed": 2},
    ]
    keys = [start(server, **config)[0] for config in configs]
    errors = []

    def train(key):
        for _ in range(5):
            status, answer = post(server, "step", {"session": key, "epochs": 4})
            if status != 200:
                errors.append(answer)

    threads = [threading.Thread(target=train, args=(key,)) for key in keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    for key, config in zip(keys, configs, strict=True):
        alone = Session(Config().changed(config))
        alone.step(epochs=20)
        got = weights(server, key)
        expected = dict(alone.net.named_parameters())
        assert got.keys() == expected.keys() and all(np.array_equal(got[k], expected[k]) for k in got)


def test_a_non_loopback_address_is_refused_without_allow_remote(capsys):
    assert remote_refusal("127.0.0.1") is None and remote_refusal("::1") is None
    assert remote_refusal("localhost") is None
    for host in ("0.0.0.0", "192.168.1.20", "example.org"):
        assert "--allow-remote" in remote_refusal(host)
    with pytest.raises(ConfigError) as raised:
        PlaygroundServer(("0.0.0.0", 0))
    assert raised.value.field == "host"
    assert main(["playground", "--host", "0.0.0.0", "--no-browser"]) == 2
    err = capsys.readouterr().err
    assert (
        err.startswith("neurosim playground: --host '0.0.0.0' is not a loopback address")
        and "no login" in err
    )
    with pytest.raises(SystemExit) as exited:
        main(["playground", "--port", "70000"])
    assert exited.value.code == 2 and "expected a port from 0 to 65535" in capsys.readouterr().err


def test_serve_prints_the_address_and_opens_the_browser_only_when_asked(monkeypatch):
    opened, lines = [], []
    monkeypatch.setattr("webbrowser.open", opened.append)

    def interrupted(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(playground_server.PlaygroundServer, "serve_forever", interrupted)
    serve("127.0.0.1", 0, open_browser=False, announce=lines.append)
    assert opened == [] and lines[0].startswith("neurosim playground: http://127.0.0.1:")
    assert lines[-1] == "neurosim playground: stopped"
    serve("127.0.0.1", 0, announce=lines.append)
    assert len(opened) == 1 and opened[0] == lines[2].split()[2]
