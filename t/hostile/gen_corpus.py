#!/usr/bin/python3
"""Hostile-request corpus for t/test_hostile.sh (Python 3 stdlib only).

    gen_corpus.py gen FIXTURE.json OUTDIR
        Write the corpus: OUTDIR/manifest.tsv, one request per line
            id  category  mode  expect  description
        and OUTDIR/req/<id>.cfg (a curl config: method, URL, headers,
        body file) or OUTDIR/req/<id>.raw (bytes sent as they are on a
        TCP connection, for framing curl will not produce).  Bodies shared
        by several requests live in OUTDIR/body/.

        mode:   curl | head (curl, HEAD: no body to check) | raw |
                rawhalf (raw, then shut the write side: a body shorter
                than its Content-Length)
        expect: "4xx", "lt500" (a read that may answer 2xx), an exact
                status, or a status and the error.code it must carry
                ("400:malformed_json"), or several joined by "|";
                "closed" allows the
                server to close without an answer; "nginx501"/"nginx505"
                allow that status only from nginx itself (protocol
                errors where HTTP prescribes a 5xx).

    gen_corpus.py send-raw HOST PORT REQFILE HEADERS BODY [half]
        Send one raw request, write the first response's headers and
        body, print its status ("000" when no HTTP status line came).

The corpus is deterministic for a given fixture file: FIXTURE.json holds
the stack's base URL, bot token, the time to sign initData with and the
ids of the fixture rows (see t/test_hostile.sh).  Every request is built
so that it cannot succeed in writing: bodies for endpoints that write are
sent by an identity that cannot write there, to rows that do not exist,
or carry a field that is invalid and validated last ("poison").
"""

import hashlib
import hmac
import json
import os
import random
import socket
import struct
import sys
import urllib.parse
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")


# ---------------------------------------------------------------- helpers

def pct(b):
    """Percent-encode bytes (or str) for a query string or initData."""
    if isinstance(b, str):
        b = b.encode("utf-8", "surrogateescape")
    return urllib.parse.quote_from_bytes(b, safe="")


def cfg_quote(s):
    """A curl config value in double quotes (curl's own escapes)."""
    if isinstance(s, str):
        s = s.encode("utf-8", "surrogateescape")
    out = bytearray(b'"')
    for c in s:
        if c == 0x5C:
            out += b"\\\\"
        elif c == 0x22:
            out += b'\\"'
        elif c == 0x09:
            out += b"\\t"
        elif c == 0x0A:
            out += b"\\n"
        elif c == 0x0D:
            out += b"\\r"
        elif c == 0x0B:
            out += b"\\v"
        else:
            out.append(c)
    out += b'"'
    return bytes(out)


def read(path):
    with open(path, "rb") as f:
        return f.read()


# ------------------------------------------------------------- initData

class Signer:
    """Telegram Mini App initData, signed like the server checks it."""

    def __init__(self, token, now):
        self.token = token
        self.now = now

    def _hash(self, fields, token=None):
        secret = hmac.new(b"WebAppData", (token or self.token).encode(),
                          hashlib.sha256).digest()
        dcs = b"\n".join(k + b"=" + v for k, v in
                         sorted(fields, key=lambda kv: kv[0]) if k != b"hash")
        return hmac.new(secret, dcs, hashlib.sha256).hexdigest().encode()

    def build(self, user=None, auth_date=None, extra=(), token=None,
              hash_override=None, sign=True, drop=()):
        """initData text.  user: dict (JSON-encoded), str or bytes (raw
        JSON text).  extra: more (key, value) pairs, covered by the hash
        when sign is set."""
        if user is None:
            user = {"id": 1, "first_name": "Hostile"}
        if isinstance(user, dict):
            user = json.dumps(user, separators=(",", ":"))
        if isinstance(user, str):
            user = user.encode("utf-8", "surrogateescape")
        if auth_date is None:
            auth_date = str(self.now)
        if isinstance(auth_date, int):
            auth_date = str(auth_date)
        fields = [(b"query_id", b"AAHostileCorpus"), (b"user", user),
                  (b"auth_date", auth_date.encode())]
        for k, v in extra:
            fields.append((k.encode() if isinstance(k, str) else k,
                           v.encode() if isinstance(v, str) else v))
        fields = [f for f in fields if f[0].decode() not in drop]
        if sign:
            h = hash_override if hash_override is not None else \
                self._hash(fields, token)
            fields.append((b"hash", h))
        return "&".join(pct(k) + "=" + pct(v) for k, v in fields)

    def header(self, uid, **kw):
        return "Authorization: tma " + self.build(
            {"id": uid, "first_name": "Hostile", "language_code": "en"}, **kw)


# ------------------------------------------------------------- images

def png_chunk(typ, data):
    return (struct.pack(">I", len(data)) + typ + data +
            struct.pack(">I", zlib.crc32(typ + data) & 0xFFFFFFFF))


PNG_SIG = b"\x89PNG\r\n\x1a\n"


def png_ihdr(w, h, depth=8, ctype=6, interlace=0):
    return png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, ctype, 0,
                                          0, interlace))


def png_file(w, h, idat, depth=8, ctype=6, interlace=0, pre=(), iend=True):
    out = PNG_SIG + png_ihdr(w, h, depth, ctype, interlace)
    for c in pre:
        out += c
    if idat is not None:
        out += png_chunk(b"IDAT", idat)
    if iend:
        out += png_chunk(b"IEND", b"")
    return out


def zero_idat(w, h, bytes_per_px):
    """zlib stream of h filter-0 rows of zeros: the decompression bomb."""
    row = b"\0" * (1 + w * bytes_per_px)
    co = zlib.compressobj(9)
    parts = []
    batch = row * 64
    full, rest = divmod(h, 64)
    for _ in range(full):
        parts.append(co.compress(batch))
    parts.append(co.compress(row * rest))
    parts.append(co.flush())
    return b"".join(parts)


def synth_rgb(w, h):
    """A deterministic colourful image, rows of RGB bytes."""
    rows = []
    for y in range(h):
        r = bytearray()
        for x in range(w):
            r += bytes(((x * 7 + y * 3) & 255, (x * y) & 255,
                        (255 - x + y * 5) & 255))
        rows.append(bytes(r))
    return rows


def png_rgb(w, h, interlace=False):
    rows = synth_rgb(w, h)
    raw = bytearray()
    if not interlace:
        for r in rows:
            raw += b"\0" + r
    else:
        # Adam7 passes: (x0, y0, dx, dy)
        for x0, y0, dx, dy in ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8),
                               (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2),
                               (0, 1, 1, 2)):
            if x0 >= w or y0 >= h:
                continue
            for y in range(y0, h, dy):
                raw += b"\0"
                for x in range(x0, w, dx):
                    raw += rows[y][3 * x:3 * x + 3]
    return png_file(w, h, zlib.compress(bytes(raw), 9), 8, 2,
                    1 if interlace else 0)


def png_palette(w, h):
    plte = b"".join(bytes(t) for t in
                    (((i * 5) & 255, (i * 11) & 255, (i * 17) & 255)
                     for i in range(256)))
    raw = bytearray()
    for y in range(h):
        raw += b"\0" + bytes(((x + y) & 255) for x in range(w))
    return png_file(w, h, zlib.compress(bytes(raw), 9), 8, 3,
                    pre=(png_chunk(b"PLTE", plte),))


def jpeg_segments(data):
    """[(marker, offset, total_length)] up to and including SOS."""
    segs = []
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            break
        m = data[i + 1]
        if m == 0xFF:
            i += 1
            continue
        ln = struct.unpack(">H", data[i + 2:i + 4])[0]
        segs.append((m, i, ln + 2))
        if m == 0xDA:
            break
        i += 2 + ln
    return segs


def jpeg_patch_sof(data, w=None, h=None, precision=None, marker=None,
                   ncomp=None, sampling=None):
    """Copy of a JPEG with its SOF fields replaced."""
    out = bytearray(data)
    for m, off, _ in jpeg_segments(data):
        if m in (0xC0, 0xC1, 0xC2):
            if marker is not None:
                out[off + 1] = marker
            if precision is not None:
                out[off + 4] = precision
            if h is not None:
                out[off + 5:off + 7] = struct.pack(">H", h)
            if w is not None:
                out[off + 7:off + 9] = struct.pack(">H", w)
            if ncomp is not None:
                out[off + 9] = ncomp
            if sampling is not None:
                out[off + 11] = sampling
            return bytes(out)
    raise ValueError("no SOF")


def jpeg_insert_after_soi(data, seg):
    return data[:2] + seg + data[2:]


def exif_app1(tiff):
    body = b"Exif\0\0" + tiff
    return b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body


def webp_riff(chunks, riff_size=None):
    body = b"WEBP" + chunks
    size = len(body) if riff_size is None else riff_size
    return b"RIFF" + struct.pack("<I", size) + body


def webp_chunk(typ, data, size=None):
    n = len(data) if size is None else size
    pad = b"\0" if len(data) & 1 else b""
    return typ + struct.pack("<I", n) + data + pad


def vp8l_header(w, h):
    bits = (w - 1) | ((h - 1) << 14) | (1 << 28)  # alpha_is_used
    return b"\x2f" + struct.pack("<I", bits) + b"\0" * 8


def vp8_header(w, h):
    # key frame tag (3 bytes), start code, 14-bit sizes with scale 0
    return (b"\x10\x02\x00" + b"\x9d\x01\x2a" + struct.pack("<HH", w, h) +
            b"\0" * 16)


def vp8x_chunk(w, h, flags=0):
    data = struct.pack("<B3x", flags) + struct.pack("<I", w - 1)[:3] + \
        struct.pack("<I", h - 1)[:3]
    return webp_chunk(b"VP8X", data)


def cut_points(n):
    pts = {1, 2, 3, 4, 8, 12, 16, 24, 30, 40, 64, 100, 200, 500, 1000,
           4096}
    pts |= {int(n * f) for f in (0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99)}
    pts |= {n - 64, n - 16, n - 8, n - 4, n - 2, n - 1}
    return sorted(p for p in pts if 0 < p < n)


# ------------------------------------------------------------- corpus

class Corpus:
    def __init__(self, fx, out):
        self.fx = fx
        self.out = out
        self.base = fx["base"].rstrip("/")
        self.sig = Signer(fx["token"], int(fx["now"]))
        self.n = 0
        self.rows = []
        self.bodies = {}
        os.makedirs(os.path.join(out, "req"), exist_ok=True)
        os.makedirs(os.path.join(out, "body"), exist_ok=True)
        self.cat = "?"

    # identities
    def auth(self, who, **kw):
        return self.sig.header(self.fx[who], **kw)

    def body(self, data):
        """Path of a body file holding data (deduplicated)."""
        key = hashlib.sha1(data).hexdigest()
        p = self.bodies.get(key)
        if p is None:
            p = os.path.join(self.out, "body", "%s.bin" % key[:16])
            with open(p, "wb") as f:
                f.write(data)
            self.bodies[key] = p
        return p

    def _row(self, mode, expect, desc):
        self.n += 1
        rid = "%04d" % self.n
        desc = desc.replace("\t", " ").replace("\n", " ").replace("\r", " ")
        if len(desc) > 160:
            desc = desc[:157] + "..."
        self.rows.append((rid, self.cat, mode, expect, desc))
        return rid

    def add(self, desc, method, path, headers=(), body=None, expect="4xx"):
        """One request sent with curl.  body: bytes or None."""
        mode = "head" if method == "HEAD" else "curl"
        rid = self._row(mode, expect, "%s %s: %s" % (method, path[:60], desc))
        lines = [b"url = " + cfg_quote(self.base + path), b"path-as-is",
                 b"max-time = 30"]
        if method == "HEAD":
            lines.append(b"head")
        else:
            lines.append(b"request = " + cfg_quote(method))
        for h in headers:
            lines.append(b"header = " + cfg_quote(h))
        if body is not None:
            lines.append(b"data-binary = " + cfg_quote("@" + self.body(body)))
        with open(os.path.join(self.out, "req", rid + ".cfg"), "wb") as f:
            f.write(b"\n".join(lines) + b"\n")
        return rid

    def raw(self, desc, data, expect="4xx", half=False):
        rid = self._row("rawhalf" if half else "raw", expect, "raw: " + desc)
        with open(os.path.join(self.out, "req", rid + ".raw"), "wb") as f:
            f.write(data)
        return rid

    def write(self):
        with open(os.path.join(self.out, "manifest.tsv"), "w") as f:
            for r in self.rows:
                f.write("\t".join(r) + "\n")


JSON_CT = "Content-Type: application/json"
# Status and error.code of a body that is not JSON / over the limit.
MALFORMED = "400:malformed_json"
TOO_LARGE = "413:too_large"


def endpoints(fx):
    """The JSON endpoints: who sends, where, a base body that cannot
    write, and what the base body answers."""
    nx = fx["nx"]
    return [
        dict(name="tryons", who="u2", method="POST", path="/api/v1/tryons",
             limit=4096, base_status="404",
             base={"user_photo_id": fx["p1"], "outfit_id": fx["oa"],
                   "location_id": fx["loc"]},
             fields=[("user_photo_id", "id"), ("outfit_id", "id"),
                     ("location_id", "id")]),
        dict(name="animations", who="u2", method="POST",
             path="/api/v1/animations", limit=4096, base_status="404",
             base={"tryon_id": fx["t1"]}, fields=[("tryon_id", "id")]),
        dict(name="events", who="u2", method="POST", path="/api/v1/events",
             limit=65536, base_status="202",
             base={"kind": "view", "outfit_id": nx},
             fields=[("kind", "kind"), ("outfit_id", "id")]),
        # pack_id 99 is no pack: no purchase is ever made.
        dict(name="purchases", who="u2", method="POST",
             path="/api/v1/purchases", limit=4096, base_status="400",
             base={"pack_id": 99}, fields=[("pack_id", "id")]),
        dict(name="outfits", who="ad", method="POST", path="/api/v1/outfits",
             limit=16384, base_status="404",
             base={"shop_id": nx, "title": "Hostile", "description": "d",
                   "category": "tops",
                   "product_url": "https://example.com/p", "price": 100,
                   "currency": "RUB"},
             fields=[("shop_id", "id"), ("title", "str"),
                     ("description", "str"), ("category", "category"),
                     ("product_url", "url"), ("price", "int"),
                     ("currency", "currency")]),
        dict(name="outfit-patch", who="sa", method="PATCH",
             path="/api/v1/outfits/%d" % fx["oa"], limit=16384,
             base_status="400",
             # currency is validated last: "R1" makes every body fail.
             base={"title": "Hostile", "description": "d",
                   "category": "tops", "product_url": "https://example.com/p",
                   "price": 100, "currency": "R1"}, poison="currency",
             fields=[("title", "str"), ("description", "str"),
                     ("category", "category"), ("product_url", "url"),
                     ("price", "int"), ("currency", "currency")]),
        dict(name="locations", who="ad", method="POST",
             path="/api/v1/locations", limit=16384, base_status="400",
             # tags are validated last: an invalid tag makes it fail.
             base={"title": "Hostile", "description": "d",
                   "tags": ["NOT OK"]}, poison="tags",
             fields=[("title", "str"), ("description", "str"),
                     ("tags", "tags")]),
        dict(name="location-patch", who="ad", method="PATCH",
             path="/api/v1/locations/%d" % fx["loc"], limit=16384,
             base_status="400",
             base={"title": "Hostile", "description": "d",
                   "tags": ["NOT OK"]}, poison="tags",
             fields=[("title", "str"), ("description", "str"),
                     ("tags", "tags")]),
    ]


def single_keys(d):
    """{'key': value}: not JSON (json-c's strict mode lets it through)."""
    return ("{" + ", ".join("'%s': %s" % (k, json.dumps(v))
                            for k, v in d.items()) + "}").encode()


def base_expect(ep):
    return "4xx" if ep["base_status"].startswith("4") else "lt500"


def with_field(base, name, literal):
    """JSON text of base with field name set to the raw JSON literal
    (None: field removed).  The field keeps its place."""
    mark = "@@HOSTILE@@"
    d = dict(base)
    if literal is None:
        d.pop(name, None)
        return json.dumps(d).encode()
    d[name] = mark
    txt = json.dumps(d).encode()
    return txt.replace(b'"' + mark.encode() + b'"',
                       literal.encode("utf-8", "surrogateescape")
                       if isinstance(literal, str) else literal)


INT_BAD = ['"1"', '""', '"abc"', '1.5', '1.0', '-0', '0', '-1', '-1.5e-7',
           '1e999', '-1e999', '1E2', '9223372036854775807',
           '9223372036854775808', '-9223372036854775808',
           '-9223372036854775809', '18446744073709551616', '1' + '0' * 400,
           'true', 'false', '[]', '{}', '[1]', '{"$gt":0}',
           '"1 OR 1=1"', '"0x10"', '"\\u0031"']
STR_BAD = ['1', '1.5', 'true', '[]', '{}', '["a"]', '{"a":"b"}', '""',
           '"' + 'x' * 201 + '"', '"' + 'y' * 2001 + '"',
           '"' + 'z' * 10000 + '"', '"a\\u0000b"', '"\\u0001"',
           '"bell\\u0007"', '"esc\\u001b[31m"']
STR_ODD = ['"\\ud800"', '"\\udfff\\ud800"', '"\\u202e\\u200b"',
           '"<script>alert(1)</script>"', '"\\t\\n"', '"%00%27"',
           '"\u00e9\u4e2d\U0001f600"']
ENUM_BAD = ['"TOPS"', '"tops "', '" tops"', '"tops\\u0000"',
            '"one-pieces\\n"', '"hats"', '"like"', '"VIEW"', '"view\\u0000"',
            '"' + 'v' * 65 + '"']
URL_BAD = ['"javascript:alert(1)"', '"http://"', '"https://a b"',
           '"https://x/\\"<>"', '"ftp://example.com/"', '"HTTP://EXAMPLE.COM"',
           '"https://' + 'a' * 2000 + '"', '"//example.com"',
           '"https://example.com/\\u0000"', '"data:text/html,<b>x</b>"',
           '"file:///etc/passwd"', '"https://example.com/\\n"']
CUR_BAD = ['"rub"', '"RU"', '"RUBL"', '"R1B"', '"\u0420\u0423\u0411"',
           '"\\u0000RU"', '123', '"R B"', '"\\u00c0AA"']
TAG_BAD = ['"a"', '[1]', '[null]', '[[]]', '[{}]', '["A"]', '[""]',
           '["' + 'a' * 41 + '"]', json.dumps(["t%d" % i for i in range(21)]),
           '["a,b"]', '["\u00e9"]', '["a b"]', '["a\\u0000"]', '{"0":"a"}',
           'true', '["a"' + ',"b"' * 2000 + ']']

SQL = ["' OR '1'='1", "' OR 1=1--", "1; DROP TABLE users; --",
       "1' ; DELETE FROM photos; --",
       "1) UNION SELECT id, balance FROM users--",
       "'; SELECT pg_sleep(10); --",
       "1 AND (SELECT 1 FROM pg_sleep(5)) IS NULL", "$1",
       "\\'; UPDATE users SET balance=999999; --",
       "'||(SELECT current_user)||'", "\"; DROP TABLE outfits; --",
       "1/**/OR/**/1=1"]


def gen_methods(c):
    c.cat = "methods"
    fx = c.fx
    routes = [
        ("/api/v1/me", {"GET", "DELETE"}),
        ("/api/v1/ledger", {"GET"}),
        ("/api/v1/photos", {"GET", "POST"}),
        ("/api/v1/photos/%d" % fx["p1"], {"GET", "DELETE"}),
        ("/api/v1/outfits", {"GET", "POST"}),
        ("/api/v1/outfits/%d" % fx["oa"], {"GET", "PATCH", "DELETE"}),
        ("/api/v1/outfits/%d/image" % fx["oa"], {"PUT"}),
        ("/api/v1/locations", {"GET", "POST"}),
        ("/api/v1/locations/%d" % fx["loc"], {"GET", "PATCH", "DELETE"}),
        ("/api/v1/locations/%d/image" % fx["loc"], {"PUT"}),
        ("/api/v1/tryons", {"GET", "POST"}),
        ("/api/v1/tryons/%d" % fx["t1"], {"GET", "DELETE"}),
        ("/api/v1/tryons/%d/cancel" % fx["t1"], {"POST"}),
        ("/api/v1/animations", {"GET", "POST"}),
        ("/api/v1/animations/%d" % fx["a1"], {"GET", "DELETE"}),
        ("/api/v1/animations/%d/cancel" % fx["a1"], {"POST"}),
        ("/api/v1/events", {"POST"}),
        ("/api/v1/shops/%d/stats" % fx["shop_a"], {"GET"}),
        ("/api/v1/packs", {"GET"}),
        ("/api/v1/purchases", {"POST"}),
        ("/api/v1/purchases/%d" % fx["nx"], {"GET"}),
        ("/api/v1/telegram/webhook", {"POST"}),
        ("/api/v1/hooks/fashn/" + "A" * 43, {"POST"}),
        ("/healthz", {"GET"}),
        ("/livez", {"GET"}),
        ("/readyz", {"GET"}),
        ("/metrics", {"GET"}),
    ]
    methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS",
               "TRACE", "PROPFIND", "FOO", "get"]
    # The admin may write everything: the strongest identity, and still
    # every one of these must be refused.
    h = c.auth("ad")
    for path, allowed in routes:
        for m in methods:
            if m in allowed:
                continue
            if m == "TRACE":
                exp = "405"          # nginx refuses TRACE itself
            elif m == "get":
                exp = "400"          # nginx: methods are upper case
            else:
                exp = "405"
            body = b'{"title":"x"}' if m in ("POST", "PUT", "PATCH") \
                else None
            hdrs = [h, JSON_CT] if body is not None else [h]
            c.add("method not allowed", m, path, hdrs, body, exp)


def gen_json(c):
    c.cat = "json-malformed"
    deep_arr = b"[" * 10000
    deep_obj = b'{"a":' * 10000
    deep_closed = b"[" * 10000 + b"]" * 10000
    depth17 = b'{"a":' + b"[" * 17 + b"1" + b"]" * 17 + b"}"
    generic = [
        (b"", "empty body"), (b" ", "one space"), (b"\n", "newline"),
        (b"{", "{"), (b"}", "}"), (b'{"', '{"'), (b'{"a"', '{"a"'),
        (b'{"a":', '{"a":'), (b'{"a":1', "unclosed object"),
        (b'{"a":1,}', "trailing comma"), (b"{'a':1}", "single quotes"),
        (b"{a:1}", "bare key"), (b"null", "null"), (b"[]", "array"),
        (b"[1,2]", "array of numbers"), (b'"str"', "string"), (b"1", "number"),
        (b"-0", "-0"), (b"true", "true"), (b"{}{}", "two objects"),
        (deep_arr, "10000 unclosed ["), (deep_obj, '10000 unclosed {"a":'),
        (deep_closed, "10000 nested arrays"), (depth17, "depth 18"),
        (b"\xef\xbb\xbf{}", "BOM + {}"), (b"\x00", "NUL byte"),
        (b"\xff\xfe{\x00}\x00", "UTF-16LE {}"),
        (b'{"a":NaN}', "NaN"), (b'{"a":Infinity}', "Infinity"),
        (b'{"a":undefined}', "undefined"),
        (b'{"pad":"' + b"a" * 1000000 + b'"}', "1 MB string"),
        (b" " * 1000000 + b"{}", "1 MB of spaces then {}"),
        (b'{"' + b"k" * 70000 + b'":1}', "70 KB key"),
    ]
    for ep in endpoints(c.fx):
        h = c.auth(ep["who"])
        for body, what in generic:
            c.add("%s: %s" % (ep["name"], what), ep["method"], ep["path"],
                  [h, JSON_CT], body, TOO_LARGE if len(body) > ep["limit"]
                  else MALFORMED)
        b = json.dumps(ep["base"]).encode()
        L = len(b)
        # inside the first string value, or else inside the first key
        first_str = b.find(b'": "') + 4 if b'": "' in b else 3
        derived = [
            (b[:L // 4], "base cut at 1/4"), (b[:L // 2], "base cut at 1/2"),
            (b[:L - 1], "base without its last byte"),
            (b + b" x", "base + trailing garbage"),
            (b + b"\x00", "base + NUL"), (b"\x00" + b, "NUL + base"),
            (b + b"," + b, "base,base"), (b"[" + b + b"]", "[base]"),
            (b.replace(b'"', b"'"), "base with single quotes"),
            (single_keys(ep["base"]), "single-quoted keys"),
            (b"/*c*/" + b, "comment + base"), (b + b"//c", "base + comment"),
            (b[:first_str] + b"\xff" + b[first_str:], "0xFF in a string"),
            (b[:first_str] + b"\xc0\xae" + b[first_str:], "overlong UTF-8"),
            (b[:first_str] + b"\xed\xa0\x80" + b[first_str:],
             "UTF-8 encoded surrogate"),
            (b[:first_str] + b"\xf8\x88\x80\x80\x80" + b[first_str:],
             "5-byte UTF-8"),
            (b[:first_str] + b"\xf4\x90\x80\x80" + b[first_str:],
             "code point past U+10FFFF"),
            (b[:first_str] + b"\x01" + b[first_str:], "raw control char"),
            (b[:first_str] + b"\n" + b[first_str:], "raw newline in string"),
            (b[:first_str] + b"\x00" + b[first_str:], "raw NUL in string"),
            (b[:first_str] + b"\\x41" + b[first_str:], "\\x escape"),
            (b[:first_str] + b"\\u12\"" + b[first_str:], "short \\u escape"),
            (b[:first_str] + b"\\q" + b[first_str:], "invalid escape \\q"),
            (b"\xef\xbb\xbf" + b, "BOM + base"),
            (b" " * (ep["limit"] - L + 1) + b, "base padded to limit + 1"),
            (b"\t\r\n " * 8 + b + b"\r\n", "base in white space"),
        ]
        # A non-ASCII key (invalid UTF-8) in front of the base fields.
        derived.append((b'{"\xff":1,' + b[1:], "invalid UTF-8 key"))
        for body, what in derived:
            exp = TOO_LARGE if len(body) > ep["limit"] else MALFORMED
            if what in ("base in white space",):
                exp = base_expect(ep)
            c.add("%s: %s" % (ep["name"], what), ep["method"], ep["path"],
                  [h, JSON_CT], body, exp)
        # Numbers that are not JSON, in the first field.
        fname = ep["fields"][0][0]
        for lit in [] if ep["method"] == "PATCH" else [
                "NaN", "Infinity", "-Infinity", "undefined", "0x1F", "01",
                ".5", "1.", "+1", "1e", "--1", "1_000", "'x'", "tru", "nul",
                "0b1"]:
            c.add("%s: %s=%s" % (ep["name"], fname, lit), ep["method"],
                  ep["path"], [h, JSON_CT], with_field(ep["base"], fname, lit),
                  MALFORMED)
        # An unknown key whose 64th byte is inside a character: the error
        # message that names it must still be UTF-8.
        k = "a" * 63 + "\u00e9"
        c.add("%s: unknown key cut mid-character" % ep["name"], ep["method"],
              ep["path"], [h, JSON_CT], b"{" + json.dumps(k, ensure_ascii=False
                                                          ).encode() +
              b": 1, " + json.dumps(ep["base"]).encode()[1:],
              "400:invalid_field")
        # Duplicate keys: an invalid value first, then last.
        for fname, kind in ep["fields"]:
            bad = '"x"' if kind in ("id", "int") else "1"
            good = with_field(ep["base"], fname, None)
            inner = good[1:-1]
            c.add("%s: duplicate %s, invalid last" % (ep["name"], fname),
                  ep["method"], ep["path"], [h, JSON_CT],
                  b"{" + inner + (b", " if inner else b"") +
                  ('"%s": %s' % (fname, bad)).encode() + b"}", "4xx")
            fb = with_field(ep["base"], fname, bad)
            lastgood = json.dumps(ep["base"][fname]).encode()
            c.add("%s: duplicate %s, invalid first" % (ep["name"], fname),
                  ep["method"], ep["path"], [h, JSON_CT],
                  fb[:-1] + (', "%s": ' % fname).encode() + lastgood + b"}",
                  base_expect(ep))
    # events batches
    h = c.auth("u2")
    ev = {"kind": "view", "outfit_id": c.fx["nx"]}
    for body, what in [
            ({"events": []}, "no events"),
            ({"events": [ev] * 101}, "101 events"),
            ({"events": "x"}, "events a string"),
            ({"events": [1]}, "an event that is a number"),
            ({"events": [[ev]]}, "nested array"),
            ({"events": [{"kind": "view"}]}, "event without outfit"),
            ({"events": [ev], "kind": "view"}, "events and kind"),
            ({"events": [dict(ev, extra=1)]}, "event with extra field"),
            ({"events": [{"events": [ev]}]}, "events in events"),
            ({"events": None}, "events null"),
            ({"events": [ev] * 5000}, "5000 events (> 64 KB)"),
            ({"events": [ev] * 99 + [{"kind": "like", "outfit_id": 1}]},
             "99 good + 1 bad kind"),
    ]:
        c.add("events: " + what, "POST", "/api/v1/events", [h, JSON_CT],
              json.dumps(body).encode(), "4xx")


def gen_types(c):
    c.cat = "json-types"
    lists = {
        "id": INT_BAD, "int": INT_BAD, "str": STR_BAD + STR_ODD,
        "kind": STR_BAD + ENUM_BAD, "category": STR_BAD[:8] + ENUM_BAD,
        "url": STR_BAD[:8] + URL_BAD, "currency": STR_BAD[:8] + CUR_BAD,
        "tags": TAG_BAD,
    }
    for ep in endpoints(c.fx):
        h = c.auth(ep["who"])
        for fname, kind in ep["fields"]:
            vals = list(lists[kind])
            if fname != ep.get("poison"):
                # (the poison field must stay invalid)
                vals.append("null")
                vals.append(None)          # field absent
            else:
                vals = [v for v in vals if v not in STR_ODD]
            if ep["method"] == "PATCH":
                # the same validators as the POST: a shorter list
                vals = vals[:8] + [v for v in vals[8:] if v in
                                   (None, "null") or v in STR_ODD[:2]]
            for lit in vals:
                body = with_field(ep["base"], fname, lit)
                exp = "4xx"
                if lit in STR_ODD or lit in (None, "null"):
                    # valid or absent: the base decides
                    exp = base_expect(ep)
                if ep["name"] == "events" and lit in (None, "null"):
                    exp = "4xx"         # both fields are required
                if kind == "int" and lit in ("0", "-0"):
                    exp = base_expect(ep)   # a price of 0 is valid
                c.add("%s: %s=%s" % (ep["name"], fname,
                                     "<absent>" if lit is None else lit),
                      ep["method"], ep["path"], [h, JSON_CT], body, exp)
    # PATCH of an outfit must not move it to another shop.
    h = c.auth("sa")
    for v in [str(c.fx["shop_b"]), str(c.fx["shop_a"]), "null", '"x"']:
        c.add("outfit-patch: shop_id=" + v, "PATCH",
              "/api/v1/outfits/%d" % c.fx["oa"], [h, JSON_CT],
              ('{"shop_id": %s}' % v).encode(), "400")


def gen_content_type(c):
    c.cat = "content-type"
    for ep in endpoints(c.fx):
        h = c.auth(ep["who"])
        b = json.dumps(ep["base"]).encode()
        bound = "XyZhostile"
        multipart = ("--%s\r\nContent-Disposition: form-data; name=\"json\""
                     "\r\nContent-Type: application/json\r\n\r\n" % bound
                     ).encode() + b + ("\r\n--%s--\r\n" % bound).encode()
        cases = [
            (["Content-Type: text/plain"], b, "415", "text/plain"),
            ([], b, "415", "curl's form default"),
            (["Content-Type:"], b, "415", "no Content-Type"),
            (["Content-Type: application/jsonp"], b, "415", "jsonp"),
            (["Content-Type: application/json-patch+json"], b, "415",
             "json-patch"),
            (["Content-Type:  application/json"], b, base_expect(ep),
             "leading space (nginx trims)"),
            (["Content-Type: application/json\t"], b, base_expect(ep),
             "trailing tab (nginx trims)"),
            (["Content-Type: application/json ;x"], b, "415", "space before ;"),
            (["Content-Type: application/xml"], b"<a>1</a>", "415", "XML"),
            (["Content-Type: multipart/form-data; boundary=" + bound],
             multipart, "415", "multipart with a JSON part"),
            ([JSON_CT], multipart, "400", "multipart body, JSON type"),
            (["Content-Type: application/x-www-form-urlencoded"],
             b"user_photo_id=1&outfit_id=1", "415", "form body"),
            (["Content-Type: APPLICATION/JSON"], b, base_expect(ep),
             "upper-case JSON type"),
            (["Content-Type: application/json; charset=utf-16"],
             b.decode().encode("utf-16"), "400", "UTF-16 body"),
            ([JSON_CT, "Content-Encoding: gzip"], zlib.compress(b), "400",
             "zlib body"),
            ([JSON_CT, "Content-Length: 2"], b, "400",
             "Content-Length shorter than the body"),
            ([JSON_CT, "Content-Length: 0"], b, "4xx", "Content-Length 0"),
            ([JSON_CT, "Content-Length: -1"], b, "400", "Content-Length -1"),
            ([JSON_CT, "Content-Length: 1e3"], b, "400", "Content-Length 1e3"),
            ([JSON_CT, "Content-Length: 99999999999999999999"], b, "4xx",
             "Content-Length 10^20"),
            ([JSON_CT, "Transfer-Encoding: chunked"], b, base_expect(ep),
             "chunked"),
            ([JSON_CT, "Transfer-Encoding: gzip"], b, "nginx501",
             "Transfer-Encoding gzip"),
            ([JSON_CT, "Expect: 100-continue"], b, base_expect(ep),
             "Expect: 100-continue"),
        ]
        for hdrs, body, exp, what in cases:
            if exp == "415":
                exp = "415:unsupported_media_type"
            c.add("%s: %s" % (ep["name"], what), ep["method"], ep["path"],
                  [h] + hdrs, body, exp)
        c.add("%s: no body at all" % ep["name"], ep["method"], ep["path"],
              [h, JSON_CT], None, "4xx")


def gen_headers(c):
    c.cat = "headers"
    fx = c.fx
    h2, h1 = c.auth("u2"), c.auth("u1")
    tryon = json.dumps({"user_photo_id": fx["p1"], "outfit_id": fx["oa"]}
                       ).encode()
    anim = json.dumps({"tryon_id": fx["t1"]}).encode()
    keys = [("Idempotency-Key;", "400", "empty"),
            ("Idempotency-Key: " + "k" * 200, "404", "200 characters"),
            ("Idempotency-Key: " + "k" * 201, "400", "201 characters"),
            ("Idempotency-Key: " + "k" * 8000, "400", "8000 characters"),
            ("Idempotency-Key: a\tb", "400", "a tab"),
            ("Idempotency-Key: \u00e9t\u00e9", "400", "UTF-8"),
            ("Idempotency-Key: a\x7fb", "400", "DEL"),
            ("Idempotency-Key: a\x01b", "400", "control character"),
            ("Idempotency-Key: a\rb", "4xx", "bare CR"),
            ("Idempotency-Key: %00", "404", "percent-NUL (printable)")]
    for hdr, exp, what in keys:
        c.add("Idempotency-Key " + what, "POST", "/api/v1/tryons",
              [h2, JSON_CT, hdr], tryon, exp)
        c.add("Idempotency-Key " + what, "POST", "/api/v1/animations",
              [h2, JSON_CT, hdr], anim, exp)
    c.add("two Idempotency-Keys", "POST", "/api/v1/tryons",
          [h2, JSON_CT, "Idempotency-Key: a", "Idempotency-Key: b"], tryon,
          "404")
    c.add("Idempotency_Key (underscore: nginx drops it)", "POST",
          "/api/v1/tryons", [h2, JSON_CT, "Idempotency_Key: x"], tryon, "404")
    t = "/api/v1/tryons/%d" % fx["t1"]
    for v in ["*", "W/\"x\"", "\"" + "e" * 8000 + "\"", "", "\u00ff",
              "W/\"%d-COMPLETED-0-en-0\"" % fx["t1"]]:
        c.add("If-None-Match %r (owner)" % v[:30], "GET", t,
              [h1, "If-None-Match: " + v], None, "lt500")
        c.add("If-None-Match %r (stranger)" % v[:30], "GET", t,
              [h2, "If-None-Match: " + v], None, "404")
    c.add("GET with a JSON body", "GET", "/api/v1/photos/999999",
          [h2, JSON_CT], b'{"id":1}', "404")
    c.add("cancel with a body", "POST", t + "/cancel", [h2, JSON_CT],
          b'{"force":true}', "404")
    c.add("query string on a POST", "POST",
          "/api/v1/tryons?user_photo_id=1&outfit_id=1", [h2, JSON_CT],
          b"{}", "400")
    c.add("stats over a thousand years", "GET",
          "/api/v1/shops/%d/stats?from=2000-01-01&to=2999-12-31"
          % fx["shop_a"], [c.auth("sa")], None, "200")
    c.add("1000 repeated parameters", "GET", "/api/v1/outfits?" +
          "&".join(["limit=1"] * 1000), [h2], None, "lt500")
    c.add("encoded parameter name", "GET", "/api/v1/outfits?li%6dit=abc",
          [h2], None, "lt500")
    ep = endpoints(fx)
    for e in ep:
        junk = dict(e["base"])
        for i in range(300):
            junk["junk%d" % i] = i
        c.add("%s: 300 unknown keys" % e["name"], e["method"], e["path"],
              [c.auth(e["who"]), JSON_CT], json.dumps(junk).encode(), "4xx")


# Byte sequences that are not UTF-8 (PostgreSQL refuses every one).
BAD_UTF8 = [(b"\xc0\xae", "overlong 2-byte"), (b"\xe0\x80\xaf", "overlong 3-byte"),
            (b"\xf0\x80\x80\xaf", "overlong 4-byte"),
            (b"\xed\xa0\x80", "UTF-8 encoded high surrogate"),
            (b"\xed\xbf\xbf", "UTF-8 encoded low surrogate"),
            (b"\xf4\x90\x80\x80", "past U+10FFFF"),
            (b"\xf5\x80\x80\x80", "lead byte F5"), (b"\x80", "lone continuation"),
            (b"\xe2\x82", "cut sequence"), (b"\xff", "byte FF")]


def gen_utf8(c):
    """Strings that are not UTF-8 in bodies that would otherwise be
    stored: the database must never see them (it refuses them, so
    nothing can be written either way)."""
    c.cat = "utf8"
    fx = c.fx
    sa, ad = c.auth("sa"), c.auth("ad")
    targets = [
        (sa, "POST", "/api/v1/outfits", {"title": "T", "description": "d",
                                          "product_url": "https://e.com/"}),
        (sa, "PATCH", "/api/v1/outfits/%d" % fx["oa"],
         {"title": "T", "description": "d"}),
        (ad, "POST", "/api/v1/locations", {"title": "T", "description": "d"}),
        (ad, "PATCH", "/api/v1/locations/%d" % fx["loc"],
         {"title": "T", "description": "d"}),
    ]
    for who, m, path, base in targets:
        for field in base:
            for seq, what in BAD_UTF8:
                d = dict(base)
                d[field] = "@@X@@"
                body = json.dumps(d).encode().replace(
                    b"@@X@@", base[field].encode() + seq + b"Z")
                c.add("%s %s" % (field, what), m, path, [who, JSON_CT], body,
                      "400")
    # A name that is not UTF-8 in authentic initData (the user row is
    # written on sign-in).  u3 exists (made by primerka-admin) but has
    # never signed in, so no API process has it in its recently-seen
    # cache and every one of these reaches the database.
    for seq, what in BAD_UTF8:
        u = b'{"id":%d,"first_name":"A%sZ","last_name":"L"}' % (fx["u3"], seq)
        # /me writes the user row (user_touch): 200 or 401, never 5xx
        c.add("initData first_name " + what, "GET", "/api/v1/me",
              ["Authorization: tma " + c.sig.build(u)], None, "lt500")
    for seq, what in BAD_UTF8[:4]:
        c.add("tag " + what, "GET", "/api/v1/locations?tag=a" + pct(seq),
              [c.auth("u2")], None, "lt500")


def gen_sql(c):
    c.cat = "sql"
    fx = c.fx
    # Query parameters of every list.
    lists = [
        ("u1", "/api/v1/photos", ["cursor", "limit"]),
        ("u1", "/api/v1/tryons", ["cursor", "limit"]),
        ("u1", "/api/v1/animations", ["cursor", "limit"]),
        ("u2", "/api/v1/outfits", ["cursor", "limit", "shop_id", "category"]),
        ("u2", "/api/v1/locations", ["cursor", "limit", "tag"]),
        ("sa", "/api/v1/shops/%d/stats" % fx["shop_a"], ["from", "to"]),
    ]
    for who, path, params in lists:
        h = c.auth(who)
        for p in params:
            for s in SQL:
                exp = "400"     # a tag is [a-z0-9-]{1,40} too
                c.add("%s=%s" % (p, s), "GET",
                      "%s?%s=%s" % (path, p, pct(s)), [h], None, exp)
            c.add("%s twice, SQL second" % p, "GET",
                  "%s?%s=1&%s=%s" % (path, p, p, pct(SQL[0])), [h], None,
                  "lt500")
            c.add("%s with + for spaces" % p, "GET",
                  "%s?%s=1+OR+1=1" % (path, p), [h], None, "400")
    # Numbers and encodings in the numeric parameters.
    h = c.auth("u2")
    odd = ["-1", "0", "1e3", "0x10", "1.5", "%201", "1%20", "%2B1", "%D9%A1",
           "9223372036854775807", "9223372036854775808",
           "99999999999999999999", "%00", "1%00", "%FF", "", "a" * 5000,
           "%2527", "%", "%G1", "1%0d%0aX-Injected:%201", "%E2%80%AE1"]
    for p in ["cursor", "limit", "shop_id", "category"]:
        for v in odd:
            c.add("%s=%s" % (p, v[:40]), "GET",
                  "/api/v1/outfits?%s=%s" % (p, v), [h], None, "lt500")
    for v in odd + ["%FF%FE", "a" * 64, "a" * 63]:
        c.add("tag=%s" % v[:40], "GET", "/api/v1/locations?tag=" + v, [h],
              None, "lt500")
    hs = c.auth("sa")
    for v in ["2026-02-29", "2026-02-30", "9999-12-31", "1999-12-31",
              "2026-13-01", "2026-1-1", "2026-01-01T00:00:00",
              "2026-01-01%00", "%00", "", "2026-01-01'", "20260101",
              "2026-00-10", "2026-04-31"]:
        for p in ["from", "to"]:
            c.add("%s=%s" % (p, v), "GET", "/api/v1/shops/%d/stats?%s=%s"
                  % (fx["shop_a"], p, v), [hs], None, "400")
    # String fields of every JSON endpoint.
    for ep in endpoints(fx):
        h = c.auth(ep["who"])
        for fname, kind in ep["fields"]:
            if kind in ("id", "int") or ep["method"] == "PATCH":
                vals = ['"%s"' % s.replace("\\", "\\\\").replace('"', '\\"')
                        for s in SQL[:6]]
            elif kind == "tags":
                vals = [json.dumps([s]) for s in SQL]
            elif kind == "url":
                vals = [json.dumps("https://example.com/?q=" + s)
                        for s in SQL]
            else:
                vals = [json.dumps(s) for s in SQL]
            for lit in vals:
                exp = "4xx"
                if kind in ("str", "url") and ep["name"] != "events":
                    # plain text is valid: the base decides
                    exp = base_expect(ep)
                c.add("%s: %s=%s" % (ep["name"], fname, lit), ep["method"],
                      ep["path"], [h, JSON_CT],
                      with_field(ep["base"], fname, lit), exp)
    # Headers that reach SQL parameters.
    h = c.auth("u2")
    for s in SQL[:6]:
        c.add("Idempotency-Key: " + s, "POST", "/api/v1/tryons",
              [h, JSON_CT, "Idempotency-Key: " + s],
              json.dumps({"user_photo_id": fx["p1"],
                          "outfit_id": fx["oa"]}).encode(), "404")
        c.add("If-None-Match: " + s, "GET", "/api/v1/tryons/%d" % fx["t1"],
              [h, "If-None-Match: " + s], None, "404")
    for s in ["1;DROP%20TABLE%20users", "1%27%20OR%20%271%27=%271",
              "1%20OR%201=1"]:
        c.add("SQL in a path id", "GET", "/api/v1/photos/" + s, [h], None,
              "404")
        c.add("SQL in a path id", "DELETE", "/api/v1/photos/" + s, [h], None,
              "404")


def gen_paths(c):
    c.cat = "paths"
    fx = c.fx
    p1 = fx["p1"]
    h = c.auth("u2")
    reads = [  # normalised by nginx to a real read: any answer < 500
        "/api/v1/tryons/1/../../me", "/api/v1/tryons/%d/../../me" % fx["t1"],
        "/api/v1/../v1/me", "/api/v1/./me", "/api//v1//me",
        "/api/v1/%2e%2e/v1/me", "/api/v1/%2E%2E/%2E%2E/api/v1/me",
        "/api/v1/photos/%2e%2e/me", "/api/v1/photos/..%2F..%2Fme",
        "/api/v1/photos/%2e%2e%2fme", "/api/v1/" + "a/../" * 1000 + "me",
        "/api/v1/me?", "/api/v1/me?&&&=&=", "/api/v1/me#frag",
    ]
    for p in reads:
        c.add("path normalisation", "GET", p, [h], None, "lt500")
    h1 = c.auth("u1")
    for p in ["/api/v1/photos/00%d" % p1, "/api/v1/tryons/0%d" % fx["t1"],
              "/api/v1/photos/%d" % p1 + "?" + "x" * 100]:
        c.add("owner, leading zeros or a query", "GET", p, [h1], None,
              "lt500")
    notfound = [
        "/api/v1/photos%%2F%d" % p1, "/api/v1/photos/%%2F%d" % p1,
        "/api/v1/me%2500", "/api/v1/me/", "/api/v1/photos/",
        "/api/v1/photos//%d" % p1, "/api/v1/photos/%d/" % p1,
        "/api/v1/photos/0%d" % p1, "/api/v1/photos/%024d" % p1,
        "/api/v1/photos/+%d" % p1, "/api/v1/photos/-%d" % p1,
        "/api/v1/photos/0x%x" % p1, "/api/v1/photos/%d.0" % p1,
        "/api/v1/photos/%de0" % p1, "/api/v1/photos/%%20%d" % p1,
        "/api/v1/photos/%d%%20" % p1, "/api/v1/photos/%EF%BC%91",
        "/api/v1/photos/%D9%A1", "/api/v1/photos/%C2%B9",
        "/api/v1/photos/%E0%A5%A7", "/api/v1/photos/9223372036854775807",
        "/api/v1/photos/9223372036854775808", "/api/v1/photos/0",
        "/api/v1/photos/%d;x=1" % p1, "/api/v1/photos/%d?id=1" % p1,
        "/api/v1/PHOTOS/%d" % p1, "/api/V1/me", "/api/v2/me", "/api/",
        "/api/v1", "/api/v1/", "/api/v1/me" + "/" * 100 + "x",
        "/api/v1/" + "a" * 6000,
        "/api/v1/tryons/%d/cancel/../../%d" % (fx["t1"], fx["t1"]),
        "/api/v1/photos/%d/..;/%d" % (p1, p1),
        "/api/v1/shops/%d/stats/../stats" % fx["shop_b"],
    ]
    for p in notfound:
        c.add("path trick", "GET", p, [h], None, "4xx")
    for p in ["/api/v1/photos/0%d" % p1, "/api/v1/photos%%2F%d" % p1,
              "/api/v1/photos/%d/" % p1, "/api/v1/photos//%d" % p1,
              "/api/v1/photos/%d/../%d" % (p1, p1),
              "/api/v1/photos/%%2e/%d" % p1]:
        c.add("path trick on a foreign photo", "DELETE", p, [h], None, "404")
    nginx400 = ["/api/../../etc/passwd", "/api/v1/../../../../etc/passwd",
                "/api/v1/me%00", "/api/v1/me%", "/api/v1/me%G0",
                "/api/v1/%u0041"]
    for p in nginx400:
        c.add("path nginx refuses", "GET", p, [h], None, "4xx")
    c.add("10 KB path", "GET", "/api/v1/" + "b" * 10240, [h], None, "414")
    # nginx may answer 414 and close while curl is still sending
    c.add("100 KB path", "GET", "/api/v1/" + "c" * 102400, [h], None,
          "414|closed")
    c.add("10 KB query", "GET", "/api/v1/outfits?cursor=" + "1" * 10240, [h],
          None, "414")
    c.add("7 KB query", "GET", "/api/v1/outfits?x=" + "1" * 7000, [h],
          None, "lt500")


def gen_auth(c):
    c.cat = "auth"
    fx = c.fx
    s = c.sig
    u1 = fx["u1"]
    target = "/api/v1/photos/999999999999"     # 404 once authenticated

    unset = object()

    def user(uid=unset, **kw):
        d = {"id": u1 if uid is unset else uid, "first_name": "Hostile"}
        d.update(kw)
        return d

    def add(desc, value, exp, extra_headers=()):
        c.add(desc, "GET", target, ["Authorization: " + value] +
              list(extra_headers), None, exp)

    good = s.build(user())
    add("valid (control)", "tma " + good, "404")
    hx = good.rsplit("hash=", 1)[1]
    flipped = hx[:-1] + ("0" if hx[-1] != "0" else "1")
    add("wrong hash (last digit)", "tma " + good.rsplit("hash=", 1)[0] +
        "hash=" + flipped, "401")
    add("hash upper case", "tma " + good.rsplit("hash=", 1)[0] + "hash=" +
        hx.upper(), "401|404")
    add("hash of another bot token", "tma " + s.build(
        user(), token="123456:AAother-bot-token"), "401")
    add("no hash", "tma " + s.build(user(), sign=False), "401")
    for hv, what in [(b"", "empty"), (b"0" * 63, "63 digits"),
                     (b"0" * 65, "65 digits"), (b"z" * 64, "not hex"),
                     (b"\x00" * 64, "NULs")]:
        add("hash " + what, "tma " + s.build(user(), hash_override=hv), "401")
    add("two hash fields", "tma " + good + "&hash=" + hx, "401")
    add("hash first, then fields", "tma hash=%s&%s" % (
        hx, good.rsplit("&hash=", 1)[0]), "404")
    # auth_date
    for ad, exp, what in [
            (fx["now"] + 3600, "401", "an hour in the future"),
            (fx["now"] + 100, "404", "100 s ahead (allowed skew)"),
            (fx["now"] - 86400 - 60, "401", "older than max_age"),
            (fx["now"] - 2 * 86400, "401", "replayed from two days ago"),
            ("0", "401", "0"), ("-5", "401", "negative"),
            ("1e9", "401", "1e9"), (" 123", "401", "leading space"),
            ("+%d" % fx["now"], "401", "plus sign"),
            ("99999999999999999999", "401", "past int64"),
            ("253402300800", "401", "year 10000"),
            ("%d.5" % fx["now"], "401", "fraction"), ("", "401", "empty"),
            ("abc", "401", "letters")]:
        add("auth_date " + what, "tma " + s.build(user(), auth_date=ad), exp)
    add("no auth_date", "tma " + s.build(user(), drop=("auth_date",)), "401")
    add("two auth_date", "tma " + s.build(user(), extra=(
        ("auth_date", str(fx["now"])),)), "401")
    add("no user", "tma " + s.build(user(), drop=("user",)), "401")
    add("two user fields", "tma " + s.build(user(), extra=(
        ("user", json.dumps(user(fx["u2"]))),)), "401")
    # user JSON, correctly signed
    for u, what in [
            (user(0), "id 0"), (user(-1), "id -1"), (user(-0), "id -0"),
            ('{"id":-0,"first_name":"x"}', "id -0 literal"),
            (user(2 ** 63), "id 2^63"), (user(2 ** 63 - 1), "id 2^63-1"),
            (user(2 ** 53), "id 2^53"), (user(2 ** 64), "id 2^64"),
            (user(str(u1)), "id as a string"), (user(u1 + 0.5), "id 1.5"),
            ('{"id":%d.0,"first_name":"x"}' % u1, "id with .0"),
            ('{"id":%de0,"first_name":"x"}' % u1, "id with e0"),
            (user(True), "id true"), (user(None), "id null"),
            (user([u1]), "id array"), ({"first_name": "x"}, "no id"),
            ("[%d]" % u1, "user an array"), ('"x"', "user a string"),
            ("", "user empty"), ('{"id":%d' % u1, "user truncated"),
            ('{"id":%d} x' % u1, "user + garbage"),
            ('{"id":%d,"a":' % u1 + "[" * 20 + "]" * 20 + "}", "user depth 21"),
            ("{'id':%d}" % u1, "user single quotes"),
            (b'{"id":%d,"first_name":"\xff"}' % u1, "raw 0xFF in user"),
            ('{"id":%d,"first_name":"a\nb"}' % u1, "raw newline in user"),
            ('{"id":%d,"first_name":"' % u1 + "x" * 4000 + '"}',
             "user making initData longer than 4096"),
    ]:
        add("user " + what, "tma " + s.build(u), "401")
    # duplicate ids: json-c keeps the last one
    add("user with id twice, string last", "tma " + s.build(
        '{"id":%d,"id":"x","first_name":"x"}' % u1), "401")
    add("user of 3.9 KB (a 255-byte name is kept)", "tma " + s.build(
        '{"id":%d,"first_name":"' % u1 + "x" * 3800 + '"}'), "404")
    add("user with id twice, valid last", "tma " + s.build(
        '{"id":"x","id":%d,"first_name":"x"}' % u1), "404")
    # signed, but not valid Unicode: refused as malformed
    for u, what in [
            (user(first_name="\ud800"), "lone surrogate escape in the name"),
            ('{"id":%d,"first_name":"\\ud800\\udc00\\ud800"}' % u1,
             "broken surrogate pair in the name"),
    ]:
        add("user " + what, "tma " + s.build(u), "401")
    # odd but authentic names (the fixture user stays the same user)
    for u, what in [
            (user(first_name="a\u0000b"), "NUL escape in the name"),
            (user(first_name="x" * 300, last_name="y" * 300,
                  username="z" * 100), "overlong names"),
            (user(language_code="ru-" + "x" * 40), "overlong language"),
            (user(first_name="'; DROP TABLE users; --"), "SQL in the name"),
            (user(photo_url="javascript:alert(1)"), "script photo_url"),
            (user(is_premium="yes", allows_write_to_pm=[1]), "odd types"),
    ]:
        add("user " + what, "tma " + s.build(u), "404")
    # signature and extra fields
    add("garbage signature, not covered by the hash", "tma " + good +
        "&signature=" + "A" * 86, "401")
    add("garbage signature covered by the hash", "tma " + s.build(
        user(), extra=(("signature", "!!not-base64!!"),)), "404")
    add("signature only", "tma " + s.build(user(), sign=False, extra=(
        ("signature", "A" * 86),)), "401")
    add("extra field covered by the hash", "tma " + s.build(
        user(), extra=(("chat_instance", "-1"), ("start_param", "x" * 600))),
        "404")
    add("33 fields", "tma " + s.build(user(), extra=tuple(
        ("k%d" % i, "v") for i in range(30))), "401")
    add("key with a space", "tma " + s.build(user(), extra=(("a b", "1"),)),
        "401")
    add("key with %00", "tma " + good + "&a%00=1", "401")
    add("value with %0A", "tma " + s.build(user(), extra=(("x", "a\nb"),)),
        "401")
    add("empty pair", "tma " + good.replace("&", "&&", 1), "401")
    add("trailing &", "tma " + good + "&", "401")
    add("pair without =", "tma " + good + "&novalue", "401")
    add("pair with empty key", "tma " + good + "&=1", "401")
    add("raw UTF-8 in initData", "tma " + good + "&x=\u00e9", "401")
    add("percent-decoded twice", "tma " + pct(good), "401")
    add("4097 bytes", "tma " + good + "&pad=" + "p" *
        (4097 - len(good) - 5), "401")
    add("5 KB", "tma " + "a" * 5000, "401")
    add("8 KB header", "tma " + "a" * 8192, "400")
    add("64 KB header", "tma " + "a" * 65536, "400")
    # scheme spelling
    for v, exp, what in [
            ("TMA " + good, "404", "TMA"), ("Tma " + good, "404", "Tma"),
            ("tma\t" + good, "404", "tab after tma"),
            ("tma   " + good, "404", "three spaces"),
            ("tma " + good + "   ", "404", "trailing spaces"),
            ("tma" + good, "401", "no space"),
            ("tma_" + good, "401", "underscore"), ("tma", "401", "tma alone"),
            ("Bearer " + good, "401", "Bearer"), ("Basic dXNlcjpwYXNz", "401",
                                                  "Basic"),
            ("tma tma " + good, "401", "tma twice"),
            ("tma " + good + " tma " + good, "401", "two initData"),
            ("tma " + good + ",tma " + good, "401", "comma list"),
            ("tma\u00a0" + good, "401", "no-break space")]:
        add("scheme " + what, v, exp)
    c.add("empty Authorization", "GET", target, ["Authorization;"], None,
          "401")
    c.add("no Authorization", "GET", target, [], None, "401")
    c.add("two Authorization headers (bad, good)", "GET", target,
          ["Authorization: tma x=1", "Authorization: tma " + good], None,
          "4xx")
    c.add("two Authorization headers (good, bad)", "GET", target,
          ["Authorization: tma " + good, "Authorization: tma x=1"], None,
          "4xx")
    # CR/LF injection through curl's raw header
    c.add("CRLF: header then a forged Authorization", "GET", target,
          ["X-Test: a\r\nAuthorization: tma garbage=1"], None, "401")
    c.add("CRLF: valid Authorization + injected header", "GET", target,
          ["Authorization: tma " + good + "\r\nX-Injected: 1"], None, "404")
    c.add("CRLF: end of headers + smuggled request", "GET", target,
          ["Authorization: tma " + good + "\r\n\r\nDELETE /api/v1/photos/%d "
           "HTTP/1.1\r\nHost: x" % fx["p1"]], None, "4xx")
    c.add("bare CR inside a header", "GET", target, ["X-A: a\rb",
                                                     "Authorization: tma " +
                                                     good], None, "4xx")
    c.add("bare LF inside Authorization", "GET", target,
          ["Authorization: tma x\n" + good], None, "4xx")
    c.add("Authorization split by LF", "GET", target,
          ["Authorization: tma\n " + good], None, "4xx")
    c.add("8 KB cookie", "GET", target, ["Authorization: tma " + good,
                                          "Cookie: c=" + "k" * 8192], None,
          "400")
    c.add("100 extra headers", "GET", target, ["Authorization: tma " + good] +
          ["X-H%d: v" % i for i in range(100)], None, "404")
    c.add("Host: another site", "GET", target, ["Authorization: tma " + good,
                                                "Host: evil.example"], None,
          "404")
    c.add("X-Forwarded-For to /metrics", "GET", "/metrics",
          ["X-Forwarded-For: 8.8.8.8", "X-Real-IP: 8.8.8.8"], None, "lt500")


def gen_payments(c):
    """The bot's webhook without its secret (every update refused, none
    credits or refunds anything), the token history's list parameters,
    and other users' purchases."""
    c.cat = "payments"
    fx = c.fx
    frm = {"id": fx["u1"], "is_bot": False, "first_name": "H"}
    paid = {"update_id": 1, "message": {
        "message_id": 1, "date": 1, "chat": {"id": fx["u1"], "type": "private"},
        "from": frm, "successful_payment": {
            "currency": "XTR", "total_amount": 1, "invoice_payload": "purchase:1",
            "telegram_payment_charge_id": "hostile", "provider_payment_charge_id": ""}}}
    pre = {"update_id": 2, "pre_checkout_query": {
        "id": "hostile", "from": frm, "currency": "XTR", "total_amount": 1,
        "invoice_payload": "purchase:1"}}
    refund = {"update_id": 4, "message": {
        "message_id": 2, "date": 1, "chat": {"id": fx["u1"], "type": "private"},
        "from": frm, "refunded_payment": {
            "currency": "XTR", "total_amount": 1, "invoice_payload": "purchase:1",
            "telegram_payment_charge_id": "hostile"}}}
    bodies = [(json.dumps(paid).encode(), "a forged payment"),
              (json.dumps(pre).encode(), "a forged pre-checkout query"),
              (json.dumps(refund).encode(), "a forged refund"),
              (b'{"update_id":', "malformed"), (b"", "empty"),
              (json.dumps({"update_id": 3}).encode(), "an empty update")]
    secrets = [None, "", "x", "' OR 1=1 --", "a" * 4000, "\u0000"]
    for body, what in bodies:
        for s in secrets:
            hdrs = [JSON_CT]
            if s is not None:
                hdrs.append("X-Telegram-Bot-Api-Secret-Token: " + s)
            c.add("webhook: %s, secret %r" % (what, (s or "")[:12]),
                  "POST", "/api/v1/telegram/webhook", hdrs, body, "4xx")
    u1 = c.auth("u1")
    for q in ("cursor=abc", "cursor=0", "cursor=-1", "cursor=1e3",
              "cursor=99999999999999999999", "limit=0", "limit=101",
              "limit=-5", "limit=1.5", "limit=%00"):
        c.add("token history ?" + q, "GET", "/api/v1/ledger?" + q, [u1],
              None, "4xx")
    # A repeated parameter: the first one counts, as everywhere.
    c.add("token history ?cursor=1&cursor=x", "GET",
          "/api/v1/ledger?cursor=1&cursor=x", [u1], None, "lt500")
    u2 = c.auth("u2")
    for pid in ("1", "2", str(fx["nx"]), "0", "-1", "1e3", "999999999999999999999"):
        c.add("someone else's or no purchase " + pid, "GET",
              "/api/v1/purchases/" + pid, [u2], None, "4xx")


def gen_hooks(c):
    """Vendor webhooks (POST /api/v1/hooks/{provider}/{token}) from
    anyone: unknown, malformed and injected tokens and providers, each
    vendor's completed payload pointing at a forged result, Replicate's
    with bad signatures.  Every one 4xx (404 unknown, 401 unsigned), and
    nothing stored changes: a webhook only wakes a job the token names."""
    c.cat = "hooks"
    tok = "hostileHostileHostileHostileHostileHostile"   # 43, no job's
    forged = {
        "fashn": {"id": "x", "status": "completed",
                  "output": ["http://127.0.0.1:9/forged.png"], "error": None},
        "fal": {"request_id": "x", "gateway_request_id": "x", "status": "OK",
                "payload": {"images": [{"url": "http://127.0.0.1:9/f.png"}]}},
        "replicate": {"id": "x", "status": "succeeded",
                      "output": "http://127.0.0.1:9/forged.png"},
    }
    for prov, body in forged.items():
        c.add("hook: %s, a forged completion, unknown token" % prov, "POST",
              "/api/v1/hooks/%s/%s" % (prov, tok), [JSON_CT],
              json.dumps(body).encode(), "4xx")
    bad_tokens = ["", "a", "A" * 42, "A" * 44, "A" * 65, "A" * 4000,
                  "..%2F..%2Fetc%2Fpasswd", "%00" + "A" * 40,
                  "'%20OR%201=1--", "A" * 20 + "%2F" + "A" * 20, "é" * 43]
    for t in bad_tokens:
        c.add("hook: token %r" % t[:20], "POST",
              "/api/v1/hooks/fashn/" + t, [JSON_CT], b"{}", "4xx")
    for prov in ["acme", "FASHN", "fashn%00", "local", "", "a" * 100,
                 "..", "fashn/extra"]:
        c.add("hook: provider %r" % prov[:20], "POST",
              "/api/v1/hooks/%s/%s" % (prov, tok), [JSON_CT], b"{}", "4xx")
    sigs = [[], ["webhook-id: msg_1", "webhook-timestamp: 1",
                 "webhook-signature: v1,AAAA"],
            ["webhook-id: msg_1", "webhook-timestamp: 99999999999999999999",
             "webhook-signature: v1,AAAA"],
            ["webhook-id: " + "m" * 4000, "webhook-timestamp: 0",
             "webhook-signature: " + "v1,A " * 500],
            ["webhook-id: a.b", "webhook-timestamp: -1",
             "webhook-signature: v2,===="]]
    for h in sigs:
        c.add("hook: replicate, signature %r" % (h[2][:30] if h else None),
              "POST", "/api/v1/hooks/replicate/" + tok, [JSON_CT] + h,
              json.dumps(forged["replicate"]).encode(), "4xx")
    c.add("hook: a body over the limit", "POST",
          "/api/v1/hooks/fashn/" + tok, [JSON_CT], b"{" + b" " * 300000 + b"}",
          "4xx")


def gen_crossuser(c):
    c.cat = "cross-user"
    fx = c.fx
    U1, U2, SA, SB, AD = (c.auth(w) for w in ("u1", "u2", "sa", "sb", "ad"))
    p1, p2, t1, a1, oa, ob, loc = (fx[k] for k in ("p1", "p2", "t1", "a1",
                                                    "oa", "ob", "loc"))
    A, B, nx = fx["shop_a"], fx["shop_b"], fx["nx"]
    png = read(os.path.join(DATA, "product_tshirt_mockup.png"))
    jpg = read(os.path.join(DATA, "scene_street_town_sharp.jpg"))
    outfit = json.dumps({"title": "Hijack", "category": "tops",
                         "price": 1, "currency": "RUB",
                         "product_url": "https://example.com/x"}).encode()
    loc_body = json.dumps({"title": "Hijack", "tags": ["x"]}).encode()
    J = JSON_CT
    cases = [
        (U2, "GET", "/api/v1/photos/%d" % p1, None, None, "404"),
        (U2, "GET", "/api/v1/photos/%d" % p2, None, None, "404"),
        (U2, "DELETE", "/api/v1/photos/%d" % p1, None, None, "404"),
        (U2, "DELETE", "/api/v1/photos/%d" % p2, None, None, "404"),
        (U2, "GET", "/api/v1/tryons/%d" % t1, None, None, "404"),
        (U2, "POST", "/api/v1/tryons/%d/cancel" % t1, None, None, "404"),
        (U2, "DELETE", "/api/v1/tryons/%d" % t1, None, None, "404"),
        (U2, "DELETE", "/api/v1/animations/%d" % a1, None, None, "404"),
        (U1, "DELETE", "/api/v1/animations/%d" % t1, None, None, "404"),
        (U1, "DELETE", "/api/v1/tryons/%d" % a1, None, None, "404"),
        (U2, "GET", "/api/v1/animations/%d" % a1, None, None, "404"),
        (U2, "POST", "/api/v1/animations/%d/cancel" % a1, None, None, "404"),
        (U2, "POST", "/api/v1/animations", J,
         json.dumps({"tryon_id": t1}).encode(), "404"),
        (U2, "POST", "/api/v1/tryons", J, json.dumps(
            {"user_photo_id": p1, "outfit_id": oa}).encode(), "404"),
        (U2, "POST", "/api/v1/tryons", J, json.dumps(
            {"user_photo_id": p2, "outfit_id": ob, "location_id": loc}
        ).encode(), "404"),
        (U1, "GET", "/api/v1/animations/%d" % t1, None, None, "404"),
        (U1, "GET", "/api/v1/tryons/%d" % a1, None, None, "404"),
        (U1, "POST", "/api/v1/animations/%d/cancel" % t1, None, None, "404"),
        (U1, "POST", "/api/v1/tryons/%d/cancel" % a1, None, None, "404"),
        (U1, "POST", "/api/v1/tryons/%d/cancel" % t1, None, None, "409"),
        (U1, "POST", "/api/v1/animations/%d/cancel" % a1, None, None, "409"),
        (U1, "POST", "/api/v1/animations", J,
         json.dumps({"tryon_id": a1}).encode(), "404"),
        (U1, "POST", "/api/v1/outfits", J, json.dumps(
            dict(json.loads(outfit), shop_id=A)).encode(), "403"),
        (U1, "PATCH", "/api/v1/outfits/%d" % oa, J, outfit, "403"),
        (U1, "DELETE", "/api/v1/outfits/%d" % oa, None, None, "403"),
        (U1, "PUT", "/api/v1/outfits/%d/image" % oa, "Content-Type: image/png",
         png, "403"),
        (U1, "POST", "/api/v1/locations", J, loc_body, "403"),
        (U1, "PATCH", "/api/v1/locations/%d" % loc, J, loc_body, "403"),
        (U1, "DELETE", "/api/v1/locations/%d" % loc, None, None, "403"),
        (U1, "PUT", "/api/v1/locations/%d/image" % loc,
         "Content-Type: image/jpeg", jpg, "403"),
        (U1, "GET", "/api/v1/shops/%d/stats" % A, None, None, "403"),
        (SB, "PATCH", "/api/v1/outfits/%d" % oa, J, outfit, "403"),
        (SB, "DELETE", "/api/v1/outfits/%d" % oa, None, None, "403"),
        (SB, "PUT", "/api/v1/outfits/%d/image" % oa, "Content-Type: image/png",
         png, "403"),
        (SB, "GET", "/api/v1/shops/%d/stats" % A, None, None, "403"),
        (SB, "POST", "/api/v1/outfits", J, json.dumps(
            dict(json.loads(outfit), shop_id=A)).encode(), "403"),
        (SB, "POST", "/api/v1/locations", J, loc_body, "403"),
        (SB, "PATCH", "/api/v1/locations/%d" % loc, J, loc_body, "403"),
        (SB, "DELETE", "/api/v1/locations/%d" % loc, None, None, "403"),
        (SB, "PUT", "/api/v1/locations/%d/image" % loc,
         "Content-Type: image/jpeg", jpg, "403"),
        (SA, "PATCH", "/api/v1/outfits/%d" % ob, J, outfit, "403"),
        (SA, "DELETE", "/api/v1/outfits/%d" % ob, None, None, "403"),
        (SA, "PUT", "/api/v1/outfits/%d/image" % ob, "Content-Type: image/png",
         png, "403"),
        (SA, "GET", "/api/v1/shops/%d/stats" % B, None, None, "403"),
        (SA, "GET", "/api/v1/shops/%d/stats" % nx, None, None, "403"),
        (SA, "POST", "/api/v1/outfits", J, json.dumps(
            dict(json.loads(outfit), shop_id=B)).encode(), "403"),
        (AD, "GET", "/api/v1/shops/%d/stats" % nx, None, None, "404"),
        (AD, "PATCH", "/api/v1/outfits/%d" % nx, J, outfit, "404"),
        (AD, "DELETE", "/api/v1/outfits/%d" % nx, None, None, "404"),
        (AD, "PUT", "/api/v1/outfits/%d/image" % nx, "Content-Type: image/png",
         png, "404"),
        (AD, "PATCH", "/api/v1/locations/%d" % nx, J, loc_body, "404"),
        (AD, "DELETE", "/api/v1/locations/%d" % nx, None, None, "404"),
        (AD, "PUT", "/api/v1/locations/%d/image" % nx,
         "Content-Type: image/jpeg", jpg, "404"),
        (AD, "POST", "/api/v1/outfits", J, json.dumps(
            dict(json.loads(outfit), shop_id=nx)).encode(), "404"),
    ]
    names = {U1: "user", U2: "another user", SA: "staff A", SB: "staff B",
             AD: "admin"}
    for who, m, path, ct, body, exp in cases:
        hdrs = [who] + ([ct] if ct else [])
        c.add(names[who], m, path, hdrs, body, exp)


def gen_images(c):
    c.cat = "images"
    fx = c.fx
    jpg1 = read(os.path.join(DATA, "people_grace_hopper_portrait.jpg"))
    jpg2 = read(os.path.join(DATA, "people_fullbody_outdoor.jpg"))
    png1 = read(os.path.join(DATA, "people_astronaut_portrait.png"))
    png_i = png_rgb(300, 300, interlace=True)
    png_p = png_palette(300, 300)
    webps = [read(os.path.join(HERE, n)) for n in
             ("sample_lossy.webp", "sample_alpha.webp",
              "sample_lossless.webp")]

    bad = []          # (description, bytes, content type, expect)

    def b(desc, data, ct="image/png", exp="4xx"):
        bad.append((desc, data, ct, exp))

    # PNG: dimensions from the header alone
    for w, h in [(60000, 60000), (1, 100000000), (100000000, 1),
                 (12001, 300), (300, 12001), (6400, 6400),
                 (0x7FFFFFFF, 0x7FFFFFFF), (65535, 65535)]:
        b("PNG header %dx%d" % (w, h), png_file(w, h, b"\x78\x9c\x03\0\0\0\0\1"),
          exp="413")
    for w, h in [(0, 0), (0, 300), (0x80000000, 300), (0xFFFFFFFF, 1)]:
        b("PNG header %dx%d" % (w, h), png_file(w, h, b"\x78\x9c\x03\0\0\0\0\1"))
    # decompression bombs, refused by the pixel limits
    bomb8 = zero_idat(10000, 10000, 1)
    b("PNG bomb 10000x10000 gray (%d KB)" % (len(bomb8) // 1024),
      png_file(10000, 10000, bomb8, 8, 0), exp="413")
    bomb16 = zero_idat(10000, 10000, 2)
    b("PNG bomb 10000x10000 gray16 (%d KB)" % (len(bomb16) // 1024),
      png_file(10000, 10000, bomb16, 16, 0), exp="413")
    b("PNG bomb 10000x10000 RGBA header, gray IDAT",
      png_file(10000, 10000, bomb8, 8, 6), exp="413")
    b("PNG bomb 6400x6400 (41 Mpx)", png_file(6400, 6400,
                                                 zero_idat(6400, 6400, 1),
                                                 8, 0), exp="413")
    # within the limits but damaged: decoded, then refused
    within = zero_idat(6000, 6000, 1)
    b("PNG 6000x6000 bomb, IDAT cut at 90%",
      png_file(6000, 6000, within[:len(within) * 9 // 10], 8, 0))
    b("PNG 6000x6000 bomb, no IEND", png_file(6000, 6000, within, 8, 0,
                                              iend=False))
    rgba = zero_idat(6000, 6600, 4)
    b("PNG 6000x6600 RGBA bomb, IDAT cut at 99%",
      png_file(6000, 6600, rgba[:len(rgba) * 99 // 100], 8, 6))
    side = zero_idat(12000, 3333, 1)
    b("PNG 12000x3333 bomb, stream cut",
      png_file(12000, 3333, side[:-8], 8, 0))
    b("PNG 6000x6000 bomb, bad IDAT CRC",
      PNG_SIG + png_ihdr(6000, 6000, 8, 0) + png_chunk(b"IDAT", within)[:-4]
      + b"\0\0\0\0" + png_chunk(b"IEND", b""))
    # zTXt bomb on an image that is too small anyway
    ztxt = png_chunk(b"zTXt", b"Comment\0\0" + zlib.compress(b"\0" * 50000000,
                                                              9))
    b("PNG zTXt bomb (50 MB text) on a truncated 300x300 image",
      png_file(300, 300, zlib.compress(b"\0" * 3000)[:-4], 8, 2,
               pre=(ztxt,)))
    iccp = png_chunk(b"iCCP", b"icc\0\0" + zlib.compress(b"\0" * 50000000, 9))
    b("PNG iCCP bomb on a truncated 300x300 image",
      png_file(300, 300, zlib.compress(b"\0" * 3000)[:-4], 8, 2, pre=(iccp,)))
    # structure
    good_idat = zlib.compress((b"\0" + b"\x80" * 900) * 300)
    for desc, data in [
            ("PNG bad IHDR CRC", PNG_SIG + png_ihdr(300, 300, 8, 2)[:-4] +
             b"\0\0\0\0" + png_chunk(b"IDAT", good_idat)),
            ("PNG IDAT garbage", png_file(300, 300, b"\x78\x9c" + bytes(
                random.Random(1).randrange(256) for _ in range(5000)), 8, 2)),
            ("PNG IDAT not zlib", png_file(300, 300, b"\0" * 5000, 8, 2)),
            ("PNG no IHDR", PNG_SIG + png_chunk(b"IDAT", good_idat) +
             png_chunk(b"IEND", b"")),
            ("PNG IDAT before IHDR", PNG_SIG + png_chunk(b"IDAT", good_idat) +
             png_ihdr(300, 300, 8, 2) + png_chunk(b"IEND", b"")),
            ("PNG bit depth 3", png_file(300, 300, good_idat, 3, 2)),
            ("PNG colour type 5", png_file(300, 300, good_idat, 8, 5)),
            ("PNG interlace method 2", png_file(300, 300, good_idat, 8, 2, 2)),
            ("PNG palette without PLTE", png_file(300, 300, good_idat, 8, 3)),
            ("PNG chunk length 0x7fffffff", PNG_SIG + png_ihdr(300, 300, 8, 2)
             + b"\x7f\xff\xff\xffIDAT" + good_idat[:100]),
            ("PNG chunk length 0xffffffff", PNG_SIG + png_ihdr(300, 300, 8, 2)
             + b"\xff\xff\xff\xffIDAT" + good_idat[:100]),
            ("PNG 5000 empty IDAT chunks", PNG_SIG + png_ihdr(300, 300, 8, 2)
             + png_chunk(b"IDAT", b"") * 5000 + png_chunk(b"IEND", b"")),
            ("PNG too little pixel data", png_file(300, 300, zlib.compress(
                b"\0" * 1000), 8, 2)),
            ("PNG filter type 9", png_file(300, 300, zlib.compress(
                (b"\x09" + b"\x80" * 900) * 300), 8, 2)),
            ("PNG eXIf loop on a truncated image", png_file(
                300, 300, good_idat[:-10], 8, 2,
                pre=(png_chunk(b"eXIf", b"II*\0\x08\0\0\0\x01\0\x12\x01\x03\0"
                               b"\x01\0\0\0\x06\0\0\0\x08\0\0\0"),))),
            ("PNG signature only", PNG_SIG),
            ("PNG signature + IHDR only", PNG_SIG + png_ihdr(512, 512)),
            ("PNG signature with CR/LF swapped", b"\x89PNG\n\r\x1a\n" +
             png1[8:]),
    ]:
        b(desc, data)
    # JPEG: dimensions patched into a real file
    for w, h, exp in [(60000, 60000, "413"), (65535, 65535, "413"),
                      (1, 65535, "413"), (65535, 1, "413"),
                      (12001, 400, "413"), (0, 600, "4xx"), (512, 0, "4xx"),
                      (5000, 8000, "400"), (8000, 5000, "400")]:
        b("JPEG SOF claiming %dx%d" % (w, h), jpeg_patch_sof(jpg1, w, h),
          "image/jpeg", exp)
    b("progressive SOF claiming 60000x60000", jpeg_patch_sof(
        jpg1, 60000, 60000, marker=0xC2), "image/jpeg", "413")
    b("arithmetic SOF9 claiming 60000x60000", jpeg_patch_sof(
        jpg1, 60000, 60000, marker=0xC9), "image/jpeg", "4xx")
    b("12-bit JPEG (SOF1)", jpeg_patch_sof(jpg1, marker=0xC1, precision=12),
      "image/jpeg")
    b("lossless JPEG (SOF3)", jpeg_patch_sof(jpg1, marker=0xC3), "image/jpeg")
    b("JPEG precision 0", jpeg_patch_sof(jpg1, precision=0), "image/jpeg")
    b("JPEG 0 components", jpeg_patch_sof(jpg1, ncomp=0)[:30000],
      "image/jpeg")
    b("JPEG 255 components", jpeg_patch_sof(jpg1, ncomp=255)[:30000],
      "image/jpeg")
    b("JPEG sampling 0x0", jpeg_patch_sof(jpg1, sampling=0)[:30000],
      "image/jpeg")
    b("JPEG sampling 5x5", jpeg_patch_sof(jpg1, sampling=0x55)[:30000],
      "image/jpeg")
    half = jpg1[:len(jpg1) // 2]
    tiff_loop = (b"II*\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0\x06\0\0\0"
                 b"\x08\0\0\0")
    b("JPEG EXIF IFD pointing at itself, scan cut",
      jpeg_insert_after_soi(half, exif_app1(tiff_loop)), "image/jpeg")
    b("JPEG EXIF 65535 entries, scan cut", jpeg_insert_after_soi(
        half, exif_app1(b"II*\0\x08\0\0\0\xff\xff" + b"\0" * 64)),
      "image/jpeg")
    b("JPEG EXIF offset 0xfffffff0, scan cut", jpeg_insert_after_soi(
        half, exif_app1(b"MM\0*\xff\xff\xff\xf0")), "image/jpeg")
    b("JPEG EXIF orientation 0xffff, scan cut", jpeg_insert_after_soi(
        half, exif_app1(b"II*\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0"
                        b"\xff\xff\0\0\0\0\0\0")), "image/jpeg")
    b("JPEG APP1 length past the end", jpg1[:2] + b"\xff\xe1\xff\xff" +
      b"Exif\0\0", "image/jpeg")
    b("JPEG segment length 0", jpg1[:2] + b"\xff\xe0\x00\x00" + jpg1[2:],
      "image/jpeg")
    b("JPEG segment length 1", jpg1[:2] + b"\xff\xe0\x00\x01" + jpg1[2:],
      "image/jpeg")
    b("JPEG 20000 fill bytes then cut", jpg1[:2] + b"\xff" * 20000 +
      jpg1[2:3000], "image/jpeg")
    b("JPEG SOI + EOI", b"\xff\xd8\xff\xd9", "image/jpeg")
    b("JPEG two SOI, cut", b"\xff\xd8" + half, "image/jpeg")
    segs = jpeg_segments(jpg1)
    sos = [s for s in segs if s[0] == 0xDA][0]
    b("JPEG without entropy data", jpg1[:sos[1] + sos[2]] + b"\xff\xd9",
      "image/jpeg")
    b("JPEG scan of random bytes", jpg1[:sos[1] + sos[2]] + bytes(
        random.Random(2).randrange(256) for _ in range(40000)) + b"\xff\xd9",
      "image/jpeg")
    dht = [s for s in segs if s[0] == 0xC4]
    if dht:
        m, off, ln = dht[0]
        broken = bytearray(jpg1)
        for i in range(off + 5, off + 21):
            broken[i] = 0xFF        # counts summing far past 256
        b("JPEG Huffman table counts overflow", bytes(broken), "image/jpeg")
    dqt = [s for s in segs if s[0] == 0xDB]
    if dqt:
        m, off, ln = dqt[0]
        broken = bytearray(jpg1)
        broken[off + 4] = 0x07      # table id 7
        b("JPEG quantisation table id 7", bytes(broken), "image/jpeg")
    # WebP
    for w, h in [(16384, 16384), (16384, 1), (1, 16384), (12001, 300)]:
        b("WebP VP8L header %dx%d" % (w, h),
          webp_riff(webp_chunk(b"VP8L", vp8l_header(w, h))), "image/webp",
          "413")
    b("WebP VP8 header 16383x16383", webp_riff(webp_chunk(
        b"VP8 ", vp8_header(16383, 16383))), "image/webp", "413")
    b("WebP VP8X canvas 16777216x16777216", webp_riff(
        vp8x_chunk(16777216, 16777216) + webp_chunk(b"VP8 ", vp8_header(
            300, 300))), "image/webp")
    b("WebP VP8X canvas 1x16777216", webp_riff(
        vp8x_chunk(1, 16777216) + webp_chunk(b"VP8 ", vp8_header(
            300, 300))), "image/webp")
    b("WebP VP8X animated", webp_riff(
        vp8x_chunk(300, 300, 0x02) + webp_chunk(b"ANIM", b"\0" * 6) +
        webp_chunk(b"ANMF", b"\0" * 16 + webp_chunk(b"VP8 ", vp8_header(
            300, 300)))), "image/webp", "4xx")
    lossy = webps[0]
    b("WebP RIFF size 0xffffffff", lossy[:4] + b"\xff\xff\xff\xff" + lossy[8:],
      "image/webp")
    b("WebP RIFF size 4", lossy[:4] + b"\x04\0\0\0" + lossy[8:], "image/webp")
    b("WebP VP8 chunk size 0xfffffff0", lossy[:16] + b"\xf0\xff\xff\xff" +
      lossy[20:], "image/webp")
    b("WebP VP8 frame claiming 16383x16383", lossy[:26] +
      struct.pack("<HH", 16383, 16383) + lossy[30:], "image/webp", "413")
    b("WebP VP8 frame claiming 300x300, real 320x376, cut",
      (lossy[:26] + struct.pack("<HH", 3000, 3000) + lossy[30:])[:6000],
      "image/webp")
    ll = webps[2]
    b("WebP lossless claiming 16384x16384", ll[:21] + struct.pack(
        "<I", (16383 | (16383 << 14) | (1 << 28))) + ll[25:], "image/webp",
      "413")
    b("WebP lossless claiming 5000x8000", ll[:21] + struct.pack(
        "<I", (4999 | (7999 << 14))) + ll[25:], "image/webp")
    b("WebP chunk VP8Z", webp_riff(webp_chunk(b"VP8Z", b"\0" * 100)),
      "image/webp")
    b("WebP RIFF only", b"RIFF\0\0\0\0WEBP", "image/webp")
    b("WebP VP8X only", webp_riff(vp8x_chunk(300, 300)), "image/webp")
    b("WebP ALPH garbage + cut VP8", webp_riff(
        vp8x_chunk(320, 376, 0x10) + webp_chunk(b"ALPH", b"\x03" +
                                                b"\xff" * 500) +
        lossy[12:3000]), "image/webp")
    # wrong magic, plausible Content-Type
    r = random.Random(3)
    for desc, data, ct in [
            ("GIF89a", b"GIF89a\x2c\x01\x2c\x01\x80\0\0" + b"\0" * 800,
             "image/png"),
            ("GIF as image/gif", b"GIF87a\x2c\x01\x2c\x01\0\0\0" + b"\0" * 80,
             "image/gif"),
            ("BMP", b"BM" + struct.pack("<IHHIIiiHH", 1000, 0, 0, 54, 40,
                                        300, 300, 1, 24) + b"\0" * 900,
             "image/jpeg"),
            ("TIFF II", b"II*\0\x08\0\0\0" + b"\0" * 500, "image/jpeg"),
            ("TIFF MM", b"MM\0*\0\0\0\x08" + b"\0" * 500, "image/png"),
            ("ICO", b"\0\0\1\0\1\0" + b"\0" * 500, "image/png"),
            ("SVG", b'<svg xmlns="http://www.w3.org/2000/svg" width="300" '
             b'height="300"><script>alert(1)</script></svg>', "image/png"),
            ("SVG as image/svg+xml", b"<svg/>", "image/svg+xml"),
            ("HTML", b"<!doctype html><img src=x onerror=alert(1)>",
             "image/jpeg"),
            ("PDF", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + b"0" * 500,
             "image/jpeg"),
            ("ZIP", b"PK\x03\x04" + b"\0" * 500, "image/png"),
            ("gzip of a PNG", zlib.compress(png_i), "image/png"),
            ("ELF", b"\x7fELF\x02\x01\x01" + b"\0" * 500, "image/jpeg"),
            ("text", b"this is not an image\n" * 20, "image/jpeg"),
            ("JSON", b'{"user_photo_id":1}', "image/png"),
            ("HEIC", b"\0\0\0\x18ftypheic\0\0\0\0mif1heic" + b"\0" * 500,
             "image/heic"),
            ("AVIF", b"\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf" + b"\0" * 500,
             "image/avif"),
            ("JPEG XL", b"\xff\x0a" + b"\0" * 500, "image/jpeg"),
            ("JPEG 2000", b"\0\0\0\x0cjP  \r\n\x87\n" + b"\0" * 500,
             "image/jpeg"),
            ("PSD", b"8BPS\0\1" + b"\0" * 500, "image/png"),
            ("random 64 KB", bytes(r.randrange(256) for _ in range(65536)),
             "image/jpeg"),
            ("one byte 0xFF", b"\xff", "image/jpeg"),
            ("FF D8", b"\xff\xd8", "image/jpeg"),
            ("FF D8 FF", b"\xff\xd8\xff", "image/jpeg"),
            ("JPEG magic then PNG", b"\xff\xd8" + png_i, "image/jpeg"),
            ("PNG magic then JPEG", PNG_SIG + jpg1, "image/png"),
            ("RIFF WAVE", b"RIFF\x24\0\0\0WAVEfmt " + b"\0" * 500,
             "image/webp"),
            ("multipart with a JPEG inside",
             b"--b0\r\nContent-Disposition: form-data; name=\"photo\"; "
             b"filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n" + jpg1 +
             b"\r\n--b0--\r\n", "multipart/form-data; boundary=b0"),
            ("base64 of a JPEG", __import__("base64").b64encode(jpg1),
             "image/jpeg"),
            ("data: URL of a JPEG", b"data:image/jpeg;base64," +
             __import__("base64").b64encode(jpg1[:3000]), "image/jpeg"),
    ]:
        b("wrong magic: " + desc, data, ct)
    # truncated real images
    truncs = []
    for name, data, ct in [("JPEG 512x600", jpg1, "image/jpeg"),
                           ("JPEG 640x424", jpg2, "image/jpeg"),
                           ("PNG 512x512", png1, "image/png"),
                           ("interlaced PNG", png_i, "image/png"),
                           ("palette PNG", png_p, "image/png"),
                           ("lossy WebP", webps[0], "image/webp"),
                           ("WebP with alpha", webps[1], "image/webp"),
                           ("lossless WebP", webps[2], "image/webp")]:
        fracs = {int(len(data) * f) for f in (0.1, 0.5, 0.9, 0.99)}
        for p in cut_points(len(data)):
            truncs.append(("%s cut at %d of %d" % (name, p, len(data)),
                           data[:p], ct, p in fracs))
    # small but valid: refused by the minimum size (photos only)
    smalls = [("valid PNG 1x1", png_file(1, 1, zlib.compress(b"\0\0\0\0\0"),
                                         8, 6)),
              ("valid PNG 255x300", png_rgb(255, 300)),
              ("valid PNG 300x255", png_rgb(300, 255))]

    h1 = c.auth("u1")
    for desc, data, ct, exp in bad:
        c.add(desc, "POST", "/api/v1/photos", [h1, "Content-Type: " + ct],
              data, exp)
    for desc, data, ct, _ in truncs:
        c.add(desc, "POST", "/api/v1/photos", [h1, "Content-Type: " + ct],
              data, "4xx")
    for desc, data in smalls:
        c.add(desc, "POST", "/api/v1/photos", [h1, "Content-Type: image/png"],
              data, "422")
    c.add("empty body", "POST", "/api/v1/photos",
          [h1, "Content-Type: image/jpeg"], b"", "400")
    c.add("no body", "POST", "/api/v1/photos", [h1], None, "411")
    c.add("15.8 MB of zeros (over the API limit)", "POST", "/api/v1/photos",
          [h1, "Content-Type: image/jpeg"], b"\0" * 15800000, "413")
    c.add("17 MB (over nginx's limit)", "POST", "/api/v1/photos",
          [h1, "Content-Type: image/jpeg"], b"\0" * 17000000, "413")
    c.add("JPEG, gzip Content-Encoding", "POST", "/api/v1/photos",
          [h1, "Content-Type: image/jpeg", "Content-Encoding: gzip"],
          zlib.compress(jpg1), "415")
    c.add("chunked truncated JPEG", "POST", "/api/v1/photos",
          [h1, "Content-Type: image/jpeg", "Transfer-Encoding: chunked"],
          jpg1[:30000], "400")
    c.add("truncated JPEG, Content-Length shorter", "POST", "/api/v1/photos",
          [h1, "Content-Type: image/jpeg", "Content-Length: 1000"],
          jpg1[:30000], "4xx")
    # The catalogue image uploads: same bombs, fewer truncations.
    sa, ad = c.auth("sa"), c.auth("ad")
    fractions = [t[:3] for t in truncs if t[3]]
    catalogue_bad = bad
    bombs_only = [t for t in catalogue_bad if not
                  t[0].startswith("wrong magic")]
    for who, path, lst in [
            (sa, "/api/v1/outfits/%d/image" % fx["oa"], catalogue_bad),
            (ad, "/api/v1/locations/%d/image" % fx["loc"], bombs_only)]:
        for desc, data, ct, exp in lst:
            c.add(desc, "PUT", path, [who, "Content-Type: " + ct], data, exp)
        for desc, data, ct in fractions:
            c.add(desc, "PUT", path, [who, "Content-Type: " + ct], data,
                  "4xx")
        c.add("empty body", "PUT", path, [who, "Content-Type: image/png"],
              b"", "4xx")
        c.add("17 MB (over nginx's limit)", "PUT", path,
              [who, "Content-Type: image/png"], b"\0" * 17000000, "413")


def gen_raw(c):
    c.cat = "raw-http"
    fx = c.fx
    good = c.sig.build({"id": fx["u2"], "first_name": "Hostile"})
    A = ("Authorization: tma %s\r\n" % good).encode()
    ev = b'{"kind":"view","outfit_id":1}'
    cases = [
        ("body shorter than Content-Length, then EOF",
         b"POST /api/v1/events HTTP/1.1\r\nHost: x\r\n" + A +
         b"Content-Type: application/json\r\nContent-Length: 100\r\n"
         b"Connection: close\r\n\r\n" + ev, "closed|4xx", True),
        ("chunked body cut, then EOF",
         b"POST /api/v1/events HTTP/1.1\r\nHost: x\r\n" + A +
         b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
         b"Connection: close\r\n\r\n100\r\n" + ev, "closed|4xx", True),
        ("two different Content-Length",
         b"POST /api/v1/events HTTP/1.1\r\nHost: x\r\n" + A +
         b"Content-Type: application/json\r\nContent-Length: 5\r\n"
         b"Content-Length: 29\r\nConnection: close\r\n\r\n" + ev, "400",
         False),
        ("Content-Length and chunked",
         b"POST /api/v1/events HTTP/1.1\r\nHost: x\r\n" + A +
         b"Content-Type: application/json\r\nContent-Length: 29\r\n"
         b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
         b"3\r\n{\"a\r\n0\r\n\r\n", "4xx", False),
        ("chunk size not hex",
         b"POST /api/v1/events HTTP/1.1\r\nHost: x\r\n" + A +
         b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
         b"Connection: close\r\n\r\nzz\r\n" + ev + b"\r\n0\r\n\r\n", "400",
         False),
        ("chunk size 2^64-1",
         b"POST /api/v1/events HTTP/1.1\r\nHost: x\r\n" + A +
         b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
         b"Connection: close\r\n\r\nffffffffffffffff\r\n" + ev +
         b"\r\n0\r\n\r\n", "4xx", False),
        ("chunk size negative",
         b"POST /api/v1/events HTTP/1.1\r\nHost: x\r\n" + A +
         b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
         b"Connection: close\r\n\r\n-1d\r\n" + ev + b"\r\n0\r\n\r\n", "400",
         False),
        ("NUL in a header value",
         b"GET /api/v1/photos/999999 HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n" + A +
         b"Connection: close\r\n\r\n", "400", False),
        ("header line without colon",
         b"GET /api/v1/photos/999999 HTTP/1.1\r\nHost: x\r\nnocolon\r\n" + A +
         b"Connection: close\r\n\r\n", "4xx", False),
        ("obs-fold continuation line",
         b"GET /api/v1/photos/999999 HTTP/1.1\r\nHost: x\r\nX-A: a\r\n  folded\r\n" + A +
         b"Connection: close\r\n\r\n", "400", False),
        ("space before the colon",
         b"GET /api/v1/photos/999999 HTTP/1.1\r\nHost: x\r\nAuthorization : tma x\r\n"
         b"Connection: close\r\n\r\n", "400", False),
        ("tabs in the request line",
         b"GET\t/api/v1/me\tHTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
         "4xx", False),
        ("HTTP/1.1 without Host",
         b"GET /api/v1/photos/999999 HTTP/1.1\r\n" + A + b"Connection: close\r\n\r\n",
         "400", False),
        ("two Host headers",
         b"GET /api/v1/photos/999999 HTTP/1.1\r\nHost: a\r\nHost: b\r\n" + A +
         b"Connection: close\r\n\r\n", "400", False),
        ("HTTP/2.0 in a text request line",
         b"GET /api/v1/me HTTP/2.0\r\nHost: x\r\nConnection: close\r\n\r\n",
         "nginx505", False),
        ("HTTP/1.9",
         b"GET /api/v1/me HTTP/1.9\r\nHost: x\r\n" + A +
         b"Connection: close\r\n\r\n", "lt500", False),
        ("HTTP/0.9 request", b"GET /api/v1/me\r\n", "closed|4xx", False),
        ("absolute URI", b"GET http://127.0.0.1/api/v1/photos/999999 HTTP/1.1"
         b"\r\nHost: x\r\n" + A + b"Connection: close\r\n\r\n", "404", False),
        ("raw space in the path",
         b"GET /api/v1/m e HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
         "4xx", False),
        ("raw 0xFF in the path",
         b"GET /api/v1/m\xffe HTTP/1.1\r\nHost: x\r\n" + A +
         b"Connection: close\r\n\r\n", "404", False),
        ("raw UTF-8 digits as an id",
         "GET /api/v1/photos/\u0661\u0662 HTTP/1.1\r\nHost: x\r\n".encode() +
         A + b"Connection: close\r\n\r\n", "404", False),
        ("raw control character in the path",
         b"GET /api/v1/me\x01 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
         "400", False),
        ("lower-case method",
         b"get /api/v1/me HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
         "400", False),
        ("NUL in the method",
         b"G\x00ET /api/v1/me HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
         "400", False),
        ("200-letter method",
         b"X" * 200 + b" /api/v1/me HTTP/1.1\r\nHost: x\r\n" + A +
         b"Connection: close\r\n\r\n", "4xx", False),
        ("CONNECT", b"CONNECT 127.0.0.1:5432 HTTP/1.1\r\nHost: x\r\n"
         b"Connection: close\r\n\r\n", "4xx", False),
        ("bare LF line endings",
         b"GET /api/v1/photos/999999 HTTP/1.1\nHost: x\n" +
         A.replace(b"\r\n", b"\n") + b"Connection: close\n\n", "404", False),
        ("10 KB header name",
         b"GET /api/v1/photos/999999 HTTP/1.1\r\nHost: x\r\n" + b"X" * 10240 +
         b": 1\r\nConnection: close\r\n\r\n", "400", False),
        ("2000 headers", b"GET /api/v1/photos/999999 HTTP/1.1\r\nHost: x\r\n" +
         b"".join(b"X-%d: v\r\n" % i for i in range(2000)) +
         b"Connection: close\r\n\r\n", "4xx", False),
        ("binary garbage", bytes(random.Random(4).randrange(256)
                                 for _ in range(2000)), "closed|4xx", False),
        ("pipelined: bad request then a DELETE of a foreign photo",
         b"POST /api/v1/events HTTP/1.1\r\nHost: x\r\n" + A +
         b"Content-Type: application/json\r\nContent-Length: 0\r\n\r\n"
         b"DELETE /api/v1/photos/%d HTTP/1.1\r\nHost: x\r\n" % fx["p1"] + A +
         b"Connection: close\r\n\r\n", "4xx", False),
        ("Content-Length: +29",
         b"POST /api/v1/events HTTP/1.1\r\nHost: x\r\n" + A +
         b"Content-Type: application/json\r\nContent-Length: +29\r\n"
         b"Connection: close\r\n\r\n" + ev, "400", False),
        ("Content-Length with spaces inside",
         b"POST /api/v1/events HTTP/1.1\r\nHost: x\r\n" + A +
         b"Content-Type: application/json\r\nContent-Length: 2 9\r\n"
         b"Connection: close\r\n\r\n" + ev, "400", False),
        ("Transfer-Encoding: chunked, identity",
         b"POST /api/v1/events HTTP/1.1\r\nHost: x\r\n" + A +
         b"Content-Type: application/json\r\nTransfer-Encoding: chunked, "
         b"identity\r\nConnection: close\r\n\r\n" + ev, "nginx501|4xx", False),
    ]
    for desc, data, exp, half in cases:
        c.raw(desc, data, exp, half)


def cmd_gen(fixture, out):
    with open(fixture) as f:
        fx = json.load(f)
    c = Corpus(fx, out)
    for g in (gen_hooks, gen_methods, gen_json, gen_types, gen_content_type,
              gen_headers, gen_utf8, gen_sql,
              gen_paths, gen_auth, gen_crossuser, gen_payments, gen_images,
              gen_raw):
        g(c)
    c.write()
    print(c.n)


def cmd_send_raw(host, port, reqfile, hdr_out, body_out, half=False):
    data = read(reqfile)
    code = "000"
    head = b""
    body = b""
    buf = b""
    try:
        s = socket.create_connection((host, int(port)), timeout=10)
        try:
            s.sendall(data)
        except OSError:
            pass
        if half:
            try:
                s.shutdown(socket.SHUT_WR)
            except OSError:
                pass
        while True:
            try:
                chunk = s.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            buf += chunk
            # stop after the first complete response
            if b"\r\n\r\n" in buf and buf.startswith(b"HTTP/"):
                h, _, rest = buf.partition(b"\r\n\r\n")
                cl = None
                for line in h.split(b"\r\n")[1:]:
                    k, _, v = line.partition(b":")
                    if k.strip().lower() == b"content-length":
                        cl = int(v.strip() or 0)
                if cl is not None and len(rest) >= cl:
                    break
        s.close()
    except OSError:
        pass
    if buf.startswith(b"HTTP/"):
        head, _, body = buf.partition(b"\r\n\r\n")
        parts = head.split(b" ", 2)
        if len(parts) > 1 and parts[1].isdigit():
            code = parts[1].decode()
        for line in head.split(b"\r\n")[1:]:
            k, _, v = line.partition(b":")
            if k.strip().lower() == b"content-length":
                body = body[:int(v.strip() or 0)]
    else:
        body = buf
    with open(hdr_out, "wb") as f:
        f.write(head + b"\r\n")
    with open(body_out, "wb") as f:
        f.write(body)
    print(code)


def main(argv):
    if len(argv) == 4 and argv[1] == "gen":
        cmd_gen(argv[2], argv[3])
    elif len(argv) in (7, 8) and argv[1] == "send-raw":
        cmd_send_raw(argv[2], argv[3], argv[4], argv[5], argv[6],
                     len(argv) == 8 and argv[7] == "half")
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
