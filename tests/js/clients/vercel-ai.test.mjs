// Vercel AI SDK (`ai` + `@ai-sdk/amazon-bedrock`) against the emulator, unmodified: the default
// provider speaks Converse/ConverseStream, the `/anthropic` provider InvokeModel with the native
// Anthropic body. Both sign with SigV4 and send HTTP/1.1 through fetch.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { createAmazonBedrock } from "@ai-sdk/amazon-bedrock";
import { createBedrockAnthropic } from "@ai-sdk/amazon-bedrock/anthropic";
import { generateText, jsonSchema, stepCountIs, streamText, tool } from "ai";
import { z } from "zod";

import {
  ACCESS_KEY_ID,
  CLAUDE,
  REGION,
  SECRET_ACCESS_KEY,
  WEATHER_QUESTION,
  WEATHER_TOOL,
  assertAnswers,
  assertPositiveInteger,
  useEmulator,
} from "./helpers.mjs";

// The SDK logs compatibility warnings (e.g. a max output token default) to the console.
globalThis.AI_SDK_LOG_WARNINGS = false;

const server = useEmulator();
const settings = () => ({ region: REGION, accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY, baseURL: server.endpoint });
const call = { maxRetries: 0, maxOutputTokens: 512 };

function assertUsage(usage) {
  assertPositiveInteger(usage.inputTokens, "usage.inputTokens");
  assertPositiveInteger(usage.outputTokens, "usage.outputTokens");
  assert.equal(usage.totalTokens, usage.inputTokens + usage.outputTokens);
}

// Collects textStream; an error part would otherwise only reach onError and leave the text short.
async function streamedText(options) {
  const errors = [];
  const result = streamText({ ...options, onError: ({ error }) => errors.push(error) });
  let text = "";
  for await (const delta of result.textStream) text += delta;
  const finishReason = await result.finishReason;
  const usage = await result.usage;
  if (errors.length) throw errors[0];
  return { text, finishReason, usage, result };
}

describe("Converse provider (createAmazonBedrock)", () => {
  const model = () => createAmazonBedrock(settings())(CLAUDE);

  test("generateText returns the answer, finish reason and usage", async () => {
    const result = await generateText({ ...call, model: model(), prompt: "Hello there" });
    assertAnswers(result.text, "Hello there");
    assert.equal(result.finishReason, "stop");
    assertUsage(result.usage);
    assert.deepEqual(result.toolCalls, []);
  });

  test("generateText with a system prompt and a multi-turn conversation answers the last user turn", async () => {
    const result = await generateText({
      ...call,
      model: model(),
      system: "You are terse.",
      messages: [
        { role: "user", content: "First question" },
        { role: "assistant", content: "First answer" },
        { role: "user", content: "Second question" },
      ],
    });
    assertAnswers(result.text, "Second question");
    assert.equal(result.finishReason, "stop");
    assertUsage(result.usage);
  });

  test("streamText streams the same text as generateText for the same prompt", async () => {
    const prompt = "Tell me about streaming";
    const whole = await generateText({ ...call, model: model(), prompt });
    const streamed = await streamedText({ ...call, model: model(), prompt });
    assert.ok(streamed.text.length > 0);
    assert.equal(streamed.text, whole.text);
    assert.equal(streamed.finishReason, "stop");
    assertUsage(streamed.usage);
    assert.equal(streamed.usage.outputTokens, whole.usage.outputTokens);
    assert.equal(streamed.usage.inputTokens, whole.usage.inputTokens);
  });

  test("a zod tool is called with the city from the prompt", async () => {
    const result = await generateText({
      ...call,
      model: model(),
      prompt: WEATHER_QUESTION,
      tools: { [WEATHER_TOOL.name]: tool({ description: WEATHER_TOOL.description, inputSchema: z.object({ city: z.string() }) }) },
    });
    assert.equal(result.finishReason, "tool-calls");
    assert.equal(result.toolCalls.length, 1);
    assert.equal(result.toolCalls[0].toolName, "get_weather");
    assert.deepEqual(result.toolCalls[0].input, { city: "Paris" });
    assert.match(result.toolCalls[0].toolCallId, /\S/);
    assertUsage(result.usage);
  });

  test("a jsonSchema tool with execute runs a second step that answers from the tool result", async () => {
    const executed = [];
    const result = await generateText({
      ...call,
      model: model(),
      prompt: WEATHER_QUESTION,
      stopWhen: stepCountIs(3),
      tools: {
        [WEATHER_TOOL.name]: tool({
          description: WEATHER_TOOL.description,
          inputSchema: jsonSchema(WEATHER_TOOL.schema),
          execute: async ({ city }) => (executed.push(city), `Sunny in ${city}`),
        }),
      },
    });
    assert.deepEqual(executed, ["Paris"]);
    assert.equal(result.steps.length, 2);
    assert.equal(result.steps[0].finishReason, "tool-calls");
    assert.equal(result.steps[0].toolCalls[0].toolName, "get_weather");
    assert.deepEqual(result.steps[0].toolCalls[0].input, { city: "Paris" });
    assert.equal(result.steps[0].toolResults[0].output, "Sunny in Paris");
    assert.equal(result.finishReason, "stop");
    assertAnswers(result.text, "Sunny in Paris");
    assertUsage(result.totalUsage);
    assert.ok(result.totalUsage.inputTokens > result.steps[1].usage.inputTokens);
  });

  test("streamText streams a tool call", async () => {
    const result = streamText({
      ...call,
      model: model(),
      prompt: WEATHER_QUESTION,
      tools: { [WEATHER_TOOL.name]: tool({ description: WEATHER_TOOL.description, inputSchema: z.object({ city: z.string() }) }) },
    });
    const parts = [];
    for await (const part of result.fullStream) parts.push(part);
    assert.deepEqual(parts.filter((p) => p.type === "error"), []);
    const toolCalls = await result.toolCalls;
    assert.equal(toolCalls.length, 1);
    assert.equal(toolCalls[0].toolName, "get_weather");
    assert.deepEqual(toolCalls[0].input, { city: "Paris" });
    assert.ok(parts.some((p) => p.type === "tool-input-delta"), "expected streamed tool input deltas");
    assert.equal(await result.finishReason, "tool-calls");
    assertUsage(await result.usage);
  });

  test("an unknown model surfaces as an API error with the HTTP status", async () => {
    const bad = createAmazonBedrock(settings())("anthropic.no-such-model-v1:0");
    await assert.rejects(generateText({ ...call, model: bad, prompt: "Hello" }), (error) => {
      assert.ok([400, 404].includes(error.statusCode), `statusCode ${error.statusCode}`);
      return true;
    });
  });
});

describe("Anthropic InvokeModel provider (createBedrockAnthropic)", () => {
  const model = () => createBedrockAnthropic(settings())(CLAUDE);

  test("generateText returns the answer, finish reason and usage", async () => {
    const result = await generateText({ ...call, model: model(), prompt: "Hello there" });
    assertAnswers(result.text, "Hello there");
    assert.equal(result.finishReason, "stop");
    assertUsage(result.usage);
  });

  test("streamText (invoke-with-response-stream) streams the same text as generateText", async () => {
    const prompt = "Tell me about streaming";
    const whole = await generateText({ ...call, model: model(), prompt });
    const streamed = await streamedText({ ...call, model: model(), prompt });
    assert.equal(streamed.text, whole.text);
    assert.equal(streamed.finishReason, "stop");
    assertUsage(streamed.usage);
    assert.equal(streamed.usage.outputTokens, whole.usage.outputTokens);
  });
});
