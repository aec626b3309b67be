#!/usr/bin/perl
# deliver.t - pmdf_deliver end to end, with real components and clients:
# our tcp_smtp_server takes mail from swaks and Python's smtplib (DSN
# parameters), pmdf_deliver delivers it, and what arrived is read by
# programs nobody here wrote: Python's mailbox.Maildir for the mailboxes,
# Python's email package for the notifications (field by field), a second
# instance of our server (with TLS) and Postfix's smtp-sink as next hops.
#   l          a known user (Maildir, password database), an unknown user
#              (5.1.1 -> a notification with ORCPT, ENVID, the message),
#              an alias defined after queueing (expanded: ORCPT, ENVID,
#              RET kept, NOTIFY=SUCCESS answered with Action: expanded)
#   tcp_relay  daemon 127.0.0.1 port N, maytls: the message arrives intact
#              at the second instance, over STARTTLS (DS in the log,
#              ESMTPS in its Received:); a recipient it refuses (550) is
#              returned with Remote-MTA and Diagnostic-Code: smtp
#   tcp_sink   smtp-sink -d: the message arrives, dot lines intact
#   tcp_dead   a port nobody listens on: Q, requeued .01, .02 with a delay
#              notice (NOTIFY=DELAY), then returned after the shortened
#              return period (RETURN_UNITS=3: seconds) with Action: failed
#   bitbucket  discarded, logged D
# and a damaged queue file left alone, bad command lines refused.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use PmdfTest qw(instance make_pki free_port start_server stop_server run sq read_queue
                queue_files wait_port read_maildir dsn_of edit put slurp pmdf_deliver
                sanitizer_reports);

my $python = -x '/usr/bin/python3' ? '/usr/bin/python3' : undef;
my $have_swaks = -x '/usr/bin/swaks';
plan skip_all => 'swaks and python3 are needed (Debian packages swaks, python3)'
    unless $have_swaks && $python;

# --- two instances: B is the next hop, A the one under test -----------------------
my ($bdir, $binst, $build, $top) = instance();
my $btailor = $ENV{PMDF_TAILOR};
make_pki($bdir, "$binst/table");
edit("$binst/table/pmdf.cnf", sub {
    s/^(\.\s)/relay.example\t\t\t\$U%relay.example\@mail.example.com\n$1/m;
});
edit("$binst/table/mappings", sub {
    $_ .= "\nSEND_ACCESS\n\n  *|*|l|reject\@relay.example\t\$NNo\$ such\$ user\$ here\n\n";
});
my ($dir, $inst) = instance();
my $atailor = $ENV{PMDF_TAILOR};
my $deliver = "$build/bin/pmdf_deliver";
ok(-x $deliver, 'pmdf_deliver is built') or BAIL_OUT('not built');

my ($pa, $pb, $psink, $pdead, $pold) = map { free_port() } 1 .. 5;
my %system = (discard => 'BITBUCKET-DAEMON', relay => 'TCP-RELAY', sink => 'TCP-SINK',
              dead => 'TCP-DEAD', old => 'TCP-OLD');
my $rules = join '', map { "$_.example\t\t\t\$U%$_.example\@$system{$_}\n" } sort keys %system;
edit("$inst/table/pmdf.cnf", sub {
    s/^(\.\s)/$rules$1/m;
    $_ .= "\nbitbucket\nBITBUCKET-DAEMON\n"
        . "\ntcp_relay smtp daemon 127.0.0.1 port $pb maytls single_sys\nTCP-RELAY\n"
        . "\ntcp_sink smtp daemon 127.0.0.1 port $psink notls\nTCP-SINK\n"
        . "\ntcp_old smtp daemon 127.0.0.1 port $pold\nTCP-OLD\n"
        . "\ntcp_dead smtp daemon 127.0.0.1 port $pdead backoff \"pt1s\" notices 2 6\nTCP-DEAD\n";
});
put("$inst/table/tcp_dead_option", "RETURN_UNITS=3\nCLIENT_CONNECT_TIMEOUT=5\n");

my ($rc, $out, $err) = run($dir, "'$build/bin/pmdf' password -user=alice " . sq('pw 1'));
is($rc, 0, 'alice is in the password database (a known user without a Maildir yet)') or diag $err;
mkdir "$inst/mailbox";
mkdir "$inst/mailbox/$_" for qw(sender);
mkdir "$inst/mailbox/sender/$_" for qw(tmp new cur);

my $pid_a = start_server($dir, $build, "-port=$pa", '-listen=127.0.0.1');
my $pid_b;
{
    local $ENV{PMDF_TAILOR} = $btailor;
    $pid_b = start_server($bdir, $build, "-port=$pb", '-listen=127.0.0.1');
}
ok(wait_port($pa) && wait_port($pb), 'both servers listen') or do {
    diag `cat $dir/server.log $bdir/server.log`; BAIL_OUT('no server');
};

# --- helpers ----------------------------------------------------------------------
sub mail_log { slurp("$inst/log/mail.log_current") }
sub deliver { return pmdf_deliver($dir, $build, @_) }
sub swaks {
    my (@args) = @_;
    return run($dir, "/usr/bin/swaks --server 127.0.0.1:$pa --helo client.example --timeout 20 @args");
}
# Python's smtplib with DSN parameters; returns its output ("ok" or the error).
sub smtplib {
    my ($from, $to, $body, $mail_opts, $rcpt_opts) = @_;
    my $py = <<"PY";
import smtplib, sys
s = smtplib.SMTP('127.0.0.1', $pa, timeout=20)
s.ehlo('py.example')
r = s.sendmail(sys.argv[1], sys.argv[2].split(','), open(sys.argv[3], 'rb').read(),
               mail_options=[o for o in sys.argv[4].split() if o],
               rcpt_options=[o for o in sys.argv[5].split() if o])
s.quit()
print('ok' if r == {} else r)
PY
    put("$dir/smtp.py", $py);
    put("$dir/msg.eml", $body);
    my ($r, $o, $e) = run($dir, "$python '$dir/smtp.py' " . join(' ', map { sq($_) }
                          $from, $to, "$dir/msg.eml", $mail_opts // '', $rcpt_opts // ''));
    return "$o$e";
}
sub maildir { return read_maildir("$inst/mailbox/$_[0]") }

# --- l: a known user, an unknown one --------------------------------------------------
my $body = "Subject: to alice\r\nMessage-ID: <a1\@client.example>\r\n\r\nHello Alice.\r\n..a dot line\r\nbye\r\n";
put("$dir/alice.eml", $body);
($rc, $out) = swaks("--from sender\@mail.example.com --to alice\@mail.example.com --data '$dir/alice.eml'");
is($rc, 0, 'swaks: a message for alice') or diag $out;
is(smtplib('sender@mail.example.com', 'nobody@mail.example.com',
           "Subject: to nobody\r\nMessage-ID: <n1\@client.example>\r\n\r\nIs anybody there?\r\n",
           'ENVID=QQ42 RET=FULL', 'NOTIFY=FAILURE ORCPT=rfc822;Nobody@Example.ORG'),
   "ok\n", 'smtplib: a message for nobody, with ENVID, RET, NOTIFY and ORCPT');
is(scalar(queue_files($inst, 'l')), 2, 'two messages in the l queue');
($rc, $out, $err) = deliver('l');
is($rc, 0, 'pmdf_deliver -channel=l exits 0') or diag $err;
like($err, qr/2 messages: 1 recipients delivered, 1 failed, 0 requeued/, 'its summary');
my $alice = maildir('alice');
is(scalar @$alice, 1, "alice's Maildir was created and holds one message");
my $am = $alice->[0] // {};
is($am->{headers}{'delivered-to'}, 'alice@mail.example.com', 'Delivered-To:');
is($am->{headers}{'return-path'}, '<sender@mail.example.com>', 'Return-Path:');
is($am->{headers}{subject}, 'to alice', 'Subject as sent');
like($am->{headers}{received} // '', qr/by mail\.example\.com/, "our server's Received:");
(my $want = $body) =~ s/\r\n/\n/g;       # swaks adds a CRLF at the end
like($am->{raw} // '', qr/\n\Q$want\E\n\z/, 'the message is intact (dot line too), in Unix line ends');
is((stat("$inst/mailbox/alice"))[2] & 0777, 0700, 'the Maildir is mode 0700');
like(mail_log(), qr/ tcp_internal l D \d+ sender\@mail\.example\.com "" alice\@mail\.example\.com ZZ\S+ maildir /,
     'D logged for alice');
like(mail_log(), qr/ l R \d+ sender\@mail\.example\.com rfc822;Nobody\@Example\.ORG nobody\@mail\.example\.com .*5\.1\.1/,
     'R logged for nobody, with the ORCPT');
is(scalar(queue_files($inst, 'l')), 1, 'the message is gone; the notification is queued to l');
($rc, $out, $err) = deliver('l');
is($rc, 0, 'deliver the notification') or diag $err;
my $dsn = dsn_of(maildir('sender'), 'failed');
ok($dsn, 'the sender got a failure notification') or diag explain maildir('sender');
$dsn //= {};
is($dsn->{content_type}, 'multipart/report', 'multipart/report');
is($dsn->{report_type}, 'delivery-status', 'report-type=delivery-status');
is_deeply($dsn->{parts}, ['text/plain', 'message/delivery-status', 'message/rfc822'], 'the three parts');
is($dsn->{headers}{'return-path'}, '<>', 'sent from <>');
is($dsn->{headers}{'auto-submitted'}, 'auto-replied', 'Auto-Submitted: auto-replied');
like($dsn->{headers}{from} // '', qr/<postmaster\@mail\.example\.com>/, 'From: postmaster');
is($dsn->{per_message}{'reporting-mta'}, 'dns; mail.example.com', 'Reporting-MTA');
is($dsn->{per_message}{'original-envelope-id'}, 'QQ42', 'Original-Envelope-Id from ENVID');
ok($dsn->{per_message}{'arrival-date'}, 'Arrival-Date');
my $r0 = $dsn->{per_rcpt}[0] // {};
is($r0->{'final-recipient'}, 'rfc822;nobody@mail.example.com', 'Final-Recipient');
is($r0->{'original-recipient'}, 'rfc822;Nobody@Example.ORG', 'Original-Recipient from ORCPT');
is($r0->{action}, 'failed', 'Action: failed');
is($r0->{status}, '5.1.1', 'Status: 5.1.1');
like($r0->{'diagnostic-code'} // '', qr/user unknown/, 'Diagnostic-Code');
is($dsn->{returned_subject}, 'to nobody', 'the returned message is attached whole');
like($dsn->{returned_body} // '', qr/Is anybody there\?/, 'with its body');

# --- l: an alias defined after the message was queued --------------------------------
# The SMTP server expands aliases at RCPT; an alias that appears later is
# expanded by pmdf_deliver: its addresses are queued as a new message that
# keeps ENVID, RET and ORCPT, and NOTIFY less SUCCESS, which is answered
# here with Action: expanded (RFC 3461 6.2.7.3).
is(smtplib('sender@mail.example.com', 'team@mail.example.com',
           "Subject: to the team\r\nMessage-ID: <t1\@client.example>\r\n\r\nHello team.\r\n",
           'ENVID=T9 RET=HDRS', 'NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;Team@Example.ORG'),
   "ok\n", 'smtplib: a message for team, not yet an alias');
edit("$inst/table/aliases", sub { $_ .= "team: alice, carol\n" });
($rc, $out, $err) = deliver('l');
is($rc, 0, 'pmdf_deliver -channel=l: team is now an alias') or diag $err;
like(mail_log(), qr/ l D \d+ sender\@mail\.example\.com rfc822;Team\@Example\.ORG team\@mail\.example\.com .*alias team expanded to alice carol/,
     'D logged for team: expanded to alice and carol');
my @lq = queue_files($inst, 'l');
my ($exp) = grep { ($_->{envid} // '') eq 'T9' } map { read_queue($_) // {} } @lq;
ok($exp, 'the expansion is queued as a new message with ENVID T9') or diag explain [map { read_queue($_) } @lq];
$exp //= {};
is($exp->{ret}, 2, 'RET=HDRS kept');
is(join(',', map { "$_->{addr}|$_->{orcpt}|$_->{notify}" } @{$exp->{rcpt} // []}),
   'alice@mail.example.com|rfc822;Team@Example.ORG|4,carol@mail.example.com|rfc822;Team@Example.ORG|4',
   'each address keeps the ORCPT; NOTIFY is FAILURE alone (SUCCESS answered here)');
deliver('l') for 1 .. 2;     # the expansion, then the notifications
is(scalar(grep { ($_->{headers}{subject} // '') eq 'to the team' } @{maildir('alice')}), 1,
   'alice got the team message');
my @team = grep { ($_->{per_message}{'original-envelope-id'} // '') eq 'T9' } @{maildir('sender')};
my ($expd) = grep { $_->{per_rcpt}[0]{action} eq 'expanded' } @team;
ok($expd, 'the sender got an "expanded" notification') or diag explain \@team;
is(($expd // {})->{per_rcpt}[0]{'original-recipient'}, 'rfc822;Team@Example.ORG', 'its Original-Recipient');
is(($expd // {})->{per_rcpt}[0]{status}, '2.0.0', 'its Status: 2.0.0');
my ($carol) = grep { $_->{per_rcpt}[0]{action} eq 'failed' } @team;
ok($carol, 'carol (unknown) failed: a failure notification, as NOTIFY=FAILURE asked')
    or diag explain \@team;
is(($carol // {})->{per_rcpt}[0]{'final-recipient'}, 'rfc822;carol@mail.example.com', 'Final-Recipient carol');
is(($carol // {})->{per_rcpt}[0]{'original-recipient'}, 'rfc822;Team@Example.ORG', 'Original-Recipient: the ORCPT given for team');
is(scalar(@team), 2, 'and no "delivered" notification for alice');

# --- tcp_relay: to our second instance, over STARTTLS --------------------------------------
my $rbody = "Subject: relayed\r\nMessage-ID: <r1\@client.example>\r\n\r\nAcross the hop.\r\n.\r\n..two dots\r\n\x{e9}t\x{e9} 8bit\r\n";
is(smtplib('sender@mail.example.com', 'bob@relay.example,reject@relay.example', $rbody,
           'BODY=8BITMIME ENVID=R7', 'NOTIFY=FAILURE ORCPT=rfc822;reject@relay.example'),
   "ok\n", 'a message for two recipients at relay.example');
($rc, $out, $err) = deliver('tcp_relay');
is($rc, 0, 'pmdf_deliver -channel=tcp_relay') or diag $err;
my @bq = queue_files($binst, 'l');
is(scalar @bq, 1, 'the next hop queued one message');
my $bm = read_queue($bq[0] // '/nonexistent') // {};
is($bm->{from}, 'sender@mail.example.com', 'envelope From intact');
is(join(',', map { $_->{addr} } @{$bm->{rcpt} // []}), 'bob@relay.example', 'only bob was accepted');
is($bm->{envid}, 'R7', 'ENVID passed on (the next hop offers DSN)');
is($bm->{flags} & 1, 1, 'received there under TLS');
my ($trace, $rest) = ($bm->{message} // '') =~ /\A(Received: .*?\r\n(?: .*?\r\n)*)(.*)\z/s;
like($trace // '', qr/with ESMTPS /, "the next hop's Received: says ESMTPS");
like($rest // '', qr/\r\nSubject: relayed\r\nMessage-ID: <r1\@client\.example>\r\n\r\nAcross the hop\.\r\n\.\r\n\.\.two dots\r\n\x{e9}t\x{e9} 8bit\r\n\z/,
     'the message arrived byte for byte: lone dot, dot-stuffing and 8-bit intact');
like(mail_log(), qr/ tcp_relay DS \d+ sender\@mail\.example\.com \S+ bob\@relay\.example /, 'DS logged: delivered over TLS');
like(mail_log(), qr/ tcp_relay R \d+ .*reject\@relay\.example .*5\.7\.1 550 5\.7\.1 No such user here/,
     'R logged for the refused recipient, with the reply');
is(scalar(queue_files($inst, 'tcp_relay')), 0, 'nothing left in the tcp_relay queue');
deliver('l');
$dsn = undef;
for my $m (@{maildir('sender')}) {
    $dsn = $m if ($m->{per_message}{'original-envelope-id'} // '') eq 'R7';
}
ok($dsn, 'a notification for the refused recipient');
$r0 = ($dsn // {})->{per_rcpt}[0] // {};
is($r0->{'final-recipient'}, 'rfc822;reject@relay.example', 'its Final-Recipient');
is($r0->{action}, 'failed', 'Action: failed');
is($r0->{status}, '5.7.1', 'Status from the enhanced code of the reply');
is($r0->{'remote-mta'}, 'dns; 127.0.0.1', 'Remote-MTA: the next hop');
is($r0->{'diagnostic-code'}, 'smtp; 550 5.7.1 No such user here', 'Diagnostic-Code: smtp; the reply');
is(scalar(@{($dsn // {})->{per_rcpt} // []}), 1, 'bob (delivered, no NOTIFY=SUCCESS) is not in it');

# --- tcp_sink: Postfix's smtp-sink -------------------------------------------------------
SKIP: {
    my $sink = '/usr/sbin/smtp-sink';
    skip 'smtp-sink not installed (Debian package postfix)', 12 unless -x $sink;
    my $dump = "$dir/sink";
    mkdir $dump; chmod 0777, $dump;
    my $spid = fork() // die;
    if ($spid == 0) {
        open(STDOUT, '>', "$dir/sink.log"); open(STDERR, '>&', \*STDOUT);
        exec($sink, ($> == 0 ? ('-u', 'nobody') : ()), '-d', "$dump/%H%M%S.", "127.0.0.1:$psink", '10');
        exit 127;
    }
    ok(wait_port($psink), 'smtp-sink listens') or diag slurp("$dir/sink.log");
    for my $n (1, 2) {
        ($rc, $out) = swaks("--from sender\@mail.example.com --to carol$n\@sink.example --body 'sink body $n'");
        is($rc, 0, "message $n for the sink") or diag $out;
    }
    ($rc, $out, $err) = deliver('tcp_sink');
    like($err, qr/2 messages: 2 recipients delivered/, 'both delivered to smtp-sink') or diag $err;
    my $dumped = join '', map { slurp($_) } glob("$dump/*");
    ok($dumped =~ /sink body 1/ && $dumped =~ /sink body 2/ && $dumped =~ /carol1\@sink\.example/,
       'smtp-sink dumped both messages with their envelopes') or diag $dumped;
    kill 'TERM', $spid; waitpid($spid, 0);

    # smtp-sink -e refuses EHLO: HELO, no DSN extension, so NOTIFY=SUCCESS
    # makes a "relayed" notification here.
    $spid = fork() // die;
    if ($spid == 0) {
        open(STDOUT, '>', "$dir/sink2.log"); open(STDERR, '>&', \*STDOUT);
        exec($sink, '-e', ($> == 0 ? ('-u', 'nobody') : ()), "127.0.0.1:$pold", '10');
        exit 127;
    }
    ok(wait_port($pold), 'smtp-sink -e (no ESMTP) listens');
    is(smtplib('sender@mail.example.com', 'erin@old.example', "Subject: old\r\n\r\nplain SMTP\r\n",
               'ENVID=OLD1', 'NOTIFY=SUCCESS'), "ok\n", 'a message with NOTIFY=SUCCESS for it');
    ($rc, $out, $err) = deliver('tcp_old');
    like($err, qr/1 messages: 1 recipients delivered/, 'delivered after EHLO was refused (HELO)')
        or diag $err;
    like(mail_log(), qr/ tcp_old D \d+ sender\@mail\.example\.com "" erin\@old\.example .*relayed notification sent/,
         'D logged, a relayed notification sent');
    deliver('l');
    my $rel;
    for my $m (@{maildir('sender')}) {
        $rel = $m if ($m->{per_message}{'original-envelope-id'} // '') eq 'OLD1';
    }
    is(($rel // {})->{per_rcpt}[0]{action}, 'relayed', 'Action: relayed (the next hop takes no DSN)');
    is(($rel // {})->{headers}{subject}, 'Successful Mail Delivery Report', 'its Subject');
    is(($rel // {})->{per_rcpt}[0]{'remote-mta'}, 'dns; 127.0.0.1', 'Remote-MTA');
    kill 'TERM', $spid; waitpid($spid, 0);
}

# --- tcp_dead: requeued with backoff, a delay notice, then returned -------------------------
is(smtplib('sender@mail.example.com', 'dave@dead.example',
           "Subject: never\r\n\r\nnobody listens\r\n", 'RET=HDRS', 'NOTIFY=FAILURE,DELAY'),
   "ok\n", 'a message for a host nobody listens on');
my $t0 = time;
($rc, $out, $err) = deliver('tcp_dead');
is($rc, 0, 'first attempt runs') or diag $err;
my @dq = glob("$inst/queue/tcp_dead/ZZ*");
like(join(' ', @dq), qr/\.01$/, 'requeued as .01');
like(mail_log(), qr/ tcp_dead Q \d+ sender\@mail\.example\.com "" dave\@dead\.example .*4\.4\.1 connect to 127\.0\.0\.1 port $pdead: Connection refused/,
     'Q logged with the reason');
($rc, $out, $err) = deliver('tcp_dead');
like($err, qr/: 0 messages/, 'not due again before its backoff (pt1s)');
sleep 1 while time < $t0 + 3;
($rc, $out, $err) = deliver('tcp_dead');
@dq = glob("$inst/queue/tcp_dead/ZZ*");
like(join(' ', @dq), qr/\.02$/, 'second attempt: requeued as .02');
ok((read_queue($dq[0] // '/x') // {})->{flags} & 2, 'the delay-notice flag is in the envelope');
like(mail_log(), qr/ tcp_dead Q .*delay notification sent/, 'a delay notice went out once a warning age passed');
sleep 1 while time < $t0 + 7;
($rc, $out, $err) = deliver('tcp_dead', '-message=' . substr((split m{/}, $dq[0] // '/x')[-1], 0, 26));
my @left = glob("$inst/queue/tcp_dead/ZZ*");
is(scalar @left, 0, 'after the return period: the message is gone');
like(mail_log(), qr/ tcp_dead R .*dave\@dead\.example .*return period passed/, 'R logged: returned');
deliver('l');
my $msgs = maildir('sender');
my $delayed = dsn_of($msgs, 'delayed');
ok($delayed, 'the sender got a delay notification');
is(($delayed // {})->{headers}{subject}, 'Delayed Mail (still being retried)', 'its Subject');
ok(($delayed // {})->{per_rcpt}[0]{'will-retry-until'}, 'with Will-Retry-Until');
my $failed = undef;
for my $m (@$msgs) {
    $failed = $m if $m->{per_rcpt} && ($m->{per_rcpt}[0]{'final-recipient'} // '') eq 'rfc822;dave@dead.example'
                    && $m->{per_rcpt}[0]{action} eq 'failed';
}
ok($failed, 'and then a failure notification');
is(($failed // {})->{per_rcpt}[0]{status}, '4.4.1', 'keeping the last temporary status');
is_deeply(($failed // {})->{parts}, ['text/plain', 'message/delivery-status', 'text/rfc822-headers'],
          'RET=HDRS: the headers only');
like(($failed // {})->{returned_text} // '', qr/Subject: never/, 'the original header is there');

# --- bitbucket, a damaged file, bad command lines ---------------------------------------------
($rc, $out) = swaks("--from sender\@mail.example.com --to x\@discard.example --body gone");
is($rc, 0, 'a message for the bitbucket') or diag $out;
($rc, $out, $err) = deliver('bitbucket');
is(scalar(queue_files($inst, 'bitbucket')), 0, 'bitbucket: the queue is empty');
like(mail_log(), qr/ bitbucket D \d+ sender\@mail\.example\.com "" x\@discard\.example .*discarded/, 'logged D');

my $bad = "$inst/queue/l/ZZ0123456789abcdef01234567.00";
put($bad, "PMDFQ\n\0\0\0\1garbage");
($rc, $out, $err) = deliver('l');
is($rc, 0, 'a damaged file does not stop the run');
ok(-f $bad, 'the damaged file is left in place');
like($err, qr/ZZ0123456789abcdef01234567\.00: .*left in place/, 'and named on standard error');
like(mail_log(), qr/ l l W .*ZZ0123456789abcdef01234567/, 'W logged');
unlink $bad;
($rc, $out, $err) = deliver('no_such_channel');
is($rc, 1, 'an unknown channel is fatal');
like($err, qr/no channel "no_such_channel" in the configuration/, 'with a clear message');
($rc, $out, $err) = run($dir, "'$deliver'");
is($rc, 1, 'no -channel is fatal');
like($err, qr/-channel=NAME/, 'saying what to give');
($rc, $out, $err) = run($dir, "'$deliver' -help");
is($rc, 0, 'pmdf_deliver -help exits 0');
like($out, qr/^Usage: pmdf_deliver \[-qualifier\.\.\.\]\n +PMDF_DELIVER\[\/qualifier\.\.\.\]\n/m,
     'its usage, in Unix and DCL forms') or diag $out;
like($out, qr/-channel=value/, 'naming -channel') or diag $out;

is(sanitizer_reports(), '', 'no sanitizer report from any pmdf_deliver run (under SANITIZE=1)');
is(stop_server($pid_a), 0, 'server A stops cleanly');
is(stop_server($pid_b), 0, 'server B stops cleanly');
done_testing();
