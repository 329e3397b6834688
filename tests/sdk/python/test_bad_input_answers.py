"""Malformed input that used to be answered 200 gets the service's error.

- Anthropic native bodies: image or document bytes that are not base64, a thinking budget that
  is not an integer: ValidationException "Malformed input request: ...";
- a bidirectional stream whose body ends inside an event-stream message: a validationException
  event (the in-stream error the real service sends for input it cannot read);
- InvokeGuardrailChecks over more text than the emulator checks in one request:
  ValidationException; at the limit, an answer in bounded time.
"""
import base64
import json
import struct
import time
import unittest
import urllib.parse
import zlib

from botocore.exceptions import ClientError

import harness

CLAUDE = "anthropic.claude-3-5-haiku-20241022-v1:0"
SONIC = "amazon.nova-sonic-v1:0"
MALFORMED = "Malformed input request: "


# ---- event-stream framing (the layout of eventstream/frames.h) --------------------------------

def header(name, value):
    name = name.encode()
    value = value.encode()
    return bytes([len(name)]) + name + b"\x07" + struct.pack(">H", len(value)) + value


def message(headers, payload):
    head = b"".join(header(k, v) for k, v in headers)
    total = 12 + len(head) + len(payload) + 4
    prelude = struct.pack(">II", total, len(head))
    body = prelude + struct.pack(">I", zlib.crc32(prelude)) + head + payload
    return body + struct.pack(">I", zlib.crc32(body))


def chunk(event):
    payload = json.dumps({"bytes": base64.b64encode(json.dumps(event).encode()).decode()}).encode()
    return message([(":message-type", "event"), (":event-type", "chunk"),
                    (":content-type", "application/json")], payload)


def decode_all(data):
    """(headers dict, payload) of every whole message in `data`."""
    out, at = [], 0
    while at + 12 <= len(data):
        total, head_len = struct.unpack(">II", data[at:at + 8])
        head, pos = {}, at + 12
        while pos < at + 12 + head_len:
            n = data[pos]
            name = data[pos + 1:pos + 1 + n].decode()
            pos += 1 + n
            kind = data[pos]
            pos += 1
            if kind == 7:
                (length,) = struct.unpack(">H", data[pos:pos + 2])
                head[name] = data[pos + 2:pos + 2 + length].decode()
                pos += 2 + length
            else:
                raise AssertionError(f"header type {kind} not expected")
        out.append((head, data[at + 12 + head_len:at + total - 4]))
        at += total
    return out


SESSION_START = {"event": {"sessionStart": {"inferenceConfiguration": {"maxTokens": 64}}}}


class BadInputAnswersTest(harness.EmulatorTest):

    def claude_error(self, body):
        with self.assertRaises(ClientError) as caught:
            self.client.invoke_model(modelId=CLAUDE, body=json.dumps(body), contentType="application/json")
        error = caught.exception.response["Error"]
        self.assertEqual(error["Code"], "ValidationException")
        self.assertEqual(caught.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        self.assertTrue(error["Message"].startswith(MALFORMED), error["Message"])
        return error["Message"]

    @staticmethod
    def claude_body(content, **extra):
        return {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 50,
                "messages": [{"role": "user", "content": content}], **extra}

    def test_anthropic_image_bytes_that_are_not_base64(self):
        for data in ["@@@", "!!!not base64@@@", "aGVsbG8=extra", "a"]:
            for kind, media in (("image", "image/png"), ("document", "application/pdf")):
                with self.subTest(kind=kind, data=data):
                    block = {"type": kind, "source": {"type": "base64", "media_type": media, "data": data}}
                    message = self.claude_error(self.claude_body([block, {"type": "text", "text": "what is it?"}]))
                    self.assertIn("#/messages/0/content/0/source/data: string is not valid base64", message)
        # Valid bytes still answer.
        good = {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                            "data": base64.b64encode(b"\x89PNG\r\n\x1a\n").decode()}}
        answer = self.client.invoke_model(modelId=CLAUDE, body=json.dumps(self.claude_body([good, {"type": "text", "text": "hi"}])))
        self.assertEqual(json.loads(answer["body"].read())["type"], "message")

    def test_anthropic_thinking_budget_that_is_not_an_integer(self):
        for budget in ["x", 1.5, None, [], {}]:
            with self.subTest(budget=budget):
                message = self.claude_error(self.claude_body("hi", thinking={"type": "enabled", "budget_tokens": budget}))
                self.assertIn("#/thinking/budget_tokens: expected type: Integer", message)
        message = self.claude_error(self.claude_body("hi", thinking="on"))
        self.assertIn("#/thinking: expected type: JSONObject, found: String", message)

    def bidi(self, body):
        path = "/model/" + urllib.parse.quote(SONIC, safe="") + "/invoke-with-bidirectional-stream"
        started = time.monotonic()
        status, headers, raw = self.emulator.request(
            "POST", path, body=body, headers={"Content-Type": "application/vnd.amazon.eventstream"})
        return status, decode_all(raw), time.monotonic() - started

    def test_bidirectional_body_cut_inside_a_message(self):
        whole = chunk(SESSION_START)
        for name, body in (("first message cut", whole[:len(whole) // 2]),
                           ("prelude cut", whole[:7]),
                           ("second message cut", whole + chunk(SESSION_START)[:30])):
            with self.subTest(name):
                status, events, seconds = self.bidi(body)
                self.assertEqual(status, 200)
                self.assertTrue(events, "no events at all")
                head, payload = events[-1]
                self.assertEqual(head.get(":message-type"), "exception", head)
                self.assertEqual(head.get(":exception-type"), "validationException", head)
                self.assertTrue(json.loads(payload)["message"])
                self.assertLess(seconds, 5)

    def guardrail_checks(self, text):
        body = {"messages": [{"role": "user", "content": [{"text": text}]}],
                "checks": {"contentFilter": {"categories": [{"category": "VIOLENCE"}]},
                           "promptAttack": {"categories": [{"category": "JAILBREAK"}]},
                           "sensitiveInformation": {"entities": [{"type": "EMAIL"}]}}}
        started = time.monotonic()
        status, headers, raw = self.emulator.request("POST", "/guardrail-checks/invoke", body)
        return status, headers, json.loads(raw), time.monotonic() - started

    def test_guardrail_checks_text_limit(self):
        unit = "hello someone@example.com, this is ordinary text. "
        status, headers, answer, _ = self.guardrail_checks((unit * 6000)[:100001])
        self.assertEqual(status, 400)
        self.assertEqual((headers.get("x-amzn-ErrorType") or "").split(":")[0], "ValidationException")
        self.assertIn("100000", answer["message"])
        status, _, answer, seconds = self.guardrail_checks((unit * 6000)[:100000])
        self.assertEqual(status, 200, answer)
        self.assertEqual(answer["usage"]["contentFilter"]["textUnits"], 100)
        print(f"\nInvokeGuardrailChecks over 100,000 characters: {seconds:.2f} s")
        # The server answers another client at once afterwards.
        self.assertEqual(self.emulator.request("GET", "/_emulator/health")[0], 200)


if __name__ == "__main__":
    unittest.main()
