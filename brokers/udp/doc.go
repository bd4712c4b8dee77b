// Package udp sends messages as UDP datagrams: stompclt's `udp://host:port`
// outgoing URI, for feeds where losing a message is acceptable (monitoring
// samples, metrics) and a broker's acknowledgements are not wanted.
//
// Each message is one datagram holding a STOMP 1.1 SEND frame (the same
// frame stomp.sender would write: headers, content-length, body), as
// stompclt does, so a STOMP frame parser reads it on the other side. The
// socket asks for a 256 MiB send buffer (the kernel caps it at
// net.core.wmem_max).
//
// UDP has no acknowledgement: the udp.sender kind confirms a message once
// the kernel took the datagram. It is the one sink of bricks whose
// confirmation does not mean "stored at the destination"; everything before
// it (the source's remove, the statistics) follows stompclt's meaning of
// "sent". A message that cannot fit in a datagram (over MaxDatagram bytes
// as a frame) is rejected, so a queue source moves it aside; any other
// write error (e.g. the port was unreachable, reported by ICMP) fails the
// stage, whose supervisor restarts it with backoff, and the message is
// offered again.
package udp
