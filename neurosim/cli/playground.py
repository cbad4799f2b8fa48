"""``neurosim playground``: serve the playground on this machine and open it in the browser."""

from __future__ import annotations

import argparse
import errno

from neurosim.cli.parser import usage_error

PROG = "neurosim playground"
EPILOG = """examples:
  neurosim playground                  # a free port on 127.0.0.1, opened in the browser
  neurosim playground --port 8765 --no-browser

The page trains small networks on points in the plane, with neurosim in
this process; Ctrl+C stops the server. It listens on this machine only:
--host with another address needs --allow-remote, since the page has no
login and anyone who reaches it can use it."""
#: the largest port number
MAX_PORT = 65535
#: what to do when the server cannot listen, by the error's number
LISTEN_ADVICE = {
    errno.EADDRINUSE: "give another --port, or --port 0 for a free one",
    errno.EACCES: "give a --port above 1023, or --port 0 for a free one",
    errno.EADDRNOTAVAIL: "give a --host that is an address of this machine, such as 127.0.0.1",
}


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add ``neurosim playground`` to the command line's ``commands``."""
    parser = commands.add_parser(
        "playground",
        help="train small networks in the browser, neuron by neuron (a local page)",
        description="Serve the playground, a page to build and train small networks on points\n"
        "in the plane and look inside them, and open it in the browser.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1", help="the address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=port_number, default=0, help="the port (default: a free one, printed)")
    parser.add_argument("--no-browser", action="store_true", help="print the address only; open nothing")
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="listen on a --host that is not loopback, reachable from other machines",
    )
    parser.set_defaults(run=run, command_parser=parser)


def port_number(text: str) -> int:
    """A port from 0 (any free one) to 65535, for ``--port``.

    Examples
    --------
    >>> port_number("8765")
    8765
    >>> port_number("70000")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: expected a port from 0 to 65535 (0: any free one); got '70000'
    """
    if not text.strip().isdigit() or int(text) > MAX_PORT:
        raise argparse.ArgumentTypeError(
            f"expected a port from 0 to {MAX_PORT} (0: any free one); got {text!r}"
        )
    return int(text)


def run(args: argparse.Namespace, extra: list[str]) -> int:
    """Serve until Ctrl+C."""
    # loaded here: the other commands start without the server's modules
    from neurosim.playground import server

    refusal = server.remote_refusal(args.host)
    if refusal is not None and not args.allow_remote:
        raise usage_error(PROG, refusal)
    try:
        server.serve(args.host, args.port, open_browser=not args.no_browser, allow_remote=args.allow_remote)
    except OSError as error:
        advice = LISTEN_ADVICE.get(error.errno)
        if advice is None:
            raise
        host = f"[{args.host}]" if ":" in args.host else args.host
        raise OSError(
            error.errno, f"cannot listen on {host}:{args.port}: {error.strerror}; {advice}"
        ) from None
    return 0
