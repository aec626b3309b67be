#!/usr/bin/perl
# pmdf_cmd.t - the pmdf command end to end: both syntaxes, show logical,
# filespec, help, and the errors an administrator sees.  Runs the built
# binary ($PMDF_BUILD/bin/pmdf) against tailor files written here.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use FindBin;

my $top   = $ENV{PMDF_SRCDIR} || "$FindBin::Bin/..";
my $build = $ENV{PMDF_BUILD}  || "$top/build/std";
my $pmdf  = "$build/bin/pmdf";
ok(-x $pmdf, "pmdf is built at $pmdf") or BAIL_OUT("no pmdf binary");

my $dir = tempdir(CLEANUP => 1);
delete @ENV{grep { /^PMDF_|^PMAS_/ } keys %ENV};

sub tailor {
    my ($text) = @_;
    open(my $fh, '>', "$dir/tailor") or die "$dir/tailor: $!";
    print $fh $text;
    close $fh;
    $ENV{PMDF_TAILOR} = "$dir/tailor";
}

# Runs pmdf with a list of arguments (no shell); returns (exit, stdout, stderr).
sub pmdf {
    my @args = @_;
    my $pid = open(my $out, '-|') // die "fork: $!";
    if ($pid == 0) {
        open(STDERR, '>', "$dir/stderr") or die;
        exec($pmdf, @args) or die "exec: $!";
    }
    local $/;
    my $stdout = <$out> // '';
    close $out;
    my $status = $? >> 8;
    open(my $e, '<', "$dir/stderr") or die;
    my $stderr = <$e> // '';
    close $e;
    return ($status, $stdout, $stderr);
}

tailor(<<'T');
! test tailor
PMDF_ROOT/CONCEALED=/pmdf/
PMDF_TABLE=/pmdf/table/
PMDF_PATH=/site/table/, /pmdf/table/
PMDF_CONFIG_FILE=PMDF_TABLE:pmdf.cnf
PMDF_GRP/GROUP/SUPERVISOR_MODE=/grp/
T

my ($rc, $out, $err);

# --- filespec ----------------------------------------------------------
($rc, $out) = pmdf('filespec', 'PMDF_TABLE:dispatcher.cnf');
is($out, "/pmdf/table/dispatcher.cnf\n", 'filespec PMDF_TABLE:dispatcher.cnf (the example)');
is($rc, 0, 'exit 0');
($rc, $out) = pmdf('FILESPEC', 'pmdf_root:[table.sub]x.cnf;2');
is($out, "/pmdf/table/sub/x.cnf\n", 'rooted directory, version dropped, case-blind names');
($rc, $out) = pmdf('filespec', '-all', 'PMDF_PATH:aliases');
is($out, "/site/table/aliases\n/pmdf/table/aliases\n", '-all lists the search list in order');
($rc, $out) = pmdf('filespec', '-create', 'PMDF_PATH:new.db');
is($out, "/site/table/new.db\n", '-create takes the first element');
($rc, $out) = pmdf('filespec', '/pmdf/table/x.cnf');
is(lc $out, "pmdf:[table]x.cnf\n", 'a Unix path becomes a VMS spec');
($rc, $out) = pmdf('FILESPEC/NOTRANSLATE', 'PMDF_TABLE:x.cnf');
is($out, "/PMDF_TABLE/x.cnf\n", 'DCL syntax, /NOTRANSLATE converts syntax only');
($rc, $out) = pmdf('filespec', '-fileify', '[.a.b]');
is(lc $out, "[.a]b.dir;1\n", '-fileify');
($rc, $out, $err) = pmdf('filespec', 'PMDF_TABLE:[a.b', 'PMDF_TABLE:ok.cnf');
is($rc, 1, 'an unbalanced bracket fails the command');
like($err, qr/^pmdf: error: .*bracket.*\[a\.b/m, 'the error names the spec and the problem');
is($out, "/pmdf/table/ok.cnf\n", 'the other specs are still converted');
($rc, $out, $err) = pmdf('filespec', 'NOSUCH:x');
like($err, qr/"NOSUCH" is not a defined logical name/, 'an undefined logical name');

# --- show logical ------------------------------------------------------
($rc, $out) = pmdf('show', 'logical', 'pmdf_table');
is($out, qq{   "PMDF_TABLE" = "/pmdf/table/" (LNM\$SYSTEM_TABLE)\n}, 'one name, VMS format');
($rc, $out) = pmdf('show', 'logical', 'PMDF_PATH');
is($out, qq{   "PMDF_PATH" = "/site/table/" (LNM\$SYSTEM_TABLE)\n        = "/pmdf/table/"\n},
   'search-list elements on their own lines');
($rc, $out) = pmdf('show', 'logical', 'PMDF_CONFIG_FILE');
is($out, qq{   "PMDF_CONFIG_FILE" = "PMDF_TABLE:pmdf.cnf" (LNM\$SYSTEM_TABLE)\n}
       . qq{1  "PMDF_TABLE" = "/pmdf/table/" (LNM\$SYSTEM_TABLE)\n}, 'iterative levels numbered');
my $full = qq{   "PMDF_ROOT" [exec] = "/pmdf/" [concealed] (LNM\$SYSTEM_TABLE)\n};
($rc, $out) = pmdf('show', 'logical', '-full', 'PMDF_ROOT');
is($out, $full, '-full shows mode and attributes');
($rc, $out) = pmdf('SHOW', 'LOGICAL/FULL', 'PMDF_ROOT');
is($out, $full, 'DCL: SHOW LOGICAL/FULL');
($rc, $out) = pmdf('SHOW LOGICAL/FULL PMDF_ROOT');
is($out, $full, 'DCL as one quoted word');
($rc, $out) = pmdf('sho', 'log', '-fu', 'PMDF_ROOT');   # "sh": SHOW or SHUTDOWN
is($out, $full, 'abbreviations');
($rc, $out) = pmdf('show', 'logical', 'PMDF_G*');
is($out, qq{\n(LNM\$GROUP)\n\n  "PMDF_GRP" = "/grp/"\n}, 'a pattern lists table by table');
($rc, $out) = pmdf('show', 'logical', '*');
like($out, qr/\(LNM\$GROUP\).*\(LNM\$SYSTEM_TABLE\).*"PMDF_CONFIG_FILE".*"PMDF_ROOT"/s,
     'every name, tables in search order, names sorted');
($rc, $out) = pmdf('show', 'logical', '-table=LNM$SYSTEM_TABLE', 'PMDF_G*');
is($rc, 1, 'nothing matches in the system table');
like($out, qr/%SHOW-S-NOTRAN, no translation for logical name PMDF_G\*/, 'NOTRAN message');
($rc, $out) = pmdf('show', 'logical', 'NO_SUCH_NAME');
is($rc, 1, 'an undefined name exits 1');
is($out, "%SHOW-S-NOTRAN, no translation for logical name NO_SUCH_NAME\n", 'and says so as VMS does');
($rc, $out, $err) = pmdf('show', 'logical', '-table=LNM$BOGUS', 'X');
like($err, qr/unknown logical name table "LNM\$BOGUS"/, 'an unknown table is named');

{
    local $ENV{PMDF_TABLE} = '/from/env/';
    ($rc, $out) = pmdf('show', 'logical', 'PMDF_TABLE');
    is($out, qq{   "PMDF_TABLE" = "/from/env/" (LNM\$PROCESS_TABLE)\n},
       'an environment variable overrides the tailor file (process table)');
    ($rc, $out) = pmdf('filespec', 'PMDF_CONFIG_FILE:');
    is($out, "/from/env/pmdf.cnf\n", 'and translation follows it');
}

# --- errors --------------------------------------------------------------
tailor("PMDF_A=/a/\nPMDF_B /a/\n");
($rc, $out, $err) = pmdf('show', 'logical', 'PMDF_A');
is($rc, 1, 'a bad tailor file fails the command');
like($err, qr{\Q$dir\E/tailor:2: expected "=" after PMDF_B}, 'with file:line: message');

tailor("LOOP_A=LOOP_B:\nLOOP_B=LOOP_A:[X]\n");
($rc, $out, $err) = pmdf('show', 'logical', 'LOOP_A');
is($rc, 1, 'a loop fails show logical');
like($err, qr/loop: LOOP_A -> LOOP_B -> LOOP_A/, 'and names the chain');
like($out, qr/"LOOP_A" = "LOOP_B:"/, 'after showing what it could');
($rc, $out, $err) = pmdf('filespec', 'LOOP_A:x.y');
like($err, qr/loop: LOOP_A -> LOOP_B -> LOOP_A/, 'a loop fails filespec too');

($rc, $out, $err) = pmdf('pasword', '-show');
is($rc, 1, 'an unknown verb exits 1');
like($err, qr/unknown verb "pasword"/, 'and names the word');
($rc, $out, $err) = pmdf('show', 'logical', '-frob');
like($err, qr/unknown qualifier "-frob"/, 'an unknown qualifier is named');
($rc, $out, $err) = pmdf('filespec', '-unix', '-vms', 'x');
like($err, qr/mutually exclusive/, 'exclusive qualifiers');
($rc, $out, $err) = pmdf();
is($rc, 1, 'no verb exits 1');
($rc, $out) = pmdf('help');
like($out, qr/filespec.*show/s, 'help lists the verbs');
is($rc, 0, 'help exits 0');
($rc, $out) = pmdf('show', 'logical', '-help');
like($out, qr/-full.*-table/s, 'VERB -help describes the qualifiers');
($rc, $out) = pmdf('HELP', 'SHOW', 'LOGICAL');
like($out, qr{/FULL}, 'help in DCL shows DCL qualifiers too');

# --- the private instance of "make run" ------------------------------------
my $inst = "$dir/run";
system("sh \"$top/tests/lib/mkinstance.sh\" \"$inst\" \"$build/bin\" \"$top/table\" >/dev/null") == 0
    or die "mkinstance failed";
ok(-d "$inst/queue" && -d "$inst/log" && -d "$inst/table", 'instance directories made');
$ENV{PMDF_TAILOR} = "$inst/pmdf_tailor";
($rc, $out) = pmdf('filespec', 'PMDF_CONFIG_FILE:');
is($out, "$inst/table/pmdf.cnf\n", 'the instance tailor file resolves PMDF_CONFIG_FILE');
($rc, $out) = pmdf('show', 'logical', 'PMAS_CONFIG');
like($out, qr/^   "PMAS_CONFIG" = "PMAS_DATA:pmas_config.dat".*\n1  "PMAS_DATA" = "\Q$inst\E\/pmas\/data\/"/,
     'PMAS names are there too');
is($rc, 0, 'exit 0');

done_testing();
