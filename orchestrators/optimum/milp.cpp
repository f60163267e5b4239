#include "milp.hpp"

#include "deplsim/error.hpp"

#include <Cbc_C_Interface.h>
#include <CoinMpsIO.hpp>
#include <CoinPackedMatrix.hpp>
#include <OsiClpSolverInterface.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <stdexcept>
#include <unistd.h>

namespace deplsim::milp {

int Model::add_var(std::string name, double lb, double ub, double obj, bool integer) {
  vars_.push_back(Var{std::move(name), lb, ub, obj, integer});
  return static_cast<int>(vars_.size() - 1);
}

void Model::add_row(std::string name, double lb, double ub, std::vector<std::pair<int, double>> terms) {
  std::map<int, double> merged;
  for (auto [v, c] : terms) merged[v] += c;
  Row r{std::move(name), lb, ub, {}};
  for (auto [v, c] : merged)
    if (c != 0.0) r.terms.emplace_back(v, c);
  rows_.push_back(std::move(r));
}

std::size_t Model::integers() const {
  return static_cast<std::size_t>(std::count_if(vars_.begin(), vars_.end(), [](const Var& v) { return v.integer; }));
}

const char* to_string(Status s) {
  switch (s) {
  case Status::optimal: return "optimal";
  case Status::feasible: return "feasible";
  case Status::infeasible: return "infeasible";
  case Status::no_solution_limit: return "limit_reached";
  }
  return "?";
}

namespace {

struct CbcDeleter {
  void operator()(Cbc_Model* m) const { Cbc_deleteModel(m); }
};
using CbcPtr = std::unique_ptr<Cbc_Model, CbcDeleter>;

// CBC's names: letters, digits and underscores (LP files do not take every character).
std::string safe_name(const std::string& s) {
  std::string out;
  for (char c : s) out += (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_') ? c : '_';
  if (out.empty() || std::isdigit(static_cast<unsigned char>(out[0])) != 0) out = "v" + out;
  return out;
}

// The columns' bounds and costs and the rows' bounds, as the solvers' arrays take them.
struct Bounds {
  std::vector<double> collb, colub, obj, rowlb, rowub;
};
Bounds bounds(const std::vector<Var>& vars, const std::vector<Row>& rows) {
  Bounds b;
  for (const auto& v : vars) {
    b.collb.push_back(v.lb);
    b.colub.push_back(v.ub);
    b.obj.push_back(v.obj);
  }
  for (const auto& r : rows) {
    b.rowlb.push_back(r.lb);
    b.rowub.push_back(r.ub);
  }
  return b;
}

CbcPtr load(const Model& model) {
  CbcPtr m(Cbc_newModel());
  const auto& vars = model.vars();
  const auto& rows = model.rows();
  // Column-major matrix.
  std::vector<std::vector<std::pair<int, double>>> cols(vars.size());
  for (std::size_t i = 0; i < rows.size(); ++i)
    for (auto [v, c] : rows[i].terms) cols[static_cast<std::size_t>(v)].emplace_back(static_cast<int>(i), c);
  std::vector<CoinBigIndex> start;
  std::vector<int> index;
  std::vector<double> value;
  start.push_back(0);
  for (const auto& col : cols) {
    for (auto [r, c] : col) {
      index.push_back(r);
      value.push_back(c);
    }
    start.push_back(static_cast<CoinBigIndex>(index.size()));
  }
  const auto [collb, colub, obj, rowlb, rowub] = bounds(vars, rows);
  Cbc_loadProblem(m.get(), static_cast<int>(vars.size()), static_cast<int>(rows.size()), start.data(), index.data(),
                  value.data(), collb.data(), colub.data(), obj.data(), rowlb.data(), rowub.data());
  for (std::size_t i = 0; i < vars.size(); ++i) {
    if (vars[i].integer) Cbc_setInteger(m.get(), static_cast<int>(i));
    Cbc_setColName(m.get(), static_cast<int>(i), safe_name(vars[i].name).c_str());
  }
  for (std::size_t i = 0; i < rows.size(); ++i) Cbc_setRowName(m.get(), static_cast<int>(i), safe_name(rows[i].name).c_str());
  return m;
}

} // namespace

Result solve(const Model& model, const Settings& settings) {
  Result res;
  CbcPtr m = load(model);
  Cbc_setLogLevel(m.get(), 0);
  Cbc_setMaximumNodes(m.get(), static_cast<int>(std::min<long long>(settings.node_limit, 2'000'000'000)));
  Cbc_setAllowableFractionGap(m.get(), settings.gap);
  Cbc_setAllowableGap(m.get(), 1e-9);
  Cbc_setParameter(m.get(), "integerTolerance", "1e-9");
  if (settings.cutoff) Cbc_setCutoff(m.get(), *settings.cutoff);
  // No feasibility pump: on the optimum's MILPs (formulated for a tight relaxation, docs/model.md 5.5) CBC's other
  // heuristics and a few nodes find and prove the optimum, while the pump spent most of the time (measured:
  // docs/performance.md, "The optimum's tighter formulation").
  Cbc_setParameter(m.get(), "feas", "off");
  if (!settings.start.empty()) {
    std::vector<int> idx;
    std::vector<double> val;
    for (auto [i, x] : settings.start) {
      idx.push_back(i);
      val.push_back(x);
    }
    Cbc_setMIPStartI(m.get(), static_cast<int>(idx.size()), idx.data(), val.data());
  }
  const auto t0 = std::chrono::steady_clock::now();
  Cbc_solve(m.get());
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  res.nodes = Cbc_getNodeCount(m.get());
  const bool has_solution = Cbc_numberSavedSolutions(m.get()) > 0 || (Cbc_isProvenOptimal(m.get()) != 0);
  res.bound = Cbc_getBestPossibleObjValue(m.get());
  if (Cbc_isProvenInfeasible(m.get()) != 0 || (Cbc_isProvenOptimal(m.get()) != 0 && Cbc_bestSolution(m.get()) == nullptr)) {
    res.status = Status::infeasible;
    return res;
  }
  const double* x = Cbc_bestSolution(m.get());
  if (x == nullptr || !has_solution) {
    res.status = Cbc_isProvenOptimal(m.get()) != 0 ? Status::infeasible : Status::no_solution_limit;
    return res;
  }
  res.x.assign(x, x + model.vars().size());
  res.objective = Cbc_getObjValue(m.get());
  res.status = Cbc_isProvenOptimal(m.get()) != 0 ? Status::optimal : Status::feasible;
  if (res.status == Status::optimal && !(res.bound <= res.objective)) res.bound = res.objective;
  return res;
}

void write(const Model& model, const std::string& path) {
  namespace fs = std::filesystem;
  const fs::path p(path);
  const std::string ext = p.extension().string();
  if (ext != ".lp" && ext != ".mps")
    throw std::runtime_error("--write-model " + path + ": expected a file name ending in .lp or .mps");
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  if (std::error_code ec; !fs::is_directory(dir, ec)) throw std::runtime_error("--write-model " + path + ": folder " + dir.string() + " does not exist");
  // Osi's native writers take the file name as given (CBC's C interface appends extensions and gzips MPS).
  const auto& vars = model.vars();
  const auto& rows = model.rows();
  CoinPackedMatrix matrix(false, 0, 0);  // row-ordered
  matrix.setDimensions(0, static_cast<int>(vars.size()));
  for (const auto& r : rows) {
    std::vector<int> idx;
    std::vector<double> val;
    for (auto [v, c] : r.terms) {
      idx.push_back(v);
      val.push_back(c);
    }
    matrix.appendRow(static_cast<int>(idx.size()), idx.data(), val.data());
  }
  const auto [collb, colub, obj, rowlb, rowub] = bounds(vars, rows);
  OsiClpSolverInterface si;
  si.messageHandler()->setLogLevel(0);
  si.loadProblem(matrix, collb.data(), colub.data(), obj.data(), rowlb.data(), rowub.data());
  for (std::size_t i = 0; i < vars.size(); ++i)
    if (vars[i].integer) si.setInteger(static_cast<int>(i));
  std::vector<std::string> col_names, row_names;
  for (const auto& v : vars) col_names.push_back(safe_name(v.name));
  for (const auto& r : rows) row_names.push_back(safe_name(r.name));
  std::vector<const char*> cn, rn;
  for (const auto& n : col_names) cn.push_back(n.c_str());
  for (const auto& n : row_names) rn.push_back(n.c_str());
  rn.push_back("cost");  // the LP writer reads the objective's name after the rows'
  const fs::path tmp = dir / (".deplsim-model-" + std::to_string(::getpid()) + ext);
  int rc = 0;
  if (ext == ".lp") {
    rc = si.writeLpNative(tmp.string().c_str(), rn.data(), cn.data(), 1e-12, 10, 12, 1.0);
  } else {
    std::vector<char> integrality;
    for (const auto& v : vars) integrality.push_back(v.integer ? 1 : 0);
    CoinMpsIO mps;
    mps.messageHandler()->setLogLevel(0);
    mps.setMpsData(matrix, COIN_DBL_MAX, collb.data(), colub.data(), obj.data(), integrality.data(), rowlb.data(), rowub.data(),
                   col_names, row_names);
    rc = mps.writeMps(tmp.string().c_str(), 0, 1, 2);  // uncompressed, extra accuracy
  }
  std::error_code ec;
  if (rc != 0 || !fs::exists(tmp, ec)) {
    fs::remove(tmp, ec);
    throw InputError(InputIssue{"--write-model", 0, 0, "", "'" + path + "': cannot write the model (a full disk?)"});
  }
  fs::rename(tmp, p, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw InputError(InputIssue{"--write-model", 0, 0, "", "'" + path + "': cannot write it: " + ec.message()});
  }
}

} // namespace deplsim::milp
