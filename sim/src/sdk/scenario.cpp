// Lookups on a validated scenario (see deplsim/scenario.hpp).
#include "deplsim/scenario.hpp"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <unordered_map>

namespace deplsim {

struct Scenario::NameIndexes {
  std::unordered_map<std::string, std::size_t> versions, clusters, sources;
};

namespace {

std::mutex index_mutex;  // plug-ins may plan from several threads

template <class T>
std::unordered_map<std::string, std::size_t> index_of(const std::vector<T>& items) {
  std::unordered_map<std::string, std::size_t> out;
  out.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) out.emplace(items[i].name, i);  // names are unique once validated
  return out;
}

// A hit is checked against the list itself (the scenario may have been copied and changed since the maps were
// built); a miss or a stale hit rebuilds the maps once, then the answer is exact.
template <class T, class Pick>
std::optional<std::size_t> find(std::shared_ptr<const Scenario::NameIndexes>& cache, const Scenario& sc,
                                 const std::vector<T>& items, Pick pick, const std::string& n) {
  std::shared_ptr<const Scenario::NameIndexes> maps;
  {
    std::lock_guard lock(index_mutex);
    maps = cache;
  }
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (maps) {
      const auto& m = pick(*maps);
      const auto it = m.find(n);
      if (it != m.end() && it->second < items.size() && items[it->second].name == n) return it->second;
      if (it == m.end() && m.size() == items.size() && attempt == 1) return std::nullopt;
    }
    if (attempt == 1) break;
    maps = std::make_shared<const Scenario::NameIndexes>(
        Scenario::NameIndexes{index_of(sc.model.versions), index_of(sc.clusters), index_of(sc.data_sources)});
    std::lock_guard lock(index_mutex);
    cache = maps;
  }
  for (std::size_t i = 0; i < items.size(); ++i)  // duplicated names (an unvalidated scenario): the first
    if (items[i].name == n) return i;
  return std::nullopt;
}

} // namespace

std::optional<std::size_t> Scenario::version_index(const std::string& n) const {
  return find(name_indexes, *this, model.versions, [](const NameIndexes& m) -> const auto& { return m.versions; }, n);
}
std::optional<std::size_t> Scenario::cluster_index(const std::string& n) const {
  return find(name_indexes, *this, clusters, [](const NameIndexes& m) -> const auto& { return m.clusters; }, n);
}
std::optional<std::size_t> Scenario::source_index(const std::string& n) const {
  return find(name_indexes, *this, data_sources, [](const NameIndexes& m) -> const auto& { return m.sources; }, n);
}
double Scenario::dense_bytes(std::size_t v) const {
  const ModelVersion& mv = model.versions.at(v);
  return mv.pruning_kind == PruningKind::unstructured ? model.versions.front().param_bytes : mv.param_bytes;
}
double Scenario::flops_on(std::size_t v, double sparse_efficiency) const {
  const ModelVersion& mv = model.versions.at(v);
  if (mv.pruning_kind != PruningKind::unstructured || sparse_efficiency >= 1.0) return mv.flops_per_sample;
  const double dense = model.versions.front().flops_per_sample;
  return dense - sparse_efficiency * (dense - mv.flops_per_sample);
}
double Scenario::memory_needed(std::size_t v, double local_batch) const {
  return dense_bytes(v) * (2.0 + training.optimizer_state_copies) + model.versions.at(v).activation_bytes_per_sample * local_batch;
}
long long Scenario::iterations_per_epoch(double samples) const {
  return std::max(1LL, static_cast<long long>(std::ceil(samples / static_cast<double>(std::max(1, model.batch_size)))));
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
const char* to_string(PruningKind k) { return k == PruningKind::unstructured ? "unstructured" : "structured"; }
const char* to_string(Objective o) {
  switch (o) {
  case Objective::energy: return "energy";
  case Objective::time: return "time";
  case Objective::money: return "money";
  }
  return "?";
}
const char* to_string(SyncKind s) {
  switch (s) {
  case SyncKind::ring_allreduce: return "ring-allreduce";
  case SyncKind::parameter_server: return "parameter-server";
  case SyncKind::hierarchical: return "hierarchical";
  }
  return "ring-allreduce";
}

} // namespace deplsim
