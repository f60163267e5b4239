// Summary statistics (see statistics.hpp).
#include "report/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

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

} // namespace deplsim
