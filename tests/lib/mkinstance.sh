#!/bin/sh
# mkinstance.sh RUNDIR EXEDIR TABLEDIR
#
# Lays out a private instance: RUNDIR/pmdf_tailor (made afresh from
# TABLEDIR/pmdf_tailor.template, so a moved tree still works), and the
# directories table/ queue/ log/ lib/ com/ pmas/data/.  Files of TABLEDIR
# are copied into RUNDIR/table/ only when missing there, so an
# administrator's edits to the instance survive "make run"; in them @HOST@
# becomes the official host name: $PMDF_INSTANCE_HOST, else this machine's
# name (lower case), else localhost.localdomain.
set -e
run=$1
exe=$2
tables=$3
[ -n "$run" ] && [ -n "$exe" ] && [ -n "$tables" ] || {
    echo "usage: mkinstance.sh RUNDIR EXEDIR TABLEDIR" >&2; exit 2; }
umask 022
mkdir -p "$run/table" "$run/queue" "$run/log" "$run/lib" "$run/com" "$run/pmas/data"
chmod 700 "$run/queue"
host=${PMDF_INSTANCE_HOST:-$( (hostname || uname -n) 2>/dev/null | tr 'A-Z' 'a-z')}
case $host in
    *.*) ;;
    "") host=localhost.localdomain ;;
    *) host=$host.localdomain ;;
esac
for f in "$tables"/*; do
    [ -f "$f" ] || continue
    base=${f##*/}
    [ "$base" = pmdf_tailor.template ] && continue
    [ -e "$run/table/$base" ] || sed -e "s|@HOST@|$host|g" "$f" > "$run/table/$base"
done
tmp="$run/pmdf_tailor.new.$$"
sed -e "s|@ROOT@|$run|g" -e "s|@EXE@|$exe|g" "$tables/pmdf_tailor.template" > "$tmp"
mv "$tmp" "$run/pmdf_tailor"
echo "mkinstance: private instance in $run (tailor file $run/pmdf_tailor)"
