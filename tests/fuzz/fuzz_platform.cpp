// Platform XML files: the libxml2 check that runs before SimGrid ever sees a file.
//
// An input is a whole platform file, or, when it starts with one of these tags, one value placed in a valid platform
// (XML-escaped, control characters as character references), with a property checked on the result:
//   "CFG:key=value"  a <config><prop id="key" value="value"/>: accepted only if key is one of SimGrid's model
//                    settings (simgrid_model_setting) — never tracing/filename, path, ... (no file written or read);
//   "NAME:text"      the id of a host (and the prefix of a cluster): accepted only without control characters;
//   "FILE:text"      a <trace file="text">: accepted only if relative, without "..", naming a regular file.
// A violated property aborts (a finding), as does anything but a result or an InputError.
#include "fuzz_common.hpp"
#include "deplsim/error.hpp"
#include "platform/simgrid_args.hpp"
#include "platform/xml_check.hpp"

#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

namespace {

std::string xml_escaped(std::string_view text) {
  std::string out;
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (ch == '&') out += "&amp;";
    else if (ch == '<') out += "&lt;";
    else if (ch == '>') out += "&gt;";
    else if (ch == '"') out += "&quot;";
    else if (c < 0x20 || c == 0x7F) out += "&#" + std::to_string(c) + ";";
    else out += ch;
  }
  return out;
}

bool has_control(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7F) return true;
    if (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
        static_cast<unsigned char>(text[i + 1]) <= 0x9F)
      return true;
  }
  return false;
}

std::string platform_with(const std::string& config, const std::string& host, const std::string& trace) {
  return "<?xml version=\"1.0\"?>\n<!DOCTYPE platform SYSTEM \"https://simgrid.org/simgrid.dtd\">\n"
         "<platform version=\"4.1\">\n" + config +
         "<zone id=\"world\" routing=\"Full\">\n"
         "<host id=\"" + host + "\" speed=\"2Gf,1Gf\"><prop id=\"wattage_per_state\" value=\"1:1:2, 1:1:1.5\"/></host>\n"
         "<cluster id=\"cl\" prefix=\"" + host + "-\" suffix=\"\" radical=\"0-1\" speed=\"1Gf\" bw=\"1Gbps\" lat=\"1us\"/>\n" +
         trace + "</zone>\n</platform>\n";
}

bool accepted(const std::string& text) {
  const std::string path = fuzz::temp_file("platform", reinterpret_cast<const std::uint8_t*>(text.data()), text.size(), ".xml");
  try {
    return deplsim::check_platform_xml(path).empty();
  } catch (const deplsim::InputError&) {
    return false;
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  if (input.rfind("CFG:", 0) == 0) {
    const std::string body = input.substr(4);
    const std::string key = body.substr(0, body.find('='));
    const std::string value = body.find('=') == std::string::npos ? "" : body.substr(body.find('=') + 1);
    const std::string config = "<config><prop id=\"" + xml_escaped(key) + "\" value=\"" + xml_escaped(value) + "\"/></config>\n";
    if (accepted(platform_with(config, "h", "")) && (!deplsim::simgrid_model_setting(key) || has_control(key))) std::abort();
  } else if (input.rfind("NAME:", 0) == 0) {
    const std::string name = input.substr(5);
    if (accepted(platform_with("", xml_escaped(name), "")) && has_control(name)) std::abort();
  } else if (input.rfind("FILE:", 0) == 0) {
    const std::string file = input.substr(5);
    const std::string trace = "<trace id=\"t\" periodicity=\"1\" file=\"" + xml_escaped(file) + "\"/>\n";
    if (accepted(platform_with("", "h", trace))) {
      const std::filesystem::path p(file);
      bool dotdot = false;
      for (const auto& part : p) dotdot |= part == "..";
      if (!file.empty() && (p.is_absolute() || dotdot || has_control(file))) std::abort();
    }
  } else {
    (void)accepted(input);
  }
  return 0;
}
