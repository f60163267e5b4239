// Loading shared-library plug-ins: checks the file, dlopen(RTLD_NOW | RTLD_LOCAL), reads the plain-C
// DeplsimPluginInfo and checks its SDK version before any C++ object crosses, lets the plug-in register into a
// staging host, then checks every name and adds them all to the registry (all or nothing).
#include "experiment/plugin_loader.hpp"

#include "deplsim/error.hpp"
#include "deplsim/plugin.hpp"
#include "orchestrators/builtins.hpp"
#include "scenario/names.hpp"

#include <fmt/format.h>

#include <dlfcn.h>

#include <filesystem>
#include <memory>
#include <vector>

namespace deplsim {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void refuse(const std::string& path, const std::string& message) {
  throw InputError(InputIssue{path, 0, 0, "", message});
}

/// Closes a library when loading fails before any of its registration code ran.
struct LibraryHandle {
  void* handle = nullptr;
  ~LibraryHandle() {
    if (handle != nullptr) dlclose(handle);
  }
};

/// Collects what the plug-in registers; nothing reaches the registry until every entry has been checked.
class StagingHost final : public PluginHost {
public:
  void add(std::string name, std::string description, OrchestratorRegistry::Factory make) override {
    entries.push_back({std::move(name), std::move(description), std::move(make)});
  }
  void fail(const char* message) override {
    failed = true;
    failure = message != nullptr ? message : "";
  }
  std::vector<OrchestratorRegistry::Entry> entries;
  bool failed = false;
  std::string failure;
};

/// What `compare` accepts and output folders can be named after (scenario/names.hpp): a name a plug-in registers
/// becomes compare's DIR/NAME/ and the default results/run/SCENARIO-NAME-sSEED.
bool valid_name(const std::string& name) { return !name_problem(name); }

std::string names_of(const OrchestratorRegistry& registry) {
  std::string out;
  for (const auto& e : registry.entries()) out += (out.empty() ? "" : ", ") + e.name;
  return out;
}

} // namespace

void load_plugin(const std::string& path, OrchestratorRegistry& registry) {
  if (path.empty()) refuse("--plugin", "expected the path of a plug-in shared library, got an empty string");
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (!fs::exists(st)) refuse(path, "plug-in not found (--plugin takes the path of a shared library)");
  if (fs::is_directory(st)) refuse(path, "is a directory, not a plug-in shared library");
  if (!fs::is_regular_file(st)) refuse(path, "not a regular file, so not a plug-in shared library");
  // An absolute path: dlopen never searches LD_LIBRARY_PATH or the system's folders for it.
  const std::string absolute = fs::absolute(path, ec).lexically_normal().string();
  if (ec) refuse(path, fmt::format("cannot resolve the path: {}", ec.message()));

  dlerror();
  LibraryHandle lib{dlopen(absolute.c_str(), RTLD_NOW | RTLD_LOCAL)};
  if (lib.handle == nullptr) {
    const char* why = dlerror();
    refuse(path, fmt::format("cannot load the plug-in as a shared library: {}", why != nullptr ? why : "unknown dlopen error"));
  }

  dlerror();
  void* symbol = dlsym(lib.handle, DEPLSIM_PLUGIN_ENTRY_NAME);
  if (symbol == nullptr)
    refuse(path, fmt::format("not a deplsim plug-in: it exports no '{}' entry point (define one with DEPLSIM_PLUGIN, "
                             "see deplsim/plugin.hpp)",
                             DEPLSIM_PLUGIN_ENTRY_NAME));
  const auto entry = reinterpret_cast<DeplsimPluginEntry>(symbol);
  const DeplsimPluginInfo* info = entry();
  if (info == nullptr) refuse(path, fmt::format("its '{}' returned no plug-in information", DEPLSIM_PLUGIN_ENTRY_NAME));
  if (info->layout != kPluginInfoLayout)
    refuse(path, fmt::format("unknown plug-in information layout {} (this deplsim reads layout {})", info->layout,
                             kPluginInfoLayout));
  if (!sdk_compatible(info->sdk_version_major, info->sdk_version_minor))
    refuse(path, fmt::format("plug-in built against SDK {}.{}, but this deplsim's SDK is {}.{}: rebuild it against "
                             "this deplsim's SDK ({})",
                             info->sdk_version_major, info->sdk_version_minor, kSdkVersionMajor, kSdkVersionMinor,
                             kSdkVersionMajor == 0 ? "0.x needs the same minor version" : "same major, minor no newer"));
  if (info->register_orchestrators == nullptr) refuse(path, "the plug-in information has no registration function");
  const std::string plugin_name = info->name != nullptr ? info->name : "";

  // From here on the plug-in's registration code runs: it stays loaded (its factories and destructors live in it).
  lib.handle = nullptr;

  StagingHost host;
  int rc = 0;
  try {
    rc = info->register_orchestrators(&host);
  } catch (const std::exception& e) {  // an entry point written by hand may let one through
    host.fail(e.what());
    rc = 1;
  } catch (...) {
    host.fail("unknown exception");
    rc = 1;
  }
  if (rc != 0 || host.failed)
    refuse(path, fmt::format("plug-in '{}' failed to register its orchestrators: {}", plugin_name,
                             host.failure.empty() ? fmt::format("registration returned {}", rc) : host.failure));
  if (host.entries.empty()) refuse(path, fmt::format("plug-in '{}' registered no orchestrator", plugin_name));

  OrchestratorRegistry builtins;
  register_builtin_orchestrators(builtins);
  std::vector<std::string> issues;
  for (std::size_t i = 0; i < host.entries.size(); ++i) {
    const auto& e = host.entries[i];
    if (!valid_name(e.name)) {
      issues.push_back(fmt::format("orchestrator name '{}' is not valid: {} ({})", shown(e.name), *name_fault(e.name), kNameRule));
      continue;
    }
    if (!e.make) issues.push_back(fmt::format("orchestrator '{}' has no factory", e.name));
    if (builtins.contains(e.name))
      issues.push_back(fmt::format("orchestrator '{}' clashes with the built-in orchestrator of that name (names taken: {})",
                                   e.name, names_of(registry)));
    else if (registry.contains(e.name))
      issues.push_back(fmt::format("orchestrator '{}' clashes with one registered by an earlier --plugin (names taken: {})",
                                   e.name, names_of(registry)));
    for (std::size_t j = 0; j < i; ++j)
      if (host.entries[j].name == e.name) {
        issues.push_back(fmt::format("orchestrator '{}' registered twice by this plug-in", e.name));
        break;
      }
  }
  if (!issues.empty()) {
    std::vector<InputIssue> all;
    for (auto& m : issues) all.push_back(InputIssue{path, 0, 0, "", std::move(m)});
    throw InputError(std::move(all));
  }
  const std::string origin = fs::path(absolute).filename().string();
  for (auto& e : host.entries)
    registry.add(std::move(e.name), fmt::format("{} (plug-in {})", e.description, origin), std::move(e.make));
}

} // namespace deplsim
