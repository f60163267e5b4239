// The external orchestrator's messages (deplsim-orchestrator/1): a JSON line that should be a `plan` message, read
// as deplsim reads it (unparsable JSON is itself an error deplsim reports).
#include "deplsim/error.hpp"
#include "experiment/external.hpp"

#include <nlohmann/json.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto j = nlohmann::json::parse(data, data + size, nullptr, false);
  if (j.is_discarded()) return 0;
  try {
    (void)deplsim::plan_from_json(j, "external");
  } catch (const deplsim::InputError&) {
  }
  return 0;
}
