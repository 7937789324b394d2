#!/bin/sh
# The PHP shop example (examples/php-shop) in headless Chromium: contact form and receipt,
# the agents' inbox, the reply on "my requests" (tests/php_shop.py). Keeps screenshots at a
# phone's viewport in tests/php-shop-phone.png, -receipt.png and -inbox.png.
set -eu
: "${top_srcdir:?}" "${top_builddir:?}" "${NM:=nm}"
dlname=$(sed -n "s/^dlname='\(.*\)'$/\1/p" "$top_builddir/libcs.la" 2>/dev/null || true)
[ -n "$dlname" ] || { echo "php-shop: no shared library built, skipped"; exit 77; }
so="$top_builddir/.libs/$dlname"
[ -f "$so" ] || { echo "php-shop: $so is missing"; exit 1; }
if $NM -D "$so" | grep -q __asan_init; then
    echo "php-shop: libcs.so is built with AddressSanitizer, skipped"
    exit 77
fi
for tool in php chromedriver python3; do
    command -v $tool >/dev/null || [ -x /usr/lib/chromium/$tool ] ||
        { echo "php-shop: no $tool (scripts/setup installs php8.2-cli chromium chromium-driver)"; exit 1; }
done
out="$top_builddir/tests"
mkdir -p "$out"
rm -f "$out/php-shop-phone.png" "$out/php-shop-receipt.png" "$out/php-shop-inbox.png"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/libcs-php-shop.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
so=$(cd "$(dirname "$so")" && pwd)/$(basename "$so")
# The whole story, browser start included, has five minutes; the script stops its server
# and browser on every way out, the timeout's TERM included.
timeout -k 10 300 python3 "$top_srcdir/tests/php_shop.py" --srcdir "$top_srcdir" \
    --library "$so" --tmp "$tmp/run" --out "$out"
for shot in php-shop-phone.png php-shop-receipt.png php-shop-inbox.png; do
    size=$(python3 -c 'import struct, sys
png = open(sys.argv[1], "rb").read(24)
assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
print("%dx%d" % struct.unpack(">II", png[16:24]))' "$out/$shot") ||
        { echo "php-shop: $out/$shot is not a PNG"; exit 1; }
    [ "$size" = 390x844 ] || { echo "php-shop: $shot is $size, not 390x844"; exit 1; }
    echo "php-shop: $out/$shot, $size"
done
