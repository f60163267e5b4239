// `deplsim validate SCENARIO`: loads and checks a scenario and its platform, prints what was recognised,
// simulates nothing.
#include "commands/batch_choice.hpp"
#include "commands/command.hpp"

#include "support/exit_codes.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <optional>

namespace deplsim::commands {
namespace {

class Validate final : public Command {
public:
  CLI::App* attach(CLI::App& app, Session& session) override {
    auto* cmd = app.add_subcommand("validate", "check a scenario and its platform; simulates nothing");
    add_scenario_options(cmd, o_, false);
    add_plugin_option(cmd, session.plugins);  // their settings blocks are checked too
    return cmd;
  }

  int run(Session& session) override {
    o_.registry = &session.registry;
    auto ctx = build_context(context_options(o_));
    const auto& sc = ctx->scenario();
    const auto& pf = ctx->platform();
    fmt::print("{}: valid\n", sc.path);
    fmt::print("  scenario '{}': target L* = {}, p* = {}, at most {} epochs{}\n", sc.name, sc.target.loss, sc.target.probability,
               sc.target.max_epochs, sc.target.deadline_s ? fmt::format(", deadline {} s", *sc.target.deadline_s) : "");
    fmt::print("  platform {}: {} hosts, {} links (SimGrid {}, network model {})\n", pf.file, pf.hosts.size(), pf.links.size(),
               pf.simgrid_version, pf.network.model);
    for (std::size_t c = 0; c < sc.clusters.size(); ++c) {
      std::string hosts;
      for (auto h : pf.cluster_hosts[c]) hosts += (hosts.empty() ? "" : ", ") + pf.hosts[h].name;
      fmt::print("  cluster {} (zone {}): {}\n", sc.clusters[c].name, sc.clusters[c].zone, hosts);
    }
    long long q = 0;
    for (const auto& d : sc.data_sources) q += d.samples;
    fmt::print("  {} data sources, {} samples; {} model versions; {} declared switches\n", sc.data_sources.size(), q,
               sc.model.versions.size(), sc.model.switches.size());
    if (sc.training.mode == TrainingMode::iterations)
      fmt::print("  iterations mode: global batch {}, {} iterations per epoch on all the data, buckets of {:.6g} bytes, "
                 "synchronisation every {} iteration{}\n", sc.model.batch_size, sc.iterations_per_epoch(static_cast<double>(q)),
                 sc.training.bucket_bytes, sc.training.sync_every, sc.training.sync_every == 1 ? "" : "s");
    if (!sc.model.batch_sizes.empty()) {
      std::string list;
      for (const int b : sc.model.batch_sizes) list += fmt::format("{}{}", list.empty() ? "" : ", ", b);
      fmt::print("  global batch chosen per plan from [{}] (model.batch_sizes): planned once per batch, the cheapest kept; "
                 "what fits below is for batch {}\n", list, sc.model.batch_size);
      if (const auto note = batch_law_note(*ctx)) fmt::print("  note: {}\n", *note);
    }
    for (std::size_t v = 0; v < sc.model.versions.size(); ++v) fmt::print("{}", version_line(*ctx, v));
    for (const auto& dev : sc.devices) fmt::print("{}", device_line(*ctx, dev));
    return exit_code::ok;
  }

  // One device profile: where it applies and, per version, its measured speed against the platform's.
  static std::string device_line(const Context& ctx, const MeasuredDevice& dev) {
    const Scenario& sc = ctx.scenario();
    const PlatformView& pf = ctx.platform();
    std::string out = fmt::format("  device profile {} on {}\n", dev.profile,
                                  dev.zone.empty() ? fmt::format("hosts {}", fmt::join(dev.hosts, ", ")) : "zone " + dev.zone);
    // The host the ratio is shown for: the first named, or the zone's first (pf.hosts.size(): none).
    std::size_t h = pf.hosts.size();
    if (dev.zone.empty()) {
      if (auto i = pf.host_index(dev.hosts.front())) h = *i;
    } else {
      for (std::size_t i = 0; h == pf.hosts.size() && i < pf.hosts.size(); ++i)
        if (pf.hosts[i].in_zone(dev.zone)) h = i;
    }
    for (std::size_t v = 0; v < sc.model.versions.size(); ++v) {
      const auto& m = dev.versions[v];
      if (!m) {
        out += fmt::format("    {}: not measured (flops / speed)\n", sc.model.versions[v].name);
        continue;
      }
      out += fmt::format("    {}: {:.4g} s per sample, {:.4g} s per iteration", sc.model.versions[v].name, m->s_per_sample,
                         m->fixed_s_per_iteration);
      if (h < pf.hosts.size())
        out += fmt::format(" (on {} at power state 0: {:.3g}x the speed its flops and the platform give)", pf.hosts[h].name,
                           sc.flops_on(v, pf.hosts[h].sparse_efficiency) / ctx.cost->host_flops(v, h));
      out += "\n";
    }
    return out;
  }

  // One version: how it is costed (its pruning kind) and where it fits in memory (docs/model.md 4.11-4.12).
  static std::string version_line(const Context& ctx, std::size_t v) {
    const Scenario& sc = ctx.scenario();
    const ModelVersion& mv = sc.model.versions[v];
    std::string out = fmt::format("  version {}: {:.6g} flop/sample, {:.6g} bytes", mv.name, mv.flops_per_sample, mv.param_bytes);
    if (mv.pruning_kind == PruningKind::unstructured)
      out += fmt::format(" (unstructured pruning: trains with the full network's {:.6g} flop/sample on hosts without sparse "
                         "support, sends and stores {:.6g} bytes)", sc.flops_on(v, 0.0), sc.dense_bytes(v));
    out += "\n";
    // Where it fits: per cluster, the node counts (at power state 0: shares, hence local batches, follow speed).
    std::string misfits;
    for (std::size_t c = 0; c < sc.clusters.size(); ++c) {
      const int size = static_cast<int>(ctx.platform().cluster_hosts[c].size());
      int least = 0;
      std::string why;
      for (int n = size; n >= 1; --n) {
        std::string w;
        if (ctx.cost->fits(v, Resources{c, n, 0}, &w)) least = n;
        else if (why.empty()) why = w;
      }
      if (least == 1) continue;
      misfits += least == 0 ? fmt::format("    does not fit on cluster {}: {}\n", sc.clusters[c].name, why)
                            : fmt::format("    fits on cluster {} only with {} or more nodes: with fewer, {}\n",
                                          sc.clusters[c].name, least, why);
    }
    out += misfits.empty() ? "    fits in memory on every cluster, on any number of nodes\n" : misfits;
    return out;
  }

private:
  ScenarioOptions o_;
};

} // namespace

std::unique_ptr<Command> make_validate_command() { return std::make_unique<Validate>(); }

} // namespace deplsim::commands
