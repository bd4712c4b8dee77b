#!/usr/bin/python3
"""Extra Message vectors for the Go port, made with the REAL python-messaging.

    PYTHONPATH=/path/to/python-messaging /usr/bin/python3 make_decode_vectors.py [OUTDIR]

Writes decode_vectors.json:
  * "decode": inputs (base64, may be invalid UTF-8) given to deserialize()
    and what came out: the message (header, text, body_b64, md5), or the
    MessageError text ("error"), or the name of another exception Python
    raised ("crash": the Go port must return an error, its text is free).
    Hand-written edge cases plus deterministic random mutations of valid
    serialisations. Inputs using lz4/snappy are left out (not installed here,
    the Go port has them).
  * "serialize": random messages (header inserted in sorted key order, as
    Go writes it) and the exact Message.serialize() output, no compression.
"""
import base64, json, os, random, sys
from messaging.message import Message, deserialize
from messaging.error import MessageError

OUT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                      os.path.dirname(os.path.abspath(__file__)))
rnd = random.Random(20261125)

HAND = [
    b'', b' ', b'\xef\xbb\xbf{}', b'{}', b'{} ', b'{}x', b'{"a":1,}', b'[1,]', b'[', b'{',
    b'"just a string"', b'42', b'-0', b'1.5e300', b'1e400', b'NaN', b'-Infinity', b'null', b'true',
    b'[1, "it\'s", "a\\"b", {"k": [null, false, 2.50]}, "\\u00e9\\u2028\\ud83d\\ude00\\ud800\\x7f"]',
    b'[0.0001, 0.00001, 1e16, 1e15, 123456789012345678901234567890, -0.0]',
    b'"\\u12"', b'"\\ud800\\u', b'"abc', b'"a\\qb"', b'"tab\there"', b'{"body":"x"}  \n',
    b'\xff', b'ab\xc3', b'ab\xe2\x9c', b'\xe2\x9cA', b'\xed\xa0\x80', b'\xf0\x90\x80', b'\xf4\x90\x80\x80',
    b'\xc0\xaf', b"it's \x80", b'\x00\x01\x7f\xfe', b'{"body": "\xe9"}',
    b'{"text":true}', b'{"text":"yes","body":"x"}', b'{"text":0,"body":"x"}', b'{"text":[],"body":"x"}',
    b'{"text":[0],"body":"x"}', b'{"text":0.0,"body":"x"}', b'{"text":NaN,"body":"x"}',
    b'{"body":null,"text":true}', b'{"body":null}', b'{"body":5}', b'{"body":"x","encoding":5}',
    b'{"body":"x","encoding":false}', b'{"body":"x","encoding":[]}', b'{"body":"x","encoding":"base64+"}',
    b'{"body":"aGVsbG8","encoding":"base64"}', b'{"body":"aGVsbG","encoding":"base64"}',
    b'{"body":"aGVs bG8=\\n","encoding":"base64"}', b'{"body":"aGVsbG8==junk","encoding":"base64"}',
    b'{"body":"a===","encoding":"base64"}', b'{"body":"aGVsbG8=","encoding":"utf8+base64"}',
    b'{"body":"h\\u00e9","encoding":"utf8"}', b'{"body":"h\\u00e9","encoding":"utf8","text":false}',
    b'{"body":"/w==","encoding":"base64","text":true}', b'{"body":"eJwDAAAAAAE=","encoding":"zlib+base64"}',
    b'{"body":"bm90IHpsaWI=","encoding":"zlib+base64"}', b'{"header":null,"body":"x"}',
    b'{"header":{"a":1},"body":"x"}', b'{"header":[],"body":"x"}', b'{"header":{"a":"1","a":"2"}}',
    b'{"header":{"k\\u00e9":"v\\n"},"body":"\\ud83d\\ude00","text":true}',
    b'{"body":"\\ud800","text":true}', b'{"body":"\\ud800"}', b'{"header":{"\\udc00":"x"}}',
]


def outcome(data):
    try:
        m = deserialize(data)
    except MessageError as e:
        return {"error": "MessageError: %s" % e}
    except Exception as e:
        return {"crash": type(e).__name__}
    d = {"text": m.text}
    try:
        d["md5"] = m.md5()
        d["body_b64"] = base64.b64encode(m.body.encode("utf-8") if m.text else m.body).decode()
        json.dumps(m.header)
    except Exception as e:
        return {"crash": "after decoding: " + type(e).__name__}
    d["header"] = m.header
    if not isinstance(m.header, dict) or not all(isinstance(v, str) for v in m.header.values()):
        return {"crash": "non-string header"}
    return d


def rand_text(n):
    pool = ['a', 'Z', ' ', '"', '\\', '/', '\n', '\t', '\x00', '\x1f', '\x7f', '\x80', '\xe9', '\xff',
            '\u0100', '\u2028', '\u2713', '\ufeff', '\uffff', '\U0001F600', '<', '>', '&', "'"]
    return ''.join(rnd.choice(pool) for _ in range(n))


def rand_message():
    keys = sorted(set(rand_text(rnd.randint(1, 6)) for _ in range(rnd.randint(0, 3))))
    header = {k: rand_text(rnd.randint(0, 5)) for k in keys}
    kind = rnd.randint(0, 2)
    if kind == 0:
        body = rand_text(rnd.randint(0, 12))
    elif kind == 1:
        body = bytes(rnd.randint(0, 255) for _ in range(rnd.randint(0, 12)))
    else:
        body = rand_text(rnd.randint(0, 12)).encode("utf-8")
    return Message(body=body, header=header)


def mutate(data):
    b = bytearray(data)
    for _ in range(rnd.randint(1, 3)):
        op = rnd.randint(0, 2)
        pos = rnd.randint(0, len(b))
        if op == 0 and b:
            del b[min(pos, len(b) - 1)]
        elif op == 1:
            b[pos:pos] = bytes([rnd.choice(b'{}[]",:\\ 0aeE-+.nu\x00\xc3\xff')])
        elif b:
            b[min(pos, len(b) - 1)] = rnd.randint(0, 255)
    return bytes(b)


def main():
    ser, dec = [], []
    for _ in range(300):
        m = rand_message()
        s = m.serialize()
        ser.append({"header": m.header, "text": m.text,
                    "body_b64": base64.b64encode(m.body.encode("utf-8") if m.text else m.body).decode(),
                    "serialized": s.decode("utf-8"), "md5": m.md5(), "size": m.size()})
        if len(dec) < 600:
            dec.append(s)
            dec.append(mutate(s))
    seen, out = set(), []
    for data in HAND + dec:
        if data in seen or b"lz4" in data or b"snappy" in data:
            continue
        seen.add(data)
        d = {"input_b64": base64.b64encode(data).decode()}
        d.update(outcome(data))
        out.append(d)
    with open(os.path.join(OUT, "decode_vectors.json"), "w") as f:
        json.dump({"generator": "make_decode_vectors.py with python-messaging (git 8689f12) under "
                   + sys.version.split()[0], "decode": out, "serialize": ser}, f, indent=1, sort_keys=True)
        f.write("\n")


main()
