// A mixed-integer linear programme held as plain data, solved with COIN-OR CBC (single-threaded, node limit,
// relative gap, optional cutoff) and written as LP or MPS. The optimum orchestrator builds one per data set.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace deplsim::milp {

struct Var {
  std::string name;
  double lb = 0.0;
  double ub = 1.0;
  double obj = 0.0;
  bool integer = false;
};

struct Row {
  std::string name;
  double lb = 0.0;
  double ub = 0.0;
  std::vector<std::pair<int, double>> terms;
};

class Model {
public:
  int add_var(std::string name, double lb, double ub, double obj, bool integer);
  /// lb <= sum(terms) <= ub; repeated variables are summed, zero coefficients dropped.
  void add_row(std::string name, double lb, double ub, std::vector<std::pair<int, double>> terms);
  void add_obj(int var, double coef) { vars_[static_cast<std::size_t>(var)].obj += coef; }
  void fix(int var, double value) { vars_[static_cast<std::size_t>(var)].lb = vars_[static_cast<std::size_t>(var)].ub = value; }
  [[nodiscard]] const std::vector<Var>& vars() const { return vars_; }
  [[nodiscard]] const std::vector<Row>& rows() const { return rows_; }
  [[nodiscard]] std::size_t integers() const;

private:
  std::vector<Var> vars_;
  std::vector<Row> rows_;
};

struct Settings {
  long long node_limit = 100000;
  double gap = 0.0;                 ///< relative gap at which CBC may stop
  std::optional<double> cutoff;     ///< only solutions strictly better than this are of interest
  /// A solution to start from (CBC's MIP start): values of the integer variables, the others completed by CBC; it
  /// only helps CBC prune (the answer is the optimum whether or not it is given, and whatever it is).
  std::vector<std::pair<int, double>> start;
};

enum class Status {
  optimal,            ///< proven optimal (within the gap setting)
  feasible,           ///< a solution, not proven optimal (node limit)
  infeasible,         ///< proven: no solution (better than the cutoff, when one is set)
  no_solution_limit,  ///< node limit reached before any solution (better than the cutoff)
};
const char* to_string(Status s);

struct Result {
  Status status = Status::infeasible;
  double objective = 0.0;  ///< of the solution, when there is one
  double bound = 0.0;      ///< best possible objective CBC proved
  long long nodes = 0;
  double seconds = 0.0;    ///< wall time of the solve (never written to deterministic outputs)
  std::vector<double> x;   ///< the solution, when there is one
};

Result solve(const Model& model, const Settings& settings);

/// Writes the model (LP when `path` ends in .lp, MPS when it ends in .mps) atomically. Throws
/// std::runtime_error with the path on failure or another extension.
void write(const Model& model, const std::string& path);

} // namespace deplsim::milp
