"""boto3 end-to-end tests of structured outputs: Converse and ConverseStream outputConfig.textFormat,
Anthropic's output_config.format (through additionalModelRequestFields and in a native
InvokeModel body, and the beta's output_format), the refusals of models without the feature and of
schema keywords Claude does not take, and a scenario's scripted text winning over the schema.

Every answer is parsed with json.loads and checked against its schema by the small validator
below (the keywords the emulator generates); DEVIATIONS.md "Structured outputs" has the evidence.
"""
import json
import re
import unittest
import uuid as uuid_module

import botocore.exceptions

import harness
from harness import user

SONNET_45 = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
OPUS_47 = "us.anthropic.claude-opus-4-7"  # no structured outputs on Bedrock (vercel/ai#15288)
HAIKU_3 = "anthropic.claude-3-haiku-20240307-v1:0"
QWEN = "qwen.qwen3-235b-a22b-2507-v1:0"
NOVA = "amazon.nova-micro-v1:0"

PROMPT = "Extract the contact: John Smith (john@example.com) wants a demo in San Francisco."

# Only keywords Claude accepts (no numeric bounds, lengths or maxItems).
CONTACT_SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "email": {"type": "string", "format": "email"},
        "plan": {"type": "string", "enum": ["free", "pro", "enterprise"]},
        "demo_requested": {"type": "boolean"},
        "seats": {"type": "integer"},
        "kind": {"const": "contact"},
        "meeting": {
            "type": "object",
            "properties": {
                "when": {"type": "string", "format": "date-time"},
                "day": {"type": "string", "format": "date"},
                "link": {"type": "string", "format": "uri"},
                "id": {"type": "string", "format": "uuid"},
            },
            "required": ["when", "day", "link", "id"],
            "additionalProperties": False,
        },
        "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        "owner": {"$ref": "#/$defs/person"},
        "channel": {"anyOf": [{"type": "string", "enum": ["email", "phone"]}, {"type": "null"}]},
        "note": {"type": "string"},
    },
    "required": ["name", "email", "plan", "demo_requested", "seats", "kind", "meeting", "tags",
                 "owner", "channel"],
    "additionalProperties": False,
    "$defs": {
        "person": {
            "type": "object",
            "properties": {"first": {"type": "string"}, "last": {"type": "string"}},
            "required": ["first", "last"],
            "additionalProperties": False,
        },
    },
}

# Bounds only open models take.
BOUNDED_SCHEMA = {
    "type": "object",
    "properties": {
        "score": {"type": "integer", "minimum": 40, "maximum": 45},
        "ratio": {"type": "number", "minimum": 0.25, "maximum": 0.75},
        "code": {"type": "string", "minLength": 12, "maxLength": 14},
        "short": {"type": "string", "maxLength": 3},
        "items": {"type": "array", "items": {"type": "integer", "minimum": 1}, "minItems": 3,
                  "maxItems": 4},
    },
    "required": ["score", "ratio", "code", "short", "items"],
}

FORMATS = {
    "date-time": re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"),
    "date": re.compile(r"^\d{4}-\d{2}-\d{2}$"),
    "email": re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
    "uri": re.compile(r"^[a-z][a-z0-9+.-]*://\S+$"),
}


def violations(value, schema, root=None, path="$"):
    """The ways `value` breaks `schema` (the keywords the emulator generates), as strings."""
    root = root if root is not None else schema
    if "$ref" in schema:
        target = root
        for part in schema["$ref"].lstrip("#/").split("/"):
            target = target[part]
        return violations(value, target, root, path)
    if "const" in schema:
        return [] if value == schema["const"] else [f"{path}: not the const {schema['const']!r}"]
    if "enum" in schema:
        return [] if value in schema["enum"] else [f"{path}: {value!r} not in enum"]
    if "anyOf" in schema:
        if any(not violations(value, s, root, path) for s in schema["anyOf"]):
            return []
        return [f"{path}: matches no anyOf branch"]
    kind = schema.get("type", "object" if "properties" in schema else None)
    checks = {
        "object": lambda v: isinstance(v, dict),
        "array": lambda v: isinstance(v, list),
        "string": lambda v: isinstance(v, str),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
        "null": lambda v: v is None,
    }
    if kind is not None and not checks[kind](value):
        return [f"{path}: {value!r} is not {kind}"]
    found = []
    if kind == "object":
        properties = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in value:
                found.append(f"{path}: required member {name} missing")
        for name, member in value.items():
            if name in properties:
                found += violations(member, properties[name], root, f"{path}.{name}")
            elif schema.get("additionalProperties") is False:
                found.append(f"{path}: member {name} not allowed")
    elif kind == "array":
        if len(value) < schema.get("minItems", 0):
            found.append(f"{path}: fewer than minItems")
        if len(value) > schema.get("maxItems", len(value)):
            found.append(f"{path}: more than maxItems")
        for i, item in enumerate(value):
            found += violations(item, schema.get("items", {}), root, f"{path}[{i}]")
    elif kind in ("integer", "number"):
        if value < schema.get("minimum", value) or value > schema.get("maximum", value):
            found.append(f"{path}: {value} out of bounds")
    elif kind == "string":
        if len(value) < schema.get("minLength", 0) or len(value) > schema.get("maxLength", len(value)):
            found.append(f"{path}: length {len(value)} out of bounds")
        fmt = schema.get("format")
        if fmt == "uuid":
            try:
                uuid_module.UUID(value)
            except ValueError:
                found.append(f"{path}: {value!r} is not a uuid")
        elif fmt in FORMATS and not FORMATS[fmt].match(value):
            found.append(f"{path}: {value!r} is not a {fmt}")
    return found


def text_format(schema, name="contact"):
    return {"textFormat": {"type": "json_schema", "structure": {"jsonSchema": {
        "schema": json.dumps(schema), "name": name, "description": "A contact"}}}}


class StructuredOutputsTest(harness.EmulatorTest):
    reset_each_test = True

    def assert_valid(self, text, schema):
        document = json.loads(text)
        self.assertEqual(violations(document, schema), [], text)
        return document

    def converse(self, model, schema, **extra):
        return self.client.converse(modelId=model, messages=[user(PROMPT)],
                                    outputConfig=text_format(schema), **extra)

    def test_converse_answers_a_document_valid_against_the_schema(self):
        response = self.converse(SONNET_45, CONTACT_SCHEMA)
        self.assertEqual(response["stopReason"], "end_turn")
        content = response["output"]["message"]["content"]
        self.assertEqual(len(content), 1)
        text = content[0]["text"]
        document = self.assert_valid(text, CONTACT_SCHEMA)
        self.assertEqual(document["kind"], "contact")
        self.assertEqual(document["name"], "John Smith")  # the user's most name-like phrase
        self.assertNotIn("note", document)  # optional members stay out when some are required
        # Members in the order the schema text gives them, as a model writes them.
        self.assertEqual(list(document), [k for k in CONTACT_SCHEMA["properties"] if k in document])
        self.assertEqual(list(document["meeting"]), ["when", "day", "link", "id"])
        # Deterministic: the same request answers the same document.
        self.assertEqual(self.converse(SONNET_45, CONTACT_SCHEMA)["output"]["message"]["content"][0]["text"], text)
        # Usage counts the document.
        usage = response["usage"]
        self.assertGreater(usage["outputTokens"], 10)
        self.assertEqual(usage["totalTokens"], usage["inputTokens"] + usage["outputTokens"])

    def test_open_models_take_bounds_and_honour_them(self):
        response = self.converse(QWEN, BOUNDED_SCHEMA)
        document = self.assert_valid(response["output"]["message"]["content"][0]["text"], BOUNDED_SCHEMA)
        self.assertTrue(40 <= document["score"] <= 45)
        self.assertEqual(len(document["short"]), 3)
        self.assertIn(len(document["items"]), (3, 4))

    def test_converse_stream_sends_the_document_as_text_deltas(self):
        response = self.client.converse_stream(modelId=SONNET_45, messages=[user(PROMPT)],
                                               outputConfig=text_format(CONTACT_SCHEMA))
        deltas, stop, usage = [], None, None
        for event in response["stream"]:
            if "contentBlockDelta" in event:
                deltas.append(event["contentBlockDelta"]["delta"]["text"])
            elif "messageStop" in event:
                stop = event["messageStop"]["stopReason"]
            elif "metadata" in event:
                usage = event["metadata"]["usage"]
        self.assertGreater(len(deltas), 3)
        text = "".join(deltas)
        self.assert_valid(text, CONTACT_SCHEMA)
        self.assertEqual(stop, "end_turn")
        unary = self.converse(SONNET_45, CONTACT_SCHEMA)
        self.assertEqual(text, unary["output"]["message"]["content"][0]["text"])
        self.assertEqual(usage["outputTokens"], unary["usage"]["outputTokens"])

    def test_anthropic_output_config_through_additional_fields(self):
        response = self.client.converse(
            modelId=SONNET_45, messages=[user(PROMPT)],
            additionalModelRequestFields={"output_config": {"format": {
                "type": "json_schema", "schema": CONTACT_SCHEMA}}})
        self.assert_valid(response["output"]["message"]["content"][0]["text"], CONTACT_SCHEMA)
        self.assertEqual(response["stopReason"], "end_turn")

    def test_anthropic_native_invoke_model(self):
        for key, extra in (("output_config", {"output_config": {"format": {
                "type": "json_schema", "schema": CONTACT_SCHEMA}}}),
                           ("output_format", {"output_format": {"type": "json_schema", "schema": CONTACT_SCHEMA},
                                              "anthropic_beta": ["structured-outputs-2025-11-13"]})):
            with self.subTest(key):
                body = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 512,
                        "messages": [{"role": "user", "content": PROMPT}], **extra}
                response = self.client.invoke_model(modelId=SONNET_45, body=json.dumps(body))
                answer = json.loads(response["body"].read())
                self.assertEqual(answer["stop_reason"], "end_turn")
                self.assertEqual(answer["content"][0]["type"], "text")
                self.assert_valid(answer["content"][0]["text"], CONTACT_SCHEMA)
                self.assertGreater(answer["usage"]["output_tokens"], 10)

    def test_anthropic_native_stream(self):
        body = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 512,
                "messages": [{"role": "user", "content": PROMPT}],
                "output_config": {"format": {"type": "json_schema", "schema": CONTACT_SCHEMA}}}
        response = self.client.invoke_model_with_response_stream(modelId=SONNET_45, body=json.dumps(body))
        pieces, stop = [], None
        for event in response["body"]:
            chunk = json.loads(event["chunk"]["bytes"])
            if chunk["type"] == "content_block_delta":
                pieces.append(chunk["delta"]["text"])
            elif chunk["type"] == "message_delta":
                stop = chunk["delta"]["stop_reason"]
        self.assertGreater(len(pieces), 1)
        self.assert_valid("".join(pieces), CONTACT_SCHEMA)
        self.assertEqual(stop, "end_turn")

    def assert_refused(self, call, message):
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            call()
        error = caught.exception.response["Error"]
        self.assertEqual(error["Code"], "ValidationException")
        self.assertEqual(error["Message"], message)
        self.assertEqual(caught.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)

    def test_models_without_the_feature_refuse_it(self):
        anthropic = "The model returned the following errors: output_config.format: Extra inputs are not permitted"
        for model in (OPUS_47, HAIKU_3):
            with self.subTest(model):
                self.assert_refused(lambda: self.converse(model, CONTACT_SCHEMA), anthropic)
                stream = lambda: self.client.converse_stream(  # noqa: E731
                    modelId=model, messages=[user(PROMPT)], outputConfig=text_format(CONTACT_SCHEMA))
                self.assert_refused(stream, anthropic)
        self.assert_refused(
            lambda: self.converse(NOVA, CONTACT_SCHEMA),
            "This model doesn't support the outputConfig.textFormat field. Remove outputConfig.textFormat and try again.")
        body = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 64,
                "messages": [{"role": "user", "content": PROMPT}],
                "output_config": {"format": {"type": "json_schema", "schema": CONTACT_SCHEMA}}}
        self.assert_refused(lambda: self.client.invoke_model(modelId=OPUS_47, body=json.dumps(body)),
                            "output_config.format: Extra inputs are not permitted")

    def test_claude_refuses_keywords_it_does_not_take(self):
        array_bound = {"type": "object", "properties": {"labels": {
            "type": "array", "items": {"type": "string"}, "maxItems": 3}}, "required": ["labels"]}
        self.assert_refused(
            lambda: self.converse(SONNET_45, array_bound),
            "The model returned the following errors: output_config.format.schema: "
            "For 'array' type, property 'maxItems' is not supported")
        number_bounds = {"type": "object", "properties": {"n": {"type": "number", "minimum": 0, "maximum": 9}}}
        self.assert_refused(
            lambda: self.converse(SONNET_45, number_bounds),
            "The model returned the following errors: output_config.format.schema: "
            "For 'number' type, properties maximum, minimum are not supported")
        body = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 64,
                "messages": [{"role": "user", "content": PROMPT}],
                "output_config": {"format": {"type": "json_schema", "schema": array_bound}}}
        self.assert_refused(lambda: self.client.invoke_model(modelId=SONNET_45, body=json.dumps(body)),
                            "output_config.format.schema: For 'array' type, property 'maxItems' is not supported")

    def test_a_schema_that_is_not_a_json_object_is_refused(self):
        config = {"textFormat": {"type": "json_schema", "structure": {"jsonSchema": {"schema": "{not json"}}}}
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            self.client.converse(modelId=SONNET_45, messages=[user(PROMPT)], outputConfig=config)
        self.assertEqual(caught.exception.response["Error"]["Code"], "ValidationException")
        self.assertIn("outputConfig.textFormat.structure.jsonSchema.schema", caught.exception.response["Error"]["Message"])

    def test_a_scenario_script_wins_over_the_schema(self):
        status, _, raw = self.emulator.request("POST", "/_emulator/scenarios", {
            "name": "scripted", "rules": [{"match": {"text": "scripted please"}, "response": {"text": "not json"}}]})
        self.assertEqual(status, 200, raw)
        response = self.client.converse(modelId=SONNET_45, messages=[user("scripted please")],
                                        outputConfig=text_format(CONTACT_SCHEMA))
        self.assertEqual(response["output"]["message"]["content"][0]["text"], "not json")


if __name__ == "__main__":
    unittest.main()
