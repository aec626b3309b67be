#!/usr/bin/perl
# jobctl_crash.t - SIGKILL the job controller and the pmdf_deliver jobs it
# runs in the middle of a relay of 5,000 messages (tcp_smtp_server ->
# job_controller -> pmdf_deliver -> Postfix's smtp-sink), start the job
# controller again, and check that every message the SMTP server
# acknowledged reaches the sink: none lost.  A message can arrive twice
# (the sink took it, then the deliverer died before removing it from the
# queue): duplicates are counted and reported as a TAP diag line, not
# failed, as with any MTA that crashes between the remote 250 and its own
# bookkeeping.
#
# JOBCTL_CRASH_MESSAGES sets the number of messages (default 5000; 1000
# when PMDF_SANITIZE=1, which "make check SANITIZE=1" sets, as the
# sanitizers make every process several times slower).
# Needs python3 and smtp-sink (Debian packages python3, postfix).
use strict;
use warnings;
use Test::More;
use FindBin;
use POSIX ();
use lib "$FindBin::Bin/lib";
use PmdfTest qw(instance free_port start_server run wait_port queue_files);
use JobTest qw(relay_config write_jobcnf start_jobctl stop_pid start_sink sink_files sink_ids
               wait_until have_sink);

plan skip_all => 'python3 not installed (Debian package python3)' unless -x '/usr/bin/python3';
plan skip_all => 'smtp-sink not installed (Debian package postfix)' unless have_sink();
my $n = $ENV{JOBCTL_CRASH_MESSAGES} || ($ENV{PMDF_SANITIZE} ? 1000 : 5000);
my $threads = 10;
my $per = int($n / $threads);
$n = $per * $threads;

my ($dir, $inst, $build, $top) = instance();
my $sink_port = free_port();
my $port = free_port();
relay_config($inst, sink_port => $sink_port, pool => 'DEFAULT', maxjobs => 4);
write_jobcnf($inst, <<'EOF');
SCAN_INTERVAL=2
MESSAGES_PER_JOB=50
CRASH_RETRY=1
BUSY_RETRY=1
[POOL=DEFAULT]
JOB_LIMIT=4
EOF
my $sink = start_sink($dir, $sink_port);
ok(wait_port($sink_port), 'smtp-sink listens') or BAIL_OUT('no sink');
my $srv = start_server($dir, $build, "-port=$port", '-listen=127.0.0.1');
ok(wait_port($port), 'tcp_smtp_server listens') or BAIL_OUT('no server');
my $jc = start_jobctl($dir, $build);
ok(wait_until(10, sub { -S "$inst/log/job_controller.sock" }), 'job_controller is up')
    or BAIL_OUT('no job controller');

# The load: unique messages; every 250 is written down as it arrives.
open(my $pf, '>', "$dir/load.py") or die;
print $pf <<"PY";
import smtplib, threading
out = open('$dir/acked.txt', 'w')
lock = threading.Lock()
def client(t):
    s = None
    for i in range($per):
        try:
            if s is None:
                s = smtplib.SMTP('127.0.0.1', $port, timeout=60)
                s.ehlo('load.example')
            body = ('Subject: relay crash %d-%d\\r\\nMessage-ID: <m%d.%d\@load.example>\\r\\n\\r\\n' % (t, i, t, i)
                    + 'line of message %d-%d\\r\\n' % (t, i) * 10)
            s.mail('load\@client.example')
            s.rcpt('r\@sink.example')
            code, resp = s.data(body)
            if code == 250:
                with lock:
                    out.write('m%d.%d\\n' % (t, i))
                    out.flush()
        except Exception:
            s = None
ts = [threading.Thread(target=client, args=(t,)) for t in range($threads)]
for t in ts: t.start()
for t in ts: t.join()
PY
close $pf;
my $load = fork() // die;
if ($load == 0) { exec('python3', "$dir/load.py") or die }

# When a fifth has reached the sink: kill the controller and its jobs.
ok(wait_until(60, sub { sink_files($dir) >= $n / 5 }), 'the relay runs (a fifth delivered)')
    or diag(scalar(sink_files($dir)) . ' delivered; ' . `tail -5 '$dir/jc.log'`);
my $log = `cat '$dir/jc.log'`;
my %running = map { $_ => 1 } $log =~ /job (\d+) started:/g;
delete $running{$_} for $log =~ /job (\d+) ended:/g;
kill 'KILL', $jc;
waitpid($jc, 0);
my $killed = 0;
for my $pid (keys %running) {
    my $cmd = `cat /proc/$pid/cmdline 2>/dev/null`;
    next unless $cmd =~ /pmdf_deliver/;
    $killed += kill('KILL', $pid);
}
my $at_kill = sink_files($dir);
diag("SIGKILL: job_controller and $killed running pmdf_deliver jobs, with $at_kill of $n messages at the sink");
ok($at_kill < $n, 'the kill came in the middle of the relay');
select(undef, undef, undef, 0.3);
$jc = start_jobctl($dir, $build);
ok(wait_until(15, sub { my @s = `cat '$dir/jc.log'` =~ /^job_controller: started: /mg; @s == 2 }),
   'job_controller starts again at once (the PID file of the killed one is no obstacle)');
# Bounded: a wedged server must fail the test, not hang the suite.
my $load_done = wait_until(120, sub { waitpid($load, POSIX::WNOHANG()) == $load });
ok($load_done, 'the load finished (within 120 s)')
    or do { kill 'KILL', $load; waitpid($load, 0); diag(`tail -20 '$dir/server.log'`) };
open(my $a, '<', "$dir/acked.txt") or die;
my @acked = map { chomp; $_ } <$a>;
close $a;
ok(@acked > $n * 0.9, scalar(@acked) . " of $n messages were acknowledged by tcp_smtp_server");
ok(wait_until(90, sub { !queue_files($inst, 'tcp_sink') && sink_files($dir) >= @acked }),
   'the queue empties after the restart')
    or diag(scalar(queue_files($inst, 'tcp_sink')) . ' files left; ' . scalar(sink_files($dir)) . ' at the sink');
my (%got, $dups);
$got{$_}++ for sink_ids($dir);
$dups = 0;
$dups += $got{$_} - 1 for grep { $got{$_} > 1 } keys %got;
my @lost = grep { !$got{"$_\@load.example"} } @acked;
is(scalar(@lost), 0, 'no acknowledged message is lost: every one reached smtp-sink')
    or diag('lost: ' . join(' ', @lost[0 .. ($#lost < 9 ? $#lost : 9)]));
diag("crash relay: $n sent, " . scalar(@acked) . " acknowledged, " . scalar(keys %got)
     . " distinct at the sink, lost " . scalar(@lost) . ", duplicates $dups");
my $later = `cat '$dir/jc.log'`;
like($later, qr/job \d+ started: channel tcp_sink/, 'the restarted controller ran jobs');
my @cache_warn = `cat '$dir/server.log' '$dir/jc.log'` =~ /(warning: (?:queue cache|counters): .*)/g;
diag(scalar(@cache_warn) . " queue cache / counters warnings after the kill" . (@cache_warn ? ", the first: $cache_warn[0]" : ''));
is(stop_pid($jc, 'TERM', 40), 0, 'job_controller stops cleanly');
is(stop_pid($srv, 'TERM', 30), 0, 'tcp_smtp_server stops cleanly') or diag(`tail -40 '$dir/server.log'`);
stop_pid($sink, 'TERM', 5);
done_testing();
