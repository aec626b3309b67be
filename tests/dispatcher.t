#!/usr/bin/perl
# dispatcher.t - the dispatcher end to end, with real clients: configuration
# errors as file:line; a message through the dispatcher on the plain port
# (swaks) and on the immediate-TLS port (swaks --tlsc, curl smtps://);
# "pmdf process"; MAX_LIFE_CONNS retirement; a PORT_ACCESS refusal text seen
# by swaks, with $< and $T logging; per-client connection and rate limits;
# a server killed in mid-session leaves the others working; "pmdf restart
# dispatcher" under a steady load loses no connection, and a bad new
# configuration is refused with the old one kept; "pmdf startup" and
# "pmdf shutdown" leave no process behind; as root, USER= is become once the
# ports are bound.
use strict;
use warnings;
use Test::More;
use IO::Socket::INET;
use Time::HiRes qw(time sleep);
use FindBin;
use lib "$FindBin::Bin/lib";
use PmdfTest qw(instance make_pki free_port run sq read_queue queue_files wait_port put
                start_dispatcher stop_dispatcher pmdf_process wait_for);

my ($dir, $inst, $build, $top) = instance();
my $table = "$inst/table";
ok(-x "$build/bin/dispatcher", 'the dispatcher is built') or BAIL_OUT('not built');
make_pki($dir, $table);
my $pmdf = "'$build/bin/pmdf'";
my $have_swaks = -x '/usr/bin/swaks';
my ($port, $tport, $lport) = (free_port(), free_port(), free_port());

sub cnf {
    my (%o) = @_;
    my $life = $o{life} // 100000;
    return <<"EOF";
! test configuration
INTERFACE_ADDRESS=127.0.0.1
MIN_PROCS=$o{min}
MAX_PROCS=3
MIN_CONNS=2
MAX_CONNS=50
MAX_CLIENT_CONNS=0
MAX_CLIENT_RATE=0
[SERVICE=DISPATCHER]
MAX_SHUTDOWN=5
[SERVICE=SMTP]
PORT=$port
TLS_PORT=$tport
IMAGE=PMDF_EXE:tcp_smtp_server
LOGFILE=PMDF_LOG:tcp_smtp_server.log
MAX_LIFE_CONNS=$life
[SERVICE=LIMITED]
PORT=$lport
IMAGE=PMDF_EXE:tcp_smtp_server
LOGFILE=PMDF_LOG:tcp_limited.log
PARAMETER=CHANNEL=tcp_local
MIN_PROCS=1
MAX_CLIENT_CONNS=3
MAX_CLIENT_RATE=8
EOF
}

# --- configuration errors: file:line, and no start -----------------------------------
{
    put("$dir/bad1.cnf", "MAX_PROCS=5\n[SERVICE=SMTP]\nPORT=$port\nIMAGE=PMDF_EXE:tcp_smtp_server\nMAX_CONNS=lots\n");
    my ($rc, $out, $err) = run($dir, "'$build/bin/dispatcher' -config=$dir/bad1.cnf");
    is($rc, 1, 'a bad value: the dispatcher does not start');
    like($err, qr{bad1\.cnf:5: MAX_CONNS: [^M]}, 'and names file:line and the option');
    put("$dir/bad2.cnf", "[SERVICE=SMTP]\nPORT=$port\nIMAGE=PMDF_EXE:tcp_smtp_server\nMAX_KONNS=3\n");
    ($rc, $out, $err) = run($dir, "'$build/bin/dispatcher' -config=$dir/bad2.cnf");
    like($err, qr{bad2\.cnf:4: MAX_KONNS: unknown option}, 'an unknown option is named with its line');
    put("$dir/bad3.cnf", "[SERVICE=SMTP]\nPORT=$port\nIMAGE=PMDF_EXE:no_such_server\n");
    ($rc, $out, $err) = run($dir, "'$build/bin/dispatcher' -config=$dir/bad3.cnf");
    like($err, qr{bad3\.cnf:3: IMAGE: PMDF_EXE:no_such_server: .*not an executable}, 'a missing IMAGE');
    put("$dir/bad4.cnf", "[SERVICE=A]\nPORT=$port\nIMAGE=PMDF_EXE:tcp_smtp_server\n"
               . "[SERVICE=B]\nPORT=$port\nIMAGE=PMDF_EXE:tcp_smtp_server\n");
    ($rc, $out, $err) = run($dir, "'$build/bin/dispatcher' -config=$dir/bad4.cnf");
    like($err, qr{bad4\.cnf:4: port $port of \[SERVICE=B\] is also a port of \[SERVICE=A\]},
         'a port in two services');
}

# --- start: plain and immediate-TLS ports ------------------------------------------------
put("$table/dispatcher.cnf", cnf(min => 1, life => 3));
my $dpid = start_dispatcher($dir, $build);
ok(wait_port($port) && wait_port($tport) && wait_port($lport), 'the dispatcher listens on every port')
    or do { diag `cat $dir/dispatcher.log`; BAIL_OUT('dispatcher did not start') };
my $p = pmdf_process($dir, $build);
ok(wait_for(5, sub { $p = pmdf_process($dir, $build); @{$p->{servers}} >= 2
                     && !grep { $_->{state} ne 'active' } @{$p->{servers}} }),
   'pmdf process: MIN_PROCS=1 server for each service, active') or diag $p->{out};
is((grep { $_->{program} eq 'dispatcher' && $_->{pid} == $dpid } @{$p->{procs}}), 1,
   'pmdf process names the dispatcher and its process id');
ok((grep { /^SMTP 127\.0\.0\.1 $tport tls$/ } @{$p->{listen}}), 'and the TLS port');

SKIP: {
    skip 'swaks not installed (Debian package swaks)', 8 unless $have_swaks;
    my ($rc, $out) = run($dir, "swaks --server 127.0.0.1:$port --helo client.example --from s\@client.example"
                         . " --to user\@mail.example.com --body 'through the dispatcher' --timeout 20");
    is($rc, 0, 'swaks: a message through the dispatcher on the plain port') or diag $out;
    like($out, qr/<-  220 mail\.example\.com ESMTP/, 'greeted by a server process');
    my @q = queue_files($inst, 'l');
    my $qm = read_queue($q[-1]);
    ok($qm && $qm->{crc_ok} && $qm->{message} =~ /through the dispatcher/, 'queued whole');
    is($qm->{client}, '127.0.0.1', 'the server saw the client address the dispatcher handed over');
    ($rc, $out) = run($dir, "swaks --server 127.0.0.1:$tport --tlsc --helo client.example --from s\@client.example"
                      . " --to user\@mail.example.com --body 'tls via dispatcher' --timeout 20");
    is($rc, 0, 'swaks --tlsc: a message on the immediate-TLS port') or diag $out;
    like($out, qr/TLS started with cipher/, 'TLS from the first byte');
    @q = queue_files($inst, 'l');
    $qm = read_queue($q[-1]);
    like($qm->{message}, qr/tls via dispatcher/, 'queued');
    like($qm->{message}, qr/with ESMTPS/, 'the Received: line says ESMTPS');
}
SKIP: {
    skip 'curl not installed (Debian package curl)', 1 unless -x '/usr/bin/curl';
    put("$dir/curl.txt", "Subject: curl\r\n\r\nvia curl and the dispatcher\r\n");
    my ($rc, $out, $err) = run($dir, "curl -sS --cacert $dir/pki/root.pem smtps://localhost:$tport"
                               . " --mail-from s\@client.example --mail-rcpt user\@mail.example.com"
                               . " --upload-file '$dir/curl.txt'");
    is($rc, 0, 'curl smtps:// through the dispatcher, certificate verified') or diag $err;
}

# --- MAX_LIFE_CONNS=3: the server retires after three connections ------------------------------
SKIP: {
    skip 'swaks not installed (Debian package swaks)', 4 unless $have_swaks;
    my %pids;
    my $ok = 0;
    for my $i (1 .. 4) {
        my ($rc, $out) = run($dir, "swaks --server 127.0.0.1:$port --from s\@client.example"
                             . " --to user\@mail.example.com --body life$i --timeout 20");
        $ok++ if $rc == 0;
    }
    is($ok, 4, 'four messages in a row');
    ok(wait_for(5, sub { `cat $dir/dispatcher.log` =~ /retiring server process \d+ of SMTP \(MAX_LIFE_CONNS reached\)/ }),
       'the log names the retirement after MAX_LIFE_CONNS');
    ok(wait_for(5, sub { `cat $dir/dispatcher.log` =~ /server process \d+ of SMTP stopped \(exit status 0\) after 3 connections/ }),
       'the retired server finished and exited 0 after exactly 3 connections');
    ok(wait_for(5, sub { $p = pmdf_process($dir, $build);
                         grep { $_->{service} eq 'SMTP' && $_->{state} eq 'active' } @{$p->{servers}} }),
       'a new server took over') or diag $p->{out};
}
# No more retirements for the rest.
put("$table/dispatcher.cnf", cnf(min => 2));

# --- PORT_ACCESS: the refusal text reaches the client -------------------------------------------
{
    open(my $m, '>>', "$table/mappings") or die;
    print $m "\nPORT_ACCESS\n\n  TCP|*|$port|127.0.0.2|*\t\$N\$<\$T500\$ Go\$ away,\$ 127.0.0.2\n"
           . "  *\t\$Y\n";
    close $m;
    my ($rc, $out, $err) = run($dir, "$pmdf restart dispatcher");
    is($rc, 0, 'pmdf restart dispatcher: new mappings') or diag "$out$err";
    like($out, qr/restarted with its new configuration/, 'it reports the reload');
  SKIP: {
        skip 'swaks not installed (Debian package swaks)', 5 unless $have_swaks;
        ($rc, $out) = run($dir, "swaks --server 127.0.0.1:$port --local-interface 127.0.0.2"
                          . " --to user\@mail.example.com --timeout 10");
        isnt($rc, 0, 'swaks from 127.0.0.2: refused');
        like($out, qr/<\*\* 500 Go away, 127\.0\.0\.2/, 'swaks shows the PORT_ACCESS text');
        ($rc, $out) = run($dir, "swaks --server 127.0.0.1:$port --to user\@mail.example.com --body ok --timeout 20");
        is($rc, 0, 'another client is still served');
        like(`cat $dir/dispatcher.log`, qr/PORT_ACCESS TCP\|127\.0\.0\.1\|$port\|127\.0\.0\.2\|\d+: 500 Go away/,
             '$< logged the probe and the text');
        like(`cat $inst/log/mail.log_current`, qr/tcp_local \+ X 0 TCP\|127\.0\.0\.1\|$port\|127\.0\.0\.2\|\d+/,
             '$T wrote an X connection entry to the mail log');
    }
}

# --- per-client limits (service LIMITED: 3 at once, 8 a minute) --------------------------------
sub greet {
    my ($lport0, $from) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $lport0, Proto => 'tcp',
                                  LocalAddr => $from, Timeout => 5) or return (undef, '');
    my $line = <$s> // '';
    return ($s, $line);
}
{
    my @held;
    for (1 .. 3) {
        my ($s, $g) = greet($lport, '127.0.0.3');
        like($g, qr/^220 /, "connection $_ from 127.0.0.3 greeted");
        push @held, $s;
    }
    my ($s4, $g4) = greet($lport, '127.0.0.3');
    like($g4, qr/^421 4\.7\.0 Too many connections from your address/, 'the fourth at once: 421');
    my ($s5, $g5) = greet($lport, '127.0.0.4');
    like($g5, qr/^220 /, 'another address is not affected');
    close $_ for @held, $s5;
    # 5 accepted from 127.0.0.3 and .4 so far; .3 has used 3 of its 8 tokens.
    my ($n220, $n421) = (0, 0);
    for (1 .. 7) {
        my ($s, $g) = greet($lport, '127.0.0.3');
        $n220++ if $g =~ /^220 /;
        $n421++ if $g =~ /^421 /;
        close $s if $s;
        sleep 0.15;   # the dispatcher learns that each one closed
    }
    is($n220, 5, 'MAX_CLIENT_RATE=8: five more in the same minute');
    is($n421, 2, 'then 421');
    like(`cat $dir/dispatcher.log`, qr/refused \[127\.0\.0\.3\]:\d+ on port $lport \(LIMITED\): more than MAX_CLIENT_RATE=8/,
         'the log names the rate refusal');
    like(`cat $dir/dispatcher.log`, qr/refused \[127\.0\.0\.3\]:\d+ on port $lport \(LIMITED\): already MAX_CLIENT_CONNS=3/,
         'and the concurrency refusal');
}

# --- a server killed in mid-session: only its own sessions go ----------------------------------
{
    ok(wait_for(10, sub { $p = pmdf_process($dir, $build);
                          2 == grep { $_->{service} eq 'SMTP' && $_->{state} eq 'active' } @{$p->{servers}} }),
       'MIN_PROCS=2: two SMTP servers') or diag $p->{out};
    my @s;
    for (1 .. 4) {
        my ($s, $g) = greet($port, '127.0.0.1');
        like($g, qr/^220 /, "session $_ open");
        push @s, $s;
        sleep 0.05;
    }
    wait_for(5, sub { $p = pmdf_process($dir, $build);
                      4 == eval { my $t = 0; $t += $_->{conns} for grep { $_->{service} eq 'SMTP' } @{$p->{servers}}; $t } });
    my @smtp = grep { $_->{service} eq 'SMTP' && $_->{state} eq 'active' && $_->{conns} > 0 } @{$p->{servers}};
    is(join(',', map { $_->{conns} } @smtp), '2,2', 'pmdf process: two connections on each of two servers')
        or diag $p->{out};
    my $victim = $smtp[0]{pid};
    kill 'KILL', $victim;
    my ($alive, $dead) = (0, 0);
    for my $s (@s) {
        print $s "EHLO after.kill\r\n";
        my $r = '';
        while (defined(my $l = <$s>)) { $r .= $l; last if $l =~ /^\d{3} / }
        if ($r =~ /^250 /m) {
            print $s "MAIL FROM:<a\@client.example>\r\n"; my $m = <$s>;
            print $s "RCPT TO:<user\@mail.example.com>\r\n"; my $rc = <$s>;
            print $s "DATA\r\n"; my $d = <$s>;
            print $s "Subject: survivor\r\n\r\nstill here\r\n.\r\n"; my $q = <$s>;
            $alive++ if ($q // '') =~ /^250 /;
        } else {
            $dead++;
        }
        close $s;
    }
    is($alive, 2, 'the two sessions of the other server go on and queue their messages');
    is($dead, 2, 'the two of the killed server are gone');
    ok(wait_for(5, sub { `cat $dir/dispatcher.log` =~ /server process $victim of SMTP exited unexpectedly \(signal 9 \(Killed\)\): 2 open connections lost/ }),
       'the log names the crash and the connections lost');
    ok(wait_for(10, sub { $p = pmdf_process($dir, $build);
                          2 <= grep { $_->{service} eq 'SMTP' && $_->{state} eq 'active' && $_->{pid} != $victim } @{$p->{servers}} }),
       'the lost server is replaced (MIN_PROCS=2)') or diag $p->{out};
    my ($s, $g) = greet($port, '127.0.0.1');
    like($g, qr/^220 /, 'new connections are served');
    close $s if $s;
}

# --- pmdf restart dispatcher under a steady load: no connection lost ----------------------------------
SKIP: {
    skip 'python3 not installed (Debian package python3)', 4 unless -x '/usr/bin/python3';
    put("$dir/load.py", <<"PY");
import smtplib, threading, time, sys
stop = time.time() + 4.0
res = {'ok': 0, 'fail': 0, 'err': []}
lock = threading.Lock()
def client(t):
    while time.time() < stop:
        try:
            s = smtplib.SMTP('127.0.0.1', $port, timeout=20)
            s.sendmail('load\@client.example', ['user\@mail.example.com'], 'Subject: steady\\r\\n\\r\\nload\\r\\n')
            s.quit()
            with lock: res['ok'] += 1
        except Exception as e:
            with lock:
                res['fail'] += 1
                res['err'].append(repr(e))
ts = [threading.Thread(target=client, args=(i,)) for i in range(8)]
for t in ts: t.start()
for t in ts: t.join()
print(res['ok'], res['fail'], ';'.join(res['err'][:3]))
PY
    my $load = fork() // die;
    if ($load == 0) { exec("python3 '$dir/load.py' > '$dir/load.out' 2>&1") or die }
    sleep 1;
    my ($rc1, $o1) = run($dir, "$pmdf restart dispatcher");
    sleep 1;
    my ($rc2, $o2) = run($dir, "$pmdf restart dispatcher");
    waitpid($load, 0);
    my ($ok, $fail, $errs) = split ' ', `cat $dir/load.out`, 3;
    ok($rc1 == 0 && $rc2 == 0, 'two restarts during the load') or diag "$o1$o2";
    ok($ok > 20, "the load went on ($ok messages in 4 s)");
    is($fail, 0, 'no connection and no message lost during the restarts') or diag $errs;
    is(scalar(() = `cat $dir/dispatcher.log` =~ /new configuration in use/g), 3,
       'the log names each reload');
}

# --- a bad new configuration: refused with file:line, the old one kept --------------------
{
    put("$table/dispatcher.cnf", cnf(min => 2) . "MIN_PROCS=banana\n");
    my ($rc, $out, $err) = run($dir, "$pmdf restart dispatcher");
    is($rc, 1, 'pmdf restart with a bad configuration fails');
    like($err, qr{dispatcher\.cnf:\d+: MIN_PROCS: .*keeps its old configuration|keeps its old configuration: .*dispatcher\.cnf:\d+: MIN_PROCS},
         'naming file:line and saying the old configuration is kept') or diag $err;
    my ($s, $g) = greet($port, '127.0.0.1');
    like($g, qr/^220 /, 'the dispatcher still serves with the old configuration');
    close $s if $s;
    put("$table/dispatcher.cnf", cnf(min => 2));
}

# --- shutdown: every server goes with the dispatcher ---------------------------------------------
{
    $p = pmdf_process($dir, $build);
    my @pids = map { $_->{pid} } @{$p->{servers}};
    ok(@pids >= 3, 'servers running before the stop');
    is(stop_dispatcher($dpid), 0, 'SIGTERM: the dispatcher exits 0');
    ok(wait_for(5, sub { !grep { kill 0, $_ } @pids }), 'no server process is left');
    like(`cat $dir/dispatcher.log`, qr/dispatcher: stopped$/m, 'the log says stopped');
    ok(!-e "$inst/log/dispatcher.status", 'the status file is removed');
}

# --- pmdf startup / shutdown; job_controller through the same table ---------------------------
{
    my ($rc, $out, $err) = run($dir, "$pmdf startup dispatcher");
    is($rc, 0, 'pmdf startup dispatcher') or diag "$out$err";
    like($out, qr/dispatcher started: process (\d+)/, 'it names the process');
    ok(wait_port($port), 'and it listens');
    ($rc, $out, $err) = run($dir, "$pmdf startup dispatcher");
    is($rc, 1, 'a second startup fails');
    like($err, qr/dispatcher is already running as process \d+/, 'saying it runs already');
    $p = pmdf_process($dir, $build);
    my @pids = map { $_->{pid} } @{$p->{servers}};
    ($rc, $out, $err) = run($dir, "$pmdf shutdown dispatcher");
    is($rc, 0, 'pmdf shutdown dispatcher') or diag "$out$err";
    like($out, qr/dispatcher stopped/, 'it says so');
    ok(!grep({ kill 0, $_ } @pids), 'its servers are gone too');
    ($rc, $out) = run($dir, "$pmdf shutdown dispatcher");
    like($out, qr/dispatcher is not running/, 'shutdown when stopped: said, not an error');
    ($rc, $out, $err) = run($dir, "env PMDF_EXE=$dir/noexe/ $pmdf STARTUP JOB_CONTROLLER");
    is($rc, 1, 'pmdf startup job_controller without its program');
    like($err, qr/cannot start job_controller: its program PMDF_EXE:job_controller \(.*\) does not exist/,
         'a clear error naming PMDF_EXE:job_controller');
    ($rc, $out, $err) = run($dir, "$pmdf STARTUP JOB_CONTROLLER");
    is($rc, 0, 'PMDF STARTUP JOB_CONTROLLER through the same table') or diag "$out$err";
    ($rc, $out, $err) = run($dir, "$pmdf shutdown job_controller");
    is($rc, 0, 'pmdf shutdown job_controller') or diag "$out$err";
    ($rc, $out, $err) = run($dir, "$pmdf startup frobnicator");
    like($err, qr/unknown component "frobnicator": one of dispatcher, job_controller/, 'an unknown component');
}

# --- as root: the ports are bound first, then USER= is become for good ---------------------
SKIP: {
    my $uid = getpwnam('nobody');
    skip 'not root, or no user nobody: privileges cannot be dropped here', 5
        unless $> == 0 && defined $uid;
    system("chown -R nobody '$inst/log' '$inst/queue' '$table/server_priv.pem'") == 0 or die;
    put("$table/dispatcher.cnf", "USER=nobody\n" . cnf(min => 1));
    my $d2 = start_dispatcher($dir, $build);
    ok(wait_port($port), 'started as root with USER=nobody') or diag `tail -5 $dir/dispatcher.log`;
    my $uids = sub { open(my $f, '<', "/proc/$_[0]/status") or return ''; my ($l) = grep { /^Uid:/ } <$f>; $l // '' };
    like($uids->($d2), qr/^Uid:\s+$uid\s+$uid\s+$uid\s+$uid\s*$/, 'the dispatcher runs as nobody (real, effective, saved)');
    ok(wait_for(5, sub { $p = pmdf_process($dir, $build); grep { $_->{state} eq 'active' } @{$p->{servers}} }),
       'its servers start') or diag $p->{out};
    my ($srv) = grep { $_->{service} eq 'SMTP' } @{$p->{servers}};
    like($uids->($srv ? $srv->{pid} : 0), qr/^Uid:\s+$uid\s/, 'and so do its servers');
    like(`cat $dir/dispatcher.log`, qr/ports bound; now running as user nobody/, 'the log says so');
    stop_dispatcher($d2);
}

done_testing();
