// depl-online (docs/model.md 0.9 and 5.6): a policy computed once by backward induction over (epoch, version
// chain, observed validation-loss level) — continue, switch at a declared epoch, or stop — and looked up at each
// epoch end from the validation loss the replication observes. It trains on depl's data set and resources; what
// it adapts is when to stop and whether to switch. Judged, like every orchestrator, on the test loss.
//
// The induction minimises E[cost] + lambda x P(miss) (a Lagrangian of "minimum energy subject to P(hit) >= p*"):
// V(k, c, b) = min( stop: lambda (1 - s_{c,k}(b)),  continue: C_c(k+1) + sum_b' T_{c,k}(b, b') V(k+1, c, b'),
//                   switch to c': C_c'(k+1) + sum_b' T_{c',k}(b, b') V(k+1, c', b') ),
// where s is the fraction of training trajectories at that state whose test loss meets L*, T the transitions of
// the observed levels, C the cost model's epoch cost. Both are counted from the knowledge's own trajectories
// (knowledge stream; never the evaluation one), half of them; lambda is then the smallest whose policy, replayed
// on the other half, meets p* plus a one-sided 95% sampling margin (with a measured profile: all seeds, and the
// Clopper-Pearson lower bound of its hits must reach p*).
#include "../common/certify.hpp"
#include "../common/search_engine.hpp"
#include "../common/selection_only.hpp"
#include "deplsim/knowledge.hpp"
#include "deplsim/orchestrator.hpp"
#include "depl_online.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <tuple>

namespace deplsim {

namespace {

struct Chain {
  std::size_t first = 0;
  std::size_t second = 0;
  int at = 0;  // 0: no switch
  std::vector<std::vector<int>> level;  // [trajectory][epoch-1]: observed validation level
  std::vector<std::vector<char>> met;   // [trajectory][epoch-1]: test loss <= L*
  std::vector<double> test_at;          // unused placeholder (kept small)
  std::vector<std::vector<double>> test;  // [trajectory][epoch-1]: test loss
};

using Row = std::vector<std::pair<int, double>>;

struct Policy {
  std::shared_ptr<const LossGrid> grid;
  std::vector<Chain> chains;  // chain 0: the first version alone
  // action[c][k-1][b]: -1 stop, 0 continue, j > 0 switch into chain j
  std::vector<std::vector<std::vector<int>>> action;
  Resources res;
  std::vector<std::string> version_names;
  std::string cluster;
  int k_max = 0;
};

struct Evaluation {
  double hit = 0;       // fraction of trajectories meeting L* when the policy stops
  std::size_t hits = 0;
  std::size_t n = 0;
  double cost = 0;      // mean epoch cost
  double energy = 0;
  double time = 0;
  double loss = 0;      // mean test loss at the stop
  int last_epoch = 0;
};

class OnlinePolicy final : public ReplicationPolicy {
public:
  explicit OnlinePolicy(std::shared_ptr<const Policy> p) : p_(std::move(p)) {}
  std::optional<std::vector<Segment>> on_epoch_end(const Observation& o) override {
    const int k = o.epoch;
    if (k < 1 || k > p_->k_max) return std::vector<Segment>{};
    const int b = p_->grid->level_of(o.validation_loss);
    const auto& acts = p_->action[chain_];
    if (static_cast<std::size_t>(k - 1) >= acts.size()) return std::vector<Segment>{};
    const int a = acts[static_cast<std::size_t>(k - 1)][static_cast<std::size_t>(b)];
    if (a < 0) return std::vector<Segment>{};  // stop: deliver the model now
    if (a == 0) return std::nullopt;           // continue as planned
    chain_ = static_cast<std::size_t>(a);
    const Chain& c = p_->chains[chain_];
    return std::vector<Segment>{Segment{p_->version_names[c.second], p_->cluster, p_->res.nodes, p_->res.pstate, p_->k_max - k}};
  }

private:
  std::shared_ptr<const Policy> p_;
  std::size_t chain_ = 0;
};

using Actions = std::vector<std::vector<std::vector<int>>>;  // as Policy::action

/// What the policy is built on: depl's plan, its data set and resources, and the epochs it may train.
struct Basis {
  Plan base;            // depl's plan
  Resources res;        // its first segment's resources
  double samples = 0;   // of its data set
  int k_max = 0;        // max_epochs, or fewer under a deadline
  PlanCost ship;        // shipping its data set to its first segment's resources
  bool finite = false;  // a finite set of runs (measured profile): fit and judge on all of them, by the bound
};

class Induction;

/// A first version's policy and its evaluation on the held-out trajectories.
struct Choice {
  std::shared_ptr<Policy> policy;
  Evaluation eval;
  double lambda = 0;
  std::shared_ptr<const Induction> induction;  // what made it (certification induces the policies of other lambdas)
};

// The induction for one first version's chains: success fractions and transitions counted on the fit half of the
// trajectories, the policy of a lambda by backward induction, and its evaluation on the held-out half.
class Induction {
public:
  Induction(const Problem& pb, const Basis& basis, const Policy& pol)
      : pol_(pol), finite_(basis.finite), p_star_(pb.scenario.target.probability), B(pol.grid->levels()), K(basis.k_max),
        C(pol.chains.size()) {
    // Fit on one half, evaluate on the other (a measured profile: all seeds for both, judged by the bound).
    const std::size_t n = pol.chains.front().level.size();
    for (std::size_t r = 0; r < n; ++r) {
      if (finite_) {
        fit_.push_back(r);
        eval_.push_back(r);
      } else {
        (r % 2 == 0 ? fit_ : eval_).push_back(r);
      }
    }
    epoch_costs(pb, basis);
    fit();
  }

  // The policy minimising E[cost] + lambda x P(miss) (the file's opening comment).
  [[nodiscard]] Actions induce(double lambda) const {
    Actions act(C, std::vector<std::vector<int>>(static_cast<std::size_t>(K), std::vector<int>(static_cast<std::size_t>(B), -1)));
    std::vector<std::vector<std::vector<double>>> V(C, std::vector<std::vector<double>>(static_cast<std::size_t>(K), std::vector<double>(static_cast<std::size_t>(B), 0)));
    for (int k = K - 1; k >= 0; --k)
      for (std::size_t c = 0; c < C; ++c) {
        const Chain& ch = pol_.chains[c];
        if (ch.at != 0 && k < ch.at) continue;  // before its switch, a switched chain is chain 0
        for (int b = 0; b < B; ++b) {
          const auto bi = static_cast<std::size_t>(b);
          double best_v = lambda * (1 - succ_[c][static_cast<std::size_t>(k)][bi]);
          int best_a = -1;
          if (k + 1 < K) {
            double cont = std::get<0>(vcost_[version_at(ch, k + 2)]);
            for (auto [j, p] : trans_[c][static_cast<std::size_t>(k)][bi]) cont += p * V[c][static_cast<std::size_t>(k + 1)][static_cast<std::size_t>(j)];
            if (cont < best_v) {
              best_v = cont;
              best_a = 0;
            }
            if (c == 0)
              for (std::size_t j2 = 1; j2 < C; ++j2) {
                const Chain& cj = pol_.chains[j2];
                if (cj.at != k + 1) continue;  // switch after epoch k+1 (1-based), i.e. at this decision
                double sw = std::get<0>(vcost_[cj.second]);
                for (auto [j, p] : trans_[j2][static_cast<std::size_t>(k)][bi]) sw += p * V[j2][static_cast<std::size_t>(k + 1)][static_cast<std::size_t>(j)];
                if (sw < best_v) {
                  best_v = sw;
                  best_a = static_cast<int>(j2);
                }
              }
          }
          V[c][static_cast<std::size_t>(k)][bi] = best_v;
          act[c][static_cast<std::size_t>(k)][bi] = best_a;
        }
      }
    return act;
  }

  // The policy `act` replayed on the held-out trajectories.
  [[nodiscard]] Evaluation evaluate(const Actions& act) const {
    Evaluation ev;
    for (auto r : eval_) {
      std::size_t c = 0;
      double cost = std::get<0>(vcost_[pol_.chains[0].first]);
      double energy = std::get<1>(vcost_[pol_.chains[0].first]);
      double time = std::get<2>(vcost_[pol_.chains[0].first]);
      int k = 1;
      while (true) {
        const Chain& ch = pol_.chains[c];
        const int b = ch.level[r][static_cast<std::size_t>(k - 1)];
        const int a = act[c][static_cast<std::size_t>(k - 1)][static_cast<std::size_t>(b)];
        if (a < 0 || k >= K) {
          ev.hits += static_cast<std::size_t>(ch.met[r][static_cast<std::size_t>(k - 1)]);
          ev.loss += ch.test[r][static_cast<std::size_t>(k - 1)];
          ev.last_epoch = std::max(ev.last_epoch, k);
          break;
        }
        if (a > 0) c = static_cast<std::size_t>(a);
        const std::size_t v = version_at(pol_.chains[c], k + 1);
        cost += std::get<0>(vcost_[v]);
        energy += std::get<1>(vcost_[v]);
        time += std::get<2>(vcost_[v]);
        ++k;
      }
      ev.cost += cost;
      ev.energy += energy;
      ev.time += time;
    }
    ev.n = eval_.size();
    const auto nn = static_cast<double>(ev.n);
    ev.hit = static_cast<double>(ev.hits) / nn;
    ev.cost /= nn;
    ev.energy /= nn;
    ev.time /= nn;
    ev.loss /= nn;
    return ev;
  }

  // Whether an evaluation meets p*: with its one-sided 95% sampling margin, or (finite runs) by the
  // Clopper-Pearson lower bound of its hits.
  [[nodiscard]] bool good(const Evaluation& ev) const {
    if (finite_) return reaches(clopper_pearson_lower(ev.hits, ev.n, 0.05), p_star_);
    return ev.hit >= p_star_ + 1.6448536 * std::sqrt(p_star_ * (1 - p_star_) / static_cast<double>(ev.n));
  }

  // The dearest epoch's objective.
  [[nodiscard]] double max_epoch_cost() const {
    double cmax = 0;
    for (auto& t : vcost_) cmax = std::max(cmax, std::get<0>(t));
    return cmax;
  }

  [[nodiscard]] int epochs() const { return K; }

private:
  const Policy& pol_;
  const bool finite_;
  const double p_star_;
  const int B;          // observed levels
  const int K;          // epochs
  const std::size_t C;  // chains
  std::vector<std::size_t> fit_, eval_;                   // the trajectories of each half
  std::vector<std::tuple<double, double, double>> vcost_;  // [v]: an epoch's (objective, energy, time)
  std::vector<std::vector<std::vector<double>>> succ_;     // [c][k][b]: fraction meeting L*
  std::vector<std::vector<std::vector<Row>>> trans_;       // [c][k][b]: transitions to the next epoch's levels

  static std::size_t version_at(const Chain& c, int k) { return (c.at == 0 || k <= c.at) ? c.first : c.second; }

  // An epoch's cost of each version on depl's resources.
  void epoch_costs(const Problem& pb, const Basis& basis) {
    const Scenario& sc = pb.scenario;
    const Resources& res = basis.res;
    // The links that shipped the data draw idle watts for the rest of the run: part of every epoch's energy.
    double ship_idle_w = 0;
    for (auto l : basis.ship.links_used) ship_idle_w += pb.platform.links[l].idle_w;
    auto epoch_cost = [&](std::size_t v) {
      const EpochCost e = pb.cost.epoch(v, res, basis.samples);
      PlanCost pc;
      pc.time_s = e.time_s;
      pc.energy_j = e.energy_j + ship_idle_w * e.time_s;
      pc.money = sc.clusters[res.cluster].price_per_node_s * res.nodes * e.time_s;
      return std::make_tuple(pb.cost.objective(pc), pc.energy_j, e.time_s);
    };
    for (std::size_t v = 0; v < sc.model.versions.size(); ++v) vcost_.push_back(epoch_cost(v));
  }

  // Success fractions and transitions from the fit half.
  void fit() {
    succ_.assign(C, std::vector<std::vector<double>>(static_cast<std::size_t>(K), std::vector<double>(static_cast<std::size_t>(B), -1)));
    trans_.assign(C, std::vector<std::vector<Row>>(static_cast<std::size_t>(K), std::vector<Row>(static_cast<std::size_t>(B))));
    for (std::size_t c = 0; c < C; ++c)
      for (int k = 0; k < K; ++k) fit_epoch(c, k);
  }

  // Epoch k of chain c: each level's fraction meeting L* and its transitions, from the fit half.
  void fit_epoch(std::size_t c, int k) {
    const Chain& ch = pol_.chains[c];
    std::vector<double> cnt(static_cast<std::size_t>(B), 0), hit(static_cast<std::size_t>(B), 0);
    std::vector<std::map<int, double>> tr(static_cast<std::size_t>(B));
    for (auto r : fit_) {
      const int b = ch.level[r][static_cast<std::size_t>(k)];
      cnt[static_cast<std::size_t>(b)] += 1;
      hit[static_cast<std::size_t>(b)] += ch.met[r][static_cast<std::size_t>(k)];
      if (k + 1 < K) tr[static_cast<std::size_t>(b)][ch.level[r][static_cast<std::size_t>(k + 1)]] += 1;
    }
    // Unvisited levels borrow the nearest visited one (ties: the higher loss, the pessimistic side).
    for (int b = 0; b < B; ++b) {
      int src = -1;
      for (int d = 0; d < B && src < 0; ++d) {
        if (b + d < B && cnt[static_cast<std::size_t>(b + d)] > 0) src = b + d;
        else if (b - d >= 0 && cnt[static_cast<std::size_t>(b - d)] > 0) src = b - d;
      }
      if (src < 0) {
        succ_[c][static_cast<std::size_t>(k)][static_cast<std::size_t>(b)] = 0;
        continue;
      }
      succ_[c][static_cast<std::size_t>(k)][static_cast<std::size_t>(b)] = hit[static_cast<std::size_t>(src)] / cnt[static_cast<std::size_t>(src)];
      double tot = 0;
      for (auto [j, x] : tr[static_cast<std::size_t>(src)]) tot += x;
      for (auto [j, x] : tr[static_cast<std::size_t>(src)]) trans_[c][static_cast<std::size_t>(k)][static_cast<std::size_t>(b)].emplace_back(j, x / tot);
    }
  }
};

class DeplOnline final : public Orchestrator {
public:
  [[nodiscard]] std::string name() const override { return "depl-online"; }

  Plan plan(const Problem& pb) override {
    const Scenario& sc = pb.scenario;
    const PlannerKnowledge* kk = &pb.knowledge;
    if (auto none = insufficient_data(pb, name())) return *none;
    // depl's plan gives the data set and the resources: its choice on the selection runs alone (uncertified), so that
    // the certification runs have chosen nothing when the policies are tested on them.
    const SelectionOnlyKnowledge selection(pb.knowledge);
    const Problem chooser{pb.scenario, pb.platform, selection, pb.cost, pb.orchestrators, pb.settings, pb.seed};
    Plan base = pb.orchestrators.make_configured("depl", pb.settings)->plan(chooser);
    if (base.status != PlanStatus::ok) {
      base.explanation = "depl-online: depl finds no plan, so neither does the policy built on it\n" + base.explanation;
      return base;
    }
    Basis basis = basis_of(pb, std::move(base));
    if (sc.target.deadline_s && basis.k_max < 1) {
      Plan p;
      p.status = PlanStatus::infeasible;
      p.reason = "the deadline leaves no whole epoch on depl's resources";
      p.explanation = "depl-online: " + p.reason + "\n";
      return p;
    }
    // A measured profile's knowledge is a finite set of runs: fit and judge on all of them, by the bound.
    basis.finite = kk->kind() == KnowledgeKind::measured;

    std::string why;
    std::optional<Choice> best;
    for (std::size_t v0 = 0; v0 < sc.model.versions.size(); ++v0) {
      std::shared_ptr<Policy> pol = chains_of(pb, basis, v0);
      if (pol->chains.empty() || pol->chains.front().at != 0) continue;
      const auto induction = std::make_shared<const Induction>(pb, basis, *pol);
      std::optional<Choice> c = search_lambda(pb, v0, *induction, pol, pb.cost.objective(basis.ship), why);
      if (c) c->induction = induction;
      if (c && (!best || c->eval.cost < best->eval.cost)) best = std::move(c);
    }
    if (!best) {
      Plan p;
      p.status = PlanStatus::infeasible;
      p.reason = fmt::format("no stopping/switching policy on depl's data and resources reaches P(L <= {}) >= {} on the knowledge's "
                             "held-out trajectories", sc.target.loss, sc.target.probability);
      p.explanation = "depl-online:\n" + why + "depl-online: infeasible: " + p.reason + "\n";
      return with_anchors(pb, std::move(p));
    }
    Plan out = chosen(pb, basis, *best, why);
    certify(pb, basis, *best, out);
    if (out.status == PlanStatus::ok) policy_ = best->policy;
    return with_anchors(pb, std::move(out));
  }

  std::unique_ptr<ReplicationPolicy> start_replication(const Problem&, const Plan& plan) override {
    if (!policy_ || plan.status != PlanStatus::ok) return nullptr;
    return std::make_unique<OnlinePolicy>(policy_);
  }

private:
  std::shared_ptr<const Policy> policy_;

  // depl's data set and resources, and the epochs the policy may train: max_epochs, or under a deadline those of
  // the slowest version after shipping the data (fewer than 1: none).
  static Basis basis_of(const Problem& pb, Plan base) {
    const Scenario& sc = pb.scenario;
    Basis basis;
    basis.base = std::move(base);
    const Segment& s0 = basis.base.segments.front();
    const Resources res{*sc.cluster_index(s0.cluster), s0.nodes, s0.pstate};
    basis.res = res;
    basis.samples = pb.samples(basis.base.data_sources);
    const double samples = basis.samples;
    int k_max = sc.target.max_epochs;
    // A deadline caps the epochs the policy may train (slowest version, data shipping included).
    const PlanCost ship = pb.cost.shipping([&] {
      std::vector<std::size_t> v;
      for (const auto& n : basis.base.data_sources) v.push_back(*sc.source_index(n));
      return v;
    }(), res);
    if (sc.target.deadline_s) {
      double slowest = 0;
      for (std::size_t v = 0; v < sc.model.versions.size(); ++v) slowest = std::max(slowest, pb.cost.epoch(v, res, samples).time_s);
      k_max = std::min(k_max, static_cast<int>(std::floor((*sc.target.deadline_s - ship.time_s) / std::max(1e-12, slowest))));
    }
    basis.k_max = k_max;
    basis.ship = ship;
    return basis;
  }

  // The policy's chains for first version v0 (no action yet): v0 alone, and every declared switch from v0 at every
  // declared epoch, each with the knowledge's trajectories as observed levels, hits of L* and test losses.
  static std::shared_ptr<Policy> chains_of(const Problem& pb, const Basis& basis, std::size_t v0) {
    const Scenario& sc = pb.scenario;
    const PlannerKnowledge* kk = &pb.knowledge;
    const int k_max = basis.k_max;
    auto pol = std::make_shared<Policy>();
    pol->grid = kk->grid();
    pol->res = basis.res;
    pol->cluster = basis.base.segments.front().cluster;
    pol->k_max = k_max;
    for (const auto& v : sc.model.versions) pol->version_names.push_back(v.name);
    // Chains: v0 alone, and every declared switch from v0 at every declared epoch; only versions that fit in the
    // memory of depl's nodes.
    if (!pb.cost.fits(v0, basis.res)) return pol;
    std::vector<ScheduleShape> shapes{{v0, v0, 0}};
    if (sc.model.max_switches >= 1)
      for (const auto& sw : sc.model.switches)
        if (sw.from_index == v0 && pb.cost.fits(sw.to_index, basis.res))
          for (int e : sc.model.switch_epochs)
            if (e < k_max) shapes.push_back({v0, sw.to_index, e});
    for (const auto& sh : shapes) {
      std::vector<Trajectory> tr;
      try {
        tr = kk->trajectories(basis.samples, sh.schedule(k_max));
      } catch (const std::exception&) {
        continue;  // not measured (profile) or not declared
      }
      Chain c;
      c.first = sh.first;
      c.second = sh.second;
      c.at = sh.at;
      for (const auto& t : tr) {
        std::vector<int> lv;
        std::vector<char> m;
        for (int k = 0; k < k_max; ++k) {
          lv.push_back(pol->grid->level_of(t.validation[static_cast<std::size_t>(k)]));
          m.push_back(t.test[static_cast<std::size_t>(k)] <= sc.target.loss ? 1 : 0);
        }
        c.level.push_back(std::move(lv));
        c.met.push_back(std::move(m));
        c.test.push_back(t.test);
      }
      if (sh.at == 0 && c.level.empty()) break;
      pol->chains.push_back(std::move(c));
    }
    return pol;
  }

  // The smallest lambda whose policy meets p* on the held-out trajectories (bisection on a log scale), that
  // policy set as pol's action; nothing when even a policy that trains on whenever it helps misses p*. Either is
  // noted in `why`.
  static std::optional<Choice> search_lambda(const Problem& pb, std::size_t v0, const Induction& induction,
                                             const std::shared_ptr<Policy>& pol, double ship_cost, std::string& why) {
    const Scenario& sc = pb.scenario;
    const double p_star = sc.target.probability;
    const double cmax = induction.max_epoch_cost();
    const int K = induction.epochs();
    double lo = 1e-3 * cmax, hi = 1e7 * cmax * K;
    auto act_hi = induction.induce(hi);
    Evaluation ev_hi = induction.evaluate(act_hi);
    if (!induction.good(ev_hi)) {
      why += fmt::format("  first version {}: even a policy that trains on whenever it helps reaches P = {:.4f} on the held-out "
                         "trajectories (needs p* {} with its margin)\n", sc.model.versions[v0].name, ev_hi.hit, p_star);
      return std::nullopt;
    }
    for (int it = 0; it < 60; ++it) {
      const double mid = std::sqrt(lo * hi);
      if (induction.good(induction.evaluate(induction.induce(mid)))) hi = mid;
      else lo = mid;
    }
    pol->action = induction.induce(hi);
    const Evaluation ev = induction.evaluate(pol->action);
    // The same expected cost as the plan's prediction: the epochs' and the data shipping's (one figure per policy).
    why += fmt::format("  first version {}: lambda {:.6g}, held-out P = {:.4f} over {} trajectories, expected {} {:.6g} "
                       "(data shipping included), at most {} epochs\n",
                       sc.model.versions[v0].name, hi, ev.hit, ev.n, to_string(sc.objective), ev.cost + ship_cost, ev.last_epoch);
    return Choice{pol, ev, hi, nullptr};
  }

  // Certification (docs/model.md 3.7): policies of lambdas from the one that trains on whenever it helps down to the
  // chosen one, in that order (fixed by the selection runs alone), tested on the knowledge's certification runs; the
  // cheapest certified (the smallest lambda before the first failure) is kept, with its bound. With no
  // certification runs, the plan is left as it is.
  static void certify(const Problem& pb, const Basis& basis, Choice& best, Plan& out) {
    const PlannerKnowledge& kk = pb.knowledge;
    if (out.status != PlanStatus::ok || kk.certification_runs() == 0) return;
    const Scenario& sc = pb.scenario;
    const Induction& ind = *best.induction;
    const double top = 1e7 * ind.max_epoch_cost() * ind.epochs();
    constexpr int kSteps = 12;
    std::vector<double> lambdas;
    std::vector<std::shared_ptr<Policy>> policies;
    std::vector<std::function<std::unique_ptr<ReplicationPolicy>()>> factories;
    for (int i = 0; i < kSteps; ++i) {
      const double lambda = i + 1 == kSteps ? best.lambda : top * std::pow(best.lambda / top, static_cast<double>(i) / (kSteps - 1));
      auto p = std::make_shared<Policy>(*best.policy);
      p->action = ind.induce(lambda);
      lambdas.push_back(lambda);
      policies.push_back(p);
      factories.emplace_back([p] { return std::make_unique<OnlinePolicy>(p); });
    }
    const Segment& s0 = out.segments.front();
    const Certification cert = kk.certify_policies(basis.samples, out.segments, factories, sc.target.probability, kk.certification_candidates());
    const std::string held_out = fmt::format("{} held-out runs at {:g}% confidence", cert.runs, 100 * kk.confidence());
    if (cert.certified == 0) {
      out.status = PlanStatus::infeasible;
      out.reason = fmt::format("certification: no stop/switch policy is certified on the knowledge's {}: the most cautious "
                               "meets L* = {} in {} of {}, a lower bound of {:.4f} < p* = {}",
                               held_out, sc.target.loss, cert.successes.front(), cert.runs, cert.bounds.front(), sc.target.probability);
      out.explanation += "depl-online: infeasible: " + out.reason + "\n";
      return;
    }
    const auto last = static_cast<std::size_t>(cert.certified - 1);
    const Evaluation ev = ind.evaluate(policies[last]->action);  // before best.policy changes: `ind` refers to it
    best.policy = policies[last];
    best.lambda = lambdas[last];
    out.predicted.p_target_met = sc.target.probability;
    out.predicted.expected_loss = ev.loss;
    out.predicted.energy_j = basis.ship.energy_j + ev.energy;
    out.predicted.time_s = basis.ship.time_s + ev.time;
    out.claim = Claim{"held-out runs, fixed sequence over policies", kk.confidence(), sc.target.probability, cert.level,
                      cert.bounds[last], cert.runs, cert.successes[last], static_cast<int>(cert.bounds.size()), ev.hit};
    out.explanation += fmt::format(
        "  certified on {}: lambda {:.6g} ({} of {} policies certified, from the most cautious down), {} of {} runs meet L* "
        "(bound {:.4f} at {:.4g}%), so P(L <= {}) >= {}; on {} x{} power state {}, expected energy {:.6g} J\n",
        held_out, best.lambda, cert.certified, cert.bounds.size(), cert.successes[last], cert.runs, cert.bounds[last],
        100 * cert.level, sc.target.loss, sc.target.probability, s0.cluster, s0.nodes, s0.pstate, *out.predicted.energy_j);
  }

  // Certified, the policies are one candidate of the family (docs/model.md 3.7); the full and the most-pruned version
  // alone on all the data are the others, each at the same level. The cheapest certified wins (the policy's expected
  // cost against a plan's), so that depl-online claims whatever full-only or pruned-only can, and no more: a static
  // anchor comes back without a policy.
  Plan with_anchors(const Problem& pb, Plan out) {
    const int family = pb.knowledge.certification_candidates();
    if (pb.knowledge.certification_runs() == 0 || family < 2) return out;
    std::vector<Candidate> anchors = with_single_version_candidates(pb, Plan{});
    anchors.erase(anchors.begin());
    // The policies are one test of the family: at most family - 1 anchors beside them.
    if (static_cast<int>(anchors.size()) > family - 1) anchors.resize(static_cast<std::size_t>(family - 1));
    Plan fixed = certify_best(pb, std::move(anchors), name());
    if (fixed.status != PlanStatus::ok) {
      if (out.status != PlanStatus::ok) out.explanation += "  nor is a version alone on all the data:\n" + fixed.explanation;
      return out;
    }
    const PlanCost cost = pb.cost.evaluate(fixed);
    const bool cheaper = pb.scenario.objective == Objective::time ? cost.time_s < out.predicted.time_s.value_or(INFINITY)
                                                                   : cost.energy_j < out.predicted.energy_j.value_or(INFINITY);
    if (out.status == PlanStatus::ok && !cheaper) return out;
    policy_.reset();
    fixed.explanation = out.explanation +
                        (out.status == PlanStatus::ok ? "depl-online: a version alone on all the data is cheaper than the policy, and "
                                                        "certified; it is the plan (no policy):\n"
                                                      : "depl-online: no policy certified; a version alone on all the data is, and is "
                                                        "the plan (no policy):\n") +
                        fixed.explanation;
    return fixed;
  }

  // The plan: depl's data set and resources with the chosen first version up to k_max epochs (the policy stops or
  // switches at each epoch end), its predictions from the held-out evaluation.
  static Plan chosen(const Problem& pb, const Basis& basis, const Choice& best, const std::string& why) {
    const Scenario& sc = pb.scenario;
    const Plan& base = basis.base;
    const Segment& s0 = base.segments.front();
    const Evaluation& best_eval = best.eval;
    Plan out;
    out.data_sources = base.data_sources;
    out.segments = {Segment{sc.model.versions[best.policy->chains.front().first].name, s0.cluster, s0.nodes, s0.pstate, basis.k_max}};
    out.predicted.p_target_met = best_eval.hit;
    out.predicted.expected_loss = best_eval.loss;
    out.predicted.energy_j = basis.ship.energy_j + best_eval.energy;
    out.predicted.time_s = basis.ship.time_s + best_eval.time;
    out.explanation = fmt::format(
        "depl-online: depl's data ({} sources) and resources ({} x{} power state {}); a policy over (epoch, chain, observed "
        "validation level) by backward induction, lambda {:.6g}\n{}"
        "  chosen: first version {}; held-out P = {:.4f} ({} of {}), expected energy {:.6g} J (depl's plan: {:.6g} J); the plan "
        "below runs to {} epochs and the policy stops or switches at each epoch end\n",
        base.data_sources.size(), s0.cluster, s0.nodes, s0.pstate, best.lambda, why, sc.model.versions[best.policy->chains.front().first].name,
        best_eval.hit, best_eval.hits, best_eval.n, *out.predicted.energy_j, base.predicted.energy_j.value_or(0), basis.k_max);
    return out;
  }
};

} // namespace

void register_depl_online_orchestrator(OrchestratorRegistry& registry) {
  registry.add("depl-online", "adaptive: a stop/switch policy by backward induction over (epoch, chain, observed validation loss) on depl's data and resources",
               [] { return std::make_unique<DeplOnline>(); });
}

} // namespace deplsim
