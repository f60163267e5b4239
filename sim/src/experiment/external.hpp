// External-process orchestrators (docs/orchestrators.md, "External orchestrators"): any program, in any
// language, that speaks the deplsim-orchestrator/1 protocol — newline-delimited JSON on its stdin/stdout.
// deplsim starts it with /bin/sh -c COMMAND, says hello, sends the problem (the scenario, and the folder of the
// exported planner knowledge, docs/knowledge.md), asks for a plan, and for an adaptive orchestrator reports
// every epoch of every replication. A crashed, silent (timeout) or malformed orchestrator is an InputError
// naming the command and what was expected — never a hang: every read and write has a deadline, and the child
// is killed (SIGTERM, then SIGKILL) and reaped on any failure and at the end.
#pragma once

#include "deplsim/orchestrator.hpp"

#include <nlohmann/json.hpp>

#include <sys/types.h>

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace deplsim {

/// The name that selects an external process on the command line (`--orchestrator external --external-cmd CMD`).
inline constexpr const char* kExternalOrchestrator = "external";

/// The protocol spoken, in `hello` both ways; a different one is refused.
inline constexpr const char* kExternalProtocol = "deplsim-orchestrator/1";

/// Limits on what an orchestrator's plan may hold (beyond them it is refused with the field named, before the
/// scenario's own limits are checked): no scenario allows more than 100000 epochs (target.max_epochs), hence no more
/// segments, each of at least one epoch.
inline constexpr long long kMaxPlanEpochs = 100000;
inline constexpr std::size_t kMaxSegments = 100000;
inline constexpr std::size_t kMaxDataSources = 10000;
inline constexpr std::size_t kMaxReasonBytes = 4096;
inline constexpr std::size_t kMaxExplanationBytes = std::size_t{1} << 20;

struct ExternalOptions {
  double plan_timeout_s = 60.0;     ///< for the reply to `plan_request`
  double message_timeout_s = 10.0;  ///< for every other reply, and for writing any message
  std::size_t max_line_bytes = std::size_t{16} << 20;  ///< longest line accepted from the orchestrator
  std::size_t max_depth = 64;       ///< deepest nesting of arrays and objects accepted in a message (kMaxJsonDepth)
  double kill_grace_s = 1.0;        ///< between SIGTERM and SIGKILL, and for a clean exit after `bye`
};

/// The problem message without its knowledge fields: {"type": "problem", "protocol", "seed", "scenario": {...}}
/// (docs/orchestrators.md). Only what an orchestrator may know: no learning-curve parameters (ground truth).
nlohmann::ordered_json problem_to_json(const Problem& problem);

/// A plan message ({"type": "plan", "status", "reason"?, "explanation"?, "plan": {data_sources, segments,
/// predicted}}) as a Plan. Strict: every type checked, unknown keys refused with the key named; throws
/// InputError whose messages start with `who`. Names are not checked against the scenario (validate_plan does).
Plan plan_from_json(const nlohmann::json& message, const std::string& who);

/// Segments (a `revise` message's `segments`, or a plan's) parsed as strictly; `field` names the array.
std::vector<Segment> segments_from_json(const nlohmann::json& segments, const std::string& who, const std::string& field);

/// @brief An orchestrator that is an external process (docs/orchestrators.md). Not thread-safe: one caller.
class ExternalOrchestrator final : public Orchestrator {
public:
  /// `knowledge_dir` holds the exported knowledge (export_knowledge) by the time plan() is called.
  ExternalOrchestrator(std::string command, std::filesystem::path knowledge_dir, ExternalOptions options = {});
  ~ExternalOrchestrator() override;
  ExternalOrchestrator(const ExternalOrchestrator&) = delete;
  ExternalOrchestrator& operator=(const ExternalOrchestrator&) = delete;

  /// "external" (what outputs call it); the process's own name is external_name().
  [[nodiscard]] std::string name() const override { return kExternalOrchestrator; }
  /// Starts the process and exchanges hello (done by plan() when not yet). Throws InputError.
  void start();
  /// Sends the problem, asks for the plan, parses it and checks it with validate_plan: an invalid plan is the
  /// orchestrator's error (InputError), never passed on.
  Plan plan(const Problem& problem) override;
  /// A policy that reports each epoch, when the orchestrator said `"adaptive": true` in its hello; else nullptr.
  /// Nothing is sent until its first epoch (replication_start, then epoch_end); its destruction after one sends
  /// replication_end. Replications are numbered 0, 1, ... in the order of their first epochs.
  std::unique_ptr<ReplicationPolicy> start_replication(const Problem& problem, const Plan& plan) override;
  /// Sends `bye`, waits kill_grace_s for the process to exit, then kills it; reaps it. Never throws; idempotent.
  /// Returns a problem found on the way (an error left by a replication's end, an unclean exit), or nothing.
  std::optional<std::string> close();
  /// The process keeps what plan() told it: a resumed run must plan again.
  [[nodiscard]] bool stateful() const override { return true; }
  /// close(); a problem found on the way is an InputError.
  void finish() override;

  [[nodiscard]] const std::string& command() const { return command_; }
  [[nodiscard]] const std::string& external_name() const { return external_name_; }
  [[nodiscard]] bool adaptive() const { return adaptive_; }
  [[nodiscard]] pid_t pid() const { return pid_; }

private:
  friend class ExternalPolicy;

  [[noreturn]] void fail(const std::string& what);
  void send(const nlohmann::ordered_json& message, const std::string& context);
  /// The next message, whose type must be one of `expected` (a type "error" fails with its message).
  nlohmann::json receive(const std::vector<std::string>& expected, double timeout_s, const std::string& context);
  void check_pending();
  /// Sends replication_start for the next replication (ending an open one first); returns its number.
  int begin_replication(const Plan& plan);
  /// Sends replication_end for `replication` if it is the one open; an error is kept for the next call.
  void end_replication(int replication) noexcept;
  bool wait_exit(double seconds) noexcept;
  /// A guardian for the case where this process is killed outright (SIGKILL, the OOM killer) and so cannot stop the
  /// orchestrator: a small shell, ignoring SIGINT/SIGTERM/SIGHUP, that reads a pipe whose only writer is this process
  /// and, at its end of file, kills the orchestrator's process group. A normal end stops it with the rest of the tree.
  void start_guardian() noexcept;
  /// Stops the orchestrator's whole tree: its process group and every descendant (this process is their subreaper,
  /// so even one that called setsid and left its parent), SIGTERM then, after kill_grace_s, SIGKILL; reaps them all.
  void kill_child() noexcept;
  /// Where a wait for the orchestrator was ended by SIGINT or SIGTERM (under the caller's InterruptGuard): stops it
  /// at once and throws Interrupted.
  void stop_if_interrupted();
  std::string exit_description() noexcept;

  std::string command_;
  std::filesystem::path knowledge_dir_;
  ExternalOptions options_;
  pid_t pid_ = -1;
  int to_child_ = -1;    ///< its stdin
  int from_child_ = -1;  ///< its stdout
  int guard_ = -1;       ///< write end of the guardian's pipe (start_guardian): open while the orchestrator runs
  std::string buffer_;   ///< bytes read past the last line
  bool started_ = false;
  bool dead_ = false;    ///< failed or closed: every further call fails
  std::optional<int> wait_status_;
  std::string external_name_;
  bool adaptive_ = false;
  int replications_ = 0;
  bool replication_open_ = false;
  std::optional<std::string> pending_error_;  ///< from a replication's end (a destructor cannot throw)
  std::set<pid_t> spare_;  ///< this process's children before the orchestrator started: not its to stop
};

} // namespace deplsim
