#!/usr/bin/env python3
"""Unit tests of the shape comparer: each kind of real difference fails, and model-choice
differences are reported apart, so the conformance suite cannot pass by comparing nothing."""
import base64
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from shapes import compare, keys_sorted, check_sums, Result  # noqa: E402
from streams import compare_stream  # noqa: E402

CONVERSE = {
    "metrics": {"latencyMs": {"$integer": {"min": 1}}},
    "output": {"message": {"role": {"$const": "assistant"}, "content": {"$blocks": {
        "recorded": ["text"],
        "kinds": {"text": {"text": "string"},
                  "toolUse": {"toolUse": {"toolUseId": "string", "name": "string", "input": "object"}}}}}}},
    "stopReason": {"$enum": ["end_turn"], "$choice": ["tool_use", "max_tokens"]},
    "usage": {"inputTokens": "integer", "outputTokens": "integer", "totalTokens": "integer",
              "serverToolUsage": "object"},
}


def answer(**changes):
    body = {"metrics": {"latencyMs": 12},
            "output": {"message": {"role": "assistant", "content": [{"text": "hi"}]}},
            "stopReason": "end_turn",
            "usage": {"inputTokens": 3, "outputTokens": 1, "totalTokens": 4, "serverToolUsage": {}}}
    body.update(changes)
    return body


def failed_paths(result):
    return [path for path, _, _ in result.failures]


class ShapeTest(unittest.TestCase):
    def test_identical_shape_passes(self):
        result = compare(CONVERSE, answer())
        self.assertEqual(result.failures, [])
        self.assertEqual(result.choices, [])

    def test_missing_key_fails(self):
        body = answer(usage={"inputTokens": 3, "outputTokens": 1, "totalTokens": 4})
        result = compare(CONVERSE, body)
        self.assertEqual(failed_paths(result), [".usage.serverToolUsage"])
        self.assertEqual(result.failures[0][2], "missing")

    def test_unexpected_key_fails(self):
        body = answer(usage={"inputTokens": 3, "outputTokens": 1, "totalTokens": 4, "serverToolUsage": {},
                             "cacheReadInputTokens": 0})
        self.assertEqual(failed_paths(compare(CONVERSE, body)), [".usage.cacheReadInputTokens"])

    def test_optional_key_may_be_absent(self):
        self.assertTrue(compare({"a": "string", "b?": "integer"}, {"a": "x"}).ok)
        self.assertFalse(compare({"a": "string", "b?": "integer"}, {"a": "x", "b": "y"}).ok)

    def test_wrong_type_fails(self):
        result = compare(CONVERSE, answer(metrics={"latencyMs": "12"}))
        self.assertEqual(result.failures, [(".metrics.latencyMs", "integer", "string")])

    def test_bound_fails(self):
        self.assertEqual(failed_paths(compare(CONVERSE, answer(metrics={"latencyMs": 0}))), [".metrics.latencyMs"])

    def test_wrong_enum_value_fails(self):
        result = compare(CONVERSE, answer(stopReason="endturn"))
        self.assertEqual(failed_paths(result), [".stopReason"])
        self.assertEqual(result.choices, [])

    def test_other_stop_reason_is_a_model_choice(self):
        result = compare(CONVERSE, answer(stopReason="tool_use"))
        self.assertEqual(result.failures, [])
        self.assertEqual([c[0] for c in result.choices], [".stopReason"])

    def test_other_blocks_are_a_model_choice(self):
        content = [{"text": "let me look"}, {"toolUse": {"toolUseId": "t", "name": "n", "input": {}}}]
        body = answer(output={"message": {"role": "assistant", "content": content}})
        result = compare(CONVERSE, body)
        self.assertEqual(result.failures, [])
        self.assertEqual([c[0] for c in result.choices], [".output.message.content"])

    def test_block_of_known_kind_with_wrong_shape_fails(self):
        content = [{"toolUse": {"toolUseId": "t", "name": "n", "input": "{}"}}]
        body = answer(output={"message": {"role": "assistant", "content": content}})
        result = compare(CONVERSE, body)
        self.assertEqual(failed_paths(result), [".output.message.content[0].toolUse.input"])

    def test_block_of_unknown_kind_fails(self):
        body = answer(output={"message": {"role": "assistant", "content": [{"image": {}}]}})
        self.assertEqual(failed_paths(compare(CONVERSE, body)), [".output.message.content[0]"])

    def test_block_order_rule_fails(self):
        shape = {"$blocks": {"recorded": ["text", "reasoningContent"], "order": ["text", "reasoningContent"],
                             "kinds": {"text": {"text": "string"}, "reasoningContent": {"reasoningContent": "object"}}}}
        self.assertTrue(compare(shape, [{"text": "a"}, {"reasoningContent": {}}]).ok)
        self.assertFalse(compare(shape, [{"reasoningContent": {}}, {"text": "a"}]).ok)

    def test_preceded_by_rule_fails(self):
        shape = {"$blocks": {"recorded": ["text", "toolUse"], "precededBy": {"toolUse": "text"},
                             "kinds": {"text": {"text": "string"}, "toolUse": {"toolUse": "object"}}}}
        self.assertTrue(compare(shape, [{"text": "a"}, {"toolUse": {}}]).ok)
        self.assertTrue(compare(shape, [{"text": "a"}]).ok)  # no tool call: a model choice
        self.assertFalse(compare(shape, [{"toolUse": {}}]).ok)

    def test_regex_and_const(self):
        shape = {"$regex": "[A-Za-z]+Exception:http://internal\\.amazon\\.com/coral/com\\.amazon\\.bedrock/"}
        self.assertTrue(compare(shape, "ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/").ok)
        self.assertFalse(compare(shape, "ValidationException").ok)
        self.assertFalse(compare({"$const": "assistant"}, "user").ok)

    def test_array_length_fails_when_different(self):
        shape = {"$array": "number", "$len": 3}
        self.assertTrue(compare(shape, [0.1, -0.2, 0.3]).ok)
        self.assertFalse(compare(shape, [0.1, -0.2]).ok)
        self.assertFalse(compare(shape, [0.1, -0.2, "x"]).ok)

    def test_unsorted_keys_are_found(self):
        self.assertEqual(keys_sorted('{"a": 1, "b": {"d": 1, "c": 2}}'), ["d,c"])
        self.assertEqual(keys_sorted('{"a": 1, "b": {"c": 1}}'), [])

    def test_sums(self):
        result = Result()
        check_sums([{"sum": "u.t", "of": ["u.a", "u.b"]}], {"u": {"t": 5, "a": 2, "b": 2}}, result)
        self.assertEqual(failed_paths(result), [".u.t"])


def frame(name, payload):
    return {"headers": {":event-type": name, ":message-type": "event", ":content-type": "application/json"},
            "payload": payload, "raw": json.dumps(payload, sort_keys=True).encode()}


STREAM = {
    "kind": "converse",
    "messageStart": {"role": {"$const": "assistant"}, "p": "string"},
    "blocks": {"recorded": ["text"], "kinds": {
        "text": {"start": None, "delta": {"contentBlockIndex": "integer", "delta": {"text": "string"}, "p": "string"},
                 "stop": {"contentBlockIndex": "integer", "p": "string"}},
        "toolUse": {"start": {"contentBlockIndex": "integer", "p": "string",
                              "start": {"toolUse": {"toolUseId": "string", "name": "string"}}},
                    "delta": {"contentBlockIndex": "integer", "delta": {"toolUse": {"input": "string"}}, "p": "string"},
                    "stop": {"contentBlockIndex": "integer", "p": "string"}}}},
    "messageStop": {"stopReason": {"$enum": ["end_turn"], "$choice": ["tool_use"]}, "p": "string"},
    "metadata": {"metrics": "object", "usage": "object", "p": "string"},
}


def text_stream(*, start_event=False, stop_reason="end_turn", padding=True):
    p = {"p": "abc"} if padding else {}
    events = [frame("messageStart", {"role": "assistant", **p})]
    if start_event:
        events.append(frame("contentBlockStart", {"contentBlockIndex": 0, "start": {"text": ""}, **p}))
    events += [frame("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": "Hi"}, **p}),
               frame("contentBlockStop", {"contentBlockIndex": 0, **p}),
               frame("messageStop", {"stopReason": stop_reason, **p}),
               frame("metadata", {"metrics": {}, "usage": {}, **p})]
    return events


class StreamTest(unittest.TestCase):
    def test_matching_stream_passes(self):
        result = compare_stream(STREAM, text_stream())
        self.assertEqual((result.failures, result.choices), ([], []))

    def test_missing_padding_fails(self):
        result = compare_stream(STREAM, text_stream(padding=False))
        self.assertIn("messageStart.p", failed_paths(result))

    def test_start_event_for_text_block_fails(self):
        self.assertIn("block[0].contentBlockStart", failed_paths(compare_stream(STREAM, text_stream(start_event=True))))

    def test_tool_block_instead_of_text_is_a_model_choice(self):
        p = {"p": "abc"}
        events = [frame("messageStart", {"role": "assistant", **p}),
                  frame("contentBlockStart", {"contentBlockIndex": 0, "start": {"toolUse": {"toolUseId": "t", "name": "n"}}, **p}),
                  frame("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"toolUse": {"input": "{}"}}, **p}),
                  frame("contentBlockStop", {"contentBlockIndex": 0, **p}),
                  frame("messageStop", {"stopReason": "tool_use", **p}),
                  frame("metadata", {"metrics": {}, "usage": {}, **p})]
        result = compare_stream(STREAM, events)
        self.assertEqual(result.failures, [])
        self.assertEqual(sorted(c[0] for c in result.choices), ["blocks", "messageStop.stopReason"])

    def test_wrong_event_order_fails(self):
        events = text_stream()
        events[-1], events[-2] = events[-2], events[-1]
        self.assertEqual(failed_paths(compare_stream(STREAM, events)), ["events"])

    def test_chunk_sequence(self):
        spec = {"kind": "chunks", "frame": {"bytes": "string", "p": "string"}, "sequence": [
            {"shape": {"start": "object"}},
            {"group": [{"shape": {"delta": "string"}}, {"shape": {"stop": "integer"}}], "repeat": "+"},
            {"shape": {"end": {"$enum": ["a"], "$choice": ["b"]}}}]}

        def chunks(*docs):
            return [{"headers": {":event-type": "chunk"}, "raw": b"{}",
                     "payload": {"bytes": base64.b64encode(json.dumps(d).encode()).decode(), "p": "ab"}} for d in docs]

        good = chunks({"start": {}}, {"delta": "x"}, {"stop": 0}, {"delta": "y"}, {"stop": 1}, {"end": "a"})
        self.assertTrue(compare_stream(spec, good).ok)
        choice = compare_stream(spec, chunks({"start": {}}, {"delta": "x"}, {"stop": 0}, {"end": "b"}))
        self.assertTrue(choice.ok)
        self.assertEqual(len(choice.choices), 1)
        two_deltas = chunks({"start": {}}, {"delta": "x"}, {"delta": "y"}, {"stop": 1}, {"end": "a"})
        result = compare_stream(spec, two_deltas)
        self.assertEqual(failed_paths(result)[0], "chunk[2]")
        no_padding = good[:1] + [{**good[1], "payload": {"bytes": good[1]["payload"]["bytes"]}}] + good[2:]
        self.assertIn("chunk[1].p", failed_paths(compare_stream(spec, no_padding)))


if __name__ == "__main__":
    unittest.main(verbosity=1)
