"""The Database: one open libcs handle, with cs_call underneath everything."""

import base64
import contextlib
import ctypes
import json
import os
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import Any

from . import _native
from .errors import ClosedError, Error, InvalidInput, from_code

Result = dict[str, Any]

# What an int64_t holds: libcs's ids, counts and times.
_INT64 = range(-2**63, 2**63)


def _check_integers(value: Any, field: str) -> None:
    """Refuse integers that JSON would carry but libcs cannot hold, naming the field."""
    if isinstance(value, int) and not isinstance(value, bool) and value not in _INT64:
        raise InvalidInput("EINVAL", f"{field} {value} is out of range: libcs takes 64-bit "
                           "integers", field)
    if isinstance(value, dict):
        for key, item in value.items():
            _check_integers(item, f"{field}.{key}" if field else str(key))
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _check_integers(item, f"{field}[{i}]")


def _id(value: Any) -> int:
    """An agent's or customer's id for a handle function, which ctypes would wrap silently."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput("EINVAL", f"id must be an integer, not {value!r}", "id")
    _check_integers(value, "id")
    return value


def _text(value: str | bytes, field: str) -> bytes:
    """UTF-8 (or, for paths, the file system's) bytes for C, where a NUL byte ends early."""
    data = os.fsencode(value) if field == "path" else value.encode()
    if b"\0" in data:
        raise InvalidInput("EINVAL", f"{field} has a NUL byte: {value!r}", field)
    return data


def _encode(value: Any) -> str:
    """JSON for what json cannot write itself: aware datetimes, as ISO 8601 in UTC."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"{value!r} has no time zone; libcs times are absolute")
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


class Database:
    """An open libcs database.

    Threads may share it: every call into the library holds the Database's lock (a
    transaction holds it until it ends), so calls from several threads take turns. One
    Database per thread runs them in parallel instead. It closes on ``close()``, at the end
    of a ``with`` block, or when it is garbage collected; a closed Database raises
    ``ClosedError`` instead of reaching the library.

    Every method raises a subclass of ``libcs.Error`` when libcs refuses. The wrappers
    return the decoded JSON response of the method they are named after (see
    ``lib/json.c`` for every method's fields); list methods return the items.
    """

    def __init__(self, path: str | os.PathLike[str], *, create: bool = True,
                 readonly: bool = False) -> None:
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
        """Run one cs_call() request and return the decoded response.

        ``fields`` become the request object; None is JSON null, and aware datetimes are
        written as ISO 8601 times. Raises the ``Error`` subclass for the response's code.
        """
        if self._clock is None or self._readonly:
            return self._call(method, fields)
        # A clock that raises must undo what the call stamped with its fallback time.
        with self.transaction():
            return self._call(method, fields)

    def _call(self, method: str, fields: dict[str, Any]) -> Result:
        _check_integers(fields, "")
        request = json.dumps(fields, default=_encode).encode()
        name = _text(method, "method")
        response = ctypes.c_void_p()
        with self._lock:
            status = self._lib.cs_call(ctypes.byref(response), self._live(), name, request)
            if not response.value:  # only when libcs ran out of memory
                raise self._last_error()
            try:
                result = json.loads(ctypes.string_at(response.value).decode())
            finally:
                self._lib.cs_str_free(response)
            error, self._clock_error = self._clock_error, None
        if error is not None:
            raise error
        if status < 0:
            e = result["error"]
            raise from_code(e["code"], e["message"], e["field"])
        return result

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
                return int(clock())
            except BaseException as e:  # raised again by call()
                self._clock_error = e
                return 0

        with self._lock:
            handle = self._live()
            # Keep the ctypes callback alive as long as libcs may call it.
            self._clock = _native.CLOCK_FN(tick) if clock else None
            self._lib.cs_db_set_clock(handle, self._clock or _native.CLOCK_FN(), None)

    @contextlib.contextmanager
    def transaction(self) -> Iterator["Database"]:
        """Make everything in the block atomic: committed at its end, rolled back if it
        raises. Transactions nest. The block holds the Database for its thread: calls from
        other threads wait until it ends instead of landing in its transaction."""
        with self._lock:
            self._run(self._lib.cs_db_begin)
            try:
                yield self
            except BaseException:
                self._run(self._lib.cs_db_rollback)
                raise
            self._run(self._lib.cs_db_commit)

    # -- the main flows -----------------------------------------------------------------

    def channel_create(self, kind: str, name: str, **fields: Any) -> Result:
        """Create a channel ("email", "webform", "chat"...); returns the channel."""
        return self.call("channel.create", kind=kind, name=name, **fields)

    def agent_create(self, name: str, **fields: Any) -> Result:
        """Create an agent (email, role, skills...); returns the agent."""
        return self.call("agent.create", name=name, **fields)

    def customer_create(self, name: str, **fields: Any) -> Result:
        """Create a customer; ``identities=[{"kind": "email", "value": ...}]``."""
        return self.call("customer.create", name=name, **fields)

    def customer_find(self, kind: str, value: str) -> Result:
        """The customer who owns an identity (the value is normalised first)."""
        return self.call("customer.find", kind=kind, value=value)

    def ingest(self, channel_id: int, sender: str, body: str, **fields: Any) -> Result:
        """Take in a customer's message (subject, external_id, sender_name...).

        Returns what happened: ticket_id, ticket_number, customer_id, created, duplicate,
        thread, and the receipt's text in ``receipt``.
        """
        return self.call("ingest", channel_id=channel_id, sender=sender, body=body, **fields)

    def ingest_mail(self, channel_id: int, raw: bytes) -> Result:
        """Take in a mail as received (RFC 5322 bytes, any charset) on an email channel.

        Returns what ``ingest`` returns, and ``mail_kind`` (message, automatic, bounce,
        unparsed) and ``bounced_item_id``.
        """
        return self.call("ingest.mail", channel_id=channel_id,
                         raw_base64=base64.b64encode(bytes(raw)).decode("ascii"))

    def reply(self, ticket_id: int, body: str, channel_id: int | None = None,
              **fields: Any) -> Result:
        """Reply publicly as the current actor, on the customer's latest channel unless
        ``channel_id`` names another, to the address they last wrote from unless
        ``recipient`` names another of theirs; returns {"message_id": ...}."""
        return self.call("reply", ticket_id=ticket_id, body=body, channel_id=channel_id,
                         **fields)

    def ticket(self, id: int | None = None, *, number: int | None = None,
               messages: bool = False) -> Result:
        """One ticket by id or by number, with its messages if asked."""
        return self.call("ticket.get", id=id, number=number, messages=messages)

    def tickets(self, **filter: Any) -> Iterator[Result]:
        """Every ticket that matches the filter (status, customer_id, tag, order...),
        fetched a page of ``limit`` tickets at a time."""
        while True:
            page = self.call("ticket.list", **filter)
            yield from page["tickets"]
            if page["next_after"] is None:
                return
            filter["after"] = page["next_after"]

    def claim(self, **fields: Any) -> list[Result]:
        """Claim due outbox items (max, lease_seconds, channel_kind, channel_id)."""
        return self.call("outbox.claim", **fields)["items"]

    def ack(self, item: Result, external_id: str | None = None) -> None:
        """A claimed item was sent; ``external_id`` is the channel's id for it."""
        self.call("outbox.ack", id=item["id"], lease=item["lease"], external_id=external_id)

    def fail(self, item: Result, error: str, retry_at: datetime | None = None) -> None:
        """Sending a claimed item failed; it is retried at ``retry_at`` or with backoff."""
        self.call("outbox.fail", id=item["id"], lease=item["lease"], error=error,
                  retry_at=retry_at)

    def sla_status(self, ticket_id: int) -> Result:
        """A ticket's SLA clocks by metric: state, target_at, warn_at, breached_at..."""
        return self.call("sla.status", ticket_id=ticket_id)["clocks"]

    def tick(self, now: datetime | None = None) -> Result:
        """Record the SLA warnings and breaches due at ``now`` (default: the clock), once."""
        return self.call("tick", now=now)

