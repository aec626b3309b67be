#!/usr/bin/perl
# config.t - the MTA configuration end to end through the pmdf command:
# "pmdf test -rewrite" over a table of addresses for the default
# configuration and a firewall-style one, the relay verdicts, "pmdf test
# -mapping", cnbuild and its image (current, stale, damaged), bad input
# with file:line errors, and the readline prompt driven through a
# pseudo-terminal (script(1)).
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use FindBin;

my $top   = $ENV{PMDF_SRCDIR} || "$FindBin::Bin/..";
my $build = $ENV{PMDF_BUILD}  || "$top/build/std";
my $pmdf  = "$build/bin/pmdf";
ok(-x $pmdf, "pmdf is built") or BAIL_OUT("no $pmdf");

my $dir = tempdir(CLEANUP => 1);
delete @ENV{grep { /^PMDF_|^PMAS_/ } keys %ENV};
my $inst = "$dir/run";
{
    local $ENV{PMDF_INSTANCE_HOST} = 'mail.example.com';
    system("sh '$top/tests/lib/mkinstance.sh' '$inst' '$build/bin' '$top/table' >/dev/null") == 0
        or BAIL_OUT("mkinstance failed");
}
$ENV{PMDF_TAILOR} = "$inst/pmdf_tailor";
my $table = "$inst/table";

sub sq { my $s = shift; $s =~ s/'/'\\''/g; return "'$s'" }
sub run {
    my ($cmdline, $stdin) = @_;
    open(my $in, '>', "$dir/stdin") or die; print $in ($stdin // ''); close $in;
    system("$cmdline <'$dir/stdin' >'$dir/out' 2>'$dir/err'");
    my $rc = $? >> 8;
    local $/;
    open(my $o, '<', "$dir/out"); my $out = <$o> // ''; close $o;
    open(my $e, '<', "$dir/err"); my $err = <$e> // ''; close $e;
    return ($rc, $out, $err);
}
sub pmdf { my ($args, $stdin) = @_; return run("'$pmdf' $args", $stdin) }
sub put { my ($path, $text) = @_; open(my $f, '>', $path) or die "$path: $!"; print $f $text; close $f }
sub read_file { my $path = shift; open(my $f, '<', $path) or return ''; local $/; my $d = <$f>; close $f; return $d }

# Rewrites one address; returns (channel, envelope To address, whole output).
sub rewrite {
    my ($addr, @opts) = @_;
    my ($rc, $out, $err) = pmdf("test -rewrite -noimage @opts " . sq($addr));
    my ($ch) = $out =~ /^channel  = (\S+)$/m;
    my ($to) = $out =~ /^envelope To: address = (.*?) \(host/m;
    return ($ch // "(none: $out$err)", $to // '', $out . $err, $rc);
}

# --- the default configuration: a table of addresses ----------------------------
my @default = (
    # address                          channel      envelope To
    ['user@mail.example.com',          'l',         'user@mail.example.com',  'local host'],
    ['User@MAIL.Example.COM',          'l',         'User@mail.example.com',  'case-blind match, local part case kept'],
    ['postmaster@localhost',           'l',         'postmaster@mail.example.com', 'localhost alias'],
    ['u@[127.0.0.1]',                  'l',         'u@mail.example.com',     'own IP literal'],
    ['u@[IPv6:::1]',                   'l',         'u@mail.example.com',     'own IPv6 literal'],
    ['bob@remote.example.org',         'tcp_local', 'bob@remote.example.org', 'remote domain'],
    ['bob@deep.sub.remote.example.org','tcp_local', 'bob@deep.sub.remote.example.org', 'remote subdomain'],
    ['a%b.example.net@remote.org',     'tcp_local', 'a%b.example.net@remote.org', 'percent hack to a remote host'],
    ['a%remote.org@mail.example.com',  'tcp_local', 'a@remote.org',           'percent hack through the local host'],
    ['remote.org!user@mail.example.com','tcp_local','user@remote.org',        'bang path through the local host'],
    ['@r1.example,@r2.example:u@x.example', 'tcp_local', '@r1.example,@r2.example:u@x.example', 'source route'],
    ['u@[192.0.2.7]',                  'tcp_local', 'u@[192.0.2.7]',          'foreign IP literal'],
    ['"john doe"@mail.example.com',    'l',         '"john doe"@mail.example.com', 'quoted local part'],
    ['"a@b"@remote.org',               'tcp_local', '"a@b"@remote.org',       'quoted @ in the local part'],
);
for my $case (@default) {
    my ($addr, $want_ch, $want_to, $name) = @$case;
    my ($ch, $to, $all) = rewrite($addr);
    is($ch, $want_ch, "default: $name: channel") or diag $all;
    is($to, $want_to, "default: $name: address");
}
my ($ch, $to, $all, $rc) = rewrite('postmaster@localhost');
like($all, qr/^alias expansion: postmaster -> root$/m, 'local addresses expand through the alias file');
($ch, $to, $all, $rc) = rewrite('"unbalanced@mail.example.com');
ok($rc != 0 && $all =~ /\*\*\*/, 'a malformed address is rejected with a reason');

# --- relay verdicts (ORIG_SEND_ACCESS of the default mappings) ----------------------
my @relay = (
    ['tcp_local',    'bob@remote.example.org', 1, 'outside to outside is refused'],
    ['tcp_local',    'user@mail.example.com',  0, 'outside to local is accepted'],
    ['tcp_internal', 'bob@remote.example.org', 0, 'inside to outside is accepted'],
    ['tcp_auth',     'bob@remote.example.org', 0, 'authenticated to outside is accepted'],
    ['l',            'bob@remote.example.org', 0, 'local to outside is accepted'],
);
for my $case (@relay) {
    my ($src, $addr, $refused, $name) = @$case;
    ($ch, $to, $all, $rc) = rewrite($addr, "-source_channel=$src", "-from=" . sq('someone@outside.example'));
    if ($refused) {
        like($all, qr/ORIG_SEND_ACCESS mapping: .* refused: SMTP relaying not permitted/, "$name: the text");
        like($all, qr/^\*\*\* address rejected$/m, "$name");
        is($rc, 1, "$name: exit 1");
    } else {
        like($all, qr/^address accepted$/m, $name) or diag $all;
        is($rc, 0, "$name: exit 0");
    }
}

# --- test -mapping ------------------------------------------------------------------
my ($out, $err);
($rc, $out) = pmdf("test -mapping -noimage -table=INTERNAL_IP 127.0.0.9");
like($out, qr/Output flags: \[Y\]/, 'INTERNAL_IP: loopback is internal');
($rc, $out) = pmdf("test -mapping -noimage -table=INTERNAL_IP 192.0.2.1");
like($out, qr/Output flags: \[N\]/, 'INTERNAL_IP: anything else is not');
($rc, $out) = pmdf("test -mapping -noimage", "ORIG_SEND_ACCESS\ntcp_local|a\@b|tcp_local|c\@d\ntcp_local|a\@b|l|c\@d\n");
like($out, qr/Output string: SMTP relaying not permitted\nOutput flags: \[N\].*does not match/s,
     'prompted table name and strings read from standard input');
($rc, $out, $err) = pmdf("test -mapping -noimage -table=NO_SUCH_TABLE x");
like($err, qr/no mapping table "NO_SUCH_TABLE"/, 'an unknown table is named');

# --- a firewall-style configuration: every outside domain to a gateway -------------
my $default_cnf = read_file("$table/pmdf.cnf");
(my $fw = $default_cnf) =~ s/^tcp_local smtp /tcp_local smtp daemon gw.example.com /m;
$fw =~ s/^\.\t+\$U%\$H\@TCP-DAEMON$/.example.com\t\$U%\$H\$D\@TCP-INTERNAL\n.\t\t\t\t\$U%\$H\@TCP-DAEMON/m;
put("$table/pmdf.cnf", $fw);
my @firewall = (
    ['user@mail.example.com',   'l',            'user@mail.example.com',   undef,            'local host'],
    ['ann@eng.example.com',     'tcp_internal', 'ann@eng.example.com',     undef,            'internal domain'],
    ['bob@remote.example.org',  'tcp_local',    'bob@remote.example.org',  'gw.example.com', 'outside via the gateway'],
    ['x@another.net',           'tcp_local',    'x@another.net',           'gw.example.com', 'any outside domain via the gateway'],
    ['u@[198.51.100.4]',        'tcp_local',    'u@[198.51.100.4]',        'gw.example.com', 'IP literal via the gateway'],
);
for my $case (@firewall) {
    my ($addr, $want_ch, $want_to, $daemon, $name) = @$case;
    ($ch, $to, $all) = rewrite($addr);
    is($ch, $want_ch, "firewall: $name: channel") or diag $all;
    is($to, $want_to, "firewall: $name: address");
    if (defined $daemon) {
        like($all, qr/^channel daemon = \Q$daemon\E$/m, "firewall: $name: next hop is the gateway");
    }
}
put("$table/pmdf.cnf", $default_cnf);

# --- cnbuild and the compiled image ------------------------------------------------------
($rc, $out, $err) = pmdf("cnbuild");
is($rc, 0, 'cnbuild compiles the default configuration') or diag $err;
like($out, qr/rewrite rules, 4 channels, \d+ aliases/, 'and reports what it compiled');
ok(-s "$inst/lib/config_data", 'the image is written to PMDF_CONFIG_DATA');
($rc, $out, $err) = pmdf("test -rewrite bob\@remote.example.org");
is($err, '', 'a current image is used without a warning');
like($out, qr/^channel  = tcp_local$/m, 'and routes like the text');
($rc, $out, $err) = pmdf("test -rewrite abuse\@localhost hostmaster\@localhost nobody-here\@localhost");
like($out, qr/^alias expansion: abuse -> root\n.*^alias expansion: hostmaster -> root$/ms,
     'aliases expand from the image (searched in place)');
unlike($out, qr/alias expansion: nobody-here/, 'and a name that is no alias does not');
sleep 1;
put("$table/pmdf.cnf", $default_cnf . "! edited\n");
($rc, $out, $err) = pmdf("test -rewrite bob\@remote.example.org");
like($err, qr/config_data: stale: .*pmdf\.cnf was changed.*reading the configuration files instead/,
     'an edited source makes the image stale, with a warning');
like($out, qr/^channel  = tcp_local$/m, 'and the text is used');
put("$table/tcp_local_option", "MAX_HEADER_LINE_LENGTH=998\n");
($rc) = pmdf("cnbuild");
unlink "$table/tcp_local_option";
($rc, $out, $err) = pmdf("test -rewrite x\@localhost");
like($err, qr/stale: .*tcp_local_option was removed/, 'a removed option file makes it stale');
($rc) = pmdf("cnbuild");
my $img = read_file("$inst/lib/config_data");
substr($img, 40, 8) = "\xff" x 8;
put("$inst/lib/config_data", $img);
($rc, $out, $err) = pmdf("test -rewrite x\@localhost");
like($err, qr/config_data: damaged/, 'a damaged image is detected');
like($out, qr/^channel  = l$/m, 'and the text is used');
put("$inst/lib/config_data", "PMDFIMG\n\0\0\0\x63" . ("\0" x 24));
($rc, $out, $err) = pmdf("test -rewrite x\@localhost");
like($err, qr/image format 99/, 'an image of another format version is ignored');

# --- bad input: file:line errors, the image left alone ------------------------------------
($rc) = pmdf("cnbuild");
my $good_img = read_file("$inst/lib/config_data");
my @bad = (
    ["pmdf.cnf", sub { (my $t = shift) =~ s/^tcp_auth smtp /tcp_auth smtp frobnicate /m; $t },
     qr/pmdf\.cnf:\d+: unknown channel keyword "frobnicate"/, 'an unknown channel keyword'],
    ["pmdf.cnf", sub { (my $t = shift) =~ s/^localhost\t+\S+$/localhost/m; $t },
     qr/pmdf\.cnf:15: /, 'a rewrite rule without a template'],
    ["pmdf.cnf", sub { "<PMDF_TABLE:pmdf.cnf\n" . $_[0] },
     qr/pmdf\.cnf:1: include loop/, 'an include loop'],
    ["pmdf.cnf", sub { "x" x (10 * 1024 * 1024) . " \$U\@x\n" . $_[0] },
     qr/pmdf\.cnf:1: line longer than/, 'a 10 MB line'],
    ["mappings", sub { $_[0] . "PORT_ACCESS\n\n  \$(10.0.0.0/33)|*  \$Y\n" },
     qr/mappings:\d+: .*(CIDR|prefix|\/33)/i, 'a bad CIDR in the mappings'],
    ["aliases", sub { $_[0] . "nocolon here\n" },
     qr/aliases:\d+: /, 'an alias line without a colon'],
);
for my $case (@bad) {
    my ($file, $edit, $re, $name) = @$case;
    my $orig = read_file("$table/$file");
    put("$table/$file", $edit->($orig));
    my ($r1, $o1, $e1) = pmdf("test -rewrite -noimage x\@localhost");
    my ($r2, $o2, $e2) = pmdf("cnbuild");
    ok($r1 != 0 && $r2 != 0, "$name: refused");
    like($e1, $re, "$name: file:line: message") or diag $e1;
    my ($m1) = $e1 =~ /^(pmdf: error: .*)$/m;
    my ($m2) = $e2 =~ /^(pmdf: error: .*)$/m;
    is($m2, $m1, "$name: cnbuild reports it exactly as the text reader does");
    is(read_file("$inst/lib/config_data"), $good_img, "$name: the image is unchanged");
    put("$table/$file", $orig);
}
{
    my $orig = read_file("$table/pmdf.cnf");
    (my $loop = $orig) =~ s/^(localhost\t)/loop.example\t\t\$U%loop.example\nlocalhost\t/m;
    put("$table/pmdf.cnf", $loop);
    ($ch, $to, $all, $rc) = rewrite('u@loop.example');
    ok($rc != 0 && $all =~ /rewrite loop/, 'a rewrite loop is reported, not followed') or diag $all;
    put("$table/pmdf.cnf", $orig);
}

# --- the readline prompt through a pseudo-terminal -----------------------------------------
SKIP: {
    skip "script(1) not found (Debian package bsdutils)", 4 unless -x '/usr/bin/script';
    ($rc, $out) = run("(printf 'a\@localhost\\n\\033[A\\n\\004' | /usr/bin/script -q -c " .
                      sq("'$pmdf' test -rewrite -noimage") . " /dev/null)");
    my @prompts = $out =~ /Address: /g;
    ok(@prompts >= 3, 'on a terminal it prompts "Address: " until end of input');
    my @results = $out =~ /channel  = l\r?$/mg;
    is(scalar @results, 2, 'the up arrow recalls the previous address from the history');
    ($rc, $out) = run("(printf 'INTERNAL_IP\\n127.0.0.1\\n\\004' | /usr/bin/script -q -c " .
                      sq("'$pmdf' test -mapping -noimage") . " /dev/null)");
    like($out, qr/Enter table name: /, 'test -mapping prompts for the table');
    like($out, qr/Input string: .*Output flags: \[Y\]/s, 'then for strings');
}
($rc, $out) = pmdf("test -rewrite -noimage", "a\@localhost\n");
unlike($out, qr/Address: /, 'not on a terminal, no prompt is printed');
like($out, qr/^channel  = l$/m, 'and lines are read plainly');

done_testing();
