// Output folders and atomic files (see files.hpp).
#include "support/files.hpp"

#include "support/kill_point.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <iostream>
#include <sstream>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace deplsim {
namespace fs = std::filesystem;

void throw_write_error(const fs::path& path, const std::string& doing, int err) {
  throw WriteError(InputIssue{path.string(), 0, 0, "", fmt::format("cannot {}: {}", doing, std::strerror(err))});
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

namespace {

// fsync of a folder (its entries: a file created or renamed in it). 0 or an errno.
int sync_folder(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno;
  const int rc = ::fsync(fd) == 0 || errno == EINVAL ? 0 : errno;  // EINVAL: a file system without folder fsync
  ::close(fd);
  return rc;
}

fs::path folder_of(const fs::path& p) { return p.has_parent_path() ? p.parent_path() : fs::path("."); }

// Writes all of `text` to `fd`: 0 or an errno (ENOSPC when a test makes `path` fail).
int write_all(int fd, const std::string& text, const fs::path& path) {
  if (test_write_fails(path.string())) return ENOSPC;
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t w = ::write(fd, text.data() + done, text.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return w < 0 ? errno : EIO;
    done += static_cast<std::size_t>(w);
  }
  return 0;
}

} // namespace

void write_atomically(const fs::path& path, const std::string& text) {
  fs::path tmp = path;
  tmp += fmt::format(".tmp-{}", getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) throw_write_error(path, "create it", errno);
  int err = write_all(fd, text, path);
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err == 0 && ::rename(tmp.c_str(), path.c_str()) != 0) err = errno;
  if (err != 0) {
    ::unlink(tmp.c_str());
    throw_write_error(path, "write it", err);
  }
  if (const int e = sync_folder(folder_of(path)); e != 0) throw_write_error(folder_of(path), "sync the folder", e);
}

namespace {

[[noreturn]] void bad_path(const std::string& option, const std::string& value, const std::string& why) {
  throw InputError(InputIssue{option, 0, 0, "", fmt::format("'{}': {}", shown(value), why)});
}

// The names on the way to `p` (absolute, normalised): each within NAME_MAX, the last within kMaxOutputName.
void check_lengths(const std::string& option, const std::string& value, const fs::path& p) {
  if (p.native().size() >= PATH_MAX - 16)
    bad_path(option, value, fmt::format("the path is {} bytes long, at most {}", p.native().size(), PATH_MAX - 17));
  for (const auto& part : p)
    if (part.native().size() > NAME_MAX)
      bad_path(option, value, fmt::format("a name of {} bytes in the path, at most {} (NAME_MAX)", part.native().size(), NAME_MAX));
  if (p.filename().native().size() > kMaxOutputName)
    bad_path(option, value, fmt::format("the name '{}' is {} bytes long, at most {} (NAME_MAX less room for the '.partial', "
                                        "'.lock' or '.tmp-PID' deplsim puts beside it)",
                                        shown(p.filename().string()), p.filename().native().size(), kMaxOutputName));
}

// The nearest existing folder above `p`, checked on the way: no existing non-folder where a folder is needed.
fs::path existing_folder_above(const std::string& option, const std::string& value, const fs::path& p) {
  fs::path prefix;
  fs::path found = p.root_path();
  const fs::path parent = p.parent_path();
  for (const auto& part : parent) {
    prefix /= part;
    struct stat st {};
    if (::stat(prefix.c_str(), &st) != 0) {
      if (errno == ENOENT) break;
      bad_path(option, value, fmt::format("cannot reach '{}': {}", prefix.string(), std::strerror(errno)));
    }
    if (!S_ISDIR(st.st_mode)) bad_path(option, value, fmt::format("'{}' is not a folder", prefix.string()));
    found = prefix;
  }
  return found;
}

// Whether files can be created in `dir`: one is created and removed (permissions alone say little for root, or
// on a read-only file system or /proc).
void check_writable(const std::string& option, const std::string& value, const fs::path& dir) {
  const fs::path probe = dir / fmt::format(".deplsim-probe-{}", getpid());
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    bad_path(option, value, fmt::format("cannot write in the folder '{}': {}", dir.string(), std::strerror(errno)));
  ::close(fd);
  ::unlink(probe.c_str());
}

} // namespace

fs::path normal_output_path(const std::string& value) {
  std::error_code ec;
  fs::path p = fs::absolute(value, ec).lexically_normal();
  if (!p.has_filename() && p.has_parent_path() && p != p.root_path()) p = p.parent_path();
  return p;
}

fs::path checked_output_path(const std::string& option, const std::string& value, OutputKind kind) {
  const bool folder = kind == OutputKind::folder;
  if (value.empty()) bad_path(option, value, fmt::format("expected a {} name, got an empty one", folder ? "folder" : "file"));
  if (value.find('\0') != std::string::npos) bad_path(option, value, "a path cannot hold a NUL byte");
  if (!folder && value.back() == '/') bad_path(option, value, "ends in '/': expected a file name, not a folder");
  std::error_code ec;
  const fs::path p = normal_output_path(value);  // "DIR/" is DIR
  if (p == p.root_path() || p.filename() == "." || p.filename() == "..")
    bad_path(option, value, fmt::format("names no {} of its own", folder ? "folder" : "file"));
  check_lengths(option, value, p);
  const fs::path above = existing_folder_above(option, value, p);
  struct stat st {};
  if (::lstat(p.c_str(), &st) == 0) {
    if (folder && !S_ISDIR(st.st_mode) && !(S_ISLNK(st.st_mode) && fs::is_directory(p, ec)))
      bad_path(option, value, "exists and is not a folder (a folder is written there)");
    if (!folder && S_ISDIR(st.st_mode)) bad_path(option, value, "is a folder (expected a file name)");
    if (!folder && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
      bad_path(option, value, "exists and is not a regular file (a device, a pipe...): it would be replaced");
  }
  check_writable(option, value, above);
  return p;
}

namespace {

struct HeldLock {
  fs::path dir, file;
  int fd = -1;
};
std::vector<HeldLock>& held_locks() {
  static std::vector<HeldLock> locks;
  return locks;
}

std::string own_command_line() {
  std::string line = read_text("/proc/self/cmdline");
  for (char& c : line)
    if (c == '\0') c = ' ';
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return line;
}

// Opens and locks `file` (retrying when another process removed it meanwhile): the fd, or -1 when it is held.
int open_locked(const fs::path& file, const fs::path& dir) {
  for (;;) {
    const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) throw_write_error(file, fmt::format("create the lock file of '{}'", dir.string()), errno);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      ::close(fd);
      if (err == EWOULDBLOCK) return -1;
      throw_write_error(file, "lock it", err);
    }
    struct stat held {}, now {};
    if (::fstat(fd, &held) == 0 && ::stat(file.c_str(), &now) == 0 && held.st_ino == now.st_ino && held.st_dev == now.st_dev)
      return fd;
    ::close(fd);  // removed by its last holder between our open and our lock: take the new one
  }
}

} // namespace

void lock_output_dir(const fs::path& dir) {
  for (const auto& l : held_locks())
    if (l.dir == dir) return;
  fs::path file = dir;
  file += ".lock";
  std::error_code ec;
  fs::create_directories(dir.parent_path(), ec);
  if (ec) throw_write_error(dir.parent_path(), "create the folder", ec.value());
  const int fd = open_locked(file, dir);
  if (fd < 0) {
    std::string holder = read_text(file);
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
    throw InputError(InputIssue{"--out", 0, 0, "", fmt::format("'{}' is in use by another deplsim (lock {}: {}): wait for it to "
                                                               "finish, or write elsewhere",
                                                               dir.string(), file.string(), holder.empty() ? "holder unknown" : holder)});
  }
  const std::string me = fmt::format("pid {}: {}\n", getpid(), own_command_line());
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, me.data(), me.size(), 0) != static_cast<ssize_t>(me.size())) {
    const int err = errno;
    ::unlink(file.c_str());
    ::close(fd);
    throw_write_error(file, "write the lock file", err);
  }
  held_locks().push_back({dir, file, fd});
}

void release_output_locks() {
  for (auto& l : held_locks()) {
    ::unlink(l.file.c_str());  // while still holding it: a waiter that opened it sees another inode and retries
    ::close(l.fd);
  }
  held_locks().clear();
}

fs::path check_output_dir(const std::string& dir, bool force) {
  const fs::path p = checked_output_path("--out", dir, OutputKind::folder);
  lock_output_dir(p);
  std::error_code ec;
  if (fs::exists(p, ec) && !force)
    throw InputError(InputIssue{"--out", 0, 0, "", fmt::format("'{}' already exists (use --force to replace it)", p.string())});
  return p;
}

namespace {

void rename_checked(const fs::path& from, const fs::path& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) throw_write_error(to, fmt::format("rename '{}' to it", from.string()), errno);
}

// Locks this process holds on folders inside `partial` (a nested sweep's): released before it moves.
void release_locks_inside(const fs::path& partial) {
  auto& locks = held_locks();
  for (auto it = locks.begin(); it != locks.end();) {
    const auto rel = it->file.lexically_relative(partial);
    if (!rel.empty() && *rel.begin() != "..") {
      ::unlink(it->file.c_str());
      ::close(it->fd);
      it = locks.erase(it);
    } else {
      ++it;
    }
  }
}

} // namespace

void publish_directory(const fs::path& partial, const fs::path& dir) {
  release_locks_inside(partial);
  if (const int e = sync_folder(partial); e != 0) throw_write_error(partial, "sync the folder", e);
  std::error_code ec;
  fs::path old;
  if (fs::exists(dir, ec)) {
    old = dir;
    old += fmt::format(".old-{}", getpid());
    rename_checked(dir, old);
    test_kill_point("publish:replaced");
  }
  rename_checked(partial, dir);
  if (const int e = sync_folder(folder_of(dir)); e != 0) throw_write_error(folder_of(dir), "sync the folder", e);
  if (!old.empty()) fs::remove_all(old, ec);
  // What a process killed between the two renames left: DIR.old-PID folders, the previous results.
  const std::string stale = dir.filename().string() + ".old-";
  for (const auto& e : fs::directory_iterator(folder_of(dir), ec)) {
    const std::string name = e.path().filename().string();
    if (name.size() > stale.size() && name.compare(0, stale.size(), stale) == 0 &&
        name.find_first_not_of("0123456789", stale.size()) == std::string::npos)
      fs::remove_all(e.path(), ec);
  }
}

fs::path resumable_work_dir(const std::string& out, bool force, bool resume, const std::string& what) {
  const fs::path dir = check_output_dir(out, true);
  fs::path work = dir;
  work += ".partial";
  std::error_code ec;
  if (force) {
    fs::remove_all(work, ec);
  } else if (resume) {
    if (!fs::exists(work, ec) && fs::exists(dir, ec)) rename_checked(dir, work);
  } else {
    if (fs::exists(dir, ec))
      throw InputError(InputIssue{"--out", 0, 0, "", fmt::format("'{}' already exists (use --force to replace it)", dir.string())});
    if (fs::exists(work, ec))
      throw InputError(InputIssue{"--out", 0, 0, "", fmt::format("'{}' holds an interrupted {}: finish it with --resume, or start again "
                                                                 "with --force", work.string(), what)});
  }
  return work;
}

PartialFolder::PartialFolder(const fs::path& dir) : dir_(dir), partial_(dir) {
  partial_ += ".partial";
  std::error_code ec;
  fs::remove_all(partial_, ec);
  fs::create_directories(partial_, ec);
  if (ec) throw_write_error(partial_, "create the folder", ec.value());
}

PartialFolder::~PartialFolder() {
  if (published_) return;
  std::error_code ec;
  fs::remove_all(partial_, ec);
}

void PartialFolder::publish() {
  publish_directory(partial_, dir_);
  published_ = true;
}

namespace {

// stderr's writes: to fd 2 as they come; what cannot be written is dropped (reported as written).
ssize_t write_stderr(void*, const char* buf, std::size_t n) {
  std::size_t done = 0;
  while (done < n) {
    const ssize_t w = ::write(STDERR_FILENO, buf + done, n - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) break;
    done += static_cast<std::size_t>(w);
  }
  return static_cast<ssize_t>(n);
}

} // namespace

void guard_stderr() {
  cookie_io_functions_t io{};
  io.write = write_stderr;
  FILE* f = fopencookie(nullptr, "w", io);
  if (f == nullptr) return;
  setvbuf(f, nullptr, _IONBF, 0);
  stderr = f;
}

bool stdout_written(int failed_errno) {
  errno = 0;
  std::cout.flush();  // std::cout shares stdout's buffer: this may be the flush that fails
  int err = failed_errno != 0 ? failed_errno : errno;
  if (std::fflush(stdout) != 0 && err == 0) err = errno;
  if (std::ferror(stdout) == 0 && !std::cout.fail()) return true;
  fmt::print(stderr, "error: cannot write to stdout: {}\n", err != 0 ? std::strerror(err) : "a write to it failed");
  return false;
}

} // namespace deplsim
