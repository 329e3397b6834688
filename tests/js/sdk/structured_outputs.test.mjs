// Structured outputs through the JS SDK v3 on both transports: Converse and ConverseStream with
// outputConfig.textFormat answer a JSON document valid against the schema (streamed as several
// text deltas), Anthropic's output_config.format works in an InvokeModel body and its stream, and
// a model without the feature is refused with Bedrock's words.
// Run: cd tests/js && node --test sdk/
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import {
  ConverseCommand,
  ConverseStreamCommand,
  InvokeModelCommand,
  InvokeModelWithResponseStreamCommand,
  ValidationException,
} from "@aws-sdk/client-bedrock-runtime";

import { CLIENT_KINDS, makeClient, startEmulator, user } from "./harness.mjs";

const SONNET_45 = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
const OPUS_47 = "us.anthropic.claude-opus-4-7";
const NOVA = "amazon.nova-micro-v1:0";
const PROMPT = "Extract the order: Grace Hopper ordered 3 keyboards, ship to Arlington.";

const SCHEMA = {
  type: "object",
  properties: {
    customer: { type: "string" },
    status: { type: "string", enum: ["new", "shipped"] },
    placed: { type: "string", format: "date-time" },
    id: { type: "string", format: "uuid" },
    lines: {
      type: "array",
      items: {
        type: "object",
        properties: { sku: { type: "string" }, quantity: { type: "integer" } },
        required: ["sku", "quantity"],
        additionalProperties: false,
      },
    },
    gift: { type: "boolean" },
  },
  required: ["customer", "status", "placed", "id", "lines", "gift"],
  additionalProperties: false,
};

const outputConfig = {
  textFormat: { type: "json_schema", structure: { jsonSchema: { schema: JSON.stringify(SCHEMA), name: "order" } } },
};

// The schema's members, checked one by one.
function assertOrder(text) {
  const order = JSON.parse(text);
  assert.deepEqual(Object.keys(order).sort(), ["customer", "gift", "id", "lines", "placed", "status"]);
  assert.equal(order.customer, "Grace Hopper");
  assert.ok(["new", "shipped"].includes(order.status));
  assert.match(order.placed, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  assert.match(order.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.ok(Array.isArray(order.lines) && order.lines.length >= 1);
  for (const line of order.lines) {
    assert.deepEqual(Object.keys(line).sort(), ["quantity", "sku"]);
    assert.equal(typeof line.sku, "string");
    assert.ok(Number.isInteger(line.quantity));
  }
  assert.equal(typeof order.gift, "boolean");
  return order;
}

let server;
before(async () => {
  server = await startEmulator();
});
after(async () => {
  assert.equal(await server.stop(), 0);
});

for (const kind of CLIENT_KINDS) {
  describe(`structured outputs: ${kind}`, () => {
    let client;
    before(() => {
      client = makeClient(server.endpoint, kind);
    });
    after(() => client.destroy());

    test("Converse answers a document valid against the schema", async () => {
      const answer = await client.send(new ConverseCommand({ modelId: SONNET_45, messages: [user(PROMPT)], outputConfig }));
      assert.equal(answer.stopReason, "end_turn");
      assert.equal(answer.output.message.content.length, 1);
      assertOrder(answer.output.message.content[0].text);
      assert.ok(answer.usage.outputTokens > 10);
    });

    test("ConverseStream sends the same document in several text deltas", async () => {
      const unary = await client.send(new ConverseCommand({ modelId: SONNET_45, messages: [user(PROMPT)], outputConfig }));
      const answer = await client.send(new ConverseStreamCommand({ modelId: SONNET_45, messages: [user(PROMPT)], outputConfig }));
      const deltas = [];
      let stopReason;
      let usage;
      for await (const event of answer.stream) {
        if (event.contentBlockDelta) deltas.push(event.contentBlockDelta.delta.text);
        if (event.messageStop) stopReason = event.messageStop.stopReason;
        if (event.metadata) usage = event.metadata.usage;
      }
      assert.ok(deltas.length > 3, `${deltas.length} deltas`);
      assert.equal(deltas.join(""), unary.output.message.content[0].text);
      assertOrder(deltas.join(""));
      assert.equal(stopReason, "end_turn");
      assert.equal(usage.outputTokens, unary.usage.outputTokens);
    });

    test("Anthropic output_config.format in an InvokeModel body and its stream", async () => {
      const body = JSON.stringify({
        anthropic_version: "bedrock-2023-05-31",
        max_tokens: 512,
        messages: [{ role: "user", content: PROMPT }],
        output_config: { format: { type: "json_schema", schema: SCHEMA } },
      });
      const answer = await client.send(new InvokeModelCommand({ modelId: SONNET_45, body }));
      const message = JSON.parse(new TextDecoder().decode(answer.body));
      assert.equal(message.stop_reason, "end_turn");
      assertOrder(message.content[0].text);

      const stream = await client.send(new InvokeModelWithResponseStreamCommand({ modelId: SONNET_45, body }));
      let text = "";
      for await (const event of stream.body) {
        const chunk = JSON.parse(new TextDecoder().decode(event.chunk.bytes));
        if (chunk.type === "content_block_delta") text += chunk.delta.text;
      }
      assert.equal(text, message.content[0].text);
    });

    test("models without the feature are refused", async () => {
      await assert.rejects(
        client.send(new ConverseCommand({ modelId: OPUS_47, messages: [user(PROMPT)], outputConfig })),
        (error) => error instanceof ValidationException &&
          error.message === "The model returned the following errors: output_config.format: Extra inputs are not permitted",
      );
      await assert.rejects(
        client.send(new ConverseStreamCommand({ modelId: NOVA, messages: [user(PROMPT)], outputConfig })),
        (error) => error instanceof ValidationException &&
          error.message === "This model doesn't support the outputConfig.textFormat field. Remove outputConfig.textFormat and try again.",
      );
    });
  });
}
