#include "experiment/process.hpp"

#include "deplsim/error.hpp"
#include "report/run_outputs.hpp"

#include <fmt/format.h>
#include <cstdlib>
#include <csignal>

#include <cerrno>
#include <fcntl.h>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace deplsim {
namespace fs = std::filesystem;

pid_t start_process(const std::vector<std::string>& args, const fs::path& log) {
  std::vector<std::string> copy = args;
  std::vector<char*> argv;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    // A unit never outlives the command that started it: killed with it (even by SIGKILL), it cannot go on
    // writing into a folder that a --resume is about to redo.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(137);  // the parent died before prctl
    FILE* f = std::fopen(log.c_str(), "w");
    if (f != nullptr) {
      dup2(fileno(f), STDOUT_FILENO);
      dup2(fileno(f), STDERR_FILENO);
    }
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

namespace {
std::atomic<int> g_interrupted{0};
extern "C" void on_interrupt(int sig) { g_interrupted = sig; }
} // namespace

InterruptGuard::InterruptGuard(bool restart, bool once) {
  g_interrupted = 0;
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = (restart ? SA_RESTART : 0) | (once ? SA_RESETHAND : 0);
  sigaction(SIGINT, &sa, &old_int_);
  sigaction(SIGTERM, &sa, &old_term_);
}

InterruptGuard::~InterruptGuard() {
  sigaction(SIGINT, &old_int_, nullptr);
  sigaction(SIGTERM, &old_term_, nullptr);
}

const std::atomic<int>& interrupt_signal() { return g_interrupted; }

std::string self_executable() {
  char buf[4096];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string("/proc/self/exe");
}

int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

int wait_process(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return exit_code_of(status);
}

int run_process(const std::vector<std::string>& args, const fs::path& log) {
  const pid_t pid = start_process(args, log);
  if (pid < 0) return -1;
  return wait_process(pid);
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string last_lines(const std::string& text, int n) {
  std::vector<std::string> lines;
  std::stringstream ss(text);
  std::string line;
  while (std::getline(ss, line))
    if (!line.empty()) lines.push_back(line);
  std::string out;
  for (std::size_t i = lines.size() > static_cast<std::size_t>(n) ? lines.size() - n : 0; i < lines.size(); ++i)
    out += (out.empty() ? "" : " | ") + lines[i];
  return out;
}

std::string csv_num(const nlohmann::json& v) {
  if (!v.is_number()) return "";
  return csv_number(v.get<double>());
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::pair<int, std::string> capture(const std::vector<std::string>& args, bool with_stderr) {
  int fds[2];
  if (pipe(fds) != 0) return {-1, ""};
  const pid_t pid = fork();
  if (pid < 0) return {-1, ""};
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    if (with_stderr) {
      dup2(fds[1], STDERR_FILENO);
    } else {
      const int devnull = ::open("/dev/null", O_WRONLY);
      if (devnull >= 0) dup2(devnull, STDERR_FILENO);
    }
    close(fds[0]);
    std::vector<std::string> copy = args;
    std::vector<char*> argv;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  close(fds[1]);
  std::string out;
  char buf[4096];
  ssize_t n = 0;
  while ((n = read(fds[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0) out.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  return {wait_process(pid), out};
}

fs::path resumable_work_dir(const std::string& out, bool force, bool resume, const std::string& what) {
  const fs::path dir = fs::absolute(out).lexically_normal();
  fs::path work = dir;
  work += ".partial";
  std::error_code ec;
  if (force) {
    fs::remove_all(work, ec);
  } else if (resume) {
    if (!fs::exists(work, ec) && fs::exists(dir, ec)) fs::rename(dir, work);
  } else {
    check_output_dir(dir, false);
    if (fs::exists(work, ec))
      throw InputError(InputIssue{"--out", 0, 0, "", fmt::format("'{}' holds an interrupted {}: finish it with --resume, or start again "
                                                                 "with --force", work.string(), what)});
  }
  return work;
}

void test_kill_point(const std::string& point) {
  static const char* const at = std::getenv("DEPLSIM_TEST_KILL_AT");
  if (at != nullptr && point == at) ::kill(::getpid(), SIGKILL);
}

void write_atomically(const fs::path& path, const std::string& text) {
  fs::path tmp = path;
  tmp += fmt::format(".tmp-{}", getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) throw std::runtime_error("cannot write " + tmp.string());
  }
  fs::rename(tmp, path);
}

std::optional<double> optimum_energy_of(const std::string& orchestrator, const nlohmann::json& s) {
  if (orchestrator != "optimum" || s.value("status", "") != "ok" || !s["cost"].is_object() || !s["cost"]["energy_j_mean"].is_number())
    return std::nullopt;
  const double e = s["cost"]["energy_j_mean"].get<double>();
  if (!(e > 0)) return std::nullopt;
  return e;
}

std::string comparison_columns(const nlohmann::json& s, std::optional<double> optimum_energy) {
  const auto& q = s["quality"];
  const auto& c = s["cost"];
  const auto& pred = s["plan"]["predicted"];
  std::string vs;
  if (optimum_energy && s["status"] == "ok" && c.is_object() && c["energy_j_mean"].is_number())
    vs = csv_number(c["energy_j_mean"].get<double>() / *optimum_energy - 1.0);
  return fmt::format("{},{},{},{},{},{},{},{},{},{},{}", s["status"].get<std::string>(), s["guarantee"].get<std::string>(),
                     csv_num(pred["p_target_met"]), q.is_null() ? "" : csv_num(q["p_target_met"]),
                     q.is_null() ? "" : csv_num(q["p_target_met_ci95"][0]), q.is_null() ? "" : csv_num(q["p_target_met_ci95"][1]),
                     c.is_null() ? "" : csv_num(c["energy_j_mean"]), c.is_null() ? "" : csv_num(c["energy_j_ci95"][0]),
                     c.is_null() ? "" : csv_num(c["energy_j_ci95"][1]), c.is_null() ? "" : csv_num(c["time_s_mean"]), vs);
}

} // namespace deplsim
