// GET /_emulator/requests/feed: the request journal as server-sent events, for the inspector
// page. Each new entry is one `request` event (its id is the entry's sequence number, so a
// browser that reconnects with Last-Event-ID resumes after it); a `cleared` event says the
// journal was emptied. The feed is an EventSource the transport pulls: it looks at the journal
// every kPoll and holds no thread.
//
// At most kMaxOpenFeeds feeds are open at once (an inspector tab holds one); beyond that the
// request is answered 503, so feeds cannot make the server poll without bound.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include "core/response.h"
#include "journal/request_journal.h"

namespace bedrock {

constexpr size_t kMaxOpenFeeds = 16;
// How often an open feed looks for new entries: a request shows in the page within this.
constexpr std::chrono::milliseconds kFeedPoll{200};
// Entries one event batch carries at most: a backlog of 10,000 goes in pieces.
constexpr size_t kFeedBatch = 200;

// The feed of entries after sequence number `after` (0: every entry the journal holds).
Response journal_feed_response(const RequestJournal& journal, uint64_t after);

}  // namespace bedrock
