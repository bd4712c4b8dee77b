#!/bin/sh
# exit1.sh: fails.
echo "something went wrong" >&2
exit 1
