"""A local stand-in for SMSAPI.pl's ``POST /sms.do``, on 127.0.0.1 and a free port.

It checks the bearer token and the form the way SMSAPI does, records every request, and
answers what the test asks for: a success (the default), an SMSAPI error, an HTTP status, a
raw body, or a delay longer than the client's timeout.
"""

from __future__ import annotations

import itertools
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


@dataclass
class RecordedRequest:
    path: str
    headers: dict[str, str]
    body: bytes
    form: dict[str, str]


@dataclass
class Reply:
    status: int = 200
    body: bytes | None = None  # None: a success response with a new message id
    content_type: str = "application/json"
    delay: float = 0.0


@dataclass
class FakeSmsApi:
    token: str
    requests: list[RecordedRequest] = field(default_factory=list)
    reply: Reply = field(default_factory=Reply)
    accepted_idx: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._ids = itertools.count(1)
        self._released = threading.Event()  # wakes delayed handlers at shutdown
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.fake = self  # type: ignore[attr-defined]
        # A short poll interval: shutdown() waits for the serving loop to notice it.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeSmsApi:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._released.set()
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        """Forget the requests and answer with successes again (one server for many tests)."""
        self.requests.clear()
        self.reply = Reply()
        self.accepted_idx.clear()

    # What the next requests get.
    def error(self, code: int, message: str, *, status: int = 200) -> None:
        self.reply = Reply(status=status, body=json.dumps({"error": code, "message": message}).encode())

    def status(self, status: int, body: bytes = b"", content_type: str = "text/html") -> None:
        self.reply = Reply(status=status, body=body, content_type=content_type)

    def raw(self, body: bytes, content_type: str = "text/plain") -> None:
        self.reply = Reply(body=body, content_type=content_type)

    def slow(self, delay: float) -> None:
        self.reply = Reply(delay=delay)

    def _answer(self, request: RecordedRequest) -> tuple[int, str, bytes]:
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return 401, "application/json", b'{"error": 101, "message": "Authorization failed"}'
        if request.path != "/sms.do":
            return 404, "text/html", b"<h1>Not found</h1>"
        reply = self.reply
        if reply.delay:
            self._released.wait(reply.delay)
        if reply.body is not None:
            return reply.status, reply.content_type, reply.body
        idx = request.form.get("idx")
        if idx and request.form.get("check_idx") == "1":
            # SMSAPI keeps the idx of every accepted message and refuses a repeat.
            if idx in self.accepted_idx:
                return (
                    200,
                    "application/json",
                    b'{"error": 53, "message": "Message with this idx was already sent"}',
                )
            self.accepted_idx.add(idx)
        number = request.form.get("to", "")
        message_id = f"{next(self._ids):024X}"  # SMSAPI ids are long hex strings
        body = {
            "count": 1,
            "list": [
                {
                    "id": message_id,
                    "points": 0.16,
                    "number": number,
                    "date_sent": 1700000000,
                    "submitted_number": number,
                    "status": "QUEUE",
                    "error": None,
                    "idx": None,
                    "parts": 1,
                }
            ],
        }
        return 200, "application/json", json.dumps(body).encode()


class _Handler(BaseHTTPRequestHandler):
    server: ThreadingHTTPServer

    def do_POST(self) -> None:
        fake: FakeSmsApi = self.server.fake  # type: ignore[attr-defined]
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        form: dict[str, str] = {}
        if self.headers.get_content_type() == "application/x-www-form-urlencoded":
            parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
            form = {key: values[-1] for key, values in parsed.items()}
        request = RecordedRequest(
            path=self.path,
            headers={key.lower(): value for key, value in self.headers.items()},
            body=body,
            form=form,
        )
        fake.requests.append(request)
        status, content_type, payload = fake._answer(request)
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            pass  # the client gave up (a timeout test): nothing to tell it

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep the test output clean
