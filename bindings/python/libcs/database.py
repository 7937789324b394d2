"""The Database: one open libcs handle, with cs_call underneath everything."""

import base64
import contextlib
import ctypes
import json
import os
import threading
import types
from collections.abc import Callable, Iterator
from typing import Any

from . import _codegen, _native
from ._codec import NOT_GIVEN, Decoder, decoder, field_name, prepare
from ._methods import Methods, Result
from .errors import ClosedError, Error, InvalidInput, from_code

Entry = dict[str, Any]


def _id(value: Any) -> int:
    """An agent's or customer's id for a handle function, which ctypes would wrap silently."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput("EINVAL", f"id must be an integer, not {value!r}", "id")
    prepare(value, "id")
    return value


def _text(value: str | bytes | os.PathLike[str] | os.PathLike[bytes], field: str) -> bytes:
    """UTF-8 (or, for paths, the file system's) bytes for C, where a NUL byte ends early."""
    data = os.fsencode(value) if field == "path" else str(value).encode()
    if b"\0" in data:
        raise InvalidInput("EINVAL", f"{field} has a NUL byte: {value!r}", field)
    return data


class Catalogue:
    """The loaded library's methods (``cs_call(db, "methods", "{}")``), and what each
    needs to decode its answer. One per process: the catalogue belongs to the library."""

    def __init__(self, entries: list[Entry]) -> None:
        self.entries = {entry["name"]: entry for entry in entries}
        self._decoders: dict[str, Decoder | None] = {}
        self._functions: dict[str, Callable[..., Any] | None] = {}

    def decode(self, method: str, result: Result) -> Result:
        """The answer with its times (by the method's answer schema) as datetimes."""
        if method not in self._decoders:
            entry = self.entries.get(method)
            self._decoders[method] = decoder(entry["response"]) if entry else None
        decode = self._decoders[method]
        decoded: Result = decode(result) if decode else result
        return decoded

    def function(self, name: str) -> Callable[..., Any] | None:
        """The Python method of that name, compiled from its entry; None if there is none."""
        if name not in self._functions:
            entry = next((e for e in self.entries.values()
                          if _codegen.python_name(e["name"]) == name), None)
            self._functions[name] = _codegen.function(entry) if entry else None
        return self._functions[name]

    def list_field(self, method: str) -> str | None:
        """For a method that pages (takes `after`, answers `next_after`), the field of its
        answer that holds the page's items."""
        entry = self.entries.get(method)
        if not entry or "after" not in entry["request"].get("properties", {}):
            return None
        answer = entry["response"].get("properties", {})
        arrays = [k for k, s in answer.items() if s.get("type") == "array"]
        return arrays[0] if "next_after" in answer and len(arrays) == 1 else None


_catalogue: Catalogue | None = None


class Database(Methods):
    """An open libcs database.

    Every method of cs_call() is a method of its own (``db.ticket_create(...)`` runs
    "ticket.create", see ``help(libcs.Database)``), generated from the library's catalogue;
    ``call()`` runs any of them by name. Each returns the decoded answer, with the times the
    method's answer schema declares as aware datetimes in UTC, and raises a subclass of
    ``libcs.Error`` when libcs refuses.

    Threads may share it: every call into the library holds the Database's lock (a
    transaction holds it until it ends), so calls from several threads take turns. One
    Database per thread runs them in parallel instead. It closes on ``close()``, at the end
    of a ``with`` block, or when it is garbage collected; a closed Database raises
    ``ClosedError`` instead of reaching the library.
    """

    def __init__(self, path: str | os.PathLike[str], *, create: bool = True,
                 readonly: bool = False, relaxed: bool = False) -> None:
        self._handle: ctypes.c_void_p | None = None
        # The handle is one SQLite connection without a mutex of its own, and the error of a
        # handle function is read after it returns: both belong to one call at a time.
        self._lock = threading.RLock()
        self._lib = _native.library()
        self._clock: Any = None
        self._clock_error: BaseException | None = None
        self._readonly = readonly
        self.path = os.fspath(path)
        # A read-only open never creates the file.
        if readonly:
            flags = _native.OPEN_READONLY
        else:
            flags = _native.OPEN_CREATE if create else 0
        # Commits that do not wait for the disk (cs/db.h, CS_OPEN_RELAXED).
        if relaxed:
            flags |= _native.OPEN_RELAXED
        handle = ctypes.c_void_p()
        self._check(self._lib.cs_db_open(ctypes.byref(handle), _text(path, "path"), flags))
        self._handle = handle

    # -- the handle ---------------------------------------------------------------------

    def close(self) -> None:
        """Close the database; an open transaction is rolled back. Closing twice is fine."""
        with self._lock:
            handle, self._handle = self._handle, None
            if handle is not None:
                self._lib.cs_db_close(handle)

    @property
    def closed(self) -> bool:
        """Whether close() was called."""
        return self._handle is None

    def __enter__(self) -> "Database":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __del__(self) -> None:
        if "_lock" in self.__dict__:
            self.close()

    def _live(self) -> ctypes.c_void_p:
        if self._handle is None:
            raise ClosedError()
        return self._handle

    def _last_error(self) -> Error:
        """The calling thread's last libcs error as an exception."""
        e = self._lib.cs_error_last().contents
        return from_code(self._lib.cs_status_name(e.code).decode(), e.message.decode(),
                         e.field.decode())

    def _check(self, status: int) -> None:
        """Raise the last error if a handle function failed."""
        if status < 0:
            raise self._last_error()

    def _run(self, function: Any, *args: Any) -> None:
        """Call a handle function on the live handle and raise its error, under the lock."""
        with self._lock:
            self._check(function(self._live(), *args))

    # -- the JSON interface -------------------------------------------------------------

    def call(self, method: str, /, **fields: Any) -> Result:
        """Run one cs_call() request and return the decoded answer.

        ``fields`` become the request object: ``None`` is JSON null, ``NOT_GIVEN`` leaves a
        field out, aware datetimes are sent as ISO 8601 times (a naive one raises
        ``InvalidInput``), and ``from_`` is the field ``from``. The answer's times, as the
        method's answer schema declares them, are aware datetimes in UTC. Raises the
        ``Error`` subclass for the answer's code.
        """
        request = prepare({field_name(k): v for k, v in fields.items()})
        with self._lock:
            # The catalogue's own answer holds no time; everything else is decoded by it.
            catalogue = self._catalogue() if method != "methods" else None
            if self._clock is None or self._readonly:
                result = self._call(method, request)
            else:
                # A clock that raises must undo what the call stamped with its fallback time.
                with self.transaction():
                    result = self._call(method, request)
        return catalogue.decode(method, result) if catalogue else result

    def _call(self, method: str, request: dict[str, Any]) -> Result:
        """cs_call() itself: the raw answer, or the exception for its error."""
        data = json.dumps(request).encode()
        name = _text(method, "method")
        response = ctypes.c_void_p()
        with self._lock:
            status = self._lib.cs_call(ctypes.byref(response), self._live(), name, data)
            if not response.value:  # only when libcs ran out of memory
                raise self._last_error()
            try:
                result: Result = json.loads(ctypes.string_at(response.value).decode())
            finally:
                self._lib.cs_str_free(response)
            error, self._clock_error = self._clock_error, None
        if error is not None:
            raise error
        if status < 0:
            e = result["error"]
            raise from_code(e["code"], e["message"], e["field"])
        return result

    def _catalogue(self) -> Catalogue:
        """The library's catalogue, asked for once per process through this handle."""
        global _catalogue
        if _catalogue is None:
            # Two threads may both ask on first use; either answer is the same.
            _catalogue = Catalogue(self._call("methods", {})["methods"])
        return _catalogue

    def __getattr__(self, name: str) -> Any:
        """A method the loaded library has but _methods.py does not know yet (the library
        is newer than this package), compiled from its catalogue entry."""
        if name.startswith("_") or self.__dict__.get("_handle") is None:
            raise AttributeError(f"'Database' object has no attribute {name!r}")
        try:
            function = self._catalogue().function(name)
        except Error as e:
            raise AttributeError(f"'Database' object has no attribute {name!r}") from e
        if function is None:
            raise AttributeError(f"'Database' object has no attribute {name!r}")
        return types.MethodType(function, self)

    # -- who acts, when, and atomically -------------------------------------------------

    def as_system(self) -> None:
        """Act as the host program itself (the default): everything is allowed."""
        self._run(self._lib.cs_db_set_actor, _native.ACTOR_SYSTEM, 0)

    def as_agent(self, agent_id: int) -> None:
        """Act as an agent, with the rights of its role, from now on."""
        self._run(self._lib.cs_db_set_actor, _native.ACTOR_AGENT, _id(agent_id))

    def as_customer(self, customer_id: int) -> None:
        """Act as a customer: only its own tickets, never internal notes."""
        self._run(self._lib.cs_db_set_actor, _native.ACTOR_CUSTOMER, _id(customer_id))

    def set_clock(self, clock: Callable[[], float] | None) -> None:
        """Take every time libcs stamps from ``clock()`` (seconds since the epoch, UTC).

        None goes back to the system clock. If ``clock`` raises, the call that asked for
        the time raises that exception and changes nothing: while a clock is set, every
        call on a writable database runs in a transaction.
        """
        def tick(_payload: int | None) -> int:
            try:
                return int(clock())  # type: ignore[misc]
            except BaseException as e:  # raised again by call()
                self._clock_error = e
                return 0

        with self._lock:
            handle = self._live()
            # Keep the ctypes callback alive as long as libcs may call it.
            self._clock = _native.CLOCK_FN(tick) if clock else None
            off = _native.CLOCK_FN()  # type: ignore[call-overload]  # the NULL callback
            self._lib.cs_db_set_clock(handle, self._clock or off, None)

    def transaction(self) -> contextlib.AbstractContextManager["Database"]:
        """Make everything in the block atomic: committed at its end, rolled back if it
        raises. Transactions nest. The block holds the Database for its thread: calls from
        other threads wait until it ends instead of landing in its transaction."""
        return self._section(self._lib.cs_db_begin)

    def bulk(self) -> contextlib.AbstractContextManager["Database"]:
        """A bulk section for imports (cs_db_begin_bulk): as ``transaction()``, but the
        calls in it open no savepoints of their own, so a batch runs faster; a call that
        fails once it began its changes fails the whole block, which is rolled back. Not
        inside another transaction."""
        return self._section(self._lib.cs_db_begin_bulk)

    @contextlib.contextmanager
    def _section(self, begin: Any) -> Iterator["Database"]:
        # A commit that fails has rolled the section back already (cs_db_commit).
        with self._lock:
            self._run(begin)
            try:
                yield self
            except BaseException:
                self._run(self._lib.cs_db_rollback)
                raise
            self._run(self._lib.cs_db_commit)

    # -- conveniences over the generated methods ----------------------------------------

    def iterate(self, method: str, /, **fields: Any) -> Iterator[Result]:
        """Every item a list method that pages answers ("ticket.list", "customer.list"),
        fetched a page of ``limit`` items at a time by following ``next_after``."""
        with self._lock:
            items = self._catalogue().list_field(method)
        if items is None:
            raise InvalidInput("EINVAL", f"{method} does not answer in pages", "method")
        return self._pages(method, items, fields)

    def _pages(self, method: str, items: str, fields: dict[str, Any]) -> Iterator[Result]:
        while True:
            page = self.call(method, **fields)
            yield from page[items]
            if page["next_after"] is None:
                return
            fields["after"] = page["next_after"]

    def tickets(self, **filter: Any) -> Iterator[Result]:
        """Every ticket that matches the filter (the fields of ``ticket_list``: status,
        customer_id, tag, order...), fetched a page of ``limit`` tickets at a time."""
        return self.iterate("ticket.list", **filter)

    def ingest_mail(self, channel_id: int,
                    raw: bytes | bytearray | memoryview | str = NOT_GIVEN, *,
                    raw_base64: str = NOT_GIVEN) -> Result:
        """Take in a mail as received on an email channel: ``raw`` is the mail's bytes
        (RFC 5322, any charset; sent base64-encoded), or its text; ``raw_base64`` is the
        bytes already base64-encoded.

        Returns what ``ingest`` returns, and ``mail_kind`` (message, automatic, bounce,
        unparsed) and ``bounced_item_id``. libcs method "ingest.mail".
        """
        if isinstance(raw, (bytes, bytearray, memoryview)):
            raw_base64 = base64.b64encode(bytes(raw)).decode("ascii")
            raw = NOT_GIVEN
        return self.call("ingest.mail", channel_id=channel_id, raw=raw, raw_base64=raw_base64)
