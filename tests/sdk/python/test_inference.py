"""boto3 tests of model-aware inference: the catalog's model families on InvokeModel (native
bodies), its stream, Converse and ConverseStream; embeddings and images; tool use, reasoning,
prompt caching; capability errors and the forms a model id can take."""
import base64
import json
import math
import struct
import unittest
import urllib.parse

import harness
from harness import user

PREFIX = "This is a deterministic answer from bedrock-emulator"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
HAIKU = "anthropic.claude-3-5-haiku-20241022-v1:0"
SONNET_37 = "anthropic.claude-3-7-sonnet-20250219-v1:0"  # reasoning, profile only
HAIKU_45 = "anthropic.claude-haiku-4-5-20251001-v1:0"  # profile only; the resourceDefaults model
LLAMA3 = "meta.llama3-8b-instruct-v1:0"  # no tool use
TITAN_TEXT = "amazon.titan-text-express-v1"  # no system prompt
MISTRAL_LARGE_2407 = "mistral.mistral-large-2407-v1:0"  # tool use, not in streams, no toolChoice any
REGION_ARN = "arn:aws:bedrock:us-east-1"
UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
ACCOUNT = "123456789012"

INVALID_ID = "The provided model identifier is invalid."
UNSUPPORTED_MODEL = ("This action doesn't support the model that you provided. "
                     "Try again with a supported text or chat model.")
NO_STREAMING = "The model is unsupported for streaming."
NO_SYSTEM = ("This model doesn't support system messages. Try again without a system message "
             "or use a model that supports system messages.")
NO_TOOLS = "This model doesn't support tool use."
NO_STREAMING_TOOLS = "This model doesn't support tool use in streaming mode."
TOOL_CONFIG_REQUIRED = "The toolConfig field must be defined when using toolUse and toolResult content blocks."
TOO_LONG = "Input is too long for requested model."
MALFORMED = "Malformed input request, please reformat your input and try again."
LLAMA_STOP = ("Malformed input request: extraneous key [stop_sequences] is not permitted, "
              "please reformat your input and try again.")


def on_demand_error(model_id):
    return (f"Invocation of model ID {model_id} with on-demand throughput isn\u2019t supported. Retry "
            "your request with the ID or ARN of an inference profile that contains this model.")


def max_tokens_error(limit):
    return (f"The maximum tokens you requested exceeds the model limit of {limit}. "
            f"Try again with a maximum tokens value that is lower than {limit}.")


WEATHER_TOOL = {"toolSpec": {
    "name": "get_weather",
    "description": "Get the weather for a city",
    "inputSchema": {"json": {
        "type": "object",
        "properties": {"city": {"type": "string", "description": "The city"},
                       "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                       "days": {"type": "integer", "minimum": 1, "maximum": 7}},
        "required": ["city", "days"]}}}}
STOCK_TOOL = {"toolSpec": {
    "name": "lookup_stock_price",
    "description": "Look up the latest stock price for a ticker symbol",
    "inputSchema": {"json": {"type": "object", "properties": {"ticker": {"type": "string"}},
                             "required": ["ticker"]}}}}
TOOLS = {"tools": [WEATHER_TOOL, STOCK_TOOL]}
WEATHER_QUESTION = "What is the weather in Paris?"


# -- native bodies, one entry per catalog family that generates text --------------------------
def _last(chunks, key):
    return [c for c in chunks if key(c)][-1]


def _anthropic_shape(test, body, model_id):
    test.assertEqual(body["type"], "message")
    test.assertEqual(body["role"], "assistant")
    test.assertRegex(body["id"], r"^msg_bdrk_[0-9A-Za-z]{24}$")
    # The model's own name: no "anthropic." prefix, no "-v1:0" version.
    test.assertEqual(body["model"], model_id.split("anthropic.")[-1].rsplit("-v", 1)[0])
    test.assertEqual([block["type"] for block in body["content"]], ["text"])
    test.assertIn("stop_sequence", body)


def _anthropic_stream_shape(test, chunks):
    types = [c["type"] for c in chunks]
    test.assertEqual(types[:2], ["message_start", "content_block_start"])
    test.assertEqual(types[-3:], ["content_block_stop", "message_delta", "message_stop"])
    test.assertTrue(all(t == "content_block_delta" for t in types[2:-3]))
    test.assertEqual(chunks[0]["message"]["content"], [])
    test.assertEqual(chunks[0]["message"]["usage"]["output_tokens"], 1)


def _nova_stream_shape(test, chunks):
    names = [next(k for k in c if k != "amazon-bedrock-invocationMetrics") for c in chunks]
    test.assertEqual(names[0], "messageStart")
    test.assertEqual(names[-3:], ["contentBlockStop", "messageStop", "metadata"])


def _cohere_stream_shape(test, chunks):
    types = [c["event_type"] for c in chunks]
    test.assertEqual(types[0], "stream-start")
    test.assertEqual(types[-1], "stream-end")
    test.assertTrue(all(t == "text-generation" for t in types[1:-1]))
    test.assertEqual([c["is_finished"] for c in chunks], [False] * (len(chunks) - 1) + [True])
    test.assertEqual(chunks[0]["generation_id"], chunks[-1]["response"]["generation_id"])


def _openai_like_stream_shape(test, chunks):
    test.assertEqual(chunks[0]["choices"][0]["delta"]["role"], "assistant")
    test.assertEqual(len({c["id"] for c in chunks}), 1)
    test.assertTrue(all(c["choices"][0]["finish_reason"] is None for c in chunks[:-1]))


NATIVE = {
    "anthropic": dict(
        body=lambda text, n: {"anthropic_version": "bedrock-2023-05-31", "max_tokens": n,
                              "messages": [{"role": "user", "content": text}]},
        text=lambda b: "".join(block["text"] for block in b["content"]),
        stop=lambda b: b["stop_reason"],
        input_count=lambda b: b["usage"]["input_tokens"],
        output_count=lambda b: b["usage"]["output_tokens"],
        shape=_anthropic_shape,
        chunk_text=lambda c: c["delta"]["text"] if c["type"] == "content_block_delta" else "",
        stream_stop=lambda cs: _last(cs, lambda c: c["type"] == "message_delta")["delta"]["stop_reason"],
        stream_output=lambda cs: _last(cs, lambda c: c["type"] == "message_delta")["usage"]["output_tokens"],
        stream_shape=_anthropic_stream_shape,
        done="end_turn", length="max_tokens"),
    "nova": dict(
        body=lambda text, n: {"schemaVersion": "messages-v1",
                              "messages": [{"role": "user", "content": [{"text": text}]}],
                              "inferenceConfig": {"maxTokens": n}},
        text=lambda b: "".join(block["text"] for block in b["output"]["message"]["content"]),
        stop=lambda b: b["stopReason"],
        input_count=lambda b: b["usage"]["inputTokens"],
        output_count=lambda b: b["usage"]["outputTokens"],
        shape=lambda t, b, m: (t.assertEqual(b["output"]["message"]["role"], "assistant"),
                               t.assertEqual(b["usage"]["totalTokens"],
                                             b["usage"]["inputTokens"] + b["usage"]["outputTokens"])),
        chunk_text=lambda c: c["contentBlockDelta"]["delta"]["text"] if "contentBlockDelta" in c else "",
        stream_stop=lambda cs: _last(cs, lambda c: "messageStop" in c)["messageStop"]["stopReason"],
        stream_output=lambda cs: _last(cs, lambda c: "metadata" in c)["metadata"]["usage"]["outputTokens"],
        stream_shape=_nova_stream_shape,
        done="end_turn", length="max_tokens"),
    "titan-text": dict(
        body=lambda text, n: {"inputText": text, "textGenerationConfig": {"maxTokenCount": n}},
        text=lambda b: b["results"][0]["outputText"],
        stop=lambda b: b["results"][0]["completionReason"],
        input_count=lambda b: b["inputTextTokenCount"],
        output_count=lambda b: b["results"][0]["tokenCount"],
        shape=lambda t, b, m: t.assertEqual(len(b["results"]), 1),
        chunk_text=lambda c: c["outputText"],
        stream_stop=lambda cs: cs[-1]["completionReason"],
        stream_output=lambda cs: cs[-1]["totalOutputTextTokenCount"],
        stream_shape=lambda t, cs: t.assertIn("inputTextTokenCount", cs[0]),
        done="FINISH", length="LENGTH"),
    "llama": dict(
        body=lambda text, n: {"prompt": text, "max_gen_len": n},
        text=lambda b: b["generation"],
        stop=lambda b: b["stop_reason"],
        input_count=lambda b: b["prompt_token_count"],
        output_count=lambda b: b["generation_token_count"],
        shape=lambda t, b, m: t.assertEqual(set(b), {"generation", "prompt_token_count",
                                                      "generation_token_count", "stop_reason"}),
        chunk_text=lambda c: c["generation"],
        stream_stop=lambda cs: cs[-1]["stop_reason"],
        stream_output=lambda cs: cs[-1]["generation_token_count"],
        stream_shape=lambda t, cs: t.assertTrue(all(c["prompt_token_count"] is None for c in cs[1:])),
        done="stop", length="length"),
    "mistral-text": dict(
        body=lambda text, n: {"prompt": text, "max_tokens": n},
        text=lambda b: b["outputs"][0]["text"],
        stop=lambda b: b["outputs"][0]["stop_reason"],
        shape=lambda t, b, m: t.assertEqual(list(b), ["outputs"]),
        chunk_text=lambda c: c["outputs"][0]["text"],
        stream_stop=lambda cs: cs[-1]["outputs"][0]["stop_reason"],
        done="stop", length="length"),
    "mistral-chat": dict(
        body=lambda text, n: {"messages": [{"role": "user", "content": text}], "max_tokens": n},
        text=lambda b: b["choices"][0]["message"]["content"],
        stop=lambda b: b["choices"][0]["stop_reason"],
        shape=lambda t, b, m: t.assertEqual(b["choices"][0]["message"]["role"], "assistant"),
        chunk_text=lambda c: c["choices"][0]["message"]["content"],
        stream_stop=lambda cs: cs[-1]["choices"][0]["stop_reason"],
        done="stop", length="length"),
    "cohere-command-r": dict(
        body=lambda text, n: {"message": text, "max_tokens": n},
        text=lambda b: b["text"],
        stop=lambda b: b["finish_reason"],
        shape=lambda t, b, m: (t.assertRegex(b["generation_id"], r"^[0-9a-f]{8}-[0-9a-f]{4}-4"),
                               t.assertEqual(b["chat_history"][-1], {"role": "CHATBOT", "message": b["text"]})),
        chunk_text=lambda c: c["text"] if c["event_type"] == "text-generation" else "",
        stream_stop=lambda cs: cs[-1]["finish_reason"],
        stream_shape=_cohere_stream_shape,
        done="COMPLETE", length="MAX_TOKENS"),
    "ai21-jamba": dict(
        body=lambda text, n: {"messages": [{"role": "user", "content": text}], "max_tokens": n},
        text=lambda b: b["choices"][0]["message"]["content"],
        stop=lambda b: b["choices"][0]["finish_reason"],
        input_count=lambda b: b["usage"]["prompt_tokens"],
        output_count=lambda b: b["usage"]["completion_tokens"],
        shape=lambda t, b, m: t.assertRegex(b["id"], r"^chatcmpl-[0-9a-f]{32}$"),
        chunk_text=lambda c: c["choices"][0]["delta"].get("content", ""),
        stream_stop=lambda cs: cs[-1]["choices"][0]["finish_reason"],
        stream_output=lambda cs: cs[-1]["usage"]["completion_tokens"],
        stream_shape=_openai_like_stream_shape,
        done="stop", length="length"),
    "deepseek": dict(
        body=lambda text, n: {"prompt": text, "max_tokens": n},
        text=lambda b: b["choices"][0]["text"],
        stop=lambda b: b["choices"][0]["stop_reason"],
        shape=lambda t, b, m: t.assertEqual(len(b["choices"]), 1),
        chunk_text=lambda c: c["choices"][0]["text"],
        stream_stop=lambda cs: cs[-1]["choices"][0]["stop_reason"],
        done="stop", length="length"),
    "openai": dict(
        body=lambda text, n: {"messages": [{"role": "user", "content": text}], "max_completion_tokens": n},
        text=lambda b: b["choices"][0]["message"]["content"],
        stop=lambda b: b["choices"][0]["finish_reason"],
        input_count=lambda b: b["usage"]["prompt_tokens"],
        output_count=lambda b: b["usage"]["completion_tokens"],
        shape=lambda t, b, m: (t.assertEqual(b["object"], "chat.completion"),
                               t.assertEqual(b["model"], m.split(".", 1)[-1] if m.startswith("us.") else m),
                               t.assertTrue(b["id"].startswith("chatcmpl-"))),
        chunk_text=lambda c: c["choices"][0]["delta"].get("content", ""),
        stream_stop=lambda cs: cs[-1]["choices"][0]["finish_reason"],
        stream_output=lambda cs: cs[-1]["usage"]["completion_tokens"],
        stream_shape=lambda t, cs: (_openai_like_stream_shape(t, cs),
                                    t.assertTrue(all(c["object"] == "chat.completion.chunk" for c in cs))),
        done="stop", length="length"),
    # OpenAI's own models (recorded 2026-09, us.openai.gpt-6-sol): the model as called, and a
    # last stream chunk with no choices that carries the usage.
    "openai-chat": dict(
        body=lambda text, n: {"messages": [{"role": "user", "content": text}], "max_completion_tokens": n},
        text=lambda b: b["choices"][0]["message"]["content"],
        stop=lambda b: b["choices"][0]["finish_reason"],
        input_count=lambda b: b["usage"]["prompt_tokens"],
        output_count=lambda b: b["usage"]["completion_tokens"],
        shape=lambda t, b, m: (t.assertEqual(b["object"], "chat.completion"),
                               t.assertEqual(b["model"], m),
                               t.assertEqual(b["choices"][0]["message"]["annotations"], []),
                               t.assertRegex(b["id"], r"^chatcmpl-[a-z0-9]{52}$")),
        chunk_text=lambda c: (c["choices"] or [{}])[0].get("delta", {}).get("content", ""),
        stream_stop=lambda cs: cs[-2]["choices"][0]["finish_reason"],
        stream_output=lambda cs: cs[-1]["usage"]["completion_tokens"],
        stream_shape=lambda t, cs: (_openai_like_stream_shape(t, cs[:-1]),
                                    t.assertEqual(cs[-1]["choices"], []),
                                    t.assertTrue(all(isinstance(c["obfuscation"], str) for c in cs))),
        done="stop", length="length"),
}

CATALOG = harness.load_catalog()
TEXT_FAMILIES = sorted({m["family"] for m in CATALOG if "converse" in m["features"]})
# One model per family: the catalog's first.
FAMILY_MODELS = {f: next(m for m in CATALOG if m["family"] == f) for f in TEXT_FAMILIES}


def text_of(response):
    return "".join(block.get("text", "") for block in response["output"]["message"]["content"])


def blocks_of(response, kind):
    return [block[kind] for block in response["output"]["message"]["content"] if kind in block]


def png_size(data):
    """(width, height) from a PNG's IHDR chunk."""
    return struct.unpack(">II", data[16:24])


def matches_schema(value, schema):
    """Enough of JSON Schema for the tool schemas used here."""
    kind = schema.get("type")
    if kind == "object":
        if not isinstance(value, dict) or not set(schema.get("required", [])) <= set(value):
            return False
        props = schema.get("properties", {})
        return all(k in props and matches_schema(v, props[k]) for k, v in value.items())
    if kind == "string" and not isinstance(value, str):
        return False
    if kind == "integer" and (not isinstance(value, int) or isinstance(value, bool)):
        return False
    if "enum" in schema and value not in schema["enum"]:
        return False
    if "minimum" in schema and value < schema["minimum"]:
        return False
    if "maximum" in schema and value > schema["maximum"]:
        return False
    return True


class InferenceTest(harness.EmulatorTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ValidationException = cls.client.exceptions.ValidationException

    # -- helpers ---------------------------------------------------------------------------
    def invoke(self, model_id, body, **extra):
        """InvokeModel; returns (parsed body, input count header, output count header or None when
        the answer has none, as on embeddings, response)."""
        raw = body if isinstance(body, (bytes, str)) else json.dumps(body)
        response = self.client.invoke_model(modelId=model_id, body=raw, contentType="application/json",
                                            accept="application/json", **extra)
        self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], 200)
        headers = response["ResponseMetadata"]["HTTPHeaders"]
        self.assertGreaterEqual(int(headers["x-amzn-bedrock-invocation-latency"]), 0)
        return (json.loads(response["body"].read()), int(headers["x-amzn-bedrock-input-token-count"]),
                (int(headers["x-amzn-bedrock-output-token-count"])
                 if "x-amzn-bedrock-output-token-count" in headers else None), response)

    def invoke_stream(self, model_id, body):
        """InvokeModelWithResponseStream; returns the decoded chunk payloads."""
        response = self.client.invoke_model_with_response_stream(
            modelId=model_id, body=json.dumps(body), contentType="application/json")
        self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], 200)
        events = list(response["body"])
        self.assertTrue(events and all(list(e) == ["chunk"] for e in events), events[:2])
        return [json.loads(e["chunk"]["bytes"]) for e in events]

    def converse(self, model_id, messages, **extra):
        response = self.client.converse(modelId=model_id, messages=messages, **extra)
        self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], 200)
        return response

    def stream_events(self, model_id, messages, **extra):
        response = self.client.converse_stream(modelId=model_id, messages=messages, **extra)
        self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], 200)
        return list(response["stream"])

    def assert_validation(self, message, call, **kwargs):
        with self.assertRaises(self.ValidationException) as ctx:
            result = call(**kwargs)
            for _ in result.get("stream") or result.get("body") or []:  # an in-stream error surfaces here
                pass
        error = ctx.exception.response
        self.assertEqual(error["Error"]["Code"], "ValidationException")
        self.assertEqual(error["Error"]["Message"], message)
        self.assertEqual(error["ResponseMetadata"]["HTTPStatusCode"], 400)

    def embed(self, model_id, body):
        parsed, input_count, output_count, _ = self.invoke(model_id, body)
        self.assertIsNone(output_count)  # recorded embedding answers carry no output count
        return parsed, input_count

    # -- the catalog's text families -------------------------------------------------------
    def test_catalog_text_families_are_all_covered(self):
        self.assertEqual(set(TEXT_FAMILIES), set(NATIVE))

    def test_invoke_model_native_shapes_and_counts(self):
        for family, model in FAMILY_MODELS.items():
            spec, model_id = NATIVE[family], harness.invocable_id(model)
            with self.subTest(family=family, model=model_id):
                body, input_count, output_count, _ = self.invoke(model_id, spec["body"]("Hello family", 200))
                spec["shape"](self, body, model_id)
                text = spec["text"](body)
                self.assertTrue(text.startswith(PREFIX + ' to "Hello family"'), text)
                self.assertEqual(spec["stop"](body), spec["done"])
                self.assertGreater(output_count, 0)
                self.assertGreater(input_count, 0)
                if "output_count" in spec:
                    self.assertEqual(spec["output_count"](body), output_count)
                if "input_count" in spec:
                    self.assertEqual(spec["input_count"](body), input_count)
                # Deterministic, and seeded by the prompt.
                again, _, again_output, _ = self.invoke(model_id, spec["body"]("Hello family", 200))
                self.assertEqual(again, body)
                self.assertEqual(again_output, output_count)
                other, _, _, _ = self.invoke(model_id, spec["body"]("Goodbye family", 200))
                self.assertNotEqual(spec["text"](other), text)

    def test_invoke_model_max_tokens_truncates(self):
        for family, model in FAMILY_MODELS.items():
            spec, model_id = NATIVE[family], harness.invocable_id(model)
            with self.subTest(family=family, model=model_id):
                body, _, output_count, _ = self.invoke(model_id, spec["body"]("Cut this short", 5))
                self.assertEqual(output_count, 5)
                if "output_count" in spec:
                    self.assertEqual(spec["output_count"](body), 5)
                self.assertEqual(spec["stop"](body), spec["length"])
                text = spec["text"](body)
                self.assertTrue(text and PREFIX.startswith(text), text)

    def test_invoke_stream_matches_invoke_model(self):
        for family, model in FAMILY_MODELS.items():
            spec, model_id = NATIVE[family], harness.invocable_id(model)
            for max_tokens in (200, 7):
                with self.subTest(family=family, model=model_id, max_tokens=max_tokens):
                    request = spec["body"]("Stream the family answer", max_tokens)
                    body, input_count, output_count, _ = self.invoke(model_id, request)
                    chunks = self.invoke_stream(model_id, request)
                    self.assertGreater(len(chunks), 2)
                    # Only the last chunk carries the invocation metrics.
                    metrics = chunks[-1]["amazon-bedrock-invocationMetrics"]
                    self.assertTrue(all("amazon-bedrock-invocationMetrics" not in c for c in chunks[:-1]))
                    self.assertEqual(metrics["inputTokenCount"], input_count)
                    self.assertEqual(metrics["outputTokenCount"], output_count)
                    self.assertGreaterEqual(metrics["invocationLatency"], metrics["firstByteLatency"])
                    self.assertGreaterEqual(metrics["firstByteLatency"], 0)
                    self.assertEqual("".join(spec["chunk_text"](c) for c in chunks), spec["text"](body))
                    self.assertEqual(spec["stream_stop"](chunks), spec["stop"](body))
                    if "stream_output" in spec:
                        self.assertEqual(spec["stream_output"](chunks), output_count)
                    if "stream_shape" in spec:
                        spec["stream_shape"](self, chunks)

    def test_converse_and_stream_for_every_family(self):
        for family, model in FAMILY_MODELS.items():
            model_id = harness.invocable_id(model)
            with self.subTest(family=family, model=model_id):
                messages = [user("Hello family")]
                response = self.converse(model_id, messages)
                self.assertEqual(response["stopReason"], "end_turn")
                texts = blocks_of(response, "text")
                self.assertEqual(len(texts), 1)
                self.assertTrue(texts[0].startswith(PREFIX + ' to "Hello family"'), texts[0])
                usage = response["usage"]
                self.assertEqual(usage["totalTokens"], usage["inputTokens"] + usage["outputTokens"])
                # The same user text as a native body reads as many input tokens.
                _, input_count, _, _ = self.invoke(model_id, NATIVE[family]["body"]("Hello family", 200))
                self.assertEqual(usage["inputTokens"], input_count)

                events = self.stream_events(model_id, messages)
                names = [next(iter(e)) for e in events]
                self.assertEqual(names[0], "messageStart")
                self.assertEqual(names[-2:], ["messageStop", "metadata"])
                streamed = "".join(e["contentBlockDelta"]["delta"].get("text", "")
                                   for e in events if "contentBlockDelta" in e)
                self.assertEqual(streamed, texts[0])
                self.assertEqual(events[-2]["messageStop"]["stopReason"], response["stopReason"])
                self.assertEqual(events[-1]["metadata"]["usage"], usage)

    def test_every_catalog_text_model_answers(self):
        for model in CATALOG:
            if model["family"] not in NATIVE:
                continue
            model_id, spec = harness.invocable_id(model), NATIVE[model["family"]]
            with self.subTest(model=model_id):
                body, _, output_count, _ = self.invoke(model_id, spec["body"]("Which model are you?", 50))
                self.assertTrue(spec["text"](body).startswith(PREFIX), body)
                self.assertGreater(output_count, 0)
                response = self.converse(model_id, [user("Which model are you?")])
                self.assertTrue(text_of(response).startswith(PREFIX))

    def test_invoke_model_tier_headers(self):
        _, _, _, response = self.invoke(HAIKU, NATIVE["anthropic"]["body"]("Tiers", 20),
                                        performanceConfigLatency="optimized", serviceTier="priority")
        self.assertEqual(response["performanceConfigLatency"], "optimized")
        self.assertEqual(response["serviceTier"], "priority")

    # -- embeddings ------------------------------------------------------------------------
    def assert_unit(self, vector):
        self.assertAlmostEqual(math.sqrt(sum(x * x for x in vector)), 1.0, places=5)

    def test_embeddings_dimensions_determinism_normalisation(self):
        nova_body = lambda text, dims=None: {  # noqa: E731
            "taskType": "SINGLE_EMBEDDING",
            "singleEmbeddingParams": {"embeddingPurpose": "GENERIC_INDEX",
                                      **({"embeddingDimension": dims} if dims else {}),
                                      "text": {"truncationMode": "END", "value": text}}}
        cases = [  # model, body for a text, vector of a response, expected dimension, normalised
            ("amazon.titan-embed-text-v1", lambda t: {"inputText": t}, lambda b: b["embedding"], 1536, False),
            ("amazon.titan-embed-text-v2:0", lambda t: {"inputText": t}, lambda b: b["embedding"], 1024, True),
            ("amazon.titan-embed-text-v2:0", lambda t: {"inputText": t, "dimensions": 512},
             lambda b: b["embedding"], 512, True),
            ("amazon.titan-embed-text-v2:0", lambda t: {"inputText": t, "dimensions": 256},
             lambda b: b["embeddingsByType"]["float"], 256, True),
            ("amazon.titan-embed-image-v1", lambda t: {"inputText": t}, lambda b: b["embedding"], 1024, True),
            ("amazon.titan-embed-image-v1", lambda t: {"inputText": t, "embeddingConfig": {"outputEmbeddingLength": 384}},
             lambda b: b["embedding"], 384, True),
            ("cohere.embed-english-v3", lambda t: {"texts": [t], "input_type": "search_document"},
             lambda b: b["embeddings"][0], 1024, True),
            ("cohere.embed-multilingual-v3", lambda t: {"texts": [t], "input_type": "search_query"},
             lambda b: b["embeddings"][0], 1024, True),
            ("amazon.nova-2-multimodal-embeddings-v1:0", nova_body,
             lambda b: b["embeddings"][0]["embedding"], 3072, True),
            ("amazon.nova-2-multimodal-embeddings-v1:0", lambda t: nova_body(t, 256),
             lambda b: b["embeddings"][0]["embedding"], 256, True),
        ]
        seen = {}
        for model_id, body_for, vector_of, dims, normalised in cases:
            with self.subTest(model=model_id, dims=dims):
                first, input_count = self.embed(model_id, body_for("embed this sentence"))
                vector = vector_of(first)
                self.assertEqual(len(vector), dims)
                self.assertTrue(all(isinstance(x, float) and -1 <= x <= 1 for x in vector))
                if normalised:
                    self.assert_unit(vector)
                self.assertGreater(input_count, 0)
                if "inputTextTokenCount" in first:
                    self.assertEqual(first["inputTextTokenCount"], input_count)
                again, _ = self.embed(model_id, body_for("embed this sentence"))
                self.assertEqual(vector_of(again), vector)
                other, _ = self.embed(model_id, body_for("a different sentence"))
                self.assertNotEqual(vector_of(other), vector)
                seen[(model_id, dims)] = vector
        # Different models give unrelated vectors for the same text.
        self.assertNotEqual(seen[("cohere.embed-english-v3", 1024)][:8],
                            seen[("cohere.embed-multilingual-v3", 1024)][:8])
        self.assertNotEqual(seen[("amazon.titan-embed-text-v2:0", 1024)][:8],
                            seen[("amazon.titan-embed-image-v1", 1024)][:8])

    def test_titan_v2_normalize_and_binary(self):
        plain, _ = self.embed("amazon.titan-embed-text-v2:0",
                              {"inputText": "raw vector", "normalize": False, "dimensions": 256})
        self.assertGreater(math.sqrt(sum(x * x for x in plain["embedding"])), 1.5)
        both, _ = self.embed("amazon.titan-embed-text-v2:0",
                             {"inputText": "raw vector", "dimensions": 256, "embeddingTypes": ["float", "binary"]})
        floats, bits = both["embeddingsByType"]["float"], both["embeddingsByType"]["binary"]
        self.assertEqual(floats, both["embedding"])
        self.assert_unit(floats)
        self.assertEqual(bits, [1 if x > 0 else 0 for x in floats])

    def test_cohere_embed_shapes(self):
        body, input_count = self.embed("cohere.embed-english-v3",
                                       {"texts": ["first text", "second text"], "input_type": "search_document"})
        self.assertEqual(body["response_type"], "embeddings_floats")
        self.assertEqual(body["texts"], ["first text", "second text"])
        self.assertRegex(body["id"], r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
        self.assertEqual([len(v) for v in body["embeddings"]], [1024, 1024])
        self.assertNotEqual(body["embeddings"][0], body["embeddings"][1])
        single, single_count = self.embed("cohere.embed-english-v3",
                                          {"texts": ["second text"], "input_type": "search_document"})
        self.assertEqual(single["embeddings"][0], body["embeddings"][1])
        self.assertEqual(input_count, 2 * single_count)
        typed, _ = self.embed("cohere.embed-english-v3", {"texts": ["first text"], "input_type": "clustering",
                                                          "embedding_types": ["float", "int8", "ubinary"]})
        self.assertEqual(typed["response_type"], "embeddings_by_type")
        by_type = typed["embeddings"]
        self.assertEqual(set(by_type), {"float", "int8", "ubinary"})
        self.assertEqual(len(by_type["int8"][0]), 1024)
        self.assertEqual(len(by_type["ubinary"][0]), 1024 // 8)
        self.assertTrue(all(-128 <= x <= 127 for x in by_type["int8"][0]))
        self.assertTrue(all(0 <= x <= 255 for x in by_type["ubinary"][0]))

    # -- images ----------------------------------------------------------------------------
    def test_image_models_return_png(self):
        titan = lambda n: {"taskType": "TEXT_IMAGE", "textToImageParams": {"text": "a lighthouse at dusk"},  # noqa: E731
                           "imageGenerationConfig": {"numberOfImages": n, "width": 1024, "height": 512}}
        cases = [("amazon.titan-image-generator-v1", titan(2), 2, 2.0),
                 ("amazon.titan-image-generator-v2:0", titan(1), 1, 2.0),
                 ("amazon.nova-canvas-v1:0", titan(3), 3, 2.0),
                 ("stability.sd3-5-large-v1:0", {"prompt": "a lighthouse at dusk", "aspect_ratio": "16:9"}, 1, 16 / 9),
                 ("stability.stable-image-core-v1:1", {"prompt": "a lighthouse at dusk"}, 1, 1.0),
                 ("stability.stable-image-ultra-v1:1", {"prompt": "a lighthouse", "seed": 42}, 1, 1.0)]
        for model_id, body, count, ratio in cases:
            with self.subTest(model=model_id):
                parsed, input_count, _, _ = self.invoke(model_id, body)
                self.assertGreater(input_count, 0)
                self.assertEqual(len(parsed["images"]), count)
                for image in parsed["images"]:
                    data = base64.b64decode(image, validate=True)
                    self.assertTrue(data.startswith(PNG_SIGNATURE), data[:16])
                    self.assertEqual(data[12:16], b"IHDR")
                    width, height = png_size(data)
                    self.assertAlmostEqual(width / height, ratio, delta=0.1)
                if model_id.startswith("stability."):
                    self.assertEqual(parsed["finish_reasons"], [None])
                    self.assertEqual(len(parsed["seeds"]), 1)
                    if "seed" in body:
                        self.assertEqual(parsed["seeds"], [body["seed"]])
                else:
                    self.assertIsNone(parsed["error"])
                again, _, _, _ = self.invoke(model_id, body)
                self.assertEqual(again["images"], parsed["images"])
        titan_two, _, _, _ = self.invoke("amazon.titan-image-generator-v1", titan(2))
        self.assertNotEqual(titan_two["images"][0], titan_two["images"][1])

    # -- tool use --------------------------------------------------------------------------
    def test_tool_use_round_trip(self):
        for model_id in (HAIKU, "amazon.nova-micro-v1:0", "openai.gpt-oss-20b-1:0"):
            with self.subTest(model=model_id):
                question = user(WEATHER_QUESTION)
                response = self.converse(model_id, [question], toolConfig=TOOLS)
                self.assertEqual(response["stopReason"], "tool_use")
                content = response["output"]["message"]["content"]
                calls = blocks_of(response, "toolUse")
                self.assertEqual(len(calls), 1)
                self.assertEqual(content[-1], {"toolUse": calls[0]})
                call = calls[0]
                # Nova's ids are UUIDs, and its call follows a "<thinking>" text block.
                if "nova" in model_id:
                    self.assertRegex(call["toolUseId"], UUID)
                    self.assertTrue(content[0]["text"].startswith("<thinking>"), content)
                else:
                    self.assertRegex(call["toolUseId"], r"^tooluse_[0-9A-Za-z]{22}$")
                self.assertEqual(call["name"], "get_weather")
                self.assertEqual(call["input"]["city"], "Paris")
                self.assertTrue(matches_schema(call["input"], WEATHER_TOOL["toolSpec"]["inputSchema"]["json"]),
                                call["input"])
                self.assertEqual(self.converse(model_id, [question], toolConfig=TOOLS)["output"], response["output"])

                answer = {"role": "user", "content": [{"toolResult": {
                    "toolUseId": call["toolUseId"], "content": [{"json": {"temperature": 21, "sky": "clear"}}]}}]}
                final = self.converse(model_id, [question, response["output"]["message"], answer],
                                      toolConfig=TOOLS)
                self.assertEqual(final["stopReason"], "end_turn")
                self.assertEqual(blocks_of(final, "toolUse"), [])
                self.assertTrue(text_of(final).startswith(PREFIX), final)

    def test_native_anthropic_tools_match_converse_and_count_tokens(self):
        spec = WEATHER_TOOL["toolSpec"]
        native_tools = [{"name": spec["name"], "description": spec["description"],
                         "input_schema": spec["inputSchema"]["json"]}]
        body = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 400, "tools": native_tools,
                "messages": [{"role": "user", "content": WEATHER_QUESTION}]}
        parsed, input_count, output_count, _ = self.invoke(HAIKU, body)
        self.assertEqual(parsed["stop_reason"], "tool_use")
        self.assertEqual([block["type"] for block in parsed["content"]], ["tool_use"])
        call = parsed["content"][0]
        self.assertRegex(call["id"], r"^toolu_bdrk_01[0-9A-Za-z]{22}$")
        self.assertEqual(call["name"], "get_weather")
        self.assertTrue(matches_schema(call["input"], spec["inputSchema"]["json"]), call["input"])
        # The same decision as Converse over the same conversation and tool.
        conversed = self.converse(HAIKU, [user(WEATHER_QUESTION)], toolConfig={"tools": [WEATHER_TOOL]})
        self.assertEqual(blocks_of(conversed, "toolUse")[0]["input"], call["input"])
        # One counter: the header, the body's usage, CountTokens and Converse agree.
        self.assertEqual(parsed["usage"]["input_tokens"], input_count)
        self.assertEqual(parsed["usage"]["output_tokens"], output_count)
        counted = self.client.count_tokens(modelId=HAIKU, input={"invokeModel": {"body": json.dumps(body)}})
        self.assertEqual(counted["inputTokens"], input_count)
        self.assertEqual(conversed["usage"]["inputTokens"], input_count)
        counted_converse = self.client.count_tokens(modelId=HAIKU, input={"converse": {
            "messages": [user(WEATHER_QUESTION)], "toolConfig": {"tools": [WEATHER_TOOL]}}})
        self.assertEqual(counted_converse["inputTokens"], conversed["usage"]["inputTokens"])

        chunks = self.invoke_stream(HAIKU, body)
        self.assertEqual(chunks[1]["content_block"]["type"], "tool_use")
        pieces = [c["delta"]["partial_json"] for c in chunks if c["type"] == "content_block_delta"]
        self.assertEqual(json.loads("".join(pieces)), call["input"])
        self.assertEqual(_last(chunks, lambda c: c["type"] == "message_delta")["delta"]["stop_reason"],
                         "tool_use")

        # A tool result turn is answered in text; a forced tool that is not declared is refused.
        body["messages"] += [{"role": "assistant", "content": [call]},
                             {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call["id"],
                                                           "content": "21 degrees"}]}]
        self.assertEqual(self.invoke(HAIKU, body)[0]["stop_reason"], "end_turn")
        body["tool_choice"] = {"type": "tool", "name": "get_stock_price"}
        with self.assertRaises(self.ValidationException):
            self.invoke(HAIKU, body)

    def test_native_nova_tools_match_converse(self):
        nova = "amazon.nova-micro-v1:0"
        body = {"schemaVersion": "messages-v1", "toolConfig": {"tools": [WEATHER_TOOL]},
                "messages": [{"role": "user", "content": [{"text": WEATHER_QUESTION}]}]}
        parsed, input_count, _, _ = self.invoke(nova, body)
        self.assertEqual(parsed["stopReason"], "tool_use")
        content = parsed["output"]["message"]["content"]
        self.assertTrue(content[0]["text"].startswith("<thinking>"), content)
        call = content[1]["toolUse"]
        self.assertRegex(call["toolUseId"], UUID)
        conversed = self.converse(nova, [user(WEATHER_QUESTION)], toolConfig={"tools": [WEATHER_TOOL]})
        self.assertEqual(blocks_of(conversed, "toolUse")[0]["input"], call["input"])
        self.assertEqual(conversed["usage"]["inputTokens"], input_count)
        chunks = self.invoke_stream(nova, body)
        start = next(c for c in chunks if "contentBlockStart" in c)["contentBlockStart"]["start"]["toolUse"]
        self.assertEqual(start["name"], "get_weather")
        delta = next(c for c in chunks if "toolUse" in c.get("contentBlockDelta", {}).get("delta", {})
                     )["contentBlockDelta"]["delta"]["toolUse"]
        self.assertEqual(json.loads(delta["input"]), call["input"])
        self.assertEqual(next(c for c in chunks if "messageStop" in c)["messageStop"]["stopReason"], "tool_use")
        # The tool's result is answered in text.
        body["messages"] += [{"role": "assistant", "content": [{"toolUse": call}]},
                             {"role": "user", "content": [{"toolResult": {"toolUseId": call["toolUseId"],
                                                                          "content": [{"text": "21 degrees"}]}}]}]
        self.assertEqual(self.invoke(nova, body)[0]["stopReason"], "end_turn")

    def test_image_and_document_limits(self):
        image = {"image": {"format": "png", "source": {"bytes": PNG_SIGNATURE + b"\0" * 32}}}
        document = {"document": {"format": "txt", "name": "notes", "source": {"bytes": b"plain notes"}}}
        ask = {"text": "Describe these."}
        # Models without image or document input refuse the blocks, tool results included.
        self.assert_validation("This model doesn't support the image field for user messages.",
                               self.client.converse, modelId=LLAMA3,
                               messages=[{"role": "user", "content": [ask, image]}])
        self.assert_validation("This model doesn't support the document field for user messages.",
                               self.client.converse, modelId=LLAMA3,
                               messages=[{"role": "user", "content": [ask, document]}])
        # Bedrock takes at most five documents; Claude at most 20 images and documents together.
        self.assert_validation("A request can include up to 5 documents. Remove documents and try again.",
                               self.client.converse, modelId=HAIKU,
                               messages=[{"role": "user", "content": [ask] + [
                                   {"document": dict(document["document"], name=f"notes{i}")} for i in range(6)]}])
        self.assert_validation("The model returned the following errors: too many images and documents: 19 + 2 > 20",
                               self.client.converse, modelId=HAIKU,
                               messages=[{"role": "user", "content": [ask] + [image] * 19 + [
                                   {"document": dict(document["document"], name=f"notes{i}")} for i in range(2)]}])
        # Within the limits, each block counts as media input.
        plain = self.converse(HAIKU, [{"role": "user", "content": [ask]}])
        twenty = self.converse(HAIKU, [{"role": "user", "content": [ask] + [image] * 20}])
        self.assertEqual(twenty["usage"]["inputTokens"] - plain["usage"]["inputTokens"], 20 * 1000)

    def test_tool_use_is_deterministic(self):
        first = self.converse(HAIKU, [user(WEATHER_QUESTION)], toolConfig=TOOLS)
        second = self.converse(HAIKU, [user(WEATHER_QUESTION)], toolConfig=TOOLS)
        self.assertEqual(first["output"], second["output"])
        self.assertEqual(first["usage"], second["usage"])

    def test_tool_choice(self):
        unrelated = [user("Tell me a short story")]
        auto = self.converse(HAIKU, unrelated, toolConfig={**TOOLS, "toolChoice": {"auto": {}}})
        self.assertEqual(auto["stopReason"], "end_turn")
        self.assertEqual(blocks_of(auto, "toolUse"), [])
        stock = self.converse(HAIKU, [user("What is the stock price of AMZN?")], toolConfig=TOOLS)
        self.assertEqual(blocks_of(stock, "toolUse")[0]["name"], "lookup_stock_price")
        forced_any = self.converse(HAIKU, unrelated, toolConfig={**TOOLS, "toolChoice": {"any": {}}})
        self.assertEqual(forced_any["stopReason"], "tool_use")
        self.assertIn(blocks_of(forced_any, "toolUse")[0]["name"], {"get_weather", "lookup_stock_price"})
        forced = self.converse(HAIKU, [user(WEATHER_QUESTION)],
                               toolConfig={**TOOLS, "toolChoice": {"tool": {"name": "lookup_stock_price"}}})
        self.assertEqual(forced["stopReason"], "tool_use")
        call = blocks_of(forced, "toolUse")[0]
        self.assertEqual(call["name"], "lookup_stock_price")
        self.assertIsInstance(call["input"]["ticker"], str)

    def test_tool_use_stream(self):
        question = [user(WEATHER_QUESTION)]
        reference = self.converse(HAIKU, question, toolConfig=TOOLS)
        call = blocks_of(reference, "toolUse")[0]
        events = self.stream_events(HAIKU, question, toolConfig=TOOLS)
        names = [next(iter(e)) for e in events]
        deltas = names.count("contentBlockDelta")
        self.assertGreaterEqual(deltas, 1)
        self.assertEqual(names, ["messageStart", "contentBlockStart"] + ["contentBlockDelta"] * deltas +
                         ["contentBlockStop", "messageStop", "metadata"])
        self.assertEqual(events[1]["contentBlockStart"],
                         {"start": {"toolUse": {"toolUseId": call["toolUseId"], "name": call["name"]}},
                          "contentBlockIndex": 0})
        partial = "".join(e["contentBlockDelta"]["delta"]["toolUse"]["input"] for e in events[2:2 + deltas])
        self.assertEqual(json.loads(partial), call["input"])
        self.assertEqual(events[-2]["messageStop"]["stopReason"], "tool_use")
        self.assertEqual(events[-1]["metadata"]["usage"], reference["usage"])

    # -- reasoning -------------------------------------------------------------------------
    THINKING = {"thinking": {"type": "enabled", "budget_tokens": 1024}}

    def test_reasoning_anthropic(self):
        model_id = "us." + SONNET_37
        messages = [user("Why is the sky blue?")]
        response = self.converse(model_id, messages, additionalModelRequestFields=self.THINKING)
        content = response["output"]["message"]["content"]
        self.assertEqual([next(iter(b)) for b in content], ["reasoningContent", "text"])
        reasoning = content[0]["reasoningContent"]["reasoningText"]
        self.assertTrue(reasoning["text"])
        self.assertRegex(reasoning["signature"], r"^[0-9A-Za-z]{20,}$")
        self.assertTrue(content[1]["text"].startswith(PREFIX))
        self.assertEqual(response["stopReason"], "end_turn")
        # Without thinking the same model answers without reasoning.
        plain = self.converse(model_id, messages)
        self.assertEqual([next(iter(b)) for b in plain["output"]["message"]["content"]], ["text"])

        events = self.stream_events(model_id, messages, additionalModelRequestFields=self.THINKING)
        deltas = [e["contentBlockDelta"] for e in events if "contentBlockDelta" in e]
        first = [d["delta"]["reasoningContent"] for d in deltas if d["contentBlockIndex"] == 0]
        self.assertTrue(all("reasoningContent" in d["delta"] for d in deltas if d["contentBlockIndex"] == 0))
        self.assertEqual("".join(r.get("text", "") for r in first), reasoning["text"])
        self.assertEqual(list(first[-1]), ["signature"])  # the signature comes last, on its own
        self.assertEqual(first[-1]["signature"], reasoning["signature"])
        self.assertTrue(all("signature" not in r for r in first[:-1]))
        self.assertEqual("".join(d["delta"]["text"] for d in deltas if d["contentBlockIndex"] == 1),
                         content[1]["text"])
        stops = [e["contentBlockStop"]["contentBlockIndex"] for e in events if "contentBlockStop" in e]
        self.assertEqual(stops, [0, 1])
        self.assertEqual(events[-1]["metadata"]["usage"], response["usage"])

    def test_reasoning_models_that_always_reason(self):
        for model_id in ("us.deepseek.r1-v1:0", "openai.gpt-oss-120b-1:0"):
            with self.subTest(model=model_id):
                response = self.converse(model_id, [user("Think about this")])
                content = response["output"]["message"]["content"]
                # DeepSeek-R1 answers its text first (recorded); gpt-oss its reasoning first.
                kinds = ["text", "reasoningContent"] if "deepseek" in model_id else ["reasoningContent", "text"]
                self.assertEqual([next(iter(b)) for b in content], kinds)
                reasoning = content[kinds.index("reasoningContent")]["reasoningContent"]["reasoningText"]
                self.assertTrue(reasoning["text"])
                self.assertNotIn("signature", reasoning)
                events = self.stream_events(model_id, [user("Think about this")])
                streamed = "".join(e["contentBlockDelta"]["delta"]["reasoningContent"].get("text", "")
                                   for e in events if "contentBlockDelta" in e
                                   and "reasoningContent" in e["contentBlockDelta"]["delta"])
                self.assertEqual(streamed, reasoning["text"])
                self.assertFalse(any("signature" in e["contentBlockDelta"]["delta"].get("reasoningContent", {})
                                     for e in events if "contentBlockDelta" in e))

    def test_reasoning_before_a_tool_call_and_nova_reasoning(self):
        model_id = "us." + SONNET_37
        extra = dict(toolConfig=TOOLS, additionalModelRequestFields=self.THINKING)
        question = user(WEATHER_QUESTION)
        response = self.converse(model_id, [question], **extra)
        content = response["output"]["message"]["content"]
        # Claude 3.7 writes a sentence between its reasoning and the call (recorded, pydantic-ai
        # test_bedrock_anthropic_tool_with_thinking.yaml), and its toolUse carries "type".
        self.assertEqual([next(iter(b)) for b in content], ["reasoningContent", "text", "toolUse"])
        self.assertEqual(content[2]["toolUse"].get("type", "tool_use"), "tool_use")
        self.assertEqual(response["stopReason"], "tool_use")
        events = self.stream_events(model_id, [question], **extra)
        starts = [e["contentBlockStart"] for e in events if "contentBlockStart" in e]
        self.assertEqual([(s["contentBlockIndex"], s["start"]["toolUse"]["name"]) for s in starts], [(2, "get_weather")])
        order = [(next(iter(e)), e[next(iter(e))].get("contentBlockIndex")) for e in events]
        self.assertEqual(order.index(("contentBlockStop", 1)) + 1, order.index(("contentBlockStart", 2)))
        self.assertEqual(events[-2]["messageStop"]["stopReason"], "tool_use")
        # The reasoning block goes back with the assistant turn; the answer to the result is text.
        result = {"role": "user", "content": [{"toolResult": {"toolUseId": content[2]["toolUse"]["toolUseId"],
                                                              "content": [{"text": "sunny"}]}}]}
        final = self.converse(model_id, [question, response["output"]["message"], result], **extra)
        # Claude goes on with its thinking of the turn that made the call (recorded: text only).
        self.assertEqual([next(iter(b)) for b in final["output"]["message"]["content"]], ["text"])
        self.assertEqual(final["stopReason"], "end_turn")

        nova = self.converse("us.amazon.nova-2-lite-v1:0", [user("Why?")], additionalModelRequestFields={
            "reasoningConfig": {"type": "enabled", "maxReasoningEffort": "low"}})
        content = nova["output"]["message"]["content"]
        self.assertEqual([next(iter(b)) for b in content], ["reasoningContent", "text"])
        self.assertTrue(content[0]["reasoningContent"]["reasoningText"]["text"])
        self.assertNotIn("signature", content[0]["reasoningContent"]["reasoningText"])

    def test_reasoning_ignored_by_models_without_it(self):
        response = self.converse(HAIKU, [user("Think about this")], additionalModelRequestFields=self.THINKING)
        self.assertEqual([next(iter(b)) for b in response["output"]["message"]["content"]], ["text"])

    # -- prompt caching --------------------------------------------------------------------
    def test_prompt_cache_write_then_read(self):
        document = " ".join(f"Clause {i} of the python cache contract says the emulator keeps prefixes."
                            for i in range(150))
        messages = [{"role": "user", "content": [{"text": document}, {"cachePoint": {"type": "default"}},
                                                 {"text": "Summarise the contract."}]}]
        uncached = self.converse(HAIKU, [{"role": "user", "content": [messages[0]["content"][0],
                                                                      messages[0]["content"][2]]}])
        self.assertNotIn("cacheReadInputTokens", uncached["usage"])
        self.assertNotIn("cacheWriteInputTokens", uncached["usage"])

        first = self.converse(HAIKU, messages)["usage"]
        second = self.converse(HAIKU, messages)["usage"]
        prefix = first["cacheWriteInputTokens"]
        self.assertGreaterEqual(prefix, 1024)
        self.assertEqual(first["cacheReadInputTokens"], 0)
        self.assertEqual(second["cacheReadInputTokens"], prefix)
        self.assertEqual(second["cacheWriteInputTokens"], 0)
        self.assertEqual(first["inputTokens"], second["inputTokens"])
        self.assertEqual(first["inputTokens"] + prefix, uncached["usage"]["inputTokens"])
        for usage in (first, second):
            self.assertEqual(usage["totalTokens"], usage["inputTokens"] + usage["outputTokens"] +
                             usage["cacheReadInputTokens"] + usage["cacheWriteInputTokens"])
        streamed = self.stream_events(HAIKU, messages)[-1]["metadata"]["usage"]
        self.assertEqual(streamed, second)
        # The cache is per model: another model writes its own entry.
        nova = self.converse("amazon.nova-micro-v1:0", messages)["usage"]
        self.assertEqual((nova["cacheWriteInputTokens"], nova["cacheReadInputTokens"]), (prefix, 0))

    def test_prompt_cache_system_prefix_and_short_prefix(self):
        system = [{"text": " ".join(f"Rule {i}: the python system prompt is long enough to cache."
                                    for i in range(150))}, {"cachePoint": {"type": "default"}}]
        first = self.converse(HAIKU, [user("First question")], system=system)["usage"]
        second = self.converse(HAIKU, [user("Another question")], system=system)["usage"]
        self.assertGreaterEqual(first["cacheWriteInputTokens"], 1024)
        self.assertEqual(second["cacheReadInputTokens"], first["cacheWriteInputTokens"])
        # Under 1024 tokens nothing is cached, but the fields are reported.
        short = [{"role": "user", "content": [{"text": "A short python prefix"},
                                              {"cachePoint": {"type": "default"}}, {"text": "Go"}]}]
        for _ in range(2):
            usage = self.converse(HAIKU, short)["usage"]
            self.assertEqual((usage["cacheReadInputTokens"], usage["cacheWriteInputTokens"]), (0, 0))
            self.assertEqual(usage["totalTokens"], usage["inputTokens"] + usage["outputTokens"])

    # -- response extras -------------------------------------------------------------------
    def test_performance_config_and_service_tier_are_echoed(self):
        extra = dict(performanceConfig={"latency": "optimized"}, serviceTier={"type": "priority"})
        response = self.converse(HAIKU, [user("Echo tiers")], **extra)
        self.assertEqual(response["performanceConfig"], {"latency": "optimized"})
        self.assertEqual(response["serviceTier"], {"type": "priority"})
        metadata = self.stream_events(HAIKU, [user("Echo tiers")], **extra)[-1]["metadata"]
        self.assertEqual(metadata["performanceConfig"], {"latency": "optimized"})
        self.assertEqual(metadata["serviceTier"], {"type": "priority"})
        plain = self.converse(HAIKU, [user("Echo tiers")])
        self.assertNotIn("performanceConfig", plain)
        self.assertNotIn("serviceTier", plain)

    def test_additional_model_response_field_paths(self):
        extra = dict(inferenceConfig={"stopSequences": ["deterministic"]},
                     additionalModelResponseFieldPaths=["/stop_sequence"])
        response = self.converse(HAIKU, [user("Stop early")], **extra)
        self.assertEqual(response["stopReason"], "stop_sequence")
        self.assertEqual(text_of(response), "This is a ")
        self.assertEqual(response["additionalModelResponseFields"], {"stop_sequence": "deterministic"})
        events = self.stream_events(HAIKU, [user("Stop early")], **extra)
        self.assertEqual(events[-2]["messageStop"]["additionalModelResponseFields"],
                         {"stop_sequence": "deterministic"})
        plain = self.converse(HAIKU, [user("Stop early")], inferenceConfig={"stopSequences": ["deterministic"]})
        self.assertNotIn("additionalModelResponseFields", plain)

    # -- model id forms --------------------------------------------------------------------
    def test_model_id_forms_resolve_to_the_same_model(self):
        messages = [user("Which form?")]
        forms = {
            HAIKU: [f"us.{HAIKU}", f"{REGION_ARN}::foundation-model/{HAIKU}",
                    f"{REGION_ARN}:{ACCOUNT}:inference-profile/us.{HAIKU}"],
            # The catalog's resourceDefaults: a user's own resource stands for a live model.
            HAIKU_45: [f"{REGION_ARN}:{ACCOUNT}:application-inference-profile/a1b2c3d4e5f6",
                       f"{REGION_ARN}:{ACCOUNT}:provisioned-model/abcdef123456"],
            "meta.llama3-1-8b-instruct-v1:0": [f"{REGION_ARN}:{ACCOUNT}:custom-model/meta.llama3-1-8b/abc123def456",
                                               f"{REGION_ARN}:{ACCOUNT}:imported-model/abc123def456"],
            SONNET_37: [f"eu.{SONNET_37}", f"apac.{SONNET_37}",
                        f"{REGION_ARN}:{ACCOUNT}:inference-profile/us.{SONNET_37}"],
        }
        for canonical, others in forms.items():
            reference_id = canonical if canonical not in (SONNET_37, HAIKU_45) else f"us.{canonical}"
            reference = self.converse(reference_id, messages)
            invoke_ref, _, _, _ = self.invoke(reference_id, {"prompt": "Which form?", "max_gen_len": 40}) \
                if canonical.startswith("meta.") else (None, 0, 0, None)
            for model_id in others:
                with self.subTest(model_id=model_id):
                    response = self.converse(model_id, messages)
                    self.assertEqual(text_of(response), text_of(reference))
                    self.assertEqual(response["usage"], reference["usage"])
                    # A raw request with the id percent-encoded in the path agrees.
                    path = "/model/%s/converse" % urllib.parse.quote(model_id, safe="")
                    status, _, raw = self.emulator.request("POST", path, {"messages": messages})
                    self.assertEqual(status, 200, raw)
                    self.assertEqual(text_of(json.loads(raw)), text_of(reference))
                    if invoke_ref is not None:
                        body, _, _, _ = self.invoke(model_id, {"prompt": "Which form?", "max_gen_len": 40})
                        self.assertEqual(body, invoke_ref)

        # Invoke through a profile and its ARN: the same native answer.
        request = NATIVE["anthropic"]["body"]("Which form?", 60)
        bare, _, _, _ = self.invoke(HAIKU, request)
        for model_id in (f"us.{HAIKU}", f"{REGION_ARN}:{ACCOUNT}:inference-profile/us.{HAIKU}"):
            with self.subTest(invoke=model_id):
                self.assertEqual(self.invoke(model_id, request)[0], bare)

    def test_different_models_answer_differently(self):
        messages = [user("Same question for everyone")]
        texts = {model_id: text_of(self.converse(model_id, messages))
                 for model_id in (HAIKU, "anthropic.claude-3-haiku-20240307-v1:0", "amazon.nova-micro-v1:0",
                                  "amazon.nova-lite-v1:0", LLAMA3)}
        self.assertEqual(len(set(texts.values())), len(texts), texts)
        self.assertTrue(all(t.startswith(PREFIX) for t in texts.values()))

    def test_invalid_model_ids(self):
        for model_id in ("x.y", "anthropic.claude-unknown-v1:0", f"eu.{HAIKU}", f"xx.{HAIKU}",
                         f"{REGION_ARN}::foundation-model/vendor.unknown-model-v1:0",
                         f"{REGION_ARN}:{ACCOUNT}:inference-profile/eu.{HAIKU}"):
            with self.subTest(model_id=model_id):
                self.assert_validation(INVALID_ID, self.client.converse, modelId=model_id, messages=[user("hi")])
                self.assert_validation(INVALID_ID, self.client.converse_stream, modelId=model_id,
                                       messages=[user("hi")])
                self.assert_validation(INVALID_ID, self.client.invoke_model, modelId=model_id, body=b"{}")
        # An id no model id pattern allows fails the input constraint first.
        bad = f"{REGION_ARN}:{ACCOUNT}:unknown-kind/abc"
        with self.assertRaises(self.ValidationException) as ctx:
            self.client.converse(modelId=bad, messages=[user("hi")])
        self.assertTrue(ctx.exception.response["Error"]["Message"].startswith(
            f"1 validation error detected: Value '{bad}' at 'modelId' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: "), ctx.exception.response["Error"]["Message"])

    def test_profile_only_models_need_a_profile(self):
        for model in CATALOG:
            if model["onDemand"] or "converse" not in model["features"]:
                continue
            with self.subTest(model=model["id"]):
                for call in (self.client.converse, self.client.converse_stream):
                    self.assert_validation(on_demand_error(model["id"]), call, modelId=model["id"],
                                           messages=[user("hi")])
                self.assert_validation(on_demand_error(model["id"]), self.client.invoke_model,
                                       modelId=f"{REGION_ARN}::foundation-model/{model['id']}", body=b"{}")
                self.assertTrue(text_of(self.converse(harness.invocable_id(model), [user("hi")])).startswith(PREFIX))

    # -- capability errors -----------------------------------------------------------------
    def test_converse_on_models_that_do_not_chat(self):
        for model_id in ("amazon.titan-embed-text-v2:0", "cohere.embed-english-v3", "amazon.titan-image-generator-v2:0",
                         "stability.sd3-5-large-v1:0", "amazon.nova-sonic-v1:0", "amazon.nova-reel-v1:0"):
            with self.subTest(model=model_id):
                for call in (self.client.converse, self.client.converse_stream):
                    self.assert_validation(UNSUPPORTED_MODEL, call, modelId=model_id, messages=[user("hi")])

    def test_streaming_models_that_do_not_stream(self):
        for model_id, body in [("amazon.titan-embed-text-v2:0", {"inputText": "hi"}),
                               ("cohere.embed-english-v3", {"texts": ["hi"], "input_type": "search_query"}),
                               ("amazon.titan-image-generator-v1",
                                {"taskType": "TEXT_IMAGE", "textToImageParams": {"text": "hi"}}),
                               ("stability.stable-image-core-v1:1", {"prompt": "hi"})]:
            with self.subTest(model=model_id):
                self.assert_validation(NO_STREAMING, self.client.invoke_model_with_response_stream,
                                       modelId=model_id, body=json.dumps(body))

    def test_feature_errors(self):
        tool_config = {"tools": [WEATHER_TOOL]}
        cases = [
            ("system prompt", TITAN_TEXT, dict(system=[{"text": "Be brief"}]), NO_SYSTEM),
            ("system prompt (mistral 7b)", "mistral.mistral-7b-instruct-v0:2", dict(system=[{"text": "x"}]), NO_SYSTEM),
            ("tool use", LLAMA3, dict(toolConfig=tool_config), NO_TOOLS),
            ("tool use (titan)", TITAN_TEXT, dict(toolConfig=tool_config), NO_TOOLS),
            ("max tokens llama", LLAMA3, dict(inferenceConfig={"maxTokens": 2049}), max_tokens_error(2048)),
            ("max tokens haiku", HAIKU, dict(inferenceConfig={"maxTokens": 8193}), max_tokens_error(8192)),
            ("max tokens nova", "amazon.nova-micro-v1:0", dict(inferenceConfig={"maxTokens": 10001}),
             max_tokens_error(10000)),
        ]
        for name, model_id, extra, message in cases:
            for call in (self.client.converse, self.client.converse_stream):
                with self.subTest(case=name, call=call.__name__):
                    self.assert_validation(message, call, modelId=model_id, messages=[user("What is the weather?")],
                                           **extra)
        # The limit itself is accepted.
        self.assertEqual(self.converse(LLAMA3, [user("hi")], inferenceConfig={"maxTokens": 2048})["stopReason"],
                         "end_turn")
        for kind in ("any", "tool"):
            choice = {kind: {"name": "get_weather"} if kind == "tool" else {}}
            self.assert_validation(f"This model doesn't support the toolConfig.toolChoice.{kind} field. "
                                   f"Remove toolConfig.toolChoice.{kind} and try again.", self.client.converse,
                                   modelId=MISTRAL_LARGE_2407, messages=[user(WEATHER_QUESTION)],
                                   toolConfig={**tool_config, "toolChoice": choice})
        self.assert_validation(NO_STREAMING_TOOLS, self.client.converse_stream, modelId=MISTRAL_LARGE_2407,
                               messages=[user(WEATHER_QUESTION)], toolConfig=tool_config)
        self.assertEqual(self.converse(MISTRAL_LARGE_2407, [user(WEATHER_QUESTION)], toolConfig=tool_config)
                         ["stopReason"], "tool_use")

    def test_input_longer_than_the_context_window(self):
        text = "Context " * 5000  # amazon.titan-text-lite-v1 reads at most 4096 tokens
        for call in (self.client.converse, self.client.converse_stream):
            with self.subTest(call=call.__name__):
                self.assert_validation(TOO_LONG, call, modelId="amazon.titan-text-lite-v1", messages=[user(text)])
        for call in (self.client.invoke_model, self.client.invoke_model_with_response_stream):
            with self.subTest(call=call.__name__):
                self.assert_validation(TOO_LONG, call, modelId="amazon.titan-text-lite-v1",
                                       body=json.dumps({"inputText": text}))

    def test_tool_block_errors(self):
        tool_use = {"role": "assistant", "content": [
            {"toolUse": {"toolUseId": "tooluse_a", "name": "get_weather", "input": {"city": "Paris"}}},
            {"toolUse": {"toolUseId": "tooluse_b", "name": "get_weather", "input": {"city": "Rome"}}}]}
        result_a = {"role": "user", "content": [{"toolResult": {"toolUseId": "tooluse_a",
                                                                "content": [{"text": "sunny"}]}}]}
        for call in (self.client.converse, self.client.converse_stream):
            with self.subTest(call=call.__name__):
                self.assert_validation(TOOL_CONFIG_REQUIRED, call, modelId=HAIKU,
                                       messages=[user(WEATHER_QUESTION), tool_use, result_a])
                self.assert_validation(TOOL_CONFIG_REQUIRED, call, modelId=HAIKU,
                                       messages=[{"role": "user", "content": result_a["content"]}])
                self.assert_validation("Expected toolResult blocks at messages.2.content for the following Ids: "
                                       "tooluse_b", call, modelId=HAIKU, toolConfig=TOOLS,
                                       messages=[user(WEATHER_QUESTION), tool_use, result_a])
                self.assert_validation("Expected toolResult blocks at messages.2.content for the following Ids: "
                                       "tooluse_a, tooluse_b", call, modelId=HAIKU, toolConfig=TOOLS,
                                       messages=[user(WEATHER_QUESTION), tool_use, user("never mind")])

    def test_invoke_body_errors(self):
        for model_id in (HAIKU, LLAMA3, "amazon.titan-embed-text-v2:0", "stability.sd3-5-large-v1:0"):
            for body in (b"not json", b"[1, 2]"):
                with self.subTest(model=model_id, body=body):
                    self.assert_validation(MALFORMED, self.client.invoke_model, modelId=model_id, body=body)
            with self.subTest(model=model_id, stream=True):
                if model_id in (HAIKU, LLAMA3):
                    self.assert_validation(MALFORMED, self.client.invoke_model_with_response_stream,
                                           modelId=model_id, body=b"{oops")
        for call in (self.client.invoke_model, self.client.invoke_model_with_response_stream):
            with self.subTest(call=call.__name__):
                self.assert_validation(LLAMA_STOP, call, modelId=LLAMA3,
                                       body=json.dumps({"prompt": "hi", "stop_sequences": ["\n"]}))
        with self.assertRaises(self.ValidationException) as ctx:
            self.client.invoke_model(modelId=HAIKU, body=json.dumps({"prompt": "hi", "max_tokens": 10}))
        self.assertTrue(ctx.exception.response["Error"]["Message"].startswith("Malformed input request"))


if __name__ == "__main__":
    unittest.main()
