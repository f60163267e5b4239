// Measured learning profiles (docs/model.md 0.8 and 1.4; docs/profiles.md 3) and the trace ground truth (docs/model.md 1.4). The loader is a small
// CSV reader (no quoting: a profile holds names and numbers only) that reports every bad input as
// `FILE:LINE:COL: COLUMN: message` and sizes nothing from a number in the file: rows are grouped by sorting,
// and a run's epochs must be exactly 1..K. A replication draws one whole profile seed from its purpose's seed
// set on the trace_resample stream keyed by (seed, purpose, r) only, so the same replication uses the same
// measured seed whatever the schedule or data quantity (common random numbers across plans).
#include "learning/truth/trace_profile.hpp"

#include "deplsim/error.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <tuple>
#include <utility>
#include <variant>

namespace deplsim {

namespace {

// `batch` is optional (a profile measured at several global batches, docs/profiles.md 3); the others are required.
enum Column : std::size_t { c_version, c_fraction, c_seed, c_epoch, c_val, c_test, c_run, c_batch, kColumnCount };
constexpr std::array<const char*, kColumnCount> kColumnNames = {"version",  "data_fraction", "seed", "epoch",
                                                                "val_loss", "test_loss",     "run",  "batch"};
constexpr std::size_t kRequiredColumns = c_batch;  // the columns before it
constexpr std::size_t kAbsent = std::numeric_limits<std::size_t>::max();
constexpr std::size_t kMaxIssues = 20;
constexpr int kTraceVersion = 1;  // bump whenever TraceLearning's output for a given profile changes

std::string expected_header() {
  std::string out;
  for (std::size_t c = 0; c < kRequiredColumns; ++c) out += (out.empty() ? "" : ",") + std::string(kColumnNames[c]);
  return out + ", and optionally batch";
}


std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

template <typename T>
bool parse_whole(std::string_view s, T& out) {
  if (s.empty()) return false;
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, out);
  return ec == std::errc() && ptr == end;
}

bool parse_number(std::string_view s, double& out) {
  if (s.empty()) return false;
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, out, std::chars_format::general);
  return ec == std::errc() && ptr == end;
}

std::string fraction_text(double f) { return fmt::format("{}", f); }

/// Epochs of a schedule (parts with no epochs are ignored, as in the parametric ground truth).
int schedule_epochs(const Schedule& s) {
  int k = 0;
  for (const auto& p : s.parts) k += std::max(0, p.epochs);
  return k;
}

std::string canonical_name(const std::vector<std::string>& names, const std::vector<std::size_t>& versions,
                           const std::vector<int>& switch_after) {
  std::string out = names.at(versions.at(0));
  for (std::size_t i = 1; i < versions.size(); ++i) out += fmt::format(">{}@{}", names.at(versions[i]), switch_after[i - 1]);
  return out;
}

std::string known_versions(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "none" : out;
}

/// FNV-1a (64 bits) over the profile's content: the identity of the trajectories for the knowledge cache.
class Fnv1a {
public:
  void bytes(const void* data, std::size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < n; ++i) hash_ = (hash_ ^ p[i]) * 1099511628211ull;
  }
  void u64(std::uint64_t v) { bytes(&v, sizeof v); }
  void number(double v) { u64(std::bit_cast<std::uint64_t>(v)); }
  void text(const std::string& t) {
    u64(t.size());
    bytes(t.data(), t.size());
  }
  [[nodiscard]] std::uint64_t value() const { return hash_; }

private:
  std::uint64_t hash_ = 14695981039346656037ull;
};

/// Issues of one file, capped so that a broken large file gives a readable report.
class Issues {
public:
  explicit Issues(std::string path) : path_(std::move(path)) {}
  void add(int line, int column, std::string key, std::string message) {
    if (issues_.size() < kMaxIssues) issues_.push_back(InputIssue{path_, line, column, std::move(key), std::move(message)});
    else more_ = true;
  }
  void throw_if_any() {
    if (issues_.empty()) return;
    if (more_) issues_.push_back(InputIssue{path_, 0, 0, "", fmt::format("more errors not shown (first {} above)", kMaxIssues)});
    throw InputError(std::move(issues_));
  }

private:
  std::string path_;
  std::vector<InputIssue> issues_;
  bool more_ = false;
};

struct Field {
  std::string_view text;  // trimmed
  int column = 0;         // 1-based byte column of the raw field start
};

std::vector<Field> split_fields(std::string_view line) {
  std::vector<Field> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = line.find(',', start);
    const std::size_t stop = comma == std::string_view::npos ? line.size() : comma;
    out.push_back(Field{trim(line.substr(start, stop - start)), static_cast<int>(start) + 1});
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

struct RunSpec {
  std::string name;  // canonical
  std::vector<std::size_t> versions;
  std::vector<int> switch_after;
};

struct Row {
  int line = 0;
  int run = 0;  // index into the run specs
  double fraction = 0.0;
  std::uint32_t seed = 0;
  int epoch = 0;
  double val = 0.0;
  double test = 0.0;
  int batch = 0;         // the global batch measured at; 0 without a batch column
  int seed_column = 0;   // where the fields are on the line, for messages
  int epoch_column = 0;
  int run_column = 0;
};

std::string read_file(const std::string& path, std::uintmax_t max_bytes) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw InputError(InputIssue{path, 0, 0, "", "no such file"});
  if (!std::filesystem::is_regular_file(path, ec)) throw InputError(InputIssue{path, 0, 0, "", "not a regular file"});
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) throw InputError(InputIssue{path, 0, 0, "", "cannot read file size: " + ec.message()});
  if (size > max_bytes)
    throw InputError(InputIssue{path, 0, 0, "", fmt::format("file too large ({} bytes, at most {})", size, max_bytes)});
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(InputIssue{path, 0, 0, "", "cannot open file"});
  std::string text(static_cast<std::size_t>(size), '\0');
  in.read(text.data(), static_cast<std::streamsize>(size));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (in.bad()) throw InputError(InputIssue{path, 0, 0, "", "cannot read file"});
  return text;
}

} // namespace

void parse_run_name(const std::string& run, const std::vector<std::string>& version_names,
                    std::vector<std::size_t>& versions, std::vector<int>& switch_after) {
  versions.clear();
  switch_after.clear();
  const std::string_view text = trim(run);
  if (text.empty()) throw std::invalid_argument("empty run name (expected e.g. 'full' or 'full>p75@5')");
  auto version_of = [&](std::string_view name) {
    for (std::size_t i = 0; i < version_names.size(); ++i)
      if (version_names[i] == name) return i;
    throw std::invalid_argument(fmt::format("unknown version '{}' in run '{}' (known: {})", shown(name), shown(text),
                                            known_versions(version_names)));
  };
  std::size_t start = 0;
  bool first = true;
  while (true) {
    const std::size_t gt = text.find('>', start);
    const std::string_view part = trim(text.substr(start, gt == std::string_view::npos ? std::string_view::npos : gt - start));
    if (part.empty())
      throw std::invalid_argument(fmt::format("empty part in run '{}' (expected VERSION or VERSION>VERSION@EPOCH...)", shown(text)));
    const std::size_t at = part.find('@');
    if (first) {
      if (at != std::string_view::npos)
        throw std::invalid_argument(fmt::format(
            "run '{}': the first version starts at epoch 1 and takes no '@EPOCH' (expected e.g. 'full>p75@5')", shown(text)));
      versions.push_back(version_of(part));
    } else {
      if (at == std::string_view::npos)
        throw std::invalid_argument(fmt::format(
            "run '{}': part '{}' needs the epoch after which it starts (expected VERSION@EPOCH, e.g. 'full>p75@5')",
            shown(text), shown(part)));
      const std::size_t v = version_of(trim(part.substr(0, at)));
      const std::string_view epoch_text = trim(part.substr(at + 1));
      int epoch = 0;
      if (!parse_whole(epoch_text, epoch) || epoch < 1)
        throw std::invalid_argument(
            fmt::format("run '{}': switch epoch '{}' is not a whole number >= 1", shown(text), shown(epoch_text)));
      if (!switch_after.empty() && epoch <= switch_after.back())
        throw std::invalid_argument(fmt::format("run '{}': switch epochs must increase ({} then {})", shown(text),
                                                switch_after.back(), epoch));
      if (v == versions.back())
        throw std::invalid_argument(
            fmt::format("run '{}': switches from '{}' to itself", shown(text), version_names[v]));
      versions.push_back(v);
      switch_after.push_back(epoch);
    }
    first = false;
    if (gt == std::string_view::npos) break;
    start = gt + 1;
  }
}

Schedule MeasuredRun::schedule(int k) const {
  Schedule out;
  int previous = 0;
  for (std::size_t i = 0; i < versions.size() && previous < k; ++i) {
    const int end = std::min(i < switch_after.size() ? switch_after[i] : k, k);
    if (end > previous) out.parts.push_back(Schedule::Part{versions[i], end - previous});
    previous = end;
  }
  return out;
}

std::vector<double> TraceProfile::data_fractions() const {
  std::vector<double> out;
  for (const auto& r : runs) out.push_back(r.data_fraction);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<std::uint32_t> TraceProfile::seeds() const {
  std::set<std::uint32_t> all;
  for (const auto& r : runs)
    for (const auto& [s, t] : r.by_seed) all.insert(s);
  return {all.begin(), all.end()};
}

const MeasuredRun* TraceProfile::find(const std::string& name, double data_fraction) const {
  const auto it = std::lower_bound(runs.begin(), runs.end(), std::make_pair(data_fraction, &name),
                                   [](const MeasuredRun& r, const std::pair<double, const std::string*>& key) {
                                     return std::tie(r.data_fraction, r.name) < std::tie(key.first, *key.second);
                                   });
  if (it == runs.end() || it->data_fraction != data_fraction || it->name != name) return nullptr;
  return &*it;
}

namespace {

/// The lines of the text, numbered from 1; a '\r' before the '\n' is dropped.
class LineReader {
public:
  explicit LineReader(std::string_view text) : rest_(text) {}
  bool next(std::string_view& line) {
    if (rest_.empty()) return false;
    const std::size_t nl = rest_.find('\n');
    line = rest_.substr(0, nl);
    rest_ = nl == std::string_view::npos ? std::string_view{} : rest_.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    ++line_no_;
    return true;
  }
  [[nodiscard]] int line_no() const { return line_no_; }

private:
  std::string_view rest_;
  int line_no_ = 0;
};

/// The header: which field of a line holds each column.
struct Header {
  int line = 0;
  std::size_t field_count = 0;
  std::array<std::size_t, kColumnCount> position{};

  [[nodiscard]] bool has(Column c) const { return position[c] != kAbsent; }
  /// The name of the column at this field of a line ("" for none).
  [[nodiscard]] std::string column_at(std::size_t field_index) const {
    for (std::size_t c = 0; c < kColumnCount; ++c)
      if (position[c] == field_index) return kColumnNames[c];
    return "";
  }
};

/// The first non-blank line, as the header: every column exactly once, no other. Throws on an empty file; the
/// header's other problems go to `issues`.
Header read_header(LineReader& lines, const std::string& path, Issues& issues) {
  std::string_view header;
  bool found_header = false;
  while (lines.next(header))
    if (!trim(header).empty()) {
      found_header = true;
      break;
    }
  if (!found_header)
    throw InputError(InputIssue{path, 0, 0, "", fmt::format("empty file: expected a header line '{}'", expected_header())});
  Header out;
  out.line = lines.line_no();
  const int header_line = out.line;
  auto& position = out.position;
  position.fill(kAbsent);
  const std::vector<Field> header_fields = split_fields(header);
  out.field_count = header_fields.size();
  if (const auto q = header.find('"'); q != std::string_view::npos)
    issues.add(header_line, static_cast<int>(q) + 1, "", "quoted fields are not supported (a profile holds names and numbers only)");
  for (std::size_t i = 0; i < header_fields.size(); ++i) {
    const Field& f = header_fields[i];
    const auto it = std::find_if(kColumnNames.begin(), kColumnNames.end(), [&](const char* c) { return f.text == c; });
    if (it == kColumnNames.end()) {
      issues.add(header_line, f.column, std::string(shown(f.text)),
                 fmt::format("unknown column '{}' (the columns are exactly: {})", shown(f.text), expected_header()));
      continue;
    }
    const auto c = static_cast<std::size_t>(it - kColumnNames.begin());
    if (position[c] != kAbsent) {
      issues.add(header_line, f.column, kColumnNames[c],
                 fmt::format("column '{}' appears twice (columns {} and {})", kColumnNames[c], position[c] + 1, i + 1));
      continue;
    }
    position[c] = i;
  }
  for (std::size_t c = 0; c < kRequiredColumns; ++c)
    if (position[c] == kAbsent)
      issues.add(header_line, 0, kColumnNames[c],
                 fmt::format("missing column '{}' (the columns are exactly: {})", kColumnNames[c], expected_header()));
  return out;
}

/// The run schedules met so far: each distinct text of the `run` field is parsed once.
struct RunSpecs {
  std::vector<RunSpec> specs;
  std::map<std::string, int, std::less<>> by_canonical;
  std::map<std::string, std::variant<int, std::string>, std::less<>> by_text;  // raw run text -> spec or error

  /// The index of the spec the text names, or the message saying what is wrong with it.
  const std::variant<int, std::string>& of(std::string_view t, const std::vector<std::string>& version_names) {
    auto it = by_text.find(t);
    if (it == by_text.end()) {
      RunSpec spec;
      try {
        parse_run_name(std::string(t), version_names, spec.versions, spec.switch_after);
        spec.name = canonical_name(version_names, spec.versions, spec.switch_after);
        auto [c, inserted] = by_canonical.emplace(spec.name, static_cast<int>(specs.size()));
        if (inserted) specs.push_back(std::move(spec));
        it = by_text.emplace(std::string(t), c->second).first;
      } catch (const std::invalid_argument& e) {
        it = by_text.emplace(std::string(t), std::string(e.what())).first;
      }
    }
    return it->second;
  }
};

/// The fields of one data row by column, and the report of a bad one at its place.
class RowFields {
public:
  RowFields(const std::vector<Field>& fields, const Header& header, int line_no, Issues& issues)
      : fields_(fields), header_(header), line_no_(line_no), issues_(issues) {}
  const Field& operator[](Column c) const { return fields_[header_.position[c]]; }
  [[nodiscard]] bool has(Column c) const { return header_.has(c); }
  void bad(Column c, std::string message) { issues_.add(line_no_, (*this)[c].column, kColumnNames[c], std::move(message)); }

private:
  const std::vector<Field>& fields_;
  const Header& header_;
  int line_no_;
  Issues& issues_;
};

/// The row's version, or nullopt (reported) when the scenario has none of that name.
std::optional<std::size_t> read_version(RowFields& field, const std::vector<std::string>& version_names) {
  std::optional<std::size_t> version;
  const std::string_view v = field[c_version].text;
  for (std::size_t i = 0; i < version_names.size(); ++i)
    if (version_names[i] == v) version = i;
  if (!version) field.bad(c_version, fmt::format("unknown version '{}' (known: {})", shown(v), known_versions(version_names)));
  return version;
}

/// The row's numbers: data fraction, seed, epoch, losses. False when one is bad (each bad one is reported).
bool read_numbers(RowFields& field, Row& row) {
  bool ok = true;
  {
    const std::string_view t = field[c_fraction].text;
    if (!parse_number(t, row.fraction) || !std::isfinite(row.fraction)) {
      field.bad(c_fraction, fmt::format("expected a number in (0, 1], got '{}'", shown(t)));
      ok = false;
    } else if (!(row.fraction > 0.0 && row.fraction <= 1.0)) {
      field.bad(c_fraction, fmt::format("data fraction {} is outside (0, 1]", shown(t)));
      ok = false;
    }
  }
  {
    const std::string_view t = field[c_seed].text;
    if (!parse_whole(t, row.seed)) {
      field.bad(c_seed, fmt::format("expected a whole number in [0, {}], got '{}'", std::numeric_limits<std::uint32_t>::max(), shown(t)));
      ok = false;
    }
  }
  {
    const std::string_view t = field[c_epoch].text;
    if (!parse_whole(t, row.epoch) || row.epoch < 1) {
      field.bad(c_epoch, fmt::format("expected a whole number >= 1, got '{}'", shown(t)));
      ok = false;
    }
  }
  for (const Column c : {c_val, c_test}) {
    const std::string_view t = field[c].text;
    double value = 0.0;
    if (!parse_number(t, value)) {
      field.bad(c, fmt::format("expected a number, got '{}'", shown(t)));
      ok = false;
    } else if (!std::isfinite(value)) {
      field.bad(c, fmt::format("loss must be finite, got '{}' (a diverged run cannot be resampled)", shown(t)));
      ok = false;
    } else if (value < 0.0) {
      field.bad(c, fmt::format("loss must be >= 0, got '{}'", shown(t)));
      ok = false;
    }
    (c == c_val ? row.val : row.test) = value;
  }
  if (field.has(c_batch)) {
    const std::string_view t = field[c_batch].text;
    if (!parse_whole(t, row.batch) || row.batch < 1 || row.batch > 100'000'000) {
      field.bad(c_batch, fmt::format("expected a global batch size, a whole number in [1, 100000000], got '{}'", shown(t)));
      ok = false;
    }
  }
  return ok;
}

/// One data line: the row, or nullopt when something in it is wrong (reported).
std::optional<Row> read_row(std::string_view line, int line_no, const Header& header,
                            const std::vector<std::string>& version_names, RunSpecs& specs, Issues& issues) {
  if (const auto q = line.find('"'); q != std::string_view::npos) {
    const std::size_t field_index = static_cast<std::size_t>(std::count(line.begin(), line.begin() + static_cast<std::ptrdiff_t>(q), ','));
    issues.add(line_no, static_cast<int>(q) + 1, header.column_at(field_index),
               "quoted fields are not supported (a profile holds names and numbers only)");
    return std::nullopt;
  }
  const std::vector<Field> fields = split_fields(line);
  if (fields.size() != header.field_count) {
    issues.add(line_no, 0, "",
               fmt::format("expected {} fields as in the header, found {}", header.field_count, fields.size()));
    return std::nullopt;
  }
  RowFields field(fields, header, line_no, issues);
  Row row;
  row.line = line_no;
  row.seed_column = field[c_seed].column;
  row.epoch_column = field[c_epoch].column;
  row.run_column = field[c_run].column;
  bool ok = true;

  const std::optional<std::size_t> version = read_version(field, version_names);
  if (!version) ok = false;
  if (!read_numbers(field, row)) ok = false;
  if (const auto& spec_or_error = specs.of(field[c_run].text, version_names);
      const auto* error = std::get_if<std::string>(&spec_or_error)) {
    field.bad(c_run, *error);
    ok = false;
  } else {
    row.run = std::get<int>(spec_or_error);
  }
  if (!ok) return std::nullopt;
  const RunSpec& spec = specs.specs[static_cast<std::size_t>(row.run)];
  const auto part = static_cast<std::size_t>(
      std::count_if(spec.switch_after.begin(), spec.switch_after.end(), [&](int s) { return s < row.epoch; }));
  if (spec.versions[part] != *version) {
    field.bad(c_version, fmt::format("run '{}' trains '{}' at epoch {}, but the row says '{}'", spec.name,
                                     version_names[spec.versions[part]], row.epoch, version_names[*version]));
    return std::nullopt;
  }
  return row;
}

/// One seed's rows of one run, from rows[i] on (i moves past them): its trajectory, or `reported` when an epoch is
/// duplicated or missing.
struct SeedRows {
  MeasuredTrajectory trajectory;
  int length = 0;
  const Row* first = nullptr;  // its first line in the file
  bool reported = false;
};

SeedRows read_seed(const std::vector<Row>& rows, std::size_t& i, const Row& head, const std::string& where, Issues& issues) {
  const std::uint32_t seed = rows[i].seed;
  SeedRows out;
  int expected = 1;
  const Row* seed_first = &rows[i];
  bool reported = false;
  for (; i < rows.size() && rows[i].fraction == head.fraction && rows[i].run == head.run && rows[i].seed == seed; ++i) {
    const Row& r = rows[i];
    if (r.line < seed_first->line) seed_first = &r;
    if (reported) continue;
    if (r.epoch < expected) {
      const int first_line = rows[i - 1].line;
      issues.add(r.line, r.epoch_column, "epoch",
                 fmt::format("duplicate row: {}, seed {}, epoch {} (first at line {})", where, seed, r.epoch, first_line));
      reported = true;
    } else if (r.epoch > expected) {
      issues.add(r.line, r.epoch_column, "epoch",
                 fmt::format("{}, seed {}: epoch{} {} missing before epoch {} (epochs must run 1..K without gaps)", where,
                             seed, r.epoch - expected > 1 ? "s" : "",
                             r.epoch - expected > 1 ? fmt::format("{}..{}", expected, r.epoch - 1) : std::to_string(expected),
                             r.epoch));
      reported = true;
    } else {
      out.trajectory.validation.push_back(r.val);
      out.trajectory.test.push_back(r.test);
      ++expected;
    }
  }
  out.length = expected - 1;
  out.first = seed_first;
  out.reported = reported;
  return out;
}

/// The rows of one (data fraction, run), from rows[i] on (i moves past them), as a measured run: its seeds must
/// have the same epochs, at least 2 of them, and cover the run's last switch. A good run is added to `profile`,
/// with the column of `run` on its first line in `run_column`.
void build_run(const std::vector<Row>& rows, std::size_t& i, const std::vector<RunSpec>& specs, Issues& issues,
               TraceProfile& profile, std::vector<int>& run_column) {
  const Row& head = rows[i];
  const RunSpec& spec = specs[static_cast<std::size_t>(head.run)];
  MeasuredRun run;
  run.name = spec.name;
  run.versions = spec.versions;
  run.switch_after = spec.switch_after;
  run.data_fraction = head.fraction;
  run.line = head.line;
  const Row* run_first = &head;
  const std::string where = fmt::format("run '{}' at data fraction {}", spec.name, fraction_text(head.fraction));
  int first_seed_line = 0;
  int first_seed_length = 0;
  std::uint32_t first_seed = 0;
  bool run_bad = false;
  while (i < rows.size() && rows[i].fraction == head.fraction && rows[i].run == head.run) {
    const std::uint32_t seed = rows[i].seed;
    SeedRows s = read_seed(rows, i, head, where, issues);
    if (s.reported) {
      run_bad = true;
      continue;
    }
    const Row* seed_first = s.first;
    const int length = s.length;
    if (run.by_seed.empty()) {
      first_seed_line = seed_first->line;
      first_seed_length = length;
      first_seed = seed;
    } else if (length != first_seed_length) {
      run_bad = true;
      issues.add(seed_first->line, seed_first->epoch_column, "epoch",
                 fmt::format("{}: seed {} has {} epochs but seed {} (line {}) has {}; every seed of a run must have the "
                             "same epochs", where, seed, length, first_seed, first_seed_line, first_seed_length));
    }
    if (seed_first->line < run_first->line) run_first = seed_first;
    run.by_seed.emplace(seed, std::move(s.trajectory));
  }
  run.epochs = first_seed_length;
  run.line = run_first->line;
  if (!run_bad) {
    if (run.by_seed.size() < 2)
      issues.add(run.line, run_first->seed_column, "seed",
                 fmt::format("{} has 1 seed ({}); at least 2 are needed (resampling needs a spread)", where, first_seed));
    if (!run.switch_after.empty() && run.epochs <= run.switch_after.back())
      issues.add(run.line, run_first->run_column, "run",
                 fmt::format("{} switches after epoch {} but only {} epochs are measured", where,
                             run.switch_after.back(), run.epochs));
    run_column.push_back(run_first->run_column);
    profile.runs.push_back(std::move(run));
  }
}

/// A switch run needs its base (the same run without its last switch) at the same data fraction.
void check_switch_bases(const TraceProfile& profile, const std::vector<int>& run_column,
                        const std::vector<std::string>& version_names, Issues& issues) {
  for (std::size_t ri = 0; ri < profile.runs.size(); ++ri) {
    const MeasuredRun& run = profile.runs[ri];
    if (run.switch_after.empty()) continue;
    std::vector<std::size_t> versions(run.versions.begin(), run.versions.end() - 1);
    std::vector<int> switches(run.switch_after.begin(), run.switch_after.end() - 1);
    const std::string base = canonical_name(version_names, versions, switches);
    const MeasuredRun* b = profile.find(base, run.data_fraction);
    const std::string where = fmt::format("switch run '{}' at data fraction {}", run.name, fraction_text(run.data_fraction));
    if (b == nullptr)
      issues.add(run.line, run_column[ri], "run",
                 fmt::format("{} needs its base run '{}' measured at the same data fraction", where, base));
    else if (b->epochs < run.switch_after.back())
      issues.add(run.line, run_column[ri], "run",
                 fmt::format("{} switches after epoch {}, but its base run '{}' is measured for only {} epochs (line {})",
                             where, run.switch_after.back(), base, b->epochs, b->line));
  }
}

} // namespace

TraceProfile load_trace_profile(const std::string& path, const std::vector<std::string>& version_names,
                                std::uintmax_t max_bytes, int batch) {
  const std::string text = read_file(path, max_bytes);
  Issues issues(path);
  std::string_view rest(text);
  if (rest.substr(0, 3) == "\xEF\xBB\xBF") rest.remove_prefix(3);  // UTF-8 byte-order mark
  LineReader lines(rest);

  // --- header ---
  const Header header = read_header(lines, path, issues);
  issues.throw_if_any();

  // --- rows ---
  RunSpecs specs;
  std::vector<Row> rows;
  std::string_view line;
  while (lines.next(line)) {
    if (trim(line).empty()) continue;
    if (auto row = read_row(line, lines.line_no(), header, version_names, specs, issues)) rows.push_back(*row);
  }
  issues.throw_if_any();
  if (rows.empty()) throw InputError(InputIssue{path, header.line, 0, "", "no data rows after the header"});
  // --- a batch column: keep the rows measured at the scenario's global batch ---
  std::vector<int> batches;
  if (header.has(c_batch)) {
    for (const Row& r : rows) batches.push_back(r.batch);
    std::sort(batches.begin(), batches.end());
    batches.erase(std::unique(batches.begin(), batches.end()), batches.end());
    if (std::find(batches.begin(), batches.end(), batch) == batches.end()) {
      const std::string measured = fmt::format("batch{} {}", batches.size() > 1 ? "es" : "", fmt::join(batches, ", "));
      throw InputError(InputIssue{path, header.line, 0, "batch",
                                  batch > 0 ? fmt::format("no rows at global batch {} (the scenario's model.batch_size); this profile "
                                                          "measures {}", batch, measured)
                                            : fmt::format("this profile measures {}: say which (model.batch_size)", measured)});
    }
    std::erase_if(rows, [&](const Row& r) { return r.batch != batch; });
  }

  // --- structure: epochs 1..K per (fraction, run, seed), equal lengths, >= 2 seeds ---
  std::sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) {
    return std::tie(a.fraction, specs.specs[static_cast<std::size_t>(a.run)].name, a.seed, a.epoch, a.line) <
           std::tie(b.fraction, specs.specs[static_cast<std::size_t>(b.run)].name, b.seed, b.epoch, b.line);
  });
  TraceProfile profile;
  profile.path = path;
  profile.version_names = version_names;
  profile.batches = batches;
  if (!batches.empty()) profile.batch = batch;
  std::vector<int> run_column;  // column of `run` on each profile run's first line
  std::size_t i = 0;
  while (i < rows.size()) build_run(rows, i, specs.specs, issues, profile, run_column);
  issues.throw_if_any();

  // --- a switch run needs its base (the same run without its last switch) at the same data fraction ---
  check_switch_bases(profile, run_column, version_names, issues);
  issues.throw_if_any();
  return profile;
}

// ------------------------------------------------------------------------------------------------------------------

TraceLearning::TraceLearning(TraceProfile profile, double total_samples, std::size_t knowledge_seeds,
                             std::optional<std::uint64_t> shuffle)
    : profile_(std::move(profile)), total_samples_(total_samples) {
  if (!(std::isfinite(total_samples_) && total_samples_ > 0.0))
    throw std::invalid_argument(fmt::format("trace profile: total samples must be > 0, got {}", total_samples_));
  if (profile_.runs.empty()) throw std::invalid_argument("trace profile '" + profile_.path + "' has no runs");
  std::vector<std::uint32_t> all = profile_.seeds();
  Issues issues(profile_.path);
  for (const MeasuredRun& run : profile_.runs) {
    std::string missing;
    int count = 0;
    for (std::uint32_t s : all)
      if (run.by_seed.count(s) == 0) {
        if (count < 10) missing += (missing.empty() ? "" : ", ") + std::to_string(s);
        ++count;
      }
    if (count > 10) missing += fmt::format(" and {} more", count - 10);
    if (count > 0)
      issues.add(run.line, 0, "seed",
                 fmt::format("run '{}' at data fraction {} lacks seed{} {} measured elsewhere in the profile; every run "
                             "and data fraction must have the same seeds (runs are resampled by seed)",
                             run.name, fraction_text(run.data_fraction), count > 1 ? "s" : "", missing));
  }
  issues.throw_if_any();
  if (knowledge_seeds < 1 || knowledge_seeds >= all.size())
    throw std::invalid_argument(fmt::format(
        "trace profile '{}': knowledge seeds must be between 1 and {} (the profile has {} seeds, and evaluation needs "
        "at least one), got {}", profile_.path, all.size() - 1, all.size(), knowledge_seeds));
  if (shuffle) {
    // Fisher-Yates, with draws of the trace-resample stream keyed by the shuffle seed.
    for (std::size_t i = all.size() - 1; i > 0; --i) {
      const double u = uniform01(StreamKey{*shuffle, Purpose::knowledge, StreamKind::trace_resample, static_cast<std::uint32_t>(i), 0, 1, 0});
      std::swap(all[i], all[std::min(i, static_cast<std::size_t>(u * static_cast<double>(i + 1)))]);
    }
  }
  knowledge_seeds_.assign(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(knowledge_seeds));
  evaluation_seeds_.assign(all.begin() + static_cast<std::ptrdiff_t>(knowledge_seeds), all.end());
  fractions_ = profile_.data_fractions();

  // Identity: everything that determines the trajectories, independent of the file's layout.
  Fnv1a h;
  h.u64(profile_.version_names.size());
  for (const auto& n : profile_.version_names) h.text(n);
  h.u64(profile_.runs.size());
  for (const MeasuredRun& run : profile_.runs) {
    h.text(run.name);
    h.number(run.data_fraction);
    h.u64(run.by_seed.size());
    for (const auto& [s, t] : run.by_seed) {
      h.u64(s);
      h.u64(t.test.size());
      for (std::size_t k = 0; k < t.test.size(); ++k) {
        h.number(t.validation[k]);
        h.number(t.test[k]);
      }
    }
  }
  identity_ = fmt::format("trace-v{} {:016x} q_total {} knowledge_seeds {}{}", kTraceVersion, h.value(), total_samples_,
                          knowledge_seeds, shuffle ? fmt::format(" shuffled {}", *shuffle) : std::string());
}

Trajectory TraceLearning::seed_trajectory(std::uint32_t seed, double samples, const Schedule& schedule) const {
  const MeasuredRun& run = run_for(samples, schedule);
  const MeasuredTrajectory& m = run.by_seed.at(seed);
  const auto k = static_cast<std::ptrdiff_t>(schedule_epochs(schedule));
  Trajectory t;
  t.validation.assign(m.validation.begin(), m.validation.begin() + k);
  t.test.assign(m.test.begin(), m.test.begin() + k);
  t.clean = t.test;
  return t;
}

const std::vector<std::uint32_t>& TraceLearning::seeds(Purpose purpose) const {
  return purpose == Purpose::knowledge ? knowledge_seeds_ : evaluation_seeds_;
}

std::uint32_t TraceLearning::profile_seed(std::uint64_t seed, Purpose purpose, std::uint32_t r) const {
  const auto& set = seeds(purpose);
  const double u = uniform01(StreamKey{seed, purpose, StreamKind::trace_resample, r, 0, 0, 0});
  const auto index = std::min(set.size() - 1, static_cast<std::size_t>(u * static_cast<double>(set.size())));
  return set[index];
}

double TraceLearning::data_fraction_for(double samples) const {
  // Bucket at or below (pessimistic, docs/model.md 1.4); a relative tolerance absorbs f * q_total rounding.
  for (auto it = fractions_.rbegin(); it != fractions_.rend(); ++it)
    if (*it * total_samples_ <= samples * (1.0 + 1e-9)) return *it;
  throw std::out_of_range(fmt::format(
      "{} samples is below the smallest measured data fraction {} ({} of {} samples) of trace profile '{}'", samples,
      fraction_text(fractions_.front()), fractions_.front() * total_samples_, total_samples_, profile_.path));
}

const MeasuredRun& TraceLearning::run_for(double samples, const Schedule& schedule) const {
  const double fraction = data_fraction_for(samples);
  std::vector<std::size_t> versions;
  std::vector<int> switch_after;
  int k = 0;
  for (const auto& p : schedule.parts) {
    if (p.epochs <= 0) continue;
    if (p.version >= profile_.version_names.size())
      throw std::invalid_argument(fmt::format("schedule uses version index {}, but the profile knows {} versions",
                                              p.version, profile_.version_names.size()));
    if (versions.empty() || versions.back() != p.version) {
      if (!versions.empty()) switch_after.push_back(k);
      versions.push_back(p.version);
    }
    k += p.epochs;
  }
  if (versions.empty()) throw std::invalid_argument("empty schedule (no epochs)");
  const std::string name = canonical_name(profile_.version_names, versions, switch_after);
  const MeasuredRun* run = profile_.find(name, fraction);
  if (run == nullptr || run->epochs < k) {
    std::string measured;
    for (const auto& r : profile_.runs)
      if (r.data_fraction == fraction) measured += fmt::format("{}{} ({} epochs)", measured.empty() ? "" : ", ", r.name, r.epochs);
    const std::string what = fmt::format("schedule '{}' for {} epochs at data fraction {} ({} samples)", name, k,
                                         fraction_text(fraction), samples);
    if (run == nullptr)
      throw std::invalid_argument(fmt::format("{} was not measured in trace profile '{}'; measured there: {}", what,
                                              profile_.path, measured));
    throw std::invalid_argument(fmt::format("{} is longer than measured in trace profile '{}'; measured there: {}",
                                            what, profile_.path, measured));
  }
  return *run;
}

Trajectory TraceLearning::trajectory(std::uint64_t seed, Purpose purpose, std::uint32_t r, double samples,
                                     const Schedule& schedule) const {
  return seed_trajectory(profile_seed(seed, purpose, r), samples, schedule);
}

Trajectory TraceLearning::indexed_trajectory(Purpose purpose, std::size_t index, double samples, const Schedule& schedule) const {
  return seed_trajectory(seeds(purpose).at(index), samples, schedule);
}

double TraceLearning::final_test_loss(std::uint64_t seed, Purpose purpose, std::uint32_t r, double samples,
                                      const Schedule& schedule) const {
  const MeasuredRun& run = run_for(samples, schedule);
  const int k = schedule_epochs(schedule);
  return run.by_seed.at(profile_seed(seed, purpose, r)).test.at(static_cast<std::size_t>(k - 1));
}

} // namespace deplsim
