package PmdfTest;
# PmdfTest - what the end-to-end tests share: a private instance, a PKI
# made with the openssl command, free loopback ports, starting and stopping
# tcp_smtp_server, running commands, and reading queue files (the format
# documented in src/global/queue.h, read here independently of the C code).
use strict;
use warnings;
use Exporter 'import';
use File::Temp qw(tempdir);
use IO::Socket::INET;
use POSIX ();
use FindBin;

our @EXPORT_OK = qw(instance make_pki free_port start_server stop_server run sq
                    read_queue queue_files wait_port start_dispatcher
                    stop_dispatcher pmdf_process wait_for read_maildir dsn_of edit put slurp
                    start_smtp_sink sink_sessions pmdf_deliver sanitizer_reports);

sub sq { my $s = shift; $s =~ s/'/'\\''/g; return "'$s'" }

# Runs a shell command line; returns (exit, stdout, stderr).
sub run {
    my ($dir, $cmdline, $stdin) = @_;
    open(my $in, '>', "$dir/stdin") or die; print $in ($stdin // ''); close $in;
    system("($cmdline) <'$dir/stdin' >'$dir/out' 2>'$dir/err'");
    my $rc = $? >> 8;
    local $/;
    open(my $o, '<', "$dir/out"); my $out = <$o> // ''; close $o;
    open(my $e, '<', "$dir/err"); my $err = <$e> // ''; close $e;
    return ($rc, $out, $err);
}

# A private instance for mail.example.com; returns (dir, instance, build, top).
# The PMDF_* environment variables are removed (programs would take them as
# logical names), so the build and source directories are kept from the
# first call for the next ones.
my ($top_dir, $build_dir);
sub instance {
    my $top   = $top_dir   //= $ENV{PMDF_SRCDIR} || "$FindBin::Bin/..";
    my $build = $build_dir //= $ENV{PMDF_BUILD}  || "$top/build/std";
    my $dir = tempdir(CLEANUP => 1);
    chmod 0755, $dir;
    delete @ENV{grep { /^PMDF_|^PMAS_/ } keys %ENV};
    local $ENV{PMDF_INSTANCE_HOST} = 'mail.example.com';
    system("sh '$top/tests/lib/mkinstance.sh' '$dir/run' '$build/bin' '$top/table' >/dev/null") == 0
        or die "mkinstance failed";
    $ENV{PMDF_TAILOR} = "$dir/run/pmdf_tailor";
    return ($dir, "$dir/run", $build, $top);
}

# Root CA -> intermediate -> server (CN=localhost); writes the chain (server,
# intermediate, root) and the key where the server looks for them.
sub make_pki {
    my ($dir, $table) = @_;
    my $p = "$dir/pki";
    mkdir $p;
    my $q = sub { system("cd '$p' && $_[0] >/dev/null 2>&1") == 0 or die "openssl: $_[0]" };
    $q->("openssl req -x509 -newkey rsa:2048 -nodes -keyout root.key -out root.pem -days 30 -subj '/CN=Test Root CA' -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign");
    $q->("openssl req -newkey rsa:2048 -nodes -keyout int.key -out int.csr -subj '/CN=Test Intermediate CA'");
    open(my $x, '>', "$p/int.ext"); print $x "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n"; close $x;
    $q->("openssl x509 -req -in int.csr -CA root.pem -CAkey root.key -CAcreateserial -out int.pem -days 30 -extfile int.ext");
    $q->("openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj '/CN=localhost'");
    open($x, '>', "$p/srv.ext"); print $x "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"; close $x;
    $q->("openssl x509 -req -in server.csr -CA int.pem -CAkey int.key -CAcreateserial -out server.pem -days 30 -extfile srv.ext");
    system("cat '$p/server.pem' '$p/int.pem' '$p/root.pem' > '$table/server_pub.pem'") == 0 or die;
    system("cp '$p/server.key' '$table/server_priv.pem' && chmod 600 '$table/server_priv.pem'") == 0 or die;
    return "$p/root.pem";
}

sub free_port {
    for (1 .. 50) {
        my $port = 20000 + int(rand(30000));
        my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $port,
                                      Proto => 'tcp', ReuseAddr => 1, Listen => 1);
        if ($s) { close $s; return $port }
    }
    die "no free port";
}

sub wait_port {
    my ($port) = @_;
    for (1 .. 100) {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Proto => 'tcp');
        if ($s) { close $s; return 1 }
        select(undef, undef, undef, 0.05);
    }
    return 0;
}

# Starts tcp_smtp_server; returns its pid.
sub start_server {
    my ($dir, $build, @args) = @_;
    my $pid = fork() // die "fork: $!";
    if ($pid == 0) {
        open(STDOUT, '>>', "$dir/server.log");
        open(STDERR, '>>', "$dir/server.log");
        exec("$build/bin/tcp_smtp_server", @args) or die "exec: $!";
    }
    return $pid;
}

sub stop_server {
    my ($pid) = @_;
    kill 'TERM', $pid;
    waitpid($pid, 0);
    return $? >> 8;
}

# edit(FILE, sub { s/.../.../ }): the sub edits the file's text in $_.
sub edit {
    my ($file, $code) = @_;
    open(my $f, '<', $file) or die "$file: $!"; local $/; local $_ = <$f>; close $f;
    $code->();
    open($f, '>', $file) or die "$file: $!"; print $f $_; close $f;
}

# put(FILE, TEXT): written byte for byte.  slurp(FILE): the text, '' when unreadable.
sub put { my ($f, $t) = @_; open(my $h, '>', $f) or die "$f: $!"; binmode $h; print $h $t; close $h }
sub slurp { my $f = shift; open(my $h, '<', $f) or return ''; local $/; my $t = <$h>; close $h; $t // '' }

# Postfix's smtp-sink -v on ADDR:PORT ("127.0.0.2:2525", "[::1]:2525"),
# its conversation log in LOG; more options (-a: no AUTH) before the
# address.  Returns the pid, or undef when smtp-sink is not installed.
sub start_smtp_sink {
    my ($log, $addr, @opts) = @_;
    return undef unless -x '/usr/sbin/smtp-sink';
    my $pid = fork() // die "fork: $!";
    if ($pid == 0) {
        open(STDOUT, '>>', $log);
        open(STDERR, '>&', \*STDOUT);
        exec('/usr/sbin/smtp-sink', ($> == 0 ? ('-u', 'nobody') : ()), '-v', @opts, $addr, '64')
            or die "exec: $!";
    }
    return $pid;
}

# The sessions in an smtp-sink -v log: a list of { client, cmds => [lines the
# client sent], mail => [ { from, rcpt => [addresses] } ] } (one entry per
# MAIL FROM).
sub sink_sessions {
    my ($log) = @_;
    my @s;
    for (split /\n/, slurp($log)) {
        if (/: connect \(AF_INET6? (\S+)\)/) { push @s, { client => $1, cmds => [], mail => [] }; next }
        next unless @s && /^\S*smtp-sink: ([A-Za-z]{4}\b.*)$/;
        my $cmd = $1;
        next unless $cmd =~ /^(?:EHLO|HELO|MAIL|RCPT|DATA|RSET|QUIT|AUTH|NOOP|STARTTLS)\b/i;
        push @{$s[-1]{cmds}}, $cmd;
        push @{$s[-1]{mail}}, { from => $1, rcpt => [] } if $cmd =~ /^MAIL FROM:<([^>]*)>/i;
        push @{$s[-1]{mail}[-1]{rcpt}}, $1 if $cmd =~ /^RCPT TO:<([^>]*)>/i && @{$s[-1]{mail}};
    }
    return @s;
}

# Runs pmdf_deliver -channel=CHANNEL [more] in the current instance;
# returns (exit, stdout, stderr).  Sanitizer reports (SANITIZE=1 builds)
# are kept for sanitizer_reports().
my $sanitizer_reports = '';
sub pmdf_deliver {
    my ($dir, $build, $channel, @more) = @_;
    my @r = run($dir, "'$build/bin/pmdf_deliver' -channel=$channel @more");
    $sanitizer_reports .= $r[2] if $r[2] =~ /Sanitizer|runtime error/;
    return @r;
}
sub sanitizer_reports { return $sanitizer_reports }

# Polls a condition (a code ref) every 50 ms for up to $secs; true when it held.
sub wait_for {
    my ($secs, $cond) = @_;
    my $end = time + $secs;
    while (1) {
        return 1 if $cond->();
        return 0 if time > $end;
        select(undef, undef, undef, 0.05);
    }
}

# Starts the dispatcher in the foreground of a child (its log in
# $dir/dispatcher.log); returns its pid.
sub start_dispatcher {
    my ($dir, $build, @args) = @_;
    my $pid = fork() // die "fork: $!";
    if ($pid == 0) {
        open(STDOUT, '>>', "$dir/dispatcher.log");
        open(STDERR, '>>', "$dir/dispatcher.log");
        exec("$build/bin/dispatcher", @args) or die "exec: $!";
    }
    return $pid;
}

# SIGTERM, then waits; returns the exit status.
sub stop_dispatcher {
    my ($pid) = @_;
    kill 'TERM', $pid;
    waitpid($pid, 0);
    return $? >> 8;
}

# "pmdf process" parsed: a list of { program, pid, service, state, conns, total },
# and the "listening:" lines.
sub pmdf_process {
    my ($dir, $build) = @_;
    my ($rc, $out, $err) = run($dir, "'$build/bin/pmdf' process");
    my (@procs, @listen);
    for (split /\n/, $out) {
        if (/^  listening: (.*)/) { push @listen, $1; next }
        next if /^PROCESS / || /^  /;
        my @f = split ' ';
        next unless @f >= 3;
        my %p = (program => $f[0], pid => $f[1]);
        if ($f[0] eq 'dispatcher' || $f[0] eq 'job_controller') {
            $p{state} = $f[2] eq 'not' ? 'not running' : $f[2];
        } else {
            @p{qw(service state conns total)} = @f[2 .. 5];
        }
        push @procs, \%p;
    }
    return { rc => $rc, out => $out, err => $err, procs => \@procs, listen => \@listen,
             servers => [grep { $_->{service} } @procs] };
}

sub queue_files {
    my ($inst, $channel) = @_;
    my @f = sort glob("$inst/queue/$channel/ZZ*.00");
    return @f;
}

# Reads one queue file: a hash with the envelope, the message and the checks.
sub read_queue {
    my ($path) = @_;
    open(my $f, '<', $path) or return undef;
    binmode $f;
    local $/;
    my $d = <$f>;
    close $f;
    my $pos = 0;
    my $u32 = sub { my $v = unpack('N', substr($d, $pos, 4)); $pos += 4; $v };
    my $b = sub { my $n = $u32->(); my $v = substr($d, $pos, $n); $pos += $n; $v };
    my %q;
    return { error => 'magic' } unless substr($d, 0, 6) eq "PMDFQ\n";
    $pos = 6;
    $q{version} = $u32->();
    $q{id} = $b->();
    $q{created} = $u32->() * 4294967296 + $u32->();
    $q{source} = $b->();
    $q{from} = $b->();
    $q{ret} = $u32->();
    $q{envid} = $b->();
    $q{auth} = $b->();
    $q{flags} = $u32->();
    $q{client} = $b->();
    $q{helo} = $b->();
    my $n = $u32->();
    for (1 .. $n) {
        push @{$q{rcpt}}, { addr => $b->(), orcpt => $b->(), notify => $u32->(), original => $b->() };
    }
    my $len = $u32->() * 4294967296 + $u32->();
    $q{message} = substr($d, $pos, $len);
    $pos += $len;
    $q{trailer} = substr($d, $pos, 8);
    my $crc = unpack('N', substr($d, $pos + 8, 4));
    require Compress::Zlib;
    $q{crc_ok} = $q{trailer} eq 'PMDFQEND' && Compress::Zlib::crc32(substr($d, 0, $pos)) == $crc
                 && $pos + 12 == length($d);
    return \%q;
}

# Every message of the Maildir $path, read by Python's mailbox and email
# packages (tests/lib/maildir.py): a list of hashes; [] when it cannot be
# read (python3's error on standard error).
sub read_maildir {
    my ($path) = @_;
    my $py = "$FindBin::Bin/lib/maildir.py";
    open(my $p, '-|', '/usr/bin/python3', $py, $path) or return [];
    local $/;
    my $out = <$p> // '';
    if (!close($p)) { Test::More::diag("maildir $path: python3 exit " . ($? >> 8)); return [] }
    require JSON::PP;
    return JSON::PP::decode_json($out);
}

# The first notification among $msgs (read_maildir) with a recipient whose
# Action is $action, or undef.
sub dsn_of {
    my ($msgs, $action) = @_;
    for my $m (@$msgs) {
        next unless $m->{per_rcpt};
        return $m if grep { lc($_->{action} // '') eq $action } @{$m->{per_rcpt}};
    }
    return undef;
}

1;
