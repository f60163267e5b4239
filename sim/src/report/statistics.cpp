// Summary statistics (see statistics.hpp).
#include "report/statistics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace deplsim {

namespace {
constexpr double kZ95 = 1.959963984540054;
}

std::array<double, 2> wilson95(long long k, long long n) {
  if (n <= 0) return {0.0, 1.0};
  const double nn = static_cast<double>(n);
  const double p = static_cast<double>(k) / nn;
  const double z2 = kZ95 * kZ95;
  const double centre = (p + z2 / (2 * nn)) / (1 + z2 / nn);
  const double half = kZ95 / (1 + z2 / nn) * std::sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn));
  // At k = 0 and k = n the bound is exactly 0 or 1 (the formula's last bits may miss it).
  return {k <= 0 ? 0.0 : std::max(0.0, centre - half), k >= n ? 1.0 : std::min(1.0, centre + half)};
}

MeanCI mean_ci95(const std::vector<double>& x) {
  MeanCI out;
  if (x.empty()) return out;
  double sum = 0;
  for (double v : x) sum += v;
  out.mean = sum / static_cast<double>(x.size());
  if (std::all_of(x.begin(), x.end(), [&](double v) { return v == x.front(); })) {
    out.mean = x.front();  // exact, without summation rounding
    out.ci95 = {out.mean, out.mean};
    return out;
  }
  if (x.size() < 2) {
    out.ci95 = {out.mean, out.mean};
    return out;
  }
  double ss = 0;
  for (double v : x) ss += (v - out.mean) * (v - out.mean);
  const double sd = std::sqrt(ss / static_cast<double>(x.size() - 1));
  const double half = kZ95 * sd / std::sqrt(static_cast<double>(x.size()));
  out.ci95 = {out.mean - half, out.mean + half};
  return out;
}

double quantile7(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) throw std::invalid_argument("quantile of no values");
  const double h = (static_cast<double>(sorted.size()) - 1) * p;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(sorted.size() - 1, lo + 1);
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

double binomial_upper_tail(long long m, long long n, double p) {
  if (m <= 0) return 1.0;
  if (m > n) return 0.0;
  double sum = 0.0;
  for (long long i = m; i <= n; ++i) {
    const double log_pmf = std::lgamma(static_cast<double>(n) + 1) - std::lgamma(static_cast<double>(i) + 1) -
                           std::lgamma(static_cast<double>(n - i) + 1) + static_cast<double>(i) * std::log(p) +
                           static_cast<double>(n - i) * std::log1p(-p);
    sum += std::exp(log_pmf);
  }
  return std::min(1.0, sum);
}

const char* guarantee_verdict(long long k, long long n, double p_star) {
  if (n <= 0) return "unknown";
  const double p = static_cast<double>(k) / static_cast<double>(n);
  const auto ci = wilson95(k, n);
  if ((n >= 20000 && p >= p_star - 0.01) || ci[0] >= p_star - 0.01) return "met";
  if (ci[1] < p_star) return "violated";
  return "unknown";
}

std::optional<long long> runs_to_decide(double p, long long n, double p_star) {
  auto verdict = [&](long long m) { return std::string(guarantee_verdict(std::llround(p * static_cast<double>(m)), m, p_star)); };
  if (n <= 0 || verdict(n) != "unknown") return std::nullopt;
  // The smallest decisive count, by bisection between n (unknown) and a count that decides: 20,000 when p >= p* - 0.01
  // (the rule's own count), else the first doubling whose interval lies below p*.
  long long hi = 20000;
  if (p < p_star - 0.01) {
    hi = std::max<long long>(n, 1);
    while (verdict(hi) == "unknown" && hi < (1LL << 40)) hi *= 2;
  }
  if (verdict(hi) == "unknown") return std::nullopt;
  long long lo = n;
  while (hi - lo > 1) {
    const long long mid = lo + (hi - lo) / 2;
    (verdict(mid) == "unknown" ? lo : hi) = mid;
  }
  return hi;
}

std::string undecided_note(const nlohmann::ordered_json& summary, long long replications) {
  if (summary.value("guarantee", "") != "unknown" || summary.value("status", "") != "ok" || !summary["quality"].is_object())
    return "";
  const auto& q = summary["quality"];
  const double p_star = summary["target"]["probability"].get<double>();
  const long long n = q.value("independent_runs", 0LL);
  const auto m = runs_to_decide(q["p_target_met"].get<double>(), n, p_star);
  if (!m) return "";
  if (n < replications)  // a measured profile: the replications resample its n evaluation seeds
    return fmt::format("the guarantee is unknown: the 95% interval holds both p* - 0.01 and p*, over the {} measured runs the "
                       "replications resample; at this P about {} measured runs would decide it (more replications would not)",
                       n, *m);
  return fmt::format("the guarantee is unknown: the 95% interval holds both p* - 0.01 and p*; at this P about {} replications "
                     "would decide it (--replications {})", *m, *m);
}

} // namespace deplsim
