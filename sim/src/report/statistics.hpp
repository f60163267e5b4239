// Summary statistics of replications (docs/outputs.md): Wilson score interval for a probability, normal
// interval for a mean, quantiles by linear interpolation between order statistics (type 7).
#pragma once

#include <nlohmann/json.hpp>

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace deplsim {

/// Wilson 95% score interval for k successes out of n.
std::array<double, 2> wilson95(long long k, long long n);

/// Mean and its normal 95% interval (mean +- 1.959964 s / sqrt(n)); a single value gives [mean, mean].
struct MeanCI {
  double mean = 0.0;
  std::array<double, 2> ci95{0.0, 0.0};
};
MeanCI mean_ci95(const std::vector<double>& x);

/// P(Binomial(n, p) >= m): the one-sided p-value of m successes or more when each has probability p.
double binomial_upper_tail(long long m, long long n, double p);

/// The guarantee's verdict (docs/outputs.md 3.3) from k of n independent runs meeting L*, against p*: "met" within the
/// tolerance of 0.01 (the empirical P >= p* - 0.01 on at least 20,000 runs, or the whole Wilson 95% interval at or above
/// p* - 0.01), "violated" when the whole interval lies below p* (at any number of runs), "unknown" otherwise.
const char* guarantee_verdict(long long k, long long n, double p_star);

/// For an `unknown` verdict at the fraction `p` over `n` independent runs: about how many runs, the fraction staying
/// p, would decide it (met or violated); nothing when the verdict is already decided or n is not positive.
std::optional<long long> runs_to_decide(double p, long long n, double p_star);

/// The sentence that says so for a run's summary.json (empty unless its guarantee is `unknown` and a count decides
/// it): with `replications` the run's count, it tells whether more replications or more measured runs would help.
std::string undecided_note(const nlohmann::ordered_json& summary, long long replications);

/// Quantile of type 7 (R's default): linear interpolation between order statistics. `sorted` ascending.
double quantile7(const std::vector<double>& sorted, double p);

} // namespace deplsim
