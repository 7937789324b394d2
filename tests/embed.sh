#!/bin/sh
# The embedding example runs end to end on a fresh database: it ingests a mail, replies,
# and its fake sender sends both the receipt and the reply, which carry the ticket number.
set -eu
: "${top_builddir:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$top_builddir/examples/embed/embed" "$tmp/embed.db" >"$tmp/out"
cat "$tmp/out"
number=$(sed -n 's/^ingested: ticket #\([0-9][0-9]*\) .*/\1/p' "$tmp/out")
[ -n "$number" ] || { echo "embed: no ticket number in the output"; exit 1; }
grep -q "^sending receipt to kim@customer.example: .*#$number" "$tmp/out" ||
    { echo "embed: no receipt naming ticket #$number"; exit 1; }
grep -q "^sending reply to kim@customer.example: \[#$number\]" "$tmp/out" ||
    { echo "embed: no reply naming ticket #$number"; exit 1; }
grep -qx 'outbox drained: 2 sent' "$tmp/out" || { echo "embed: not everything was sent"; exit 1; }
echo "embed: ticket #$number, receipt and reply sent"
