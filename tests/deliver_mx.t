#!/usr/bin/perl
# deliver_mx.t - how a tcp_* channel finds the next hop through the system
# resolver (res_query, getaddrinfo), against a real DNS server: Debian's
# dnsmasq, in a private network and mount namespace (unshare) where
# /etc/resolv.conf names it, so pmdf_deliver asks it and nothing else.
# The next hops are Postfix's smtp-sink on loopback addresses (127.0.0.2,
# .3, .4, ::1), each logging what it got.
#   mx      the MX with the lowest preference wins (records given in the
#           other order); the first MX refusing the connection -> the next
#           one; no MX -> the domain's A record, or its AAAA record
#   nomx    the domain's own address, its MX records ignored
#   errors  NXDOMAIN -> returned at once (R, 5.1.2); a name with no MX and
#           no address -> returned (5.1.2); null MX -> returned (5.1.10);
#           the resolver not answering (SERVFAIL, time-out) -> kept for a
#           retry (Q, 4.4.3); MX hosts without addresses -> kept (4.4.3)
#   daemon  a smart host by name: its address, no MX lookup; a daemon host that
#           does not exist -> kept (4.4.3: configuration, not the recipient)
#   single_sys  one message for two domains on two hosts: one transaction
#           per host, each with its own recipients
# The script runs itself again under unshare; it skips, saying why, when
# that is not permitted or dnsmasq (Debian package dnsmasq-base) is missing.
use strict;
use warnings;
use Test::More;
use FindBin;
use File::Temp qw(tempdir);
use IO::Socket::INET;
use lib "$FindBin::Bin/lib";
use PmdfTest qw(instance free_port start_server stop_server run queue_files wait_port edit
                put slurp start_smtp_sink sink_sessions pmdf_deliver sanitizer_reports wait_for);

my $dnsmasq = '/usr/sbin/dnsmasq';
my ($ip) = grep { -x } qw(/usr/sbin/ip /sbin/ip /usr/bin/ip /bin/ip);
if (!$ENV{DELIVER_MX_NETNS}) {
    plan skip_all => 'dnsmasq is needed (Debian package dnsmasq-base)' unless -x $dnsmasq;
    if (!-x '/usr/sbin/smtp-sink' && $> == 0) {
        system('DEBIAN_FRONTEND=noninteractive apt-get install -y postfix >/dev/null 2>&1');
    }
    plan skip_all => "Postfix's smtp-sink is needed (Debian package postfix)"
        unless -x '/usr/sbin/smtp-sink';
    plan skip_all => 'swaks is needed (Debian package swaks)' unless -x '/usr/bin/swaks';
    plan skip_all => 'the ip command is needed (Debian package iproute2)' unless $ip;
    my @unshare = ('unshare', $> == 0 ? '-nm' : '-rnm');
    plan skip_all => "a private network and mount namespace is not permitted here (@unshare)"
        unless system("@unshare true >/dev/null 2>&1") == 0;
    $ENV{DELIVER_MX_NETNS} = 1;
    exec(@unshare, $^X, $0, @ARGV) or die "exec unshare: $!";
}

# --- inside the namespaces: the loopback, resolv.conf, dnsmasq ------------------------
my $t = tempdir(CLEANUP => 1);
plan skip_all => 'cannot bring up the loopback interface in the new network namespace'
    unless system("$ip link set lo up") == 0;
put("$t/resolv.conf", "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n");
plan skip_all => 'cannot bind-mount a resolv.conf over /etc/resolv.conf'
    unless system("mount --bind '$t/resolv.conf' /etc/resolv.conf") == 0;

my @records = (
    '--mx-host=pref.example,mx-a.test,20', '--mx-host=pref.example,mx-b.test,10',
    '--host-record=pref.example,127.0.0.4',
    '--mx-host=fallback.example,mx-dead.test,10', '--mx-host=fallback.example,mx-a.test,20',
    '--host-record=mx-a.test,127.0.0.2', '--host-record=mx-b.test,127.0.0.3',
    '--host-record=mx-dead.test,127.0.0.5',
    '--host-record=noemx.example,127.0.0.4', '--host-record=v6.example,::1',
    '--txt-record=nodata.example,no mail here',
    '--mx-host=mxnoaddr.example,nohost.test,10',
    '--mx-host=nullmx.example,.,0',
    '--server=/servfail.example/127.0.0.9',          # nothing there: refused at once
    '--server=/timeout.example/127.0.0.10',          # reads questions, never answers
);
my @kids;
my $hole = IO::Socket::INET->new(LocalAddr => '127.0.0.10', LocalPort => 53, Proto => 'udp')
    or plan skip_all => "cannot bind 127.0.0.10 port 53 in the namespace: $!";
my $hpid = fork() // die;
if ($hpid == 0) { my $b; 1 while defined $hole->recv($b, 4096); exit 0 }
push @kids, $hpid;
my $dpid = fork() // die;
if ($dpid == 0) {
    open(STDOUT, '>', "$t/dnsmasq.out"); open(STDERR, '>&', \*STDOUT);
    exec($dnsmasq, '--keep-in-foreground', '--no-resolv', '--no-hosts', '--bind-interfaces',
         '--listen-address=127.0.0.1', '--port=53', '--user=' . getpwuid($>),
         "--log-facility=$t/dns.log", '--log-queries', '--local=/example/', '--local=/test/',
         @records) or exit 127;
}
push @kids, $dpid;
END { local $?; kill 'TERM', @kids if @kids; waitpid($_, 0) for @kids }
my $dns_up = wait_for(5, sub { slurp("$t/dns.log") =~ /started/ || !kill(0, $dpid) })
    && kill(0, $dpid);
if (!$dns_up) {
    my $why = slurp("$t/dnsmasq.out") . slurp("$t/dns.log");
    @kids = ();
    plan skip_all => "dnsmasq does not run in this namespace: $why";
}

# --- the next hops ---------------------------------------------------------------------
my $port = free_port();
my %sink;
for ([a => "127.0.0.2:$port"], [b => "127.0.0.3:$port"], [c => "127.0.0.4:$port"],
     [v6 => "[::1]:$port"]) {
    $sink{$_->[0]} = "$t/sink_$_->[0].log";
    push @kids, start_smtp_sink($sink{$_->[0]}, $_->[1]);
}
ok(wait_for(5, sub { !grep { slurp($_) !~ /trying\.\.\./ } values %sink }), 'the four sinks listen');
# Who got what: "host: rcpt,rcpt" for every transaction, in order.
sub got {
    my ($name) = @_;
    return map { join(',', sort @{$_->{rcpt}}) } map { @{$_->{mail}} } sink_sessions($sink{$name});
}
sub got_all { return map { my $n = $_; map { "$n: $_" } got($n) } sort keys %sink }

# --- the sending instance -----------------------------------------------------------------
my ($dir, $inst, $build) = instance();
my @domains = qw(pref fallback noemx v6 nx nodata mxnoaddr nullmx servfail timeout);
my $rules = join '', map { "$_.example\t\t\t\$U%$_.example\@TCP-MX\n" } @domains;
$rules .= "smart.example\t\t\t\$U%smart.example\@TCP-SMART\n"
        . "smartnx.example\t\t\t\$U%smartnx.example\@TCP-SMARTNX\n";
edit("$inst/table/pmdf.cnf", sub {
    s/^(\.\s)/$rules$1/m;
    $_ .= "\ntcp_mx smtp mx single_sys notls port $port\nTCP-MX\n"
        . "\ntcp_smart smtp daemon mx-b.test notls port $port\nTCP-SMART\n"
        . "\ntcp_smartnx smtp daemon nohost.test notls port $port\nTCP-SMARTNX\n";
});
put("$inst/table/tcp_mx_option", "CLIENT_CONNECT_TIMEOUT=5\n");
my $pa = free_port();
my $pid_a = start_server($dir, $build, "-port=$pa", '-listen=127.0.0.1');
ok(wait_port($pa), 'the sending server listens') or BAIL_OUT(slurp("$dir/server.log"));

sub mail_log { slurp("$inst/log/mail.log_current") }
sub submit {
    my (@to) = @_;
    my ($rc, $out) = run($dir, "/usr/bin/swaks --server 127.0.0.1:$pa --helo client.example"
                         . " --timeout 20 --from sender\@mail.example.com --to " . join(',', @to)
                         . " --body 'for @to'");
    diag("swaks: $out") if $rc != 0;
    return $rc == 0;
}
# This run's delivery entries of tcp_mx for one recipient: "CODE text".
sub entries {
    my ($to, $channel) = @_;
    $channel //= 'tcp_mx';
    my @e = mail_log() =~ /^.* \S+ \Q$channel\E (\S+) \d+ \S+ \S+ \Q$to\E (.*)$/mg;
    my @out;
    while (my ($code, $text) = splice(@e, 0, 2)) { push @out, "$code $text" unless $code =~ /^E/ }
    return @out;
}
sub deliver { return pmdf_deliver($dir, $build, $_[0] // 'tcp_mx') }
sub queued { return scalar(() = glob("$inst/queue/tcp_mx/ZZ*")) }
my ($rc, $out, $err);

# --- mx: preference, fallback, A and AAAA ----------------------------------------------------
ok(submit('u@pref.example'), 'a message for pref.example (MX 10 mx-b.test, MX 20 mx-a.test)');
($rc, $out, $err) = deliver();
like($err, qr/1 messages: 1 recipients delivered/, 'delivered') or diag $err;
is_deeply([got_all()], ['b: u@pref.example'], 'to the MX with the lowest preference (127.0.0.3)');
like((entries('u@pref.example'))[0] // '', qr/^D .*mx-b\.test: 250/, 'logged D, naming mx-b.test');
like(slurp("$t/dns.log"), qr/query\[MX\] pref\.example from 127\.0\.0\.1/,
     'the MX question went to dnsmasq through the system resolver');

ok(submit('u@fallback.example'), 'a message for fallback.example (MX 10 refuses connections)');
($rc, $out, $err) = deliver();
like($err, qr/1 messages: 1 recipients delivered/, 'delivered') or diag $err;
is_deeply([grep { /fallback/ } got_all()], ['a: u@fallback.example'], 'by the next MX, mx-a.test (127.0.0.2)');
like((entries('u@fallback.example'))[0] // '', qr/^D .*mx-a\.test: 250/, 'logged D, naming mx-a.test');

ok(submit('u@noemx.example'), 'a message for noemx.example (no MX, an A record)');
($rc, $out, $err) = deliver();
is_deeply([grep { /noemx/ } got_all()], ['c: u@noemx.example'], 'to its address 127.0.0.4') or diag $err;

ok(submit('u@v6.example'), 'a message for v6.example (no MX, only an AAAA record)');
($rc, $out, $err) = deliver();
is_deeply([grep { /v6/ } got_all()], ['v6: u@v6.example'], 'to its address ::1') or diag $err;

# --- single_sys: two domains on two hosts in one message ----------------------------------------
ok(submit('x@pref.example', 'y@noemx.example', 'z@pref.example'), 'one message for two domains');
($rc, $out, $err) = deliver();
like($err, qr/1 messages: 3 recipients delivered/, 'all three delivered') or diag $err;
is_deeply([grep { /[xyz]@/ } got_all()], ['b: x@pref.example,z@pref.example', 'c: y@noemx.example'],
          'one transaction per host, each with its own recipients');

# --- errors: permanent and temporary ---------------------------------------------------------------
my $nl = scalar(queue_files($inst, 'l'));
for my $c (['nx', '5.1.2', qr/not found/, 'NXDOMAIN'],
           ['nodata', '5.1.2', qr/nodata\.example has no IPv4 or IPv6 address/, 'no MX and no address'],
           ['nullmx', '5.1.10', qr/null MX/, 'a null MX']) {
    my ($h, $status, $why, $what) = @$c;
    ok(submit("u\@$h.example"), "a message for $h.example ($what)");
    ($rc, $out, $err) = deliver();
    like($err, qr/1 messages: 0 recipients delivered, 1 failed/, "$what: failed") or diag $err;
    my ($e) = entries("u\@$h.example");
    like($e // '', qr/^R .*\Q$status\E .*$why/, "$what: R $status, saying why") or diag $e;
    is(queued(), 0, "$what: not kept in the queue");
    is(scalar(queue_files($inst, 'l')), ++$nl, "$what: a notification for the sender is queued");
}
for my $c (['servfail', qr/cannot answer for servfail\.example now/, 'the DNS server fails (SERVFAIL)'],
           ['timeout', qr/cannot answer for timeout\.example now/, 'the DNS server does not answer (time-out)'],
           ['mxnoaddr', qr/nohost\.test not found/, 'the MX host has no address']) {
    my ($h, $why, $what) = @$c;
    ok(submit("u\@$h.example"), "a message for $h.example ($what)");
    ($rc, $out, $err) = deliver();
    like($err, qr/1 messages: 0 recipients delivered, 0 failed, 1 requeued/, "$what: requeued") or diag $err;
    my ($e) = entries("u\@$h.example");
    like($e // '', qr/^Q .*4\.4\.3 .*$why/, "$what: Q 4.4.3, saying why") or diag $e;
    is(queued(), 1, "$what: kept for a retry");
    is(scalar(queue_files($inst, 'l')), $nl, "$what: no notification");
    unlink glob("$inst/queue/tcp_mx/ZZ*");
}

# --- daemon: a smart host by name, no MX lookup --------------------------------------------------
ok(submit('s@smart.example'), 'a message for the channel with daemon mx-b.test');
($rc, $out, $err) = deliver('tcp_smart');
like($err, qr/1 messages: 1 recipients delivered/, 'delivered') or diag $err;
is_deeply([grep { /^\w+: s@/ } got_all()], ['b: s@smart.example'], "to the daemon host's address");
unlike(slurp("$t/dns.log"), qr/query\[MX\] smart\.example/, 'no MX lookup for the domain');
ok(submit('s@smartnx.example'), 'a message for the channel with daemon nohost.test (no such name)');
($rc, $out, $err) = deliver('tcp_smartnx');
like((entries('s@smartnx.example', 'tcp_smartnx'))[0] // '',
     qr/^Q .*4\.4\.3 .*nohost\.test not found \(the channel's daemon host; check tcp_smartnx\)/,
     'a daemon host that does not exist is a configuration error: Q 4.4.3, not returned');
is(scalar(() = glob("$inst/queue/tcp_smartnx/ZZ*")), 1, 'kept in the queue');

# --- nomx: the domain's own address ------------------------------------------------------------
edit("$inst/table/pmdf.cnf", sub { s/^tcp_mx smtp mx /tcp_mx smtp nomx /m });
ok(submit('w@pref.example'), 'nomx: a message for pref.example (MX records, and A 127.0.0.4)');
($rc, $out, $err) = deliver();
like($err, qr/1 messages: 1 recipients delivered/, 'delivered') or diag $err;
is_deeply([grep { /w@/ } got_all()], ['c: w@pref.example'], 'to its A record, not to an MX');

is(sanitizer_reports(), '', 'no sanitizer report from any pmdf_deliver run (under SANITIZE=1)');
is(stop_server($pid_a), 0, 'the sending server stops cleanly');
done_testing();
