#include "http/allowance.h"

#include "http/h2_limits.h"
#include "http/request_limits.h"

namespace bedrock::http {

Allowance& request_body_bytes() {
  static Allowance allowance(2 * kMaxBody + 4 * 1024 * 1024);
  return allowance;
}

Allowance& producer_threads() {
  static Allowance allowance(kH2MaxProducersTotal);
  return allowance;
}

}  // namespace bedrock::http
