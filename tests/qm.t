#!/usr/bin/perl
# qm.t - pmdf qm, every command, non-interactive (-command, standard
# input) and once interactive through a pseudo-terminal (script(1)), on
# messages queued by the real tcp_smtp_server (no job controller runs, so
# the queue stays put, and every program keeps the queue cache and the
# counters itself); plus pmdf counters, and at the end the queue events
# that tcp_smtp_server and "qm hold/release" send to a job controller
# (qnotify.h), read here from the socket the job controller would own.
use strict;
use warnings;
use Test::More;
use FindBin;
use IO::Socket::UNIX;
use Socket qw(SOCK_DGRAM);
use lib "$FindBin::Bin/lib";
use PmdfTest qw(instance free_port start_server stop_server run wait_port queue_files read_queue sq);

plan skip_all => 'python3 not installed (Debian package python3)' unless -x '/usr/bin/python3';
my ($dir, $inst, $build, $top) = instance();
my $pmdf = "$build/bin/pmdf";
sub qm { my ($args, $stdin) = @_; return run($dir, "'$pmdf' qm $args", $stdin) }

my $port = free_port();
my $srv = start_server($dir, $build, "-port=$port", '-listen=127.0.0.1');
ok(wait_port($port), 'tcp_smtp_server listens') or BAIL_OUT('no server');
sub send_mail {
    my ($from, $to, $subject) = @_;
    my ($rc, $out, $err) = run($dir, "python3 -c " . sq("import smtplib; s=smtplib.SMTP('127.0.0.1', $port); "
        . "s.sendmail('$from', " . (ref $to ? "[" . join(',', map { "'$_'" } @$to) . "]" : "['$to']")
        . ", 'Subject: $subject\\r\\nMessage-ID: <$subject\@test>\\r\\n\\r\\nbody of $subject\\r\\n'); print('ok')"));
    return $out eq "ok\n";
}
ok(send_mail('alice@client.example', 'user@mail.example.com', 'first'), 'message 1 queued (to l)');
ok(send_mail('bob@client.example', ['x@remote.example', 'y@remote.example'], 'second'), 'message 2 queued (to tcp_local, 2 recipients)');
ok(send_mail('carol@client.example', 'user@mail.example.com', 'third'), 'message 3 queued (to l)');
ok(send_mail('', 'user@mail.example.com', 'fourth'), 'message 4 queued (from <>)');
my @l = queue_files($inst, 'l');
my @t = queue_files($inst, 'tcp_local');
is(scalar(@l) . '/' . scalar(@t), '3/1', 'three files in l, one in tcp_local');
my ($first) = $l[0] =~ m{(ZZ[0-9a-f]{24})\.00$};

# directory
my ($rc, $out, $err) = qm('-command=directory');
is($rc, 0, 'directory: exit 0') or diag $err;
like($out, qr/^Channel: l\n/m, 'directory: the l channel');
like($out, qr/^Channel: tcp_local\n/m, 'directory: the tcp_local channel');
like($out, qr/^\s+1\s+\Q$first\E\.00\s+\d+\s+alice\@client\.example\s+1\s+0:00:\d\d\s+-$/m,
     'directory: number, file, size, From, recipients, age, held');
like($out, qr/^\s+4\s+ZZ\S+\.00\s+\d+\s+bob\@client\.example\s+2\s/m, '... 2 recipients for message 2, numbered 4 (channels in order)');
like($out, qr/^\s+\d\s+ZZ\S+\s+\d+\s+<>\s+1\s/m, '... <> for the null sender');
like($out, qr/^Total: 4 messages, 5 recipients, \d+ bytes$/m, 'directory: the total');
($rc, $out) = qm('-command="directory tcp_local"');
unlike($out, qr/Channel: l\b/, 'directory CHANNEL: only that channel');
like($out, qr/Total: 1 message, 2 recipients/, '... with its total');
($rc, $out) = qm('-command="directory tcp_*"');
like($out, qr/Total: 1 message/, 'directory with a wildcard');

# read / view, by number and by name
($rc, $out) = qm('-command="directory; read 1"');
like($out, qr/Message \Q$first\E\.00 in channel l\n/, 'read 1: the message of the last listing');
like($out, qr/From:\s+<alice\@client\.example>/, 'read: the envelope From');
like($out, qr/1\. <user\@mail\.example\.com>/, 'read: the recipients');
like($out, qr/Client:\s+127\.0\.0\.1/, 'read: the client');
like($out, qr/-------- message --------\n.*Subject: first\n.*body of first\n/s, 'read: the message, with LF line ends');
($rc, $out) = qm("-command=\"view $first -nocontent\"");
like($out, qr/Message \Q$first\E\.00 in channel l/, 'view by stem');
unlike($out, qr/-------- message/, 'view -nocontent: the envelope only');
($rc, $out, $err) = qm('-command="read 1"');
isnt($rc, 0, 'read 1 without a listing fails');
like($err, qr/no message number 1 in the last directory listing \(there is none: run "directory" first\)/, '... saying why');
($rc, $out, $err) = qm('-command="directory; read 99"');
like($err, qr/no message number 99 in the last directory listing/, 'read 99: no such number');
($rc, $out, $err) = qm('-command="read ZZ000000000000000000000000"');
like($err, qr/no message ZZ000000000000000000000000 in the queue/, 'read of an unknown id');
($rc, $out, $err) = qm('-command="read junk"');
like($err, qr/"junk" is not a message id/, 'read of something that is no id');

# hold / release
($rc, $out) = qm("-command=\"hold $first\"");
is($rc, 0, 'hold: exit 0');
like($out, qr/Held \Q$first\E\.00 \(l\): now \Q$first\E\.HELD/, 'hold: says what it did');
ok(-f "$inst/queue/l/$first.HELD" && !-f "$inst/queue/l/$first.00", 'hold: the file is now .HELD');
($rc, $out) = qm('-command="directory -held"');
like($out, qr/\Q$first\E\.HELD .* held$/m, 'directory -held lists it, marked held');
like($out, qr/Total: 1 message/, '... and only it');
($rc, $out) = qm('-command="directory/noheld"');
unlike($out, qr/HELD/, 'directory/noheld (DCL form) leaves it out');
($rc, $out) = qm("-command=\"hold $first\"");
like($out, qr/already held/, 'hold again: already held');
($rc, $out) = run($dir, "'$pmdf' cache -synchronize");
like($out, qr/0 added, 0 removed/, 'the queue cache followed the rename (cache -synchronize finds nothing to fix)') or diag $out;
($rc, $out) = qm("-command=\"release $first\"");
like($out, qr/Released \Q$first\E\.HELD \(l\): now \Q$first\E\.00/, 'release: back to .00');
ok(-f "$inst/queue/l/$first.00", 'release: the file is .00 again');

# A message being delivered is locked: hold and delete leave it alone.
my $locked = "$inst/queue/l/$first.00";
my $locker = fork() // die;
if ($locker == 0) {
    exec('python3', '-c', "import fcntl, time; f = open('$locked', 'r+'); "
         . "fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB); open('$dir/locked', 'w'); time.sleep(30)");
}
for (1 .. 100) { last if -e "$dir/locked"; select(undef, undef, undef, 0.05) }
($rc, $out, $err) = qm("-command=\"hold $first; delete $first\"");
like($err, qr/hold: \Q$first\E\.00 is being delivered right now; try again/, 'hold of a locked message: busy');
like($err, qr/delete: \Q$first\E\.00 is being delivered right now/, 'delete of a locked message: busy');
ok(-f $locked, '... and the file is untouched');
kill 'KILL', $locker;
waitpid($locker, 0);

# delete
($rc, $out) = qm('-command="directory l; delete 2"');
my ($second_l) = $out =~ /^\s+2\s+(ZZ\S+)/m;
like($out, qr/Deleted \Q$second_l\E \(l\)/, 'delete 2: says what it deleted');
ok(!-e "$inst/queue/l/$second_l", 'delete: the file is gone');
($rc, $out) = run($dir, "'$pmdf' cache -synchronize");
like($out, qr/0 added, 0 removed/, 'delete removed the cache entry too') or diag $out;

# return
($rc, $out) = qm("-command=\"directory tcp_local; return 1\"");
my ($ret) = $out =~ /^\s+1\s+(ZZ\S+)/m;
like($out, qr/Returned \Q$ret\E \(tcp_local\) to bob\@client\.example/, 'return 1: returned to the sender');
ok(!-e "$inst/queue/tcp_local/$ret", 'return: the message is gone');
my @dsn = grep { !/\Q$ret\E/ } queue_files($inst, 'tcp_local');
is(scalar(@dsn), 1, 'return: a notification is queued for the sender (channel tcp_local)');
my $q = read_queue($dsn[0]);
is($q->{from}, '', 'the notification comes from <>');
is($q->{rcpt}[0]{addr}, 'bob@client.example', '... to the original sender');
like($q->{message}, qr/Content-Type: multipart\/report; report-type=delivery-status/, '... an RFC 3464 report');
like($q->{message}, qr/Status: 5\.0\.0/, '... status 5.0.0');
like($q->{message}, qr/returned by the postmaster/, '... returned by the postmaster');
like($q->{message}, qr/Final-Recipient: rfc822;x\@remote\.example.*Final-Recipient: rfc822;y\@remote\.example/s,
     '... for both recipients');
like($q->{message}, qr/Subject: second/, '... with the original message');
my $mlog = `cat '$inst/log/mail.log_current'`;
like($mlog, qr/ tcp_local tcp_local R \d+ bob\@client\.example .*x\@remote\.example \S+ returned by the postmaster$/m,
     'return: an R entry in the mail log');
($rc, $out) = qm('-command="directory l; return 2"');
like($out, qr/Returned \S+ \(l\) to nobody: the sender is <>; removed only/, 'return of a <> message: removed only');
is(scalar(queue_files($inst, 'l')), 1, '... and no notification is queued for it');

# summarize, counters
($rc, $out) = qm('-command=summarize');
like($out, qr/^l\s+1\s+0\s+1\s+\d+\s+0:00:\d\d$/m, 'summarize: l has 1 message');
like($out, qr/^tcp_local\s+1\s+0\s+1\s/m, 'summarize: tcp_local has the notification');
like($out, qr/^Total\s+2\s+0\s+2\s/m, 'summarize: the total');
($rc, $out) = qm('-command=counters');
like($out, qr/Channel l \(since .*\)\n.*\n\s+Enqueued\s+3\s+3\n\s+Delivered\s+0\s+0\n\s+Returned\s+1\s+1\n\s+Deferred.*\n\s+Queued now\s+1\s+1/,
     'counters (l): 3 enqueued, 1 returned (the one from <>), 1 deleted, 1 queued now') or diag $out;
like($out, qr/Channel tcp_local .*\n.*\n\s+Enqueued\s+2\s+3\n\s+Delivered\s+0\s+0\n\s+Returned\s+1\s+2\n.*\n\s+Queued now\s+1\s+1/,
     'counters (tcp_local): the notification enqueued, the returned message counted') or diag $out;
my ($rc2, $out2) = run($dir, "'$pmdf' counters -show -channel=tcp_local");
like($out2, qr/\AChannel tcp_local/, 'pmdf counters -show -channel=tcp_local');
unlike($out2, qr/Channel l /, '... only that channel');
($rc2, $out2) = run($dir, "'$pmdf' counters -clear -channel=l");
like($out2, qr/Counters cleared for 1 channel/, 'pmdf counters -clear -channel=l');
($rc2, $out2) = run($dir, "'$pmdf' COUNTERS/SHOW/CHANNEL=l");
like($out2, qr/Enqueued\s+0\s+0\n.*\n.*\n.*\n\s+Queued now\s+1\s+1/, 'after -clear: zero, queued taken from the queue (DCL syntax)')
    or diag $out2;

# history, exit, unknown commands, standard input, ;-lists
($rc, $out) = qm('-command="summarize; dir l; history; exit; directory"');
like($out, qr/^\s+1  summarize\n\s+2  dir l\n\s+3  history\n/m, 'history: the commands of the session, numbered');
unlike($out, qr/Total: \d+ message.*\n.*Total: \d+ message/s, 'nothing runs after exit');
($rc, $out, $err) = qm('-command="frobnicate"');
isnt($rc, 0, 'an unknown command fails the run');
like($err, qr/unknown verb "frobnicate".*"help" lists the commands/, '... naming it');
($rc, $out, $err) = qm('-command="dir; frob; summarize"');
like($out, qr/Channel\s+Messages/, 'and the session goes on after it');
($rc, $out, $err) = qm('', "directory\nsummarize\nquit\ndirectory\n");
is($rc, 0, 'commands on standard input');
unlike($out, qr/qm\.maint>/, '... without prompts when it is not a terminal');
like($out, qr/Total: 2 messages.*Channel\s+Messages/s, '... directory then summarize');
($rc, $out) = qm('-command="help"');
like($out, qr/directory.*release.*summarize/s, 'help lists the commands');
($rc, $out) = run($dir, "'$pmdf' \"QM/COMMAND=(\"\"DIRECTORY/HELD\"\",\"\"SUMMARIZE\"\")\"");
like($out, qr/No messages held.*Channel\s+Messages/s, 'DCL: PMDF QM/COMMAND=("DIRECTORY/HELD","SUMMARIZE")');

# Interactive, through a pseudo-terminal: prompt, readline, history.
SKIP: {
    skip 'script(1) not found (Debian package bsdutils)', 3 unless -x '/usr/bin/script';
    ($rc, $out) = run($dir, "(printf 'directory\\nsummarize\\n\\033[A\\nhistory\\n\\004' | /usr/bin/script -q -c "
                      . sq("'$pmdf' qm") . " /dev/null)");
    like($out, qr/qm\.maint> /, 'interactive: the prompt qm.maint>');
    like($out, qr/Total: 2 messages/, 'interactive: directory runs');
    like($out, qr/\s1  directory\r?\n\s+2  summarize\r?\n\s+3  summarize\r?\n\s+4  history/,
         'interactive: the up arrow recalled the last line (readline history)');
}

# The queue's events, as a job controller would get them: a socket held by
# the test where job_controller's would be (qnotify.h gives the format).
my $sockpath = "$inst/log/job_controller.sock";
my $jc = IO::Socket::UNIX->new(Type => SOCK_DGRAM, Local => $sockpath) or die "socket: $!";
$jc->blocking(0);
sub events {
    my @ev;
    for (1 .. 40) {
        my $buf;
        while (defined $jc->recv($buf, 65536) && length $buf) {
            my ($magic, $rest) = unpack('N a*', $buf);
            push @ev, { type => 'foreign' } and next unless $magic == 0x50514531;
            while (length $rest) {
                my ($type);
                ($type, $rest) = unpack('N a*', $rest);
                my %e;
                if ($type == 1) {
                    my ($sh, $sl, $ch, $cl);
                    (@e{qw(channel name)}, $sh, $sl, $ch, $cl, $e{from}, $e{nrcpt}, $e{envid}, $e{wake}, $rest)
                        = unpack('N/a N/a N N N N N/a N N/a N a*', $rest);
                    @e{qw(type size created)} = ('add', $sh * 2**32 + $sl, $ch * 2**32 + $cl);
                } elsif ($type == 2) {
                    (@e{qw(channel name)}, $rest) = unpack('N/a N/a a*', $rest);
                    $e{type} = 'del';
                } elsif ($type == 3) {
                    my @n;
                    ($e{channel}, @n[0 .. 19], $rest) = unpack('N/a ' . ('N ' x 20) . 'a*', $rest);
                    $e{type} = 'count';
                    $e{enqueued} = ($n[0] * 2**32 + $n[1]) . '/' . ($n[2] * 2**32 + $n[3]);
                } else {
                    push @ev, { type => "unknown $type" };
                    last;
                }
                push @ev, \%e;
            }
            $buf = '';
        }
        last if @ev;
        select(undef, undef, undef, 0.05);
    }
    return @ev;
}
sub show { join ' ', map { join ',', map { "$_=" . ($_[0]{$_} // '') } sort keys %{$_[0]} } @_ }
ok(send_mail('dave@client.example', 'user@mail.example.com', 'fifth'), 'message 5 queued, a job controller listening');
my @ev = events();
my ($add) = grep { $_->{type} eq 'add' } @ev;
my ($count) = grep { $_->{type} eq 'count' } @ev;
ok($add && $add->{channel} eq 'l' && $add->{name} =~ /\AZZ[0-9a-f]{24}\.00\z/ && $add->{wake} == 1
   && $add->{from} eq 'dave@client.example' && $add->{nrcpt} == 1,
   'tcp_smtp_server told the job controller: a new message in l, due now, with its sender') or diag show(@ev);
ok(-f "$inst/queue/l/$add->{name}", '... the file it names') if $add;
ok($count && $count->{channel} eq 'l' && $count->{enqueued} eq '1/1', '... and to count it enqueued')
    or diag show(@ev);
my $fifth = $add ? $add->{name} : 'none';
($rc, $out) = run($dir, "'$pmdf' cache -synchronize");
like($out, qr/1 added/, 'the job controller (here: nobody) keeps the cache: the sender did not write it')
    or diag $out;
(my $stem5 = $fifth) =~ s/\.00\z//;
qm("-command=\"hold $stem5\"");
@ev = events();
is(show(grep { $_->{type} ne 'count' } @ev), show({ type => 'del', channel => 'l', name => "$stem5.00" },
   { type => 'add', channel => 'l', name => "$stem5.HELD", size => $add->{size}, created => $add->{created},
     from => 'dave@client.example', nrcpt => 1, envid => '', wake => 0 }),
   'hold: the old name removed, the held one added, not due');
qm("-command=\"release $stem5\"");
@ev = events();
ok((grep { $_->{type} eq 'add' && $_->{name} eq "$stem5.00" && $_->{wake} == 1 } @ev)
   && (grep { $_->{type} eq 'del' && $_->{name} eq "$stem5.HELD" } @ev),
   'release: the held name removed, .00 added and due now (the job controller delivers it)') or diag show(@ev);
close $jc;
unlink $sockpath;
qm("-command=\"hold $stem5\"");
($rc, $out) = run($dir, "'$pmdf' cache -synchronize");
like($out, qr/0 added, 0 removed/, 'no job controller any more: qm keeps the cache itself again') or diag $out;

is(stop_server($srv), 0, 'tcp_smtp_server stops cleanly');
done_testing();
