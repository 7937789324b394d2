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
# json EXPR DESCRIPTION: a Python expression over the parsed $out (as j) is true
json() {
    if printf '%s' "$out" | python3 -c "import json,sys; j=json.load(sys.stdin); sys.exit(0 if ($1) else 1)"; then
        ok
    else
        bad "$2: $1 is false for $out"
    fi
}

expect 0 "init" -- init
has "schema version" "init says the schema version"
expect 0 "version --json" -- --json version
json "j['version'].count('.') == 2" "version is x.y.z"

expect 0 "group add" -- group add Kundenservice
has "1" "group id"
expect 0 "channel add" -- channel add email Mail --address service@shop.example --group 1
has "Mail" "channel shown"
expect 0 "channel add twitter" -- --json channel add twitter Twitter --public --signature
json "j['public'] and j['signature'] and j['kind'] == 'twitter'" "twitter channel flags"
expect 1 "channel add with a taken name fails" -- channel add chat Mail
expect 1 "channel add with a bad kind fails" -- channel add fax Fax
expect 2 "channel add without a name is a usage error" -- channel add email
expect 0 "channel list" -- channel list
has "service@shop.example" "channel list shows the address"

expect 0 "agent add" -- --json agent add "Carla Berger" --email carla@shop.example --skill de,billing
json "j['initials'] == 'CB' and j['skills'] == ['billing', 'de']" "agent initials and skills"
expect 0 "group member" -- group member 1 1
expect 2 "group member with a bad id" -- group member one 1

expect 0 "ingest a mail" -- "$NOW" ingest --channel 1 --from anna@example.com --name "Anna Schmidt" --subject "Rechnung" --id "<m1@x>" --locale de "Die Rechnung ist falsch."
has "opened ticket #1" "ingest opens a ticket"
has "receipt: Vielen Dank" "the German receipt is shown"
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
expect 1 "tickets with a bad status" -- tickets --status nonsense

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

expect 0 "update" -- --as agent:1 update 1 --status pending --priority high --tags billing,vip
has "pending, high priority" "update shows the new state"
expect 1 "update to a forbidden status" -- update 1 --status new
expect 0 "audit" -- audit 1
has "status: open -> pending" "the audit trail has the status change"

expect 0 "outbox claim" -- --json outbox claim --kind email --max 5 --lease 30
json "[i['kind'] for i in j['items']] == ['receipt', 'reply']" "receipt then reply"
id=$(printf '%s' "$out" | python3 -c "import json,sys; print(json.load(sys.stdin)['items'][1]['id'])")
lease=$(printf '%s' "$out" | python3 -c "import json,sys; print(json.load(sys.stdin)['items'][1]['lease'])")
expect 0 "outbox ack" -- outbox ack "$id" "$lease" "<sent-1@shop.example>"
expect 0 "outbox list" -- outbox list --state sent
has "sent" "the acknowledged item is sent"
expect 2 "outbox ack without a lease" -- outbox ack 1

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

expect 2 "unknown command" -- frobnicate
expect 2 "no command" --
expect 2 "bad --as" -- --as boss tickets
expect 2 "bad --now" -- --now yesterday tickets
expect 1 "a missing database without init" -- --db "$tmp/none/x.db" tickets

expect 0 "demo" -- --db "$tmp/demo.db" demo
has "threaded by in_reply_to" "the demo tells the whole story"
has "message mail, ticket #2" "the demo takes a raw mail in"
has "In-Reply-To: <1@anna.example>" "the demo shows a reply rendered for SMTP"

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
