// Record mode and replay through the AWS SDK for JavaScript v3, once with the default client
// (HTTP/2 h2c to the recorder and the replayer) and once with NodeHttpHandler (HTTP/1.1): a
// second emulator stands in for Bedrock, the session's calls go through a recording emulator
// (--record-to, --upstream), then through a third that replays the recording (--scenarios,
// --replay-strict). Answers and event sequences must be the same, with the stream's pacing kept
// within 20% at --replay-speed 1, and nothing secret written.
// Run: cd tests/js && node --test sdk/
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import tls from "node:tls";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import { BedrockClient, CreateGuardrailCommand, ListFoundationModelsCommand } from "@aws-sdk/client-bedrock";
import {
  ApplyGuardrailCommand,
  ConverseCommand,
  ConverseStreamCommand,
  CountTokensCommand,
  GetAsyncInvokeCommand,
  ListAsyncInvokesCommand,
  StartAsyncInvokeCommand,
  InvokeModelCommand,
  InvokeModelWithBidirectionalStreamCommand,
  InvokeModelWithResponseStreamCommand,
  ValidationException,
} from "@aws-sdk/client-bedrock-runtime";

import { CLIENT_KINDS, http1Request, makeClient, startEmulator } from "./harness.mjs";

const MODEL = "anthropic.claude-3-haiku-20240307-v1:0";
const GAP_MS = 100;
const KEY_ID = "AKIAJSRECORDERKEY001";
const SECRET = "jsRecorderSecret/K7MDENG+bPxRfiCYJSKEY";
const TOKEN = "IQoJb3JpZ2luJSrecorderSessionToken";
const UPSTREAM_ACCOUNT = "444455556666";

const UPSTREAM_SCENARIO = {
  name: "upstream",
  rules: [
    {
      match: { operation: "ConverseStream", text: "slowly" },
      latency: { betweenEventsMs: GAP_MS },
      response: { text: "one two three four five six seven eight", chunkSize: 8 },
    },
  ],
};

const user = (text) => ({ role: "user", content: [{ text }] });
const plain = ({ $metadata, ...rest }) => rest;

async function readStream(stream) {
  const events = [];
  const times = [];
  for await (const event of stream) {
    times.push(performance.now());
    events.push(event);
  }
  return { events, gaps: times.slice(1).map((t, i) => t - times[i]) };
}

// What the recorder relayed, as its recording replays it: the upstream's account in ARNs replaced
// by the emulator's --account-id (default 123456789012).
const asRecorded = (value) => JSON.parse(JSON.stringify(value).replaceAll(`:${UPSTREAM_ACCOUNT}:`, ":123456789012:"),
  (key, v) => (typeof v === "string" && /^\d{4}-\d\d-\d\dT/.test(v) ? new Date(v) : v));

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

// A Nova Sonic session sent all at once (a system prompt, one user text turn, the end): the
// output events, decoded, and the milliseconds from the first to the last.
const SONIC = "amazon.nova-2-sonic-v1:0";
const PROMPT = "prompt-1";
const ev = (name, body) => ({ event: { [name]: body } });
const sonicInput = [
  ev("sessionStart", { inferenceConfiguration: { maxTokens: 6, topP: 0.9, temperature: 0.7 } }),
  ev("promptStart", {
    promptName: PROMPT,
    textOutputConfiguration: { mediaType: "text/plain" },
    audioOutputConfiguration: { mediaType: "audio/lpcm", sampleRateHertz: 24000, sampleSizeBits: 16, channelCount: 1, voiceId: "matthew", encoding: "base64", audioType: "SPEECH" },
  }),
  ...[["system", "SYSTEM", "You are brief."], ["q", "USER", "Hi!"]].flatMap(([contentName, role, content]) => [
    ev("contentStart", { promptName: PROMPT, contentName, type: "TEXT", interactive: true, role, textInputConfiguration: { mediaType: "text/plain" } }),
    ev("textInput", { promptName: PROMPT, contentName, content }),
    ev("contentEnd", { promptName: PROMPT, contentName }),
  ]),
  ev("promptEnd", { promptName: PROMPT }),
  ev("sessionEnd", {}),
];

async function sonicSession(endpoint, kind) {
  const runtime = makeClient(endpoint, kind);
  const body = (async function* () {
    for (const event of sonicInput) yield { chunk: { bytes: new TextEncoder().encode(JSON.stringify(event)) } };
  })();
  const response = await runtime.send(new InvokeModelWithBidirectionalStreamCommand({ modelId: SONIC, body }));
  const events = [];
  const times = [];
  for await (const part of response.body) {
    times.push(performance.now());
    events.push(JSON.parse(Buffer.from(part.chunk.bytes).toString()).event);
  }
  runtime.destroy();
  return { events, spanMs: times.at(-1) - times[0] };
}

async function session(endpoint, kind) {
  const runtime = makeClient(endpoint, kind);
  const bedrock = makeClient(endpoint, kind, BedrockClient);
  const answers = {};
  answers.converse = plain(await runtime.send(new ConverseCommand({ modelId: MODEL, messages: [user("hello js")] })));
  const streamed = await runtime.send(new ConverseStreamCommand({ modelId: MODEL, messages: [user("tell it slowly")] }));
  const { events, gaps } = await readStream(streamed.stream);
  answers.stream = events;
  const body = JSON.stringify({ anthropic_version: "bedrock-2023-05-31", max_tokens: 40, messages: [{ role: "user", content: "invoke js" }] });
  const invoked = await runtime.send(new InvokeModelCommand({ modelId: MODEL, body, contentType: "application/json" }));
  answers.invoke = JSON.parse(Buffer.from(invoked.body).toString());
  const chunks = await runtime.send(new InvokeModelWithResponseStreamCommand({ modelId: MODEL, body, contentType: "application/json" }));
  answers.invokeStream = [];
  for await (const event of chunks.body) answers.invokeStream.push(JSON.parse(Buffer.from(event.chunk.bytes).toString()));
  answers.count = plain(await runtime.send(new CountTokensCommand({ modelId: MODEL, input: { converse: { messages: [user("count js")] } } })));
  answers.models = plain(await bedrock.send(new ListFoundationModelsCommand({ byProvider: "Amazon" })));
  const guardrail = plain(await bedrock.send(new CreateGuardrailCommand({
    name: `recorded-${kind}`,
    wordPolicyConfig: { wordsConfig: [{ text: "zeus" }] },
    blockedInputMessaging: "blocked in",
    blockedOutputsMessaging: "blocked out",
  })));
  answers.guardrail = guardrail;
  answers.applied = plain(await runtime.send(new ApplyGuardrailCommand({
    guardrailIdentifier: guardrail.guardrailId, guardrailVersion: "DRAFT", source: "INPUT",
    content: [{ text: { text: "tell me about zeus" } }],
  })));
  const { invocationArn } = await runtime.send(new StartAsyncInvokeCommand({
    modelId: "amazon.nova-reel-v1:0",
    modelInput: { taskType: "TEXT_VIDEO", textToVideoParams: { text: "a cat" },
                  videoGenerationConfig: { durationSeconds: 6, fps: 24, dimension: "1280x720", seed: 0 } },
    outputDataConfig: { s3OutputDataConfig: { s3Uri: "s3://bucket/out" } },
  }));
  answers.asyncArn = invocationArn;
  answers.asyncGet = plain(await runtime.send(new GetAsyncInvokeCommand({ invocationArn })));
  answers.asyncList = plain(await runtime.send(new ListAsyncInvokesCommand({})));
  runtime.destroy();
  bedrock.destroy();
  return { answers, gaps };
}

for (const kind of CLIENT_KINDS) {
  describe(`record and replay (${kind})`, () => {
    let upstream, recorder, folder;
    let recorded;
    const servers = [];
    const start = async (options) => {
      const server = await startEmulator(15000, options);
      servers.push(server);
      return server;
    };

    before(async () => {
      folder = mkdtempSync(join(tmpdir(), "bedrock-record-js-"));
      upstream = await start({ args: ["--account-id", UPSTREAM_ACCOUNT] });
      const loaded = await http1Request(upstream.port, "POST", "/_emulator/scenarios", UPSTREAM_SCENARIO);
      assert.equal(loaded.status, 200);
      recorder = await start({
        args: ["--record-to", join(folder, "recorded"), "--upstream", upstream.endpoint],
        env: { AWS_ACCESS_KEY_ID: KEY_ID, AWS_SECRET_ACCESS_KEY: SECRET, AWS_SESSION_TOKEN: TOKEN, AWS_BEARER_TOKEN_BEDROCK: undefined },
      });
      recorded = await session(recorder.endpoint, kind);
      recorded.sonic = await sonicSession(recorder.endpoint, kind);
    });

    after(async () => {
      for (const server of servers) await server.stop();
      rmSync(folder, { recursive: true, force: true });
    });

    test("the replay answers and streams as the upstream did, pacing kept within 20%", async () => {
      const replayer = await start({ args: ["--scenarios", join(folder, "recorded"), "--replay-strict", "--replay-speed", "1"] });
      const replayed = await session(replayer.endpoint, kind);
      assert.deepEqual(replayed.answers, asRecorded(recorded.answers));
      assert.equal(recorded.answers.applied.action, "GUARDRAIL_INTERVENED");
      assert.match(recorded.answers.asyncArn, new RegExp(`:${UPSTREAM_ACCOUNT}:async-invoke/`));
      assert.ok(recorded.answers.stream.length > 5);
      const before = median(recorded.gaps);
      const now = median(replayed.gaps);
      assert.ok(before > GAP_MS * 0.8, `recorded gaps ${recorded.gaps}`);
      assert.ok(Math.abs(now - before) < 0.2 * before, `recorded ${recorded.gaps} replayed ${replayed.gaps}`);
    });

    test("a Nova Sonic session is relayed, recorded and replayed with its pacing", async () => {
      const direct = await sonicSession(upstream.endpoint, kind);
      const names = (events) => events.map((event) => Object.keys(event)[0]);
      assert.deepEqual(names(recorded.sonic.events), names(direct.events));
      assert.ok(recorded.sonic.events.some((event) => event.textOutput), "the session answered text");
      const replayer = await start({ args: ["--scenarios", join(folder, "recorded"), "--replay-strict", "--replay-speed", "1"] });
      const replayed = await sonicSession(replayer.endpoint, kind);
      assert.deepEqual(replayed.events, recorded.sonic.events);
      if (recorded.sonic.spanMs > 200) {
        assert.ok(Math.abs(replayed.spanMs - recorded.sonic.spanMs) < 0.2 * recorded.sonic.spanMs,
                  `recorded ${recorded.sonic.spanMs} ms, replayed ${replayed.spanMs} ms`);
      }
    });

    test("strict replay refuses an unrecorded request, naming the nearest", async () => {
      const replayer = await start({ args: ["--scenarios", join(folder, "recorded"), "--replay-strict"] });
      const runtime = makeClient(replayer.endpoint, kind);
      await assert.rejects(
        runtime.send(new ConverseCommand({ modelId: MODEL, messages: [user("hello jS")] })),
        (error) =>
          error instanceof ValidationException &&
          error.message.includes('/body/messages/0/content/0/text: recorded "hello js", sent "hello jS"'),
      );
      runtime.destroy();
    });

    test("nothing secret is in the recording", () => {
      const files = readdirSync(join(folder, "recorded")).filter((name) => name.endsWith(".json"));
      assert.equal(files.length, 1);
      const text = readFileSync(join(folder, "recorded", files[0]), "utf8");
      for (const secret of [KEY_ID, SECRET, TOKEN, "Signature=", "AWS4-HMAC-SHA256", "Credential=", UPSTREAM_ACCOUNT]) {
        assert.ok(!text.includes(secret), secret);
      }
      assert.ok(text.includes('"operation": "ListFoundationModels"'));
      const rules = JSON.parse(text).rules;
      const sonic = rules.find((rule) => rule.match.operation === "InvokeModelWithBidirectionalStream");
      assert.ok(sonic, "the Nova Sonic session was recorded");
      assert.ok(sonic.recorded.frames.length > 5);
      assert.equal(sonic.recorded.frames[0].headers[":event-type"], "chunk");
    });
  });
}

// A CA and a certificate for 127.0.0.1 it signed, made with the openssl command.
function makeCertificates(folder) {
  const openssl = (...args) => execFileSync("openssl", args, { cwd: folder, stdio: "ignore" });
  openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "1",
          "-subj", "/CN=record-replay test CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign");
  openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1");
  writeFileSync(join(folder, "server.ext"), "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n");
  openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem",
          "-days", "1", "-extfile", "server.ext");
  return { ca: join(folder, "ca.pem"), cert: readFileSync(join(folder, "server.pem")), key: readFileSync(join(folder, "server.key")) };
}

describe("record and replay of a Nova Sonic session through an HTTPS upstream (TLS, ALPN h2)", () => {
  let upstream, relay, folder, certificates;
  const servers = [];
  before(async () => {
    folder = mkdtempSync(join(tmpdir(), "bedrock-record-tls-"));
    certificates = makeCertificates(folder);
    upstream = await startEmulator();
    servers.push(upstream);
    // The TLS end in front of the upstream, which speaks h2c: bytes are relayed as they are.
    relay = tls.createServer({ cert: certificates.cert, key: certificates.key, ALPNProtocols: ["h2"] }, (socket) => {
      const back = net.connect(upstream.port, "127.0.0.1");
      socket.pipe(back).pipe(socket);
      socket.on("error", () => back.destroy());
      back.on("error", () => socket.destroy());
    });
    await new Promise((resolve) => relay.listen(0, "127.0.0.1", resolve));
  });
  after(async () => {
    relay.close();
    for (const server of servers) await server.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  test("the session is recorded over TLS and replays the same events", async () => {
    const url = `https://127.0.0.1:${relay.address().port}`;
    const recorder = await startEmulator(15000, {
      args: ["--record-to", join(folder, "recorded"), "--upstream", url, "--upstream-ca", certificates.ca],
      env: { AWS_ACCESS_KEY_ID: KEY_ID, AWS_SECRET_ACCESS_KEY: SECRET, AWS_SESSION_TOKEN: TOKEN, AWS_BEARER_TOKEN_BEDROCK: undefined },
    });
    servers.push(recorder);
    const recorded = await sonicSession(recorder.endpoint, "http2-default");
    const direct = await sonicSession(upstream.endpoint, "http2-default");
    assert.deepEqual(recorded.events.map((e) => Object.keys(e)[0]), direct.events.map((e) => Object.keys(e)[0]));
    const replayer = await startEmulator(15000, { args: ["--scenarios", join(folder, "recorded"), "--replay-strict", "--replay-speed", "0"] });
    servers.push(replayer);
    assert.deepEqual((await sonicSession(replayer.endpoint, "http2-default")).events, recorded.events);
  });

  test("an upstream certificate from an unknown CA is refused", async () => {
    const recorder = await startEmulator(15000, {
      args: ["--record-to", join(folder, "untrusted"), "--upstream", `https://127.0.0.1:${relay.address().port}`],
      env: { AWS_ACCESS_KEY_ID: KEY_ID, AWS_SECRET_ACCESS_KEY: SECRET, AWS_BEARER_TOKEN_BEDROCK: undefined },
    });
    servers.push(recorder);
    await assert.rejects(sonicSession(recorder.endpoint, "http2-default"), (error) =>
      error.name === "InternalServerException" && /not trusted/.test(error.message));
  });
});

