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

/// Writes every file into dir.partial/ then renames it to dir (replacing dir when `force`).
void write_run_outputs(const std::filesystem::path& dir, bool force, const Context& ctx, const ContextOptions& inputs,
                       const RunOptions& options, const RunResult& result);

/// Makes a finished `partial` folder the output `dir` (a rename: readers see all of it or none; an existing
/// `dir` is replaced only once the new one is complete).
void publish_directory(const std::filesystem::path& partial, const std::filesystem::path& dir);

/// SHA-256 of a file's bytes, hex; empty if unreadable.
std::string sha256_file(const std::string& path);

/// A number in the C locale, shortest round-trip form ("" for NaN).
std::string csv_number(double v);

} // namespace deplsim
