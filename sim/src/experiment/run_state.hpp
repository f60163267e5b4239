// What an interrupted `deplsim run` keeps for --resume (DIR.partial/run-state.json, docs/outputs.md): the plan
// (as a plan message, read back by the external orchestrators' strict parser), the solver's report, whether the
// orchestrator is adaptive, and a fingerprint of every input the results depend on.
#pragma once

#include "experiment/run_unit.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace deplsim {

/// The run's checkpoint (RunCheckpoint) as JSON, and back (exact: doubles round-trip); `fingerprint` names what
/// the run's results depend on, so that --resume refuses a checkpoint made with other inputs.
/// Reading is strict (the file may have been edited): the plan as an external orchestrator's (every value
/// range-checked, text escaped), the solver's report and the claim typed and bounded; else InputError naming `file`
/// and the key. `j` must come from a depth-limited parse (read_json_file).
nlohmann::ordered_json checkpoint_to_json(const RunCheckpoint& c, const nlohmann::ordered_json& fingerprint);
RunCheckpoint checkpoint_from_json(const nlohmann::json& j, const std::string& file);

} // namespace deplsim
