#!/bin/sh
# The C API reference: doxygen read the headers without a warning, and `make install` puts
# a man page for every function the manual pages name (cs_call(3), cs_ingest(3), ...) into
# man3, each leading to its header's page with the function's contract, and the HTML
# reference into the documentation directory; `make uninstall` takes them away again.
set -eu
: "${top_srcdir:?}" "${top_builddir:?}"
[ -f "$top_builddir/apidoc.stamp" ] ||
    { echo "apidoc: configure found no doxygen, no reference made: skipped"; exit 77; }
if [ -s "$top_builddir/apidoc/warnings.log" ]; then
    echo "apidoc: doxygen warned about the headers' comments:"
    cat "$top_builddir/apidoc/warnings.log"
    exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# This runs inside `make check`: the inner make must not look for the outer one's jobs.
run_make() {
    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$top_builddir" "$@" DESTDIR="$tmp/root" \
        >"$tmp/make.log" 2>&1 || { cat "$tmp/make.log"; exit 1; }
}
run_make install
prefix=$(sed -n 's/^prefix=//p' "$top_builddir/libcs.pc")
man3="$tmp/root$prefix/share/man/man3"
[ -d "$man3" ] || man3=$(find "$tmp/root" -type d -path '*/man/man3' | head -n 1)
[ -n "$man3" ] && [ -d "$man3" ] || { echo "apidoc: nothing installed into a man3 directory"; exit 1; }

# A function's page is ".so man3/<header page>"; that page must be there and document it.
page_for() {
    f="$man3/$1.3"
    [ -f "$f" ] || { echo "apidoc: no man page $1(3) installed"; exit 1; }
    target=$(sed -n 's|^\.so man3/||p' "$f")
    if [ -n "$target" ]; then
        f="$man3/$target"
        [ -f "$f" ] || { echo "apidoc: $1(3) leads to $target, which is not installed"; exit 1; }
    fi
    echo "$f"
}
grep -q 'Run one request' "$(page_for cs_call)" || { echo "apidoc: cs_call(3) lacks its contract"; exit 1; }
grep -q 'Take in a customer' "$(page_for cs_ingest)" ||
    { echo "apidoc: cs_ingest(3) lacks its contract"; exit 1; }
# Every library function the command line's manual pages refer to has its page.
refs=$(sed -n 's/^\.BR \(cs_[a-z0-9_]*\) (3).*/\1/p' "$top_srcdir"/docs/man/*.1 | sort -u)
[ -n "$refs" ] || { echo "apidoc: the manual pages name no cs_ function"; exit 1; }
for r in $refs; do
    grep -q "$r" "$(page_for "$r")" || { echo "apidoc: $r(3) does not mention $r"; exit 1; }
done
# Only libcs's own names go into man3: no id.3 or db.h.3 to clash with other libraries.
others=$(cd "$man3" && ls | grep -v '^cs_\|^CS_\|^libcs\.h\.3$' || true)
[ -z "$others" ] || { echo "apidoc: pages with names that are not libcs's: $others"; exit 1; }
# With man-db at hand, the page renders as a reader sees it.
if command -v man >/dev/null 2>&1; then
    MANPATH="${man3%/man3}" MANWIDTH=80 man 3 cs_call 2>/dev/null | grep -q 'cs_call' ||
        { echo "apidoc: man 3 cs_call shows nothing"; exit 1; }
fi
html=$(find "$tmp/root" -path '*/api/index.html' | head -n 1)
[ -n "$html" ] || { echo "apidoc: no HTML reference installed"; exit 1; }
grep -q 'cs_ingest' "$(dirname "$html")/ingest_8h.html" ||
    { echo "apidoc: the HTML reference does not document cs_ingest"; exit 1; }
pages=$(ls "$man3" | wc -l)

run_make uninstall
left=$(find "$tmp/root" -type f \( -path '*/man3/*' -o -path '*/api/*' \) | head -n 3)
[ -z "$left" ] || { echo "apidoc: make uninstall left: $left"; exit 1; }
echo "apidoc: no warnings; $pages man3 pages and the HTML reference install and uninstall;" \
    "$(echo "$refs" | wc -w) functions the manual pages name have their page"
