"""Request log lines leave the request path through a queue and arrive whole."""

from __future__ import annotations

import io
import json
import logging

from services.api.log_queue import log_off_the_request_path
from services.platform.json_logging import JsonFormatter, request_id


def test_a_request_line_is_written_by_the_listener_as_json_with_its_fields() -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, logging._srcfile)
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter("api"))
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    stop = log_off_the_request_path()
    try:
        token = request_id.set("req-42")
        try:
            logging.getLogger("services.api").info(
                "request", extra={"route": "/healthz", "status": 200, "ms": 0.4}
            )
        finally:
            request_id.reset(token)
        logging.getLogger("services.api").warning("second")
        stop()  # drains the queue
        stop()  # and is harmless twice (it also runs at exit)
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        logging._srcfile = saved[2]
        logging.logThreads = logging.logProcesses = logging.logMultiprocessing = True
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert first["message"] == "request" and first["service"] == "api"
    assert (first["route"], first["status"], first["ms"]) == ("/healthz", 200, 0.4)
    assert first["request_id"] == "req-42"  # carried across to the listener's thread
    assert second["level"] == "WARNING" and "request_id" not in second
