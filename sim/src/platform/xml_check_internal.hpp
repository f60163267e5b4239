/// @file xml_check_internal.hpp
/// @brief What the parts of the platform-file check share (internal to sim/src/platform/; the entry point is
/// xml_check.hpp).
///
/// What: the text and number helpers, the schema's types, small libxml2 accessors and the checker itself, whose
/// member functions are defined by concern: xml_check.cpp (entry, libxml2 parse, prolog, labels),
/// xml_check_schema.cpp (simgrid.dtd 4.1 and the structural walk), xml_check_units.cpp (SimGrid's unit syntax),
/// xml_check_hosts.cpp (hosts, clusters, cabinets, power states and wattages), xml_check_links.cpp (links and
/// their energy properties), xml_check_routes.cpp (zones, routing models, routes and every other reference).
/// Why one class over several files: the checks share the declarations found so far (hosts, links, zones,
/// traces), and one checker object keeps them and the issues in one place, as before the split.
#pragma once

#include "deplsim/error.hpp"

#include <libxml/tree.h>

#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace deplsim::platform_xml {

// ---- text and numbers (xml_check_units.cpp) ----------------------------------------------------------------------

/// A plain decimal number, entirely consumed (leading blanks allowed, like strtod); finite.
std::optional<double> parse_plain_number(const std::string& text);
std::string trim(std::string_view text);
bool is_blank(std::string_view text);
std::vector<std::string> split(const std::string& text, std::string_view separators);
/// A strictly positive decimal integer that fits an int ("4"; not "4.0", "-1", "0x4").
std::optional<long> parse_positive_int(const std::string& text);
std::optional<long> parse_non_negative_int(const std::string& text);
std::string in_quotes(const std::string& text);
/// The first control character of `text` (C0, DEL, or C1 as UTF-8), written "U+000A", or nullopt.
std::optional<std::string> control_character(std::string_view text);
/// `text` with its control characters written \n, \t, \xHH: safe to print in one line of a message.
std::string printable(std::string_view text);

// ---- schema (xml_check_schema.cpp) -------------------------------------------------------------------------------

struct AttributeSpec {
  std::string_view name;
  bool required = false;
  std::vector<std::string_view> allowed_values{}; ///< empty: free text (CDATA)
};

/// Content model: alternatives of ordered phases; each phase lists the child elements it accepts (any number).
using Phase        = std::vector<std::string_view>;
using ContentModel = std::vector<std::vector<Phase>>;

struct ElementSpec {
  std::vector<AttributeSpec> attributes;
  ContentModel children{};            ///< empty: no child element allowed
  std::string_view description{};     ///< how the children must be ordered, for messages
  bool text_allowed = false;          ///< only <trace> carries text
  std::string_view removed_since{};   ///< non-empty: SimGrid refuses the element since this version
};

using Schema = std::map<std::string_view, ElementSpec, std::less<>>;

/// simgrid.dtd 4.1 as compiled into SimGrid 3.32.
const Schema& schema();

// ---- libxml2 accessors (xml_check.cpp) ---------------------------------------------------------------------------

std::string element_name(const xmlNode* node);
std::optional<std::string> attribute(const xmlNode* node, const char* name);
std::string attribute_or(const xmlNode* node, const char* name, std::string fallback);
int line_of(const xmlNode* node);
std::vector<xmlNode*> child_elements(const xmlNode* node);

// ---- the checker -------------------------------------------------------------------------------------------------

struct Declaration {
  int line = 0;
  std::string kind; ///< "host", "router", "link", "zone", ... for messages
};

struct LinkDeclaration {
  int line = 0;
  std::string origin;       ///< how it was declared, for messages
  bool split_duplex = false; ///< a SPLITDUPLEX/FULLDUPLEX link: routes must name it with direction UP or DOWN
};

class PlatformChecker {
public:
  PlatformChecker(const std::string& path, std::vector<InputIssue>& issues, std::string_view head)
      : path_(path), issues_(issues), head_(head)
  {
  }

  void check(const xmlDoc* doc);

private:
  const std::string& path_;
  std::vector<InputIssue>& issues_;
  std::string_view head_; ///< first bytes of the file, to see the DOCTYPE as written
  std::map<std::string, Declaration> nodes_;     ///< hosts, routers, peers (one namespace in SimGrid)
  std::map<std::string, LinkDeclaration> links_; ///< links, backbones, generated cluster links
  std::map<std::string, Declaration> zones_;     ///< zones and clusters
  std::map<std::string, int> traces_;
  std::set<std::string, std::less<>> generated_link_prefixes_; ///< hierarchical clusters name their links <id>_link_...
  long generated_hosts_ = 0;                          ///< hosts of the clusters and cabinets so far

  // xml_check.cpp: reports, labels, the prolog
  void report(int line, std::string key, std::string message);
  void report(const xmlNode* node, std::string key, std::string message);
  static std::string label(const xmlNode* node);
  static std::string key_of(const xmlNode* node, std::string_view attr);
  void check_doctype(const xmlDoc* doc, const xmlNode* root);
  bool doctype_has_internal_subset() const;
  void check_version(const xmlNode* root);

  // xml_check_schema.cpp: pass 1, structure and values
  void walk_structure(const xmlNode* node);
  void check_attributes(const xmlNode* node, const ElementSpec& spec);
  void check_content(const xmlNode* node, const std::string& name, const ElementSpec& spec);
  void check_values(const xmlNode* node, const std::string& name);
  void check_double(const xmlNode* node, const char* attr_name);
  void check_config(const xmlNode* node);

  // xml_check_hosts.cpp: hosts, clusters, cabinets, power states, wattages
  std::optional<std::size_t> check_speeds(const xmlNode* node, const char* attr_name);
  void check_single_speed(const xmlNode* node, const char* attr_name);
  void check_core(const xmlNode* node);
  std::optional<std::vector<long>> check_radicals(const xmlNode* node);
  void check_pstate(const xmlNode* node, std::optional<std::size_t> pstate_count);
  static std::optional<std::string> energy_number_problem(const std::string& text);
  void check_wattage_per_state(const xmlNode* prop, const std::string& key, const std::string& value,
                               std::optional<std::size_t> pstate_count);
  void check_host_props(const xmlNode* owner, std::optional<std::size_t> pstate_count);
  void check_wifi_rate_level(const xmlNode* owner, const xmlNode* prop, const std::string& key, const std::string& value);
  /// A host property that must be a plain number in [lo, hi]; `expected` starts the message.
  void check_number_prop(const xmlNode* prop, const std::string& key, const std::string& value, double lo, double hi,
                         const std::string& expected);
  void check_cluster(const xmlNode* node);
  void check_cabinet(const xmlNode* node);
  void declare_node(const xmlNode* node, const std::string& id, const std::string& kind);

  // xml_check_links.cpp: links, backbones, link energy
  /// Returns the bandwidth when valid; `optional_empty`: an empty value means "not set" (cluster bb_bw, ...).
  std::optional<double> check_bandwidth(const xmlNode* node, const char* attr_name, bool optional_empty = false);
  std::optional<double> check_latency(const xmlNode* node, const char* attr_name, bool optional_empty = false);
  void check_link(const xmlNode* node);
  void check_link_props(const xmlNode* link);
  void declare_link(const xmlNode* node, const std::string& id, const std::string& origin, bool split_duplex);
  bool link_declared(const std::string& id) const;

  // xml_check_routes.cpp: zones, routing, pass 2 (references)
  void check_zone(const xmlNode* node, const std::string& name);
  void declare_zone(const xmlNode* node, const std::string& id, const std::string& kind);
  void require_node(const xmlNode* node, const char* attr_name, bool zone_ok);
  void require_link(const xmlNode* node, const char* attr_name);
  void check_link_ctn(const xmlNode* route, const xmlNode* ctn);
  void walk_references(const xmlNode* node);
  void check_files(const xmlNode* node, const std::string& name);
  void check_file(const xmlNode* node, const char* attr_name);
};

} // namespace deplsim::platform_xml
