// Model-aware inference through the AWS SDK for JavaScript v3, once with the default client
// (HTTP/2 h2c) and once with NodeHttpHandler (HTTP/1.1): the catalog's model families on
// InvokeModel (native bodies), its stream, Converse and ConverseStream; embeddings and images;
// tool use, reasoning, prompt caching; capability errors and the forms a model id can take.
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

import {
  CLIENT_KINDS,
  captureHeaders,
  http1Request,
  invocableId,
  loadCatalog,
  makeClient,
  startEmulator,
  user,
} from "./harness.mjs";

const PREFIX = "This is a deterministic answer from bedrock-emulator";
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const HAIKU = "anthropic.claude-3-5-haiku-20241022-v1:0";
const SONNET_37 = "anthropic.claude-3-7-sonnet-20250219-v1:0"; // reasoning, profile only
const HAIKU_45 = "anthropic.claude-haiku-4-5-20251001-v1:0"; // profile only; the resourceDefaults model
const LLAMA3 = "meta.llama3-8b-instruct-v1:0"; // no tool use
const TITAN_TEXT = "amazon.titan-text-express-v1"; // no system prompt
const MISTRAL_LARGE_2407 = "mistral.mistral-large-2407-v1:0"; // tool use, not in streams, no toolChoice any
const REGION_ARN = "arn:aws:bedrock:us-east-1";
const ACCOUNT = "123456789012";

const INVALID_ID = "The provided model identifier is invalid.";
const UNSUPPORTED_MODEL =
  "This action doesn't support the model that you provided. Try again with a supported text or chat model.";
const NO_STREAMING = "The model is unsupported for streaming.";
const NO_SYSTEM =
  "This model doesn't support system messages. Try again without a system message or use a model that supports system messages.";
const NO_TOOLS = "This model doesn't support tool use.";
const NO_STREAMING_TOOLS = "This model doesn't support tool use in streaming mode.";
const TOOL_CONFIG_REQUIRED = "The toolConfig field must be defined when using toolUse and toolResult content blocks.";
const TOO_LONG = "Input is too long for requested model.";
const MALFORMED = "Malformed input request, please reformat your input and try again.";
const LLAMA_STOP =
  "Malformed input request: extraneous key [stop_sequences] is not permitted, please reformat your input and try again.";
const onDemandError = (id) =>
  `Invocation of model ID ${id} with on-demand throughput isn\u2019t supported. Retry your request with the ID or ARN of an inference profile that contains this model.`;
const maxTokensError = (limit) =>
  `The maximum tokens you requested exceeds the model limit of ${limit}. Try again with a maximum tokens value that is lower than ${limit}.`;
const toolChoiceError = (kind) =>
  `This model doesn't support the toolConfig.toolChoice.${kind} field. Remove toolConfig.toolChoice.${kind} and try again.`;

const WEATHER_TOOL = {
  toolSpec: {
    name: "get_weather",
    description: "Get the weather for a city",
    inputSchema: {
      json: {
        type: "object",
        properties: {
          city: { type: "string", description: "The city" },
          unit: { type: "string", enum: ["celsius", "fahrenheit"] },
          days: { type: "integer", minimum: 1, maximum: 7 },
        },
        required: ["city", "days"],
      },
    },
  },
};
const STOCK_TOOL = {
  toolSpec: {
    name: "lookup_stock_price",
    description: "Look up the latest stock price for a ticker symbol",
    inputSchema: { json: { type: "object", properties: { ticker: { type: "string" } }, required: ["ticker"] } },
  },
};
const TOOLS = { tools: [WEATHER_TOOL, STOCK_TOOL] };
const WEATHER_QUESTION = "What is the weather in Paris?";
const THINKING = { thinking: { type: "enabled", budget_tokens: 1024 } };

// -- native bodies, one entry per catalog family that generates text ---------------------------
const lastWhere = (chunks, pick) => chunks.filter(pick).at(-1);
const chatBody = (key) => (text, n) => ({ messages: [{ role: "user", content: text }], [key]: n });

function openAiLikeStreamShape(chunks) {
  assert.equal(chunks[0].choices[0].delta.role, "assistant");
  assert.equal(new Set(chunks.map((c) => c.id)).size, 1);
  assert.ok(chunks.slice(0, -1).every((c) => c.choices[0].finish_reason === null));
}

const NATIVE = {
  anthropic: {
    body: (text, n) => ({
      anthropic_version: "bedrock-2023-05-31",
      max_tokens: n,
      messages: [{ role: "user", content: text }],
    }),
    text: (b) => b.content.map((block) => block.text).join(""),
    stop: (b) => b.stop_reason,
    inputCount: (b) => b.usage.input_tokens,
    outputCount: (b) => b.usage.output_tokens,
    shape: (b, modelId) => {
      assert.equal(b.type, "message");
      assert.equal(b.role, "assistant");
      assert.match(b.id, /^msg_bdrk_[0-9A-Za-z]{24}$/);
      // The model's own name: no "anthropic." prefix, no "-v1:0" version.
      assert.equal(b.model, modelId.split("anthropic.").at(-1).replace(/-v\d+:\d+$/, ""));
      assert.deepEqual(b.content.map((block) => block.type), ["text"]);
      assert.ok("stop_sequence" in b);
    },
    chunkText: (c) => (c.type === "content_block_delta" ? c.delta.text : ""),
    streamStop: (cs) => lastWhere(cs, (c) => c.type === "message_delta").delta.stop_reason,
    streamOutput: (cs) => lastWhere(cs, (c) => c.type === "message_delta").usage.output_tokens,
    streamShape: (cs) => {
      const types = cs.map((c) => c.type);
      assert.deepEqual(types.slice(0, 2), ["message_start", "content_block_start"]);
      assert.deepEqual(types.slice(-3), ["content_block_stop", "message_delta", "message_stop"]);
      assert.ok(types.slice(2, -3).every((t) => t === "content_block_delta"));
      assert.deepEqual(cs[0].message.content, []);
    },
    done: "end_turn",
    length: "max_tokens",
  },
  nova: {
    body: (text, n) => ({
      schemaVersion: "messages-v1",
      messages: [{ role: "user", content: [{ text }] }],
      inferenceConfig: { maxTokens: n },
    }),
    text: (b) => b.output.message.content.map((block) => block.text).join(""),
    stop: (b) => b.stopReason,
    inputCount: (b) => b.usage.inputTokens,
    outputCount: (b) => b.usage.outputTokens,
    shape: (b) => {
      assert.equal(b.output.message.role, "assistant");
      assert.equal(b.usage.totalTokens, b.usage.inputTokens + b.usage.outputTokens);
    },
    chunkText: (c) => c.contentBlockDelta?.delta.text ?? "",
    streamStop: (cs) => lastWhere(cs, (c) => c.messageStop).messageStop.stopReason,
    streamOutput: (cs) => lastWhere(cs, (c) => c.metadata).metadata.usage.outputTokens,
    streamShape: (cs) => {
      const names = cs.map((c) => Object.keys(c).find((k) => k !== "amazon-bedrock-invocationMetrics"));
      assert.equal(names[0], "messageStart");
      assert.deepEqual(names.slice(-3), ["contentBlockStop", "messageStop", "metadata"]);
    },
    done: "end_turn",
    length: "max_tokens",
  },
  "titan-text": {
    body: (text, n) => ({ inputText: text, textGenerationConfig: { maxTokenCount: n } }),
    text: (b) => b.results[0].outputText,
    stop: (b) => b.results[0].completionReason,
    inputCount: (b) => b.inputTextTokenCount,
    outputCount: (b) => b.results[0].tokenCount,
    shape: (b) => assert.equal(b.results.length, 1),
    chunkText: (c) => c.outputText,
    streamStop: (cs) => cs.at(-1).completionReason,
    streamOutput: (cs) => cs.at(-1).totalOutputTextTokenCount,
    streamShape: (cs) => assert.ok("inputTextTokenCount" in cs[0]),
    done: "FINISH",
    length: "LENGTH",
  },
  llama: {
    body: (text, n) => ({ prompt: text, max_gen_len: n }),
    text: (b) => b.generation,
    stop: (b) => b.stop_reason,
    inputCount: (b) => b.prompt_token_count,
    outputCount: (b) => b.generation_token_count,
    shape: (b) =>
      assert.deepEqual(Object.keys(b).sort(), [
        "generation",
        "generation_token_count",
        "prompt_token_count",
        "stop_reason",
      ]),
    chunkText: (c) => c.generation,
    streamStop: (cs) => cs.at(-1).stop_reason,
    streamOutput: (cs) => cs.at(-1).generation_token_count,
    streamShape: (cs) => assert.ok(cs.slice(1).every((c) => c.prompt_token_count === null)),
    done: "stop",
    length: "length",
  },
  "mistral-text": {
    body: (text, n) => ({ prompt: text, max_tokens: n }),
    text: (b) => b.outputs[0].text,
    stop: (b) => b.outputs[0].stop_reason,
    shape: (b) => assert.deepEqual(Object.keys(b), ["outputs"]),
    chunkText: (c) => c.outputs[0].text,
    streamStop: (cs) => cs.at(-1).outputs[0].stop_reason,
    done: "stop",
    length: "length",
  },
  "mistral-chat": {
    body: chatBody("max_tokens"),
    text: (b) => b.choices[0].message.content,
    stop: (b) => b.choices[0].stop_reason,
    shape: (b) => assert.equal(b.choices[0].message.role, "assistant"),
    chunkText: (c) => c.choices[0].message.content,
    streamStop: (cs) => cs.at(-1).choices[0].stop_reason,
    done: "stop",
    length: "length",
  },
  "cohere-command-r": {
    body: (text, n) => ({ message: text, max_tokens: n }),
    text: (b) => b.text,
    stop: (b) => b.finish_reason,
    shape: (b) => {
      assert.match(b.generation_id, /^[0-9a-f]{8}-[0-9a-f]{4}-4/);
      assert.deepEqual(b.chat_history.at(-1), { role: "CHATBOT", message: b.text });
    },
    chunkText: (c) => (c.event_type === "text-generation" ? c.text : ""),
    streamStop: (cs) => cs.at(-1).finish_reason,
    streamShape: (cs) => {
      const types = cs.map((c) => c.event_type);
      assert.equal(types[0], "stream-start");
      assert.equal(types.at(-1), "stream-end");
      assert.ok(types.slice(1, -1).every((t) => t === "text-generation"));
      assert.deepEqual(
        cs.map((c) => c.is_finished),
        cs.map((_, i) => i === cs.length - 1),
      );
      assert.equal(cs[0].generation_id, cs.at(-1).response.generation_id);
    },
    done: "COMPLETE",
    length: "MAX_TOKENS",
  },
  "ai21-jamba": {
    body: chatBody("max_tokens"),
    text: (b) => b.choices[0].message.content,
    stop: (b) => b.choices[0].finish_reason,
    inputCount: (b) => b.usage.prompt_tokens,
    outputCount: (b) => b.usage.completion_tokens,
    shape: (b) => assert.match(b.id, /^chatcmpl-[0-9a-f]{32}$/),
    chunkText: (c) => c.choices[0].delta.content ?? "",
    streamStop: (cs) => cs.at(-1).choices[0].finish_reason,
    streamOutput: (cs) => cs.at(-1).usage.completion_tokens,
    streamShape: openAiLikeStreamShape,
    done: "stop",
    length: "length",
  },
  deepseek: {
    body: (text, n) => ({ prompt: text, max_tokens: n }),
    text: (b) => b.choices[0].text,
    stop: (b) => b.choices[0].stop_reason,
    shape: (b) => assert.equal(b.choices.length, 1),
    chunkText: (c) => c.choices[0].text,
    streamStop: (cs) => cs.at(-1).choices[0].stop_reason,
    done: "stop",
    length: "length",
  },
  openai: {
    body: chatBody("max_completion_tokens"),
    text: (b) => b.choices[0].message.content,
    stop: (b) => b.choices[0].finish_reason,
    inputCount: (b) => b.usage.prompt_tokens,
    outputCount: (b) => b.usage.completion_tokens,
    shape: (b, modelId) => {
      assert.equal(b.object, "chat.completion");
      assert.equal(b.model, modelId.replace(/^us\./, ""));
      assert.ok(b.id.startsWith("chatcmpl-"));
    },
    chunkText: (c) => c.choices[0].delta.content ?? "",
    streamStop: (cs) => cs.at(-1).choices[0].finish_reason,
    streamOutput: (cs) => cs.at(-1).usage.completion_tokens,
    streamShape: (cs) => {
      openAiLikeStreamShape(cs);
      assert.ok(cs.every((c) => c.object === "chat.completion.chunk"));
    },
    done: "stop",
    length: "length",
  },
  // OpenAI's own models (recorded 2026-09, us.openai.gpt-6-sol): the model as called, and a
  // last stream chunk with no choices that carries the usage.
  "openai-chat": {
    body: chatBody("max_completion_tokens"),
    text: (b) => b.choices[0].message.content,
    stop: (b) => b.choices[0].finish_reason,
    inputCount: (b) => b.usage.prompt_tokens,
    outputCount: (b) => b.usage.completion_tokens,
    shape: (b, modelId) => {
      assert.equal(b.object, "chat.completion");
      assert.equal(b.model, modelId);
      assert.deepEqual(b.choices[0].message.annotations, []);
      assert.match(b.id, /^chatcmpl-[a-z0-9]{52}$/);
    },
    chunkText: (c) => c.choices[0]?.delta.content ?? "",
    streamStop: (cs) => cs.at(-2).choices[0].finish_reason,
    streamOutput: (cs) => cs.at(-1).usage.completion_tokens,
    streamShape: (cs) => {
      openAiLikeStreamShape(cs.slice(0, -1));
      assert.deepEqual(cs.at(-1).choices, []);
      assert.ok(cs.every((c) => typeof c.obfuscation === "string"));
    },
    done: "stop",
    length: "length",
  },
};

const CATALOG = loadCatalog();
const TEXT_FAMILIES = [...new Set(CATALOG.filter((m) => m.features.includes("converse")).map((m) => m.family))].sort();
// One model per family: the catalog's first.
const FAMILY_MODELS = TEXT_FAMILIES.map((family) => [family, CATALOG.find((m) => m.family === family)]);

const textOf = (response) =>
  response.output.message.content
    .filter((block) => block.text !== undefined)
    .map((block) => block.text)
    .join("");
const blocksOf = (response, kind) =>
  response.output.message.content.filter((block) => block[kind] !== undefined).map((block) => block[kind]);
const kindsOf = (response) =>
  response.output.message.content.map((block) => Object.keys(block).find((k) => block[k] !== undefined));
const norm = (vector) => Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));

// Enough of JSON Schema for the tool schemas used here.
function matchesSchema(value, schema) {
  if (schema.type === "object") {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
    if (!(schema.required ?? []).every((key) => key in value)) return false;
    const props = schema.properties ?? {};
    return Object.entries(value).every(([key, v]) => key in props && matchesSchema(v, props[key]));
  }
  if (schema.type === "string" && typeof value !== "string") return false;
  if (schema.type === "integer" && !Number.isInteger(value)) return false;
  if (schema.enum && !schema.enum.includes(value)) return false;
  if (schema.minimum !== undefined && value < schema.minimum) return false;
  if (schema.maximum !== undefined && value > schema.maximum) return false;
  return true;
}

let server;
before(async () => {
  server = await startEmulator();
});
after(async () => {
  const code = await server.stop();
  assert.equal(code, 0, "emulator should exit with 0 on SIGTERM");
});

test("the native-body table covers every text family of the catalog", () => {
  assert.deepEqual(TEXT_FAMILIES, Object.keys(NATIVE).sort());
});

for (const kind of CLIENT_KINDS) {
  describe(`SDK client: ${kind}`, () => {
    let client;
    before(() => {
      client = makeClient(server.endpoint, kind);
    });
    after(() => client.destroy());

    // InvokeModel; resolves to { body (parsed), inputCount, outputCount, response, headers }.
    const invoke = async (modelId, body, extra = {}) => {
      const command = new InvokeModelCommand({
        modelId,
        body: typeof body === "string" ? body : JSON.stringify(body),
        contentType: "application/json",
        accept: "application/json",
        ...extra,
      });
      const headers = captureHeaders(command);
      const response = await client.send(command);
      assert.equal(response.$metadata.httpStatusCode, 200);
      assert.ok(Number(headers["x-amzn-bedrock-invocation-latency"]) >= 0);
      return {
        body: JSON.parse(response.body.transformToString()),
        inputCount: Number(headers["x-amzn-bedrock-input-token-count"]),
        // undefined when the answer has no output count (embeddings, as recorded)
        outputCount:
          headers["x-amzn-bedrock-output-token-count"] === undefined
            ? undefined
            : Number(headers["x-amzn-bedrock-output-token-count"]),
        response,
      };
    };
    // InvokeModelWithResponseStream; resolves to the decoded chunk payloads.
    const invokeStream = async (modelId, body) => {
      const response = await client.send(
        new InvokeModelWithResponseStreamCommand({
          modelId,
          body: JSON.stringify(body),
          contentType: "application/json",
        }),
      );
      assert.equal(response.$metadata.httpStatusCode, 200);
      const chunks = [];
      for await (const event of response.body) {
        assert.deepEqual(Object.keys(event), ["chunk"]);
        chunks.push(JSON.parse(Buffer.from(event.chunk.bytes).toString("utf8")));
      }
      return chunks;
    };
    const converse = async (modelId, messages, extra = {}) => {
      const response = await client.send(new ConverseCommand({ modelId, messages, ...extra }));
      assert.equal(response.$metadata.httpStatusCode, 200);
      return response;
    };
    const streamEvents = async (modelId, messages, extra = {}) => {
      const response = await client.send(new ConverseStreamCommand({ modelId, messages, ...extra }));
      assert.equal(response.$metadata.httpStatusCode, 200);
      const events = [];
      for await (const event of response.stream) events.push(event);
      return events;
    };
    const rejectsWith = (message, command, label = command.constructor.name) =>
      assert.rejects(
        (async () => {
          const response = await client.send(command);
          for await (const _ of response.stream ?? response.body ?? []);
        })(),
        (error) => {
          assert.ok(error instanceof ValidationException, `${label}: got ${error.name}: ${error.message}`);
          assert.equal(error.message, message, label);
          assert.equal(error.$metadata.httpStatusCode, 400, label);
          assert.equal(error.$fault, "client", label);
          return true;
        },
      );
    const embed = async (modelId, body) => {
      const result = await invoke(modelId, body);
      assert.equal(result.outputCount, undefined); // recorded embedding answers carry none
      return result;
    };

    // -- the catalog's text families -----------------------------------------------------
    test("InvokeModel answers every family in its native shape, with matching counts", async () => {
      for (const [family, model] of FAMILY_MODELS) {
        const spec = NATIVE[family];
        const modelId = invocableId(model);
        const { body, inputCount, outputCount } = await invoke(modelId, spec.body("Hello family", 200));
        spec.shape(body, modelId);
        const text = spec.text(body);
        assert.ok(text.startsWith(`${PREFIX} to "Hello family"`), `${family}: ${text}`);
        assert.equal(spec.stop(body), spec.done, family);
        assert.ok(inputCount > 0 && outputCount > 0, family);
        if (spec.outputCount) assert.equal(spec.outputCount(body), outputCount, family);
        if (spec.inputCount) assert.equal(spec.inputCount(body), inputCount, family);
        // Deterministic, and seeded by the prompt.
        const again = await invoke(modelId, spec.body("Hello family", 200));
        assert.deepEqual(again.body, body, family);
        assert.equal(again.outputCount, outputCount, family);
        const other = await invoke(modelId, spec.body("Goodbye family", 200));
        assert.notEqual(spec.text(other.body), text, family);
      }
    });

    test("InvokeModel max tokens truncate in every family", async () => {
      for (const [family, model] of FAMILY_MODELS) {
        const spec = NATIVE[family];
        const { body, outputCount } = await invoke(invocableId(model), spec.body("Cut this short", 5));
        assert.equal(outputCount, 5, family);
        if (spec.outputCount) assert.equal(spec.outputCount(body), 5, family);
        assert.equal(spec.stop(body), spec.length, family);
        const text = spec.text(body);
        assert.ok(text.length > 0 && PREFIX.startsWith(text), `${family}: ${text}`);
      }
    });

    test("InvokeModelWithResponseStream adds up to InvokeModel, metrics on the last chunk", async () => {
      for (const [family, model] of FAMILY_MODELS) {
        const spec = NATIVE[family];
        const modelId = invocableId(model);
        for (const maxTokens of [200, 7]) {
          const label = `${family} max ${maxTokens}`;
          const request = spec.body("Stream the family answer", maxTokens);
          const { body, inputCount, outputCount } = await invoke(modelId, request);
          const chunks = await invokeStream(modelId, request);
          assert.ok(chunks.length > 2, label);
          const metrics = chunks.at(-1)["amazon-bedrock-invocationMetrics"];
          assert.ok(chunks.slice(0, -1).every((c) => !("amazon-bedrock-invocationMetrics" in c)), label);
          assert.equal(metrics.inputTokenCount, inputCount, label);
          assert.equal(metrics.outputTokenCount, outputCount, label);
          assert.ok(metrics.invocationLatency >= metrics.firstByteLatency && metrics.firstByteLatency >= 0, label);
          assert.equal(chunks.map(spec.chunkText).join(""), spec.text(body), label);
          assert.equal(spec.streamStop(chunks), spec.stop(body), label);
          if (spec.streamOutput) assert.equal(spec.streamOutput(chunks), outputCount, label);
          spec.streamShape?.(chunks);
        }
      }
    });

    test("Converse and ConverseStream answer every family; input counts agree with InvokeModel", async () => {
      for (const [family, model] of FAMILY_MODELS) {
        const modelId = invocableId(model);
        const messages = [user("Hello family")];
        const response = await converse(modelId, messages);
        assert.equal(response.stopReason, "end_turn", family);
        const texts = blocksOf(response, "text");
        assert.equal(texts.length, 1, family);
        assert.ok(texts[0].startsWith(`${PREFIX} to "Hello family"`), `${family}: ${texts[0]}`);
        const { usage } = response;
        assert.equal(usage.totalTokens, usage.inputTokens + usage.outputTokens, family);
        const native = await invoke(modelId, NATIVE[family].body("Hello family", 200));
        assert.equal(usage.inputTokens, native.inputCount, family);

        const events = await streamEvents(modelId, messages);
        const names = events.map((event) => Object.keys(event)[0]);
        assert.equal(names[0], "messageStart", family);
        assert.deepEqual(names.slice(-2), ["messageStop", "metadata"], family);
        const streamed = events
          .filter((event) => event.contentBlockDelta?.delta.text !== undefined)
          .map((event) => event.contentBlockDelta.delta.text)
          .join("");
        assert.equal(streamed, texts[0], family);
        assert.equal(events.at(-2).messageStop.stopReason, response.stopReason, family);
        assert.deepEqual(events.at(-1).metadata.usage, usage, family);
      }
    });

    test("every text model of the catalog answers InvokeModel and Converse", async () => {
      for (const model of CATALOG.filter((m) => NATIVE[m.family])) {
        const modelId = invocableId(model);
        const spec = NATIVE[model.family];
        const { body, outputCount } = await invoke(modelId, spec.body("Which model are you?", 50));
        assert.ok(spec.text(body).startsWith(PREFIX), modelId);
        assert.ok(outputCount > 0, modelId);
        assert.ok(textOf(await converse(modelId, [user("Which model are you?")])).startsWith(PREFIX), modelId);
      }
    });

    test("InvokeModel echoes performanceConfigLatency and serviceTier", async () => {
      const { response } = await invoke(HAIKU, NATIVE.anthropic.body("Tiers", 20), {
        performanceConfigLatency: "optimized",
        serviceTier: "priority",
      });
      assert.equal(response.performanceConfigLatency, "optimized");
      assert.equal(response.serviceTier, "priority");
    });

    // -- embeddings ----------------------------------------------------------------------
    test("embeddings: dimensions, determinism, normalisation", async () => {
      const novaBody = (text, dims) => ({
        taskType: "SINGLE_EMBEDDING",
        singleEmbeddingParams: {
          embeddingPurpose: "GENERIC_INDEX",
          ...(dims ? { embeddingDimension: dims } : {}),
          text: { truncationMode: "END", value: text },
        },
      });
      const first = (b) => b.embedding;
      const byType = (b) => b.embeddingsByType.float;
      const cohere = (b) => b.embeddings[0];
      const nova = (b) => b.embeddings[0].embedding;
      // model, body for a text, vector of a response, expected dimension, normalised
      const cases = [
        ["amazon.titan-embed-text-v1", (t) => ({ inputText: t }), first, 1536, false],
        ["amazon.titan-embed-text-v2:0", (t) => ({ inputText: t }), first, 1024, true],
        ["amazon.titan-embed-text-v2:0", (t) => ({ inputText: t, dimensions: 512 }), first, 512, true],
        ["amazon.titan-embed-text-v2:0", (t) => ({ inputText: t, dimensions: 256 }), byType, 256, true],
        ["amazon.titan-embed-image-v1", (t) => ({ inputText: t }), first, 1024, true],
        ["amazon.titan-embed-image-v1", (t) => ({ inputText: t, embeddingConfig: { outputEmbeddingLength: 384 } }), first, 384, true],
        ["cohere.embed-english-v3", (t) => ({ texts: [t], input_type: "search_document" }), cohere, 1024, true],
        ["cohere.embed-multilingual-v3", (t) => ({ texts: [t], input_type: "search_query" }), cohere, 1024, true],
        ["amazon.nova-2-multimodal-embeddings-v1:0", (t) => novaBody(t), nova, 3072, true],
        ["amazon.nova-2-multimodal-embeddings-v1:0", (t) => novaBody(t, 256), nova, 256, true],
      ];
      const seen = new Map();
      for (const [modelId, bodyFor, vectorOf, dims, normalised] of cases) {
        const label = `${modelId} ${dims}`;
        const { body, inputCount } = await embed(modelId, bodyFor("embed this sentence"));
        const vector = vectorOf(body);
        assert.equal(vector.length, dims, label);
        assert.ok(vector.every((x) => typeof x === "number" && x >= -1 && x <= 1), label);
        if (normalised) assert.ok(Math.abs(norm(vector) - 1) < 1e-5, `${label}: norm ${norm(vector)}`);
        assert.ok(inputCount > 0, label);
        if ("inputTextTokenCount" in body) assert.equal(body.inputTextTokenCount, inputCount, label);
        assert.deepEqual(vectorOf((await embed(modelId, bodyFor("embed this sentence"))).body), vector, label);
        assert.notDeepEqual(vectorOf((await embed(modelId, bodyFor("a different sentence"))).body), vector, label);
        seen.set(label, vector);
      }
      // Different models give unrelated vectors for the same text.
      assert.notDeepEqual(seen.get("cohere.embed-english-v3 1024"), seen.get("cohere.embed-multilingual-v3 1024"));
      assert.notDeepEqual(seen.get("amazon.titan-embed-text-v2:0 1024"), seen.get("amazon.titan-embed-image-v1 1024"));
    });

    test("embeddings: Titan V2 normalize and binary, Cohere batches and types", async () => {
      const plain = await embed("amazon.titan-embed-text-v2:0", {
        inputText: "raw vector",
        normalize: false,
        dimensions: 256,
      });
      assert.ok(norm(plain.body.embedding) > 1.5);
      const both = await embed("amazon.titan-embed-text-v2:0", {
        inputText: "raw vector",
        dimensions: 256,
        embeddingTypes: ["float", "binary"],
      });
      const { float, binary } = both.body.embeddingsByType;
      assert.deepEqual(float, both.body.embedding);
      assert.deepEqual(binary, float.map((x) => (x > 0 ? 1 : 0)));

      const batch = await embed("cohere.embed-english-v3", {
        texts: ["first text", "second text"],
        input_type: "search_document",
      });
      assert.equal(batch.body.response_type, "embeddings_floats");
      assert.deepEqual(batch.body.texts, ["first text", "second text"]);
      assert.match(batch.body.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.deepEqual(batch.body.embeddings.map((v) => v.length), [1024, 1024]);
      const single = await embed("cohere.embed-english-v3", { texts: ["second text"], input_type: "search_document" });
      assert.deepEqual(single.body.embeddings[0], batch.body.embeddings[1]);
      assert.equal(batch.inputCount, 2 * single.inputCount);
      const typed = await embed("cohere.embed-english-v3", {
        texts: ["first text"],
        input_type: "clustering",
        embedding_types: ["float", "int8", "ubinary"],
      });
      assert.equal(typed.body.response_type, "embeddings_by_type");
      const byType = typed.body.embeddings;
      assert.deepEqual(Object.keys(byType).sort(), ["float", "int8", "ubinary"]);
      assert.equal(byType.int8[0].length, 1024);
      assert.equal(byType.ubinary[0].length, 1024 / 8);
      assert.ok(byType.int8[0].every((x) => Number.isInteger(x) && x >= -128 && x <= 127));
      assert.ok(byType.ubinary[0].every((x) => Number.isInteger(x) && x >= 0 && x <= 255));
    });

    // -- images --------------------------------------------------------------------------
    test("image models return base64 PNGs", async () => {
      const titan = (n) => ({
        taskType: "TEXT_IMAGE",
        textToImageParams: { text: "a lighthouse at dusk" },
        imageGenerationConfig: { numberOfImages: n, width: 1024, height: 512 },
      });
      for (const [modelId, body, count, ratio] of [
        ["amazon.titan-image-generator-v1", titan(2), 2, 2],
        ["amazon.titan-image-generator-v2:0", titan(1), 1, 2],
        ["amazon.nova-canvas-v1:0", titan(3), 3, 2],
        ["stability.sd3-5-large-v1:0", { prompt: "a lighthouse at dusk", aspect_ratio: "16:9" }, 1, 16 / 9],
        ["stability.stable-image-core-v1:1", { prompt: "a lighthouse at dusk" }, 1, 1],
        ["stability.stable-image-ultra-v1:1", { prompt: "a lighthouse", seed: 42 }, 1, 1],
      ]) {
        const { body: parsed, inputCount } = await invoke(modelId, body);
        assert.ok(inputCount > 0, modelId);
        assert.equal(parsed.images.length, count, modelId);
        for (const image of parsed.images) {
          assert.match(image, /^[A-Za-z0-9+/]+={0,2}$/, modelId);
          const data = Buffer.from(image, "base64");
          assert.ok(data.subarray(0, 8).equals(PNG_SIGNATURE), modelId);
          assert.equal(data.subarray(12, 16).toString("latin1"), "IHDR", modelId);
          const [width, height] = [data.readUInt32BE(16), data.readUInt32BE(20)];
          assert.ok(Math.abs(width / height - ratio) < 0.1, `${modelId}: ${width}x${height}`);
        }
        if (modelId.startsWith("stability.")) {
          assert.deepEqual(parsed.finish_reasons, [null]);
          assert.equal(parsed.seeds.length, 1);
          if (body.seed) assert.deepEqual(parsed.seeds, [body.seed]);
        } else {
          assert.equal(parsed.error, null);
        }
        assert.deepEqual((await invoke(modelId, body)).body.images, parsed.images, modelId);
      }
      const two = await invoke("amazon.titan-image-generator-v1", titan(2));
      assert.notEqual(two.body.images[0], two.body.images[1]);
    });

    // -- tool use ------------------------------------------------------------------------
    test("tool use round trip: call, toolResult, text answer", async () => {
      for (const modelId of [HAIKU, "amazon.nova-micro-v1:0", "openai.gpt-oss-20b-1:0"]) {
        const question = user(WEATHER_QUESTION);
        const response = await converse(modelId, [question], { toolConfig: TOOLS });
        assert.equal(response.stopReason, "tool_use", modelId);
        const calls = blocksOf(response, "toolUse");
        assert.equal(calls.length, 1, modelId);
        assert.deepEqual(response.output.message.content.at(-1), { toolUse: calls[0] });
        const [call] = calls;
        // Nova's ids are UUIDs, and its call follows a "<thinking>" text block.
        if (modelId.includes("nova")) {
          assert.match(call.toolUseId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
          assert.ok(response.output.message.content[0].text.startsWith("<thinking>"));
        } else {
          assert.match(call.toolUseId, /^tooluse_[0-9A-Za-z]{22}$/);
        }
        assert.equal(call.name, "get_weather");
        assert.equal(call.input.city, "Paris");
        assert.ok(matchesSchema(call.input, WEATHER_TOOL.toolSpec.inputSchema.json), JSON.stringify(call.input));
        assert.deepEqual((await converse(modelId, [question], { toolConfig: TOOLS })).output, response.output);

        const answer = {
          role: "user",
          content: [
            { toolResult: { toolUseId: call.toolUseId, content: [{ json: { temperature: 21, sky: "clear" } }] } },
          ],
        };
        const final = await converse(modelId, [question, response.output.message, answer], { toolConfig: TOOLS });
        assert.equal(final.stopReason, "end_turn", modelId);
        assert.deepEqual(blocksOf(final, "toolUse"), []);
        assert.ok(textOf(final).startsWith(PREFIX), textOf(final));
      }
    });

    test("toolChoice auto, any and tool", async () => {
      const unrelated = [user("Tell me a short story")];
      const auto = await converse(HAIKU, unrelated, { toolConfig: { ...TOOLS, toolChoice: { auto: {} } } });
      assert.equal(auto.stopReason, "end_turn");
      assert.deepEqual(blocksOf(auto, "toolUse"), []);
      const stock = await converse(HAIKU, [user("What is the stock price of AMZN?")], { toolConfig: TOOLS });
      assert.equal(blocksOf(stock, "toolUse")[0].name, "lookup_stock_price");
      const any = await converse(HAIKU, unrelated, { toolConfig: { ...TOOLS, toolChoice: { any: {} } } });
      assert.equal(any.stopReason, "tool_use");
      assert.ok(["get_weather", "lookup_stock_price"].includes(blocksOf(any, "toolUse")[0].name));
      const forced = await converse(HAIKU, [user(WEATHER_QUESTION)], {
        toolConfig: { ...TOOLS, toolChoice: { tool: { name: "lookup_stock_price" } } },
      });
      assert.equal(forced.stopReason, "tool_use");
      const [call] = blocksOf(forced, "toolUse");
      assert.equal(call.name, "lookup_stock_price");
      assert.equal(typeof call.input.ticker, "string");
    });

    test("ConverseStream tool call: start, partial JSON deltas, stop", async () => {
      const question = [user(WEATHER_QUESTION)];
      const reference = await converse(HAIKU, question, { toolConfig: TOOLS });
      const [call] = blocksOf(reference, "toolUse");
      const events = await streamEvents(HAIKU, question, { toolConfig: TOOLS });
      const names = events.map((event) => Object.keys(event)[0]);
      const deltas = names.filter((name) => name === "contentBlockDelta").length;
      assert.ok(deltas >= 1);
      assert.deepEqual(names, [
        "messageStart",
        "contentBlockStart",
        ...Array(deltas).fill("contentBlockDelta"),
        "contentBlockStop",
        "messageStop",
        "metadata",
      ]);
      assert.deepEqual(events[1].contentBlockStart, {
        start: { toolUse: { toolUseId: call.toolUseId, name: call.name } },
        contentBlockIndex: 0,
      });
      const partial = events
        .slice(2, 2 + deltas)
        .map((event) => event.contentBlockDelta.delta.toolUse.input)
        .join("");
      assert.deepEqual(JSON.parse(partial), call.input);
      assert.equal(events.at(-2).messageStop.stopReason, "tool_use");
      assert.deepEqual(events.at(-1).metadata.usage, reference.usage);
    });

    // -- reasoning -----------------------------------------------------------------------
    test("Anthropic reasoning: reasoningContent with signature, streamed as text then signature", async () => {
      const modelId = `us.${SONNET_37}`;
      const messages = [user("Why is the sky blue?")];
      const response = await converse(modelId, messages, { additionalModelRequestFields: THINKING });
      const { content } = response.output.message;
      assert.deepEqual(kindsOf(response), ["reasoningContent", "text"]);
      const reasoning = content[0].reasoningContent.reasoningText;
      assert.ok(reasoning.text.length > 0);
      assert.match(reasoning.signature, /^[0-9A-Za-z]{20,}$/);
      assert.ok(content[1].text.startsWith(PREFIX));
      assert.equal(response.stopReason, "end_turn");
      assert.deepEqual(kindsOf(await converse(modelId, messages)), ["text"]);

      const events = await streamEvents(modelId, messages, { additionalModelRequestFields: THINKING });
      const deltas = events.filter((event) => event.contentBlockDelta).map((event) => event.contentBlockDelta);
      const first = deltas.filter((d) => d.contentBlockIndex === 0).map((d) => d.delta.reasoningContent);
      assert.ok(first.every((r) => r !== undefined));
      assert.equal(first.map((r) => r.text ?? "").join(""), reasoning.text);
      assert.deepEqual(Object.keys(first.at(-1)), ["signature"]); // the signature comes last, on its own
      assert.equal(first.at(-1).signature, reasoning.signature);
      assert.ok(first.slice(0, -1).every((r) => r.signature === undefined));
      const text = deltas.filter((d) => d.contentBlockIndex === 1).map((d) => d.delta.text);
      assert.equal(text.join(""), content[1].text);
      assert.deepEqual(
        events.filter((event) => event.contentBlockStop).map((event) => event.contentBlockStop.contentBlockIndex),
        [0, 1],
      );
      assert.deepEqual(events.at(-1).metadata.usage, response.usage);
    });

    test("DeepSeek R1 and gpt-oss always reason, without a signature", async () => {
      for (const modelId of ["us.deepseek.r1-v1:0", "openai.gpt-oss-120b-1:0"]) {
        const response = await converse(modelId, [user("Think about this")]);
        // DeepSeek-R1 answers its text first (recorded); gpt-oss its reasoning first.
        const kinds = modelId.includes("deepseek") ? ["text", "reasoningContent"] : ["reasoningContent", "text"];
        assert.deepEqual(kindsOf(response), kinds, modelId);
        const reasoning = response.output.message.content[kinds.indexOf("reasoningContent")].reasoningContent.reasoningText;
        assert.ok(reasoning.text.length > 0);
        assert.equal(reasoning.signature, undefined);
        const events = await streamEvents(modelId, [user("Think about this")]);
        const parts = events.map((event) => event.contentBlockDelta?.delta.reasoningContent).filter(Boolean);
        assert.equal(parts.map((r) => r.text ?? "").join(""), reasoning.text);
        assert.ok(parts.every((r) => r.signature === undefined));
      }
      const plain = await converse(HAIKU, [user("Think about this")], { additionalModelRequestFields: THINKING });
      assert.deepEqual(kindsOf(plain), ["text"]);
    });

    test("reasoning before a tool call; Nova 2 reasoning", async () => {
      const modelId = `us.${SONNET_37}`;
      const extra = { toolConfig: TOOLS, additionalModelRequestFields: THINKING };
      const question = user(WEATHER_QUESTION);
      const response = await converse(modelId, [question], extra);
      // Claude 3.7 writes a sentence between its reasoning and the call (recorded, pydantic-ai
      // test_bedrock_anthropic_tool_with_thinking.yaml), and its toolUse carries "type".
      assert.deepEqual(kindsOf(response), ["reasoningContent", "text", "toolUse"]);
      assert.equal(response.output.message.content[2].toolUse.type, "tool_use");
      assert.equal(response.stopReason, "tool_use");
      const events = await streamEvents(modelId, [question], extra);
      const starts = events.filter((event) => event.contentBlockStart).map((event) => event.contentBlockStart);
      assert.deepEqual(
        starts.map((start) => [start.contentBlockIndex, start.start.toolUse.name]),
        [[2, "get_weather"]],
      );
      const order = events.map((event) => {
        const [name, payload] = Object.entries(event)[0];
        return `${name}:${payload.contentBlockIndex}`;
      });
      assert.equal(order.indexOf("contentBlockStop:1") + 1, order.indexOf("contentBlockStart:2"));
      assert.equal(events.at(-2).messageStop.stopReason, "tool_use");
      // The reasoning block goes back with the assistant turn; the answer to the result is text.
      const { toolUseId } = response.output.message.content[2].toolUse;
      const result = { role: "user", content: [{ toolResult: { toolUseId, content: [{ text: "sunny" }] } }] };
      const final = await converse(modelId, [question, response.output.message, result], extra);
      // Claude goes on with its thinking of the turn that made the call (recorded: text only).
      assert.deepEqual(kindsOf(final), ["text"]);
      assert.equal(final.stopReason, "end_turn");

      const nova = await converse("us.amazon.nova-2-lite-v1:0", [user("Why?")], {
        additionalModelRequestFields: { reasoningConfig: { type: "enabled", maxReasoningEffort: "low" } },
      });
      assert.deepEqual(kindsOf(nova), ["reasoningContent", "text"]);
      const reasoning = nova.output.message.content[0].reasoningContent.reasoningText;
      assert.ok(reasoning.text.length > 0);
      assert.equal(reasoning.signature, undefined);
    });

    // -- prompt caching ------------------------------------------------------------------
    test("prompt caching: a cachePoint writes, a repeat reads", async () => {
      // The cache is the server's: both client kinds share it, so each has its own document.
      const document = Array.from(
        { length: 150 },
        (_, i) => `Clause ${i} of the ${kind} cache contract says the emulator keeps prefixes.`,
      ).join(" ");
      const question = { text: "Summarise the contract." };
      const messages = [{ role: "user", content: [{ text: document }, { cachePoint: { type: "default" } }, question] }];
      const uncached = await converse(HAIKU, [{ role: "user", content: [{ text: document }, question] }]);
      assert.equal(uncached.usage.cacheReadInputTokens, undefined);
      assert.equal(uncached.usage.cacheWriteInputTokens, undefined);

      const first = (await converse(HAIKU, messages)).usage;
      const second = (await converse(HAIKU, messages)).usage;
      const prefix = first.cacheWriteInputTokens;
      assert.ok(prefix >= 1024, `prefix ${prefix}`);
      assert.equal(first.cacheReadInputTokens, 0);
      assert.equal(second.cacheReadInputTokens, prefix);
      assert.equal(second.cacheWriteInputTokens, 0);
      assert.equal(first.inputTokens, second.inputTokens);
      assert.equal(first.inputTokens + prefix, uncached.usage.inputTokens);
      for (const usage of [first, second]) {
        assert.equal(
          usage.totalTokens,
          usage.inputTokens + usage.outputTokens + usage.cacheReadInputTokens + usage.cacheWriteInputTokens,
        );
      }
      assert.deepEqual((await streamEvents(HAIKU, messages)).at(-1).metadata.usage, second);
      // The cache is per model: another model writes its own entry.
      const nova = (await converse("amazon.nova-micro-v1:0", messages)).usage;
      assert.deepEqual([nova.cacheWriteInputTokens, nova.cacheReadInputTokens], [prefix, 0]);

      // A system prefix caches too; under 1024 tokens nothing is cached, but the fields are there.
      const system = [
        {
          text: Array.from({ length: 150 }, (_, i) => `Rule ${i}: the ${kind} system prompt is long enough.`).join(" "),
        },
        { cachePoint: { type: "default" } },
      ];
      const s1 = (await converse(HAIKU, [user("First question")], { system })).usage;
      const s2 = (await converse(HAIKU, [user("Another question")], { system })).usage;
      assert.ok(s1.cacheWriteInputTokens >= 1024);
      assert.equal(s2.cacheReadInputTokens, s1.cacheWriteInputTokens);
      const short = [
        { role: "user", content: [{ text: `A short ${kind} prefix` }, { cachePoint: { type: "default" } }, { text: "Go" }] },
      ];
      for (let i = 0; i < 2; i++) {
        const { usage } = await converse(HAIKU, short);
        assert.deepEqual([usage.cacheReadInputTokens, usage.cacheWriteInputTokens], [0, 0]);
        assert.equal(usage.totalTokens, usage.inputTokens + usage.outputTokens);
      }
    });

    // -- response extras -----------------------------------------------------------------
    test("performanceConfig and serviceTier are echoed; additionalModelResponseFieldPaths", async () => {
      const tiers = { performanceConfig: { latency: "optimized" }, serviceTier: { type: "priority" } };
      const response = await converse(HAIKU, [user("Echo tiers")], tiers);
      assert.deepEqual(response.performanceConfig, { latency: "optimized" });
      assert.deepEqual(response.serviceTier, { type: "priority" });
      const { metadata } = (await streamEvents(HAIKU, [user("Echo tiers")], tiers)).at(-1);
      assert.deepEqual(metadata.performanceConfig, { latency: "optimized" });
      assert.deepEqual(metadata.serviceTier, { type: "priority" });
      const plain = await converse(HAIKU, [user("Echo tiers")]);
      assert.equal(plain.performanceConfig, undefined);
      assert.equal(plain.serviceTier, undefined);

      const stop = {
        inferenceConfig: { stopSequences: ["deterministic"] },
        additionalModelResponseFieldPaths: ["/stop_sequence"],
      };
      const stopped = await converse(HAIKU, [user("Stop early")], stop);
      assert.equal(stopped.stopReason, "stop_sequence");
      assert.equal(textOf(stopped), "This is a ");
      assert.deepEqual(stopped.additionalModelResponseFields, { stop_sequence: "deterministic" });
      const events = await streamEvents(HAIKU, [user("Stop early")], stop);
      assert.deepEqual(events.at(-2).messageStop.additionalModelResponseFields, { stop_sequence: "deterministic" });
      const without = await converse(HAIKU, [user("Stop early")], { inferenceConfig: stop.inferenceConfig });
      assert.equal(without.additionalModelResponseFields, undefined);
    });

    // -- model id forms ------------------------------------------------------------------
    test("model id forms resolve to the same model", async () => {
      const messages = [user("Which form?")];
      for (const [referenceId, others] of [
        [
          HAIKU,
          [
            `us.${HAIKU}`,
            `${REGION_ARN}::foundation-model/${HAIKU}`,
            `${REGION_ARN}:${ACCOUNT}:inference-profile/us.${HAIKU}`,
          ],
        ],
        [
          // The catalog's resourceDefaults: a user's own resource stands for a live model.
          `us.${HAIKU_45}`,
          [
            `${REGION_ARN}:${ACCOUNT}:application-inference-profile/a1b2c3d4e5f6`,
            `${REGION_ARN}:${ACCOUNT}:provisioned-model/abcdef123456`,
          ],
        ],
        [
          "meta.llama3-1-8b-instruct-v1:0",
          [
            `${REGION_ARN}:${ACCOUNT}:custom-model/meta.llama3-1-8b/abc123def456`,
            `${REGION_ARN}:${ACCOUNT}:imported-model/abc123def456`,
          ],
        ],
        [
          `us.${SONNET_37}`,
          [`eu.${SONNET_37}`, `apac.${SONNET_37}`, `${REGION_ARN}:${ACCOUNT}:inference-profile/us.${SONNET_37}`],
        ],
      ]) {
        const reference = await converse(referenceId, messages);
        for (const modelId of others) {
          const response = await converse(modelId, messages);
          assert.equal(textOf(response), textOf(reference), modelId);
          assert.deepEqual(response.usage, reference.usage, modelId);
          // A raw request with the id percent-encoded in the path agrees.
          const path = `/model/${encodeURIComponent(modelId)}/converse`;
          const raw = await http1Request(server.port, "POST", path, { messages });
          assert.equal(raw.status, 200, modelId);
          assert.equal(textOf(JSON.parse(raw.body)), textOf(reference), modelId);
        }
      }
      // InvokeModel through a profile and its ARN: the same native answer.
      const request = NATIVE.anthropic.body("Which form?", 60);
      const bare = (await invoke(HAIKU, request)).body;
      for (const modelId of [`us.${HAIKU}`, `${REGION_ARN}:${ACCOUNT}:inference-profile/us.${HAIKU}`]) {
        assert.deepEqual((await invoke(modelId, request)).body, bare, modelId);
      }
      // Different catalog models answer differently.
      const texts = [];
      for (const modelId of [
        HAIKU,
        "anthropic.claude-3-haiku-20240307-v1:0",
        "amazon.nova-micro-v1:0",
        "amazon.nova-lite-v1:0",
        LLAMA3,
      ]) {
        texts.push(textOf(await converse(modelId, [user("Same question for everyone")])));
      }
      assert.equal(new Set(texts).size, texts.length, texts.join("\n"));
    });

    test("unknown ids, unknown profiles and on-demand calls of profile-only models are refused", async () => {
      const messages = [user("hi")];
      for (const modelId of [
        "x.y",
        "anthropic.claude-unknown-v1:0",
        `eu.${HAIKU}`,
        `xx.${HAIKU}`,
        `${REGION_ARN}::foundation-model/vendor.unknown-model-v1:0`,
        `${REGION_ARN}:${ACCOUNT}:inference-profile/eu.${HAIKU}`,
      ]) {
        await rejectsWith(INVALID_ID, new ConverseCommand({ modelId, messages }), `Converse ${modelId}`);
        await rejectsWith(INVALID_ID, new ConverseStreamCommand({ modelId, messages }), `ConverseStream ${modelId}`);
        await rejectsWith(INVALID_ID, new InvokeModelCommand({ modelId, body: "{}" }), `InvokeModel ${modelId}`);
      }
      for (const model of CATALOG.filter((m) => !m.onDemand && m.features.includes("converse"))) {
        const expected = onDemandError(model.id);
        await rejectsWith(expected, new ConverseCommand({ modelId: model.id, messages }), model.id);
        await rejectsWith(expected, new ConverseStreamCommand({ modelId: model.id, messages }), model.id);
        const arn = `${REGION_ARN}::foundation-model/${model.id}`;
        await rejectsWith(expected, new InvokeModelCommand({ modelId: arn, body: "{}" }), arn);
        assert.ok(textOf(await converse(invocableId(model), messages)).startsWith(PREFIX), model.id);
      }
    });

    // -- capability errors ---------------------------------------------------------------
    test("Converse and ConverseStream refuse models that do not chat; streams refuse one-shot models", async () => {
      const messages = [user("hi")];
      for (const modelId of [
        "amazon.titan-embed-text-v2:0",
        "cohere.embed-english-v3",
        "amazon.titan-image-generator-v2:0",
        "stability.sd3-5-large-v1:0",
        "amazon.nova-sonic-v1:0",
        "amazon.nova-reel-v1:0",
      ]) {
        await rejectsWith(UNSUPPORTED_MODEL, new ConverseCommand({ modelId, messages }), `Converse ${modelId}`);
        await rejectsWith(UNSUPPORTED_MODEL, new ConverseStreamCommand({ modelId, messages }), `Stream ${modelId}`);
      }
      for (const [modelId, body] of [
        ["amazon.titan-embed-text-v2:0", { inputText: "hi" }],
        ["cohere.embed-english-v3", { texts: ["hi"], input_type: "search_query" }],
        ["amazon.titan-image-generator-v1", { taskType: "TEXT_IMAGE", textToImageParams: { text: "hi" } }],
        ["stability.stable-image-core-v1:1", { prompt: "hi" }],
      ]) {
        const command = new InvokeModelWithResponseStreamCommand({ modelId, body: JSON.stringify(body) });
        await rejectsWith(NO_STREAMING, command, modelId);
      }
    });

    test("feature errors: system prompt, tool use, max tokens, toolChoice, streaming tool use", async () => {
      const toolConfig = { tools: [WEATHER_TOOL] };
      const messages = [user("What is the weather?")];
      for (const [name, modelId, extra, message] of [
        ["system prompt", TITAN_TEXT, { system: [{ text: "Be brief" }] }, NO_SYSTEM],
        ["system prompt (mistral 7b)", "mistral.mistral-7b-instruct-v0:2", { system: [{ text: "x" }] }, NO_SYSTEM],
        ["tool use", LLAMA3, { toolConfig }, NO_TOOLS],
        ["tool use (titan)", TITAN_TEXT, { toolConfig }, NO_TOOLS],
        ["max tokens llama", LLAMA3, { inferenceConfig: { maxTokens: 2049 } }, maxTokensError(2048)],
        ["max tokens haiku", HAIKU, { inferenceConfig: { maxTokens: 8193 } }, maxTokensError(8192)],
        ["max tokens nova", "amazon.nova-micro-v1:0", { inferenceConfig: { maxTokens: 10001 } }, maxTokensError(10000)],
      ]) {
        for (const Command of [ConverseCommand, ConverseStreamCommand]) {
          await rejectsWith(message, new Command({ modelId, messages, ...extra }), `${Command.name} ${name}`);
        }
      }
      // The limit itself is accepted.
      const atLimit = await converse(LLAMA3, [user("hi")], { inferenceConfig: { maxTokens: 2048 } });
      assert.equal(atLimit.stopReason, "end_turn");
      for (const choice of [{ any: {} }, { tool: { name: "get_weather" } }]) {
        const kindName = Object.keys(choice)[0];
        await rejectsWith(
          toolChoiceError(kindName),
          new ConverseCommand({
            modelId: MISTRAL_LARGE_2407,
            messages,
            toolConfig: { ...toolConfig, toolChoice: choice },
          }),
        );
      }
      await rejectsWith(
        NO_STREAMING_TOOLS,
        new ConverseStreamCommand({ modelId: MISTRAL_LARGE_2407, messages: [user(WEATHER_QUESTION)], toolConfig }),
      );
      const unstreamed = await converse(MISTRAL_LARGE_2407, [user(WEATHER_QUESTION)], { toolConfig });
      assert.equal(unstreamed.stopReason, "tool_use");
    });

    test("input longer than the context window", async () => {
      const modelId = "amazon.titan-text-lite-v1"; // reads at most 4096 tokens
      const text = "Context ".repeat(5000);
      await rejectsWith(TOO_LONG, new ConverseCommand({ modelId, messages: [user(text)] }));
      await rejectsWith(TOO_LONG, new ConverseStreamCommand({ modelId, messages: [user(text)] }));
      const body = JSON.stringify({ inputText: text });
      await rejectsWith(TOO_LONG, new InvokeModelCommand({ modelId, body }));
      await rejectsWith(TOO_LONG, new InvokeModelWithResponseStreamCommand({ modelId, body }));
    });

    test("tool block errors: toolConfig required, unanswered toolUse ids", async () => {
      const toolUse = {
        role: "assistant",
        content: [
          { toolUse: { toolUseId: "tooluse_a", name: "get_weather", input: { city: "Paris" } } },
          { toolUse: { toolUseId: "tooluse_b", name: "get_weather", input: { city: "Rome" } } },
        ],
      };
      const resultA = {
        role: "user",
        content: [{ toolResult: { toolUseId: "tooluse_a", content: [{ text: "sunny" }] } }],
      };
      const question = user(WEATHER_QUESTION);
      for (const Command of [ConverseCommand, ConverseStreamCommand]) {
        await rejectsWith(TOOL_CONFIG_REQUIRED, new Command({ modelId: HAIKU, messages: [question, toolUse, resultA] }));
        const resultOnly = [{ role: "user", content: resultA.content }];
        await rejectsWith(TOOL_CONFIG_REQUIRED, new Command({ modelId: HAIKU, messages: resultOnly }));
        await rejectsWith(
          "Expected toolResult blocks at messages.2.content for the following Ids: tooluse_b",
          new Command({ modelId: HAIKU, toolConfig: TOOLS, messages: [question, toolUse, resultA] }),
        );
        await rejectsWith(
          "Expected toolResult blocks at messages.2.content for the following Ids: tooluse_a, tooluse_b",
          new Command({ modelId: HAIKU, toolConfig: TOOLS, messages: [question, toolUse, user("never mind")] }),
        );
      }
    });

    test("InvokeModel body errors: not JSON, Llama stop_sequences", async () => {
      for (const modelId of [HAIKU, LLAMA3, "amazon.titan-embed-text-v2:0", "stability.sd3-5-large-v1:0"]) {
        for (const body of ["not json", "[1, 2]"]) {
          await rejectsWith(MALFORMED, new InvokeModelCommand({ modelId, body }), `${modelId} ${body}`);
        }
      }
      for (const modelId of [HAIKU, LLAMA3]) {
        await rejectsWith(MALFORMED, new InvokeModelWithResponseStreamCommand({ modelId, body: "{oops" }), modelId);
      }
      const llamaBody = JSON.stringify({ prompt: "hi", stop_sequences: ["\n"] });
      await rejectsWith(LLAMA_STOP, new InvokeModelCommand({ modelId: LLAMA3, body: llamaBody }));
      await rejectsWith(LLAMA_STOP, new InvokeModelWithResponseStreamCommand({ modelId: LLAMA3, body: llamaBody }));
      const notAnthropic = new InvokeModelCommand({ modelId: HAIKU, body: JSON.stringify({ prompt: "hi" }) });
      await assert.rejects(client.send(notAnthropic), (error) => {
        assert.ok(error instanceof ValidationException);
        assert.match(error.message, /^Malformed input request/);
        return true;
      });
    });
  });
}
