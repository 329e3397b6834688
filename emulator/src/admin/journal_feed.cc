#include "admin/journal_feed.h"

#include <algorithm>
#include <atomic>

#include "protocol/rest_json.h"

namespace bedrock {

namespace {

std::atomic<size_t> open_feeds{0};

class JournalFeed final : public EventSource {
 public:
  JournalFeed(const RequestJournal& journal, uint64_t after)
      : journal_(journal), after_(after), clears_(journal.clears()) {
    // An id this process never gave: the page is older than the server. It starts again.
    if (after_ >= journal.next_sequence()) {
      after_ = 0;
      restarted_ = true;
    }
  }
  ~JournalFeed() override { open_feeds.fetch_sub(1); }

  bool next(std::chrono::steady_clock::time_point now, StreamPiece& piece) override {
    if (cancelled_) return false;
    const auto real_now = std::max(now, std::chrono::steady_clock::now());
    piece = StreamPiece{};
    piece.due = real_now;
    if (first_) {
      // Tells the browser how long to wait before it reconnects, and starts the body at once.
      first_ = false;
      piece.bytes = "retry: 1000\n\n";
      return true;
    }
    if (uint64_t clears = journal_.clears(); clears != clears_ || restarted_) {
      clears_ = clears;
      restarted_ = false;
      piece.bytes = "event: cleared\ndata: {}\n\n";
    }
    JournalPage page = journal_.list("", "", after_ + 1, kFeedBatch);
    for (const auto& entry : page.requests) {
      after_ = std::max<uint64_t>(after_, entry.value("seq", uint64_t{0}));
      piece.bytes += "id: " + std::to_string(after_) + "\nevent: request\ndata: " +
                     entry.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n\n";
    }
    if (!piece.bytes.empty()) return true;
    // Nothing new: a comment line a poll later (a piece due later makes the transport wait).
    piece.due = real_now + kFeedPoll;
    piece.bytes = ":\n";
    return true;
  }

  void cancel() override { cancelled_ = true; }

 private:
  const RequestJournal& journal_;
  uint64_t after_;
  uint64_t clears_;
  bool first_ = true;
  bool restarted_ = false;
  bool cancelled_ = false;
};

}  // namespace

Response journal_feed_response(const RequestJournal& journal, uint64_t after) {
  if (open_feeds.fetch_add(1) >= kMaxOpenFeeds) {
    open_feeds.fetch_sub(1);
    return json_response({{"message", "At most " + std::to_string(kMaxOpenFeeds) +
                                          " journal feeds are open at once; close one first."}},
                         503);
  }
  Response response;
  response.headers.set("Content-Type", "text/event-stream");
  response.headers.set("Cache-Control", "no-store");
  response.stream_events(std::make_shared<JournalFeed>(journal, after));
  return response;
}

}  // namespace bedrock
