// The analytical cost model on a hand-built platform view where every number can be checked by hand
// (network factors of 1, no TCP-gamma bound, no cross-traffic). Its agreement with SimGrid's own network
// model is pinned separately (tests/sim/network_pin.cpp).
#include "deplsim/cost_model.hpp"

#include <catch2/catch.hpp>

using namespace deplsim;

namespace {

// src --l0-- h1, h2 (cluster a, 2 cores each), g1 (cluster b, 1 core); every host has a private link to a
// shared switch; 1e8 B/s links with 1 ms latency.
PlatformView hand_view() {
  PlatformView v;
  v.network = NetworkSettings{"CM02", 1.0, 1.0, 0.0, 0.0, false};
  auto host = [](std::string name, int cores, double speed, std::string zone) {
    HostView h;
    h.name = std::move(name);
    h.cores = cores;
    h.zones = {std::move(zone), "world"};
    h.pstates = {PowerState{speed, 10, 10, 30}, PowerState{speed / 2, 5, 5, 12}};
    return h;
  };
  v.hosts = {host("src", 1, 1e9, "s"), host("h1", 2, 2e9, "a"), host("h2", 2, 1e9, "a"), host("g1", 1, 4e9, "b")};
  for (int i = 0; i < 4; ++i) v.links.push_back(LinkView{"l" + std::to_string(i), 1e8, 1e-3, false, 1.0, 3.0});
  v.index_hosts();
  for (std::size_t a = 0; a < 4; ++a)
    for (std::size_t b = 0; b < 4; ++b)
      if (a != b) v.add_route(a, b, RouteView{{a, b}, 2e-3});
  v.cluster_hosts = {{1, 2}, {3}};
  return v;
}

Scenario hand_scenario() {
  Scenario sc;
  sc.clusters = {Cluster{"a", "a", 0.0}, Cluster{"b", "b", 1.0}};
  sc.data_sources = {DataSource{"d", "src", 1000, 1e4}};
  sc.model.versions = {ModelVersion{"full", 1e6, 1e6, 0.0}, ModelVersion{"p50", 5e5, 5e5, 0.5}};
  sc.model.switch_epochs = {2};
  sc.model.max_switches = 1;
  sc.training = Training{SyncKind::ring_allreduce, 2};
  sc.target.max_epochs = 10;
  return sc;
}

} // namespace

TEST_CASE("flows share a link fairly and pay their latency first", "[cost]") {
  const PlatformView v = hand_view();
  const auto one = simulate_flows(v, {Flow{0, 1, 1e6}});
  CHECK(one.makespan == Approx(2e-3 + 1e6 / 1e8));
  // Two flows out of src share l0: each at 5e7 B/s.
  const auto two = simulate_flows(v, {Flow{0, 1, 1e6}, Flow{0, 2, 1e6}});
  CHECK(two.finish[0] == Approx(2e-3 + 2e6 / 1e8));
  CHECK(two.finish[1] == Approx(2e-3 + 2e6 / 1e8));
  // Unequal sizes: the small one ends, then the big one gets the whole link.
  const auto uneq = simulate_flows(v, {Flow{0, 1, 1e6}, Flow{0, 2, 3e6}});
  CHECK(uneq.finish[0] == Approx(2e-3 + 2e6 / 1e8));
  CHECK(uneq.finish[1] == Approx(2e-3 + 4e6 / 1e8));
  // Link load integral = bytes carried (coefficient 1, no cross-traffic).
  CHECK(uneq.link_load_integral.at(0) == Approx(4e6));
}

TEST_CASE("an epoch is R rounds of compute on all cores then a ring all-reduce", "[cost]") {
  const PlatformView v = hand_view();
  const Scenario sc = hand_scenario();
  const CostModel cm(sc, v);
  const auto shares = cm.shares({1, 2}, 0);
  CHECK(shares[0] == Approx(4.0 / 6.0));  // h1: 2 cores x 2e9, h2: 2 cores x 1e9
  const EpochCost e = cm.epoch(0, Resources{0, 2, 0}, 1000);
  // Compute: 1000 samples x 1e6 flop / (4e9 + 2e9) flop/s, over both rounds.
  CHECK(e.compute_s == Approx(1e9 / 6e9));
  // Ring of 2: 2 steps per round, each with h1->h2 and h2->h1 (S/2 = 5e5 B); both cross l1 and l2 (shared
  // links, not split-duplex), so each gets half of 1e8 B/s.
  const double step = 2e-3 + 5e5 / 5e7;
  CHECK(e.sync_s == Approx(2 * 2 * step));
  CHECK(e.time_s == Approx(e.compute_s + e.sync_s));
  // Hosts: all-cores watts while computing, idle while synchronising.
  CHECK(e.host_energy_j == Approx(2 * (e.compute_s * 30 + e.sync_s * 10)));
  // Links l1, l2: idle 1 W over the epoch + (3-1) W x (bytes / bandwidth).
  const double carried = 2 * 2 * 2 * 5e5;  // per link per epoch: 2 rounds x 2 steps x 2 flows x 5e5 B
  CHECK(e.link_energy_j == Approx(2 * (1.0 * e.time_s + 2.0 * carried / 1e8)));
  // One node: no synchronisation at all.
  const EpochCost single = cm.epoch(0, Resources{1, 1, 0}, 1000);
  CHECK(single.sync_s == 0);
  CHECK(single.compute_s == Approx(1e9 / 4e9));
  // A lower power state is slower.
  CHECK(cm.epoch(0, Resources{0, 2, 1}, 1000).compute_s == Approx(2 * e.compute_s));
}

TEST_CASE("a plan's cost: shipping, epochs, migration, energy from first use to the end", "[cost]") {
  const PlatformView v = hand_view();
  const Scenario sc = hand_scenario();
  const CostModel cm(sc, v);
  Plan one;
  one.data_sources = {"d"};
  one.segments = {Segment{"full", "b", 1, 0, 3}};
  const PlanCost c1 = cm.evaluate(one);
  const double ship = 2e-3 + 1000 * 1e4 / 1e8;  // all samples to g1
  const EpochCost e = cm.epoch(0, Resources{1, 1, 0}, 1000);
  CHECK(c1.shipping_s == Approx(ship));
  CHECK(c1.time_s == Approx(ship + 3 * e.time_s));
  // g1 idle during shipping, all cores while computing; links l0 and l3 idle 1 W each from the shipping on,
  // plus the shipping's dynamic energy (2 W x 1e7 B / 1e8 B/s on each).
  const double expected = ship * 10 + 3 * e.compute_s * 30 + 2 * (1.0 * c1.time_s + 2.0 * 1e7 / 1e8);
  CHECK(c1.energy_j == Approx(expected));
  CHECK(c1.money == Approx(1.0 * 1 * (ship + 3 * e.time_s)));  // price x nodes x seconds held, shipping included
  CHECK(c1.hosts_used == std::set<std::size_t>{3});
  CHECK(cm.objective(c1) == c1.energy_j);

  // Migration after 2 epochs from b to a: data to h1 and h2, model from g1 to both; g1 stays charged (idle).
  Plan mig = one;
  mig.segments = {Segment{"full", "b", 1, 0, 2}, Segment{"full", "a", 2, 0, 1}};
  const PlanCost c2 = cm.evaluate(mig);
  CHECK(c2.hosts_used == std::set<std::size_t>{1, 2, 3});
  CHECK(c2.shipping_s > c1.shipping_s);
  const auto flows = cm.shipping_flows({0}, {1, 2}, 0);
  REQUIRE(flows.size() == 2);
  CHECK(flows[0].bytes == Approx(1e7 * 4.0 / 6.0));
  // g1 keeps drawing idle power after it stops training: the plan's energy includes it.
  const EpochCost ea = cm.epoch(0, Resources{0, 2, 0}, 1000);
  const double after_b = c2.time_s - (ship + 2 * e.time_s);
  CHECK(after_b > ea.time_s);
  CHECK(c2.energy_j > c1.energy_j - 3 * e.compute_s * 30);
  // The plan's time alone is evaluate's, to the last bit.
  CHECK(cm.plan_time(one) == c1.time_s);
  CHECK(cm.plan_time(mig) == c2.time_s);
  Plan back = mig;
  back.segments.push_back(Segment{"full", "b", 1, 0, 4});  // and back to b: a second migration
  CHECK(cm.plan_time(back) == cm.evaluate(back).time_s);
  // Its terms do not depend on the epoch counts: changed and summed again, they give the time of the plan so changed.
  auto terms = cm.time_terms(back);
  REQUIRE(terms.size() == 3);
  CHECK(terms[0].entry);
  CHECK(terms[1].entry);  // the migration to a
  terms[0].epochs = 5;
  terms[2].epochs = 1;
  Plan changed = back;
  changed.segments[0].epochs = 5;
  changed.segments[2].epochs = 1;
  CHECK(CostModel::sum_time(terms) == cm.evaluate(changed).time_s);
  // The links shipping uses, from the routes alone, are those its replay reports (l0 and l3 to g1; l0 to h1, h2).
  for (const Resources& r : {Resources{1, 1, 0}, Resources{0, 2, 0}, Resources{0, 1, 0}}) {
    CHECK(cm.shipping_links({0}, r) == cm.shipping({0}, r).links_used);
    CHECK(!cm.shipping_links({0}, r).empty());
  }
  CHECK(cm.shipping_links({}, Resources{0, 2, 0}).empty());
}

TEST_CASE("a plan's program: data shipped first, again with the model after a migration, nothing on a switch", "[cost]") {
  const PlatformView v = hand_view();
  const Scenario sc = hand_scenario();
  const CostModel cm(sc, v);
  Plan p;
  p.data_sources = {"d"};
  p.segments = {Segment{"full", "b", 1, 0, 2}, Segment{"p50", "b", 1, 1, 1}, Segment{"p50", "a", 2, 0, 3}};
  const auto prog = cm.program(p);
  REQUIRE(prog.size() == 3);
  // Start: all the data (1000 x 1e4 B) from the source to g1.
  REQUIRE(prog[0].entry.size() == 1);
  CHECK(prog[0].entry[0].src == 0);
  CHECK(prog[0].entry[0].dst == 3);
  CHECK(prog[0].entry[0].bytes == Approx(1e7));
  // A version switch (and a power-state change) on the same node ships nothing.
  CHECK(prog[1].entry.empty());
  // Migration to cluster a: data to h1 and h2 by share, and the p50 model (5e5 B) from g1 to both.
  double data = 0;
  int models = 0;
  for (const auto& f : prog[2].entry) {
    if (f.src == 0) data += f.bytes;
    if (f.src == 3) {
      ++models;
      CHECK(f.bytes == 5e5);
    }
  }
  CHECK(data == Approx(1e7));
  CHECK(models == 2);
  // Each epoch: R = 2 rounds of (compute on every node, 2(n-1) = 2 ring steps).
  CHECK(prog[2].epoch.size() == 2 * (1 + 2));
  CHECK(prog[2].epoch[0].compute.size() == 2);
  CHECK(prog[2].epoch[1].flows.size() == 2);
  // Flops per thread: share x q x F_v / R / cores.
  CHECK(prog[2].epoch[0].compute[0].flops_per_thread == Approx(1000 * 5e5 / 2 * (4.0 / 6.0) / 2));
  CHECK(prog[0].epoch.size() == 2);  // one node: compute only
}

TEST_CASE("unstructured pruning trains as the full network unless a host realises sparse savings", "[cost][pruning]") {
  PlatformView v = hand_view();
  Scenario sc = hand_scenario();
  sc.model.versions.push_back(ModelVersion{"u50", 5e5, 5e5, 0.5, PruningKind::unstructured, 0.0});
  CHECK(sc.dense_bytes(1) == 5e5);  // structured: its own
  CHECK(sc.dense_bytes(2) == 1e6);  // unstructured: the full network's
  CHECK(sc.flops_on(2, 0.0) == 1e6);
  CHECK(sc.flops_on(2, 0.5) == 7.5e5);
  CHECK(sc.flops_on(2, 1.0) == 5e5);
  CHECK(sc.flops_on(1, 0.0) == 5e5);  // structured: its own everywhere
  {
    // Dense hosts: the unstructured version costs exactly what the full one does, time, bytes and energy.
    const CostModel cm(sc, v);
    const EpochCost full = cm.epoch(0, Resources{0, 2, 0}, 1000);
    const EpochCost u = cm.epoch(2, Resources{0, 2, 0}, 1000);
    CHECK(u.time_s == full.time_s);
    CHECK(u.energy_j == full.energy_j);
    CHECK(cm.sync_steps(2, {1, 2}).front().front().bytes == 5e5);  // ring of 2: S_full / 2
    CHECK(cm.epoch(1, Resources{0, 2, 0}, 1000).compute_s == Approx(full.compute_s / 2));
  }
  // h1 realises the whole saving, h2 none: work is still shared by speed (4:2), h1 finishes its share in half the
  // time of h2's; the round waits for h2, and h1 idles meanwhile.
  v.hosts[1].sparse_efficiency = 1.0;
  const CostModel cm(sc, v);
  const EpochCost u = cm.epoch(2, Resources{0, 2, 0}, 1000);
  const double h1 = 1000 * 5e5 * (4.0 / 6.0) / 4e9;  // its share, half the flops, 4e9 flop/s
  const double h2 = 1000 * 1e6 * (2.0 / 6.0) / 2e9;
  REQUIRE(u.busy_s.size() == 2);
  CHECK(u.busy_s[0] == Approx(h1));
  CHECK(u.busy_s[1] == Approx(h2));
  CHECK(u.compute_s == Approx(h2));
  CHECK(u.host_energy_j == Approx(h1 * 30 + (u.time_s - h1) * 10 + h2 * 30 + (u.time_s - h2) * 10));
  // The executor's computations carry each host's own flops (per core).
  const auto steps = cm.epoch_steps(2, {1, 2}, 0, 1000);
  REQUIRE(steps.front().compute.size() == 2);
  CHECK(steps.front().compute[0].flops_per_thread == Approx(1000 * 5e5 / 2 * (4.0 / 6.0) / 2));
  CHECK(steps.front().compute[1].flops_per_thread == Approx(1000 * 1e6 / 2 * (2.0 / 6.0) / 2));
  // A whole plan charges each host its own busy time.
  Plan p;
  p.data_sources = {"d"};
  p.segments = {Segment{"u50", "a", 2, 0, 3}};
  Plan dense = p;
  dense.segments.front().version = "full";
  const double saved = 3 * (h2 - h1) * (30 - 10);  // h1's busy time above idle, per epoch, that it no longer spends
  CHECK(cm.evaluate(dense).energy_j - cm.evaluate(p).energy_j == Approx(saved));
}

TEST_CASE("a version fits a node when weights, gradients, optimizer state and activations do", "[cost][memory]") {
  PlatformView v = hand_view();
  Scenario sc = hand_scenario();
  sc.model.batch_size = 60;
  sc.training.optimizer_state_copies = 2;  // Adam
  sc.model.versions[0].activation_bytes_per_sample = 1e5;
  // full on g1 (1 core, whole batch): 1e6 x (2 + 2) + 1e5 x 60 = 1e7 bytes.
  CHECK(sc.memory_needed(0, 60) == 1e7);
  v.hosts[3].memory_bytes = 1e7;
  {
    const CostModel cm(sc, v);
    CHECK(cm.fits(0, Resources{1, 1, 0}));
  }
  v.hosts[3].memory_bytes = 1e7 - 1;
  // h1 and h2 (2 cores each, shares 4:2 of the batch): per core 20 and 10 samples: 6e6 and 5e6 bytes.
  v.hosts[1].memory_bytes = 6e6;
  v.hosts[2].memory_bytes = 5e6 - 1;
  const CostModel cm(sc, v);
  std::string why;
  CHECK_FALSE(cm.fits(0, Resources{1, 1, 0}, &why));
  CHECK(why.find("host 'g1'") != std::string::npos);
  CHECK_FALSE(cm.fits(0, Resources{0, 2, 0}, &why));
  CHECK(why.find("host 'h2'") != std::string::npos);
  CHECK(cm.fits(1, Resources{0, 2, 0}));  // p50: 5e5 x 4, no activations declared
  CHECK_FALSE(cm.fits(0, Resources{0, 1, 0}));  // h1 alone: 1e6 x 4 + 1e5 x 30 = 7e6 > 6e6
  // resource_choices(v) keeps the fitting ones: here none for full, every one for p50.
  CHECK(cm.resource_choices(0).empty());
  CHECK(cm.resource_choices(1).size() == cm.resource_choices().size());
  // Hosts that declare no memory always fit.
  for (auto& h : v.hosts) h.memory_bytes = 0;
  const CostModel undeclared(sc, v);
  CHECK(undeclared.resource_choices(0).size() == undeclared.resource_choices().size());
}

TEST_CASE("a sender's radio draws transmit_w from a phase's start until its last byte is sent", "[cost][transmit]") {
  PlatformView v = hand_view();
  const Scenario sc = hand_scenario();
  Plan p;
  p.data_sources = {"d"};
  p.segments = {Segment{"full", "a", 2, 0, 3}};
  const CostModel dark(sc, v);
  const PlanCost before = dark.evaluate(p);
  const EpochCost epoch_before = dark.epoch(0, Resources{0, 2, 0}, 1000);
  const double ship_before = dark.shipping({0}, Resources{0, 2, 0}).energy_j;
  v.hosts[0].transmit_w = 2.0;  // the data source (the cost models read the view by reference: costs above are cached)
  v.hosts[1].transmit_w = 0.5;  // h1, a training node: its sends in the ring
  const CostModel cm(sc, v);
  // Shipping: src sends to h1 and h2 at once over l0 (shared): 1e7 x 4/6 and 1e7 x 2/6 bytes; its radio is on until
  // the bigger one ends.
  const auto flows = cm.shipping_flows({0}, {1, 2}, 0);
  const FlowOutcome o = simulate_flows(v, flows);
  const double ship_until = std::max(o.finish[0], o.finish[1]);
  CHECK(transmit_energy(v, flows, o) == Approx(2.0 * ship_until));
  CHECK(cm.shipping({0}, Resources{0, 2, 0}).energy_j - ship_before == Approx(2.0 * ship_until));
  // Synchronisation: in each of the 2 x 2 ring steps h1 sends one flow, for the whole step (both flows are equal).
  const EpochCost e = cm.epoch(0, Resources{0, 2, 0}, 1000);
  CHECK(e.transmit_energy_j == Approx(0.5 * e.sync_s));
  CHECK(e.energy_j - epoch_before.energy_j == Approx(e.transmit_energy_j));
  CHECK(e.time_s == epoch_before.time_s);  // radios cost energy, not time
  // A plan: the shipping once, the epochs' synchronisation three times.
  const PlanCost after = cm.evaluate(p);
  CHECK(after.energy_j - before.energy_j == Approx(2.0 * ship_until + 3 * e.transmit_energy_j));
  CHECK(after.time_s == before.time_s);
}

TEST_CASE("an iteration: forward, backward in bucket parts, each bucket's ring after its part and the last bucket's", "[cost][iterations]") {
  const PlatformView v = hand_view();
  Scenario sc = hand_scenario();
  sc.training.mode = TrainingMode::iterations;
  sc.model.batch_size = 300;          // 1000 samples: 4 iterations, the last of 100
  sc.training.bucket_bytes = 4e5;     // 1e6 bytes: buckets of 4e5, 4e5, 2e5
  sc.training.backward_share = 0.5;
  const CostModel cm(sc, v);
  const auto blocks = cm.epoch_iterations(0, {1, 2}, 0, 1000);
  REQUIRE(blocks.size() == 2);
  CHECK(blocks[0].runs[0].count == 3);
  CHECK(blocks[1].runs[0].count == 1);
  const IterationWork& w = *blocks[0].runs[0].work;
  REQUIRE(w.buckets.size() == 3);
  CHECK(w.buckets[2].share == Approx(0.2));
  // 300 samples x 1e6 flop over 6e9 flop/s: 0.05 s of compute on each node, 0.025 forward, 0.025 backward.
  const IterationCost c = cm.iteration_cost(w);
  CHECK(c.busy_s[0] == Approx(0.05));
  CHECK(c.busy_s[1] == Approx(0.05));
  // A ring of 2 on a bucket of B bytes: 2 steps of (2 ms + (B/2) / 5e7 B/s).
  auto ring = [](double bytes) { return 2 * (2e-3 + bytes / 2 / 5e7); };
  // Bucket 1 ready at 0.025 + 0.4 x 0.025 = 0.035; its ring (0.012 s) ends at 0.047; bucket 2 ready at 0.045, starts
  // at 0.047, ends 0.059; bucket 3 ready at 0.05, starts at 0.059, ends 0.059 + ring(2e5) = 0.067.
  const double e1 = 0.035 + ring(4e5);
  const double e2 = std::max(0.045, e1) + ring(4e5);
  const double e3 = std::max(0.05, e2) + ring(2e5);
  CHECK(c.time_s == Approx(e3));
  // The epoch: 3 full iterations and the last of 100 samples (compute 1/3, same buckets).
  const EpochCost e = cm.epoch(0, Resources{0, 2, 0}, 1000);
  const double last_compute = 0.05 / 3;
  const double l1 = last_compute / 2 + 0.4 * last_compute / 2 + ring(4e5);
  const double l2 = std::max(last_compute / 2 + 0.8 * last_compute / 2, l1) + ring(4e5);
  const double l3 = std::max(last_compute, l2) + ring(2e5);
  CHECK(e.time_s == Approx(3 * e3 + l3));
  CHECK(e.busy_s[0] == Approx(3 * 0.05 + last_compute));
  CHECK(e.host_energy_j == Approx(2 * (e.busy_s[0] * 30 + (e.time_s - e.busy_s[0]) * 10)));
  // The links are first used when the first bucket's ring starts.
  CHECK(e.link_first_s.at(1) == Approx(0.035));
  // One bucket for the whole model: no overlap, compute then the ring.
  sc.training.bucket_bytes = 1e9;
  const CostModel one(sc, v);
  CHECK(one.iteration_cost(*one.epoch_iterations(0, {1, 2}, 0, 1000)[0].runs[0].work).time_s == Approx(0.05 + ring(1e6)));
  // Local SGD, H = 2: iterations 2 and 4 synchronise (4 as the epoch's last); 1 and 3 compute only.
  sc.training.bucket_bytes = 4e5;
  sc.training.sync_every = 2;
  const CostModel local(sc, v);
  const auto lb = local.epoch_iterations(0, {1, 2}, 0, 1000);
  REQUIRE(lb.size() == 3);
  CHECK(lb[0].repeat == 1);
  CHECK(lb[0].runs.size() == 2);
  CHECK(lb[0].runs[0].work->buckets.empty());
  CHECK(lb[1].runs[0].work->buckets.empty());
  CHECK(lb[2].runs[0].work->buckets.size() == 3);
  CHECK(local.epoch(0, Resources{0, 2, 0}, 1000).time_s == Approx(0.05 + e3 + 0.05 + l3));
}

TEST_CASE("a measured device profile replaces flops / speed on its hosts, scaled to slower power states", "[cost][devices]") {
  const PlatformView v = hand_view();
  Scenario sc = hand_scenario();
  MeasuredDevice dev;
  dev.hosts = {"h2"};
  dev.versions = {MeasuredVersion{2e-4, 0.01}, std::nullopt};  // full measured, p50 not
  sc.devices = {dev};
  const CostModel cm(sc, v);
  // h2: 2 cores x 1e9 flop/s at power state 0; 2e-4 s per sample -> 4e5 "flops" per sample at its speed.
  CHECK(cm.host_flops(0, 2) == Approx(4e5));
  CHECK(cm.host_flops(1, 2) == Approx(5e5));  // p50 not measured: its flops
  CHECK(cm.host_flops(0, 1) == Approx(1e6));  // h1 has no profile
  CHECK(cm.host_overhead(0, 2) == Approx(0.01));
  CHECK(cm.host_overhead(1, 2) == 0);
  // One node, rounds mode: 1000 samples x 2e-4 s, twice that at the half-speed power state.
  CHECK(cm.epoch(0, Resources{0, 1, 0}, 1000).compute_s == Approx(1e9 / 4e9));  // h1 alone (fastest first): flops
  const auto both = cm.epoch(0, Resources{0, 2, 0}, 1000);
  // Shares by speed: h1 4/6, h2 2/6 of the samples; h1 computes 667 x 1e6 / 4e9, h2 333 x 2e-4.
  CHECK(both.busy_s[0] == Approx(1000.0 * 4 / 6 * 1e6 / 4e9));
  CHECK(both.busy_s[1] == Approx(1000.0 * 2 / 6 * 2e-4));
  CHECK(cm.epoch(0, Resources{0, 2, 1}, 1000).busy_s[1] == Approx(2 * both.busy_s[1]));
}

TEST_CASE("hierarchical synchronisation: a ring within each zone group, across the groups, within again", "[cost][hierarchical]") {
  // Four hosts in two racks (zones r0 and r1), every pair routed over its two private links.
  PlatformView v;
  v.network = NetworkSettings{"CM02", 1.0, 1.0, 0.0, 0.0, false};
  for (int i = 0; i < 4; ++i) {
    HostView h;
    h.name = "n" + std::to_string(i);
    h.zones = {i < 2 ? "r0" : "r1", "racks", "world"};
    h.pstates = {PowerState{1e9, 10, 10, 30}};
    v.hosts.push_back(h);
    v.links.push_back(LinkView{"l" + std::to_string(i), 1e8, 1e-3, false, 1.0, 3.0});
  }
  v.index_hosts();
  for (std::size_t a = 0; a < 4; ++a)
    for (std::size_t b = 0; b < 4; ++b)
      if (a != b) v.add_route(a, b, RouteView{{a, b}, 2e-3});
  v.cluster_hosts = {{0, 1, 2, 3}};
  Scenario sc = hand_scenario();
  sc.clusters = {Cluster{"racks", "racks", 0.0}};
  sc.training.sync = SyncKind::hierarchical;
  const CostModel cm(sc, v);
  CHECK(hierarchical_groups(v, {0, 1, 2, 3}) == std::vector<std::vector<std::size_t>>{{0, 1}, {2, 3}});
  const auto steps = cm.collective_steps(1e6, {0, 1, 2, 3});
  // m = 2 per group, g = 2 groups: 1 reduce-scatter step within (shards of 5e5), 2 steps across (5e5 / 2), 1 within.
  REQUIRE(steps.size() == 4);
  CHECK(steps[0].size() == 4);
  CHECK(steps[0][0].src == 0);
  CHECK(steps[0][0].dst == 1);
  CHECK(steps[0][0].bytes == Approx(5e5));
  CHECK(steps[1][0].src == 0);
  CHECK(steps[1][0].dst == 2);
  CHECK(steps[1][0].bytes == Approx(2.5e5));
  CHECK(steps[2][1].src == 2);
  CHECK(steps[2][1].dst == 0);
  CHECK(steps[3][3].src == 3);
  CHECK(steps[3][3].dst == 2);
  // Three hosts: groups of 2 and 1, unequal: the flat ring (2 (n - 1) steps of S / n).
  CHECK(hierarchical_groups(v, {0, 1, 2}).empty());
  const auto flat = cm.collective_steps(9e5, {0, 1, 2});
  REQUIRE(flat.size() == 4);
  CHECK(flat[0].size() == 3);
  CHECK(flat[0][0].bytes == Approx(3e5));
  // Hosts of one zone: one group, the flat ring.
  CHECK(hierarchical_groups(v, {0, 1}).empty());
}
