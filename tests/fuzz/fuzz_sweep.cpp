// Sweep files.
#include "fuzz_common.hpp"
#include "deplsim/error.hpp"
#include "studies/sweep.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = fuzz::temp_file("sweep", data, size, ".yaml");
  try {
    (void)deplsim::load_sweep(path);
  } catch (const deplsim::InputError&) {
  }
  return 0;
}
