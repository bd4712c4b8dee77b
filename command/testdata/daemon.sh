#!/bin/sh
# daemon.sh PIDFILE: a tiny daemon that records its pid and idles until TERM.
echo $$ >"$1.tmp" && mv "$1.tmp" "$1"
trap 'rm -f "$1"; exit 0' TERM
while :; do sleep 0.2; done
