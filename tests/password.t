#!/usr/bin/perl
# password.t - pmdf password on a private instance: the seed's question
# ("pmdf password -show -user=*", quoted or not, and in DCL), -test,
# -delete, a real Cyrus sasldb2 made by saslpasswd2, dump/load, concurrent
# writers, and bad input that must leave the database unchanged.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use Digest::SHA qw(sha256_hex);
use FindBin;

my $top   = $ENV{PMDF_SRCDIR} || "$FindBin::Bin/..";
my $build = $ENV{PMDF_BUILD}  || "$top/build/std";
my $pmdf  = "$build/bin/pmdf";
ok(-x $pmdf, "pmdf is built") or BAIL_OUT("no $pmdf");

my $dir = tempdir(CLEANUP => 1);
chmod 0755, $dir;
delete @ENV{grep { /^PMDF_|^PMAS_/ } keys %ENV};
my $inst = "$dir/run";
system("sh '$top/tests/lib/mkinstance.sh' '$inst' '$build/bin' '$top/table' >/dev/null") == 0
    or BAIL_OUT("mkinstance failed");
$ENV{PMDF_TAILOR} = "$inst/pmdf_tailor";
my $db = "$inst/table/passdb.db";
my $empty = "$dir/empty";          # an empty directory: unquoted * matches nothing
mkdir $empty;

sub sq { my $s = shift; $s =~ s/'/'\\''/g; return "'$s'" }

# Runs a shell command line in $empty with optional stdin; returns (exit, out, err).
sub sh_run {
    my ($cmdline, $stdin) = @_;
    open(my $in, '>', "$dir/stdin") or die; print $in ($stdin // ''); close $in;
    system("cd '$empty' && $cmdline <'$dir/stdin' >'$dir/out' 2>'$dir/err'");
    my $rc = $? >> 8;
    local $/;
    open(my $o, '<', "$dir/out"); my $out = <$o> // ''; close $o;
    open(my $e, '<', "$dir/err"); my $err = <$e> // ''; close $e;
    return ($rc, $out, $err);
}
sub pmdf { my ($args, $stdin) = @_; return sh_run("'$pmdf' $args", $stdin) }
sub file_sum { open(my $f, '<', $_[0]) or return 'none'; binmode $f; local $/; my $d = <$f>; close $f; return sha256_hex($d) }

my ($rc, $out, $err);
my %pw = (alice => 'Wonder-land 1', bob => 'B0b$ecret', carol => 'c4r0l!"quote');

# --- create three users, one with an IMAP entry ----------------------------
($rc, $out, $err) = pmdf("password -user=alice", "$pw{alice}\n");
is($rc, 0, 'create alice, password from standard input') or diag $err;
($rc, $out, $err) = pmdf("password " . sq($pw{bob}) . " -user=bob");
is($rc, 0, 'create bob, password on the command line') or diag $err;
($rc, $out, $err) = pmdf("password -user=bob -service=imap", "imap-only\n");
is($rc, 0, 'bob gets an IMAP entry') or diag $err;
($rc, $out, $err) = pmdf("PASSWORD/USER=carol", "$pw{carol}\n");
is($rc, 0, 'create carol in DCL syntax') or diag $err;
is((stat $db)[2] & 0777, 0600, 'the database file is mode 0600');

# --- the seed's question, four ways ------------------------------------------
my $expect = qr/\A\S+ +\S+ +\S+\n(?:alice +DEFAULT[^\n]*\nbob +DEFAULT[^\n]*\nbob +IMAP[^\n]*\ncarol +DEFAULT[^\n]*\n)4 entries\n\z/;
for my $form ("password -show -user=*", "password -show -user='*'",
              "'PASSWORD/SHOW/USER=*'", "PASSWORD/SHOW/USER=*", "password -show -user=\"*\"") {
    ($rc, $out, $err) = pmdf($form);
    like($out, $expect, "pmdf $form lists exactly the users") or diag "$out$err";
    is($rc, 0, "  exit 0");
}
($rc, $out) = pmdf("password -show -user=a*");
like($out, qr/\A[^\n]*\nalice +DEFAULT[^\n]*\n1 entry\n\z/, '-user=a* lists alice only');
($rc, $out) = pmdf("password -show -user=b%b -service=IMAP");
like($out, qr/\A[^\n]*\nbob +IMAP[^\n]*\n1 entry\n\z/, '% wildcard and -service');
my $all = '';
for my $args ("password -show -user=*", "password -dump", "password -test -user=alice " . sq($pw{alice})) {
    my ($r, $o, $e) = pmdf($args);
    $all .= $o . $e;
}
my $leak = grep { index($all, $_) >= 0 } (values %pw, 'imap-only');
is($leak, 0, 'no password appears in any output');

# --- test and delete ---------------------------------------------------------
($rc, $out) = pmdf("password -test -user=alice " . sq($pw{alice}));
is($rc, 0, '-test accepts the right password');
like($out, qr/alice: password matches/, 'and says so');
($rc, $out) = pmdf("password -test -user=alice " . sq(uc $pw{alice}));
is($rc, 1, '-test rejects a wrong password (passwords are case-sensitive)');
like($out, qr/does not match/, 'and says so');
($rc) = pmdf("password -test -user=bob -service=IMAP", "imap-only\n");
is($rc, 0, '-test uses the service entry');
($rc) = pmdf("password -test -user=alice -service=IMAP " . sq($pw{alice}));
is($rc, 0, 'and falls back to DEFAULT when there is none');
($rc, $out, $err) = pmdf("password -test -user=nobody_here x");
is($rc, 1, '-test of an unknown user fails');
($rc, $out, $err) = pmdf("password -delete -user=bob");
is($rc, 0, '-delete -user=bob');
like($out, qr/2 entries deleted/, 'removes both of bob\'s entries');
($rc, $out) = pmdf("password -show -user=*");
like($out, qr/\A[^\n]*\nalice +DEFAULT[^\n]*\ncarol +DEFAULT[^\n]*\n2 entries\n\z/, 'only bob is gone');
($rc, $out, $err) = pmdf("password -delete -user=zed*");
is($rc, 1, 'deleting what does not exist fails');
like($err, qr/no entries match/, 'and says so');

# --- bad input: clear errors, database unchanged ----------------------------------
my $before = file_sum($db);
my @bad = (
    ["password -user=" . sq("a\tb") . " x", qr/user name contains a control character/, 'a user name with a control character'],
    ["password -user=" . ('u' x 256) . " x", qr/256 bytes long; the limit is 255/, 'a user name over 255 bytes'],
    ["password -user=alice -service=gopher x", qr/unknown service keyword "gopher"/, 'an unknown service keyword'],
    ["password -user=alice -iterations=100 x", qr/out of range/, 'too few iterations'],
    ["password -frobnicate", qr/unknown qualifier "-frobnicate"/, 'an unknown qualifier'],
    ["password -show -delete -user=x", qr/mutually exclusive/, 'two actions at once'],
    ["password -user=alice", qr/end of input|empty password/, 'no password given on a closed input'],
);
for my $case (@bad) {
    my ($args, $re, $name) = @$case;
    ($rc, $out, $err) = pmdf($args, '');
    ok($rc != 0, "$name: refused");
    like($err, $re, "$name: the error says why") or diag $err;
}
is(file_sum($db), $before, 'the database is unchanged by all of them');

open(my $g, '>', "$dir/garbage.db") or die; print $g map { chr(($_ * 7919) % 251) } 1 .. 16384; close $g;
my $gsum = file_sum("$dir/garbage.db");
($rc, $out, $err) = sh_run("PMDF_PASSWORD_DATABASE='$dir/garbage.db' '$pmdf' password -user=x y");
ok($rc != 0, 'a damaged database file is refused');
like($err, qr/garbage\.db.*not a Berkeley DB B-tree/, 'named, with the reason') or diag $err;
is(file_sum("$dir/garbage.db"), $gsum, 'and left as it was');

# --- a real Cyrus sasldb2 -----------------------------------------------------------
SKIP: {
    skip "saslpasswd2 not installed (Debian package sasl2-bin)", 8 unless -x '/usr/sbin/saslpasswd2';
    my $sasldb = "$dir/sasldb2";
    for my $u (['dave', 'd4ve pass'], ['erin', 'Erin#2']) {
        ($rc, $out, $err) = sh_run("(printf '%s' " . sq($u->[1]) . " | /usr/sbin/saslpasswd2 -p -c -f '$sasldb' -u example.org $u->[0])");
        is($rc, 0, "saslpasswd2 creates $u->[0]") or diag $err;
    }
    my $ssum = file_sum($sasldb);
    ($rc, $out, $err) = sh_run("PMDF_PASSWORD_DATABASE='$sasldb' '$pmdf' password -user=x y");
    like($err, qr/not a Berkeley DB B-tree/, 'a foreign (sasldb hash) file is refused as a password database');
    is(file_sum($sasldb), $ssum, 'and left as it was');
    ($rc, $out, $err) = pmdf("password -convert='$sasldb'");
    is($rc, 0, '-convert imports the sasldb') or diag $err;
    like($out, qr/2 users converted/, 'two users');
    ($rc) = pmdf("password -test -user=dave " . sq('d4ve pass'));
    is($rc, 0, 'a converted user passes -test');
    ($rc) = pmdf("password -test -user=erin wrong");
    is($rc, 1, 'and a wrong password still fails');
}

# --- dump and load ---------------------------------------------------------------------
($rc, $out, $err) = pmdf("password -dump='$dir/dump.txt'");
is($rc, 0, '-dump to a file') or diag $err;
{
    local $ENV{PMDF_PASSWORD_DATABASE} = "$dir/copy.db";
    ($rc, $out, $err) = pmdf("password -load='$dir/dump.txt'");
    is($rc, 0, '-load into a new database') or diag $err;
    ($rc) = pmdf("password -test -user=carol " . sq($pw{carol}));
    is($rc, 0, 'a loaded user passes -test');
    open(my $d, '>>', "$dir/dump.txt") or die; print $d "mallory\tDEFAULT\tnot!base64\n"; close $d;
    my $csum = file_sum("$dir/copy.db");
    ($rc, $out, $err) = pmdf("password -load='$dir/dump.txt'");
    ok($rc != 0, 'a damaged dump is refused');
    like($err, qr/dump\.txt:\d+: secret is not valid base64.*nothing was loaded/, 'with file:line');
    ($rc, $out) = pmdf("password -show -user=mallory");
    like($out, qr/^0 entries/m, 'and nothing of it was loaded');
}

# --- concurrent writers ------------------------------------------------------------------
{
    my @pids;
    for my $w (1 .. 2) {
        my $pid = fork() // die;
        if ($pid == 0) {
            for my $i (1 .. 25) {
                system("'$pmdf' password -user=w${w}u$i pw$i >/dev/null 2>&1") == 0 or exit 1;
            }
            exit 0;
        }
        push @pids, $pid;
    }
    my $ok = 1;
    for (@pids) { waitpid($_, 0); $ok = 0 if $? != 0 }
    ok($ok, 'two pmdf password processes write at once');
    ($rc, $out) = pmdf("password -show -user=w*");
    like($out, qr/^50 entries$/m, 'all 50 users are there');
    ($rc) = pmdf("password -test -user=w2u25 pw25");
    is($rc, 0, 'and usable');
}

# --- privileges and a read-only database ----------------------------------------------------
SKIP: {
    skip "not root: cannot switch to another user", 5 if $> != 0;
    skip "setpriv not found (Debian package util-linux)", 5 unless -x '/usr/bin/setpriv';
    my $as_nobody = "/usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups";
    chmod 0755, $inst, "$inst/table";
    ($rc, $out, $err) = sh_run("$as_nobody '$pmdf' password -show -user=*");
    ok($rc != 0, 'another user may not list everyone');
    like($err, qr/only root or the owner of .*passdb\.db/, 'and is told why');
    my $ro = "$dir/ro";
    mkdir $ro; chown 65534, 65534, $ro;
    system("cp '$db' '$ro/passdb.db'") == 0 or die;
    chown 65534, 65534, "$ro/passdb.db";
    chmod 0400, "$ro/passdb.db";
    my $rosum = file_sum("$ro/passdb.db");
    ($rc, $out, $err) = sh_run("PMDF_PASSWORD_DATABASE='$ro/passdb.db' $as_nobody '$pmdf' password -user=alice newpw");
    ok($rc != 0, 'a read-only database refuses an update');
    like($err, qr/passdb\.db: cannot open for update: permission denied/, 'with a clear error') or diag $err;
    is(file_sum("$ro/passdb.db"), $rosum, 'and is unchanged');
}

done_testing();
