#!/bin/sh
# passdb.sh [users] - the password database with 100,000 users.
#
# Prints, in one run:
#   - the time of "pmdf password -show -user=*" beside Cyrus SASL's
#     sasldblistusers2 on a sasldb2 with the same users, and their ratio;
#   - verifications per second through the SASL server for PLAIN (a
#     PBKDF2 of 4096 rounds each, by design) and CRAM-MD5 (b_passdb).
# The sasldb2 is written with Berkeley DB's own db_load (package
# db5.3-util), the password database with "pmdf password -load" of a dump
# whose entries share one secret (making 100,000 distinct PBKDF2 secrets
# would take minutes and measures nothing about the database).
set -eu
n=${1:-100000}
build=${PMDF_BUILD:?PMDF_BUILD is not set}
src=${PMDF_SRCDIR:?PMDF_SRCDIR is not set}
pmdf=$build/bin/pmdf
for tool in /usr/sbin/sasldblistusers2 /usr/bin/db5.3_load; do
    if [ ! -x "$tool" ]; then
        echo "passdb.sh: SKIP: $tool missing (Debian packages sasl2-bin db5.3-util)"
        exit 0
    fi
done
dir=$(mktemp -d "${TMPDIR:-/tmp}/b_passdb.XXXXXX")
trap 'rm -rf "$dir"' EXIT
sh "$src/tests/lib/mkinstance.sh" "$dir/run" "$build/bin" "$src/table" >/dev/null
export PMDF_TAILOR="$dir/run/pmdf_tailor"

# One real entry, then a dump with $n users sharing its secret.
"$pmdf" password -user=seed benchpw
"$pmdf" password -dump="$dir/seed.txt" 2>/dev/null
"$pmdf" password -delete -user=seed >/dev/null
secret=$(awk -F '\t' '$1 == "seed" { print $3 }' "$dir/seed.txt")
awk -v n="$n" -v s="$secret" 'BEGIN {
    print "# pmdf password database dump, format 1";
    for (i = 0; i < n; i++) printf "user%06d\tDEFAULT\t%s\n", i, s }' > "$dir/dump.txt"
t0=$(date +%s.%N)
"$pmdf" password -load="$dir/dump.txt" 2>/dev/null
t1=$(date +%s.%N)
echo "passdb: loaded $n users in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s"

# The same users in a Cyrus sasldb2 (hash; key user NUL realm NUL userPassword).
awk -v n="$n" 'BEGIN { for (i = 0; i < n; i++)
    printf "user%06d\\00example.org\\00userPassword\nbenchpw\n", i }' > "$dir/sasl.txt"
/usr/bin/db5.3_load -T -t hash -f "$dir/sasl.txt" "$dir/sasldb2"

best() {  # best of 3 wall-clock seconds of a command line
    b=""
    for _ in 1 2 3; do
        s=$(date +%s.%N); sh -c "$1" >/dev/null; e=$(date +%s.%N)
        t=$(awk -v a="$s" -v b="$e" 'BEGIN { printf "%.4f", b - a }')
        if [ -z "$b" ] || awk -v t="$t" -v b="$b" 'BEGIN { exit !(t < b) }'; then b=$t; fi
    done
    echo "$b"
}
ours=$(best "'$pmdf' password -show -user='*'")
cyrus=$(best "/usr/sbin/sasldblistusers2 -f '$dir/sasldb2'")
lines=$("$pmdf" password -show -user='*' | tail -1)
clines=$(/usr/sbin/sasldblistusers2 -f "$dir/sasldb2" | wc -l)
printf 'passdb: list %s users: pmdf password -show %.3f s (%s), sasldblistusers2 %.3f s (%s lines), ratio pmdf/cyrus %.2f\n' \
    "$n" "$ours" "$lines" "$cyrus" "$clines" "$(awk -v a="$ours" -v b="$cyrus" 'BEGIN { print a / b }')"
"$build/bench/b_passdb" "$n" 2
