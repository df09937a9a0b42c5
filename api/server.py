"""How the API is served by uvicorn (`faktura serve`): answers its HTTP parser gives are
problem+json too, and the request log (`api.requestlog`) replaces the access log.

uvicorn's h11 parser refuses a request it cannot parse (a `Content-Length` that is garbage,
negative or given twice with different values, a broken request line or header) before the
application sees it, and its own answer is `text/plain`. `ProblemH11Protocol` answers those
with a 400 problem document carrying a fresh request id (in the body and the `X-Request-ID`
header) and logs one request line for them. The access log is off: it prints the raw path with
its query string, which may hold a customer's name.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from api.problems import PROBLEM_JSON, problem_body
from api.request_id import HEADER, new_request_id
from api.requestlog import log_request

PARSER_DETAIL = ("the request is not valid HTTP/1.1 (for example a Content-Length that is not"
                 " one decimal number, or a malformed request line or header)")


class ProblemH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, refusing unparsable requests with problem+json."""

    def send_400_response(self, msg: str) -> None:
        request_id = new_request_id()
        body = json.dumps(problem_body(400, PARSER_DETAIL, request_id=request_id)).encode()
        headers = [(b"content-type", PROBLEM_JSON.encode()),
                   (b"content-length", str(len(body)).encode()),
                   (HEADER, request_id.encode()),
                   (b"connection", b"close")]
        try:
            for event in (h11.Response(status_code=400, headers=headers, reason=b"Bad Request"),
                          h11.Data(data=body), h11.EndOfMessage()):
                self.transport.write(self.conn.send(event))
        except h11.LocalProtocolError:  # h11 cannot answer in this state: just close
            pass
        log_request({"request_id": request_id, "method": None, "route": None, "status": 400,
                     "duration_ms": 0.0, "tenant": None, "error": "unparsable HTTP request"},
                    400)
        self.transport.close()


def log_config() -> dict[str, Any]:
    """uvicorn's logging, plus the request log's JSON lines as they are, on standard output."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["request_line"] = {"format": "%(message)s"}
    config["handlers"]["requests"] = {"class": "logging.StreamHandler",
                                      "formatter": "request_line",
                                      "stream": "ext://sys.stdout"}
    config["loggers"]["api.requests"] = {"handlers": ["requests"], "level": "INFO",
                                         "propagate": False}
    return config


def server_config(app: Any, host: str, port: int, **options: Any) -> uvicorn.Config:
    """The uvicorn configuration the API is served with (`faktura serve`, the socket tests)."""
    options.setdefault("log_config", log_config())
    return uvicorn.Config(app, host=host, port=port, http=ProblemH11Protocol, access_log=False,
                          proxy_headers=False, **options)
