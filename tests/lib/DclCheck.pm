package DclCheck;

# NAME
#	DclCheck - structural checks for DCL procedures and MMS description
#	files, and the source lists of the OpenVMS build
# SYNOPSIS
#	use DclCheck qw(check_dcl_file check_mms_file makefile_sources
#			dcl_sources mms_sources);
#	my @errors = check_dcl_file('build.com');	# "file:line: message"
#	my @errors = check_mms_file('descrip.mms');
#	my ($srcs, $errors) = makefile_sources('Makefile.unix');
#	my ($srcs, $errors) = dcl_sources('build.com');
#	my ($srcs, $errors) = mms_sources('descrip.mms');
#
#	perl tests/lib/DclCheck.pm build.com com/*.com descrip.mms
# DESCRIPTION
#	Nothing here runs DCL or MMS; the checks catch what breaks a
#	procedure that cannot be tried on the machine where it is edited.
#
#	DCL (check_dcl_*): every line starts with "$" except continuation
#	lines and data lines (after a command that reads SYS$INPUT, CREATE,
#	RUN, MCR, or between DECK and EOD); a line ending in "-" (outside a
#	quoted string and a "!" comment) continues on the next, which must not
#	start with "$"; double quotes balance on every line ("" is a quote
#	inside a string, "!" outside a string starts a comment); IF blocks
#	balance ("IF x THEN" at the end of a line, or "IF x" followed by a
#	THEN line, opens one; ELSE at most once; ENDIF closes); "name:
#	SUBROUTINE" balances with ENDSUBROUTINE; every GOTO, GOSUB and CALL
#	target is a label ("$ name:") of the file, a CALL target a SUBROUTINE
#	label; no label twice in one scope.
#
#	MMS (check_mms_*): a line ending in "-" continues, and a comment
#	ending in "-" is an error (MMS would swallow the next line); .IFDEF,
#	.IF, .ELSE, .ENDIF balance; action lines (indented) follow a rule;
#	every $(MACRO) of a dependency rule, macro definition or action is
#	defined in the file (or tested by .IFDEF, meaning the command line may
#	give it), or is MMS's own (MMS$..., CC, CFLAGS, LINK, ...);
#	a mnemonic source (a word with no "." "[" ":") is a target of the file;
#	quotes balance in action lines.
#
#	Source lists: makefile_sources() returns every *.c token of the
#	Makefile's variable assignments, less the expansion of UNIX_ONLY_SRCS
#	($(VAR) references expanded).  dcl_sources() returns the [.DIR]NAME.C
#	specs of build.com, which must all lie between "BEGIN SOURCE LIST"
#	and "END SOURCE LIST" comment lines; mms_sources() those of
#	descrip.mms.  Both are returned as lower-case Unix paths
#	(src/util/mem.c), with an error for an object name used twice (the
#	VMS build puts every object in one directory).
# DIAGNOSTICS
#	Every error is "file:line: message".  Run as a script, the module
#	prints them and exits 1 when there is any.

use strict;
use warnings;
use Exporter 'import';

our @EXPORT_OK = qw(check_dcl_file check_dcl_text check_mms_file
    check_mms_text makefile_sources makefile_sources_text dcl_sources
    dcl_sources_text mms_sources mms_sources_text vms_to_unix_path
    read_file);

my $NAME = qr/[A-Za-z_\$][A-Za-z0-9_\$]*/;

sub read_file {
    my ($path) = @_;
    open my $fh, '<', $path or die "$path: cannot open: $!\n";
    local $/;
    my $text = <$fh>;
    close $fh;
    return $text;
}

sub split_lines {
    my ($text) = @_;
    my @lines = split /\r?\n/, $text, -1;
    pop @lines if @lines && $lines[-1] eq '';
    return @lines;
}

# scan_dcl($s): one physical line without its "$".  Returns the code with
# the comment removed and string contents masked ('x'), whether a quoted
# string is left open, and whether the line continues ("-" last, outside
# strings and comments; removed from the code).
sub scan_dcl {
    my ($s) = @_;
    my ($code, $inq) = ('', 0);
    my $n = length $s;
    for (my $k = 0; $k < $n; $k++) {
	my $c = substr($s, $k, 1);
	if ($inq) {
	    if ($c eq '"') {
		if ($k + 1 < $n && substr($s, $k + 1, 1) eq '"') {
		    $code .= 'xx';
		    $k++;
		    next;
		}
		$inq = 0;
		$code .= '"';
		next;
	    }
	    $code .= 'x';
	    next;
	}
	if ($c eq '"') {
	    $inq = 1;
	    $code .= '"';
	    next;
	}
	last if $c eq '!';
	$code .= $c;
    }
    my $cont = 0;
    $cont = 1 if !$inq && $code =~ s/-\s*$//;
    return ($code, $inq, $cont);
}

sub check_dcl_file {
    my ($path) = @_;
    return check_dcl_text($path, read_file($path));
}

sub check_dcl_text {
    my ($file, $text) = @_;
    my @lines = split_lines($text);
    my @err;
    my $error = sub { push @err, "$file:$_[0]: $_[1]" };

    my @stack;		# { kind => 'IF'|'SUB', line, else, name }
    my $pending_if;	# line of an IF still waiting for its THEN
    my (%labels, %sub_labels, %scoped, @refs);
    my $data_ok = 0;	# non-$ lines are data for the previous command
    my $in_deck = 0;
    my $i = 0;

    while ($i < @lines) {
	my $ln = $i + 1;
	my $line = $lines[$i++];
	if ($in_deck) {
	    $in_deck = 0 if $line =~ /^\s*\$\s*EOD\b/i;
	    next;
	}
	if ($line !~ /^\s*\$/) {
	    next if $data_ok;
	    $error->($ln, $line =~ /^\s*$/
		? 'empty line without "$" (DCL takes it as data and skips it)'
		: 'line does not start with "$" and is neither a continuation '
		  . 'nor data for a command reading SYS$INPUT');
	    next;
	}
	(my $body = $line) =~ s/^\s*\$//;
	my ($code, $open, $cont) = scan_dcl($body);
	$error->($ln, 'unbalanced double quote ("" is a quote inside a string)')
	    if $open;
	my $last = $ln;
	while ($cont) {
	    if ($i >= @lines) {
		$error->($last, 'line ends in "-" (continuation) but the file ends');
		last;
	    }
	    my $next = $lines[$i];
	    if ($next =~ /^\s*\$/) {
		$error->($i + 1, "continuation line starts with \"\$\" (line $last "
		    . 'ends in "-"; remove the "$" or the "-")');
		last;
	    }
	    $i++;
	    $last = $i;
	    my ($c2, $o2, $k2) = scan_dcl($next);
	    $error->($last, 'unbalanced double quote ("" is a quote inside a string)')
		if $o2;
	    $code .= ' ' . $c2;
	    $cont = $k2;
	}
	dcl_command($ln, $code, \@stack, \$pending_if, \%labels, \%sub_labels,
	    \@refs, $error, \%scoped);
	my $t = $code;
	$t =~ s/^\s*$NAME:(?!=)//;
	$t =~ s/^\s+//;
	$in_deck = 1 if $t =~ /^DECK\b/i;
	$data_ok = dcl_reads_input($t);
    }
    $error->($pending_if, 'IF without THEN (neither on this line nor the next)')
	if defined $pending_if;
    for my $open (@stack) {
	$error->($open->{line}, $open->{kind} eq 'IF'
	    ? 'IF ... THEN block is never closed by ENDIF'
	    : "SUBROUTINE $open->{name} is never closed by ENDSUBROUTINE");
    }
    for my $ref (@refs) {
	my ($ln, $verb, $target) = @$ref;
	if (!exists $labels{$target}) {
	    $error->($ln, "$verb target $target has no label (\"\$ $target:\")");
	} elsif ($verb eq 'CALL' && !$sub_labels{$target}) {
	    $error->($ln, "CALL target $target is not a SUBROUTINE label");
	}
    }
    return @err;
}

# One logical command line (code: comment removed, strings masked).
sub dcl_command {
    my ($ln, $code, $stack, $pending, $labels, $sub_labels, $refs, $error,
	$scoped) = @_;
    my $t = $code;
    $t =~ s/^\s+//;
    my $label;
    if ($t =~ s/^($NAME):(?!=)\s*//) {
	$label = uc $1;
	my $scope = (grep { $_->{kind} eq 'SUB' } @$stack)
	    ? (grep { $_->{kind} eq 'SUB' } @$stack)[-1]{name} : '';
	my $key = "$scope\0$label";
	if (exists $scoped->{$key}) {
	    $error->($ln, "label $label defined twice (first at line $scoped->{$key})");
	} else {
	    $scoped->{$key} = $ln;
	}
	$labels->{$label} = $ln;
    }
    my ($verb) = $t =~ /^($NAME)/;
    $verb = defined $verb ? uc $verb : '';

    if (defined $$pending) {
	if ($verb eq 'THEN') {
	    push @$stack, { kind => 'IF', line => $$pending, else => 0 };
	    $$pending = undef;
	    $t =~ s/^THEN\b\s*//i;
	    ($verb) = $t =~ /^($NAME)/;
	    $verb = defined $verb ? uc $verb : '';
	} else {
	    $error->($$pending, 'IF without THEN (neither on this line nor the next)');
	    $$pending = undef;
	}
    } elsif ($verb eq 'THEN') {
	$error->($ln, 'THEN without a preceding IF');
    }

    for my $m ($t =~ /(?<![A-Za-z0-9_\$])((?:GOTO|GOSUB|CALL)\s+[A-Za-z0-9_\$']+)/gi) {
	my ($v, $target) = $m =~ /^(\S+)\s+(\S+)$/;
	next if $target =~ /'/;		# symbol substitution: not checkable
	push @$refs, [$ln, uc $v, uc $target];
    }

    if ($verb eq 'IF') {
	if ($t =~ /(?<![A-Za-z0-9_\$])THEN(?![A-Za-z0-9_\$])(.*)$/i) {
	    my $rest = $1;
	    push @$stack, { kind => 'IF', line => $ln, else => 0 }
		if $rest =~ /^\s*$/;
	} else {
	    $$pending = $ln;
	}
    } elsif ($verb eq 'ELSE') {
	my $top = $stack->[-1];
	if (!$top || $top->{kind} ne 'IF') {
	    $error->($ln, 'ELSE without an open IF ... THEN block');
	} elsif ($top->{else}) {
	    $error->($ln, "second ELSE in the IF block opened at line $top->{line}");
	} else {
	    $top->{else} = $ln;
	}
    } elsif ($verb eq 'ENDIF') {
	my $top = $stack->[-1];
	if (!$top) {
	    $error->($ln, 'ENDIF without an open IF ... THEN block');
	} elsif ($top->{kind} ne 'IF') {
	    $error->($ln, "ENDIF inside SUBROUTINE $top->{name} (line $top->{line}) "
		. 'with no open IF block');
	} else {
	    pop @$stack;
	}
    } elsif ($verb eq 'SUBROUTINE') {
	if (!defined $label) {
	    $error->($ln, 'SUBROUTINE without a label ("$ name: SUBROUTINE")');
	    $label = '';
	}
	$sub_labels->{$label} = 1;
	push @$stack, { kind => 'SUB', line => $ln, name => $label };
    } elsif ($verb =~ /^ENDSUB/) {
	my $top = $stack->[-1];
	if (!$top) {
	    $error->($ln, 'ENDSUBROUTINE without a SUBROUTINE');
	} elsif ($top->{kind} ne 'SUB') {
	    $error->($ln, "ENDSUBROUTINE while the IF block of line $top->{line} is open");
	} else {
	    pop @$stack;
	}
    }
}

# Does this command read data lines from the procedure (SYS$INPUT)?
sub dcl_reads_input {
    my ($t) = @_;
    $t =~ s/^IF\b.*?(?<![A-Za-z0-9_\$])THEN(?![A-Za-z0-9_\$])\s*//i;
    my ($verb) = $t =~ /^($NAME)/;
    return 0 unless defined $verb;
    $verb = uc $verb;
    return 0 if $verb =~ /^(?:DEFINE|ASSIGN|DEASSIGN|OPEN|CLOSE|READ|WRITE|IF)$/;
    return 1 if $verb eq 'RUN' || $verb eq 'MCR';
    return 1 if $verb eq 'CREATE' && $t !~ m{/DIR}i;
    return 1 if $t =~ /SYS\$INPUT/i;
    return 0;
}

sub check_mms_file {
    my ($path) = @_;
    return check_mms_text($path, read_file($path));
}

sub check_mms_text {
    my ($file, $text) = @_;
    my @lines = split_lines($text);
    my @err;
    my $error = sub { push @err, "$file:$_[0]: $_[1]" };

    # Logical lines: MMS joins any line ending in "-" to the next.
    my @logical;	# [line, text]
    for (my $i = 0; $i < @lines; $i++) {
	my $ln = $i + 1;
	my $text = $lines[$i];
	if ($text =~ /^\s*!/) {
	    $error->($ln, 'comment ends in "-": MMS joins the next line to it')
		if $text =~ /-\s*$/;
	    push @logical, [$ln, $text];
	    next;
	}
	while ($text =~ /-\s*$/) {
	    if ($i + 1 >= @lines) {
		$error->($i + 1, 'line ends in "-" (continuation) but the file ends');
		$text =~ s/-\s*$//;
		last;
	    }
	    $text =~ s/-\s*$//;
	    $text .= ' ' . $lines[++$i];
	}
	push @logical, [$ln, $text];
    }

    my (%macros, %targets, @macro_refs, @mnemonic_refs, @cond);
    my %reserved = map { $_ => 1 } qw(CC CFLAGS LINK LINKFLAGS LIBR LIBRFLAGS
	MMS MMSQUALIFIERS MMSDESCRIPTION MACRO MFLAGS);
    my $in_rule = 0;
    for my $l (@logical) {
	my ($ln, $text) = @$l;
	next if $text =~ /^\s*$/ || $text =~ /^\s*!/;
	if ($text =~ /^[ \t]/) {
	    $error->($ln, 'action line (indented) outside a rule') unless $in_rule;
	    (my $action = $text) =~ s/^\s*[-@]*\s*//;
	    my (undef, $open) = scan_dcl($action);
	    $error->($ln, 'unbalanced double quote in action line') if $open;
	    push @macro_refs, [$ln, $_] for $action =~ /\$\(([^)]+)\)/g;
	    next;
	}
	if ($text =~ /^\.(IFDEF|IFNDEF|IF|ELSIF|ELSE|ENDIF)\b\s*(.*)$/i) {
	    my ($dir, $arg) = (uc $1, $2);
	    if ($dir eq 'IFDEF' || $dir eq 'IFNDEF' || $dir eq 'IF') {
		push @cond, $ln;
		if ($dir ne 'IF' && $arg =~ /^($NAME)/) {
		    $macros{uc $1} //= $ln;
		}
	    } elsif ($dir eq 'ENDIF') {
		if (@cond) {
		    pop @cond;
		} else {
		    $error->($ln, '.ENDIF without .IFDEF or .IF');
		}
	    } elsif (!@cond) {
		$error->($ln, ".$dir without .IFDEF or .IF");
	    }
	    $in_rule = 0;
	    next;
	}
	if ($text =~ /^($NAME)\s*=(.*)$/) {
	    $macros{uc $1} //= $ln;
	    push @macro_refs, [$ln, $_] for $2 =~ /\$\(([^)]+)\)/g;
	    $in_rule = 0;
	    next;
	}
	if ($text =~ /^(\S.*?)\s+::?(?:\s+(.*?))?\s*$/) {
	    my ($tgt, $src) = ($1, $2 // '');
	    for my $t (grep { length } split /[\s,]+/, $tgt) {
		$targets{uc $t} = $ln;
	    }
	    push @macro_refs, [$ln, $_] for "$tgt $src" =~ /\$\(([^)]+)\)/g;
	    for my $s (grep { length } split /[\s,]+/, $src) {
		push @mnemonic_refs, [$ln, uc $s]
		    if $s !~ /[.\[\]:;<>\$]/ && $s =~ /^$NAME$/;
	    }
	    $in_rule = 1;
	    next;
	}
	$error->($ln, 'neither a macro definition, a dependency rule '
	    . '("target : sources", blanks around the colon), a directive nor an action');
	$in_rule = 0;
    }
    $error->($_, '.IFDEF/.IF is never closed by .ENDIF') for @cond;
    for my $r (@macro_refs) {
	my ($ln, $name) = @$r;
	$name = uc $name;
	next if $name =~ /^MMS\$/ || $reserved{$name} || exists $macros{$name};
	$error->($ln, "macro \$($name) is not defined in this file");
    }
    for my $r (@mnemonic_refs) {
	my ($ln, $name) = @$r;
	$error->($ln, "dependency $name is neither a file nor a target of this file")
	    unless exists $targets{$name};
    }
    return @err;
}

# --- source lists -------------------------------------------------------

sub makefile_sources {
    my ($path) = @_;
    return makefile_sources_text($path, read_file($path));
}

sub makefile_sources_text {
    my ($file, $text) = @_;
    my @raw = split_lines($text);
    my (%vars, @assign, @errors);
    for (my $i = 0; $i < @raw; $i++) {
	my $ln = $i + 1;
	my $line = $raw[$i];
	while ($line =~ s/\\$// && $i + 1 < @raw) {
	    $line .= ' ' . $raw[++$i];
	}
	next if $line =~ /^\t/;			# recipe
	$line =~ s/(?<!\\)#.*$//;
	next unless $line =~ /^\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*(\?=|:=|::=|\+=|=)\s*(.*?)\s*$/;
	my ($name, $op, $value) = ($1, $2, $3);
	if ($op eq '+=' && defined $vars{$name}) {
	    $vars{$name} .= " $value";
	} elsif ($op ne '?=' || !defined $vars{$name}) {
	    $vars{$name} = $value;
	}
	push @assign, [$ln, $name, $value];
    }
    my %found;
    for my $a (@assign) {
	$found{$_} //= $a->[0] for c_tokens($a->[2]);
    }
    my %unix_only;
    if (defined $vars{UNIX_ONLY_SRCS}) {
	$unix_only{$_} = 1 for c_tokens(make_expand(\%vars, $vars{UNIX_ONLY_SRCS}, 0));
	push @errors, "$file: UNIX_ONLY_SRCS expands to no .c file"
	    unless %unix_only;
    } else {
	push @errors, "$file: no UNIX_ONLY_SRCS variable";
    }
    my @srcs = sort grep { !$unix_only{$_} } keys %found;
    return (\@srcs, \@errors, [sort keys %unix_only]);
}

sub make_expand {
    my ($vars, $value, $depth) = @_;
    return $value if $depth > 20;
    $value =~ s{\$[({]([A-Za-z_][A-Za-z0-9_.-]*)[)}]}
	       {make_expand($vars, $vars->{$1} // '', $depth + 1)}ge;
    return $value;
}

sub c_tokens {
    my ($value) = @_;
    my @t = grep { m{^[A-Za-z0-9_][A-Za-z0-9_./+-]*\.c$} } split /[\s,()]+/, $value;
    s{^\./}{} for @t;
    return map { lc } @t;
}

# [.SRC.UTIL]MEM.C -> src/util/mem.c
sub vms_to_unix_path {
    my ($spec) = @_;
    my ($dir, $file) = $spec =~ /^[\[<]([^\]>]*)[\]>](.+)$/ or return lc $spec;
    $dir =~ s/^\.//;
    my @parts = grep { length && $_ ne '000000' } split /\./, $dir;
    return lc join '/', @parts, $file;
}

my $VMS_C = qr/[\[<][A-Za-z0-9_\$.\-]*[\]>][A-Za-z0-9_\$\-]+\.C(?![A-Za-z0-9_\$])/i;

sub dcl_sources {
    my ($path) = @_;
    return dcl_sources_text($path, read_file($path));
}

sub dcl_sources_text {
    my ($file, $text) = @_;
    my @lines = split_lines($text);
    my (@srcs, @errors, %obj);
    my ($begin, $end);
    for my $i (0 .. $#lines) {
	my $ln = $i + 1;
	my $line = $lines[$i];
	if ($line =~ /^\s*\$\s*!.*\bBEGIN SOURCE LIST\b/i) {
	    push @errors, "$file:$ln: second BEGIN SOURCE LIST" if defined $begin;
	    $begin = $ln;
	    next;
	}
	if ($line =~ /^\s*\$\s*!.*\bEND SOURCE LIST\b/i) {
	    $end = $ln;
	    next;
	}
	(my $body = $line) =~ s/^\s*\$//;
	my ($code) = scan_dcl_raw($body);
	for my $spec ($code =~ /($VMS_C)/g) {
	    my $inside = defined $begin && $ln > $begin && !(defined $end && $end > $begin);
	    push @errors, "$file:$ln: $spec is named outside the SOURCE LIST block"
		unless $inside;
	    push @srcs, add_source($file, $ln, $spec, \%obj, \@errors);
	}
    }
    push @errors, "$file: no \"\$! BEGIN SOURCE LIST\" comment line" unless defined $begin;
    push @errors, "$file: no \"\$! END SOURCE LIST\" comment line after BEGIN"
	unless defined $end && defined $begin && $end > $begin;
    return (\@srcs, \@errors);
}

sub mms_sources {
    my ($path) = @_;
    return mms_sources_text($path, read_file($path));
}

sub mms_sources_text {
    my ($file, $text) = @_;
    my @lines = split_lines($text);
    my (@srcs, @errors, %obj);
    for my $i (0 .. $#lines) {
	my $line = $lines[$i];
	next if $line =~ /^\s*!/;
	push @srcs, add_source($file, $i + 1, $_, \%obj, \@errors)
	    for $line =~ /($VMS_C)/g;
    }
    my %seen;
    return ([grep { !$seen{$_}++ } @srcs], \@errors);
}

sub add_source {
    my ($file, $ln, $spec, $obj, $errors) = @_;
    my $path = vms_to_unix_path($spec);
    (my $base = $path) =~ s{^.*/}{};
    $base =~ s/\.c$//;
    if (exists $obj->{$base} && $obj->{$base}[1] ne $path) {
	push @$errors, "$file:$ln: $path and $obj->{$base}[1] (line $obj->{$base}[0]) "
	    . "both make object \U$base\E.OBJ: rename one";
    }
    $obj->{$base} //= [$ln, $path];
    return $path;
}

# The text of a DCL line without its comment, strings kept as written.
sub scan_dcl_raw {
    my ($s) = @_;
    my ($out, $inq) = ('', 0);
    for my $c (split //, $s) {
	$inq = !$inq if $c eq '"';
	last if $c eq '!' && !$inq;
	$out .= $c;
    }
    return $out;
}

# --- command line ---------------------------------------------------------

sub main {
    my @files = @_;
    my $bad = 0;
    for my $f (@files) {
	my @e = $f =~ /\.mms$/i ? check_mms_file($f) : check_dcl_file($f);
	print "$_\n" for @e;
	$bad ||= @e;
    }
    return $bad ? 1 : 0;
}

exit main(@ARGV) unless caller;

1;
