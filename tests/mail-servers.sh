#!/bin/bash
# The mail-server harness works: a mail sent over SMTP to Postfix arrives in a Dovecot
# mailbox (LMTP) and reads back over IMAP, byte for byte; an unknown user is refused at
# RCPT; mail to a domain that bounces comes back to the sender as a delivery status
# notification. Independent of libcs: the other mail tests stand on this.
set -u
: "${top_srcdir:?}"
. "$top_srcdir/tests/mailserver/servers.sh"
ms_require
trap ms_stop EXIT
start=$(date +%s.%N)
ms_start || exit 1
echo "servers up in $(python3 -c "print(round($(date +%s.%N) - $start, 2))") s" \
    "(SMTP $MS_SMTP, IMAP $MS_IMAP, LMTP $MS_LMTP)"
fail=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; fail=$((fail + 1)); fi; }

mail=$MS_DIR/m1.eml
printf 'From: Support <support@support.test>\r\nTo: anna@customer.test\r\nSubject: Harness\r\nMessage-ID: <h1@support.test>\r\n\r\nHello Anna.\r\n' >"$mail"
check "SMTP accepts a mail for a known user" 'ms_send support@support.test anna@customer.test "$mail"'
uids=$(ms_wait_mail anna 1)
check "it arrives in her INBOX" '[ -n "$uids" ]'
got=$(ms_imap anna "INBOX;UID=${uids%% *}" | tr -d '\r')
check "IMAP reads it back" 'grep -q "^Message-ID: <h1@support.test>" <<<"$got" && grep -q "^Hello Anna." <<<"$got"'
check "Postfix added its trace header" 'grep -q "^Received: from" <<<"$got"'

out=$(ms_send support@support.test nobody@customer.test "$mail" 2>&1)
check "an unknown user is refused at RCPT (550)" 'grep -q 550 <<<"$out"'

check "mail to a bouncing domain is accepted" 'ms_send support@support.test x@bounce.test "$mail"'
uids=$(ms_wait_mail support 1)
dsn=$(ms_imap support "INBOX;UID=${uids%% *}" | tr -d '\r')
check "its bounce reaches the sender" 'grep -qi "^Content-Type: multipart/report; report-type=delivery-status" <<<"$dsn"'
check "the bounce names the failed recipient" 'grep -q "x@bounce.test" <<<"$dsn"'

echo "total $(python3 -c "print(round($(date +%s.%N) - $start, 2))") s"
echo "$((8 - fail)) passed, $fail failed"
exit $((fail > 0))
