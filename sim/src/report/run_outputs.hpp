// The files of `deplsim run --out DIR` (docs/outputs.md): summary.json (deterministic), timing.json,
// replications.csv, trace.csv, written into DIR.partial/ and renamed to DIR when complete.
#pragma once

#include "experiment/context.hpp"
#include "experiment/run_unit.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace deplsim {

/// The summary object (deterministic: no wall time, no memory figure).
nlohmann::ordered_json summary_json(const Context& ctx, const ContextOptions& inputs, const RunOptions& options,
                                    const RunResult& result);

/// Writes every file into `work` (DIR.partial, which exists), runs `before_publish` on `work` (the figures; it may
/// add files), removes what only an interrupted run needs (run-state.json), then renames `work` to `dir`
/// (replacing an existing `dir` only once the new one is complete).
void write_run_outputs(const std::filesystem::path& work, const std::filesystem::path& dir, const Context& ctx,
                       const ContextOptions& inputs, const RunOptions& options, const RunResult& result,
                       const std::function<void(const std::filesystem::path&)>& before_publish = {});

} // namespace deplsim
