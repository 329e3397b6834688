// The request input reader (JSON body, path, query and header members, then every check of the
// service model) for a few operations. The first byte picks the operation; the rest is the JSON
// body, or for ListAsyncInvokes the query string ("key=value&...", already decoded).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/request.h"
#include "protocol/input_reader.h"
#include "protocol/operation_id.h"

using bedrock::OperationId;

namespace {

constexpr OperationId kOperations[] = {
    OperationId::kConverse,         OperationId::kConverseStream,
    OperationId::kCountTokens,      OperationId::kApplyGuardrail,
    OperationId::kStartAsyncInvoke, OperationId::kInvokeGuardrailChecks,
    OperationId::kInvokeModel,      OperationId::kListAsyncInvokes,
};

void add_query(std::string_view text, bedrock::Request& request) {
  while (!text.empty()) {
    size_t amp = text.find('&');
    std::string_view pair = text.substr(0, amp);
    size_t eq = pair.find('=');
    std::string key(pair.substr(0, eq));
    std::string value(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    request.query.emplace(std::move(key), std::move(value));
    if (amp == std::string_view::npos) break;
    text.remove_prefix(amp + 1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const OperationId operation = kOperations[data[0] % std::size(kOperations)];
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);

  bedrock::Request request;
  request.method = operation == OperationId::kListAsyncInvokes ? "GET" : "POST";
  request.http_version = "HTTP/1.1";
  request.labels["modelId"] = "anthropic.claude-3-haiku-20240307-v1:0";
  request.labels["guardrailIdentifier"] = "gr-fuzz";
  request.labels["guardrailVersion"] = "1";
  if (operation == OperationId::kListAsyncInvokes) {
    add_query(rest, request);
  } else {
    request.headers.set("content-type", "application/json");
    request.body.assign(rest);
  }
  auto input = bedrock::read_operation_input(operation, request);
  (void)input;
  return 0;
}
