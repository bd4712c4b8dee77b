package supervision

// restForOneScope: the failed child and every child declared after it are
// restarted (OTP rest_for_one): later children depend on earlier ones, so
// the order of the children list is the order of dependencies.
func restForOneScope(failed, n int) (from, to int) { return failed, n }
