#!/bin/sh
# docs/methods.md is what scripts/methods-md writes from the library's own catalogue.
set -eu
: "${top_srcdir:?}" "${top_builddir:?}"
python=$(command -v python3) || { echo "methods-doc: no python3, skipped"; exit 77; }
out="$top_builddir/tests/methods.md"
"$python" "$top_srcdir/scripts/methods-md" "$top_builddir/csdesk" >"$out"
if ! diff -u "$top_srcdir/docs/methods.md" "$out"; then
    echo "docs/methods.md is not current: scripts/methods-md csdesk > docs/methods.md"
    exit 1
fi
echo "methods-doc: $(grep -c '^### ' "$out") methods, docs/methods.md is current"
