"""The request journal's bounds as a client sees them: long texts stored cut with a marker, and
GET /_emulator/requests a page at a time (journal/request_journal.h)."""
import http.client
import json
import unittest

import harness

MARKER = "...[cut]"


class JournalLimitsTest(harness.EmulatorTest):
    reset_each_test = True

    def send_long_paths(self, count, length):
        conn = http.client.HTTPConnection("127.0.0.1", self.emulator.port, timeout=10)
        try:
            for i in range(count):
                conn.request("GET", f"/no-such-route/{i}/" + "p" * length)
                response = conn.getresponse()
                response.read()
                self.assertEqual(response.status, 404)
        finally:
            conn.close()

    def journal(self, query=""):
        status, _, body = self.emulator.request("GET", "/_emulator/requests" + query)
        return status, json.loads(body)

    def test_long_paths_are_stored_cut(self):
        self.send_long_paths(5, 7000)
        status, body = self.journal()
        self.assertEqual(status, 200)
        paths = [e["path"] for e in body["requests"]]
        self.assertEqual(len(paths), 5)
        for i, path in enumerate(paths):
            self.assertTrue(path.startswith(f"/no-such-route/{i}/"))
            self.assertTrue(path.endswith(MARKER))
            self.assertEqual(len(path), 1024 + len(MARKER))
        self.assertNotIn("nextToken", body)

    def test_listing_in_pages(self):
        self.send_long_paths(25, 10)
        seen, query, pages = [], "?maxResults=10", 0
        while True:
            status, body = self.journal(query)
            self.assertEqual(status, 200)
            self.assertLessEqual(len(body["requests"]), 10)
            seen += [e["path"] for e in body["requests"]]
            pages += 1
            if "nextToken" not in body:
                break
            query = "?maxResults=10&nextToken=" + body["nextToken"]
        self.assertEqual(pages, 3)
        self.assertEqual(seen, [f"/no-such-route/{i}/" + "p" * 10 for i in range(25)])

    def test_bad_paging_parameters(self):
        for query in ("?maxResults=0", "?maxResults=1001", "?maxResults=x", "?nextToken=-1",
                      "?nextToken=99999999999999999999"):
            with self.subTest(query=query):
                status, body = self.journal(query)
                self.assertEqual(status, 400)
                self.assertIn("message", body)

    def test_reset_empties_the_journal(self):
        self.send_long_paths(3, 10)
        self.assertEqual(len(self.journal()[1]["requests"]), 3)
        status, _, _ = self.emulator.request("POST", "/_emulator/reset")
        self.assertEqual(status, 200)
        self.assertEqual(self.journal()[1]["requests"], [])


if __name__ == "__main__":
    unittest.main()
