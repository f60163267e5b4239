// Unit tests for the platform pre-flight check (sim/src/platform/xml_check.cpp): every bad fixture in
// tests/data/platforms/bad gives an issue at the right line with the right key, good fixtures give none, and the
// unit parsers follow SimGrid 3.32's tables. Why: the check is what stands between a typo and a SimGrid abort.
#include "platform/xml_check.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

#ifndef DEPLSIM_TEST_DATA_DIR
#define DEPLSIM_TEST_DATA_DIR "tests/data"
#endif

namespace {

std::string platform_path(const std::string& relative)
{
  return std::string(DEPLSIM_TEST_DATA_DIR) + "/platforms/" + relative;
}

std::string describe(const std::vector<deplsim::InputIssue>& issues)
{
  std::string out;
  for (const auto& issue : issues)
    out += issue.str() + "\n";
  return out;
}

/// A scratch file removed at the end of the test.
struct TempFile {
  std::filesystem::path path;
  explicit TempFile(const std::string& content, const std::string& name)
      : path(std::filesystem::temp_directory_path() / name)
  {
    std::ofstream(path, std::ios::binary) << content;
  }
  ~TempFile() { std::filesystem::remove(path); }
  TempFile(const TempFile&)            = delete;
  TempFile& operator=(const TempFile&) = delete;
};

const std::string kHead = "<?xml version=\"1.0\"?>\n"
                          "<!DOCTYPE platform SYSTEM \"https://simgrid.org/simgrid.dtd\">\n"
                          "<platform version=\"4.1\">\n"
                          "  <zone id=\"world\" routing=\"Full\">\n";
const std::string kTail = "  </zone>\n</platform>\n";

} // namespace

TEST_CASE("xml_check: every bad platform fixture is reported at its line with its key", "[xml_check]")
{
  struct Expectation {
    const char* file;
    int line;
    const char* key_part;
    const char* message_part;
  };
  const std::vector<Expectation> expectations{
      {"bad_bandwidth.xml", 5, "link[id=l1].bandwidth", "invalid bandwidth 'fast'"},
      {"bad_core.xml", 5, "host[id=h1].core", "positive integer"},
      {"bad_radical.xml", 5, "cluster[id=cl].radical", "malformed radical"},
      {"bad_routing.xml", 5, "zone[id=z].routing", "invalid routing 'Shortest'"},
      {"bad_sharing_policy.xml", 5, "link[id=l1].sharing_policy", "HALFDUPLEX"},
      {"bad_speed.xml", 5, "host[id=h1].speed", "invalid speed '1Gz'"},
      {"bad_version.xml", 3, "platform.version", "unsupported platform version"},
      {"cluster_wattage.xml", 6, "cluster[id=cl].prop[wattage_per_state]", "expected 1 power-state entries"},
      {"direction_not_splitduplex.xml", 8, "link_ctn[id=l1]", "only allowed on SPLITDUPLEX"},
      {"duplicate_host.xml", 6, "router[id=h1]", "duplicate name 'h1'"},
      {"duplicate_link.xml", 6, "link[id=l1]", "duplicate link name 'l1'"},
      {"duplicate_zone.xml", 6, "zone[id=z]", "duplicate zone name 'z'"},
      {"element_order.xml", 6, "zone[id=world].prop", "not allowed at this position"},
      {"host_link_unknown.xml", 8, "host_link[id=a].down", "no link named 'down'"},
      {"malformed.xml", 6, "xml", "malformed XML"},
      {"missing_attribute.xml", 5, "host[id=h1].speed", "missing required attribute 'speed'"},
      {"missing_latency.xml", 5, "link[id=l1].latency", "missing required attribute 'latency'"},
      {"missing_version.xml", 3, "platform.version", "missing attribute version"},
      {"multi_bandwidth.xml", 5, "link[id=l1].bandwidth", "only WIFI links"},
      {"negative_latency.xml", 5, "link[id=l1].latency", "must not be negative"},
      {"no_doctype.xml", 2, "DOCTYPE", "found none"},
      {"nonpositive_bandwidth.xml", 5, "link[id=l1].bandwidth", "must be positive"},
      {"nonpositive_speed.xml", 5, "host[id=h1].speed", "(power state 1)"},
      {"not_platform.xml", 3, "deployment", "expected the root element <platform>"},
      {"pstate_out_of_range.xml", 5, "host[id=h1].pstate", "out of range"},
      {"removed_element.xml", 5, "include", "removed in SimGrid 3.18"},
      {"splitduplex_no_direction.xml", 8, "link_ctn[id=l1]", "direction=\"UP\" or direction=\"DOWN\""},
      {"unknown_attribute.xml", 5, "host[id=h1].sped", "unknown attribute 'sped'"},
      {"unknown_element.xml", 5, "zone[id=world].hots", "unknown element <hots>"},
      {"unknown_gateway.xml", 8, "zoneRoute[src=cl,dst=z2].gw_src", "no host or router named 'cl_router'"},
      {"unknown_link_ctn.xml", 7, "link_ctn[id=nolink]", "no link named 'nolink'"},
      {"unknown_route_host.xml", 7, "route[src=h1,dst=h9].dst", "named 'h9'"},
      {"wattage_count.xml", 6, "host[id=h1].prop[wattage_per_state]", "expected 3 power-state entries"},
      {"wattage_format.xml", 6, "host[id=h1].prop[wattage_per_state]", "got 4"},
      {"wattage_nan.xml", 6, "host[id=h1].prop[wattage_per_state]", "finite"},
      {"wattage_negative.xml", 6, "host[id=h1].prop[wattage_per_state]", "non-negative"},
      {"wattage_not_number.xml", 6, "host[id=h1].prop[wattage_per_state]", "got 'abc'"},
      {"wattage_off.xml", 6, "host[id=h1].prop[wattage_off]", "got 'ten'"},
      {"wattage_range.xml", 6, "link[id=l1].prop[wattage_range]", "idle:busy"},
      {"memory_format.xml", 6, "host[id=h1].prop[memory]", "expected a positive size such as 8GB"},
      {"link_class.xml", 6, "link[id=l1].prop[class]", "got 'wi fi'"},
      // issue 22: what a platform may make SimGrid write or read, names, power-state order, sizes
      {"config_tracing.xml", 5, "config[id=general].prop[tracing/filename]", "cannot be set by a platform file"},
      {"config_path.xml", 6, "config.prop[path]", "only SimGrid's model settings"},
      {"trace_file_absolute.xml", 6, "trace[id=t].file", "an absolute path"},
      {"trace_file_dotdot.xml", 6, "trace[id=t].file", "'..' leads out"},
      {"host_speed_file_missing.xml", 5, "host[id=h1].speed_file", "no such file"},
      {"link_state_file_folder.xml", 5, "link[id=l1].state_file", "not a regular file"},
      {"name_newline.xml", 5, "host[id=evil\\nhost].id", "control character U+000A in 'evil\\nhost'"},
      {"name_tab_zone.xml", 5, "zone[id=z\\t1].id", "control character U+0009"},
      {"name_cluster_prefix.xml", 5, "cluster[id=cl].prefix", "control character U+000D"},
      {"pstates_increasing.xml", 5, "host[id=h1].speed", "must strictly decrease"},
      {"pstates_equal_cluster.xml", 5, "cluster[id=cl].speed", "power state 2 '1Gf' is not slower"},
      {"entity_declared.xml", 3, "DOCTYPE", "entity declaration <!ENTITY big"},
      {"attributes_too_many.xml", 5, "xml", "more than 64 attributes"},
      // issue 19: SimGrid Wi-Fi cells (a station's rate level, the cell's radio figures)
      {"wifi_rate_level_range.xml", 7, "host[id=s1].prop[wifi_rate_level]", "declares 2 bandwidth(s), so the level must be 0..1"},
      {"wifi_rate_level_format.xml", 7, "host[id=s1].prop[wifi_rate_level]", "expected a non-negative integer"},
      {"wifi_rate_level_wired.xml", 7, "host[id=s1].prop[wifi_rate_level]", "only a <host> directly in a <zone routing=\"Wifi\">"},
      {"wifi_transmit_w.xml", 7, "host[id=s1].prop[transmit_w]", "declare its radio there"},
      {"wifi_wattage_range.xml", 10, "link[id=air].prop[wattage_range]", "declare \"wifi_watt_values\""},
      {"wifi_watt_values.xml", 10, "link[id=air].prop[wifi_watt_values]", "expected \"idle:tx:rx:sleep\""},
      {"wifi_watt_values_wired.xml", 10, "link[id=air].prop[wifi_watt_values]", "only a WIFI link"},
      {"wifi_control_duration.xml", 10, "link[id=air].prop[control_duration]", "a number in [0, 1], got '2'"},
      {"wifi_link_outside_cell.xml", 9, "link[id=air].sharing_policy", "declare it directly in a <zone routing=\"Wifi\">"},
  };
  for (const auto& expected : expectations) {
    const std::string path = platform_path(std::string("bad/") + expected.file);
    INFO(path);
    const auto issues = deplsim::check_platform_xml(path);
    INFO(describe(issues));
    REQUIRE_FALSE(issues.empty());
    const auto& first = issues.front();
    CHECK(first.file == path);
    CHECK(first.line == expected.line);
    CHECK(first.key.find(expected.key_part) != std::string::npos);
    CHECK(first.message.find(expected.message_part) != std::string::npos);
  }
}

TEST_CASE("xml_check: every bad fixture on disk is covered and reported", "[xml_check]")
{
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(platform_path("bad"))) {
    if (entry.path().extension() != ".xml")
      continue;
    ++count;
    INFO(entry.path().string());
    CHECK_FALSE(deplsim::check_platform_xml(entry.path().string()).empty());
  }
  CHECK(count >= 30);
}

TEST_CASE("xml_check: good platform files give no issue", "[xml_check]")
{
  for (const char* file : {"good/two_zones.xml", "good/star_routers.xml", "good/profile_files.xml"}) {
    const std::string path = platform_path(file);
    const auto issues      = deplsim::check_platform_xml(path);
    INFO(path << "\n" << describe(issues));
    CHECK(issues.empty());
  }
}

TEST_CASE("xml_check: file-level problems", "[xml_check]")
{
  SECTION("missing file")
  {
    const auto issues = deplsim::check_platform_xml(platform_path("bad/does_not_exist.xml"));
    REQUIRE(issues.size() == 1);
    CHECK(issues[0].message.find("cannot read platform file") != std::string::npos);
    CHECK(issues[0].file == platform_path("bad/does_not_exist.xml"));
  }
  SECTION("a directory")
  {
    const auto issues = deplsim::check_platform_xml(platform_path("bad"));
    REQUIRE(issues.size() == 1);
    CHECK(issues[0].message.find("not a regular file") != std::string::npos);
  }
  SECTION("empty and blank files")
  {
    CHECK(deplsim::check_platform_xml(platform_path("bad/empty.xml")).at(0).message.find("empty") != std::string::npos);
    TempFile blank("  \n\n\t\n", "deplsim_xml_check_blank.xml");
    CHECK(deplsim::check_platform_xml(blank.path.string()).at(0).message.find("empty") != std::string::npos);
  }
  SECTION("malformed XML carries libxml2's line and column")
  {
    const auto issues = deplsim::check_platform_xml(platform_path("bad/malformed.xml"));
    REQUIRE_FALSE(issues.empty());
    CHECK(issues[0].line == 6);
    CHECK(issues[0].column > 0);
    CHECK(issues[0].str().rfind(platform_path("bad/malformed.xml") + ":6:", 0) == 0);
  }
  SECTION("no network, no entity expansion: an external entity is not fetched")
  {
    TempFile xxe("<?xml version=\"1.0\"?>\n<!DOCTYPE platform SYSTEM \"https://simgrid.org/simgrid.dtd\" [\n"
                 "<!ENTITY x SYSTEM \"http://127.0.0.1:9/nothing\">]>\n<platform version=\"4.1\">&x;</platform>\n",
                 "deplsim_xml_check_xxe.xml");
    const auto issues = deplsim::check_platform_xml(xxe.path.string());
    INFO(describe(issues));
    REQUIRE_FALSE(issues.empty());
    CHECK(issues[0].key == "DOCTYPE");
  }
}

TEST_CASE("xml_check: more inline cases", "[xml_check]")
{
  const auto check = [](const std::string& body) {
    TempFile file(kHead + body + kTail, "deplsim_xml_check_inline.xml");
    return deplsim::check_platform_xml(file.path.string());
  };
  // Accepted forms.
  CHECK(check("    <host id=\"a\" speed=\"1Gf\" core=\"4\"><prop id=\"wattage_per_state\" value=\"1:3\"/></host>\n").empty());
  CHECK(check("    <host id=\"a\" speed=\"2Gf, 1Gf\" pstate=\"1\"/>\n").empty());
  CHECK(check("    <cluster id=\"c\" prefix=\"n\" suffix=\"\" radical=\"0-1,5\" speed=\"1Gf\" bw=\"1GBps\" lat=\"0\""
              " sharing_policy=\"SHARED\" bb_bw=\"1GBps\"/>\n"
              "    <zone id=\"z\" routing=\"Full\"><host id=\"h\" speed=\"1Gf\"/></zone>\n"
              "    <zoneRoute src=\"c\" dst=\"z\" gw_src=\"n5\" gw_dst=\"h\"><link_ctn id=\"c_link_5\"/>"
              "<link_ctn id=\"c_backbone\"/></zoneRoute>\n")
            .empty());
  // SPLITDUPLEX cluster links need a direction, or their _UP/_DOWN names.
  const std::string split_cluster = "    <cluster id=\"c\" prefix=\"n\" suffix=\"\" radical=\"0-1\" speed=\"1Gf\" "
                                    "bw=\"1GBps\" lat=\"0\"/>\n"
                                    "    <zone id=\"z\" routing=\"Full\"><host id=\"h\" speed=\"1Gf\"/></zone>\n";
  CHECK(check(split_cluster + "    <zoneRoute src=\"c\" dst=\"z\" gw_src=\"nc_router\" gw_dst=\"h\">"
                              "<link_ctn id=\"c_link_0\" direction=\"DOWN\"/><link_ctn id=\"c_link_1_UP\"/></zoneRoute>\n")
            .empty());
  CHECK_FALSE(check(split_cluster + "    <zoneRoute src=\"c\" dst=\"z\" gw_src=\"nc_router\" gw_dst=\"h\">"
                                    "<link_ctn id=\"c_link_0\"/></zoneRoute>\n")
                  .empty());
  // Rejected forms, with their keys.
  CHECK(check("    <host id=\"a\" speed=\"1Gf\" core=\"2.5\"/>\n").at(0).key == "host[id=a].core");
  CHECK(check("    <host id=\"a\" speed=\"inf\"/>\n").at(0).key == "host[id=a].speed");
  CHECK(check("    <host id=\"a\" speed=\"1Gf\"><prop id=\"wattage_off\" value=\"-3\"/></host>\n").at(0).key ==
        "host[id=a].prop[wattage_off]");
  CHECK(check("    <host id=\"a\" speed=\"1Gf\"><prop id=\"wattage_per_state\" value=\"1:2:3 \"/></host>\n")
            .at(0)
            .message.find("trailing blanks") != std::string::npos);
  CHECK(check("    <link id=\"l\" bandwidth=\"1GBps\" latency=\"0\"><prop id=\"wattage_range\" value=\"1:nan\"/></link>\n")
            .at(0)
            .message.find("finite") != std::string::npos);
  CHECK(check("    <host id=\"a\" speed=\"1Gf\">text</host>\n").at(0).message.find("unexpected text") != std::string::npos);
  CHECK(check("    <storage id=\"s\" typeId=\"t\" attach=\"a\"/>\n").at(0).message.find("3.27") != std::string::npos);
}

TEST_CASE("parse_speed follows SimGrid's units", "[xml_check][units]")
{
  double v = -1;
  CHECK(deplsim::parse_speed("1Gf", v));
  CHECK(v == Approx(1e9));
  CHECK(deplsim::parse_speed("100Mf", v));
  CHECK(v == Approx(1e8));
  CHECK(deplsim::parse_speed("2.5e9f", v));
  CHECK(v == Approx(2.5e9));
  CHECK(deplsim::parse_speed("1e9", v));
  CHECK(v == Approx(1e9));
  CHECK(deplsim::parse_speed("3kf", v));
  CHECK(v == Approx(3e3));
  CHECK(deplsim::parse_speed("1.5gigaflops", v));
  CHECK(v == Approx(1.5e9));
  CHECK(deplsim::parse_speed("2Yf", v));
  CHECK(v == Approx(2e24));
  CHECK(deplsim::parse_speed("0", v));
  CHECK(v == 0);
  v = 7;
  for (const char* bad : {"", "Gf", "1Gx", "1 Gf", "1Gf ", "1GF", "nan", "inf", "1e999f", "fast"}) {
    INFO(bad);
    CHECK_FALSE(deplsim::parse_speed(bad, v));
  }
  CHECK(v == 7); // untouched on error
}

TEST_CASE("parse_bandwidth follows SimGrid's units", "[xml_check][units]")
{
  double v = -1;
  CHECK(deplsim::parse_bandwidth("1Gbps", v));
  CHECK(v == Approx(1.25e8));
  CHECK(deplsim::parse_bandwidth("125MBps", v));
  CHECK(v == Approx(1.25e8));
  CHECK(deplsim::parse_bandwidth("10GiBps", v));
  CHECK(v == Approx(10.0 * 1024 * 1024 * 1024));
  CHECK(deplsim::parse_bandwidth("1e8Bps", v));
  CHECK(v == Approx(1e8));
  CHECK(deplsim::parse_bandwidth("8Kibps", v));
  CHECK(v == Approx(1024));
  CHECK(deplsim::parse_bandwidth("1kBps", v));
  CHECK(v == Approx(1000));
  CHECK(deplsim::parse_bandwidth("42", v));
  CHECK(v == Approx(42));
  v = 7;
  for (const char* bad : {"", "Bps", "1GBPS", "1KBps", "1Gb", "1 Gbps", "-inf", "NaNBps"}) {
    INFO(bad);
    CHECK_FALSE(deplsim::parse_bandwidth(bad, v));
  }
  CHECK(v == 7);
}

TEST_CASE("parse_size follows SimGrid's units", "[xml_check][units]")
{
  double v = -1;
  CHECK(deplsim::parse_size("8GB", v));
  CHECK(v == Approx(8e9));
  CHECK(deplsim::parse_size("40GiB", v));
  CHECK(v == Approx(40.0 * 1024 * 1024 * 1024));
  CHECK(deplsim::parse_size("512MiB", v));
  CHECK(v == Approx(512.0 * 1024 * 1024));
  CHECK(deplsim::parse_size("4kB", v));
  CHECK(v == Approx(4000));
  CHECK(deplsim::parse_size("1e9", v));  // a bare number is bytes
  CHECK(v == Approx(1e9));
  CHECK(deplsim::parse_size("2gigabytes", v));
  CHECK(v == Approx(2e9));
  v = -1;
  CHECK_FALSE(deplsim::parse_size("8 gigs", v));
  CHECK_FALSE(deplsim::parse_size("8Gb", v));  // bits are not a size
  CHECK_FALSE(deplsim::parse_size("GB", v));
  CHECK(v == -1);
  // A memory property: a size > 0.
  const auto check = [](const std::string& body) {
    TempFile file(kHead + body + kTail, "deplsim_xml_check_memory.xml");
    return deplsim::check_platform_xml(file.path.string());
  };
  CHECK(check("    <host id=\"a\" speed=\"1Gf\"><prop id=\"memory\" value=\"0GB\"/></host>\n").at(0).key ==
        "host[id=a].prop[memory]");
  CHECK(check("    <host id=\"a\" speed=\"1Gf\"><prop id=\"memory\" value=\"16GiB\"/></host>\n").empty());
  // A link class: a name, not one of the two reserved ones.
  CHECK(check("    <link id=\"l\" bandwidth=\"1Gbps\" latency=\"0\"><prop id=\"class\" value=\"wan-2.a\"/></link>\n").empty());
  const auto reserved = check("    <link id=\"l\" bandwidth=\"1Gbps\" latency=\"0\"><prop id=\"class\" value=\"loopback\"/></link>\n");
  REQUIRE(reserved.size() == 1);
  CHECK(reserved[0].message.find("is reserved") != std::string::npos);
}

TEST_CASE("parse_latency follows SimGrid's units", "[xml_check][units]")
{
  double v = -1;
  CHECK(deplsim::parse_latency("20ms", v));
  CHECK(v == Approx(0.02));
  CHECK(deplsim::parse_latency("50us", v));
  CHECK(v == Approx(50e-6));
  CHECK(deplsim::parse_latency("1s", v));
  CHECK(v == Approx(1.0));
  CHECK(deplsim::parse_latency("0", v));
  CHECK(v == 0);
  CHECK(deplsim::parse_latency("2m", v));
  CHECK(v == Approx(120));
  CHECK(deplsim::parse_latency("1h", v));
  CHECK(v == Approx(3600));
  CHECK(deplsim::parse_latency("3ns", v));
  CHECK(v == Approx(3e-9));
  CHECK(deplsim::parse_latency("-1ms", v)); // syntactically fine; the checker refuses negative latencies
  CHECK(v == Approx(-1e-3));
  v = 7;
  for (const char* bad : {"", "ms", "1sec", "1 s", "1S", "inf"}) {
    INFO(bad);
    CHECK_FALSE(deplsim::parse_latency(bad, v));
  }
  CHECK(v == 7);
}

// ---- issue 22: hostile platform files --------------------------------------------------------------------------

namespace {

std::vector<deplsim::InputIssue> check_text(const std::string& text, const std::string& name)
{
  TempFile file(text, name);
  return deplsim::check_platform_xml(file.path.string());
}

bool mentions(const std::vector<deplsim::InputIssue>& issues, const std::string& part)
{
  for (const auto& issue : issues)
    if (issue.message.find(part) != std::string::npos || issue.key.find(part) != std::string::npos)
      return true;
  return false;
}

std::string with_config(const std::string& key)
{
  return "<?xml version=\"1.0\"?>\n<!DOCTYPE platform SYSTEM \"https://simgrid.org/simgrid.dtd\">\n"
         "<platform version=\"4.1\">\n  <config>\n    <prop id=\"" + key + "\" value=\"1\"/>\n  </config>\n"
         "  <zone id=\"world\" routing=\"Full\">\n    <host id=\"h1\" speed=\"1Gf\"/>\n  </zone>\n</platform>\n";
}

} // namespace

TEST_CASE("xml_check: <config> may carry SimGrid's model settings only (the rule of a scenario's simgrid.cfg)",
          "[xml_check][hostile]")
{
  for (const char* key : {"network/model", "network/TCP-gamma", "cpu/optim", "host/model", "maxmin/precision",
                          "precision/timing", "surf/precision"}) {
    INFO(key);
    const auto issues = check_text(with_config(key), "deplsim-xml-config-ok.xml");
    INFO(describe(issues));
    CHECK(issues.empty());
  }
  for (const char* key : {"tracing/filename", "tracing", "tracing/platform", "path", "contexts/factory",
                          "smpi/privatization", "debug/breakpoint", "plugin", "network/", "Network/model", "exception/cutpath",
                          "model-check/replay", "storage/max_file_descriptors", "tracing/comment-file"}) {
    INFO(key);
    const auto issues = check_text(with_config(key), "deplsim-xml-config-bad.xml");
    INFO(describe(issues));
    REQUIRE(issues.size() == 1);
    CHECK(issues.front().line == 5);
    CHECK(issues.front().message.find("cannot be set by a platform file") != std::string::npos);
  }
}

TEST_CASE("xml_check: a file a platform makes SimGrid read must be a regular file in the platform's folder",
          "[xml_check][hostile]")
{
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("deplsim-xml-files-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "sub");
  std::ofstream(dir / "sub" / "ok.txt") << "0 1\n";
  const fs::path outside = fs::temp_directory_path() / ("deplsim-xml-outside-" + std::to_string(::getpid()) + ".txt");
  std::ofstream(outside) << "0 1\n";
  fs::create_symlink(outside, dir / "out-link.txt");
  fs::create_symlink("sub/ok.txt", dir / "in-link.txt");
  REQUIRE(::mkfifo((dir / "fifo").c_str(), 0600) == 0);
  { std::ofstream big(dir / "big.txt"); }
  fs::resize_file(dir / "big.txt", 64ULL * 1024 * 1024 + 1); // sparse: nothing written
  { std::ofstream limit(dir / "limit.txt"); }
  fs::resize_file(dir / "limit.txt", 64ULL * 1024 * 1024);
  const auto platform = [&](const std::string& element) {
    std::ofstream(dir / "p.xml") << "<?xml version=\"1.0\"?>\n<!DOCTYPE platform SYSTEM \"https://simgrid.org/simgrid.dtd\">\n"
                                    "<platform version=\"4.1\">\n  <zone id=\"world\" routing=\"Full\">\n    " << element
                                 << "\n    <host id=\"h2\" speed=\"1Gf\"/>\n  </zone>\n</platform>\n";
    return deplsim::check_platform_xml((dir / "p.xml").string());
  };
  struct Case {
    std::string element;
    const char* expected; // nullptr: accepted
  };
  const std::vector<Case> cases{
      {"<trace id=\"t\" periodicity=\"1\" file=\"sub/ok.txt\"/>", nullptr},
      {"<trace id=\"t\" periodicity=\"1\" file=\"in-link.txt\"/>", nullptr},
      {"<trace id=\"t\" periodicity=\"1\" file=\"limit.txt\"/>", nullptr},
      {"<trace id=\"t\" periodicity=\"1\" file=\"\"/>", nullptr},
      {"<trace id=\"t\" periodicity=\"1\" file=\"out-link.txt\"/>", "a symbolic link"},
      {"<trace id=\"t\" periodicity=\"1\" file=\"fifo\"/>", "not a regular file"},
      {"<trace id=\"t\" periodicity=\"1\" file=\"big.txt\"/>", "larger than 64 MiB"},
      {"<trace id=\"t\" periodicity=\"1\" file=\"/etc/hostname\"/>", "an absolute path"},
      {"<trace id=\"t\" periodicity=\"1\" file=\"sub/../../x\"/>", "'..'"},
      {"<host id=\"h1\" speed=\"1Gf\" availability_file=\"/dev/stdin\"/>", "an absolute path"},
      {"<host id=\"h1\" speed=\"1Gf\" state_file=\"missing.txt\"/>", "no such file"},
      {"<peer id=\"h1\" speed=\"1Gf\" bw_in=\"1Gbps\" bw_out=\"1Gbps\" speed_file=\"../x\"/>", "'..'"},
      {"<link id=\"l\" bandwidth=\"1Gbps\" latency=\"0\" bandwidth_file=\"sub\"/>", "not a regular file"},
      {"<link id=\"l\" bandwidth=\"1Gbps\" latency=\"0\" latency_file=\"/proc/self/environ\"/>", "an absolute path"},
  };
  { // SimGrid reads a relative name from the working directory first: a different file there is refused
    const fs::path here = fs::current_path();
    fs::create_directories(dir / "cwd" / "sub");
    std::ofstream(dir / "cwd" / "sub" / "ok.txt") << "0 2\n";
    fs::current_path(dir / "cwd");
    const auto shadowed = platform("<trace id=\"t\" periodicity=\"1\" file=\"sub/ok.txt\"/>");
    fs::current_path(dir);
    const auto same = platform("<trace id=\"t\" periodicity=\"1\" file=\"sub/ok.txt\"/>");
    fs::current_path(here);
    INFO(describe(shadowed) << describe(same));
    REQUIRE(shadowed.size() == 1);
    CHECK(shadowed.front().message.find("the working directory has a file of that name") != std::string::npos);
    CHECK(same.empty());
  }
  for (const auto& c : cases) {
    INFO(c.element);
    const auto issues = platform(c.element);
    INFO(describe(issues));
    if (c.expected == nullptr) {
      CHECK(issues.empty());
    } else { // (a <peer> before a <host> is also out of order: only the first issue is the file's)
      REQUIRE_FALSE(issues.empty());
      CHECK(issues.front().line == 5);
      CHECK(issues.front().message.find(c.expected) != std::string::npos);
    }
  }
  fs::remove_all(dir);
  fs::remove(outside);
}

TEST_CASE("xml_check: control characters in any name are refused, at their line", "[xml_check][hostile]")
{
  const std::vector<std::string> bad{"&#10;", "&#13;", "&#9;", "&#127;", "&#133;", "&#x9F;"};
  const std::vector<std::string> templates{
      "<host id=\"h@\" speed=\"1Gf\"/>",
      "<router id=\"r@\"/>",
      "<link id=\"l@\" bandwidth=\"1Gbps\" latency=\"0\"/>",
      "<zone id=\"z@\" routing=\"Full\"/>",
      "<cluster id=\"c@\" prefix=\"n\" suffix=\"\" radical=\"0-1\" speed=\"1Gf\" bw=\"1Gbps\" lat=\"0\"/>",
      "<cluster id=\"c\" prefix=\"n@\" suffix=\"\" radical=\"0-1\" speed=\"1Gf\" bw=\"1Gbps\" lat=\"0\"/>",
      "<cluster id=\"c\" prefix=\"n\" suffix=\".x@\" radical=\"0-1\" speed=\"1Gf\" bw=\"1Gbps\" lat=\"0\"/>",
      "<cluster id=\"c\" prefix=\"n\" suffix=\"\" radical=\"0-1\" speed=\"1Gf\" bw=\"1Gbps\" lat=\"0\" router_id=\"r@\"/>",
      "<cabinet id=\"c\" prefix=\"n@\" suffix=\"\" radical=\"0-1\" speed=\"1Gf\" bw=\"1Gbps\" lat=\"0\"/>",
      "<peer id=\"p@\" speed=\"1Gf\" bw_in=\"1Gbps\" bw_out=\"1Gbps\"/>",
      "<backbone id=\"b@\" bandwidth=\"1Gbps\" latency=\"0\"/>",
      "<trace id=\"t@\" periodicity=\"1\"/>",
      "<host id=\"h\" speed=\"1Gf\"><prop id=\"wattage@\" value=\"1\"/></host>",
      "<host id=\"h\" speed=\"1Gf\"><prop id=\"site\" value=\"a@\"/></host>",
  };
  for (const auto& t : templates)
    for (const auto& c : bad) {
      std::string element = t;
      element.replace(element.find('@'), 1, c);
      INFO(element);
      const auto issues = check_text(kHead + "    " + element + "\n" + kTail, "deplsim-xml-control.xml");
      INFO(describe(issues));
      REQUIRE_FALSE(issues.empty());
      CHECK(mentions(issues, "control character U+00"));
      for (const auto& issue : issues) // every message and key stays on one line
        CHECK((issue.message + issue.key).find_first_of("\n\r") == std::string::npos);
    }
  // printable names, and UTF-8 that is not a control character, are accepted
  const auto ok = check_text(kHead + "    <host id=\"h\xc3\xa9-1\" speed=\"1Gf\"/>\n" + kTail, "deplsim-xml-control-ok.xml");
  INFO(describe(ok));
  CHECK(ok.empty());
}

TEST_CASE("xml_check: power-state speeds must strictly decrease", "[xml_check][hostile]")
{
  for (const char* speeds : {"1Gf,2Gf", "2Gf,2Gf", "3Gf,1Gf,2Gf", "1e9,1.5Gf"}) {
    INFO(speeds);
    const auto issues = check_text(kHead + "    <host id=\"h\" speed=\"" + speeds + "\"/>\n" + kTail, "deplsim-xml-ps.xml");
    REQUIRE(issues.size() == 1);
    CHECK(issues.front().message.find("must strictly decrease") != std::string::npos);
  }
  const auto ok = check_text(kHead + "    <host id=\"h\" speed=\"3Gf, 2Gf,1e9\"/>\n" + kTail, "deplsim-xml-ps.xml");
  INFO(describe(ok));
  CHECK(ok.empty());
}

TEST_CASE("xml_check: entity declarations are refused before anything expands", "[xml_check][hostile]")
{
  // a billion laughs: ten levels of ten references (10^10 copies if expanded)
  std::string dtd = "<!ENTITY a0 \"lol\">\n";
  for (int i = 1; i < 10; ++i) {
    dtd += "<!ENTITY a" + std::to_string(i) + " \"";
    for (int j = 0; j < 10; ++j)
      dtd += "&a" + std::to_string(i - 1) + ";";
    dtd += "\">\n";
  }
  const std::string head = "<?xml version=\"1.0\"?>\n<!DOCTYPE platform SYSTEM \"https://simgrid.org/simgrid.dtd\" [\n";
  const std::string body = "]>\n<platform version=\"4.1\">\n  <zone id=\"world\" routing=\"Full\">\n"
                           "    <host id=\"h\" speed=\"1Gf\"><prop id=\"p\" value=\"&a9;\"/></host>\n  </zone>\n</platform>\n";
  for (const std::string& decls : {dtd, std::string("<!ENTITY % pe SYSTEM \"/etc/passwd\">\n%pe;\n"),
                                   std::string("<!ENTITY ext SYSTEM \"file:///etc/passwd\">\n")}) {
    const auto issues = check_text(head + decls + body, "deplsim-xml-entity.xml");
    INFO(describe(issues));
    REQUIRE(issues.size() == 1);
    CHECK(issues.front().key == "DOCTYPE");
    CHECK(issues.front().message.find("entity declaration") != std::string::npos);
  }
}

TEST_CASE("xml_check: at most 64 attributes on one element, counted before libxml2 parses", "[xml_check][hostile]")
{
  const auto host = [](int attributes) {
    std::string text = "<host id=\"h\" speed=\"1Gf\"";
    for (int i = 2; i < attributes; ++i)
      text += " a" + std::to_string(i) + "='x=>'"; // '=' and '>' in a value are not attributes
    return kHead + "    <!-- a comment with = and > <b c=\"d\"> -->\n    " + text + "/>\n" + kTail;
  };
  const auto at_limit = check_text(host(64), "deplsim-xml-attrs.xml");
  CHECK(mentions(at_limit, "unknown attribute 'a63'"));
  CHECK_FALSE(mentions(at_limit, "more than 64 attributes"));
  const auto over = check_text(host(65), "deplsim-xml-attrs.xml");
  REQUIRE(over.size() == 1);
  CHECK(over.front().line == 6);
  CHECK(over.front().message.find("more than 64 attributes") != std::string::npos);
  // 100,000 attributes (1 MB): libxml2 alone would take minutes; refused at once
  const auto huge = check_text(host(100000), "deplsim-xml-attrs.xml");
  REQUIRE(huge.size() == 1);
  CHECK(huge.front().message.find("more than 64 attributes") != std::string::npos);
}

TEST_CASE("xml_check: past 200 problems, the rest are counted", "[xml_check][hostile]")
{
  std::string hosts;
  for (int i = 0; i < 1000; ++i)
    hosts += "    <host id=\"h" + std::to_string(i) + "\" speed=\"fast\"/>\n";
  const auto issues = check_text(kHead + hosts + kTail, "deplsim-xml-many.xml");
  REQUIRE(issues.size() == 201);
  CHECK(issues.back().message.find("and 800 more problems") != std::string::npos);
}

TEST_CASE("xml_check: at most 250,000 generated hosts, per cluster and per file", "[xml_check][hostile]")
{
  const auto cluster = [](const std::string& id, const std::string& radical) {
    return "    <cluster id=\"" + id + "\" prefix=\"" + id + "-\" suffix=\"\" radical=\"" + radical +
           "\" speed=\"1Gf\" bw=\"1GBps\" lat=\"1us\"/>\n";
  };
  const auto at_limit = check_text(kHead + cluster("a", "0-249999") + kTail, "deplsim-xml-hosts.xml");
  INFO(describe(at_limit));
  CHECK(at_limit.empty());
  const auto over = check_text(kHead + cluster("a", "0-250000") + kTail, "deplsim-xml-hosts.xml");
  REQUIRE(over.size() == 1);
  CHECK(over.front().message.find("makes more than 250000 hosts") != std::string::npos);
  const auto together = check_text(kHead + cluster("a", "0-149999") + cluster("b", "0-99999,100000") + kTail,
                                   "deplsim-xml-hosts.xml");
  REQUIRE(together.size() == 1);
  CHECK(together.front().line == 6);
  CHECK(together.front().message.find("more than 250000 hosts in all") != std::string::npos);
}
