// Members of the newest service model (@aws-sdk/client-bedrock-runtime 3.1164.0, newer than
// botocore 1.43.11), sent by the JS SDK that knows them: toolAddition / toolRemoval in a
// system-role message, outputConfig.effort, and requestMetadata on InvokeModel and its stream
// (header X-Amzn-Bedrock-Request-Metadata).
// Run: cd tests/js && node --test sdk/
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import {
  ConverseCommand,
  InvokeModelCommand,
  InvokeModelWithResponseStreamCommand,
  ValidationException,
} from "@aws-sdk/client-bedrock-runtime";

import { CLIENT_KINDS, assistant, makeClient, startEmulator, user } from "./harness.mjs";

const NOVA = "amazon.nova-micro-v1:0";
const TOOLS = {
  tools: [
    { toolSpec: { name: "lookup", inputSchema: { json: { type: "object", properties: { q: { type: "string" } } } } } },
    { toolSpec: { name: "search", inputSchema: { json: { type: "object" } } } },
  ],
};
const system = (...content) => ({ role: "system", content });

let server;
before(async () => {
  server = await startEmulator();
});
after(async () => {
  assert.equal(await server.stop(), 0);
});

for (const kind of CLIENT_KINDS) {
  describe(`newest model members: ${kind}`, () => {
    let client;
    before(() => {
      client = makeClient(server.endpoint, kind);
    });
    after(() => client.destroy());

    test("a system-role message adds and removes tools mid-conversation", async () => {
      const answer = await client.send(new ConverseCommand({
        modelId: NOVA,
        toolConfig: TOOLS,
        messages: [
          user("hello"),
          assistant("Hi."),
          system({ toolAddition: { tool: { name: "search" } } }, { toolRemoval: { tool: { type: "function", name: "lookup" } } }),
          user("tell me a story"),
        ],
      }));
      assert.equal(answer.$metadata.httpStatusCode, 200);
      assert.ok(answer.output.message.content.length > 0);
    });

    test("toolAddition outside a system message is refused", async () => {
      await assert.rejects(
        client.send(new ConverseCommand({
          modelId: NOVA,
          toolConfig: TOOLS,
          messages: [{ role: "user", content: [{ text: "hi" }, { toolAddition: { tool: { name: "search" } } }] }],
        })),
        (error) => error instanceof ValidationException &&
          error.message === "The toolAddition field in the ContentBlock object at messages.0.content.1 is only allowed in a system role message.",
      );
    });

    test("outputConfig.effort is checked against its values", async () => {
      const answer = await client.send(new ConverseCommand({
        modelId: NOVA, messages: [user("hello")], outputConfig: { effort: "high" },
      }));
      assert.equal(answer.$metadata.httpStatusCode, 200);
      await assert.rejects(
        client.send(new ConverseCommand({ modelId: NOVA, messages: [user("hello")], outputConfig: { effort: "huge" } })),
        (error) => error instanceof ValidationException &&
          error.message === "1 validation error detected: Value 'huge' at 'outputConfig.effort' failed to satisfy " +
            "constraint: Member must satisfy enum value set: [low, medium, high, xhigh, max]",
      );
    });

    test("requestMetadata travels as X-Amzn-Bedrock-Request-Metadata on InvokeModel and its stream", async () => {
      const sent = [];
      const body = JSON.stringify({ messages: [user("hello")] });
      const requestMetadata = JSON.stringify({ team: "search", env: "test" });
      const invoke = new InvokeModelCommand({ modelId: NOVA, body, requestMetadata });
      const stream = new InvokeModelWithResponseStreamCommand({ modelId: NOVA, body, requestMetadata });
      for (const command of [invoke, stream]) {
        command.middlewareStack.add((next) => async (args) => {
          sent.push(args.request.headers["x-amzn-bedrock-request-metadata"]);
          return next(args);
        }, { step: "finalizeRequest", name: "seeRequestMetadata" });
      }
      const answer = await client.send(invoke);
      assert.equal(answer.$metadata.httpStatusCode, 200);
      assert.ok(JSON.parse(new TextDecoder().decode(answer.body)).output);
      const streamed = await client.send(stream);
      let chunks = 0;
      for await (const event of streamed.body) if (event.chunk) chunks += 1;
      assert.ok(chunks > 0);
      assert.deepEqual(sent, [requestMetadata, requestMetadata]);
    });
  });
}
