"""Async invocations under bad input and disk faults, against the running binary.

- ListAsyncInvokes query values that are not numbers, enums, timestamps or tokens: 400;
- an S3 key segment longer than a file name: Completed, with its files;
- the same clientRequestToken with a deeply nested modelInput: compared without trouble;
- a full disk during a storm of StartAsyncInvoke (a 1 MB tmpfs; needs root, skipped without):
  acknowledged invocations end Completed with whole files or Failed with a failureMessage,
  and the server neither spins nor floods its log.
"""
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse

from botocore.exceptions import ClientError

import harness
from test_async import REEL, REEL_INPUT, AsyncServerTest, Server, output_config, start_reel, wait_until, walk

OUTPUT_NOT_WRITTEN = "The output could not be written to"


def error_type(headers):
    return (headers.get("x-amzn-ErrorType") or "").split(":")[0]


class AsyncBadQueryTest(AsyncServerTest):
    DATA_DIR_PREFIX = "bedrock-emulator-async-faults-"
    COMPLETE_AFTER_MS = 50

    def get(self, query):
        return self.server.raw("GET", "/async-invoke?" + query)

    def assert_400(self, query, expected_type, message=None):
        status, headers, body = self.get(query)
        self.assertEqual(status, 400, (query, body))
        self.assertEqual(error_type(headers), expected_type, (query, body))
        if message is not None:
            self.assertIn(message, json.loads(body)["message"])

    # The restJson1 malformed-request protocol tests (RestJsonQueryIntegerMalformedValueRejected,
    # RestJsonQueryIntegerUnderflowOverflow) answer a query integer that is not one, or is out
    # of range, with 400 SerializationException.
    def test_max_results_that_is_not_an_integer(self):
        for value in ["-", "--1", "9999999999999999999", "99999999999", "1-2", "+", "1e3", ""]:
            with self.subTest(maxResults=value):
                self.assert_400("maxResults=" + urllib.parse.quote(value), "SerializationException")
        self.assertEqual(self.server.raw("GET", "/_emulator/health")[0], 200)

    def test_max_results_out_of_the_model_range(self):
        for value in ["0", "1001", "-5"]:
            with self.subTest(maxResults=value):
                self.assert_400("maxResults=" + value, "ValidationException", "maxResults")

    def test_next_token_garbage(self):
        for value in ["garbage", "%%%", "AAAA", "x" * 2048, "eyJ2IjoxfQ"]:
            with self.subTest(nextToken=value[:20]):
                self.assert_400("nextToken=" + urllib.parse.quote(value), "ValidationException")
        with self.assertRaises(ClientError) as caught:
            self.client.list_async_invokes(nextToken="not-a-token")
        self.assertEqual(caught.exception.response["Error"]["Code"], "ValidationException")

    def test_status_equals_outside_the_enum(self):
        for value in ["Done", "inprogress", "", "COMPLETED"]:
            with self.subTest(statusEquals=value):
                self.assert_400("statusEquals=" + value, "ValidationException")
        with self.assertRaises(ClientError) as caught:
            self.client.list_async_invokes(statusEquals="Finished")
        self.assertEqual(caught.exception.response["Error"]["Code"], "ValidationException")

    def test_submit_time_that_is_not_a_timestamp(self):
        for value in ["yesterday", "2025-13-01T00:00:00Z", "-", "1.", "2025-01-01T00:00:00+99:00",
                      "9" * 30, "2025-01-01"]:
            for name in ("submitTimeAfter", "submitTimeBefore"):
                with self.subTest(**{name: value}):
                    self.assert_400(name + "=" + urllib.parse.quote(value), "ValidationException", name)

    def test_long_key_segment_completes_with_its_files(self):
        segment = "s" * 300
        arn = start_reel(self.client, uri=f"s3://long-bucket/{segment}/out")
        self.assertTrue(wait_until(lambda: self.client.get_async_invoke(invocationArn=arn)["status"] != "InProgress"))
        got = self.client.get_async_invoke(invocationArn=arn)
        self.assertEqual(got["status"], "Completed", got.get("failureMessage"))
        self.assertEqual(got["outputDataConfig"]["s3OutputDataConfig"]["s3Uri"],
                         f"s3://long-bucket/{segment}/out/{arn.rsplit('/', 1)[1]}")
        # The folder: the segment's first bytes, "%~" and a digest.
        bucket_dir = os.path.join(self.server.data_dir, "s3", "long-bucket")
        [name] = os.listdir(bucket_dir)
        self.assertLessEqual(len(name.encode()), 255)
        self.assertTrue(name.startswith("s" * 100) and "%~" in name, name)
        folder = os.path.join(bucket_dir, name, "out", arn.rsplit("/", 1)[1])
        for file in ("manifest.json", "output.mp4"):
            self.assertGreater(os.path.getsize(os.path.join(folder, file)), 0)

    def test_same_token_with_a_deeply_nested_input(self):
        nested = "x"
        for _ in range(900):
            nested = {"n": nested}
        model_input = dict(REEL_INPUT, extra=nested)
        token = "deep-" + str(time.time_ns())
        first = start_reel(self.client, model_input=model_input, clientRequestToken=token)
        self.assertEqual(start_reel(self.client, model_input=model_input, clientRequestToken=token), first)
        with self.assertRaises(ClientError) as caught:
            start_reel(self.client, model_input=dict(model_input, seed=2), clientRequestToken=token)
        self.assertEqual(caught.exception.response["Error"]["Code"], "ConflictException")


def cpu_seconds(pid):
    """User + system CPU time of a process, from /proc."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class AsyncDiskFullTest(unittest.TestCase):
    """A data dir on a 1 MB tmpfs, filled by a storm of StartAsyncInvoke."""

    def setUp(self):
        self.mount_point = tempfile.mkdtemp(prefix="bedrock-emulator-diskfull-")
        if os.geteuid() != 0:
            self.skipTest("mounting a small tmpfs needs root")
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", self.mount_point],
                                 capture_output=True)
        if mounted.returncode != 0:
            os.rmdir(self.mount_point)
            self.skipTest("cannot mount a tmpfs here: " + mounted.stderr.decode(errors="replace"))
        self.server = None

    def tearDown(self):
        if self.server:
            self.server.stop()
        subprocess.run(["umount", self.mount_point], check=False)
        os.rmdir(self.mount_point)

    def test_disk_full_ends_invocations_failed_without_spinning(self):
        self.server = Server(os.path.join(self.mount_point, "data"), complete_after_ms=20).start()
        acknowledged, refused, lock = [], [], threading.Lock()
        body = {"modelId": REEL, "modelInput": REEL_INPUT, "outputDataConfig": output_config()}

        def storm():
            # Raw requests: an SDK would pace its retries of the 500s.
            for _ in range(150):
                status, headers, raw = self.server.raw("POST", "/async-invoke", body)
                with lock:
                    if status == 200:
                        acknowledged.append(json.loads(raw)["invocationArn"])
                    else:
                        refused.append((status, error_type(headers)))

        threads = [threading.Thread(target=storm) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertGreater(len(acknowledged), 0)
        # Refusals, if any, are a well-formed AWS error.
        self.assertLessEqual({r for r in refused}, {(500, "InternalServerException")})

        # Idle now: the completer must not spin, and the log must not flood.
        time.sleep(1.0)
        pid = self.server.process.pid
        cpu_before, log_before = cpu_seconds(pid), len(self.server.stderr_text().splitlines())
        time.sleep(3.0)
        cpu = cpu_seconds(pid) - cpu_before
        lines = len(self.server.stderr_text().splitlines()) - log_before
        self.assertLess(cpu, 0.5, f"{cpu:.2f} s of CPU in 3 s while idle")
        self.assertLess(lines, 60, f"{lines} log lines in 3 s")

        # Every acknowledged invocation says what happened to it; nothing is Completed without
        # whole files.
        client = self.server.client()
        statuses, seen = {}, {}
        for arn in acknowledged:
            got = client.get_async_invoke(invocationArn=arn)
            seen[arn] = got["status"]
            statuses[got["status"]] = statuses.get(got["status"], 0) + 1
            folder = os.path.join(self.server.data_dir, "s3", "my-bucket", "videos", arn.rsplit("/", 1)[1])
            if got["status"] == "Completed":
                for file in ("manifest.json", "output.mp4"):
                    self.assertGreater(os.path.getsize(os.path.join(folder, file)), 0, arn)
            elif got["status"] == "Failed":
                self.assertTrue(got["failureMessage"].startswith(OUTPUT_NOT_WRITTEN), got["failureMessage"])
                self.assertFalse(os.path.exists(os.path.join(folder, "output.mp4")) and
                                 os.path.getsize(os.path.join(folder, "output.mp4")) == 0)
        print(f"\ndisk full: {len(acknowledged)} acknowledged, {len(refused)} refused, {statuses}, "
              f"idle CPU {cpu:.2f} s / 3 s, {lines} log lines / 3 s")
        # How many ended before the disk filled depends on timing; none is in a state of its own.
        self.assertLessEqual(set(statuses), {"Completed", "Failed", "InProgress"})
        # Listings say what Get says (nothing reads Completed before its end is stored).
        self.assertEqual({x["invocationArn"]: x["status"] for x in walk(client)}, seen)
        self.assertEqual(self.server.raw("GET", "/_emulator/health")[0], 200)

        # Space again (the tmpfs grown): what could not be recorded is settled by the next retry
        # (the backoff stops doubling at 5 s), without anyone asking.
        subprocess.run(["mount", "-o", "remount,size=16m", self.mount_point], check=True)
        time.sleep(5.5)
        folders = [os.path.join(self.server.data_dir, "s3", "my-bucket", "videos", arn.rsplit("/", 1)[1])
                   for arn in acknowledged if seen[arn] == "InProgress"]
        self.assertTrue(wait_until(lambda: all(os.path.exists(os.path.join(f, "manifest.json")) for f in folders),
                                   timeout=3))

        def all_ended():
            return all(client.get_async_invoke(invocationArn=arn)["status"] != "InProgress" for arn in acknowledged)

        self.assertTrue(wait_until(all_ended, timeout=3, interval=0.5))
        for arn in acknowledged:
            got = client.get_async_invoke(invocationArn=arn)
            if got["status"] == "Failed":
                self.assertTrue(got["failureMessage"].startswith(OUTPUT_NOT_WRITTEN), got["failureMessage"])
        client.close()


if __name__ == "__main__":
    unittest.main()
