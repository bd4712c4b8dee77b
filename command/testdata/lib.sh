# lib.sh: helpers sourced by the test service scripts.

# alive PID: true when PID exists and is not a zombie (an orphan the init
# process has not reaped yet must count as dead).
alive() {
	state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	case "$state" in "" | Z | X) return 1 ;; esac
	return 0
}
