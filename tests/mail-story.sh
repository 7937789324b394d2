#!/bin/bash
# The whole mail story against real servers (Postfix for SMTP, Dovecot for IMAP; see
# tests/mailserver/servers.sh): a customer's mail delivered over SMTP -> csmail fetch ->
# ticket and receipt -> the receipt in the customer's mailbox -> the customer's answer
# threads into the same ticket -> an agent's reply arrives with the right headers -> an
# autoresponder's answer and a bounce start no loop -> csmail killed with SIGKILL in the
# middle of a fetch and run again takes every mail exactly once.
set -u
: "${top_srcdir:?}" "${top_builddir:?}" "${CSDESK:?}"
. "$top_srcdir/tests/mailserver/servers.sh"
ms_require
command -v sqlite3 >/dev/null || { echo "sqlite3 missing: skipped"; exit 77; }
CSMAIL=${CSMAIL:-$top_builddir/csmail}
trap 'ms_stop; [ -n "${bg:-}" ] && kill -9 "$bg" 2>/dev/null' EXIT
t0=$(date +%s.%N)
elapsed() { python3 -c "print(f'{$(date +%s.%N) - $t0:.2f}')"; }
ms_start || exit 1
echo "servers up after $(elapsed) s"

fail=0 passed=0
check() {
    if eval "$2"; then echo "ok: $1"; passed=$((passed + 1)); else echo "FAIL: $1"; fail=$((fail + 1)); fi
}
db=$MS_DIR/desk.db
sql() { sqlite3 "$db" "$1"; }
desk() { "$CSDESK" --db "$db" "$@"; }
# csmail_exec becomes csmail (exec): a run in the background (`csmail_exec ... &`) is then
# the process itself, and killing it kills csmail, not a subshell that leaves csmail running.
csmail_exec() {
    exec "$CSMAIL" --db "$db" --channel 1 --imap "imap://127.0.0.1:$MS_IMAP/INBOX" \
        --smtp "smtp://127.0.0.1:$MS_SMTP" --user support --password "$MS_PASSWORD" \
        --tls require --ca-file "$MS_CA" "$@"
}
csmail() { (csmail_exec "$@"); }
# Write a mail file: mail FILE FROM TO SUBJECT MESSAGE-ID [HEADER...]; body on stdin.
mail() {
    local f=$1 from=$2 to=$3 subject=$4 id=$5
    shift 5
    {
        printf 'From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: %s\r\n' "$from" "$to" "$subject" "$id"
        printf 'Date: Mon, 02 Mar 2026 09:00:00 +0100\r\n'
        for h in "$@"; do printf '%s\r\n' "$h"; done
        printf 'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n'
        sed 's/$/\r/'
    } >"$f"
}
# The raw mail of UID $2 in user $1's INBOX, CR removed.
fetch_mail() { ms_imap "$1" "INBOX;UID=$2" | tr -d '\r'; }
hdr() { sed -n "/^\$/q; s/^$1: //p" <<<"$2" | head -1; }

desk init >/dev/null
desk call channel.create '{"kind": "email", "name": "Shop Support", "address": "support@support.test"}' >/dev/null
desk call agent.create '{"name": "Carla Agent"}' >/dev/null

# 1. A customer writes; csmail fetch makes a ticket and queues a receipt.
printf 'Guten Tag,\nmeine Rechnung ist falsch.\nAnna\n' |
    mail "$MS_DIR/c1.eml" "Anna Schmidt <anna@customer.test>" support@support.test \
        "Rechnung falsch" "<c1@customer.test>"
check "the customer's mail is accepted over SMTP" 'ms_send anna@customer.test support@support.test "$MS_DIR/c1.eml"'
ms_wait_mail support 1 >/dev/null
out=$(csmail fetch 2>&1)
check "csmail fetch takes it in" 'grep -q "fetched UID 1: message, ticket #1 (new), receipt queued" <<<"$out"'
check "one ticket, from Anna" '[ "$(sql "SELECT count(*) || subject FROM ticket")" = "1Rechnung falsch" ]'
check "the mail is marked in the mailbox" '[ -z "$(ms_uids support "UNKEYWORD \$CsIngested")" ]'
out=$(csmail fetch 2>&1)
check "a second fetch takes nothing" 'grep -q "fetch: 0 mails" <<<"$out"'

# 2. csmail send delivers the receipt to Anna.
out=$(csmail send 2>&1)
check "csmail send sends the receipt" 'grep -q "sent item 1 (receipt, ticket 1) to anna@customer.test" <<<"$out"'
uid=$(ms_wait_mail anna 1)
receipt=$(fetch_mail anna "$uid")
receipt_id=$(hdr Message-Id "$receipt")
check "the receipt is from the channel" '[ "$(hdr From "$receipt")" = "Shop Support <support@support.test>" ]'
check "to Anna, by name" '[ "$(hdr To "$receipt")" = "Anna Schmidt <anna@customer.test>" ]'
check "its subject carries the ticket number" '[ "$(hdr Subject "$receipt")" = "[#1] Rechnung falsch" ]'
check "it answers her mail" '[ "$(hdr In-Reply-To "$receipt")" = "<c1@customer.test>" ]'
check "it says it is automatic" '[ "$(hdr Auto-Submitted "$receipt")" = "auto-replied" ]'
check "it went with an empty return path" '[ "$(hdr Return-Path "$receipt")" = "<>" ]'
check "its Message-ID names the item, then is random" 'grep -Eq "^<1\.[0-9a-f]{32}@support.test>$" <<<"$receipt_id"'
check "the outbox item is sent, under that Message-ID" '[ "$(sql "SELECT state || external_id FROM outbox WHERE id = 1")" = "3$receipt_id" ]'

# 3. Anna answers the receipt: the same ticket.
printf 'Die Rechnungsnummer ist 4711.\n' |
    mail "$MS_DIR/c2.eml" "Anna Schmidt <anna@customer.test>" support@support.test \
        "Re: [#1] Rechnung falsch" "<c2@customer.test>" "In-Reply-To: $receipt_id" \
        "References: <c1@customer.test> $receipt_id"
ms_send anna@customer.test support@support.test "$MS_DIR/c2.eml"
ms_wait_mail support 2 >/dev/null
out=$(csmail fetch 2>&1)
check "her answer threads into ticket #1" 'grep -q "fetched UID 2: message, ticket #1$" <<<"$out"'
check "still one ticket, three messages" '[ "$(sql "SELECT count(DISTINCT ticket_id) || count(*) FROM message")" = "13" ]'

# 4. An agent replies; it arrives with the right headers.
desk --as agent:1 call reply '{"ticket_id": 1, "body": "Danke, wir korrigieren die Rechnung 4711.", "html": "<p>Danke, wir korrigieren die Rechnung <b>4711</b>.</p>"}' >/dev/null
out=$(csmail send 2>&1)
check "csmail send sends the reply" 'grep -q "sent item 2 (reply, ticket 1)" <<<"$out"'
uids=$(ms_wait_mail anna 2)
reply=$(fetch_mail anna "${uids##* }")
check "the reply is from the channel" '[ "$(hdr From "$reply")" = "Shop Support <support@support.test>" ]'
check "its subject carries the ticket number" '[ "$(hdr Subject "$reply")" = "[#1] Rechnung falsch" ]'
check "it answers her latest mail" '[ "$(hdr In-Reply-To "$reply")" = "<c2@customer.test>" ]'
check "References hold the thread" 'sed -n "/^References:/,/^[^ ]/p" <<<"$reply" | grep -q "<c1@customer.test>"'
check "it is not marked automatic" '[ -z "$(hdr Auto-Submitted "$reply")" ]'
check "bounces would come back to the channel" '[ "$(hdr Return-Path "$reply")" = "<support@support.test>" ]'
check "text and HTML alternatives" 'grep -q "^Content-Type: multipart/alternative" <<<"$reply" && grep -q "^Content-Type: text/html" <<<"$reply"'
check "the body reads as written" 'grep -q "^Danke, wir korrigieren die Rechnung 4711.$" <<<"$reply"'

# 5. An autoresponder answers: ingested, no receipt, nothing sent back.
printf 'I am out of the office until Monday.\n' |
    mail "$MS_DIR/v1.eml" "Kim <kim@customer.test>" support@support.test \
        "Out of office: [#1] Rechnung falsch" "<v1@customer.test>" "Auto-Submitted: auto-replied"
ms_send kim@customer.test support@support.test "$MS_DIR/v1.eml"
ms_wait_mail support 3 >/dev/null
items=$(sql "SELECT count(*) FROM outbox")
out=$(csmail fetch 2>&1)
check "the autoresponder's mail is taken as automatic" 'grep -q "fetched UID 3: automatic" <<<"$out"'
check "it gets no receipt" '[ "$(sql "SELECT count(*) FROM outbox")" = "$items" ]'
out=$(csmail send 2>&1)
check "so nothing goes back to it" 'grep -q "send: 0 sent, 0 failed" <<<"$out"'

# 6. A bounce: a customer at a domain that refuses our reply.
printf 'Hallo, eine Frage.\n' |
    mail "$MS_DIR/b1.eml" "Bo <bo@bounce.test>" support@support.test "Frage" "<b1@bounce.test>"
ms_send bo@bounce.test support@support.test "$MS_DIR/b1.eml"
ms_wait_mail support 4 >/dev/null
csmail fetch >/dev/null 2>&1
csmail send >/dev/null 2>&1 # the receipt: its bounce goes to <>, which Postfix drops
desk --as agent:1 call reply '{"ticket_id": 3, "body": "Gern, was möchten Sie wissen?"}' >/dev/null
out=$(csmail send 2>&1)
item=$(sql "SELECT max(id) FROM outbox WHERE kind = 'reply'")
check "the reply to the refusing domain is sent" 'grep -q "sent item $item (reply, ticket 3)" <<<"$out"'
ms_wait_mail support 5 >/dev/null
tickets=$(sql "SELECT count(*) FROM ticket")
items=$(sql "SELECT count(*) FROM outbox")
out=$(csmail fetch 2>&1)
check "its bounce is taken as a bounce" 'grep -q "fetched UID 5: bounce" <<<"$out"'
check "the bounced item is dead with the reason" '[ "$(sql "SELECT state FROM outbox WHERE id = $item")" = 4 ] && sql "SELECT last_error FROM outbox WHERE id = $item" | grep -q "5.1.1"'
check "the bounce opens no ticket and sends nothing" '[ "$(sql "SELECT count(*) FROM ticket")" = "$tickets" ] && [ "$(sql "SELECT count(*) FROM outbox")" = "$items" ]'
echo "story done after $(elapsed) s"

# 7. SIGKILL in the middle of a fetch, twice; then a run to the end: each mail once. The
# fetches commit four mails at a time (--batch 4), so the kills fall between and inside
# groups: a group is in whole or not at all, and what was not marked is fetched again.
n=24
for i in $(seq $n); do
    printf 'Mail %s\n' "$i" | mail "$MS_DIR/k$i.eml" "Kim <kim@customer.test>" \
        support@support.test "Frage $i" "<k$i@customer.test>"
    ms_send kim@customer.test support@support.test "$MS_DIR/k$i.eml" || echo "FAIL: send k$i"
done
ms_wait_mail support $((5 + n)) >/dev/null
count() { sql "SELECT count(*) FROM message WHERE external_id LIKE '<k%@customer.test>'"; }
for round in 1 2; do
    before=$(count)
    csmail_exec fetch --batch 4 --throttle 40 >/dev/null 2>&1 &
    bg=$!
    for _ in $(seq 300); do
        [ "$(count)" -ge $((before + 5)) ] && break
        sleep 0.05
    done
    kill -9 "$bg" 2>/dev/null
    wait "$bg" 2>/dev/null
    bg=
    echo "killed fetch $round after $(count) of $n mails"
done
check "the kills came in the middle" '[ "$(count)" -lt $n ]'
csmail fetch >/dev/null 2>&1
check "after the restart every mail is there" '[ "$(count)" = $n ]'
check "none of them twice" '[ "$(sql "SELECT count(DISTINCT external_id) FROM message WHERE external_id LIKE '"'"'<k%@customer.test>'"'"'")" = $n ]'
check "one ticket each, no more" '[ "$(sql "SELECT count(*) FROM ticket WHERE subject LIKE '"'"'Frage %'"'"'")" = $n ]'
check "every mail is marked" '[ -z "$(ms_uids support "UNKEYWORD \$CsIngested")" ]'

# 8. A group with a mail that fails: the group is rolled back, the mails before the failing
# one go in one by one and are marked, the failing one is named and stays, and so does the
# rest; once the cause is gone, the next fetch takes them.
for i in 1 2 3; do
    subject="Gruppe $i"
    [ "$i" = 2 ] && subject="Kaputt"
    printf 'Mail %s\n' "$i" | mail "$MS_DIR/g$i.eml" "Gus <gus@customer.test>" \
        support@support.test "$subject" "<g$i@customer.test>"
    ms_send gus@customer.test support@support.test "$MS_DIR/g$i.eml" || echo "FAIL: send g$i"
done
ms_wait_mail support $((5 + n + 3)) >/dev/null
sql "CREATE TRIGGER refuse BEFORE INSERT ON message WHEN NEW.subject = 'Kaputt'
     BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
gus() { sql "SELECT count(*) FROM message WHERE external_id LIKE '<g%@customer.test>'"; }
out=$(csmail fetch --batch 3 2>&1); status=$?
check "a failing mail fails the fetch" '[ $status = 1 ]'
check "it is named" 'grep -q "UID.*ingest failed.*refused by the test" <<<"$out"'
check "the mail before it went in, alone" '[ "$(gus)" = 1 ] && grep -q "fetched UID" <<<"$out"'
check "the failing one and the rest stay in the mailbox" '[ "$(ms_uids support "UNKEYWORD \$CsIngested" | wc -w)" = 2 ]'
sql "DROP TRIGGER refuse"
csmail fetch --batch 3 >/dev/null 2>&1
check "then the next fetch takes them, once" '[ "$(gus)" = 3 ] && [ -z "$(ms_uids support "UNKEYWORD \$CsIngested")" ]'

echo "total $(elapsed) s"
echo "$passed passed, $fail failed"
exit $((fail > 0))
