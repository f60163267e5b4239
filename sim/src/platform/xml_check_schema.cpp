/// @file xml_check_schema.cpp
/// @brief The schema of SimGrid platform files (simgrid.dtd 4.1) and the structural walk of the platform-file check.
///
/// What: which elements and attributes SimGrid 3.32's parser accepts, their required attributes, enumerated values
/// and child order (a small content model), and pass 1 of the check: every element's attributes, its text and
/// children against that schema, then its values, dispatched to the checks of hosts, links and zones.
/// Why: SimGrid's own parser refuses such files, or aborts the process on some of them (xml_check.hpp); checked
/// here, every problem is reported at once with its line.
#include "platform/xml_check.hpp"
#include "platform/xml_check_internal.hpp"
#include "platform/simgrid_args.hpp"

#include <algorithm>
#include <set>
#include <utility>

namespace deplsim::platform_xml {
namespace {

// ------------------------------------------------------------------------------------------------------------------
// Schema: simgrid.dtd 4.1 as compiled into SimGrid 3.32 (attribute lists checked against the library's flexml parser)
// ------------------------------------------------------------------------------------------------------------------

/// <platform>, the elements of the top level, and zones.
void add_platform_and_zones(Schema& s)
{
  const Phase zone_level{"AS", "zone", "include", "link", "backbone", "cluster", "peer", "trace", "trace_connect"};
  const Phase zone_routes{"zoneRoute", "ASroute", "trace", "trace_connect", "bypassASroute", "bypassZoneRoute"};
  const Phase host_level{"include", "storage_type", "storage", "host",          "cabinet", "router",
                         "link",    "backbone",     "trace",   "trace_connect", "host_link"};
  const Phase host_routes{"route", "trace", "trace_connect", "bypassRoute"};
  const std::string_view zone_description =
      "<prop> first, then either sub-zones/clusters/links followed by zoneRoute/bypassZoneRoute, "
      "or hosts/routers/links/host_links followed by route/bypassRoute";
  Phase as_level = zone_level;
  as_level.emplace_back("cabinet");

  s["platform"] = {{{"version"}},
                   {{{"config", "random"},
                     {"include", "cluster", "cabinet", "peer", "AS", "zone", "trace", "trace_connect"},
                     {"process", "actor"}}},
                   "<config> first, then zones/clusters, then actors"};
  s["include"]  = {{{"file", true}}, {}, {}, false, "3.18"};
  s["trace"]    = {{{"id", true}, {"file"}, {"periodicity", true}}, {}, {}, true};
  s["random"]   = {{{"id", true},
                    {"min", true},
                    {"max", true},
                    {"mean", true},
                    {"std_deviation", true},
                    {"seed"},
                    {"radical"},
                    {"generator", false, {"DRAND48", "RAND", "RNGSTREAM", "NONE"}}}};
  s["trace_connect"] = {{{"kind", false, {"HOST_AVAIL", "SPEED", "LINK_AVAIL", "BANDWIDTH", "LATENCY"}},
                         {"trace", true},
                         {"element", true}}};
  s["zone"] = {{{"id", true}, {"routing", true}},
               {{{"prop"}, zone_level, zone_routes, {"trace", "trace_connect"}}, {{"prop"}, host_level, host_routes}},
               zone_description};
  s["AS"]   = {{{"id", true}, {"routing", true}},
               {{{"prop"}, as_level, zone_routes, {"trace", "trace_connect"}}, {{"prop"}, host_level, host_routes}},
               zone_description};
}

/// Hosts, clusters, cabinets, peers, routers, disks, storage and links.
void add_resources(Schema& s)
{
  const std::vector<std::string_view> sharing{"SHARED", "SPLITDUPLEX", "FULLDUPLEX", "FATPIPE"};
  s["storage_type"] = {{{"id", true}, {"model"}, {"size", true}, {"content"}}, {}, {}, false, "3.27"};
  s["storage"]      = {{{"id", true}, {"typeId", true}, {"content"}, {"attach", true}}, {}, {}, false, "3.27"};
  s["mount"]        = {{{"storageId", true}, {"name", true}}, {}, {}, false, "3.27"};
  s["host"]         = {{{"id", true},
                        {"speed", true},
                        {"core"},
                        {"speed_file"},
                        {"availability_file"},
                        {"state_file"},
                        {"coordinates"},
                        {"pstate"}},
                       {{{"disk", "prop", "mount"}}},
                       "<disk> and <prop>"};
  s["disk"]         = {{{"id"}, {"read_bw", true}, {"write_bw", true}}, {{{"prop"}}}, "<prop>"};
  s["host_link"]    = {{{"id", true}, {"up", true}, {"down", true}}};
  s["cluster"]      = {{{"id", true},
                        {"prefix", true},
                        {"suffix", true},
                        {"radical", true},
                        {"speed", true},
                        {"core"},
                        {"bw", true},
                        {"lat", true},
                        {"sharing_policy", false, sharing},
                        {"topology", false, {"FLAT", "TORUS", "FAT_TREE", "DRAGONFLY"}},
                        {"topo_parameters"},
                        {"bb_bw"},
                        {"bb_lat"},
                        {"bb_sharing_policy", false, {"SHARED", "FATPIPE"}},
                        {"router_id"},
                        {"limiter_link"},
                        {"loopback_bw"},
                        {"loopback_lat"}},
                       {{{"prop"}}},
                       "<prop>"};
  s["cabinet"]      = {{{"id", true},
                        {"prefix", true},
                        {"suffix", true},
                        {"radical", true},
                        {"speed", true},
                        {"bw", true},
                        {"lat", true}}};
  s["peer"]         = {{{"id", true},
                        {"speed", true},
                        {"bw_in", true},
                        {"bw_out", true},
                        {"lat"},
                        {"coordinates"},
                        {"speed_file"},
                        {"availability_file"},
                        {"state_file"}}};
  s["router"]       = {{{"id", true}, {"coordinates"}}};
  s["backbone"]     = {{{"id", true}, {"bandwidth", true}, {"latency", true}}};
  std::vector<std::string_view> link_sharing = sharing;
  link_sharing.emplace_back("WIFI");
  // SimGrid 3.32 leaves <link latency> empty when it is not given and then fails on it: it is required in practice.
  s["link"] = {{{"id", true},
                {"bandwidth", true},
                {"bandwidth_file"},
                {"latency", true},
                {"latency_file"},
                {"state_file"},
                {"sharing_policy", false, link_sharing}},
               {{{"prop"}}},
               "<prop>"};
}

/// Routes and their <link_ctn>, actors, configuration and properties.
void add_routes_and_actors(Schema& s)
{
  const std::vector<std::string_view> yes_no{"YES", "NO", "yes", "no"};
  const ContentModel route_children{{{"link_ctn"}}};
  s["route"]           = {{{"src", true}, {"dst", true}, {"symmetrical", false, yes_no}}, route_children, "<link_ctn>"};
  s["ASroute"]         = {{{"src", true}, {"dst", true}, {"gw_src", true}, {"gw_dst", true}, {"symmetrical", false, yes_no}},
                          route_children,
                          "<link_ctn>"};
  s["zoneRoute"]       = s["ASroute"];
  s["bypassASroute"]   = {{{"src", true}, {"dst", true}, {"gw_src", true}, {"gw_dst", true}}, route_children, "<link_ctn>"};
  s["bypassZoneRoute"] = s["bypassASroute"];
  s["bypassRoute"]     = {{{"src", true}, {"dst", true}}, route_children, "<link_ctn>"};
  s["link_ctn"]        = {{{"id", true}, {"direction", false, {"UP", "DOWN", "NONE"}}}};
  const std::vector<AttributeSpec> actor_attributes{
      {"host", true}, {"function", true}, {"start_time"}, {"kill_time"}, {"on_failure", false, {"DIE", "RESTART"}}};
  s["actor"]      = {actor_attributes, {{{"argument", "prop"}}}, "<argument> and <prop>"};
  s["process"]    = s["actor"];
  s["argument"]   = {{{"value", true}}};
  s["config"]     = {{{"id"}}, {{{"prop"}}}, "<prop>"};
  s["prop"]       = {{{"id", true}, {"value", true}}};
  s["model_prop"] = {{{"id", true}, {"value", true}}};
}

} // namespace

const Schema& schema()
{
  static const Schema table = [] {
    Schema s;
    add_platform_and_zones(s);
    add_resources(s);
    add_routes_and_actors(s);
    return s;
  }();
  return table;
}

// ---- pass 1: structure, values, declarations --------------------------------------------------------------------

void PlatformChecker::walk_structure(const xmlNode* node)
{
  const std::string name = element_name(node);
  const auto& spec       = schema().at(name);
  check_attributes(node, spec);
  check_values(node, name);
  check_content(node, name, spec);
}

void PlatformChecker::check_attributes(const xmlNode* node, const ElementSpec& spec)
{
  const std::string name = element_name(node);
  for (const xmlAttr* attr = node->properties; attr != nullptr; attr = attr->next) {
    const std::string attr_name = attr->name ? reinterpret_cast<const char*>(attr->name) : "";
    auto it = std::find_if(spec.attributes.begin(), spec.attributes.end(),
                           [&](const AttributeSpec& a) { return a.name == attr_name; });
    if (attr->ns != nullptr || it == spec.attributes.end()) {
      std::string known;
      for (const auto& a : spec.attributes)
        known += (known.empty() ? "" : ", ") + std::string(a.name);
      report(node, key_of(node, attr_name),
             "unknown attribute " + in_quotes(attr_name) + " on <" + name + "> (known: " + known + ")");
      continue;
    }
    if (auto bad = control_character(attribute_or(node, attr_name.c_str(), ""))) {
      report(node, key_of(node, attr_name),
             "control character " + *bad + " in " + in_quotes(printable(attribute_or(node, attr_name.c_str(), ""))) +
                 ": names and values must be printable (a newline in a host name would split the rows of trace.csv)");
      continue;
    }
    if (!it->allowed_values.empty()) {
      const std::string value = attribute_or(node, attr_name.c_str(), "");
      if (std::find(it->allowed_values.begin(), it->allowed_values.end(), value) == it->allowed_values.end()) {
        std::string allowed;
        for (auto v : it->allowed_values)
          allowed += (allowed.empty() ? "" : ", ") + std::string(v);
        report(node, key_of(node, attr_name), "invalid value " + in_quotes(value) + ": expected one of " + allowed);
      }
    }
  }
  for (const auto& a : spec.attributes)
    if (a.required && !attribute(node, std::string(a.name).c_str()))
      report(node, key_of(node, a.name), "missing required attribute " + in_quotes(std::string(a.name)) + " on <" + name + ">");
}

void PlatformChecker::check_content(const xmlNode* node, const std::string& name, const ElementSpec& spec)
{
  for (const xmlNode* child = node->children; child != nullptr; child = child->next) {
    if ((child->type == XML_TEXT_NODE || child->type == XML_CDATA_SECTION_NODE) && !spec.text_allowed) {
      const char* text = child->content ? reinterpret_cast<const char*>(child->content) : "";
      if (!is_blank(text)) {
        report(child, label(node), "unexpected text inside <" + name + ">: " + in_quotes(trim(text).substr(0, 40)));
        break;
      }
    }
    if (child->type == XML_ENTITY_REF_NODE) {
      report(child, label(node), "entity references are not supported by SimGrid's parser");
      break;
    }
  }

  // Content model as a tiny NFA: a state is (alternative, phase); a child may stay in or move to a later phase.
  std::set<std::pair<std::size_t, std::size_t>> states;
  for (std::size_t alt = 0; alt < spec.children.size(); ++alt)
    states.emplace(alt, 0);
  bool order_reported = false;
  std::string previous;
  for (const xmlNode* child : child_elements(node)) {
    const std::string child_name = element_name(child);
    auto child_spec              = schema().find(child_name);
    if (child_spec == schema().end()) {
      report(child, label(node) + "." + child_name,
             "unknown element <" + child_name + "> inside <" + name + ">" +
                 (spec.description.empty() ? std::string(" (no child element allowed)")
                                           : " (expected " + std::string(spec.description) + ")"));
      continue;
    }
    if (!child_spec->second.removed_since.empty()) {
      report(child, label(child), "<" + child_name + "> was removed in SimGrid " +
                                      std::string(child_spec->second.removed_since) + " and is refused by it");
      continue;
    }
    std::set<std::pair<std::size_t, std::size_t>> next;
    bool allowed_somewhere = false;
    for (std::size_t alt = 0; alt < spec.children.size(); ++alt)
      for (std::size_t phase = 0; phase < spec.children[alt].size(); ++phase) {
        const auto& accepted = spec.children[alt][phase];
        if (std::find(accepted.begin(), accepted.end(), child_name) == accepted.end())
          continue;
        allowed_somewhere = true;
        for (auto [s_alt, s_phase] : states)
          if (s_alt == alt && s_phase <= phase)
            next.emplace(alt, phase);
      }
    if (!allowed_somewhere) {
      report(child, label(node) + "." + child_name,
             "<" + child_name + "> is not allowed inside <" + name + ">" +
                 (spec.description.empty() ? std::string(" (no child element allowed)")
                                           : " (expected " + std::string(spec.description) + ")"));
    } else if (next.empty()) {
      if (!order_reported)
        report(child, label(node) + "." + child_name,
               "<" + child_name + "> is not allowed at this position inside <" + name + ">" +
                   (previous.empty() ? "" : " (after <" + previous + ">)") + ": expected " +
                   std::string(spec.description));
      order_reported = true;
    } else {
      states = std::move(next);
    }
    previous = child_name;
    walk_structure(child);
  }
}

// ---- values -----------------------------------------------------------------------------------------------------

void PlatformChecker::check_values(const xmlNode* node, const std::string& name)
{
  if (name == "host") {
    auto pstates = check_speeds(node, "speed");
    check_core(node);
    check_pstate(node, pstates);
    check_host_props(node, pstates);
    declare_node(node, attribute_or(node, "id", ""), "host");
  } else if (name == "cluster") {
    check_cluster(node);
  } else if (name == "cabinet") {
    check_cabinet(node);
  } else if (name == "peer") {
    check_single_speed(node, "speed");
    check_bandwidth(node, "bw_in");
    check_bandwidth(node, "bw_out");
    declare_node(node, attribute_or(node, "id", ""), "peer");
  } else if (name == "router") {
    declare_node(node, attribute_or(node, "id", ""), "router");
  } else if (name == "link") {
    check_link(node);
  } else if (name == "backbone") {
    check_bandwidth(node, "bandwidth");
    check_latency(node, "latency");
    declare_link(node, attribute_or(node, "id", ""), "backbone", false);
  } else if (name == "disk") {
    check_bandwidth(node, "read_bw");
    check_bandwidth(node, "write_bw");
  } else if (name == "zone" || name == "AS") {
    check_zone(node, name);
  } else if (name == "config") {
    check_config(node);
  } else if (name == "trace") {
    check_double(node, "periodicity");
    if (auto id = attribute(node, "id"))
      traces_.emplace(*id, line_of(node));
  } else if (name == "actor" || name == "process") {
    check_double(node, "start_time");
    check_double(node, "kill_time");
  }
  check_files(node, name);
}

/// <config><prop id="KEY" value="..."/>: SimGrid applies each as --cfg=KEY:VALUE. A file may carry the model
/// settings only (simgrid_args.hpp, the rule of a scenario's simgrid.cfg): tracing/filename, path and the like would
/// let a platform write or read files wherever it says.
void PlatformChecker::check_config(const xmlNode* node)
{
  for (const xmlNode* prop : child_elements(node)) {
    auto id = attribute(prop, "id");
    if (element_name(prop) != "prop" || !id || control_character(*id) || simgrid_model_setting(*id))
      continue;
    report(prop, label(node) + "." + label(prop),
           "setting " + in_quotes(*id) + " cannot be set by a platform file: <config> may set only SimGrid's model "
           "settings (" + std::string(kSimgridModelSettings) + "); settings that write or read files or change the "
           "process (tracing, path, contexts, smpi, debug, ...) are given on the command line with --cfg");
  }
}

void PlatformChecker::check_double(const xmlNode* node, const char* attr_name)
{
  auto text = attribute(node, attr_name);
  if (text && !parse_plain_number(trim(*text)))
    report(node, key_of(node, attr_name), "expected a number, got " + in_quotes(*text));
}

} // namespace deplsim::platform_xml
