#!/usr/bin/perl
# deliver_smtp.t - the tcp_* channels' SMTP client (pmdf_deliver, d_smtp.c,
# smtpcli.c) end to end, against receivers nobody here wrote (Postfix's
# smtp-sink, logging every command) and against other instances of our
# own server presenting certificates made here with the openssl command:
#   TLS   musttls verifying against the right CA, by IP address and by
#         host name: delivered over TLS (DS); against the system's roots,
#         a self-signed certificate or a certificate for another name:
#         not delivered, in the clear or otherwise, the message stays
#         queued (4.7.5) with the verification failure in the log;
#         musttls with TLS_VERIFY=0 takes the self-signed certificate;
#         musttls to a receiver without STARTTLS: not delivered; maytls
#         without STARTTLS: delivered in the clear (D); maytls and a
#         certificate that does not verify (TLS_VERIFY=1): in the clear
#   AUTH  CLIENT_USERNAME/CLIENT_PASSWORD to a receiver that requires
#         AUTH: delivered (DSA, the receiver records the user); a wrong
#         password: kept for a retry (4.7.8), not returned; no TLS: the
#         password is not sent (smtp-sink sees no AUTH), kept (4.7.10);
#         a receiver that offers no AUTH gets the mail without it
#   reuse several messages to one next hop: one connection, RSET between
#         transactions; single_sys: one transaction per host with its
#         own recipients; single: one recipient per transaction
use strict;
use warnings;
use Test::More;
use FindBin;
use File::Temp qw(tempdir);
use lib "$FindBin::Bin/lib";
use PmdfTest qw(instance make_pki free_port start_server stop_server run sq read_queue
                queue_files wait_port edit put slurp start_smtp_sink sink_sessions
                pmdf_deliver sanitizer_reports wait_for);

plan skip_all => 'swaks is needed (Debian package swaks)' unless -x '/usr/bin/swaks';
if (!-x '/usr/sbin/smtp-sink' && $> == 0) {
    system('DEBIAN_FRONTEND=noninteractive apt-get install -y postfix >/dev/null 2>&1');
}
plan skip_all => "Postfix's smtp-sink is needed (Debian package postfix)"
    unless -x '/usr/sbin/smtp-sink';
plan skip_all => 'the openssl command is needed (Debian package openssl)'
    unless system('openssl version >/dev/null 2>&1') == 0;

# --- receivers: instances of our server ------------------------------------------
# Each takes mail for every domain into its l queue and logs its connections.
my %rcv;
sub receiver {
    my ($name, %o) = @_;
    my ($d, $i, $build) = instance();
    my $r = { name => $name, dir => $d, inst => $i, tailor => $ENV{PMDF_TAILOR},
              port => free_port() };
    edit("$i/table/pmdf.cnf", sub {
        s/^\.(\s+)\S+/.$1\$U%\$H\@mail.example.com/m;     # everything to l
        s/^(tcp_internal .*)maysaslserver/$1mustsaslserver/m if $o{must_auth};
    });
    edit("$i/table/option.dat", sub { $_ .= "\nLOG_CONNECTION=1\n" });
    $o{certs}->("$i/table") if $o{certs};
    if ($o{must_auth}) {
        my ($rc, $out, $err) = run($d, "'$build/bin/pmdf' password -user=alice " . sq('Right pw'));
        $rc == 0 or die "pmdf password: $err";
    }
    $r->{pid} = start_server($d, $build, "-port=$r->{port}", '-listen=127.0.0.1');
    $rcv{$name} = $r;
    return $r;
}
sub rlog { my $r = shift; return slurp("$r->{inst}/log/mail.log_current") }
sub rqueue { my $r = shift; return map { read_queue($_) } queue_files($r->{inst}, 'l') }
sub connections { my $r = shift; my @o = rlog($r) =~ /^.* O .*$/mg; return scalar @o }

my $pdir = tempdir(CLEANUP => 1);
my $ca = make_pki($pdir, $pdir);          # root -> intermediate -> localhost, 127.0.0.1
my $p = "$pdir/pki";
sub ossl { system("cd '$p' && $_[0] >/dev/null 2>&1") == 0 or die "openssl: $_[0]" }
# A self-signed certificate for the right names; one for another name, from the right CA.
ossl("openssl req -x509 -newkey rsa:2048 -nodes -keyout self.key -out self.pem -days 30"
     . " -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1");
ossl("openssl req -newkey rsa:2048 -nodes -keyout wrong.key -out wrong.csr -subj /CN=wrong.example");
put("$p/wrong.ext", "subjectAltName=DNS:wrong.example\nextendedKeyUsage=serverAuth\n");
ossl("openssl x509 -req -in wrong.csr -CA int.pem -CAkey int.key -CAcreateserial -out wrong.pem"
     . " -days 30 -extfile wrong.ext");
ok(system("openssl verify -CAfile '$ca' -untrusted '$p/int.pem' '$p/wrong.pem' >/dev/null 2>&1") == 0
   && system("openssl verify -CAfile '$ca' '$p/self.pem' >/dev/null 2>&1") != 0,
   'openssl: the other-name certificate chains to the CA, the self-signed one does not');
sub certs {
    my ($cert, $key, @chain) = @_;
    return sub {
        my $t = shift;
        system('cat ' . join(' ', map { "'$p/$_'" } $cert, @chain) . " > '$t/server_pub.pem'") == 0
            or die;
        system("cp '$p/$key' '$t/server_priv.pem' && chmod 600 '$t/server_priv.pem'") == 0 or die;
    };
}
my $good  = receiver('good',  certs => certs('server.pem', 'server.key', 'int.pem', 'root.pem'));
my $self  = receiver('self',  certs => certs('self.pem', 'self.key'));
my $wrong = receiver('wrong', certs => certs('wrong.pem', 'wrong.key', 'int.pem'));
my $auth  = receiver('auth',  certs => certs('server.pem', 'server.key', 'int.pem', 'root.pem'),
                     must_auth => 1);

# --- receivers: smtp-sink ------------------------------------------------------------
my $psink = free_port();
my $pnoauth = free_port();
my $plit = free_port();
my (%sink, @sink_pids);
for ([plain => "127.0.0.1:$psink"], [noauth => "127.0.0.1:$pnoauth", '-a'],
     [lit2 => "127.0.0.2:$plit"], [lit3 => "127.0.0.3:$plit"]) {
    my ($name, $addr, @opts) = @$_;
    my ($dir0) = $pdir;
    $sink{$name} = "$dir0/sink_$name.log";
    push @sink_pids, start_smtp_sink($sink{$name}, $addr, @opts);
}

# --- the sending instance ------------------------------------------------------------
my ($dir, $inst, $build) = instance();
my $pa = free_port();
my %ch;        # channel => [keywords, options, domain]
my $d = 'daemon 127.0.0.1';
%ch = (
    tcp_vok      => ["$d port $good->{port} musttls",          "TLS_CA_FILE=$ca"],
    tcp_vname    => ["daemon localhost port $good->{port} musttls", "TLS_CA_FILE=$ca"],
    tcp_vsys     => ["$d port $good->{port} musttls",          ''],
    tcp_vself    => ["$d port $self->{port} musttls",          "TLS_CA_FILE=$ca"],
    tcp_vwrong   => ["daemon localhost port $wrong->{port} musttls", "TLS_CA_FILE=$ca"],
    tcp_noverify => ["$d port $self->{port} musttls",          "TLS_VERIFY=0"],
    tcp_mustnotls=> ["$d port $psink musttls",                 ''],
    tcp_maynotls => ["$d port $psink maytls",                  ''],
    tcp_mayself  => ["$d port $self->{port} maytls",           ''],
    tcp_mayverify=> ["$d port $wrong->{port} maytls",          "TLS_VERIFY=1\nTLS_CA_FILE=$ca"],
    tcp_authok   => ["$d port $auth->{port} musttls",
                     "TLS_CA_FILE=$ca\nCLIENT_USERNAME=alice\nCLIENT_PASSWORD=Right pw"],
    tcp_authbad  => ["$d port $auth->{port} musttls",
                     "TLS_CA_FILE=$ca\nCLIENT_USERNAME=alice\nCLIENT_PASSWORD=wrong"],
    tcp_authclr  => ["$d port $auth->{port} notls",
                     "CLIENT_USERNAME=alice\nCLIENT_PASSWORD=Right pw"],
    tcp_authsink => ["$d port $psink maytls",
                     "CLIENT_USERNAME=alice\nCLIENT_PASSWORD=Right pw"],
    tcp_authnone => ["$d port $pnoauth maytls",
                     "CLIENT_USERNAME=alice\nCLIENT_PASSWORD=Right pw"],
    tcp_reuse    => ["$d port $psink notls",                   ''],
    tcp_single   => ["$d port $psink notls single",            ''],
    tcp_lit      => ["port $plit notls single_sys",            ''],
);
sub official { (my $h = uc shift) =~ tr/_/-/; return $h }     # tcp_vok -> TCP-VOK
my $rules = join '', map { (my $h = $_) =~ s/^tcp_//; "$h.example\t\t\t\$U%$h.example\@" . official($_) . "\n" }
    grep { $_ ne 'tcp_lit' } sort keys %ch;
$rules .= "[127.0.0.2]\t\t\t\$U%[127.0.0.2]\@TCP-LIT\n[127.0.0.3]\t\t\t\$U%[127.0.0.3]\@TCP-LIT\n";
edit("$inst/table/pmdf.cnf", sub {
    s/^(\.\s)/$rules$1/m;
    for my $c (sort keys %ch) {
        $_ .= "\n$c smtp $ch{$c}[0]\n" . official($c) . "\n";
    }
});
for my $c (sort keys %ch) {
    put("$inst/table/${c}_option", "CLIENT_CONNECT_TIMEOUT=5\n$ch{$c}[1]\n") if $ch{$c}[1];
}
my $pid_a = start_server($dir, $build, "-port=$pa", '-listen=127.0.0.1');
ok(wait_port($pa) && (grep { wait_port($_->{port}) } values %rcv) == 4
   && wait_port($psink) && wait_port($pnoauth), 'our five servers and the sinks listen')
    or BAIL_OUT('a server did not start: ' . join('', map { slurp("$_->{dir}/server.log") } values %rcv));
# wait_port's probes are logged (O, C) a moment later: let them be, so
# that the connection counts below see only the deliveries.
ok(wait_for(10, sub { !grep { rlog($_) !~ / \+ C / } values %rcv }), 'the probes are logged');

sub mail_log { slurp("$inst/log/mail.log_current") }
sub deliver { return pmdf_deliver($dir, $build, @_) }
my $nmsg = 0;
# Queues one message at A for the recipients (a list); returns its Subject.
sub submit {
    my (@to) = @_;
    my $subj = 'm' . ++$nmsg;
    my ($rc, $out) = run($dir, "/usr/bin/swaks --server 127.0.0.1:$pa --helo client.example"
                         . " --timeout 20 --from sender\@mail.example.com --to " . join(',', @to)
                         . " --header 'Subject: $subj' --body 'body of $subj'");
    diag("swaks: $out") if $rc != 0;
    return $subj;
}
# The log entries of a channel for one recipient, as "CODE text".
sub entries {
    my ($channel, $to) = @_;
    my @e = mail_log() =~ /^.* \S+ \Q$channel\E (\S+) \d+ \S+ \S+ \Q$to\E (.*)$/mg;
    my @out;
    while (my ($code, $text) = splice(@e, 0, 2)) { push @out, "$code $text" unless $code =~ /^E/ }
    return @out;
}
sub queued { my $c = shift; return scalar(() = glob("$inst/queue/$c/ZZ*")) }
sub received_subjects {
    my $r = shift;
    return map { ($_->{message} // '') =~ /^Subject: (\S+)/m ? $1 : '?' } rqueue($r);
}

# --- TLS and certificate verification ----------------------------------------------------
my ($rc, $out, $err);
my $conns = connections($good);        # wait_port's probe was one
my $s1 = submit('u@vok.example');
my $s2 = submit('u@vok.example');
($rc, $out, $err) = deliver('tcp_vok');
like($err, qr/2 messages: 2 recipients delivered/, 'musttls, the right CA, verified by IP address: delivered') or diag $err;
is(join(' ', sort(received_subjects($good))), "$s1 $s2", 'both messages arrived at the receiver');
ok((grep { $_->{flags} & 1 } rqueue($good)) == 2, 'the receiver took them under TLS');
is(join(' ', map { (split ' ', $_)[0] } entries('tcp_vok', 'u@vok.example')), 'DS DS', 'logged DS (delivered over TLS)');
is(connections($good) - $conns, 1, 'the two messages went over one connection (one O in the receiver log)') or diag rlog($good);

my $s3 = submit('u@vname.example');
($rc, $out, $err) = deliver('tcp_vname');
like($err, qr/1 messages: 1 recipients delivered/, 'musttls verified by host name (localhost)') or diag $err;
ok((grep { $_ eq $s3 } received_subjects($good)), 'it arrived');

# Failures: nothing may reach the receiver, the message stays queued.
for my $t (['vsys', $good, qr/certificate verify failed \(the peer's certificate: (?:unable to get local issuer|self-signed certificate in certificate chain)/,
            'the system roots (the test CA is not among them)'],
           ['vself', $self, qr/certificate verify failed \(the peer's certificate: self[- ]signed/,
            'a self-signed certificate'],
           ['vwrong', $wrong, qr/certificate verify failed \(the peer's certificate: hostname mismatch/,
            'a certificate for another name (wrong.example, not localhost)']) {
    my ($h, $r, $why, $what) = @$t;
    my $before = connections($r);
    my @had = received_subjects($r);
    my $s = submit("u\@$h.example");
    ($rc, $out, $err) = deliver("tcp_$h");
    like($err, qr/1 messages: 0 recipients delivered, 0 failed, 1 requeued/, "musttls, $what: requeued") or diag $err;
    is(queued("tcp_$h"), 1, "$what: the message is still queued");
    my ($e) = entries("tcp_$h", "u\@$h.example");
    like($e // '', qr/^Q .*4\.7\.5 .*TLS with .*failed/, "$what: Q 4.7.5, naming the TLS failure") or diag $e;
    like($e // '', $why, "$what: and the verification failure") or diag $e;
    is(scalar(received_subjects($r)), scalar(@had), "$what: nothing was delivered (not in the clear either)");
    cmp_ok(connections($r), '>', $before, "$what: the receiver was reached (the failure is TLS's)");
}

my $s4 = submit('u@noverify.example');
($rc, $out, $err) = deliver('tcp_noverify');
like($err, qr/1 messages: 1 recipients delivered/, 'musttls with TLS_VERIFY=0 takes the self-signed certificate') or diag $err;
like(join(' ', entries('tcp_noverify', 'u@noverify.example')), qr/^DS /, 'over TLS (DS)');

my $s5 = submit('u@mustnotls.example');
($rc, $out, $err) = deliver('tcp_mustnotls');
is(queued('tcp_mustnotls'), 1, 'musttls, no STARTTLS offered: still queued');
like(join(' ', entries('tcp_mustnotls', 'u@mustnotls.example')),
     qr/^Q .*4\.7\.5 .*does not offer STARTTLS and the channel requires TLS/, 'Q 4.7.5 saying why');
my @ss = sink_sessions($sink{plain});
is(scalar(grep { @{$_->{mail}} } @ss), 0, 'smtp-sink got no MAIL FROM');

my $s6 = submit('u@maynotls.example');
($rc, $out, $err) = deliver('tcp_maynotls');
like($err, qr/1 messages: 1 recipients delivered/, 'maytls, no STARTTLS offered: delivered') or diag $err;
like(join(' ', entries('tcp_maynotls', 'u@maynotls.example')), qr/^D /, 'in the clear (D, not DS)');
@ss = sink_sessions($sink{plain});
is_deeply([map { @{$_->{rcpt}} } map { @{$_->{mail}} } @ss], ['u@maynotls.example'], 'smtp-sink got it');

submit('u@mayself.example');
($rc, $out, $err) = deliver('tcp_mayself');
like(join(' ', entries('tcp_mayself', 'u@mayself.example')), qr/^DS /,
     'maytls (no verification by default) with a self-signed certificate: over TLS');

my @had = received_subjects($wrong);
my $s7 = submit('u@mayverify.example');
($rc, $out, $err) = deliver('tcp_mayverify');
like($err, qr/TLS with .*failed.*trying .* again without TLS \(maytlsclient\)/s,
     'maytls with TLS_VERIFY=1, a certificate for another name: the failure is reported') or diag $err;
like(join(' ', entries('tcp_mayverify', 'u@mayverify.example')), qr/^D /, 'and it is sent in the clear (D)');
is(scalar(received_subjects($wrong)), @had + 1, 'it arrived');

# --- AUTH ----------------------------------------------------------------------------
my $s8 = submit('u@authok.example');
($rc, $out, $err) = deliver('tcp_authok');
like($err, qr/1 messages: 1 recipients delivered/, 'AUTH with the right password: delivered') or diag $err;
like(join(' ', entries('tcp_authok', 'u@authok.example')), qr/^DSA /, 'logged DSA (TLS and AUTH)');
my ($am) = grep { ($_->{message} // '') =~ /^Subject: \Q$s8\E/m } rqueue($auth);
is(($am // {})->{auth}, 'alice', 'the receiver recorded the authenticated user');

my $n_auth = scalar rqueue($auth);
submit('u@authbad.example');
($rc, $out, $err) = deliver('tcp_authbad');
is(queued('tcp_authbad'), 1, 'a wrong password: the message stays queued (not returned)');
like(join(' ', entries('tcp_authbad', 'u@authbad.example')),
     qr/^Q .*4\.7\.8 .*refused AUTH for alice: 535 5\.7\.8/, 'Q 4.7.8 with the refusal');
is(scalar(queue_files($inst, 'l')), 0, 'no notification was made');

submit('u@authclr.example');
($rc, $out, $err) = deliver('tcp_authclr');
is(queued('tcp_authclr'), 1, 'notls and a receiver that requires AUTH: queued, not returned');
like(join(' ', entries('tcp_authclr', 'u@authclr.example')),
     qr/^Q .*4\.7\.10 .*not under TLS: the password for alice is not sent in the clear/,
     'Q 4.7.10: the password is not sent without TLS');
is(scalar rqueue($auth), $n_auth, 'the receiver got nothing');

my $before = scalar sink_sessions($sink{plain});
submit('u@authsink.example');
($rc, $out, $err) = deliver('tcp_authsink');
@ss = sink_sessions($sink{plain});
is(scalar(@ss), $before + 1, 'smtp-sink (AUTH PLAIN LOGIN offered, no STARTTLS) was reached');
is(scalar(grep { /^AUTH/i } map { @{$_->{cmds}} } @ss), 0, 'and was sent no AUTH command');
is(queued('tcp_authsink'), 1, 'the message stays queued');

submit('u@authnone.example');
($rc, $out, $err) = deliver('tcp_authnone');
like(join(' ', entries('tcp_authnone', 'u@authnone.example')), qr/^D /,
     'a receiver that offers no AUTH gets the mail without it (D)');
@ss = sink_sessions($sink{noauth});
is_deeply([map { @{$_->{rcpt}} } map { @{$_->{mail}} } @ss], ['u@authnone.example'], 'smtp-sink -a got it');

# --- connection reuse, single_sys, single ------------------------------------------------
$before = scalar sink_sessions($sink{plain});
submit("r$_\@reuse.example") for 1 .. 3;
($rc, $out, $err) = deliver('tcp_reuse');
like($err, qr/3 messages: 3 recipients delivered/, 'three messages to one next hop') or diag $err;
@ss = sink_sessions($sink{plain});
is(scalar(@ss), $before + 1, 'over one connection');
my $sess = $ss[-1] // { cmds => [], mail => [] };
is_deeply([map { $_->{rcpt}[0] } @{$sess->{mail}}], ['r1@reuse.example', 'r2@reuse.example', 'r3@reuse.example'],
          'three transactions in it');
is(scalar(grep { /^RSET/i } @{$sess->{cmds}}), 2, 'with RSET between them');

submit('a@single.example', 'b@single.example');
($rc, $out, $err) = deliver('tcp_single');
@ss = sink_sessions($sink{plain});
$sess = $ss[-1] // { mail => [] };
is(scalar(@ss), $before + 2, 'single: one connection');
is_deeply([map { join(',', @{$_->{rcpt}}) } @{$sess->{mail}}], ['a@single.example', 'b@single.example'],
          'single: one recipient per transaction');

submit('x@[127.0.0.2]', 'y@[127.0.0.3]', 'z@[127.0.0.2]');
($rc, $out, $err) = deliver('tcp_lit');
like($err, qr/1 messages: 3 recipients delivered/, 'single_sys: one message for two hosts') or diag $err;
my @s2 = sink_sessions($sink{lit2});
my @s3 = sink_sessions($sink{lit3});
is_deeply([map { join(',', sort @{$_->{rcpt}}) } map { @{$_->{mail}} } @s2], ['x@[127.0.0.2],z@[127.0.0.2]'],
          'the first host: one transaction with its two recipients');
is_deeply([map { join(',', @{$_->{rcpt}}) } map { @{$_->{mail}} } @s3], ['y@[127.0.0.3]'],
          'the second host: one transaction with its one recipient');

is(sanitizer_reports(), '', 'no sanitizer report from any pmdf_deliver run (under SANITIZE=1)');
kill 'TERM', $_ for grep { defined } @sink_pids;
waitpid($_, 0) for grep { defined } @sink_pids;
is(stop_server($pid_a), 0, 'the sending server stops cleanly');
is(stop_server($_->{pid}), 0, "receiver $_->{name} stops cleanly") for sort { $a->{name} cmp $b->{name} } values %rcv;
done_testing();
