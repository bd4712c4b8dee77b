#!/bin/sh
# ignoreterm.sh: ignores SIGTERM, so only SIGKILL ends it.
trap '' TERM
echo "ignoring TERM"
while :; do sleep 1; done
