"""boto3 checks of where storage keeps object bytes, against a running ampstack sandbox (admin
credentials from `ampstack credentials`) and, for the object-store backend, the S3-compatible
server behind it (moto_server) reached directly.

Usage:
  storage_backends.py blobs-in-object-store   every object's bytes are blobs in the object store
  storage_backends.py two-nodes                write on node A, read/list/copy/delete on node B
  storage_backends.py orphans                  the janitor removes orphan blobs, keeps the rest
  storage_backends.py expired-token            expired identity-pool credentials get ExpiredToken
Environment: ENDPOINT, BUCKET, CA (sandbox), AWS_* admin keys; BLOBS_ENDPOINT, BLOBS_BUCKET
(object store) or BLOBS_DIR (the files backend's bucket folder); ENDPOINT_B, CA_B (two-nodes);
AMPSTACK_OUTPUTS (expired-token).
"""
import hashlib
import io
import json
import os
import sys
import time
import uuid

import boto3
from boto3.s3.transfer import TransferConfig
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

ENDPOINT, BUCKET, CA = os.environ["ENDPOINT"], os.environ["BUCKET"], os.environ["CA"]


def sandbox(endpoint=ENDPOINT, ca=CA, **kw):
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", verify=ca, config=Config(retries={"max_attempts": 1}), **kw)


def object_store():
    """The S3-compatible server behind the sandbox, reached directly (moto accepts any keys)."""
    return boto3.client("s3", endpoint_url=os.environ["BLOBS_ENDPOINT"], region_name="us-east-1", aws_access_key_id="direct", aws_secret_access_key="direct")


def blob_sizes(bucket):
    """{blob id: size} of one sandbox bucket's blobs in the object store."""
    out = {}
    for page in object_store().get_paginator("list_objects_v2").paginate(Bucket=os.environ["BLOBS_BUCKET"], Prefix=f"{bucket}/"):
        for c in page.get("Contents", []):
            out[c["Key"].split("/", 1)[1]] = c["Size"]
    return out


# Objects up to this size (single PUTs) live in their metadata row, not in a blob.
INLINE_MAX = 4096


def object_sizes(s3, bucket):
    """Bytes of the bucket's objects that are kept as blobs: all but the small single-PUT ones."""
    total = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        total += sum(c["Size"] for c in page.get("Contents", []) if c["Size"] > INLINE_MAX or "-" in c["ETag"])
    return total


def error(fn):
    try:
        fn()
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["Error"].get("Message")
    raise AssertionError("expected an error")


def blobs_in_object_store():
    s3 = sandbox()
    buckets = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    exact = os.environ.get("EXACT") == "1"
    seen = 0
    for bucket in buckets:
        stored, listed = sum(blob_sizes(bucket).values()), object_sizes(s3, bucket)
        # Exactly the listed bytes when no upload is open (every delete and overwrite removed
        # its blobs), at least them otherwise.
        assert stored == listed if exact else stored >= listed, (bucket, stored, listed)
        seen += stored
    assert seen > 0, "no bytes in the object store"
    print(f"blobs ok: {seen} bytes in the object store for {len(buckets)} buckets")


def two_nodes():
    a, b = sandbox(), sandbox(os.environ["ENDPOINT_B"], os.environ["CA_B"])
    a.put_object(Bucket=BUCKET, Key="nodes/small.txt", Body=b"written on node A", ContentType="text/plain", Metadata={"node": "a"})
    big = os.urandom(20 * 1024 * 1024 + 7)
    cfg = TransferConfig(multipart_threshold=8 * 1024 * 1024, multipart_chunksize=8 * 1024 * 1024)
    a.upload_fileobj(io.BytesIO(big), BUCKET, "nodes/big.bin", Config=cfg)
    got = b.get_object(Bucket=BUCKET, Key="nodes/small.txt")
    assert got["Body"].read() == b"written on node A" and got["Metadata"] == {"node": "a"} and got["ContentType"] == "text/plain", got
    # A range across the first part boundary of the multipart object, then the whole object.
    r = b.get_object(Bucket=BUCKET, Key="nodes/big.bin", Range=f"bytes={8 * 1024 * 1024 - 5}-{8 * 1024 * 1024 + 4}")
    assert r["Body"].read() == big[8 * 1024 * 1024 - 5 : 8 * 1024 * 1024 + 5]
    out = io.BytesIO()
    b.download_fileobj(BUCKET, "nodes/big.bin", out)
    assert hashlib.sha256(out.getvalue()).digest() == hashlib.sha256(big).digest()
    # One PutObject larger than the backend's part size: ampstack streams it to the object store
    # as a multipart upload of its own.
    single = os.urandom(17 * 1024 * 1024 + 3)
    a.put_object(Bucket=BUCKET, Key="nodes/single.bin", Body=single)
    assert hashlib.sha256(b.get_object(Bucket=BUCKET, Key="nodes/single.bin")["Body"].read()).digest() == hashlib.sha256(single).digest()
    assert len(single) in blob_sizes(BUCKET).values()
    b.delete_object(Bucket=BUCKET, Key="nodes/single.bin")
    keys = [c["Key"] for c in b.list_objects_v2(Bucket=BUCKET, Prefix="nodes/")["Contents"]]
    assert keys == ["nodes/big.bin", "nodes/small.txt"], keys
    b.copy_object(Bucket=BUCKET, Key="nodes/copied.bin", CopySource={"Bucket": BUCKET, "Key": "nodes/big.bin"})
    assert hashlib.sha256(a.get_object(Bucket=BUCKET, Key="nodes/copied.bin")["Body"].read()).digest() == hashlib.sha256(big).digest()
    b.delete_object(Bucket=BUCKET, Key="nodes/small.txt")
    assert error(lambda: a.get_object(Bucket=BUCKET, Key="nodes/small.txt"))[0] == "NoSuchKey"
    b.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": "nodes/big.bin"}]})
    assert [c["Key"] for c in a.list_objects_v2(Bucket=BUCKET, Prefix="nodes/")["Contents"]] == ["nodes/copied.bin"]
    # The deletes removed the blobs: only the copy's bytes are left in the object store.
    assert sum(blob_sizes(BUCKET).values()) == len(big) == object_sizes(a, BUCKET), blob_sizes(BUCKET)
    print("two nodes ok")


def plant(bucket, blob_id, data):
    """Puts a blob no metadata points at where the backend keeps blobs."""
    if "BLOBS_DIR" in os.environ:
        folder = os.path.join(os.environ["BLOBS_DIR"], blob_id[:2])
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, blob_id)
        with open(path, "wb") as f:
            f.write(data)
    else:
        object_store().put_object(Bucket=os.environ["BLOBS_BUCKET"], Key=f"{bucket}/{blob_id}", Body=data)


def planted(bucket, blob_id):
    if "BLOBS_DIR" in os.environ:
        return os.path.exists(os.path.join(os.environ["BLOBS_DIR"], blob_id[:2], blob_id))
    return blob_id in blob_sizes(bucket)


def orphans():
    s3 = sandbox()
    s3.put_object(Bucket=BUCKET, Key="keep/one.txt", Body=b"referenced")
    # An open multipart upload: its part blob is referenced by the upload, not by an object.
    up = s3.create_multipart_upload(Bucket=BUCKET, Key="keep/open.bin")["UploadId"]
    part = s3.upload_part(Bucket=BUCKET, Key="keep/open.bin", UploadId=up, PartNumber=1, Body=b"p" * (5 * 1024 * 1024))
    # Planted after the referenced blobs were written: the sweep that finds the orphan old enough
    # also finds them old enough, so it must tell them apart by reference, not by age.
    orphan, foreign = uuid.uuid4().hex, "not-a-blob.txt"
    plant(BUCKET, orphan, b"left by a crash before the metadata commit")
    plant(BUCKET, foreign, b"not ours")
    for _ in range(240):
        if not planted(BUCKET, orphan):
            break
        time.sleep(0.25)
    assert not planted(BUCKET, orphan), "the orphan blob was not removed"
    assert planted(BUCKET, foreign), "a file that is not a blob was removed"
    assert s3.get_object(Bucket=BUCKET, Key="keep/one.txt")["Body"].read() == b"referenced"
    s3.complete_multipart_upload(Bucket=BUCKET, Key="keep/open.bin", UploadId=up, MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    assert s3.get_object(Bucket=BUCKET, Key="keep/open.bin")["Body"].read() == b"p" * (5 * 1024 * 1024)
    print("orphans ok")


def expired_token():
    outputs = json.load(open(os.environ["AMPSTACK_OUTPUTS"]))
    local, pool = outputs["custom"]["ampstack"], outputs["auth"]["identity_pool_id"]
    identity = boto3.client("cognito-identity", region_name="us-east-1", endpoint_url=local["identity_pool_endpoint"], verify=CA, config=Config(signature_version=UNSIGNED))
    guest = identity.get_id(IdentityPoolId=pool)["IdentityId"]
    creds = identity.get_credentials_for_identity(IdentityId=guest)["Credentials"]
    ttl = creds["Expiration"].timestamp() - time.time()
    assert ttl < 30, f"credentials last {ttl:.0f} s: AMPSTACK_CREDENTIALS_TTL_SECONDS was not applied"
    s3 = sandbox(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretKey"], aws_session_token=creds["SessionToken"])
    s3.put_object(Bucket=BUCKET, Key="picture-submissions/guest.txt", Body=b"from a guest")
    while time.time() < creds["Expiration"].timestamp() + 1.5:
        time.sleep(0.25)
    code, status, message = error(lambda: s3.get_object(Bucket=BUCKET, Key="picture-submissions/guest.txt"))
    assert (code, status, message) == ("ExpiredToken", 400, "The provided token has expired."), (code, status, message)
    # Presigned URLs made with the credentials die with them the same way.
    url = s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "picture-submissions/guest.txt"}, ExpiresIn=600)
    import ssl
    import urllib.request

    try:
        urllib.request.urlopen(url, context=ssl.create_default_context(cafile=CA))
        raise AssertionError("an expired presigned URL was served")
    except urllib.error.HTTPError as e:
        body = e.read()
        assert e.code == 400 and b"<Code>ExpiredToken</Code>" in body, (e.code, body)
    # Fresh credentials for the same identity work again.
    fresh = identity.get_credentials_for_identity(IdentityId=guest)["Credentials"]
    s3 = sandbox(aws_access_key_id=fresh["AccessKeyId"], aws_secret_access_key=fresh["SecretKey"], aws_session_token=fresh["SessionToken"])
    assert s3.get_object(Bucket=BUCKET, Key="picture-submissions/guest.txt")["Body"].read() == b"from a guest"
    print("expired token ok")


if __name__ == "__main__":
    {"blobs-in-object-store": blobs_in_object_store, "two-nodes": two_nodes, "orphans": orphans, "expired-token": expired_token}[sys.argv[1]]()
