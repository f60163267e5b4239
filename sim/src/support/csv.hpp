// CSV fields as every output file writes them (docs/outputs.md): numbers in the C locale, shortest round-trip
// form, empty for a missing value; text quoted only when needed.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace deplsim {

/// A number in the C locale, shortest round-trip form ("" for NaN or infinity).
std::string csv_number(double v);
/// A JSON number as a CSV number; "" for anything else.
std::string csv_num(const nlohmann::json& v);
/// Quotes a CSV field when needed.
std::string csv_field(const std::string& s);

} // namespace deplsim
