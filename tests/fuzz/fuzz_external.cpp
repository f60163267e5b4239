// The external orchestrator's messages (deplsim-orchestrator/1): a JSON line that should be a `plan` message, read
// as deplsim reads it: parsed within the nesting limit (too deep or unparsable is itself an error deplsim reports),
// then checked by the strict plan reader.
#include "deplsim/error.hpp"
#include "experiment/external.hpp"
#include "support/json_input.hpp"

#include <nlohmann/json.hpp>

#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string error;
  const auto j = deplsim::parse_json_limited(std::string_view(reinterpret_cast<const char*>(data), size), error);
  if (j.is_discarded()) return 0;
  (void)deplsim::json_excerpt(j);
  try {
    (void)deplsim::plan_from_json(j, "external");
  } catch (const deplsim::InputError&) {
  }
  return 0;
}
