#!/usr/bin/perl
# dispatcher_load.t - the dispatcher's process pool under load:
# - 200 concurrent sessions with MIN_PROCS=2, MAX_PROCS=4, MIN_CONNS=10,
#   MAX_CONNS=40, watched with "pmdf process": never more than 4 servers
#   nor 40 connections a server; the 40 clients beyond that wait in the
#   backlog and are served as others leave; idle servers above MIN_PROCS
#   retire after MAX_IDLE_TIME;
# - 1,000 concurrent idle sessions held, with the memory of the dispatcher
#   and its servers reported (VmRSS before and after, as a TAP diag line);
# - a slow client (one byte a second) cut off by COMMAND_TIMEOUT while
#   others are served at once.
use strict;
use warnings;
use Test::More;
use IO::Socket::INET;
use IO::Select;
use Time::HiRes qw(time sleep);
use FindBin;
use lib "$FindBin::Bin/lib";
use PmdfTest qw(instance free_port run put wait_port start_dispatcher stop_dispatcher
                pmdf_process wait_for);

my ($dir, $inst, $build, $top) = instance();
my $table = "$inst/table";
my $port = free_port();
# COMMAND_TIMEOUT for the servers started from now on (a later line wins).
sub command_timeout {
    open(my $o, '>>', "$table/option.dat") or die;
    print $o "COMMAND_TIMEOUT=$_[0]\n";
    close $o;
}
command_timeout(60);

sub cnf {
    my (%o) = @_;
    return <<"EOF";
INTERFACE_ADDRESS=127.0.0.1
MAX_CLIENT_CONNS=0
MAX_CLIENT_RATE=0
[SERVICE=SMTP]
PORT=$port
IMAGE=PMDF_EXE:tcp_smtp_server
LOGFILE=PMDF_LOG:tcp_smtp_server.log
MIN_PROCS=$o{min_procs}
MAX_PROCS=$o{max_procs}
MIN_CONNS=$o{min_conns}
MAX_CONNS=$o{max_conns}
MAX_IDLE_TIME=$o{idle}
MAX_LIFE_CONNS=100000
EOF
}

# Opens n connections at once; returns the sockets.
sub open_many {
    my ($n) = @_;
    my @s;
    for (1 .. $n) {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Proto => 'tcp')
            or last;
        push @s, $s;
    }
    return @s;
}

# Waits up to $secs for greetings on the sockets not yet greeted (%$greeted).
sub read_greetings {
    my ($socks, $greeted, $secs) = @_;
    my $sel = IO::Select->new(grep { !$greeted->{fileno $_} } @$socks);
    my $end = time + $secs;
    while ($sel->count && time < $end) {
        for my $s ($sel->can_read(0.2)) {
            my $buf = '';
            sysread($s, $buf, 512);
            $greeted->{fileno $s} = 1 if $buf =~ /^220 /;
            $sel->remove($s);
        }
    }
    return scalar(grep { $greeted->{fileno $_} } @$socks);
}

sub smtp_servers {
    my ($p) = @_;
    return grep { $_->{service} eq 'SMTP' && $_->{state} ne 'retiring' } @{$p->{servers}};
}

# --- 200 concurrent sessions: MIN/MAX_PROCS, MAX_CONNS ----------------------------------------
put("$table/dispatcher.cnf", cnf(min_procs => 2, max_procs => 4, min_conns => 10,
                                        max_conns => 40, idle => 2));
my $dpid = start_dispatcher($dir, $build);
ok(wait_port($port), 'the dispatcher listens') or do { diag `cat $dir/dispatcher.log`; BAIL_OUT('no dispatcher') };
my $p;
ok(wait_for(5, sub { $p = pmdf_process($dir, $build); 2 == grep { $_->{state} eq 'active' } smtp_servers($p) }),
   'MIN_PROCS=2: two servers before any client') or diag $p->{out};
{
    my @socks = open_many(200);
    is(scalar @socks, 200, '200 connections opened');
    my %greeted;
    my $n = read_greetings(\@socks, \%greeted, 8);
    is($n, 160, 'MAX_PROCS x MAX_CONNS = 160 sessions are served at once');
    ok(wait_for(5, sub { $p = pmdf_process($dir, $build); my $t = 0; $t += $_->{conns} for smtp_servers($p); $t == 160 }),
       'pmdf process counts 160 connections') or diag $p->{out};
    my @srv = smtp_servers($p);
    is(scalar @srv, 4, 'pmdf process: MAX_PROCS=4 servers, no more') or diag $p->{out};
    ok(!grep({ $_->{conns} > 40 } @srv), 'none holds more than MAX_CONNS=40: '
       . join(' ', map { $_->{conns} } @srv));
    is(read_greetings(\@socks, \%greeted, 1), 160, 'the other 40 wait in the backlog');
    # 100 served clients leave: the waiting ones get their turn.
    my @served = grep { $greeted{fileno $_} } @socks;
    my @rest = grep { !$greeted{fileno $_} } @socks;
    close $_ for @served[0 .. 99];
    is(read_greetings(\@rest, \%greeted, 8), 40, 'the 40 waiting are served once others leave');
    ok(wait_for(5, sub { $p = pmdf_process($dir, $build); my $t = 0; $t += $_->{conns} for smtp_servers($p); $t == 100 }),
       'pmdf process: 100 connections now') or diag $p->{out};
    close $_ for @socks;
    ok(wait_for(10, sub { $p = pmdf_process($dir, $build); 2 == smtp_servers($p) }),
       'idle servers above MIN_PROCS retire after MAX_IDLE_TIME: two left') or diag $p->{out};
    like(`cat $dir/dispatcher.log`, qr/retiring server process \d+ of SMTP \(idle for MAX_IDLE_TIME\)/,
         'the log names the idle retirement');
}
is(stop_dispatcher($dpid), 0, 'the dispatcher stops');

# --- 1,000 concurrent idle sessions, with the memory they cost ----------------------------------
sub rss_kb {
    my ($pid) = @_;
    open(my $f, '<', "/proc/$pid/status") or return 0;
    while (<$f>) { return $1 if /^VmRSS:\s+(\d+)/ }
    return 0;
}
sub total_rss {
    my ($dpid0) = @_;
    my $p0 = pmdf_process($dir, $build);
    my @pids = ($dpid0, map { $_->{pid} } @{$p0->{servers}});
    my $t = 0;
    $t += rss_kb($_) for @pids;
    return ($t, scalar(@pids) - 1);
}
SKIP: {
    skip 'no /proc: memory cannot be measured', 6 unless -r "/proc/$$/status";
    put("$table/dispatcher.cnf", cnf(min_procs => 4, max_procs => 4, min_conns => 250,
                                            max_conns => 300, idle => 600));
    $dpid = start_dispatcher($dir, $build);
    ok(wait_for(5, sub { $p = pmdf_process($dir, $build); 4 == grep { $_->{state} eq 'active' } smtp_servers($p) }),
       'four servers ready') or diag $p->{out};
    sleep 0.3;
    my ($before, $nsrv) = total_rss($dpid);
    my @socks = open_many(1000);
    my %greeted;
    my $n = read_greetings(\@socks, \%greeted, 20);
    is($n, 1000, '1,000 concurrent sessions, each greeted');
    ok(wait_for(5, sub { $p = pmdf_process($dir, $build); my $t = 0; $t += $_->{conns} for smtp_servers($p); $t == 1000 }),
       'pmdf process counts them') or diag $p->{out};
    sleep 0.5;
    my ($after) = total_rss($dpid);
    my $per = ($after - $before) / 1000;
    diag(sprintf('1,000 idle sessions: dispatcher + %d servers VmRSS %d KB before, %d KB with'
                 . ' the sessions open: %d KB in all, %.1f KB a session', $nsrv, $before, $after,
                 $after - $before, $per));
    ok($after > $before && $per < 128, sprintf('memory within sane bounds (%.1f KB a session)', $per));
    close $_ for @socks;
    is(stop_dispatcher($dpid), 0, 'the dispatcher stops with 1,000 sessions closing');
}

# --- a slow client: one byte a second never finishes a command ------------------------------
{
    command_timeout(3);
    put("$table/dispatcher.cnf", cnf(min_procs => 1, max_procs => 2, min_conns => 10,
                                            max_conns => 100, idle => 600));
    $dpid = start_dispatcher($dir, $build);
    ok(wait_port($port), 'the dispatcher listens again');
    my $slow = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Proto => 'tcp');
    my $g = <$slow>;
    my $t0 = time;
    my $sent = 0;
    my $slow_pid = fork() // die;
    if ($slow_pid == 0) {
        for my $c (split //, "EHLO slow.example.org") {
            last unless print $slow $c;
            $slow->flush;
            sleep 1;
        }
        exit 0;
    }
    my $q = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Proto => 'tcp');
    my $qg = <$q>;
    print $q "EHLO quick.example\r\n";
    my $r = '';
    while (defined(my $l = <$q>)) { $r .= $l; last if $l =~ /^\d{3} / }
    ok($qg =~ /^220 / && $r =~ /^250 /m && time - $t0 < 1, 'another client is served at once meanwhile');
    close $q;
    my $out = eval {
        local $SIG{ALRM} = sub { die "no timeout\n" };
        alarm 10;
        my $all = join('', <$slow>);
        alarm 0;
        $all;
    } // "(nothing within 10 s: $@)";
    my $waited = time - $t0;
    kill 'TERM', $slow_pid;
    waitpid($slow_pid, 0);
    like($out, qr/^421 4\.4\.2 .*Timeout/m, 'the slow client (a byte a second) gets 421 timeout');
    ok($waited >= 2 && $waited < 6, sprintf('after COMMAND_TIMEOUT=3 (%.1f s), its trickle did not'
                                            . ' extend it', $waited));
    is(stop_dispatcher($dpid), 0, 'the dispatcher stops');
}

done_testing();
