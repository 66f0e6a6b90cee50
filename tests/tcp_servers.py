"""TCP servers on 127.0.0.1 that never answer as HTTP: for the time limit of cross-account-verify.

Each runs as its own process, started by the test and stopped by its process id.

- ``silent``: accepts every connection and never sends a byte (a hung endpoint);
- ``trickle``: accepts and sends one byte every tenth of a second, never a whole
  HTTP status line (no socket read timeout ever fires).
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator

SERVER = r"""
import socket, sys, time
mode = sys.argv[1]
server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen(16)
print(server.getsockname()[1], flush=True)
held = []
while True:
    connection, _ = server.accept()
    held.append(connection)
    if mode == "trickle":
        try:
            while True:
                connection.sendall(b"H")
                time.sleep(0.1)
        except OSError:
            pass
"""


@contextlib.contextmanager
def tcp_server(mode: str) -> Iterator[str]:
    """Start the server (``silent`` or ``trickle``); yields its URL; stops it by its pid."""
    with serve(SERVER, mode) as url:
        yield url


@contextlib.contextmanager
def serve(source: str, mode: str) -> Iterator[str]:
    """Run ``source`` (a server that prints its port on 127.0.0.1) in its own process with ``mode``;
    yields its URL; stops it by its pid."""
    process = subprocess.Popen(
        [sys.executable, "-c", source, mode], stdout=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline())
        yield f"http://127.0.0.1:{port}"
    finally:
        process.kill()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


@contextlib.contextmanager
def closed_port() -> Iterator[str]:
    """A URL on 127.0.0.1 whose port is bound but not listening: connections are refused."""
    import socket

    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{held.getsockname()[1]}"
