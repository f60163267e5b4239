// SimGrid arguments deplsim always passes before the user's --cfg (which can override them).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace deplsim {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kAddressSanitizer = true;
#else
inline constexpr bool kAddressSanitizer = false;
#endif
#else
inline constexpr bool kAddressSanitizer = false;
#endif

/// `--cfg=...` arguments that come first: under AddressSanitizer, SimGrid's actors run as threads
/// (contexts/factory:thread), since ASan cannot follow the default ucontext/raw context switches.
inline std::vector<std::string> simgrid_base_args() {
  std::vector<std::string> args;
  if (kAddressSanitizer) args.emplace_back("--cfg=contexts/factory:thread");
  return args;
}

/// The SimGrid settings that a file may carry (a scenario's `simgrid.cfg`, a `--set` of it, a platform's
/// `<config><prop>`): those of the performance models only. Anything else can write files (tracing/filename, a trace
/// in the working folder), read them (path, tracing/comment-file, smpi/...) or change the process (contexts/...,
/// debug/...): such settings come from the command line (--cfg) only, so that nothing but the command line decides
/// what deplsim writes outside --out.
inline bool simgrid_model_setting(std::string_view key) {
  constexpr std::string_view kPrefixes[] = {"network/", "cpu/", "host/", "maxmin/", "precision/"};
  for (std::string_view p : kPrefixes)
    if (key.size() > p.size() && key.substr(0, p.size()) == p) return true;
  return key == "surf/precision";
}

/// How simgrid_model_setting's rule is written in messages.
inline constexpr std::string_view kSimgridModelSettings =
    "network/..., cpu/..., host/..., maxmin/..., surf/precision, precision/...";

} // namespace deplsim
