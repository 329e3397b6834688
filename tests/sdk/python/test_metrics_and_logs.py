"""GET /_emulator/metrics (Prometheus text format) and --log-format json, after a scripted run of
boto3 calls: the counters a run must produce, the histogram's shape, the gauges, and one parsable
JSON line per request that names its request id."""
import json
import re
import unittest

import boto3
import botocore.exceptions
from botocore.config import Config

import harness
from harness import user

MODEL = "amazon.nova-micro-v1:0"
REEL = "amazon.nova-reel-v1:0"
SCENARIO = {
    "name": "metrics",
    "rules": [
        {"match": {"operation": "Converse", "text": "throttle me"},
         "error": {"type": "ThrottlingException", "message": "Too many requests, please wait before trying again."}},
        {"match": {"operation": "Converse", "text": "break me"}, "fault": "reset"},
    ],
}
SAMPLE = re.compile(r'^([a-z_]+)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-z_]+)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text):
    """{(name, frozenset(labels)): value}, and the TYPE of each family; every line must parse."""
    samples, types = {}, {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            types[name] = kind
            continue
        if line.startswith("# HELP ") or not line:
            continue
        match = SAMPLE.match(line)
        assert match, f"not a Prometheus sample: {line!r}"
        name, labels, value = match.groups()
        samples[(name, frozenset(LABEL.findall(labels or "")))] = float(value)
    return samples, types


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0.0)


class MetricsAndJsonLogs(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emulator = harness.Emulator(args=["--log-format", "json", "--log-level", "info"]).start()
        status, _, _ = cls.emulator.request("POST", "/_emulator/scenarios", SCENARIO)
        assert status == 200
        client = boto3.client("bedrock-runtime", region_name="us-east-1", endpoint_url=cls.emulator.endpoint,
                              config=Config(retries={"total_max_attempts": 1, "mode": "standard"}, read_timeout=10))
        cls.request_ids = []
        for _ in range(3):
            answer = client.converse(modelId=MODEL, messages=[user("hello")])
            cls.request_ids.append(answer["ResponseMetadata"]["RequestId"])
        streamed = client.converse_stream(modelId=MODEL, messages=[user("stream")])
        cls.request_ids.append(streamed["ResponseMetadata"]["RequestId"])
        cls.events = len(list(streamed["stream"]))
        with unittest.TestCase().assertRaises(botocore.exceptions.ClientError):
            client.converse(modelId=MODEL, messages=[user("throttle me")])
        with unittest.TestCase().assertRaises(Exception):
            client.converse(modelId=MODEL, messages=[user("break me")])
        client.start_async_invoke(
            modelId=REEL, modelInput={"taskType": "TEXT_VIDEO", "textToVideoParams": {"text": "a cat"}},
            outputDataConfig={"s3OutputDataConfig": {"s3Uri": "s3://bucket/out"}})
        cls.client = client
        status, headers, body = cls.emulator.request("GET", "/_emulator/metrics")
        cls.metrics_status, cls.metrics_type = status, headers.get("Content-Type")
        cls.samples, cls.types = parse_metrics(body.decode())

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        cls.emulator.stop()

    def test_metrics_are_prometheus_text(self):
        self.assertEqual(self.metrics_status, 200)
        self.assertEqual(self.metrics_type, "text/plain; version=0.0.4; charset=utf-8")
        self.assertEqual(self.types["bedrock_emulator_requests_total"], "counter")
        self.assertEqual(self.types["bedrock_emulator_request_duration_seconds"], "histogram")
        self.assertEqual(self.types["bedrock_emulator_open_connections"], "gauge")

    def test_requests_are_counted_by_operation_model_and_status(self):
        requests = "bedrock_emulator_requests_total"
        self.assertEqual(value(self.samples, requests, operation="Converse", model=MODEL, status="200"), 3)
        self.assertEqual(value(self.samples, requests, operation="Converse", model=MODEL, status="429"), 1)
        # The reset left no answer: status 0, as the journal shows it.
        self.assertEqual(value(self.samples, requests, operation="Converse", model=MODEL, status="0"), 1)
        self.assertEqual(value(self.samples, requests, operation="ConverseStream", model=MODEL, status="200"), 1)
        self.assertEqual(value(self.samples, requests, operation="StartAsyncInvoke", model=REEL, status="200"), 1)
        self.assertEqual(value(self.samples, "bedrock_emulator_faults_injected_total", fault="reset"), 1)

    def test_stream_events_and_the_duration_histogram(self):
        self.assertGreater(self.events, 3)
        self.assertEqual(value(self.samples, "bedrock_emulator_stream_events_sent_total"), self.events)
        buckets = sorted(((float(dict(labels)["le"]) if dict(labels)["le"] != "+Inf" else float("inf")), count)
                         for (name, labels), count in self.samples.items()
                         if name == "bedrock_emulator_request_duration_seconds_bucket"
                         and dict(labels)["operation"] == "Converse")
        counts = [count for _, count in buckets]
        self.assertEqual(counts, sorted(counts), "buckets are cumulative")
        self.assertEqual(buckets[-1], (float("inf"), 5))
        self.assertEqual(value(self.samples, "bedrock_emulator_request_duration_seconds_count", operation="Converse"), 5)

    def test_gauges(self):
        self.assertGreaterEqual(value(self.samples, "bedrock_emulator_open_connections", http_version="HTTP/1.1"), 1)
        self.assertEqual(value(self.samples, "bedrock_emulator_open_streams", http_version="HTTP/2"), 0)
        self.assertEqual(value(self.samples, "bedrock_emulator_async_invocations", status="InProgress")
                         + value(self.samples, "bedrock_emulator_async_invocations", status="Completed"), 1)

    def test_json_logs_have_one_line_per_request(self):
        lines = [json.loads(line) for line in self.emulator.stderr_text().splitlines() if line.strip()]
        requests = [line for line in lines if line.get("event") == "request"]
        self.assertEqual(len(requests), 7, requests)
        for line in lines:
            self.assertRegex(line["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
            self.assertIn(line["level"], ("info", "warn", "error", "debug"))
        by_id = {line["requestId"]: line for line in requests}
        for request_id in self.request_ids:
            self.assertIn(request_id, by_id)
            line = by_id[request_id]
            self.assertEqual(line["modelId"], MODEL)
            self.assertEqual(line["status"], 200)
            self.assertIsInstance(line["durationMs"], int)
        throttled = [line for line in requests if line["status"] == 429]
        self.assertEqual(len(throttled), 1)
        self.assertEqual(throttled[0]["exception"], "ThrottlingException")
        self.assertEqual(throttled[0]["scenario"], "metrics")
        self.assertEqual([line["fault"] for line in requests if "fault" in line], ["reset"])


if __name__ == "__main__":
    unittest.main()
