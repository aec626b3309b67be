#!/bin/sh
# smtp.sh - tcp_smtp_server beside Postfix and smtp-sink, on loopback.
#
# Prints, in one run, the same load (Postfix's smtp-source: 10,000
# messages of 1 KB, 50 concurrent sessions, a new connection per message)
# pushed into:
#   - tcp_smtp_server in a private instance (PMDF_INSTANCE_HOST=bench.example)
#     into its durable queue; afterwards the files under queue/l/ are counted
#     and must be exactly the number sent, each whole (trailer, crc32) with
#     the envelope sent;
#   - the same behind the dispatcher (its own instance; one server process
#     per CPU), the mail system as "make run" runs it; queue counted too;
#   - a private Postfix instance (its own config, queue and data directories
#     under the temporary directory, smtpd on 127.0.0.1 only, queue fsync
#     left on as always, mail delivered to discard:), timed at the SMTP side:
#     Postfix's 250 also means queued and fsynced;
#   - smtp-sink, which stores nothing: the ceiling of the load tool;
# then messages per second for each and the ratio ours/Postfix (issue 5's
# target: >= 2), and the memory an idle session costs: 1,000 connections
# held open after the greeting, the server's VmRSS before and after (target:
# under 64 KB a session); Postfix runs one smtpd process per session, so the
# RSS and private memory of one of its smtpd processes is shown beside it.
#
# Needs the Debian package postfix (smtp-source, smtp-sink, postfix): as
# root it is installed (main_mailer_type "No configuration", so no system
# Postfix is configured or started); otherwise the benchmark prints SKIP and
# exits 0.  /etc/postfix is only read.  Run from the top of the tree with
# PMDF_BUILD and PMDF_SRCDIR set (the Makefile's bench target does).
# Environment: BENCH_SMTP_MESSAGES (10000), BENCH_SMTP_SESSIONS (50),
# BENCH_SMTP_IDLE (1000).  Exits non-zero when a load fails or the queue does
# not hold exactly what was sent.
set -u
n=${BENCH_SMTP_MESSAGES:-10000}
sessions=${BENCH_SMTP_SESSIONS:-50}
idle=${BENCH_SMTP_IDLE:-1000}
size=1024
build=${PMDF_BUILD:?PMDF_BUILD is not set}
src=${PMDF_SRCDIR:?PMDF_SRCDIR is not set}
server=$build/bin/tcp_smtp_server
limit=240                               # seconds allowed for one load
sender=sender@client.example
rcpt=user@bench.example

[ -x "$server" ] || { echo "smtp.sh: $server is not built" >&2; exit 1; }

# shellcheck source=tests/bench/lib.sh
. "$src/tests/bench/lib.sh"
bench_need_postfix smtp.sh || exit 0
have_python=1
command -v python3 >/dev/null 2>&1 || have_python=0

# --- clean-up, whatever happens ----------------------------------------------------
dir=$(mktemp -d "${TMPDIR:-/tmp}/b_smtp.XXXXXX") || exit 1
chmod 755 "$dir"                        # Postfix's daemons run as user postfix
srv_pid=""
sink_pid=""
load_pid=""
pf_started=0
rc=0
# shellcheck disable=SC2317  # called from the trap
cleanup() {
    trap '' INT TERM HUP
    # shellcheck disable=SC2086
    stop_pids $load_pid $srv_pid $sink_pid
    [ "$pf_started" = 1 ] && pf_stop "$dir/postfix"
    rm -rf "$dir"
}
trap 'rc=$?; cleanup; exit $rc' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# load NAME PORT: pushes the load; sets load_secs and load_rc.
load() {
    t0=$(now)
    # In the background, so that a signal's trap runs at once.
    timeout "$limit" /usr/sbin/smtp-source -l "$size" -m "$n" -s "$sessions" \
        -f "$sender" -t "$rcpt" "127.0.0.1:$2" >"$dir/source.$1.log" 2>&1 &
    load_pid=$!
    wait "$load_pid"
    load_rc=$?
    load_pid=""
    t1=$(now)
    load_secs=$(secs "$t0" "$t1")
    if [ "$load_rc" != 0 ]; then
        echo "smtp.sh: !!! $1: smtp-source FAILED (exit $load_rc$( [ "$load_rc" = 124 ] \
            && echo ", killed after $limit s")) after $load_secs s; its output:"
        tail -20 "$dir/source.$1.log" | sed 's/^/    /'
    fi
}

# Room for the idle sessions (the server inherits this limit).
# shellcheck disable=SC3045  # ulimit -n: not POSIX, but in dash, bash, ksh
nofile=$(ulimit -n 2>/dev/null || echo unlimited)
if [ "$nofile" != unlimited ] && [ "$nofile" -lt $((idle + 256)) ]; then
    # shellcheck disable=SC3045
    ulimit -n $((idle + 256)) 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null
fi
fstype=$(df -PT "$dir" 2>/dev/null | awk 'NR == 2 { print $2 }')
pfversion=$(postconf -d -h mail_version 2>/dev/null || echo "?")
echo "smtp bench: $n messages of $size bytes, $sessions concurrent sessions (new connection" \
     "per message), loopback; queues in $dir ($fstype), $(nproc 2>/dev/null || echo '?') CPUs," \
     "load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
failed=0

# --- 1. smtp-sink: the ceiling of the load tool ----------------------------------------
sink_port=$(free_port) || { echo "smtp.sh: no free port" >&2; exit 1; }
sink_user=""
[ "$(id -u)" = 0 ] && sink_user="-u postfix"        # it refuses to run as root
# shellcheck disable=SC2086
/usr/sbin/smtp-sink $sink_user "127.0.0.1:$sink_port" 1000 >"$dir/sink.log" 2>&1 &
sink_pid=$!
if wait_port "$sink_port"; then
    load sink "$sink_port"
    sink_secs=$load_secs; sink_rc=$load_rc
else
    echo "smtp.sh: !!! smtp-sink did not start:"; sed 's/^/    /' "$dir/sink.log"
    sink_secs=0; sink_rc=1
fi
kill -TERM "$sink_pid" 2>/dev/null; wait "$sink_pid" 2>/dev/null; sink_pid=""
[ "$sink_rc" = 0 ] || failed=1

# --- 2. our server ----------------------------------------------------------------------
bench_instance "$dir/run" || exit 1
our_port=$(free_port) || { echo "smtp.sh: no free port" >&2; exit 1; }
"$server" -port="$our_port" -listen=127.0.0.1 >"$dir/server.log" 2>&1 &
srv_pid=$!
if wait_port "$our_port"; then
    load ours "$our_port"
    our_secs=$load_secs; our_rc=$load_rc
else
    echo "smtp.sh: !!! tcp_smtp_server did not start:"; our_secs=0; our_rc=1
fi
kill -TERM "$srv_pid" 2>/dev/null
wait "$srv_pid" 2>/dev/null
srv_exit=$?
srv_pid=""
queued=$(find "$dir/run/queue/l" -type f 2>/dev/null | wc -l)
queued_zz=$(find "$dir/run/queue/l" -type f -name 'ZZ*.00' 2>/dev/null | wc -l)
others=$(find "$dir/run/queue" -mindepth 2 -type f ! -path "$dir/run/queue/l/*" 2>/dev/null | wc -l)
# Each file whole: trailer, checksum, the envelope sent (read with the
# tests' own reader of the documented format, not the server's code).
bad=$(perl -I"$src/tests/lib" -MPmdfTest=read_queue -e '
    my $bad = 0;
    for my $f (glob("$ARGV[0]/ZZ*.00")) {
        my $q = read_queue($f);
        $bad++ unless $q && $q->{crc_ok} && $q->{from} eq $ARGV[1]
            && $q->{rcpt} && $q->{rcpt}[0]{addr} eq $ARGV[2] && length($q->{message}) > $ARGV[3];
    }
    print "$bad\n"' "$dir/run/queue/l" "$sender" "$rcpt" "$size" 2>&1)
if [ "$our_rc" != 0 ] || [ "$queued" != "$n" ] || [ "$queued_zz" != "$n" ] \
        || [ "$srv_exit" != 0 ] || [ "$bad" != 0 ]; then
    failed=1
    echo "smtp.sh: !!! tcp_smtp_server: sent $n, smtp-source exit $our_rc, server exit" \
         "$srv_exit, queue/l/ holds $queued files ($queued_zz ZZ*.00, damaged or wrong: $bad)," \
         "other channels $others !!!"
    echo "smtp.sh: the server's standard error (last 30 lines):"
    tail -30 "$dir/server.log" | sed 's/^/    /'
else
    echo "tcp_smtp_server: queue/l/ holds exactly $queued message files (sent $n)," \
         "each with a good checksum and the envelope sent"
fi

# --- 2b. our server behind the dispatcher ---------------------------------------------------
# The same load through the dispatcher (PORT_ACCESS checked, descriptor
# passed to a server process) in its own instance: as many servers as CPUs,
# each taking any number of connections, client limits off (one load tool
# is one client address).
dispatcher=$build/bin/dispatcher
disp_rc=skip
disp_secs=0
if [ -x "$dispatcher" ]; then
    PMDF_INSTANCE_HOST=bench.example sh "$src/tests/lib/mkinstance.sh" "$dir/drun" "$build/bin" \
        "$src/table" >/dev/null || { echo "smtp.sh: mkinstance failed" >&2; exit 1; }
    disp_port=$(free_port) || { echo "smtp.sh: no free port" >&2; exit 1; }
    procs=$(nproc 2>/dev/null || echo 2)
    printf '%s\n' "INTERFACE_ADDRESS=127.0.0.1" "MIN_PROCS=$procs" "MAX_PROCS=$procs" \
        "MIN_CONNS=100000" "MAX_CONNS=100000" "MAX_LIFE_CONNS=1000000000" "MAX_CLIENT_CONNS=0" \
        "MAX_CLIENT_RATE=0" "[SERVICE=SMTP]" "PORT=$disp_port" "IMAGE=PMDF_EXE:tcp_smtp_server" \
        "LOGFILE=PMDF_LOG:tcp_smtp_server.log" > "$dir/drun/table/dispatcher.cnf"
    PMDF_TAILOR="$dir/drun/pmdf_tailor" "$dispatcher" >"$dir/dispatcher.log" 2>&1 &
    srv_pid=$!
    if wait_port "$disp_port"; then
        load dispatcher "$disp_port"
        disp_secs=$load_secs; disp_rc=$load_rc
    else
        echo "smtp.sh: !!! the dispatcher did not start:"; sed 's/^/    /' "$dir/dispatcher.log"
        disp_rc=1
    fi
    kill -TERM "$srv_pid" 2>/dev/null
    wait "$srv_pid" 2>/dev/null
    srv_pid=""
    dqueued=$(find "$dir/drun/queue/l" -type f -name 'ZZ*.00' 2>/dev/null | wc -l)
    if [ "$disp_rc" != 0 ] || [ "$dqueued" != "$n" ]; then
        failed=1
        echo "smtp.sh: !!! dispatcher: sent $n, smtp-source exit $disp_rc, queue/l/ holds" \
             "$dqueued message files !!!"
        tail -20 "$dir/dispatcher.log" | sed 's/^/    /'
    else
        echo "dispatcher + $procs tcp_smtp_server processes: queue/l/ holds exactly $dqueued" \
             "message files (sent $n)"
    fi
else
    echo "smtp.sh: SKIP the dispatcher: $dispatcher is not built"
fi

# --- 3. Postfix --------------------------------------------------------------------------
pf=$dir/postfix
pf_port=$(free_port) || { echo "smtp.sh: no free port" >&2; exit 1; }
pf_instance "$pf" "$pf_port" discard
pf_rc=1
pf_secs=0
pf_rss=""
if [ "$(id -u)" != 0 ]; then
    echo "smtp.sh: SKIP Postfix: a private Postfix instance needs root"
    pf_rc=skip
elif ! { pf_started=1; pf_start "$pf"; }; then
    :
elif ! wait_port "$pf_port"; then
    echo "smtp.sh: !!! the private Postfix does not listen:"; sed 's/^/    /' "$pf/maillog" 2>/dev/null
else
    load postfix "$pf_port"
    pf_secs=$load_secs; pf_rc=$load_rc
    # Postfix's smtpd processes now wait for their next client: one of them
    # is what one session costs there.
    m=$(pf_master "$pf")
    if [ "$have_python" = 1 ] && [ -n "$m" ]; then
        pf_rss=$(python3 - "$m" "$pf_port" <<'EOF'
import os, socket, sys
master, port = sys.argv[1], int(sys.argv[2])
s = socket.create_connection(('127.0.0.1', port), timeout=10)
s.recv(512)                             # the greeting: one smtpd holds the session
def kb(pid, file, keys):
    t = 0
    try:
        for line in open('/proc/%s/%s' % (pid, file)):
            k, _, v = line.partition(':')
            if k in keys:
                t += int(v.split()[0])
    except OSError:
        return None
    return t
rss, priv = [], []
for pid in os.listdir('/proc'):
    if not pid.isdigit():
        continue
    try:
        st = open('/proc/%s/stat' % pid).read()
    except OSError:
        continue
    comm = st[st.index('(') + 1:st.rindex(')')]
    ppid = st[st.rindex(')') + 2:].split()[1]
    if comm == 'smtpd' and ppid == master:
        r, p = kb(pid, 'status', ('VmRSS',)), kb(pid, 'smaps_rollup', ('Private_Clean', 'Private_Dirty'))
        if r is not None and p is not None:
            rss.append(r); priv.append(p)
s.close()
if rss:
    rss.sort(); priv.sort()
    print('%d %d %d' % (len(rss), rss[len(rss) // 2], priv[len(priv) // 2]))
EOF
)
    fi
    # Delivery to discard: goes on behind the SMTP side; waited for (30 s at
    # most) only to report it.
    i=0
    while [ $i -lt 60 ] && [ "$(find "$pf/queue/incoming" "$pf/queue/active" \
            "$pf/queue/deferred" -type f 2>/dev/null | wc -l)" != 0 ]; do
        sleep 0.5; i=$((i + 1))
    done
    pf_done=$(grep -c 'status=sent' "$pf/maillog" 2>/dev/null)
    echo "postfix: $pf_done of $n messages delivered to discard: (from its maillog)"
fi
[ "$pf_started" = 1 ] && { pf_stop "$pf"; pf_started=0; }
[ "$pf_rc" = 0 ] || [ "$pf_rc" = skip ] || failed=1

# --- 4. the figures ------------------------------------------------------------------
show() {  # name secs rc
    if [ "$3" = 0 ]; then
        printf '  %-44s %8s s %8s messages/s\n' "$1" "$2" "$(rate "$n" "$2")"
    elif [ "$3" = skip ]; then
        printf '  %-44s %8s   %8s   (SKIPPED)\n' "$1" "-" "-"
    else
        printf '  %-44s %8s   %8s   (FAILED)\n' "$1" "-" "-"
    fi
}
echo "results ($n x $size bytes, $sessions sessions, smtp-source, loopback):"
show "tcp_smtp_server (durable queue, group commit)" "$our_secs" "$our_rc"
show "tcp_smtp_server behind the dispatcher" "$disp_secs" "$disp_rc"
show "Postfix $pfversion (fsync on, discard:)" "$pf_secs" "$pf_rc"
show "smtp-sink (ceiling of the load tool)" "$sink_secs" "$sink_rc"
if [ "$our_rc" = 0 ] && [ "$pf_rc" = 0 ]; then
    awk -v o="$our_secs" -v p="$pf_secs" 'BEGIN {
        r = p / o; printf "  ratio tcp_smtp_server/Postfix: %.2f (target >= 2: %s)\n", r, (r >= 2) ? "met" : "NOT met" }'
fi
if [ "$disp_rc" = 0 ] && [ "$pf_rc" = 0 ]; then
    awk -v o="$disp_secs" -v p="$pf_secs" 'BEGIN {
        printf "  ratio dispatcher+tcp_smtp_server/Postfix: %.2f\n", p / o }'
fi
if [ "$our_rc" = 0 ] && [ "$sink_rc" = 0 ]; then
    awk -v o="$our_secs" -v s="$sink_secs" 'BEGIN {
        printf "  tcp_smtp_server runs at %.0f%% of the load tool'"'"'s ceiling\n", 100 * s / o }'
fi

# --- 5. memory per idle session ---------------------------------------------------------
if [ "$have_python" = 0 ]; then
    echo "smtp.sh: SKIP idle sessions: python3 missing (Debian package python3)"
else
    # A fresh server, so the load's freed memory does not hide the cost.
    our_port=$(free_port) || { echo "smtp.sh: no free port" >&2; exit 1; }
    "$server" -port="$our_port" -listen=127.0.0.1 >>"$dir/server.log" 2>&1 &
    srv_pid=$!
    if wait_port "$our_port"; then
        python3 - "$srv_pid" "$our_port" "$idle" <<'EOF' || failed=1
import resource, socket, sys, time
pid, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if soft < count + 64:
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, count + 64), hard))
def rss():
    for line in open('/proc/%s/status' % pid):
        if line.startswith('VmRSS:'):
            return int(line.split()[1])
time.sleep(0.2)
before = rss()
socks = []
try:
    for i in range(count):
        s = socket.create_connection(('127.0.0.1', port), timeout=10)
        socks.append(s)
    for s in socks:                     # every one greeted, then idle
        g = s.recv(512)
        if not g.startswith(b'220'):
            raise Exception('greeting %r' % g)
except Exception as e:
    print('  !!! idle sessions: only %d of %d opened: %s' % (len(socks), count, e))
    sys.exit(1)
time.sleep(0.5)
after = rss()
for s in socks:
    s.close()
d = after - before
print('  tcp_smtp_server idle sessions: VmRSS %d KB before, %d KB with %d sessions open: '
      '%d KB in all, %.1f KB a session (target < 64 KB: %s)'
      % (before, after, count, d, d / count, 'met' if d / count < 64 else 'NOT met'))
EOF
    else
        echo "smtp.sh: !!! tcp_smtp_server did not start for the idle test"; failed=1
    fi
    kill -TERM "$srv_pid" 2>/dev/null; wait "$srv_pid" 2>/dev/null; srv_pid=""
    if [ -n "$pf_rss" ]; then
        # shellcheck disable=SC2086  # three numbers
        set -- $pf_rss
        echo "  Postfix: one smtpd process per session (at most default_process_limit = 100);" \
             "median of its $1 smtpd processes: VmRSS $2 KB, private $3 KB"
    fi
fi
exit $failed
