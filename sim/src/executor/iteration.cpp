// One data-parallel iteration as SimGrid activities (see activities.hpp and docs/model.md 4.14): an event loop in the
// controller actor that starts each node's next part (forward, then one backward part per bucket) as soon as the
// previous one ends, and each bucket's collective step by step on one communication stream; it wakes at every
// completion, at the end of a node's fixed overhead and at the end of each flow's latency (to keep the link meters
// exact, as run_step does).
#include "executor/activities.hpp"

#include <simgrid/Exception.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <utility>
#include <stdexcept>

namespace deplsim::execution {
namespace {

class IterationDriver {
public:
  IterationDriver(const IterationWork& w, Resolved& r, EnergyMeter& meter, long long& activities,
                  const std::map<std::size_t, double>* slow)
      : w_(w), r_(r), meter_(meter), activities_(activities), slow_(slow), start_(sg4::Engine::get_clock()),
        parts_(1 + std::max<std::size_t>(1, w.buckets.size())), next_(w.nodes.size(), 0), exec_(w.nodes.size()),
        released_(w.nodes.size(), false), produced_(w.buckets.size(), 0) {}

  bool run() {
    try {
      if (!w_.buckets.empty()) watch_links();
      while (true) {
        if (!advance()) return fail();
        if (finished()) break;
        if (!wait()) return fail();
      }
    } catch (const simgrid::Exception&) {  // a host of this iteration went off
      return fail();
    }
    meter_.clear_active();
    return true;
  }

private:
  static constexpr double kNever = std::numeric_limits<double>::infinity();

  // The links the collectives load (routes and reverse routes): their meters are kept exact through the iteration.
  // (Every bucket's collective and every step of a ring use the same host pairs: each pair is looked up once.)
  void watch_links() {
    std::set<std::pair<std::size_t, std::size_t>> pairs;
    for (const auto& b : w_.buckets)
      for (const auto& step : b.steps)
        for (const auto& f : step) pairs.emplace(std::min(f.src, f.dst), std::max(f.src, f.dst));
    std::vector<sg4::Link*> active;
    for (auto [a, b] : pairs) {
      for (auto* l : r_.route(Flow{a, b, 0})) active.push_back(l);
      for (auto* l : r_.route(Flow{b, a, 0})) active.push_back(l);
    }
    meter_.set_active(std::move(active));
  }

  // Starts what can start now; false when a host it needs is off.
  bool advance() {
    const double now = sg4::Engine::get_clock();
    for (std::size_t j = 0; j < w_.nodes.size(); ++j) {
      if (!released_[j] && released(j, now)) released_[j] = true;
      if (released_[j] && !exec_[j] && next_[j] < parts_ && !start_part(j)) return false;
    }
    if (!communicating_ && bucket_ < w_.buckets.size() && produced_[bucket_] == w_.nodes.size()) {
      step_ = 0;
      communicating_ = true;
      if (!start_step()) return false;
    }
    return true;
  }

  [[nodiscard]] double release_at(std::size_t j) const { return start_ + w_.nodes[j].overhead_s; }
  // Node j's overhead is over: measured from the iteration's start, so that the tolerance (SimGrid's timing
  // precision, and the clock's own rounding) does not grow with the absolute clock — which never resets, and after
  // thousands of replications would otherwise swallow overheads of milliseconds.
  [[nodiscard]] bool released(std::size_t j, double now) const {
    const double overhead = w_.nodes[j].overhead_s;
    const double ulp = std::nextafter(now, std::numeric_limits<double>::infinity()) - now;
    return overhead - (now - start_) <= 1e-9 * std::max(1.0, overhead) + 8 * ulp;
  }

  bool start_part(std::size_t j) {
    const IterationWork::Node& nd = w_.nodes[j];
    sg4::Host* host = r_.hosts[nd.host];
    if (!host->is_on()) return false;
    double factor = 1.0;
    if (slow_ != nullptr)
      if (auto it = slow_->find(nd.host); it != slow_->end()) factor = it->second;
    const std::size_t part = next_[j];
    const double flops = part == 0 ? nd.forward_flops_per_thread
                                   : nd.backward_flops_per_thread * (w_.buckets.empty() ? 1.0 : w_.buckets[part - 1].share);
    auto e = sg4::Exec::init();
    e->set_flops_amount(flops * factor);
    e->set_host(host);
    e->set_thread_count(nd.threads);
    e->start();
    exec_[j] = e;
    ++activities_;
    return true;
  }

  bool start_step() {
    const auto& flows = w_.buckets[bucket_].steps[step_];
    step_start_ = sg4::Engine::get_clock();
    comms_.clear();
    comm_done_.clear();
    for (const auto& f : flows) {
      if (!r_.hosts[f.src]->is_on() || !r_.hosts[f.dst]->is_on()) return false;
      for (auto* l : r_.route(f)) meter_.use_link(l);
      comms_.push_back(sg4::Comm::sendto_async(r_.hosts[f.src], r_.hosts[f.dst], f.bytes));
      comm_done_.push_back(false);
      activations_.push_back(step_start_ + r_.latency_phase.at({f.src, f.dst}));
      ++activities_;
    }
    return true;
  }

  [[nodiscard]] bool finished() const {
    for (std::size_t j = 0; j < w_.nodes.size(); ++j)
      if (next_[j] < parts_ || exec_[j]) return false;
    return bucket_ == w_.buckets.size() && !communicating_;
  }

  // Waits for the next completion, overhead end or flow activation, and books a completion; false when the next
  // step of a collective cannot start (a host of it is off).
  bool wait() {
    std::vector<sg4::ActivityPtr>& running = running_;
    std::vector<std::pair<bool, std::size_t>>& what = what_;
    running.clear();
    what.clear();
    for (std::size_t j = 0; j < exec_.size(); ++j)
      if (exec_[j]) {
        running.push_back(exec_[j]);
        what.emplace_back(true, j);
      }
    for (std::size_t i = 0; i < comms_.size(); ++i)
      if (!comm_done_[i]) {
        running.push_back(comms_[i]);
        what.emplace_back(false, i);
      }
    const double now = sg4::Engine::get_clock();
    double timer = kNever;
    for (std::size_t j = 0; j < w_.nodes.size(); ++j)
      if (!released_[j]) timer = std::min(timer, release_at(j));
    for (double a : activations_)
      if (a > now) timer = std::min(timer, a);
    ssize_t done = -1;
    if (running.empty() && timer == kNever) throw std::logic_error("iteration: nothing to wait for before its end");
    if (running.empty())
      sg4::this_actor::sleep_until(timer);
    else
      done = sg4::Activity::wait_any_for(running, timer == kNever ? -1.0 : timer - now);
    meter_.touch_links();
    if (done < 0 || static_cast<std::size_t>(done) >= running.size()) return true;  // a timer
    const auto [is_exec, i] = what[static_cast<std::size_t>(done)];
    if (is_exec) {
      exec_[i] = nullptr;
      const std::size_t part = next_[i]++;
      if (part >= 1 && !w_.buckets.empty()) ++produced_[part - 1];
      return true;
    }
    comm_done_[i] = true;
    return !std::all_of(comm_done_.begin(), comm_done_.end(), [](bool d) { return d; }) || end_step();
  }

  // The collective's step is over: its radios charged, then its next step, or the stream is free.
  bool end_step() {
    charge_transmit(w_.buckets[bucket_].steps[step_], comms_, r_, step_start_, meter_);
    comms_.clear();
    comm_done_.clear();
    activations_.clear();
    if (++step_ < w_.buckets[bucket_].steps.size()) return start_step();
    ++bucket_;
    communicating_ = false;
    return true;
  }

  bool fail() {
    for (auto& e : exec_)
      if (e && running(*e)) e->cancel();
    for (std::size_t i = 0; i < comms_.size(); ++i)
      if (!comm_done_[i] && running(*comms_[i])) comms_[i]->cancel();
    meter_.touch_links();
    meter_.clear_active();
    if (communicating_ && !comms_.empty()) charge_transmit(w_.buckets[bucket_].steps[step_], comms_, r_, step_start_, meter_);
    return false;
  }

  static bool running(const sg4::Activity& a) {
    const auto st = a.get_state();
    return st == sg4::Activity::State::STARTED || st == sg4::Activity::State::STARTING || st == sg4::Activity::State::INITED;
  }

  const IterationWork& w_;
  Resolved& r_;
  EnergyMeter& meter_;
  long long& activities_;
  const std::map<std::size_t, double>* slow_;
  const double start_;
  const std::size_t parts_;              // forward, then one backward part per bucket (one when none)
  std::vector<std::size_t> next_;        // each node's next part
  std::vector<sg4::ExecPtr> exec_;       // each node's running part
  std::vector<bool> released_;           // each node's fixed overhead is over
  std::vector<std::size_t> produced_;    // per bucket: the nodes that have produced it
  std::size_t bucket_ = 0;               // the next bucket to synchronise
  std::size_t step_ = 0;                 // its collective's step being run
  bool communicating_ = false;
  double step_start_ = 0.0;
  std::vector<sg4::CommPtr> comms_;      // the step's flows
  std::vector<bool> comm_done_;
  std::vector<double> activations_;      // when the step's flows end their latency phase
  std::vector<sg4::ActivityPtr> running_;               // wait()'s: what is running (kept: no allocation per event)
  std::vector<std::pair<bool, std::size_t>> what_;      // and what each is: (a node's execution?, node or flow index)
};

} // namespace

bool run_iteration(const IterationWork& work, Resolved& r, EnergyMeter& meter, long long& activities,
                   const std::map<std::size_t, double>* slow) {
  return IterationDriver(work, r, meter, activities, slow).run();
}

} // namespace deplsim::execution
