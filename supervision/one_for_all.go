package supervision

// oneForAllScope: every child is stopped (in reverse order) and started again
// (in order) when one fails (OTP one_for_all), for children that cannot work
// without each other.
func oneForAllScope(failed, n int) (from, to int) { return 0, n }
