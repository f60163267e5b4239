// Platform XML files: the libxml2 check that runs before SimGrid ever sees a file.
#include "fuzz_common.hpp"
#include "deplsim/error.hpp"
#include "platform/xml_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = fuzz::temp_file("platform", data, size, ".xml");
  try {
    (void)deplsim::check_platform_xml(path);
  } catch (const deplsim::InputError&) {
  }
  return 0;
}
