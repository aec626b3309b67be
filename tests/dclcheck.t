#!/usr/bin/perl
# NAME
#	dclcheck.t - the OpenVMS build files agree with Makefile.unix and are
#	well formed
# SYNOPSIS
#	prove -v tests/dclcheck.t		(from the top of the tree)
#	PMDF_SRCDIR=/path/to/tree prove tests/dclcheck.t
# DESCRIPTION
#	(a) The C sources Makefile.unix compiles (every *.c of its variable
#	    assignments, less the expansion of UNIX_ONLY_SRCS) are exactly
#	    those listed in descrip.mms and in build.com's SOURCE LIST,
#	    compared as paths, case-blind; each file missing on either side is
#	    named.  Names are compared, not files: others may list a source
#	    before writing it.
#	(b) Every .com file of the tree and descrip.mms pass the structural
#	    checks of tests/lib/DclCheck.pm (IF/THEN/ELSE/ENDIF, labels of
#	    GOTO/GOSUB/CALL, SUBROUTINE blocks, continuation lines, quotes,
#	    "$" at the start of command lines; MMS continuations, conditionals
#	    and macros).
#	(c) The checker itself fails on small broken snippets, each reported
#	    as "file:line: message".
#	Needs only Perl's core modules.
use strict;
use warnings;
use FindBin ();
use File::Spec ();
use File::Find ();
use File::Temp ();
use lib File::Spec->catdir($FindBin::Bin, 'lib');
use Test::More;
use DclCheck qw(check_dcl_file check_dcl_text check_mms_file check_mms_text
    makefile_sources makefile_sources_text dcl_sources dcl_sources_text
    mms_sources mms_sources_text read_file);

my $top = $ENV{PMDF_SRCDIR} || File::Spec->catdir($FindBin::Bin, File::Spec->updir);
my $makefile = File::Spec->catfile($top, 'Makefile.unix');
my $buildcom = File::Spec->catfile($top, 'build.com');
my $descrip = File::Spec->catfile($top, 'descrip.mms');

for my $f ($makefile, $buildcom, $descrip) {
    ok(-f $f, "$f exists") or BAIL_OUT("$f is missing: nothing to compare");
}

# --- (a) one source list, three places -------------------------------------

my ($make, $make_errors, $unix_only) = makefile_sources($makefile);
is_deeply($make_errors, [], 'Makefile.unix: sources and UNIX_ONLY_SRCS found')
    or diag(join "\n", @$make_errors);
ok(@$make > 0, 'Makefile.unix compiles C sources (' . scalar(@$make) . ' outside UNIX_ONLY_SRCS)');
note("UNIX_ONLY_SRCS: @$unix_only");

for my $side (['build.com', $buildcom, \&dcl_sources],
	      ['descrip.mms', $descrip, \&mms_sources]) {
    my ($label, $path, $reader) = @$side;
    my ($list, $errors) = $reader->($path);
    is_deeply($errors, [], "$label: source list well formed (one block, unique object names)")
	or diag(join "\n", @$errors);
    my %have = map { lc($_) => 1 } @$list;
    my %want = map { lc($_) => 1 } @$make;
    my @missing = grep { !$have{$_} } sort keys %want;
    my @extra = grep { !$want{$_} } sort keys %have;
    ok(!@missing, "$label lists every source Makefile.unix compiles")
	or diag(map { "$label does not list $_ (compiled by Makefile.unix; add it)\n" } @missing);
    ok(!@extra, "$label lists no source Makefile.unix does not compile")
	or diag(map { "$label lists $_, which Makefile.unix does not compile "
		      . "(or lists it in UNIX_ONLY_SRCS)\n" } @extra);
    my @unix = grep { $have{lc $_} } @$unix_only;
    ok(!@unix, "$label leaves out the Unix-only sources") or diag("$label lists @unix");
    my $code = join "\n", grep { !/^\s*(?:\$\s*)?!/ } split /\n/, read_file($path);
    unlike($code, qr/LNM_VMS_SIMULATED/i,
	"$label compiles lnm_vms.c against the real system services");
}

# --- (b) structure of every DCL procedure and of descrip.mms ---------------

my @com;
File::Find::find({
    no_chdir => 1,
    preprocess => sub { grep { !/^(?:\.git|build|run)$/ } @_ },
    wanted => sub { push @com, $File::Find::name if /\.com$/i && -f $_ },
}, $top);
ok(scalar(grep { /build\.com$/i } @com), 'build.com is among the .com files checked');
ok(scalar(grep { /pmdf_startup\.com$/i } @com), 'com/pmdf_startup.com is among them')
    or diag('com/pmdf_startup.com is missing');
for my $f (sort @com) {
    my @e = check_dcl_file($f);
    is_deeply(\@e, [], "DCL structure: $f") or diag(join "\n", @e);
}
{
    my @e = check_mms_file($descrip);
    is_deeply(\@e, [], "MMS structure: $descrip") or diag(join "\n", @e);
}

# --- (c) the checker fails where it should --------------------------------

my $tmp = File::Temp::tempdir(CLEANUP => 1);

# Writes a snippet to a file (so that names are real paths) and checks it.
sub snippet {
    my ($name, $text, $checker) = @_;
    my $path = File::Spec->catfile($tmp, $name);
    open my $fh, '>', $path or die "$path: $!";
    print $fh $text;
    close $fh;
    return ($path, $checker->($path));
}

sub reports {
    my ($errors, $path, $line, $re, $what) = @_;
    my @hit = grep { /^\Q$path\E:$line: / && /$re/ } @$errors;
    ok(@hit == 1, "checker reports $what as $path:$line")
	or diag("got:\n" . join("\n", @$errors));
    like($_, qr/^\S.*:\d+: \S/, "  in file:line: message form") for @hit;
}

my @cases = (
    ['if_open.com', <<'EOF', 2, qr/never closed by ENDIF/, 'an unbalanced IF'],
$ x = 1
$ if x .eq. 1
$ then
$   write sys$output "one"
$ exit
EOF
    ['endif_extra.com', <<'EOF', 3, qr/ENDIF without/, 'an ENDIF without IF'],
$ if 1 then write sys$output "inline"
$ write sys$output "x"
$ endif
EOF
    ['else_twice.com', <<'EOF', 5, qr/second ELSE/, 'a second ELSE'],
$ if 1 .eq. 1 then
$   a = 1
$ else
$   a = 2
$ else
$ endif
EOF
    ['then_missing.com', <<'EOF', 1, qr/IF without THEN/, 'an IF without THEN'],
$ if 1 .eq. 1
$ write sys$output "no then"
EOF
    ['label.com', <<'EOF', 2, qr/GOTO target NOWHERE has no label/, 'a missing label'],
$ here:
$ goto nowhere
$ gosub here
$ exit
EOF
    ['call.com', <<'EOF', 1, qr/CALL target PLAIN is not a SUBROUTINE/, 'a CALL to a plain label'],
$ call plain
$ exit
$ plain:
$ return
EOF
    ['sub_open.com', <<'EOF', 2, qr/SUBROUTINE WORK is never closed/, 'an unclosed SUBROUTINE'],
$ call work
$ work: subroutine
$   exit
EOF
    ['cont.com', <<'EOF', 2, qr/continuation line starts with "\$"/, 'a bad continuation'],
$ write sys$output -
$ "continued?"
EOF
    ['cont_eof.com', "\$ write sys\$output -\n", 1, qr/file ends/, 'a continuation at the end'],
    ['quote.com', <<'EOF', 2, qr/unbalanced double quote/, 'an unbalanced quote'],
$ write sys$output "fine ""quoted"" text"  ! "comment quotes do not count
$ write sys$output "broken
$ exit
EOF
    ['nodollar.com', <<'EOF', 2, qr/does not start with "\$"/, 'a command line without "$"'],
$ write sys$output "a"
write sys$output "b"
EOF
);
for my $c (@cases) {
    my ($name, $text, $line, $re, $what) = @$c;
    my ($path, @errors) = snippet($name, $text, \&check_dcl_file);
    reports(\@errors, $path, $line, $re, $what);
}

{
    my ($path, @errors) = snippet('good.com', <<'EOF', \&check_dcl_file);
$! a well-formed procedure: none of this is an error
$ on error then goto failed
$ x = "a ""quoted"" word, a ! not a comment, THEN not a keyword"
$ if x .nes. "" .and. -
	x .nes. "y"
$ then
$   gosub show
$ else
$   call work "''x'"
$ endif
$ if f$search("x.dat") .nes. "" then -
	delete x.dat;*
$ type sys$input
data line, not a command
  another one ending in -
$ goto 'x'
$ exit
$show:
$ write sys$output x
$ return
$work: subroutine
$   if p1 .eqs. "" then exit
$   write sys$output p1
$ endsubroutine
$failed:
$ exit $status
EOF
    is_deeply(\@errors, [], 'checker accepts a well-formed procedure')
	or diag(join "\n", @errors);
}

{
    my ($path, @errors) = snippet('bad.mms', <<'EOF', \&check_mms_file);
! a description file with six mistakes
OBJS = $(O)A.OBJ
.IFDEF DEBUG
CFLAGS = /DEBUG
ALL : $(OBJS), $(UNDEFINED), LIB
	@ !
! a comment that ends in a hyphen -
LIB : $(OBJS)
	WRITE SYS$OUTPUT "unbalanced
	LINK $(LINKQUAL) /EXECUTABLE=$(MMS$TARGET) $(OBJS)
EOF
    reports(\@errors, $path, 3, qr/never closed by \.ENDIF/, 'an unclosed .IFDEF');
    reports(\@errors, $path, 2, qr/macro \$\(O\) is not defined/, 'an undefined macro in a definition');
    reports(\@errors, $path, 5, qr/macro \$\(UNDEFINED\) is not defined/, 'an undefined macro in a dependency');
    reports(\@errors, $path, 7, qr/comment ends in "-"/, 'a comment ending in "-"');
    reports(\@errors, $path, 9, qr/unbalanced double quote/, 'an unbalanced quote in an action');
    reports(\@errors, $path, 10, qr/macro \$\(LINKQUAL\) is not defined/, 'an undefined macro in an action');
    is(scalar(@errors), 6, 'no other complaint about bad.mms') or diag(join "\n", @errors);
}

{
    my ($path, @errors) = snippet('good.mms', <<'EOF', \&check_mms_file);
! fine
.IFDEF ARCH
A = $(ARCH)
.ELSE
A = ALPHA
.ENDIF
O = [.$(A).OBJ]
OBJS = $(O)X.OBJ, -
	$(O)Y.OBJ
ALL : LIB
	@ !
LIB : $(OBJS)
	LIBRARY /CREATE /OBJECT $(MMS$TARGET) $(MMS$SOURCE_LIST)
$(O)X.OBJ : [.SRC]X.C
	$(CC) $(CFLAGS) /OBJECT=$(MMS$TARGET) $(MMS$SOURCE)
EOF
    is_deeply(\@errors, [], 'checker accepts a well-formed description file')
	or diag(join "\n", @errors);
}

# The source-list comparison sees a missing, an extra and a doubled name.
{
    my ($srcs, $errors, $unix) = makefile_sources_text('fake.mk', <<'EOF');
A_SRCS = src/a/one.c src/a/two.c \
	 src/b/three.c
U_SRCS = src/a/unix.c
UNIX_ONLY_SRCS = $(U_SRCS)
obj = $(patsubst %.c,%.o,$(1))
EOF
    is_deeply($srcs, [qw(src/a/one.c src/a/two.c src/b/three.c)],
	'Makefile reader: *.c of assignments, continuation lines, less UNIX_ONLY_SRCS');
    is_deeply($unix, ['src/a/unix.c'], 'Makefile reader: UNIX_ONLY_SRCS expanded through $(VAR)');

    my ($dcl, $derr) = dcl_sources_text('fake.com', <<'EOF');
$ x = "[.SRC.A]STRAY.C"
$! BEGIN SOURCE LIST
$ s = ",[.SRC.A]ONE.C,[.src.a]Two.c"   ! [.SRC.B]COMMENT.C is a comment
$ s = s + ",[.SRC.C]ONE.C"
$! END SOURCE LIST
EOF
    is_deeply($dcl, [qw(src/a/stray.c src/a/one.c src/a/two.c src/c/one.c)],
	'build.com reader: VMS specs become lower-case paths; comments ignored');
    ok((grep { /^fake\.com:1: .*outside the SOURCE LIST/ } @$derr),
	'build.com reader: a source outside the block is reported') or diag(join "\n", @$derr);
    ok((grep { /^fake\.com:4: .*both make object ONE\.OBJ/ } @$derr),
	'build.com reader: two sources making one object are reported') or diag(join "\n", @$derr);

    my ($mms) = mms_sources_text('fake.mms', "\$(O)ONE.OBJ : [.SRC.A]ONE.C\n! [.SRC.X]NO.C\n");
    is_deeply($mms, ['src/a/one.c'], 'descrip.mms reader: rule sources, not comments');
}

done_testing();
