#!/bin/sh
# csdesk end to end: each subcommand, exit codes, --json output, bad arguments.
set -u
: "${CSDESK:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export CSDESK_DB="$tmp/cli.db"
NOW=--now=2026-03-02T09:00:00Z
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# expect CODE DESCRIPTION -- COMMAND...: the exit code, and keep stdout in $out
expect() {
    code=$1 what=$2
    shift 3
    out=$("$CSDESK" "$@" 2>"$tmp/err")
    rc=$?
    if [ "$rc" -eq "$code" ]; then ok; else bad "$what: exit $rc, wanted $code: $(cat "$tmp/err")"; fi
}
# has TEXT DESCRIPTION: $out contains TEXT
has() {
    case $out in *"$1"*) ok ;; *) bad "$2: output lacks '$1': $out" ;; esac
}
# err TEXT DESCRIPTION: standard error of the last command contains TEXT
err() {
    case $(cat "$tmp/err") in *"$1"*) ok ;; *) bad "$2: standard error lacks '$1': $(cat "$tmp/err")" ;; esac
}
# json EXPR DESCRIPTION: a Python expression over the parsed $out (as j) is true
json() {
    if printf '%s' "$out" | python3 -c "import json,sys; j=json.load(sys.stdin); sys.exit(0 if ($1) else 1)"; then
        ok
    else
        bad "$2: $1 is false for $out"
    fi
}

# Before init: every command says how to get a database instead of failing on the file.
expect 1 "tickets before init" -- tickets
err "there is no database at $CSDESK_DB: create one with \`csdesk init\`, or name another with --db FILE" "a missing database names csdesk init"
[ ! -e "$CSDESK_DB" ] && ok || bad "a command before init created the database"

expect 0 "init" -- init
has "schema version" "init says the schema version"
expect 0 "version --json" -- --json version
json "j['version'].count('.') == 2" "version is x.y.z"

# Tables with no rows say so.
expect 0 "channel list, empty" -- channel list
has "no channels" "an empty channel list says so"
expect 0 "tickets, empty" -- tickets
has "no tickets" "an empty ticket table says so"
expect 0 "outbox list, empty" -- outbox list
has "no outbox items" "an empty outbox says so"
expect 0 "sla policies, empty" -- sla policies
has "no SLA policies" "no policies says so"
expect 0 "sla queue, empty" -- sla queue
has "the queue is empty" "an empty queue says so"

expect 0 "group add" -- group add Kundenservice
has "group 1 added" "group id"
expect 0 "channel add" -- channel add email Mail --address service@shop.example --group 1
has "Mail" "channel shown"
expect 0 "channel add twitter" -- --json channel add twitter Twitter --public --signature
json "j['public'] and j['signature'] and j['kind'] == 'twitter'" "twitter channel flags"
expect 1 "channel add with a taken name fails" -- channel add chat Mail
expect 2 "channel add with a bad kind is a usage error" -- channel add fax Fax
err "csdesk: channel add: unknown channel kind \"fax\"; valid: email, phone, chat, webform, twitter, facebook, whatsapp, sms, api" "the valid kinds are listed"
expect 2 "channel add without a name is a usage error" -- channel add email
expect 0 "channel list" -- channel list
has "service@shop.example" "channel list shows the address"

expect 0 "agent add" -- --json agent add "Carla Berger" --email carla@shop.example --skill de,billing
json "j['initials'] == 'CB' and j['skills'] == ['billing', 'de']" "agent initials and skills"
expect 2 "agent add with a bad role" -- agent add Nobody --role boss
err "unknown role \"boss\"; valid: admin, agent, light" "the valid roles are listed"
expect 0 "group member" -- group member 1 1
has "agent 1 is a member of group 1" "group member confirms"
expect 0 "group member --json" -- --json group member 1 1
json "j == {'group_id': 1, 'agent_id': 1}" "group member as JSON"
expect 2 "group member with a bad id" -- group member one 1

expect 0 "ingest a mail" -- "$NOW" ingest --channel 1 --from anna@example.com --name "Anna Schmidt" --subject "Rechnung" --id "<m1@x>" --locale de "Die Rechnung ist falsch."
has "opened ticket #1" "ingest opens a ticket"
has "receipt: Vielen Dank" "the German receipt is shown"
has "spätestens bis 03.03.2026 09:00 Uhr (UTC)." "a German date, in UTC without a zone"
expect 0 "ingest the same mail again" -- --json ingest --channel 1 --from anna@example.com --id "<m1@x>" "retry"
json "j['duplicate'] is True and j['ticket_number'] == 1" "retry is a duplicate"
expect 1 "ingest from a bad address" -- ingest --channel 1 --from nobody "text"
expect 2 "ingest without a body" -- ingest --channel 1 --from anna@example.com
expect 0 "customer find" -- customer find email ANNA@example.com
has "Anna Schmidt" "find by a case-folded email"
expect 0 "customer add" -- --json customer add "Kim K" --twitter @kim_k --phone "+49 30 555 0101"
json "{'kind': 'phone', 'value': '+49305550101'} in j['identities']" "phone normalised"
expect 0 "customer show" -- customer show 2
has "twitter   kim_k" "identities listed"

expect 0 "tickets" -- tickets
has "Anna Schmidt" "the table names the customer"
has "Mail" "the table names the channel"
expect 0 "tickets --json --status" -- --json tickets --status new,open
json "len(j['tickets']) == 1 and j['next_after'] is None" "one ticket, one page"
expect 2 "tickets with a bad status" -- tickets --status nonsense
err "csdesk: tickets: unknown status \"nonsense\"; valid: new, open, pending, on-hold, solved, closed" "the valid statuses are listed"
expect 0 "tickets --status repeated, --json after the command" -- tickets --status new --status open --json
json "len(j['tickets']) == 1" "repeated --status and a trailing --json"

expect 0 "reply as the agent" -- --as agent:1 reply 1 "Wir korrigieren die Rechnung."
has "queued" "reply queued"
expect 1 "reply as a customer is refused" -- --as customer:1 reply 1 "Ich bin Kundin"
expect 1 "reply to an address that is not the customer's" -- --as agent:1 reply 1 "An wen?" --to someone@example.com
out=$(cat "$tmp/err")
has "is not one of the customer's email identities" "the error says why"
expect 0 "note" -- --as agent:1 note 1 "Buchhaltung informiert"
expect 0 "show" -- show 1
has "[internal note]" "the timeline marks the note"
has "Carla Berger" "the timeline names the agent"
expect 0 "show as the customer" -- --as customer:1 --json show 1
json "all(m['visibility'] == 'public' for m in j['messages'])" "customers see no notes"
expect 1 "show a missing ticket" -- show 42
expect 2 "show without a number" -- show

expect 0 "update" -- --as agent:1 update 1 --status pending --priority high --tag billing --tag vip
has "#1 pending, high priority, question; tags billing, vip" "update shows the new state"
expect 0 "--tag takes a list too" -- --json update 1 --tag vip,billing,urgent
json "j['tags'] == ['billing', 'urgent', 'vip']" "the tags are replaced"
expect 1 "update to a forbidden status" -- update 1 --status new
expect 2 "update with an unknown status" -- update 1 --status gone
err "unknown status \"gone\"" "the bad status is named"
expect 2 "update with an unknown priority" -- update 1 --priority asap
err "unknown priority \"asap\"; valid: low, normal, high, urgent" "the valid priorities are listed"
expect 2 "update with an unknown option" -- update 1 --foo
err "csdesk: update: unknown option --foo" "the unknown option is named"
err "usage: csdesk update NUMBER" "and the usage follows"
expect 2 "update without a value" -- update 1 --status
err "csdesk: update: --status needs a value (S)" "the missing value is named"
expect 2 "update with --status twice" -- update 1 --status open --status solved
expect 2 "update with a bad group" -- update 1 --group one
err "--group takes a number, not \"one\"" "the bad number is named"
expect 0 "audit" -- audit 1
has "status: open -> pending" "the audit trail has the status change"

expect 0 "outbox claim" -- --json outbox claim --kind email --max 5 --lease 30
json "[i['kind'] for i in j['items']] == ['receipt', 'reply']" "receipt then reply"
id=$(printf '%s' "$out" | python3 -c "import json,sys; print(json.load(sys.stdin)['items'][1]['id'])")
lease=$(printf '%s' "$out" | python3 -c "import json,sys; print(json.load(sys.stdin)['items'][1]['lease'])")
expect 0 "outbox ack" -- outbox ack "$id" "$lease" "<sent-1@shop.example>"
has "outbox item $id is sent" "ack confirms"
expect 0 "outbox list" -- outbox list --state sent
has "sent" "the acknowledged item is sent"
expect 2 "outbox ack without a lease" -- outbox ack 1
err "csdesk: outbox ack: missing ID LEASE [EXTERNAL-ID]" "what is missing is said"
expect 2 "outbox list with an unknown state" -- outbox list --state lost
err "valid: queued, leased, sent, dead, cancelled" "the valid states are listed"
expect 2 "an unknown subcommand" -- outbox drain
err "csdesk: outbox: unknown subcommand 'drain'" "the unknown subcommand is named"

expect 0 "the customer's answer threads back" -- --json ingest --channel 1 --from anna@example.com --in-reply-to "<sent-1@shop.example>" "Danke!"
json "j['thread'] == 'in_reply_to' and j['ticket_number'] == 1" "threaded by In-Reply-To"

expect 0 "call" -- call ticket.get '{"number": 1}'
json "j['status'] == 'open'" "a customer message sets the pending ticket open"
echo '{"name": "outbox.max_attempts"}' > "$tmp/req.json"
expect 0 "call from stdin" -- call setting.get - <"$tmp/req.json"
json "j['value'] == 8" "setting read"
python3 -c 'import json; print(json.dumps({"channel_id": 1, "sender": "long@example.com",
    "subject": "Long", "body": "Lorem ipsum. " * 10000}))' >"$tmp/long.json"
expect 0 "call from stdin beyond 64 KiB" -- --json call ingest - <"$tmp/long.json"
long_ticket=$(printf '%s' "$out" | python3 -c "import json,sys; print(json.load(sys.stdin)['ticket_id'])")
expect 0 "the long message" -- call ticket.get "{\"id\": $long_ticket, \"messages\": true}"
json "len(j['messages'][0]['body']) == 130000" "the whole body from stdin arrived"
printf '{"name": "outbox.max_attempts"}\000, "junk": 1}' >"$tmp/nul.json"
expect 1 "a request with a NUL byte" -- call setting.get - <"$tmp/nul.json"
expect 1 "call an unknown method" -- call no.such '{}'
json "j['error']['code'] == 'EINVAL' and j['error']['field'] == 'method'" "unknown method error"
expect 1 "call with malformed JSON" -- call ticket.get '{"number": '
expect 1 "call with an unknown field" -- call ticket.get '{"number": 1, "mesages": true}'
json "j['error']['field'] == 'mesages'" "the unknown field is named"
expect 0 "methods" -- methods
has "reply" "methods lists reply"

cat > "$tmp/import.jsonl" <<'JSONL'
{"method": "customer.create", "request": {"name": "Imported One"}}

{"method": "customer.create", "request": {"name": "Imported Two"}}
JSONL
expect 0 "import" -- import "$tmp/import.jsonl"
has "imported 2 requests" "import counts"
printf '%s\n' '{"method": "customer.create", "request": {"name": "Three"}}' \
    '{"method": "customer.create", "request": {"name": ""}}' > "$tmp/bad.jsonl"
expect 1 "a failing import" -- import "$tmp/bad.jsonl"
expect 1 "nothing of a failing import is kept" -- customer find external three
expect 0 "customer list through call" -- call customer.list '{}'
json "[c['name'] for c in j['customers']].count('Three') == 0" "no half import"
# A request line cannot raise the actor that --as set: not to the system, not to another
# customer.
printf '%s\n' '{"method": "db.set_actor", "request": {"kind": "system"}}' \
    '{"method": "customer.erase", "request": {"id": 2}}' > "$tmp/raise.jsonl"
expect 1 "an import as a customer cannot change its actor" -- --as customer:1 import "$tmp/raise.jsonl"
expect 0 "the other customer is not erased" -- --json call customer.get '{"id": 2}'
json "j['erased_at'] is None" "customer 2 still there"

printf '%s' '{"timezone": "Europe/Berlin", "hours": {"mon": [["08:00", "18:00"]], "tue": [["08:00", "18:00"]]}}' >"$tmp/cal.json"
expect 0 "sla calendar" -- sla calendar Office "$tmp/cal.json"
expect 1 "sla calendar from a missing file" -- sla calendar Office "$tmp/none.json"
expect 0 "sla policy" -- sla policy Mail --first-reply 4h --calendar 1 --channel-kind email
expect 2 "sla policy with a bad duration" -- sla policy Bad --first-reply 4q
expect 1 "sla policy with a business target and no calendar stored" -- sla policy Bad2 --first-reply 1h --calendar 99
expect 0 "a mail under the policy" -- --json "$NOW" ingest --channel 1 --from sla@example.com --subject Frist "Wann?"
json "j['promised_at'] == '2026-03-02T13:00:00Z'" "4 business hours from Monday 10:00 Berlin"
sla_ticket=$(printf '%s' "$out" | python3 -c "import json,sys; print(json.load(sys.stdin)['ticket_number'])")
expect 0 "sla status" -- "$NOW" sla status "$sla_ticket"
has "first_reply      active    due 2026-03-02T13:00:00Z" "the clock is shown"
expect 0 "the ticket table shows the deadline" -- tickets --status new
has "2026-03-02T13:00:00Z" "next deadline column"
expect 0 "tick before the warning" -- --now 2026-03-02T11:00:00Z tick
has "0 warnings, 0 breaches" "nothing due yet"
expect 0 "tick after the deadline" -- --json --now 2026-03-02T13:30:00Z tick
json "j['warned'] == 1 and j['breached'] == 1" "warning and breach recorded"
expect 0 "tick again" -- --json --now 2026-03-02T13:30:00Z tick
json "j['warned'] == 0 and j['breached'] == 0" "tick is idempotent"
expect 0 "sla queue" -- sla queue
has "first_reply" "the queue shows the running deadline"
expect 2 "tick takes no arguments" -- tick now

expect 1 "next while offline" -- --as agent:1 next 1
expect 0 "presence" -- --as agent:1 presence 1 online
has "agent 1 is online" "presence set"
expect 1 "another agent's presence" -- --as agent:2 presence 1 offline
expect 0 "next" -- "$NOW" --as agent:1 next 1
has "took #" "the agent takes a ticket"
expect 0 "callback" -- "$NOW" callback 1 2026-03-02T14:00:00Z 2026-03-02T15:00:00Z
has "callback ticket #" "callback opened"
expect 1 "callback with the window the wrong way round" -- callback 1 2026-03-02T15:00:00Z 2026-03-02T14:00:00Z
expect 2 "presence without a state" -- presence 1
expect 2 "presence with an unknown state" -- presence 1 lunch
err "unknown presence \"lunch\"; valid: online, away, offline" "the valid presences are listed"

# Raw mail, from a file and from standard input, in any charset.
printf 'From: =?ISO-8859-1?Q?J=FCrgen?= <juergen@example.de>\r\nSubject: R\374cksendung\r\nMessage-ID: <raw-1@example.de>\r\nContent-Type: text/plain; charset=ISO-8859-1\r\n\r\nWie schicke ich das zur\374ck?\r\n' >"$tmp/mail.eml"
expect 0 "ingest a raw mail" -- --json ingest --channel 1 --raw "$tmp/mail.eml"
json "j['mail_kind'] == 'message' and j['created'] and j['customer_created']" "raw mail opens a ticket"
expect 0 "the same mail on standard input" -- ingest --channel 1 --raw - <"$tmp/mail.eml"
has "duplicate" "the same raw mail is a duplicate"
printf 'From: MAILER-DAEMON@mx.example.com\r\nAuto-Submitted: auto-replied\r\n\r\nx\r\n' >"$tmp/auto.eml"
expect 0 "automatic mail on standard input" -- ingest --channel 1 --raw - <"$tmp/auto.eml"
has "no automatic answer" "automatic mail gets no receipt"
printf 'From: kim@example.com\r\nSubject: Antwort\r\n\r\nDanke!\r\n\r\nOn Mon, 2 Mar 2026 Service wrote:\r\n> Alt\r\n> Noch\r\n' >"$tmp/quoted.eml"
expect 0 "a reply with a quote" -- --json ingest --channel 1 --raw "$tmp/quoted.eml"
expect 0 "show folds the quote" -- show "$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["ticket_number"])')"
has "    Danke!
    [quoted text: 3 lines]" "the quoted history is folded"
expect 1 "raw mail on a twitter channel" -- ingest --channel 2 --raw "$tmp/mail.eml"
expect 1 "raw mail from a missing file" -- ingest --channel 1 --raw "$tmp/none.eml"
expect 2 "raw mail with a body too" -- ingest --channel 1 --raw "$tmp/mail.eml" text

# A shop in Germany: a channel whose customers are German and in Berlin gets receipts in
# German that promise in Berlin time, for customers who said neither.
expect 0 "channel add with a locale and a zone" -- channel add email Shop --address shop@shop.example --locale de --timezone Europe/Berlin
has "locale de; time zone Europe/Berlin" "the channel's locale and zone are confirmed"
shop=$("$CSDESK" --json channel list | python3 -c "import json,sys; print([c['id'] for c in json.load(sys.stdin)['channels'] if c['name'] == 'Shop'][0])")
expect 0 "a mail on the German channel" -- "$NOW" ingest --channel "$shop" --from neu@example.de --subject Paket "Wo ist mein Paket?"
has "receipt: Vielen Dank für Ihre Nachricht." "German, the channel's language"
has "bis 02.03.2026 14:00 Uhr (Europe/Berlin)." "in Berlin time (4 business hours under the Mail policy)"
expect 0 "the same channel, an English customer" -- "$NOW" ingest --channel "$shop" --from tourist@example.com --locale en "Where is my parcel?"
has "We will answer by 2 March 2026, 14:00 (Europe/Berlin) at the latest." "the customer's language, the channel's zone"
expect 0 "channel update clears the zone" -- --json channel update "$shop" --timezone ""
json "j['timezone'] is None and j['locale'] == 'de'" "an empty value clears"
expect 1 "channel update with an unknown zone" -- channel update "$shop" --timezone Mars/Base
err "(field timezone)" "the library names the field"

# What --help promises parses: every option of every usage line is accepted (each one
# followed by --help, which stops before the command runs).
"$CSDESK" --help >"$tmp/help" 2>&1 && ok || bad "--help fails"
if python3 - "$CSDESK" "$tmp/help" <<'PY'; then ok; else bad "an option --help shows is refused"; fi
import re, subprocess, sys
csdesk, path = sys.argv[1], sys.argv[2]
forms, failed = [], 0
for line in open(path, encoding="utf-8"):
    if line.startswith("  ") and not line.startswith("      "):
        forms.append(line.strip())
    elif line.startswith("        ") and not line.startswith("         ") and forms:
        forms[-1] += " " + line.strip()
assert len(forms) > 30, forms
for form in forms:
    words = []
    for w in form.split():
        if not re.fullmatch(r"[a-z]+", w):
            break
        words.append(w)
    for flag, meta in re.findall(r"--([a-z-]+)(?: ([^\]\s]+))?", form):
        args = words + ["--" + flag] + (["x"] if meta else []) + ["--help"]
        proc = subprocess.run([csdesk] + args, capture_output=True, text=True)
        if proc.returncode != 0 or "usage: csdesk " + " ".join(words) not in proc.stdout:
            print(f"csdesk {' '.join(args)}: exit {proc.returncode}: {proc.stderr}")
            failed += 1
sys.exit(1 if failed else 0)
PY
expect 0 "help COMMAND" -- help update
has "usage: csdesk update NUMBER [--status S] [--priority P]" "help shows the usage"
has "[--tag T]..." "help says --tag repeats"
expect 0 "COMMAND --help" -- channel --help
has "csdesk channel update ID" "every form of the command"

# One output style: text by default, never JSON unasked nor nothing at all; JSON with
# --json, before or after the command.
for cmd in "channel list" "tickets" "show 1" "audit 1" "outbox list" "sla policies" \
    "sla queue" "sla status 1" "customer show 1" "customer find email anna@example.com" \
    "version" "methods" "tick"; do
    # shellcheck disable=SC2086
    expect 0 "$cmd" -- $cmd
    case $out in '' | '{'* | '['*) bad "$cmd prints '$out' without --json" ;; *) ok ;; esac
    # shellcheck disable=SC2086
    expect 0 "$cmd --json" -- $cmd --json
    json "isinstance(j, dict)" "$cmd --json prints a JSON object"
done
expect 0 "sla policies lists the policy" -- sla policies
has "SLA policy 1: Mail; first_reply 4h in business hours; for channel_kind email" "policies as text"
expect 0 "init --json" -- --json init
json "j['schema_version'] >= 12 and j['path'].endswith('cli.db')" "init as JSON"

expect 2 "unknown command" -- frobnicate
expect 2 "no command" --
expect 2 "bad --as" -- --as boss tickets
expect 2 "bad --now" -- --now yesterday tickets
expect 1 "a missing database without init" -- --db "$tmp/none/x.db" tickets
err "there is no database at $tmp/none/x.db: create one with \`csdesk init\`" "the message says what to do"

expect 0 "demo" -- --db "$tmp/demo.db" demo
has "threaded by in_reply_to" "the demo tells the whole story"
has "message mail, ticket #2" "the demo takes a raw mail in"
has "In-Reply-To: <1@anna.example>" "the demo shows a reply rendered for SMTP"
has "spätestens bis 02.03.2026 14:00 Uhr (Europe/Berlin)." "the demo's receipt is German, in Berlin time"
expect 0 "demo --json" -- --json --db "$tmp/demo2.db" demo
json "len(j['steps']) >= 10 and any('threaded by in_reply_to' in d for s in j['steps'] for d in s['details'])" "the demo's story as JSON"

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
