# Interop peer for interop_test.go: Qpid Proton (python3-qpid-proton) sends
# or receives messages on the AMQP 1.0 broker at URL, address ADDR.
# usage: /usr/bin/python3 interop.py URL ADDR send|COUNT
import json, sys
from proton import Message
from proton.utils import BlockingConnection
url, addr, mode = sys.argv[1], sys.argv[2], sys.argv[3]
c = BlockingConnection(url, allowed_mechs="ANONYMOUS", timeout=20)
if mode == "send":
    s = c.create_sender(addr)
    s.send(Message(body=u"h\u00e9llo", id="m-1", subject="subj", content_type="text/plain",
                   properties={"k": "v", "n": 42}, durable=True, priority=7))
    m = Message(body=b"\x00\x01\xff")
    m.inferred = True
    s.send(m)
    s.send(Message(body={"sequence": 1}, id=3))
else:
    r = c.create_receiver(addr)
    out = []
    for _ in range(int(mode)):
        m = r.receive(timeout=20)
        body = m.body
        out.append({"type": type(body).__name__, "body": body.hex() if isinstance(body, (bytes, memoryview)) else body,
                    "id": m.id, "subject": m.subject, "durable": m.durable, "priority": m.priority,
                    "properties": m.properties})
        r.accept()
    print(json.dumps(out, default=str))
c.close()
