// The inspector page (/_emulator/ui) driven in headless Chromium (Debian's `chromium`, driven by
// playwright-core): it loads with nothing fetched from elsewhere, a Converse sent by boto3 shows
// within a second, a ConverseStream shows its frames decoded, filters narrow the list, Reset
// and Clear empty it, the scenario, resource and async panels show what the server holds, and
// 1,000 entries stay usable. The run also takes the README's screenshot
// ($INSPECTOR_SCREENSHOT, default a file in the temporary folder).
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, beforeEach, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import { promisify } from "node:util";

import { chromium } from "playwright-core";
import { BedrockClient, CreateGuardrailCommand } from "@aws-sdk/client-bedrock";
import { StartAsyncInvokeCommand } from "@aws-sdk/client-bedrock-runtime";

import { http1Request, makeClient, startEmulator } from "../sdk/harness.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SCREENSHOT = process.env.INSPECTOR_SCREENSHOT ?? join(tmpdir(), "bedrock-emulator-inspector.png");
const MODEL = "amazon.nova-lite-v1:0";
const run = promisify(execFile);

let server;
let browser;
let page;
let pageErrors;
let foreignRequests;

// One boto3 call; resolves to its JSON line (requestId, text, events) and the time it arrived.
function boto3(action, text) {
  return new Promise((resolve, reject) => {
    const child = spawn("python3", [join(HERE, "boto3_call.py"), server.endpoint, action, text], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    createInterface({ input: child.stdout }).once("line", (line) => resolve({ ...JSON.parse(line), at: Date.now() }));
    child.once("exit", (code) => code !== 0 && reject(new Error(`boto3 exited ${code}: ${stderr}`)));
  });
}

const converseBody = (text) => JSON.stringify({ messages: [{ role: "user", content: [{ text }] }] });
const converse = (text, model = MODEL) => http1Request(server.port, "POST", `/model/${model}/converse`, converseBody(text));
const admin = (method, path, body) => http1Request(server.port, method, path, body);

async function openPage() {
  await page.goto(`${server.endpoint}/_emulator/ui`);
  await page.waitForSelector("#live.on", { timeout: 5000 });
}

const visibleRows = () => page.locator("#journal tbody tr:visible");

before(async () => {
  assert.ok(existsSync(CHROMIUM), `Chromium is needed at ${CHROMIUM} (Debian package chromium)`);
  server = await startEmulator();
  // As root (CI) Chromium runs only without its sandbox.
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
  const context = await browser.newContext({ viewport: { width: 1400, height: 820 } });
  page = await context.newPage();
  pageErrors = [];
  foreignRequests = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  page.on("console", (message) => message.type() === "error" && pageErrors.push(message.text()));
  page.on("request", (request) => {
    if (!request.url().startsWith(server.endpoint)) foreignRequests.push(request.url());
  });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

beforeEach(async () => {
  const reset = await admin("POST", "/_emulator/reset");
  assert.equal(reset.status, 200);
  await openPage();
});

describe("the inspector page", () => {
  test("loads from the binary alone and says which server it is", async () => {
    assert.equal(await page.title(), "bedrock-emulator inspector");
    await page.waitForFunction(() => document.querySelector("#server").textContent.includes("us-east-1"));
    assert.equal(await page.locator("#empty").isVisible(), true);
    assert.deepEqual(foreignRequests, []);
    assert.deepEqual(pageErrors, []);
    const html = await admin("GET", "/_emulator/ui");
    assert.match(html.headers["content-security-policy"], /default-src 'self'/);
  });

  test("a Converse sent by boto3 appears within one second", async () => {
    const sent = await boto3("converse", "Hello from boto3");
    const row = page.locator(`#journal tbody tr[data-request-id="${sent.requestId}"]`);
    await row.waitFor({ timeout: 1000 });
    const waited = Date.now() - sent.at;
    assert.ok(waited <= 1000, `shown after ${waited} ms`);
    const cells = await row.locator("td").allTextContents();
    assert.equal(cells[1], "Converse");
    assert.equal(cells[2], MODEL);
    assert.equal(cells[3], "HTTP/1.1");
    assert.equal(cells[4], "200");
    await row.click();
    await page.waitForFunction(() => document.querySelector("#detail-response").textContent.includes("output"));
    const request = await page.locator("#detail-request").textContent();
    const response = await page.locator("#detail-response").textContent();
    assert.match(request, /Hello from boto3/);
    assert.equal(JSON.parse(response).output.message.content[0].text, sent.text);
  });

  test("a ConverseStream shows every frame decoded, with its headers and time", async () => {
    const sent = await boto3("converse_stream", "Stream to me");
    const row = page.locator(`#journal tbody tr[data-request-id="${sent.requestId}"]`);
    await row.waitFor({ timeout: 2000 });
    await row.click();
    const frames = page.locator("#frames tbody tr");
    await page.waitForFunction((count) => document.querySelectorAll("#frames tbody tr").length === count, sent.events.length);
    const types = [];
    let text = "";
    for (const frame of await frames.all()) {
      const [, at, headers, payload] = await frame.locator("td").allTextContents();
      assert.match(at, /^\d+$/);
      assert.match(headers, /:message-type: event/);
      const type = /:event-type: (\w+)/.exec(headers)[1];
      types.push(type);
      if (type === "contentBlockDelta") text += JSON.parse(payload).delta.text;
    }
    assert.deepEqual(types, sent.events);
    assert.equal(text, sent.text);
    assert.match(await page.locator("#detail-frames-note").textContent(), new RegExp(`${sent.events.length} events sent`));
  });

  test("filters narrow the list by operation, model and status", async () => {
    await boto3("converse", "one");
    await boto3("converse_stream", "two");
    const missing = await converse("three", "no.such-model-v1:0");
    assert.equal(missing.status, 400);
    await page.waitForFunction(() => document.querySelectorAll("#journal tbody tr").length === 3);
    await page.selectOption("#filter-operation", "ConverseStream");
    assert.equal(await visibleRows().count(), 1);
    assert.equal(await visibleRows().locator("td").nth(1).textContent(), "ConverseStream");
    assert.equal(await page.locator("#shown-count").textContent(), "1 of 3");
    await page.selectOption("#filter-operation", "");
    await page.selectOption("#filter-status", "4xx");
    assert.equal(await visibleRows().count(), 1);
    assert.equal(await visibleRows().locator("td").nth(5).textContent(), "ValidationException");
    await page.selectOption("#filter-status", "");
    await page.selectOption("#filter-model", MODEL);
    assert.equal(await visibleRows().count(), 2);
  });

  test("Reset empties the list and the journal; a clear from elsewhere empties it too", async () => {
    await boto3("converse", "before reset");
    await page.waitForFunction(() => document.querySelectorAll("#journal tbody tr").length === 1);
    await page.click("#reset");
    await page.waitForFunction(() => document.querySelectorAll("#journal tbody tr").length === 0);
    assert.equal(await page.locator("#empty").isVisible(), true);
    assert.deepEqual(JSON.parse((await admin("GET", "/_emulator/requests")).body).requests, []);
    // A new request still arrives, and a test suite's own DELETE empties the page.
    await boto3("converse", "after reset");
    await page.waitForFunction(() => document.querySelectorAll("#journal tbody tr").length === 1);
    assert.equal((await admin("DELETE", "/_emulator/requests")).status, 200);
    await page.waitForFunction(() => document.querySelectorAll("#journal tbody tr").length === 0);
    await boto3("converse", "after clear");
    await page.waitForFunction(() => document.querySelectorAll("#journal tbody tr").length === 1);
    await page.click("#clear-journal");
    await page.waitForFunction(() => document.querySelectorAll("#journal tbody tr").length === 0);
  });

  test("a request body is shown as text, never run as markup", async () => {
    const hostile = '<img src=x onerror="window.__ran=1"><script>window.__ran=2</script>';
    await converse(hostile);
    const row = page.locator("#journal tbody tr").first();
    await row.waitFor({ timeout: 2000 });
    await row.click();
    await page.waitForFunction(() => document.querySelector("#detail-request").textContent.includes("onerror"));
    assert.equal(await page.evaluate(() => window.__ran), undefined);
    assert.equal(await page.locator("#detail img").count(), 0);
    assert.ok((await page.locator("#detail-request").textContent()).includes(hostile.replaceAll('"', '\\"')));
  });

  test("a body over the journal's limit is cut, with a note", async () => {
    const long = "x".repeat(40000);
    await converse(long);
    const row = page.locator("#journal tbody tr").first();
    await row.waitFor({ timeout: 2000 });
    await row.click();
    await page.waitForFunction(() => document.querySelector("#detail-request").textContent.includes("[cut:"));
    const shown = await page.locator("#detail-request").textContent();
    assert.match(shown, /\[cut: 400\d\d bytes in all, the first 16384 kept\]/);
  });

  test("the scenarios panel shows active rules and their hits", async () => {
    const scenario = {
      name: "inspector-faults",
      rules: [
        { name: "throttle-haiku", match: { modelId: "anthropic.claude-3-haiku-20240307-v1:0" }, error: { type: "ThrottlingException", message: "slow down" } },
        { name: "never", match: { operation: "CountTokens" }, response: { text: "unused" } },
      ],
    };
    assert.equal((await admin("POST", "/_emulator/scenarios", JSON.stringify(scenario))).status, 200);
    const refused = await converse("hi", "anthropic.claude-3-haiku-20240307-v1:0");
    assert.equal(refused.status, 429);
    await page.click('button[data-tab="scenarios"]');
    const article = page.locator("article.scenario", { hasText: "inspector-faults" });
    await article.waitFor({ timeout: 3000 });
    const rows = article.locator("tr");
    assert.deepEqual((await rows.nth(1).locator("td").allTextContents()).slice(0, 3), ["0", "throttle-haiku", "1"]);
    assert.deepEqual((await rows.nth(2).locator("td").allTextContents()).slice(0, 3), ["1", "never", "0"]);
    // The journal says which rule answered.
    await page.click('button[data-tab="requests"]');
    const row = page.locator("#journal tbody tr").first();
    await row.waitFor();
    assert.equal(await row.locator("td").nth(7).textContent(), "inspector-faults #0 throttle-haiku");
  });

  test("the resource and async panels show the control plane and async invocations", async () => {
    const control = new BedrockClient({
      endpoint: server.endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
    });
    const created = await control.send(new CreateGuardrailCommand({
      name: "inspector-guardrail",
      blockedInputMessaging: "no",
      blockedOutputsMessaging: "no",
      wordPolicyConfig: { wordsConfig: [{ text: "forbidden" }] },
    }));
    const runtime = makeClient(server.endpoint, "http2-default");
    const started = await runtime.send(new StartAsyncInvokeCommand({
      modelId: "amazon.nova-reel-v1:1",
      modelInput: { taskType: "TEXT_VIDEO", textToVideoParams: { text: "a lighthouse" }, videoGenerationConfig: { durationSeconds: 6, fps: 24, dimension: "1280x720" } },
      outputDataConfig: { s3OutputDataConfig: { s3Uri: "s3://inspector-bucket/out" } },
    }));
    const journalBefore = JSON.parse((await admin("GET", "/_emulator/requests")).body).requests.length;
    await page.click('button[data-tab="resources"]');
    const guardrail = page.locator("#guardrail-table tbody tr", { hasText: created.guardrailId });
    await guardrail.waitFor({ timeout: 3000 });
    assert.deepEqual(await guardrail.locator("td").allTextContents(), [created.guardrailId, "DRAFT", "inspector-guardrail", "READY", "control plane"]);
    await page.click('button[data-tab="async"]');
    const invocation = page.locator("#async-table tbody tr", { hasText: started.invocationArn.split("/").pop() });
    await invocation.waitFor({ timeout: 3000 });
    const cells = await invocation.locator("td").allTextContents();
    assert.equal(cells[1], "amazon.nova-reel-v1:1");
    assert.match(cells[2], /^(InProgress|Completed)$/);
    assert.match(cells[5], /s3:\/\/inspector-bucket\/out/);
    // Looking adds nothing to the journal.
    const journalAfter = JSON.parse((await admin("GET", "/_emulator/requests")).body).requests.length;
    assert.equal(journalAfter, journalBefore);
  });

  test("1,000 entries: all listed, filtered and opened without waiting", async () => {
    const count = 1000;
    let next = 0;
    const worker = async () => {
      while (next < count) {
        const n = next++;
        const answer = n % 10 === 0
          ? await http1Request(server.port, "POST", `/model/${MODEL}/converse-stream`, converseBody(`stream ${n}`))
          : await converse(`request ${n}`);
        assert.equal(answer.status, 200);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    await page.waitForFunction((n) => document.querySelector("#shown-count").textContent === `${n} of ${n}`, count, { timeout: 10000 });
    // A filter and an opened entry answer at once: the table is built once, then only shown or hidden.
    const filterMs = await page.evaluate(async () => {
      const started = performance.now();
      const select = document.querySelector("#filter-operation");
      select.value = "ConverseStream";
      select.dispatchEvent(new Event("change"));
      document.body.getBoundingClientRect(); // the layout the change causes
      return performance.now() - started;
    });
    assert.equal(await page.locator("#shown-count").textContent(), `100 of ${count}`);
    assert.ok(filterMs < 500, `filtering 1,000 rows took ${filterMs} ms`);
    const opened = Date.now();
    await visibleRows().first().click();
    await page.locator("#frames tbody tr").first().waitFor({ timeout: 1000 });
    assert.ok(Date.now() - opened < 1000);
    assert.deepEqual(pageErrors, []);
  });

  test("a page refused a feed (all 16 taken) goes live once one is free", async () => {
    await page.goto("about:blank");
    // The page's own feed is given back within a poll or two of leaving: take all 16 then.
    const openFeed = () => new Promise((resolve) => {
      const request = http.get({ host: "127.0.0.1", port: server.port, path: "/_emulator/requests/feed", agent: false }, (response) => {
        response.resume();
        if (response.statusCode === 200) resolve(request);
        else (request.destroy(), resolve(null));
      });
      request.on("error", () => resolve(null));
    });
    const held = [];
    const deadline = Date.now() + 5000;
    while (held.length < 16 && Date.now() < deadline) {
      const request = await openFeed();
      if (request) held.push(request);
      else await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(held.length, 16);
    await page.goto(`${server.endpoint}/_emulator/ui`);
    await page.waitForSelector("#live.off");
    for (const request of held) request.destroy();
    await page.waitForSelector("#live.on", { timeout: 6000 });
    const sent = await boto3("converse", "after a refused feed");
    await page.locator(`#journal tbody tr[data-request-id="${sent.requestId}"]`).waitFor({ timeout: 1000 });
  });

  test("the screenshot for the README", async () => {
    await boto3("converse", "What is the capital of France?");
    await converse("hi", "no.such-model-v1:0");
    const scenario = {
      name: "readme-demo",
      rules: [
        { name: "throttle", match: { text: "busy" }, error: { type: "ThrottlingException", message: "Too many requests" } },
        { name: "paced-story", match: { text: "story" }, latency: { firstByteMs: 120, betweenEventsMs: 15 } },
      ],
    };
    await admin("POST", "/_emulator/scenarios", JSON.stringify(scenario));
    await converse("are you busy?");
    const streamed = await boto3("converse_stream", "Tell me a short story.");
    const row = page.locator(`#journal tbody tr[data-request-id="${streamed.requestId}"]`);
    await row.waitFor({ timeout: 2000 });
    await row.click();
    await page.locator("#frames tbody tr").first().waitFor();
    await page.screenshot({ path: SCREENSHOT });
    assert.ok(existsSync(SCREENSHOT));
    const { stdout } = await run("file", [SCREENSHOT]).catch(() => ({ stdout: "PNG image data" }));
    assert.match(stdout, /PNG image data/);
  });
});
