// The request journal's bounds (entries, bytes, stored text, one listing) and the reset hooks.
#include <re2/re2.h>
#include <algorithm>
#include <catch2/catch.hpp>
#include <memory>
#include <set>
#include <string>

#include "core/request_id.h"
#include "core/reset_hooks.h"
#include "journal/metrics.h"
#include "journal/request_journal.h"

using bedrock::JournalEntry;
using bedrock::JournalPage;
using bedrock::Metrics;
using bedrock::prometheus_label;
using bedrock::RequestJournal;

namespace {

std::shared_ptr<JournalEntry> entry_with_path(std::string path) {
  auto entry = std::make_shared<JournalEntry>();
  entry->method = "POST";
  entry->path = std::move(path);
  entry->operation = "Converse";
  return entry;
}

bool ends_with(const std::string& text, std::string_view end) {
  return text.size() >= end.size() && text.compare(text.size() - end.size(), end.size(), end) == 0;
}

}  // namespace

TEST_CASE("long texts are stored cut, with a marker", "[journal]") {
  RequestJournal journal;
  journal.record(entry_with_path("/model/" + std::string(8192, 'x') + "/converse"));
  journal.record(entry_with_path("/short"));
  JournalPage page = journal.list("", "");
  REQUIRE(page.requests.size() == 2);
  const std::string cut = page.requests[0]["path"];
  CHECK(cut.size() == RequestJournal::kMaxFieldBytes + RequestJournal::kCutMarker.size());
  CHECK(ends_with(cut, RequestJournal::kCutMarker));
  CHECK(page.requests[1]["path"] == "/short");
}

TEST_CASE("a cut text lets go of the long one's memory", "[journal]") {
  JournalEntry entry;
  entry.path = std::string(8192, 'x');
  entry.cut_to_size();
  CHECK(entry.path.capacity() < 2 * RequestJournal::kMaxFieldBytes);
}

TEST_CASE("a cut never splits a UTF-8 character", "[journal]") {
  RequestJournal journal;
  std::string path = "/";
  while (path.size() < 3000) path += "\xC3\xA9";  // é, two bytes; the cut falls inside one
  journal.record(entry_with_path(path));
  JournalPage page = journal.list("", "");
  std::string cut = page.requests[0]["path"];
  CHECK(ends_with(cut, RequestJournal::kCutMarker));
  CHECK_NOTHROW(page.requests.dump());  // nlohmann throws on invalid UTF-8
  CHECK(cut.size() <= RequestJournal::kMaxFieldBytes + RequestJournal::kCutMarker.size());
}

TEST_CASE("10,000 requests with 8 KB paths stay within the byte budget", "[journal]") {
  RequestJournal journal;
  for (int i = 0; i < 10000; ++i) {
    journal.record(entry_with_path("/" + std::to_string(i) + std::string(8192, 'p')));
  }
  CHECK(journal.size() == 10000);  // each path is cut to 1 KB: the count cap decides
  CHECK(journal.bytes() <= RequestJournal::kMaxBytes);
  CHECK(journal.bytes() < 20 * 1024 * 1024);
}

TEST_CASE("entries whose every text is long are dropped by bytes before the count cap",
          "[journal]") {
  RequestJournal journal;
  const std::string big(4096, 'b');
  for (int i = 0; i < 5000; ++i) {
    auto entry = entry_with_path(big);
    entry->request_id = std::to_string(i);
    entry->model_id = entry->scenario = entry->rule_name = entry->invocation_id = big;
    entry->attempt = entry->fault = entry->exception = entry->time = entry->http_version = big;
    entry->request_body = entry->response_body = bedrock::KeptBody::of(std::string(20000, 'q'));
    journal.record(entry);
  }
  CHECK(journal.bytes() <= RequestJournal::kMaxBytes);
  CHECK(journal.size() < 5000);
  JournalPage page = journal.list("", "", 0, 1);
  REQUIRE(page.requests.size() == 1);
  // The oldest were dropped: the first left is not the first recorded.
  CHECK(page.requests[0]["requestId"] != "0");
}

TEST_CASE("the count cap drops the oldest", "[journal]") {
  RequestJournal journal;
  for (size_t i = 0; i < RequestJournal::kMaxEntries + 5; ++i) {
    auto entry = entry_with_path("/p");
    entry->request_id = std::to_string(i);
    journal.record(entry);
  }
  CHECK(journal.size() == RequestJournal::kMaxEntries);
  CHECK(journal.list("", "", 0, 1).requests[0]["requestId"] == "5");
}

TEST_CASE("a listing is a page at most, and nextToken gives the rest in order", "[journal]") {
  RequestJournal journal;
  for (int i = 0; i < 2500; ++i) {
    auto entry = entry_with_path("/p");
    entry->request_id = std::to_string(i);
    journal.record(entry);
  }
  size_t seen = 0;
  uint64_t from = 0;
  int pages = 0;
  for (;;) {
    JournalPage page = journal.list("", "", from);
    CHECK(page.requests.size() <= RequestJournal::kMaxListed);
    for (const auto& request : page.requests) {
      CHECK(request["requestId"] == std::to_string(seen));
      ++seen;
    }
    ++pages;
    if (!page.next_token) break;
    from = *page.next_token;
  }
  CHECK(seen == 2500);
  CHECK(pages == 3);
  CHECK(journal.list("Converse", "", 0, 10).requests.size() == 10);
  CHECK(journal.list("InvokeModel", "").requests.empty());
}

TEST_CASE("a listing stops at its byte bound", "[journal]") {
  RequestJournal journal;
  for (int i = 0; i < 1000; ++i) {
    auto entry = entry_with_path(std::string(4096, 'q'));
    entry->model_id = entry->scenario = entry->rule_name = entry->invocation_id =
        std::string(4096, 'm');
    journal.record(entry);
  }
  JournalPage page = journal.list("", "");
  CHECK(page.next_token.has_value());
  CHECK(page.requests.dump().size() < RequestJournal::kMaxListedBytes + 64 * 1024);
}

TEST_CASE("reset runs every registered cache hook", "[journal][reset]") {
  static int cleared = 0;  // the hook stays registered after the test
  bedrock::register_reset_hook("test cache", [] { ++cleared; });
  std::vector<std::string> names = bedrock::run_reset_hooks();
  CHECK(cleared == 1);
  CHECK(std::find(names.begin(), names.end(), "test cache") != names.end());
}

TEST_CASE("journal times are ISO 8601 UTC with milliseconds, request ids UUID version 4",
          "[journal]") {
  const re2::RE2 time_form(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)");
  const re2::RE2 id_form(R"([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})");
  std::string previous_time;
  std::set<std::string> ids;
  for (int i = 0; i < 200; ++i) {
    const std::string time = bedrock::iso8601_now();
    CHECK(re2::RE2::FullMatch(time, time_form));
    CHECK(time >= previous_time);  // the per-second part is reused, never stale
    previous_time = time;
    const std::string id = bedrock::new_request_id();
    CHECK(re2::RE2::FullMatch(id, id_form));
    ids.insert(id);
  }
  CHECK(ids.size() == 200);
}

TEST_CASE("metrics count requests by label set, bounded, and escape label values", "[metrics]") {
  Metrics metrics;
  JournalEntry entry;
  entry.operation = "Converse";
  entry.status = 200;
  entry.duration_ms = 30;
  for (size_t i = 0; i < Metrics::kMaxRequestSeries + 10; ++i) {
    entry.model_id = "model-" + std::to_string(i);
    metrics.count_request(entry);
  }
  entry.model_id = "quote\"and\\slash\nline";
  entry.fault = "reset";
  metrics.count_request(entry);
  const std::string text = metrics.render("");
  CHECK(text.find("model=\"model-0\",status=\"200\"} 1\n") != std::string::npos);
  // Past the bound, new models share one series.
  CHECK(text.find("model=\"(other)\",status=\"200\"} 11\n") != std::string::npos);
  CHECK(text.find("model-2005") == std::string::npos);
  CHECK(text.find("quote\\\"and\\\\slash\\nline") == std::string::npos);  // counted as (other)
  CHECK(prometheus_label("a\"b\\c\nd") == "a\\\"b\\\\c\\nd");
  CHECK(text.find("bedrock_emulator_faults_injected_total{fault=\"reset\"} 1\n") !=
        std::string::npos);
  // 30 ms: in every bucket from 0.05 s up.
  CHECK(text.find("duration_seconds_bucket{operation=\"Converse\",le=\"0.025\"} 0\n") !=
        std::string::npos);
  CHECK(text.find("duration_seconds_bucket{operation=\"Converse\",le=\"0.05\"} 2011\n") !=
        std::string::npos);
  CHECK(text.find("duration_seconds_count{operation=\"Converse\"} 2011\n") != std::string::npos);
}

TEST_CASE("a kept body is cut at a character boundary, and binary bodies are base64", "[journal]") {
  using bedrock::KeptBody;
  KeptBody small = KeptBody::of("{\"a\":1}");
  CHECK(small.text == "{\"a\":1}");
  CHECK_FALSE(small.cut);
  CHECK(small.to_json()["encoding"] == "utf-8");
  CHECK(KeptBody::of("").to_json().is_null());

  std::string euros;
  for (int i = 0; i < 10; ++i) euros += "\xE2\x82\xAC";  // 30 bytes of 3-byte characters
  KeptBody cut = KeptBody::of(euros, 10);
  CHECK(cut.text == euros.substr(0, 9));
  CHECK(cut.cut);
  CHECK(cut.size == 30);
  CHECK(cut.to_json()["cut"] == true);

  KeptBody binary = KeptBody::of(std::string("\x89PNG\r\n\x1a\n\xff\xfe", 10));
  CHECK(binary.base64);
  CHECK(binary.text == "iVBORw0KGgr//g==");
  CHECK_FALSE(binary.cut);
  CHECK(KeptBody::of(std::string(100, '\xff'), 16).cut);

  CHECK(bedrock::is_utf8("plain \xC3\xA9 \xF0\x9F\x98\x80"));
  CHECK_FALSE(bedrock::is_utf8("\xC0\xAF"));          // overlong
  CHECK_FALSE(bedrock::is_utf8("\xED\xA0\x80"));      // a surrogate
  CHECK_FALSE(bedrock::is_utf8("\xF4\x90\x80\x80"));  // past U+10FFFF
  CHECK_FALSE(bedrock::is_utf8("\xE2\x82"));          // cut short
}

TEST_CASE("a stream keeps its first frames within its budget and counts the rest", "[journal]") {
  bedrock::StreamTelemetry telemetry;
  const std::string payload(1000, 'p');
  size_t sent = 0;
  while (telemetry.keeps_frames() && sent < 10000) {
    telemetry.keep_frame({{":event-type", "contentBlockDelta"}}, payload);
    ++sent;
  }
  for (int i = 0; i < 5; ++i) telemetry.count_frame_not_kept();
  nlohmann::json kept = telemetry.frames_json();
  const size_t frames = kept["frames"].size();
  CHECK(frames < sent);
  CHECK(frames * payload.size() <= bedrock::StreamTelemetry::kMaxKeptBytes);
  CHECK(kept["framesNotKept"] == sent - frames + 5);
  CHECK(kept["frames"][0]["headers"][":event-type"] == "contentBlockDelta");
  // A large payload is cut to the per-frame bound.
  bedrock::StreamTelemetry big;
  big.keep_frame({}, std::string(100000, 'x'));
  CHECK(big.frames_json()["frames"][0]["payload"]["text"].get<std::string>().size() ==
        bedrock::StreamTelemetry::kMaxFramePayloadBytes);
}

TEST_CASE("a stream is charged its whole frame budget when recorded", "[journal]") {
  RequestJournal journal;
  auto plain = entry_with_path("/model/x/converse");
  journal.record(plain);
  const size_t one = journal.bytes();
  auto streamed = entry_with_path("/model/x/converse");
  streamed->stream = std::make_shared<bedrock::StreamTelemetry>();
  journal.record(streamed);
  CHECK(journal.bytes() - one >= bedrock::StreamTelemetry::kMaxKeptBytes);
}
