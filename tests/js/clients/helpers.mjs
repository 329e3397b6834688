// Shared settings for the third-party client tests: one emulator per test file (started with the
// AWS SDK harness), dummy credentials, and the answer the emulator gives to a prompt.
import assert from "node:assert/strict";
import { after, before } from "node:test";

import { startEmulator } from "../sdk/harness.mjs";

export const REGION = "us-east-1";
export const ACCESS_KEY_ID = "test";
export const SECRET_ACCESS_KEY = "test";
export const CREDENTIALS = { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY };
export const CLAUDE = "anthropic.claude-3-5-haiku-20241022-v1:0";

// The emulator's deterministic answer always opens with this, quoting the last user text.
export const answerPrefix = (userText) => `This is a deterministic answer from bedrock-emulator to "${userText}"`;

export function assertAnswers(text, userText) {
  assert.equal(typeof text, "string");
  assert.ok(text.startsWith(answerPrefix(userText)), `unexpected answer: ${JSON.stringify(text)}`);
  assert.ok(text.length > answerPrefix(userText).length, "answer has nothing after the quoted prompt");
}

export function assertPositiveInteger(value, what) {
  assert.ok(Number.isInteger(value) && value > 0, `${what} should be a positive integer, got ${value}`);
}

// Registers before/after hooks that start one emulator for the current file (or describe block);
// the returned object's endpoint and port are set once the before hook has run.
export function useEmulator() {
  const server = { endpoint: undefined, port: undefined };
  let handle;
  before(async () => {
    handle = await startEmulator();
    server.endpoint = handle.endpoint;
    server.port = handle.port;
  });
  after(async () => {
    if (handle) await handle.stop();
  });
  return server;
}

// Weather tool used by all clients: its name and description share words with WEATHER_QUESTION, so
// the emulator (toolChoice auto) calls it with {city: "Paris"}.
export const WEATHER_TOOL = {
  name: "get_weather",
  description: "Get the weather for a city",
  schema: { type: "object", properties: { city: { type: "string", description: "The city" } }, required: ["city"] },
};
export const WEATHER_QUESTION = "What is the weather in Paris?";
