/// @file plugin.hpp
/// @brief Shared-library plug-ins (`deplsim ... --plugin LIB.so`): the one exported C entry point, the host a
/// plug-in registers its orchestrators with, and the DEPLSIM_PLUGIN macro that writes the entry point.
///
/// The contract, in the order deplsim follows it:
///  1. dlopen(path, RTLD_NOW | RTLD_LOCAL), with the path as given on the command line (made absolute; no
///     search path). The plug-in's calls into deplsim (CostModel, PlannerKnowledge, Problem, ...) resolve
///     against the deplsim executable, which exports its symbols.
///  2. dlsym("deplsim_plugin_entry") and call it: it returns a DeplsimPluginInfo, a plain C struct whose
///     layout never changes, carrying the SDK version the plug-in was compiled against.
///  3. Only when that version is compatible with deplsim's (see sdk_compatible) is `register_orchestrators`
///     called with a PluginHost: no C++ object crosses the boundary before the versions are checked.
///  4. The host checks the names registered (none taken by a built-in or an earlier plug-in) and adds them to
///     the registry. The library stays loaded until the process ends.
///
/// A plug-in author writes:
/// @code
///   void register_mine(deplsim::PluginHost& host) {
///     host.add("mine", "what it does, in one line", [] { return std::make_unique<Mine>(); });
///   }
///   DEPLSIM_PLUGIN("mine", register_mine)
/// @endcode
/// and builds a shared library against the installed SDK: `find_package(deplsim 0.5 REQUIRED)`,
/// `target_link_libraries(mine PRIVATE deplsim::sdk)` (see orchestrators/examples/greedy_plugin/).
#pragma once

#include "deplsim/orchestrator.hpp"

#include <exception>
#include <string>

namespace deplsim {

class PluginHost;

/// Layout version of DeplsimPluginInfo; it never changes (a new layout would be a new entry point).
constexpr int kPluginInfoLayout = 1;

/// @brief Whether a plug-in built against SDK `major.minor` may be loaded by this deplsim. While the SDK is 0.x
/// every minor version may break it, so 0.x needs the same minor; from 1.0 on, the same major and a minor no newer.
constexpr bool sdk_compatible(int major, int minor) {
  if (major != kSdkVersionMajor) return false;
  return major == 0 ? minor == kSdkVersionMinor : minor <= kSdkVersionMinor;
}

} // namespace deplsim

extern "C" {

/// @brief What the entry point returns: plain C, fixed layout, read by deplsim before anything else.
struct DeplsimPluginInfo {
  int layout;             ///< kPluginInfoLayout
  int sdk_version_major;  ///< kSdkVersionMajor the plug-in was compiled against
  int sdk_version_minor;  ///< kSdkVersionMinor the plug-in was compiled against
  const char* name;       ///< the plug-in's name, for messages
  /// Registers the plug-in's orchestrators; 0 on success. Called once, only after the version check; on failure
  /// it reports why through PluginHost::fail. The host is valid during the call only.
  int (*register_orchestrators)(deplsim::PluginHost* host);
};

/// The name of the one symbol a plug-in exports.
#define DEPLSIM_PLUGIN_ENTRY_NAME "deplsim_plugin_entry"

/// @brief The entry point's type: `extern "C" const DeplsimPluginInfo* deplsim_plugin_entry(void)`.
using DeplsimPluginEntry = const DeplsimPluginInfo* (*)();

} // extern "C"

namespace deplsim {

/// @brief What a plug-in registers its orchestrators with. Names must be unique among every orchestrator known
/// (built-in or from another plug-in) and made of letters, digits and `._+-`.
class PluginHost {
public:
  PluginHost() = default;
  PluginHost(const PluginHost&) = delete;
  PluginHost& operator=(const PluginHost&) = delete;

  /// Registers an orchestrator: `make` returns a fresh one each call (see OrchestratorRegistry).
  virtual void add(std::string name, std::string description, OrchestratorRegistry::Factory make) = 0;
  /// Reports why registration failed (the DEPLSIM_PLUGIN trampoline passes a caught exception's what()).
  virtual void fail(const char* message) = 0;

protected:
  ~PluginHost() = default;
};

namespace detail {

/// Calls the plug-in's registration function; no exception crosses the C boundary.
template <void (*Register)(PluginHost&)>
int register_trampoline(PluginHost* host) noexcept {
  try {
    Register(*host);
    return 0;
  } catch (const std::exception& e) {
    host->fail(e.what());
  } catch (...) {
    host->fail("unknown exception");
  }
  return 1;
}

} // namespace detail
} // namespace deplsim

/// @brief Defines the plug-in's entry point. NAME: a string naming the plug-in; REGISTER: a function
/// `void (deplsim::PluginHost&)` that calls host.add(...) for each orchestrator (it may throw to refuse).
/// Use it once per library, at namespace scope.
#define DEPLSIM_PLUGIN(NAME, REGISTER)                                                                            \
  extern "C" __attribute__((visibility("default"))) const DeplsimPluginInfo* deplsim_plugin_entry() {            \
    static const DeplsimPluginInfo info{::deplsim::kPluginInfoLayout, ::deplsim::kSdkVersionMajor,               \
                                        ::deplsim::kSdkVersionMinor, NAME,                                       \
                                        &::deplsim::detail::register_trampoline<REGISTER>};                      \
    return &info;                                                                                                 \
  }
