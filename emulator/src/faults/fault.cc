#include "faults/fault.h"

#include <iterator>

namespace bedrock {

namespace {

constexpr bool table_follows_enum() {
  for (size_t i = 0; i < std::size(kFaultTable); ++i) {
    if (static_cast<size_t>(kFaultTable[i].fault) != i) return false;
  }
  return std::size(kFaultTable) == static_cast<size_t>(Fault::kHang) + 1;
}
static_assert(table_follows_enum(), "kFaultTable has one row per Fault, in the enum's order");

}  // namespace

const FaultSpec& fault_spec(Fault fault) {
  const FaultSpec& spec = kFaultTable[static_cast<size_t>(fault)];
  return spec;
}

std::string_view fault_name(Fault fault) { return fault_spec(fault).name; }

std::optional<Fault> fault_from_name(std::string_view name) {
  for (const FaultSpec& spec : kFaultTable) {
    if (spec.fault != Fault::kNone && spec.name == name) return spec.fault;
  }
  return std::nullopt;
}

std::string fault_name_list() {
  std::string list;
  for (const FaultSpec& spec : kFaultTable) {
    if (spec.fault == Fault::kNone) continue;
    if (!list.empty()) list += ", ";
    list += spec.name;
  }
  return list;
}

void inject(Fault fault, FaultInjector& injector) {
  switch (fault) {
    case Fault::kReset:
      return injector.reset();
    case Fault::kEmpty:
      return injector.close_silently();
    case Fault::kGarbage:
      return injector.send_garbage();
    case Fault::kTruncate:
      return injector.truncate();
    default:
      return;
  }
}

}  // namespace bedrock
