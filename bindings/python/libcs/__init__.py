"""libcs: the embeddable helpdesk, from Python.

A thin ctypes binding over the libcs shared library: every operation goes through the
JSON request interface (``cs_call``), so it behaves exactly like the C API and csdesk.

    import libcs

    with libcs.open("helpdesk.db") as db:
        mail = db.channel_create("email", "Mail", address="support@shop.example")
        result = db.ingest(mail["id"], "kim@example.com", "Where is my order?")
        print(result["ticket_number"], result["receipt"], result["promised_at"])

Every method of cs_call() is a method of the Database, generated from the library's
catalogue ("ticket.create" is ``db.ticket_create``; ``help(libcs.Database)`` lists them).
Times are aware datetimes both ways. See docs/python.md for where the library is looked
for, the API, times, threads and the errors.
"""

import os

from . import _native
from ._codec import NOT_GIVEN, NotGiven
from ._methods import Result
from .database import Database
from .errors import (AlreadyExists, Busy, ClosedError, Conflict, DatabaseError, Error,
                     InvalidInput, NotFound, PermissionDenied, ReadOnly, VersionMismatch)


def open(path: str | os.PathLike[str], create: bool = True,
         readonly: bool = False, relaxed: bool = False) -> Database:
    """Open (and with ``create``, create) a libcs database file, or ":memory:". With
    ``relaxed``, commits do not wait for the disk (a power failure can undo the latest)."""
    return Database(path, create=create, readonly=readonly, relaxed=relaxed)


def version() -> str:
    """The version of the loaded libcs library, such as "0.2.0"."""
    version: bytes = _native.library().cs_version(None, None, None)
    return version.decode()


__all__ = [
    "AlreadyExists", "Busy", "ClosedError", "Conflict", "Database", "DatabaseError", "Error",
    "InvalidInput", "NOT_GIVEN", "NotFound", "NotGiven", "PermissionDenied", "ReadOnly",
    "Result", "VersionMismatch", "open", "version",
]
