#!/bin/sh
# initscript.sh start|stop|status: an init-script style front for the test
# daemon (simplevisor `control`); the pidfile comes from $PIDFILE.
dir=$(dirname "$0")
case "$1" in
start | stop | status) exec "$dir/$1.sh" "${PIDFILE:?PIDFILE not set}" ;;
*) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
