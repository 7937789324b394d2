# Real mail servers for the tests: Dovecot (IMAP, LMTP) and Postfix (SMTP) from Debian's
# packages, on 127.0.0.1 with free high ports and a throwaway configuration under one
# temporary directory. Sourced by the tests, which call ms_start and trap ms_stop; nothing
# system-wide is configured or started, and everything stops with the test.
#
# After ms_start:  MS_DIR (the directory), MS_SMTP, MS_IMAP, MS_LMTP (ports), MS_PASSWORD
# (every mailbox's password), MS_CA (the self-signed certificate for 127.0.0.1 with which
# both servers offer STARTTLS; clients that trust it pass it as their CA). Mailboxes: support@support.test (the helpdesk's),
# anna@customer.test and kim@customer.test (customers). Mail to *@bounce.test is accepted
# and then bounced by Postfix with a delivery status notification to the envelope sender.
# Unknown users of support.test and customer.test are refused at RCPT time.

MS_PASSWORD=secret-pw
MS_USERS="support anna kim"

# Skip (exit 77) unless the servers can run here.
ms_require() {
    local missing=
    for c in dovecot postfix curl python3 openssl; do
        command -v "$c" >/dev/null 2>&1 || [ -x "/usr/sbin/$c" ] || missing="$missing $c"
    done
    [ -z "$missing" ] || { echo "mail servers: missing$missing (scripts/setup installs them): skipped"; exit 77; }
    [ "$(id -u)" -eq 0 ] || { echo "mail servers: must run as root (Postfix and Dovecot drop to their users): skipped"; exit 77; }
    id postfix >/dev/null 2>&1 && id dovecot >/dev/null 2>&1 && id dovenull >/dev/null 2>&1 ||
        { echo "mail servers: the postfix/dovecot system users are missing: skipped"; exit 77; }
}

# Three free TCP ports on 127.0.0.1.
ms_ports() {
    python3 - <<'PY'
import socket
socks = []
for _ in range(3):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}

# Wait until 127.0.0.1:$1 accepts connections, at most $2 tenths of a second.
ms_wait_port() {
    local i
    for i in $(seq "${2:-150}"); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.1
    done
    echo "mail servers: nothing listens on 127.0.0.1:$1" >&2
    return 1
}

# A throwaway self-signed certificate for 127.0.0.1.
ms_write_cert() {
    MS_CA=$MS_DIR/cert.pem
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
        -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
        -keyout "$MS_DIR/key.pem" -out "$MS_CA" >/dev/null 2>&1
    chmod 644 "$MS_DIR/key.pem"
}

ms_write_dovecot() {
    local d=$MS_DIR/dovecot
    mkdir -p "$d/run" "$d/state" "$MS_DIR/mail"
    chown nobody:nogroup "$MS_DIR/mail"
    : >"$d/passwd"
    for u in $MS_USERS; do
        echo "$u:{PLAIN}$MS_PASSWORD:65534:65534::$MS_DIR/mail/$u::" >>"$d/passwd"
    done
    chmod 644 "$d/passwd"
    cat >"$d/dovecot.conf" <<CONF
protocols = imap lmtp
listen = 127.0.0.1
base_dir = $d/run
state_dir = $d/state
instance_name = libcs-test-$$
log_path = $MS_DIR/dovecot.log
ssl = yes
ssl_cert = <$MS_CA
ssl_key = <$MS_DIR/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
mail_location = maildir:~/Maildir
mail_privileged_group =
lmtp_save_to_detail_mailbox = no
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%n $d/passwd
}
userdb {
  driver = passwd-file
  args = username_format=%n $d/passwd
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $MS_IMAP
  }
  inet_listener imaps {
    port = 0
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = $MS_LMTP
  }
  unix_listener lmtp {
    mode = 0600
  }
}
CONF
}

ms_write_postfix() {
    local p=$MS_DIR/postfix
    mkdir -p "$p/conf" "$p/queue" "$p/data"
    chown postfix "$p/data"
    printf 'support@support.test x\nanna@customer.test x\nkim@customer.test x\n' >"$p/conf/vmailbox"
    # Accepted (from 127.0.0.1), then refused by Dovecot, which knows no such user: Postfix
    # sends the sender a bounce, as a remote server's refusal would.
    printf 'bounce.test lmtp:inet:127.0.0.1:%s\n' "$MS_LMTP" >"$p/conf/transport"
    cat >"$p/conf/main.cf" <<CONF
compatibility_level = 3.6
queue_directory = $p/queue
data_directory = $p/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mail.support.test
mydomain = support.test
myorigin = support.test
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mydestination =
mynetworks = 127.0.0.0/8
relay_domains =
virtual_mailbox_domains = support.test customer.test
virtual_mailbox_maps = texthash:$p/conf/vmailbox
virtual_transport = lmtp:inet:127.0.0.1:$MS_LMTP
transport_maps = texthash:$p/conf/transport
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
alias_maps =
alias_database =
maillog_file = $MS_DIR/postfix.log
maillog_file_prefixes = $MS_DIR
smtputf8_enable = no
smtpd_tls_security_level = may
smtpd_tls_cert_file = $MS_CA
smtpd_tls_key_file = $MS_DIR/key.pem
biff = no
append_dot_mydomain = no
delay_warning_time = 0
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
maximal_queue_lifetime = 5m
bounce_queue_lifetime = 5m
CONF
    cat >"$p/conf/master.cf" <<CONF
127.0.0.1:$MS_SMTP inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
CONF
}

# Start both servers; on failure show their logs and return non-zero.
ms_start() {
    MS_DIR=$(mktemp -d /tmp/libcs-mail.XXXXXX)
    chmod 755 "$MS_DIR"
    set -- $(ms_ports)
    MS_SMTP=$1 MS_IMAP=$2 MS_LMTP=$3
    ms_write_cert
    ms_write_dovecot
    ms_write_postfix
    if ! dovecot -c "$MS_DIR/dovecot/dovecot.conf" || ! ms_wait_port "$MS_IMAP" ||
        ! ms_wait_port "$MS_LMTP"; then
        echo "mail servers: Dovecot did not start" >&2
        cat "$MS_DIR/dovecot.log" >&2 2>/dev/null
        return 1
    fi
    if ! postfix -c "$MS_DIR/postfix/conf" start >"$MS_DIR/postfix-start.log" 2>&1 ||
        ! ms_wait_port "$MS_SMTP"; then
        echo "mail servers: Postfix did not start" >&2
        cat "$MS_DIR/postfix-start.log" "$MS_DIR/postfix.log" >&2 2>/dev/null
        return 1
    fi
}

# Wait (at most 10 s) until process $1 is gone.
ms_wait_gone() {
    local i
    for i in $(seq 100); do
        kill -0 "$1" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -9 "$1" 2>/dev/null
}

# Stop both servers (waiting until their masters are gone) and remove everything; safe to
# call twice and after a failed start.
ms_stop() {
    local pid
    [ -n "${MS_DIR:-}" ] && [ -d "$MS_DIR" ] || return 0
    if pid=$(cat "$MS_DIR/postfix/queue/pid/master.pid" 2>/dev/null) && pid=${pid// /}; then
        postfix -c "$MS_DIR/postfix/conf" abort >/dev/null 2>&1 || kill "$pid" 2>/dev/null
        ms_wait_gone "$pid"
    fi
    if pid=$(cat "$MS_DIR/dovecot/run/master.pid" 2>/dev/null); then
        kill "$pid" 2>/dev/null
        ms_wait_gone "$pid"
    fi
    if [ -n "${MS_KEEP:-}" ]; then
        echo "mail servers: kept $MS_DIR"
    else
        rm -rf "$MS_DIR"
    fi
    MS_DIR=
}

# Send a file over SMTP: ms_send FROM TO FILE (envelope addresses; FROM may be "" for <>).
ms_send() {
    curl -sS --max-time 20 "smtp://127.0.0.1:$MS_SMTP" --mail-from "$1" --mail-rcpt "$2" \
        --upload-file "$3"
}

# IMAP as user $1: ms_imap USER PATH [curl args...]
ms_imap() {
    local user=$1 path=$2
    shift 2
    curl -sS --max-time 20 --user "$user:$MS_PASSWORD" "imap://127.0.0.1:$MS_IMAP/$path" "$@"
}

# The UIDs of INBOX of user $1 that match IMAP search $2 (default ALL), one line.
ms_uids() {
    ms_imap "$1" INBOX -X "UID SEARCH ${2:-ALL}" | tr -d '\r' | sed -n 's/^\* SEARCH *//p'
}

# Wait until user $1's INBOX holds at least $2 messages (at most 30 s); print the UIDs.
ms_wait_mail() {
    local uids= i
    for i in $(seq 300); do
        uids=$(ms_uids "$1")
        # shellcheck disable=SC2086
        [ "$(set -- $uids; echo $#)" -ge "$2" ] && { echo "$uids"; return 0; }
        sleep 0.1
    done
    echo "mail servers: $1 did not get $2 messages; they have: $uids" >&2
    tail -20 "$MS_DIR/postfix.log" >&2
    return 1
}
