// SimGrid arguments deplsim always passes before the user's --cfg (which can override them).
#pragma once

#include <string>
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

} // namespace deplsim
