#include "studies/figures.hpp"

#include "support/process.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <unistd.h>

namespace deplsim {

bool draw_figures(const std::string& script, const std::string& dir, const std::string& data_dir) {
  const std::string path = data_dir + "/analysis/" + script;
  if (access("/usr/bin/python3", X_OK) != 0 || access(path.c_str(), R_OK) != 0) {
    fmt::print(stderr, "note: no figure (needs /usr/bin/python3 and {})\n", path);
    return false;
  }
  const auto [rc, text] = capture({"/usr/bin/python3", path, dir}, true);
  if (rc != 0) {
    fmt::print(stderr, "note: the figures could not be drawn: {}\n", text);
    return false;
  }
  return true;
}

} // namespace deplsim
