#!/bin/sh
# csdesk import: it commits in batches, so another writer gets in while it runs, and a
# re-run after a kill or a failing line continues after the last committed batch, so every
# line runs exactly once. Feeds come through FIFOs, so each step waits for a condition
# (a batch is visible, the importer is blocked on input), never for a guessed time.
set -u
: "${CSDESK:?}"
tmp=$(mktemp -d)
pids=""
cleanup() {
    for pid in $pids; do kill "$pid" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# customer_exists ID: the customer is committed (another handle sees it).
customer_exists() {
    "$CSDESK" call customer.get "{\"id\": $1}" >/dev/null 2>&1
}

# wait_for SECONDS COMMAND...: poll COMMAND until it succeeds; 1 if it never does.
wait_for() {
    limit=$(($(date +%s) + $1))
    shift
    until "$@"; do
        [ "$(date +%s)" -le "$limit" ] || return 1
        sleep 0.02
    done
}

# lines PREFIX FROM TO: one customer.create request per line.
lines() {
    i=$2
    while [ "$i" -le "$3" ]; do
        printf '{"method": "customer.create", "request": {"name": "%s %d"}}\n' "$1" "$i"
        i=$((i + 1))
    done
}

# imported_once PREFIX N DESCRIPTION: customers "PREFIX 1" .. "PREFIX N" exist once each.
imported_once() {
    if python3 - "$CSDESK_DB" "$1" "$2" <<'PY'; then ok; else bad "$3"; fi
import sqlite3, sys
path, prefix, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
names = [r[0] for r in db.execute("SELECT name FROM customer WHERE name LIKE ? || ' %'",
                                  (prefix,))]
want = sorted(f"{prefix} {i}" for i in range(1, n + 1))
if sorted(names) != want:
    extra = len(names) - len(set(names))
    print(f"{len(names)} rows ({extra} twice), wanted {n}", file=sys.stderr)
    sys.exit(1)
PY
}

# named NAME: how many customers have that name.
named() {
    python3 -c 'import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
print(db.execute("SELECT count(*) FROM customer WHERE name = ?", (sys.argv[2],)).fetchone()[0])' \
        "$CSDESK_DB" "$1"
}

# -- Another writer gets in while an import runs ----------------------------------------
export CSDESK_DB="$tmp/busy.db"
"$CSDESK" init >/dev/null && "$CSDESK" channel add email Mail --address s@shop.example >/dev/null
mkfifo "$tmp/feed.jsonl"
# The feed writes requests as fast as the import takes them, until told to stop.
python3 - "$tmp/feed.jsonl" "$tmp/stop" <<'PY' &
import os, sys
feed, stop = sys.argv[1:]
n = 0
with open(feed, "w") as f:
    while not os.path.exists(stop):
        n += 1
        f.write('{"method": "customer.create", "request": {"name": "Fed %d"}}\n' % n)
        f.flush()
with open(stop + ".count", "w") as f:
    f.write(str(n))
PY
feed=$!
"$CSDESK" import --batch 50 "$tmp/feed.jsonl" >"$tmp/out" 2>"$tmp/err" &
import=$!
pids="$feed $import"
if wait_for 30 customer_exists 100; then ok; else bad "no batch of a running import became visible"; fi
if "$CSDESK" ingest --channel 1 --from kim@example.com --subject Parcel "Where is it?" \
    >/dev/null 2>"$tmp/ingest.err"; then
    ok
else
    bad "a write while the import ran failed: $(cat "$tmp/ingest.err")"
fi
if kill -0 "$import" 2>/dev/null; then ok; else bad "the import was over before the write"; fi
touch "$tmp/stop"
# An import that never opened the FIFO would leave the feed waiting for a reader.
kill -0 "$import" 2>/dev/null || kill "$feed" 2>/dev/null
wait "$feed"
if wait "$import"; then ok; else bad "the fed import failed: $(cat "$tmp/err")"; fi
pids=""
imported_once Fed "$(cat "$tmp/stop.count")" "every fed line imported once"
grep -q "imported $(cat "$tmp/stop.count") requests" "$tmp/out" && ok || bad "import count: $(cat "$tmp/out")"

# -- Killed between batches, run again: every line once ---------------------------------
export CSDESK_DB="$tmp/kill.db"
"$CSDESK" init >/dev/null
file="$tmp/kill.jsonl"
mkfifo "$file"
exec 3<>"$file" # keeps the FIFO open: the import waits for more instead of ending
"$CSDESK" import --batch 10 "$file" >/dev/null 2>&1 &
import=$!
pids=$import
lines Killed 1 25 >&3
# Two batches of 10 are committed; the third holds 5 lines and waits for the sixth.
if wait_for 30 customer_exists 20; then ok; else bad "the first two batches were not committed"; fi
kill -9 "$import"
wait "$import" 2>/dev/null
pids=""
exec 3>&-
rm "$file"
lines Killed 1 40 >"$file"
out=$("$CSDESK" import --batch 10 "$file" 2>"$tmp/err") && ok || bad "the re-run failed: $(cat "$tmp/err")"
case $out in *"imported 20 requests"*) ok ;; *) bad "the re-run ran other than lines 21-40: $out" ;; esac
grep -q "after line 20" "$tmp/err" && ok || bad "the re-run does not say where it continues: $(cat "$tmp/err")"
imported_once Killed 40 "a killed import, run again, imports every line once"

# -- A failing line keeps the batches before it; fixed, the import continues ------------
export CSDESK_DB="$tmp/fail.db"
"$CSDESK" init >/dev/null
file="$tmp/fail.jsonl"
{ lines Fixed 1 24; printf '%s\n' '{"method": "customer.create", "request": {"name": ""}}'; lines Fixed 26 30; } >"$file"
if "$CSDESK" import --batch 10 "$file" >/dev/null 2>"$tmp/err"; then bad "a failing line did not fail the import"; else ok; fi
grep -q "fail.jsonl:25" "$tmp/err" && ok || bad "the failing line is not named: $(cat "$tmp/err")"
grep -q "lines 1-20 are imported" "$tmp/err" && ok || bad "what was kept is not said: $(cat "$tmp/err")"
imported_once Fixed 20 "the batches before the failing line are kept, not its own"
# Changed before where it stopped: refused, nothing runs.
sed 's/"Fixed 5"/"Changed 5"/' "$file" >"$tmp/changed" && cp "$tmp/changed" "$file"
if "$CSDESK" import --batch 10 "$file" >/dev/null 2>"$tmp/err"; then bad "a changed file was continued"; else ok; fi
grep -q "changed" "$tmp/err" && ok || bad "the refusal does not say why: $(cat "$tmp/err")"
imported_once Fixed 20 "nothing ran after the refusal"
sed 's/"Changed 5"/"Fixed 5"/; s/"name": ""/"name": "Fixed 25"/' "$file" >"$tmp/fixed" && cp "$tmp/fixed" "$file"
out=$("$CSDESK" import --batch 10 "$file" 2>"$tmp/err") && ok || bad "the fixed re-run failed: $(cat "$tmp/err")"
case $out in *"imported 10 requests"*) ok ;; *) bad "the fixed re-run: $out" ;; esac
imported_once Fixed 30 "a fixed import continues after the kept batches"

# -- A finished import leaves no progress behind: the same file imports again ------------
out=$("$CSDESK" import "$file" 2>"$tmp/err") && ok || bad "a second import failed: $(cat "$tmp/err")"
case $out in *"imported 30 requests"*) ok ;; *) bad "a finished import was not forgotten: $out" ;; esac
# --restart starts over even where an import stopped.
lines Again 1 3 >"$file"
printf '%s\n' '{"method": "customer.create", "request": {"name": ""}}' >>"$file"
"$CSDESK" import --batch 2 "$file" >/dev/null 2>&1
"$CSDESK" import --restart --batch 2 "$file" >/dev/null 2>&1
[ "$(named "Again 1")" -eq 2 ] && ok || bad "--restart did not run from the first line"
# A NUL byte in a line is not silently cut off.
printf '{"method": "customer.create", "request": {"name": "Nul"}}\000junk\n' >"$file"
if "$CSDESK" import "$file" >/dev/null 2>"$tmp/err"; then bad "a line with a NUL byte ran"; else ok; fi
[ "$(named Nul)" -eq 0 ] && ok || bad "the line with a NUL byte was imported"

# -- A failing line inside a bulk batch: named once, as in an ordinary run; fixed, it all goes in
export CSDESK_DB="$tmp/mid.db"
"$CSDESK" init >/dev/null
file="$tmp/mid.jsonl"
{ lines Mid 1 10; printf '%s\n' '{"method": "customer.create", "request": {"name": ""}}'; lines Mid 12 15; } >"$file"
if "$CSDESK" import "$file" >/dev/null 2>"$tmp/err"; then bad "a failing line in a bulk batch did not fail the import"; else ok; fi
[ "$(grep -c 'mid.jsonl:11: customer.create failed' "$tmp/err")" -eq 1 ] && ok ||
    bad "the failing line of a bulk batch is not named once: $(cat "$tmp/err")"
[ "$(grep -c 'name is required' "$tmp/err")" -eq 1 ] && ok || bad "the failure is not said once: $(cat "$tmp/err")"
grep -q "nothing imported" "$tmp/err" && ok || bad "what was kept is not said: $(cat "$tmp/err")"
imported_once Mid 0 "nothing of the failing bulk batch is kept"
{ lines Mid 1 10; printf '%s\n' 'not json'; lines Mid 12 15; } >"$file"
if "$CSDESK" import "$file" >/dev/null 2>"$tmp/err"; then bad "a line that is no request ran"; else ok; fi
[ "$(grep -c 'mid.jsonl:11: not {' "$tmp/err")" -eq 1 ] && ok || bad "the line that is no request: $(cat "$tmp/err")"
lines Mid 1 15 >"$file"
out=$("$CSDESK" import "$file" 2>"$tmp/err") && ok || bad "the fixed bulk import failed: $(cat "$tmp/err")"
case $out in *"imported 15 requests"*) ok ;; *) bad "the fixed bulk import: $out" ;; esac
imported_once Mid 15 "the fixed bulk import imports every line once"

expect_usage() {
    if "$CSDESK" import "$@" >/dev/null 2>&1; then rc=0; else rc=$?; fi
    [ "$rc" -eq 2 ] && ok || bad "import $*: exit $rc, wanted 2"
}
expect_usage --batch 0 "$file"
expect_usage --batch x "$file"
expect_usage

echo "import: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
