#!/bin/sh
# The Python binding's unittest suite against the freshly built libcs.so.
set -eu
: "${top_srcdir:?}" "${top_builddir:?}" "${NM:=nm}"
# The shared library's file name (its soname) as libtool built it.
dlname=$(sed -n "s/^dlname='\(.*\)'$/\1/p" "$top_builddir/libcs.la" 2>/dev/null || true)
[ -n "$dlname" ] || { echo "python: no shared library built, skipped"; exit 77; }
so="$top_builddir/.libs/$dlname"
[ -f "$so" ] || { echo "python: $so is missing"; exit 1; }
python=/usr/bin/python3
[ -x "$python" ] || python=$(command -v python3) || { echo "python: no python3, skipped"; exit 77; }
# An ASan-instrumented library cannot be loaded into an uninstrumented interpreter.
if $NM -D "$so" | grep -q __asan_init; then
    echo "python: libcs.so is built with AddressSanitizer, skipped"
    exit 77
fi
export LIBCS_LIBRARY="$so"
export PYTHONPATH="$top_srcdir/bindings/python"
export PYTHONDONTWRITEBYTECODE=1 # the source tree may be read-only (distcheck)
exec "$python" -m unittest discover -s "$top_srcdir/bindings/python/tests" -v
