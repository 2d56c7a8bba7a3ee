"""A Unix socket relayed to one TCP endpoint: a sandbox's only way out, to one service.

A job sandbox has its own network namespace whose only interface is its loopback, and its
seccomp filter may refuse IP sockets altogether. When a job must talk to one service outside
(a Spark Connect server in front of a cluster), the worker opens a `SocketBridge`: a Unix
socket in a directory bound into the sandbox, and a thread that relays every connection made
to it to that one endpoint, byte for byte, until either side closes. The job can reach that
endpoint and nothing else; the endpoint is fixed by the lab, never by the job.

    with SocketBridge(folder / "spark.sock", ("spark-connect", 15002)) as bridge:
        run the sandbox with folder bound inside
    # on exit: the listener and every relayed connection are closed, the socket file removed
"""

from __future__ import annotations

import contextlib
import socket
import threading
from pathlib import Path
from types import TracebackType

MAX_CONNECTIONS = 16
CONNECT_TIMEOUT = 10.0
CHUNK = 256 * 1024


class BridgeError(Exception):
    """The bridge could not be opened (the message says why)."""


class SocketBridge:
    def __init__(self, path: Path, target: tuple[str, int], *, mode: int = 0o666) -> None:
        self.path = path
        self.target = target
        self._mode = mode
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None
        self.connections = 0  # relayed so far
        self.failures: list[str] = []  # connections to the target that failed, and why

    def __enter__(self) -> SocketBridge:
        self.open()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def open(self) -> None:
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
            listener.bind(str(self.path))
            self.path.chmod(self._mode)  # the sandbox uid must be able to connect
            listener.listen(MAX_CONNECTIONS)
        except OSError as exc:
            listener.close()
            raise BridgeError(f"cannot listen on {self.path}: {exc}") from exc
        self._listener = listener
        self._thread = threading.Thread(target=self._accept, name="bridge-accept", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._closed.set()
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
        with self._lock:
            for sock in list(self._sockets):
                _close(sock)
            self._sockets.clear()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def _accept(self) -> None:
        assert self._listener is not None
        while not self._closed.is_set():
            try:
                inner, _ = self._listener.accept()
            except OSError:
                return  # closed
            with self._lock:
                full = len(self._sockets) >= 2 * MAX_CONNECTIONS
            if full:
                inner.close()
                continue
            threading.Thread(target=self._relay, args=(inner,), daemon=True).start()

    def _relay(self, inner: socket.socket) -> None:
        try:
            outer = socket.create_connection(self.target, timeout=CONNECT_TIMEOUT)
        except OSError as exc:
            self.failures.append(f"{self.target[0]}:{self.target[1]}: {exc}")
            inner.close()
            return
        outer.settimeout(None)
        with self._lock:
            if self._closed.is_set():
                _close(inner)
                _close(outer)
                return
            self._sockets.update((inner, outer))
            self.connections += 1
        back = threading.Thread(target=self._pump, args=(outer, inner), daemon=True)
        back.start()
        self._pump(inner, outer)
        back.join()
        with self._lock:
            self._sockets.discard(inner)
            self._sockets.discard(outer)
        _close(inner)
        _close(outer)

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(CHUNK):
                sink.sendall(chunk)
        except OSError:
            pass  # either side closed or reset: the other direction ends too
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


__all__ = ["BridgeError", "SocketBridge"]
