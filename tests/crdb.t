#!/usr/bin/perl
# crdb.t - pmdf crdb on a private instance: 1,000 aliases built and dumped
# back (round trip), -append, -remove, a rebuild over an existing database,
# -statistics, -strip_colons, both syntaxes, and bad input or a damaged
# database that must leave the database unchanged.
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
delete @ENV{grep { /^PMDF_|^PMAS_/ } keys %ENV};
my $inst = "$dir/run";
system("sh '$top/tests/lib/mkinstance.sh' '$inst' '$build/bin' '$top/table' >/dev/null") == 0
    or BAIL_OUT("mkinstance failed");
$ENV{PMDF_TAILOR} = "$inst/pmdf_tailor";
my $table = "$inst/table";
my $db = "$table/aliasesdb";

# Runs pmdf with the arguments (a shell word string) in $dir; returns (exit, out, err).
sub pmdf {
    my ($args) = @_;
    system("cd '$dir' && '$pmdf' $args </dev/null >'$dir/out' 2>'$dir/err'");
    my $rc = $? >> 8;
    local $/;
    open(my $o, '<', "$dir/out") or die; my $out = <$o> // ''; close $o;
    open(my $e, '<', "$dir/err") or die; my $err = <$e> // ''; close $e;
    return ($rc, $out, $err);
}
sub put { my ($f, $text) = @_; open(my $h, '>', $f) or die "$f: $!"; print $h $text; close $h }
sub slurp { my $f = shift; open(my $h, '<', $f) or return undef; local $/; my $d = <$h>; close $h; return $d }
sub file_sum { my $d = slurp($_[0]); return defined $d ? sha256_hex($d) : 'none' }
sub dump_db {
    my ($spec) = @_;
    my ($rc, $out, $err) = pmdf("crdb -dump -nostatistics '$spec'");
    return $rc == 0 ? $out : "dump failed: $err";
}

my ($rc, $out, $err);

# --- 1,000 aliases: build, dump, round trip ----------------------------------------
my (%want, $input);
$input = "! 1,000 test aliases\n\n";
for my $i (1 .. 1000) {
    my $key = sprintf("Alias%04d", $i);
    my $val = "User$i\@Example.COM, list$i\@example.org";
    $input .= "$key" . ($i % 3 ? " " : "\t \t") . "$val\n";
    $input .= "   ! an indented comment\n" if $i % 250 == 0;
    $want{lc $key} = $val;
}
put("$dir/aliases.txt", $input);
($rc, $out, $err) = pmdf("crdb aliases.txt PMDF_TABLE:aliasesdb");
is($rc, 0, 'crdb builds the alias database from 1,000 lines') or diag $err;
ok(-f $db, 'the database file is where PMDF_TABLE:aliasesdb points');
like($out, qr/entries read:\s+1000\b/, '-statistics (the default) counts the entries read');
like($out, qr/entries added:\s+1000\b/, '  and added');
like($out, qr/entries now:\s+1000\b/, '  and what the database holds');
like($out, qr/elapsed seconds:\s+\d+\.\d+/, '  and the time');

my $expect = join('', map { "$_ $want{$_}\n" } sort keys %want);
($rc, $out, $err) = pmdf("crdb -dump PMDF_TABLE:aliasesdb dump.txt");
is($rc, 0, '-dump to a file') or diag $err;
like($out, qr/entries dumped:\s+1000\b/, '  reports 1000 entries');
is(slurp("$dir/dump.txt"), $expect, 'the dump holds every entry, keys in lower case, values as given, sorted');
is(dump_db('PMDF_TABLE:aliasesdb'), $expect, '-dump without a file writes to standard output');
($rc, $out, $err) = pmdf("crdb -dump PMDF_TABLE:aliasesdb -");
is($out, $expect, '"-" is standard output too');
like($err, qr/entries dumped:\s+1000/, '  and the statistics go to standard error then');
($rc, $out, $err) = pmdf("CRDB/DUMP/NOSTATISTICS PMDF_TABLE:aliasesdb");
is($out, $expect, 'the DCL form CRDB/DUMP gives the same');

($rc, $out, $err) = pmdf("crdb dump.txt PMDF_TABLE:copydb -nostatistics");
is($rc, 0, 'the dump loads back into a new database') or diag $err;
is($out, '', '-nostatistics prints nothing');
is(dump_db('PMDF_TABLE:copydb'), $expect, 'round trip: its dump equals the first');

# --- -append --------------------------------------------------------------------
put("$dir/more.txt", "NEWONE new1\@example.com\nnewtwo new2\@example.com\nalias0007 Changed\@Example.com\n");
my $sum_before_append = file_sum($db);
($rc, $out, $err) = pmdf("crdb -append more.txt PMDF_TABLE:aliasesdb");
is($rc, 0, '-append') or diag $err;
like($out, qr/entries added:\s+2\b/, '  adds the two new keys');
like($out, qr/entries replaced:\s+1\b/, '  replaces the existing one');
like($out, qr/entries now:\s+1002\b/, '  the database holds 1002');
my $dump = dump_db('PMDF_TABLE:aliasesdb');
like($dump, qr/^newone new1\@example\.com$/m, 'a new key is there, folded to lower case');
like($dump, qr/^alias0007 Changed\@Example\.com$/m, 'the replaced value is the new one');
like($dump, qr/^alias0008 User8\@Example\.COM, list8\@example\.org$/m, 'the others are untouched');
ok(file_sum($db) ne $sum_before_append, '  (the file did change)');

# --- -remove ----------------------------------------------------------------------
put("$dir/gone.txt", "NewOne\nnewtwo whatever value\nnot-there\n");
($rc, $out, $err) = pmdf("crdb -remove gone.txt PMDF_TABLE:aliasesdb");
is($rc, 0, '-remove') or diag $err;
like($out, qr/entries removed:\s+2\b/, '  removes the two keys (case-blind, values ignored)');
like($out, qr/keys not found:\s+1\b/, '  and counts the absent one');
like($out, qr/entries now:\s+1000\b/, '  1000 are left');
unlike(dump_db('PMDF_TABLE:aliasesdb'), qr/^new/m, 'the removed keys are gone');
($rc, $out, $err) = pmdf("crdb -delete gone.txt PMDF_TABLE:aliasesdb -nostat");
is($rc, 0, '-delete is PMDF\'s other name for it') or diag $err;
($rc, $out, $err) = pmdf("crdb -remove gone.txt PMDF_TABLE:nonexistentdb");
is($rc, 1, '-remove needs an existing database');
like($err, qr/no such database/, '  and says so');
ok(!-e "$table/nonexistentdb", '  and does not create one');

# --- a rebuild replaces the contents; duplicates keep the last value ----------------------
put("$dir/small.txt", "one 1\ntwo 2\nONE uno\n");
($rc, $out, $err) = pmdf("crdb small.txt PMDF_TABLE:copydb");
is($rc, 0, 'a build over an existing database') or diag $err;
like($out, qr/previous discarded:\s+1000\b/, '  discards its previous 1000 entries');
like($out, qr/entries replaced:\s+1\b/, '  a key given twice counts as replaced');
is(dump_db('PMDF_TABLE:copydb'), "one uno\ntwo 2\n", '  and the last value wins (PMDF /NODUPLICATES)');

# --- -strip_colons, -count ------------------------------------------------------------------
put("$dir/alias-style.txt", "Postmaster: root\nabuse: postmaster, root\@example.com\n");
($rc, $out, $err) = pmdf("crdb -strip_colons -nostat alias-style.txt PMDF_TABLE:stripdb");
is($rc, 0, '-strip_colons loads alias file lines') or diag $err;
is(dump_db('PMDF_TABLE:stripdb'), "abuse postmaster, root\@example.com\npostmaster root\n",
   '  without the colons');
($rc, $out, $err) = pmdf("crdb -count -nostat aliases.txt PMDF_TABLE:countdb");
is($rc, 0, '-count') or diag $err;
like($err, qr/100 entries\n.*1000 entries\n/s, '  reports progress every 100 entries on standard error');

# --- bad input: file:line, database unchanged -------------------------------------------------
my $sum = file_sum($db);
my $dump_before = dump_db('PMDF_TABLE:aliasesdb');
my @bad = (
    ["ok value\nok2 value\nlonely\n", 3, qr/key "lonely" has no value/, 'a key without a value'],
    ["ok value\n  indented value\n", 2, qr/must begin in column 1/, 'a line starting with white space'],
    [('k' x 253) . " v\n", 1, qr/longer than 252/, 'a key over 252 characters'],
    ["k " . ('v' x 1025) . "\n", 1, qr/longer than 1024/, 'a value over 1024 characters'],
    ["k\x01ey value\n", 1, qr/control character in the key/, 'a control character in a key'],
    ["key va\x07lue\n", 1, qr/control character in the value/, 'a control character in a value'],
);
for my $case (@bad) {
    my ($text, $line, $re, $name) = @$case;
    put("$dir/bad.txt", $text);
    ($rc, $out, $err) = pmdf("crdb -append bad.txt PMDF_TABLE:aliasesdb");
    is($rc, 1, "$name: refused");
    like($err, qr/bad\.txt:$line: /, "$name: file:line") or diag $err;
    like($err, $re, "$name: the reason");
    like($err, qr/aliasesdb was left unchanged/, "$name: says the database is unchanged");
}
is(file_sum($db), $sum, 'the database file is byte for byte unchanged after all of them');
is(dump_db('PMDF_TABLE:aliasesdb'), $dump_before, '  and so are its entries');
put("$dir/bad.txt", "a 1\nb\n");
($rc) = pmdf("crdb bad.txt PMDF_TABLE:neverdb");
is($rc, 1, 'a bad line when building a new database');
ok(!-e "$table/neverdb", '  does not create the database at all');
($rc, $out, $err) = pmdf("crdb missing-input.txt PMDF_TABLE:aliasesdb");
is($rc, 1, 'a missing input file is an error');
like($err, qr/missing-input\.txt: cannot open/, '  naming it');

# --- a damaged database is refused and left alone ----------------------------------------------
put("$dir/garbage.db", join('', map { chr(($_ * 7919) % 251) } 1 .. 16384));
my $gsum = file_sum("$dir/garbage.db");
($rc, $out, $err) = pmdf("crdb aliases.txt '$dir/garbage.db'");
is($rc, 1, 'building over a damaged database is refused');
like($err, qr/garbage\.db.*not a Berkeley DB B-tree/, '  named, with the reason') or diag $err;
is(file_sum("$dir/garbage.db"), $gsum, '  and the file is left as it was');
($rc, $out, $err) = pmdf("crdb -append aliases.txt '$dir/garbage.db'");
is($rc, 1, '-append to it is refused too');
($rc, $out, $err) = pmdf("crdb -dump '$dir/garbage.db'");
is($rc, 1, '-dump of it is refused');
like($err, qr/not a Berkeley DB B-tree/, '  with the reason');
is(file_sum("$dir/garbage.db"), $gsum, '  still unchanged');

# --- command-line errors ----------------------------------------------------------------------
($rc, $out, $err) = pmdf("crdb aliases.txt");
is($rc, 1, 'a build needs an output database');
like($err, qr/missing parameter.*output-database/, '  and says so');
($rc, $out, $err) = pmdf("crdb -dump -append aliases.txt PMDF_TABLE:aliasesdb");
is($rc, 1, '-dump and -append together are refused');
like($err, qr/mutually exclusive/, '  as mutually exclusive');
($rc, $out, $err) = pmdf("crdb -dump -strip_colons PMDF_TABLE:aliasesdb");
is($rc, 1, '-dump takes no other qualifier but -statistics');
($rc, $out, $err) = pmdf("crdb -dump PMDF_TABLE:nosuchdb");
is($rc, 1, '-dump of a missing database fails');
like($err, qr/no such database/, '  and says so');

done_testing();
