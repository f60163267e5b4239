// Shared by the libFuzzer targets (tests/fuzz/README.md): writes an input to a per-process temporary file for the
// loaders that read files, and the rule every target checks — an input ends in a valid result or an InputError
// (a clear error); anything else (another exception, a crash, a sanitizer report) is a finding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>
#include <unistd.h>

namespace fuzz {

inline std::string temp_file(const char* tag, const std::uint8_t* data, std::size_t size, const char* ext) {
  const std::string path = "/tmp/deplsim-fuzz-" + std::string(tag) + "-" + std::to_string(::getpid()) + ext;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path;
}

} // namespace fuzz
