// Structured outputs through third-party clients, unmodified, against the emulator:
// - Vercel AI SDK (`ai` v6): generateObject, streamObject and generateText with Output.object on
//   the Converse provider (which sends Claude additionalModelRequestFields.output_config.format)
//   and on the Anthropic provider (an InvokeModel body with output_config.format);
// - Anthropic's Bedrock SDK: messages.parse with output_config.format (zodOutputFormat), and the
//   beta messages.parse with output_format, which the SDK sends as output_config.format with
//   anthropic_beta ["structured-outputs-2025-12-15"];
// - LangChain ChatBedrockConverse.withStructuredOutput (@langchain/aws 1.4.5 has no native
//   method: every method but jsonMode binds the schema as a forced tool, whose input the emulator
//   builds from the same schema generator).
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { AnthropicBedrock } from "@anthropic-ai/bedrock-sdk";
import { zodOutputFormat } from "@anthropic-ai/sdk/helpers/zod";
import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { createAmazonBedrock } from "@ai-sdk/amazon-bedrock";
import { createBedrockAnthropic } from "@ai-sdk/amazon-bedrock/anthropic";
import { ChatBedrockConverse } from "@langchain/aws";
import { HumanMessage } from "@langchain/core/messages";
import { Output, generateObject, generateText, streamObject } from "ai";
import { z } from "zod";

import { ACCESS_KEY_ID, CREDENTIALS, REGION, SECRET_ACCESS_KEY, useEmulator } from "./helpers.mjs";

globalThis.AI_SDK_LOG_WARNINGS = false;

// Claude Sonnet 4.5: the Vercel providers take the native path for it (not Haiku 4.5 or
// Sonnet 4.6, which they list as unreliable and send a JSON tool for).
const SONNET_45 = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
const PROMPT = "Make a recipe card for Ada Lovelace: a lemon cake for 8 people.";

const recipe = z.object({
  author: z.string(),
  title: z.string(),
  course: z.enum(["starter", "main", "dessert"]),
  vegetarian: z.boolean(),
  servings: z.number().int(),
  ingredients: z.array(z.object({ name: z.string(), grams: z.number() })),
  contact: z.string().email(),
  published: z.string().datetime(),
});

function assertRecipe(object) {
  // zod already validated it in the client; check what the emulator chose too.
  const parsed = recipe.parse(object);
  assert.equal(parsed.author, "Ada Lovelace");
  assert.ok(parsed.ingredients.length >= 1);
  return parsed;
}

const server = useEmulator();
const settings = () => ({ region: REGION, accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY, baseURL: server.endpoint });
const call = { maxRetries: 0, maxOutputTokens: 1024, prompt: PROMPT };

// The request body the provider sent (the SDK keeps it on the result).
const sentBody = (result) => (typeof result.request.body === "string" ? JSON.parse(result.request.body) : result.request.body);

for (const [name, makeModel, formatOf] of [
  ["Converse provider (createAmazonBedrock)", () => createAmazonBedrock(settings())(SONNET_45),
    (body) => body.additionalModelRequestFields?.output_config?.format],
  ["Anthropic provider (createBedrockAnthropic)", () => createBedrockAnthropic(settings())(SONNET_45),
    (body) => body.output_config?.format],
]) {
  describe(`Vercel AI SDK structured outputs: ${name}`, () => {
    test("generateObject answers an object valid against the zod schema, natively", async () => {
      const result = await generateObject({ ...call, model: makeModel(), schema: recipe });
      assertRecipe(result.object);
      assert.equal(result.finishReason, "stop");
      assert.ok(result.usage.outputTokens > 10);
      const format = formatOf(sentBody(result));
      assert.equal(format?.type, "json_schema", "the provider sent the native format");
      assert.equal(sentBody(result).toolConfig ?? sentBody(result).tools, undefined, "no JSON tool");
    });

    test("generateText with Output.object gives the same object", async () => {
      const result = await generateText({ ...call, model: makeModel(), output: Output.object({ schema: recipe }) });
      const first = await generateObject({ ...call, model: makeModel(), schema: recipe });
      assert.deepEqual(assertRecipe(result.output), first.object);
    });

    test("streamObject streams partial objects to the whole one", async () => {
      const result = streamObject({ ...call, model: makeModel(), schema: recipe, onError: ({ error }) => { throw error; } });
      const partials = [];
      for await (const partial of result.partialObjectStream) partials.push(partial);
      const object = await result.object;
      assertRecipe(object);
      assert.ok(partials.length > 2, `${partials.length} partial objects`);
      assert.equal((await result.finishReason), "stop");
    });
  });
}

describe("Anthropic Bedrock SDK messages.parse", () => {
  const client = (bodies) =>
    new AnthropicBedrock({
      awsRegion: REGION,
      awsAccessKey: ACCESS_KEY_ID,
      awsSecretKey: SECRET_ACCESS_KEY,
      baseURL: server.endpoint,
      maxRetries: 0,
      fetch: async (url, init) => {
        bodies.push(JSON.parse(init.body));
        return fetch(url, init);
      },
    });
  const params = { model: SONNET_45, max_tokens: 1024, messages: [{ role: "user", content: PROMPT }] };

  test("output_config.format gives parsed_output", async () => {
    const bodies = [];
    const message = await client(bodies).messages.parse({ ...params, output_config: { format: zodOutputFormat(recipe) } });
    assertRecipe(message.parsed_output);
    assert.equal(message.stop_reason, "end_turn");
    assert.equal(bodies[0].output_config.format.type, "json_schema");
  });

  test("the beta's output_format gives the same object", async () => {
    const bodies = [];
    const beta = await client(bodies).beta.messages.parse({ ...params, output_format: zodOutputFormat(recipe) });
    const plain = await client([]).messages.parse({ ...params, output_config: { format: zodOutputFormat(recipe) } });
    assert.deepEqual(assertRecipe(beta.parsed_output), plain.parsed_output);
    assert.ok(bodies[0].anthropic_beta.some((b) => b.startsWith("structured-outputs-")), JSON.stringify(bodies[0].anthropic_beta));
  });

  test("a model without the feature is refused", async () => {
    await assert.rejects(
      client([]).messages.parse({ ...params, model: "us.anthropic.claude-opus-4-7", output_config: { format: zodOutputFormat(recipe) } }),
      (error) => error.status === 400 && /output_config\.format: Extra inputs are not permitted/.test(error.message),
    );
  });
});

describe("LangChain ChatBedrockConverse.withStructuredOutput", () => {
  const chat = () =>
    new ChatBedrockConverse({
      model: SONNET_45,
      region: REGION,
      credentials: CREDENTIALS,
      maxTokens: 512,
      client: new BedrockRuntimeClient({
        region: REGION,
        endpoint: server.endpoint,
        credentials: CREDENTIALS,
        requestHandler: new NodeHttpHandler(),
      }),
    });

  for (const method of [undefined, "functionCalling", "jsonSchema"]) {
    test(`a zod schema (method ${method ?? "default"}) gives a parsed object`, async () => {
      const structured = chat().withStructuredOutput(recipe, { name: "recipe", ...(method && { method }) });
      const object = await structured.invoke([new HumanMessage(PROMPT)]);
      assertRecipe(object);
    });
  }

  test("includeRaw keeps the tool call the object came from", async () => {
    const structured = chat().withStructuredOutput(recipe, { name: "recipe", includeRaw: true });
    const { raw, parsed } = await structured.invoke([new HumanMessage(PROMPT)]);
    assertRecipe(parsed);
    assert.equal(raw.tool_calls[0].name, "recipe");
    assert.deepEqual(raw.tool_calls[0].args, parsed);
  });
});
