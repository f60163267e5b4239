// External-process orchestrators (docs/orchestrators.md): the Python example plans tiny.yaml from the exported
// knowledge exactly as full-only does; every way an external orchestrator can fail (not found, exits, silent,
// garbage, wrong protocol, bad plan, too long a line, ignores SIGTERM) is an InputError naming the command and
// what was expected, within its timeout, and leaves no child behind.
#include "deplsim/error.hpp"
#include "deplsim/orchestrator.hpp"
#include "orchestrators/builtins.hpp"
#include "studies/calibrate.hpp"
#include "experiment/context.hpp"
#include "experiment/external.hpp"
#include "experiment/knowledge_export.hpp"
#include "support/interrupt.hpp"
#include "support/json_input.hpp"

#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

#ifndef DEPLSIM_TEST_DATA_DIR
#define DEPLSIM_TEST_DATA_DIR "tests/data"
#endif
#ifndef DEPLSIM_SOURCE_DIR
#define DEPLSIM_SOURCE_DIR "."
#endif

using namespace deplsim;
namespace fs = std::filesystem;

namespace {

/// A temporary folder, removed with everything in it.
struct TempDir {
  fs::path path;
  TempDir() {
    std::string t = (fs::temp_directory_path() / "deplsim-external-XXXXXX").string();
    REQUIRE(mkdtemp(t.data()) != nullptr);
    path = t;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  /// Writes `text` into `name` and returns the command line that runs it with sh.
  [[nodiscard]] std::string script(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
    return "sh '" + (path / name).string() + "'";
  }
};

/// tiny.yaml's context and its exported knowledge, built once for all the tests here.
struct Tiny {
  std::unique_ptr<Context> ctx;
  TempDir dir;
  Tiny() {
    ContextOptions o;
    o.scenario = std::string(DEPLSIM_TEST_DATA_DIR) + "/scenarios/tiny.yaml";
    // The example plans as full-only does before certification (it has no certification runs to count on).
    o.overrides = {"model.learning.certification_share=0"};
    ctx = build_context(o);
    export_knowledge(dir.path / "knowledge", *ctx);
  }
  [[nodiscard]] fs::path knowledge() const { return dir.path / "knowledge"; }
};

Tiny& tiny() {
  static Tiny t;
  return t;
}

ExternalOptions quick() {
  ExternalOptions o;
  o.plan_timeout_s = 2;
  o.message_timeout_s = 2;
  o.kill_grace_s = 0.3;
  return o;
}

const std::string kHello = R"(echo '{"type":"hello","protocol":"deplsim-orchestrator/1","name":"fake"}')";

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

/// True when `pid` is no child of ours any more (reaped: no zombie left).
bool reaped(pid_t pid) {
  errno = 0;
  return pid > 0 && waitpid(pid, nullptr, WNOHANG) == -1 && errno == ECHILD;
}

/// True when no live process of `pid`'s process group is left (zombies waiting for init do not count).
bool group_gone(pid_t pid) {
  const auto t = std::chrono::steady_clock::now();
  for (;;) {
    bool alive = false;
    for (const auto& e : fs::directory_iterator("/proc")) {
      std::ifstream in(e.path() / "stat");
      std::string stat;
      if (!std::getline(in, stat)) continue;
      const auto close = stat.rfind(')');
      if (close == std::string::npos) continue;
      std::istringstream rest(stat.substr(close + 1));
      char state = 0;
      long ppid = 0, pgrp = 0;
      rest >> state >> ppid >> pgrp;
      if (pgrp == pid && state != 'Z' && state != 'X') alive = true;
    }
    if (!alive) return true;
    if (seconds_since(t) > 2.0) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

/// How many file descriptors this process has open.
std::size_t open_fds() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

/// Runs plan() on tiny and returns the InputError's text (fails the test when none is thrown).
std::string plan_error(ExternalOrchestrator& o) {
  const Problem pb = tiny().ctx->problem();
  try {
    (void)o.plan(pb);
  } catch (const InputError& e) {
    return e.what();
  }
  FAIL("no InputError");
  return "";
}

// The message plan_from_json gives for a plan message (by the orchestrator "who"), "" when it accepts it.
std::string plan_message_error(const std::string& text) {
  try {
    (void)plan_from_json(nlohmann::json::parse(text), "who");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

} // namespace

TEST_CASE("the Python example plans tiny like full-only, from the exported knowledge", "[external]") {
  const Problem pb = tiny().ctx->problem();
  const std::string cmd = std::string("/usr/bin/python3 ") + DEPLSIM_SOURCE_DIR + "/orchestrators/external/example_orchestrator.py";
  ExternalOrchestrator ext(cmd, tiny().knowledge(), quick());
  const Plan plan = ext.plan(pb);
  CHECK(ext.external_name() == "python-example");
  CHECK_FALSE(ext.adaptive());
  REQUIRE(plan.status == PlanStatus::ok);
  CHECK(validate_plan(pb, plan, "external").empty());
  CHECK(plan.data_sources == pb.all_sources());
  REQUIRE(plan.segments.size() == 1);
  CHECK(plan.segments[0].version == "full");

  OrchestratorRegistry registry;
  register_builtin_orchestrators(registry);
  const Plan reference = registry.make("full-only")->plan(pb);
  REQUIRE(reference.status == PlanStatus::ok);
  // The same propagation as the knowledge's own (docs/knowledge.md 3): same epochs, same P and E[L].
  CHECK(plan.segments[0].epochs == reference.segments[0].epochs);
  CHECK(plan.predicted.p_target_met.value() == Approx(reference.predicted.p_target_met.value()).margin(1e-9));
  CHECK(plan.predicted.expected_loss.value() == Approx(reference.predicted.expected_loss.value()).epsilon(1e-9));
  CHECK(plan.explanation.find("python-example") != std::string::npos);
  CHECK(ext.start_replication(pb, plan) == nullptr);  // not adaptive

  const pid_t pid = ext.pid();
  CHECK(ext.close() == std::nullopt);  // bye, then a clean exit
  CHECK(reaped(pid));
}

TEST_CASE("an external orchestrator that cannot start, exits or dies is an InputError naming it", "[external]") {
  TempDir d;
  SECTION("command not found") {
    ExternalOrchestrator o("deplsim-no-such-command-here", tiny().knowledge(), quick());
    const std::string e = plan_error(o);
    CHECK(e.find("external orchestrator 'deplsim-no-such-command-here'") != std::string::npos);
    CHECK(e.find("status 127 (command not found?)") != std::string::npos);
    CHECK(e.find("hello") != std::string::npos);  // before or after deplsim wrote it, whichever came first
    CHECK(reaped(o.pid()));
  }
  SECTION("exits at once") {
    ExternalOrchestrator o("exit 3", tiny().knowledge(), quick());
    const std::string e = plan_error(o);
    CHECK(e.find("exited with status 3") != std::string::npos);
    CHECK(reaped(o.pid()));
  }
  SECTION("dies after hello, before the plan") {
    // It reads the problem and the plan request (so that deplsim has written both: dying after the problem alone
    // would race deplsim's write of the request), then dies.
    ExternalOrchestrator o(d.script("die.sh", "read l\n" + kHello + "\nread l\nread l\nkill -SEGV $$\n"), tiny().knowledge(), quick());
    const std::string e = plan_error(o);
    INFO(e);
    CHECK(e.find("closed its stdout before replying to plan_request (expected a \"plan\" message): it") != std::string::npos);
    // The shell reports the signal as status 128 + 11, or the shell itself was killed (dash execs the command).
    const bool shell = e.find("exited with status 139 (killed by SIGSEGV?)") != std::string::npos;
    const bool direct = e.find("was killed by signal 11 (SIGSEGV)") != std::string::npos;
    CHECK((shell || direct));
    CHECK(reaped(o.pid()));
  }
  SECTION("an empty command") {
    CHECK_THROWS_AS(ExternalOrchestrator("  ", tiny().knowledge(), quick()), InputError);
  }
  SECTION("no file descriptor is left open") {
    (void)tiny();
    const std::size_t before = open_fds();
    for (const char* cmd : {"exit 0", "echo garbage", "deplsim-no-such-command-here"}) {
      ExternalOrchestrator o(cmd, tiny().knowledge(), quick());
      (void)plan_error(o);
    }
    CHECK(open_fds() == before);
  }
  SECTION("a second call after a failure fails at once") {
    ExternalOrchestrator o("exit 0", tiny().knowledge(), quick());
    (void)plan_error(o);
    CHECK(plan_error(o).find("already stopped") != std::string::npos);
  }
}

TEST_CASE("a silent external orchestrator times out quickly and is stopped", "[external]") {
  TempDir d;
  ExternalOptions opt = quick();
  opt.message_timeout_s = 0.4;
  opt.plan_timeout_s = 0.4;
  SECTION("no hello") {
    ExternalOrchestrator o(d.script("silent.sh", "read l\nsleep 30\n"), tiny().knowledge(), opt);
    const auto t = std::chrono::steady_clock::now();
    const std::string e = plan_error(o);
    CHECK(seconds_since(t) < 3.0);
    CHECK(e.find("no reply to hello within 0.4 s (expected a \"hello\" message); stopped it") != std::string::npos);
    CHECK(reaped(o.pid()));
  }
  SECTION("no plan") {
    ExternalOrchestrator o(d.script("slow.sh", "read l\n" + kHello + "\nsleep 30\n"), tiny().knowledge(), opt);
    const auto t = std::chrono::steady_clock::now();
    const std::string e = plan_error(o);
    CHECK(seconds_since(t) < 3.0);
    CHECK(e.find("no reply to plan_request within 0.4 s (expected a \"plan\" message)") != std::string::npos);
    CHECK(reaped(o.pid()));
    CHECK(group_gone(o.pid()));
  }
  SECTION("ignores SIGTERM: killed with SIGKILL after the grace") {
    // exec: the process deplsim started is the one that ignores SIGTERM (and so does its sleep).
    ExternalOrchestrator o("exec " + d.script("stubborn.sh", "trap '' TERM\nread l\nsleep 30\n"), tiny().knowledge(), opt);
    const auto t = std::chrono::steady_clock::now();
    const std::string e = plan_error(o);
    const double took = seconds_since(t);
    CHECK(took >= 0.4 + 0.3);  // the timeout, then the grace before SIGKILL
    CHECK(took < 3.0);
    CHECK(e.find("no reply to hello") != std::string::npos);
    CHECK(reaped(o.pid()));
    CHECK(group_gone(o.pid()));  // the sleep too
  }
}

TEST_CASE("a malformed external orchestrator is an InputError saying what was expected", "[external]") {
  TempDir d;
  SECTION("garbage instead of JSON") {
    ExternalOrchestrator o(d.script("garbage.sh", "read l\necho 'hello world'\nsleep 30\n"), tiny().knowledge(), quick());
    const auto t = std::chrono::steady_clock::now();
    const std::string e = plan_error(o);
    CHECK(seconds_since(t) < 3.0);
    CHECK(e.find("in reply to hello: not JSON: 'hello world'") != std::string::npos);
    CHECK(reaped(o.pid()));
  }
  SECTION("wrong protocol") {
    ExternalOrchestrator o(d.script("proto.sh", R"(read l
echo '{"type":"hello","protocol":"deplsim-orchestrator/99","name":"future"}'
read l
)"),
                           tiny().knowledge(), quick());
    const std::string e = plan_error(o);
    CHECK(e.find("hello: protocol: speaks 'deplsim-orchestrator/99', deplsim speaks 'deplsim-orchestrator/1'") != std::string::npos);
    CHECK(reaped(o.pid()));
  }
  SECTION("a hello without a name") {
    ExternalOrchestrator o(d.script("noname.sh", R"(read l
echo '{"type":"hello","protocol":"deplsim-orchestrator/1"}'
read l
)"),
                           tiny().knowledge(), quick());
    CHECK(plan_error(o).find("hello: name: missing") != std::string::npos);
  }
  SECTION("the wrong message type") {
    ExternalOrchestrator o(d.script("type.sh", "read l\n" + kHello + "\nread l\nread l\necho '{\"type\":\"continue\"}'\nread l\n"),
                           tiny().knowledge(), quick());
    CHECK(plan_error(o).find("in reply to plan_request: expected a \"plan\" message, got \"continue\"") != std::string::npos);
  }
  SECTION("an error message") {
    ExternalOrchestrator o(d.script("err.sh", "read l\n" + kHello + "\nread l\nread l\necho '{\"type\":\"error\",\"message\":\"out of ideas\"}'\n"),
                           tiny().knowledge(), quick());
    CHECK(plan_error(o).find("reported an error in reply to plan_request: out of ideas") != std::string::npos);
  }
  SECTION("a line longer than the limit") {
    ExternalOptions opt = quick();
    opt.max_line_bytes = 1000;
    ExternalOrchestrator o(d.script("long.sh", "read l\nhead -c 100000 /dev/zero | tr '\\0' x\nsleep 30\n"), tiny().knowledge(), opt);
    CHECK(plan_error(o).find("a line longer than 1000 bytes") != std::string::npos);
    CHECK(reaped(o.pid()));
  }
  SECTION("a plan with a misspelled key") {
    ExternalOrchestrator o(d.script("key.sh", "read l\n" + kHello + R"(
read l
read l
echo '{"type":"plan","status":"ok","plan":{"data_sources":["cam1"],"segments":[{"version":"full","cluster":"main","nodes":1,"pstate":0,"epoch":3}]}}'
read l
)"),
                           tiny().knowledge(), quick());
    const std::string e = plan_error(o);
    CHECK(e.find("plan.segments[0].epoch: unknown key (expected: version, cluster, nodes, pstate, epochs)") != std::string::npos);
  }
}

TEST_CASE("a plan naming an unknown cluster: plan_from_json takes it, validate_plan and plan() refuse it", "[external]") {
  const Problem pb = tiny().ctx->problem();
  const std::string line =
      R"({"type":"plan","status":"ok","plan":{"data_sources":["cam1","cam2"],"segments":[{"version":"full","cluster":"nowhere","nodes":1,"pstate":0,"epochs":3}]}})";
  const Plan parsed = plan_from_json(nlohmann::json::parse(line), "test");
  REQUIRE(parsed.segments.size() == 1);
  CHECK(parsed.segments[0].cluster == "nowhere");
  const auto problems = validate_plan(pb, parsed, "fake");
  REQUIRE(problems.size() == 1);
  CHECK(problems[0] == "orchestrator 'fake': plan.segments[0].cluster: unknown cluster 'nowhere'");

  TempDir d;
  const std::string cmd = d.script("cluster.sh", "read l\n" + kHello + "\nread l\nread l\necho '" + line + "'\nread l\n");
  ExternalOrchestrator o(cmd, tiny().knowledge(), quick());
  const std::string e = plan_error(o);
  CHECK(e == "external orchestrator '" + cmd + "': plan.segments[0].cluster: unknown cluster 'nowhere'");
  CHECK(reaped(o.pid()));
}

TEST_CASE("plan_from_json is strict and names the key at fault", "[external]") {
  const auto error = plan_message_error;
  const std::string seg = R"({"version":"full","cluster":"main","nodes":1,"pstate":0,"epochs":3})";
  CHECK(error(R"({"type":"plan","status":"ok","plan":{"data_sources":["a"],"segments":[)" + seg + "]}}").empty());
  CHECK(error(R"({"status":"ok","plan":{"data_sources":["a"],"segments":[)" + seg + R"(],"predicted":{"p_target_met":0.9,"margin":null}}})").empty());
  CHECK(error(R"({"status":"ok","plan":{"data_sources":["a"],"segments":[)" + seg + "]},\"extra\":1}") ==
        "who: extra: unknown key (expected: type, status, reason, explanation, plan)");
  CHECK(error(R"({"status":"ok"})") == "who: plan: missing (status \"ok\" needs a plan)");
  CHECK(error(R"({"plan":{}})") == "who: status: missing");
  CHECK(error(R"({"status":"maybe","plan":{}})").find("who: status: expected one of ok, infeasible") == 0);
  CHECK(error(R"({"status":"infeasible"})") == "who: reason: a plan with status 'infeasible' needs a non-empty reason");
  CHECK(error(R"({"status":"infeasible","reason":"too hard"})").empty());
  CHECK(error(R"({"status":"ok","plan":{"data_sources":"a","segments":[]}})") ==
        "who: plan.data_sources: expected an array of names, got a string: \"a\"");
  CHECK(error(R"({"status":"ok","plan":{"data_sources":["a"],"segments":[{"version":"full","cluster":"main","nodes":2.5,"pstate":0,"epochs":3}]}})") ==
        "who: plan.segments[0].nodes: expected an integer, got a number: 2.5");
  CHECK(error(R"({"status":"ok","plan":{"data_sources":["a"],"segments":[{"version":"full","cluster":"main","nodes":1,"pstate":0}]}})") ==
        "who: plan.segments[0].epochs: missing");
  CHECK(error(R"({"status":"ok","plan":{"data_sources":["a"],"segments":[)" + seg + R"(],"predicted":{"p":1}}})") ==
        "who: plan.predicted.p: unknown key (expected: p_target_met, expected_loss, energy_j, time_s, margin)");
  CHECK(error(R"({"status":"ok","plan":{"data_sources":["a"],"segments":[)" + seg + R"(],"predicted":{"time_s":"soon"}}})") ==
        "who: plan.predicted.time_s: expected a number or null, got a string: \"soon\"");
  CHECK(error(R"({"type":"hello","status":"ok"})") == "who: type: expected \"plan\", got \"hello\"");
  CHECK(error("[1]") == "who: plan message: expected an object, got an array: [1]");
}

TEST_CASE("problem_to_json carries the scenario an orchestrator may know, not the learning curve", "[external]") {
  const Problem pb = tiny().ctx->problem();
  const auto j = problem_to_json(pb);
  CHECK(j["type"] == "problem");
  CHECK(j["protocol"] == kExternalProtocol);
  const auto& s = j["scenario"];
  CHECK(s["name"] == "tiny");
  CHECK(s["target"]["loss"] == 0.9);
  CHECK(s["target"]["deadline_s"].is_null());
  CHECK(s["objective"] == "energy");
  REQUIRE(s["clusters"].size() == 2);
  CHECK(s["clusters"][0]["name"] == "main");
  CHECK(s["clusters"][0]["hosts"].size() == pb.platform.cluster_hosts[0].size());
  CHECK(s["clusters"][0]["hosts"][0]["pstates"][0]["total_speed"].get<double>() > 0);
  CHECK(s["data_sources"][1]["samples"] == 1000);
  CHECK(s["versions"][1]["name"] == "p50");
  CHECK(s["versions"][1]["flops_per_sample"] == 1.0e6);
  CHECK_FALSE(s["versions"][0].contains("learning"));
  CHECK(s["switch_epochs"] == nlohmann::ordered_json({5, 10}));
  CHECK(s["switches"][0]["to"] == "p50");
  CHECK(s["training"]["sync"] == "ring-allreduce");
}

TEST_CASE("an adaptive external orchestrator: replication_start, epoch_end with a revision, replication_end", "[external]") {
  const Problem pb = tiny().ctx->problem();
  TempDir d;
  // Plans full on main for 12 epochs; revises after epoch 5 to p50 for 4 more (a declared switch), and after
  // epoch 7 to p50 (a switch at an undeclared epoch).
  const std::string script = R"(import json, sys
def send(m):
    print(json.dumps(m), flush=True)
for line in sys.stdin:
    m = json.loads(line)
    if m["type"] == "hello":
        send({"type": "hello", "protocol": "deplsim-orchestrator/1", "name": "adaptive-fake", "adaptive": True})
    elif m["type"] == "plan_request":
        send({"type": "plan", "status": "ok", "plan": {"data_sources": ["cam1", "cam2"],
              "segments": [{"version": "full", "cluster": "main", "nodes": 1, "pstate": 0, "epochs": 12}]}})
    elif m["type"] in ("replication_start", "replication_end"):
        send({"type": "ack"})
    elif m["type"] == "epoch_end":
        if m["epoch"] == 5:
            send({"type": "revise", "segments": [{"version": "p50", "cluster": "main", "nodes": 1, "pstate": 0, "epochs": 4}]})
        elif m["epoch"] == 7:
            send({"type": "revise", "segments": [{"version": "p50", "cluster": "main", "nodes": 1, "pstate": 0, "epochs": 1}]})
        else:
            send({"type": "continue"})
    elif m["type"] == "bye":
        sys.exit(0)
)";
  std::ofstream(d.path / "adaptive.py") << script;
  ExternalOrchestrator o("/usr/bin/python3 '" + (d.path / "adaptive.py").string() + "'", tiny().knowledge(), quick());
  const Plan plan = o.plan(pb);
  CHECK(o.adaptive());
  {
    auto policy = o.start_replication(pb, plan);
    REQUIRE(policy != nullptr);
    Observation obs;
    obs.epoch = 1;
    obs.validation_loss = 2.0;
    CHECK_FALSE(policy->on_epoch_end(obs).has_value());
    obs.epoch = 5;
    const auto revised = policy->on_epoch_end(obs);
    REQUIRE(revised.has_value());
    REQUIRE(revised->size() == 1);
    CHECK((*revised)[0].version == "p50");
    CHECK((*revised)[0].epochs == 4);
  }  // replication_end
  {
    auto policy = o.start_replication(pb, plan);
    Observation obs;
    obs.epoch = 7;  // a switch back to full after epoch 7: neither declared nor allowed
    try {
      (void)policy->on_epoch_end(obs);
      FAIL("no InputError");
    } catch (const InputError& e) {
      CHECK(std::string(e.what()).find("switch after epoch 7 is not at a declared switch epoch") != std::string::npos);
    }
  }
  // The orchestrator was stopped by the bad revision: close() has nothing more to report, nothing is left.
  const pid_t pid = o.pid();
  (void)o.close();
  CHECK(reaped(pid));
}

TEST_CASE("an adaptive external orchestrator's messages arrive in order and it exits cleanly", "[external]") {
  const Problem pb = tiny().ctx->problem();
  TempDir d;
  const std::string script = R"(import json, sys
seen = []
for line in sys.stdin:
    m = json.loads(line)
    seen.append(m["type"])
    t = m["type"]
    if t == "hello":
        print(json.dumps({"type": "hello", "protocol": "deplsim-orchestrator/1", "name": "order", "adaptive": True}), flush=True)
    elif t == "plan_request":
        print(json.dumps({"type": "plan", "status": "ok", "plan": {"data_sources": ["cam1"],
              "segments": [{"version": "full", "cluster": "second", "nodes": 1, "pstate": 0, "epochs": 3}]}}), flush=True)
    elif t in ("replication_start", "replication_end"):
        print(json.dumps({"type": "ack"}), flush=True)
    elif t == "epoch_end":
        if m["replication"] != seen.count("replication_start") - 1:
            sys.exit(6)
        print(json.dumps({"type": "continue"}), flush=True)
    elif t == "bye":
        sys.exit(0 if seen == ["hello", "problem", "plan_request",
                               "replication_start", "epoch_end", "replication_end",
                               "replication_start", "epoch_end", "replication_end",
                               "replication_start", "epoch_end", "replication_end", "bye"] else 5)
)";
  std::ofstream(d.path / "order.py") << script;
  ExternalOrchestrator o("/usr/bin/python3 '" + (d.path / "order.py").string() + "'", tiny().knowledge(), quick());
  const Plan plan = o.plan(pb);
  // As run_unit does: a policy asked for and dropped at once (is it adaptive?) is no replication.
  CHECK(o.start_replication(pb, plan) != nullptr);
  {
    auto p = o.start_replication(pb, plan);
    Observation obs;
    obs.epoch = 1;
    CHECK_FALSE(p->on_epoch_end(obs).has_value());
  }
  { auto p = o.start_replication(pb, plan); }  // no epoch: nothing sent
  {
    // The next policy is made before the previous one is dropped (unique_ptr assignment): still in order.
    auto p = o.start_replication(pb, plan);
    Observation obs;
    obs.epoch = 1;
    CHECK_FALSE(p->on_epoch_end(obs).has_value());
    auto q = o.start_replication(pb, plan);
    p = std::move(q);
    obs.epoch = 2;
    CHECK_FALSE(p->on_epoch_end(obs).has_value());
  }
  const pid_t pid = o.pid();
  CHECK(o.close() == std::nullopt);  // exit status 0: every message came in the expected order
  CHECK(reaped(pid));
}

TEST_CASE("a bad reply to replication_end is reported at the next call", "[external]") {
  const Problem pb = tiny().ctx->problem();
  TempDir d;
  const std::string script = R"(import json, sys
for line in sys.stdin:
    t = json.loads(line)["type"]
    if t == "hello":
        print(json.dumps({"type": "hello", "protocol": "deplsim-orchestrator/1", "name": "bad-end", "adaptive": True}), flush=True)
    elif t == "plan_request":
        print(json.dumps({"type": "plan", "status": "ok", "plan": {"data_sources": ["cam1"],
              "segments": [{"version": "full", "cluster": "main", "nodes": 1, "pstate": 0, "epochs": 3}]}}), flush=True)
    elif t == "replication_start":
        print(json.dumps({"type": "ack"}), flush=True)
    elif t == "epoch_end":
        print(json.dumps({"type": "continue"}), flush=True)
    elif t == "replication_end":
        print(json.dumps({"type": "ack", "extra": 1}), flush=True)
)";
  std::ofstream(d.path / "bad_end.py") << script;
  ExternalOrchestrator o("/usr/bin/python3 '" + (d.path / "bad_end.py").string() + "'", tiny().knowledge(), quick());
  const Plan plan = o.plan(pb);
  {
    auto p = o.start_replication(pb, plan);
    Observation obs;
    obs.epoch = 1;
    (void)p->on_epoch_end(obs);
  }  // the destructor cannot throw: the error waits
  try {
    (void)o.plan(pb);
    FAIL("no InputError");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()).find("reply to replication_end (replication 0): extra: unknown key (expected: type)") != std::string::npos);
  }
  const pid_t pid = o.pid();
  (void)o.close();
  CHECK(reaped(pid));
}

// ---- hostile orchestrators (issue 22): deep JSON, out-of-range values, control characters, escaping trees, signals

namespace {

/// `n` arrays nested in one another: [[[...]]].
std::string deep_array(std::size_t n) { return std::string(n, '[') + std::string(n, ']'); }
/// `n` objects nested in one another: {"a":{"a":...{}...}}.
std::string deep_object(std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += "{\"a\":";
  s += "1";
  return s + std::string(n, '}');
}

/// A script that says hello, reads the problem and the plan request, and answers with the line in file `reply`.
std::string replying(const TempDir& d, const std::string& name, const std::string& reply) {
  std::ofstream(d.path / (name + ".reply")) << reply << "\n";
  return d.script(name + ".sh", "read l\n" + kHello + "\nread l\nread l\ncat '" + (d.path / (name + ".reply")).string() + "'\nsleep 30\n");
}

/// True when no process `pid` exists any more (killed and reaped).
bool gone(pid_t pid) { return pid > 0 && ::kill(pid, 0) == -1 && errno == ESRCH; }

} // namespace

TEST_CASE("parse_json_limited refuses nesting deeper than its limit without recursing", "[external][hostile]") {
  std::string error;
  CHECK_FALSE(parse_json_limited(deep_array(64), error).is_discarded());
  CHECK(error.empty());
  CHECK(parse_json_limited(deep_array(65), error).is_discarded());
  CHECK(error == "arrays and objects nested deeper than 64 levels");
  CHECK(parse_json_limited(deep_object(100000), error).is_discarded());
  CHECK(error == "arrays and objects nested deeper than 64 levels");
  CHECK(parse_json_limited(std::string(1000000, '['), error).is_discarded());  // unclosed: too deep before the end
  CHECK(parse_json_limited("{\"a\": [1, 2", error).is_discarded());
  CHECK(error.find("syntax error") != std::string::npos);
  CHECK(parse_json_limited(deep_array(3), error, 2).is_discarded());
}

TEST_CASE("printable escapes control characters, C1 controls, bidi marks and bytes that are not UTF-8", "[external][hostile]") {
  CHECK(printable("plain ≤ text") == "plain ≤ text");
  CHECK(printable("a\x1b[31mred") == "a\\x1b[31mred");
  CHECK(printable("bell\x07 del\x7f cr\r") == "bell\\x07 del\\x7f cr\\x0d");
  CHECK(printable("two\nlines\ttab", 200, true) == "two\nlines\ttab");
  CHECK(printable("two\nlines", 200, false) == "two\\x0alines");
  CHECK(printable("c1 \xc2\x9b" "31m") == "c1 \\u{009B}31m");
  CHECK(printable("rtl \xe2\x80\xae" "txt") == "rtl \\u{202E}txt");
  CHECK(printable("bad \xff\xfe utf8 \xc0\xaf") == "bad \\xff\\xfe utf8 \\xc0\\xaf");
  CHECK(printable(std::string(1000, 'x'), 10) == std::string(10, 'x') + "...");
}

TEST_CASE("deeply nested JSON from an external orchestrator is an InputError, and the orchestrator is stopped", "[external][hostile]") {
  TempDir d;
  const std::string ok_plan_head = R"({"type":"plan","status":"ok","explanation":)";
  const std::vector<std::pair<std::string, std::string>> replies = {
      {"array", deep_array(100000)},
      {"object", deep_object(100000)},
      {"unclosed", std::string(100000, '[')},
      {"in_a_plan", ok_plan_head + deep_array(100000) + "}"},
      {"in_an_error", R"({"type":"error","message":)" + deep_array(100000) + "}"},
      {"in_a_key", R"({"type":"plan","status":"ok","x":)" + deep_object(100000) + "}"},
  };
  for (const auto& [name, reply] : replies) {
    INFO(name);
    ExternalOrchestrator o(replying(d, name, reply), tiny().knowledge(), quick());
    const std::string e = plan_error(o);
    CHECK(e.find("in reply to plan_request: not JSON") != std::string::npos);
    CHECK(e.find("nested deeper than 64 levels") != std::string::npos);
    CHECK(e.size() < 1000);
    CHECK(reaped(o.pid()));
    CHECK(group_gone(o.pid()));
  }
  SECTION("in hello") {
    ExternalOrchestrator o(d.script("hello.sh", "read l\necho '{\"type\":\"hello\",\"name\":" + deep_array(5000) + "}'\nsleep 30\n"),
                           tiny().knowledge(), quick());
    CHECK(plan_error(o).find("in reply to hello: not JSON") != std::string::npos);
    CHECK(reaped(o.pid()));
  }
}

TEST_CASE("every number of an external plan is range-checked", "[external][hostile]") {
  auto error = [](const std::string& predicted, const std::string& segment) -> std::string {
    const std::string seg = segment.empty() ? R"({"version":"full","cluster":"main","nodes":1,"pstate":0,"epochs":3})" : segment;
    const std::string text = R"({"status":"ok","plan":{"data_sources":["a"],"segments":[)" + seg + R"(],"predicted":{)" + predicted + "}}}";
    try {
      (void)plan_from_json(nlohmann::json::parse(text), "who");
    } catch (const InputError& e) {
      return e.what();
    }
    return "";
  };
  CHECK(error(R"("p_target_met":0.9,"expected_loss":0.5,"energy_j":10,"time_s":2,"margin":0.1)", "").empty());
  CHECK(error(R"("p_target_met":0,"expected_loss":0,"energy_j":0,"time_s":0,"margin":0)", "").empty());
  CHECK(error(R"("p_target_met":-5)", "") == "who: plan.predicted.p_target_met: expected a probability, in [0, 1], got -5");
  CHECK(error(R"("p_target_met":1.5)", "") == "who: plan.predicted.p_target_met: expected a probability, in [0, 1], got 1.5");
  CHECK(error(R"("energy_j":-1e308)", "") == "who: plan.predicted.energy_j: expected an energy in joules, >= 0, got -1e+308");
  CHECK(error(R"("time_s":-1)", "") == "who: plan.predicted.time_s: expected a time in seconds, >= 0, got -1");
  CHECK(error(R"("expected_loss":-0.1)", "") == "who: plan.predicted.expected_loss: expected a loss, >= 0, got -0.1");
  CHECK(error(R"("margin":2)", "") == "who: plan.predicted.margin: expected a margin, in [0, 1], got 2");
  CHECK(error("", R"({"version":"full","cluster":"main","nodes":0,"pstate":0,"epochs":3})") ==
        "who: plan.segments[0].nodes: expected at least 1 node, got 0");
  CHECK(error("", R"({"version":"full","cluster":"main","nodes":1,"pstate":-1,"epochs":3})") ==
        "who: plan.segments[0].pstate: expected a power state index >= 0, got -1");
  CHECK(error("", R"({"version":"full","cluster":"main","nodes":1,"pstate":0,"epochs":-3})") ==
        "who: plan.segments[0].epochs: expected at least 1 epoch, got -3");
  const std::string huge = R"({"version":"full","cluster":"main","nodes":1,"pstate":0,"epochs":2147483647})";
  CHECK(error("", huge + "," + huge) == "who: plan.segments[0].epochs: more than 100000 epochs in all (no scenario allows as many)");
}

TEST_CASE("text from an external orchestrator reaches no terminal raw", "[external][hostile]") {
  const auto error = plan_message_error;
  const std::string body = R"("plan":{"data_sources":["a"],"segments":[{"version":"full","cluster":"main","nodes":1,"pstate":0,"epochs":3}]})";
  const Plan p = plan_from_json(nlohmann::json::parse(R"({"status":"ok","explanation":"line 1\n\u001b[2Jline 2\u009b\u202e","reason":"r\u001b]0;t\u0007",)" + body + "}"), "who");
  CHECK(p.explanation == "line 1\n\\x1b[2Jline 2\\u{009B}\\u{202E}");
  CHECK(p.reason == "r\\x1b]0;t\\x07");
  CHECK(error(R"({"status":"ok","plan":{"data_sources":["a\u001b[31m"],"segments":[]}})") ==
        "who: plan.data_sources[0]: expected a name without control characters (valid UTF-8), got \"a\\u001b[31m\"");
  CHECK(error(R"({"status":"ok","plan":{"data_sources":["a"],"segments":[{"version":"v\r","cluster":"main","nodes":1,"pstate":0,"epochs":3}]}})")
            .find("plan.segments[0].version: expected a name without control characters") != std::string::npos);
  CHECK(error(R"({"status":"ok","\u001b[2J":1})") == "who: \\x1b[2J: unknown key (expected: type, status, reason, explanation, plan)");
  CHECK(error(R"({"status":"\u001b[2J"})").find("got '\\x1b[2J'") != std::string::npos);
  CHECK(error(R"({"status":"ok","plan":{"data_sources":[")" + std::string(300, 'n') + R"("],"segments":[]}})")
            .find("a name of 300 bytes, at most 256") != std::string::npos);

  TempDir d;
  SECTION("an error message") {
    ExternalOrchestrator o(replying(d, "esc", R"({"type":"error","message":"bad\u001b[2J\u009b"})"), tiny().knowledge(), quick());
    const std::string e = plan_error(o);
    CHECK(e.find("reported an error in reply to plan_request: bad\\x1b[2J\\u{009B}") != std::string::npos);
    CHECK(e.find('\x1b') == std::string::npos);
  }
  SECTION("a message type") {
    ExternalOrchestrator o(replying(d, "type", R"({"type":"pl\u001ban"})"), tiny().knowledge(), quick());
    CHECK(plan_error(o).find("expected a \"plan\" message, got \"pl\\x1ban\"") != std::string::npos);
  }
  SECTION("not JSON, with control bytes") {
    ExternalOrchestrator o(replying(d, "raw", "\x1b[2J\x9b not json"), tiny().knowledge(), quick());
    const std::string e = plan_error(o);
    CHECK(e.find("not JSON: '\\x1b[2J\\x9b not json'") != std::string::npos);
  }
  SECTION("its name in hello") {
    ExternalOrchestrator o(d.script("name.sh", "read l\nprintf '%s\\n' '{\"type\":\"hello\",\"protocol\":\"deplsim-orchestrator/1\",\"name\":\"x\\u001b[2J\"}'\nsleep 30\n"),
                           tiny().knowledge(), quick());
    CHECK(plan_error(o).find("hello: name: expected a name without control characters") != std::string::npos);
  }
}

TEST_CASE("a failing external orchestrator's whole tree is stopped: grandchildren that called setsid, daemons", "[external][hostile]") {
  TempDir d;
  const std::string pidfile = (d.path / "grandchild.pid").string();
  // The grandchild leaves the orchestrator's process group and session (setsid) and its parent (the subshell
  // exits): only a subreaper finds it. It ignores SIGTERM too. The orchestrator answers garbage once it is there.
  const std::string body = "read l\n( exec setsid sh -c 'trap \"\" TERM; echo $$ > \"" + pidfile +
                           ".tmp\"; mv \"" + pidfile + ".tmp\" \"" + pidfile + "\"; exec sleep 1000' & )\n"
                           "while [ ! -s '" + pidfile + "' ]; do sleep 0.01; done\n";
  SECTION("garbage") {
    ExternalOrchestrator o(d.script("escape.sh", body + "echo garbage\nsleep 1000\n"), tiny().knowledge(), quick());
    CHECK(plan_error(o).find("not JSON") != std::string::npos);
    pid_t grandchild = 0;
    std::ifstream(pidfile) >> grandchild;
    REQUIRE(grandchild > 0);
    CHECK(gone(grandchild));
    CHECK(reaped(o.pid()));
  }
  SECTION("a clean exit after bye leaves a daemon behind") {
    const std::string plan = R"({"type":"plan","status":"ok","plan":{"data_sources":["cam1","cam2"],"segments":[{"version":"full","cluster":"main","nodes":1,"pstate":0,"epochs":3}]}})";
    ExternalOrchestrator o(d.script("daemon.sh", body + kHello + "\nread l\nread l\necho '" + plan + "'\nread l\nexit 0\n"),
                           tiny().knowledge(), quick());
    (void)o.plan(tiny().ctx->problem());
    CHECK_FALSE(o.close().has_value());
    pid_t grandchild = 0;
    std::ifstream(pidfile) >> grandchild;
    REQUIRE(grandchild > 0);
    CHECK(gone(grandchild));
  }
}

TEST_CASE("SIGINT while waiting for an external orchestrator ends the wait at once and stops its tree", "[external][hostile]") {
  TempDir d;
  const std::string pidfile = (d.path / "grandchild.pid").string();
  // The orchestrator starts an escaping grandchild, then interrupts deplsim (its parent, as a user's Ctrl-C would)
  // and never answers: the wait must end on the signal, not on the 120 s timeout.
  ExternalOptions opt = quick();
  opt.plan_timeout_s = 120;
  opt.message_timeout_s = 120;
  const std::string script = "read l\n" + kHello + "\nread l\nread l\n( exec setsid sh -c 'echo $$ > \"" + pidfile + ".tmp\"; mv \"" +
                             pidfile + ".tmp\" \"" + pidfile + "\"; exec sleep 1000' & )\n"
                             "while [ ! -s '" + pidfile + "' ]; do sleep 0.01; done\nkill -INT " + std::to_string(getpid()) + "\nsleep 1000\n";
  ExternalOrchestrator o(d.script("interrupt.sh", script), tiny().knowledge(), opt);
  const InterruptGuard guard(/*restart=*/true, /*once=*/false);
  int signal = 0;
  try {
    (void)o.plan(tiny().ctx->problem());
  } catch (const Interrupted& e) {
    signal = e.signal;
  } catch (const InputError& e) {
    FAIL(e.what());
  }
  CHECK(signal == SIGINT);
  pid_t grandchild = 0;
  std::ifstream(pidfile) >> grandchild;
  REQUIRE(grandchild > 0);
  CHECK(gone(grandchild));
  CHECK(reaped(o.pid()));
  CHECK_FALSE(o.close().has_value());  // interrupted: nothing to report, nothing left
}
