// Output folders and atomic files (see files.hpp).
#include "support/files.hpp"

#include "deplsim/error.hpp"
#include "support/kill_point.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <unistd.h>
#include <vector>

namespace deplsim {
namespace fs = std::filesystem;

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

void check_output_dir(const fs::path& dir, bool force) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !force)
    throw InputError(InputIssue{"--out", 0, 0, "", fmt::format("'{}' already exists (use --force to replace it)", dir.string())});
}

void publish_directory(const fs::path& partial, const fs::path& dir) {
  std::error_code ec;
  fs::path old;
  if (fs::exists(dir, ec)) {
    old = dir;
    old += fmt::format(".old-{}", getpid());
    fs::rename(dir, old);
    test_kill_point("publish:replaced");
  }
  fs::rename(partial, dir);
  if (!old.empty()) fs::remove_all(old);
  // What a process killed between the two renames left: DIR.old-PID folders, the previous results.
  const std::string stale = dir.filename().string() + ".old-";
  for (const auto& e : fs::directory_iterator(dir.has_parent_path() ? dir.parent_path() : fs::path("."), ec)) {
    const std::string name = e.path().filename().string();
    if (name.size() > stale.size() && name.compare(0, stale.size(), stale) == 0 &&
        name.find_first_not_of("0123456789", stale.size()) == std::string::npos)
      fs::remove_all(e.path(), ec);
  }
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

} // namespace deplsim
