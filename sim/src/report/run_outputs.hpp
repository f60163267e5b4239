// The files of `deplsim run --out DIR` (docs/outputs.md): summary.json (deterministic), timing.json,
// replications.csv, trace.csv, written into DIR.partial/ and renamed to DIR when complete.
#pragma once

#include "experiment/context.hpp"
#include "experiment/run_unit.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace deplsim {

/// Throws InputError when `dir` exists and `force` is false (checked before any work is done).
void check_output_dir(const std::filesystem::path& dir, bool force);

/// The summary object (deterministic: no wall time, no memory figure).
nlohmann::ordered_json summary_json(const Context& ctx, const ContextOptions& inputs, const RunOptions& options,
                                    const RunResult& result);

/// Writes every file into `work` (DIR.partial, which exists), removes what only an interrupted run needs
/// (run-state.json), then renames `work` to `dir` (replacing an existing `dir` only once the new one is complete).
void write_run_outputs(const std::filesystem::path& work, const std::filesystem::path& dir, const Context& ctx,
                       const ContextOptions& inputs, const RunOptions& options, const RunResult& result);

/// The run's checkpoint (RunCheckpoint) as JSON, and back (exact: doubles round-trip); `fingerprint` names what
/// the run's results depend on, so that --resume refuses a checkpoint made with other inputs.
nlohmann::ordered_json checkpoint_to_json(const RunCheckpoint& c, const nlohmann::ordered_json& fingerprint);
RunCheckpoint checkpoint_from_json(const nlohmann::json& j);

/// Makes a finished `partial` folder the output `dir` (a rename: readers see all of it or none; an existing
/// `dir` is replaced only once the new one is complete).
void publish_directory(const std::filesystem::path& partial, const std::filesystem::path& dir);

/// SHA-256 of a file's bytes, hex; empty if unreadable.
std::string sha256_file(const std::string& path);

/// A number in the C locale, shortest round-trip form ("" for NaN).
std::string csv_number(double v);

} // namespace deplsim
