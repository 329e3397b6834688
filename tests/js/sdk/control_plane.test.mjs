// The control plane on the runtime's port through the AWS SDK for JavaScript v3, once with the
// default client (HTTP/2 h2c) and once with NodeHttpHandler (HTTP/1.1): service bedrock
// (guardrails, foundation models, inference profiles, tagging) and bedrock-agent (prompts); what
// they create is used at once by the runtime, survives a restart on the same --data-dir, and goes
// with POST /_emulator/reset.
// Run: cd tests/js && node --test sdk/
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, before, describe, test } from "node:test";

import {
  BedrockClient,
  CreateGuardrailCommand,
  CreateGuardrailVersionCommand,
  CreateInferenceProfileCommand,
  DeleteGuardrailCommand,
  DeleteInferenceProfileCommand,
  GetFoundationModelCommand,
  GetGuardrailCommand,
  GetInferenceProfileCommand,
  ListFoundationModelsCommand,
  ListGuardrailsCommand,
  ListInferenceProfilesCommand,
  ListTagsForResourceCommand,
  TagResourceCommand,
  TooManyTagsException,
  UntagResourceCommand,
  UpdateGuardrailCommand,
} from "@aws-sdk/client-bedrock";
import {
  BedrockAgentClient,
  CreatePromptCommand,
  CreatePromptVersionCommand,
  DeletePromptCommand,
  GetPromptCommand,
  ListPromptsCommand,
  UpdatePromptCommand,
} from "@aws-sdk/client-bedrock-agent";
import {
  ApplyGuardrailCommand,
  ConverseCommand,
  ConverseStreamCommand,
  InvokeModelCommand,
} from "@aws-sdk/client-bedrock-runtime";
import { NodeHttpHandler } from "@smithy/node-http-handler";

import { BINARY, CLIENT_KINDS, http1Request, loadCatalog, makeClient, startEmulator, user } from "./harness.mjs";

const ACCOUNT = "123456789012"; // the emulator's default --account-id
const REGION = "us-east-1";
const BLOCKED_INPUT = "Sorry, zeus is off limits.";
const BLOCKED_OUTPUT = "Sorry, I can't say that.";
const GUARDRAIL_ARN = new RegExp(`^arn:aws:bedrock:${REGION}:${ACCOUNT}:guardrail/([a-z0-9]{12})$`);
const PROFILE_ARN = new RegExp(`^arn:aws:bedrock:${REGION}:${ACCOUNT}:application-inference-profile/[a-z0-9]{12}$`);
const PROMPT_ARN = new RegExp(`^arn:aws:bedrock:${REGION}:${ACCOUNT}:prompt/([0-9a-zA-Z]{10})$`);

// An on-demand, live Anthropic text model of the catalog that converses and streams.
const MODEL = loadCatalog().find(
  (m) => m.onDemand && !m.lifecycle && m.provider === "Anthropic" && m.features.includes("converse") && m.features.includes("streaming"),
).id;
const MODEL_ARN = `arn:aws:bedrock:${REGION}::foundation-model/${MODEL}`;

const unique = (prefix) => `${prefix}-${randomUUID().slice(0, 8)}`;
const textOf = (response) => response.output.message.content.map((block) => block.text ?? "").join("");
const guardrailInput = (name, word = "zeus", extra = {}) => ({
  name,
  description: "control plane tests",
  wordPolicyConfig: { wordsConfig: [{ text: word }] },
  blockedInputMessaging: BLOCKED_INPUT,
  blockedOutputsMessaging: BLOCKED_OUTPUT,
  ...extra,
});
const promptVariants = (text = "Tell me about {{topic}}") => [
  { name: "v1", templateType: "TEXT", modelId: MODEL, templateConfiguration: { text: { text, inputVariables: [{ name: "topic" }] } } },
];
const templateOf = (prompt) => prompt.variants[0].templateConfiguration.text.text;

// The three clients of one endpoint, built as makeClient builds the runtime's.
function makeClients(endpoint, kind) {
  const options = () => ({
    region: REGION,
    endpoint,
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" },
    maxAttempts: 1,
    ...(kind === "http1-NodeHttpHandler" ? { requestHandler: new NodeHttpHandler() } : {}),
  });
  const runtime = makeClient(endpoint, kind);
  const bedrock = new BedrockClient(options());
  const agent = new BedrockAgentClient(options());
  return { runtime, bedrock, agent, destroy: () => [runtime, bedrock, agent].forEach((c) => c.destroy()) };
}

// Resolves to the error name when `promise` rejects with one of `names`.
async function rejectsWith(promise, ...names) {
  let name;
  await assert.rejects(promise, (error) => {
    assert.ok(names.includes(error.name), `${error.name}: ${error.message}`);
    name = error.name;
    return true;
  });
  return name;
}

// Every item of a paginated list call, and its pages.
async function walk(client, Command, key, input = {}) {
  const items = [];
  const pages = [];
  let nextToken;
  do {
    const page = await client.send(new Command({ ...input, ...(nextToken ? { nextToken } : {}) }));
    pages.push(page[key]);
    items.push(...page[key]);
    nextToken = page.nextToken;
    assert.ok(pages.length < 1000, "pagination does not end");
  } while (nextToken);
  return { items, pages };
}

// The operations the tests use, on one set of clients.
function operations(c) {
  const ops = {
    createGuardrail: (word = "zeus", extra = {}) => c.bedrock.send(new CreateGuardrailCommand(guardrailInput(unique("gr"), word, extra))),
    getGuardrail: (guardrailIdentifier, guardrailVersion) => c.bedrock.send(new GetGuardrailCommand({ guardrailIdentifier, guardrailVersion })),
    version: (guardrailIdentifier) => c.bedrock.send(new CreateGuardrailVersionCommand({ guardrailIdentifier })),
    apply: (guardrailIdentifier, guardrailVersion, text) =>
      c.runtime.send(new ApplyGuardrailCommand({ guardrailIdentifier, guardrailVersion, source: "INPUT", content: [{ text: { text } }] })),
    assertBlocks: async (id, version, text, blocked = true) => {
      const response = await ops.apply(id, version, text);
      assert.equal(response.action, blocked ? "GUARDRAIL_INTERVENED" : "NONE", `${version}: ${text}`);
      if (blocked) assert.deepEqual(response.outputs, [{ text: BLOCKED_INPUT }]);
    },
    createPrompt: () =>
      c.agent.send(new CreatePromptCommand({ name: unique("prompt"), description: "tests", defaultVariant: "v1", variants: promptVariants() })),
    getPrompt: (promptIdentifier, promptVersion) => c.agent.send(new GetPromptCommand({ promptIdentifier, promptVersion })),
    createProfile: (extra = {}, copyFrom = MODEL_ARN) =>
      c.bedrock.send(new CreateInferenceProfileCommand({ inferenceProfileName: unique("mine"), modelSource: { copyFrom }, ...extra })),
    getProfile: (inferenceProfileIdentifier) => c.bedrock.send(new GetInferenceProfileCommand({ inferenceProfileIdentifier })),
    assertConverses: async (modelId, input = {}) => {
      const response = await c.runtime.send(new ConverseCommand({ modelId, ...input }));
      assert.equal(response.$metadata.httpStatusCode, 200);
      assert.equal(response.output.message.role, "assistant");
      assert.ok(textOf(response));
      return response;
    },
    streamEvents: async (modelId) => {
      const response = await c.runtime.send(new ConverseStreamCommand({ modelId, messages: [user("Hello")] }));
      const events = [];
      for await (const event of response.stream) events.push(event);
      assert.ok(events[0].messageStart, JSON.stringify(events[0]));
      assert.ok(events.at(-2).messageStop, JSON.stringify(events.at(-2)));
      return events;
    },
  };
  return ops;
}

let server;
before(async () => {
  server = await startEmulator();
});
after(async () => {
  const code = await server.stop();
  assert.equal(code, 0, "emulator should exit with 0 on SIGTERM");
});

for (const kind of CLIENT_KINDS) {
  describe(`SDK client: ${kind}`, () => {
    let c;
    let op;
    before(() => {
      c = makeClients(server.endpoint, kind);
      op = operations(c);
    });
    after(() => c.destroy());

    test("CreateGuardrail answers an id, an ARN, DRAFT and createdAt", async () => {
      const response = await op.createGuardrail("zeus", { tags: [{ key: "team", value: "tests" }] });
      assert.equal(response.$metadata.httpStatusCode, 202);
      assert.match(response.guardrailId, /^[a-z0-9]{12}$/);
      assert.equal(GUARDRAIL_ARN.exec(response.guardrailArn)?.[1], response.guardrailId, response.guardrailArn);
      assert.equal(response.version, "DRAFT");
      assert.ok(response.createdAt instanceof Date);
    });

    test("GetGuardrail DRAFT is READY with its name and word policy", async () => {
      const created = await op.createGuardrail();
      const got = await op.getGuardrail(created.guardrailId, "DRAFT");
      assert.equal(got.status, "READY");
      assert.equal(got.version, "DRAFT");
      assert.equal(got.guardrailArn, created.guardrailArn);
      assert.match(got.name, /^gr-/);
      assert.deepEqual(got.wordPolicy.words.map((w) => w.text), ["zeus"]);
      assert.equal(got.blockedInputMessaging, BLOCKED_INPUT);
      assert.equal((await op.getGuardrail(created.guardrailArn)).guardrailId, created.guardrailId);
    });

    test("version 1 blocks in ApplyGuardrail and on Converse", async () => {
      const { guardrailId } = await op.createGuardrail();
      const version = await op.version(guardrailId);
      assert.equal(version.version, "1");
      assert.equal(version.guardrailId, guardrailId);
      await op.assertBlocks(guardrailId, "1", "Tell me about zeus.");
      await op.assertBlocks(guardrailId, "1", "Tell me about otters.", false);
      const answer = await c.runtime.send(
        new ConverseCommand({ modelId: MODEL, messages: [user("What does zeus rule?")], guardrailConfig: { guardrailIdentifier: guardrailId, guardrailVersion: "1" } }),
      );
      assert.equal(answer.stopReason, "guardrail_intervened");
      assert.equal(textOf(answer), BLOCKED_INPUT);
    });

    test("UpdateGuardrail changes the DRAFT at once, not version 1", async () => {
      const { guardrailId } = await op.createGuardrail();
      await op.version(guardrailId);
      const updated = await c.bedrock.send(new UpdateGuardrailCommand({ guardrailIdentifier: guardrailId, ...guardrailInput(unique("gr"), "hera") }));
      assert.equal(updated.guardrailId, guardrailId);
      await op.assertBlocks(guardrailId, "DRAFT", "a hymn to hera");
      await op.assertBlocks(guardrailId, "DRAFT", "a hymn to zeus", false);
      await op.assertBlocks(guardrailId, "1", "a hymn to zeus");
      await op.assertBlocks(guardrailId, "1", "a hymn to hera", false);
    });

    test("ListGuardrails lists DRAFTs, and with an identifier its versions; pages of one walk all", async () => {
      const ids = [];
      for (let i = 0; i < 3; i++) ids.push((await op.createGuardrail()).guardrailId);
      await op.version(ids[0]);
      const guardrails = (await walk(c.bedrock, ListGuardrailsCommand, "guardrails", { maxResults: 1000 })).items;
      assert.deepEqual([...new Set(guardrails.map((g) => g.version))], ["DRAFT"]);
      assert.equal(guardrails.filter((g) => g.id === ids[0]).length, 1);
      const versions = (await c.bedrock.send(new ListGuardrailsCommand({ guardrailIdentifier: ids[0] }))).guardrails;
      assert.deepEqual([...new Set(versions.map((g) => g.id))], [ids[0]]);
      assert.ok(versions.some((g) => g.version === "1"), JSON.stringify(versions));
      const { items, pages } = await walk(c.bedrock, ListGuardrailsCommand, "guardrails", { maxResults: 1 });
      assert.ok(pages.every((page) => page.length === 1), JSON.stringify(pages));
      const walked = items.map((g) => g.id);
      assert.equal(new Set(walked).size, walked.length);
      for (const id of ids) assert.ok(walked.includes(id), id);
      assert.deepEqual([...walked].sort(), guardrails.map((g) => g.id).sort());
    });

    test("DeleteGuardrail of version 1, then of the whole guardrail", async () => {
      const { guardrailId } = await op.createGuardrail();
      await op.version(guardrailId);
      await c.bedrock.send(new DeleteGuardrailCommand({ guardrailIdentifier: guardrailId, guardrailVersion: "1" }));
      await rejectsWith(op.getGuardrail(guardrailId, "1"), "ResourceNotFoundException");
      await rejectsWith(op.apply(guardrailId, "1", "zeus"), "ResourceNotFoundException");
      await op.assertBlocks(guardrailId, "DRAFT", "zeus");
      await c.bedrock.send(new DeleteGuardrailCommand({ guardrailIdentifier: guardrailId }));
      await rejectsWith(op.getGuardrail(guardrailId), "ResourceNotFoundException");
      await rejectsWith(op.apply(guardrailId, "DRAFT", "zeus"), "ResourceNotFoundException");
      const { items } = await walk(c.bedrock, ListGuardrailsCommand, "guardrails");
      assert.ok(!items.some((g) => g.id === guardrailId));
    });

    test("a second guardrail of the same name conflicts; bad input is a ValidationException", async () => {
      const name = unique("twin");
      await c.bedrock.send(new CreateGuardrailCommand(guardrailInput(name)));
      await rejectsWith(c.bedrock.send(new CreateGuardrailCommand(guardrailInput(name))), "ConflictException");
      const missing = guardrailInput(unique("gr"));
      delete missing.blockedInputMessaging;
      for (const input of [guardrailInput("has space"), guardrailInput("n".repeat(51)), missing]) {
        await rejectsWith(c.bedrock.send(new CreateGuardrailCommand(input)), "ValidationException");
      }
    });

    test("ListFoundationModels, its filters and GetFoundationModel", async () => {
      const { modelSummaries } = await c.bedrock.send(new ListFoundationModelsCommand({}));
      assert.ok(modelSummaries.length > 0);
      for (const m of modelSummaries) {
        assert.equal(m.modelArn, `arn:aws:bedrock:${REGION}::foundation-model/${m.modelId}`);
        assert.ok(m.providerName && m.inputModalities.length && m.outputModalities.length, JSON.stringify(m));
        assert.ok(["ACTIVE", "LEGACY"].includes(m.modelLifecycle.status), JSON.stringify(m));
      }
      assert.ok(modelSummaries.some((m) => m.modelId === MODEL));
      const anthropic = (await c.bedrock.send(new ListFoundationModelsCommand({ byProvider: "Anthropic" }))).modelSummaries;
      assert.deepEqual([...new Set(anthropic.map((m) => m.providerName))], ["Anthropic"]);
      const embeddings = (await c.bedrock.send(new ListFoundationModelsCommand({ byOutputModality: "EMBEDDING" }))).modelSummaries;
      assert.ok(embeddings.length > 0 && embeddings.every((m) => m.outputModalities.includes("EMBEDDING")));
      assert.ok(!embeddings.some((m) => m.modelId === MODEL));
      const { modelDetails } = await c.bedrock.send(new GetFoundationModelCommand({ modelIdentifier: anthropic[0].modelId }));
      assert.equal(modelDetails.modelId, anthropic[0].modelId);
      const name = await rejectsWith(
        c.bedrock.send(new GetFoundationModelCommand({ modelIdentifier: "acme.nosuch-model-v1:0" })),
        "ResourceNotFoundException",
        "ValidationException",
      );
      console.log(`[control plane] GetFoundationModel of an unknown id raised ${name}`);
    });

    test("a listed on-demand streaming text model converses", async () => {
      const features = new Map(loadCatalog().map((m) => [m.id, m.features]));
      const { modelSummaries } = await c.bedrock.send(new ListFoundationModelsCommand({ byProvider: "Anthropic" }));
      const model = modelSummaries.find(
        (m) => m.inferenceTypesSupported?.includes("ON_DEMAND") && m.outputModalities.includes("TEXT") && m.responseStreamingSupported &&
          m.modelLifecycle.status === "ACTIVE" && features.get(m.modelId)?.includes("converse"),
      );
      assert.ok(model, JSON.stringify(modelSummaries));
      await op.assertConverses(model.modelId, { messages: [user("Hello")], inferenceConfig: { maxTokens: 32 } });
      await op.streamEvents(model.modelId);
    });

    test("system-defined inference profiles: list and get", async () => {
      const { items } = await walk(c.bedrock, ListInferenceProfilesCommand, "inferenceProfileSummaries", { typeEquals: "SYSTEM_DEFINED" });
      assert.ok(items.length > 0);
      assert.ok(items.every((p) => p.type === "SYSTEM_DEFINED" && p.models.length > 0));
      const wanted = `us.${MODEL}`;
      assert.ok(items.some((p) => p.inferenceProfileId === wanted), wanted);
      const got = await op.getProfile(wanted);
      assert.equal(got.inferenceProfileId, wanted);
      assert.equal(got.type, "SYSTEM_DEFINED");
      assert.equal(got.inferenceProfileArn, `arn:aws:bedrock:${REGION}:${ACCOUNT}:inference-profile/${wanted}`);
      assert.ok(got.models.some((m) => m.modelArn.endsWith(`:foundation-model/${MODEL}`)), JSON.stringify(got.models));
    });

    test("an application inference profile: create, list, use at runtime, delete", async () => {
      const created = await op.createProfile();
      const arn = created.inferenceProfileArn;
      assert.match(arn, PROFILE_ARN);
      assert.equal(created.status, "ACTIVE");
      const got = await op.getProfile(arn);
      assert.equal(got.type, "APPLICATION");
      assert.deepEqual(got.models.map((m) => m.modelArn), [MODEL_ARN]);
      const { items } = await walk(c.bedrock, ListInferenceProfilesCommand, "inferenceProfileSummaries", { typeEquals: "APPLICATION" });
      assert.ok(items.some((p) => p.inferenceProfileArn === arn));
      assert.ok(items.every((p) => p.type === "APPLICATION"));
      await op.assertConverses(arn, { messages: [user("Hello")] });
      await op.streamEvents(arn);
      const body = JSON.stringify({ anthropic_version: "bedrock-2023-05-31", max_tokens: 64, messages: [{ role: "user", content: "Hello" }] });
      const invoked = await c.runtime.send(new InvokeModelCommand({ modelId: arn, body: new TextEncoder().encode(body) }));
      const parsed = JSON.parse(new TextDecoder().decode(invoked.body));
      assert.equal(parsed.role, "assistant");
      assert.ok(parsed.content[0].text);
      const fromSystem = await op.createProfile({}, `arn:aws:bedrock:${REGION}:${ACCOUNT}:inference-profile/us.${MODEL}`);
      assert.match(fromSystem.inferenceProfileArn, PROFILE_ARN);
      await c.bedrock.send(new DeleteInferenceProfileCommand({ inferenceProfileIdentifier: arn }));
      await rejectsWith(op.getProfile(arn), "ResourceNotFoundException");
    });

    test("tags on a guardrail and on an application profile", async () => {
      const guardrail = await op.createGuardrail("zeus", { tags: [{ key: "team", value: "tests" }] });
      const profile = await op.createProfile({ tags: [{ key: "owner", value: "me" }] });
      for (const [resourceARN, initial] of [
        [guardrail.guardrailArn, { team: "tests" }],
        [profile.inferenceProfileArn, { owner: "me" }],
      ]) {
        const tags = async () =>
          Object.fromEntries((await c.bedrock.send(new ListTagsForResourceCommand({ resourceARN }))).tags.map((t) => [t.key, t.value]));
        assert.deepEqual(await tags(), initial);
        await c.bedrock.send(new TagResourceCommand({ resourceARN, tags: [{ key: "env", value: "test" }, { key: "k2", value: "v2" }] }));
        assert.deepEqual(await tags(), { ...initial, env: "test", k2: "v2" });
        await c.bedrock.send(new UntagResourceCommand({ resourceARN, tagKeys: ["k2", ...Object.keys(initial)] }));
        assert.deepEqual(await tags(), { env: "test" });
        const tooMany = Array.from({ length: 51 }, (_, i) => ({ key: `key${i}`, value: "v" }));
        await assert.rejects(c.bedrock.send(new TagResourceCommand({ resourceARN, tags: tooMany })), (error) => {
          assert.ok(error instanceof TooManyTagsException, `${error.name}: ${error.message}`);
          return true;
        });
        assert.deepEqual(await tags(), { env: "test" });
      }
    });

    test("a prompt: create, get, list, update, version, delete", async () => {
      const created = await op.createPrompt();
      assert.equal(created.$metadata.httpStatusCode, 201);
      assert.match(created.id, /^[0-9a-zA-Z]{10}$/);
      assert.equal(PROMPT_ARN.exec(created.arn)?.[1], created.id, created.arn);
      assert.equal(created.version, "DRAFT");
      const got = await op.getPrompt(created.id);
      assert.equal(got.name, created.name);
      assert.equal(got.defaultVariant, "v1");
      assert.equal(templateOf(got), "Tell me about {{topic}}");
      const { items } = await walk(c.agent, ListPromptsCommand, "promptSummaries");
      assert.ok(items.some((p) => p.id === created.id));
      const name = unique("renamed");
      const updated = await c.agent.send(
        new UpdatePromptCommand({ promptIdentifier: created.id, name, defaultVariant: "v1", variants: promptVariants("Write a poem about {{topic}}") }),
      );
      assert.equal(updated.name, name);
      assert.equal(templateOf(await op.getPrompt(created.id)), "Write a poem about {{topic}}");
      const version = await c.agent.send(new CreatePromptVersionCommand({ promptIdentifier: created.id }));
      assert.equal(version.version, "1");
      assert.equal(version.arn, `${created.arn}:1`);
      for (const modelId of [created.arn, version.arn]) {
        await op.assertConverses(modelId, { promptVariables: { topic: { text: "otters" } } });
      }
      await c.agent.send(new DeletePromptCommand({ promptIdentifier: created.id }));
      await rejectsWith(op.getPrompt(created.id), "ResourceNotFoundException");
    });

    test("POST /_emulator/reset clears guardrails, prompts and application profiles", async () => {
      const { guardrailId } = await op.createGuardrail();
      const prompt = await op.createPrompt();
      const { inferenceProfileArn } = await op.createProfile();
      const reset = await http1Request(server.port, "POST", "/_emulator/reset");
      assert.equal(reset.status, 200, reset.body.toString());
      await rejectsWith(op.getGuardrail(guardrailId), "ResourceNotFoundException");
      await rejectsWith(op.getPrompt(prompt.id), "ResourceNotFoundException");
      await rejectsWith(op.getProfile(inferenceProfileArn), "ResourceNotFoundException");
    });
  });
}

// startEmulator's spawn on a data directory the caller owns (kept when the server stops).
async function startOn(dataDir) {
  const args = ["--port", "0", "--data-dir", dataDir, "--log-level", "warn", "--serve-retired-models"];
  const child = spawn(BINARY, args, { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise((resolveExit) => {
    child.once("exit", (code, signal) => resolveExit(code ?? signal));
    child.once("error", (error) => resolveExit(error.message));
  });
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const lines = createInterface({ input: child.stdout });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    const code = await exited;
    process.removeListener("exit", killOnExit);
    lines.close();
    return code;
  };
  const line = await new Promise((resolveLine, reject) => {
    const timer = setTimeout(() => reject(new Error("emulator did not start in 15 s")), 15000);
    lines.once("line", (l) => (clearTimeout(timer), resolveLine(l)));
    exited.then((code) => (clearTimeout(timer), reject(new Error(`emulator exited (${code}): ${stderr}`))));
  }).catch(async (error) => {
    await stop();
    throw error;
  });
  const port = /listening on http:\/\/127\.0\.0\.1:(\d+) /.exec(line)?.[1];
  if (!port) {
    await stop();
    throw new Error(`unexpected first stdout line: ${JSON.stringify(line)}`);
  }
  lines.on("line", () => {});
  return { port: Number(port), endpoint: `http://127.0.0.1:${port}`, stop };
}

describe("persistence across a restart on the same --data-dir", () => {
  let root;
  before(() => {
    root = mkdtempSync(join(tmpdir(), "bedrock-emulator-js-persist-"));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test("a guardrail, a prompt and an application profile are found again and usable", async () => {
    const dataDir = join(root, "data");
    let emulator = await startOn(dataDir);
    let c = makeClients(emulator.endpoint, CLIENT_KINDS[0]);
    let created;
    try {
      const op = operations(c);
      const { guardrailId } = await op.createGuardrail();
      await op.version(guardrailId);
      created = { guardrailId, prompt: await op.createPrompt(), profileArn: (await op.createProfile()).inferenceProfileArn };
    } finally {
      c.destroy();
      assert.equal(await emulator.stop(), 0, "emulator should exit with 0 on SIGTERM");
    }
    emulator = await startOn(dataDir);
    c = makeClients(emulator.endpoint, CLIENT_KINDS[1]);
    try {
      const op = operations(c);
      assert.equal((await op.getGuardrail(created.guardrailId)).status, "READY");
      assert.equal((await op.getGuardrail(created.guardrailId, "1")).version, "1");
      await op.assertBlocks(created.guardrailId, "1", "zeus again");
      assert.equal((await op.getPrompt(created.prompt.id)).name, created.prompt.name);
      await op.assertConverses(created.prompt.arn, { promptVariables: { topic: { text: "otters" } } });
      assert.equal((await op.getProfile(created.profileArn)).status, "ACTIVE");
      await op.assertConverses(created.profileArn, { messages: [user("Hello again")] });
    } finally {
      c.destroy();
      assert.equal(await emulator.stop(), 0, "emulator should exit with 0 on SIGTERM");
    }
  });
});
