// The planner knowledge as files (docs/knowledge.md): what an external orchestrator reads, and what
// `deplsim calibrate` exports beside its check.
#pragma once

#include "experiment/context.hpp"

#include <filesystem>

namespace deplsim {

/// Writes the planner knowledge (every version and declared switch at every declared switch epoch, every data
/// bucket) into `dir` (created): knowledge.json and its CSV files (docs/knowledge.md).
void export_knowledge(const std::filesystem::path& dir, const Context& ctx);

} // namespace deplsim
