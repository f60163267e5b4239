// `deplsim platform show`: what deplsim recognised in a platform file (zones, hosts with their power states and
// watts, links) and, given a scenario, what the scenario maps onto it (each cluster's hosts in the order plans use
// them, hosts of a cluster zone left out and why, data sources, the controller) with the route and the effective
// rate of SimGrid's network model between each data source / the controller and each cluster, and between clusters.
// One description, built as JSON; the text form is rendered from it, so the two never disagree (docs/cli.md).
#pragma once

#include "deplsim/platform.hpp"
#include "deplsim/scenario.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace deplsim {

/// Bytes of the transfer behind each pair's "effective rate" (one flow alone on its route).
inline constexpr double kReportProbeBytes = 1e8;

/// The description: `scenario` may be null (the platform alone).
nlohmann::json platform_report(const PlatformView& platform, const Scenario* scenario);

/// The same, as the text `platform show` prints.
std::string platform_report_text(const nlohmann::json& report);

} // namespace deplsim
