// Citations through the AWS SDK for JavaScript v3, over HTTP/2 (the default) and HTTP/1.1:
// documents and search results with citations enabled are quoted, each citation pointing at the
// real span it quotes (Converse, ConverseStream, InvokeModel and its stream with the Anthropic
// Messages body).
// Run: cd tests/js && node --test sdk/citations.test.mjs
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import {
  ConverseCommand,
  ConverseStreamCommand,
  InvokeModelCommand,
  InvokeModelWithResponseStreamCommand,
} from "@aws-sdk/client-bedrock-runtime";

import { CLIENT_KINDS, makeClient, startEmulator } from "./harness.mjs";

const MODEL = "us.anthropic.claude-3-7-sonnet-20250219-v1:0";
const FACTS = "Le café est prêt. The sky is blue!\nWater is wet.";
// Character offsets count Unicode code points, as Python strings do (not UTF-16 units).
const codePoints = (text, start, end) => Array.from(text).slice(start, end).join("");

const textDocument = (name, text) => ({
  document: { name, format: "txt", source: { text }, citations: { enabled: true } },
});

function citationsOf(blocks) {
  return blocks.filter((b) => b.citationsContent).flatMap((b) => b.citationsContent.citations);
}

for (const kind of CLIENT_KINDS) {
  describe(`citations (${kind})`, () => {
    let server;
    let client;
    before(async () => {
      server = await startEmulator();
      client = makeClient(server.endpoint, kind);
    });
    after(async () => {
      client.destroy();
      assert.equal(await server.stop(), 0);
    });

    test("Converse cites a text document by character span", async () => {
      const out = await client.send(
        new ConverseCommand({
          modelId: MODEL,
          messages: [{ role: "user", content: [textDocument("facts", FACTS), { text: "Is the coffee ready?" }] }],
        }),
      );
      const blocks = out.output.message.content;
      const [citation] = citationsOf(blocks);
      assert.equal(citation.title, "facts");
      const { documentIndex, start, end } = citation.location.documentChar;
      assert.equal(documentIndex, 0);
      assert.equal(citation.sourceContent[0].text, "Le café est prêt. ");
      assert.equal(codePoints(FACTS, start, end), citation.sourceContent[0].text);
      const cited = blocks.find((b) => b.citationsContent);
      assert.ok(citation.sourceContent[0].text.includes(cited.citationsContent.content[0].text));
      assert.equal(blocks[0].text, "According to the document, ");
    });

    test("Converse cites chunks and search results by block", async () => {
      const out = await client.send(
        new ConverseCommand({
          modelId: MODEL,
          messages: [
            {
              role: "user",
              content: [
                {
                  document: {
                    name: "chunks",
                    source: { content: [{ text: "First chunk." }, { text: "Second chunk." }] },
                    citations: { enabled: true },
                  },
                },
                {
                  searchResult: {
                    source: "kb://doc",
                    title: "KB",
                    content: [{ text: "Found text." }],
                    citations: { enabled: true },
                  },
                },
                { text: "Summarise." },
              ],
            },
          ],
        }),
      );
      const [chunk, result] = citationsOf(out.output.message.content);
      assert.deepEqual(chunk.location.documentChunk, { documentIndex: 0, start: 0, end: 1 });
      assert.equal(chunk.sourceContent[0].text, "First chunk.");
      assert.deepEqual(result.location.searchResultLocation, { searchResultIndex: 0, start: 0, end: 1 });
      assert.equal(result.source, "kb://doc");
      assert.equal(result.title, "KB");
    });

    test("ConverseStream sends the citation delta before the cited text", async () => {
      const messages = [{ role: "user", content: [textDocument("facts", FACTS), { text: "Coffee?" }] }];
      const unary = await client.send(new ConverseCommand({ modelId: MODEL, messages }));
      const out = await client.send(new ConverseStreamCommand({ modelId: MODEL, messages }));
      const perBlock = new Map();
      for await (const event of out.stream) {
        if (!event.contentBlockDelta) continue;
        const { contentBlockIndex, delta } = event.contentBlockDelta;
        if (!perBlock.has(contentBlockIndex)) perBlock.set(contentBlockIndex, { text: "", citations: [], order: [] });
        const block = perBlock.get(contentBlockIndex);
        if (delta.citation) {
          block.citations.push(delta.citation);
          block.order.push("citation");
        }
        if (delta.text !== undefined) {
          block.text += delta.text;
          block.order.push("text");
        }
      }
      const rebuilt = [...perBlock.keys()]
        .sort((a, b) => a - b)
        .map((i) => perBlock.get(i))
        .map((b) =>
          b.citations.length
            ? { citationsContent: { citations: b.citations, content: [{ text: b.text }] } }
            : { text: b.text },
        );
      assert.deepEqual(rebuilt, unary.output.message.content);
      const cited = [...perBlock.values()].filter((b) => b.citations.length);
      assert.equal(cited.length, 1);
      assert.equal(cited[0].order[0], "citation");
      assert.ok(cited[0].order.slice(1).every((k) => k === "text"));
    });

    test("InvokeModel (Anthropic) answers char_location citations, and the stream citations_delta first", async () => {
      const body = JSON.stringify({
        anthropic_version: "bedrock-2023-05-31",
        max_tokens: 100,
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
              { type: "text", text: "Coffee?" },
            ],
          },
        ],
      });
      const unary = JSON.parse(
        new TextDecoder().decode((await client.send(new InvokeModelCommand({ modelId: MODEL, body }))).body),
      );
      const cited = unary.content.find((b) => b.citations);
      const [citation] = cited.citations;
      assert.equal(citation.type, "char_location");
      assert.equal(citation.document_title, "Facts");
      assert.equal(codePoints(FACTS, citation.start_char_index, citation.end_char_index), citation.cited_text);

      const out = await client.send(new InvokeModelWithResponseStreamCommand({ modelId: MODEL, body }));
      const chunks = [];
      for await (const event of out.body) {
        if (event.chunk) chunks.push(JSON.parse(new TextDecoder().decode(event.chunk.bytes)));
      }
      const start = chunks.find((c) => c.type === "content_block_start" && c.content_block.citations);
      assert.deepEqual(start.content_block.citations, []);
      const deltas = chunks.filter((c) => c.type === "content_block_delta" && c.index === start.index);
      assert.equal(deltas[0].delta.type, "citations_delta");
      assert.deepEqual(deltas[0].delta.citation, citation);
      assert.ok(deltas.slice(1).every((d) => d.delta.type === "text_delta"));
    });
  });
}
