// Server tools through the AWS SDK for JavaScript v3, once with the default client (HTTP/2 h2c)
// and once with NodeHttpHandler (HTTP/1.1): a Nova code-interpreter answer (toolUse of type
// server_tool_use, its inline nova_code_interpreter_result, then text) parsed unary and
// streamed, and a grounded answer's web citations. Shapes: recorded Nova 2 Lite exchanges
// (pydantic-ai cassettes, 2026); when each tool runs: emulator/src/model/server_tools.h.
// Anthropic's server tools (web_search_*, code_execution_*) are refused in native bodies, as
// Bedrock refuses them (DEVIATIONS.md "Server tools").
// Run: cd tests/js && node --test sdk/server_tools.test.mjs
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { AnthropicBedrock } from "@anthropic-ai/bedrock-sdk";
import {
  ConverseCommand,
  ConverseStreamCommand,
  InvokeModelCommand,
  ValidationException,
} from "@aws-sdk/client-bedrock-runtime";

import { CLIENT_KINDS, makeClient, startEmulator, user } from "./harness.mjs";

const NOVA_2 = "us.amazon.nova-2-lite-v1:0";
const CODE_INTERPRETER = { systemTool: { name: "nova_code_interpreter" } };
const GROUNDING = { systemTool: { name: "nova_grounding" } };
const FINAL_RESULT = {
  toolSpec: {
    name: "final_result",
    description: "The final response which ends this conversation",
    inputSchema: { json: { type: "object", properties: { result: { type: "number" } }, required: ["result"] } },
  },
};
const RESULT = [{ json: { stdOut: "7006652", stdErr: "", exitCode: 0, isError: false } }];
const SONNET_45 = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
const WEB_SEARCH_REFUSAL =
  "tools.0: Input tag 'web_search_20250305' found using 'type' does not match any of the expected tags: " +
  "'bash_20250124', 'custom', 'text_editor_20250124'";
const memberOf = (block) => Object.keys(block).find((key) => block[key] !== undefined && key !== "$unknown");

let emulator;
before(async () => {
  emulator = await startEmulator();
});
after(async () => {
  assert.equal(await emulator.stop(), 0);
});

for (const kind of CLIENT_KINDS) {
  describe(`SDK client: ${kind}`, () => {
    let client;
    before(() => {
      client = makeClient(emulator.endpoint, kind);
    });
    after(() => client.destroy());

    test("a Nova code-interpreter answer parsed by the SDK (unary)", async () => {
      const response = await client.send(
        new ConverseCommand({
          modelId: NOVA_2,
          messages: [user("What is 1234 * 5678?")],
          toolConfig: { tools: [CODE_INTERPRETER] },
        }),
      );
      const content = response.output.message.content;
      assert.deepEqual(content.map(memberOf), ["toolUse", "toolResult", "text"]);
      const call = content[0].toolUse;
      assert.equal(call.name, "nova_code_interpreter");
      assert.equal(call.type, "server_tool_use");
      assert.deepEqual(call.input, { snippet: "1234 * 5678" });
      const result = content[1].toolResult;
      assert.equal(result.toolUseId, call.toolUseId);
      assert.equal(result.type, "nova_code_interpreter_result");
      assert.equal(result.status, "success");
      assert.deepEqual(result.content, RESULT);
      assert.match(content[2].text, /7006652/);
      assert.equal(response.stopReason, "end_turn");
    });

    test("a Nova code-interpreter answer parsed by the SDK (streamed)", async () => {
      const response = await client.send(
        new ConverseStreamCommand({
          modelId: NOVA_2,
          messages: [user("What is 1234 * 5678?")],
          toolConfig: { tools: [CODE_INTERPRETER] },
        }),
      );
      const events = [];
      for await (const event of response.stream) events.push(event);
      const starts = events.filter((e) => e.contentBlockStart).map((e) => e.contentBlockStart);
      assert.equal(starts[0].start.toolUse.type, "server_tool_use");
      assert.equal(starts[0].start.toolUse.name, "nova_code_interpreter");
      assert.deepEqual(starts[1].start.toolResult, {
        toolUseId: starts[0].start.toolUse.toolUseId,
        status: "success",
        type: "nova_code_interpreter_result",
      });
      const deltas = events.filter((e) => e.contentBlockDelta).map((e) => e.contentBlockDelta);
      const input = deltas
        .filter((d) => d.contentBlockIndex === 0)
        .map((d) => d.delta.toolUse.input)
        .join("");
      assert.deepEqual(JSON.parse(input), { snippet: "1234 * 5678" });
      // ToolResultBlocksDelta is a list of ToolResultBlockDelta unions.
      const resultDeltas = deltas.filter((d) => d.contentBlockIndex === 1).map((d) => d.delta.toolResult);
      assert.deepEqual(resultDeltas, [RESULT]);
      const text = deltas
        .filter((d) => d.contentBlockIndex === 2)
        .map((d) => d.delta.text)
        .join("");
      assert.match(text, /7006652/);
      assert.equal(events.find((e) => e.messageStop).messageStop.stopReason, "end_turn");
    });

    test("a client tool beside the server call carries type tool_use", async () => {
      const response = await client.send(
        new ConverseCommand({
          modelId: NOVA_2,
          messages: [user("What is 1234 * 5678?")],
          toolConfig: { tools: [FINAL_RESULT, CODE_INTERPRETER], toolChoice: { any: {} } },
        }),
      );
      const content = response.output.message.content;
      assert.deepEqual(content.map(memberOf), ["toolUse", "toolResult", "toolUse"]);
      assert.equal(content[2].toolUse.type, "tool_use");
      assert.equal(content[2].toolUse.name, "final_result");
      assert.equal(response.stopReason, "tool_use");
    });

    test("a grounded answer cites web locations", async () => {
      const response = await client.send(
        new ConverseCommand({
          modelId: NOVA_2,
          messages: [user("What is the latest news about renewable energy?")],
          toolConfig: { tools: [GROUNDING] },
        }),
      );
      const content = response.output.message.content;
      assert.deepEqual(content.map(memberOf), ["text", "citationsContent"]);
      const web = content[1].citationsContent.citations[0].location.web;
      assert.ok(web.url.startsWith("https://") && web.url.includes(web.domain));
    });

    test("an Anthropic web_search tool in a native body is refused", async () => {
      const body = {
        anthropic_version: "bedrock-2023-05-31",
        max_tokens: 256,
        messages: [{ role: "user", content: "What is the latest news?" }],
        tools: [{ type: "web_search_20250305", name: "web_search", max_uses: 3 }],
      };
      await assert.rejects(
        client.send(new InvokeModelCommand({ modelId: SONNET_45, body: JSON.stringify(body) })),
        (error) => error instanceof ValidationException && error.message === WEB_SEARCH_REFUSAL,
      );
    });

    test("a model without system tools refuses them", async () => {
      await assert.rejects(
        client.send(
          new ConverseCommand({
            modelId: "amazon.nova-micro-v1:0",
            messages: [user("What is 2 + 2?")],
            toolConfig: { tools: [CODE_INTERPRETER] },
          }),
        ),
        ValidationException,
      );
    });
  });
}

describe("AnthropicBedrock", () => {
  test("a code_execution server tool is refused with Anthropic's 400", async () => {
    const anthropic = new AnthropicBedrock({
      awsRegion: "us-east-1",
      awsAccessKey: "AKIDEXAMPLE",
      awsSecretKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
      baseURL: emulator.endpoint,
      maxRetries: 0,
    });
    await assert.rejects(
      anthropic.messages.create({
        model: SONNET_45,
        max_tokens: 256,
        messages: [{ role: "user", content: "What is 1234 * 5678?" }],
        tools: [{ type: "code_execution_20250825", name: "code_execution" }],
      }),
      (error) => error.status === 400 && /Input tag 'code_execution_20250825' found using 'type'/.test(error.message),
    );
  });
});
