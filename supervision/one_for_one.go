package supervision

// oneForOneScope: only the failed child is restarted (OTP one_for_one).
func oneForOneScope(failed, n int) (from, to int) { return failed, failed + 1 }
