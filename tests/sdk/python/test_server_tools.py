"""Server tools on Converse and ConverseStream, read by boto3: Nova 2's systemTool
nova_code_interpreter (a toolUse of type server_tool_use, the sandbox's toolResult inline, then
the answer) and nova_grounding (text followed by citationsContent with web locations).

The shapes are those of recorded Nova 2 Lite exchanges (pydantic-ai cassettes, 2026) and of the
AWS Nova 2 user guide; model/server_tools.h says when each tool runs."""
import json
import unittest
import urllib.parse

import botocore.exceptions

import harness
from harness import user

NOVA_2 = "us.amazon.nova-2-lite-v1:0"
NOVA_MICRO = "amazon.nova-micro-v1:0"
SONNET_45 = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
CODE_INTERPRETER = {"systemTool": {"name": "nova_code_interpreter"}}
GROUNDING = {"systemTool": {"name": "nova_grounding"}}
FINAL_RESULT = {"toolSpec": {
    "name": "final_result", "description": "The final response which ends this conversation",
    "inputSchema": {"json": {"type": "object", "properties": {"result": {"type": "number"}},
                             "required": ["result"]}}}}


class ServerToolsTest(harness.EmulatorTest):
    def converse(self, text, tools, **extra):
        return self.client.converse(modelId=NOVA_2, messages=[user(text)],
                                    toolConfig={"tools": tools, **extra})

    def stream_events(self, text, tools, **extra):
        response = self.client.converse_stream(modelId=NOVA_2, messages=[user(text)],
                                               toolConfig={"tools": tools, **extra})
        return list(response["stream"])

    def test_code_interpreter_alone_runs_then_answers(self):
        response = self.converse("What is 1234 * 5678?", [CODE_INTERPRETER])
        content = response["output"]["message"]["content"]
        self.assertEqual([next(iter(block)) for block in content], ["toolUse", "toolResult", "text"])
        call, result = content[0]["toolUse"], content[1]["toolResult"]
        self.assertEqual(call["name"], "nova_code_interpreter")
        self.assertEqual(call["type"], "server_tool_use")
        self.assertEqual(call["input"], {"snippet": "1234 * 5678"})
        self.assertRegex(call["toolUseId"], r"^tooluse_[0-9A-Za-z]{22}$")
        self.assertEqual(result["toolUseId"], call["toolUseId"])
        self.assertEqual(result["type"], "nova_code_interpreter_result")
        self.assertEqual(result["status"], "success")
        self.assertEqual(result["content"], [{"json": {
            "stdOut": "7006652", "stdErr": "", "exitCode": 0, "isError": False}}])
        self.assertIn("7006652", content[2]["text"])
        self.assertEqual(response["stopReason"], "end_turn")

    def test_same_request_same_answer(self):
        first = self.converse("Calculate 7 / 2", [CODE_INTERPRETER])
        second = self.converse("Calculate 7 / 2", [CODE_INTERPRETER])
        self.assertEqual(first["output"], second["output"])
        self.assertEqual(first["output"]["message"]["content"][1]["toolResult"]["content"][0]
                         ["json"]["stdOut"], "3.5")

    def test_text_without_a_computation_gets_no_call(self):
        response = self.converse("Tell me a story about a lighthouse", [CODE_INTERPRETER])
        content = response["output"]["message"]["content"]
        self.assertEqual([next(iter(block)) for block in content], ["text"])
        self.assertEqual(response["stopReason"], "end_turn")

    def test_any_with_a_client_tool_calls_both_as_recorded(self):
        response = self.converse("What is 1234 * 5678?", [FINAL_RESULT, CODE_INTERPRETER],
                                 toolChoice={"any": {}})
        content = response["output"]["message"]["content"]
        self.assertEqual([next(iter(block)) for block in content],
                         ["toolUse", "toolResult", "toolUse"])
        client_call = content[2]["toolUse"]
        self.assertEqual(client_call["name"], "final_result")
        self.assertEqual(client_call["type"], "tool_use")
        self.assertNotEqual(client_call["toolUseId"], content[0]["toolUse"]["toolUseId"])
        self.assertEqual(response["stopReason"], "tool_use")
        # The recorded answers carry an empty serverToolUsage even with a server call.
        status, _, body = self.emulator.request(
            "POST", f"/model/{urllib.parse.quote(NOVA_2, safe='')}/converse",
            {"messages": [user("What is 1234 * 5678?")],
             "toolConfig": {"tools": [FINAL_RESULT, CODE_INTERPRETER], "toolChoice": {"any": {}}}})
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["usage"]["serverToolUsage"], {})

    def test_history_with_a_server_call_is_accepted(self):
        first = self.converse("What is 1234 * 5678?", [FINAL_RESULT, CODE_INTERPRETER],
                              toolChoice={"any": {}})
        turn = first["output"]["message"]
        client_id = turn["content"][2]["toolUse"]["toolUseId"]
        messages = [user("What is 1234 * 5678?"), turn, {"role": "user", "content": [
            {"toolResult": {"toolUseId": client_id, "content": [{"text": "Final result processed."}],
                            "status": "success"}},
            {"text": "Now multiply 7006652 * 2"}]}]
        response = self.client.converse(
            modelId=NOVA_2, messages=messages,
            toolConfig={"tools": [FINAL_RESULT, CODE_INTERPRETER], "toolChoice": {"any": {}}})
        content = response["output"]["message"]["content"]
        self.assertEqual(content[1]["toolResult"]["content"][0]["json"]["stdOut"], "14013304")

    def test_stream_events_as_recorded(self):
        events = self.stream_events("What is 1234 * 5678?", [CODE_INTERPRETER])
        starts = [e["contentBlockStart"] for e in events if "contentBlockStart" in e]
        self.assertEqual(starts[0]["contentBlockIndex"], 0)
        call = starts[0]["start"]["toolUse"]
        self.assertEqual((call["name"], call["type"]), ("nova_code_interpreter", "server_tool_use"))
        result = starts[1]["start"]["toolResult"]
        self.assertEqual(starts[1]["contentBlockIndex"], 1)
        self.assertEqual(result, {"toolUseId": call["toolUseId"], "status": "success",
                                  "type": "nova_code_interpreter_result"})
        deltas = [e["contentBlockDelta"] for e in events if "contentBlockDelta" in e]
        tool_input = "".join(d["delta"]["toolUse"]["input"] for d in deltas
                             if d["contentBlockIndex"] == 0)
        self.assertEqual(json.loads(tool_input), {"snippet": "1234 * 5678"})
        result_deltas = [d["delta"]["toolResult"] for d in deltas if d["contentBlockIndex"] == 1]
        self.assertEqual(result_deltas, [[{"json": {
            "stdOut": "7006652", "stdErr": "", "exitCode": 0, "isError": False}}]])
        text = "".join(d["delta"]["text"] for d in deltas if d["contentBlockIndex"] == 2)
        self.assertIn("7006652", text)
        stops = [e["contentBlockStop"]["contentBlockIndex"] for e in events
                 if "contentBlockStop" in e]
        self.assertEqual(stops, [0, 1, 2])
        self.assertEqual(next(e for e in events if "messageStop" in e)["messageStop"]["stopReason"],
                         "end_turn")

    def test_stream_matches_unary(self):
        unary = self.converse("What is 1234 * 5678?", [CODE_INTERPRETER])
        events = self.stream_events("What is 1234 * 5678?", [CODE_INTERPRETER])
        start = next(e for e in events if "contentBlockStart" in e)["contentBlockStart"]
        self.assertEqual(start["start"]["toolUse"]["toolUseId"],
                         unary["output"]["message"]["content"][0]["toolUse"]["toolUseId"])

    def test_grounding_cites_web_locations(self):
        response = self.converse("What is the latest news about renewable energy?", [GROUNDING])
        content = response["output"]["message"]["content"]
        self.assertEqual([next(iter(block)) for block in content], ["text", "citationsContent"])
        citations = content[1]["citationsContent"]["citations"]
        self.assertGreaterEqual(len(citations), 1)
        for citation in citations:
            web = citation["location"]["web"]
            self.assertTrue(web["url"].startswith("https://"))
            self.assertIn(web["domain"], web["url"])
        self.assertEqual(response["stopReason"], "end_turn")

    def test_grounding_streams_citation_deltas(self):
        events = self.stream_events("What is the latest news about renewable energy?", [GROUNDING])
        deltas = [e["contentBlockDelta"] for e in events if "contentBlockDelta" in e]
        citations = [d["delta"]["citation"] for d in deltas if "citation" in d["delta"]]
        self.assertGreaterEqual(len(citations), 1)
        self.assertIn("web", citations[0]["location"])
        self.assertNotIn("contentBlockStart", [k for e in events for k in e
                                                if k == "contentBlockStart"])

    def test_model_without_system_tools_refuses_them(self):
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            self.client.converse(modelId=NOVA_MICRO, messages=[user("What is 2 + 2?")],
                                 toolConfig={"tools": [CODE_INTERPRETER]})
        self.assertEqual(caught.exception.response["Error"]["Code"], "ValidationException")

    def test_unknown_system_tool_refused(self):
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            self.converse("What is 2 + 2?", [{"systemTool": {"name": "nova_teleporter"}}])
        self.assertEqual(caught.exception.response["Error"]["Code"], "ValidationException")

    def test_anthropic_server_tools_are_refused_in_native_bodies(self):
        for tool in ({"type": "web_search_20250305", "name": "web_search", "max_uses": 2},
                     {"type": "code_execution_20250825", "name": "code_execution"}):
            body = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 100,
                    "messages": [{"role": "user", "content": "What is the latest news?"}],
                    "tools": [{"name": "lookup", "input_schema": {"type": "object"}}, tool]}
            with self.subTest(tool=tool["type"]):
                with self.assertRaises(botocore.exceptions.ClientError) as caught:
                    self.client.invoke_model(modelId=SONNET_45, body=json.dumps(body))
                error = caught.exception.response["Error"]
                self.assertEqual(error["Code"], "ValidationException")
                self.assertEqual(error["Message"],
                                 f"tools.1: Input tag '{tool['type']}' found using 'type' does not "
                                 "match any of the expected tags: 'bash_20250124', 'custom', "
                                 "'text_editor_20250124'")

    def test_anthropic_client_tool_types_still_accepted(self):
        body = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 100,
                "messages": [{"role": "user", "content": "Hello"}],
                "tools": [{"type": "bash_20250124", "name": "bash"}]}
        response = self.client.invoke_model(modelId=SONNET_45, body=json.dumps(body))
        self.assertEqual(json.loads(response["body"].read())["type"], "message")


if __name__ == "__main__":
    unittest.main()
