#!/usr/bin/python3
"""python-dirq on the work of `bricks bench queue`: add N elements with
SIZE-byte bodies, then iterate and lock + get + remove each one, for
QueueSimple (DQS) and Queue (DQN, python-messaging's schema, elements
{"header": {"id": "bench"}, "binary": body}). Prints elements/s (min, median,
max over RUNS runs), or with --json only the medians as
{"dqs_add": .., "dqs_consume": .., "dqn_add": .., "dqn_consume": ..}.

Run with /usr/bin/python3 (Debian python3-dirq).
"""
import argparse
import json
import shutil
import sys
import tempfile
import time

from dirq.QueueSimple import QueueSimple
from dirq.queue import Queue

SCHEMA = {"header": "table", "binary": "binary?", "text": "string?"}


def measure(q, n, elt):
    """Add n copies of elt, then lock, get and remove every element;
    return both rates in elements/s."""
    t0 = time.time()
    for _ in range(n):
        q.add(elt)
    t1 = time.time()
    got = 0
    for name in q:
        if not q.lock(name):
            continue
        q.get(name)
        q.remove(name)
        got += 1
    t2 = time.time()
    assert got == n, (got, n)
    return n / (t1 - t0), n / (t2 - t1)


def dqs(path, n, body):
    return measure(QueueSimple(path), n, body)


def dqn(path, n, body):
    return measure(Queue(path, schema=SCHEMA), n, {"header": {"id": "bench"}, "binary": body})


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", default=tempfile.gettempdir())
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--size", type=int, default=1024)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    body = bytes(ord("a") + i % 26 for i in range(args.size))
    rates = {}
    for label, fn in (("dqs", dqs), ("dqn", dqn)):
        adds, cons = [], []
        for _ in range(args.runs):
            d = tempfile.mkdtemp(prefix="dirq-bench-", dir=args.dir)
            try:
                a, c = fn(d + "/q", args.n, body)
            finally:
                shutil.rmtree(d)
            adds.append(a)
            cons.append(c)
        for op, vals in (("add", adds), ("consume", cons)):
            vals.sort()
            rates["%s_%s" % (label, op)] = vals[len(vals) // 2]
            if not args.json:
                print("python-dirq %s %-8s min %8.0f  median %8.0f  max %8.0f elements/s"
                      % (label, op, vals[0], vals[len(vals) // 2], vals[-1]))
    if args.json:
        json.dump(rates, sys.stdout)


if __name__ == "__main__":
    main()
