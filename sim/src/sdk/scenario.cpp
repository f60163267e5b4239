// Lookups on a validated scenario (see deplsim/scenario.hpp).
#include "deplsim/scenario.hpp"

namespace deplsim {

std::optional<std::size_t> Scenario::version_index(const std::string& n) const {
  for (std::size_t i = 0; i < model.versions.size(); ++i)
    if (model.versions[i].name == n) return i;
  return std::nullopt;
}
std::optional<std::size_t> Scenario::cluster_index(const std::string& n) const {
  for (std::size_t i = 0; i < clusters.size(); ++i)
    if (clusters[i].name == n) return i;
  return std::nullopt;
}
std::optional<std::size_t> Scenario::source_index(const std::string& n) const {
  for (std::size_t i = 0; i < data_sources.size(); ++i)
    if (data_sources[i].name == n) return i;
  return std::nullopt;
}
std::size_t Scenario::most_pruned_version() const {
  std::size_t best = 0;
  for (std::size_t i = 1; i < model.versions.size(); ++i)
    if (model.versions[i].flops_per_sample <= model.versions[best].flops_per_sample) best = i;
  return best;
}
const SwitchDecl* Scenario::switch_declared(std::size_t from, std::size_t to) const {
  for (const auto& s : model.switches)
    if (s.from_index == from && s.to_index == to) return &s;
  return nullptr;
}
const char* to_string(Objective o) {
  switch (o) {
  case Objective::energy: return "energy";
  case Objective::time: return "time";
  case Objective::money: return "money";
  }
  return "?";
}
const char* to_string(SyncKind s) { return s == SyncKind::ring_allreduce ? "ring-allreduce" : "parameter-server"; }

} // namespace deplsim
