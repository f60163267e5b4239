// Child processes (see process.hpp).
#include "support/process.hpp"

#include "support/interrupt.hpp"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <dirent.h>
#include <fstream>
#include <map>
#include <string>
#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
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
  // Under an InterruptGuard, a SIGINT/SIGTERM is passed on to the child as SIGTERM (which a deplsim unit's own guard
  // handles once, even when a terminal's SIGINT reached it too): it stops cleanly — its external orchestrator's
  // tree with it — instead of dying by its parent-death SIGKILL when this process exits. The wait polls the child's
  // pidfd and the interrupt's self-pipe, so that a signal just before the wait is not missed.
  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  bool forwarded = false;
  while (pidfd >= 0 && !forwarded) {
    if (pending_interrupt() != 0) {
      ::kill(pid, SIGTERM);
      forwarded = true;
      break;
    }
    pollfd p[2] = {{pidfd, POLLIN, 0}, {interrupt_wake_fd(), POLLIN, 0}};
    const int n = ::poll(p, p[1].fd >= 0 ? 2 : 1, -1);
    if ((n < 0 && errno != EINTR) || (n > 0 && p[0].revents != 0)) break;  // it exited (or poll cannot wait)
  }
  if (pidfd >= 0) ::close(pidfd);
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

namespace {

/// Each process's parent, from /proc/PID/stat (field 4, after the command name in parentheses, which may hold any
/// character: the last ')' ends it).
std::map<pid_t, std::vector<pid_t>> children_by_parent() {
  std::map<pid_t, std::vector<pid_t>> out;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return out;
  while (const dirent* e = readdir(proc)) {
    char* end = nullptr;
    const long pid = std::strtol(e->d_name, &end, 10);
    if (pid <= 0 || end == e->d_name || *end != '\0') continue;
    std::ifstream in(std::string("/proc/") + e->d_name + "/stat");
    std::string stat;
    if (!std::getline(in, stat)) continue;  // gone meanwhile
    const auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    char state = 0;
    long ppid = 0;
    if (std::sscanf(stat.c_str() + close + 1, " %c %ld", &state, &ppid) != 2) continue;
    out[static_cast<pid_t>(ppid)].push_back(static_cast<pid_t>(pid));
  }
  closedir(proc);
  return out;
}

} // namespace

bool become_subreaper() { return prctl(PR_SET_CHILD_SUBREAPER, 1) == 0; }

std::set<pid_t> current_children() {
  const auto tree = children_by_parent();
  auto it = tree.find(getpid());
  return it == tree.end() ? std::set<pid_t>() : std::set<pid_t>(it->second.begin(), it->second.end());
}

std::vector<pid_t> current_descendants(const std::set<pid_t>& spare) {
  const auto tree = children_by_parent();
  std::vector<pid_t> out;
  std::vector<pid_t> todo = {getpid()};
  while (!todo.empty() && out.size() < 100000) {
    const pid_t p = todo.back();
    todo.pop_back();
    auto it = tree.find(p);
    if (it == tree.end()) continue;
    for (pid_t c : it->second) {
      if (p == getpid() && spare.count(c) != 0) continue;
      out.push_back(c);
      todo.push_back(c);
    }
  }
  return out;
}

int stop_descendants(const std::set<pid_t>& spare) {
  int reaped = 0;
  // Bounded, in case of a process that forks faster than it is killed: each round ends every child there is.
  for (int round = 0; round < 10000; ++round) {
    std::vector<pid_t> children;
    for (pid_t c : current_children())
      if (spare.count(c) == 0) children.push_back(c);
    if (children.empty()) break;
    for (pid_t c : children) ::kill(c, SIGKILL);
    for (pid_t c : children) {
      int st = 0;
      while (waitpid(c, &st, 0) < 0 && errno == EINTR) {}
      ++reaped;  // its own children are ours now (reparented before it could be reaped)
    }
  }
  return reaped;
}

} // namespace deplsim
