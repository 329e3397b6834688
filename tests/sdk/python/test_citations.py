"""Citations through boto3: documents and search results with citations enabled are quoted by the
answer, and every citation points at the real span of what it quotes (Converse, ConverseStream,
InvokeModel and its stream with the Anthropic Messages body)."""
import base64
import json
import unittest
import zlib

import harness

MODEL = "us.anthropic.claude-3-7-sonnet-20250219-v1:0"
FACTS = "The grass is green. The sky is blue!\nWater is wet."


def document(name, source, fmt="txt", citations=True):
    block = {"name": name, "format": fmt, "source": source}
    if citations is not None:
        block["citations"] = {"enabled": citations}
    return {"document": block}


def minimal_pdf(page_texts, compress):
    """A small valid-enough PDF: one page per text, each page's content stream showing it."""
    objects = []
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(len(page_texts)))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(page_texts)} >>".encode())
    for i, text in enumerate(page_texts):
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        content = f"BT /F1 12 Tf 72 720 Td ({escaped}) Tj ET".encode("latin-1")
        page = f"<< /Type /Page /Parent 2 0 R /Contents {4 + 2 * i} 0 R >>".encode()
        if compress:
            data = zlib.compress(content)
            stream = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"
        else:
            stream = b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"
        objects += [page, stream]
    out = b"%PDF-1.4\n"
    for n, body in enumerate(objects, start=1):
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    return out + b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"


def blocks_of(response):
    return response["output"]["message"]["content"]


def citations_of(blocks):
    return [c for b in blocks if "citationsContent" in b for c in b["citationsContent"]["citations"]]


def text_of(blocks):
    out = ""
    for b in blocks:
        if "text" in b:
            out += b["text"]
        elif "citationsContent" in b:
            out += "".join(c["text"] for c in b["citationsContent"]["content"])
    return out


def rebuild(events):
    """The content blocks a ConverseStream describes, as Converse would answer them."""
    blocks = {}
    for event in events:
        if "contentBlockDelta" not in event:
            continue
        index = event["contentBlockDelta"]["contentBlockIndex"]
        delta = event["contentBlockDelta"]["delta"]
        block = blocks.setdefault(index, {"text": "", "citations": []})
        if "citation" in delta:
            block["citations"].append(delta["citation"])
        if "text" in delta:
            block["text"] += delta["text"]
    out = []
    for index in sorted(blocks):
        block = blocks[index]
        if block["citations"]:
            out.append({"citationsContent": {"citations": block["citations"],
                                             "content": [{"text": block["text"]}]}})
        else:
            out.append({"text": block["text"]})
    return out


class ConverseCitationsTest(harness.EmulatorTest):
    reset_each_test = True

    def converse(self, content, **extra):
        return self.client.converse(modelId=MODEL, messages=[{"role": "user", "content": content}],
                                    **extra)

    def test_plain_text_document_is_cited_by_character_span(self):
        blocks = blocks_of(self.converse([document("facts", {"text": FACTS}),
                                          {"text": "What colour is the grass?"}]))
        cited = [b for b in blocks if "citationsContent" in b]
        self.assertEqual(len(cited), 1)
        citation = cited[0]["citationsContent"]["citations"][0]
        self.assertEqual(citation["title"], "facts")
        location = citation["location"]["documentChar"]
        self.assertEqual(location["documentIndex"], 0)
        quoted = citation["sourceContent"][0]["text"]
        self.assertEqual(FACTS[location["start"]:location["end"]], quoted)
        self.assertEqual(quoted, "The grass is green. ")
        # The answer says what it cites, between plain text blocks.
        said = cited[0]["citationsContent"]["content"][0]["text"]
        self.assertIn(said, quoted)
        self.assertIn("text", blocks[0])
        self.assertIn(said, text_of(blocks))

    def test_txt_bytes_and_non_ascii_text_count_characters(self):
        text = "  Café crème coûte €3. Ensuite rien."
        blocks = blocks_of(self.converse([
            document("menu", {"bytes": text.encode("utf-8")}),
            {"text": "Price?"}]))
        citation = citations_of(blocks)[0]
        location = citation["location"]["documentChar"]
        self.assertEqual(text[location["start"]:location["end"]], citation["sourceContent"][0]["text"])
        self.assertEqual(location["start"], 2)
        self.assertEqual(citation["sourceContent"][0]["text"], "Café crème coûte €3. ")

    def test_custom_content_document_is_cited_by_chunk(self):
        chunks = ["", "Chunk one says hello.", "Chunk two says goodbye."]
        blocks = blocks_of(self.converse([
            document("chunks", {"content": [{"text": t} for t in chunks]}),
            {"text": "What does it say?"}]))
        citation = citations_of(blocks)[0]
        location = citation["location"]["documentChunk"]
        self.assertEqual((location["documentIndex"], location["start"], location["end"]), (0, 1, 2))
        self.assertEqual(citation["sourceContent"][0]["text"], chunks[location["start"]])

    def test_pdf_document_is_cited_by_page(self):
        for compress in (False, True):
            with self.subTest(compress=compress):
                pdf = minimal_pdf(["", "Artificial intelligence helps us. More text."], compress)
                blocks = blocks_of(self.converse([
                    document("letter to shareholders", {"bytes": pdf}, fmt="pdf"),
                    {"text": "What does the document say about artificial intelligence?"}]))
                citation = citations_of(blocks)[0]
                self.assertEqual(citation["title"], "letter to shareholders")
                location = citation["location"]["documentPage"]
                # Page 1 shows no text; page 2 is cited, 1-based, end exclusive.
                self.assertEqual((location["start"], location["end"]), (2, 3))
                self.assertEqual(citation["sourceContent"][0]["text"], "Artificial intelligence helps us.")

    def test_several_documents_are_indexed_in_request_order(self):
        blocks = blocks_of(self.converse([
            document("first", {"text": "Alpha is first."}),
            document("uncited", {"text": "Not cited here."}, citations=False),
            document("third", {"text": "Gamma is third."}),
            {"text": "Summarise."}]))
        citations = citations_of(blocks)
        self.assertEqual([c["title"] for c in citations], ["first", "third"])
        self.assertEqual([c["location"]["documentChar"]["documentIndex"] for c in citations], [0, 2])

    def test_documents_without_citations_enabled_are_not_cited(self):
        blocks = blocks_of(self.converse([document("facts", {"text": FACTS}, citations=None),
                                          {"text": "What colour is the grass?"}]))
        self.assertEqual(citations_of(blocks), [])
        self.assertTrue(blocks[0]["text"].startswith("This is a deterministic answer"))

    def test_search_result_in_tool_result_is_cited_by_block(self):
        result = {"source": "https://example.com/kb/1", "title": "Opening hours",
                  "content": [{"text": "The museum opens at nine."}, {"text": "It closes at five."}],
                  "citations": {"enabled": True}}
        messages = [
            {"role": "user", "content": [{"text": "When does the museum open?"}]},
            {"role": "assistant", "content": [{"toolUse": {"toolUseId": "t1", "name": "search",
                                                            "input": {"q": "museum"}}}]},
            {"role": "user", "content": [{"toolResult": {"toolUseId": "t1",
                                                         "content": [{"searchResult": result}]}}]},
        ]
        tool_config = {"tools": [{"toolSpec": {"name": "search", "inputSchema": {"json": {
            "type": "object", "properties": {"q": {"type": "string"}}}}}}]}
        response = self.client.converse(modelId=MODEL, messages=messages, toolConfig=tool_config)
        citation = citations_of(blocks_of(response))[0]
        self.assertEqual(citation["title"], "Opening hours")
        self.assertEqual(citation["source"], "https://example.com/kb/1")
        location = citation["location"]["searchResultLocation"]
        self.assertEqual(location, {"searchResultIndex": 0, "start": 0, "end": 1})
        self.assertEqual(citation["sourceContent"][0]["text"], result["content"][0]["text"])

    def test_search_result_block_in_user_message(self):
        result = {"source": "kb://a", "title": "A", "content": [{"text": "Result text."}],
                  "citations": {"enabled": True}}
        blocks = blocks_of(self.converse([{"searchResult": result}, {"text": "Answer from it."}]))
        self.assertEqual(citations_of(blocks)[0]["location"]["searchResultLocation"]["searchResultIndex"], 0)

    def test_cited_answer_is_valid_history_for_the_next_turn(self):
        first = self.converse([document("facts", {"text": FACTS}), {"text": "Grass?"}])
        messages = [{"role": "user", "content": [document("facts", {"text": FACTS}), {"text": "Grass?"}]},
                    first["output"]["message"],
                    {"role": "user", "content": [{"text": "What is your favourite part?"}]}]
        second = self.client.converse(modelId=MODEL, messages=messages)
        self.assertEqual(second["stopReason"], "end_turn")
        self.assertEqual(citations_of(blocks_of(second)), [])

    def test_stream_sends_citation_before_text_in_the_same_block(self):
        content = [document("facts", {"text": FACTS}), document("more", {"text": "Snow is cold."}),
                   {"text": "Tell me."}]
        unary = blocks_of(self.converse(content))
        events = list(self.client.converse_stream(
            modelId=MODEL, messages=[{"role": "user", "content": content}])["stream"])
        self.assertEqual(rebuild(events), unary)
        kinds = {}
        for event in events:
            if "contentBlockDelta" in event:
                delta = event["contentBlockDelta"]
                kinds.setdefault(delta["contentBlockIndex"], []).append(
                    "citation" if "citation" in delta["delta"] else "text")
        cited = [k for k in kinds.values() if "citation" in k]
        self.assertEqual(len(cited), 2)
        for sequence in cited:
            self.assertEqual(sequence[0], "citation")
            self.assertNotIn("citation", sequence[1:])

    def test_scripted_text_wins_over_citations(self):
        status, _, body = self.emulator.request("POST", "/_emulator/scenarios", {
            "name": "scripted", "rules": [{"response": {"text": "Scripted answer."}}]})
        self.assertEqual(status, 200, body)
        try:
            blocks = blocks_of(self.converse([document("facts", {"text": FACTS}), {"text": "Grass?"}]))
            self.assertEqual(blocks, [{"text": "Scripted answer."}])
        finally:
            self.emulator.request("DELETE", "/_emulator/scenarios")


class AnthropicNativeCitationsTest(harness.EmulatorTest):
    reset_each_test = True

    def body(self, content):
        return json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 200,
                           "messages": [{"role": "user", "content": content}]})

    def invoke(self, content):
        response = self.client.invoke_model(modelId=MODEL, body=self.body(content))
        return json.loads(response["body"].read())

    def test_text_document_answers_char_location(self):
        answer = self.invoke([
            {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": FACTS},
             "title": "Facts", "citations": {"enabled": True}},
            {"type": "text", "text": "What colour is the grass?"}])
        cited = [b for b in answer["content"] if b.get("citations")]
        self.assertEqual(len(cited), 1)
        citation = cited[0]["citations"][0]
        self.assertEqual(citation["type"], "char_location")
        self.assertEqual(citation["document_index"], 0)
        self.assertEqual(citation["document_title"], "Facts")
        self.assertEqual(FACTS[citation["start_char_index"]:citation["end_char_index"]],
                         citation["cited_text"])
        self.assertIn(cited[0]["text"], citation["cited_text"])
        # Uncited blocks carry no citations member, as recorded answers have it.
        self.assertNotIn("citations", answer["content"][0])
        self.assertEqual(answer["stop_reason"], "end_turn")

    def test_pdf_content_and_search_result_locations(self):
        pdf = base64.b64encode(minimal_pdf(["Page one speaks."], True)).decode()
        answer = self.invoke([
            {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": pdf},
             "citations": {"enabled": True}},
            {"type": "document", "source": {"type": "content", "content": [
                {"type": "text", "text": "Block zero."}, {"type": "text", "text": "Block one."}]},
             "title": "Blocks", "citations": {"enabled": True}},
            {"type": "search_result", "source": "kb://x", "title": "X",
             "content": [{"type": "text", "text": "Found it."}], "citations": {"enabled": True}},
            {"type": "text", "text": "Summarise all."}])
        citations = [c for b in answer["content"] for c in b.get("citations", [])]
        self.assertEqual([c["type"] for c in citations],
                         ["page_location", "content_block_location", "search_result_location"])
        page, chunk, result = citations
        self.assertEqual((page["start_page_number"], page["end_page_number"]), (1, 2))
        self.assertIsNone(page["document_title"])
        self.assertEqual(page["cited_text"], "Page one speaks.")
        self.assertEqual((chunk["document_index"], chunk["start_block_index"], chunk["end_block_index"]),
                         (1, 0, 1))
        self.assertEqual(chunk["cited_text"], "Block zero.")
        self.assertEqual((result["search_result_index"], result["source"], result["title"]),
                         (0, "kb://x", "X"))

    def test_scripted_text_wins_over_citations(self):
        status, _, body = self.emulator.request("POST", "/_emulator/scenarios", {
            "name": "scripted", "rules": [{"response": {"text": "Scripted."}}]})
        self.assertEqual(status, 200, body)
        try:
            answer = self.invoke([
                {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": FACTS},
                 "citations": {"enabled": True}},
                {"type": "text", "text": "Grass?"}])
            self.assertEqual(answer["content"], [{"type": "text", "text": "Scripted."}])
        finally:
            self.emulator.request("DELETE", "/_emulator/scenarios")

    def test_stream_sends_citations_delta_before_text_delta(self):
        content = [{"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": FACTS},
                    "title": "Facts", "citations": {"enabled": True}},
                   {"type": "text", "text": "Grass?"}]
        response = self.client.invoke_model_with_response_stream(modelId=MODEL, body=self.body(content))
        chunks = [json.loads(e["chunk"]["bytes"]) for e in response["body"] if "chunk" in e]
        starts = [c for c in chunks if c["type"] == "content_block_start"]
        cited_index = next(c["index"] for c in starts if "citations" in c["content_block"])
        self.assertEqual(next(c for c in starts if c["index"] == cited_index)["content_block"]["citations"], [])
        deltas = [c["delta"] for c in chunks
                  if c["type"] == "content_block_delta" and c["index"] == cited_index]
        self.assertEqual(deltas[0]["type"], "citations_delta")
        self.assertTrue(all(d["type"] == "text_delta" for d in deltas[1:]))
        citation = deltas[0]["citation"]
        self.assertEqual(FACTS[citation["start_char_index"]:citation["end_char_index"]],
                         citation["cited_text"])
        unary = self.invoke(content)
        streamed_text = "".join(c["delta"].get("text", "") for c in chunks if c["type"] == "content_block_delta")
        self.assertEqual(streamed_text, "".join(b["text"] for b in unary["content"]))


if __name__ == "__main__":
    unittest.main()
