// What the command-line tools of tests/sim share: the context of a scenario and a cluster by name, or a message on
// stderr (the tool then exits 2, as deplsim does on bad input).
#pragma once

#include "experiment/context.hpp"

#include <fmt/format.h>

#include <memory>
#include <optional>
#include <string>

namespace deplsim::testtools {

/// The context of `co`'s scenario, or nullptr after printing why it cannot be built.
inline std::unique_ptr<Context> load_context(const ContextOptions& co) {
  try {
    return build_context(co);
  } catch (const InputError& e) {
    fmt::print(stderr, "{}\n", e.what());
    return nullptr;
  }
}

/// The index of the scenario's cluster `name`, or nothing after printing that there is none.
inline std::optional<std::size_t> cluster_named(const Context& ctx, const std::string& name) {
  auto c = ctx.scenario().cluster_index(name);
  if (!c) fmt::print(stderr, "no cluster '{}' in {}\n", name, ctx.scenario().path);
  return c;
}

} // namespace deplsim::testtools
