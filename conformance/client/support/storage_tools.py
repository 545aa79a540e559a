"""boto3 against a running ampstack sandbox with the admin credentials (`ampstack credentials`).

Usage: storage_tools.py sdk | crash-write ACKFILE | crash-verify ACKFILE
Environment: ENDPOINT (custom.ampstack.storage_endpoint), BUCKET, CA (dev CA path), AWS_* keys.
"""
import hashlib
import io
import os
import sys
import urllib.request
import ssl
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ENDPOINT, BUCKET, CA = os.environ["ENDPOINT"], os.environ["BUCKET"], os.environ["CA"]


def client(**cfg):
    return boto3.client("s3", endpoint_url=ENDPOINT, region_name="us-east-1", verify=CA, config=Config(retries={"max_attempts": 1}, **cfg))


def fetch(url):
    ctx = ssl.create_default_context(cafile=CA)
    try:
        with urllib.request.urlopen(url, context=ctx) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def code(fn):
    try:
        fn()
    except ClientError as e:
        return e.response["Error"]["Code"]
    raise AssertionError("expected an error")


def content(key, size):
    seed = hashlib.sha256(key.encode()).digest()
    return (seed * (size // len(seed) + 1))[:size]


def sdk():
    s3 = client()
    s3.put_object(Bucket=BUCKET, Key="tools/a b+c.txt", Body=b"hello boto3", Metadata={"Owner": "me"}, ContentType="text/plain", CacheControl="no-cache")
    h = s3.head_object(Bucket=BUCKET, Key="tools/a b+c.txt")
    assert h["ContentLength"] == 11 and h["Metadata"] == {"owner": "me"} and h["ContentType"] == "text/plain", h
    assert h["ETag"] == '"%s"' % hashlib.md5(b"hello boto3").hexdigest()
    assert s3.get_object(Bucket=BUCKET, Key="tools/a b+c.txt", Range="bytes=6-")["Body"].read() == b"boto3"
    assert code(lambda: s3.get_object(Bucket=BUCKET, Key="tools/a b+c.txt", IfNoneMatch=h["ETag"])) == "304"
    assert code(lambda: s3.get_object(Bucket=BUCKET, Key="tools/a b+c.txt", IfMatch='"nope"')) == "PreconditionFailed"
    assert code(lambda: s3.get_object(Bucket=BUCKET, Key="tools/missing")) == "NoSuchKey"
    s3.copy_object(Bucket=BUCKET, Key="tools/copy.txt", CopySource={"Bucket": BUCKET, "Key": "tools/a b+c.txt"})
    assert s3.get_object(Bucket=BUCKET, Key="tools/copy.txt")["Body"].read() == b"hello boto3"
    for i in range(5):
        s3.put_object(Bucket=BUCKET, Key=f"tools/page/{i}", Body=b"x")
    r = s3.list_objects_v2(Bucket=BUCKET, Prefix="tools/", Delimiter="/")
    assert [c["Prefix"] for c in r["CommonPrefixes"]] == ["tools/page/"], r
    keys, token = [], None
    while True:
        kw = {"ContinuationToken": token} if token else {}
        r = s3.list_objects_v2(Bucket=BUCKET, Prefix="tools/page/", MaxKeys=2, **kw)
        keys += [c["Key"] for c in r.get("Contents", [])]
        if not r["IsTruncated"]:
            break
        token = r["NextContinuationToken"]
    assert keys == [f"tools/page/{i}" for i in range(5)], keys
    r = s3.list_objects_v2(Bucket=BUCKET, Prefix="tools/page/", StartAfter="tools/page/2")
    assert [c["Key"] for c in r["Contents"]] == ["tools/page/3", "tools/page/4"]
    d = s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": f"tools/page/{i}"} for i in range(5)]})
    assert len(d["Deleted"]) == 5
    # 100 MiB multipart (boto3's transfer manager: 8 MiB parts, CRC32 checksums by default).
    data = os.urandom(100 * 1024 * 1024)
    s3.upload_fileobj(io.BytesIO(data), BUCKET, "tools/big.bin")
    h = s3.head_object(Bucket=BUCKET, Key="tools/big.bin")
    assert h["ContentLength"] == len(data) and h["ETag"].endswith('-13"'), h
    out = io.BytesIO()
    s3.download_fileobj(BUCKET, "tools/big.bin", out)
    assert hashlib.md5(out.getvalue()).digest() == hashlib.md5(data).digest()
    del data, out
    # Low-level multipart: ListParts, ListMultipartUploads, UploadPartCopy, Abort.
    up = s3.create_multipart_upload(Bucket=BUCKET, Key="tools/mp.bin")["UploadId"]
    p1 = s3.upload_part(Bucket=BUCKET, Key="tools/mp.bin", UploadId=up, PartNumber=1, Body=b"a" * (5 * 1024 * 1024))
    p2 = s3.upload_part_copy(Bucket=BUCKET, Key="tools/mp.bin", UploadId=up, PartNumber=2, CopySource={"Bucket": BUCKET, "Key": "tools/copy.txt"}, CopySourceRange="bytes=0-4")
    assert [p["PartNumber"] for p in s3.list_parts(Bucket=BUCKET, Key="tools/mp.bin", UploadId=up)["Parts"]] == [1, 2]
    assert up in [u["UploadId"] for u in s3.list_multipart_uploads(Bucket=BUCKET)["Uploads"]]
    s3.complete_multipart_upload(Bucket=BUCKET, Key="tools/mp.bin", UploadId=up, MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": p1["ETag"]}, {"PartNumber": 2, "ETag": p2["CopyPartResult"]["ETag"]}]})
    body = s3.get_object(Bucket=BUCKET, Key="tools/mp.bin")["Body"].read()
    assert body == b"a" * (5 * 1024 * 1024) + b"hello", len(body)
    up = s3.create_multipart_upload(Bucket=BUCKET, Key="tools/aborted.bin")["UploadId"]
    s3.abort_multipart_upload(Bucket=BUCKET, Key="tools/aborted.bin", UploadId=up)
    assert code(lambda: s3.list_parts(Bucket=BUCKET, Key="tools/aborted.bin", UploadId=up)) == "NoSuchUpload"
    # Presigned URLs, SigV2 (botocore's default for S3) and SigV4, with expiry.
    for c in (s3, client(signature_version="s3v4")):
        url = c.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "tools/a b+c.txt"}, ExpiresIn=60)
        assert fetch(url) == (200, b"hello boto3"), url
        short = c.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "tools/a b+c.txt"}, ExpiresIn=1)
        time.sleep(2.2)
        status, body = fetch(short)
        assert status == 403 and b"expired" in body, (status, body)
    put_url = client(signature_version="s3v4").generate_presigned_url("put_object", Params={"Bucket": BUCKET, "Key": "tools/presigned-put"}, ExpiresIn=60)
    req = urllib.request.Request(put_url, data=b"put via url", method="PUT")
    urllib.request.urlopen(req, context=ssl.create_default_context(cafile=CA)).read()
    assert s3.get_object(Bucket=BUCKET, Key="tools/presigned-put")["Body"].read() == b"put via url"
    # Wrong secret, unknown key, unknown bucket, anonymous.
    bad = boto3.client("s3", endpoint_url=ENDPOINT, region_name="us-east-1", verify=CA, aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"], aws_secret_access_key="wrong")
    assert code(lambda: bad.head_bucket(Bucket=BUCKET)) == "403"
    assert code(lambda: bad.get_object(Bucket=BUCKET, Key="tools/copy.txt")) == "SignatureDoesNotMatch"
    nokey = boto3.client("s3", endpoint_url=ENDPOINT, region_name="us-east-1", verify=CA, aws_access_key_id="AKIAUNKNOWN", aws_secret_access_key="x")
    assert code(lambda: nokey.get_object(Bucket=BUCKET, Key="tools/copy.txt")) == "InvalidAccessKeyId"
    assert code(lambda: s3.get_object(Bucket="no-such-bucket", Key="k")) == "NoSuchBucket"
    assert fetch(f"{ENDPOINT}/{BUCKET}/tools/copy.txt")[0] == 403
    # CORS as a browser app needs it: preflight, and ETag / user metadata exposed on responses.
    ctx = ssl.create_default_context(cafile=CA)
    pre = urllib.request.Request(f"{ENDPOINT}/{BUCKET}/tools/copy.txt", method="OPTIONS", headers={"Origin": "http://localhost:3000", "Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "x-amz-date,x-amz-meta-owner,content-type"})
    with urllib.request.urlopen(pre, context=ctx) as r:
        assert r.status == 200 and r.headers["Access-Control-Allow-Origin"] == "http://localhost:3000", dict(r.headers)
        assert "PUT" in r.headers["Access-Control-Allow-Methods"] and "x-amz-meta-owner" in r.headers["Access-Control-Allow-Headers"]
    url = s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "tools/a b+c.txt"}, ExpiresIn=60)
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Origin": "http://localhost:3000"}), context=ctx) as r:
        exposed = [h.strip().lower() for h in r.headers["Access-Control-Expose-Headers"].split(",")]
        assert r.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
        assert "etag" in exposed and "x-amz-meta-owner" in exposed and "content-length" in exposed, exposed
    # Virtual-hosted addressing: `<bucket>.localhost:<port>` (connected to 127.0.0.1 directly, as
    # resolvers differ on `*.localhost`), over the plain-HTTP side of the same port.
    import http.client
    from urllib.parse import urlsplit
    port = urlsplit(ENDPOINT).port
    vh = boto3.client("s3", endpoint_url=f"http://localhost:{port}", region_name="us-east-1", config=Config(s3={"addressing_style": "virtual"}, signature_version="s3v4"))
    u = urlsplit(vh.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "tools/copy.txt"}, ExpiresIn=60))
    assert u.netloc == f"{BUCKET}.localhost:{port}", u.netloc
    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request("GET", f"{u.path}?{u.query}", headers={"Host": u.netloc})
    r = conn.getresponse()
    assert (r.status, r.read()) == (200, b"hello boto3")
    print("sdk ok")


def hmac256(key, msg):
    import hmac
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def raw_request(method, key, headers, body, payload_hash, amz_date, chunk_sigs=False, tamper=False):
    """A hand-signed SigV4 request (our own signer, independent of botocore), for what boto3
    does not send: signed aws-chunked bodies and a skewed clock."""
    import http.client
    from urllib.parse import quote, urlsplit
    u = urlsplit(ENDPOINT)
    path = f"{u.path}/{BUCKET}/{quote(key)}"
    host = u.netloc
    secret, access = os.environ["AWS_SECRET_ACCESS_KEY"], os.environ["AWS_ACCESS_KEY_ID"]
    headers = {**headers, "host": host, "x-amz-date": amz_date, "x-amz-content-sha256": payload_hash}
    names = sorted(headers)
    canonical = "\n".join([method, path, "", "".join(f"{n}:{headers[n]}\n" for n in names), ";".join(names), payload_hash])
    scope = f"{amz_date[:8]}/us-east-1/s3/aws4_request"
    to_sign = f"AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    k = hmac256(hmac256(hmac256(hmac256(("AWS4" + secret).encode(), amz_date[:8]), "us-east-1"), "s3"), "aws4_request")
    sig = hmac256(k, to_sign).hex()
    headers["authorization"] = f"AWS4-HMAC-SHA256 Credential={access}/{scope}, SignedHeaders={';'.join(names)}, Signature={sig}"
    if chunk_sigs:
        framed, prev = b"", sig
        for chunk in body + [b""]:
            sts = f"AWS4-HMAC-SHA256-PAYLOAD\n{amz_date}\n{scope}\n{prev}\n{hashlib.sha256(b'').hexdigest()}\n{hashlib.sha256(chunk).hexdigest()}"
            prev = hmac256(k, sts).hex()
            if tamper and chunk:
                chunk, tamper = b"X" + chunk[1:], False
            framed += f"{len(chunk):x};chunk-signature={prev}\r\n".encode() + chunk + b"\r\n"
        body = framed
    conn = http.client.HTTPSConnection(u.hostname, u.port, context=ssl.create_default_context(cafile=CA))
    conn.request(method, path, body=body, headers=headers)
    r = conn.getresponse()
    return r.status, r.read()


def signing():
    s3 = client()
    now = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    chunks = [b"a" * 65536, b"b" * 1000]
    hdrs = {"content-encoding": "aws-chunked", "x-amz-decoded-content-length": str(66536)}
    status, body = raw_request("PUT", "tools/chunked.bin", hdrs, chunks, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", now, chunk_sigs=True)
    assert status == 200, body
    assert s3.get_object(Bucket=BUCKET, Key="tools/chunked.bin")["Body"].read() == b"".join(chunks)
    h = s3.head_object(Bucket=BUCKET, Key="tools/chunked.bin")
    assert h["ContentLength"] == 66536 and "ContentEncoding" not in h, h
    # A tampered chunk is refused and nothing is stored.
    status, body = raw_request("PUT", "tools/chunked-bad.bin", hdrs, chunks, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", now, chunk_sigs=True, tamper=True)
    assert status == 403 and b"SignatureDoesNotMatch" in body, body
    assert code(lambda: s3.head_object(Bucket=BUCKET, Key="tools/chunked-bad.bin")) == "404"
    good = hashlib.sha256(b"signed body").hexdigest()
    assert raw_request("PUT", "tools/signed.txt", {}, b"signed body", good, now)[0] == 200
    status, body = raw_request("PUT", "tools/signed-bad.txt", {}, b"another body", good, now)
    assert status == 400 and b"BadDigest" in body, body
    assert code(lambda: s3.head_object(Bucket=BUCKET, Key="tools/signed-bad.txt")) == "404"
    skewed = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() - 20 * 60))
    status, body = raw_request("PUT", "tools/skewed.txt", {}, b"x", hashlib.sha256(b"x").hexdigest(), skewed)
    assert status == 403 and b"RequestTimeTooSkewed" in body, body
    print("signing ok")


def crash_write(ackfile):
    s3 = client()
    with open(ackfile, "a") as ack:
        i = 0
        while True:
            key = f"crash/{i}"
            size = [1, 1000, 300_000, 3_000_000][i % 4]
            try:
                s3.put_object(Bucket=BUCKET, Key=key, Body=content(key, size))
            except Exception:
                return
            ack.write(f"{key} {size}\n")
            ack.flush()
            os.fsync(ack.fileno())
            i += 1


def crash_verify(ackfile):
    s3 = client()
    acked = dict(line.split() for line in open(ackfile) if line.strip())
    assert len(acked) > 0, "nothing was acknowledged before the kill"
    listed = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix="crash/"):
        listed += [(c["Key"], c["Size"]) for c in page.get("Contents", [])]
    for key, size in listed:
        body = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        i = int(key.split("/")[1])
        expected = content(key, [1, 1000, 300_000, 3_000_000][i % 4])
        assert len(body) == size and body == expected, f"{key}: torn or partial object visible"
    missing = set(acked) - {k for k, _ in listed}
    assert not missing, f"acknowledged but lost: {sorted(missing)}"
    print(f"crash ok: {len(acked)} acknowledged, {len(listed)} visible, all intact")


if __name__ == "__main__":
    {"sdk": lambda: sdk(), "signing": lambda: signing(), "crash-write": lambda: crash_write(sys.argv[2]), "crash-verify": lambda: crash_verify(sys.argv[2])}[sys.argv[1]]()
