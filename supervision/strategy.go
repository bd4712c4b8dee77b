package supervision

// scope returns the children [from, to) that a failure of child failed
// restarts under strategy s among n children. Each strategy's rule lives in
// the file named after it.
func (s Strategy) scope(failed, n int) (from, to int) {
	switch s {
	case OneForAll:
		return oneForAllScope(failed, n)
	case RestForOne:
		return restForOneScope(failed, n)
	default:
		return oneForOneScope(failed, n)
	}
}
