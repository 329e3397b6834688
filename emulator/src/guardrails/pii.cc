#include "guardrails/pii.h"

#include <algorithm>
#include <set>

#include "core/regex.h"

namespace bedrock::guardrails {

namespace {

std::string digits_of(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c >= '0' && c <= '9') out.push_back(c);
  }
  return out;
}

bool has_digit(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool card_number(std::string_view text) {
  std::string d = digits_of(text);
  return d.size() >= 13 && d.size() <= 19 && luhn_valid(d);
}

bool sin_number(std::string_view text) { return luhn_valid(digits_of(text)); }
bool routing_number(std::string_view text) { return aba_routing_valid(text); }
bool nhs_number(std::string_view text) { return nhs_number_valid(digits_of(text)); }
bool phone_number(std::string_view text) {
  size_t n = digits_of(text).size();
  return n >= 10 && n <= 15;
}

bool secret_key(std::string_view s) {
  bool upper = false, lower = false, digit = false, non_hex = false;
  for (char c : s) {
    upper |= c >= 'A' && c <= 'Z';
    lower |= c >= 'a' && c <= 'z';
    digit |= c >= '0' && c <= '9';
    non_hex |= !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'));
  }
  return upper && lower && digit && non_hex;
}

// US SSNs never have area 000, 666 or 9xx, group 00 or serial 0000 (SSA numbering rules).
bool ssn_number(std::string_view s) {
  std::string d = digits_of(s);
  if (d.size() != 9) return false;
  const std::string_view area(d.data(), 3), group(d.data() + 3, 2), serial(d.data() + 5, 4);
  return area != "000" && area != "666" && area[0] != '9' && group != "00" && serial != "0000";
}

// Prefixes HMRC never issues for National Insurance numbers.
bool nino_number(std::string_view s) {
  static const std::string_view kUnused[] = {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"};
  const std::string_view prefix = s.substr(0, 2);
  return std::find(std::begin(kUnused), std::end(kUnused), prefix) == std::end(kUnused);
}

bool base64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/' ||
         c == '+' || c == '=';
}

bool vin_number(std::string_view s) {
  bool letter = std::any_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
  return letter && has_digit(s) && vin_valid(s);
}

struct Detector {
  const char* type;
  const char* pattern;
  bool icase;
  int group;                        // the capture group holding the entity (0: all of it)
  bool (*valid)(std::string_view);  // nullptr: the pattern is enough
  double confidence;
  bool trim_punctuation = false;  // drop trailing .,;:!?)]}'" (URLs at the end of a sentence)
  // The character after the entity must not be one of these (RE2 has no lookahead).
  bool (*not_followed_by)(char) = nullptr;
};

// Priority order: the first detector to claim a stretch of text keeps it.
const Detector kDetectors[] = {
    {"AWS_ACCESS_KEY", R"(\b(?:AKIA|ASIA|AIDA|AROA|AIPA|ANPA|ANVA|AGPA)[A-Z0-9]{16}\b)", false, 0,
     nullptr, 0.9},
    {"AWS_SECRET_KEY", R"((?:^|[^A-Za-z0-9/+=])([A-Za-z0-9/+]{40}))", false, 1, secret_key, 0.9,
     false, base64_char},
    {"URL", R"(\b(?:https?://|www\.)[^\s<>"'`]+)", true, 0, nullptr, 0.9, true},
    {"EMAIL",
     R"(\b[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}\b)",
     false, 0, nullptr, 0.9},
    {"INTERNATIONAL_BANK_ACCOUNT_NUMBER",
     R"(\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b)", false, 0, iban_valid,
     1.0},
    {"CREDIT_DEBIT_CARD_NUMBER", R"(\b(?:\d[ -]?){12,18}\d\b)", false, 0, card_number, 1.0},
    {"CREDIT_DEBIT_CARD_EXPIRY", R"(\b(?:0[1-9]|1[0-2]) ?/ ?(?:\d{4}|\d{2})\b)", false, 0, nullptr,
     0.9},
    {"CREDIT_DEBIT_CARD_CVV", R"(\b(?:cvv2?|cvc2?|cid|security code)\b[^0-9\n]{0,15}(\d{3,4})\b)",
     true, 1, nullptr, 0.8},
    {"US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER",
     R"(\b9\d{2}(?:-(?:5\d|6[0-5]|7\d|8[0-8]|9[0-2]|9[4-9])-| (?:5\d|6[0-5]|7\d|8[0-8]|9[0-2]|9[4-9]) )\d{4}\b)",
     false, 0, nullptr, 0.9},
    {"US_SOCIAL_SECURITY_NUMBER", R"(\b\d{3}(?:-\d{2}-| \d{2} )\d{4}\b)", false, 0, ssn_number,
     0.9},
    {"CA_SOCIAL_INSURANCE_NUMBER", R"(\b\d{3}(?:-\d{3}-| \d{3} )\d{3}\b)", false, 0, sin_number,
     1.0},
    {"UK_NATIONAL_INSURANCE_NUMBER",
     R"(\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b)", false, 0,
     nino_number, 0.9},
    {"MAC_ADDRESS",
     R"(\b(?:[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}|[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){5})\b)", false,
     0, nullptr, 0.9},
    {"IP_ADDRESS",
     R"(\b(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\b)",
     false, 0, nullptr, 0.9},
    {"IP_ADDRESS", R"(\b(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}\b)", false, 0, nullptr, 0.9},
    {"IP_ADDRESS", R"(\b(?:[0-9A-Fa-f]{1,4}:){1,6}:(?:[0-9A-Fa-f]{1,4}:){0,5}[0-9A-Fa-f]{1,4}\b)",
     false, 0, nullptr, 0.9},
    {"VEHICLE_IDENTIFICATION_NUMBER", R"(\b[A-HJ-NPR-Z0-9]{17}\b)", false, 0, vin_number, 1.0},
    {"US_BANK_ROUTING_NUMBER", R"(\b[0-3]\d{8}\b)", false, 0, routing_number, 1.0},
    {"PHONE", R"(\+\d{1,3}(?:[ .-]?\d{2,4}){2,5}\b)", false, 0, phone_number, 0.9},
    {"PHONE", R"((?:\+1[ .-]?)?(?:\(\d{3}\) ?|\b\d{3}[ .-]?)\d{3}[ .-]?\d{4}\b)", false, 0,
     phone_number, 0.9},
    {"UK_NATIONAL_HEALTH_SERVICE_NUMBER", R"(\b\d{3}[ -]?\d{3}[ -]?\d{4}\b)", false, 0, nhs_number,
     1.0},
    {"SWIFT_CODE",
     R"(\b[A-Z]{4}(?:AD|AE|AR|AT|AU|BE|BR|CA|CH|CL|CN|CO|CZ|DE|DK|EG|ES|FI|FR|GB|GR|HK|HU|ID|IE|IL|IN|IT|JP|KR|LU|MX|MY|NG|NL|NO|NZ|PH|PK|PL|PT|RO|RU|SA|SE|SG|TH|TR|TW|UA|US|VN|ZA)[A-Z0-9]{2}(?:[A-Z0-9]{3})?\b)",
     false, 0, nullptr, 0.9},
    {"PASSWORD", R"(\b(?:password|passwd|pwd|passcode)\b(?:\s+is)?\s*[:=]?\s*([^\s,;]{4,64}))",
     true, 1, nullptr, 0.8},
    {"PIN", R"(\b(?:pin|pin code|pin number)\b(?:\s+is)?\s*[:=#]?\s*(\d{4,8})\b)", true, 1, nullptr,
     0.8},
    {"USERNAME",
     R"(\b(?:username|user name|user id|userid)\b(?:\s+is)?\s*[:=]?\s*([A-Za-z0-9._@-]{3,64}))",
     true, 1, nullptr, 0.8},
    {"AGE", R"(\b(\d{1,3})(?:\s*-\s*|\s+)years?(?:\s*-\s*|\s+)old\b)", true, 1, nullptr, 0.8},
    {"AGE", R"(\b(?:age|aged)\b(?:\s+is)?\s*[:=]?\s*(\d{1,3})\b)", true, 1, nullptr, 0.8},
    {"US_PASSPORT_NUMBER",
     R"(\bpassport\b(?:\s+(?:number|no\.?|num|#))?(?:\s+is)?\s*[:#]?\s*([A-Z]?\d{8,9})\b)", true, 1,
     nullptr, 0.8},
    {"DRIVER_ID",
     R"(\bdriver'?s?\s+licen[cs]e\b(?:\s+(?:number|no\.?|num|#))?(?:\s+is)?\s*[:#]?\s*([A-Z0-9-]{5,20})\b)",
     true, 1, has_digit, 0.8},
    {"US_BANK_ACCOUNT_NUMBER",
     R"(\b(?:bank\s+)?account\s+(?:number|no\.?|num|#)(?:\s+is)?\s*[:#]?\s*(\d{6,17})\b)", true, 1,
     nullptr, 0.8},
    {"UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER",
     R"(\b(?:UTR|unique taxpayer reference)(?:\s+(?:number|no\.?))?(?:\s+is)?\s*[:#]?\s*(\d{5} ?\d{5})\b)",
     true, 1, nullptr, 0.8},
    {"LICENSE_PLATE",
     R"(\b(?:licen[cs]e|number|registration)\s+plate(?:\s+(?:number|no\.?))?(?:\s+is)?\s*[:#]?\s*([A-Z0-9][A-Z0-9 -]{1,8}[A-Z0-9])\b)",
     true, 1, has_digit, 0.8},
    {"CA_HEALTH_NUMBER",
     R"(\bhealth\s+(?:card\s+)?(?:number|no\.?)(?:\s+is)?\s*[:#]?\s*(\d{4}[- ]?\d{3}[- ]?\d{3}(?:[- ]?[A-Z]{2})?)\b)",
     true, 1, nullptr, 0.8},
    {"ADDRESS",
     R"(\b\d{1,6}\s+(?:[A-Z][a-z]+\s+){1,4}(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Parkway|Pkwy|Circle|Cir|Highway|Hwy|Square|Sq)\b\.?(?:,?\s+(?:Apt|Suite|Unit)\.?\s*[A-Za-z0-9-]{1,6})?(?:,\s*[A-Z][a-z]+(?:\s+[A-Z][a-z]+){0,2})?(?:,\s*[A-Z]{2})?(?:\s+\d{5}(?:-\d{4})?)?)",
     false, 0, nullptr, 0.8},
    {"NAME",
     R"(\b(?:[Mm]y [Nn]ame is|[Nn]ame is|[Nn]ame:|I am called)\s+([A-Z][a-z]+(?:\s+[A-Z][a-z]+){0,2}))",
     false, 1, nullptr, 0.8},
    {"NAME", R"(\b(?:Mr|Mrs|Ms|Miss|Dr|Prof)\.?\s+([A-Z][a-z]+(?:\s+[A-Z][a-z]+){0,2}))", false, 1,
     nullptr, 0.8},
};

const std::vector<Regex>& compiled() {
  static const std::vector<Regex> kCompiled = [] {
    std::vector<Regex> out;
    for (const Detector& d : kDetectors) {
      Regex::Options options;
      options.case_insensitive = d.icase;
      options.max_memory = Regex::kBuiltInPatternMemory;
      // The detectors are constants: one RE2 refuses is a programming error, found by tests.
      out.push_back(Regex::compile(d.pattern, options).value());
    }
    return out;
  }();
  return kCompiled;
}

}  // namespace

const std::vector<std::string>& pii_entity_types() {
  static const std::vector<std::string> kTypes = {"ADDRESS",
                                                  "AGE",
                                                  "AWS_ACCESS_KEY",
                                                  "AWS_SECRET_KEY",
                                                  "CA_HEALTH_NUMBER",
                                                  "CA_SOCIAL_INSURANCE_NUMBER",
                                                  "CREDIT_DEBIT_CARD_CVV",
                                                  "CREDIT_DEBIT_CARD_EXPIRY",
                                                  "CREDIT_DEBIT_CARD_NUMBER",
                                                  "DRIVER_ID",
                                                  "EMAIL",
                                                  "INTERNATIONAL_BANK_ACCOUNT_NUMBER",
                                                  "IP_ADDRESS",
                                                  "LICENSE_PLATE",
                                                  "MAC_ADDRESS",
                                                  "NAME",
                                                  "PASSWORD",
                                                  "PHONE",
                                                  "PIN",
                                                  "SWIFT_CODE",
                                                  "UK_NATIONAL_HEALTH_SERVICE_NUMBER",
                                                  "UK_NATIONAL_INSURANCE_NUMBER",
                                                  "UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER",
                                                  "URL",
                                                  "USERNAME",
                                                  "US_BANK_ACCOUNT_NUMBER",
                                                  "US_BANK_ROUTING_NUMBER",
                                                  "US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER",
                                                  "US_PASSPORT_NUMBER",
                                                  "US_SOCIAL_SECURITY_NUMBER",
                                                  "VEHICLE_IDENTIFICATION_NUMBER"};
  return kTypes;
}

bool is_pii_entity_type(std::string_view type) {
  const auto& types = pii_entity_types();
  return std::find(types.begin(), types.end(), type) != types.end();
}

std::vector<PiiMatch> find_pii(std::string_view text, const std::vector<std::string>& types) {
  std::vector<PiiMatch> out;
  if (types.empty() || text.empty()) return out;
  const std::set<std::string_view> wanted(types.begin(), types.end());
  const auto& regexes = compiled();
  auto claimed = [&](size_t begin, size_t end) {
    for (const auto& m : out) {
      if (begin < m.end && m.begin < end) return true;
    }
    return false;
  };
  for (size_t i = 0; i < std::size(kDetectors); ++i) {
    const Detector& d = kDetectors[i];
    if (!wanted.count(d.type)) continue;
    regexes[i].for_each_match(text, d.group, [&](size_t begin, size_t stop) {
      if (d.not_followed_by && stop < text.size() && d.not_followed_by(text[stop])) return true;
      if (d.trim_punctuation) {
        while (stop > begin &&
               std::string_view(".,;:!?)]}'\"").find(text[stop - 1]) != std::string_view::npos) {
          --stop;
        }
      }
      if (stop <= begin) return true;
      std::string_view value = text.substr(begin, stop - begin);
      if (d.valid && !d.valid(value)) return true;
      if (claimed(begin, stop)) return true;
      out.push_back({d.type, begin, stop, d.confidence});
      return true;
    });
  }
  std::sort(out.begin(), out.end(),
            [](const PiiMatch& a, const PiiMatch& b) { return a.begin < b.begin; });
  return out;
}

bool luhn_valid(std::string_view digits) {
  if (digits.size() < 2) return false;
  int sum = 0;
  bool twice = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (*it < '0' || *it > '9') return false;
    int d = *it - '0';
    if (twice) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

bool iban_valid(std::string_view iban) {
  std::string s;
  for (char c : iban) {
    if (c != ' ') s.push_back(c);
  }
  if (s.size() < 15 || s.size() > 34) return false;
  std::string moved = s.substr(4) + s.substr(0, 4);
  int remainder = 0;
  for (char c : moved) {
    int value;
    if (c >= '0' && c <= '9') {
      value = c - '0';
      remainder = (remainder * 10 + value) % 97;
    } else if (c >= 'A' && c <= 'Z') {
      value = c - 'A' + 10;
      remainder = (remainder * 100 + value) % 97;
    } else {
      return false;
    }
  }
  return remainder == 1;
}

bool vin_valid(std::string_view vin) {
  if (vin.size() != 17) return false;
  static const int kWeights[17] = {8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2};
  auto value = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    static const char* kLetters = "ABCDEFGHJKLMNPRSTUVWXYZ";
    static const int kValues[] = {1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4,
                                  5, 7, 9, 2, 3, 4, 5, 6, 7, 8, 9};
    for (int i = 0; kLetters[i]; ++i) {
      if (kLetters[i] == c) return kValues[i];
    }
    return -1;
  };
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) {
    int v = value(vin[i]);
    if (v < 0) return false;
    sum += v * kWeights[i];
  }
  int check = sum % 11;
  char expected = check == 10 ? 'X' : static_cast<char>('0' + check);
  return vin[8] == expected;
}

bool aba_routing_valid(std::string_view digits) {
  if (digits.size() != 9) return false;
  int d[9];
  for (int i = 0; i < 9; ++i) {
    if (digits[i] < '0' || digits[i] > '9') return false;
    d[i] = digits[i] - '0';
  }
  int sum = 3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5] + d[8]);
  return sum % 10 == 0 && sum > 0;
}

bool nhs_number_valid(std::string_view digits) {
  if (digits.size() != 10) return false;
  int sum = 0;
  for (int i = 0; i < 9; ++i) {
    if (digits[i] < '0' || digits[i] > '9') return false;
    sum += (digits[i] - '0') * (10 - i);
  }
  int check = 11 - sum % 11;
  if (check == 11) check = 0;
  if (check == 10) return false;
  return digits[9] - '0' == check;
}

}  // namespace bedrock::guardrails
