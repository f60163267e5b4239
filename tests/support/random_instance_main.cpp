// deplsim-random-instance: writes one seeded random small instance (scenario YAML and platform XML) into a
// folder, e.g. to look at what the tests and the optimum benchmark plan on, or to run a what-if on it.
#include "random_instance.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <filesystem>

int main(int argc, char** argv) {
  CLI::App app{"write a seeded random small instance shaped like the paper's (tests/support/random_instance.hpp)"};
  std::uint32_t seed = 1;
  std::string out = ".";
  deplsim::testing::InstanceSize size;
  app.add_option("--seed", seed, "seed (the same seed writes the same files)")->capture_default_str();
  app.add_option("--out", out, "folder to write instance-SEED.yaml and instance-SEED.xml into (created)")->capture_default_str();
  app.add_option("--max-epochs", size.max_epochs_hi, "largest K_max drawn")->check(CLI::Range(1, 100000))->capture_default_str();
  app.add_option("--min-epochs", size.max_epochs_lo, "smallest K_max drawn")->check(CLI::Range(1, 100000))->capture_default_str();
  app.add_option("--max-hosts", size.max_hosts, "most hosts per cluster")->check(CLI::Range(1, 64))->capture_default_str();
  app.add_option("--edge-clusters", size.edge_clusters, "edge clusters (0: drawn in {2, 3})")->check(CLI::Range(0, 26))->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (size.max_epochs_lo > size.max_epochs_hi) {
    fmt::print(stderr, "error: --min-epochs ({}) is above --max-epochs ({})\n", size.max_epochs_lo, size.max_epochs_hi);
    return 2;
  }
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  if (ec) {
    fmt::print(stderr, "error: --out {}: {}\n", out, ec.message());
    return 2;
  }
  try {
    const auto in = deplsim::testing::write_random_instance(seed, out, size);
    fmt::print("{}\n{}\n{}\n", in.scenario, in.platform, in.label);
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 2;
  }
  return 0;
}
