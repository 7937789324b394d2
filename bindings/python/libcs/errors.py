"""Exceptions: one class per libcs status code (cs/errors.h, docs/errors.md)."""


class Error(Exception):
    """A libcs call failed.

    ``code`` is the status name without its prefix ("EINVAL", "ENOTFOUND"...), ``message``
    says in words what went wrong, and ``field`` names the offending request field, or is
    "" when no single field is to blame.
    """

    def __init__(self, code: str, message: str, field: str = "") -> None:
        super().__init__(f"{message} ({code})")
        self.code = code
        self.message = message
        self.field = field


class NotFound(Error):
    """ENOTFOUND: the object does not exist, or the actor may not see it."""


class AlreadyExists(Error):
    """EEXISTS: a unique value (identity, number, name) is already taken."""


class InvalidInput(Error, ValueError):
    """EINVAL: a request field (named in ``field``) is missing, malformed or unknown.

    Also a ``ValueError``: the binding raises it itself, before reaching the library, for
    what libcs cannot take (a NUL byte in a path, an integer beyond 64 bits).
    """


class Conflict(Error):
    """ECONFLICT: the change conflicts with the object's state."""


class PermissionDenied(Error):
    """EPERM: the actor set on the database may not do this."""


class Busy(Error):
    """EBUSY: the database stayed locked past the busy timeout."""


class VersionMismatch(Error):
    """EVERSION: the database was written by a newer libcs, or needs an upgrade."""


class ReadOnly(Error):
    """EREADONLY: the database was opened read-only."""


class DatabaseError(Error):
    """EDB: the storage failed; the message carries SQLite's text."""


class ClosedError(Error):
    """The Database was closed; libcs itself says EINVAL for a missing handle."""

    def __init__(self) -> None:
        super().__init__("EINVAL", "the database is closed", "db")


_BY_CODE = {
    "ENOTFOUND": NotFound,
    "EEXISTS": AlreadyExists,
    "EINVAL": InvalidInput,
    "ECONFLICT": Conflict,
    "EPERM": PermissionDenied,
    "EBUSY": Busy,
    "EVERSION": VersionMismatch,
    "EREADONLY": ReadOnly,
    "EDB": DatabaseError,
}


def from_code(code: str, message: str, field: str = "") -> Error:
    """The exception for a status name; codes without a class of their own give Error."""
    return _BY_CODE.get(code, Error)(code, message, field)
