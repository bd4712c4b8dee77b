#!/bin/sh
# stop.sh PIDFILE: sends TERM to the daemon, waits until it is gone and
# removes its pidfile (also a dead daemon's, which cleans a dirty state).
. "$(dirname "$0")/lib.sh"
[ -f "$1" ] || exit 0
pid=$(cat "$1")
kill -TERM "$pid" 2>/dev/null
while alive "$pid"; do sleep 0.1; done
rm -f "$1"
echo "stopped daemon $pid"
