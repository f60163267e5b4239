// The orchestrator registry: built-ins and plug-ins register here by name.
#include "deplsim/error.hpp"
#include "deplsim/orchestrator.hpp"

#include <fmt/format.h>

namespace deplsim {

void OrchestratorRegistry::add(std::string name, std::string description, Factory make, std::vector<SettingFlag> flags) {
  for (auto& e : entries_)
    if (e.name == name) throw InputError(InputIssue{"", 0, 0, "", fmt::format("orchestrator '{}' registered twice", name)});
  entries_.push_back({std::move(name), std::move(description), std::move(make), std::move(flags)});
}

bool OrchestratorRegistry::contains(const std::string& name) const {
  for (const auto& e : entries_)
    if (e.name == name) return true;
  return false;
}

std::unique_ptr<Orchestrator> OrchestratorRegistry::make(const std::string& name) const {
  for (const auto& e : entries_)
    if (e.name == name) return e.make();
  std::string known;
  for (const auto& e : entries_) known += (known.empty() ? "" : ", ") + e.name;
  throw InputError(InputIssue{"--orchestrator", 0, 0, "", fmt::format("unknown orchestrator '{}' (known: {})", name, known)});
}

std::unique_ptr<Orchestrator> OrchestratorRegistry::make_configured(const std::string& name, const PlannerSettings& settings) const {
  auto o = make(name);
  o->configure(settings);
  return o;
}

} // namespace deplsim
