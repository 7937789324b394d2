"""The PHP shop example (examples/php-shop) driven in headless Chromium, run by tests/php-shop.sh.

It starts `php -S` on 127.0.0.1 configured as php-fpm would be (ffi.enable=preload, libcs
and the binding preloaded) and chromedriver, and speaks W3C WebDriver to it over HTTP
(urllib, no client library). The story: a customer sends the contact form on a phone and
sees the receipt; an agent finds the ticket in the inbox (ordered by deadline), adds an
internal note and replies; the customer logs in to "my requests" and sees the reply but not
the note, and answers. Screenshots at a phone's viewport go to the build directory.

Everything is bounded in time and runs in a throwaway directory; the server and the browser
are stopped on every exit.
"""

import argparse
import base64
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone

PHONE = (390, 844)
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"  # the W3C key of an element reference


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(what, predicate, timeout=30.0):
    """Poll predicate() until it returns something true; fail after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise Failure(f"timed out waiting for {what}")
        time.sleep(0.05)


def http(method, url, body=None, timeout=30, headers=None):
    """(status, body bytes) of one request; never raises for HTTP error statuses."""
    data = None if body is None else body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if body is not None and not headers:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def answers(url):
    try:
        return http("GET", url, timeout=2)[0] > 0
    except (urllib.error.URLError, OSError):
        return False


class Browser:
    """A WebDriver session, as little of the protocol as the story needs."""

    def __init__(self, driver_url, chromium, profile):
        self.url = driver_url
        options = {
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                     "--disable-background-networking", "--disable-sync", "--mute-audio",
                     f"--user-data-dir={profile}", f"--window-size={PHONE[0]},{PHONE[1]}"],
            # A phone: its viewport, CSS pixels at 1:1 so screenshots are 390x844.
            "mobileEmulation": {"deviceMetrics": {"width": PHONE[0], "height": PHONE[1],
                                                  "pixelRatio": 1.0, "touch": True}},
        }
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome",
                                                 "goog:chromeOptions": options,
                                                 "timeouts": {"pageLoad": 30000, "script": 10000}}}}
        self.session = self._send("POST", "/session", caps, timeout=90)["sessionId"]

    def _send(self, method, path, body=None, timeout=60):
        status, data = http(method, self.url + path, body, timeout=timeout)
        value = json.loads(data or b"{}").get("value")
        if status != 200:
            raise Failure(f"WebDriver {method} {path}: {status} {value}")
        return value

    def _do(self, method, path, body=None):
        return self._send(method, f"/session/{self.session}{path}", body)

    def quit(self):
        try:
            self._send("DELETE", f"/session/{self.session}", timeout=30)
        except (Failure, OSError):
            pass

    def get(self, url):
        self._do("POST", "/url", {"url": url})

    def current_url(self):
        return self._do("GET", "/url")

    def script(self, source, *args):
        return self._do("POST", "/execute/sync", {"script": source, "args": list(args)})

    def find_all(self, css):
        found = self._do("POST", "/elements", {"using": "css selector", "value": css})
        return [e[ELEMENT] for e in found]

    def find(self, css, timeout=15.0):
        return wait_until(f"an element {css!r}", lambda: (self.find_all(css) or [None])[0], timeout)

    def text(self, css):
        return self._do("GET", f"/element/{self.find(css)}/text")

    def texts(self, css):
        return [self._do("GET", f"/element/{e}/text") for e in self.find_all(css)]

    def attribute(self, css, name):
        return self._do("GET", f"/element/{self.find(css)}/attribute/{name}")

    def type(self, css, text):
        element = self.find(css)
        self._do("POST", f"/element/{element}/clear", {})
        self._do("POST", f"/element/{element}/value", {"text": text})

    def click(self, css):
        self._do("POST", f"/element/{self.find(css)}/click", {})

    def submit(self, form_css, expect_path):
        """Press the form's button and wait for the page the server redirects to."""
        old_page = self.find("html")
        self.click(f"{form_css} button[type=submit]")
        wait_until(f"a new page after {form_css}", lambda: self.stale(old_page))
        wait_until(f"the page {expect_path}", lambda: self.path() == expect_path)
        self.find("main h1")

    def stale(self, element):
        """Whether the element's page is gone."""
        status, data = http("GET", f"{self.url}/session/{self.session}/element/{element}/name")
        if status == 200:
            return False
        value = json.loads(data)["value"]
        error, message = value["error"], value.get("message", "")
        # While the old document goes away, Chromium may call its nodes "not in the
        # document" before WebDriver reports them stale: both mean the page was left.
        gone = error in ("stale element reference", "no such element") or (
            error == "unknown error" and "does not belong to the document" in message)
        check(gone, f"WebDriver: {error}: {message}")
        return True

    def path(self):
        return re.sub(r"^https?://[^/]+", "", self.current_url()).split("?")[0]

    def forget_cookies(self):
        """Another person on another device: no session cookie."""
        self._do("DELETE", "/cookie")

    def screenshot(self, path):
        png = base64.b64decode(self._do("GET", "/screenshot"))
        with open(path, "wb") as f:
            f.write(png)
        return png

    def fits_width(self):
        """Nothing wider than the viewport: no sideways scrolling on a phone."""
        return self.script("return [document.documentElement.scrollWidth, window.innerWidth];")


def png_size(png):
    check(png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR", "not a PNG")
    return struct.unpack(">II", png[16:24])


def story(b, base, out_dir):
    # --- the customer, on a phone: the contact form and its receipt --------------------
    b.get(base + "/")
    check(b.text("main h1") == "Contact us", "no contact form")
    width, viewport = b.fits_width()
    check(viewport == PHONE[0] and width <= viewport, f"the form is {width}px wide on a {viewport}px phone")
    b.type("#name", "Kim Larsen")
    b.type("#email", "kim@example.com")
    b.type("#subject", "Where is <b>my</b> order?")
    b.type("#message", "Order 1042 has not arrived yet.\nCould you check, please?")
    sent_at = datetime.now(timezone.utc)
    b.submit("#contact", "/receipt")

    number = b.text("#ticket-number")
    check(number == "#3", f"receipt shows {number!r}, not the third ticket")
    check(b.text("#ticket-subject") == "Where is <b>my</b> order?", "the subject is not shown as typed")
    check(not b.find_all("#receipt b"), "the subject's markup reached the page")
    check(b.text("#owner") == "Customer care", f"owner {b.text('#owner')!r}")
    promised = datetime.fromisoformat(b.attribute("#promised-at time", "datetime").replace("Z", "+00:00"))
    hours = (promised - sent_at).total_seconds() / 3600
    check(3.9 < hours < 4.1, f"promised {promised}, {hours:.2f} h after sending, not 4 h")
    check(re.fullmatch(r"\w{3} \d{1,2} \w{3}, \d\d:\d\d UTC", b.text("#promised-at")), "promise unreadable")
    shot = b.screenshot(os.path.join(out_dir, "php-shop-receipt.png"))
    check(png_size(shot) == PHONE, f"receipt screenshot is {png_size(shot)}")
    print(f"php-shop: receipt {number}, answer by {b.text('#promised-at')}, {b.text('#owner')}")

    # --- the agent: the inbox by deadline, a note and a reply --------------------------
    b.forget_cookies()
    b.get(base + "/agent")
    wait_until("the agent login", lambda: b.path() == "/agent/login")
    options = b.texts("#agent option")
    check(options == ["Anna Berger", "Ben Okafor"], f"agents {options}")
    b.click("#agent option:nth-child(1)")
    b.submit("#agent-login", "/agent")
    order = b.script("return [...document.querySelectorAll('#inbox li')].map(li => li.dataset.number);")
    # Seeded: #1 high (2 h), #2 urgent (1 h); the form's #3 normal (4 h).
    check(order == ["2", "1", "3"], f"inbox order {order}, not by deadline")
    b.click('#inbox li[data-number="3"] a')
    wait_until("the ticket page", lambda: b.path() == "/agent/ticket")
    check(b.text("main h1") == "#3 Where is <b>my</b> order?", f"ticket title {b.text('main h1')!r}")
    check("Order 1042 has not arrived yet." in b.text("#timeline"), "the customer's message is missing")
    b.type("#note-body", "Parcel is in the Bergen warehouse.")
    b.submit("#note", "/agent/ticket")
    check(b.text(".flash") == "Note added.", "the note was not confirmed")
    check(b.texts("#timeline .internal .body") == ["Parcel is in the Bergen warehouse."], "no internal note")
    b.type("#reply-body", "Your parcel leaves our warehouse today.")
    b.submit("#reply", "/agent/ticket")
    check(b.text(".flash") == "Reply sent.", "the reply was not confirmed")
    check(b.texts("#timeline .from-agent:not(.internal) .body")[-1:] == ["Your parcel leaves our warehouse today."],
          "the reply is not on the timeline")
    b.get(base + "/agent")
    b.find("#inbox")
    b.screenshot(os.path.join(out_dir, "php-shop-inbox.png"))
    print("php-shop: agent Anna answered #3 from the inbox (order #2, #1, #3)")

    # --- the customer again: the reply, not the note; an answer ------------------------
    b.forget_cookies()
    b.get(base + "/my")
    wait_until("the customer login", lambda: b.path() == "/login")
    b.type("#email", "kim@example.com")
    b.submit("#login", "/my")
    mine = b.texts("#my-requests .number")
    check(mine == ["#3"], f"my requests {mine}: another customer's ticket is listed")
    b.click("#my-requests a")
    wait_until("the request page", lambda: b.path() == "/my/ticket")
    timeline = b.text("#timeline")
    check("Your parcel leaves our warehouse today." in timeline, "the customer does not see the reply")
    check("Bergen" not in timeline and not b.find_all(".internal"), "the customer sees the internal note")
    b.type("#body", "Thank you!")
    b.submit("#reply", "/my/ticket")
    check(b.text(".flash") == "Sent. We will get back to you.", "the answer was not confirmed")
    check(b.texts("#timeline .from-customer .body")[-1:] == ["Thank you!"], "the answer is not shown")
    width, viewport = b.fits_width()
    check(width <= viewport, f"the request page is {width}px wide on a {viewport}px phone")
    # The phone screenshot: the top of the page, the agent's reply in view.
    b.script("window.scrollTo(0, 0);")
    bottom, height = b.script("const r = document.querySelector('#timeline .from-agent');"
                              "return [r.getBoundingClientRect().bottom, window.innerHeight];")
    check(bottom <= height, f"the reply ends at {bottom}px, below a {height}px screen")
    shot = b.screenshot(os.path.join(out_dir, "php-shop-phone.png"))
    check(png_size(shot) == PHONE, f"phone screenshot is {png_size(shot)}")

    # Another customer's request is not there for Kim, whatever the URL says.
    b.get(base + "/my/ticket?number=1")
    check(b.text("main h1") == "No such request", "a customer opened another customer's request")
    print("php-shop: Kim saw the reply (not the note) and answered; ticket #1 is not hers")


def forged_post(base):
    """A form posted from elsewhere: no session token, so no ticket."""
    status, _ = http("POST", base + "/contact",
                     b"name=Eve&email=eve%40example.com&subject=Spam&message=Buy+now",
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    check(status == 403, f"a POST without the CSRF token answered {status}")


def count_tickets(php, env, shop):
    out = subprocess.run([php, "-d", "ffi.enable=1", "-r",
                          "require getenv('SHOP_SRC') . '/helpdesk.php';"
                          "echo iterator_count(system_db()->tickets());"],
                         env=dict(env, SHOP_SRC=os.path.join(shop, "src")), check=True,
                         capture_output=True, text=True, timeout=60)
    return int(out.stdout)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--srcdir", required=True)
    p.add_argument("--library", required=True)
    p.add_argument("--tmp", required=True)
    p.add_argument("--out", required=True, help="directory for the screenshots")
    args = p.parse_args()

    php = shutil.which("php")
    driver = shutil.which("chromedriver") or "/usr/lib/chromium/chromedriver"
    chromium = next((c for c in ("/usr/lib/chromium/chromium", shutil.which("chromium") or "")
                     if c and os.access(c, os.X_OK)), None)
    check(php and os.access(driver, os.X_OK) and chromium, "php, chromedriver or chromium is missing")

    shop = os.path.join(args.srcdir, "examples", "php-shop")
    binding = os.path.join(args.srcdir, "bindings", "php")
    tmp = args.tmp
    os.makedirs(os.path.join(tmp, "sessions"))
    # libcs.h naming the built library, for ffi.preload.
    with open(os.path.join(binding, "libcs.h")) as f:
        header = re.sub(r'(?m)^#define FFI_LIB .*$', f'#define FFI_LIB "{args.library}"', f.read())
    with open(os.path.join(tmp, "libcs.h"), "w") as f:
        f.write(header)
    env = dict(os.environ, LIBCS_LIBRARY=args.library, LIBCS_SHOP_DB=os.path.join(tmp, "shop.db"),
               TMPDIR=tmp, HOME=tmp)
    subprocess.run([php, "-d", "ffi.enable=1", os.path.join(shop, "bin", "seed.php")], env=env,
                   check=True, timeout=60)

    processes = []

    def stop(*_):
        raise SystemExit(1)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, stop)
    browser = None
    try:
        port = free_port()
        user = subprocess.run(["id", "-un"], capture_output=True, text=True, check=True).stdout.strip()
        log = open(os.path.join(tmp, "php-server.log"), "w")
        # As php-fpm runs it: FFI only for preloaded code (docs/php.md).
        processes.append(subprocess.Popen(
            [php, "-n", "-d", "extension=ffi", "-d", "zend_extension=opcache",
             "-d", "ffi.enable=preload", "-d", f"ffi.preload={tmp}/libcs.h",
             "-d", "opcache.enable_cli=1", "-d", f"opcache.preload={binding}/preload.php",
             "-d", f"opcache.preload_user={user}", "-d", f"session.save_path={tmp}/sessions",
             "-d", "display_errors=0", "-d", "log_errors=1", "-d", "error_reporting=-1",
             "-S", f"127.0.0.1:{port}", "-t", os.path.join(shop, "public"),
             os.path.join(shop, "public", "index.php")],
            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        base = f"http://127.0.0.1:{port}"
        wait_until("php -S", lambda: processes[0].poll() is not None or answers(base + "/style.css"))
        check(processes[0].poll() is None, "php -S exited")

        driver_port = free_port()
        processes.append(subprocess.Popen(
            [driver, f"--port={driver_port}", f"--log-path={tmp}/chromedriver.log"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
        driver_url = f"http://127.0.0.1:{driver_port}"
        wait_until("chromedriver", lambda: processes[1].poll() is not None or answers(driver_url + "/status"))
        check(processes[1].poll() is None, "chromedriver exited")

        forged_post(base)
        browser = Browser(driver_url, chromium, os.path.join(tmp, "profile"))
        story(browser, base, args.out)
        check(count_tickets(php, env, shop) == 3, "not exactly the three tickets: the forged form counted")

        log.flush()
        with open(os.path.join(tmp, "php-server.log")) as f:
            problems = [line for line in f if re.search(r"PHP (Warning|Notice|Deprecated|Fatal)", line)]
        check(not problems, "the server logged:\n" + "".join(problems))
        print("php-shop: the story passed; screenshots in", args.out)
    except Exception as e:  # the logs say what the server and the browser saw
        print(f"php-shop: FAILED: {e!r}", file=sys.stderr)
        for name in ("php-server.log", "chromedriver.log"):
            path = os.path.join(tmp, name)
            if os.path.exists(path):
                with open(path, errors="replace") as f:
                    print(f"--- {name} (end)\n" + "".join(f.readlines()[-30:]), file=sys.stderr)
        return 1
    finally:
        if browser is not None:
            browser.quit()
        # Each was started in a process group of its own: the browser goes with the driver.
        for process in reversed(processes):
            for sig in (signal.SIGTERM, signal.SIGKILL):
                try:
                    os.killpg(process.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    process.wait(timeout=10)
                    break
                except subprocess.TimeoutExpired:
                    continue
    return 0


if __name__ == "__main__":
    sys.exit(main())
