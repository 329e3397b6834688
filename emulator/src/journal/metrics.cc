#include "journal/metrics.h"

#include <cstdio>

#include "journal/request_journal.h"

namespace bedrock {

namespace {

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", value);
  return text;
}

}  // namespace

std::string prometheus_label(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

Metrics& Metrics::global() {
  static Metrics* metrics = new Metrics();  // never destroyed: transports count until exit
  return *metrics;
}

void Metrics::count_request(const JournalEntry& entry) {
  const std::string operation = entry.operation.empty() ? "(unknown)" : entry.operation;
  std::lock_guard<std::mutex> lock(mutex_);
  auto key = std::make_tuple(operation, entry.model_id, entry.status);
  if (!requests_.count(key) && requests_.size() >= kMaxRequestSeries) std::get<1>(key) = "(other)";
  ++requests_[key];
  Histogram& histogram = durations_[operation];
  const double seconds = static_cast<double>(entry.duration_ms) / 1000.0;
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++histogram.buckets[i];
  }
  ++histogram.count;
  histogram.sum += seconds;
  if (!entry.fault.empty()) ++faults_[entry.fault];
}

std::string Metrics::render(const std::string& gauges) const {
  std::string out;
  std::lock_guard<std::mutex> lock(mutex_);
  out +=
      "# HELP bedrock_emulator_requests_total Requests answered, by operation, model (as sent) "
      "and HTTP status (0: a fault broke the connection).\n"
      "# TYPE bedrock_emulator_requests_total counter\n";
  for (const auto& [key, count] : requests_) {
    out += "bedrock_emulator_requests_total{operation=\"" + prometheus_label(std::get<0>(key)) +
           "\",model=\"" + prometheus_label(std::get<1>(key)) + "\",status=\"" +
           std::to_string(std::get<2>(key)) + "\"} " + std::to_string(count) + "\n";
  }
  out +=
      "# HELP bedrock_emulator_request_duration_seconds Time to answer (for streams, to the "
      "response head), by operation.\n"
      "# TYPE bedrock_emulator_request_duration_seconds histogram\n";
  for (const auto& [operation, histogram] : durations_) {
    const std::string label = "operation=\"" + prometheus_label(operation) + "\"";
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      out += "bedrock_emulator_request_duration_seconds_bucket{" + label + ",le=\"" +
             number(kBuckets[i]) + "\"} " + std::to_string(histogram.buckets[i]) + "\n";
    }
    out += "bedrock_emulator_request_duration_seconds_bucket{" + label + ",le=\"+Inf\"} " +
           std::to_string(histogram.count) + "\n";
    out += "bedrock_emulator_request_duration_seconds_sum{" + label + "} " + number(histogram.sum) +
           "\n";
    out += "bedrock_emulator_request_duration_seconds_count{" + label + "} " +
           std::to_string(histogram.count) + "\n";
  }
  out +=
      "# HELP bedrock_emulator_faults_injected_total Scenario faults applied, by kind.\n"
      "# TYPE bedrock_emulator_faults_injected_total counter\n";
  for (const auto& [fault, count] : faults_) {
    out += "bedrock_emulator_faults_injected_total{fault=\"" + prometheus_label(fault) + "\"} " +
           std::to_string(count) + "\n";
  }
  out +=
      "# HELP bedrock_emulator_stream_events_sent_total Event-stream events delivered to "
      "clients.\n"
      "# TYPE bedrock_emulator_stream_events_sent_total counter\n"
      "bedrock_emulator_stream_events_sent_total " +
      std::to_string(stream_events_.load()) + "\n";
  out +=
      "# HELP bedrock_emulator_open_connections Connections open, by HTTP version.\n"
      "# TYPE bedrock_emulator_open_connections gauge\n"
      "bedrock_emulator_open_connections{http_version=\"HTTP/1.1\"} " +
      std::to_string(open_h1_.load()) +
      "\n"
      "bedrock_emulator_open_connections{http_version=\"HTTP/2\"} " +
      std::to_string(open_h2_.load()) + "\n";
  return out + gauges;
}

}  // namespace bedrock
