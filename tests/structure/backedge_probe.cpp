// A deliberate back-edge, never part of deplsim: code of the model layer (scenario, platform, learning) calling
// into the experiment layer above it. The test `layers_back_edge` builds it the way every layer is checked (a
// shared object linked with the layers below only, every symbol resolved) and expects the link to fail.
#include "experiment/run_unit.hpp"

namespace deplsim {

RunResult model_layer_calls_upward(const Context& ctx, Orchestrator& orchestrator) { return run_unit(ctx, orchestrator, {}); }

} // namespace deplsim
