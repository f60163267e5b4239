// Replaying a per-replication policy on given losses (see deplsim/orchestrator.hpp): what certification and coverage
// studies do with adaptive orchestrators, without SimGrid.
#include "deplsim/orchestrator.hpp"

#include <algorithm>

namespace deplsim {

namespace {

Schedule schedule_of(const Scenario& sc, const std::vector<Segment>& segments) {
  Schedule s;
  for (const auto& seg : segments) s.parts.push_back({*sc.version_index(seg.version), seg.epochs});
  return s;
}

} // namespace

std::pair<Schedule, Trajectory> replay_policy(const Scenario& sc, ReplicationPolicy& policy, const std::vector<Segment>& initial,
                                              const std::function<Trajectory(const Schedule&)>& losses) {
  std::vector<Segment> segments = initial;
  Schedule schedule = schedule_of(sc, segments);
  Trajectory t = losses(schedule);
  int total = schedule.total_epochs();
  int k = 0;
  while (k < total) {
    ++k;
    Observation o;
    o.epoch = k;
    o.validation_loss = t.validation[static_cast<std::size_t>(k - 1)];
    auto next = policy.on_epoch_end(o);
    if (!next) continue;
    // What has run: the segments up to epoch k, then the revision.
    std::vector<Segment> done;
    int left = k;
    for (const auto& seg : segments) {
      if (left == 0) break;
      Segment x = seg;
      x.epochs = std::min(x.epochs, left);
      left -= x.epochs;
      done.push_back(x);
    }
    done.insert(done.end(), next->begin(), next->end());
    segments = done;
    schedule = schedule_of(sc, segments);
    total = schedule.total_epochs();
    if (total > k) t = losses(schedule);
  }
  t.clean.resize(static_cast<std::size_t>(total));
  t.validation.resize(static_cast<std::size_t>(total));
  t.test.resize(static_cast<std::size_t>(total));
  return {schedule, t};
}

} // namespace deplsim
