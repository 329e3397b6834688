"""Answer shapes as real Bedrock sends them, checked on the wire (raw HTTP: boto3 drops members
its model lacks, such as serverToolUsage and the legacy ...TokenCount duplicates) and through
boto3 where the SDK's reading matters: usage members per model, metrics, guardrail traces,
response headers, stream framing and padding, key order, error headers.

The facts come from recorded real exchanges (pydantic-ai and openinference cassettes, 2025-2026);
DEVIATIONS.md names them."""
import base64
import json
import struct
import unittest
import urllib.parse

import botocore.exceptions

import harness
from harness import user

NOVA = "amazon.nova-micro-v1:0"
NOVA_LITE = "amazon.nova-lite-v1:0"
HAIKU_3 = "anthropic.claude-3-haiku-20240307-v1:0"
SONNET_37 = "us.anthropic.claude-3-7-sonnet-20250219-v1:0"
SONNET_4 = "us.anthropic.claude-sonnet-4-20250514-v1:0"
SONNET_45 = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
HAIKU_45 = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
LLAMA = "meta.llama3-8b-instruct-v1:0"
PADDING_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
BEDROCK_ERROR_NAMESPACE = ":http://internal.amazon.com/coral/com.amazon.bedrock/"
CACHE_FIELDS = ("cacheReadInputTokenCount", "cacheReadInputTokens",
                "cacheWriteInputTokenCount", "cacheWriteInputTokens")

GUARDRAIL_ID = "grshape001"
GUARDRAIL = {
    "guardrailIdentifier": GUARDRAIL_ID, "version": "DRAFT", "name": "shapes",
    "blockedInputMessaging": "Blocked input.", "blockedOutputsMessaging": "Blocked output.",
    "wordPolicyConfig": {"wordsConfig": [{"text": "pineapple"}]},
}
SCENARIO = {"name": "answer-shapes", "rules": [
    {"name": "throttle one call", "match": {"text": "please throttle me"},
     "error": {"type": "ThrottlingException", "message": "Too many requests, please wait before trying again."}},
], "guardrails": [GUARDRAIL]}


def model_path(model_id, operation):
    return f"/model/{urllib.parse.quote(model_id, safe='')}/{operation}"


def decode_event_stream(data):
    """The messages of an application/vnd.amazon.eventstream body: [(headers, payload bytes)]."""
    messages, pos = [], 0
    while pos < len(data):
        total, headers_length = struct.unpack(">II", data[pos:pos + 8])
        headers, at, end = {}, pos + 12, pos + 12 + headers_length
        while at < end:
            name_length = data[at]
            name = data[at + 1:at + 1 + name_length].decode()
            at += 1 + name_length
            kind = data[at]
            at += 1
            if kind != 7:
                raise AssertionError(f"header type {kind} in a Bedrock event")
            (value_length,) = struct.unpack(">H", data[at:at + 2])
            headers[name] = data[at + 2:at + 2 + value_length].decode()
            at += 2 + value_length
        messages.append((headers, data[end:pos + total - 4]))
        pos += total
    return messages


def keys_sorted_everywhere(value, path="$"):
    """The paths of the objects whose keys are not in alphabetical order."""
    wrong = []
    if isinstance(value, dict):
        if list(value) != sorted(value):
            wrong.append(f"{path}: {list(value)}")
        for key, item in value.items():
            wrong += keys_sorted_everywhere(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            wrong += keys_sorted_everywhere(item, f"{path}[{i}]")
    return wrong


def long_document(tag):
    return " ".join(f"Clause {i} of the {tag} shape contract keeps prefixes for later." for i in range(150))


class AnswerShapesTest(harness.EmulatorTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        status, _, raw = cls.emulator.request("POST", "/_emulator/scenarios", SCENARIO)
        if status != 200:
            raise AssertionError(f"loading the scenario failed: {status} {raw!r}")

    # -- helpers ---------------------------------------------------------------------------
    def raw(self, model_id, operation, body):
        status, headers, data = self.emulator.request("POST", model_path(model_id, operation), body)
        return status, headers, data

    def raw_converse(self, model_id, body):
        status, headers, data = self.raw(model_id, "converse", body)
        self.assertEqual(status, 200, data)
        return headers, data, json.loads(data)

    def raw_stream(self, model_id, operation, body):
        status, headers, data = self.raw(model_id, operation, body)
        self.assertEqual(status, 200, data)
        events = decode_event_stream(data)
        return headers, [(h[":event-type"], payload, json.loads(payload)) for h, payload in events]

    def cached_request(self, tag, ttl=None):
        point = {"type": "default", **({"ttl": ttl} if ttl else {})}
        return {"messages": [{"role": "user", "content": [
            {"text": long_document(tag)}, {"cachePoint": point}, {"text": "Summarise the contract."}]}]}

    # -- usage and metrics -----------------------------------------------------------------
    def test_every_converse_model_reports_server_tool_usage_and_positive_latency(self):
        models = [m for m in harness.load_catalog() if "converse" in m["features"]]
        self.assertGreater(len(models), 10)
        for model in models:
            model_id = harness.invocable_id(model)
            with self.subTest(model=model_id):
                _, _, body = self.raw_converse(model_id, {"messages": [user("Hello there")]})
                self.assertEqual(body["usage"]["serverToolUsage"], {})
                self.assertGreaterEqual(body["metrics"]["latencyMs"], 1)
                if "streaming" in model["features"]:
                    _, events = self.raw_stream(model_id, "converse-stream", {"messages": [user("Hello there")]})
                    name, _, metadata = events[-1]
                    self.assertEqual(name, "metadata")
                    self.assertEqual(metadata["usage"]["serverToolUsage"], {})
                    self.assertGreaterEqual(metadata["metrics"]["latencyMs"], 1)
                    self.assertEqual({k: v for k, v in metadata["usage"].items()}, body["usage"])

    def test_claude_37_and_4x_always_send_the_cache_members(self):
        for model_id in (SONNET_37, SONNET_4, SONNET_45, HAIKU_45):
            with self.subTest(model=model_id):
                _, _, body = self.raw_converse(model_id, {"messages": [user("Hello there")]})
                usage = body["usage"]
                for field in CACHE_FIELDS:
                    self.assertEqual(usage[field], 0, field)
                self.assertNotIn("cacheDetails", usage)
                self.assertEqual(usage["totalTokens"], usage["inputTokens"] + usage["outputTokens"])
                # boto3 reads the modelled two.
                parsed = self.client.converse(modelId=model_id, messages=[user("Hello there")])["usage"]
                self.assertEqual((parsed["cacheReadInputTokens"], parsed["cacheWriteInputTokens"]), (0, 0))

    def test_older_claude_and_nova_send_cache_members_only_when_caching(self):
        for model_id in (HAIKU_3, NOVA, LLAMA):
            with self.subTest(model=model_id):
                _, _, body = self.raw_converse(model_id, {"messages": [user("Hello there")]})
                self.assertEqual(sorted(body["usage"]),
                                 ["inputTokens", "outputTokens", "serverToolUsage", "totalTokens"])

    def test_nova_cache_write_and_read_carry_the_legacy_duplicates(self):
        request = self.cached_request("nova")
        first = self.raw_converse(NOVA_LITE, request)[2]["usage"]
        second = self.raw_converse(NOVA_LITE, request)[2]["usage"]
        self.assertGreaterEqual(first["cacheWriteInputTokens"], 1024)
        self.assertEqual(first["cacheWriteInputTokenCount"], first["cacheWriteInputTokens"])
        self.assertEqual((first["cacheReadInputTokens"], first["cacheReadInputTokenCount"]), (0, 0))
        self.assertEqual(second["cacheReadInputTokenCount"], first["cacheWriteInputTokens"])
        self.assertEqual(second["cacheReadInputTokens"], first["cacheWriteInputTokens"])
        self.assertNotIn("cacheDetails", first)
        for usage in (first, second):
            self.assertEqual(usage["totalTokens"], usage["inputTokens"] + usage["outputTokens"] +
                             usage["cacheReadInputTokens"] + usage["cacheWriteInputTokens"])

    def test_sonnet_45_cache_write_adds_cache_details_with_the_ttl(self):
        for ttl, expected in ((None, "5m"), ("1h", "1h")):
            with self.subTest(ttl=ttl):
                request = self.cached_request(f"sonnet-{expected}", ttl)
                write = self.raw_converse(SONNET_45, request)[2]["usage"]
                self.assertEqual(write["cacheDetails"], [{"inputTokens": write["cacheWriteInputTokens"], "ttl": expected}])
                read = self.raw_converse(SONNET_45, request)[2]["usage"]
                self.assertNotIn("cacheDetails", read)
                self.assertEqual(read["cacheReadInputTokens"], write["cacheWriteInputTokens"])
                # boto3 models cacheDetails.
                again = self.client.converse(modelId=SONNET_45, **self.cached_request(f"boto-{expected}", ttl))["usage"]
                self.assertEqual(again["cacheDetails"], [{"inputTokens": again["cacheWriteInputTokens"], "ttl": expected}])
                # The stream's metadata event carries the same usage.
                streamed = self.raw_stream(SONNET_45, "converse-stream", self.cached_request(f"stream-{expected}", ttl))[1]
                self.assertEqual(streamed[-1][2]["usage"]["cacheDetails"][0]["ttl"], expected)
        # Before the 4.5 generation a write has no cacheDetails.
        write = self.raw_converse(SONNET_37, self.cached_request("sonnet-37"))[2]["usage"]
        self.assertGreaterEqual(write["cacheWriteInputTokens"], 1024)
        self.assertNotIn("cacheDetails", write)

    # -- key order -------------------------------------------------------------------------
    def test_converse_and_stream_payloads_have_sorted_keys(self):
        tools = {"tools": [{"toolSpec": {"name": "get_weather", "description": "Weather for a city",
                                         "inputSchema": {"json": {"type": "object", "properties": {
                                             "city": {"type": "string"}}, "required": ["city"]}}}}]}
        bodies = [
            {"messages": [user("Hello there")], "performanceConfig": {"latency": "standard"}},
            {"messages": [user("What is the weather in Paris?")], "toolConfig": tools},
        ]
        for model_id in (SONNET_45, NOVA):
            for body in bodies:
                with self.subTest(model=model_id, body=list(body)):
                    _, _, answer = self.raw_converse(model_id, body)
                    self.assertEqual(keys_sorted_everywhere(answer), [])
                    _, events = self.raw_stream(model_id, "converse-stream", body)
                    for name, _, payload in events:
                        self.assertEqual(keys_sorted_everywhere(payload), [], name)

    # -- headers and framing ---------------------------------------------------------------
    def test_converse_has_no_bedrock_headers_and_streams_are_chunked(self):
        headers, _, _ = self.raw_converse(NOVA, {"messages": [user("Hello there")]})
        self.assertEqual([h for h in headers if h.lower().startswith("x-amzn-bedrock")], [])
        self.assertIsNotNone(headers.get("Content-Length"))
        headers, _ = self.raw_stream(NOVA, "converse-stream", {"messages": [user("Hello there")]})
        self.assertEqual([h for h in headers if h.lower().startswith("x-amzn-bedrock")], [])
        self.assertEqual(headers.get("Transfer-Encoding"), "chunked")
        self.assertIsNone(headers.get("Content-Length"))

    def test_invoke_model_cache_headers_on_models_that_cache(self):
        nova_body = {"messages": [user("What is 2+2?")], "inferenceConfig": {"maxTokens": 64}}
        claude_body = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 64,
                       "messages": [{"role": "user", "content": "What is 2+2?"}]}
        for model_id, body, caches in ((NOVA, nova_body, True), (SONNET_45, claude_body, True),
                                       (HAIKU_3, claude_body, False)):
            with self.subTest(model=model_id):
                status, headers, data = self.raw(model_id, "invoke", body)
                self.assertEqual(status, 200, data)
                for name in ("X-Amzn-Bedrock-Input-Token-Count", "X-Amzn-Bedrock-Output-Token-Count",
                             "X-Amzn-Bedrock-Invocation-Latency"):
                    self.assertIsNotNone(headers.get(name), name)
                for name in ("X-Amzn-Bedrock-Cache-Read-Input-Token-Count",
                             "X-Amzn-Bedrock-Cache-Write-Input-Token-Count"):
                    self.assertEqual(headers.get(name), "0" if caches else None, name)

    def test_invoke_stream_headers_padding_and_final_metrics(self):
        body = {"messages": [user("What are the three primary colors?")], "inferenceConfig": {"maxTokens": 64}}
        headers, events = self.raw_stream(NOVA, "invoke-with-response-stream", body)
        self.assertEqual(headers.get("X-Amzn-Bedrock-Content-Type"), "application/json")
        self.assertEqual(headers.get("Transfer-Encoding"), "chunked")
        self.assertEqual([h for h in headers if h.lower().endswith("token-count")], [])
        self.assertGreater(len(events), 2)
        for name, raw_payload, payload in events:
            self.assertEqual(name, "chunk")
            self.assertEqual(list(payload), ["bytes", "p"])
            self.assertTrue(raw_payload.startswith(b'{"bytes":"'), raw_payload[:20])
            self.assertTrue(payload["p"] and PADDING_ALPHABET.startswith(payload["p"]), payload["p"])
        final = json.loads(base64.b64decode(events[-1][2]["bytes"]))
        metrics = final["amazon-bedrock-invocationMetrics"]
        self.assertEqual((metrics["cacheReadInputTokenCount"], metrics["cacheWriteInputTokenCount"]), (0, 0))
        # A model without prompt caching has no cache counts there.
        claude_body = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 64,
                       "messages": [{"role": "user", "content": "Hi"}]}
        _, events = self.raw_stream(HAIKU_3, "invoke-with-response-stream", claude_body)
        final = json.loads(base64.b64decode(events[-1][2]["bytes"]))
        self.assertNotIn("cacheReadInputTokenCount", final["amazon-bedrock-invocationMetrics"])

    # -- errors ----------------------------------------------------------------------------
    def test_error_type_header_carries_the_bedrock_namespace(self):
        status, headers, data = self.raw("sonnet", "converse", {"messages": [user("Hi")]})
        self.assertEqual(status, 400)
        self.assertEqual(headers["x-amzn-ErrorType"], "ValidationException" + BEDROCK_ERROR_NAMESPACE)
        self.assertEqual(json.loads(data), {"message": "The provided model identifier is invalid."})
        status, headers, _ = self.raw(NOVA, "converse", {"messages": [user("please throttle me")]})
        self.assertEqual(status, 429)
        self.assertEqual(headers["x-amzn-ErrorType"], "ThrottlingException" + BEDROCK_ERROR_NAMESPACE)
        # boto3 reads the code before the ':'.
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            self.client.converse(modelId="sonnet", messages=[user("Hi")])
        self.assertEqual(caught.exception.response["Error"]["Code"], "ValidationException")
        with self.assertRaises(self.client.exceptions.ThrottlingException):
            self.client.converse(modelId=NOVA, messages=[user("please throttle me")])

    # -- guardrail traces ------------------------------------------------------------------
    def guarded(self, text, model_id=NOVA, **extra):
        return self.raw_converse(model_id, {
            "messages": [user(text)], **extra,
            "guardrailConfig": {"guardrailIdentifier": GUARDRAIL_ID, "guardrailVersion": "DRAFT", "trace": "enabled"}})[2]

    def test_guardrail_trace_shape(self):
        passed = self.guarded("Tell me about lighthouses", performanceConfig={"latency": "standard"})
        self.assertEqual(passed["performanceConfig"], {"latency": "standard"})
        guardrail = passed["trace"]["guardrail"]
        assessments = [guardrail["inputAssessment"][GUARDRAIL_ID], *guardrail["outputAssessments"][GUARDRAIL_ID]]
        for assessment in assessments:
            details = assessment["appliedGuardrailDetails"]
            self.assertEqual(details["guardrailOrigin"], ["REQUEST"])
            self.assertEqual(details["guardrailOwnership"], "SELF")
            usage = assessment["invocationMetrics"]["usage"]
            self.assertEqual((usage["automatedReasoningPolicies"], usage["automatedReasoningPolicyUnits"]), (0, 0))
        self.assertNotIn("modelOutput", guardrail)

        for model_id in (NOVA, SONNET_45):
            with self.subTest(model=model_id):
                blocked = self.guarded("I love pineapple pizza", model_id, performanceConfig={"latency": "standard"})
                self.assertEqual(blocked["stopReason"], "guardrail_intervened")
                self.assertEqual(blocked["trace"]["guardrail"]["modelOutput"], [])
                self.assertEqual(blocked["performanceConfig"], {"latency": "standard"})
                usage = blocked["usage"]
                self.assertEqual(usage.pop("serverToolUsage"), {})
                self.assertEqual(set(usage.values()), {0})
                self.assertEqual(CACHE_FIELDS[0] in usage, model_id == SONNET_45)


if __name__ == "__main__":
    unittest.main()
