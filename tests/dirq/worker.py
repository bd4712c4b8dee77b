#!/usr/bin/python3
"""Producer / consumer processes for the multi-process queue test
(queue/multiproc_test.go), with the real python-dirq.

  worker.py produce KIND PATH PREFIX N     add N elements PREFIX-0 .. PREFIX-(N-1)
  worker.py consume KIND PATH OUT DONE     consume until DONE exists and a
                                           full pass finds nothing; write one
                                           consumed id per line to OUT

KIND is dqs (the id is the element's bytes) or dqn (schema
{"header": "table", "binary": "binary?", "text": "string?"}; the id is in
header["id"]).
"""
import os
import sys
import time

from dirq.QueueSimple import QueueSimple
from dirq.queue import Queue

SCHEMA = {"header": "table", "binary": "binary?", "text": "string?"}


def open_queue(kind, path):
    if kind == "dqs":
        return QueueSimple(path)
    return Queue(path, schema=SCHEMA)


def produce(kind, q, prefix, n):
    for i in range(n):
        ident = "%s-%d" % (prefix, i)
        if kind == "dqs":
            q.add(ident.encode("ascii"))
        else:
            add_dqn(q, {"header": {"id": ident}, "text": ident})


def add_dqn(q, data):
    """q.add, tolerating python-dirq's own temporary/ name race.

    dirq's Queue.add first makes temporary/NAME, NAME being the time in
    microseconds plus one random hex digit per process, and retries when
    that name is taken. But it checks "taken" as EEXIST *and* still a
    directory: when the other producer renames its temporary directory into
    the queue between the two, the reference raises "cannot mkdir(...):
    File exists" instead of retrying (seen once in CI with 2 producers on
    tmpfs). Nothing was written yet, so adding again is what dirq meant.
    """
    for _ in range(10):
        try:
            return q.add(data)
        except OSError as error:
            if "File exists" not in str(error) or "/temporary/" not in str(error):
                raise
    return q.add(data)


def remove(q, name):
    """q.remove, tolerating python-dirq's own obsolete/ name race.

    dirq's Queue.remove renames the element to obsolete/NAME, where NAME is
    the time in microseconds plus one random hex digit per process, then
    empties and removes it. Two removers picking the same NAME in the same
    microsecond collide: the second rename replaces the first one's
    directory once it is empty (rename(2) may replace an empty directory),
    the second remover deletes it, and the first one's final rmdir fails
    with ENOENT. Both elements did leave the queue and were read before, so
    nothing is lost; the reference just reports it as an error (seen once
    in CI with 4 consumers on tmpfs). bricks' DQN tolerates ENOENT there.
    """
    try:
        q.remove(name)
    except OSError as error:
        if "No such file or directory" not in str(error) or \
                os.path.exists(os.path.join(q.path, name)):
            raise


def consume(kind, q, out, done):
    with open(out, "w") as f:
        while True:
            finished = os.path.exists(done)
            got = 0
            for name in q:
                if not q.lock(name):
                    continue
                data = q.get(name)
                ident = data.decode("ascii") if kind == "dqs" else data["header"]["id"]
                f.write(ident + "\n")
                remove(q, name)
                got += 1
            f.flush()
            if finished and got == 0:
                return
            if got == 0:
                time.sleep(0.005)  # idle: leave the CPU to producers


def main(argv):
    cmd, kind, path = argv[1], argv[2], argv[3]
    q = open_queue(kind, path)
    if cmd == "produce":
        produce(kind, q, argv[4], int(argv[5]))
    elif cmd == "consume":
        consume(kind, q, argv[4], argv[5])
    else:
        raise SystemExit("unknown command %r" % cmd)


if __name__ == "__main__":
    main(sys.argv)
