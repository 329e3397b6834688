// Async invocations through the AWS SDK for JavaScript v3: StartAsyncInvoke, GetAsyncInvoke and
// ListAsyncInvokes (with paginateListAsyncInvokes), once with the default client (HTTP/2 h2c)
// and once with NodeHttpHandler (HTTP/1.1).
// Run: cd tests/js && node --test sdk/async.test.mjs
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import {
  GetAsyncInvokeCommand,
  ListAsyncInvokesCommand,
  StartAsyncInvokeCommand,
  ValidationException,
  paginateListAsyncInvokes,
} from "@aws-sdk/client-bedrock-runtime";

import { CLIENT_KINDS, http1Request, makeClient, startEmulator } from "./harness.mjs";

const REEL = "amazon.nova-reel-v1:0";
const REEL_INPUT = {
  taskType: "TEXT_VIDEO",
  textToVideoParams: { text: "a lighthouse at dusk" },
  videoGenerationConfig: { durationSeconds: 6, fps: 24, dimension: "1280x720", seed: 0 },
};
const ARN = /^arn:aws:bedrock:us-east-1:123456789012:async-invoke\/[a-z0-9]{12}$/;
const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

let server;
before(async () => {
  server = await startEmulator();
});
after(async () => {
  const code = await server.stop();
  assert.equal(code, 0, "emulator should exit with 0 on SIGTERM");
});

async function walk(client, input, pageSize) {
  const rows = [];
  for await (const page of paginateListAsyncInvokes({ client, pageSize }, input)) rows.push(...page.asyncInvokeSummaries);
  return rows;
}

for (const kind of CLIENT_KINDS) {
  describe(`async invocations: ${kind}`, () => {
    let client;
    const mine = [];
    const bucket = `js-${kind.toLowerCase().replace(/[^a-z0-9]/g, "")}`;
    before(async () => {
      client = makeClient(server.endpoint, kind);
      for (let i = 0; i < 25; i++) {
        const { invocationArn } = await client.send(
          new StartAsyncInvokeCommand({
            modelId: REEL,
            modelInput: { ...REEL_INPUT, failInvocation: i % 5 === 0 },
            outputDataConfig: { s3OutputDataConfig: { s3Uri: `s3://${bucket}/run` } },
          }),
        );
        mine.push(invocationArn);
      }
    });

    test("start answers an ARN; get shows InProgress, then Completed", async () => {
      const started = await client.send(
        new StartAsyncInvokeCommand({
          modelId: REEL,
          modelInput: REEL_INPUT,
          outputDataConfig: { s3OutputDataConfig: { s3Uri: `s3://${bucket}/single` } },
          tags: [{ key: "suite", value: "js" }],
        }),
      );
      assert.equal(started.$metadata.httpStatusCode, 200);
      assert.match(started.invocationArn, ARN);
      const id = started.invocationArn.split("/").pop();
      const first = await client.send(new GetAsyncInvokeCommand({ invocationArn: started.invocationArn }));
      assert.equal(first.status, "InProgress");
      assert.ok(first.submitTime instanceof Date);
      assert.equal(first.endTime, undefined);
      assert.ok(first.clientRequestToken, "the SDK fills the idempotency token");
      assert.equal(first.modelArn, `arn:aws:bedrock:us-east-1::foundation-model/${REEL}`);
      assert.equal(first.outputDataConfig.s3OutputDataConfig.s3Uri, `s3://${bucket}/single/${id}`);
      const raw = JSON.parse(
        (await http1Request(server.port, "GET", `/async-invoke/${encodeURIComponent(started.invocationArn)}`)).body,
      );
      assert.match(raw.submitTime, ISO_MS);
      let done = first;
      for (let i = 0; i < 60 && done.status === "InProgress"; i++) {
        await sleep(100);
        done = await client.send(new GetAsyncInvokeCommand({ invocationArn: started.invocationArn }));
      }
      assert.equal(done.status, "Completed");
      assert.ok(done.endTime instanceof Date);
      assert.ok(done.endTime >= done.submitTime);
    });

    test("same token, same request: same ARN", async () => {
      const input = {
        modelId: REEL,
        modelInput: REEL_INPUT,
        outputDataConfig: { s3OutputDataConfig: { s3Uri: `s3://${bucket}/idem` } },
        clientRequestToken: `js-token-${kind}-${Date.now()}`,
      };
      const a = await client.send(new StartAsyncInvokeCommand(input));
      const b = await client.send(new StartAsyncInvokeCommand(input));
      assert.equal(a.invocationArn, b.invocationArn);
      await assert.rejects(
        client.send(new StartAsyncInvokeCommand({ ...input, modelInput: { ...REEL_INPUT, seed: 7 } })),
        (error) => error.name === "ConflictException" && error.$metadata.httpStatusCode === 400,
      );
    });

    test("unknown ARN and a model without async: ValidationException", async () => {
      await assert.rejects(
        client.send(
          new GetAsyncInvokeCommand({ invocationArn: "arn:aws:bedrock:us-east-1:123456789012:async-invoke/zzzzzzzzzzzz" }),
        ),
        (error) => error instanceof ValidationException,
      );
      await assert.rejects(
        client.send(
          new StartAsyncInvokeCommand({
            modelId: "mistral.mistral-small-2402-v1:0",
            modelInput: { prompt: "hi" },
            outputDataConfig: { s3OutputDataConfig: { s3Uri: "s3://bucket/x" } },
          }),
        ),
        (error) => error instanceof ValidationException && error.message === "The provided request is not valid",
      );
    });

    test("paginateListAsyncInvokes walks every row once, both orders", async () => {
      const all = (await walk(client, {}, 1000)).map((s) => s.invocationArn);
      assert.ok(mine.every((arn) => all.includes(arn)));
      for (const sortOrder of ["Descending", "Ascending"]) {
        const rows = await walk(client, { sortOrder, sortBy: "SubmissionTime" }, 4);
        const arns = rows.map((s) => s.invocationArn);
        assert.equal(new Set(arns).size, arns.length, `${sortOrder}: a row came twice`);
        assert.deepEqual(new Set(arns), new Set(all), `${sortOrder}: rows skipped`);
        const times = rows.map((s) => s.submitTime.getTime());
        const sorted = [...times].sort((a, b) => (sortOrder === "Ascending" ? a - b : b - a));
        assert.deepEqual(times, sorted);
      }
    });

    test("filters: status and submit time (millisecond timestamps)", async () => {
      // Wait until this suite's invocations have ended.
      for (let i = 0; i < 60; i++) {
        const page = await client.send(new ListAsyncInvokesCommand({ statusEquals: "InProgress", maxResults: 1000 }));
        if (!page.asyncInvokeSummaries.some((s) => mine.includes(s.invocationArn))) break;
        await sleep(100);
      }
      const failed = (await walk(client, { statusEquals: "Failed" }, 3)).map((s) => s.invocationArn);
      const expectedFailed = mine.filter((_, i) => i % 5 === 0);
      assert.ok(expectedFailed.every((arn) => failed.includes(arn)));
      assert.ok(!mine.filter((_, i) => i % 5 !== 0).some((arn) => failed.includes(arn)));
      const failedRow = (await walk(client, { statusEquals: "Failed" }, 100)).find((s) => s.invocationArn === expectedFailed[0]);
      assert.match(failedRow.failureMessage, /failInvocation/);

      const everything = await walk(client, { sortOrder: "Ascending" }, 1000);
      const mineRows = everything.filter((s) => mine.includes(s.invocationArn));
      const after = mineRows[5].submitTime; // Date: the SDK sends "2025-01-01T00:00:05.678Z"
      const beforeTime = mineRows[20].submitTime;
      const expected = everything
        .filter((s) => s.submitTime > after && s.submitTime < beforeTime)
        .map((s) => s.invocationArn);
      const got = (await walk(client, { submitTimeAfter: after, submitTimeBefore: beforeTime }, 2)).map(
        (s) => s.invocationArn,
      );
      assert.equal(new Set(got).size, got.length);
      assert.deepEqual(new Set(got), new Set(expected));
    });

    test("a forged page token is a ValidationException", async () => {
      const page = await client.send(new ListAsyncInvokesCommand({ maxResults: 1 }));
      assert.ok(page.nextToken);
      await assert.rejects(
        client.send(new ListAsyncInvokesCommand({ nextToken: page.nextToken.slice(0, -3) + "xyz" })),
        (error) => error instanceof ValidationException,
      );
      await assert.rejects(
        client.send(new ListAsyncInvokesCommand({ nextToken: page.nextToken, sortOrder: "Ascending" })),
        (error) => error instanceof ValidationException,
      );
    });
  });
}
