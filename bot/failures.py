"""What went wrong, told once for every shell: an outage (people should come back later) or a fault,
and where it happened (for a log line that never carries the exception's message)."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout


def where(exc: BaseException) -> str:
    """Where an exception was raised ("engine.py:120"), for a log line without its message."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        return "?"
    return f"{tb.tb_frame.f_code.co_filename.rsplit('/', 2)[-1]}:{tb.tb_lineno}"


def is_outage(exc: BaseException) -> bool:
    """The database or the network is away (or every connection is busy for longer than we wait):
    people are told to come back, not that they did something wrong."""
    return isinstance(exc, DBAPIError | PoolTimeout | OSError | TimeoutError)
