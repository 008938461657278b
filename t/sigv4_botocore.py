#!/usr/bin/python3
"""Sign and presign a fixed set of S3 requests with botocore.

An independent reference for primerka's lib/sigv4.c and lib/s3.c: the C tests
(t/test_sigv4.c, t/test_s3.c) run this script, redo every case with the C
code and compare the results byte for byte.

Run it with Debian's /usr/bin/python3 (python3-botocore).  It exits with 77
when botocore cannot be imported, so the caller can tell "no reference
available" from a failure.

One case per output line, fields separated by tabs.  Free-form inputs are
hex-encoded (lists as hex of "name\\0value\\0name\\0value\\0..."), so keys
with spaces, tabs or UTF-8 survive the trip.  botocore's result comes last.

  H id access secret region method scheme host time path query headers
    payload_mode payload  ->  authorization x-amz-date x-amz-content-sha256
      header signing (botocore.auth.S3SigV4Auth); path is the raw (decoded)
      path, the C side encodes it itself
  Q id access secret region method scheme host time path query headers
    expires  ->  url
      query presigning (botocore.auth.S3SigV4QueryAuth) of a given host/path
  U id access secret region endpoint style time bucket key method expires
    content_type  ->  url
      a full botocore S3 client's generate_presigned_url(): botocore builds
      the URL itself (path or virtual-host style) from the endpoint
"""

import calendar
import datetime
import sys
import types

try:
    import botocore.auth
    import botocore.session
    from botocore.awsrequest import AWSRequest
    from botocore.config import Config
    from botocore.credentials import Credentials
    from botocore.utils import percent_encode
except ImportError as e:  # pragma: no cover - depends on the machine
    print("botocore unavailable: %s" % e, file=sys.stderr)
    sys.exit(77)

AK = "AKIAIOSFODNN7EXAMPLE"
SK = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SK_PLUS = "abc+def/ghi=jkl+/+"
T2013 = 1369353600          # 2013-05-24T00:00:00Z, the AWS examples
T_LEAP = 1709251199         # 2024-02-29T23:59:59Z
T_EOY = 1767225599          # 2025-12-31T23:59:59Z
T2030 = 1893499200          # 2030-01-01T12:00:00Z

# Freeze botocore's clock: auth.py calls datetime.datetime.utcnow().
_now = {"t": 0}


class _FrozenDatetime(datetime.datetime):
    @classmethod
    def utcnow(cls):
        return cls.utcfromtimestamp(_now["t"])


botocore.auth.datetime = types.SimpleNamespace(datetime=_FrozenDatetime)


def hx(b):
    if isinstance(b, str):
        b = b.encode("utf-8")
    return b.hex()


def hxlist(pairs):
    out = b""
    for k, v in pairs:
        out += k.encode("utf-8") + b"\0" + v.encode("utf-8") + b"\0"
    return out.hex()


def emit(fields):
    for f in fields:
        s = str(f)
        if "\t" in s or "\n" in s:
            raise ValueError("field needs hex encoding: %r" % s)
    print("\t".join(str(f) for f in fields))


BINARY = bytes(range(256)) * 3

# (id, secret, region, method, scheme, host, time, raw path, query pairs,
#  header pairs, payload mode, payload bytes)
HEADER_CASES = [
    # The AWS documentation examples (bucket examplebucket).
    ("aws-get-range", SK, "us-east-1", "GET", "https",
     "examplebucket.s3.amazonaws.com", T2013, "/test.txt", [],
     [("Range", "bytes=0-9")], "hash", b""),
    ("aws-lifecycle", SK, "us-east-1", "GET", "https",
     "examplebucket.s3.amazonaws.com", T2013, "/", [("lifecycle", "")],
     [], "hash", b""),
    ("aws-list", SK, "us-east-1", "GET", "https",
     "examplebucket.s3.amazonaws.com", T2013, "/",
     [("prefix", "J"), ("max-keys", "2")], [], "hash", b""),
    # Path style against a local server.
    ("local-put-binary", SK, "us-east-1", "PUT", "http", "127.0.0.1:4568",
     T_LEAP, "/user-photos/u/42/photo 1.png", [],
     [("Content-Type", "image/png")], "hash", BINARY),
    ("local-get-utf8", SK, "us-east-1", "GET", "http", "127.0.0.1:4568",
     T_EOY, "/outfits/платье/été 日本.jpg", [], [], "hash", b""),
    ("local-odd-key", SK, "us-east-1", "PUT", "http", "127.0.0.1:4568",
     T2030, "/results/a+b=c~d!'()*,;:@&$[]%20x.bin", [],
     [("Content-Type", "application/octet-stream")], "hash", b"x"),
    ("local-delete", SK, "us-east-1", "DELETE", "http", "127.0.0.1:4568",
     T2030, "/videos/v/1.mp4", [], [], "hash", b""),
    ("local-head", SK, "us-east-1", "HEAD", "http", "localhost:9000",
     T2030, "/videos/v/1.mp4", [], [], "hash", b""),
    ("mpu-initiate", SK, "us-east-1", "POST", "http", "127.0.0.1:4568",
     T2030, "/results/big.bin", [("uploads", "")],
     [("Content-Type", "application/octet-stream")], "hash", b""),
    ("mpu-part", SK, "us-east-1", "PUT", "http", "127.0.0.1:4568", T2030,
     "/results/big.bin",
     [("partNumber", "2"), ("uploadId", "VXBsb2FkIElE+/=abc")], [], "hash",
     b"\0" * 1000),
    ("mpu-complete", SK, "us-east-1", "POST", "http", "127.0.0.1:4568",
     T2030, "/results/big.bin", [("uploadId", "abc")],
     [("Content-Type", "application/xml")], "hash",
     b'<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>'
     b'<ETag>"d41d8cd98f00b204e9800998ecf8427e"</ETag></Part>'
     b'</CompleteMultipartUpload>'),
    ("list-odd-query", SK, "us-east-1", "GET", "http", "127.0.0.1:4568",
     T2030, "/outfits", [("prefix", "ü ñ/+=&?#"), ("delimiter", "/"),
                         ("list-type", "2"), ("start-after", "a~b_c-d.e")],
     [], "hash", b""),
    ("headers-trim-dup", SK, "us-east-1", "PUT", "http", "127.0.0.1:4568",
     T2030, "/b/k", [],
     [("X-Amz-Meta-Note", "  hello \t  world  "),
      ("x-amz-meta-dup", "one"), ("X-Amz-Meta-Dup", "two"),
      ("Cache-Control", "max-age=60")], "hash", b"body"),
    ("https-unsigned", SK, "us-east-1", "PUT", "https",
     "examplebucket.s3.amazonaws.com", T2030, "/k 1", [],
     [("Content-Type", "text/plain")], "unsigned", b"hello"),
    ("yandex-virtual", SK, "ru-central1", "GET", "https",
     "user-photos.storage.yandexcloud.net", T_EOY, "/u/7/a.jpg", [], [],
     "hash", b""),
    ("secret-with-plus", SK_PLUS, "eu-west-1", "GET", "https",
     "s3.eu-west-1.amazonaws.com", T_LEAP, "/b/x", [], [], "hash", b""),
]

# (id, secret, region, method, scheme, host, time, raw path, query pairs,
#  header pairs, expires)
PRESIGN_CASES = [
    ("aws-presign", SK, "us-east-1", "GET", "https",
     "examplebucket.s3.amazonaws.com", T2013, "/test.txt", [], [], 86400),
    ("local-get", SK, "us-east-1", "GET", "http", "127.0.0.1:4568", T2030,
     "/results/r/1.jpg", [], [], 900),
    ("local-put-ct", SK, "us-east-1", "PUT", "http", "127.0.0.1:4568", T2030,
     "/user-photos/u/1/in.jpg", [], [("Content-Type", "image/jpeg")], 300),
    ("utf8-key", SK, "us-east-1", "GET", "http", "127.0.0.1:4568", T_LEAP,
     "/outfits/платье/été 日本 +=~.jpg", [], [], 3600),
    ("response-override", SK, "us-east-1", "GET", "https",
     "storage.yandexcloud.net", T_EOY, "/videos/v 1.mp4",
     [("response-content-disposition", 'attachment; filename="v 1.mp4"')],
     [], 604800),
    ("max-expires", SK_PLUS, "ru-central1", "GET", "https",
     "storage.yandexcloud.net", T2030, "/a/b/c", [], [], 604800),
]

U_KEYS = [
    "test.txt",
    "photos/2024/01/ü ñ 日本.jpg",
    "a+b=c~d",
    "space  double and\ttab",
    "!'()*,;:@&$",
    "percent%20literal%2F",
    "question?hash#amp&",
    "deep/a/b/c/d.txt",
    "dir/",
    "/leading-slash",
    "./dot/../segments",
]

# (id prefix, region, endpoint, style, time, bucket, keys, method, expires,
#  content type)
CLIENT_CASES = [
    ("aws-example", "us-east-1", "https://s3.amazonaws.com", "virtual",
     T2013, "examplebucket", ["test.txt"], "GET", 86400, ""),
    ("local-path", "us-east-1", "http://127.0.0.1:4568", "path", T2030,
     "user-photos", U_KEYS, "GET", 900, ""),
    ("local-path-put", "us-east-1", "http://127.0.0.1:4568", "path", T2030,
     "results", U_KEYS[:4], "PUT", 600, "image/jpeg"),
    ("local-path-put-noct", "us-east-1", "http://127.0.0.1:4568", "path",
     T2030, "results", ["r/1.mp4"], "PUT", 600, ""),
    ("local-virtual", "us-east-1", "http://s3.localhost:4568", "virtual",
     T_LEAP, "user-photos", U_KEYS, "GET", 3600, ""),
    ("dotted-bucket", "us-east-1", "http://s3.localhost:4568", "virtual",
     T_LEAP, "my.bucket", ["x"], "GET", 3600, ""),
    ("yandex-path", "ru-central1", "https://storage.yandexcloud.net", "path",
     T_EOY, "primerka-results", U_KEYS[:3], "GET", 604800, ""),
    ("yandex-virtual", "ru-central1", "https://storage.yandexcloud.net",
     "virtual", T_EOY, "primerka-results", U_KEYS[:3], "PUT", 60,
     "video/mp4"),
    ("minio-port", "us-east-1", "https://minio.example.com:9000", "path",
     T2030, "videos", ["v/1.mp4"], "GET", 120, ""),
]


def header_case(c):
    cid, secret, region, method, scheme, host, t, path, query, hdrs, mode, \
        payload = c
    _now["t"] = t
    url = "%s://%s%s" % (scheme, host, percent_encode(path, safe="/~"))
    req = AWSRequest(method=method, url=url, data=payload,
                     params=list(query) if query else None)
    for k, v in hdrs:
        req.headers[k] = v      # HTTPHeaders appends repeated names
    if mode == "unsigned":
        req.context["client_config"] = Config(
            s3={"payload_signing_enabled": False})
    signer = botocore.auth.S3SigV4Auth(Credentials(AK, secret), "s3", region)
    signer.add_auth(req)
    emit(["H", cid, AK, secret, region, method, scheme, host, t, hx(path),
          hxlist(query), hxlist(hdrs), mode, hx(payload),
          req.headers["Authorization"], req.headers["X-Amz-Date"],
          req.headers["X-Amz-Content-SHA256"]])


def presign_case(c):
    cid, secret, region, method, scheme, host, t, path, query, hdrs, \
        expires = c
    _now["t"] = t
    url = "%s://%s%s" % (scheme, host, percent_encode(path, safe="/~"))
    # botocore puts the caller's parameters first, in the order given; give
    # them sorted by encoded name, as primerka writes them.
    query = sorted(query, key=lambda kv: percent_encode(kv[0]))
    req = AWSRequest(method=method, url=url, params=dict(query))
    for k, v in hdrs:
        req.headers[k] = v
    signer = botocore.auth.S3SigV4QueryAuth(Credentials(AK, secret), "s3",
                                            region, expires=expires)
    signer.add_auth(req)
    emit(["Q", cid, AK, secret, region, method, scheme, host, t, hx(path),
          hxlist(query), hxlist(hdrs), expires, req.url])


def client_cases(session, c):
    cid, region, endpoint, style, t, bucket, keys, method, expires, ct = c
    client = session.create_client(
        "s3", region_name=region, endpoint_url=endpoint,
        aws_access_key_id=AK, aws_secret_access_key=SK,
        config=Config(signature_version="s3v4",
                      s3={"addressing_style": style}))
    _now["t"] = t
    for i, key in enumerate(keys):
        params = {"Bucket": bucket, "Key": key}
        if ct:
            params["ContentType"] = ct
        op = "get_object" if method == "GET" else "put_object"
        url = client.generate_presigned_url(op, Params=params,
                                            ExpiresIn=expires)
        emit(["U", "%s-%d" % (cid, i), AK, SK, region, endpoint, style, t,
              bucket, hx(key), method, expires, hx(ct), url])


def main():
    # Sanity check of the frozen clock itself.
    _now["t"] = T2013
    if _FrozenDatetime.utcnow().strftime("%Y%m%dT%H%M%SZ") != \
            "20130524T000000Z" or calendar.timegm(
                _FrozenDatetime.utcnow().timetuple()) != T2013:
        print("clock freeze failed", file=sys.stderr)
        return 1
    for c in HEADER_CASES:
        header_case(c)
    for c in PRESIGN_CASES:
        presign_case(c)
    session = botocore.session.get_session()
    for c in CLIENT_CASES:
        client_cases(session, c)
    return 0


if __name__ == "__main__":
    sys.exit(main())
