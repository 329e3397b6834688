// Counters for GET /_emulator/metrics (the Prometheus text format, version 0.0.4): requests by
// operation, model and status; their durations; faults injected by kind; stream events sent;
// connections open by HTTP version. One process-wide set: the transports, the stream writer and
// the dispatcher count into it, the admin API renders it with the gauges it reads at that time
// (streams open, async invocations by status).
#pragma once

#include <array>
#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

namespace bedrock {

struct JournalEntry;

class Metrics {
 public:
  static Metrics& global();

  // One answered request (not the admin API's), as the journal records it.
  void count_request(const JournalEntry& entry);
  void count_stream_event() { stream_events_.fetch_add(1, std::memory_order_relaxed); }
  void connection_opened(bool http2) { (http2 ? open_h2_ : open_h1_).fetch_add(1); }
  void connection_closed(bool http2) { (http2 ? open_h2_ : open_h1_).fetch_sub(1); }

  // The text; `gauges` are lines rendered by the caller (whole metric families, with their
  // HELP and TYPE lines).
  std::string render(const std::string& gauges) const;

  // Distinct label sets of the requests counter before models are counted as "(other)": a
  // client inventing model ids must not grow the metrics without bound.
  static constexpr size_t kMaxRequestSeries = 2000;
  // Request duration buckets, seconds: from a default answer (under a millisecond) to a scripted
  // minute-long hang.
  static constexpr std::array<double, 12> kBuckets = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                      0.25,  0.5,   1,    2.5,   10,   60};

 private:
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> buckets{};
    uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests_;
  std::map<std::string, Histogram> durations_;  // by operation
  std::map<std::string, uint64_t> faults_;
  std::atomic<uint64_t> stream_events_{0};
  std::atomic<long long> open_h1_{0};
  std::atomic<long long> open_h2_{0};
};

// A Prometheus label value, escaped (backslash, quote, newline).
std::string prometheus_label(const std::string& value);

// Counts a connection open for as long as it lives (a member of each transport's connection).
class OpenConnection {
 public:
  explicit OpenConnection(bool http2) : http2_(http2) {
    Metrics::global().connection_opened(http2_);
  }
  ~OpenConnection() { Metrics::global().connection_closed(http2_); }
  OpenConnection(const OpenConnection&) = delete;
  OpenConnection& operator=(const OpenConnection&) = delete;

 private:
  bool http2_;
};

}  // namespace bedrock
