#!/usr/bin/perl
# e2e.t - the mail system as an administrator runs it, end to end: two
# instances, each started with "pmdf startup dispatcher" and "pmdf startup
# job_controller" (detached daemons, PID files in PMDF_LOG:), mail sent by
# swaks into A's dispatcher, and what arrived read by programs nobody here
# wrote (Python's mailbox and email packages, Postfix's smtp-sink):
#   alice@mail.example.com   A's l channel: alice's Maildir on A
#   bob@relay.example        A's tcp_relay (maytls) -> B's dispatcher, over
#                            STARTTLS -> B's l channel: bob's Maildir on B
#   reject@relay.example     refused by B with 550: A returns it; the RFC
#                            3464 report lands in the sender's Maildir on A
#   x@sink.example           A's tcp_sink -> smtp-sink
# then pmdf counters and pmdf qm on A, and both systems shut down.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/lib";
use PmdfTest qw(instance make_pki free_port run sq queue_files wait_port put wait_for
                read_maildir dsn_of edit slurp);
use JobTest qw(start_sink stop_pid have_sink sink_files);

plan skip_all => 'swaks and python3 are needed (Debian packages swaks, python3)'
    unless -x '/usr/bin/swaks' && -x '/usr/bin/python3';
plan skip_all => 'smtp-sink not installed (Debian package postfix)' unless have_sink();

# --- B: the next hop for relay.example, with a certificate (STARTTLS) ----------------
my ($bdir, $binst, $build) = instance();
my $btailor = $ENV{PMDF_TAILOR};
make_pki($bdir, "$binst/table");
my ($pa, $pb, $psink) = (free_port(), free_port(), free_port());
edit("$binst/table/pmdf.cnf", sub { s/^(\.\s)/relay.example\t\t\t\$U%relay.example\@mail.example.com\n$1/m });
edit("$binst/table/mappings", sub {
    $_ .= "\nSEND_ACCESS\n\n  *|*|l|reject\@relay.example\t\$NNo\$ such\$ user\$ here\n\n";
});
put("$binst/table/dispatcher.cnf", dispatcher_cnf($pb));
maildirs($binst, 'bob');

# --- A: the system under test ------------------------------------------------------------
my ($adir, $ainst) = instance();
my $atailor = $ENV{PMDF_TAILOR};
edit("$ainst/table/pmdf.cnf", sub {
    s/^(\.\s)/relay.example\t\t\t\$U%relay.example\@TCP-RELAY\nsink.example\t\t\t\$U%sink.example\@TCP-SINK\n$1/m;
    $_ .= "\ntcp_relay smtp nomx daemon 127.0.0.1 port $pb maytls\nTCP-RELAY\n"
        . "\ntcp_sink smtp nomx daemon 127.0.0.1 port $psink notls\nTCP-SINK\n";
});
put("$ainst/table/dispatcher.cnf", dispatcher_cnf($pa));
maildirs($ainst, 'alice', 'sender');

my $sink = start_sink($adir, $psink);
ok(wait_port($psink), 'smtp-sink listens') or BAIL_OUT('no sink');

# Both systems started the way an administrator starts them.
for my $s ([B => $bdir, $btailor, $pb], [A => $adir, $atailor, $pa]) {
    my ($name, $dir, $tailor, $port) = @$s;
    local $ENV{PMDF_TAILOR} = $tailor;
    for my $component (qw(dispatcher job_controller)) {
        my ($rc, $out, $err) = run($dir, "'$build/bin/pmdf' startup $component");
        is($rc, 0, "$name: pmdf startup $component") or diag "$out$err";
    }
    ok(wait_port($port), "$name: the dispatcher listens on its port") or BAIL_OUT('not started');
}

# --- the mail --------------------------------------------------------------------------
my %sent = (
    alice  => ['alice@mail.example.com', 'Subject: for alice'],
    bob    => ['bob@relay.example', 'Subject: for bob'],
    reject => ['reject@relay.example', 'Subject: for nobody'],
    sink   => ['x@sink.example', 'Subject: for the sink'],
);
for my $k (sort keys %sent) {
    my ($to, $subject) = @{$sent{$k}};
    my ($rc, $out) = run($adir, "/usr/bin/swaks --server 127.0.0.1:$pa --helo client.example"
                         . " --from sender\@mail.example.com --to $to --timeout 20"
                         . " --header " . sq($subject) . " --header 'Message-ID: <$k\@client.example>'"
                         . " --body " . sq("Hello $k.\n"));
    is($rc, 0, "swaks into A's dispatcher: a message for $to") or diag $out;
}

ok(wait_for(30, sub { @{read_maildir("$ainst/mailbox/alice")} >= 1 }),
   "A's job controller delivered alice's message to her Maildir");
my ($am) = @{read_maildir("$ainst/mailbox/alice")};
$am //= {};
is($am->{headers}{subject}, 'for alice', 'Python mailbox reads it: Subject');
is($am->{headers}{'return-path'}, '<sender@mail.example.com>', 'Return-Path: the envelope sender');
like($am->{body} // '', qr/^Hello alice\.$/m, 'the body');

ok(wait_for(30, sub { @{read_maildir("$binst/mailbox/bob")} >= 1 }),
   "bob's message went A -> B (both job controllers) into bob's Maildir on B");
my ($bm) = @{read_maildir("$binst/mailbox/bob")};
$bm //= {};
is($bm->{headers}{subject}, 'for bob', 'Subject as sent');
like($bm->{raw} // '', qr/^Received: from \S+ .*\n?.*with ESMTPS /m, "B's Received: says ESMTPS: STARTTLS was used")
    or diag $bm->{raw};
like(slurp("$ainst/log/mail.log_current"), qr/ tcp_relay DS \d+ sender\@mail\.example\.com \S+ bob\@relay\.example /,
     "A's mail log: DS, delivered over TLS");

ok(wait_for(30, sub { dsn_of(read_maildir("$ainst/mailbox/sender"), 'failed') }),
   'the refused recipient came back to the sender as a notification');
my $dsn = dsn_of(read_maildir("$ainst/mailbox/sender"), 'failed') // {};
is($dsn->{content_type}, 'multipart/report', 'multipart/report');
is($dsn->{report_type}, 'delivery-status', 'report-type=delivery-status');
my $r0 = $dsn->{per_rcpt}[0] // {};
is($r0->{'final-recipient'}, 'rfc822;reject@relay.example', 'Final-Recipient');
is($r0->{action}, 'failed', 'Action: failed');
is($r0->{status}, '5.7.1', 'Status: from the reply');
is($r0->{'remote-mta'}, 'dns; 127.0.0.1', 'Remote-MTA');
is($r0->{'diagnostic-code'}, 'smtp; 550 5.7.1 No such user here', 'Diagnostic-Code');
is($dsn->{returned_subject}, 'for nobody', 'the original is attached');

ok(wait_for(30, sub { sink_files($adir) >= 1 }), 'the sink.example message reached smtp-sink');
like(join('', map { slurp($_) } sink_files($adir)), qr/Message-ID: <sink\@client\.example>/,
     'smtp-sink holds it');

# --- A's queue is empty; the counters say what happened -------------------------------
{
    local $ENV{PMDF_TAILOR} = $atailor;
    ok(wait_for(20, sub { !grep { queue_files($ainst, $_) } qw(l tcp_relay tcp_sink) }),
       "A's queues are empty");
    my ($rc, $out, $err) = run($adir, "'$build/bin/pmdf' qm -command=directory");
    is($rc, 0, 'pmdf qm -command=directory') or diag $err;
    unlike($out, qr/ZZ[0-9a-f]{24}/, 'lists no message') or diag $out;
    ($rc, $out) = run($adir, "'$build/bin/pmdf' counters -show -channel=tcp_relay");
    like($out, qr/Channel tcp_relay .*\n(?:(?!Channel).*\n)*?\s+Delivered\s+1\s+1\n/, 'counters: tcp_relay delivered 1')
        or diag $out;
    like($out, qr/Channel tcp_relay .*\n(?:(?!Channel).*\n)*?\s+Returned\s+1\s+1\n/, 'counters: tcp_relay returned 1')
        or diag $out;
}

# --- both systems stop ------------------------------------------------------------------
for my $s ([A => $adir, $atailor], [B => $bdir, $btailor]) {
    my ($name, $dir, $tailor) = @$s;
    local $ENV{PMDF_TAILOR} = $tailor;
    for my $component (qw(job_controller dispatcher)) {
        my ($rc, $out, $err) = run($dir, "'$build/bin/pmdf' shutdown $component");
        is($rc, 0, "$name: pmdf shutdown $component") or diag "$out$err";
    }
}
stop_pid($sink);
my $reports = join '', map { slurp($_) } glob("$ainst/log/*.log"), glob("$binst/log/*.log");
unlike($reports, qr/Sanitizer|runtime error/, 'no sanitizer report in any log (under SANITIZE=1)');
done_testing();

# --- helpers --------------------------------------------------------------------------------
sub dispatcher_cnf {
    my ($port) = @_;
    return "INTERFACE_ADDRESS=127.0.0.1\nMIN_PROCS=1\nMAX_PROCS=2\n[SERVICE=DISPATCHER]\nMAX_SHUTDOWN=5\n"
         . "[SERVICE=SMTP]\nPORT=$port\nIMAGE=PMDF_EXE:tcp_smtp_server\nLOGFILE=PMDF_LOG:tcp_smtp_server.log\n";
}
sub maildirs {
    my ($inst, @users) = @_;
    for my $u (@users) {
        mkdir "$inst/mailbox";
        mkdir "$inst/mailbox/$u";
        mkdir "$inst/mailbox/$u/$_" for qw(tmp new cur);
    }
}
