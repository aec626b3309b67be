#!/bin/sh
# NAME
#	run.sh - build the libFuzzer harnesses and run each over its corpus
# SYNOPSIS
#	sh tests/fuzz/run.sh [target ...]	(from anywhere; targets: fspec addr
#						 cli mapping restore sasl pmdfcnf
#						 smtpin esmtp queue smtpreply)
#	FUZZ_SECONDS=180 FUZZ_JOBS=2 sh tests/fuzz/run.sh
# DESCRIPTION
#	Compiles the library sources with clang's coverage instrumentation,
#	AddressSanitizer and UndefinedBehaviorSanitizer into
#	build/fuzz/obj/ (build/fuzz/libpmdf_fuzz.a), links every harness
#	tests/fuzz/fz_<target>.c into build/fuzz/fz_<target> with libFuzzer,
#	and runs each for FUZZ_SECONDS (default 60) seconds, FUZZ_JOBS
#	(default: the number of processors) at a time.  A run starts from
#	the seed corpus tests/fuzz/corpus/<target>/ (read only), with the
#	dictionary tests/fuzz/fz_<target>.dict when there is one, and keeps
#	what it finds in build/fuzz/corpus/<target>/; crashes, leaks,
#	timeouts and out-of-memory inputs go to build/fuzz/artifacts/<target>/
#	and its log to build/fuzz/<target>.log.
#
#	Then it prints, per target, the executions, executions per second
#	and the final coverage (cov: edges, ft: features) that libFuzzer
#	reported, and "FOUND" with the artifacts of a target that found a
#	problem.  Not part of "make check".
#
#	When clang or its libFuzzer runtime is missing it says so loudly,
#	naming the package to install, and exits 0 without fuzzing.
#	FUZZ_CC chooses the compiler (default clang).
# DIAGNOSTICS
#	Exit status 0 when every target ran clean, 1 when any found a
#	problem or failed to run, 2 when a harness does not build.

set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2

CC=${FUZZ_CC:-clang}
SECONDS_EACH=${FUZZ_SECONDS:-60}
JOBS=${FUZZ_JOBS:-$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)}
B=build/fuzz
ALL_TARGETS="fspec addr cli mapping restore sasl pmdfcnf smtpin esmtp queue smtpreply"
TARGETS=${*:-$ALL_TARGETS}

SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
CFLAGS="-g -O1 -std=c99 -D_POSIX_C_SOURCE=200809L -Isrc/util -Isrc/port -Isrc/global -Isrc/pmdf -Itests/fuzz"
LIBS="-ldb -lssl -lcrypto -lz -lreadline -lresolv"
LIB_SRCS="src/util/mem.c src/util/msg.c src/util/str.c src/util/strlist.c
	  src/util/htab.c src/util/cfgread.c src/util/cli.c src/util/dict.c
	  src/util/wildmat.c src/util/pack.c
	  src/port/fspec.c src/port/lnm.c src/port/osuser.c src/port/lineedit.c
	  src/port/lnm_unix.c
	  src/global/pwsecret.c src/global/sasl.c src/global/passdb.c
	  src/global/alias.c src/global/pmdfcnf.c src/global/mapping.c
	  src/global/addr.c src/global/rewrite.c src/global/config.c
	  src/global/queue.c src/global/qcache.c src/port/fsync.c
	  src/global/smtpin.c src/global/esmtp.c src/global/smtpcli.c
	  src/global/tlsio.c src/port/netcli.c src/port/flock.c src/port/evloop.c
	  src/pmdf/verbs.c src/pmdf/cmd_show.c src/pmdf/cmd_fspec.c src/pmdf/cmd_passwd.c
	  src/pmdf/cmd_crdb.c src/pmdf/cmd_test.c src/pmdf/cmd_cache.c src/pmdf/cmd_startup.c
	  src/port/daemon_unix.c src/util/optfile.c
	  tests/fuzz/fz_util.c"

# max_len per target: long enough for every limit the parser enforces.
max_len() {
    case $1 in
    fspec) echo 4200 ;;
    addr) echo 4200 ;;
    cli) echo 1024 ;;
    mapping) echo 4096 ;;
    restore) echo 8192 ;;
    sasl) echo 2048 ;;
    pmdfcnf) echo 8192 ;;
    smtpin) echo 8192 ;;
    esmtp) echo 2048 ;;
    queue) echo 16384 ;;
    smtpreply) echo 12288 ;;
    *) echo 4096 ;;
    esac
}

loud() {
    echo "########################################################################"
    for line in "$@"; do echo "## $line"; done
    echo "########################################################################"
}

# --- can we fuzz at all? ----------------------------------------------------
if ! command -v "$CC" >/dev/null 2>&1; then
    loud "FUZZING SKIPPED: $CC is not installed." \
	 "Install it (Debian: apt-get install clang) and its libFuzzer runtime."
    exit 0
fi
mkdir -p "$B"
probe=$B/probe
printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void) d; (void) n; return 0; }' \
    >"$probe.c"
if ! "$CC" -fsanitize=fuzzer,address,undefined -o "$probe" "$probe.c" >"$probe.log" 2>&1; then
    major=$("$CC" --version | sed -n 's/.*clang version \([0-9]*\).*/\1/p' | head -1)
    loud "FUZZING SKIPPED: $CC cannot link -fsanitize=fuzzer (libFuzzer runtime missing)." \
	 "Install package libclang-rt-${major:-NN}-dev (apt-get install libclang-rt-${major:-NN}-dev;" \
	 "'apt-cache search libclang-rt' lists the versions).  Linker said:" \
	 "$(head -3 "$probe.log")"
    exit 0
fi

# --- build --------------------------------------------------------------------
newest_header=$(ls -t src/*/*.h tests/fuzz/*.h | head -1)
objs=
for src in $LIB_SRCS; do
    obj=$B/obj/$(echo "$src" | sed 's/\.c$/.o/')
    objs="$objs $obj"
    if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ "$newest_header" -nt "$obj" ]; then
	mkdir -p "$(dirname "$obj")"
	extra=
	# Berkeley DB's db.h needs the BSD types glibc declares with _DEFAULT_SOURCE.
	[ "$src" = src/util/dict.c ] && extra=-D_DEFAULT_SOURCE
	# syncfs() and evloop's epoll are GNU extensions; the resolver's
	# h_errno is declared with _DEFAULT_SOURCE.
	case $src in
	src/port/fsync.c|src/port/evloop.c) extra=-D_GNU_SOURCE ;;
	src/port/netcli.c) extra=-D_DEFAULT_SOURCE ;;
	esac
	echo "cc $src"
	"$CC" $CFLAGS $extra -fsanitize=fuzzer-no-link $SAN -c -o "$obj" "$src" || exit 2
    fi
done
rm -f "$B/libpmdf_fuzz.a"
ar rcs "$B/libpmdf_fuzz.a" $objs || exit 2
for t in $TARGETS; do
    [ -f "tests/fuzz/fz_$t.c" ] || { echo "run.sh: no harness tests/fuzz/fz_$t.c" >&2; exit 2; }
    echo "link fz_$t"
    "$CC" $CFLAGS -fsanitize=fuzzer $SAN -o "$B/fz_$t" "tests/fuzz/fz_$t.c" \
	"$B/libpmdf_fuzz.a" $LIBS || exit 2
done

# --- run ------------------------------------------------------------------------
run_one() {
    t=$1
    dict=
    [ -f "tests/fuzz/fz_$t.dict" ] && dict=-dict=tests/fuzz/fz_$t.dict
    mkdir -p "$B/corpus/$t" "$B/artifacts/$t" "tests/fuzz/corpus/$t"
    "$B/fz_$t" -max_total_time="$SECONDS_EACH" -max_len="$(max_len "$t")" -timeout=5 \
	-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$B/artifacts/$t/" $dict \
	"$B/corpus/$t" "tests/fuzz/corpus/$t" >"$B/$t.log" 2>&1
    echo $? >"$B/$t.rc"
}

echo "fuzzing $TARGETS for ${SECONDS_EACH}s each, $JOBS at a time"
running=0
for t in $TARGETS; do
    rm -f "$B/$t.rc" "$B/artifacts/$t"/* 2>/dev/null
    run_one "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$JOBS" ]; then
	wait
	running=0
    fi
done
wait

# --- report ---------------------------------------------------------------------
status=0
printf '%-9s %12s %9s %8s %8s  %s\n' target executions exec/s cov ft result
for t in $TARGETS; do
    log=$B/$t.log
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    last=$(grep -E '^#[0-9]+' "$log" | grep ' cov: ' | tail -1)
    cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
    ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
    rc=$(cat "$B/$t.rc" 2>/dev/null || echo 1)
    found=$(ls "$B/artifacts/$t" 2>/dev/null | tr '\n' ' ')
    result=clean
    if [ "$rc" != 0 ] || [ -n "$found" ]; then
	result="FOUND (exit $rc) $found- see $log"
	status=1
    fi
    printf '%-9s %12s %9s %8s %8s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" \
	"${ft:-?}" "$result"
done
exit $status
