// Citations through third-party clients, unmodified: the Vercel AI SDK's Converse provider sends
// a file part with citations enabled as a cited document and reads the answer's
// citationsContent blocks (and, streamed, skips the citation deltas) into its text.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { createAmazonBedrock } from "@ai-sdk/amazon-bedrock";
import { generateText, streamText } from "ai";

import { ACCESS_KEY_ID, CLAUDE, REGION, SECRET_ACCESS_KEY, useEmulator } from "./helpers.mjs";

globalThis.AI_SDK_LOG_WARNINGS = false;

const server = useEmulator();
const FACTS = "The grass is green. The sky is blue.";

const model = () =>
  createAmazonBedrock({ region: REGION, accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY, baseURL: server.endpoint })(CLAUDE);

const messages = [
  {
    role: "user",
    content: [
      {
        type: "file",
        mediaType: "text/plain",
        filename: "facts.txt",
        data: Buffer.from(FACTS),
        providerOptions: { bedrock: { citations: { enabled: true } } },
      },
      { type: "text", text: "What colour is the grass?" },
    ],
  },
];

describe("Vercel AI SDK with a cited document", () => {
  test("generateText reads the cited text into its answer", async () => {
    const result = await generateText({ model: model(), messages, maxRetries: 0 });
    // "The grass is green" is only in a citationsContent block: the provider read it.
    assert.equal(result.text, "According to the document, The grass is green.");
    assert.equal(result.finishReason, "stop");
  });

  test("streamText gives the same text, the citation deltas in between do not break it", async () => {
    const errors = [];
    const result = streamText({ model: model(), messages, maxRetries: 0, onError: ({ error }) => errors.push(error) });
    let text = "";
    for await (const delta of result.textStream) text += delta;
    assert.deepEqual(errors, []);
    assert.equal(text, "According to the document, The grass is green.");
    assert.equal(await result.finishReason, "stop");
  });
});
