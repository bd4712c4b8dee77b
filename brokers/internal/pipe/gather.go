package pipe

// Gather returns first followed by the values already waiting on c, at
// most limit in all (limit < 1: as many as are waiting), without ever
// waiting itself. A goroutine that reports back to its actor posts the
// batch as one message: one mailbox hand-off (and at most one wake-up of
// the actor) per burst instead of one per value. open is false when c was
// found closed: the batch holds what came before.
func Gather[T any](first T, c <-chan T, limit int) (batch []T, open bool) {
	n := len(c) + 1
	if limit >= 1 && n > limit {
		n = limit
	}
	batch = append(make([]T, 0, n), first)
	for limit < 1 || len(batch) < limit {
		select {
		case v, ok := <-c:
			if !ok {
				return batch, false
			}
			batch = append(batch, v)
		default:
			return batch, true
		}
	}
	return batch, true
}
