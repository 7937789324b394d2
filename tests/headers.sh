#!/bin/sh
# Every public header compiles on its own as C99 and as C++, pedantic, warnings as errors.
set -eu
: "${top_srcdir:?}" "${CC:=cc}" "${CXX:=c++}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
for h in "$top_srcdir"/include/libcs.h "$top_srcdir"/include/cs/*.h; do
    name=${h#"$top_srcdir"/include/}
    printf '#include <%s>\nint main(void) { return 0; }\n' "$name" > "$tmp/t.c"
    $CC -std=c99 -pedantic -Werror -Wall -Wextra -I"$top_srcdir/include" -c "$tmp/t.c" -o "$tmp/t.o"
    cp "$tmp/t.c" "$tmp/t.cc"
    $CXX -std=c++11 -pedantic -Werror -Wall -Wextra -I"$top_srcdir/include" -c "$tmp/t.cc" -o "$tmp/t.o"
    n=$((n + 1))
done
echo "headers: $n headers compile as C99 and C++"
