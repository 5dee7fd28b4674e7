"""Serving the simulator over HTTP in a background thread: `start_simulator`."""

import contextlib
import socket
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

from simulator.config import SimulatorConfig
from simulator.server import MAX_BODY, Simulator
from simulator.wire import Response, error_response


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # benchmarks open many connections at once

    def __init__(self, address: tuple[str, int], simulator: Simulator) -> None:
        self.simulator = simulator
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _RequestHandler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """End open keep-alive connections, so a stopped simulator answers nobody."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # already closed by the client
                connection.shutdown(socket.SHUT_RDWR)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as clients pool connections
    # Headers and body go out in two writes; with Nagle on, the second waits ~40 ms for the
    # client's delayed ACK on every keep-alive request.
    disable_nagle_algorithm = True
    server_version = "Server"  # Amazon's edge answers with a bare "Server" header
    sys_version = ""
    server: _HTTPServer

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        try:
            body = self._body()
        except ValueError as exc:
            self.close_connection = True
            status, code = (413, "RequestEntityTooLarge") if "large" in str(exc) else (400, "")
            response = error_response(status, code or "InvalidInput", str(exc))
            response.headers["x-amzn-RequestId"] = str(uuid.uuid4())
        else:
            headers = {key: value for key, value in self.headers.items()}
            response = self.server.simulator.handle(method, self.path, headers, body)
        self._send(response)

    def _body(self) -> bytes:
        """The request body (Content-Length or chunked); ValueError when unreadable."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
                if sum(map(len, chunks)) > MAX_BODY:
                    raise ValueError("The request is too large.")
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)  # ValueError if not a number
        if length > MAX_BODY:
            raise ValueError("The request is too large.")
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, response: Response) -> None:
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (timeouts in tests)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: every request is in the simulator's own log (/_simulator/requests)."""


class RunningSimulator:
    """A simulator serving HTTP in a background thread. Use as a context manager or `stop()`.

    Attributes:
        simulator: the application (options, state, request log) for in-process inspection.
        base_url: e.g. `http://127.0.0.1:8123`, for both the LWA and the SP-API endpoint.
    """

    def __init__(self, config: SimulatorConfig) -> None:
        self.simulator = Simulator(config)
        self._server = _HTTPServer((config.host, config.port), self.simulator)
        self.simulator.bound(self.port)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},  # stop() returns within 50 ms
            name="vendor-simulator",
            daemon=True,
        )
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        host = self.simulator.config.host
        if host in ("", "0.0.0.0"):  # listening everywhere: this machine answers locally
            host = "127.0.0.1"
        return f"http://{host}:{self.port}"

    @property
    def config(self) -> SimulatorConfig:
        """The current options (fault options may have changed at runtime)."""
        return self.simulator.config

    def requests(self, since: int = 0) -> list[dict[str, Any]]:
        """The request log (as `GET /_simulator/requests?since=N`), secrets masked."""
        return self.simulator.log.since(since)

    def update_config(self, **changes: Any) -> SimulatorConfig:
        """Change fault / rate-limit options at runtime (as `POST /_simulator/faults`)."""
        return self.simulator.update_config(changes)

    def reset(self) -> None:
        """Forget acknowledgements, transactions, shipment confirmations, offer POs and rate
        buckets (`POST /_simulator/reset`)."""
        self.simulator.reset()

    def stop(self) -> None:
        """Stop serving, end open connections and release the port (idempotent)."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.close_connections()
        self._server.server_close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def start_simulator(config: SimulatorConfig | None = None) -> RunningSimulator:
    """Start a Vendor Central simulator in a background thread and return it, serving.

    `SimulatorConfig(port=0)` (the default) binds a free port; read it from `base_url`.
    """
    return RunningSimulator(config or SimulatorConfig())
