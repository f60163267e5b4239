// External-process orchestrators: the deplsim-orchestrator/1 protocol (docs/orchestrators.md). The child runs
// /bin/sh -c COMMAND in its own process group with pipes on stdin/stdout (stderr passed through); this process is
// the subreaper of whatever it starts. Every read and write is non-blocking under poll() with a deadline, and ends
// at once on SIGINT/SIGTERM (Interrupted); lines, nesting depth and every value are bounded; SIGPIPE is blocked
// around writes; the whole tree is stopped (SIGTERM, then SIGKILL) and reaped on every failure and at the end.
#include "experiment/external.hpp"

#include "deplsim/error.hpp"
#include "deplsim/problem.hpp"
#include "experiment/plan_json.hpp"
#include "support/interrupt.hpp"
#include "support/json_input.hpp"
#include "support/process.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstring>
#include <limits>
#include <set>
#include <thread>

extern char** environ;

#ifndef DEPLSIM_VERSION
#define DEPLSIM_VERSION "unknown"
#endif

namespace deplsim {
namespace {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

// ---- strict JSON reading ---------------------------------------------------------------------------------

[[noreturn]] void bad(const std::string& who, const std::string& where, const std::string& message) {
  throw InputError(InputIssue{"", 0, 0, "", fmt::format("{}: {}: {}", who, where, message)});
}

std::string type_name(const json& j) {
  if (j.is_number_integer()) return "an integer";
  if (j.is_number()) return "a number";
  return std::string("a") + (j.is_object() || j.is_array() ? "n " : " ") + j.type_name();
}

// Values and keys from the orchestrator, shown in messages: bounded, ASCII, no control characters (the JSON it
// sent is at most kMaxJsonDepth deep: showing it recurses no deeper).
std::string shown_json(const json& j) { return json_excerpt(j, 80); }
std::string shown_key(const std::string& key) { return printable(key, 60); }

void only_keys(const json& o, const std::string& who, const std::string& where, const std::vector<std::string>& allowed) {
  for (const auto& [key, value] : o.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    bad(who, where.empty() ? shown_key(key) : where + "." + shown_key(key), fmt::format("unknown key (expected: {})", list));
  }
}

const json& need(const json& o, const std::string& who, const std::string& where, const std::string& key) {
  auto it = o.find(key);
  if (it == o.end()) bad(who, where.empty() ? key : where + "." + key, "missing");
  return *it;
}

const json& need_object(const json& j, const std::string& who, const std::string& where) {
  if (!j.is_object()) bad(who, where, fmt::format("expected an object, got {}: {}", type_name(j), shown_json(j)));
  return j;
}

std::string need_string(const json& j, const std::string& who, const std::string& where) {
  if (!j.is_string()) bad(who, where, fmt::format("expected a string, got {}: {}", type_name(j), shown_json(j)));
  return j.get<std::string>();
}

/// A name (of a version, a cluster, a data source, the orchestrator): a string of at most kMaxNameBytes that
/// prints as written (no control character, UTF-8).
constexpr std::size_t kMaxNameBytes = 256;
std::string need_name(const json& j, const std::string& who, const std::string& where) {
  std::string s = need_string(j, who, where);
  if (s.size() > kMaxNameBytes)
    bad(who, where, fmt::format("a name of {} bytes, at most {}: {}", s.size(), kMaxNameBytes, shown_json(j)));
  if (printable(s, s.size() + 1) != s)
    bad(who, where, fmt::format("expected a name without control characters (valid UTF-8), got {}", shown_json(j)));
  return s;
}

/// Free text (a reason, an explanation, a description) of at most `max_bytes`, control characters escaped (newlines
/// and tabs kept where `multiline`): it reaches the terminal and the output files.
std::string need_text(const json& j, const std::string& who, const std::string& where, std::size_t max_bytes, bool multiline) {
  const std::string s = need_string(j, who, where);
  if (s.size() > max_bytes) bad(who, where, fmt::format("{} bytes of text, at most {}", s.size(), max_bytes));
  return printable(s, max_bytes * 4 + 16, multiline);  // escapes lengthen it: the bound above is what counts
}

int need_int(const json& j, const std::string& who, const std::string& where) {
  if (!j.is_number_integer())
    bad(who, where, fmt::format("expected an integer, got {}: {}", type_name(j), shown_json(j)));
  if (j.is_number_unsigned() ? j.get<std::uint64_t>() > static_cast<std::uint64_t>(INT_MAX)
                             : (j.get<std::int64_t>() > INT_MAX || j.get<std::int64_t>() < INT_MIN))
    bad(who, where, fmt::format("integer out of range: {}", shown_json(j)));
  return j.get<int>();
}

/// A number or null; a number must be finite and within [lo, hi] (`what` says what the range means).
std::optional<double> number_or_null(const json& j, const std::string& who, const std::string& where, double lo, double hi,
                                     const char* what) {
  if (j.is_null()) return std::nullopt;
  if (!j.is_number()) bad(who, where, fmt::format("expected a number or null, got {}: {}", type_name(j), shown_json(j)));
  const double v = j.get<double>();
  if (!std::isfinite(v)) bad(who, where, fmt::format("expected a finite number, got {}", shown_json(j)));
  if (v < lo || v > hi) bad(who, where, fmt::format("expected {}, got {}", what, shown_json(j)));
  return v;
}

PlanStatus status_from(const std::string& s, const std::string& who) {
  for (PlanStatus p : {PlanStatus::ok, PlanStatus::infeasible, PlanStatus::insufficient_data, PlanStatus::limit_reached})
    if (s == to_string(p)) return p;
  bad(who, "status", fmt::format("expected one of ok, infeasible, insufficient_data, limit_reached, got '{}'", printable(s, 60)));
}

// ---- the problem message ---------------------------------------------------------------------------------

ojson pstate_json(const HostView& h, std::size_t p) {
  const PowerState& s = h.pstates[p];
  return ojson{{"index", p},           {"speed", s.speed},         {"total_speed", h.total_speed(p)},
               {"idle_w", s.idle_w},   {"epsilon_w", s.epsilon_w}, {"all_cores_w", s.all_cores_w}};
}

// ---- child processes -------------------------------------------------------------------------------------

double seconds_left(Clock::time_point deadline) {
  return std::chrono::duration<double>(deadline - Clock::now()).count();
}

int poll_ms(Clock::time_point deadline) {
  const double left = seconds_left(deadline);
  if (left <= 0) return 0;
  return static_cast<int>(std::min(std::ceil(left * 1000.0), 3600.0 * 1000.0));
}

std::string seconds_text(double s) { return fmt::format("{:g} s", s); }

/// The interrupt (SIGINT, SIGTERM) that arrived under the caller's InterruptGuard, if any.
int interrupted_by() { return pending_interrupt(); }

} // namespace

// ---- strict plan reading (public) ------------------------------------------------------------------------

std::vector<Segment> segments_from_json(const json& segments, const std::string& who, const std::string& field) {
  if (!segments.is_array())
    bad(who, field, fmt::format("expected an array of segments, got {}: {}", type_name(segments), shown_json(segments)));
  if (segments.size() > kMaxSegments)
    bad(who, field, fmt::format("{} segments, at most {} (each is at least one epoch)", segments.size(), kMaxSegments));
  std::vector<Segment> out;
  long long epochs = 0;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const std::string w = fmt::format("{}[{}]", field, i);
    const json& s = need_object(segments[i], who, w);
    only_keys(s, who, w, {"version", "cluster", "nodes", "pstate", "epochs"});
    Segment seg;
    seg.version = need_name(need(s, who, w, "version"), who, w + ".version");
    seg.cluster = need_name(need(s, who, w, "cluster"), who, w + ".cluster");
    seg.nodes = need_int(need(s, who, w, "nodes"), who, w + ".nodes");
    seg.pstate = need_int(need(s, who, w, "pstate"), who, w + ".pstate");
    seg.epochs = need_int(need(s, who, w, "epochs"), who, w + ".epochs");
    if (seg.nodes < 1) bad(who, w + ".nodes", fmt::format("expected at least 1 node, got {}", seg.nodes));
    if (seg.pstate < 0) bad(who, w + ".pstate", fmt::format("expected a power state index >= 0, got {}", seg.pstate));
    if (seg.epochs < 1) bad(who, w + ".epochs", fmt::format("expected at least 1 epoch, got {}", seg.epochs));
    epochs += seg.epochs;
    if (epochs > kMaxPlanEpochs)
      bad(who, w + ".epochs", fmt::format("more than {} epochs in all (no scenario allows as many)", kMaxPlanEpochs));
    out.push_back(seg);
  }
  return out;
}

Plan plan_from_json(const json& message, const std::string& who) {
  need_object(message, who, "plan message");
  only_keys(message, who, "", {"type", "status", "reason", "explanation", "plan"});
  if (auto t = message.find("type"); t != message.end() && need_string(*t, who, "type") != "plan")
    bad(who, "type", fmt::format("expected \"plan\", got {}", shown_json(*t)));
  Plan plan;
  plan.status = status_from(need_string(need(message, who, "", "status"), who, "status"), who);
  if (auto r = message.find("reason"); r != message.end()) plan.reason = need_text(*r, who, "reason", kMaxReasonBytes, false);
  if (auto e = message.find("explanation"); e != message.end())
    plan.explanation = need_text(*e, who, "explanation", kMaxExplanationBytes, true);
  if (plan.status != PlanStatus::ok && plan.reason.empty())
    bad(who, "reason", fmt::format("a plan with status '{}' needs a non-empty reason", to_string(plan.status)));
  auto p = message.find("plan");
  if (p == message.end() || (plan.status != PlanStatus::ok && p->is_null())) {
    if (plan.status == PlanStatus::ok) bad(who, "plan", "missing (status \"ok\" needs a plan)");
    return plan;
  }
  const json& body = need_object(*p, who, "plan");
  only_keys(body, who, "plan", {"data_sources", "batch_size", "segments", "predicted"});
  if (auto b = body.find("batch_size"); b != body.end() && !b->is_null()) {
    plan.batch_size = need_int(*b, who, "plan.batch_size");
    if (plan.batch_size < 1) bad(who, "plan.batch_size", fmt::format("must be >= 1, got {}", plan.batch_size));
  }
  const json& sources = need(body, who, "plan", "data_sources");
  if (!sources.is_array())
    bad(who, "plan.data_sources", fmt::format("expected an array of names, got {}: {}", type_name(sources), shown_json(sources)));
  if (sources.size() > kMaxDataSources)
    bad(who, "plan.data_sources", fmt::format("{} data sources, at most {}", sources.size(), kMaxDataSources));
  for (std::size_t i = 0; i < sources.size(); ++i)
    plan.data_sources.push_back(need_name(sources[i], who, fmt::format("plan.data_sources[{}]", i)));
  plan.segments = segments_from_json(need(body, who, "plan", "segments"), who, "plan.segments");
  if (auto pr = body.find("predicted"); pr != body.end() && !pr->is_null()) {
    const json& pred = need_object(*pr, who, "plan.predicted");
    only_keys(pred, who, "plan.predicted", {"p_target_met", "expected_loss", "energy_j", "time_s", "margin"});
    constexpr double inf = std::numeric_limits<double>::infinity();
    auto opt = [&](const char* key, double lo, double hi, const char* what) -> std::optional<double> {
      auto it = pred.find(key);
      return it == pred.end() ? std::nullopt : number_or_null(*it, who, std::string("plan.predicted.") + key, lo, hi, what);
    };
    plan.predicted.p_target_met = opt("p_target_met", 0, 1, "a probability, in [0, 1]");
    plan.predicted.expected_loss = opt("expected_loss", 0, inf, "a loss, >= 0");
    plan.predicted.energy_j = opt("energy_j", 0, inf, "an energy in joules, >= 0");
    plan.predicted.time_s = opt("time_s", 0, inf, "a time in seconds, >= 0");
    plan.predicted.margin = opt("margin", 0, 1, "a margin, in [0, 1]");
  }
  return plan;
}

ojson problem_to_json(const Problem& pb) {
  const Scenario& sc = pb.scenario;
  const PlatformView& pf = pb.platform;
  ojson s;
  s["name"] = sc.name;
  s["description"] = sc.description;
  s["path"] = sc.path.empty() ? std::string() : std::filesystem::absolute(sc.path).lexically_normal().string();
  s["platform"] = sc.platform.empty() ? std::string() : std::filesystem::absolute(sc.platform).lexically_normal().string();
  s["controller"] = sc.controller;
  s["target"] = ojson{{"loss", sc.target.loss},
                      {"probability", sc.target.probability},
                      {"deadline_s", sc.target.deadline_s ? ojson(*sc.target.deadline_s) : ojson(nullptr)},
                      {"max_epochs", sc.target.max_epochs}};
  s["objective"] = to_string(sc.objective);
  ojson clusters = ojson::array();
  for (std::size_t c = 0; c < sc.clusters.size(); ++c) {
    ojson hosts = ojson::array();
    for (std::size_t h : pf.cluster_hosts.at(c)) {
      const HostView& host = pf.hosts[h];
      ojson ps = ojson::array();
      for (std::size_t p = 0; p < host.pstates.size(); ++p) ps.push_back(pstate_json(host, p));
      hosts.push_back(ojson{{"name", host.name},
                            {"cores", host.cores},
                            {"off_w", host.off_w},
                            {"pstates", ps},
                            {"memory_bytes", host.memory_bytes > 0 ? ojson(host.memory_bytes) : ojson(nullptr)},
                            {"sparse_efficiency", host.sparse_efficiency},
                            {"transmit_w", host.transmit_w},
                            {"iteration_overhead_s", host.iteration_overhead_s}});
    }
    clusters.push_back(ojson{{"name", sc.clusters[c].name},
                             {"zone", sc.clusters[c].zone},
                             {"price_per_node_s", sc.clusters[c].price_per_node_s},
                             {"hosts", hosts}});
  }
  s["clusters"] = clusters;
  ojson sources = ojson::array();
  for (const auto& d : sc.data_sources)
    sources.push_back(ojson{{"name", d.name},
                            {"host", d.host},
                            {"samples", d.samples},
                            {"sample_bytes", d.sample_bytes},
                            {"transmit_w", pf.hosts[*pf.host_index(d.host)].transmit_w}});
  s["data_sources"] = sources;
  s["model"] = sc.model.name;
  s["batch_size"] = sc.model.batch_size;
  ojson versions = ojson::array();
  for (std::size_t v = 0; v < sc.model.versions.size(); ++v) {
    const ModelVersion& mv = sc.model.versions[v];
    versions.push_back(ojson{{"index", v},
                             {"name", mv.name},
                             {"flops_per_sample", mv.flops_per_sample},
                             {"param_bytes", mv.param_bytes},
                             {"pruning", mv.pruning},
                             {"pruning_kind", to_string(mv.pruning_kind)},
                             {"dense_bytes", sc.dense_bytes(v)},
                             {"activation_bytes_per_sample", mv.activation_bytes_per_sample}});
  }
  s["versions"] = versions;
  ojson switches = ojson::array();
  for (const auto& sw : sc.model.switches) switches.push_back(ojson{{"from", sw.from}, {"to", sw.to}});
  s["switches"] = switches;
  s["switch_epochs"] = sc.model.switch_epochs;
  s["max_switches"] = sc.model.max_switches;
  s["training"] = ojson{{"sync", to_string(sc.training.sync)},
                        {"rounds_per_epoch", sc.training.rounds_per_epoch},
                        {"optimizer_state_copies", sc.training.optimizer_state_copies},
                        {"mode", sc.training.mode == TrainingMode::iterations ? "iterations" : "rounds"},
                        {"batch_size", sc.model.batch_size},
                        {"bucket_bytes", sc.training.bucket_bytes},
                        {"backward_share", sc.training.backward_share},
                        {"sync_every", sc.training.sync_every}};

  ojson m;
  m["type"] = "problem";
  m["protocol"] = kExternalProtocol;
  m["seed"] = pb.seed;
  m["scenario"] = s;
  return m;
}

// ---- the per-replication policy of an adaptive external orchestrator -------------------------------------

class ExternalPolicy final : public ReplicationPolicy {
public:
  ExternalPolicy(ExternalOrchestrator& owner, const Problem& problem, Plan plan)
      : owner_(owner), problem_(problem), plan_(std::move(plan)) {}
  ~ExternalPolicy() override {
    if (replication_ >= 0) owner_.end_replication(replication_);
  }
  ExternalPolicy(const ExternalPolicy&) = delete;
  ExternalPolicy& operator=(const ExternalPolicy&) = delete;

  std::optional<std::vector<Segment>> on_epoch_end(const Observation& o) override {
    owner_.check_pending();
    // replication_start goes with the first epoch: a policy asked for and dropped before any epoch (to learn
    // whether the orchestrator is adaptive) is no replication for the orchestrator.
    if (replication_ < 0) replication_ = owner_.begin_replication(plan_);
    ojson m;
    m["type"] = "epoch_end";
    m["replication"] = replication_;
    m["epoch"] = o.epoch;
    m["validation_loss"] = o.validation_loss;
    m["time_s"] = o.time_s;
    m["energy_j"] = o.energy_j;
    m["failed_hosts"] = o.failed_hosts;
    const std::string context = fmt::format("epoch_end (replication {}, epoch {})", replication_, o.epoch);
    owner_.send(m, context);
    const json reply = owner_.receive({"continue", "revise"}, owner_.options_.message_timeout_s, context);
    const std::string who = fmt::format("external orchestrator '{}': reply to {}", owner_.command_, context);
    std::vector<Segment> rest;
    try {
      if (reply["type"] == "continue") {
        only_keys(reply, who, "", {"type"});
        return std::nullopt;
      }
      only_keys(reply, who, "", {"type", "segments"});
      rest = segments_from_json(need(reply, who, "", "segments"), who, "segments");
    } catch (const InputError&) {
      owner_.kill_child();
      owner_.dead_ = true;
      throw;
    }
    // The plan as revised: the epochs done so far, then the new segments; checked like any plan.
    Plan revised = plan_;
    revised.segments.clear();
    int done = 0;
    for (const Segment& s : plan_.segments) {
      if (done >= o.epoch) break;
      Segment part = s;
      part.epochs = std::min(s.epochs, o.epoch - done);
      done += part.epochs;
      revised.segments.push_back(part);
    }
    for (const Segment& s : rest) revised.segments.push_back(s);
    const auto problems = validate_plan(problem_, revised, owner_.command_);
    if (!problems.empty()) {
      std::vector<InputIssue> issues;
      for (const auto& p : problems)
        issues.push_back(InputIssue{"", 0, 0, "", fmt::format("external {} (the plan as revised after epoch {} of replication {})", p,
                                                              o.epoch, replication_)});
      owner_.kill_child();
      owner_.dead_ = true;
      throw InputError(issues);
    }
    plan_ = revised;
    return rest;
  }

private:
  ExternalOrchestrator& owner_;
  Problem problem_;
  Plan plan_;
  int replication_ = -1;  ///< the orchestrator's number for it, from its first epoch
};

// ---- ExternalOrchestrator --------------------------------------------------------------------------------

ExternalOrchestrator::ExternalOrchestrator(std::string command, std::filesystem::path knowledge_dir, ExternalOptions options)
    : command_(std::move(command)), knowledge_dir_(std::move(knowledge_dir)), options_(options) {
  if (command_.find_first_not_of(" \t\n") == std::string::npos)
    throw InputError(InputIssue{"--external-cmd", 0, 0, "", "empty command (expected a shell command line that starts the orchestrator)"});
}

ExternalOrchestrator::~ExternalOrchestrator() { (void)close(); }

void ExternalOrchestrator::fail(const std::string& what) {
  kill_child();
  dead_ = true;
  throw InputError(InputIssue{"", 0, 0, "", fmt::format("external orchestrator '{}': {}", command_, what)});
}

void ExternalOrchestrator::check_pending() {
  if (pending_error_) {
    std::string e = *pending_error_;
    pending_error_.reset();
    kill_child();
    dead_ = true;
    throw InputError(InputIssue{"", 0, 0, "", e});
  }
  if (dead_) fail("already stopped after an earlier error");
}

void ExternalOrchestrator::start() {
  if (started_) {
    check_pending();
    return;
  }
  started_ = true;
  int in[2] = {-1, -1};
  int out[2] = {-1, -1};
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) {
    const int e = errno;
    for (int fd : {in[0], in[1], out[0], out[1]})
      if (fd >= 0) ::close(fd);
    dead_ = true;
    fail(fmt::format("cannot create pipes: {}", std::strerror(e)));
  }
  // Whatever the orchestrator starts stays this process's descendant, even a daemon or a grandchild that called
  // setsid: its end is ours to see to (kill_child). The children there are already are not the orchestrator's.
  (void)become_subreaper();
  spare_ = current_children();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Its own process group (to stop whatever the shell starts), default signal handling, nothing blocked.
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::string sh = "sh", dash_c = "-c", cmd = command_;
  char* argv[] = {sh.data(), dash_c.data(), cmd.data(), nullptr};
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, "/bin/sh", &actions, &attr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(in[0]);
  ::close(out[1]);
  to_child_ = in[1];
  from_child_ = out[0];
  if (rc != 0) fail(fmt::format("cannot start /bin/sh -c: {}", std::strerror(rc)));
  pid_ = pid;
  start_guardian();
  fcntl(to_child_, F_SETFL, fcntl(to_child_, F_GETFL) | O_NONBLOCK);
  fcntl(from_child_, F_SETFL, fcntl(from_child_, F_GETFL) | O_NONBLOCK);

  ojson hello;
  hello["type"] = "hello";
  hello["protocol"] = kExternalProtocol;
  hello["sdk_version"] = fmt::format("{}.{}", kSdkVersionMajor, kSdkVersionMinor);
  hello["deplsim_version"] = DEPLSIM_VERSION;
  send(hello, "hello");
  const json reply = receive({"hello"}, options_.message_timeout_s, "hello");
  const std::string who = fmt::format("external orchestrator '{}': hello", command_);
  try {
    // The protocol first: another version may well have other keys.
    const std::string protocol = need_string(need(reply, who, "", "protocol"), who, "protocol");
    if (protocol != kExternalProtocol)
      bad(who, "protocol", fmt::format("speaks '{}', deplsim speaks '{}'", printable(protocol, 80), kExternalProtocol));
    only_keys(reply, who, "", {"type", "protocol", "name", "adaptive", "description"});
    external_name_ = need_name(need(reply, who, "", "name"), who, "name");
    if (auto a = reply.find("adaptive"); a != reply.end()) {
      if (!a->is_boolean()) bad(who, "adaptive", fmt::format("expected true or false, got {}", shown_json(*a)));
      adaptive_ = a->get<bool>();
    }
    if (auto d = reply.find("description"); d != reply.end()) (void)need_text(*d, who, "description", kMaxReasonBytes, true);
  } catch (const InputError&) {
    kill_child();
    dead_ = true;
    throw;
  }
}

Plan ExternalOrchestrator::plan(const Problem& problem) {
  start();
  check_pending();
  if (replication_open_) end_replication(replications_ - 1);
  check_pending();
  ojson m = problem_to_json(problem);
  m["knowledge_dir"] = std::filesystem::absolute(knowledge_dir_).lexically_normal().string();
  m["knowledge"] = "knowledge.json";
  send(m, "problem");
  send(ojson{{"type", "plan_request"}}, "plan_request");
  const json reply = receive({"plan"}, options_.plan_timeout_s, "plan_request");
  Plan plan;
  try {
    plan = plan_from_json(reply, fmt::format("external orchestrator '{}': plan", command_));
  } catch (const InputError&) {
    kill_child();
    dead_ = true;
    throw;
  }
  const auto problems = validate_plan(problem, plan, command_);
  if (!problems.empty()) {
    std::vector<InputIssue> issues;
    for (const auto& p : problems) issues.push_back(InputIssue{"", 0, 0, "", "external " + p});
    kill_child();
    dead_ = true;
    throw InputError(issues);
  }
  std::string head = fmt::format("external orchestrator '{}' ({}{})\n", external_name_, command_, adaptive_ ? ", adaptive" : "");
  plan.explanation = head + plan.explanation;
  if (!plan.explanation.empty() && plan.explanation.back() != '\n') plan.explanation += '\n';
  return plan;
}

std::unique_ptr<ReplicationPolicy> ExternalOrchestrator::start_replication(const Problem& problem, const Plan& plan) {
  if (!adaptive_) return nullptr;
  check_pending();
  return std::make_unique<ExternalPolicy>(*this, problem, plan);
}

int ExternalOrchestrator::begin_replication(const Plan& plan) {
  check_pending();
  if (replication_open_) end_replication(replications_ - 1);
  check_pending();
  const int r = replications_++;
  ojson m;
  m["type"] = "replication_start";
  m["replication"] = r;
  m["plan"] = plan_to_json(plan);
  const std::string context = fmt::format("replication_start (replication {})", r);
  send(m, context);
  const json reply = receive({"ack"}, options_.message_timeout_s, context);
  try {
    only_keys(reply, fmt::format("external orchestrator '{}': reply to {}", command_, context), "", {"type"});
  } catch (const InputError&) {
    kill_child();
    dead_ = true;
    throw;
  }
  replication_open_ = true;
  return r;
}

void ExternalOrchestrator::end_replication(int replication) noexcept {
  if (!replication_open_ || replication != replications_ - 1) return;  // ended already
  replication_open_ = false;
  if (dead_ || pending_error_) return;
  try {
    const std::string context = fmt::format("replication_end (replication {})", replications_ - 1);
    send(ojson{{"type", "replication_end"}, {"replication", replications_ - 1}}, context);
    const json reply = receive({"ack"}, options_.message_timeout_s, context);
    only_keys(reply, fmt::format("external orchestrator '{}': reply to {}", command_, context), "", {"type"});
  } catch (const InputError& e) {
    pending_error_ = e.what();
  } catch (const std::exception& e) {
    pending_error_ = fmt::format("external orchestrator '{}': {}", command_, e.what());
  }
}

std::optional<std::string> ExternalOrchestrator::close() {
  if (replication_open_) end_replication(replications_ - 1);
  std::optional<std::string> problem = pending_error_;
  pending_error_.reset();
  if (pid_ <= 0 || wait_status_) {
    dead_ = true;
    return problem;
  }
  if (interrupted_by() != 0) {  // interrupted: no bye, no grace, and how it ended does not matter
    dead_ = true;
    kill_child();
    return std::nullopt;
  }
  if (!dead_) {
    const double timeout = options_.message_timeout_s;
    options_.message_timeout_s = std::min(timeout, options_.kill_grace_s);  // bye is small: do not wait long to write it
    try {
      send(ojson{{"type", "bye"}}, "bye");
    } catch (const InputError& e) {
      if (!problem) problem = e.what();
    } catch (const Interrupted&) {  // stopped already (stop_if_interrupted): nothing more to say
    }
    options_.message_timeout_s = timeout;
  }
  dead_ = true;
  if (to_child_ >= 0) ::close(to_child_), to_child_ = -1;  // end of its input, in case it waits for it
  const bool exited = wait_exit(options_.kill_grace_s);
  kill_child();
  if (!problem && wait_status_) {
    const int st = *wait_status_;
    if (!exited) problem = fmt::format("external orchestrator '{}': still running {} after bye; stopped it", command_,
                                       seconds_text(options_.kill_grace_s));
    else if (WIFEXITED(st) && WEXITSTATUS(st) != 0)
      problem = fmt::format("external orchestrator '{}': exited with status {} after bye", command_, WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
      problem = fmt::format("external orchestrator '{}': killed by signal {} after bye", command_, WTERMSIG(st));
  }
  return problem;
}

void ExternalOrchestrator::finish() {
  if (auto problem = close()) throw InputError(InputIssue{"", 0, 0, "", *problem});
}

void ExternalOrchestrator::send(const ojson& message, const std::string& context) {
  if (dead_) fail(fmt::format("cannot send {}: already stopped after an earlier error", context));
  const std::string line = message.dump(-1, ' ', false, ojson::error_handler_t::replace) + "\n";
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options_.message_timeout_s));
  std::size_t done = 0;
  // Writing to a closed pipe raises SIGPIPE: block it here, and consume one raised by our write.
  sigset_t pipe_set, old, pending;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  sigpending(&pending);
  const bool was_pending = sigismember(&pending, SIGPIPE) == 1;
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
  int error = 0;
  bool timed_out = false;
  while (done < line.size()) {
    const ssize_t n = ::write(to_child_, line.data() + done, line.size() - done);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
      error = errno;
      break;
    }
    if (interrupted_by() != 0) break;
    pollfd p[2] = {{to_child_, POLLOUT, 0}, {interrupt_wake_fd(), POLLIN, 0}};
    const int r = ::poll(p, p[1].fd >= 0 ? 2 : 1, poll_ms(deadline));
    if (interrupted_by() != 0) break;
    if (r == 0) {
      timed_out = true;
      break;
    }
    if (r < 0 && errno != EINTR) {
      error = errno;
      break;
    }
  }
  if (error == EPIPE && !was_pending) {
    timespec zero{0, 0};
    while (sigtimedwait(&pipe_set, nullptr, &zero) == -1 && errno == EINTR) {}
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  stop_if_interrupted();
  if (timed_out)
    fail(fmt::format("did not read the {} message within {} (its stdin is full: is it reading its input?); stopped it", context,
                     seconds_text(options_.message_timeout_s)));
  if (error == EPIPE)
    fail(fmt::format("closed its stdin before the {} message (expected it to read messages until bye): it {}", context,
                     exit_description()));
  if (error != 0) fail(fmt::format("cannot write the {} message: {}", context, std::strerror(error)));
}

json ExternalOrchestrator::receive(const std::vector<std::string>& expected, double timeout_s, const std::string& context) {
  std::string wanted;
  for (const auto& t : expected) wanted += (wanted.empty() ? "" : " or ") + ("\"" + t + "\"");
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_s));
  std::size_t scanned = 0;
  char chunk[65536];
  for (;;) {
    const auto nl = buffer_.find('\n', scanned);
    if (nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      scanned = 0;
      if (line.size() > options_.max_line_bytes)
        fail(fmt::format("in reply to {}: a line longer than {} bytes (expected a {} message on one line)", context,
                         options_.max_line_bytes, wanted));
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.find_first_not_of(" \t") == std::string::npos) continue;  // blank lines are allowed
      std::string error;
      json j = parse_json_limited(line, error, options_.max_depth);
      if (j.is_discarded())
        fail(fmt::format("in reply to {}: not JSON: '{}' ({}; expected one JSON object per line, a {} message; "
                         "logs go to stderr)",
                         context, printable(line, 120), error, wanted));
      if (!j.is_object()) fail(fmt::format("in reply to {}: expected a JSON object (a {} message), got {}", context, wanted, shown_json(j)));
      auto t = j.find("type");
      if (t == j.end() || !t->is_string())
        fail(fmt::format("in reply to {}: a message without a string \"type\" (expected a {} message): {}", context, wanted, shown_json(j)));
      const std::string type = t->get<std::string>();
      if (type == "error") {
        auto msg = j.find("message");
        fail(fmt::format("reported an error in reply to {}: {}", context,
                         msg != j.end() && msg->is_string() ? printable(msg->get<std::string>(), 2000) : shown_json(j)));
      }
      if (std::find(expected.begin(), expected.end(), type) == expected.end())
        fail(fmt::format("in reply to {}: expected a {} message, got \"{}\"", context, wanted, printable(type, 60)));
      return j;
    }
    scanned = buffer_.size();
    if (buffer_.size() > options_.max_line_bytes)
      fail(fmt::format("in reply to {}: a line longer than {} bytes (expected a {} message on one line)", context,
                       options_.max_line_bytes, wanted));
    // The wait ends on a reply, on the deadline, or at once on SIGINT/SIGTERM (the interrupt's self-pipe).
    stop_if_interrupted();
    pollfd p[2] = {{from_child_, POLLIN, 0}, {interrupt_wake_fd(), POLLIN, 0}};
    const int r = ::poll(p, p[1].fd >= 0 ? 2 : 1, poll_ms(deadline));
    stop_if_interrupted();
    if (r == 0)
      fail(fmt::format("no reply to {} within {} (expected a {} message); stopped it", context, seconds_text(timeout_s), wanted));
    if (r < 0) {
      if (errno == EINTR) continue;
      fail(fmt::format("cannot wait for its reply to {}: {}", context, std::strerror(errno)));
    }
    if (p[0].revents == 0) continue;
    const ssize_t n = ::read(from_child_, chunk, sizeof chunk);
    if (n > 0) {
      buffer_.append(chunk, static_cast<std::size_t>(n));
      continue;
    }
    if (n == 0)
      fail(fmt::format("closed its stdout before replying to {} (expected a {} message): it {}", context, wanted, exit_description()));
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
      fail(fmt::format("cannot read its reply to {}: {}", context, std::strerror(errno)));
  }
}

void ExternalOrchestrator::start_guardian() noexcept {
  int g[2] = {-1, -1};
  if (pipe2(g, O_CLOEXEC) != 0) return;  // no guardian: only a SIGKILL of this process would show it
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, g[0], STDIN_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  // `cat` returns at end of file, which comes when the write end's only holder, this process, is gone; ignored
  // signals stay ignored across exec, so Ctrl-C (sent to the whole foreground group) does not end the guardian.
  std::string sh = "sh", dash_c = "-c", pgid = std::to_string(pid_);
  std::string script = "trap '' INT TERM HUP; cat; kill -KILL -- \"-$0\" 2>/dev/null";
  char* argv[] = {sh.data(), dash_c.data(), script.data(), pgid.data(), nullptr};
  pid_t guardian = -1;
  const int rc = posix_spawn(&guardian, "/bin/sh", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(g[0]);
  if (rc != 0) {
    ::close(g[1]);
    return;
  }
  guard_ = g[1];
}

bool ExternalOrchestrator::wait_exit(double seconds) noexcept {
  if (pid_ <= 0 || wait_status_) return true;
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  for (auto pause = std::chrono::milliseconds(1);; pause = std::min(pause * 2, std::chrono::milliseconds(50))) {
    siginfo_t info{};
    // WNOWAIT: see the exit without reaping, so that the process group id stays ours until kill_child().
    if (waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid_) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(pause);
  }
}

void ExternalOrchestrator::kill_child() noexcept {
  if (to_child_ >= 0) ::close(to_child_), to_child_ = -1;
  if (from_child_ >= 0) ::close(from_child_), from_child_ = -1;
  if (pid_ <= 0 || wait_status_) return;
  if (!wait_exit(0)) {
    // Interrupted: no grace (the caller waits for the terminal back); else SIGTERM first to the whole tree.
    if (interrupted_by() == 0) {
      ::kill(-pid_, SIGTERM);
      for (pid_t d : current_descendants(spare_)) ::kill(d, SIGTERM);
      (void)wait_exit(options_.kill_grace_s);
    }
  }
  ::kill(-pid_, SIGKILL);  // the leader has exited or is stopped now; this ends whatever it left in its group
  int st = 0;
  while (waitpid(pid_, &st, 0) < 0 && errno == EINTR) {}
  wait_status_ = st;
  // What left the group (setsid) or its parent: this process is their subreaper, they are its descendants (the
  // guardian among them: its work is done).
  (void)stop_descendants(spare_);
  if (guard_ >= 0) ::close(guard_), guard_ = -1;
}

void ExternalOrchestrator::stop_if_interrupted() {
  const int sig = interrupted_by();
  if (sig == 0) return;
  kill_child();
  dead_ = true;
  throw Interrupted(sig);
}

std::string ExternalOrchestrator::exit_description() noexcept {
  if (!wait_exit(options_.kill_grace_s)) {
    kill_child();
    return fmt::format("was still running {} later; stopped it", seconds_text(options_.kill_grace_s));
  }
  kill_child();
  const int st = wait_status_.value_or(0);
  if (WIFEXITED(st)) {
    const int code = WEXITSTATUS(st);
    std::string hint;
    if (code == 127) hint = " (command not found?)";
    else if (code == 126) hint = " (not executable?)";
    else if (code > 128 && code < 128 + 65) {  // how a shell reports a command killed by a signal
      const char* name = sigabbrev_np(code - 128);
      if (name != nullptr) hint = fmt::format(" (killed by SIG{}?)", name);
    }
    return fmt::format("exited with status {}{}", code, hint);
  }
  if (WIFSIGNALED(st)) {
    const char* name = sigabbrev_np(WTERMSIG(st));
    return fmt::format("was killed by signal {}{}", WTERMSIG(st), name ? fmt::format(" (SIG{})", name) : "");
  }
  return "ended";
}

} // namespace deplsim
