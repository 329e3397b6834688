// Starts/stops a bedrock-emulator process and builds AWS SDK clients pointed at it.
// The binary comes from $BEDROCK_EMULATOR_BIN, default <repo>/build/bedrock-emulator.
import { spawn } from "node:child_process";
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import http2 from "node:http2";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import { NodeHttpHandler } from "@smithy/node-http-handler";

// The SDK warns that Node 20 support ends; that is noise here.
process.removeAllListeners("warning");

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
export const BINARY = process.env.BEDROCK_EMULATOR_BIN ?? join(REPO, "build/bedrock-emulator");
const BANNER = /^bedrock-emulator \S+ listening on http:\/\/127\.0\.0\.1:(\d+) \(HTTP\/1\.1 and HTTP\/2\)$/;

// Starts one server; resolves to { port, endpoint, pid, stop() } where stop() resolves to the exit
// code.
// These suites predate the model lifecycle and pin ids Bedrock has since retired (Claude 3.5
// Haiku, Nova Reel v1:0, ...), so the server serves retired models as live
// (--serve-retired-models).
// `options.args`: more flags; `options.env`: variables for the server (undefined removes one).
export async function startEmulator(timeoutMs = 15000, options = {}) {
  accessSync(BINARY, constants.X_OK);
  const dataDir = mkdtempSync(join(tmpdir(), "bedrock-emulator-js-"));
  const args = ["--port", "0", "--data-dir", join(dataDir, "data"), "--log-level", "warn", "--serve-retired-models",
                ...(options.args ?? [])];
  let env;
  if (options.env) {
    env = { ...process.env };
    for (const [name, value] of Object.entries(options.env)) {
      if (value === undefined) delete env[name];
      else env[name] = value;
    }
  }
  const child = spawn(BINARY, args, {
    stdio: ["ignore", "pipe", "pipe"],
    env,
  });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise((resolveExit) => child.once("exit", (code, signal) => resolveExit({ code, signal })));
  // Never leave an orphan server behind if this process ends without calling stop().
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  for (const sig of ["SIGINT", "SIGTERM"]) process.once(sig, () => process.exit(1));

  const lines = createInterface({ input: child.stdout });
  const firstLine = new Promise((resolveLine, reject) => {
    const timer = setTimeout(() => reject(new Error(`emulator did not start in ${timeoutMs} ms`)), timeoutMs);
    lines.once("line", (line) => (clearTimeout(timer), resolveLine(line)));
    exited.then(({ code }) => (clearTimeout(timer), reject(new Error(`emulator exited (${code}): ${stderr}`))));
  });

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    const { code, signal } = await exited;
    process.removeListener("exit", killOnExit);
    lines.close();
    rmSync(dataDir, { recursive: true, force: true });
    return code ?? signal;
  };

  let line;
  try {
    line = await firstLine;
  } catch (error) {
    await stop();
    throw error;
  }
  const match = BANNER.exec(line);
  if (!match) {
    await stop();
    throw new Error(`unexpected first stdout line: ${JSON.stringify(line)}`);
  }
  lines.on("line", () => {}); // keep draining stdout
  const port = Number(match[1]);
  return { port, endpoint: `http://127.0.0.1:${port}`, pid: child.pid, stop };
}

export const CLIENT_KINDS = ["http2-default", "http1-NodeHttpHandler"];

// A client of `Client` (the runtime's by default; BedrockClient, BedrockAgentClient, ...).
export function makeClient(endpoint, kind, Client = BedrockRuntimeClient) {
  return new Client({
    region: "us-east-1",
    endpoint,
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" },
    maxAttempts: 1,
    ...(kind === "http1-NodeHttpHandler" ? { requestHandler: new NodeHttpHandler() } : {}),
  });
}

// One raw HTTP/1.1 request; resolves to { status, headers, body: Buffer }.
export function http1Request(port, method, path, body) {
  return new Promise((resolveReq, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(typeof body === "string" ? body : JSON.stringify(body));
    const req = http.request(
      { host: "127.0.0.1", port, method, path, agent: false, headers: payload ? { "content-type": "application/json" } : {} },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => resolveReq({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

// One raw HTTP/2 (h2c prior knowledge) request on its own session.
export function http2Request(port, method, path, body) {
  return new Promise((resolveReq, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on("error", reject);
    const payload = body === undefined ? undefined : Buffer.from(typeof body === "string" ? body : JSON.stringify(body));
    const stream = session.request({
      ":method": method,
      ":path": path,
      ...(payload ? { "content-type": "application/json" } : {}),
    });
    let headers;
    const chunks = [];
    stream.on("response", (h) => (headers = h));
    stream.on("data", (c) => chunks.push(c));
    stream.on("end", () => {
      session.close();
      resolveReq({ status: headers?.[":status"], headers: headers ?? {}, body: Buffer.concat(chunks) });
    });
    stream.on("error", (error) => (session.destroy(), reject(error)));
    stream.end(payload);
  });
}

// The model catalog the emulator embeds: its list of model entries (id, family, features, ...).
export const CATALOG_PATH = join(REPO, "emulator/data/models.json");
export const loadCatalog = () => JSON.parse(readFileSync(CATALOG_PATH, "utf8")).models;

// The id a client calls a catalog model by: the bare id, or its first inference profile.
export const invocableId = (model) => (model.onDemand ? model.id : `${model.profiles[0]}.${model.id}`);

// Adds a middleware to `command` that copies the raw HTTP response headers (lower-case names)
// into the returned object: the SDK does not model X-Amzn-Bedrock-*-Token-Count.
export function captureHeaders(command) {
  const headers = {};
  command.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      for (const [name, value] of Object.entries(result.response?.headers ?? {})) headers[name.toLowerCase()] = value;
      return result;
    },
    { step: "deserialize", name: "captureRawHeaders" },
  );
  return headers;
}

export const user = (text) => ({ role: "user", content: [{ text }] });
export const assistant = (text) => ({ role: "assistant", content: [{ text }] });
