"""The methods generated from the catalogue, and times as aware datetimes both ways."""

import inspect
import os
import pydoc
import re
import tempfile
import unittest
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import libcs
from libcs import _codec, _codegen, _methods

MARCH_2 = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)
BERLIN = ZoneInfo("Europe/Berlin")


class DatabaseTest(unittest.TestCase):
    """A fresh database file whose clock stands at ``self.now``."""

    def setUp(self) -> None:
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.db = libcs.open(os.path.join(tmp.name, "helpdesk.db"))
        self.addCleanup(self.db.close)
        self.now = MARCH_2
        self.db.set_clock(lambda: self.now.timestamp())
        self.catalogue = self.db.methods()["methods"]


class CatalogueTest(DatabaseTest):
    def test_every_catalogue_method_is_a_python_method(self) -> None:
        self.assertGreater(len(self.catalogue), 60)
        for entry in self.catalogue:
            with self.subTest(method=entry["name"]):
                name = _codegen.python_name(entry["name"])
                self.assertIsNotNone(name)
                # On the class: a method compiled on demand by __getattr__ does not count.
                method = inspect.getattr_static(libcs.Database, name)
                parameters = dict(inspect.signature(method).parameters)
                del parameters["self"]
                request = entry["request"]
                arguments = {_codegen.argument_name(f): f for f in request["properties"]}
                self.assertEqual(set(parameters), set(arguments))
                for argument, field in arguments.items():
                    default = parameters[argument].default
                    if field in request["required"]:
                        self.assertIs(default, inspect.Parameter.empty, argument)
                    else:
                        self.assertIs(default, libcs.NOT_GIVEN, argument)
                self.assertTrue(method.__doc__)
        names = {e["name"] for e in self.catalogue}
        self.assertLessEqual({"ticket.create", "route.next", "reply", "outbox.claim"}, names)
        for method in (self.db.ticket_create, self.db.route_next, self.db.reply):
            self.assertTrue(callable(method))

    def test_generated_module_is_current(self) -> None:
        written = Path(_methods.__file__).read_text()
        wanted = _codegen.module_source(self.catalogue, libcs.version())
        self.assertTrue(written == wanted, "bindings/python/libcs/_methods.py is out of date: "
                        "run LIBCS_LIBRARY=_build/.libs/libcs.so.1 python3 "
                        "bindings/python/generate.py")

    def test_help_shows_the_summary_and_the_fields(self) -> None:
        entry = next(e for e in self.catalogue if e["name"] == "ticket.create")
        text = pydoc.render_doc(self.db.ticket_create, renderer=pydoc.plaintext)
        flat = " ".join(text.split())
        self.assertIn(" ".join(entry["summary"].split()), flat)
        self.assertIn("subject: str, required", text)
        self.assertIn("customer_id: int (id), required", text)
        self.assertIn('priority: "low" | "normal" | "high" | "urgent"', text)
        self.assertIn("created_at: datetime (UTC)", text)
        self.assertIn('libcs method "ticket.create"', flat)
        self.assertRegex(flat, r"ticket_create\(subject: str, customer_id: int, \*, "
                               r"assignee_id: int \| None = <not given>")
        # Nested objects of a request carry their own fields.
        policy = pydoc.render_doc(self.db.sla_policy_create, renderer=pydoc.plaintext)
        self.assertRegex(policy, r"targets: list of objects:\n +metric: \"first_reply\"")

    def test_generated_methods_send_only_what_is_given(self) -> None:
        group = self.db.group_create("Support")
        customer = self.db.customer_create("Kim")
        ticket = self.db.ticket_create("Callback", customer["id"], group_id=group["id"],
                                       priority="high", tags=["phone"])
        self.assertEqual((ticket["group_id"], ticket["priority"], ticket["tags"]),
                         (group["id"], "high", ["phone"]))
        # Not given leaves a field as it is; None (JSON null) clears the reference.
        same = self.db.ticket_update(ticket["id"], subject="Call back")
        self.assertEqual((same["subject"], same["group_id"]), ("Call back", group["id"]))
        cleared = self.db.ticket_update(ticket["id"], group_id=None)
        self.assertIsNone(cleared["group_id"])
        with self.assertRaises(TypeError):
            self.db.ticket_update(ticket["id"], colour="red")  # type: ignore[call-arg]

    def test_python_keywords_are_fields_with_an_underscore(self) -> None:
        report = self.db.route_report(MARCH_2 - timedelta(days=1), to=MARCH_2)
        self.assertEqual(report["solved"], 0)
        self.assertEqual(self.db.call("route.report", from_=date(2026, 3, 1), to=MARCH_2)["solved"], 0)
        with self.assertRaises(libcs.InvalidInput) as cm:
            self.db.route_report(MARCH_2, "tomorrow")
        self.assertEqual(cm.exception.field, "to")

    def test_a_method_the_module_does_not_know_comes_from_the_catalogue(self) -> None:
        # As with a library newer than _methods.py: the method is compiled from its entry.
        generated = _methods.Methods.__dict__["group_create"]
        delattr(_methods.Methods, "group_create")
        self.addCleanup(setattr, _methods.Methods, "group_create", generated)
        self.assertFalse(hasattr(libcs.Database, "group_create"))
        group = self.db.group_create("Support")
        self.assertEqual(inspect.getdoc(self.db.group_create), inspect.getdoc(generated))
        self.assertIsInstance(group["id"], int)
        self.assertEqual(inspect.signature(self.db.group_create),
                         inspect.signature(generated.__get__(self.db)))
        with self.assertRaises(AttributeError):
            self.db.group_explode  # noqa: B018
        self.assertFalse(hasattr(self.db, "no_such_method"))


class TimeTest(DatabaseTest):
    def test_round_trip_through_generated_methods(self) -> None:
        mail = self.db.channel_create("email", "Mail", address="support@shop.example")
        self.assertEqual(mail["created_at"], MARCH_2)
        self.assertIs(mail["created_at"].tzinfo, timezone.utc)
        agent = self.db.agent_create("Anna Berger", email="anna@shop.example")
        kim = self.db.customer_create("Kim", identities=[{"kind": "email",
                                                         "value": "kim@customer.example"}])
        self.assertEqual(kim["created_at"], MARCH_2)
        self.assertIsNone(kim["erased_at"])

        self.now = MARCH_2 + timedelta(hours=1)
        result = self.db.ingest(mail["id"], "kim@customer.example", "Where is my order?",
                                subject="Order 4711")
        self.assertEqual(result["customer_id"], kim["id"])
        self.assertIsInstance(result["promised_at"], datetime)
        # Requests take aware datetimes in any zone, and dates.
        half_past = (MARCH_2 + timedelta(minutes=30)).astimezone(BERLIN)
        found = [t["id"] for t in self.db.ticket_list(created_from=half_past)["tickets"]]
        self.assertEqual(found, [result["ticket_id"]])
        self.assertEqual(self.db.ticket_list(created_to=half_past)["tickets"], [])
        self.assertEqual(len(self.db.ticket_list(created_from=date(2026, 3, 2))["tickets"]), 1)
        [listed] = self.db.ticket_list()["tickets"]
        self.assertEqual(listed["created_at"], self.now)

        self.now += timedelta(minutes=5)
        self.db.as_agent(agent["id"])
        message_id = self.db.reply(result["ticket_id"], "It ships today.")["message_id"]
        self.db.as_system()
        ticket = self.db.ticket_get(id=result["ticket_id"], messages=True)
        self.assertEqual([m["created_at"] for m in ticket["messages"]],
                         [MARCH_2 + timedelta(hours=1)] * 2 + [self.now])
        self.assertEqual(ticket["messages"][-1]["id"], message_id)

        items = self.db.outbox_claim(lease_seconds=60)["items"]
        self.assertEqual([i["kind"] for i in items], ["receipt", "reply"])
        self.assertEqual({i["lease_until"] for i in items}, {self.now + timedelta(seconds=60)})
        for item in items:
            self.assertEqual(self.db.outbox_ack(item["id"], item["lease"]), {})
        self.assertEqual([i["state"] for i in self.db.outbox_list()["items"]], ["sent"] * 2)

    def test_times_come_from_the_schema_not_from_names(self) -> None:
        self.db.custom_field_define("ticket", "due_at", type="text")
        kim = self.db.customer_create("Kim")
        ticket = self.db.ticket_create("Order", kim["id"],
                                       custom={"due_at": "2026-03-09T09:00:00Z"})
        # A custom field is an object without a schema of its own: its text stays text.
        self.assertEqual(ticket["custom"], {"due_at": "2026-03-09T09:00:00Z"})
        self.assertEqual(ticket["created_at"], MARCH_2)
        # db.call() decodes exactly as the generated methods do.
        self.assertEqual(self.db.call("ticket.get", id=ticket["id"]), ticket)

    def test_naive_datetimes_are_refused_before_the_library(self) -> None:
        mail = self.db.channel_create("email", "Mail")
        self.db.ingest(mail["id"], "kim@customer.example", "Hello")
        [receipt] = self.db.outbox_claim()["items"]
        with self.assertRaises(libcs.InvalidInput) as cm:
            self.db.outbox_fail(receipt["id"], receipt["lease"], error="later",
                                retry_at=datetime(2030, 1, 1))
        self.assertIsInstance(cm.exception, ValueError)
        self.assertEqual((cm.exception.code, cm.exception.field), ("EINVAL", "retry_at"))
        self.assertIn("naive", cm.exception.message)
        self.assertEqual(self.db.outbox_list(state="leased")["items"][0]["id"], receipt["id"])
        with self.assertRaises(libcs.InvalidInput) as cm:
            self.db.call("ticket.update", id=1, custom={"when": [datetime(2030, 1, 1)]})
        self.assertEqual(cm.exception.field, "custom.when[0]")
        # An aware time in another zone is the same instant in UTC.
        self.db.outbox_fail(receipt["id"], receipt["lease"], error="later",
                            retry_at=datetime(2030, 1, 1, 13, tzinfo=BERLIN))
        [queued] = self.db.outbox_list(state="queued")["items"]
        self.assertEqual(queued["next_attempt_at"], datetime(2030, 1, 1, 12, tzinfo=timezone.utc))

    def test_decoder_follows_nesting_nulls_and_maps(self) -> None:
        time = {"type": ["string", "null"], "format": "date-time"}
        schema = {"type": "object", "properties": {
            "at": time, "name": {"type": "string"},
            "rows": {"type": "array", "items": {"type": "object", "properties": {"at": time}}},
            "by_metric": {"type": "object", "additionalProperties": time}}}
        decode = _codec.decoder(schema)
        assert decode is not None
        answer = decode({"at": "2026-03-02T09:00:00Z", "name": "2026-03-02T09:00:00Z",
                         "rows": [{"at": None}, {"at": "2026-03-02T10:00:00Z"}],
                         "by_metric": {"first_reply": "2026-03-02T11:00:00Z"}})
        self.assertEqual(answer, {
            "at": MARCH_2, "name": "2026-03-02T09:00:00Z",
            "rows": [{"at": None}, {"at": MARCH_2 + timedelta(hours=1)}],
            "by_metric": {"first_reply": MARCH_2 + timedelta(hours=2)}})
        self.assertIsNone(_codec.decoder({"type": "object", "properties": {
            "name": {"type": "string"}}}))


class TypingTest(unittest.TestCase):
    def test_package_is_typed(self) -> None:
        package = Path(libcs.__file__).parent
        self.assertTrue((package / "py.typed").is_file())
        hints = inspect.get_annotations(libcs.Database.outbox_fail, eval_str=True)
        self.assertEqual(hints["retry_at"], datetime | str)
        self.assertEqual(hints["id"], int)

    def test_every_module_is_packaged(self) -> None:
        # The binding's files are listed in Makefile.am for the tarball.
        root = Path(libcs.__file__).resolve().parents[3]
        makefile = root / "Makefile.am"
        if not makefile.is_file():
            self.skipTest("not in a source tree")
        listed = set(re.findall(r"bindings/python/\S+", makefile.read_text()))
        package = Path(libcs.__file__).resolve().parent
        for path in sorted(package.iterdir()):
            if path.suffix in (".py", ".typed"):
                self.assertIn(f"bindings/python/libcs/{path.name}", listed)


if __name__ == "__main__":
    unittest.main()
