# shellcheck shell=sh disable=SC2154  # src and build: the caller's
# lib.sh - what the shell benchmarks share; sourced, never run.
#
#   bench_need_postfix NAME    Postfix's tools, installed as root by
#                              tests/lib/deps.sh (package postfix, no system
#                              Postfix configured); returns 1 after printing
#                              "NAME: SKIP: ..." when they are missing.
#   free_port                  a free TCP port of 127.0.0.1 below the
#                              ephemeral range (the load's thousands of
#                              connections do not compete for it)
#   wait_port PORT             until something accepts on 127.0.0.1:PORT
#                              (10 s at most; 1 when nothing did)
#   now; secs T0 T1; rate N SECS   time stamps, elapsed seconds, N/SECS
#   stop_pids PID...           SIGTERM, 5 s of grace, then SIGKILL
#   bench_instance DIR         a private instance (mkinstance.sh) for
#                              bench.example; the caller's PMDF_* and
#                              PMAS_* but PMDF_BUILD and PMDF_SRCDIR are
#                              unset and PMDF_TAILOR points at it
#   pf_instance DIR PORT MODE [RELAYHOST-PORT]
#                              a private Postfix under DIR (its own config,
#                              queue and data directories; smtpd on
#                              127.0.0.1:PORT only; no chroot; fsync on as
#                              always); MODE "discard" delivers everything
#                              to discard:, MODE "relay" relays
#                              relay.example to [127.0.0.1]:RELAYHOST-PORT
#   pf_start DIR / pf_stop DIR start it (1 when it did not), stop it and
#                              every process of its master
#   pf_master DIR              its master's process id
# Needs $src (the top of the tree) and $build set by the caller.

bench_need_postfix() {
    sh "$src/tests/lib/deps.sh" "postfix postfix postfix" \
        "/usr/sbin/smtp-source /usr/sbin/smtp-sink /usr/sbin/postfix" optional >&2 \
        || { echo "$1: installing postfix failed" >&2; exit 1; }
    for f in /usr/sbin/smtp-source /usr/sbin/smtp-sink /usr/sbin/postfix; do
        [ -x "$f" ] || { echo "$1: SKIP: $f missing (Debian package postfix)"; return 1; }
    done
    return 0
}

free_port() {
    perl -MIO::Socket::INET -e '
        for (1 .. 100) {
            my $p = 20000 + int(rand(12000));
            my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => $p,
                                          Proto => "tcp", ReuseAddr => 1, Listen => 1);
            if ($s) { close $s; print "$p\n"; exit 0 }
        }
        exit 1'
}

wait_port() {
    perl -MIO::Socket::INET -e '
        for (1 .. 200) {
            my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1", PeerPort => $ARGV[0],
                                          Proto => "tcp");
            if ($s) { close $s; exit 0 }
            select(undef, undef, undef, 0.05);
        }
        exit 1' "$1"
}

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
rate() { awk -v n="$1" -v t="$2" 'BEGIN { if (t > 0) printf "%.0f", n / t; else print "-" }'; }

stop_pids() {
    for p in "$@"; do kill -TERM "$p" 2>/dev/null; done
    for p in "$@"; do
        i=0
        while kill -0 "$p" 2>/dev/null && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
        kill -KILL "$p" 2>/dev/null
    done
}

bench_instance() {
    PMDF_INSTANCE_HOST=bench.example sh "$src/tests/lib/mkinstance.sh" "$1" "$build/bin" \
        "$src/table" >/dev/null || { echo "mkinstance $1 failed" >&2; return 1; }
    for v in $(env | sed -n 's/^\(PMDF_[A-Za-z0-9_]*\|PMAS_[A-Za-z0-9_]*\)=.*/\1/p'); do
        [ "$v" = PMDF_BUILD ] || [ "$v" = PMDF_SRCDIR ] || unset "$v"
    done
    export PMDF_TAILOR="$1/pmdf_tailor"
}

pf_instance() {
    mkdir -p "$1/etc" "$1/queue" "$1/data"
    chmod 755 "$1" "$1/etc" "$1/queue"
    chown postfix "$1/data" 2>/dev/null; chmod 700 "$1/data"
    {
        echo "# Private benchmark instance: nothing outside $1 is written."
        echo "compatibility_level = 3.6"
        echo "queue_directory = $1/queue"
        echo "data_directory = $1/data"
        echo "mail_owner = postfix"
        echo "setgid_group = postdrop"
        echo "myhostname = postfix.bench.example"
        echo "mydomain = bench.example"
        echo "myorigin = \$myhostname"
        echo "inet_interfaces = 127.0.0.1"
        echo "inet_protocols = ipv4"
        echo "mynetworks = 127.0.0.0/8"
        echo "local_recipient_maps ="
        echo "alias_maps ="
        echo "alias_database ="
        echo "biff = no"
        echo "maillog_file = $1/maillog"
        echo "maillog_file_prefixes = $1"
        if [ "$3" = relay ]; then
            echo "mydestination ="
            echo "relay_domains = relay.example"
            echo "relayhost = [127.0.0.1]:$4"
            echo "smtp_dns_support_level = disabled"
        else
            echo "mydestination = bench.example, \$myhostname, localhost"
            echo "default_transport = discard"
            echo "local_transport = discard"
            echo "relay_transport = discard"
        fi
    } > "$1/etc/main.cf"
    # Debian's stock master.cf, without chroot (the queue is a temporary
    # directory) and with smtpd on 127.0.0.1:port only.
    cat > "$1/etc/master.cf" <<EOF
127.0.0.1:$2 inet n - n - - smtpd
pickup     unix n - n 60 1 pickup
cleanup    unix n - n - 0 cleanup
qmgr       unix n - n 300 1 qmgr
rewrite    unix - - n - - trivial-rewrite
bounce     unix - - n - 0 bounce
defer      unix - - n - 0 bounce
trace      unix - - n - 0 bounce
verify     unix - - n - 1 verify
flush      unix n - n 1000? 0 flush
proxymap   unix - - n - - proxymap
proxywrite unix - - n - 1 proxymap
smtp       unix - - n - - smtp
relay      unix - - n - - smtp
showq      unix n - n - - showq
error      unix - - n - - error
retry      unix - - n - - error
discard    unix - - n - - discard
local      unix - n n - - local
anvil      unix - - n - 1 anvil
scache     unix - - n - 1 scache
postlog    unix-dgram n - n - 1 postlogd
EOF
}

pf_master() { tr -d ' ' <"$1/queue/pid/master.pid" 2>/dev/null; }

pf_start() {
    if ! postfix -c "$1/etc" check >"$1/check.log" 2>&1; then
        echo "!!! postfix -c $1/etc check failed:"; sed 's/^/    /' "$1/check.log"
        return 1
    fi
    postfix -c "$1/etc" start >/dev/null 2>&1 || {
        echo "!!! the private Postfix did not start:"; sed 's/^/    /' "$1/maillog" 2>/dev/null
        return 1; }
}

pf_stop() {
    _m=$(pf_master "$1")
    _kids=""
    [ -n "$_m" ] && _kids=$(ps -o pid= --ppid "$_m" 2>/dev/null)
    postfix -c "$1/etc" stop >/dev/null 2>&1
    # shellcheck disable=SC2086
    [ -n "$_m$_kids" ] && stop_pids $_m $_kids
    return 0
}
