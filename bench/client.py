"""The keep-alive HTTP/1.1 client the API benchmarks drive the server with.

Plain sockets, so that the client costs little of the machine's CPU and the figures are
the server's: `drive` sends prepared requests on several connections for some seconds and
answers the rate, the latencies and the statuses.
"""

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Result:
    name: str
    requests: int
    seconds: float
    latencies_ms: list[float]
    statuses: dict[int, int]

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]

    def line(self) -> str:
        return (
            f"{self.name:<28} {self.per_second:8.0f} req/s   p50 {self.percentile(0.5):6.2f} ms"
            f"   p99 {self.percentile(0.99):6.2f} ms   ({self.requests} requests, "
            f"statuses {dict(sorted(self.statuses.items()))})"
        )


class Connection:
    """One keep-alive HTTP/1.1 connection that sends a prepared request and reads the answer."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def exchange(self, request: bytes) -> int:
        """Send `request`; the answer's status (its body is read and dropped)."""
        return self.fetch(request)[0]

    def fetch(self, request: bytes) -> tuple[int, bytes]:
        """Send `request`; the answer's status and body."""
        self.sock.sendall(request)
        while b"\r\n\r\n" not in self.buffer:
            self._fill()
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(self.buffer) < length:
            self._fill()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return status, body

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection")
        self.buffer += chunk

    def close(self) -> None:
        self.sock.close()


def http_request(
    method: str, path: str, token: str | None = None, body: dict | None = None
) -> bytes:
    payload = json.dumps(body).encode() if body is not None else b""
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    if token:
        lines.append(f"Authorization: Bearer {token}")
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


MakeRequest = Callable[[int, int], bytes]
"""(connection index, request number on it) → the request to send."""
Observe = Callable[[int, int, int], None]
"""(connection index, request number, status): hears every answer."""


def drive(
    name: str,
    port: int,
    make_request: MakeRequest,
    seconds: float,
    connections: int,
    observe: Observe | None = None,
) -> Result:
    """Send requests on `connections` connections for `seconds`; latencies of each.

    `observe(index, number, status)`, if given, hears every answer (from the clients'
    threads), e.g. to add up what was acknowledged."""
    latencies: list[list[float]] = [[] for _ in range(connections)]
    statuses: list[dict[int, int]] = [{} for _ in range(connections)]
    start = threading.Barrier(connections + 1)
    stop_at = [0.0]

    def worker(index: int) -> None:
        connection = Connection(port)
        number = 0
        start.wait()
        while time.perf_counter() < stop_at[0]:
            request = make_request(index, number)
            number += 1
            began = time.perf_counter()
            status = connection.exchange(request)
            latencies[index].append((time.perf_counter() - began) * 1000)
            statuses[index][status] = statuses[index].get(status, 0) + 1
            if observe is not None:
                observe(index, number - 1, status)
        connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    stop_at[0] = time.perf_counter() + seconds
    began = time.perf_counter()
    start.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    merged: dict[int, int] = {}
    for counts in statuses:
        for status, count in counts.items():
            merged[status] = merged.get(status, 0) + count
    flat = [value for per in latencies for value in per]
    return Result(name, len(flat), elapsed, flat, merged)
