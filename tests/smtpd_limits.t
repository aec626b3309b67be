#!/usr/bin/perl
# smtpd_limits.t - the SMTP server's bounded counters and timers, set low in
# option.dat: command timeout (a slow client is cut off without delaying
# others), errors before disconnect, recipients, message and SIZE limits,
# command line length, the Received: loop cut, and failed AUTH slowed down
# then ended.
use strict;
use warnings;
use Test::More;
use IO::Socket::INET;
use Time::HiRes qw(time sleep);
use FindBin;
use lib "$FindBin::Bin/lib";
use PmdfTest qw(instance free_port start_server stop_server run sq wait_port);

my ($dir, $inst, $build, $top) = instance();
open(my $o, '>>', "$inst/table/option.dat") or die;
print $o "COMMAND_TIMEOUT=2\nMAX_ERRORS=3\nMAX_RECIPIENTS=3\nMAX_MESSAGE_SIZE=2000\n"
       . "MAX_RECEIVED_LINES=5\nAUTH_FAILURE_DELAY=400\nMAX_AUTH_FAILURES=2\n";
close $o;
# AUTH without TLS needs CRAM-MD5; the test user is in the database.
run($dir, "'$build/bin/pmdf' password -user=carol " . sq('right pw'));
my $port = free_port();
my $pid = start_server($dir, $build, "-port=$port", "-listen=127.0.0.1");
ok(wait_port($port), 'the server listens') or BAIL_OUT('no server');

sub conn {
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Proto => 'tcp') or die;
    my $greet = <$s>;
    return $s;
}
sub reply {
    my ($s) = @_;
    my $all = '';
    while (defined(my $l = <$s>)) {
        $all .= $l;
        last if $l =~ /^\d{3} /;
    }
    return $all;
}
sub cmd { my ($s, $line) = @_; print $s "$line\r\n"; return reply($s) }

# --- errors before disconnect -----------------------------------------------------
{
    my $s = conn();
    cmd($s, 'EHLO x');
    like(cmd($s, 'FROB'), qr/^500 /, 'an unknown command');
    cmd($s, 'FROB');
    my $r = cmd($s, 'FROB');
    $r .= reply($s);
    like($r, qr/^500 .*\n421 4\.7\.0 .*Too many errors/m, 'the third error is answered, then 421 ends the session');
    ok(!defined(<$s>), 'and the connection is closed');
}

# --- recipients, SIZE, message size, line length ------------------------------------
{
    my $s = conn();
    cmd($s, 'EHLO x');
    like(cmd($s, 'MAIL FROM:<a@b.example> SIZE=5000'), qr/^552 5\.3\.4/, 'SIZE over the limit is refused at MAIL');
    like(cmd($s, 'MAIL FROM:<a@b.example> SIZE=500'), qr/^250 /, 'SIZE under it is fine');
    like(cmd($s, "RCPT TO:<u$_\@mail.example.com>"), qr/^250 /, "recipient $_") for 1 .. 3;
    like(cmd($s, 'RCPT TO:<u4@mail.example.com>'), qr/^452 4\.5\.3/, 'the fourth recipient: 452 too many');
    like(cmd($s, 'DATA'), qr/^354 /, 'DATA');
    print $s "Subject: big\r\n\r\n" . ("x" x 70 . "\r\n") x 40 . ".\r\n";
    like(reply($s), qr/^552 5\.3\.4 Message size exceeds/, 'a message over MAX_MESSAGE_SIZE is refused after DATA');
    like(cmd($s, 'RSET'), qr/^250 /, 'the session goes on');
    like(cmd($s, 'NOOP ' . ('y' x 3000)), qr/^500 5\.5\.2 Line too long/, 'a command line over the limit');
    like(cmd($s, 'QUIT'), qr/^221 /, 'QUIT');
}

# --- CHUNKING: BDAT joined like DATA, and BDAT without a transaction ----------------------
{
    my $s = conn();
    like(cmd($s, 'EHLO x'), qr/^250 CHUNKING/m, 'CHUNKING offered');
    cmd($s, 'MAIL FROM:<a@b.example>');
    cmd($s, 'RCPT TO:<u@mail.example.com>');
    my $part1 = "Subject: bdat\r\n\r\nfirst part, ";
    my $part2 = "second part\r\n.\r\n";          # no end marker in BDAT: the dot is data
    print $s 'BDAT ' . length($part1) . "\r\n" . $part1;
    like(reply($s), qr/^250 2\.0\.0 \d+ octets received/, 'a BDAT chunk');
    print $s 'BDAT ' . length($part2) . " LAST\r\n" . $part2;
    like(reply($s), qr/^250 2\.0\.0 Ok: queued as ZZ/, 'BDAT LAST queues the joined message');
    print $s "BDAT 5 LAST\r\nhello";
    like(reply($s), qr/^503 5\.5\.1 BDAT without MAIL/, 'BDAT without a transaction: one reply, after the chunk');
    like(cmd($s, 'NOOP'), qr/^250 /, 'and the session stays in step');
    cmd($s, 'QUIT');
}

# --- Received: loop cut ----------------------------------------------------------------
{
    my $s = conn();
    cmd($s, 'EHLO x');
    cmd($s, 'MAIL FROM:<a@b.example>');
    cmd($s, 'RCPT TO:<u@mail.example.com>');
    cmd($s, 'DATA');
    print $s ("Received: from hop$_ by hop$_; Tue, 24 Nov 2026 10:00:00 +0000\r\n") x 1 for 1 .. 6;
    print $s "Subject: loop\r\n\r\nbody\r\n.\r\n";
    like(reply($s), qr/^554 5\.4\.6 Too many Received: headers \(6\): mail loop/, 'a looping message is cut');
    cmd($s, 'QUIT');
}

# --- failed AUTH is slowed down and ended -------------------------------------------------------
{
    my $s = conn();
    like(cmd($s, 'EHLO x'), qr/AUTH SCRAM-SHA-256 CRAM-MD5\r\n/, 'AUTH offered without PLAIN/LOGIN in clear');
    like(cmd($s, 'AUTH PLAIN AGNhcm9sAHJpZ2h0IHB3'), qr/^538 5\.7\.11/, 'PLAIN in clear text is refused');
    my $c = cmd($s, 'AUTH CRAM-MD5');
    like($c, qr/^334 /, 'CRAM-MD5 challenge');
    my $t0 = time;
    my $r = cmd($s, 'Y2Fyb2wgMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDA=');
    my $t1 = time - $t0;
    like($r, qr/^535 5\.7\.8/, 'a wrong answer: 535');
    ok($t1 >= 0.35, sprintf('the failure reply is delayed (%.2f s)', $t1));
    cmd($s, 'AUTH CRAM-MD5');
    $t0 = time;
    $r = cmd($s, 'Y2Fyb2wgMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDA=');
    $t1 = time - $t0;
    like($r, qr/^535 5\.7\.8/, 'a second failure');
    ok($t1 >= 0.75, sprintf('delayed longer each time (%.2f s)', $t1));
    my $rest = join('', <$s>);
    like($r . $rest, qr/^421 4\.7\.0 Too many failed authentications/m, 'the bound ends the session');
}

# --- a slow client is timed out without delaying others -----------------------------------------
{
    my $slow = conn();
    print $slow "EH";                        # and then nothing
    my $t0 = time;
    my $s = conn();
    like(cmd($s, 'EHLO quick'), qr/^250 /m, 'another client is served meanwhile');
    ok(time - $t0 < 1, 'at once');
    cmd($s, 'QUIT');
    my $r = join('', <$slow>);
    my $waited = time - $t0;
    like($r, qr/^421 4\.4\.2 .*Timeout/m, 'the slow client gets 421 timeout');
    ok($waited >= 1.5 && $waited < 6, sprintf('after COMMAND_TIMEOUT (%.1f s)', $waited));
}

is(stop_server($pid), 0, 'clean stop');
done_testing();
