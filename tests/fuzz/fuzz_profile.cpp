// Trace-profile CSV files (docs/profiles.md section 3), for a scenario with versions full and p75, read at global
// batch 32 (what a file with a `batch` column is filtered to; a file without one ignores it).
#include "fuzz_common.hpp"
#include "deplsim/error.hpp"
#include "learning/truth/trace_profile.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = fuzz::temp_file("profile", data, size, ".csv");
  try {
    (void)deplsim::load_trace_profile(path, {"full", "p75"}, deplsim::kMaxProfileBytes, 32);
  } catch (const deplsim::InputError&) {
  }
  return 0;
}
