// Anthropic's Bedrock SDK (`@anthropic-ai/bedrock-sdk`) against the emulator, unmodified. It turns
// messages.create into InvokeModel (`POST /model/<id>/invoke`, or `/invoke-with-response-stream`
// when streaming) with the native Messages body, signs it with SigV4 and sends HTTP/1.1 via fetch.
//
// Since 1.0.0 the SDK copies its `anthropic-version` header, by default the API version
// "2026-10-21", into the body as `anthropic_version`. Anthropic's docs warn that Bedrock may refuse
// that version for the older, ARN-versioned models, but no refusal is recorded, so the emulator
// takes it beside "bedrock-2023-05-31" (DEVIATIONS.md): the SDK works with no extra option. Most
// tests below still pin the Bedrock version through a client option, as older setups do.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { AnthropicBedrock } from "@anthropic-ai/bedrock-sdk";

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

const server = useEmulator();
const BEDROCK_VERSION = "bedrock-2023-05-31";

// Records what the SDK puts on the wire, then sends it unchanged.
function recordingFetch(requests) {
  return async (url, init) => {
    requests.push({ url: new URL(String(url)), method: init?.method, headers: new Headers(init?.headers), body: init?.body });
    return fetch(url, init);
  };
}

function client({ pinVersion = true, requests } = {}) {
  return new AnthropicBedrock({
    awsRegion: REGION,
    awsAccessKey: ACCESS_KEY_ID,
    awsSecretKey: SECRET_ACCESS_KEY,
    baseURL: server.endpoint,
    maxRetries: 0,
    ...(pinVersion ? { defaultHeaders: { "anthropic-version": BEDROCK_VERSION } } : {}),
    ...(requests ? { fetch: recordingFetch(requests) } : {}),
  });
}

const request = (text, extra = {}) => ({
  model: CLAUDE,
  max_tokens: 512,
  messages: [{ role: "user", content: text }],
  ...extra,
});

function assertMessage(message, userText) {
  assert.equal(message.type, "message");
  assert.equal(message.role, "assistant");
  assert.match(message.id, /\S/);
  assert.equal(message.content.length, 1);
  assert.equal(message.content[0].type, "text");
  assertAnswers(message.content[0].text, userText);
  assert.equal(message.stop_reason, "end_turn");
  assertPositiveInteger(message.usage.input_tokens, "usage.input_tokens");
  assertPositiveInteger(message.usage.output_tokens, "usage.output_tokens");
}

describe("AnthropicBedrock", () => {
  test("with its default API version (2026-10-21) and no extra option it gets an answer", async () => {
    const requests = [];
    const message = await client({ pinVersion: false, requests }).messages.create(request("Hello there"));
    assertMessage(message, "Hello there");
    assert.equal(requests.length, 1);
    assert.equal(requests[0].method, "POST");
    assert.equal(decodeURIComponent(requests[0].url.pathname), `/model/${CLAUDE}/invoke`);
    assert.equal(JSON.parse(requests[0].body).anthropic_version, "2026-10-21");
  });

  test("messages.create returns the answer, stop reason and usage", async () => {
    const requests = [];
    const message = await client({ requests }).messages.create(request("Hello there"));
    assertMessage(message, "Hello there");
    assert.equal(message.model, "claude-3-5-haiku-20241022");

    const [sent] = requests;
    assert.equal(decodeURIComponent(sent.url.pathname), `/model/${CLAUDE}/invoke`);
    assert.match(sent.headers.get("authorization"), /^AWS4-HMAC-SHA256 Credential=test\/\d{8}\/us-east-1\/bedrock\/aws4_request/);
    const body = JSON.parse(sent.body);
    assert.equal(body.anthropic_version, BEDROCK_VERSION);
    assert.equal(body.model, undefined);
  });

  test("messages.create with a system prompt and several turns answers the last user turn", async () => {
    const message = await client().messages.create({
      model: CLAUDE,
      max_tokens: 512,
      system: "You are terse.",
      messages: [
        { role: "user", content: "First question" },
        { role: "assistant", content: "First answer" },
        { role: "user", content: [{ type: "text", text: "Second question" }] },
      ],
    });
    assertMessage(message, "Second question");
  });

  test("messages.stream: the final message and the text events match messages.create", async () => {
    const params = request("Tell me about streaming");
    const created = await client().messages.create(params);

    const stream = client().messages.stream(params);
    let text = "";
    stream.on("text", (delta) => (text += delta));
    const final = await stream.finalMessage();
    assertMessage(final, "Tell me about streaming");
    assert.equal(final.content[0].text, created.content[0].text);
    assert.equal(text, created.content[0].text);
    assert.equal(final.usage.output_tokens, created.usage.output_tokens);
    assert.equal(final.usage.input_tokens, created.usage.input_tokens);
  });

  test("messages.create({stream: true}): for await yields message_start ... message_stop", async () => {
    const params = request("Count the events");
    const created = await client().messages.create(params);

    const requests = [];
    const stream = await client({ requests }).messages.create({ ...params, stream: true });
    const events = [];
    for await (const event of stream) events.push(event);
    assert.equal(decodeURIComponent(requests[0].url.pathname), `/model/${CLAUDE}/invoke-with-response-stream`);

    const types = events.map((e) => e.type);
    assert.equal(types[0], "message_start");
    assert.equal(types[1], "content_block_start");
    assert.equal(types.at(-3), "content_block_stop");
    assert.equal(types.at(-2), "message_delta");
    assert.equal(types.at(-1), "message_stop");
    const deltas = events.filter((e) => e.type === "content_block_delta");
    assert.ok(deltas.length >= 2, `only ${deltas.length} deltas`);
    assert.equal(events.length, deltas.length + 5);

    assert.equal(events[0].message.role, "assistant");
    assertPositiveInteger(events[0].message.usage.input_tokens, "message_start usage.input_tokens");
    assert.equal(deltas.map((e) => e.delta.text).join(""), created.content[0].text);
    const messageDelta = events.at(-2);
    assert.equal(messageDelta.delta.stop_reason, "end_turn");
    assert.equal(messageDelta.usage.output_tokens, created.usage.output_tokens);
  });

  const weatherTools = [{ name: WEATHER_TOOL.name, description: WEATHER_TOOL.description, input_schema: WEATHER_TOOL.schema }];

  test("messages.create with a tool returns a tool_use block", async () => {
    const plain = await client().messages.create(request(WEATHER_QUESTION));
    const message = await client().messages.create(request(WEATHER_QUESTION, { tools: weatherTools }));
    assert.equal(message.stop_reason, "tool_use");
    assert.equal(message.content.length, 1);
    const toolUse = message.content[0];
    assert.equal(toolUse.type, "tool_use");
    assert.match(toolUse.id, /^toolu_bdrk_01[0-9A-Za-z]{22}$/);
    assert.equal(toolUse.name, "get_weather");
    assert.deepEqual(toolUse.input, { city: "Paris" });
    // The tool definition is read, so it is counted.
    assert.ok(message.usage.input_tokens > plain.usage.input_tokens, "tools count as input tokens");

    // The tool result turn gets a text answer.
    const answered = await client().messages.create({
      model: CLAUDE,
      max_tokens: 512,
      tools: weatherTools,
      messages: [
        { role: "user", content: WEATHER_QUESTION },
        { role: "assistant", content: [toolUse] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: toolUse.id, content: "18 degrees and sunny" }] },
      ],
    });
    assert.equal(answered.stop_reason, "end_turn");
    assert.equal(answered.content[0].type, "text");
  });

  test("tool_choice: none answers in text, tool forces the named tool, an unknown name is refused", async () => {
    const none = await client().messages.create(request(WEATHER_QUESTION, { tools: weatherTools, tool_choice: { type: "none" } }));
    assert.equal(none.stop_reason, "end_turn");
    assert.equal(none.content[0].type, "text");
    const forced = await client().messages.create(
      request("Tell me a joke", { tools: weatherTools, tool_choice: { type: "tool", name: "get_weather" } }),
    );
    assert.equal(forced.stop_reason, "tool_use");
    assert.equal(forced.content[0].name, "get_weather");
    assert.equal(typeof forced.content[0].input.city, "string");
    await assert.rejects(
      client().messages.create(request(WEATHER_QUESTION, { tools: weatherTools, tool_choice: { type: "tool", name: "nope" } })),
      (error) => error.status === 400,
    );
  });

  test("messages.stream with a tool streams input_json_delta pieces that parse to the input", async () => {
    const stream = client().messages.stream(request(WEATHER_QUESTION, { tools: weatherTools }));
    const events = [];
    for await (const event of stream) events.push(event);
    const final = await stream.finalMessage();
    assert.equal(final.stop_reason, "tool_use");
    assert.deepEqual(final.content[0].input, { city: "Paris" });
    const start = events.find((e) => e.type === "content_block_start");
    assert.equal(start.content_block.type, "tool_use");
    assert.deepEqual(start.content_block.input, {});
    const pieces = events.filter((e) => e.type === "content_block_delta").map((e) => e.delta);
    assert.ok(pieces.length >= 2);
    assert.ok(pieces.every((d) => d.type === "input_json_delta"));
    assert.deepEqual(JSON.parse(pieces.map((d) => d.partial_json).join("")), { city: "Paris" });
  });
});
