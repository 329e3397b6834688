// LangChain (`@langchain/aws` ChatBedrockConverse + `@langchain/core`) against the emulator,
// unmodified. ChatBedrockConverse has no plain-HTTP endpoint option of its own (`endpointHost`
// becomes `https://<host>`, and `clientOptions.endpoint` is overwritten by it), so each test hands
// it a BedrockRuntimeClient pointed at the emulator: once with the SDK's default handler (HTTP/2,
// h2c) and once with NodeHttpHandler (HTTP/1.1).
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import { ChatBedrockConverse } from "@langchain/aws";
import { AIMessage, AIMessageChunk, HumanMessage, SystemMessage, ToolMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { z } from "zod";

import {
  CLAUDE,
  CREDENTIALS,
  REGION,
  WEATHER_QUESTION,
  WEATHER_TOOL,
  assertAnswers,
  assertPositiveInteger,
  useEmulator,
} from "./helpers.mjs";

const server = useEmulator();

const TRANSPORTS = {
  "HTTP/2 (default handler)": () => ({}),
  "HTTP/1.1 (NodeHttpHandler)": () => ({ requestHandler: new NodeHttpHandler() }),
};

const weatherTool = tool(async ({ city }) => `Sunny in ${city}`, {
  name: WEATHER_TOOL.name,
  description: WEATHER_TOOL.description,
  schema: z.object({ city: z.string().describe("The city") }),
});

function assertUsage(message) {
  const usage = message.usage_metadata;
  assert.ok(usage, "usage_metadata missing");
  assertPositiveInteger(usage.input_tokens, "input_tokens");
  assertPositiveInteger(usage.output_tokens, "output_tokens");
  assert.equal(usage.total_tokens, usage.input_tokens + usage.output_tokens);
}

async function concatStream(stream) {
  let merged;
  let chunks = 0;
  for await (const chunk of stream) {
    assert.ok(chunk instanceof AIMessageChunk);
    merged = merged ? merged.concat(chunk) : chunk;
    chunks += 1;
  }
  assert.ok(merged, "the stream yielded nothing");
  return { merged, chunks };
}

for (const [transport, handlerOptions] of Object.entries(TRANSPORTS)) {
  describe(`ChatBedrockConverse over ${transport}`, () => {
    const model = () =>
      new ChatBedrockConverse({
        model: CLAUDE,
        region: REGION,
        credentials: CREDENTIALS,
        maxTokens: 512,
        client: new BedrockRuntimeClient({
          region: REGION,
          endpoint: server.endpoint,
          credentials: CREDENTIALS,
          maxAttempts: 1,
          ...handlerOptions(),
        }),
      });

    test("invoke returns an AIMessage with the answer, stop reason and usage", async () => {
      const message = await model().invoke("Hello there");
      assert.ok(message instanceof AIMessage);
      assertAnswers(message.content, "Hello there");
      assert.equal(message.response_metadata.stopReason, "end_turn");
      assertUsage(message);
      assert.deepEqual(message.tool_calls, []);
    });

    test("invoke with a system message and several turns answers the last user turn", async () => {
      const message = await model().invoke([
        new SystemMessage("You are terse."),
        new HumanMessage("First question"),
        new AIMessage("First answer"),
        new HumanMessage("Second question"),
      ]);
      assertAnswers(message.content, "Second question");
      assertUsage(message);
    });

    test("stream chunks concatenate to the text invoke returns", async () => {
      const prompt = "Tell me about streaming";
      const whole = await model().invoke(prompt);
      const { merged, chunks } = await concatStream(await model().stream(prompt));
      assert.ok(chunks > 2, `only ${chunks} chunks`);
      assert.equal(merged.content, whole.content);
      assert.equal(merged.response_metadata.messageStop?.stopReason, "end_turn");
      assertUsage(merged);
      assert.equal(merged.usage_metadata.output_tokens, whole.usage_metadata.output_tokens);
    });

    test("bindTools: the model calls the weather tool, then answers from its result", async () => {
      const llm = model().bindTools([weatherTool]);
      const question = new HumanMessage(WEATHER_QUESTION);
      const call = await llm.invoke([question]);
      assert.equal(call.response_metadata.stopReason, "tool_use");
      assert.equal(call.tool_calls.length, 1);
      assert.equal(call.tool_calls[0].name, "get_weather");
      assert.deepEqual(call.tool_calls[0].args, { city: "Paris" });
      assert.match(call.tool_calls[0].id, /\S/);
      assertUsage(call);

      const toolMessage = await weatherTool.invoke(call.tool_calls[0]);
      assert.ok(toolMessage instanceof ToolMessage);
      assert.equal(toolMessage.content, "Sunny in Paris");
      const answer = await llm.invoke([question, call, toolMessage]);
      assert.equal(answer.response_metadata.stopReason, "end_turn");
      assertAnswers(answer.content, "Sunny in Paris");
      assert.deepEqual(answer.tool_calls, []);
    });

    test("bindTools + stream: tool call chunks merge into one call", async () => {
      const { merged } = await concatStream(await model().bindTools([weatherTool]).stream(WEATHER_QUESTION));
      assert.equal(merged.tool_calls.length, 1);
      assert.equal(merged.tool_calls[0].name, "get_weather");
      assert.deepEqual(merged.tool_calls[0].args, { city: "Paris" });
      assert.equal(merged.response_metadata.messageStop?.stopReason, "tool_use");
      assertUsage(merged);
    });

    test("withStructuredOutput parses the forced tool call", async () => {
      const structured = model().withStructuredOutput(
        z.object({ city: z.string().describe("The city") }).describe(WEATHER_TOOL.description),
        { name: WEATHER_TOOL.name },
      );
      assert.deepEqual(await structured.invoke(WEATHER_QUESTION), { city: "Paris" });
    });
  });
}
