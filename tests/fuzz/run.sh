#!/bin/bash
# Build the libFuzzer targets with clang (-fsanitize=fuzzer,address,undefined) straight from
# the library sources, replay the saved crashes under tests/fuzz/regressions/<target>/, then
# fuzz each target for SECONDS, starting from tests/fuzz/corpus/<target>/.
# Usage: tests/fuzz/run.sh SECONDS [TARGET...]   (targets: call calendar ingest mail)
# The mail target also starts from the mail corpus of the unit tests (tests/mail).
# FUZZ_WORK (default _fuzz at the top) holds the binaries, the grown corpora and any crash.
# FUZZ_SEED (default 0: a new one each run) fixes libFuzzer's seed, so that a run from the
# same corpus tries the same inputs in the same order: CI uses one, so that a finding is
# reproducible and a green run stays green; long runs by hand leave it unset to explore.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:?usage: run.sh SECONDS [TARGET...]}
seed=${FUZZ_SEED:-0}
shift
targets=${*:-call calendar ingest mail}
work=${FUZZ_WORK:-$top/_fuzz}
CC=${FUZZ_CC:-clang}
mkdir -p "$work"

# The library needs config.h (nothing in it matters here) and the embedded schema.
echo '/* fuzz build */' >"$work/config.h"
sh "$top/scripts/embed-sql" "$work/schema-sql.c" "$top"/lib/schema/[0-9]*.sql
# shellcheck disable=SC2046
flags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -I$top/include -I$top/lib -I$work $(pkg-config --cflags sqlite3 jansson libical nettle gmime-3.0 libxml-2.0)"
libs="$(pkg-config --libs sqlite3 jansson libical nettle gmime-3.0 libxml-2.0) -lm"

status=0
for t in $targets; do
    echo "=== fuzz $t: build"
    # shellcheck disable=SC2086
    $CC $flags -o "$work/fuzz_$t" "$top/tests/fuzz/fuzz_$t.c" "$top"/lib/*.c "$top"/lib/call/*.c "$top"/lib/store/*.c "$top"/lib/store/sqlite/*.c \
        "$work/schema-sql.c" $libs
    regressions="$top/tests/fuzz/regressions/$t"
    if [ -d "$regressions" ] && [ -n "$(ls -A "$regressions")" ]; then
        echo "=== fuzz $t: replay $(ls "$regressions" | wc -l) saved crashes"
        "$work/fuzz_$t" -timeout=20 "$regressions"/* >"$work/replay_$t.log" 2>&1 ||
            { tail -n 40 "$work/replay_$t.log"; status=1; continue; }
    fi
    echo "=== fuzz $t: $seconds s"
    mkdir -p "$work/corpus_$t"
    seeds= # shellcheck disable=SC2086 (below: a list of directories)
    [ "$t" = mail ] && seeds="$top/tests/mail"
    if ! "$work/fuzz_$t" -seed="$seed" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$work/crash_${t}_" \
        "$work/corpus_$t" "$top/tests/fuzz/corpus/$t" $seeds >"$work/fuzz_$t.log" 2>&1; then
        tail -n 60 "$work/fuzz_$t.log"
        status=1
    else
        grep -E '^stat::(number_of_executed_units|peak_rss_mb)|cov:' "$work/fuzz_$t.log" | tail -n 3
    fi
done
exit $status
