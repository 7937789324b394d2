#!/bin/sh
# Every C source and header is as clang-format writes it with the committed .clang-format:
# the library, the public headers, the tests, the benchmarks and the examples.
set -eu
: "${top_srcdir:?}"
command -v clang-format >/dev/null || { echo "clang-format missing: skipped"; exit 77; }
cd "$top_srcdir"
n=0 bad=0
for f in $(find include lib tests bench examples -name '*.[ch]' | sort); do
    n=$((n + 1))
    if ! clang-format --style=file --dry-run -Werror "$f" >/dev/null 2>&1; then
        echo "not formatted: $f (clang-format -i $f)"
        bad=$((bad + 1))
    fi
done
echo "format: $n files, $bad not formatted"
[ "$bad" -eq 0 ]
