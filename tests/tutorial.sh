#!/bin/sh
# docs/tutorial.md works as written: its ```c tutorial blocks, collected with the awk line
# the page shows, compile as one program against the freshly built libcs.so (C99, pedantic,
# warnings as errors), and the program runs twice on one database file and prints what
# the page's ```text tutorial-run-1 and tutorial-run-2 blocks say ("..." matches any text).
set -eu
: "${top_srcdir:?}" "${top_builddir:?}" "${CC:=cc}" "${NM:=nm}"
page="$top_srcdir/docs/tutorial.md"
dlname=$(sed -n "s/^dlname='\(.*\)'$/\1/p" "$top_builddir/libcs.la" 2>/dev/null || true)
[ -n "$dlname" ] || { echo "tutorial: no shared library built, skipped"; exit 77; }
libdir="$top_builddir/.libs"
[ -f "$libdir/$dlname" ] || { echo "tutorial: $libdir/$dlname is missing"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The extractor is the page's own line, so the page's instructions are tested too.
extract=$(sed -n 's/^\(awk .*\) docs\/tutorial\.md > tutorial\.c$/\1/p' "$page")
[ -n "$extract" ] || { echo "tutorial: the page shows no awk line that makes tutorial.c"; exit 1; }
(cd "$top_srcdir" && eval "$extract docs/tutorial.md") >"$tmp/tutorial.c"
blocks=$(grep -c '^```c tutorial$' "$page")
[ "$blocks" -ge 7 ] || { echo "tutorial: $blocks program blocks, expected at least 7"; exit 1; }
grep -q '^int main(' "$tmp/tutorial.c" || { echo "tutorial: the blocks have no main()"; exit 1; }

# A library built with the sanitizers needs their runtime in the program too.
san=
if $NM -D "$libdir/$dlname" | grep -q __asan_init; then
    san="-fsanitize=address,undefined"
fi
# shellcheck disable=SC2086
$CC -std=c99 -pedantic -Wall -Wextra -Werror $san -I"$top_srcdir/include" "$tmp/tutorial.c" \
    -o "$tmp/tutorial" -L"$libdir" -lcs -Wl,-rpath,"$libdir" ||
    { echo "tutorial: the page's program does not compile"; exit 1; }

# The expected output of run N: the page's block, each line a pattern.
expected() {
    awk -v tag="$1" '$0 == "```text " tag {on = 1; next} /^```/ {on = 0} on' "$page"
}
check_run() {
    n=$1
    "$tmp/tutorial" "$tmp/helpdesk.db" >"$tmp/out$n" 2>"$tmp/err$n" || {
        echo "tutorial: run $n failed"
        cat "$tmp/out$n" "$tmp/err$n"
        exit 1
    }
    cat "$tmp/out$n"
    [ ! -s "$tmp/err$n" ] || { echo "tutorial: run $n wrote to stderr:"; cat "$tmp/err$n"; exit 1; }
    expected "tutorial-run-$n" >"$tmp/want$n"
    want=$(wc -l <"$tmp/want$n")
    [ "$want" -gt 0 ] || { echo "tutorial: the page shows no output of run $n"; exit 1; }
    [ "$(wc -l <"$tmp/out$n")" -eq "$want" ] ||
        { echo "tutorial: run $n printed other lines than the page shows:"; cat "$tmp/want$n"; exit 1; }
    i=0
    while IFS= read -r line; do
        i=$((i + 1))
        re=$(printf '%s\n' "$line" | sed 's/[][\\.*^$(){}+?|]/\\&/g; s/\\\.\\\.\\\./.*/g')
        sed -n "${i}p" "$tmp/out$n" | grep -Eqx -- "$re" ||
            { echo "tutorial: run $n, line $i is not as the page shows: $line"; exit 1; }
    done <"$tmp/want$n"
}

# The first run sets the helpdesk up; the second finds it, and sees the mail as a retry.
check_run 1
check_run 2
number=$(sed -n 's/^ticket #\([0-9]*\), .*/\1/p' "$tmp/out1")
grep -q "^ticket #$number, seen before" "$tmp/out2" ||
    { echo "tutorial: the second run did not find ticket #$number"; exit 1; }
echo "tutorial: $blocks blocks compile; two runs on one database print what the page shows"
