// CSV fields (see csv.hpp).
#include "support/csv.hpp"

#include <fmt/format.h>

#include <cmath>

namespace deplsim {

std::string csv_number(double v) {
  if (!std::isfinite(v)) return "";
  return fmt::format("{}", v);
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

} // namespace deplsim
