// Sensitive-information detectors: one deterministic pattern (plus a checksum where the entity
// has one) per PII entity type of the service model. Context-bound types (PASSWORD, PIN,
// USERNAME, AGE, passport, licence and account numbers, NAME) are found only after the words
// that announce them ("my password is ...", "Mr. ..."). guardrails/README.md lists every
// pattern's rule.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace bedrock::guardrails {

struct PiiMatch {
  std::string type;  // the GuardrailPiiEntityType name, e.g. "EMAIL"
  size_t begin = 0;  // byte offsets into the text
  size_t end = 0;
  double confidence = 0.9;  // 1.0 with a valid checksum, 0.9 pattern, 0.8 context-bound
};

// Every entity type of the service model's GuardrailPiiEntityType enum.
const std::vector<std::string>& pii_entity_types();
bool is_pii_entity_type(std::string_view type);

// The entities of the requested types in `text`, ordered by position. Detectors run in a fixed
// priority order (more specific first) and each stretch of text goes to the first one that
// claims it, so a card number is never also reported as a phone number.
std::vector<PiiMatch> find_pii(std::string_view text, const std::vector<std::string>& types);

// Checksums, exposed for tests.
bool luhn_valid(std::string_view digits);
bool iban_valid(std::string_view iban);
bool vin_valid(std::string_view vin);
bool aba_routing_valid(std::string_view digits);
bool nhs_number_valid(std::string_view digits);

}  // namespace bedrock::guardrails
