#!/usr/bin/python3
"""Qpid Proton's example AMQP 1.0 broker, with one fix to the Debian
python3-qpid-proton reactor it runs on.

proton._handlers.IOHandler.on_selectable_expired passes the selectable's
transport to update() without checking it: when a connection's transport
was already torn down (a client that vanished while a heart-beat or idle
timer was armed), update() raises AttributeError on None and the whole
broker process dies (seen in CI-like runs: "AttributeError: 'NoneType'
object has no attribute 'closed'"). Here an expired selectable whose
transport is gone is just terminated, as update() itself would do for a
closed transport.

Usage is the example's: qpid_broker.py -a HOST:PORT
"""
import runpy
import sys

from proton import _handlers

EXAMPLE = "/usr/share/proton/examples/python/broker.py"

_expired = _handlers.IOHandler.on_selectable_expired


def on_selectable_expired(self, event):
    s = event.selectable
    if s._transport is None:
        s.terminate()
        s.update()
        return
    _expired(self, event)


_handlers.IOHandler.on_selectable_expired = on_selectable_expired

if __name__ == "__main__":
    sys.argv[0] = EXAMPLE
    runpy.run_path(EXAMPLE, run_name="__main__")
