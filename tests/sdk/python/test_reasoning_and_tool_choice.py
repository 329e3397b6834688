"""boto3 tests of how the request shapes reasoning and tool choice (issue 16, items 1, 5, 6):
effort and thinking budget set the reasoning's length (the budget caps it, usage counts it),
the model's refusals of bad budgets and efforts, a system prompt that tells the model to call a
tool, and toolRemoval / toolAddition in a system-role message changing the callable tools.

botocore 1.43.11 knows neither outputConfig.effort nor the system role: those members are
added to the JSON body after botocore has validated and serialized the rest (the newest JS SDK
sends them itself: tests/js/sdk/reasoning.test.mjs)."""
import json
import unittest

import harness
from harness import assistant, user

SONNET_37 = "us.anthropic.claude-3-7-sonnet-20250219-v1:0"
SONNET_45 = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
OPUS_46 = "us.anthropic.claude-opus-4-6-v1"
OPUS_47 = "us.anthropic.claude-opus-4-7"
NOVA_2_LITE = "us.amazon.nova-2-lite-v1:0"
GPT_OSS = "openai.gpt-oss-20b-1:0"
NOVA_MICRO = "amazon.nova-micro-v1:0"
MODEL_PREFIX = "The model returned the following errors: "


def tool(name, description, properties=None):
    return {"toolSpec": {"name": name, "description": description,
                         "inputSchema": {"json": {"type": "object", "properties": properties or {}}}}}


WEATHER = tool("get_weather", "Get the weather for a location", {"location": {"type": "string"}})
CALCULATOR = tool("calculator", "Evaluate an arithmetic expression", {"expression": {"type": "string"}})
STORY = "Tell me a short story about a lighthouse keeper."


def reasoning_text(response):
    for block in response["output"]["message"]["content"]:
        if "reasoningContent" in block:
            return block["reasoningContent"]["reasoningText"]["text"]
    return None


def tool_calls(response):
    return [b["toolUse"]["name"] for b in response["output"]["message"]["content"] if "toolUse" in b]


def words(text):
    return len(text.split())


class ReasoningAndToolChoiceTest(harness.EmulatorTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ValidationException = cls.client.exceptions.ValidationException
        cls.body_extra = {}

        def add_members(params, **_):
            if not cls.body_extra:
                return
            body = json.loads(params["body"] or b"{}")
            body.update(cls.body_extra)
            params["body"] = json.dumps(body).encode()
        cls.client.meta.events.register("before-call.bedrock-runtime.Converse", add_members)
        cls.client.meta.events.register("before-call.bedrock-runtime.ConverseStream", add_members)

    def setUp(self):
        super().setUp()
        type(self).body_extra = {}

    def converse(self, model_id, messages, body_extra=None, **kwargs):
        type(self).body_extra = body_extra or {}
        try:
            return self.client.converse(modelId=model_id, messages=messages, **kwargs)
        finally:
            type(self).body_extra = {}

    def refusal(self, model_id, messages, body_extra=None, **kwargs):
        with self.assertRaises(self.ValidationException) as caught:
            self.converse(model_id, messages, body_extra, **kwargs)
        return caught.exception.response["Error"]["Message"]

    # -- reasoning length -------------------------------------------------------------------
    def test_effort_orders_reasoning_length_and_usage_counts_it(self):
        lengths = {}
        for effort in ("low", "medium", "high", "max"):
            with self.subTest(effort=effort):
                response = self.converse(
                    OPUS_46, [user(STORY)], body_extra={"outputConfig": {"effort": effort}},
                    additionalModelRequestFields={"thinking": {"type": "adaptive"}})
                text = reasoning_text(response)
                self.assertIsNotNone(text)
                lengths[effort] = words(text)
                answer = "".join(b.get("text", "") for b in response["output"]["message"]["content"])
                # outputTokens counts the reasoning as well as the answer.
                self.assertGreaterEqual(response["usage"]["outputTokens"], words(text) + words(answer))
        self.assertLess(lengths["low"], lengths["medium"])
        self.assertLess(lengths["medium"], lengths["high"])
        self.assertLess(lengths["high"], lengths["max"])

    def test_same_request_same_reasoning(self):
        extra = dict(additionalModelRequestFields={"thinking": {"type": "enabled", "budget_tokens": 2048}})
        first = self.converse(SONNET_45, [user(STORY)], **extra)
        second = self.converse(SONNET_45, [user(STORY)], **extra)
        self.assertEqual(reasoning_text(first), reasoning_text(second))

    def test_budget_tokens_caps_and_scales_reasoning(self):
        small = self.converse(SONNET_45, [user(STORY)],
                              additionalModelRequestFields={"thinking": {"type": "enabled", "budget_tokens": 1024}})
        large = self.converse(SONNET_45, [user(STORY)], inferenceConfig={"maxTokens": 20000},
                              additionalModelRequestFields={"thinking": {"type": "enabled", "budget_tokens": 16000}})
        self.assertLessEqual(small["usage"]["outputTokens"] - words(small["output"]["message"]["content"][-1]["text"]),
                             1024 + 16)
        self.assertGreater(words(reasoning_text(large)), 4 * words(reasoning_text(small)))
        # Budget plus effort: the effort's length, never above the budget.
        capped = self.converse(OPUS_46, [user(STORY)], body_extra={"outputConfig": {"effort": "max"}},
                               additionalModelRequestFields={"thinking": {"type": "enabled", "budget_tokens": 1024}})
        self.assertLessEqual(words(reasoning_text(capped)), 1024)

    def test_nova_2_and_gpt_oss_efforts(self):
        def nova(effort):
            return words(reasoning_text(self.converse(NOVA_2_LITE, [user(STORY)], additionalModelRequestFields={
                "reasoningConfig": {"type": "enabled", "maxReasoningEffort": effort}})) or "")

        def gpt(effort):
            return words(reasoning_text(self.converse(GPT_OSS, [user(STORY)], additionalModelRequestFields={
                "reasoning_effort": effort})))
        # Nova redacts its reasoning text; gpt-oss shows it.
        self.assertEqual(nova("low"), 1)
        self.assertLess(gpt("low"), gpt("medium"))
        self.assertLess(gpt("medium"), gpt("high"))

    def test_stream_reasoning_matches_converse(self):
        extra = dict(additionalModelRequestFields={"thinking": {"type": "enabled", "budget_tokens": 4000}},
                     inferenceConfig={"maxTokens": 8000})
        unary = reasoning_text(self.converse(SONNET_45, [user(STORY)], **extra))
        events = list(self.client.converse_stream(modelId=SONNET_45, messages=[user(STORY)], **extra)["stream"])
        streamed = "".join(e["contentBlockDelta"]["delta"]["reasoningContent"].get("text", "")
                           for e in events if "contentBlockDelta" in e
                           and "reasoningContent" in e["contentBlockDelta"]["delta"])
        self.assertEqual(streamed, unary)

    # -- refusals ---------------------------------------------------------------------------
    def test_budget_below_minimum_is_refused(self):
        message = self.refusal(SONNET_37, [user("hi")],
                               additionalModelRequestFields={"thinking": {"type": "enabled", "budget_tokens": 1000}})
        self.assertEqual(message, MODEL_PREFIX + "thinking.enabled.budget_tokens: Input should be greater "
                                                 "than or equal to 1024")

    def test_budget_not_below_max_tokens_is_refused(self):
        for max_tokens in (2000, 1999):
            with self.subTest(max_tokens=max_tokens):
                message = self.refusal(SONNET_45, [user("hi")], inferenceConfig={"maxTokens": max_tokens},
                                       additionalModelRequestFields={"thinking": {"type": "enabled",
                                                                                  "budget_tokens": 2000}})
                self.assertTrue(message.startswith(
                    MODEL_PREFIX + "`max_tokens` must be greater than `thinking.budget_tokens`."), message)
        ok = self.converse(SONNET_45, [user("hi")], inferenceConfig={"maxTokens": 2001},
                           additionalModelRequestFields={"thinking": {"type": "enabled", "budget_tokens": 2000}})
        self.assertEqual(ok["ResponseMetadata"]["HTTPStatusCode"], 200)

    def test_effort_the_model_lacks_is_refused(self):
        message = self.refusal(OPUS_46, [user("hi")], body_extra={"outputConfig": {"effort": "xhigh"}},
                               additionalModelRequestFields={"thinking": {"type": "adaptive"}})
        self.assertEqual(message, MODEL_PREFIX + "This model does not support effort level 'xhigh'. "
                                                 "Supported levels: high, low, max, medium.")

    def test_effort_above_high_needs_thinking(self):
        message = self.refusal(OPUS_47, [user("hi")], body_extra={"outputConfig": {"effort": "max"}})
        self.assertEqual(message, MODEL_PREFIX + "output_config.effort 'max' is not supported when thinking is "
                                                 "disabled on this model. Use effort 'high' or below, or enable "
                                                 "thinking.")
        ok = self.converse(OPUS_47, [user("hi")], body_extra={"outputConfig": {"effort": "high"}})
        self.assertEqual(ok["ResponseMetadata"]["HTTPStatusCode"], 200)
        # A model without the effort parameter is not refused (what Bedrock answers is unknown).
        ok = self.converse(NOVA_MICRO, [user("hi")], body_extra={"outputConfig": {"effort": "max"}})
        self.assertEqual(ok["ResponseMetadata"]["HTTPStatusCode"], 200)

    def test_nova_that_does_not_reason_refuses_reasoning_config(self):
        config = {"reasoningConfig": {"type": "enabled", "maxReasoningEffort": "low"}}
        self.assertEqual(self.refusal("amazon.nova-pro-v1:0", [user("hi")], additionalModelRequestFields=config),
                         MODEL_PREFIX + "Malformed input request: the provided reasoning config value is invalid, "
                                        "please reformat your input and try again.")
        ok = self.converse(NOVA_2_LITE, [user("hi")], additionalModelRequestFields=config)
        self.assertEqual(ok["ResponseMetadata"]["HTTPStatusCode"], 200)

    def test_native_budget_refusals(self):
        def invoke(thinking, max_tokens):
            body = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": max_tokens,
                    "messages": [{"role": "user", "content": "hi"}], "thinking": thinking}
            with self.assertRaises(self.ValidationException) as caught:
                self.client.invoke_model(modelId=SONNET_45, body=json.dumps(body))
            return caught.exception.response["Error"]["Message"]
        self.assertEqual(invoke({"type": "enabled", "budget_tokens": 512}, 4000),
                         "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024")
        self.assertTrue(invoke({"type": "enabled", "budget_tokens": 4000}, 4000).startswith(
            "`max_tokens` must be greater than `thinking.budget_tokens`."))

    def test_native_anthropic_thinking_block_follows_effort_and_budget(self):
        def invoke(thinking, stream=False, **extra):
            body = json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 8000,
                               "messages": [{"role": "user", "content": STORY}], "thinking": thinking, **extra})
            if not stream:
                return json.loads(self.client.invoke_model(modelId=OPUS_46, body=body)["body"].read())
            events = self.client.invoke_model_with_response_stream(modelId=OPUS_46, body=body)["body"]
            return [json.loads(e["chunk"]["bytes"]) for e in events if "chunk" in e]

        answer = invoke({"type": "enabled", "budget_tokens": 4000})
        self.assertEqual([b["type"] for b in answer["content"]], ["thinking", "text"])
        thinking = answer["content"][0]
        self.assertTrue(thinking["signature"])
        self.assertLessEqual(words(thinking["thinking"]), 4000)
        self.assertGreaterEqual(answer["usage"]["output_tokens"],
                                words(thinking["thinking"]) + words(answer["content"][1]["text"]))
        low = invoke({"type": "adaptive"}, output_config={"effort": "low"})["content"][0]["thinking"]
        high = invoke({"type": "adaptive"}, output_config={"effort": "high"})["content"][0]["thinking"]
        self.assertLess(words(low), words(high))
        # The stream carries the same text as thinking_delta pieces, then its signature.
        chunks = invoke({"type": "adaptive"}, stream=True, output_config={"effort": "high"})
        self.assertEqual(chunks[1]["content_block"], {"type": "thinking", "thinking": ""})
        streamed = "".join(c["delta"]["thinking"] for c in chunks
                           if c["type"] == "content_block_delta" and c["delta"]["type"] == "thinking_delta")
        self.assertEqual(streamed, high)
        self.assertEqual(sum(1 for c in chunks if c["type"] == "content_block_delta"
                             and c["delta"]["type"] == "signature_delta"), 1)

    # -- tool choice from the system prompt -------------------------------------------------
    def test_system_prompt_makes_the_model_call_a_tool(self):
        tools = {"tools": [WEATHER, CALCULATOR]}
        for instruction, expected in [
            ("Always call get_weather before answering.", "get_weather"),
            ("Use the calculator tool for every question.", "calculator"),
            ("You must use the calculator tool.", "calculator"),
        ]:
            with self.subTest(instruction=instruction):
                response = self.converse(NOVA_MICRO, [user(STORY)], system=[{"text": instruction}],
                                         toolConfig=tools)
                self.assertEqual(response["stopReason"], "tool_use")
                self.assertEqual(tool_calls(response), [expected])
        # No instruction: the story asks for no tool.
        plain = self.converse(NOVA_MICRO, [user(STORY)], system=[{"text": "Be brief."}], toolConfig=tools)
        self.assertEqual(plain["stopReason"], "end_turn")
        negated = self.converse(NOVA_MICRO, [user(STORY)], system=[{"text": "Never call get_weather."}],
                                toolConfig=tools)
        self.assertEqual(negated["stopReason"], "end_turn")

    def test_user_naming_another_tool_wins_and_tool_choice_rules(self):
        tools = {"tools": [WEATHER, CALCULATOR]}
        system = [{"text": "Always call get_weather."}]
        response = self.converse(NOVA_MICRO, [user("Please use calculator on 2+2")], system=system,
                                 toolConfig=tools)
        self.assertEqual(tool_calls(response), ["calculator"])
        forced = self.converse(SONNET_45, [user(STORY)], system=system,
                               toolConfig={**tools, "toolChoice": {"tool": {"name": "calculator"}}})
        self.assertEqual(tool_calls(forced), ["calculator"])

    def test_native_anthropic_system_prompt_chooses_the_tool(self):
        native_tools = [{"name": "get_weather", "description": "Get the weather",
                         "input_schema": {"type": "object", "properties": {"location": {"type": "string"}}}},
                        {"name": "calculator", "description": "Arithmetic",
                         "input_schema": {"type": "object", "properties": {"expression": {"type": "string"}}}}]
        for system in ("You must use the calculator tool.",
                       [{"type": "text", "text": "You must use the calculator tool."}]):
            with self.subTest(system=type(system).__name__):
                body = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 512, "system": system,
                        "messages": [{"role": "user", "content": STORY}], "tools": native_tools}
                answer = json.loads(self.client.invoke_model(modelId=SONNET_45, body=json.dumps(body))["body"].read())
                self.assertEqual(answer["stop_reason"], "tool_use")
                self.assertEqual([b["name"] for b in answer["content"] if b["type"] == "tool_use"], ["calculator"])

    # -- toolRemoval / toolAddition ---------------------------------------------------------
    def test_removed_tool_is_not_called_and_added_back_it_is(self):
        tools = {"tools": [WEATHER, CALCULATOR]}
        question = "What is the weather in Paris?"
        self.assertEqual(tool_calls(self.converse(NOVA_MICRO, [user(question)], toolConfig=tools)), ["get_weather"])
        removal = {"role": "system", "content": [{"toolRemoval": {"tool": {"name": "get_weather"}}}]}
        addition = {"role": "system", "content": [{"toolAddition": {"tool": {"name": "get_weather"}}}]}
        history = [user("hello"), assistant("Hi.")]
        # The system-role messages are sent in the body (botocore does not know the role).
        removed = self.converse(NOVA_MICRO, [user("x")], toolConfig=tools,
                                body_extra={"messages": history + [removal, user(question)]})
        self.assertEqual(removed["stopReason"], "end_turn")
        self.assertEqual(tool_calls(removed), [])
        back = self.converse(NOVA_MICRO, [user("x")], toolConfig=tools,
                             body_extra={"messages": history + [removal, addition, user(question)]})
        self.assertEqual(tool_calls(back), ["get_weather"])
        # An instruction cannot call a removed tool either.
        instructed = self.converse(NOVA_MICRO, [user("x")], toolConfig=tools,
                                   system=[{"text": "Always call get_weather."}],
                                   body_extra={"messages": history + [removal, user(STORY)]})
        self.assertEqual(tool_calls(instructed), [])


if __name__ == "__main__":
    unittest.main()
