#!/bin/sh
# The PHP binding (bindings/php): its FFI header against the C headers, its PHPUnit suite
# against the freshly built libcs.so, and loading it preloaded as php-fpm would.
set -eu
: "${top_srcdir:?}" "${top_builddir:?}" "${NM:=nm}" "${CC:=cc}"
php_dir="$top_srcdir/bindings/php"
header="$php_dir/libcs.h"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/libcs-php.XXXXXX")
server=
cleanup() {
    [ -z "$server" ] || kill "$server" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

php=$(command -v php) || { echo "php: no php (scripts/setup installs php8.2-cli)"; exit 1; }
phpunit=$(command -v phpunit) || { echo "php: no phpunit (scripts/setup installs it)"; exit 1; }
"$php" -m | grep -qx FFI || { echo "php: $php has no FFI extension"; exit 1; }

# --- 1. libcs.h declares what include/cs/*.h declare ------------------------------------
# Compiled after <libcs.h>, a prototype that differs from the library's is a conflicting
# declaration. struct cs_error cannot be defined twice, so the header's copy is renamed
# and compared member by member; the enum values the binding hard-codes are compared too.
"$php" -r 'require $argv[1] . "/autoload.php";
    foreach (["OPEN_READWRITE", "OPEN_CREATE", "OPEN_READONLY", "OPEN_RELAXED", "ACTOR_SYSTEM",
              "ACTOR_AGENT", "ACTOR_CUSTOMER"] as $c) {
        printf("_Static_assert(CS_%s == %d, \"Libcs\\\\Native::%s\");\n", $c,
               constant("Libcs\\Native::$c"), $c);
    }' "$php_dir" >"$tmp/constants.h"
header_check() { # FILE: compile FILE as the binding's header
    {
        printf '#include <libcs.h>\n#include <stddef.h>\n'
        sed -e 's/struct cs_error {/struct php_cs_error {/' -e 's/^} cs_error;/} php_cs_error;/' "$1"
        cat "$tmp/constants.h"
        cat <<'EOF'
_Static_assert(sizeof(php_cs_error) == sizeof(cs_error), "struct cs_error");
_Static_assert(offsetof(php_cs_error, code) == offsetof(cs_error, code), "cs_error.code");
_Static_assert(offsetof(php_cs_error, message) == offsetof(cs_error, message), "message");
_Static_assert(offsetof(php_cs_error, field) == offsetof(cs_error, field), "cs_error.field");
void same_members(const cs_error *c, const php_cs_error *php);
void same_members(const cs_error *c, const php_cs_error *php)
{
    const int *code = &php->code;
    const char *const *message = &php->message;
    const char *const *field = &php->field;
    code = &c->code;
    message = &c->message;
    field = &c->field;
    (void)code, (void)message, (void)field;
}
EOF
    } >"$tmp/header.c"
    $CC -std=c11 -Wall -Wextra -Wstrict-prototypes -Werror -I"$top_srcdir/include" \
        -c "$tmp/header.c" -o "$tmp/header.o"
}
header_check "$header" || { echo "php: bindings/php/libcs.h disagrees with include/cs/*.h"; exit 1; }
# Every function it declares is one the library exports (a typo would compile as a new one).
functions=$(sed -n 's/^[a-z].*[ *]\(cs_[a-z0-9_]*\)(.*/\1/p' "$header")
[ "$(echo "$functions" | wc -l)" -ge 12 ] || { echo "php: cannot read libcs.h's functions"; exit 1; }
for f in $functions; do
    grep -q "^CS_EXTERN([^)]*) $f(" "$top_srcdir"/include/cs/*.h ||
        { echo "php: libcs.h declares $f, which include/cs/*.h do not"; exit 1; }
done
# The check itself catches a drifting declaration.
sed 's/int cs_db_set_actor(cs_db \*db, int kind, int64_t id)/int cs_db_set_actor(cs_db *db, int kind, int id)/' \
    "$header" >"$tmp/drifted.h"
! cmp -s "$header" "$tmp/drifted.h" || { echo "php: the drift probe did not apply"; exit 1; }
if header_check "$tmp/drifted.h" 2>/dev/null; then
    echo "php: a drifted declaration compiled"; exit 1
fi
echo "php: libcs.h agrees with include/cs/*.h ($(echo $functions | wc -w) functions)"

# --- 2. the PHPUnit suite ---------------------------------------------------------------
# The shared library's file name (its soname) as libtool built it.
dlname=$(sed -n "s/^dlname='\(.*\)'$/\1/p" "$top_builddir/libcs.la" 2>/dev/null || true)
[ -n "$dlname" ] || { echo "php: no shared library built, skipped"; exit 77; }
so="$top_builddir/.libs/$dlname"
[ -f "$so" ] || { echo "php: $so is missing"; exit 1; }
# An ASan-instrumented library cannot be loaded into an uninstrumented interpreter.
if $NM -D "$so" | grep -q __asan_init; then
    echo "php: libcs.so is built with AddressSanitizer, skipped"
    exit 77
fi
export LIBCS_LIBRARY="$so"
# From the temporary directory: the source tree may be read-only (distcheck).
(cd "$tmp" && "$php" -d ffi.enable=1 -d display_errors=stderr "$phpunit" \
    -c "$php_dir/phpunit.xml.dist")

# --- 3. preloaded: opcache.preload + FFI::load ------------------------------------------
# FFI::load() in a preload script works only where no opcache.preload_user switch is
# needed, so not as root: root runs it as nobody, on copies nobody may read.
chmod 755 "$tmp"
mkdir "$tmp/php" "$tmp/db"
cp -R "$php_dir/autoload.php" "$php_dir/preload.php" "$php_dir/libcs.h" "$php_dir/src" \
    "$tmp/php/"
cp "$so" "$tmp/libcs.so.1"
cp "$top_srcdir/tests/php-preload.php" "$tmp/preload-check.php"
chmod -R a+rX "$tmp/php" "$tmp/libcs.so.1" "$tmp/preload-check.php"
chmod 777 "$tmp/db"
as_user=
[ "$(id -u)" -ne 0 ] || as_user="setpriv --reuid=nobody --regid=nogroup --clear-groups"
out=$(LIBCS_LIBRARY="$tmp/libcs.so.1" LIBCS_PRELOAD_DB="$tmp/db/cli.db" TMPDIR="$tmp/db" \
    timeout 60 $as_user "$php" -n -d extension=ffi -d ffi.enable=preload -d zend_extension=opcache \
    -d opcache.enable_cli=1 -d opcache.preload="$tmp/php/preload.php" "$tmp/preload-check.php") ||
    { echo "php: opcache.preload with FFI::load failed: $out"; exit 1; }
echo "$out" | grep -q '^preloaded: libcs .*, ticket #1 with 2 messages$' ||
    { echo "php: opcache.preload with FFI::load: $out"; exit 1; }
echo "php: opcache.preload + FFI::load: $out"

# --- 4. preloaded in a server SAPI (php -S, as php-fpm): ffi.preload + opcache.preload ----
# Under ffi.enable=preload only preloaded code may use FFI there: the same script must fail
# when it loads the classes itself, and work when they are preloaded.
sed 's|^#define FFI_LIB .*|#define FFI_LIB "'"$tmp/libcs.so.1"'"|' "$tmp/php/libcs.h" >"$tmp/libcs-ffi.h"
fetch() { # URL: print the body; fail unless it answered 200
    "$php" -r '$c = stream_context_create(["http" => ["timeout" => 10, "ignore_errors" => true]]);
        $body = @file_get_contents($argv[1], false, $c);
        if ($body === false) { exit(2); }
        echo $body;
        exit(preg_match("{^HTTP/\S+ 200 }", $http_response_header[0]) ? 0 : 1);' "$1"
}
serve() { # NAME PHP-OPTIONS...: start php -S on a free port; sets $server and $url
    name=$1
    shift
    port=$("$php" -r '$s = stream_socket_server("tcp://127.0.0.1:0");
        echo substr(strrchr(stream_socket_get_name($s, false), ":"), 1);')
    LIBCS_PHP_DIR="$tmp/php" LIBCS_PRELOAD_DB="$tmp/db/$name.db" \
        "$php" -n -d extension=ffi -d ffi.enable=preload -d ffi.preload="$tmp/libcs-ffi.h" "$@" \
        -S "127.0.0.1:$port" -t "$tmp" >"$tmp/$name.log" 2>&1 &
    server=$!
    url="http://127.0.0.1:$port/preload-check.php"
    deadline=$(($(date +%s) + 30))
    until fetch "http://127.0.0.1:$port/libcs-ffi.h" >/dev/null 2>&1; do
        kill -0 "$server" 2>/dev/null || { echo "php: php -S exited:"; cat "$tmp/$name.log"; exit 1; }
        [ "$(date +%s)" -lt "$deadline" ] || { echo "php: php -S did not answer"; exit 1; }
        sleep 0.1
    done
}
stop() { kill "$server" && wait "$server" 2>/dev/null || true; server=; }

serve restricted
out=$(fetch "$url?autoload=1") && { echo "php: FFI was not restricted: $out"; exit 1; }
echo "$out" | grep -q 'restricted by "ffi.enable"' ||
    { echo "php: not the restriction: $out"; exit 1; }
stop
echo "php: php -S with ffi.enable=preload refuses FFI to code that is not preloaded"

serve preloaded -d zend_extension=opcache -d opcache.enable_cli=1 \
    -d opcache.preload="$tmp/php/preload.php" -d opcache.preload_user="$(id -un)"
out=$(fetch "$url") || { echo "php: preloaded server failed: $out"; cat "$tmp/preloaded.log"; exit 1; }
echo "$out" | grep -q '^preloaded: libcs .*, ticket #1 with 2 messages$' ||
    { echo "php: preloaded server: $out"; exit 1; }
stop
echo "php: php -S with ffi.preload + opcache.preload: $out"
