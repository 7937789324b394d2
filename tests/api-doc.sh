#!/bin/sh
# docs/api.md documents every method of cs_call(), and its examples return what it shows.
: "${top_srcdir:?}" "${CSDESK:?}"
command -v python3 >/dev/null || { echo "python3 missing: skipped"; exit 77; }
exec python3 "$top_srcdir/tests/api_doc.py" "$CSDESK" "$top_srcdir/docs/api.md"
