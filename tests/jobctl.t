#!/usr/bin/perl
# jobctl.t - the job controller with real components: tcp_smtp_server
# takes mail (swaks, smtp-source), job_controller runs pmdf_deliver by
# itself (no manual runs) into a Maildir, the bitbucket, and Postfix's
# smtp-sink through two SMTP channels of one pool; the pool and channel
# job limits hold (counted from the controller's log); the PID file keeps a
# second copy out; SIGHUP reads the configuration again (a broken one is
# refused and the old one kept); a channel program that crashes is logged
# and its message retried later; SIGTERM stops it cleanly and a restart
# delivers what was queued meanwhile.
# Needs swaks and smtp-sink (Debian packages swaks, postfix); skips loudly
# without them.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use PmdfTest qw(instance free_port start_server stop_server run wait_port queue_files);
use JobTest qw(relay_config write_jobcnf start_jobctl stop_pid start_sink sink_files sink_ids
               wait_until max_running jobs_started have_sink);

plan skip_all => 'swaks not installed (Debian package swaks)' unless -x '/usr/bin/swaks';
plan skip_all => 'smtp-sink/smtp-source not installed (Debian package postfix)'
    unless have_sink() && -x '/usr/sbin/smtp-source';

my ($dir, $inst, $build, $top) = instance();
my $sink_port = free_port();
my $port = free_port();
relay_config($inst, sink_port => $sink_port, pool => 'SINKPOOL', maxjobs => 2,
             rules => "crash.example\t\t\t\$U%crash.example\@TCP-CRASH\n",
             extra => "\ntcp_crash smtp nomx daemon 127.0.0.1 port $sink_port\nTCP-CRASH\n");
# A channel program that crashes: it kills itself.
open(my $cs, '>', "$dir/crash.sh") or die;
print $cs "#!/bin/sh\necho \"crash.sh \$*\" >> '$dir/crash.runs'\nkill -9 \$\$\n";
close $cs;
chmod 0755, "$dir/crash.sh";
my $jobcnf = <<"EOF";
! A long scan interval: delivery within seconds proves the wake-ups.
SCAN_INTERVAL=300
MESSAGES_PER_JOB=5
CRASH_RETRY=1
[POOL=DEFAULT]
JOB_LIMIT=4
[POOL=SINKPOOL]
JOB_LIMIT=3
[CHANNEL=tcp_crash]
MASTER_COMMAND=$dir/crash.sh -channel=\$CHANNEL
EOF
write_jobcnf($inst, $jobcnf);

my $sink = start_sink($dir, $sink_port);
ok(wait_port($sink_port), 'smtp-sink listens') or BAIL_OUT('no sink');
my $srv = start_server($dir, $build, "-port=$port", '-listen=127.0.0.1');
ok(wait_port($port), 'tcp_smtp_server listens') or BAIL_OUT('no server');
my $jc = start_jobctl($dir, $build);
ok(wait_until(10, sub { -S "$inst/log/job_controller.sock" }), 'the job controller is up (its wake-up socket exists)')
    or BAIL_OUT('no job controller: ' . `cat $dir/jc.log`);
open(my $pf, '<', "$inst/log/job_controller.pid");
my $pidtext = <$pf> // '';
close $pf;
is($pidtext, "$jc\n", 'PMDF_LOG:job_controller.pid holds its process id');
my ($rc, $out, $err) = run($dir, "'$build/bin/job_controller'");
isnt($rc, 0, 'a second copy refuses to start');
like($err, qr/already running as process $jc/, '... naming the one running');

sub swaks {
    my ($to, @more) = @_;
    my ($c, $o, $e) = run($dir, "swaks --server 127.0.0.1:$port --from sender\@client.example"
                          . " --to $to @more");
    return $c;
}
sub jclog { local $/; open(my $f, '<', "$dir/jc.log") or return ''; my $t = <$f>; close $f; $t }

# 1. Local delivery, with nobody running pmdf_deliver by hand.
is(swaks('user@mail.example.com', '--header', "'Subject: jobctl local'"), 0, 'swaks: mail for a local user');
ok(wait_until(15, sub { my @f = glob("$inst/mailbox/user/new/*"); @f == 1 }),
   'it reaches the Maildir by itself (job controller -> pmdf_deliver -channel=l)');
is(scalar(queue_files($inst, 'l')), 0, 'and leaves the l queue');

# 2. The bitbucket.
is(swaks('nobody@discard.example'), 0, 'swaks: mail for the bitbucket channel');
ok(wait_until(15, sub { !queue_files($inst, 'bitbucket') && jclog() =~ /channel bitbucket, exit status 0/ }),
   'the bitbucket job ran and emptied its queue');

# 3. 200 messages to two SMTP channels of one pool, into smtp-sink.
my ($src_rc) = run($dir, "/usr/sbin/smtp-source -m 100 -s 10 -l 512 -f s\@client.example"
                   . " -t r1\@sink.example 127.0.0.1:$port & /usr/sbin/smtp-source -m 100 -s 10 -l 512"
                   . " -f s\@client.example -t r2\@sink2.example 127.0.0.1:$port; wait");
is($src_rc, 0, 'smtp-source: 2 x 100 messages accepted');
ok(wait_until(40, sub { sink_files($dir) >= 200 }), 'all 200 reach smtp-sink')
    or diag(scalar(sink_files($dir)) . ' arrived; ' . jclog());
ok(wait_until(10, sub { !queue_files($inst, 'tcp_sink') && !queue_files($inst, 'tcp_sink2') }),
   'the SMTP channels\' queues are empty');
my $log = jclog();
my $pool_max = max_running($log, 'pool', 'SINKPOOL');
ok($pool_max <= 3, "pool SINKPOOL never ran more than its JOB_LIMIT of 3 jobs (at most $pool_max)");
ok($pool_max >= 2, "jobs did run side by side ($pool_max at once)");
my ($c1, $c2) = (max_running($log, 'channel', 'tcp_sink'), max_running($log, 'channel', 'tcp_sink2'));
ok($c1 <= 2 && $c2 <= 2, "no channel ran more than its maxjobs of 2 ($c1, $c2)");
my @sizes = (jobs_started($log, 'tcp_sink'), jobs_started($log, 'tcp_sink2'));
ok(!grep({ $_ > 5 } @sizes), 'no job was given more than MESSAGES_PER_JOB=5 messages');
my %ids;
$ids{$_}++ for sink_ids($dir);
is(scalar(grep { $ids{$_} > 1 } keys %ids), 0, 'no message reached the sink twice');
# The job controller applies the jobs' events as they arrive: the last ones
# may follow the last file's removal by a moment.
my $delivered_re = qr/Channel tcp_sink .*\n(?:(?!Channel).*\n)*?\s+Delivered\s+100\s+100\n/;
wait_until(10, sub { ($rc, $out) = run($dir, "'$build/bin/pmdf' counters -show -channel=tcp_sink*");
                     $out =~ $delivered_re });
like($out, qr/Channel tcp_sink .*\n.*\n\s+Enqueued\s+100\s+100/, 'counters: tcp_sink enqueued 100 messages, 100 recipients')
    or diag $out;
like($out, $delivered_re, "counters: the jobs' events counted tcp_sink's 100 messages, 100 recipients delivered")
    or diag $out;

# 4. A channel program that crashes: logged, the message kept and retried later.
is(swaks('x@crash.example'), 0, 'swaks: mail for the crashing channel');
ok(wait_until(15, sub { jclog() =~ /job \d+ ended: channel tcp_crash, signal 9 \(Killed\).*tried again in 1 s/ }),
   'the crash is logged with the signal and the retry delay');
ok(wait_until(15, sub { my @r = `cat '$dir/crash.runs' 2>/dev/null`; @r >= 2 }),
   'the message is tried again later (CRASH_RETRY=1)');
is(scalar(queue_files($inst, 'tcp_crash')), 1, 'and is still in the queue, untouched');
like(`cat '$dir/crash.runs'`, qr/-channel=tcp_crash -message=ZZ[0-9a-f]{24}\.00/,
     'the channel program got -channel=NAME -message=NAME');

# 5. SIGHUP: a broken configuration is refused, a good one is taken.
write_jobcnf($inst, "$jobcnf\nNO_SUCH_OPTION=1\n");
kill 'HUP', $jc;
ok(wait_until(10, sub { jclog() =~ /SIGHUP: the configuration has an error; keeping the old one: .*NO_SUCH_OPTION/ }),
   'SIGHUP with a broken file: refused with file:line, the old configuration kept');
# The new file: the crash channel gets the default program back, and
# tcp_sink a wrapper that notes its arguments, then runs pmdf_deliver.
open(my $ws, '>', "$dir/wrap.sh") or die;
print $ws "#!/bin/sh\necho \"wrap.sh \$*\" >> '$dir/wrap.runs'\nexec '$build/bin/pmdf_deliver' \"\$@\"\n";
close $ws;
chmod 0755, "$dir/wrap.sh";
(my $good = $jobcnf) =~ s/\[CHANNEL=tcp_crash\]\n.*\n//;
$good .= "[CHANNEL=tcp_sink]\nMASTER_COMMAND=$dir/wrap.sh -channel=\$CHANNEL\n";
write_jobcnf($inst, $good);
kill 'HUP', $jc;
ok(wait_until(10, sub { jclog() =~ /SIGHUP: configuration read again/ }), 'SIGHUP with a good file: read again');
($src_rc) = run($dir, "/usr/sbin/smtp-source -m 6 -s 1 -l 256 -f s\@client.example -t r3\@sink.example 127.0.0.1:$port");
ok(wait_until(20, sub { sink_files($dir) >= 206 && !queue_files($inst, 'tcp_sink') }), 'mail still flows after SIGHUP');
like(`cat '$dir/wrap.runs' 2>/dev/null`, qr/^wrap.sh -channel=tcp_sink -message=ZZ/m,
     'the new MASTER_COMMAND of [CHANNEL=tcp_sink] is used');
ok(wait_until(15, sub { !queue_files($inst, 'tcp_crash') }),
   'without its crashing MASTER_COMMAND, the crash channel\'s message is delivered too');

# 6. SIGTERM, mail queued meanwhile, restart.
is(stop_pid($jc, 'TERM', 40), 0, 'SIGTERM: the job controller exits 0');
ok(!-e "$inst/log/job_controller.sock", 'and removes its socket');
is(swaks('user@mail.example.com', '--header', "'Subject: while stopped'"), 0, 'mail queued while it is stopped');
select(undef, undef, undef, 0.5);
is(scalar(queue_files($inst, 'l')), 1, '... stays queued');
$jc = start_jobctl($dir, $build);
ok(wait_until(15, sub { my @f = glob("$inst/mailbox/user/new/*"); @f == 2 }),
   'after a restart its first scan delivers it');
is(stop_pid($jc, 'TERM', 40), 0, 'clean stop');
is(stop_server($srv), 0, 'tcp_smtp_server stops cleanly');
stop_pid($sink, 'TERM', 5);
unlike(jclog(), qr/panic|AddressSanitizer|runtime error/, 'no sanitizer report or panic in the log');
done_testing();
