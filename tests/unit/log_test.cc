// The per-key rate limit of log_*_limited() (core/log.h).
#include <catch2/catch.hpp>

#include "core/log.h"

using bedrock::LogRateLimiter;

TEST_CASE("log rate limit: N lines per key per second, then a count of the rest", "[log]") {
  LogRateLimiter limiter(3);
  int64_t suppressed = -1;
  int admitted = 0;
  for (int i = 0; i < 1000; ++i) admitted += limiter.admit("disk", 10000 + i % 900, suppressed);
  CHECK(admitted == 3);
  // Another key has its own budget.
  CHECK(limiter.admit("other", 10500, suppressed));
  CHECK(suppressed == 0);
  // The next second: lines go out again, the first one carrying the count held back.
  CHECK(limiter.admit("disk", 11000, suppressed));
  CHECK(suppressed == 997);
  CHECK(limiter.admit("disk", 11001, suppressed));
  CHECK(suppressed == 0);
}

TEST_CASE("log rate limit: a flood over ten seconds lets through ten seconds' budget", "[log]") {
  LogRateLimiter limiter(5);
  int64_t suppressed = 0, reported = 0;
  int admitted = 0;
  // 7,900 lines a second for 10 s (the rate of the completer spin once seen).
  for (int64_t ms = 0; ms < 10000; ++ms) {
    for (int k = 0; k < 8; ++k) {
      if (limiter.admit("spin", ms, suppressed)) {
        ++admitted;
        reported += suppressed;
      }
    }
  }
  CHECK(admitted == 50);
  CHECK(reported + admitted <= 80000);
  CHECK(reported >= 80000 - 50 - 8000);  // all but the last second's are accounted for
}

TEST_CASE("log rate limit: keys are bounded", "[log]") {
  LogRateLimiter limiter(1, 4);
  int64_t suppressed = 0;
  for (int i = 0; i < 100; ++i) CHECK(limiter.admit("key" + std::to_string(i), 0, suppressed));
}
