// `deplsim platform generate SPEC.yaml --out FILE.xml`: platforms of any size from a short spec
// (docs/platforms.md section 6). Throws InputError for a bad spec.
#pragma once

#include <string>

namespace deplsim {

int generate_platform(const std::string& spec_path, const std::string& out_path);

} // namespace deplsim
