// The run state `deplsim run --resume` reads back (DIR.partial/run-state.json, docs/outputs.md): a file a user
// may have edited, read as deplsim reads it — size- and depth-limited parse, then the strict checkpoint reader
// (the plan as an external orchestrator's, the solver's report, the claim).
#include "deplsim/error.hpp"
#include "experiment/run_state.hpp"
#include "support/json_input.hpp"

#include <nlohmann/json.hpp>

#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string error;
  const auto j = deplsim::parse_json_limited(std::string_view(reinterpret_cast<const char*>(data), size), error);
  if (j.is_discarded()) return 0;
  try {
    (void)deplsim::checkpoint_from_json(j, "run-state.json");
  } catch (const deplsim::InputError&) {
  }
  return 0;
}
