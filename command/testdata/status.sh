#!/bin/sh
# status.sh PIDFILE: LSB status: 0 running, 3 stopped (no pidfile),
# 1 dead but the pidfile remains (dirty).
. "$(dirname "$0")/lib.sh"
[ -f "$1" ] || exit 3
alive "$(cat "$1")" && exit 0
exit 1
