#!/bin/sh
# start.sh PIDFILE: starts daemon.sh in its own session, detached from this
# command's output, and waits until it wrote its pidfile.
dir=$(dirname "$0")
rm -f "$1"
setsid sh "$dir/daemon.sh" "$1" </dev/null >/dev/null 2>&1 &
i=0
while [ ! -s "$1" ]; do
	i=$((i + 1))
	[ $i -gt 100 ] && { echo "daemon did not write $1" >&2; exit 1; }
	sleep 0.1
done
echo "started daemon $(cat "$1")"
