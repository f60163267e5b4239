// Reads <link> elements and their <prop> children, and <zone>/<cluster> declarations, with libxml2 (see link_props.hpp).
#include "platform/link_props.hpp"

#include "platform/xml_check.hpp"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <memory>
#include <sstream>

namespace deplsim {
namespace {

std::string attr(xmlNode* n, const char* name) {
  xmlChar* v = xmlGetProp(n, reinterpret_cast<const xmlChar*>(name));
  if (v == nullptr) return "";
  std::string s(reinterpret_cast<const char*>(v));
  xmlFree(v);
  return s;
}

// The file's tree (no network, no messages); null when it cannot be read.
std::unique_ptr<xmlDoc, decltype(&xmlFreeDoc)> parse(const std::string& path) {
  return {xmlReadFile(path.c_str(), nullptr, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING), &xmlFreeDoc};
}

bool is(xmlNode* n, const char* name) {
  return n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, reinterpret_cast<const xmlChar*>(name)) == 0;
}

void walk(xmlNode* n, std::map<std::string, LinkProps>& out) {
  for (xmlNode* c = n; c != nullptr; c = c->next) {
    if (is(c, "link")) {
      LinkProps lp;
      lp.splitduplex = attr(c, "sharing_policy") == "SPLITDUPLEX";
      for (xmlNode* p = c->children; p != nullptr; p = p->next)
        if (is(p, "prop")) lp.props[attr(p, "id")] = attr(p, "value");
      out[attr(c, "id")] = lp;
    }
    if (c->children != nullptr) walk(c->children, out);
  }
}

void walk_zones(xmlNode* n, std::map<std::string, ZoneDeclaration>& out) {
  for (xmlNode* c = n; c != nullptr; c = c->next) {
    if (is(c, "zone")) out[attr(c, "id")] = ZoneDeclaration{attr(c, "routing"), static_cast<int>(xmlGetLineNo(c))};
    if (is(c, "cluster")) out[attr(c, "id")] = ZoneDeclaration{"Cluster", static_cast<int>(xmlGetLineNo(c))};
    if (c->children != nullptr) walk_zones(c->children, out);
  }
}

void walk_wifi(xmlNode* n, std::vector<WifiCell>& out) {
  for (xmlNode* c = n; c != nullptr; c = c->next) {
    if (is(c, "zone") && attr(c, "routing") == "Wifi") {
      WifiCell cell;
      cell.zone = attr(c, "id");
      for (xmlNode* k = c->children; k != nullptr; k = k->next) {
        if (is(k, "prop") && attr(k, "id") == "access_point") cell.access_point = attr(k, "value");
        if (is(k, "link") && attr(k, "sharing_policy") == "WIFI" && cell.link.empty()) {
          cell.link = attr(k, "id");
          parse_wifi_bandwidths(attr(k, "bandwidth"), cell.rates);  // checked
        }
        if (is(k, "host")) {
          int level = 0;
          for (xmlNode* p = k->children; p != nullptr; p = p->next)
            if (is(p, "prop") && attr(p, "id") == "wifi_rate_level") level = std::stoi(attr(p, "value"));  // checked
          cell.stations.emplace_back(attr(k, "id"), level);
        }
      }
      out.push_back(std::move(cell));
    }
    if (c->children != nullptr) walk_wifi(c->children, out);
  }
}

bool any_profile(xmlNode* n) {
  static const char* const kProfileAttributes[] = {"availability_file", "state_file", "speed_file", "bandwidth_file",
                                                   "latency_file"};
  for (xmlNode* c = n; c != nullptr; c = c->next) {
    if (c->type == XML_ELEMENT_NODE) {
      if (is(c, "trace_connect")) return true;
      for (const char* a : kProfileAttributes)
        if (!attr(c, a).empty()) return true;
    }
    if (c->children != nullptr && any_profile(c->children)) return true;
  }
  return false;
}

} // namespace

bool platform_has_profiles(const std::string& path) {
  const auto doc = parse(path);
  if (!doc) return false;
  return any_profile(xmlDocGetRootElement(doc.get()));
}

std::map<std::string, LinkProps> read_link_props(const std::string& path) {
  std::map<std::string, LinkProps> out;
  const auto doc = parse(path);
  if (!doc) return out;
  walk(xmlDocGetRootElement(doc.get()), out);
  return out;
}

WifiWatts wifi_cell_watts(const std::map<std::string, std::string>& link_props, std::size_t stations) {
  WifiWatts w;
  // Both checked by check_platform_xml: four non-negative numbers, a fraction in [0, 1].
  if (const auto it = link_props.find("wifi_watt_values"); it != link_props.end()) {
    std::stringstream ss(it->second);
    std::string part;
    double* fields[] = {&w.idle, &w.tx, &w.rx, nullptr};
    for (double** f = fields; *f != nullptr && std::getline(ss, part, ':'); ++f) **f = std::stod(part);
  }
  if (const auto it = link_props.find("control_duration"); it != link_props.end()) w.control = std::stod(it->second);
  const double n = static_cast<double>(stations);
  w.idle_w = (n + 1) * w.idle * (1 - w.control) + n * w.rx * w.control;
  w.busy_w = n * w.rx + w.tx + n * w.rx * w.control;
  return w;
}

std::vector<WifiCell> read_wifi_cells(const std::string& path) {
  std::vector<WifiCell> out;
  const auto doc = parse(path);
  if (!doc) return out;
  walk_wifi(xmlDocGetRootElement(doc.get()), out);
  return out;
}

std::map<std::string, ZoneDeclaration> read_zone_declarations(const std::string& path) {
  std::map<std::string, ZoneDeclaration> out;
  const auto doc = parse(path);
  if (!doc) return out;
  walk_zones(xmlDocGetRootElement(doc.get()), out);
  return out;
}

} // namespace deplsim
