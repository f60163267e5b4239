// SHA-256 (OpenSSL's libcrypto) of files and texts: input fingerprints in summaries and run states, and the
// keys of the planner-knowledge cache.
#pragma once

#include <string>

namespace deplsim {

/// SHA-256 of a file's bytes, hex; empty if unreadable.
std::string sha256_file(const std::string& path);
/// SHA-256 of a text, hex.
std::string sha256_text(const std::string& text);

} // namespace deplsim
