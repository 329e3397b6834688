// Reasoning length from outputConfig.effort and the thinking budget, their refusals, tool choice
// from the system prompt, and toolRemoval / toolAddition in a system-role message, sent by the
// JS SDK (which knows outputConfig.effort and the system role) over HTTP/1.1 and HTTP/2.
// Run: cd tests/js && node --test sdk/reasoning.test.mjs
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import {
  ConverseCommand,
  ConverseStreamCommand,
  InvokeModelCommand,
  InvokeModelWithResponseStreamCommand,
  ValidationException,
} from "@aws-sdk/client-bedrock-runtime";

import { CLIENT_KINDS, assistant, makeClient, startEmulator, user } from "./harness.mjs";

const OPUS_46 = "us.anthropic.claude-opus-4-6-v1";
const OPUS_47 = "us.anthropic.claude-opus-4-7";
const SONNET_45 = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
const NOVA = "amazon.nova-micro-v1:0";
const PREFIX = "The model returned the following errors: ";
const STORY = "Tell me a short story about a lighthouse keeper.";
const tool = (name, description) => ({
  toolSpec: { name, description, inputSchema: { json: { type: "object", properties: { q: { type: "string" } } } } },
});
const TOOLS = { tools: [tool("get_weather", "Get the weather for a location"), tool("calculator", "Arithmetic")] };
const system = (...content) => ({ role: "system", content });

const reasoning = (answer) =>
  answer.output.message.content.find((b) => b.reasoningContent)?.reasoningContent.reasoningText.text;
const calls = (answer) => answer.output.message.content.filter((b) => b.toolUse).map((b) => b.toolUse.name);
const words = (text) => text.split(/\s+/).filter(Boolean).length;

let server;
before(async () => {
  server = await startEmulator();
});
after(async () => {
  assert.equal(await server.stop(), 0);
});

for (const kind of CLIENT_KINDS) {
  describe(`reasoning and tool choice: ${kind}`, () => {
    let client;
    before(() => {
      client = makeClient(server.endpoint, kind);
    });
    after(() => client.destroy());

    const refusal = async (input) => {
      try {
        await client.send(new ConverseCommand(input));
      } catch (error) {
        assert.ok(error instanceof ValidationException, String(error));
        return error.message;
      }
      assert.fail("the request was answered");
    };

    test("a higher effort gives a longer reasoning, counted in outputTokens", async () => {
      const lengths = [];
      for (const effort of ["low", "medium", "high", "max"]) {
        const answer = await client.send(new ConverseCommand({
          modelId: OPUS_46,
          messages: [user(STORY)],
          outputConfig: { effort },
          additionalModelRequestFields: { thinking: { type: "adaptive" } },
        }));
        const text = reasoning(answer);
        assert.ok(text, `reasoning for ${effort}`);
        assert.ok(answer.usage.outputTokens > words(text));
        lengths.push(words(text));
      }
      for (let i = 1; i < lengths.length; ++i) assert.ok(lengths[i] > lengths[i - 1], lengths.join(" < "));
    });

    test("the streamed reasoning is the unary one, within the budget", async () => {
      const input = {
        modelId: OPUS_46,
        messages: [user(STORY)],
        outputConfig: { effort: "max" },
        inferenceConfig: { maxTokens: 4000 },
        additionalModelRequestFields: { thinking: { type: "enabled", budget_tokens: 1024 } },
      };
      const unary = reasoning(await client.send(new ConverseCommand(input)));
      const stream = await client.send(new ConverseStreamCommand(input));
      let streamed = "";
      for await (const event of stream.stream) {
        streamed += event.contentBlockDelta?.delta?.reasoningContent?.text ?? "";
      }
      assert.equal(streamed, unary);
      assert.ok(words(unary) <= 1024);
    });

    test("bad budgets and efforts get the model's texts", async () => {
      assert.equal(
        await refusal({
          modelId: SONNET_45,
          messages: [user("hi")],
          additionalModelRequestFields: { thinking: { type: "enabled", budget_tokens: 100 } },
        }),
        PREFIX + "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024",
      );
      assert.match(
        await refusal({
          modelId: SONNET_45,
          messages: [user("hi")],
          inferenceConfig: { maxTokens: 1500 },
          additionalModelRequestFields: { thinking: { type: "enabled", budget_tokens: 2048 } },
        }),
        /^The model returned the following errors: `max_tokens` must be greater than `thinking\.budget_tokens`\./,
      );
      assert.equal(
        await refusal({ modelId: OPUS_46, messages: [user("hi")], outputConfig: { effort: "xhigh" } }),
        PREFIX + "This model does not support effort level 'xhigh'. Supported levels: high, low, max, medium.",
      );
      assert.equal(
        await refusal({ modelId: OPUS_47, messages: [user("hi")], outputConfig: { effort: "xhigh" } }),
        PREFIX + "output_config.effort 'xhigh' is not supported when thinking is disabled on this model. " +
          "Use effort 'high' or below, or enable thinking.",
      );
    });

    test("the system prompt makes the model call the tool it names", async () => {
      const answer = await client.send(new ConverseCommand({
        modelId: NOVA, messages: [user(STORY)], system: [{ text: "You must use the calculator tool." }], toolConfig: TOOLS,
      }));
      assert.equal(answer.stopReason, "tool_use");
      assert.deepEqual(calls(answer), ["calculator"]);
      // The user's turn naming another tool wins.
      const named = await client.send(new ConverseCommand({
        modelId: NOVA, messages: [user("call get_weather for Paris")],
        system: [{ text: "You must use the calculator tool." }], toolConfig: TOOLS,
      }));
      assert.deepEqual(calls(named), ["get_weather"]);
    });

    test("the Anthropic native system prompt chooses the tool", async () => {
      const body = {
        anthropic_version: "bedrock-2023-05-31",
        max_tokens: 512,
        system: [{ type: "text", text: "Always call get_weather." }],
        messages: [{ role: "user", content: STORY }],
        tools: [{ name: "get_weather", description: "Weather", input_schema: { type: "object", properties: {} } }],
      };
      const answer = await client.send(new InvokeModelCommand({
        modelId: SONNET_45, contentType: "application/json", body: JSON.stringify(body),
      }));
      const parsed = JSON.parse(new TextDecoder().decode(answer.body));
      assert.equal(parsed.stop_reason, "tool_use");
      assert.deepEqual(parsed.content.filter((b) => b.type === "tool_use").map((b) => b.name), ["get_weather"]);
    });

    test("InvokeModel with response stream: the thinking block of the Anthropic body", async () => {
      const body = JSON.stringify({
        anthropic_version: "bedrock-2023-05-31",
        max_tokens: 4000,
        thinking: { type: "adaptive" },
        output_config: { effort: "low" },
        messages: [{ role: "user", content: STORY }],
      });
      const input = { modelId: OPUS_46, contentType: "application/json", body };
      const unary = JSON.parse(new TextDecoder().decode((await client.send(new InvokeModelCommand(input))).body));
      assert.deepEqual(unary.content.map((b) => b.type), ["thinking", "text"]);
      const stream = await client.send(new InvokeModelWithResponseStreamCommand(input));
      let thinking = "";
      let signature = "";
      for await (const event of stream.body) {
        const chunk = JSON.parse(new TextDecoder().decode(event.chunk.bytes));
        if (chunk.type !== "content_block_delta") continue;
        thinking += chunk.delta.thinking ?? "";
        signature += chunk.delta.signature ?? "";
      }
      assert.equal(thinking, unary.content[0].thinking);
      assert.equal(signature, unary.content[0].signature);
    });

    test("a removed tool is not called until a toolAddition gives it back", async () => {
      const question = user("What is the weather in Paris?");
      const removal = system({ toolRemoval: { tool: { name: "get_weather" } } });
      const history = [user("hello"), assistant("Hi.")];
      const removed = await client.send(new ConverseCommand({
        modelId: NOVA, toolConfig: TOOLS, messages: [...history, removal, question],
      }));
      assert.equal(removed.stopReason, "end_turn");
      assert.deepEqual(calls(removed), []);
      const back = await client.send(new ConverseCommand({
        modelId: NOVA, toolConfig: TOOLS,
        messages: [...history, removal, system({ toolAddition: { tool: { name: "get_weather" } } }), question],
      }));
      assert.deepEqual(calls(back), ["get_weather"]);
    });
  });
}
