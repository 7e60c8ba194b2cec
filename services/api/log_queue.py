"""Logging off the request path: handlers run on a listener thread, fed through a queue.

A request only builds its log record and puts it on a queue; formatting it as JSON and
writing it to stderr happen on a background thread, so a slow or blocked stderr never holds
up an answer. The records are passed on unchanged except for the request id, which lives in
a context variable the listener thread cannot see.
"""

from __future__ import annotations

import atexit
import logging
import queue
from collections.abc import Callable
from logging.handlers import QueueHandler, QueueListener

from services.platform.json_logging import request_id


class _PassOn(QueueHandler):
    """Queue the record itself (formatting is the listener's handlers' job)."""

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        rid = request_id.get()
        if rid and not hasattr(record, "request_id"):
            record.request_id = rid
        return record


def log_off_the_request_path() -> Callable[[], None]:
    """Move the root logger's handlers behind a queue; return what stops (and flushes) it,
    also called at exit.

    Records also stop collecting what no log line shows (the caller's source line, thread
    and process names): the optimisations the logging HOWTO lists, each a stack walk or
    lookup per record.
    """
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    root = logging.getLogger()
    records: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    listener = QueueListener(records, *root.handlers, respect_handler_level=True)
    root.handlers[:] = [_PassOn(records)]
    listener.start()
    running = [True]

    def stop() -> None:
        if running.pop() if running else False:
            listener.stop()

    atexit.register(stop)
    return stop
