// The scenario's target (docs/scenario.md 2.2), clusters[] (2.3) and data_sources[] (2.4).
#include "scenario/section_reader.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace deplsim::scenario_sections {

using yaml::Map;

bool read_target(Reader& r, Map& top, Scenario& sc) {
  yaml::Document& doc = r.doc;
  Map t(doc, top.require("target"), "target");
  if (!t.valid()) return false;
  sc.target.loss = t.number("loss");
  r.positive(t, "loss", sc.target.loss);
  sc.target.probability = t.number("probability");
  if (t.ok("probability") && !(sc.target.probability > 0 && sc.target.probability < 1))
    doc.issue(t.get("probability"), "target.probability", fmt::format("must be in (0, 1), got {}", shown(t.written("probability"))));
  sc.target.deadline_s = t.optional_number("deadline_s");
  if (sc.target.deadline_s) r.positive(t, "deadline_s", *sc.target.deadline_s);
  sc.target.max_epochs = static_cast<int>(t.integer_in("max_epochs", 1, kMaxEpochs));
  const bool max_epochs_ok = t.ok("max_epochs") && sc.target.max_epochs >= 1;
  r.remember(t.get("max_epochs"), "target.max_epochs");
  t.reject_unknown_keys();
  return max_epochs_ok;
}

void read_clusters(Reader& r, Map& top, Scenario& sc) {
  yaml::Document& doc = r.doc;
  r.list_of_maps(top, "clusters", true, [&](Map& m, const std::string&) {
    Cluster c;
    r.name(m, "name", c.name);
    c.zone = m.string("zone");
    r.remember(m.get("zone"), m.key_path("zone"));
    c.price_per_node_s = m.number("price_per_node_s", 0.0);
    r.non_negative(m, "price_per_node_s", c.price_per_node_s);
    c.mtbf_s = m.number("mtbf_s", 0.0);
    r.range(m, "mtbf_s", c.mtbf_s, 0, 1e12);
    // Below a second, failures come faster than any epoch ends: a replication would record failures forever.
    if (m.ok("mtbf_s") && c.mtbf_s > 0 && c.mtbf_s < 1)
      doc.issue(m.get("mtbf_s"), m.key_path("mtbf_s"), fmt::format("must be 0 (no failures) or at least 1 s, got {}", shown(m.written("mtbf_s"))));
    c.mttr_s = m.number("mttr_s", 0.0);
    r.range(m, "mttr_s", c.mttr_s, 0, 1e12);
    if (m.ok("mtbf_s") && m.ok("mttr_s") && c.mtbf_s > 0 && !(c.mttr_s > 0))
      doc.issue(m.get("mtbf_s"), m.key_path("mttr_s"), "must be > 0 when mtbf_s is set (failed nodes are repaired after it)");
    c.straggler_probability = m.number("straggler_probability", 0.0);
    r.range(m, "straggler_probability", c.straggler_probability, 0, 1);
    c.straggler_slowdown = m.number("straggler_slowdown", 1.0);
    r.range(m, "straggler_slowdown", c.straggler_slowdown, 1, 1000);
    sc.clusters.push_back(c);
  });
}

// Planning time grows linearly with the data sources (each plan costed ships every source of its data set).
constexpr std::size_t kMaxDataSources = 100000;

void read_data_sources(Reader& r, Map& top, Scenario& sc) {
  r.list_of_maps(top, "data_sources", true, [&](Map& m, const std::string&) {
    DataSource d;
    r.name(m, "name", d.name);
    d.host = m.string("host");
    r.remember(m.get("host"), m.key_path("host"));
    d.samples = m.integer("samples");
    r.range(m, "samples", static_cast<double>(d.samples), 1, 1e12);
    d.sample_bytes = m.number("sample_bytes");
    r.positive_at_most(m, "sample_bytes", d.sample_bytes, 1e12);
    sc.data_sources.push_back(d);
  }, kMaxDataSources);
}

} // namespace deplsim::scenario_sections
