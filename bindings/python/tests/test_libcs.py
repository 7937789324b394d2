"""The Python binding end to end, on a fresh database file per test."""

import ctypes
import ctypes.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import tomllib
import unittest
from unittest import mock
from datetime import datetime, timezone
from pathlib import Path

import libcs
from libcs import _native, errors

MARCH_2 = 1772442000  # 2026-03-02T09:00:00Z


class DatabaseTest(unittest.TestCase):
    """A fresh database with a mail channel and an agent."""

    def setUp(self) -> None:
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.path = os.path.join(tmp.name, "helpdesk.db")
        self.db = libcs.open(self.path)
        self.addCleanup(self.db.close)
        self.mail = self.db.channel_create("email", "Mail", address="support@shop.example")
        self.agent = self.db.agent_create("Anna Berger", email="anna@shop.example")

    def mail_from(self, sender: str, subject: str, **fields) -> dict:
        return self.db.ingest(self.mail["id"], sender, f"About {subject}.", subject=subject,
                              **fields)


class FlowTest(DatabaseTest):
    def test_open_as_context_manager_closes(self) -> None:
        with libcs.open(self.path) as db:
            self.assertEqual(db.call("version")["version"], libcs.version())
        self.assertTrue(db.closed)

    def test_channel_and_agent_create(self) -> None:
        self.assertEqual(self.mail["kind"], "email")
        self.assertEqual(self.mail["address"], "support@shop.example")
        self.assertEqual(self.agent["initials"], "AB")
        self.assertEqual(self.db.call("agent.get", id=self.agent["id"]), self.agent)

    def test_ingest_returns_ticket_and_receipt(self) -> None:
        result = self.mail_from("kim@customer.example", "Order 4711",
                                external_id="<1@customer.example>")
        self.assertTrue(result["created"])
        self.assertTrue(result["customer_created"])
        self.assertIsNotNone(result["receipt_id"])
        self.assertIn(f"#{result['ticket_number']}", result["receipt"])
        again = self.mail_from("kim@customer.example", "Order 4711",
                               external_id="<1@customer.example>")
        self.assertTrue(again["duplicate"])
        self.assertEqual(again["ticket_id"], result["ticket_id"])

    def test_ingest_mail_reads_raw_bytes(self) -> None:
        raw = ("From: =?ISO-8859-1?Q?J=FCrgen?= <juergen@customer.example>\r\n"
               "Subject: R\xfccksendung\r\nMessage-ID: <raw-1@customer.example>\r\n"
               "Content-Type: text/plain; charset=ISO-8859-1\r\n\r\n"
               "Wie schicke ich das zur\xfcck?\r\n").encode("latin-1")
        result = self.db.ingest_mail(self.mail["id"], raw)
        self.assertEqual(result["mail_kind"], "message")
        self.assertTrue(result["created"])
        ticket = self.db.ticket_get(id=result["ticket_id"], messages=True)
        self.assertEqual(ticket["subject"], "Rücksendung")
        self.assertEqual(ticket["messages"][0]["body"], "Wie schicke ich das zurück?")
        self.assertTrue(self.db.ingest_mail(self.mail["id"], raw)["duplicate"])

    def test_sla_deadline_promise_and_breach(self) -> None:
        now = [MARCH_2]  # Monday 10:00 in Berlin
        self.db.set_clock(lambda: now[0])
        calendar = self.db.calendar_store("Office", calendar={
            "timezone": "Europe/Berlin",
            "hours": {day: [["08:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}})
        self.db.sla_policy_create("Mail", targets=[
            {"metric": "first_reply", "seconds": 4 * 3600, "business": True,
             "calendar_id": calendar["id"]}])
        result = self.mail_from("kim@customer.example", "Deadline")
        deadline = datetime(2026, 3, 2, 13, tzinfo=timezone.utc)
        self.assertEqual(result["promised_at"], deadline)
        clock = self.db.sla_status(result["ticket_id"])["clocks"]["first_reply"]
        self.assertEqual((clock["state"], clock["target_at"]), ("active", deadline))
        self.assertEqual(self.db.tick()["breached"], 0)
        now[0] += 5 * 3600
        ticked = self.db.tick()
        self.assertEqual((ticked["warned"], ticked["breached"]), (1, 1))
        self.assertEqual({(i["kind"], i["at"]) for i in ticked["items"]},
                         {("warned", datetime(2026, 3, 2, 12, 12, tzinfo=timezone.utc)),
                          ("breached", deadline)})
        self.assertEqual(self.db.tick()["breached"], 0)  # recorded once
        clocks = self.db.sla_status(result["ticket_id"])["clocks"]
        self.assertEqual(clocks["first_reply"]["breached_at"], deadline)

    def test_customer_find_normalises(self) -> None:
        result = self.mail_from("Kim@Customer.Example", "Order")
        found = self.db.customer_find("email", " KIM@customer.example ")
        self.assertEqual(found["id"], result["customer_id"])
        self.assertEqual(found["identities"], [{"kind": "email",
                                                "value": "kim@customer.example"}])

    def test_reply_as_agent_then_drain_outbox(self) -> None:
        ticket_id = self.mail_from("kim@customer.example", "Order")["ticket_id"]
        self.db.as_agent(self.agent["id"])
        message_id = self.db.reply(ticket_id, "It ships today.")["message_id"]
        self.db.as_system()
        items = self.db.outbox_claim(max=10)["items"]
        self.assertEqual([i["kind"] for i in items], ["receipt", "reply"])
        reply = items[1]
        self.assertEqual(reply["message_id"], message_id)
        self.assertEqual(reply["recipient"], "kim@customer.example")
        for item in items:
            self.db.outbox_ack(item["id"], item["lease"], external_id=item["message_id_header"])
        self.assertEqual(self.db.outbox_claim()["items"], [])
        sent = self.db.outbox_list(state="sent")["items"]
        self.assertEqual(len(sent), 2)
        ticket = self.db.ticket_get(id=ticket_id, messages=True)
        self.assertEqual(ticket["status"], "open")
        self.assertEqual(ticket["messages"][-1]["author"], {"id": self.agent["id"],
                                                            "kind": "agent"})

    def test_fail_requeues_with_retry_time(self) -> None:
        self.mail_from("kim@customer.example", "Order")
        [receipt] = self.db.outbox_claim()["items"]
        retry = datetime(2030, 1, 1, 12, tzinfo=timezone.utc)
        self.db.outbox_fail(receipt["id"], receipt["lease"], error="smtp: connection refused",
                            retry_at=retry)
        [queued] = self.db.outbox_list(state="queued")["items"]
        self.assertEqual(queued["last_error"], "smtp: connection refused")
        self.assertEqual(queued["next_attempt_at"], retry)

    def test_ticket_by_number(self) -> None:
        result = self.mail_from("kim@customer.example", "Order")
        ticket = self.db.ticket_get(number=result["ticket_number"])
        self.assertEqual(ticket["id"], result["ticket_id"])
        self.assertNotIn("messages", ticket)

    def test_tickets_pages_through_everything(self) -> None:
        ids = [self.mail_from(f"c{i}@customer.example", f"Order {i}")["ticket_id"]
               for i in range(5)]
        self.assertEqual([t["id"] for t in self.db.tickets(limit=2)], ids)
        self.assertEqual([t["id"] for t in self.db.tickets(limit=2, order="desc")], ids[::-1])
        self.assertEqual(list(self.db.tickets(status=["closed"])), [])
        customers = [c["id"] for c in self.db.iterate("customer.list", limit=2)]
        self.assertEqual(len(customers), 5)
        with self.assertRaises(libcs.InvalidInput) as cm:
            self.db.iterate("channel.list")
        self.assertEqual(cm.exception.field, "method")

    def test_set_clock_drives_created_at(self) -> None:
        now = [MARCH_2]
        self.db.set_clock(lambda: now[0])
        first = self.mail_from("kim@customer.example", "Order")
        now[0] += 90
        second = self.mail_from("lea@customer.example", "Refund")
        self.assertEqual(self.db.ticket_get(id=first["ticket_id"])["created_at"],
                         datetime(2026, 3, 2, 9, tzinfo=timezone.utc))
        self.assertEqual(self.db.ticket_get(id=second["ticket_id"])["created_at"],
                         datetime(2026, 3, 2, 9, 1, 30, tzinfo=timezone.utc))
        self.db.set_clock(None)
        third = self.mail_from("max@customer.example", "Invoice")
        self.assertGreater(self.db.ticket_get(id=third["ticket_id"])["created_at"],
                           datetime(2026, 3, 2, 9, 1, 30, tzinfo=timezone.utc))

    def test_clock_that_raises_raises_from_the_call(self) -> None:
        def broken() -> int:
            raise RuntimeError("clock broke")

        self.db.set_clock(broken)
        with self.assertRaisesRegex(RuntimeError, "clock broke"):
            self.mail_from("kim@customer.example", "Order")
        self.db.set_clock(None)
        self.assertEqual(list(self.db.tickets()), [])
        self.assertEqual(self.db.call("version")["version"], libcs.version())

    def test_transaction_rolls_back_on_exception(self) -> None:
        with self.assertRaisesRegex(RuntimeError, "undo"):
            with self.db.transaction():
                self.db.customer_create("Kim", identities=[{"kind": "email",
                                                            "value": "kim@customer.example"}])
                raise RuntimeError("undo")
        with self.assertRaises(libcs.NotFound):
            self.db.customer_find("email", "kim@customer.example")

    def test_bulk_commits_all_or_nothing(self) -> None:
        with self.db.bulk():
            for name in ("Kim", "Lea"):
                self.db.customer_create(name, identities=[{"kind": "email",
                                                           "value": f"{name}@bulk.example"}])
        self.assertEqual(self.db.customer_find("email", "kim@bulk.example")["name"], "Kim")
        with self.assertRaises(libcs.AlreadyExists):
            with self.db.bulk():
                self.db.customer_create("Max", identities=[{"kind": "email",
                                                            "value": "max@bulk.example"}])
                self.db.customer_create("Kim again", identities=[{"kind": "email",
                                                                  "value": "kim@bulk.example"}])
        with self.assertRaises(libcs.NotFound):
            self.db.customer_find("email", "max@bulk.example")
        with self.assertRaises(libcs.InvalidInput):
            with self.db.transaction():
                with self.db.bulk():
                    pass

    def test_transaction_commits_and_nests(self) -> None:
        with self.db.transaction():
            with self.db.transaction():
                kim = self.db.customer_create("Kim")
        with libcs.open(self.path) as other:
            self.assertEqual(other.customer_get(kim["id"])["name"], "Kim")


class ErrorTest(DatabaseTest):
    def test_invalid_input_names_the_field(self) -> None:
        with self.assertRaises(libcs.InvalidInput) as cm:
            self.db.call("channel.get", id=self.mail["id"], colour="red")
        self.assertEqual(cm.exception.code, "EINVAL")
        self.assertEqual(cm.exception.field, "colour")
        self.assertIn("colour", cm.exception.message)
        with self.assertRaises(libcs.InvalidInput) as cm:
            self.db.ingest(self.mail["id"], "kim@customer.example", "")
        self.assertEqual(cm.exception.field, "body")

    def test_unknown_method_is_invalid_input(self) -> None:
        with self.assertRaises(libcs.InvalidInput) as cm:
            self.db.call("ticket.explode")
        self.assertEqual(cm.exception.field, "method")

    def test_not_found(self) -> None:
        with self.assertRaises(libcs.NotFound) as cm:
            self.db.ticket_get(id=4711)
        self.assertEqual(cm.exception.code, "ENOTFOUND")
        self.assertEqual(cm.exception.field, "id")
        self.assertIsInstance(cm.exception, libcs.Error)
        with self.assertRaises(libcs.NotFound):
            self.db.as_agent(4711)

    def test_already_exists(self) -> None:
        with self.assertRaises(libcs.AlreadyExists):
            self.db.channel_create("email", "Mail")

    def test_customer_may_not_configure_or_ingest(self) -> None:
        customer_id = self.mail_from("kim@customer.example", "Order")["customer_id"]
        self.db.as_customer(customer_id)
        with self.assertRaises(libcs.PermissionDenied) as cm:
            self.db.channel_create("chat", "Chat")
        self.assertEqual(cm.exception.code, "EPERM")
        with self.assertRaises(libcs.PermissionDenied):
            self.db.outbox_claim()

    def test_customer_sees_only_own_tickets(self) -> None:
        kim = self.mail_from("kim@customer.example", "Order")
        lea = self.mail_from("lea@customer.example", "Refund")
        self.db.as_customer(kim["customer_id"])
        self.assertEqual([t["id"] for t in self.db.tickets()], [kim["ticket_id"]])
        # Another customer's ticket does not exist for Kim, exactly like a missing one.
        with self.assertRaises(libcs.NotFound) as hidden:
            self.db.ticket_get(id=lea["ticket_id"])
        with self.assertRaises(libcs.NotFound) as missing:
            self.db.ticket_get(id=lea["ticket_id"] + 100)
        self.assertEqual(str(hidden.exception).replace(str(lea["ticket_id"]), "#"),
                         str(missing.exception).replace(str(lea["ticket_id"] + 100), "#"))

    def test_actor_is_not_raised_by_a_request(self) -> None:
        kim = self.mail_from("kim@customer.example", "Order")
        self.db.as_customer(kim["customer_id"])
        with self.assertRaises(libcs.PermissionDenied):
            self.db.call("db.set_actor", kind="system")
        with self.assertRaises(libcs.PermissionDenied):
            self.db.call("setting.get", name="outbox.backoff")

    def test_read_only(self) -> None:
        with libcs.open(self.path, create=False, readonly=True) as db:
            self.assertEqual(db.call("channel.get", id=self.mail["id"])["name"], "Mail")
            with self.assertRaises(libcs.ReadOnly):
                db.channel_create("chat", "Chat")

    def test_relaxed_handle_writes_what_others_read(self) -> None:
        with libcs.open(self.path, relaxed=True) as db:
            kim = db.customer_create("Kim")
        self.assertEqual(self.db.call("customer.get", id=kim["id"])["name"], "Kim")

    def test_read_only_with_the_default_create(self) -> None:
        with libcs.open(self.path, readonly=True) as db:
            self.assertEqual(db.call("channel.get", id=self.mail["id"])["name"], "Mail")
            with self.assertRaises(libcs.ReadOnly):
                db.customer_create("Kim")
        with self.assertRaises(libcs.NotFound):
            libcs.open(self.path + ".missing", readonly=True)
        self.assertFalse(os.path.exists(self.path + ".missing"))

    def test_nul_byte_in_a_path_or_method_is_refused(self) -> None:
        files = sorted(os.listdir(os.path.dirname(self.path)))
        for path in (self.path + "\0.other", os.fsencode(self.path) + b"\0.other"):
            with self.assertRaises(ValueError) as cm:
                libcs.open(path)
            self.assertIsInstance(cm.exception, libcs.InvalidInput)
            self.assertEqual(cm.exception.field, "path")
        self.assertEqual(sorted(os.listdir(os.path.dirname(self.path))), files)
        with self.assertRaises(libcs.InvalidInput) as cm:
            self.db.call("channel.get\0.list", id=self.mail["id"])
        self.assertEqual(cm.exception.field, "method")

    def test_ids_out_of_range_are_refused(self) -> None:
        agent = self.agent["id"]
        # 2**64 + agent would wrap around to the agent in a 64-bit integer.
        for bad in (2**63, -2**63 - 1, 2**64 + agent):
            for setter in (self.db.as_agent, self.db.as_customer):
                with self.assertRaises(libcs.InvalidInput) as cm:
                    setter(bad)
                self.assertIsInstance(cm.exception, ValueError)
                self.assertIn(str(bad), cm.exception.message)
            with self.assertRaises(libcs.InvalidInput) as cm:
                self.db.ticket_get(id=bad)
            self.assertEqual(cm.exception.field, "id")
            with self.assertRaises(libcs.InvalidInput) as cm:
                self.db.reply(1, "Hello", channel_id=bad)
            self.assertEqual(cm.exception.field, "channel_id")
            with self.assertRaises(libcs.InvalidInput) as cm:
                self.db.call("ticket.update", id=1, custom={"order": [1, bad]})
            self.assertEqual(cm.exception.field, "custom.order[1]")
        for bad in ("1", 1.0, True, None):
            with self.assertRaises(libcs.InvalidInput):
                self.db.as_agent(bad)
        self.assertEqual(self.db.call("version")["version"], libcs.version())
        self.db.as_agent(agent)  # in range: works
        self.db.as_system()

    def test_open_missing_file_without_create(self) -> None:
        with self.assertRaises(libcs.NotFound) as cm:
            libcs.open(self.path + ".missing", create=False)
        self.assertIn("missing", cm.exception.message)


    def test_closed_handle_raises(self) -> None:
        self.db.close()
        self.db.close()
        attempts = (lambda: self.db.call("version"), lambda: self.db.as_system(),
                    lambda: self.db.set_clock(None), lambda: self.db.transaction().__enter__())
        for attempt in attempts:
            with self.assertRaises(libcs.ClosedError) as cm:
                attempt()
            self.assertIsInstance(cm.exception, libcs.Error)
            self.assertEqual(cm.exception.field, "db")

    def test_every_class_maps_a_real_status_name(self) -> None:
        lib = _native.library()
        names = {lib.cs_status_name(code).decode() for code in range(-1, -13, -1)}
        self.assertLessEqual(set(errors._BY_CODE), names)
        for code, cls in errors._BY_CODE.items():
            self.assertIsInstance(errors.from_code(code, "m"), cls)
        self.assertIs(type(errors.from_code("ENOMEM", "m")), libcs.Error)


# Four threads on one fresh Database, started together so that their first calls (and the
# catalogue the first call asks for) race: ingest, read times, fail with their own errors,
# and run transactions that roll back. Run in a child, so a crash shows as a failure.
HAMMER = textwrap.dedent("""
    import json, sys, threading
    from datetime import timezone
    import libcs

    db = libcs.open(sys.argv[1])
    errors = []
    start = threading.Barrier(4)

    def work(n):
        try:
            start.wait(timeout=60)
            mail = db.channel_create("email", f"Mail {n}", address=f"support{n}@shop.example")
            for i in range(50):
                r = db.ingest(mail["id"], f"t{n}.c{i % 5}@customer.example", "Where is it?",
                              subject=f"Order {n}-{i}", external_id=f"<{n}.{i}@example>")
                ticket = db.ticket_get(id=r["ticket_id"])
                assert ticket["id"] == r["ticket_id"]
                assert ticket["created_at"].tzinfo is timezone.utc, ticket["created_at"]
                try:
                    db.call("ticket.get", id=r["ticket_id"], **{f"bad{n}": True})
                except libcs.InvalidInput as e:
                    assert e.field == f"bad{n}", f"thread {n} got the error of {e.field}"
                try:
                    with db.transaction():
                        db.customer_create(f"{'Undone' if i % 3 == 0 else 'Kept'} {n}-{i}")
                        if i % 3 == 0:
                            raise LookupError("undo")
                except LookupError:
                    pass
        except BaseException as e:
            errors.append(f"thread {n}: {e!r}")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    db.close()
    print(json.dumps(errors))
""")


class ThreadTest(unittest.TestCase):
    def test_one_database_shared_by_four_threads(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "shared.db")
            child = subprocess.run([sys.executable, "-c", HAMMER, path], capture_output=True,
                                   text=True, timeout=300)
            self.assertEqual(child.returncode, 0, child.stderr[-2000:])
            self.assertEqual(json.loads(child.stdout), [])
            with libcs.open(path) as db:
                customers = []
                after = 0
                while True:
                    page = db.call("customer.list", after=after, limit=100)
                    customers += [c["name"] for c in page["customers"]]
                    if page["next_after"] is None:
                        break
                    after = page["next_after"]
                kept = sorted(c for c in customers if c.startswith("Kept "))
                self.assertEqual(kept, sorted(f"Kept {n}-{i}" for n in range(4)
                                              for i in range(50) if i % 3))
                self.assertFalse([c for c in customers if c.startswith("Undone ")])
                self.assertEqual(len(list(db.tickets(limit=100))), 4 * 50)


class PackageTest(unittest.TestCase):
    def test_version_matches_pyproject(self) -> None:
        pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
        with pyproject.open("rb") as f:
            self.assertEqual(tomllib.load(f)["project"]["version"], libcs.version())

    def test_soname_is_the_built_library(self) -> None:
        # The binding looks for the library by the file name libtool gave it: the two must
        # move together when the library's ABI version changes.
        built = os.environ.get("LIBCS_LIBRARY")
        if not built:
            self.skipTest("LIBCS_LIBRARY is not set")
        self.assertEqual(Path(built).name, _native.SONAME)

    def test_library_search_order(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            package = Path(tmp, "bindings", "python", "libcs")
            package.mkdir(parents=True)
            built = Path(tmp, "_build", ".libs", _native.SONAME)
            built.parent.mkdir(parents=True)
            built.touch()
            with mock.patch.object(_native, "__file__", str(package / "_native.py")):
                with mock.patch.dict(os.environ, {"LIBCS_LIBRARY": "/opt/libcs.so"}):
                    self.assertEqual(_native._find(), "/opt/libcs.so")
                # An installed libcs as pkg-config describes it (the real pkg-config).
                libdir = Path(tmp, "prefix", "lib")
                libdir.mkdir(parents=True)
                installed = libdir / _native.SONAME
                installed.touch()
                pc = Path(tmp, "pkgconfig")
                pc.mkdir()
                (pc / "libcs.pc").write_text(
                    f"libdir={libdir}\nName: libcs\nDescription: libcs\nVersion: 0.2.0\n"
                    "Libs: -L${libdir} -lcs\n")
                with mock.patch.dict(os.environ, {"LIBCS_LIBRARY": "", "PKG_CONFIG_PATH": str(pc),
                                                  "PKG_CONFIG_LIBDIR": str(pc)}):
                    self.assertEqual(_native._find(), str(built))
                    built.unlink()
                    if shutil.which("pkg-config"):
                        self.assertEqual(_native._find(), str(installed))
                    installed.unlink()
                    self.assertIn(_native._find(),
                                  (ctypes.util.find_library("cs"), _native.SONAME))

if __name__ == "__main__":
    unittest.main()
