#include "http/h2_budget.h"

#include "http/h2_limits.h"

namespace bedrock::http {

H2Budget& h2_producer_threads() {
  static H2Budget budget(kH2MaxProducersTotal);
  return budget;
}

H2Budget& h2_buffered_body_bytes() {
  static H2Budget budget(kH2MaxBufferedBodyBytesTotal);
  return budget;
}

}  // namespace bedrock::http
