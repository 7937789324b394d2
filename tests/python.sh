#!/bin/sh
# The Python binding against the freshly built libcs.so: installed offline into a virtual
# environment as docs/python.md says, then its unittest suite from the source tree.
set -eu
: "${top_srcdir:?}" "${top_builddir:?}" "${NM:=nm}"
# The shared library's file name (its soname) as libtool built it.
dlname=$(sed -n "s/^dlname='\(.*\)'$/\1/p" "$top_builddir/libcs.la" 2>/dev/null || true)
[ -n "$dlname" ] || { echo "python: no shared library built, skipped"; exit 77; }
so="$top_builddir/.libs/$dlname"
[ -f "$so" ] || { echo "python: $so is missing"; exit 1; }
so=$(cd "$(dirname "$so")" && pwd)/$dlname
python=/usr/bin/python3
[ -x "$python" ] || python=$(command -v python3) || { echo "python: no python3, skipped"; exit 77; }
# An ASan-instrumented library cannot be loaded into an uninstrumented interpreter.
if $NM -D "$so" | grep -q __asan_init; then
    echo "python: libcs.so is built with AddressSanitizer, skipped"
    exit 77
fi
export PYTHONDONTWRITEBYTECODE=1 # the source tree may be read-only (distcheck)

# -- pip install into a venv, offline, on the system's setuptools ----------------------
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
# pip builds in the source directory, which distcheck makes read-only: build a copy.
cp -R "$top_srcdir/bindings/python" "$tmp/src"
chmod -R u+w "$tmp/src"
rm -rf "$tmp/src/build" "$tmp/src"/*.egg-info
"$python" -m venv --system-site-packages "$tmp/venv" || {
    echo "python: cannot create a venv (Debian: python3-venv; see scripts/setup)"
    exit 1
}
# No index and no configured places: only what the machine has.
if ! env -u PIP_FIND_LINKS -u PIP_INDEX_URL -u PIP_EXTRA_INDEX_URL PIP_CONFIG_FILE=/dev/null \
    PIP_NO_INDEX=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    "$tmp/venv/bin/pip" install --no-build-isolation "$tmp/src" >"$tmp/pip.log" 2>&1; then
    cat "$tmp/pip.log"
    echo "python: pip install into a venv failed (Debian: python3-setuptools python3-wheel)"
    exit 1
fi
# One call through the installed package, finding libcs by $LIBCS_LIBRARY and by pkg-config
# (a libcs.pc whose libdir is the build's, as an installed libcs's would be).
mkdir "$tmp/pkgconfig"
printf 'libdir=%s\nName: libcs\nDescription: libcs\nVersion: 0\nLibs: -L${libdir} -lcs\n' \
    "$(dirname "$so")" >"$tmp/pkgconfig/libcs.pc"
check='
import sys
from datetime import timezone
import libcs
from libcs import _native
assert libcs.__file__.startswith(sys.argv[1]), libcs.__file__
assert _native._find() == sys.argv[2], _native._find()
with libcs.open(":memory:") as db:
    channel = db.channel_create("email", "Mail")
assert channel["created_at"].tzinfo is timezone.utc, channel
print("python: installed in a venv, found", sys.argv[2], "by", sys.argv[3])
'
for how in LIBCS_LIBRARY pkg-config; do
    if [ "$how" = LIBCS_LIBRARY ]; then lib=$so; else lib=; fi
    (cd "$tmp" && env -u PYTHONPATH LIBCS_LIBRARY="$lib" PKG_CONFIG_PATH="$tmp/pkgconfig" \
        "$tmp/venv/bin/python" -c "$check" "$tmp/venv/" "$so" "$how")
done

# -- the unittest suite from the source tree ---------------------------------------------
export LIBCS_LIBRARY="$so"
export PYTHONPATH="$top_srcdir/bindings/python"
"$python" -m unittest discover -s "$top_srcdir/bindings/python/tests" -v
