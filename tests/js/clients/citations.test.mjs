// Citations through third-party clients, unmodified: the Vercel AI SDK's Converse provider sends
// a file part with citations enabled as a cited document and reads the answer's
// citationsContent blocks (and, streamed, skips the citation deltas) into its text; LangChain's
// ChatBedrockConverse keeps them as citations_content blocks; Anthropic's Bedrock SDK reads the
// native text blocks' citations, and its stream helper gathers the citations_delta events into
// the same blocks.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { createAmazonBedrock } from "@ai-sdk/amazon-bedrock";
import { AnthropicBedrock } from "@anthropic-ai/bedrock-sdk";
import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import { ChatBedrockConverse } from "@langchain/aws";
import { HumanMessage } from "@langchain/core/messages";
import { generateText, streamText } from "ai";

import { ACCESS_KEY_ID, CLAUDE, CREDENTIALS, REGION, SECRET_ACCESS_KEY, useEmulator } from "./helpers.mjs";

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

describe("LangChain ChatBedrockConverse with a cited document", () => {
  const chat = () =>
    new ChatBedrockConverse({
      model: CLAUDE,
      region: REGION,
      credentials: CREDENTIALS,
      client: new BedrockRuntimeClient({ region: REGION, endpoint: server.endpoint, credentials: CREDENTIALS, maxAttempts: 1 }),
    });
  const question = new HumanMessage({
    content: [
      { type: "document", document: { name: "facts", format: "txt", source: { text: FACTS }, citations: { enabled: true } } },
      { type: "text", text: "What colour is the grass?" },
    ],
  });

  test("invoke keeps citations_content blocks whose citations point at the quoted span", async () => {
    const answer = await chat().invoke([question]);
    const cited = answer.content.find((block) => block.type === "citations_content");
    assert.ok(cited, JSON.stringify(answer.content));
    const [citation] = cited.citationsContent.citations;
    const { start, end } = citation.location.documentChar;
    assert.equal(FACTS.slice(start, end), citation.sourceContent[0].text);
    assert.equal(cited.citationsContent.content[0].text, "The grass is green");
    // (LangChain itself refuses to send a citations_content block back as history, before any
    // request: "Unsupported content block type", so a second turn is not tried here.)
  });
});

describe("Anthropic Bedrock SDK with a cited document", () => {
  const anthropic = () =>
    new AnthropicBedrock({
      awsRegion: REGION,
      awsAccessKey: ACCESS_KEY_ID,
      awsSecretKey: SECRET_ACCESS_KEY,
      baseURL: server.endpoint,
      maxRetries: 0,
      defaultHeaders: { "anthropic-version": "bedrock-2023-05-31" },
    });
  const request = {
    model: CLAUDE,
    max_tokens: 200,
    messages: [
      {
        role: "user",
        content: [
          {
            type: "document",
            source: { type: "text", media_type: "text/plain", data: FACTS },
            title: "Facts",
            citations: { enabled: true },
          },
          { type: "text", text: "What colour is the grass?" },
        ],
      },
    ],
  };

  test("messages.create and the stream's final message carry the same char_location citation", async () => {
    const message = await anthropic().messages.create(request);
    const cited = message.content.find((block) => block.citations);
    const [citation] = cited.citations;
    assert.equal(citation.type, "char_location");
    assert.equal(citation.document_title, "Facts");
    assert.equal(FACTS.slice(citation.start_char_index, citation.end_char_index), citation.cited_text);

    const streamed = await anthropic().messages.stream(request).finalMessage();
    assert.deepEqual(streamed.content, message.content);
  });
});
