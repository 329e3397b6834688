// The edge between transports and operations: routes a neutral Request, reads its input
// against the service model, asks the scenario engine what to do, runs the operation, turns
// every failure into an AWS error, stamps x-amzn-RequestId and records the request in the
// journal. It never throws.
#pragma once

#include <functional>
#include <optional>

#include "admin/admin_api.h"
#include "core/request.h"
#include "core/response.h"
#include "service/admin_resources.h"
#include "service/services.h"

namespace bedrock {

class Dispatcher {
 public:
  explicit Dispatcher(Services& services)
      : services_(services),
        admin_{services.config,
               services.scenarios,
               services.journal,
               [&services] {
                 services.async_invocations.reset();
                 services.control_plane.reset();
               },
               [&services] { return services.async_invocations.count_by_status(); },
               [&services] { return admin_resources(services); }} {}
  Response handle(Request& request) const;

 private:
  Response handle_bedrock(Request& request, JournalEntry& entry) const;
  // The recorded answer to this request, if a recorded exchange matches it.
  std::optional<Response> replay_recorded(const Request& request, JournalEntry& entry,
                                          const std::function<const nlohmann::json&()>& identity,
                                          const std::function<const std::string&()>& digest) const;

  Services& services_;
  AdminParts admin_;
};

}  // namespace bedrock
