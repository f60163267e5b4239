// The comparison columns of a unit (comparison.csv after `orchestrator`, and a sweep's results.csv;
// docs/outputs.md), read from the unit's summary.json.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace deplsim {

/// The names of comparison_columns(), comma-separated, and as many empty fields (a unit without results).
extern const char* const kComparisonHeader;
std::string empty_comparison_columns();
/// status, guarantee, p_predicted, p_target_met, p_lo, p_hi, energy_j_mean, energy_lo, energy_hi, time_s_mean,
/// energy_vs_optimum, then the energy breakdown (energy_shipping_j, energy_compute_j, energy_synchronisation_j,
/// energy_checkpoints_j, energy_other_j, energy_hosts_j, energy_links_j, and energy_by_cluster_j and
/// energy_by_link_class_j as "name=J;name=J": summary.json's cost.energy_breakdown_j);
/// `optimum_energy` is the optimum's simulated mean energy in the same comparison, when it has one.
std::string comparison_columns(const nlohmann::json& summary, std::optional<double> optimum_energy);
/// The mean energy of an exact solver's plan (a summary whose plan carries a solver report, as the optimum's does),
/// when it found one; the reference of energy_vs_optimum.
std::optional<double> optimum_energy_of(const nlohmann::json& summary);

} // namespace deplsim
