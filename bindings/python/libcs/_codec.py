"""Requests to JSON and answers from it: times, 64-bit integers, fields not given.

Which answer fields are times comes from the method's answer schema in the catalogue
(``format: date-time``), never from a field's name.
"""

import keyword
from collections.abc import Callable, Mapping
from datetime import date, datetime, timezone
from typing import Any

from .errors import InvalidInput


class NotGiven:
    """The default of every optional argument: the field is left out of the request.

    ``None`` is different: it is sent as JSON null, which clears a reference such as
    ``group_id`` in an update.
    """

    _instance: "NotGiven | None" = None

    def __new__(cls) -> "NotGiven":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "<not given>"

    def __bool__(self) -> bool:
        return False


# Typed as Any so that `channel_id: int = NOT_GIVEN` is a well-typed default.
NOT_GIVEN: Any = NotGiven()

# What an int64_t holds: libcs's ids, counts and times.
_INT64 = range(-2**63, 2**63)


def field_name(argument: str) -> str:
    """The request field for a keyword argument: `from_` is `from`, which Python reserves."""
    if argument.endswith("_") and keyword.iskeyword(argument[:-1]):
        return argument[:-1]
    return argument


def iso_time(value: datetime, field: str) -> str:
    """An aware datetime as libcs writes times: ISO 8601 in UTC, whole seconds."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(
            "EINVAL", f"{field or 'a time'} is a naive datetime ({value.isoformat()}); libcs "
            "times are absolute: give it a time zone, such as tzinfo=timezone.utc", field)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def prepare(value: Any, field: str = "") -> Any:
    """A request value as json can write it, checked for what libcs cannot take.

    Aware datetimes become ISO 8601 times in UTC and dates ISO dates; a naive datetime and
    an integer beyond 64 bits raise ``InvalidInput`` naming the field ("custom.order[1]").
    Fields whose value is ``NOT_GIVEN`` are left out.
    """
    if isinstance(value, bool) or value is None or isinstance(value, (str, float)):
        return value
    if isinstance(value, int):
        if value not in _INT64:
            raise InvalidInput("EINVAL", f"{field} {value} is out of range: libcs takes 64-bit "
                               "integers", field)
        return value
    if isinstance(value, datetime):
        return iso_time(value, field)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): prepare(item, f"{field}.{key}" if field else str(key))
                for key, item in value.items() if item is not NOT_GIVEN}
    if isinstance(value, (list, tuple)):
        return [prepare(item, f"{field}[{i}]") for i, item in enumerate(value)]
    return value  # json.dumps raises TypeError for what it cannot write


def parse_time(text: str) -> datetime:
    """A time of an answer ("2026-03-02T09:00:00Z") as an aware datetime in UTC."""
    return datetime.fromisoformat(text).astimezone(timezone.utc)


Decoder = Callable[[Any], Any]


def _time(value: Any) -> Any:
    return parse_time(value) if isinstance(value, str) else value


def _object(properties: dict[str, Decoder], rest: Decoder | None) -> Decoder:
    def decode(value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        for key, item in value.items():
            inner = properties.get(key, rest)
            if inner is not None:
                value[key] = inner(item)
        return value
    return decode


def _array(items: Decoder) -> Decoder:
    def decode(value: Any) -> Any:
        return [items(item) for item in value] if isinstance(value, list) else value
    return decode


def decoder(schema: Any) -> Decoder | None:
    """What turns an answer of this JSON Schema into Python values: every string of
    ``format: date-time``, at any depth, becomes an aware datetime in UTC. None when the
    schema holds no time, so that such answers are left as they are."""
    if not isinstance(schema, dict):
        return None
    if schema.get("format") == "date-time":
        return _time
    items = decoder(schema.get("items"))
    if items is not None:
        return _array(items)
    properties = {key: d for key, sub in schema.get("properties", {}).items()
                  if (d := decoder(sub)) is not None}
    rest = decoder(schema.get("additionalProperties"))
    if properties or rest is not None:
        return _object(properties, rest)
    return None
