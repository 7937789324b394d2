"""Python methods from the catalogue (``cs_call(db, "methods", "{}")``).

The same source serves twice: ``generate.py`` writes it for every method into
``_methods.py`` (checked in, so that help(), IDEs and type checkers see real signatures),
and a Database compiles it at run time for a method the loaded library has but
``_methods.py`` does not know yet.
"""

import json
import keyword
import re
import textwrap
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Callable, Literal

from ._codec import NOT_GIVEN, decoder

Entry = dict[str, Any]

_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*\Z")
_WIDTH = 92


def python_name(method: str) -> str | None:
    """The Python method for a libcs method ("route.next" is route_next), or None when
    the name cannot be one."""
    name = method.replace(".", "_")
    if not _IDENTIFIER.match(name) or keyword.iskeyword(name) or name.startswith("_"):
        return None
    return name


def argument_name(field: str) -> str | None:
    """The keyword argument for a request field: `from` becomes `from_`."""
    if not _IDENTIFIER.match(field) or field in ("self",):
        return None
    return field + "_" if keyword.iskeyword(field) else field


def _literal(value: Any) -> str:
    """A Python literal for an enum's value (JSON's escapes are Python's)."""
    return json.dumps(value, ensure_ascii=False)


def _types(schema: dict[str, Any]) -> tuple[list[str], bool]:
    types = schema.get("type", [])
    types = [types] if isinstance(types, str) else list(types)
    nullable = "null" in types
    return [t for t in types if t != "null"], nullable


def type_hint(schema: Any, request: bool) -> str:
    """A type annotation for a field: times are datetimes (requests also take strings,
    such as a date), enums Literals, arrays lists of their items."""
    if not isinstance(schema, dict):
        return "Any"
    types, nullable = _types(schema)
    hints = []
    for t in types:
        if t == "string" and schema.get("format") == "date-time":
            hints.append("datetime | str" if request else "datetime")
        elif t == "string" and schema.get("enum"):
            hints.append("Literal[" + ", ".join(map(_literal, schema["enum"])) + "]")
        elif t == "array":
            hints.append(f"list[{type_hint(schema.get('items'), request)}]")
        else:
            hints.append({"string": "str", "integer": "int", "number": "float",
                          "boolean": "bool", "object": "dict[str, Any]"}.get(t, "Any"))
    if not hints or "Any" in hints:
        return "Any"
    return " | ".join(hints + (["None"] if nullable else []))


def _described_type(schema: Any, request: bool) -> str:
    """The type of a field as the docstring says it."""
    if not isinstance(schema, dict):
        return "any"
    types, nullable = _types(schema)
    if types == ["string"] and schema.get("enum"):
        text = " | ".join(map(_literal, schema["enum"]))
    elif types == ["string"] and schema.get("format") == "date-time":
        text = "aware datetime (or ISO 8601 string)" if request else "datetime (UTC)"
    elif types == ["integer"] and schema.get("minimum") == 0:
        text = "int (id)"
    elif types == ["array"] and _nested(schema):
        text = "list of objects"
    elif types == ["object"] and _nested(schema):
        text = "object"
    elif not types:
        return "any"
    else:
        text = type_hint({"type": types, "items": schema.get("items")}, request)
    return text + " | None" if nullable else text


def _nested(schema: Any) -> dict[str, Any] | None:
    """The object schema whose fields a field has: its own, or its items'."""
    if not isinstance(schema, dict):
        return None
    inner = schema.get("items", schema)
    return inner if isinstance(inner, dict) and inner.get("properties") else None


def _field_lines(schema: dict[str, Any], request: bool, indent: str) -> Iterable[str]:
    """One line per field of an object schema (required ones first), nested ones below."""
    properties = schema.get("properties", {})
    required = [f for f in schema.get("required", []) if f in properties]
    top = indent == "    "
    for field in required + sorted(f for f in properties if f not in required):
        sub = properties[field]
        # The top level of a request is arguments, which Python may have renamed.
        name = (argument_name(field) or field) if request and top else field
        if request:
            mark = ", required" if field in required else ""
        else:
            mark = "" if field in required else ", may be missing"
        nested = _nested(sub)
        line = f"{name}: {_described_type(sub, request)}{mark}" + (":" if nested else "")
        yield from textwrap.wrap(line, _WIDTH - 8, initial_indent=indent,
                                 subsequent_indent=indent + "    ")
        if nested:
            yield from _field_lines(nested, request, indent + "    ")


def docstring(entry: Entry) -> str:
    """The method's help: its summary, its arguments and the fields of its answer."""
    # The first line follows the opening quotes.
    lines = textwrap.wrap(entry["summary"], _WIDTH - 12)
    request, response = entry["request"], entry["response"]
    lines.append("")
    if request.get("properties"):
        lines.append("Arguments (the request's fields; one not given is not sent, None is "
                     "JSON null):")
        lines += _field_lines(request, True, "    ")
    else:
        lines.append("No arguments.")
    lines.append("")
    if response.get("properties"):
        times = ", times as aware datetimes in UTC" if decoder(response) else ""
        lines.append(f"Returns the answer as a dict{times}:")
        lines += _field_lines(response, False, "    ")
    else:
        lines.append("Returns an empty dict.")
    roles = ", ".join(f"{role}: {reach}" for role, reach in sorted(entry["roles"].items()))
    lines.append("")
    lines += textwrap.wrap(f'libcs method "{entry["name"]}", capability '
                           f'"{entry["capability"]}" ({roles}). Raises libcs.Error (a '
                           "subclass for its code) when libcs refuses.", _WIDTH - 8)
    text = "\n".join(lines).replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    return text


def method_source(entry: Entry) -> str | None:
    """The `def` of the Python method for a catalogue entry, or None when its name or a
    field's cannot be a Python name (db.call() still reaches it)."""
    name = python_name(entry["name"])
    request = entry["request"]
    properties = request.get("properties", {})
    required = [f for f in request.get("required", []) if f in properties]
    optional = sorted(f for f in properties if f not in required)
    arguments = {field: argument_name(field) for field in properties}
    if name is None or None in arguments.values():
        return None
    parameters = ["self"]
    parameters += [f"{arguments[f]}: {type_hint(properties[f], True)}" for f in required]
    if optional:
        parameters.append("*")
        parameters += [f"{arguments[f]}: {type_hint(properties[f], True)} = NOT_GIVEN"
                       for f in optional]
    head = f"def {name}(" + ", ".join(parameters) + ") -> Result:"
    if len(head) > _WIDTH - 4:
        head = f"def {name}(\n" + "".join(f"    {p},\n" for p in parameters) + ") -> Result:"
    doc = textwrap.indent(docstring(entry), "    ").lstrip()
    arguments_list = "".join(f", {arguments[f]}={arguments[f]}" for f in required + optional)
    body = f'return self.call("{entry["name"]}"{arguments_list})'
    if len(body) > _WIDTH - 8:
        body = (f'return self.call(\n        "{entry["name"]}",\n' +
                "".join(f"        {arguments[f]}={arguments[f]},\n" for f in required + optional)
                + "    )")
    return f'{head}\n    """{doc}\n    """\n    {body}\n'


_HEADER = '''\
"""Every method of cs_call() as a Python method, generated from the catalogue.

Generated by bindings/python/generate.py from the catalogue of libcs {version}
(cs_call(db, "methods", "{{}}")). Do not edit: a method changes in lib/call/, then
generate.py writes this file again; the binding's tests fail while it is out of date.
"""

from datetime import datetime
from typing import Any, Literal

from ._codec import NOT_GIVEN

Result = dict[str, Any]


class Methods:
    """One method per method of cs_call(), named after it ("route.next" is route_next).

    Required fields are the first arguments, in the catalogue's order; every other field
    is a keyword argument, not sent unless given. Each returns the decoded answer.
    """

    def call(self, method: str, /, **fields: Any) -> Result:
        """Run one cs_call() request (libcs.Database implements it)."""
        raise NotImplementedError
'''


def module_source(catalogue: list[Entry], version: str) -> str:
    """The text of _methods.py for a catalogue."""
    parts = [_HEADER.format(version=version)]
    for entry in catalogue:
        source = method_source(entry)
        if source is not None:
            parts.append("\n" + textwrap.indent(source, "    "))
    return "".join(parts)


def function(entry: Entry) -> Callable[..., Any] | None:
    """The Python method for a catalogue entry, compiled now."""
    source = method_source(entry)
    if source is None:
        return None
    namespace: dict[str, Any] = {"NOT_GIVEN": NOT_GIVEN, "Any": Any, "Literal": Literal,
                                 "datetime": datetime, "Result": dict[str, Any]}
    exec(compile(source, f"<libcs method {entry['name']}>", "exec"), namespace)
    compiled: Callable[..., Any] = namespace[python_name(entry["name"]) or ""]
    return compiled
