// Anthropic's Bedrock SDK asking for extended and adaptive thinking: InvokeModel answers a signed
// thinking block, its length set by the budget or the effort, and the SDK's stream helper
// rebuilds the same block from thinking_delta and signature_delta events. A budget under 1024 is
// refused with the model's text.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { AnthropicBedrock } from "@anthropic-ai/bedrock-sdk";

import { ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY, useEmulator } from "./helpers.mjs";

const server = useEmulator();
const SONNET_45 = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
const OPUS_46 = "us.anthropic.claude-opus-4-6-v1";

function client() {
  return new AnthropicBedrock({
    awsRegion: REGION,
    awsAccessKey: ACCESS_KEY_ID,
    awsSecretKey: SECRET_ACCESS_KEY,
    baseURL: server.endpoint,
    maxRetries: 0,
    defaultHeaders: { "anthropic-version": "bedrock-2023-05-31" },
  });
}

const words = (text) => text.split(/\s+/).filter(Boolean).length;
const request = (model, extra) => ({
  model,
  max_tokens: 8000,
  messages: [{ role: "user", content: "Tell me a short story about a lighthouse keeper." }],
  ...extra,
});

describe("Anthropic Bedrock SDK: thinking", () => {
  test("messages.create returns a signed thinking block, then the text; usage counts both", async () => {
    const message = await client().messages.create(request(SONNET_45, { thinking: { type: "enabled", budget_tokens: 2048 } }));
    assert.deepEqual(message.content.map((b) => b.type), ["thinking", "text"]);
    const [thinking, text] = message.content;
    assert.match(thinking.signature, /^[0-9A-Za-z]{64}$/);
    assert.ok(words(thinking.thinking) <= 2048);
    assert.ok(message.usage.output_tokens >= words(thinking.thinking) + words(text.text));
  });

  test("adaptive thinking: a higher effort thinks longer", async () => {
    const length = async (effort) => {
      const message = await client().messages.create(
        request(OPUS_46, { thinking: { type: "adaptive" }, output_config: { effort } }));
      return words(message.content.find((b) => b.type === "thinking").thinking);
    };
    const low = await length("low");
    const high = await length("high");
    const max = await length("max");
    assert.ok(low < high && high < max, `${low} < ${high} < ${max}`);
  });

  test("messages.stream rebuilds the thinking block of messages.create", async () => {
    const params = request(OPUS_46, { thinking: { type: "adaptive" }, output_config: { effort: "medium" } });
    const unary = await client().messages.create(params);
    let thinkingEvents = "";
    const stream = client().messages.stream(params);
    stream.on("thinking", (delta) => (thinkingEvents += delta));
    const final = await stream.finalMessage();
    assert.deepEqual(final.content[0], unary.content[0]);
    assert.equal(thinkingEvents, unary.content[0].thinking);
  });

  test("a budget under 1024 is refused", async () => {
    await assert.rejects(
      client().messages.create(request(SONNET_45, { thinking: { type: "enabled", budget_tokens: 512 } })),
      (error) => error.status === 400 &&
        error.message.includes("thinking.enabled.budget_tokens: Input should be greater than or equal to 1024"),
    );
  });
});
