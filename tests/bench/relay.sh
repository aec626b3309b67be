#!/bin/sh
# relay.sh - end-to-end relay, ours beside Postfix, into smtp-sink.
#
# One run, the same load (Postfix's smtp-source: BENCH_RELAY_MESSAGES
# messages of 1 KB, default 10,000, 50 concurrent sessions) relayed by:
#   - ours: tcp_smtp_server (durable queue, group commit) -> job_controller
#     (woken at each group commit) -> pmdf_deliver (channel tcp_sink: smtp,
#     daemon 127.0.0.1, port of the sink; JOB_LIMIT 4, 100 messages a job)
#     -> smtp-sink;
#   - a private Postfix (its own config, queue and data directories under a
#     temporary directory, fsync on as always, relayhost = the sink) ->
#     smtp-sink;
# each into its own smtp-sink, which writes every message it receives to
# a file (so both pay the same for the sink).  The time is from the start
# of the load until the sink holds every message; printed as messages per
# second for both, and the ratio ours/Postfix (target >= 1.5).  Afterwards
# the sink's files are checked: exactly the number sent, no duplicate.
#
# Needs the Debian package postfix (smtp-source, smtp-sink, postfix); as
# root it is installed (main_mailer_type "No configuration"); the Postfix
# side needs root, and is skipped otherwise.  Run from the top of the tree
# with PMDF_BUILD and PMDF_SRCDIR set (the Makefile's bench target does).
# Environment: BENCH_RELAY_MESSAGES (10000), BENCH_RELAY_SESSIONS (50),
# BENCH_RELAY_JOBS (4: the pool's JOB_LIMIT), BENCH_RELAY_BATCH (100:
# MESSAGES_PER_JOB), BENCH_RELAY_PERF=1 (record ours with perf, system-wide,
# and print the top of the profile).  Exits non-zero when a relay fails.
set -u
n=${BENCH_RELAY_MESSAGES:-10000}
sessions=${BENCH_RELAY_SESSIONS:-50}
jobs=${BENCH_RELAY_JOBS:-4}
batch=${BENCH_RELAY_BATCH:-100}
size=1024
build=${PMDF_BUILD:?PMDF_BUILD is not set}
src=${PMDF_SRCDIR:?PMDF_SRCDIR is not set}
limit=300                               # seconds allowed for one relay
sender=sender@client.example
rcpt=user@relay.example

for p in tcp_smtp_server job_controller pmdf_deliver; do
    [ -x "$build/bin/$p" ] || { echo "relay.sh: $build/bin/$p is not built" >&2; exit 1; }
done
# shellcheck source=tests/bench/lib.sh
. "$src/tests/bench/lib.sh"
bench_need_postfix relay.sh || exit 0

dir=$(mktemp -d "${TMPDIR:-/tmp}/b_relay.XXXXXX") || exit 1
chmod 755 "$dir"
pids=""
pf_started=0
rc=0
# shellcheck disable=SC2317  # called from the trap
cleanup() {
    trap '' INT TERM HUP
    # shellcheck disable=SC2086
    stop_pids $pids
    [ "$pf_started" = 1 ] && pf_stop "$dir/postfix"
    rm -rf "$dir"
}
trap 'rc=$?; cleanup; exit $rc' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start_sink NAME PORT: an smtp-sink writing each message to $dir/NAME/
start_sink() {
    mkdir -p "$dir/$1"
    chmod 777 "$dir/$1"
    u=""
    [ "$(id -u)" = 0 ] && u="-u postfix"
    # shellcheck disable=SC2086
    /usr/sbin/smtp-sink $u -d "$dir/$1/m." "127.0.0.1:$2" 1000 >"$dir/$1.log" 2>&1 &
    pids="$pids $!"
    wait_port "$2"
}
count() { find "$dir/$1" -type f -name 'm.*' | wc -l; }

# relay NAME PORT SINK: the load into PORT, timed until SINK holds n messages;
# sets relay_secs, accept_secs, relay_rc.
relay() {
    t0=$(now)
    timeout "$limit" /usr/sbin/smtp-source -l "$size" -m "$n" -s "$sessions" \
        -f "$sender" -t "$rcpt" "127.0.0.1:$2" >"$dir/source.$1.log" 2>&1
    relay_rc=$?
    accept_secs=$(secs "$t0" "$(now)")
    while [ "$(count "$3")" -lt "$n" ]; do
        if [ "$(secs "$t0" "$(now)" | cut -d. -f1)" -ge "$limit" ]; then relay_rc=124; break; fi
        sleep 0.05
    done
    relay_secs=$(secs "$t0" "$(now)")
    got=$(count "$3")
    if [ "$relay_rc" != 0 ] || [ "$got" != "$n" ]; then
        echo "relay.sh: !!! $1: smtp-source exit $relay_rc, $got of $n at the sink"
        relay_rc=1
    fi
}

echo "relay bench: $n messages of $size bytes, $sessions sessions, smtp-source -> MTA -> smtp-sink;" \
     "$(nproc 2>/dev/null || echo '?') CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
failed=0

# --- ours ------------------------------------------------------------------------
bench_instance "$dir/run" || exit 1
sink1=$(free_port); our_port=$(free_port)
perl -I"$src/tests/lib" -MJobTest=relay_config,write_jobcnf -e '
    relay_config($ARGV[0], sink_port => $ARGV[1], pool => "DEFAULT", maxjobs => $ARGV[2],
                 rules => "relay.example\t\t\t\$U%relay.example\@TCP-SINK\n", users => []);
    write_jobcnf($ARGV[0], "SCAN_INTERVAL=30\nMESSAGES_PER_JOB=$ARGV[3]\n[POOL=DEFAULT]\nJOB_LIMIT=$ARGV[2]\n")' \
    "$dir/run" "$sink1" "$jobs" "$batch" || { echo "relay.sh: configuration failed" >&2; exit 1; }
start_sink sink_ours "$sink1" || { echo "relay.sh: smtp-sink did not start" >&2; exit 1; }
"$build/bin/tcp_smtp_server" -port="$our_port" -listen=127.0.0.1 >"$dir/server.log" 2>&1 &
pids="$pids $!"
"$build/bin/job_controller" >"$dir/jc.log" 2>&1 &
pids="$pids $!"
perf_pid=""
if [ "${BENCH_RELAY_PERF:-0}" = 1 ] && command -v perf >/dev/null 2>&1; then
    perf record -a -g -o "$dir/perf.data" >/dev/null 2>&1 &
    perf_pid=$!
fi
if wait_port "$our_port"; then
    relay ours "$our_port" sink_ours
    our_secs=$relay_secs; our_acc=$accept_secs; our_rc=$relay_rc
else
    echo "relay.sh: !!! tcp_smtp_server did not start"; our_rc=1; our_secs=0; our_acc=0
fi
if [ -n "$perf_pid" ]; then
    kill -INT "$perf_pid"; wait "$perf_pid" 2>/dev/null
    echo "perf (ours, whole system, top entries by self time):"
    perf report -i "$dir/perf.data" --no-children --sort comm,dso -g none --percent-limit 1 --stdio 2>/dev/null \
        | grep -v '^#' | grep -v '^$' | head -25 | sed 's/^/    /'
fi
jobs_run=$(grep -c 'job [0-9]* started' "$dir/jc.log")
# The Berkeley DB logs the job controller keeps (queue cache, counters):
# checkpoints remove the old ones, so this stays small whatever the load.
bdb_logs=$(find "$dir/run/queue" "$dir/run/log" -maxdepth 1 -name 'log.*' -type f \
    -exec du -k {} + 2>/dev/null | awk '{ k += $1; n++ } END { printf "%d files, %d KB", n, k }')
[ "$our_rc" = 0 ] || { failed=1; tail -20 "$dir/jc.log" | sed 's/^/    /'; }

# --- Postfix ------------------------------------------------------------------------
pf=$dir/postfix
pf_rc=skip; pf_secs=0; pf_acc=0
if [ "$(id -u)" != 0 ]; then
    echo "relay.sh: SKIP Postfix: a private Postfix instance needs root"
else
    sink2=$(free_port); pf_port=$(free_port)
    start_sink sink_postfix "$sink2" || { echo "relay.sh: smtp-sink did not start" >&2; exit 1; }
    pf_instance "$pf" "$pf_port" relay "$sink2"
    if ! { pf_started=1; pf_start "$pf"; } || ! wait_port "$pf_port"; then
        echo "relay.sh: !!! the private Postfix did not start"; pf_rc=1
    else
        relay postfix "$pf_port" sink_postfix
        pf_secs=$relay_secs; pf_acc=$accept_secs; pf_rc=$relay_rc
        pf_stop "$pf"; pf_started=0
    fi
    [ "$pf_rc" = 0 ] || failed=1
fi

# --- figures -----------------------------------------------------------------------------
show() {  # name relay-secs accept-secs rc
    if [ "$4" = 0 ]; then
        printf '  %-46s %8s s %7s msg/s   (SMTP side done after %s s)\n' "$1" "$2" "$(rate "$n" "$2")" "$3"
    elif [ "$4" = skip ]; then
        printf '  %-46s %8s   %7s         (SKIPPED)\n' "$1" "-" "-"
    else
        printf '  %-46s %8s   %7s         (FAILED)\n' "$1" "-" "-"
    fi
}
echo "results (time from the first message sent until the sink holds all $n):"
show "ours ($jobs jobs of $batch messages; $jobs_run jobs run)" "$our_secs" "$our_acc" "$our_rc"
show "Postfix $(postconf -d -h mail_version 2>/dev/null)" "$pf_secs" "$pf_acc" "$pf_rc"
if [ "$our_rc" = 0 ] && [ "$pf_rc" = 0 ]; then
    awk -v o="$our_secs" -v p="$pf_secs" 'BEGIN {
        r = p / o; printf "  ratio ours/Postfix: %.2f (target >= 1.5: %s)\n", r, (r >= 1.5) ? "met" : "NOT met" }'
fi
echo "  ours: Berkeley DB log files after the run: $bdb_logs"
exit $failed
