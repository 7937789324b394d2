#!/bin/sh
# libcs.so exports only cs_ symbols, and every one of them is declared in a public header.
set -eu
: "${top_srcdir:?}" "${top_builddir:?}" "${NM:=nm}"
so="$top_builddir/.libs/libcs.so"
[ -f "$so" ] || { echo "symbols: no shared library built, skipped"; exit 77; }
exported=$($NM -D --defined-only "$so" | awk '$2 ~ /^[TDBRVW]$/ { print $3 }' | sort -u)
[ -n "$exported" ] || { echo "symbols: nothing exported"; exit 1; }
bad=0
for sym in $exported; do
    case $sym in
    cs_*__*) echo "internal symbol exported: $sym"; bad=1; continue ;;
    cs_*) ;;
    *) echo "foreign symbol exported: $sym"; bad=1; continue ;;
    esac
    if ! grep -qE "CS_EXTERN\([^)]*\)[[:space:]]*\**$sym\(" "$top_srcdir"/include/cs/*.h; then
        echo "exported but not declared in a public header: $sym"
        bad=1
    fi
done
# And the other way: everything the headers declare is exported.
declared=$(sed -n 's/.*CS_EXTERN([^)]*)[[:space:]]*\**\(cs_[a-z0-9_]*\)(.*/\1/p' "$top_srcdir"/include/cs/*.h | sort -u)
for sym in $declared; do
    echo "$exported" | grep -qx "$sym" || { echo "declared but not exported: $sym"; bad=1; }
done
# Every cs_call method is a C function's name: "a.b_c" is cs_a_b_c, give or take the
# suffix that says what the C call answers (_get a typed object; a get by id is _lookup,
# or _load for a calendar; a list or queue is _iter_new, a cursor, or _list_get, the whole
# list).
methods=$("$top_builddir/csdesk" methods)
[ -n "$methods" ] || { echo "csdesk methods listed nothing"; exit 1; }
for m in $methods; do
    # The catalogue describes the JSON interface itself; C lists it with cs_call_method().
    [ "$m" = methods ] && continue
    base=cs_$(echo "$m" | tr . _)
    case $m in
    *.get) alts="$base ${base%_get}_lookup ${base%_get}_load" ;;
    *.list) alts="$base ${base%_list}_iter_new ${base}_get" ;;
    *) alts="$base ${base}_get ${base}_iter_new" ;;
    esac
    found=
    for a in $alts; do echo "$exported" | grep -qx "$a" && found=$a; done
    [ -n "$found" ] || { echo "method $m has no C function of its name ($alts)"; bad=1; }
done
[ $bad -eq 0 ] || exit 1
echo "symbols: $(echo "$exported" | wc -l) exported, all cs_ and declared;" \
    "$(echo "$methods" | wc -l) methods, each named after its C function"
