"""The socket bridge relays a Unix socket to one TCP endpoint, and closes everything after."""

from __future__ import annotations

import socket
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from jobs.sandbox.bridge import BridgeError, SocketBridge


@pytest.fixture
def echo_server() -> Iterator[tuple[str, int]]:
    """A TCP server on the loopback that answers every chunk with the chunk upper-cased."""
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve(conn: socket.socket) -> None:
        with conn:
            while chunk := conn.recv(65536):
                conn.sendall(chunk.upper())

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    yield server.getsockname()
    stop.set()
    server.close()


def _client(path: Path) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX)
    sock.settimeout(5)
    sock.connect(str(path))
    return sock


def _read(sock: socket.socket, size: int) -> bytes:
    got = b""
    while len(got) < size and (chunk := sock.recv(size - len(got))):
        got += chunk
    return got


def test_bytes_go_both_ways_on_several_connections(
    tmp_path: Path, echo_server: tuple[str, int]
) -> None:
    with SocketBridge(tmp_path / "s.sock", echo_server) as bridge:
        assert stat.S_IMODE((tmp_path / "s.sock").stat().st_mode) == 0o666
        first, second = _client(bridge.path), _client(bridge.path)
        big = b"x" * 1_000_000
        first.sendall(big)
        second.sendall(b"hello")
        assert _read(second, 5) == b"HELLO"
        assert _read(first, len(big)) == big.upper()
        first.close()
        second.close()
    assert bridge.connections == 2
    assert bridge.failures == []


def test_closing_the_bridge_ends_open_connections_and_removes_the_socket(
    tmp_path: Path, echo_server: tuple[str, int]
) -> None:
    bridge = SocketBridge(tmp_path / "s.sock", echo_server)
    bridge.open()
    client = _client(bridge.path)
    client.sendall(b"ping")
    assert _read(client, 4) == b"PING"
    bridge.close()
    assert client.recv(10) == b""  # the relay is gone
    assert not (tmp_path / "s.sock").exists()
    with pytest.raises(OSError):
        _client(tmp_path / "s.sock")


def test_a_target_that_refuses_is_recorded_and_the_client_sees_the_end(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with SocketBridge(tmp_path / "s.sock", ("127.0.0.1", port)) as bridge:
        client = _client(bridge.path)
        assert client.recv(10) == b""
        client.close()
    assert len(bridge.failures) == 1
    assert f"127.0.0.1:{port}" in bridge.failures[0]


def test_a_socket_path_that_cannot_be_bound_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(BridgeError, match="cannot listen on"):
        SocketBridge(tmp_path / "missing" / "s.sock", ("127.0.0.1", 1)).open()
