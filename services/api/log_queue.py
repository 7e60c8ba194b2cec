"""Logging off the request path: handlers run on a listener thread, fed through a queue.

A request only builds its log record and puts it on a queue; formatting it as JSON and
writing it to stderr happen on a background thread, so a slow or blocked stderr never holds
up an answer. The thread writes the lines of all the records waiting with one call. The
records are passed on unchanged except for the request id, which lives in a context variable
the listener thread cannot see.
"""

from __future__ import annotations

import atexit
import logging
import queue
from collections.abc import Callable
from logging import Handler
from logging.handlers import QueueHandler, QueueListener
from typing import TextIO

from services.platform.json_logging import request_id


class _HeldLines:
    """A stream that keeps what is written until `release`: the listener writes the lines of
    every record waiting in the queue with one system call, not one call (and one hand-over
    of the interpreter lock) per line."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._lines: list[str] = []

    def write(self, text: str) -> None:
        self._lines.append(text)

    def flush(self) -> None:
        """Nothing: the lines go out when the queue is empty (`release`)."""

    def release(self) -> None:
        if self._lines:
            text, self._lines = "".join(self._lines), []
            self.stream.write(text)
            self.stream.flush()


class _Listener(QueueListener):
    """Hands records to the handlers; writes their lines out whenever the queue runs dry."""

    def __init__(self, records: queue.SimpleQueue[logging.LogRecord], *handlers: Handler):
        super().__init__(records, *handlers, respect_handler_level=True)
        self.records = records
        self.held: list[_HeldLines] = []
        for handler in handlers:
            if type(handler) is logging.StreamHandler:
                held = _HeldLines(handler.stream)
                handler.setStream(held)
                self.held.append(held)

    def dequeue(self, block: bool) -> logging.LogRecord:
        try:
            record: logging.LogRecord = self.records.get_nowait()
        except queue.Empty:
            self.release()
            record = self.records.get(block)
        return record

    def release(self) -> None:
        for held in self.held:
            held.release()


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
    listener = _Listener(records, *root.handlers)
    root.handlers[:] = [_PassOn(records)]
    listener.start()
    running = [True]

    def stop() -> None:
        if running.pop() if running else False:
            listener.stop()
            listener.release()

    atexit.register(stop)
    return stop
