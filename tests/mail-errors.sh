#!/bin/bash
# csmail against real servers when something is wrong: a refused password, a server that
# is not there, a certificate nobody vouched for, and a recipient the SMTP server refuses
# (the item fails with the server's own words). And the config file works like the flags.
set -u
: "${top_srcdir:?}" "${top_builddir:?}" "${CSDESK:?}"
. "$top_srcdir/tests/mailserver/servers.sh"
ms_require
command -v sqlite3 >/dev/null || { echo "sqlite3 missing: skipped"; exit 77; }
CSMAIL=${CSMAIL:-$top_builddir/csmail}
trap ms_stop EXIT
ms_start || exit 1
fail=0 passed=0
check() {
    if eval "$2"; then echo "ok: $1"; passed=$((passed + 1)); else echo "FAIL: $1"; fail=$((fail + 1)); fi
}
db=$MS_DIR/desk.db
"$CSDESK" --db "$db" init >/dev/null
"$CSDESK" --db "$db" call channel.create '{"kind": "email", "name": "Support", "address": "support@support.test"}' >/dev/null
imap="imap://127.0.0.1:$MS_IMAP/INBOX"
closed=$(ms_ports | cut -d' ' -f1) # free, so nothing listens there

out=$("$CSMAIL" --db "$db" --channel 1 --imap "$imap" --user support --password wrong \
    --ca-file "$MS_CA" fetch 2>&1); rc=$?
check "a wrong password says so (exit 1)" '[ $rc = 1 ] && grep -q "refused the user name or password" <<<"$out"'
out=$("$CSMAIL" --db "$db" --channel 1 --imap "imap://127.0.0.1:$closed/INBOX" --user support \
    --password x fetch 2>&1); rc=$?
check "an unreachable server says so" '[ $rc = 1 ] && grep -q "cannot reach the server" <<<"$out"'
out=$("$CSMAIL" --db "$db" --channel 1 --imap "$imap" --user support --password "$MS_PASSWORD" \
    fetch 2>&1); rc=$?
check "an untrusted certificate says so" '[ $rc = 1 ] && grep -q "certificate is not trusted" <<<"$out"'

# A config file, and a recipient the server refuses: the item fails with its reply.
printf '# csmail for the support mailbox\ndb = %s\nchannel = 1\nsmtp = smtp://127.0.0.1:%s\nca-file = %s\ntls = require\n' \
    "$db" "$MS_SMTP" "$MS_CA" >"$MS_DIR/csmail.conf"
"$CSDESK" --db "$db" call ingest '{"channel_id": 1, "sender": "nobody@customer.test", "subject": "Hallo", "body": "Hallo"}' >/dev/null
out=$("$CSMAIL" --config "$MS_DIR/csmail.conf" send 2>&1); rc=$?
check "a refused recipient fails the round (exit 1)" '[ $rc = 1 ] && grep -q "send: 0 sent, 1 failed" <<<"$out"'
err=$(sqlite3 "$db" "SELECT state || ' ' || last_error FROM outbox WHERE id = 1")
check "the item is queued again with the server's reply" 'grep -q "^1 .*550 5.1.1 <nobody@customer.test>: Recipient address rejected" <<<"$err"'
out=$("$CSMAIL" --config "$MS_DIR/csmail.conf" --bogus 1 send 2>&1); rc=$?
check "an unknown option is a usage error (exit 2)" '[ $rc = 2 ] && grep -q "unknown option \"bogus\"" <<<"$out"'

# --move-to: taken-in mail leaves INBOX for another mailbox instead of getting a keyword.
ms_imap support "" -X "CREATE Done" >/dev/null
printf 'From: kim@customer.test\r\nTo: support@support.test\r\nSubject: Move me\r\nMessage-ID: <mv1@customer.test>\r\n\r\nHallo\r\n' >"$MS_DIR/mv.eml"
ms_send kim@customer.test support@support.test "$MS_DIR/mv.eml"
ms_wait_mail support 1 >/dev/null
out=$("$CSMAIL" --db "$db" --channel 1 --imap "$imap" --user support --password "$MS_PASSWORD" \
    --ca-file "$MS_CA" --move-to Done fetch 2>&1); rc=$?
check "--move-to takes the mail in" '[ $rc = 0 ] && grep -q "fetched UID 1: message" <<<"$out"'
check "and moves it out of INBOX" '[ -z "$(ms_uids support)" ] && [ -n "$(ms_imap support Done -X "UID SEARCH ALL" | grep "SEARCH [0-9]")" ]'
echo "$passed passed, $fail failed"
exit $((fail > 0))
