#!/bin/sh
# deps.sh "pkg1 pkg2 ..." "/path/proving/pkg1 /path/proving/pkg2 ..." [optional]
#
# Makes sure the Debian packages the build or the tests need are installed.
# Each package is proved by one file (a header or a program).  When any is
# missing: as root, install them with apt-get; otherwise stop and print the
# exact command to run.  Packages are never installed silently behind a
# non-root user's back, and a failed install stops the build.  With
# "optional" (packages only some tests need) a non-root user is told the
# command and the build goes on: those tests then skip, naming the package.
pkgs=$1
files=$2
optional=${3:-}
missing=""
i=1
for f in $files; do
    p=$(echo "$pkgs" | awk -v n="$i" '{print $n}')
    [ -e "$f" ] || missing="$missing $p"
    i=$((i + 1))
done
[ -z "$missing" ] && exit 0
echo "deps: missing Debian packages:$missing"
if [ "$(id -u)" != 0 ]; then
    echo "deps: run this as root, then run make again:"
    echo "    apt-get update && apt-get install -y$missing"
    [ "$optional" = optional ] && { echo "deps: going on; the tests that need them will skip"; exit 0; }
    exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "deps: apt-get not found; install the packages above with your system's package manager"
    exit 1
fi
echo "deps: installing with apt-get:$missing"
export DEBIAN_FRONTEND=noninteractive
# Postfix is wanted for its test tools (smtp-sink, smtp-source) and private
# benchmark instances: no system-wide Postfix is configured or started.
case " $missing " in
*" postfix "*)
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections ;;
esac
apt-get update -q >/dev/null || { echo "deps: apt-get update failed"; exit 1; }
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing || {
    echo "deps: apt-get install failed for:$missing"; exit 1; }
exit 0
