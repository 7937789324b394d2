"""The Database: one open libcs handle, with cs_call underneath everything."""

import contextlib
import ctypes
import json
import os
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import Any

from . import _native
from .errors import ClosedError, Error, from_code

Result = dict[str, Any]


def _encode(value: Any) -> str:
    """JSON for what json cannot write itself: aware datetimes, as ISO 8601 in UTC."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"{value!r} has no time zone; libcs times are absolute")
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


class Database:
    """An open libcs database.

    Use it from one thread at a time (open one per thread). It closes on ``close()``, at
    the end of a ``with`` block, or when it is garbage collected; a closed Database raises
    ``ClosedError`` instead of reaching the library.

    Every method raises a subclass of ``libcs.Error`` when libcs refuses. The wrappers
    return the decoded JSON response of the method they are named after (see
    ``lib/json.c`` for every method's fields); list methods return the items.
    """

    def __init__(self, path: str | os.PathLike[str], *, create: bool = True,
                 readonly: bool = False) -> None:
        self._handle: ctypes.c_void_p | None = None
        self._lib = _native.library()
        self._clock: Any = None
        self._clock_error: BaseException | None = None
        self._readonly = readonly
        self.path = os.fspath(path)
        flags = _native.OPEN_CREATE if create else 0
        flags |= _native.OPEN_READONLY if readonly else 0
        handle = ctypes.c_void_p()
        self._check(self._lib.cs_db_open(ctypes.byref(handle), os.fsencode(path), flags))
        self._handle = handle

    # -- the handle ---------------------------------------------------------------------

    def close(self) -> None:
        """Close the database; an open transaction is rolled back. Closing twice is fine."""
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
        request = json.dumps(fields, default=_encode).encode()
        response = ctypes.c_void_p()
        status = self._lib.cs_call(ctypes.byref(response), self._live(), method.encode(),
                                   request)
        if not response.value:  # only when libcs ran out of memory
            raise self._last_error()
        try:
            result = json.loads(ctypes.string_at(response.value).decode())
        finally:
            self._lib.cs_str_free(response)
        if self._clock_error is not None:
            error, self._clock_error = self._clock_error, None
            raise error
        if status < 0:
            e = result["error"]
            raise from_code(e["code"], e["message"], e["field"])
        return result

    # -- who acts, when, and atomically -------------------------------------------------

    def as_system(self) -> None:
        """Act as the host program itself (the default): everything is allowed."""
        self._check(self._lib.cs_db_set_actor(self._live(), _native.ACTOR_SYSTEM, 0))

    def as_agent(self, agent_id: int) -> None:
        """Act as an agent, with the rights of its role, from now on."""
        self._check(self._lib.cs_db_set_actor(self._live(), _native.ACTOR_AGENT, agent_id))

    def as_customer(self, customer_id: int) -> None:
        """Act as a customer: only its own tickets, never internal notes."""
        self._check(self._lib.cs_db_set_actor(self._live(), _native.ACTOR_CUSTOMER,
                                              customer_id))

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

        handle = self._live()
        # Keep the ctypes callback alive as long as libcs may call it.
        self._clock = _native.CLOCK_FN(tick) if clock else None
        self._lib.cs_db_set_clock(handle, self._clock or _native.CLOCK_FN(), None)

    @contextlib.contextmanager
    def transaction(self) -> Iterator["Database"]:
        """Make everything in the block atomic: committed at its end, rolled back if it
        raises. Transactions nest."""
        self._check(self._lib.cs_db_begin(self._live()))
        try:
            yield self
        except BaseException:
            self._check(self._lib.cs_db_rollback(self._live()))
            raise
        self._check(self._lib.cs_db_commit(self._live()))

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

    def reply(self, ticket_id: int, body: str, channel_id: int | None = None,
              **fields: Any) -> Result:
        """Reply publicly as the current actor, on the customer's latest channel unless
        ``channel_id`` names another, to the address they last wrote from unless
        ``recipient`` names another of theirs; returns {"message_id": ...}."""
        return self.call("ticket.reply", ticket_id=ticket_id, body=body, channel_id=channel_id,
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

