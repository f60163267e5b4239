// A user's fault events file (see fault_events.hpp).
#include "scenario/fault_events.hpp"

#include "deplsim/error.hpp"
#include "support/yaml_reader.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace deplsim {

// A user's fault events (docs/scenario.md 2.12): CSV `time_s,host,event,value`, event off | on | speed (value: the
// speed factor, > 0). Returns the events in file order; on the first problem, `why` says FILE:LINE: what.
std::vector<FaultEvent> read_fault_events(const std::string& path, std::string& why) {
  std::vector<FaultEvent> out;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    why = fmt::format("events file '{}' does not exist", path);
    return out;
  }
  if (std::filesystem::file_size(path, ec) > yaml::kMaxFileBytes) {
    why = fmt::format("{}: larger than {} bytes", path, yaml::kMaxFileBytes);
    return out;
  }
  std::ifstream in(path);
  std::string line;
  int n = 0;
  auto fail = [&](const std::string& msg) {
    why = fmt::format("{}:{}: {}", path, n, msg);
    out.clear();
    return out;
  };
  while (std::getline(in, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (n == 1) {
      if (line != "time_s,host,event,value") return fail(fmt::format("expected the header 'time_s,host,event,value', got '{}'", shown(line)));
      continue;
    }
    if (line.empty()) continue;
    std::vector<std::string> f;
    std::string cur;
    for (char c : line) {
      if (c == ',') {
        f.push_back(cur);
        cur.clear();
      } else {
        cur += c;
      }
    }
    f.push_back(cur);
    if (f.size() != 4) return fail(fmt::format("expected 4 fields (time_s,host,event,value), got {}", f.size()));
    FaultEvent e;
    e.line = n;
    char* end = nullptr;
    e.time_s = std::strtod(f[0].c_str(), &end);
    if (f[0].empty() || end == nullptr || *end != '\0' || !std::isfinite(e.time_s) || e.time_s < 0)
      return fail(fmt::format("time_s: expected a finite number >= 0, got '{}'", shown(f[0])));
    e.host = f[1];
    if (e.host.empty()) return fail("host: empty");
    if (f[2] == "off") e.kind = FaultEvent::Kind::off;
    else if (f[2] == "on") e.kind = FaultEvent::Kind::on;
    else if (f[2] == "speed") e.kind = FaultEvent::Kind::speed;
    else return fail(fmt::format("event: expected off, on or speed, got '{}'", shown(f[2])));
    if (e.kind == FaultEvent::Kind::speed) {
      e.value = std::strtod(f[3].c_str(), &end);
      if (f[3].empty() || end == nullptr || *end != '\0' || !std::isfinite(e.value) || !(e.value > 0) || e.value > 1000)
        return fail(fmt::format("value: a speed factor in (0, 1000], got '{}'", shown(f[3])));
    } else if (!f[3].empty()) {
      return fail(fmt::format("value: only for speed events, got '{}'", shown(f[3])));
    }
    out.push_back(e);
    if (out.size() > 1'000'000) return fail("more than 1,000,000 events");
  }
  if (n == 0) return fail("empty file (expected the header 'time_s,host,event,value')");
  return out;
}

} // namespace deplsim
