#!/usr/bin/perl
# smtpd.t - tcp_smtp_server end to end with real clients nobody here wrote:
# swaks (plain, STARTTLS, TLS on connect, AUTH PLAIN/LOGIN/CRAM-MD5,
# pipelining), curl (smtp://, smtps://, --ssl-reqd, -u), Python's smtplib,
# and openssl s_client -starttls smtp -showcerts (the chain in order).
# Then the attacks: SMTP smuggling sequences and STARTTLS command injection
# against the running server; relaying refused from outside; the queue
# files checked field by field and byte by byte against what was sent.
use strict;
use warnings;
use Test::More;
use IO::Socket::INET;
use FindBin;
use lib "$FindBin::Bin/lib";
use PmdfTest qw(instance make_pki free_port start_server stop_server run sq read_queue
                queue_files wait_port);

my ($dir, $inst, $build, $top) = instance();
my $table = "$inst/table";
ok(-x "$build/bin/tcp_smtp_server", 'tcp_smtp_server is built') or BAIL_OUT('not built');
my $root = make_pki($dir, $table);

# Only 127.0.0.1 is internal here, so 127.0.0.2 plays an outside client.
{
    open(my $m, '<', "$table/mappings") or die; local $/; my $t = <$m>; close $m;
    $t =~ s{\$\(127\.0\.0\.0/8\)}{\$(127.0.0.1/32)};
    open($m, '>', "$table/mappings") or die; print $m $t; close $m;
}
my ($rc, $out, $err) = run($dir, "'$build/bin/pmdf' password -user=alice " . sq('S3cret pw'));
is($rc, 0, 'a user in the password database') or diag $err;

my $port = free_port();
my $tport = free_port();
my $pid = start_server($dir, $build, "-port=$port", "-tls_port=$tport", "-listen=127.0.0.1");
ok(wait_port($port) && wait_port($tport), 'the server listens') or do {
    diag `cat $dir/server.log`; BAIL_OUT('server did not start');
};

my $have_swaks = -x '/usr/bin/swaks';
my $n_local = 0;

sub swaks {
    my (@args) = @_;
    return run($dir, "/usr/bin/swaks --server 127.0.0.1:$port --helo client.example "
               . "--from sender\@client.example --timeout 20 @args");
}

# --- swaks ---------------------------------------------------------------------
SKIP: {
    skip "swaks not installed (Debian package swaks)", 16 unless $have_swaks;
    my $body = "Subject: plain test\r\nMessage-ID: <plain1\@client.example>\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\n\r\nHello, plain.\r\n..dot line\r\n";
    open(my $bf, '>', "$dir/body.txt") or die; binmode $bf; print $bf $body; close $bf;
    ($rc, $out, $err) = swaks("--to user\@mail.example.com --data '$dir/body.txt'");
    is($rc, 0, 'swaks: plain message accepted') or diag "$out$err";
    like($out, qr/<-  250 2\.0\.0 Ok: queued as ZZ[0-9a-f]{24}/, 'swaks: 250 only after queueing');
    $n_local++;
    my @q = queue_files($inst, 'l');
    is(scalar @q, $n_local, 'one file in the l queue');
    my $qm = read_queue($q[-1]);
    ok($qm->{crc_ok}, 'the queue file has its trailer and a good checksum');
    is($qm->{from}, 'sender@client.example', 'envelope From');
    is($qm->{rcpt}[0]{addr}, 'user@mail.example.com', 'envelope To, rewritten');
    is($qm->{source}, 'tcp_internal', '127.0.0.1 is internal: switched to tcp_internal');
    is($qm->{helo}, 'client.example', 'HELO name kept');
    my $sent = $body . "\r\n";                # swaks stuffs dots itself and ends with CRLF
    my ($trace, $rest) = $qm->{message} =~ /\A(Received: .*?\r\n(?: .*?\r\n)*)(.*)\z/s;
    is($rest, $sent, 'the queued message is exactly what was sent, after one Received: header');
    like($trace, qr/with ESMTP id <ZZ/, 'Received: says ESMTP');

    ($rc, $out) = swaks("--to user\@mail.example.com --pipeline --body 'pipelined'");
    is($rc, 0, 'swaks --pipeline') or diag $out;
    $n_local++;
    ($rc, $out) = swaks("-tls --to user\@mail.example.com --body 'over starttls'");
    is($rc, 0, 'swaks -tls (STARTTLS)') or diag $out;
    like($out, qr/TLS started with cipher/, 'TLS was used');
    $n_local++;
    ($rc, $out) = run($dir, "/usr/bin/swaks --server 127.0.0.1:$tport --tlsc --helo client.example "
                      . "--from s\@client.example --to user\@mail.example.com --body 'tls on connect'");
    is($rc, 0, 'swaks --tlsc on the implicit-TLS port') or diag $out;
    $n_local++;
    @q = queue_files($inst, 'l');
    my $last = read_queue($q[-1]);
    is($last->{flags} & 1, 1, 'queued with the TLS flag');
    like($last->{message}, qr/\AReceived: [^\r]*\r\n [^\r]*with ESMTPS id [^\r]*\r\n \(using TLSv1\.[23] with cipher /,
         'Received: records ESMTPS and the cipher');
}

# --- AUTH ------------------------------------------------------------------------
SKIP: {
    skip "swaks not installed (Debian package swaks)", 11 unless $have_swaks;
    for my $mech (qw(PLAIN LOGIN CRAM-MD5)) {
        ($rc, $out) = swaks("-tls --auth $mech --auth-user alice --auth-password " . sq('S3cret pw')
                            . " --to bob\@remote.example.org --body 'auth $mech'");
        is($rc, 0, "AUTH $mech, then relaying") or diag $out;
    }
    like($out, qr/<[-~]  235 2\.7\.0/, '235 on success');
    my @q = queue_files($inst, 'tcp_local');
    my $qm = read_queue($q[-1]);
    is($qm->{auth}, 'alice', 'the authenticated user is in the envelope');
    is($qm->{source}, 'tcp_auth', 'saslswitchchannel moved the session to tcp_auth');
    ($rc, $out) = swaks("-tls --auth PLAIN --auth-user alice --auth-password wrong --to u\@mail.example.com");
    isnt($rc, 0, 'a wrong password fails');
    like($out, qr/<[*~]\* 535 5\.7\.8/, 'with 535 5.7.8');
    ($rc, $out) = swaks("--auth PLAIN --auth-user alice --auth-password x --to u\@mail.example.com");
    isnt($rc, 0, 'AUTH PLAIN without TLS fails');
    like($out, qr/<-  250-AUTH SCRAM-SHA-256 CRAM-MD5\r?\n/, 'without TLS, AUTH offers neither PLAIN nor LOGIN');
    unlike($out, qr/ 235 /, 'and nothing authenticates');
}

# --- relaying ---------------------------------------------------------------------------
SKIP: {
    skip "swaks not installed (Debian package swaks)", 3 unless $have_swaks;
    ($rc, $out) = swaks("--local-interface 127.0.0.2 --to bob\@remote.example.org");
    isnt($rc, 0, 'an outside client may not relay');
    like($out, qr/<\*\* 550 5\.7\.1 SMTP relaying not permitted/, 'the ORIG_SEND_ACCESS text');
    ($rc, $out) = swaks("--local-interface 127.0.0.2 --to postmaster\@mail.example.com --body x");
    is($rc, 0, 'but may send to the local host') or diag $out;
    $n_local++;
}

# --- curl ----------------------------------------------------------------------------------
SKIP: {
    skip "curl not installed (Debian package curl)", 3 unless -x '/usr/bin/curl';
    open(my $mf, '>', "$dir/curl.txt") or die; print $mf "Subject: curl\r\n\r\nvia curl\r\n"; close $mf;
    ($rc, $out, $err) = run($dir, "curl -sS smtp://127.0.0.1:$port --mail-from s\@client.example "
                            . "--mail-rcpt user\@mail.example.com --upload-file '$dir/curl.txt'");
    is($rc, 0, 'curl smtp://') or diag $err;
    $n_local++;
    ($rc, $out, $err) = run($dir, "curl -sS --ssl-reqd --cacert '$root' -u alice:" . sq('S3cret pw')
                            . " smtp://localhost:$port --mail-from s\@client.example "
                            . "--mail-rcpt bob\@remote.example.org --upload-file '$dir/curl.txt'");
    is($rc, 0, 'curl --ssl-reqd -u (STARTTLS, AUTH, relay)') or diag $err;
    ($rc, $out, $err) = run($dir, "curl -sS --cacert '$root' smtps://localhost:$tport --mail-from s\@client.example "
                            . "--mail-rcpt user\@mail.example.com --upload-file '$dir/curl.txt'");
    is($rc, 0, 'curl smtps:// (certificate verified against the root)') or diag $err;
    $n_local++;
}

# --- Python smtplib ---------------------------------------------------------------------------
SKIP: {
    skip "python3 not installed (Debian package python3)", 1 unless -x '/usr/bin/python3';
    my $py = <<"PY";
import smtplib, ssl
ctx = ssl.create_default_context(cafile='$root')
with smtplib.SMTP('localhost', $port, timeout=20) as s:
    s.ehlo('py.example')
    s.starttls(context=ctx)
    s.ehlo('py.example')
    s.login('alice', 'S3cret pw')
    r = s.sendmail('py\@client.example', ['bob\@remote.example.org', 'user\@mail.example.com'],
                   'Subject: smtplib\\r\\n\\r\\nfrom python\\r\\n')
    assert r == {}, r
print('ok')
PY
    open(my $pf, '>', "$dir/t.py") or die; print $pf $py; close $pf;
    ($rc, $out, $err) = run($dir, "python3 '$dir/t.py'");
    is($out, "ok\n", 'smtplib: starttls, login, two recipients on two channels') or diag $err;
    $n_local++;
}

# --- openssl s_client: the chain in order -----------------------------------------------------
SKIP: {
    skip "openssl not installed", 3 unless -x '/usr/bin/openssl';
    ($rc, $out, $err) = run($dir, "echo QUIT | openssl s_client -connect 127.0.0.1:$port -starttls smtp "
                            . "-showcerts -CAfile '$root' -verify_return_error");
    like($out, qr/Verify return code: 0 \(ok\)/, 's_client verifies the chain');
    like($out, qr/ 0 s:\s*CN\s*=\s*localhost.* 1 s:\s*CN\s*=\s*Test Intermediate CA/s,
         'server certificate first, then the intermediate');
    ($rc, $out, $err) = run($dir, "echo QUIT | openssl s_client -connect 127.0.0.1:$port -starttls smtp -tls1_1");
    like($out, qr/Cipher is \(NONE\)/, 'TLS 1.1 is refused: no session is made') or diag $out;
}

# --- smuggling and injection against the running server ------------------------------------------
sub raw_session {
    my ($payload, $wait) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Proto => 'tcp') or die;
    my $got = '';
    $s->send($payload);
    my $deadline = time + ($wait // 5);
    $s->blocking(0);
    while (time < $deadline) {
        my $buf = '';
        my $n = $s->sysread($buf, 65536);
        if (defined $n && $n == 0) { last }
        $got .= $buf if defined $n;
        last if $got =~ /^221 /m;
        select(undef, undef, undef, 0.05);
    }
    close $s;
    return $got;
}
my @seq = (["LF.LF", "\n.\n"], ["LF.CRLF", "\n.\r\n"], ["CR.CR", "\r.\r"], ["CR.LF", "\r.\n"],
           ["CRLF.LF", "\r\n.\n"], ["NUL.CRLF", "\r\n\0.\r\n"]);
for my $s (@seq) {
    my ($name, $end) = @$s;
    my @before = queue_files($inst, 'l');
    my $payload = "EHLO attacker.example\r\nMAIL FROM:<a\@client.example>\r\nRCPT TO:<user\@mail.example.com>\r\nDATA\r\n"
        . "Subject: first\r\n\r\nfirst$end"
        . "MAIL FROM:<smuggled\@evil.example>\r\nRCPT TO:<user\@mail.example.com>\r\nDATA\r\nSubject: SMUGGLED\r\n\r\nsmuggled\r\n.\r\nQUIT\r\n";
    my $got = raw_session($payload);
    my @after = queue_files($inst, 'l');
    my @data_replies = $got =~ /^(354|250 2\.0\.0 Ok: queued|550 5\.6\.0)/mg;
    is(scalar(@after), scalar(@before), "smuggling $name: no message is queued");
    like($got, qr/^550 5\.6\.0 /m, "smuggling $name: the one message is refused");
    unlike($got, qr/^250 2\.1\.0 Ok\r\n(?:.*\n)*250 2\.1\.0 Ok\r\n/m, "smuggling $name: the smuggled MAIL never ran");
}
{
    my $got = raw_session("EHLO x\r\nMAIL FROM:<a\@b.example>\nRCPT TO:<user\@mail.example.com>\r\nQUIT\r\n");
    like($got, qr/^500 5\.5\.2 Bare CR or LF/m, 'a bare LF in a command line is refused');
}
SKIP: {
    skip "python3 not installed (Debian package python3)", 2 unless -x '/usr/bin/python3';
    my $py = <<"PY";
import socket, ssl
s = socket.create_connection(('127.0.0.1', $port), timeout=10)
f = s.makefile('rb')
def reply():
    lines = []
    while True:
        l = f.readline().decode()
        lines.append(l)
        if l[3:4] != '-': return ''.join(lines)
reply()
s.sendall(b'EHLO x\\r\\n'); reply()
s.sendall(b'STARTTLS\\r\\nMAIL FROM:<injected\@evil.example>\\r\\n')
print('starttls:', reply().strip())
ctx = ssl.create_default_context(cafile='$root')
t = ctx.wrap_socket(s, server_hostname='localhost')
tf = t.makefile('rb')
t.sendall(b'EHLO y\\r\\n')
first = tf.readline().decode().strip()
print('after tls:', first)
PY
    open(my $pf, '>', "$dir/inj.py") or die; print $pf $py; close $pf;
    ($rc, $out, $err) = run($dir, "python3 '$dir/inj.py'");
    like($out, qr/starttls: 220 2\.0\.0 Ready to start TLS/, 'STARTTLS with a command pipelined after it');
    like($out, qr/after tls: 250-mail\.example\.com/,
         'the injected plaintext command is discarded: the first reply under TLS answers EHLO') or diag "$out$err";
}

# --- the mail log and a clean stop ----------------------------------------------------------------
{
    open(my $l, '<', "$inst/log/mail.log_current") or die;
    local $/; my $log = <$l>; close $l;
    like($log, qr/ tcp_internal l E \d+ sender\@client\.example /, 'E entries in mail.log_current');
    like($log, qr/ tcp_auth tcp_local ESA /, 'ESA for TLS and SASL');
    like($log, qr/ tcp_local tcp_local J /, 'J for the refused relay');
}
# --- SCRAM-SHA-256 with a client written here from RFC 5802 (smtplib has none) ----------------
SKIP: {
    skip "python3 not installed (Debian package python3)", 1 unless -x '/usr/bin/python3';
    my $py = <<"PY";
import smtplib, base64, hashlib, hmac, secrets
s = smtplib.SMTP('127.0.0.1', $port, timeout=20)
s.ehlo('scram.example')
user, pw = 'alice', b'S3cret pw'
cnonce = secrets.token_urlsafe(18)
cfb = 'n=%s,r=%s' % (user, cnonce)
code, resp = s.docmd('AUTH', 'SCRAM-SHA-256 ' + base64.b64encode(('n,,' + cfb).encode()).decode())
assert code == 334, (code, resp)
sfirst = base64.b64decode(resp).decode()
a = dict(kv.split('=', 1) for kv in sfirst.split(','))
assert a['r'].startswith(cnonce)
salted = hashlib.pbkdf2_hmac('sha256', pw, base64.b64decode(a['s']), int(a['i']))
ck = hmac.new(salted, b'Client Key', 'sha256').digest()
cfwp = 'c=biws,r=' + a['r']
am = ','.join([cfb, sfirst, cfwp]).encode()
sig = hmac.new(hashlib.sha256(ck).digest(), am, 'sha256').digest()
proof = base64.b64encode(bytes(x ^ y for x, y in zip(ck, sig))).decode()
code, resp = s.docmd(base64.b64encode((cfwp + ',p=' + proof).encode()).decode())
assert code == 334, (code, resp)
want = hmac.new(hmac.new(salted, b'Server Key', 'sha256').digest(), am, 'sha256').digest()
assert base64.b64decode(resp).decode() == 'v=' + base64.b64encode(want).decode(), 'server signature'
code, resp = s.docmd('')
assert code == 235, (code, resp)
print('ok')
PY
    open(my $pf, '>', "$dir/scram.py") or die; print $pf $py; close $pf;
    ($rc, $out, $err) = run($dir, "python3 '$dir/scram.py'");
    is($out, "ok\n", 'AUTH SCRAM-SHA-256: the proof is accepted and the server signature verifies') or diag $err;
}

# --- the queue cache: the server indexes what it queues -----------------------------------
{
    my @all = (queue_files($inst, 'l'), queue_files($inst, 'tcp_local'));
    ($rc, $out, $err) = run($dir, "'$build/bin/pmdf' cache -synchronize");
    is($rc, 0, 'pmdf cache -synchronize') or diag "$out$err";
    like($out, qr/: ${\ scalar @all} message files; ${\ scalar @all} entries right, 0 added, 0 removed/,
         'the server had indexed every message it queued');
    unlink $all[0];
    ($rc, $out) = run($dir, "'$build/bin/pmdf' cache -synchronize");
    like($out, qr/ 0 added, 1 removed, 0 damaged/, 'a file removed behind its back drops out of the cache');
}
is(stop_server($pid), 0, 'SIGTERM stops the server cleanly');
done_testing();
