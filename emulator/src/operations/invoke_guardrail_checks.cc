// InvokeGuardrailChecks: POST /guardrail-checks/invoke (in the embedded model since it is
// generated from the JS SDK's schema as well, tools/gen_service_model.py). Inline checks over the
// messages, no guardrail needed:
//   - contentFilter: per requested category (VIOLENCE, HATE, SEXUAL, MISCONDUCT, INSULTS) a
//     severityScore from the built-in word lists of the content filters (guardrails/README.md):
//     0.0 nothing, 0.3 LOW, 0.6 MEDIUM, 0.9 HIGH, +0.02 per further phrase of that tier;
//   - promptAttack: the same per JAILBREAK, PROMPT_INJECTION, PROMPT_LEAKAGE, over the user
//     messages only;
//   - sensitiveInformation: one result per entity found (the ApplyGuardrail PII detectors), with
//     confidenceScore (1.0 checksum-validated, 0.9 pattern, 0.8 context-bound), beginOffset and
//     endOffset (characters, end exclusive) inside the content block, messageIndex and
//     contentIndex; at most 100, then truncated true;
//   - usage: per requested check, one text unit per started 1000 characters of the text it read.
// The input was checked against the embedded service model; the empty lists it gives no
// minimum for are checked here in the AWS framework's wording.
// LIMITATIONS: the real scoring models and their scales are unknown; scores are the emulator's
// word-list measure. The checks' own limits (message count, text length, entity cap) are not
// documented; the emulator caps entities at 100 and the text of one request at
// kMaxCheckedCharacters (its own limit, so one request cannot hold a core for seconds: the
// detectors cost time in proportion to the text), answering a longer one with a
// ValidationException in the framework's constraint wording. A checks object with no check
// answers ValidationException "At least one check must be specified." (text not confirmed).
// Offsets count Unicode code points (whether real offsets count UTF-16 units is unknown).
#include <algorithm>
#include <optional>
#include <set>

#include "guardrails/pii.h"
#include "guardrails/terms.h"
#include "guardrails/text_match.h"
#include "operations/operations.h"
#include "protocol/input_reader.h"
#include "protocol/rest_json.h"

namespace bedrock {

namespace {

using nlohmann::json;
namespace gr = ::bedrock::guardrails;

constexpr size_t kMaxEntities = 100;
// Characters (code points) of text across all messages; 100 text units of 1,000 characters.
constexpr size_t kMaxCheckedCharacters = 100000;

// The lists the service model gives no minimum for: an empty one is refused in the
// framework's length wording, as a list of at least one (the emulator's reading: a check of
// nothing has nothing to answer).
void empty_lists(const json& input, std::vector<std::string>& messages) {
  auto empty_at = [&](const std::string& path) {
    messages.push_back("Value '[]' at '" + path +
                       "' failed to satisfy constraint: Member must have length greater than or "
                       "equal to 1");
  };
  const json& conversation = input["messages"];
  if (conversation.empty()) empty_at("messages");
  for (size_t i = 0; i < conversation.size(); ++i) {
    if (conversation[i]["content"].empty()) {
      empty_at("messages." + std::to_string(i + 1) + ".member.content");
    }
  }
  const json& checks = input["checks"];
  for (const auto& [name, list] : {std::pair{"contentFilter", "categories"},
                                   {"promptAttack", "categories"},
                                   {"sensitiveInformation", "entities"}}) {
    auto check = checks.find(name);
    if (check != checks.end() && check->is_object() && check->value(list, json::array()).empty()) {
      empty_at(std::string("checks.") + name + "." + list);
    }
  }
}

// Types, required members, enums and the content union were checked against the service
// model (protocol/input_reader.h) before this runs; what the model does not say is here.
std::optional<ApiError> check_input(const json& input) {
  std::vector<std::string> messages;
  empty_lists(input, messages);
  if (!messages.empty()) {
    std::string text =
        std::to_string(messages.size()) +
        (messages.size() == 1 ? " validation error detected: " : " validation errors detected: ");
    for (size_t i = 0; i < messages.size(); ++i) text += (i ? "; " : "") + messages[i];
    return validation_error(text);
  }
  const json& checks = input["checks"];
  bool any = false;
  for (const char* name : {"contentFilter", "promptAttack", "sensitiveInformation"}) {
    any = any || (checks.contains(name) && !checks[name].is_null());
  }
  if (!any) return validation_error("At least one check must be specified.");
  size_t characters = 0;
  for (const auto& message : input["messages"]) {
    for (const auto& block : message["content"]) {
      if (block.contains("text")) {
        characters += gr::count_characters(block["text"].get_ref<const std::string&>());
      }
    }
  }
  if (characters > kMaxCheckedCharacters) {
    return validation_error(
        "1 validation error detected: Value at 'messages' failed to satisfy constraint: Member "
        "must have a total text length less than or equal to " +
        std::to_string(kMaxCheckedCharacters) + " characters (found " + std::to_string(characters) +
        ")");
  }
  return std::nullopt;
}

// The requested values of checks.<name>.<list>[].<member>, first occurrence order.
std::vector<std::string> requested(const json& checks, const char* name, const char* list,
                                   const char* member) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  if (!checks.contains(name) || checks[name].is_null()) return out;
  for (const auto& item : checks[name][list]) {
    std::string value = item[member].get<std::string>();
    if (seen.insert(value).second) out.push_back(value);
  }
  return out;
}

}  // namespace

Result<Response> invoke_guardrail_checks(const Request& request, OperationContext&) {
  const json& input = request.input;
  if (auto error = check_input(input)) return *error;
  const json& messages = input["messages"];
  const json& checks = input["checks"];

  std::string all_text, user_text;
  for (const auto& message : messages) {
    for (const auto& block : message["content"]) {
      if (!block.contains("text")) continue;
      const std::string& text = block["text"].get_ref<const std::string&>();
      all_text += (all_text.empty() ? "" : "\n") + text;
      if (message["role"] == "user") user_text += (user_text.empty() ? "" : "\n") + text;
    }
  }
  const size_t all_units = gr::text_units(gr::count_characters(all_text));
  json results = json::object(), usage = json::object();

  auto categories = requested(checks, "contentFilter", "categories", "category");
  if (checks.contains("contentFilter") && !checks["contentFilter"].is_null()) {
    const auto words = gr::split_words(all_text);
    json list = json::array();
    for (const auto& category : categories) {
      list.push_back({{"category", category},
                      {"severityScore", gr::severity(words, gr::builtin_terms(category))}});
    }
    results["contentFilter"] = {{"results", list}};
    usage["contentFilter"] = {{"textUnits", all_units}};
  }

  auto attacks = requested(checks, "promptAttack", "categories", "category");
  if (checks.contains("promptAttack") && !checks["promptAttack"].is_null()) {
    const auto words = gr::split_words(user_text);
    json list = json::array();
    for (const auto& category : attacks) {
      list.push_back({{"category", category},
                      {"severityScore", gr::severity(words, gr::builtin_terms(category))}});
    }
    results["promptAttack"] = {{"results", list}};
    usage["promptAttack"] = {{"textUnits", gr::text_units(gr::count_characters(user_text))}};
  }

  auto types = requested(checks, "sensitiveInformation", "entities", "type");
  if (checks.contains("sensitiveInformation") && !checks["sensitiveInformation"].is_null()) {
    json list = json::array();
    bool truncated = false;
    for (size_t m = 0; m < messages.size(); ++m) {
      const json& content = messages[m]["content"];
      for (size_t b = 0; b < content.size(); ++b) {
        if (!content[b].contains("text")) continue;
        const std::string& text = content[b]["text"].get_ref<const std::string&>();
        for (const auto& found : gr::find_pii(text, types)) {
          if (list.size() == kMaxEntities) {
            truncated = true;
            break;
          }
          list.push_back({{"type", found.type},
                          {"confidenceScore", found.confidence},
                          {"beginOffset", gr::character_index(text, found.begin)},
                          {"endOffset", gr::character_index(text, found.end)},
                          {"messageIndex", m},
                          {"contentIndex", b}});
        }
      }
    }
    results["sensitiveInformation"] = {{"results", list}, {"truncated", truncated}};
    usage["sensitiveInformation"] = {{"textUnits", all_units}};
  }

  return json_response({{"results", results}, {"usage", usage}});
}

}  // namespace bedrock
