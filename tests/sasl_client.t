#!/usr/bin/perl
# sasl_client.t - the server side of SASL against an independent client.
# tests/lib/sasl_client.py (Python 3, standard library only, written from
# the RFCs) drives $PMDF_BUILD/tests/sasl_drive through whole exchanges of
# SCRAM-SHA-256 (proof computed, server signature verified), CRAM-MD5,
# PLAIN and LOGIN, with right and wrong passwords.  Without python3 the
# test is skipped, loudly: install the Debian package python3.
use strict;
use warnings;
use Test::More;
use FindBin;

my $top    = $ENV{PMDF_SRCDIR} || "$FindBin::Bin/..";
my $build  = $ENV{PMDF_BUILD}  || "$top/build/std";
my $drive  = "$build/tests/sasl_drive";
my $client = "$top/tests/lib/sasl_client.py";

# python3 on PATH that has the modules the client uses, or undef.
sub find_python {
    for my $dir (split /:/, $ENV{PATH} // '') {
        my $py = "$dir/python3";
        next unless -x $py;
        my $pid = fork() // die "fork: $!";
        if ($pid == 0) {
            open(STDOUT, '>', '/dev/null');
            open(STDERR, '>', '/dev/null');
            exec($py, '-c', 'import base64, hashlib, hmac, secrets, subprocess') or exit 127;
        }
        waitpid($pid, 0);
        return $py if $? == 0;
    }
    return undef;
}

my $python = find_python();
if (!defined $python) {
    diag("*** python3 (with hashlib, hmac, secrets) not found on PATH.");
    diag("*** Install the Debian package python3 to run these tests:");
    diag("***     apt-get install python3");
    plan skip_all => 'python3 missing: install package python3 for the SASL client tests';
}
ok(-x $drive, "sasl_drive is built at $drive") or BAIL_OUT("no sasl_drive binary");

# Runs one exchange; returns (exit status, output).
sub exchange {
    my @args = @_;
    my $pid = open(my $out, '-|') // die "fork: $!";
    if ($pid == 0) {
        open(STDERR, '>&', \*STDOUT) or die;
        exec($python, $client, $drive, @args) or die "exec $python: $!";
    }
    local $/;
    my $text = <$out> // '';
    close $out;
    return ($? >> 8, $text);
}

# ok_exchange(name, args...): authenticated; fail_exchange(name, regex, args...).
sub ok_exchange {
    my ($name, @args) = @_;
    my ($rc, $text) = exchange(@args);
    my $ok = is($rc, 0, "$name: exit 0");
    $ok = like($text, qr/^RESULT OK$/m, "$name: RESULT OK") && $ok;
    diag($text) unless $ok;
    return $text;
}

sub fail_exchange {
    my ($name, $log, @args) = @_;
    my ($rc, $text) = exchange(@args);
    my $ok = is($rc, 1, "$name: exit 1");
    $ok = like($text, qr/^RESULT FAIL /m, "$name: RESULT FAIL") && $ok;
    $ok = like($text, $log, "$name: says why") && $ok;
    diag($text) unless $ok;
    return $text;
}

my $t;
my $utf8pw = "gr\xc3\xbcn-\xe2\x82\xac";     # "grün-€" as UTF-8 bytes

# --- SCRAM-SHA-256 -------------------------------------------------------
$t = ok_exchange('SCRAM right password', 'SCRAM-SHA-256', 'alice', 'Secret-1');
like($t, qr/^# server signature verified$/m, 'SCRAM: client verified the server signature');
like($t, qr/authenticated user=alice authzid=\(none\)/, 'SCRAM: driver logs user alice');
ok_exchange('SCRAM no initial response', 'SCRAM-SHA-256', 'alice', 'Secret-1', '--no-initial');
ok_exchange('SCRAM gs2 flag y', 'SCRAM-SHA-256', 'alice', 'Secret-1', '--gs2-flag', 'y');
$t = ok_exchange('SCRAM with authzid', 'SCRAM-SHA-256', 'alice', 'Secret-1', '--authzid', 'bob');
like($t, qr/authzid=bob/, 'SCRAM: authzid bob reaches the server');
ok_exchange('SCRAM user with , and =', 'SCRAM-SHA-256', 'a,b=c', 'pw', '--secure');
ok_exchange('SCRAM UTF-8 password', 'SCRAM-SHA-256', 'alice', $utf8pw);
$t = fail_exchange('SCRAM wrong password', qr/wrong SCRAM proof/,
                   'SCRAM-SHA-256', 'alice', 'Secret-1', '--password', 'secret-1');
unlike($t, qr/server signature verified/, 'SCRAM wrong password: no server signature');
$t = fail_exchange('SCRAM unknown user', qr/no such user "mallory"/,
                   'SCRAM-SHA-256', 'alice', 'Secret-1', '--user', 'mallory');
like($t, qr/^# server-first received$/m, 'SCRAM unknown user: the server still sent server-first');
like($t, qr/^RESULT FAIL authentication failed$/m, 'SCRAM unknown user: same text as a wrong password');
fail_exchange('SCRAM channel binding p=', qr/channel binding is not supported/,
              'SCRAM-SHA-256', 'alice', 'Secret-1', '--gs2-flag', 'p=tls-unique');

# --- CRAM-MD5 --------------------------------------------------------------
$t = ok_exchange('CRAM-MD5 right password', 'CRAM-MD5', 'tim', 'tanstaaftanstaaf');
like($t, qr/authenticated user=tim/, 'CRAM-MD5: driver logs user tim');
ok_exchange('CRAM-MD5 password over 64 bytes', 'CRAM-MD5', 'tim', 'k' x 80);
fail_exchange('CRAM-MD5 wrong password', qr/wrong CRAM-MD5 digest/,
              'CRAM-MD5', 'tim', 'tanstaaftanstaaf', '--password', 'tanstaaftanstaaF');
fail_exchange('CRAM-MD5 unknown user', qr/no such user/,
              'CRAM-MD5', 'tim', 'tanstaaftanstaaf', '--user', 'tom');

# --- PLAIN -------------------------------------------------------------------
ok_exchange('PLAIN right password', 'PLAIN', 'alice', 'Secret-1', '--secure');
$t = ok_exchange('PLAIN with authzid', 'PLAIN', 'alice', 'Secret-1', '--secure', '--authzid', 'bob');
like($t, qr/authzid=bob/, 'PLAIN: authzid bob reaches the server');
ok_exchange('PLAIN no initial response', 'PLAIN', 'alice', 'Secret-1', '--secure', '--no-initial');
ok_exchange('PLAIN UTF-8 password', 'PLAIN', 'alice', $utf8pw, '--secure');
fail_exchange('PLAIN wrong password', qr/wrong password for user "alice"/,
              'PLAIN', 'alice', 'Secret-1', '--secure', '--password', 'Secret-2');
fail_exchange('PLAIN without TLS', qr/requires an encrypted \(TLS\) connection/,
              'PLAIN', 'alice', 'Secret-1');

# --- LOGIN -------------------------------------------------------------------
ok_exchange('LOGIN right password', 'LOGIN', 'alice', 'Secret-1', '--secure');
ok_exchange('LOGIN user as initial response', 'LOGIN', 'alice', 'Secret-1', '--secure', '--initial');
fail_exchange('LOGIN wrong password', qr/wrong password/,
              'LOGIN', 'alice', 'Secret-1', '--secure', '--password', 'Secret-1 ');
fail_exchange('LOGIN without TLS', qr/requires an encrypted \(TLS\) connection/,
              'LOGIN', 'alice', 'Secret-1');

done_testing();
