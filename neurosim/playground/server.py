"""The playground's HTTP server: the page's files, and a small JSON API over the sessions.

Every API call is a ``POST /api/ACTION`` with a JSON object; every answer
is JSON. A refused request gets HTTP 400 (404 for a session that is gone)
and ``{"error": "...", "field": "..."}`` naming what was wrong, and changes
nothing. The page starts a session with ``start`` and names it in every
later call, so two tabs train two networks.

=========  ===========================================  ==================================
action     fields (besides ``session``)                 answer
=========  ===========================================  ==================================
start      ``config`` (an object) or ``query`` (text)   the session's id, state and choices
state                                                   the state
config     ``config``: the fields to change             the state
step       ``batches`` or ``epochs``                    the state, and ``seconds``
reset                                                   the state
explain    ``neuron``, ``sample``, ``split``            the text and the findings
synapse    ``source``, ``target``                       its weight and gradient history
weight     ``source``, ``target``, ``weight``           the state
prune      ``source``, ``target``                       the state
upload     ``text``, ``name``                           the state
close                                                   ``{}``
=========  ===========================================  ==================================

``GET /api/model?session=ID`` answers the network as a model file that
``ns.load`` opens. A ``step`` trains for at most
``neurosim.playground.session.MAX_STEP_SECONDS`` and answers the epoch it
reached; a connection that sends nothing for ``TIMEOUT_SECONDS`` is closed.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import sys
import traceback
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlsplit

from neurosim.errors import NeurosimError
from neurosim.playground.config import ConfigError, choices, field_name, from_json, from_query
from neurosim.playground.session import Session, Sessions
from neurosim.playground.upload import MAX_CHARACTERS, read_upload

#: the largest request body read: an upload's text, and room for its JSON escapes
MAX_BODY_BYTES = 2 * MAX_CHARACTERS + 10_000
#: how long a connection may keep the server waiting for the next byte: a request, its body, or an answer read
TIMEOUT_SECONDS = 30.0
#: the page's files, and their types
STATIC = {
    "index.html": "text/html; charset=utf-8",
    "playground.js": "text/javascript; charset=utf-8",
    "playground.css": "text/css; charset=utf-8",
}
SECURITY_HEADERS = {
    # everything the page uses comes from this server
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
#: the fields of each action: name -> whether it is required
ACTIONS: dict[str, dict[str, bool]] = {
    "start": {"config": False, "query": False},
    "state": {"session": True},
    "config": {"session": True, "config": True},
    "step": {"session": True, "batches": False, "epochs": False},
    "reset": {"session": True},
    "explain": {"session": True, "neuron": True, "sample": False, "split": False},
    "synapse": {"session": True, "source": True, "target": True},
    "weight": {"session": True, "source": True, "target": True, "weight": True},
    "prune": {"session": True, "source": True, "target": True},
    "upload": {"session": True, "text": True, "name": False},
    "close": {"session": True},
}


class SessionGoneError(NeurosimError):
    """The request names a session the server does not have (never made, closed, or expired)."""


def remote_refusal(host: str) -> str | None:
    """Why serving on ``host`` needs ``--allow-remote``, or ``None`` for a loopback address.

    Examples
    --------
    >>> remote_refusal("127.0.0.1") is None, remote_refusal("localhost") is None
    (True, True)
    >>> remote_refusal("0.0.0.0")[:46]
    "--host '0.0.0.0' is not a loopback address: th"
    """
    if host == "localhost":
        return None
    try:
        if ipaddress.ip_address(host).is_loopback:
            return None
    except ValueError:
        pass
    return (
        f"--host {host!r} is not a loopback address: the playground has no login, so anyone who can "
        "reach it could train networks on this machine and read the points you upload; "
        "give --allow-remote as well to serve it there anyway"
    )


class PlaygroundServer(ThreadingHTTPServer):
    """A threading HTTP server holding the sessions of the page.

    Parameters
    ----------
    address : (host, port)
        Where to listen; port 0 takes a free port (``server.url`` says which).
    allow_remote : bool, default False
        Listen on an address that is not loopback; without it such an
        address is refused with a ``ConfigError``.
    sessions : Sessions, optional
        The sessions (a new, empty ``Sessions`` by default).
    quiet : bool, default True
        Print no line per request (errors are printed all the same).
    """

    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        *,
        allow_remote: bool = False,
        sessions: Sessions | None = None,
        quiet: bool = True,
    ) -> None:
        refusal = remote_refusal(address[0])
        if refusal is not None and not allow_remote:
            raise ConfigError("host", refusal)
        self.allow_remote = allow_remote
        self.sessions = sessions or Sessions()
        self.quiet = quiet
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, Handler)

    def handle_error(self, request: object, client_address: object) -> None:
        """Say nothing of a page that went away or stalled mid-answer (a closed tab); print anything else."""
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)

    @property
    def url(self) -> str:
        """The page's address."""
        host, port = self.server_address[:2]
        shown = f"[{host}]" if ":" in str(host) else host
        return f"http://{shown}:{port}/"

    def allowed_hosts(self) -> set[str]:
        """The ``Host`` headers answered: this server's own address, by number or as localhost."""
        host, port = self.server_address[:2]
        names = {str(host), "localhost", "127.0.0.1", "[::1]", f"[{host}]"}
        return {f"{name}:{port}" for name in names}


class Handler(BaseHTTPRequestHandler):
    """Answers one request: a file of the page, the model file, or an API call."""

    server: PlaygroundServer
    server_version = "neurosim-playground"
    protocol_version = "HTTP/1.1"
    #: the socket's timeout: a stalled or idle connection is dropped, and its thread freed
    timeout = TIMEOUT_SECONDS

    def log_message(self, format: str, *args: Any) -> None:
        """Print a line per request only when the server is not quiet."""
        if not self.server.quiet:
            super().log_message(format, *args)

    def do_GET(self) -> None:
        """The page, its files, or ``/api/model``."""
        if not self._host_allowed():
            return
        url = urlsplit(self.path)
        name = "index.html" if url.path == "/" else url.path.removeprefix("/static/")
        if url.path == "/api/model":
            self._model(parse_qs(url.query).get("session", [""])[0])
        elif (url.path == "/" or url.path.startswith("/static/")) and name in STATIC:
            body = resources.files("neurosim.playground").joinpath("static", name).read_bytes()
            self._send(HTTPStatus.OK, body, STATIC[name])
        else:
            self._error(HTTPStatus.NOT_FOUND, f"no page {url.path!r} here; the playground is at /", "path")

    def do_POST(self) -> None:
        """An API call: read and check the JSON body, run the action, answer JSON."""
        if not self._host_allowed():
            return
        action = urlsplit(self.path).path.removeprefix("/api/")
        try:
            if not self.path.startswith("/api/") or action not in ACTIONS:
                raise ConfigError(
                    "path", f"no action {self.path!r}; expected /api/ and one of: {', '.join(ACTIONS)}"
                )
            body = self._body(action)
            answer = self._run(action, body)
        except SessionGoneError as error:
            self._error(HTTPStatus.NOT_FOUND, str(error), "session")
        except ConfigError as error:
            self._error(HTTPStatus.BAD_REQUEST, str(error), error.field)
        except NeurosimError as error:
            self._error(HTTPStatus.BAD_REQUEST, str(error), None)
        except Exception as error:  # a fault of the server: say so, and keep serving
            traceback.print_exc(file=sys.stderr)
            self._error(
                HTTPStatus.INTERNAL_SERVER_ERROR, f"the server failed: {type(error).__name__}: {error}", None
            )
        else:
            self._json(HTTPStatus.OK, answer)

    # ------------------------------------------------------------------ the actions

    def _run(self, action: str, body: dict[str, Any]) -> dict[str, Any]:
        if action == "start":
            return self._start(body)
        sessions = self.server.sessions
        session = sessions.get(body["session"])
        if session is None:
            raise SessionGoneError(
                "this page's session is gone (the server restarted, or it was idle too long); reload"
            )
        if action == "close":
            sessions.close(body["session"])
            return {}
        with session.lock:
            return RUNS[action](session, body)

    def _start(self, body: dict[str, Any]) -> dict[str, Any]:
        if "config" in body and "query" in body:
            raise ConfigError("query", "give config or query, not both")
        config = from_query(body["query"]) if "query" in body else from_json(body.get("config", {}))
        key, session = self.server.sessions.create(config)
        with session.lock:
            return {"session": key, "state": session.state(), "choices": choices()}

    def _model(self, key: str) -> None:
        session = self.server.sessions.get(key)
        if session is None:
            self._error(HTTPStatus.NOT_FOUND, "no such session; reload the page", "session")
            return
        try:
            with session.lock:
                text = session.model_text()
        except NeurosimError as error:
            self._error(HTTPStatus.BAD_REQUEST, str(error), None)
            return
        headers = {"Content-Disposition": 'attachment; filename="playground-model.json"'}
        self._send(HTTPStatus.OK, text.encode("utf-8"), "application/json", headers)

    # ------------------------------------------------------------------ reading and answering

    def _host_allowed(self) -> bool:
        """Refuse a ``Host`` that is not this server's, so that no other site's page can reach it by name."""
        if self.server.allow_remote or self.headers.get("Host") in self.server.allowed_hosts():
            return True
        self._error(
            HTTPStatus.FORBIDDEN, f"Host {self.headers.get('Host')!r} is not this server's address", "Host"
        )
        return False

    def _body(self, action: str) -> dict[str, Any]:
        """The request's JSON object, its fields those of ``action``; ``ConfigError`` otherwise."""
        kind = self.headers.get("Content-Type", "").split(";")[0].strip()
        length = self.headers.get("Content-Length", "")
        if not (length.isascii() and length.isdigit()):  # isdigit alone takes "²", which int refuses
            self.close_connection = True
            raise ConfigError("Content-Length", "expected the length of the JSON body")
        length = length.lstrip("0") or "0"  # int reads at most 4,300 digits
        if len(length) > len(str(MAX_BODY_BYTES)) or int(length) > MAX_BODY_BYTES:
            self.close_connection = True  # the body is not read
            size = f"{int(length):,}" if len(length) <= 30 else f"a {len(length):,}-digit number of"
            raise ConfigError("body", f"{size} bytes is more than the {MAX_BODY_BYTES:,} a request may have")
        raw = self._read(int(length))
        if kind != "application/json":
            raise ConfigError("Content-Type", f"expected application/json; got {kind or 'none'!r}")
        try:
            body = json.loads(raw.decode("utf-8") or "{}", parse_constant=_no_constant)
        except (ValueError, UnicodeDecodeError) as error:
            raise ConfigError("body", f"expected a JSON object; the body is not JSON: {error}") from None
        except RecursionError:
            raise ConfigError(
                "body", "expected a JSON object; the body is nested too deeply to read"
            ) from None
        if not isinstance(body, dict):
            raise ConfigError("body", f"expected a JSON object; got {type(body).__name__}")
        fields = ACTIONS[action]
        for name in body:
            if name not in fields:
                raise ConfigError(
                    field_name(name), f"unknown field for {action}; expected: {', '.join(fields) or 'none'}"
                )
        for name, required in fields.items():
            if required and name not in body:
                raise ConfigError(name, f"missing; {action} needs it")
        return body

    def _read(self, size: int) -> bytes:
        """The body's ``size`` bytes; ``ConfigError`` when they stop coming for ``timeout`` seconds."""
        try:
            return self.rfile.read(size)
        except TimeoutError:
            self.close_connection = True
            raise ConfigError(
                "body", f"expected {size:,} bytes; they stopped coming for {self.timeout:g} seconds"
            ) from None

    def _json(self, status: HTTPStatus, answer: dict[str, Any]) -> None:
        body = json.dumps(answer, allow_nan=False, separators=(",", ":")).encode("utf-8")
        self._send(status, body, "application/json")

    def _error(self, status: HTTPStatus, message: str, field: str | None) -> None:
        self._json(status, {"error": message, "field": field})

    def _send(
        self, status: HTTPStatus, body: bytes, kind: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in {**SECURITY_HEADERS, **(headers or {})}.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number JSON has")


def _step(session: Session, body: dict[str, Any]) -> dict[str, Any]:
    seconds = session.step(batches=body.get("batches"), epochs=body.get("epochs"))
    return {**session.state(), "seconds": round(seconds, 4)}


def _configure(session: Session, body: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(body["config"], dict):
        raise ConfigError("config", "expected an object of the fields to change")
    session.configure(body["config"])
    return session.state()


def _then_state(
    change: Callable[[Session, dict[str, Any]], None],
) -> Callable[[Session, dict[str, Any]], dict]:
    def run(session: Session, body: dict[str, Any]) -> dict[str, Any]:
        change(session, body)
        return session.state()

    return run


RUNS: dict[str, Callable[[Session, dict[str, Any]], dict[str, Any]]] = {
    "state": lambda session, body: session.state(),
    "config": _configure,
    "step": _step,
    "reset": _then_state(lambda session, body: session.reset()),
    "explain": lambda session, body: session.explain(
        body["neuron"], body.get("sample", 0), body.get("split", "train")
    ),
    "synapse": lambda session, body: session.synapse(body["source"], body["target"]),
    "weight": _then_state(
        lambda session, body: session.set_weight(body["source"], body["target"], body["weight"])
    ),
    "prune": _then_state(lambda session, body: session.prune(body["source"], body["target"])),
    "upload": _then_state(
        lambda session, body: session.use_upload(read_upload(body["text"], body.get("name", "upload.csv")))
    ),
}


def serve(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    open_browser: bool = True,
    allow_remote: bool = False,
    announce: Callable[[str], None] = print,
) -> None:
    """Serve the playground until interrupted; ``announce`` the address, and open it in the browser.

    Raises ``ConfigError`` for a ``host`` that is not loopback without
    ``allow_remote``, and ``OSError`` when the port cannot be had.
    """
    import webbrowser

    with PlaygroundServer((host, port), allow_remote=allow_remote) as server:
        announce(f"neurosim playground: {server.url}  (Ctrl+C stops it)")
        if open_browser:
            webbrowser.open(server.url)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            announce("neurosim playground: stopped")
