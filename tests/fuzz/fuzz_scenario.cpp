// The scenario loader with --set overrides: lines of the input starting with "#set " are overrides (KEY=VALUE),
// the rest is the scenario's YAML.
#include "deplsim/error.hpp"
#include "scenario/scenario_loader.hpp"

#include <sstream>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  std::istringstream in(input);
  std::string line, yaml;
  std::vector<std::string> overrides;
  while (std::getline(in, line)) {
    if (line.rfind("#set ", 0) == 0) overrides.push_back(line.substr(5));
    else yaml += line + "\n";
  }
  try {
    (void)deplsim::load_scenario_text(yaml, "fuzz.yaml", overrides);
  } catch (const deplsim::InputError&) {
  }
  return 0;
}
