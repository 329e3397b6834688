"""boto3 (and AWS CLI) tests of StartAsyncInvoke, GetAsyncInvoke and ListAsyncInvokes.

These tests start their own servers (with --async-complete-after-ms and a data dir they keep
across restarts), so they do not use harness.Emulator; they reuse its binary path, banner and
credentials setup.
"""
import concurrent.futures
import datetime
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

import harness

REEL = "amazon.nova-reel-v1:0"
EMBED = "amazon.nova-2-multimodal-embeddings-v1:0"
REEL_INPUT = {"taskType": "TEXT_VIDEO", "textToVideoParams": {"text": "a cat on a skateboard"},
              "videoGenerationConfig": {"durationSeconds": 6, "fps": 24, "dimension": "1280x720", "seed": 0}}
ARN = re.compile(r"^arn:aws:bedrock:us-east-1:123456789012:async-invoke/[a-z0-9]{12}$")
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
COMPLETE_AFTER_MS = 300
NOT_VALID = "The provided request is not valid"


def output_config(uri="s3://my-bucket/videos"):
    return {"s3OutputDataConfig": {"s3Uri": uri}}


class Server:
    """One emulator process on a data dir that outlives it (restart tests)."""

    def __init__(self, data_dir, complete_after_ms=COMPLETE_AFTER_MS):
        self.data_dir = data_dir
        self.complete_after_ms = complete_after_ms
        self.process = None
        self.endpoint = None
        self.port = None

    def start(self, timeout=15.0):
        log_dir = tempfile.mkdtemp(prefix="bedrock-emulator-async-log-")
        self._log_dir = log_dir
        self._stdout_path = os.path.join(log_dir, "stdout.log")
        self._stdout = open(self._stdout_path, "wb")
        self._stderr = open(os.path.join(log_dir, "stderr.log"), "wb")
        self.process = subprocess.Popen(
            [harness.BINARY, "--port", "0", "--data-dir", self.data_dir, "--log-level", "warn",
             "--async-complete-after-ms", str(self.complete_after_ms),
             "--serve-retired-models"],  # REEL, Nova Reel v1:0, is retired (see harness.Emulator)
            stdout=self._stdout, stderr=self._stderr, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with open(self._stdout_path, encoding="utf-8", errors="replace") as f:
                line = f.readline()
            if line.endswith("\n"):
                match = harness.BANNER.match(line.strip())
                if not match:
                    raise RuntimeError(f"unexpected first stdout line: {line!r}")
                self.port = int(match.group(1))
                self.endpoint = f"http://127.0.0.1:{self.port}"
                return self
            if self.process.poll() is not None:
                break
            time.sleep(0.02)
        self.stop(signal.SIGKILL)
        raise RuntimeError("emulator did not start: " + self.stderr_text())

    def stderr_text(self):
        try:
            with open(os.path.join(self._log_dir, "stderr.log"), encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stop(self, sig=signal.SIGTERM, timeout=10.0):
        """Sends `sig` and waits; returns the exit code (negative: killed by a signal)."""
        code = None
        if self.process is not None:
            if self.process.poll() is None:
                self.process.send_signal(sig)
            try:
                code = self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                code = self.process.wait()
            self._stdout.close()
            self._stderr.close()
            shutil.rmtree(self._log_dir, ignore_errors=True)
            self.process = None
        return code

    def client(self, pool=16):
        return boto3.client(
            "bedrock-runtime", region_name="us-east-1", endpoint_url=self.endpoint,
            config=Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=5,
                          read_timeout=30, max_pool_connections=pool))

    def raw(self, method, path, body=None):
        import http.client
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            headers = {}
            if body is not None:
                body = json.dumps(body)
                headers["Content-Type"] = "application/json"
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            return resp.status, resp.headers, resp.read()
        finally:
            conn.close()


def start_reel(client, uri="s3://my-bucket/videos", model_input=None, **extra):
    return client.start_async_invoke(modelId=REEL, modelInput=model_input or REEL_INPUT,
                                     outputDataConfig=output_config(uri), **extra)["invocationArn"]


def submit_many(server, count, threads, fail_every=0):
    """Starts `count` invocations from `threads` threads; returns (ARNs, seconds)."""
    local = threading.local()

    def one(i):
        if not hasattr(local, "client"):
            local.client = server.client()
        model_input = dict(REEL_INPUT, failInvocation=bool(fail_every and i % fail_every == 0))
        return start_reel(local.client, model_input=model_input)

    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        arns = list(pool.map(one, range(count)))
    return arns, time.monotonic() - started


def walk(client, **params):
    """Every summary through the boto3 paginator."""
    out = []
    for page in client.get_paginator("list_async_invokes").paginate(**params):
        out.extend(page["asyncInvokeSummaries"])
    return out


def arns_of(summaries):
    return [s["invocationArn"] for s in summaries]


def wait_until(predicate, timeout=10.0, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def quote(arn):
    return urllib.parse.quote(arn, safe="")


class AsyncServerTest(unittest.TestCase):
    """A test class with its own emulator on a fresh data dir and a boto3 client on it; the
    emulator must exit 0 on SIGTERM."""
    DATA_DIR_PREFIX = "bedrock-emulator-async-"
    COMPLETE_AFTER_MS = COMPLETE_AFTER_MS

    @classmethod
    def setUpClass(cls):
        cls.data_dir = tempfile.mkdtemp(prefix=cls.DATA_DIR_PREFIX)
        cls.server = Server(os.path.join(cls.data_dir, "data"), cls.COMPLETE_AFTER_MS).start()
        cls.client = cls.server.client()

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        code = cls.server.stop()
        shutil.rmtree(cls.data_dir, ignore_errors=True)
        if code != 0:
            raise AssertionError(f"emulator exited with {code} on SIGTERM")


class AsyncApiTest(AsyncServerTest):

    def assert_error(self, call, code, message=None):
        with self.assertRaises(ClientError) as caught:
            call()
        error = caught.exception.response["Error"]
        self.assertEqual(error["Code"], code, error)
        if message is not None:
            self.assertIn(message, error["Message"])
        return caught.exception

    def output_dir(self, arn, bucket="my-bucket", prefix="videos"):
        return os.path.join(self.server.data_dir, "s3", bucket, *prefix.split("/"), arn.rsplit("/", 1)[1])

    def test_start_answers_an_invocation_arn(self):
        arn = start_reel(self.client)
        self.assertRegex(arn, ARN)
        # The ARN names the model and the account of the emulator's flags.
        got = self.client.get_async_invoke(invocationArn=arn)
        self.assertEqual(got["invocationArn"], arn)
        self.assertEqual(got["modelArn"], "arn:aws:bedrock:us-east-1::foundation-model/" + REEL)

    def test_lifecycle_in_progress_then_completed_with_files(self):
        arn = start_reel(self.client, uri="s3://my-bucket/videos/run-1/",
                         tags=[{"key": "team", "value": "video"}])
        invocation_id = arn.rsplit("/", 1)[1]
        first = self.client.get_async_invoke(invocationArn=arn)
        self.assertEqual(first["status"], "InProgress")
        self.assertNotIn("endTime", first)
        self.assertNotIn("failureMessage", first)
        self.assertTrue(first["clientRequestToken"])  # boto3 fills the idempotency token
        self.assertEqual(first["outputDataConfig"]["s3OutputDataConfig"]["s3Uri"],
                         "s3://my-bucket/videos/run-1/" + invocation_id)
        # On the wire: ISO 8601 with milliseconds.
        status, _, body = self.server.raw("GET", "/async-invoke/" + quote(arn))
        self.assertEqual(status, 200)
        raw = json.loads(body)
        self.assertRegex(raw["submitTime"], ISO_MS)
        self.assertRegex(raw["lastModifiedTime"], ISO_MS)
        self.assertTrue(wait_until(lambda: self.client.get_async_invoke(invocationArn=arn)["status"] != "InProgress"))
        done = self.client.get_async_invoke(invocationArn=arn)
        self.assertEqual(done["status"], "Completed")
        self.assertEqual(done["lastModifiedTime"], done["endTime"])
        elapsed = (done["endTime"] - done["submitTime"]).total_seconds() * 1000
        self.assertAlmostEqual(elapsed, COMPLETE_AFTER_MS, delta=1)
        status, _, body = self.server.raw("GET", "/async-invoke/" + quote(arn))
        self.assertRegex(json.loads(body)["endTime"], ISO_MS)
        folder = self.output_dir(arn, prefix="videos/run-1")
        with open(os.path.join(folder, "output.mp4"), "rb") as f:
            self.assertEqual(f.read(12)[4:8], b"ftyp")
        with open(os.path.join(folder, "manifest.json"), encoding="utf-8") as f:
            manifest = json.load(f)
        self.assertEqual(manifest["invocationArn"], arn)
        self.assertEqual(manifest["status"], "Completed")
        self.assertEqual(manifest["outputs"], [f"s3://my-bucket/videos/run-1/{invocation_id}/output.mp4"])

    def test_files_appear_without_anyone_asking(self):
        arn = start_reel(self.client, uri="s3://quiet-bucket")
        folder = self.output_dir(arn, bucket="quiet-bucket", prefix="")
        self.assertTrue(wait_until(lambda: os.path.exists(os.path.join(folder, "manifest.json")), timeout=5),
                        f"no output in {folder}")
        self.assertTrue(os.path.exists(os.path.join(folder, "output.mp4")))

    def test_fail_invocation_ends_failed_with_a_message(self):
        arn = start_reel(self.client, model_input=dict(REEL_INPUT, failInvocation=True), uri="s3://my-bucket/fails")
        self.assertEqual(self.client.get_async_invoke(invocationArn=arn)["status"], "InProgress")
        self.assertTrue(wait_until(lambda: self.client.get_async_invoke(invocationArn=arn)["status"] != "InProgress"))
        got = self.client.get_async_invoke(invocationArn=arn)
        self.assertEqual(got["status"], "Failed")
        self.assertIn("failInvocation", got["failureMessage"])
        self.assertIn("endTime", got)
        with open(os.path.join(self.output_dir(arn, prefix="fails"), "manifest.json"), encoding="utf-8") as f:
            manifest = json.load(f)
        self.assertEqual(manifest["status"], "Failed")
        self.assertEqual(manifest["outputs"], [])

    def test_embeddings_write_segments(self):
        text = "The quick brown fox jumps over the lazy dog. " * 4
        arn = self.client.start_async_invoke(
            modelId=EMBED,
            modelInput={"taskType": "SEGMENTED_EMBEDDING", "segmentedEmbeddingParams": {
                "embeddingPurpose": "GENERIC_INDEX", "embeddingDimension": 256,
                "text": {"truncationMode": "END", "value": text, "segmentationConfig": {"maxLengthChars": 60}}}},
            outputDataConfig=output_config("s3://embed-bucket/out"))["invocationArn"]
        self.assertTrue(wait_until(lambda: self.client.get_async_invoke(invocationArn=arn)["status"] == "Completed"))
        folder = self.output_dir(arn, bucket="embed-bucket", prefix="out")
        with open(os.path.join(folder, "segmented-embedding-result.json"), encoding="utf-8") as f:
            result = json.load(f)
        self.assertEqual(result["embeddingDimension"], 256)
        self.assertEqual(result["embeddingResults"][0]["embeddingType"], "TEXT")
        self.assertTrue(result["embeddingResults"][0]["outputFileUri"].endswith("/embedding-text.jsonl"))
        with open(os.path.join(folder, "embedding-text.jsonl"), encoding="utf-8") as f:
            lines = [json.loads(line) for line in f]
        self.assertEqual(len(lines), -(-len(text) // 60))
        self.assertEqual(len(lines[0]["embedding"]), 256)
        self.assertEqual(lines[1]["segmentMetadata"]["segmentIndex"], 1)
        self.assertEqual(lines[1]["segmentMetadata"]["segmentStartCharPosition"], 60)

    def test_models_without_async_are_refused(self):
        for model in ("mistral.mistral-small-2402-v1:0", "anthropic.claude-3-haiku-20240307-v1:0"):
            with self.subTest(model=model):
                self.assert_error(lambda: self.client.start_async_invoke(
                    modelId=model, modelInput={"prompt": "hi"}, outputDataConfig=output_config()),
                    "ValidationException", NOT_VALID)
        self.assert_error(lambda: self.client.start_async_invoke(
            modelId="amazon.nova-reel-v9:9", modelInput=REEL_INPUT, outputDataConfig=output_config()),
            "ValidationException", "The provided model identifier is invalid.")

    def test_s3_uris_are_checked(self):
        for uri, message in [("s3://my..bucket/x", "adjacent periods"),
                             ("s3://192.168.10.20/x", "IP address"),
                             ("s3://xn--bucket/x", "xn--"),
                             ("s3://bucket-s3alias/x", "-s3alias"),
                             ("s3://UPPER/x", "regular expression pattern"),
                             ("https://bucket/x", "regular expression pattern"),
                             ("s3://ab", "regular expression pattern")]:
            with self.subTest(uri=uri):
                self.assert_error(lambda: start_reel(self.client, uri=uri), "ValidationException", message)
        for uri in ("s3://a.b-c", "s3://bucket/", "s3://bucket/deep/er/prefix", "s3://bucket/../escape"):
            with self.subTest(uri=uri):
                arn = start_reel(self.client, uri=uri)
                got = self.client.get_async_invoke(invocationArn=arn)
                self.assertEqual(got["outputDataConfig"]["s3OutputDataConfig"]["s3Uri"],
                                 uri.rstrip("/") + "/" + arn.rsplit("/", 1)[1])
        # Optional members come back as sent.
        arn = self.client.start_async_invoke(modelId=REEL, modelInput=REEL_INPUT, outputDataConfig={
            "s3OutputDataConfig": {"s3Uri": "s3://bucket/k", "bucketOwner": "111122223333",
                                   "kmsKeyId": "arn:aws:kms:us-east-1:123456789012:alias/my-key"}})["invocationArn"]
        s3 = self.client.get_async_invoke(invocationArn=arn)["outputDataConfig"]["s3OutputDataConfig"]
        self.assertEqual(s3["bucketOwner"], "111122223333")
        self.assertEqual(s3["kmsKeyId"], "arn:aws:kms:us-east-1:123456789012:alias/my-key")
        self.assert_error(lambda: self.client.start_async_invoke(
            modelId=REEL, modelInput=REEL_INPUT,
            outputDataConfig={"s3OutputDataConfig": {"s3Uri": "s3://bucket/k", "bucketOwner": "12"}}),
            "ValidationException", "bucketOwner")
        self.assert_error(lambda: start_reel(self.client, tags=[{"key": "k" * 129, "value": "v"}]),
                          "ValidationException", "tags.1.member.key")

    def test_path_traversal_stays_in_the_data_dir(self):
        arn = start_reel(self.client, uri="s3://bucket/../../escape")
        self.assertTrue(wait_until(lambda: self.client.get_async_invoke(invocationArn=arn)["status"] == "Completed"))
        folder = os.path.join(self.server.data_dir, "s3", "bucket", "%2E%2E", "%2E%2E", "escape", arn.rsplit("/", 1)[1])
        self.assertTrue(os.path.exists(os.path.join(folder, "output.mp4")), folder)

    def test_same_token_same_request_is_the_same_invocation(self):
        token = "token-" + str(time.time_ns())
        first = start_reel(self.client, clientRequestToken=token)
        again = start_reel(self.client, clientRequestToken=token)
        self.assertEqual(first, again)
        self.assertEqual(self.client.get_async_invoke(invocationArn=first)["clientRequestToken"], token)
        listed = [s for s in walk(self.client) if s.get("clientRequestToken") == token]
        self.assertEqual(len(listed), 1)
        # Different input, same token: a conflict.
        error = self.assert_error(lambda: start_reel(self.client, clientRequestToken=token, uri="s3://other-bucket/x"),
                                  "ConflictException")
        self.assertEqual(error.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        self.assert_error(lambda: start_reel(self.client, clientRequestToken=token,
                                             model_input=dict(REEL_INPUT, seed=1)), "ConflictException")
        # Without a fixed token (boto3 draws a fresh one) every call is new.
        self.assertNotEqual(start_reel(self.client), start_reel(self.client))

    def test_unknown_and_malformed_arns(self):
        unknown = "arn:aws:bedrock:us-east-1:123456789012:async-invoke/zzzzzzzzzzzz"
        self.assert_error(lambda: self.client.get_async_invoke(invocationArn=unknown), "ValidationException",
                          "does not exist")
        # A real id under another account or region is unknown as well.
        arn = start_reel(self.client)
        for other in (arn.replace("123456789012", "999999999999"), arn.replace("us-east-1", "eu-west-1")):
            self.assert_error(lambda: self.client.get_async_invoke(invocationArn=other), "ValidationException")
        for malformed in ("arn:aws:bedrock:us-east-1:123456789012:async-invoke/abc",
                          "arn:aws:bedrock:us-east-1:123456789012:async-invoke/ABCDEFGHIJKL",
                          "not-an-arn"):
            with self.subTest(arn=malformed):
                self.assert_error(lambda: self.client.get_async_invoke(invocationArn=malformed),
                                  "ValidationException", "regular expression pattern")

    def test_bad_page_tokens(self):
        for _ in range(3):
            start_reel(self.client)
        page = self.client.list_async_invokes(maxResults=1)
        token = page["nextToken"]
        # Valid: the next page.
        self.assertEqual(len(self.client.list_async_invokes(maxResults=1, nextToken=token)["asyncInvokeSummaries"]), 1)
        forged = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
        for bad in ("garbage", "!!!", forged, token + "x", "A" * 200):
            with self.subTest(token=bad):
                self.assert_error(lambda: self.client.list_async_invokes(nextToken=bad), "ValidationException",
                                  "nextToken")
        # A token of another query (other order, other filters) is refused.
        for params in ({"sortOrder": "Ascending"}, {"statusEquals": "Completed"},
                       {"submitTimeAfter": datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)}):
            with self.subTest(params=params):
                self.assert_error(lambda: self.client.list_async_invokes(nextToken=token, **params),
                                  "ValidationException", "does not belong")
        # maxResults out of range: the model's constraint (raw: boto3 refuses 0 itself).
        for size in (0, 1001):
            status, headers, body = self.server.raw("GET", f"/async-invoke?maxResults={size}")
            self.assertEqual(status, 400)
            self.assertTrue(headers["x-amzn-ErrorType"].startswith("ValidationException"))
            self.assertIn("maxResults", json.loads(body)["message"])
        status, _, body = self.server.raw("GET", "/async-invoke?submitTimeAfter=yesterday")
        self.assertEqual(status, 400)
        self.assertIn("submitTimeAfter", json.loads(body)["message"])
        status, _, body = self.server.raw("GET", "/async-invoke?sortBy=Status")
        self.assertEqual(status, 400)

    def test_list_summaries_match_get(self):
        arn = start_reel(self.client)
        summary = next(s for s in self.client.list_async_invokes(maxResults=50)["asyncInvokeSummaries"]
                       if s["invocationArn"] == arn)
        got = self.client.get_async_invoke(invocationArn=arn)
        for key in ("invocationArn", "modelArn", "clientRequestToken", "status", "submitTime", "outputDataConfig"):
            self.assertEqual(summary[key], got[key], key)

    def test_reset_clears_invocations(self):
        # Its own server: reset would disturb the other tests.
        data_dir = tempfile.mkdtemp(prefix="bedrock-emulator-async-reset-")
        server = Server(data_dir).start()
        try:
            client = server.client()
            arn = start_reel(client)
            status, _, _ = server.raw("POST", "/_emulator/reset")
            self.assertEqual(status, 200)
            self.assertEqual(client.list_async_invokes()["asyncInvokeSummaries"], [])
            self.assert_error(lambda: client.get_async_invoke(invocationArn=arn), "ValidationException")
            client.close()
        finally:
            server.stop()
            shutil.rmtree(data_dir, ignore_errors=True)


class AsyncScaleTest(AsyncServerTest):
    """Thousands of invocations from several threads, walked page by page every way."""
    COUNT = 2000
    THREADS = 8
    FAIL_EVERY = 10
    DATA_DIR_PREFIX = "bedrock-emulator-async-scale-"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.arns, seconds = submit_many(cls.server, cls.COUNT, cls.THREADS, cls.FAIL_EVERY)
        print(f"\n[async] {cls.COUNT} StartAsyncInvoke from {cls.THREADS} boto3 threads in {seconds:.2f} s "
              f"({cls.COUNT / seconds:.0f}/s)")
        cls.failed = {arn for i, arn in enumerate(cls.arns) if i % cls.FAIL_EVERY == 0}
        time.sleep(COMPLETE_AFTER_MS / 1000 + 0.2)  # every one has ended


    def assert_each_once(self, got, expected):
        self.assertEqual(len(got), len(set(got)), "a row came twice")
        self.assertEqual(set(got), set(expected))

    def test_all_distinct_and_ended(self):
        self.assertEqual(len(set(self.arns)), self.COUNT)
        summaries = [s for s in self.everything() if s["invocationArn"] in set(self.arns)]
        self.assert_each_once(arns_of(summaries), self.arns)
        for s in summaries:
            self.assertEqual(s["status"], "Failed" if s["invocationArn"] in self.failed else "Completed")

    def everything(self):
        """Every row now (other tests of this class add some), in one or two big pages."""
        rows = walk(self.client, PaginationConfig={"PageSize": 1000})
        self.assertTrue(set(self.arns) <= set(arns_of(rows)))
        return rows

    def test_walk_both_orders_with_small_pages(self):
        expected = arns_of(self.everything())
        for order in ("Descending", "Ascending"):
            with self.subTest(order=order):
                summaries = walk(self.client, sortOrder=order, sortBy="SubmissionTime",
                                 PaginationConfig={"PageSize": 37})
                self.assert_each_once(arns_of(summaries), expected)
                times = [s["submitTime"] for s in summaries]
                self.assertEqual(times, sorted(times, reverse=order == "Descending"))
        # Descending is the default.
        default = arns_of(walk(self.client, PaginationConfig={"PageSize": 100}))
        self.assertEqual(default, arns_of(walk(self.client, sortOrder="Descending", PaginationConfig={"PageSize": 100})))

    def test_walk_with_status_filters(self):
        everything = self.everything()
        for status in ("Failed", "Completed", "InProgress"):
            expected = {s["invocationArn"] for s in everything if s["status"] == status}
            if status == "Failed":
                self.assertEqual(expected, self.failed)
            for order in ("Descending", "Ascending"):
                with self.subTest(status=status, order=order):
                    summaries = walk(self.client, statusEquals=status, sortOrder=order,
                                     PaginationConfig={"PageSize": 53})
                    self.assert_each_once(arns_of(summaries), expected)

    def test_walk_with_time_filters(self):
        everything = walk(self.client, sortOrder="Ascending", PaginationConfig={"PageSize": 1000})
        after, before = everything[400]["submitTime"], everything[1600]["submitTime"]
        expected = [s["invocationArn"] for s in everything if after < s["submitTime"] < before]
        self.assertGreater(len(expected), 100)
        for order in ("Descending", "Ascending"):
            with self.subTest(order=order):
                # boto3 sends microseconds: 2025-01-01T00:00:05.678000Z
                summaries = walk(self.client, submitTimeAfter=after, submitTimeBefore=before, sortOrder=order,
                                 PaginationConfig={"PageSize": 41})
                self.assert_each_once(arns_of(summaries), expected)
        # The millisecond form (JS SDK) and epoch seconds mean the same instants.
        forms = [
            (after.strftime("%Y-%m-%dT%H:%M:%S.") + f"{after.microsecond // 1000:03d}Z",
             before.strftime("%Y-%m-%dT%H:%M:%S.") + f"{before.microsecond // 1000:03d}Z"),
            (f"{after.timestamp():.3f}", f"{before.timestamp():.3f}"),
            (after.astimezone(datetime.timezone(datetime.timedelta(hours=2))).isoformat(),
             before.astimezone(datetime.timezone(datetime.timedelta(hours=-5))).isoformat()),
        ]
        for a, b in forms:
            with self.subTest(after=a, before=b):
                got, token = [], None
                while True:
                    query = {"submitTimeAfter": a, "submitTimeBefore": b, "maxResults": "500"}
                    if token:
                        query["nextToken"] = token
                    status, _, body = self.server.raw("GET", "/async-invoke?" + urllib.parse.urlencode(query))
                    self.assertEqual(status, 200, body)
                    page = json.loads(body)
                    got.extend(arns_of(page["asyncInvokeSummaries"]))
                    token = page.get("nextToken")
                    if not token:
                        break
                self.assert_each_once(got, expected)

    def test_rows_inserted_between_pages_never_repeat_or_skip(self):
        original = set(arns_of(walk(self.client, PaginationConfig={"PageSize": 1000})))
        for order in ("Descending", "Ascending"):
            with self.subTest(order=order):
                seen, token, added = [], None, []
                while True:
                    params = {"maxResults": 97, "sortOrder": order}
                    if token:
                        params["nextToken"] = token
                    page = self.client.list_async_invokes(**params)
                    seen.extend(arns_of(page["asyncInvokeSummaries"]))
                    token = page.get("nextToken")
                    if not token:
                        break
                    added.extend(start_reel(self.client) for _ in range(3))
                self.assertEqual(len(seen), len(set(seen)), "a row came twice")
                self.assertTrue(original <= set(seen), "a row was skipped")
                if order == "Ascending":
                    self.assertTrue(set(added) <= set(seen))  # new rows sort after the cursor
        time.sleep(COMPLETE_AFTER_MS / 1000 + 0.2)  # the added rows end before the next test

    def test_last_page_has_no_token(self):
        page = self.client.list_async_invokes(statusEquals="Failed", maxResults=len(self.failed))
        self.assertEqual(len(page["asyncInvokeSummaries"]), len(self.failed))  # exactly all of them
        self.assertNotIn("nextToken", page)
        page = self.client.list_async_invokes(statusEquals="Failed", maxResults=len(self.failed) - 1)
        self.assertIn("nextToken", page)
        last = self.client.list_async_invokes(statusEquals="Failed", nextToken=page["nextToken"])
        self.assertEqual(len(last["asyncInvokeSummaries"]), 1)
        self.assertNotIn("nextToken", last)
        first = self.client.list_async_invokes()  # default page: 1000 rows
        self.assertEqual(len(first["asyncInvokeSummaries"]), 1000)
        self.assertIn("nextToken", first)

    def test_paginator_max_items_resumes(self):
        # boto3 builds its own resume tokens around the service's: they must keep working.
        got, token = [], None
        while True:
            config = {"PageSize": 64, "MaxItems": 300}
            if token:
                config["StartingToken"] = token
            result = self.client.get_paginator("list_async_invokes").paginate(
                PaginationConfig=config).build_full_result()
            got.extend(arns_of(result["asyncInvokeSummaries"]))
            token = result.get("NextToken")
            if not token:
                break
        self.assertEqual(len(got), len(set(got)))
        self.assertTrue(set(self.arns) <= set(got))

    def test_aws_cli_auto_pagination(self):
        aws = shutil.which("aws")
        if not aws:
            self.skipTest("the AWS CLI is not installed")
        env = dict(os.environ, AWS_ENDPOINT_URL_BEDROCK_RUNTIME=self.server.endpoint, AWS_DEFAULT_REGION="us-east-1",
                   AWS_PAGER="", AWS_MAX_ATTEMPTS="1")
        total = len(self.everything())

        def cli(*args):
            done = subprocess.run([aws, "bedrock-runtime", "list-async-invokes", "--output", "json", *args],
                                  env=env, capture_output=True, text=True, timeout=120)
            self.assertEqual(done.returncode, 0, done.stderr)
            return json.loads(done.stdout)

        # Auto-pagination: every page, merged into one answer.
        everything = cli("--page-size", "150")
        self.assert_each_once(arns_of(everything["asyncInvokeSummaries"]), arns_of(self.everything()))
        self.assertEqual(len(everything["asyncInvokeSummaries"]), total)
        self.assertNotIn("NextToken", everything)
        # --max-items and --starting-token: the CLI's own resumption around the service's tokens.
        first = cli("--page-size", "90", "--max-items", "700", "--sort-order", "Ascending")
        rest = cli("--page-size", "90", "--sort-order", "Ascending", "--starting-token", first["NextToken"])
        got = arns_of(first["asyncInvokeSummaries"]) + arns_of(rest["asyncInvokeSummaries"])
        self.assertEqual(len(first["asyncInvokeSummaries"]), 700)
        self.assertEqual(len(got), total)
        self.assertEqual(len(set(got)), total)


class AsyncRestartTest(unittest.TestCase):
    """Acknowledged invocations survive SIGTERM and kill -9, and pending ones complete after."""

    def setUp(self):
        self.data_dir = tempfile.mkdtemp(prefix="bedrock-emulator-async-restart-")
        self.server = None

    def tearDown(self):
        if self.server:
            self.server.stop(signal.SIGKILL)
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def restart(self, complete_after_ms=COMPLETE_AFTER_MS):
        self.server = Server(os.path.join(self.data_dir, "data"), complete_after_ms).start()
        return self.server.client()

    def submit_until_killed(self, sig, threads=8, run_for=1.0):
        """Clients submit as fast as they can; `sig` hits the server mid-flight. Returns the
        acknowledged ARNs."""
        acknowledged, lock, stop = [], threading.Lock(), threading.Event()

        def worker():
            client = self.server.client()
            while not stop.is_set():
                try:
                    arn = start_reel(client)
                except Exception:  # the server went away mid-request
                    return
                with lock:
                    acknowledged.append(arn)

        pool = [threading.Thread(target=worker) for _ in range(threads)]
        for t in pool:
            t.start()
        time.sleep(run_for)
        code = self.server.stop(sig)
        stop.set()
        for t in pool:
            t.join()
        return acknowledged, code

    def all_listed(self, client):
        return arns_of(walk(client, PaginationConfig={"PageSize": 250}))

    def test_survives_sigterm_and_kill_9(self):
        client = self.restart()
        acknowledged = []
        for sig in (signal.SIGTERM, signal.SIGKILL, signal.SIGKILL, signal.SIGTERM):
            with self.subTest(signal=sig.name):
                acked, code = self.submit_until_killed(sig)
                self.assertGreater(len(acked), 50)
                self.assertEqual(code, 0 if sig == signal.SIGTERM else -signal.SIGKILL)
                acknowledged.extend(acked)
                client = self.restart()
                listed = self.all_listed(client)
                self.assertEqual(len(listed), len(set(listed)), "a row came twice")
                missing = set(acknowledged) - set(listed)
                self.assertFalse(missing, f"{len(missing)} acknowledged invocations lost")
        # Every one of them ends.
        self.assertTrue(wait_until(lambda: not walk(client, statusEquals="InProgress"), timeout=5))
        statuses = {s["status"] for s in walk(client, PaginationConfig={"PageSize": 1000})}
        self.assertEqual(statuses, {"Completed"})
        client.close()

    def test_pending_invocations_complete_after_a_restart(self):
        client = self.restart(complete_after_ms=1500)
        arns = [start_reel(client, uri="s3://restart-bucket/p") for _ in range(5)]
        self.server.stop(signal.SIGKILL)
        client = self.restart(complete_after_ms=1500)
        self.assertEqual({s["status"] for s in walk(client)}, {"InProgress"})
        folders = [os.path.join(self.server.data_dir, "s3", "restart-bucket", "p", arn.rsplit("/", 1)[1]) for arn in arns]
        # The files appear without any Get: the completer picked the pending rows up.
        self.assertTrue(wait_until(lambda: all(os.path.exists(os.path.join(f, "output.mp4")) for f in folders),
                                   timeout=5))
        self.assertEqual({s["status"] for s in walk(client)}, {"Completed"})
        # Page tokens outlive a restart (the key is kept with the data).
        token = client.list_async_invokes(maxResults=2)["nextToken"]
        self.server.stop()
        client = self.restart()
        self.assertEqual(len(client.list_async_invokes(maxResults=2, nextToken=token)["asyncInvokeSummaries"]), 2)
        client.close()

    def test_unusable_data_dir_answers_internal_server_error(self):
        blocker = os.path.join(self.data_dir, "file")
        with open(blocker, "w", encoding="utf-8") as f:
            f.write("not a folder")
        self.server = Server(os.path.join(blocker, "data")).start()
        client = self.server.client()
        for call in (lambda: start_reel(client), lambda: client.list_async_invokes(),
                     lambda: client.get_async_invoke(invocationArn="arn:aws:bedrock:us-east-1:123456789012:async-invoke/abcdefabcdef")):
            with self.assertRaises(ClientError) as caught:
                call()
            self.assertEqual(caught.exception.response["Error"]["Code"], "InternalServerException")
        self.assertIn("async invocations are unavailable", self.server.stderr_text())
        status, _, _ = self.server.raw("GET", "/_emulator/health")
        self.assertEqual(status, 200)
        client.close()


if __name__ == "__main__":
    unittest.main()
