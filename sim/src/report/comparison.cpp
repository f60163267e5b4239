// The comparison columns of a unit (see comparison.hpp).
#include "report/comparison.hpp"

#include "support/csv.hpp"

#include <fmt/format.h>

namespace deplsim {

std::optional<double> optimum_energy_of(const nlohmann::json& s) {
  // An exact solver's plan carries its report (plan.solver; the optimum orchestrator's, or a plug-in's).
  const auto& plan = s["plan"];
  if (!plan.is_object() || !plan.contains("solver") || !plan["solver"].is_object()) return std::nullopt;
  if (s.value("status", "") != "ok" || !s["cost"].is_object() || !s["cost"]["energy_j_mean"].is_number())
    return std::nullopt;
  const double e = s["cost"]["energy_j_mean"].get<double>();
  if (!(e > 0)) return std::nullopt;
  return e;
}

const char* const kComparisonHeader =
    "status,guarantee,p_predicted,p_target_met,p_lo,p_hi,energy_j_mean,energy_lo,energy_hi,time_s_mean,energy_vs_optimum,"
    "energy_shipping_j,energy_compute_j,energy_synchronisation_j,energy_checkpoints_j,energy_other_j,energy_hosts_j,"
    "energy_links_j,energy_by_cluster_j,energy_by_link_class_j,energy_transmit_j";

std::string empty_comparison_columns() {
  std::string out;
  for (const char* c = kComparisonHeader; *c != '\0'; ++c)
    if (*c == ',') out += ',';
  return out;
}

namespace {

// The energy breakdown's columns (empty without one: no plan, or a summary written before it existed).
std::string breakdown_columns(const nlohmann::json& c) {
  const bool has = c.is_object() && c.contains("energy_breakdown_j") && c["energy_breakdown_j"].is_object();
  std::string out;
  for (const char* phase : {"shipping", "compute", "synchronisation", "checkpoints", "other"})
    out += "," + (has ? csv_num(c["energy_breakdown_j"]["by_phase"][phase]) : std::string());
  for (const char* kind : {"hosts", "links"})
    out += "," + (has ? csv_num(c["energy_breakdown_j"]["by_kind"][kind]) : std::string());
  // By cluster and by link class: one cell each, "name=J;name=J" (the names differ between scenarios and platforms).
  for (const char* key : {"by_cluster_hosts", "by_link_class"}) {
    std::string cell;
    if (has && c["energy_breakdown_j"].contains(key) && c["energy_breakdown_j"][key].is_object())
      for (const auto& [name, joules] : c["energy_breakdown_j"][key].items())
        cell += (cell.empty() ? "" : ";") + name + "=" + csv_num(joules);
    out += "," + csv_field(cell);
  }
  // The senders' radios (a later column: summaries written before it have none).
  const bool radios = has && c["energy_breakdown_j"]["by_kind"].contains("transmit");
  out += "," + (radios ? csv_num(c["energy_breakdown_j"]["by_kind"]["transmit"]) : std::string());
  return out;
}

} // namespace

std::string comparison_columns(const nlohmann::json& s, std::optional<double> optimum_energy) {
  const auto& q = s["quality"];
  const auto& c = s["cost"];
  const auto& pred = s["plan"]["predicted"];
  std::string vs;
  if (optimum_energy && s["status"] == "ok" && c.is_object() && c["energy_j_mean"].is_number())
    vs = csv_number(c["energy_j_mean"].get<double>() / *optimum_energy - 1.0);
  return fmt::format("{},{},{},{},{},{},{},{},{},{},{}", s["status"].get<std::string>(), s["guarantee"].get<std::string>(),
                     csv_num(pred["p_target_met"]), q.is_null() ? "" : csv_num(q["p_target_met"]),
                     q.is_null() ? "" : csv_num(q["p_target_met_ci95"][0]), q.is_null() ? "" : csv_num(q["p_target_met_ci95"][1]),
                     c.is_null() ? "" : csv_num(c["energy_j_mean"]), c.is_null() ? "" : csv_num(c["energy_j_ci95"][0]),
                     c.is_null() ? "" : csv_num(c["energy_j_ci95"][1]), c.is_null() ? "" : csv_num(c["time_s_mean"]), vs) +
         breakdown_columns(c);
}

} // namespace deplsim
