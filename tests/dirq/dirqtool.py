#!/usr/bin/python3
"""Drive the real python-dirq for the Go interop tests (queue/interop_test.go).

Run with the Debian interpreter, /usr/bin/python3 (python3-dirq 1.8).
Every command prints one JSON document on stdout.

  dirqtool.py dump KIND PATH [SCHEMA]   iterate, lock+get(+unlock) every element
  dirqtool.py add KIND PATH [SCHEMA]    add the elements read as JSON from stdin
  dirqtool.py lock KIND PATH NAME [SCHEMA]
  dirqtool.py remove KIND PATH NAME [SCHEMA]   lock (if needed) and remove

KIND is dqs (QueueSimple) or dqn (Queue, SCHEMA a JSON object).
Binary data travels as base64 ("b64" for DQS elements, "binary" for DQN
fields); DQS elements may also be given as {"str": ...} (python adds text).
"""
import base64
import json
import sys

from dirq.QueueSimple import QueueSimple
from dirq.queue import Queue


def open_queue(kind, path, schema):
    if kind == "dqs":
        return QueueSimple(path)
    return Queue(path, schema=json.loads(schema) if schema else None)


def b64(data):
    return base64.b64encode(data).decode("ascii")


def dump(kind, q):
    out = []
    for name in q:
        mine = q.lock(name)
        data = q.get(name)
        if kind == "dqs":
            elt = {"b64": b64(data)}
        else:
            elt = {}
            for key, val in data.items():
                elt[key] = b64(val) if isinstance(val, bytes) else val
        if mine:
            q.unlock(name)
        out.append({"name": name, "locked_by_other": not mine, "data": elt})
    return {"count": q.count(), "elements": out}


def add(kind, q, elements):
    names = []
    for elt in elements:
        if kind == "dqs":
            data = elt["str"] if "str" in elt else base64.b64decode(elt["b64"])
        else:
            data = dict(elt)
            if "binary" in data:
                data["binary"] = base64.b64decode(data["binary"])
        names.append(q.add(data))
    return names


def main(argv):
    cmd, kind, path = argv[1], argv[2], argv[3]
    rest = argv[4:]
    if cmd in ("lock", "remove"):
        name, rest = rest[0], rest[1:]
    q = open_queue(kind, path, rest[0] if rest else None)
    if cmd == "dump":
        res = dump(kind, q)
    elif cmd == "add":
        res = add(kind, q, json.load(sys.stdin))
    elif cmd == "lock":
        res = q.lock(name)
    elif cmd == "remove":
        q.lock(name)
        q.remove(name)
        res = True
    else:
        raise SystemExit("unknown command %r" % cmd)
    json.dump(res, sys.stdout)


if __name__ == "__main__":
    main(sys.argv)
