package JobTest;
# JobTest - what the job controller's tests share: a relay configuration
# for a private instance (channels pointed at a local SMTP sink, a
# bitbucket, a local mailbox), JOB_CONTROLLER.CNF, starting the job
# controller and Postfix's smtp-sink, waiting for conditions, and reading
# the controller's log.
use strict;
use warnings;
use Exporter 'import';
use POSIX ();

our @EXPORT_OK = qw(relay_config write_jobcnf start_jobctl stop_pid start_sink sink_files
                    sink_ids wait_until max_running jobs_started have_sink);

# Rewrite rules and channels added to the instance's pmdf.cnf:
#   *@sink.example  -> tcp_sink  (smtp, daemon 127.0.0.1, port SINKPORT)
#   *@sink2.example -> tcp_sink2 (the same sink, a second channel)
#   *@discard.example -> bitbucket
# %o: sink_port, pool (default SINKPOOL), maxjobs (default 2), extra
# (more channel blocks, text), rules (more rewrite rules, text).
sub relay_config {
    my ($inst, %o) = @_;
    my $cnf = "$inst/table/pmdf.cnf";
    open(my $f, '<', $cnf) or die "$cnf: $!";
    local $/;
    my $text = <$f>;
    close $f;
    my $pool = $o{pool} // 'SINKPOOL';
    my $maxjobs = $o{maxjobs} // 2;
    my $port = $o{sink_port} // 25;
    my $rules = "sink.example\t\t\t\$U%sink.example\@TCP-SINK\n"
              . "sink2.example\t\t\t\$U%sink2.example\@TCP-SINK2\n"
              . "discard.example\t\t\t\$U%discard.example\@BITBUCKET-DAEMON\n"
              . ($o{rules} // '');
    $text = $rules . $text;
    $text =~ s/\n+\z/\n/;
    $text .= "\ntcp_sink smtp nomx single_sys daemon 127.0.0.1 port $port pool $pool maxjobs $maxjobs\n"
           . "TCP-SINK\n"
           . "\ntcp_sink2 smtp nomx single_sys daemon 127.0.0.1 port $port pool $pool maxjobs $maxjobs\n"
           . "TCP-SINK2\n"
           . "\nbitbucket\nBITBUCKET-DAEMON\n"
           . ($o{extra} // '');
    open($f, '>', $cnf) or die "$cnf: $!";
    print $f $text;
    close $f;
    for my $u (@{$o{users} // ['user']}) {
        system("mkdir -p '$inst/mailbox/$u/tmp' '$inst/mailbox/$u/new' '$inst/mailbox/$u/cur'") == 0
            or die "mkdir";
    }
}

sub write_jobcnf {
    my ($inst, $text) = @_;
    open(my $f, '>', "$inst/table/job_controller.cnf") or die;
    print $f $text;
    close $f;
}

# Starts job_controller in the foreground; its output to $dir/jc.log.
sub start_jobctl {
    my ($dir, $build) = @_;
    my $pid = fork() // die "fork: $!";
    if ($pid == 0) {
        open(STDOUT, '>>', "$dir/jc.log");
        open(STDERR, '>>', "$dir/jc.log");
        exec("$build/bin/job_controller") or die "exec: $!";
    }
    return $pid;
}

# SIGTERM (or the signal given) and wait at most $secs; returns the exit status
# or -1 when it did not end.
sub stop_pid {
    my ($pid, $sig, $secs) = @_;
    kill($sig // 'TERM', $pid);
    my $t0 = time;
    while (time - $t0 < ($secs // 40)) {
        my $r = waitpid($pid, POSIX::WNOHANG());
        return $? >> 8 if $r == $pid;
        select(undef, undef, undef, 0.05);
    }
    return -1;
}

sub have_sink { return -x '/usr/sbin/smtp-sink' }

# smtp-sink writing every message to its own file under $dir/sink/.
sub start_sink {
    my ($dir, $port) = @_;
    mkdir "$dir/sink";
    chmod 0777, "$dir/sink";
    my @user = $> == 0 ? ('-u', 'postfix') : ();
    my $pid = fork() // die "fork: $!";
    if ($pid == 0) {
        open(STDOUT, '>>', "$dir/sink.log");
        open(STDERR, '>>', "$dir/sink.log");
        exec('/usr/sbin/smtp-sink', @user, '-d', "$dir/sink/m.", "127.0.0.1:$port", '256')
            or die "exec: $!";
    }
    return $pid;
}

sub sink_files { my ($dir) = @_; my @f = glob("$dir/sink/m.*"); return @f }

# Message-IDs of the messages the sink received (one entry per file).
sub sink_ids {
    my ($dir) = @_;
    my @ids;
    for my $f (sink_files($dir)) {
        open(my $h, '<', $f) or next;
        my $id = '?';
        while (<$h>) {
            last if /^\r?$/;
            if (/^Message-ID:\s*<([^>]*)>/i) { $id = $1 }
        }
        close $h;
        push @ids, $id;
    }
    return @ids;
}

sub wait_until {
    my ($secs, $cond) = @_;
    my $t0 = time;
    while (time - $t0 < $secs) {
        return 1 if $cond->();
        select(undef, undef, undef, 0.1);
    }
    return $cond->() ? 1 : 0;
}

# The most jobs that ran at once in a pool (or channel), from the log's
# "job N started: channel C, M messages, pool P R/L, channel R/M" lines.
sub max_running {
    my ($log, $what, $name) = @_;
    my $max = 0;
    for (split /\n/, $log) {
        next unless /job \d+ started: channel (\S+), \d+ messages, pool (\S+) (\d+)\/\d+, channel (\d+)\//;
        my $n = $what eq 'pool' ? ($2 eq $name ? $3 : 0) : ($1 eq $name ? $4 : 0);
        $max = $n if $n > $max;
    }
    return $max;
}

sub jobs_started {
    my ($log, $channel) = @_;
    my @n = $log =~ /job \d+ started: channel \Q$channel\E, (\d+) messages/g;
    return @n;
}

1;
