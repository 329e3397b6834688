"""boto3 end-to-end tests of scenarios and fault injection: each test resets the emulator, loads a
scenario through the admin API, drives the real SDK and checks both what the client saw and what
the request journal (GET /_emulator/requests) recorded.

boto3 speaks HTTP/1.1 only; the HTTP/2 side of every fault is covered by
tests/js/sdk/scenarios.test.mjs.
"""
import contextlib
import http.client
import json
import re
import time
import types
import unittest
import urllib.parse
from unittest import mock

import boto3
import botocore.endpoint
import botocore.eventstream
import botocore.exceptions
import urllib3.exceptions
from botocore.config import Config

import harness
from harness import assistant, user

NOVA = "amazon.nova-micro-v1:0"
HAIKU35 = "anthropic.claude-3-5-haiku-20241022-v1:0"
HAIKU3 = "anthropic.claude-3-haiku-20240307-v1:0"
HANG_MESSAGE = "Model has timed out in processing the request. Try your request again."
QUOTA_MESSAGE = "Too many requests, please wait before trying again."
NATIVE_NOVA = {"messages": [{"role": "user", "content": [{"text": "Tell me about streams"}]}],
               "inferenceConfig": {"maxTokens": 60}}

# What a broken connection looks like to boto3: an HTTP-level error, never a service error.
TRANSPORT_ERRORS = (urllib3.exceptions.HTTPError, botocore.exceptions.HTTPClientError,
                    http.client.HTTPException, ConnectionError)


@contextlib.contextmanager
def instant_retries():
    """Records the back-off delays botocore asks for instead of sleeping them."""
    delays = []
    with mock.patch.object(botocore.endpoint, "time", types.SimpleNamespace(sleep=delays.append)):
        yield delays


def drain(stream):
    """Every event an SDK event stream yields, and the exception that ended it (or None)."""
    events = []
    try:
        for event in stream:
            events.append(event)
    except Exception as error:  # noqa: BLE001 - the test inspects it
        return events, error
    finally:
        stream.close()
    return events, None


def names(events):
    return [next(iter(event)) for event in events]


def chunk_json(event):
    return json.loads(event["chunk"]["bytes"])


def without_metrics(chunk):
    chunk = dict(chunk)
    metrics = chunk.pop("amazon-bedrock-invocationMetrics", None)
    if metrics is not None:  # token counts are stable, latencies are not
        chunk["tokens"] = (metrics["inputTokenCount"], metrics["outputTokenCount"])
    return chunk


def comparable_converse_events(events):
    out = []
    for event in events:
        event = json.loads(json.dumps(event))
        if "metadata" in event:
            event["metadata"].pop("metrics", None)
        out.append(event)
    return out


class ScenarioTest(harness.EmulatorTest):
    @classmethod
    def make_test_client(cls):
        return cls.make_client(attempts=1)

    def setUp(self):
        status, body = self.admin("POST", "/_emulator/reset")
        self.assertEqual(status, 200, body)
        self.assertEqual(self.journal(), [])

    # -- helpers ---------------------------------------------------------------------------
    @classmethod
    def make_client(cls, mode="standard", attempts=None, read_timeout=5):
        """A client with the given retry mode; attempts=None keeps the mode's default count.
        mode=None builds the SDK default (legacy) configuration."""
        retries = None
        if mode is not None:
            retries = {"mode": mode}
            if attempts is not None:
                retries["total_max_attempts"] = attempts
        config = Config(connect_timeout=2, read_timeout=read_timeout,
                        **({"retries": retries} if retries else {}))
        return boto3.client("bedrock-runtime", region_name="us-east-1",
                            endpoint_url=cls.emulator.endpoint, config=config)

    def fresh_client(self, **kwargs):
        client = self.make_client(**kwargs)
        self.addCleanup(client.close)
        return client

    def admin(self, method, path, body=None):
        status, _, raw = self.emulator.request(method, path, body)
        return status, (json.loads(raw) if raw else None)

    def load(self, scenario):
        status, body = self.admin("POST", "/_emulator/scenarios", scenario)
        self.assertEqual(status, 200, body)
        self.assertEqual(body, {"name": scenario["name"], "loaded": True})

    def load_rules(self, *rules, seed=None):
        scenario = {"name": "test", "rules": list(rules)}
        if seed is not None:
            scenario["seed"] = seed
        self.load(scenario)

    def journal(self, **filters):
        query = urllib.parse.urlencode(filters)
        status, body = self.admin("GET", "/_emulator/requests" + (f"?{query}" if query else ""))
        self.assertEqual(status, 200, body)
        return body["requests"]

    def settled_journal(self, count, **filters):
        """The journal once it holds `count` entries and every stream in it has finished."""
        deadline = time.monotonic() + 3
        while True:
            entries = self.journal(**filters)
            done = len(entries) >= count and all(e.get("streamComplete", True) for e in entries)
            if done or time.monotonic() > deadline:
                self.assertEqual(len(entries), count, entries)
                return entries
            time.sleep(0.02)

    def scenario_status(self, name="test"):
        status, body = self.admin("GET", "/_emulator/scenarios")
        self.assertEqual(status, 200)
        return next(s for s in body["scenarios"] if s["name"] == name)

    def converse(self, text="Hello", model=NOVA, client=None, **extra):
        return (client or self.client).converse(modelId=model, messages=[user(text)], **extra)

    def converse_stream(self, text="Hello there, stream please", model=NOVA, client=None, **extra):
        response = (client or self.client).converse_stream(modelId=model, messages=[user(text)], **extra)
        self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], 200)
        return response["stream"]

    def invoke(self, body=None, model=NOVA, client=None):
        return (client or self.client).invoke_model(modelId=model, body=json.dumps(body or NATIVE_NOVA))

    def invoke_stream(self, body=None, model=NOVA, client=None):
        response = (client or self.client).invoke_model_with_response_stream(
            modelId=model, body=json.dumps(body or NATIVE_NOVA))
        self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], 200)
        return response["body"]

    def assert_one_invocation(self, entries, attempts):
        """Every journal entry comes from one SDK call, attempts numbered 1..N in order."""
        self.assertEqual(len(entries), attempts, entries)
        self.assertEqual(len({e["invocationId"] for e in entries}), 1, entries)
        self.assertTrue(entries[0]["invocationId"])
        numbers = [int(re.match(r"attempt=(\d+)", e["attempt"]).group(1)) for e in entries]
        self.assertEqual(numbers, list(range(1, attempts + 1)))

    # -- error rules -----------------------------------------------------------------------
    ERRORS = [  # type, HTTP status, standard-mode attempts, legacy-mode attempts
        ("ThrottlingException", 429, 3, 5),
        ("ValidationException", 400, 1, 1),
        ("AccessDeniedException", 403, 1, 1),
        ("ResourceNotFoundException", 404, 1, 1),
        ("ModelTimeoutException", 408, 1, 1),
        ("ModelErrorException", 424, 1, 1),
        ("ServiceQuotaExceededException", 400, 1, 1),
        ("ModelNotReadyException", 429, 3, 5),  # modelled as retryable
        ("InternalServerException", 500, 3, 5),
        ("ServiceUnavailableException", 503, 3, 5),
    ]

    def test_error_rules_raise_the_modelled_exception(self):
        for error_type, status, _, _ in self.ERRORS:
            with self.subTest(error_type):
                self.setUp()
                message = f"scripted {error_type}"
                self.load_rules({"name": "boom", "match": {"operation": ["Converse", "ConverseStream"]},
                                 "error": {"type": error_type, "message": message}})
                for call in (self.converse, self.converse_stream):
                    with self.assertRaises(getattr(self.client.exceptions, error_type)) as caught:
                        call()
                    error = caught.exception.response
                    self.assertEqual(error["Error"]["Code"], error_type)
                    self.assertEqual(error["Error"]["Message"], message)
                    self.assertEqual(error["ResponseMetadata"]["HTTPStatusCode"], status)
                entries = self.journal()
                self.assertEqual([e["operation"] for e in entries], ["Converse", "ConverseStream"])
                for entry in entries:
                    self.assertEqual(entry["status"], status)
                    self.assertEqual(entry["exception"], error_type)
                    self.assertEqual((entry["scenario"], entry["rule"], entry["ruleName"]), ("test", 0, "boom"))
                    self.assertEqual(entry["httpVersion"], "HTTP/1.1")
                    self.assertEqual(entry["modelId"], NOVA)
                    self.assertIsNone(entry["fault"])
                # InvokeModel is not matched by the rule: the default answer.
                self.assertEqual(self.invoke()["ResponseMetadata"]["HTTPStatusCode"], 200)
                self.assertIsNone(self.journal(operation="InvokeModel")[0]["rule"])

    def test_model_error_carries_its_modelled_members(self):
        self.load_rules({"error": {"type": "ModelErrorException", "message": "The model failed.",
                                   "originalStatusCode": 502, "resourceName": "my-model-resource"}})
        with self.assertRaises(self.client.exceptions.ModelErrorException) as caught:
            self.invoke()
        response = caught.exception.response
        self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], 424)
        self.assertEqual(response["Error"]["Message"], "The model failed.")
        self.assertEqual(response["originalStatusCode"], 502)
        self.assertEqual(response["resourceName"], "my-model-resource")
        [entry] = self.journal()
        self.assertEqual((entry["operation"], entry["exception"], entry["status"]),
                         ("InvokeModel", "ModelErrorException", 424))

    def _attempts_for(self, client, error_type):
        self.setUp()
        self.load_rules({"error": {"type": error_type, "message": "again"}})
        with instant_retries() as delays:
            with self.assertRaises(getattr(client.exceptions, error_type)):
                self.converse(client=client)
        entries = self.journal()
        self.assertEqual(len(delays), len(entries) - 1, "one back-off between attempts")
        self.assertTrue(all(e["exception"] == error_type for e in entries))
        return entries

    def test_standard_mode_retries_counted_in_the_journal(self):
        client = self.fresh_client(mode="standard")
        for error_type, status, attempts, _ in self.ERRORS:
            with self.subTest(error_type):
                entries = self._attempts_for(client, error_type)
                self.assert_one_invocation(entries, attempts)
                if attempts > 1:
                    self.assertEqual(entries[-1]["attempt"], f"attempt={attempts}; max=3")

    def test_legacy_default_mode_retries_counted_in_the_journal(self):
        client = self.fresh_client(mode=None)  # the SDK default configuration
        self.assertEqual(client.meta.config.retries["mode"], "legacy")
        for error_type, status, _, attempts in self.ERRORS:
            with self.subTest(error_type):
                entries = self._attempts_for(client, error_type)
                self.assert_one_invocation(entries, attempts)
                if attempts > 1:
                    self.assertEqual(entries[-1]["attempt"], f"attempt={attempts}; max=5")

    def test_throttled_twice_then_success(self):
        for mode in ("standard", None):
            with self.subTest(mode or "legacy"):
                self.setUp()
                self.load_rules({"name": "throttle-twice", "times": 2,
                                 "error": {"type": "ThrottlingException", "message": "Slow down."}})
                client = self.fresh_client(mode=mode)
                with instant_retries() as delays:
                    response = self.converse("Will this work?", client=client)
                self.assertEqual(response["ResponseMetadata"]["RetryAttempts"], 2)
                self.assertEqual(len(delays), 2)
                self.assertEqual(response["stopReason"], "end_turn")
                entries = self.journal()
                self.assert_one_invocation(entries, 3)
                self.assertEqual([e["status"] for e in entries], [429, 429, 200])
                self.assertEqual([e["exception"] for e in entries], ["ThrottlingException", "ThrottlingException", None])
                self.assertEqual([e["rule"] for e in entries], [0, 0, None])
                self.assertEqual(self.scenario_status()["rulesApplied"], [2])

    # -- stream errors ---------------------------------------------------------------------
    def test_converse_stream_error_after_n_events(self):
        baseline = len(list(self.converse_stream()))
        for after in (0, 1, 3):
            with self.subTest(afterEvents=after):
                self.setUp()
                self.load_rules({"streamError": {"afterEvents": after, "type": "modelStreamErrorException",
                                                 "message": "The model stream failed.",
                                                 "originalStatusCode": 500, "originalMessage": "upstream"}})
                events, error = drain(self.converse_stream())
                self.assertEqual(len(events), after)
                self.assertLess(len(events), baseline)
                self.assertIsInstance(error, botocore.exceptions.EventStreamError)
                self.assertEqual(error.response["Error"]["Code"], "modelStreamErrorException")
                self.assertEqual(error.response["Error"]["Message"], "The model stream failed.")
                [entry] = self.settled_journal(1)
                self.assertEqual(entry["status"], 200)
                self.assertEqual(entry["eventsSent"], after)
                self.assertTrue(entry["streamComplete"])
                self.assertEqual(entry["streamEndedWith"], "modelStreamErrorException")

    def test_invoke_stream_error_after_n_events(self):
        self.load_rules({"match": {"operation": "InvokeModelWithResponseStream"},
                         "streamError": {"afterEvents": 2, "type": "throttlingException", "message": "Too fast."}})
        events, error = drain(self.invoke_stream())
        self.assertEqual(names(events), ["chunk", "chunk"])
        self.assertIsInstance(error, botocore.exceptions.EventStreamError)
        self.assertEqual(error.response["Error"]["Code"], "throttlingException")
        self.assertEqual(error.response["Error"]["Message"], "Too fast.")
        [entry] = self.settled_journal(1)
        self.assertEqual((entry["eventsSent"], entry["streamEndedWith"]), (2, "throttlingException"))

    def test_unmodelled_error_frame(self):
        self.load_rules({"streamError": {"afterEvents": 2, "type": "error", "errorCode": "InternalFailure",
                                         "message": "Something broke inside."}})
        for stream in (self.converse_stream, self.invoke_stream):
            events, error = drain(stream())
            self.assertEqual(len(events), 2)
            self.assertIsInstance(error, botocore.exceptions.EventStreamError)
            self.assertEqual(error.response["Error"], {"Code": "InternalFailure", "Message": "Something broke inside."})
        entries = self.settled_journal(2)
        self.assertEqual([e["streamEndedWith"] for e in entries], ["InternalFailure", "InternalFailure"])
        self.assertEqual([e["eventsSent"] for e in entries], [2, 2])

    def test_stream_error_after_the_last_event_still_arrives(self):
        full = names(self.converse_stream())
        self.load_rules({"streamError": {"afterEvents": 1000, "type": "serviceUnavailableException",
                                         "message": "Gone at the end."}})
        events, error = drain(self.converse_stream())
        self.assertEqual(names(events), full)
        self.assertIsInstance(error, botocore.exceptions.EventStreamError)
        self.assertEqual(error.response["Error"]["Code"], "serviceUnavailableException")

    # -- faults ----------------------------------------------------------------------------
    def test_connection_faults_on_unary_calls(self):
        for fault in ("reset", "empty", "garbage"):
            with self.subTest(fault):
                self.setUp()
                self.load_rules({"fault": fault})
                for call in (self.converse, self.invoke):
                    with self.assertRaises(TRANSPORT_ERRORS):
                        response = call()
                        response.get("body") and response["body"].read()
                entries = self.journal()
                self.assertEqual([e["operation"] for e in entries], ["Converse", "InvokeModel"])
                for entry in entries:
                    self.assertEqual(entry["fault"], fault)
                    self.assertIsNone(entry["status"])
                    self.assertIsNone(entry["exception"])
                # The server survives and answers the next (unmatched) request normally.
                self.admin("DELETE", "/_emulator/scenarios")
                self.assertEqual(self.converse()["stopReason"], "end_turn")

    def test_connection_fault_is_retried_by_standard_mode(self):
        self.load_rules({"fault": "reset", "match": {"operation": "Converse"}})
        client = self.fresh_client(mode="standard")
        with instant_retries():
            with self.assertRaises(botocore.exceptions.ConnectionClosedError):
                self.converse(client=client)
        entries = self.journal()
        self.assert_one_invocation(entries, 3)
        self.assertEqual([(e["fault"], e["status"]) for e in entries], [("reset", None)] * 3)

    def test_connection_faults_mid_stream(self):
        for fault in ("reset", "empty", "garbage"):
            for stream in (self.converse_stream, self.invoke_stream):
                with self.subTest(fault=fault, operation=stream.__name__):
                    self.setUp()
                    self.load_rules({"fault": fault, "afterEvents": 2})
                    events, error = drain(stream())
                    self.assertEqual(len(events), 2)
                    self.assertIsInstance(error, TRANSPORT_ERRORS)
                    [entry] = self.settled_journal(1)
                    self.assertEqual(entry["status"], 200)  # the head went out before the fault
                    self.assertEqual(entry["fault"], fault)
                    self.assertEqual(entry["eventsSent"], 2)
                    self.assertEqual(entry["streamEndedWith"], fault)

    def test_truncate_ends_streams_without_their_closing_events(self):
        full = names(self.converse_stream())
        full_chunks = [chunk_json(e) for e in self.invoke_stream()]
        self.assertEqual(full[-2:], ["messageStop", "metadata"])
        self.assertIn("amazon-bedrock-invocationMetrics", full_chunks[-1])
        self.setUp()
        self.load_rules({"fault": "truncate"})

        events, error = drain(self.converse_stream())
        self.assertIsNone(error)
        self.assertEqual(names(events), full[:-2])
        self.assertEqual(names(events)[-1], "contentBlockStop")
        chunks, error = drain(self.invoke_stream())
        self.assertIsNone(error)
        self.assertEqual(len(chunks), len(full_chunks) - 1)
        self.assertEqual([chunk_json(c) for c in chunks], full_chunks[:-1])
        self.assertFalse(any("amazon-bedrock-invocationMetrics" in chunk_json(c) for c in chunks))

        entries = self.settled_journal(2)
        self.assertEqual([e["eventsSent"] for e in entries], [len(events), len(chunks)])
        self.assertEqual([e["streamEndedWith"] for e in entries], ["truncate", "truncate"])
        self.assertEqual([e["fault"] for e in entries], ["truncate", "truncate"])

    def test_truncate_cuts_unary_bodies(self):
        self.load_rules({"fault": "truncate"})
        with self.assertRaises(TRANSPORT_ERRORS):
            self.converse()
        response = self.invoke()  # the head arrives; the body is cut half-way
        with self.assertRaises(TRANSPORT_ERRORS):
            response["body"].read()
        response["body"].close()
        entries = self.journal()
        self.assertEqual([(e["operation"], e["status"], e["fault"]) for e in entries],
                         [("Converse", 200, "truncate"), ("InvokeModel", 200, "truncate")])

    def test_corrupt_crc_faults(self):
        for fault in ("corruptPreludeCrc", "corruptMessageCrc"):
            for after in (0, 2):
                for stream in (self.converse_stream, self.invoke_stream):
                    with self.subTest(fault=fault, afterEvents=after, operation=stream.__name__):
                        self.setUp()
                        self.load_rules({"fault": fault, "afterEvents": after})
                        events, error = drain(stream())
                        self.assertEqual(len(events), after)
                        self.assertIsInstance(error, botocore.eventstream.ChecksumMismatch)
                        [entry] = self.settled_journal(1)
                        self.assertEqual(entry["fault"], fault)
                        self.assertEqual(entry["eventsSent"], after + 1)  # the corrupt frame went out
                        self.assertEqual(entry["streamEndedWith"], fault)

    def test_split_frames_deliver_every_event(self):
        reference = list(self.converse_stream())
        reference_chunks = [without_metrics(chunk_json(e)) for e in self.invoke_stream()]
        self.setUp()
        self.load_rules({"fault": "splitFrames"})
        events, error = drain(self.converse_stream())
        self.assertIsNone(error)
        self.assertEqual(comparable_converse_events(events), comparable_converse_events(reference))
        chunks, error = drain(self.invoke_stream())
        self.assertIsNone(error)
        self.assertEqual([without_metrics(chunk_json(c)) for c in chunks], reference_chunks)
        entries = self.settled_journal(2)
        self.assertEqual([e["eventsSent"] for e in entries], [len(reference), len(reference_chunks)])
        self.assertEqual([e["fault"] for e in entries], ["splitFrames"] * 2)
        self.assertTrue(all("streamEndedWith" not in e for e in entries))

    def test_hang_then_model_timeout(self):
        self.load_rules({"fault": "hang", "timeoutMs": 300})
        for call in (self.converse, self.converse_stream):
            started = time.monotonic()
            with self.assertRaises(self.client.exceptions.ModelTimeoutException) as caught:
                call()
            self.assertGreaterEqual(time.monotonic() - started, 0.3)
            self.assertEqual(caught.exception.response["Error"]["Message"], HANG_MESSAGE)
            self.assertEqual(caught.exception.response["ResponseMetadata"]["HTTPStatusCode"], 408)
        for entry in self.journal():
            self.assertEqual((entry["status"], entry["exception"], entry["fault"]),
                             (408, "ModelTimeoutException", "hang"))
            self.assertGreaterEqual(entry["durationMs"], 300)

    # -- prompts from Prompt management ---------------------------------------------------
    def test_prompt_arn_runs_the_prompt_with_its_variables(self):
        prompt_arn = "arn:aws:bedrock:us-east-1:123456789012:prompt/SUPPORT001"
        self.load({"name": "prompts", "prompts": [
            {"promptIdentifier": "SUPPORT001", "version": "DRAFT", "variants": [{
                "name": "v", "modelId": "amazon.nova-micro-v1:0", "templateType": "TEXT",
                "templateConfiguration": {"text": {"text": "Tell me about {{topic}} in {{city}}."}},
                "inferenceConfiguration": {"text": {"maxTokens": 5}}}]},
            {"promptIdentifier": prompt_arn, "version": 2, "variants": [{
                "name": "chat", "modelId": "anthropic.claude-3-5-haiku-20241022-v1:0", "templateType": "CHAT",
                "templateConfiguration": {"chat": {
                    "system": [{"text": "You answer about {{topic}}."}],
                    "messages": [{"role": "user", "content": [{"text": "Start: {{topic}}"}]},
                                 {"role": "assistant", "content": [{"text": "Ready."}]}]}}}]},
        ]})
        variables = {"topic": {"text": "trams"}, "city": {"text": "Lisbon"}}
        response = self.client.converse(modelId=prompt_arn, promptVariables=variables)
        text = response["output"]["message"]["content"][0]["text"]
        # The filled template is the user turn the answer quotes; the prompt's maxTokens applies.
        self.assertEqual(response["stopReason"], "max_tokens")
        self.assertEqual(response["usage"]["outputTokens"], 5)
        direct = self.client.converse(modelId="amazon.nova-micro-v1:0",
                                      messages=[{"role": "user", "content": [{"text": "Tell me about trams in Lisbon."}]}],
                                      inferenceConfig={"maxTokens": 5})
        self.assertEqual(text, direct["output"]["message"]["content"][0]["text"])
        self.assertEqual(response["usage"]["inputTokens"], direct["usage"]["inputTokens"])

        # A CHAT prompt by version; the request's messages follow the template's.
        events = list(self.client.converse_stream(
            modelId=prompt_arn + ":2", promptVariables=variables,
            messages=[{"role": "user", "content": [{"text": "And buses?"}]}])["stream"])
        streamed = "".join(e["contentBlockDelta"]["delta"]["text"] for e in events if "contentBlockDelta" in e)
        self.assertIn("And buses?", streamed)

        # What the real service refuses, and what the emulator cannot find.
        with self.assertRaises(self.client.exceptions.ValidationException) as caught:
            self.client.converse(modelId=prompt_arn, promptVariables={"topic": {"text": "trams"}})
        self.assertIn("city", caught.exception.response["Error"]["Message"])
        with self.assertRaises(self.client.exceptions.ValidationException) as caught:
            self.client.converse(modelId=prompt_arn, promptVariables=variables, inferenceConfig={"maxTokens": 9})
        self.assertIn("inferenceConfig", caught.exception.response["Error"]["Message"])
        with self.assertRaises(self.client.exceptions.ResourceNotFoundException):
            self.client.converse(modelId=prompt_arn + ":7", promptVariables=variables)
        # A definition that cannot work is refused when it is loaded.
        status, body = self.admin("POST", "/_emulator/scenarios", {"name": "bad", "prompts": [{"promptIdentifier": "x"}]})
        self.assertEqual(status, 400, body)
        self.assertIn("/prompts/0/promptIdentifier", body["message"])
        status, body = self.admin("POST", "/_emulator/scenarios", {"name": "bad", "prompts": [{
            "promptIdentifier": "SUPPORT002", "variants": [{"modelId": "amazon.nova-micro-v1:0", "templateType": "CHAT",
                                                            "templateConfiguration": {"chat": {"messages": [
                                                                {"role": "user", "content": "not a list"}]}}}]}]})
        self.assertEqual(status, 400, body)
        self.assertIn("/prompts/0/variants/0/templateConfiguration/chat/messages", body["message"])

    # -- response scripting ----------------------------------------------------------------
    def test_scripted_text_stop_reason_and_usage(self):
        text = "Scripted answer: the sky is green today."
        self.load_rules({"response": {"text": text, "stopReason": "max_tokens",
                                      "usage": {"inputTokens": 11, "outputTokens": 22}}})
        response = self.converse()
        self.assertEqual(response["output"]["message"]["content"], [{"text": text}])
        self.assertEqual(response["stopReason"], "max_tokens")
        self.assertEqual(response["usage"]["inputTokens"], 11)
        self.assertEqual(response["usage"]["outputTokens"], 22)
        self.assertEqual(response["usage"]["totalTokens"], 33)

        events = list(self.converse_stream())
        deltas = [e["contentBlockDelta"]["delta"]["text"] for e in events if "contentBlockDelta" in e]
        self.assertEqual("".join(deltas), text)
        stop = next(e["messageStop"] for e in events if "messageStop" in e)
        self.assertEqual(stop["stopReason"], "max_tokens")
        usage = events[-1]["metadata"]["usage"]
        self.assertEqual((usage["inputTokens"], usage["outputTokens"]), (11, 22))
        self.assertEqual([e["rule"] for e in self.settled_journal(2)], [0, 0])

    def test_scripted_tool_use(self):
        tool_input = {"city": "Lisbon", "days": 3, "units": "metric"}
        self.load_rules({"response": {"toolUse": {"name": "get_weather", "input": tool_input}}})
        response = self.converse("What is the weather?")
        self.assertEqual(response["stopReason"], "tool_use")
        [block] = response["output"]["message"]["content"]
        self.assertEqual(block["toolUse"]["name"], "get_weather")
        self.assertEqual(block["toolUse"]["input"], tool_input)
        self.assertTrue(block["toolUse"]["toolUseId"])

        events = list(self.converse_stream("What is the weather?"))
        start = next(e["contentBlockStart"]["start"]["toolUse"] for e in events if "contentBlockStart" in e)
        self.assertEqual(start["name"], "get_weather")
        self.assertEqual(start["toolUseId"], block["toolUse"]["toolUseId"])
        pieces = [e["contentBlockDelta"]["delta"]["toolUse"]["input"] for e in events if "contentBlockDelta" in e]
        self.assertEqual(json.loads("".join(pieces)), tool_input)
        self.assertEqual(next(e for e in events if "messageStop" in e)["messageStop"]["stopReason"], "tool_use")

    def test_scripted_reasoning(self):
        reasoning = "First, consider the question carefully."
        self.load_rules({"response": {"reasoning": reasoning, "text": "The answer is 42."}})
        response = self.converse(model=HAIKU35)
        content = response["output"]["message"]["content"]
        self.assertEqual(content[0]["reasoningContent"]["reasoningText"]["text"], reasoning)
        self.assertEqual(content[-1], {"text": "The answer is 42."})

        events = list(self.converse_stream(model=HAIKU35))
        deltas = [e["contentBlockDelta"]["delta"] for e in events if "contentBlockDelta" in e]
        self.assertEqual("".join(d["reasoningContent"].get("text", "") for d in deltas if "reasoningContent" in d),
                         reasoning)
        self.assertEqual("".join(d["text"] for d in deltas if "text" in d), "The answer is 42.")

    def test_scripted_raw_invoke_body(self):
        body = {"id": "raw-1", "custom": ["any", "shape", 3], "nested": {"ok": True}}
        self.load_rules({"match": {"operation": "InvokeModel"}, "response": {"body": body}})
        response = self.invoke(model=HAIKU3, body={"anthropic_version": "bedrock-2023-05-31", "max_tokens": 10,
                                                    "messages": [{"role": "user", "content": "hi"}]})
        self.assertEqual(json.loads(response["body"].read()), body)
        [entry] = self.journal()
        self.assertEqual((entry["operation"], entry["modelId"], entry["rule"]), ("InvokeModel", HAIKU3, 0))

    def test_scripted_raw_stream_chunks(self):
        chunks = [{"type": "first", "n": 1}, {"type": "middle", "text": "héllo"}, {"type": "last", "n": 3}]
        self.load_rules({"match": {"operation": "InvokeModelWithResponseStream"},
                         "response": {"chunks": chunks, "usage": {"inputTokens": 5, "outputTokens": 7}}})
        received = [chunk_json(e) for e in self.invoke_stream()]
        self.assertEqual(received[:-1], chunks[:-1])
        last = dict(received[-1])
        metrics = last.pop("amazon-bedrock-invocationMetrics")
        self.assertEqual(last, chunks[-1])
        self.assertEqual((metrics["inputTokenCount"], metrics["outputTokenCount"]), (5, 7))
        self.assertEqual(self.settled_journal(1)[0]["eventsSent"], 3)

    def test_chunk_size_sets_delta_lengths(self):
        text = "abcdefghijklmnopqr"  # 18 characters
        self.load_rules({"response": {"text": text, "chunkSize": 4}})
        events = list(self.converse_stream())
        deltas = [e["contentBlockDelta"]["delta"]["text"] for e in events if "contentBlockDelta" in e]
        self.assertEqual([len(d) for d in deltas], [4, 4, 4, 4, 2])
        self.assertEqual("".join(deltas), text)
        self.assertEqual(self.settled_journal(1)[0]["eventsSent"], len(events))

    # -- latency ---------------------------------------------------------------------------
    def test_first_byte_latency(self):
        self.load_rules({"latency": {"firstByteMs": 300}})
        started = time.monotonic()
        self.converse()
        self.assertGreaterEqual(time.monotonic() - started, 0.3)

        started = time.monotonic()
        stream = iter(self.converse_stream())
        first = next(stream)
        self.assertGreaterEqual(time.monotonic() - started, 0.3)
        self.assertIn("messageStart", first)
        list(stream)
        entries = self.settled_journal(2)
        self.assertEqual([e["rule"] for e in entries], [0, 0])

    def test_between_events_latency(self):
        self.load_rules({"response": {"text": "abcdefgh", "chunkSize": 2}, "latency": {"betweenEventsMs": 60}})
        arrivals = []
        started = time.monotonic()
        for event in self.converse_stream():
            arrivals.append((time.monotonic(), event))
        self.assertEqual(len(arrivals), 8)  # start, 4 deltas, block stop, message stop, metadata
        self.assertLess(arrivals[0][0] - started, 0.3, "no delay before the first event")
        gaps = sorted(b[0] - a[0] for a, b in zip(arrivals, arrivals[1:]))
        # Events are paced against absolute deadlines from the stream's start, so a late first
        # event shortens the first-to-last span; the last one can never come before its due time.
        self.assertGreaterEqual(arrivals[-1][0] - started, 7 * 0.06)
        self.assertGreaterEqual(gaps[len(gaps) // 2], 0.05, gaps)

    # -- probability, state, matching ------------------------------------------------------
    def _probability_run(self, seed):
        self.setUp()
        self.load_rules({"probability": 0.5, "error": {"type": "ThrottlingException", "message": "coin"}}, seed=seed)
        outcomes = []
        for i in range(16):
            try:
                self.converse(f"call {i}")
                outcomes.append("ok")
            except self.client.exceptions.ThrottlingException:
                outcomes.append("throttled")
        journal_rules = [e["rule"] for e in self.journal()]
        self.assertEqual(journal_rules, [0 if o == "throttled" else None for o in outcomes])
        return outcomes

    def test_probability_is_reproducible_with_a_seed(self):
        first = self._probability_run(42)
        self.assertIn("ok", first)
        self.assertIn("throttled", first)
        self.assertEqual(self._probability_run(42), first)
        self.assertNotEqual(self._probability_run(7), first)

    def test_state_machine(self):
        self.load_rules(
            {"name": "one", "state": "Started", "newState": "Second", "response": {"text": "first"}},
            {"name": "two", "state": "Second", "newState": "Third",
             "error": {"type": "ServiceUnavailableException", "message": "second"}},
            {"name": "three", "state": "Third", "newState": "Started", "response": {"text": "third"}},
        )
        self.assertEqual(self.scenario_status()["state"], "Started")
        seen = []
        for _ in range(4):
            try:
                seen.append(self.converse()["output"]["message"]["content"][0]["text"])
            except self.client.exceptions.ServiceUnavailableException:
                seen.append("unavailable")
            seen.append(self.scenario_status()["state"])
        self.assertEqual(seen, ["first", "Second", "unavailable", "Third", "third", "Started", "first", "Second"])
        self.assertEqual([e["ruleName"] for e in self.journal()], ["one", "two", "three", "one"])
        self.assertEqual(self.scenario_status()["rulesApplied"], [2, 1, 1])

    def test_match_model_id_glob_and_operation_list(self):
        self.load_rules({"match": {"modelId": ["anthropic.claude-3-5-*", "*.nova-m?cro-*"],
                                   "operation": ["Converse"]},
                         "response": {"text": "glob hit"}})
        hit = lambda model: self.converse(model=model)["output"]["message"]["content"][0].get("text")
        self.assertEqual(hit(HAIKU35), "glob hit")
        self.assertEqual(hit(NOVA), "glob hit")
        self.assertNotEqual(hit(HAIKU3), "glob hit")
        self.assertNotEqual(hit("amazon.nova-lite-v1:0"), "glob hit")
        list(self.converse_stream(model=HAIKU35))  # another operation: not matched
        entries = self.settled_journal(5)
        self.assertEqual([e["rule"] for e in entries], [0, 0, None, None, None])
        self.assertEqual([e["modelId"] for e in self.journal(modelId=HAIKU35)], [HAIKU35, HAIKU35])
        self.assertEqual(len(self.journal(operation="ConverseStream")), 1)

    def test_match_headers(self):
        self.load_rules({"match": {"headers": {"x-test-tenant": "blue-*"}}, "response": {"text": "blue tenant"}})
        client = self.fresh_client(attempts=1)

        def tag(params, **_):
            params["headers"]["X-Test-Tenant"] = tag.value
        client.meta.events.register("before-call.bedrock-runtime.Converse", tag)
        text = lambda: self.converse(client=client)["output"]["message"]["content"][0]["text"]
        tag.value = "blue-42"
        self.assertEqual(text(), "blue tenant")
        tag.value = "red-42"
        self.assertNotEqual(text(), "blue tenant")
        self.assertNotEqual(self.converse()["output"]["message"]["content"][0]["text"], "blue tenant")
        self.assertEqual([e["rule"] for e in self.journal()], [0, None, None])

    def test_match_body_pointer(self):
        self.load_rules(
            {"match": {"operation": "Converse", "body": {"/inferenceConfig/maxTokens": 77}}, "response": {"text": "converse body"}},
            {"match": {"operation": "InvokeModel", "body": {"/max_tokens": 12, "/messages/0/role": "user"}},
             "response": {"body": {"matched": "native body"}}},
        )
        text = lambda **extra: self.converse(**extra)["output"]["message"]["content"][0]["text"]
        self.assertEqual(text(inferenceConfig={"maxTokens": 77}), "converse body")
        self.assertNotEqual(text(inferenceConfig={"maxTokens": 78}), "converse body")
        self.assertNotEqual(text(), "converse body")
        native = {"anthropic_version": "bedrock-2023-05-31", "messages": [{"role": "user", "content": "hi"}]}
        hit = self.invoke(model=HAIKU3, body={**native, "max_tokens": 12})
        self.assertEqual(json.loads(hit["body"].read()), {"matched": "native body"})
        miss = self.invoke(model=HAIKU3, body={**native, "max_tokens": 13})
        self.assertNotIn("matched", json.loads(miss["body"].read()))
        self.assertEqual([e["rule"] for e in self.journal()], [0, None, None, 1, None])

    def test_match_text_and_text_regex(self):
        self.load_rules(
            {"match": {"textRegex": "^order #[0-9]+$"}, "response": {"text": "regex hit"}},
            {"match": {"text": "refund"}, "response": {"text": "substring hit"}},
        )
        text = lambda messages: self.client.converse(modelId=NOVA, messages=messages)["output"]["message"]["content"][0]["text"]
        self.assertEqual(text([user("order #123")]), "regex hit")
        self.assertNotEqual(text([user("order #12a")]), "regex hit")
        self.assertEqual(text([user("I want a refund now")]), "substring hit")
        # Only the last user turn counts.
        self.assertNotEqual(text([user("refund please"), assistant("Sure."), user("thanks")]), "substring hit")
        self.assertEqual(text([user("hello"), assistant("Hi."), user("order #9")]), "regex hit")
        self.assertEqual([e["rule"] for e in self.journal()], [0, None, 1, None, 0])

    # -- service behaviours ----------------------------------------------------------------
    def test_model_not_ready_per_model(self):
        self.load_rules({"name": "warm-up", "modelNotReady": {"calls": 2}})
        for model in (NOVA, HAIKU35):
            for _ in range(2):
                with self.assertRaises(self.client.exceptions.ModelNotReadyException) as caught:
                    self.converse(model=model)
                self.assertEqual(caught.exception.response["ResponseMetadata"]["HTTPStatusCode"], 429)
            self.assertEqual(self.converse(model=model)["stopReason"], "end_turn")
        for model in (NOVA, HAIKU35):
            entries = self.journal(modelId=model)
            self.assertEqual([e["status"] for e in entries], [429, 429, 200])
            self.assertEqual([e["exception"] for e in entries], ["ModelNotReadyException"] * 2 + [None])
            self.assertEqual([e["ruleName"] for e in entries], ["warm-up", "warm-up", None])

    def test_model_not_ready_is_retried_by_standard_mode(self):
        self.load_rules({"modelNotReady": {"calls": 2}})
        client = self.fresh_client(mode="standard")
        with instant_retries():
            response = self.converse(client=client)
        self.assertEqual(response["ResponseMetadata"]["RetryAttempts"], 2)
        entries = self.journal()
        self.assert_one_invocation(entries, 3)
        self.assertEqual([e["status"] for e in entries], [429, 429, 200])

    def test_quota_requests_per_minute(self):
        self.load_rules({"name": "rpm", "quota": {"requestsPerMinute": 2}})
        self.converse()
        self.converse()
        with self.assertRaises(self.client.exceptions.ThrottlingException) as caught:
            self.converse()
        self.assertEqual(caught.exception.response["Error"]["Message"], QUOTA_MESSAGE)
        self.assertEqual(caught.exception.response["ResponseMetadata"]["HTTPStatusCode"], 429)
        self.converse(model=HAIKU35)  # another model has its own bucket
        entries = self.journal()
        self.assertEqual([e["status"] for e in entries], [200, 200, 429, 200])
        self.assertEqual([e["ruleName"] for e in entries], [None, None, "rpm", None])

    # -- admin API -------------------------------------------------------------------------
    def test_invalid_scenario_is_rejected_with_every_error(self):
        status, body = self.admin("POST", "/_emulator/scenarios", {
            "name": "broken", "bogus": 1,
            "rules": [{"fault": "explode"}, {"error": {"type": "NoSuchException"}},
                      {"probability": 2, "response": {"text": "x"}}]})
        self.assertEqual(status, 400)
        self.assertTrue(body["message"].startswith("Invalid scenario: "), body["message"])
        paths = [e["path"] for e in body["errors"]]
        for expected in ("/bogus", "/rules/0/fault", "/rules/1/error/type", "/rules/2/probability"):
            self.assertIn(expected, paths)
        self.assertTrue(all(isinstance(e["message"], str) and e["message"] for e in body["errors"]))
        status, body = self.admin("POST", "/_emulator/scenarios", '{"name": "x", "rules": [')
        self.assertEqual(status, 400)
        self.assertTrue(body["errors"])
        status, body = self.admin("GET", "/_emulator/scenarios")
        self.assertEqual(body["scenarios"], [])
        self.assertEqual(self.converse()["stopReason"], "end_turn")

    def test_scenario_lifecycle(self):
        status, body = self.admin("DELETE", "/_emulator/scenarios/not-loaded")
        self.assertEqual(status, 404)
        self.assertIsInstance(body["message"], str)
        commented = ('// a comment\n{"name": "life", /* inline */ "rules": '
                     '[{"response": {"text": "version one"}}]}')
        status, body = self.admin("POST", "/_emulator/scenarios", commented)
        self.assertEqual((status, body), (200, {"name": "life", "loaded": True}))
        self.assertEqual(self.converse()["output"]["message"]["content"][0]["text"], "version one")
        self.load({"name": "life", "rules": [{"response": {"text": "version two"}}]})  # replaces by name
        self.load({"name": "other", "rules": [{"match": {"text": "never-sent"}, "response": {"text": "x"}}]})
        listed = self.admin("GET", "/_emulator/scenarios")[1]["scenarios"]
        self.assertEqual([s["name"] for s in listed], ["life", "other"])
        self.assertEqual(listed[0]["source"], "admin")
        self.assertEqual(listed[0]["definition"]["rules"][0]["response"]["text"], "version two")
        self.assertEqual(self.converse()["output"]["message"]["content"][0]["text"], "version two")
        status, _ = self.admin("DELETE", "/_emulator/scenarios/life")
        self.assertEqual(status, 200)
        self.assertEqual([s["name"] for s in self.admin("GET", "/_emulator/scenarios")[1]["scenarios"]], ["other"])
        self.assertNotEqual(self.converse()["output"]["message"]["content"][0]["text"], "version two")
        self.assertEqual(self.admin("DELETE", "/_emulator/scenarios")[0], 200)
        self.assertEqual(self.admin("GET", "/_emulator/scenarios")[1]["scenarios"], [])
        self.assertEqual(len(self.journal()), 3)
        self.assertEqual(self.admin("DELETE", "/_emulator/requests")[0], 200)
        self.assertEqual(self.journal(), [])

    def test_reset_restores_counters_and_drops_scenarios(self):
        self.load_rules({"times": 1, "error": {"type": "ThrottlingException", "message": "once"}})
        with self.assertRaises(self.client.exceptions.ThrottlingException):
            self.converse()
        self.converse()
        self.assertEqual(self.scenario_status()["rulesApplied"], [1])
        self.assertEqual(self.admin("POST", "/_emulator/reset"), (200, {"reset": True}))
        self.assertEqual(self.journal(), [])
        self.assertEqual(self.admin("GET", "/_emulator/scenarios")[1]["scenarios"], [])
        self.converse()
        [entry] = self.journal()
        self.assertIsNone(entry["scenario"])


if __name__ == "__main__":
    unittest.main()
