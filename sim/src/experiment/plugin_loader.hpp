// Loading shared-library plug-ins (`--plugin LIB.so`, deplsim/plugin.hpp): dlopen, the version check through the
// C entry point, then the plug-in's orchestrators added to the registry. Every bad plug-in is an InputError.
#pragma once

#include "deplsim/orchestrator.hpp"

#include <string>

namespace deplsim {

/// Loads the plug-in at `path` (as given on the command line; made absolute, never searched for) and adds its
/// orchestrators to `registry`, which already holds the built-ins and any earlier plug-in's. Throws InputError
/// (exit 2) naming the path for: a missing file or a directory, a file dlopen refuses (its dlerror), no entry
/// point, an SDK version other than this deplsim's, a registration that fails or registers nothing, an invalid
/// name or one already taken. A loaded plug-in stays loaded until the process ends.
void load_plugin(const std::string& path, OrchestratorRegistry& registry);

} // namespace deplsim
