// Kustomize: the build pipeline of kustomize v5.5.0 (see kustomize-facts.md section 0).
#include "kubetwin/k8s/kustomize.hpp"

#include "kubetwin/k8s/json.hpp"

// Patch targets and image names are user-supplied regular expressions, so std::regex stays.
// GCC 12 reports a false -Wmaybe-uninitialized inside <regex> under -O1 with sanitizers.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "patch.hpp"
#include "sha256.hpp"

namespace kubetwin::k8s {

bool internal_v2_resolves_non_string(std::string_view s);

namespace {

namespace fs = std::filesystem;

// A resource being built, with the names it had before (kustomize's "previous IDs").
struct KRes {
  Node body;
  std::vector<std::string> previous_names;  // oldest first, excluding the current name
  std::vector<std::string> previous_namespaces;
  std::vector<std::pair<std::string, std::string>>
      previous_ids;  // (name, namespace) pairs held before
  bool generated = false;
  bool hash = false;
  std::string generator_behavior;

  std::string kind() const { return body.str("kind"); }
  std::string api_version() const { return body.str("apiVersion"); }
  std::string name() const {
    const Node* md = body.get("metadata");
    return md ? md->str("name") : "";
  }
  std::string ns() const {
    const Node* md = body.get("metadata");
    return md ? md->str("namespace") : "";
  }
  std::string group() const {
    std::string av = api_version();
    auto s = av.find('/');
    return s == std::string::npos ? "" : av.substr(0, s);
  }
  std::string version() const {
    std::string av = api_version();
    auto s = av.find('/');
    return s == std::string::npos ? av : av.substr(s + 1);
  }
  Node& metadata() {
    Node* md = body.get("metadata");
    if (!md || !md->is_mapping()) md = &body.set("metadata", Node::mapping());
    return *md;
  }
  void rename(const std::string& n) {
    std::string old = name();
    if (old == n) return;
    previous_names.push_back(old);
    previous_ids.emplace_back(old, ns());
    metadata().set("name", Node::scalar(n, true));
  }
  // True when (n, namespace) is this object's identity now or was one before; "" and "default"
  // are the same namespace.
  bool had_id(const std::string& n, const std::string& namespace_name) const {
    auto norm = [](const std::string& x) { return x.empty() ? std::string("default") : x; };
    if (name() == n && norm(ns()) == norm(namespace_name)) return true;
    for (const auto& [pn, pns] : previous_ids)
      if (pn == n && norm(pns) == norm(namespace_name)) return true;
    return false;
  }
  bool had_name(const std::string& n) const {
    return name() == n ||
           std::find(previous_names.begin(), previous_names.end(), n) != previous_names.end();
  }
};

using ResSet = std::vector<KRes>;

// The kyaml Kubernetes 1.21 cluster-scoped table, exact apiVersion+kind.
bool is_cluster_scoped(const std::string& api_version, const std::string& kind) {
  static const std::set<std::string> kTable = [] {
    std::set<std::string> t;
    auto add = [&](const std::string& group, std::initializer_list<const char*> versions,
                   std::initializer_list<const char*> kinds) {
      for (const char* v : versions)
        for (const char* k : kinds)
          t.insert((group.empty() ? std::string(v) : group + "/" + v) + "/" + k);
    };
    add("admissionregistration.k8s.io", {"v1", "v1beta1"},
        {"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"});
    add("apiextensions.k8s.io", {"v1", "v1beta1"}, {"CustomResourceDefinition"});
    add("apiregistration.k8s.io", {"v1", "v1beta1"}, {"APIService"});
    add("certificates.k8s.io", {"v1", "v1beta1"}, {"CertificateSigningRequest"});
    add("flowcontrol.apiserver.k8s.io", {"v1beta1"}, {"FlowSchema", "PriorityLevelConfiguration"});
    add("networking.k8s.io", {"v1", "v1beta1"}, {"IngressClass"});
    add("node.k8s.io", {"v1", "v1beta1"}, {"RuntimeClass"});
    add("policy", {"v1beta1"}, {"PodSecurityPolicy"});
    add("rbac.authorization.k8s.io", {"v1", "v1beta1"}, {"ClusterRole", "ClusterRoleBinding"});
    add("scheduling.k8s.io", {"v1", "v1beta1"}, {"PriorityClass"});
    add("storage.k8s.io", {"v1", "v1beta1"},
        {"CSIDriver", "CSINode", "StorageClass", "VolumeAttachment"});
    add("", {"v1"},
        {"ComponentStatus", "Namespace", "Node", "NodeProxyOptions", "PersistentVolume"});
    return t;
  }();
  return kTable.count(api_version + "/" + kind) > 0;
}

std::string effective_ns(const KRes& r) {
  if (is_cluster_scoped(r.api_version(), r.kind())) return "";
  std::string ns = r.ns();
  return ns.empty() ? "default" : ns;
}

std::string id_string(const KRes& r) {
  std::string g = r.group().empty() ? "[noGrp]" : r.group();
  std::string ns = r.ns().empty() ? "[noNs]" : r.ns();
  return r.kind() + "." + r.version() + "." + g + "/" + r.name() + "." + ns;
}

std::string id_key(const KRes& r) {
  return r.kind() + "|" + r.group() + "|" + r.version() + "|" + r.name() + "|" + effective_ns(r);
}

// Adds a batch, refusing an ID already present (in the set or earlier in the batch).
void add_resources(ResSet& set, std::vector<KRes> batch) {
  std::unordered_set<std::string> ids;
  ids.reserve(set.size() + batch.size());
  for (const KRes& r : set) ids.insert(id_key(r));
  for (KRes& r : batch) {
    if (!ids.insert(id_key(r)).second)
      throw InputError(r.body.location(),
                       "may not add resource with an already registered id: " + id_string(r),
                       "two inputs define the same object; remove one or use a patch");
    set.push_back(std::move(r));
  }
}

// ---- The kustomization file --------------------------------------------------------------

struct Kustomization {
  std::string dir;   // absolute, canonical
  std::string file;  // the kustomization file
  Node doc;
  bool component = false;
};

const char* const kKustomizationNames[] = {"kustomization.yaml", "kustomization.yml",
                                           "Kustomization"};

SourceLocation file_loc(const std::string& path) {
  return SourceLocation{std::make_shared<const std::string>(path), 0, 0};
}

// The Kustomization type as kustomize decodes it strictly (YAML 1.1 -> JSON -> Go struct):
// unknown fields and wrong types fail with encoding/json's wording.
struct Schema {
  enum Type { kAny, kString, kBool, kInt, kStringList, kStringMap, kObject, kList } type = kAny;
  std::vector<std::pair<std::string, const Schema*>> fields;  // kObject
  const Schema* elem = nullptr;                               // kList
};

const Schema* kustomization_schema() {
  static const Schema s_any{Schema::kAny}, s_str{Schema::kString}, s_bool{Schema::kBool},
      s_int{Schema::kInt}, s_list{Schema::kStringList}, s_map{Schema::kStringMap};
  static const Schema s_target{Schema::kObject,
                               {{"group", &s_str},
                                {"version", &s_str},
                                {"kind", &s_str},
                                {"name", &s_str},
                                {"namespace", &s_str},
                                {"labelSelector", &s_str},
                                {"annotationSelector", &s_str}}};
  static const Schema s_patch_opts{Schema::kObject,
                                   {{"allowNameChange", &s_bool}, {"allowKindChange", &s_bool}}};
  static const Schema s_patch{
      Schema::kObject,
      {{"path", &s_str}, {"patch", &s_str}, {"target", &s_target}, {"options", &s_patch_opts}}};
  static const Schema s_gen_opts{Schema::kObject,
                                 {{"labels", &s_map},
                                  {"annotations", &s_map},
                                  {"disableNameSuffixHash", &s_bool},
                                  {"immutable", &s_bool}}};
  static const Schema s_cm{Schema::kObject,
                           {{"name", &s_str},
                            {"namespace", &s_str},
                            {"behavior", &s_str},
                            {"files", &s_list},
                            {"literals", &s_list},
                            {"envs", &s_list},
                            {"env", &s_str},
                            {"options", &s_gen_opts}}};
  static const Schema s_secret{Schema::kObject,
                               {{"name", &s_str},
                                {"namespace", &s_str},
                                {"behavior", &s_str},
                                {"files", &s_list},
                                {"literals", &s_list},
                                {"envs", &s_list},
                                {"env", &s_str},
                                {"options", &s_gen_opts},
                                {"type", &s_str}}};
  static const Schema s_image{Schema::kObject,
                              {{"name", &s_str},
                               {"newName", &s_str},
                               {"newTag", &s_str},
                               {"digest", &s_str},
                               {"tagSuffix", &s_str}}};
  static const Schema s_replica{Schema::kObject, {{"name", &s_str}, {"count", &s_int}}};
  static const Schema s_label{Schema::kObject,
                              {{"pairs", &s_map},
                               {"includeSelectors", &s_bool},
                               {"includeTemplates", &s_bool},
                               {"fields", &s_any}}};
  static const Schema s_sort_legacy{Schema::kObject,
                                    {{"orderFirst", &s_list}, {"orderLast", &s_list}}};
  static const Schema s_sort{Schema::kObject,
                             {{"order", &s_str}, {"legacySortOptions", &s_sort_legacy}}};
  static const Schema l_patch{Schema::kList, {}, &s_patch}, l_cm{Schema::kList, {}, &s_cm},
      l_secret{Schema::kList, {}, &s_secret}, l_image{Schema::kList, {}, &s_image},
      l_replica{Schema::kList, {}, &s_replica}, l_label{Schema::kList, {}, &s_label};
  static const Schema s_root{Schema::kObject,
                             {{"apiVersion", &s_str},
                              {"kind", &s_str},
                              {"metadata", &s_any},
                              {"resources", &s_list},
                              {"bases", &s_list},
                              {"components", &s_list},
                              {"namespace", &s_str},
                              {"namePrefix", &s_str},
                              {"nameSuffix", &s_str},
                              {"commonLabels", &s_map},
                              {"labels", &l_label},
                              {"commonAnnotations", &s_map},
                              {"patchesStrategicMerge", &s_list},
                              {"patches", &l_patch},
                              {"patchesJson6902", &l_patch},
                              {"replicas", &l_replica},
                              {"images", &l_image},
                              {"imageTags", &l_image},
                              {"configMapGenerator", &l_cm},
                              {"secretGenerator", &l_secret},
                              {"generatorOptions", &s_gen_opts},
                              {"sortOptions", &s_sort},
                              {"buildMetadata", &s_list},
                              {"openapi", &s_any},
                              {"crds", &s_list},
                              {"configurations", &s_list},
                              {"vars", &s_any},
                              {"replacements", &s_any},
                              {"generators", &s_list},
                              {"transformers", &s_list},
                              {"validators", &s_list},
                              {"helmCharts", &s_any},
                              {"helmGlobals", &s_any},
                              {"helmChartInflationGenerator", &s_any}}};
  return &s_root;
}

// encoding/json's name for what a YAML 1.1 value decodes to.
std::string go_json_type(const Node& n) {
  if (n.is_mapping()) return "object";
  if (n.is_sequence()) return "array";
  if (n.is_null()) return "null";
  if (n.quoted()) return "string";
  static const std::set<std::string> kBools = {
      "y",  "Y",  "yes", "Yes", "YES", "on",   "On",   "ON",   "n",     "N",     "no",
      "No", "NO", "off", "Off", "OFF", "true", "True", "TRUE", "false", "False", "FALSE"};
  const std::string& t = n.text();
  if (kBools.count(t)) return "bool";
  if (t.empty() || t == "~" || t == "null" || t == "Null" || t == "NULL") return "null";
  if (internal_v2_resolves_non_string(t)) return "number";
  return "string";
}

void check_schema(const Node& n, const Schema& schema, const std::string& field,
                  const std::string& go_type) {
  auto mismatch = [&](const Node& v, const std::string& want) {
    throw InputError(
        v.location(),
        "invalid Kustomization: json: cannot unmarshal " + go_json_type(v) +
            " into Go struct field " + field + " of type " + want,
        "kustomization files are read as YAML 1.1: quote values such as \"n\", \"yes\", \"1\" or "
        "\"1.20\" that must stay strings");
  };
  std::string t = go_json_type(n);
  if (t == "null" || schema.type == Schema::kAny) return;
  switch (schema.type) {
    case Schema::kAny:
      return;
    case Schema::kString:
      if (t != "string") mismatch(n, "string");
      return;
    case Schema::kBool:
      if (t != "bool") mismatch(n, "bool");
      return;
    case Schema::kInt:
      if (t != "number" || !n.as_int()) mismatch(n, "int");
      return;
    case Schema::kStringList:
      if (t != "array") mismatch(n, "[]string");
      for (const Node& item : n.items())
        if (go_json_type(item) != "string" && go_json_type(item) != "null")
          mismatch(item, "string");
      return;
    case Schema::kStringMap:
      if (t != "object") mismatch(n, "map[string]string");
      for (const auto& [k, v] : n.fields())
        if (go_json_type(v) != "string" && go_json_type(v) != "null") mismatch(v, "string");
      return;
    case Schema::kList:
      if (t != "array") mismatch(n, "[]" + go_type);
      for (const Node& item : n.items()) check_schema(item, *schema.elem, field, go_type);
      return;
    case Schema::kObject:
      if (t != "object") mismatch(n, go_type);
      for (const auto& [k, v] : n.fields()) {
        const Schema* sub = nullptr;
        for (const auto& [name, fs] : schema.fields)
          if (name == k) sub = fs;
        if (!sub)
          throw InputError(v.location().path ? v.location() : n.location(),
                           "invalid Kustomization: json: unknown field \"" + k + "\"",
                           "check the spelling; kustomize rejects unknown fields");
        check_schema(v, *sub, field.empty() ? k : field + "." + k, "types." + k);
      }
      return;
  }
}

Kustomization load_kustomization(const std::string& dir, const LoadLimits& limits) {
  Kustomization k;
  k.dir = dir;
  int found = 0;
  for (const char* name : kKustomizationNames) {
    fs::path p = fs::path(dir) / name;
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) {
      if (found++ == 0) k.file = p.string();
    }
  }
  if (found == 0)
    throw InputError(file_loc(dir),
                     "unable to find one of 'kustomization.yaml', 'kustomization.yml' or "
                     "'Kustomization' in directory '" +
                         dir + "'",
                     "a kustomize directory needs a kustomization.yaml");
  if (found > 1)
    throw InputError(file_loc(dir), "found multiple kustomization files in '" + dir + "'",
                     "keep only one of them");
  auto docs = parse_yaml_documents(read_file(k.file, limits), k.file, limits);
  if (docs.empty()) {
    k.doc = Node::mapping(SourceLocation{std::make_shared<const std::string>(k.file), 1, 1});
  } else if (docs.size() > 1) {
    throw InputError(docs[1].location(), "a kustomization file must hold one document",
                     "remove the extra `---`");
  } else {
    k.doc = std::move(docs[0]);
  }
  if (!k.doc.is_mapping())
    throw InputError(k.doc.location(),
                     "invalid Kustomization: expected a mapping, found " + describe_node(k.doc),
                     "a kustomization is a mapping of fields like resources:, namespace:");
  static const std::set<std::string> kKnown = {"apiVersion",
                                               "kind",
                                               "metadata",
                                               "resources",
                                               "bases",
                                               "components",
                                               "namespace",
                                               "namePrefix",
                                               "nameSuffix",
                                               "commonLabels",
                                               "labels",
                                               "commonAnnotations",
                                               "patchesStrategicMerge",
                                               "patches",
                                               "patchesJson6902",
                                               "replicas",
                                               "images",
                                               "imageTags",
                                               "configMapGenerator",
                                               "secretGenerator",
                                               "generatorOptions",
                                               "sortOptions",
                                               "buildMetadata",
                                               "openapi",
                                               "crds",
                                               "configurations",
                                               "vars",
                                               "replacements",
                                               "generators",
                                               "transformers",
                                               "validators",
                                               "helmCharts",
                                               "helmGlobals",
                                               "helmChartInflationGenerator"};
  static const std::set<std::string> kUnsupported = {
      "buildMetadata", "openapi",      "crds",        "configurations",
      "vars",          "replacements", "generators",  "transformers",
      "validators",    "helmCharts",   "helmGlobals", "helmChartInflationGenerator"};
  SourceLocation loc = k.doc.location();
  for (const auto& [key, value] : k.doc.fields()) {
    if (!kKnown.count(key))
      throw InputError(value.location().path ? value.location() : loc,
                       "invalid Kustomization: json: unknown field \"" + key + "\"",
                       "check the spelling; kustomize rejects unknown fields");
    if (kUnsupported.count(key) &&
        !(value.is_null() || (value.is_sequence() && value.items().empty())))
      throw InputError(value.location(),
                       "kustomization field '" + key + "' is not supported by kubetwin's kustomize",
                       "render with kubectl kustomize and load the output with -f");
  }
  check_schema(k.doc, *kustomization_schema(), "Kustomization", "Kustomization");
  if (const Node* labels = k.doc.get("labels"); labels && labels->is_sequence())
    for (const Node& e : labels->items())
      if (const Node* f = e.get("fields"); f && !f->is_null())
        throw InputError(
            f->location(),
            "labels.fields (custom field specs) is not supported by kubetwin's kustomize",
            "render with kubectl kustomize and load the output with -f");
  std::string kind = k.doc.str("kind");
  k.component = kind == "Component";
  if (!kind.empty() && kind != "Kustomization" && kind != "Component")
    throw InputError(k.doc.get("kind")->location(),
                     "invalid kind '" + kind + "' in kustomization file",
                     "use Kustomization (or Component)");
  // kustomize 5.5: each kind has its own apiVersion (a Component's is v1alpha1, a
  // Kustomization's v1beta1; no kind means Kustomization), and a file holding nothing but
  // apiVersion and kind is refused as empty.
  if (const Node* api = k.doc.get("apiVersion"); api && !api->text().empty()) {
    const char* want =
        k.component ? "kustomize.config.k8s.io/v1alpha1" : "kustomize.config.k8s.io/v1beta1";
    if (api->text() != want)
      throw InputError(api->location(),
                       std::string("apiVersion for ") +
                           (k.component ? "Component" : "Kustomization") + " should be " + want,
                       std::string("write apiVersion: ") + want + " (or leave apiVersion out)");
  }
  if (std::all_of(k.doc.fields().begin(), k.doc.fields().end(),
                  [](const auto& kv) { return kv.first == "apiVersion" || kv.first == "kind"; }))
    throw InputError(k.doc.location().path ? k.doc.location() : file_loc(k.file),
                     "kustomization.yaml is empty",
                     "list resources:, components: or generators in it");
  return k;
}

// ---- Paths and the load restrictor --------------------------------------------------------

std::string canonical_path(const fs::path& p) {
  std::error_code ec;
  auto c = fs::weakly_canonical(p, ec);
  return ec ? fs::absolute(p).lexically_normal().string() : c.string();
}

bool within(const std::string& path, const std::string& root) {
  if (path == root) return true;
  std::string r = root;
  if (r.empty() || r.back() != '/') r += '/';
  return path.compare(0, r.size(), r) == 0;
}

// A file named by a kustomization: it must be in or below the kustomization's root.
std::string restricted_file(const Kustomization& k, const Node& entry) {
  std::string rel = entry.text();
  std::string abs = canonical_path(fs::path(k.dir) / rel);
  if (!within(abs, k.dir))
    throw InputError(
        entry.location(), "security; file '" + abs + "' is not in or below '" + k.dir + "'",
        "kustomize only reads files inside the kustomization's directory; list the other "
        "directory as a resource (a base) instead");
  std::error_code ec;
  if (!fs::exists(abs, ec))
    throw InputError(entry.location(),
                     "file '" + rel + "' not found (" + abs + ": no such file or directory)",
                     "check the path; it is relative to " + k.dir);
  return abs;
}

std::vector<const Node*> string_list(const Kustomization& k, const char* field) {
  std::vector<const Node*> out;
  const Node* n = k.doc.get(field);
  if (!n || n->is_null()) return out;
  if (!n->is_sequence())
    throw InputError(n->location(),
                     std::string("invalid Kustomization: field ") + field +
                         " must be a list, found " + describe_node(*n),
                     "write one `- entry` per line");
  for (const Node& item : n->items()) {
    if (!item.is_scalar())
      throw InputError(item.location(),
                       std::string("invalid Kustomization: ") + field +
                           " entries must be strings, found " + describe_node(item),
                       "write a relative path");
    out.push_back(&item);
  }
  return out;
}

// ---- Label selectors and patch targets ------------------------------------------------------

bool match_label_selector(const std::string& selector,
                          const std::map<std::string, std::string>& labels,
                          const SourceLocation& where) {
  // Split at commas outside parentheses.
  std::vector<std::string> terms;
  std::string cur;
  int depth = 0;
  for (char c : selector) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      terms.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) terms.push_back(cur);
  auto trim = [](std::string s) {
    s.erase(0, s.find_first_not_of(" \t"));
    s.erase(s.find_last_not_of(" \t") + 1);
    return s;
  };
  for (std::string t : terms) {
    t = trim(t);
    if (t.empty()) continue;
    static const std::regex kSet(R"(^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$)");
    std::smatch m;
    if (std::regex_match(t, m, kSet)) {
      std::set<std::string> values;
      std::string list = m[3].str();
      size_t start = 0;
      while (start <= list.size()) {
        size_t comma = list.find(',', start);
        values.insert(trim(
            list.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
      auto it = labels.find(m[1].str());
      bool in = it != labels.end() && values.count(it->second);
      if (m[2] == "in" ? !in : in) return false;
      continue;
    }
    size_t ne = t.find("!=");
    size_t eq = t.find('=');
    if (ne != std::string::npos) {
      auto it = labels.find(trim(t.substr(0, ne)));
      if (it != labels.end() && it->second == trim(t.substr(ne + 2))) return false;
    } else if (eq != std::string::npos) {
      std::string key = trim(t.substr(0, eq));
      std::string value = trim(t.substr(t[eq + 1] == '=' ? eq + 2 : eq + 1));
      auto it = labels.find(key);
      if (it == labels.end() || it->second != value) return false;
    } else if (t[0] == '!') {
      if (labels.count(trim(t.substr(1)))) return false;
    } else if (std::all_of(t.begin(), t.end(), [](char c) {
                 return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' ||
                        c == '/' || c == '-';
               })) {
      if (!labels.count(t)) return false;
    } else {
      throw InputError(where, "unable to parse label selector \"" + selector + "\"",
                       "write e.g. app=web,tier!=db");
    }
  }
  return true;
}

std::map<std::string, std::string> string_map(const Node* n) {
  std::map<std::string, std::string> out;
  if (n && n->is_mapping())
    for (const auto& [k, v] : n->fields())
      if (v.is_scalar()) out[k] = v.text();
  return out;
}

// A patch target: Go-style anchored regexes compiled once, plus label/annotation selectors.
class Target {
 public:
  explicit Target(const Node* node) : node_(node) {
    if (!node_) return;
    for (const char* field : {"group", "version", "kind", "name", "namespace"}) {
      const Node* f = node_->get(field);
      if (!f || !f->is_scalar() || f->text().empty()) continue;
      try {
        regexes_.emplace_back(field, std::regex("^(?:" + f->text() + ")$", std::regex::optimize));
      } catch (const std::regex_error&) {
        throw InputError(f->location(),
                         std::string("invalid regular expression in target ") + field,
                         "targets use Go regular expressions");
      }
    }
  }

  bool matches(const KRes& r) const {
    for (const auto& [field, rx] : regexes_) {
      std::vector<std::string> values;
      if (field == "group")
        values = {r.group()};
      else if (field == "version")
        values = {r.version()};
      else if (field == "kind")
        values = {r.kind()};
      else if (field == "name") {
        values = r.previous_names;
        values.push_back(r.name());
      } else {
        values = r.previous_namespaces;
        values.push_back(r.ns());
      }
      bool any = false;
      for (const std::string& v : values)
        if (std::regex_match(v, rx)) {
          any = true;
          break;
        }
      if (!any) return false;
    }
    if (const Node* ls = node_->get("labelSelector"); ls && ls->is_scalar() && !ls->text().empty())
      if (!match_label_selector(ls->text(), string_map(r.body.at({"metadata", "labels"})),
                                ls->location()))
        return false;
    if (const Node* as = node_->get("annotationSelector");
        as && as->is_scalar() && !as->text().empty())
      if (!match_label_selector(as->text(), string_map(r.body.at({"metadata", "annotations"})),
                                as->location()))
        return false;
    return true;
  }

 private:
  const Node* node_;
  std::vector<std::pair<std::string, std::regex>> regexes_;
};

// ---- Field helpers ------------------------------------------------------------------------

// Walks `path` below n (mapping keys; "[]" iterates a sequence), creating missing mappings when
// create is set, and calls f on each node reached.
template <typename F>
void visit_path(Node& n, const std::vector<std::string>& path, size_t i, bool create, F&& f) {
  if (i == path.size()) {
    f(n);
    return;
  }
  if (path[i] == "[]") {
    if (!n.is_sequence()) return;
    for (Node& item : n.items()) visit_path(item, path, i + 1, create, f);
    return;
  }
  if (n.is_null() && create) n = Node::mapping();
  if (!n.is_mapping()) return;
  Node* child = n.get(path[i]);
  if (!child) {
    if (!create) return;
    child = &n.set(path[i], Node::mapping());
  }
  visit_path(*child, path, i + 1, create, f);
}

std::vector<std::string> split_path(const std::string& p) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t slash = p.find('/', start);
    out.push_back(p.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return out;
}

void set_pairs(KRes& r, const std::string& path, bool create,
               const std::vector<std::pair<std::string, std::string>>& pairs) {
  visit_path(r.body, split_path(path), 0, create, [&](Node& m) {
    if (m.is_null()) m = Node::mapping();
    if (!m.is_mapping()) return;
    for (const auto& [k, v] : pairs) m.set(k, Node::scalar(v, true));
  });
}

bool is_kind(const KRes& r, std::initializer_list<const char*> kinds) {
  std::string k = r.kind();
  for (const char* c : kinds)
    if (k == c) return true;
  return false;
}

// Labels into metadata (M) and selectors (S), as kustomize-facts.md section 3 lists them.
void apply_labels(ResSet& set, const std::vector<std::pair<std::string, std::string>>& pairs,
                  bool selectors, bool templates) {
  if (pairs.empty()) return;
  for (KRes& r : set) {
    set_pairs(r, "metadata/labels", true, pairs);
    if (!selectors && !templates) continue;
    if (is_kind(r, {"ReplicationController", "Deployment", "ReplicaSet", "DaemonSet", "StatefulSet",
                    "Job"}))
      set_pairs(r, "spec/template/metadata/labels", true, pairs);
    if (is_kind(r, {"StatefulSet"}))
      set_pairs(r, "spec/volumeClaimTemplates/[]/metadata/labels", true, pairs);
    if (is_kind(r, {"CronJob"})) {
      set_pairs(r, "spec/jobTemplate/metadata/labels", true, pairs);
      set_pairs(r, "spec/jobTemplate/spec/template/metadata/labels", true, pairs);
    }
    if (!selectors) continue;
    if (is_kind(r, {"Service", "ReplicationController"}))
      set_pairs(r, "spec/selector", true, pairs);
    if (is_kind(r, {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet"}))
      set_pairs(r, "spec/selector/matchLabels", true, pairs);
    if (is_kind(r, {"Job", "PodDisruptionBudget"}))
      set_pairs(r, "spec/selector/matchLabels", false, pairs);
    if (is_kind(r, {"CronJob"}))
      set_pairs(r, "spec/jobTemplate/spec/selector/matchLabels", false, pairs);
    if (is_kind(r, {"NetworkPolicy"})) {
      set_pairs(r, "spec/podSelector/matchLabels", false, pairs);
      set_pairs(r, "spec/ingress/[]/from/[]/podSelector/matchLabels", false, pairs);
      set_pairs(r, "spec/egress/[]/to/[]/podSelector/matchLabels", false, pairs);
    }
    if (is_kind(r, {"Deployment", "StatefulSet"})) {
      for (const char* aff : {"podAffinity", "podAntiAffinity"}) {
        std::string base = std::string("spec/template/spec/affinity/") + aff;
        set_pairs(
            r,
            base + "/requiredDuringSchedulingIgnoredDuringExecution/[]/labelSelector/matchLabels",
            false, pairs);
        set_pairs(r,
                  base +
                      "/preferredDuringSchedulingIgnoredDuringExecution/[]/podAffinityTerm/"
                      "labelSelector/matchLabels",
                  false, pairs);
      }
      set_pairs(r, "spec/template/spec/topologySpreadConstraints/[]/labelSelector/matchLabels",
                false, pairs);
    }
  }
}

void apply_annotations(ResSet& set, const std::vector<std::pair<std::string, std::string>>& pairs) {
  if (pairs.empty()) return;
  for (KRes& r : set) {
    set_pairs(r, "metadata/annotations", true, pairs);
    if (is_kind(r, {"ReplicationController", "Deployment", "ReplicaSet", "DaemonSet", "StatefulSet",
                    "Job"}))
      set_pairs(r, "spec/template/metadata/annotations", true, pairs);
    if (is_kind(r, {"CronJob"})) {
      set_pairs(r, "spec/jobTemplate/metadata/annotations", true, pairs);
      set_pairs(r, "spec/jobTemplate/spec/template/metadata/annotations", true, pairs);
    }
  }
}

std::vector<std::pair<std::string, std::string>> pairs_of(const Node* n, const std::string& field) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!n || n->is_null()) return out;
  if (!n->is_mapping())
    throw InputError(
        n->location(),
        "invalid Kustomization: " + field + " must be a mapping, found " + describe_node(*n),
        "write one `key: value` per line");
  for (const auto& [k, v] : n->fields()) {
    if (!v.is_scalar() && !v.is_null())
      throw InputError(v.location(),
                       "invalid Kustomization: " + field + "." + k + " must be a string",
                       "write a plain value");
    bool is_string = false;
    out.emplace_back(k, v.is_null() ? "" : v.text());
    (void)is_string;
  }
  return out;
}

// ---- Generators ---------------------------------------------------------------------------

std::string base64(std::string_view in) {
  static const char* kChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out.push_back(kChars[(v >> s) & 63]);
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    out.push_back(kChars[(v >> 18) & 63]);
    out.push_back(kChars[(v >> 12) & 63]);
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out.push_back(kChars[(v >> 18) & 63]);
    out.push_back(kChars[(v >> 12) & 63]);
    out.push_back(kChars[(v >> 6) & 63]);
    out.push_back('=');
  }
  return out;
}

bool is_utf8_text(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    unsigned char c = s[i];
    int w = c < 0x80             ? 1
            : (c & 0xE0) == 0xC0 ? 2
            : (c & 0xF0) == 0xE0 ? 3
            : (c & 0xF8) == 0xF0 ? 4
                                 : 0;
    if (w == 0 || i + w > s.size()) return false;
    for (int k = 1; k < w; ++k)
      if ((uint8_t(s[i + k]) & 0xC0) != 0x80) return false;
    i += w;
  }
  return true;
}

// Go encoding/json string quoting (HTML-safe).
std::string go_json_string(std::string_view s) {
  return json_quote(s, JsonEscape::kGo);
}

std::string go_json_map(const Node* m) {
  std::vector<std::pair<std::string, std::string>> kv;
  for (const auto& [k, v] : m->fields()) kv.emplace_back(k, v.is_scalar() ? v.text() : "");
  std::sort(kv.begin(), kv.end());
  std::string out = "{";
  for (size_t i = 0; i < kv.size(); ++i) {
    if (i) out += ",";
    out += go_json_string(kv[i].first) + ":" + go_json_string(kv[i].second);
  }
  return out + "}";
}

std::string name_hash(const KRes& r) {
  const Node& b = r.body;
  bool secret = r.kind() == "Secret";
  std::vector<std::pair<std::string, std::string>> fields;  // key -> encoded JSON
  auto data_json = [&](const char* key) -> std::string {
    const Node* d = b.get(key);
    return d && d->is_mapping() ? go_json_map(d) : "\"\"";
  };
  fields.emplace_back("data", data_json("data"));
  fields.emplace_back("kind", go_json_string(r.kind()));
  fields.emplace_back("name", "\"\"");
  if (secret) {
    fields.emplace_back("type", b.get("type") && b.get("type")->is_scalar()
                                    ? go_json_string(b.str("type"))
                                    : "\"\"");
    if (const Node* sd = b.get("stringData"); sd && sd->is_mapping())
      fields.emplace_back("stringData", go_json_map(sd));
  } else if (const Node* bd = b.get("binaryData"); bd && bd->is_mapping()) {
    fields.emplace_back("binaryData", go_json_map(bd));
  }
  std::sort(fields.begin(), fields.end());
  std::string json = "{";
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) json += ",";
    json += "\"" + fields[i].first + "\":" + fields[i].second;
  }
  json += "}";
  std::string hex = internal::sha256_hex(json).substr(0, 10);
  for (char& c : hex) {
    switch (c) {
      case '0':
        c = 'g';
        break;
      case '1':
        c = 'h';
        break;
      case '3':
        c = 'k';
        break;
      case 'a':
        c = 'm';
        break;
      case 'e':
        c = 't';
        break;
      default:
        break;
    }
  }
  return hex;
}

// One generator entry's key/value pairs, in kustomize's source order: envs, literals, files.
std::vector<std::pair<std::string, std::string>> generator_pairs(const Kustomization& k,
                                                                 const Node& entry,
                                                                 const std::string& gen_name,
                                                                 const LoadLimits& limits) {
  std::vector<std::pair<std::string, std::string>> out;
  auto add = [&](std::string key, std::string value, const SourceLocation& where) {
    for (const auto& kv : out)
      if (kv.first == key)
        throw InputError(where,
                         "configmap " + gen_name + " illegally repeats the key `" + key + "`",
                         "each key may appear once across envs, literals and files");
    out.emplace_back(std::move(key), std::move(value));
  };
  std::vector<const Node*> envs;
  if (const Node* e = entry.get("env"); e && e->is_scalar()) envs.push_back(e);
  if (const Node* e = entry.get("envs"); e && e->is_sequence())
    for (const Node& x : e->items()) envs.push_back(&x);
  for (const Node* env : envs) {
    std::string text = read_file(restricted_file(k, *env), limits);
    if (text.starts_with("\xEF\xBB\xBF")) text.erase(0, 3);
    size_t start = 0;
    while (start < text.size()) {
      size_t nl = text.find('\n', start);
      std::string line =
          text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
      start = nl == std::string::npos ? text.size() : nl + 1;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      line.erase(0, line.find_first_not_of(" \t"));
      if (line.empty() || line[0] == '#') continue;
      size_t eq = line.find('=');
      if (eq == std::string::npos)
        add(line, "", env->location());
      else
        add(line.substr(0, eq), line.substr(eq + 1), env->location());
    }
  }
  if (const Node* lits = entry.get("literals"); lits && lits->is_sequence()) {
    for (const Node& lit : lits->items()) {
      std::string s = lit.text();
      size_t eq = s.find('=');
      if (eq == std::string::npos)
        throw InputError(lit.location(), "invalid literal '" + s + "': expected key=value",
                         "write key=value");
      std::string v = s.substr(eq + 1);
      if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front())
        v = v.substr(1, v.size() - 2);
      add(s.substr(0, eq), v, lit.location());
    }
  }
  if (const Node* files = entry.get("files"); files && files->is_sequence()) {
    for (const Node& f : files->items()) {
      std::string spec = f.text();
      std::string key, rel = spec;
      size_t eq = spec.find('=');
      if (eq != std::string::npos) {
        key = spec.substr(0, eq);
        rel = spec.substr(eq + 1);
      } else {
        key = fs::path(rel).filename().string();
      }
      Node relnode = Node::scalar(rel, true, f.location());
      add(key, read_file(restricted_file(k, relnode), limits), f.location());
    }
  }
  return out;
}

void generate(const Kustomization& k, ResSet& set, const char* field, bool secret,
              const LoadLimits& limits) {
  const Node* gens = k.doc.get(field);
  if (!gens || gens->is_null()) return;
  if (!gens->is_sequence())
    throw InputError(gens->location(),
                     std::string("invalid Kustomization: ") + field + " must be a list",
                     "write one `- name: ...` entry per generated object");
  const Node* opts = k.doc.get("generatorOptions");
  for (const Node& entry : gens->items()) {
    if (!entry.is_mapping())
      throw InputError(entry.location(), std::string(field) + " entries must be mappings",
                       "give name: and literals:");
    std::string name = entry.str("name");
    if (name.empty())
      throw InputError(entry.location(), std::string(field) + " entry without a name",
                       "add `name:`");
    auto pairs = generator_pairs(k, entry, name, limits);
    KRes r;
    r.generated = true;
    r.body = Node::mapping(entry.location());
    r.body.set("apiVersion", Node::scalar("v1", false));
    r.body.set("kind", Node::scalar(secret ? "Secret" : "ConfigMap", false));
    Node& md = r.body.set("metadata", Node::mapping(entry.location()));
    md.set("name", Node::scalar(name, true, entry.get("name")->location()));
    if (std::string ns = entry.str("namespace"); !ns.empty())
      md.set("namespace", Node::scalar(ns, true));
    const Node* eopts = entry.get("options");
    bool disable = false, immutable = false;
    for (const Node* o : {opts, eopts}) {
      if (!o || !o->is_mapping()) continue;
      if (auto b = o->get("disableNameSuffixHash"); b && b->as_bool().value_or(false))
        disable = true;
      if (auto b = o->get("immutable"); b && b->as_bool().value_or(false)) immutable = true;
      for (const char* what : {"labels", "annotations"}) {
        auto p = pairs_of(o->get(what), std::string("options.") + what);
        if (p.empty()) continue;
        Node* m = md.get(what);
        if (!m) m = &md.set(what, Node::mapping());
        for (const auto& [kk, vv] : p) m->set(kk, Node::scalar(vv, true));
      }
    }
    r.hash = !disable;
    Node data = Node::mapping();
    Node binary = Node::mapping();
    for (const auto& [key, value] : pairs) {
      if (secret) {
        std::string enc = base64(value);
        if (enc.size() >= 70) {
          std::string folded;
          for (size_t i = 0; i < enc.size(); i += 70) folded += enc.substr(i, 70) + "\n";
          enc = folded;
        }
        data.set(key, Node::scalar(enc, true));
      } else if (is_utf8_text(value)) {
        data.set(key, Node::scalar(value, true));
      } else {
        binary.set(key, Node::scalar(base64(value), true));
      }
    }
    if (!data.fields().empty()) r.body.set("data", std::move(data));
    if (!binary.fields().empty()) r.body.set("binaryData", std::move(binary));
    if (secret) r.body.set("type", Node::scalar(entry.str("type", "Opaque"), true));
    if (immutable) r.body.set("immutable", Node::scalar("true", false));
    std::string behavior = entry.str("behavior", "create");
    r.generator_behavior = behavior;
    // Inherited generated objects are found by any of their names and namespaces so far
    // (an overlay names them as its base wrote them, before prefixes and namespaces).
    auto existing = std::find_if(set.begin(), set.end(), [&](const KRes& o) {
      return o.kind() == r.kind() && o.api_version() == r.api_version() &&
             o.had_id(r.name(), r.ns());
    });
    if (behavior == "create") {
      if (existing != set.end())
        throw InputError(entry.location(),
                         "id " + id_string(r) + " exists; behavior must be merge or replace",
                         "set behavior: merge (or replace) to change an inherited generator");
      set.push_back(std::move(r));
    } else if (behavior == "merge" || behavior == "replace") {
      if (existing == set.end())
        throw InputError(entry.location(),
                         "id " + id_string(r) + " does not exist; cannot merge or replace",
                         "use behavior: create");
      KRes& old = *existing;
      for (const char* what : {"labels", "annotations"}) {
        const Node* nm = r.body.at({"metadata", what});
        if (!nm) continue;
        Node& om = old.metadata();
        Node* dst = om.get(what);
        if (!dst) dst = &om.set(what, Node::mapping());
        for (const auto& [kk, vv] : nm->fields()) dst->set(kk, vv);
      }
      for (const char* what : {"data", "binaryData"}) {
        const Node* nd = r.body.get(what);
        if (behavior == "replace") {
          if (nd)
            old.body.set(what, *nd);
          else
            old.body.erase(what);
        } else if (nd) {
          Node* od = old.body.get(what);
          if (!od || !od->is_mapping()) od = &old.body.set(what, Node::mapping());
          for (const auto& [kk, vv] : nd->fields()) od->set(kk, vv);
        }
      }
      old.hash = old.hash && r.hash;
    } else {
      throw InputError(entry.get("behavior")->location(),
                       "unknown generator behavior '" + behavior + "'",
                       "use create, merge or replace");
    }
  }
}

// ---- Name references ----------------------------------------------------------------------

struct RefSpec {
  const char* target_kind;
  std::vector<std::string> path;  // "[]" iterates
};

std::vector<std::string> pod_spec_prefixes(const KRes& r) {
  std::string k = r.kind();
  if (k == "Pod") return {"spec"};
  if (k == "PodTemplate") return {"template/spec"};
  if (k == "Deployment" || k == "ReplicaSet" || k == "DaemonSet" || k == "StatefulSet" ||
      k == "Job")
    return {"spec/template/spec"};
  if (k == "CronJob") return {"spec/jobTemplate/spec/template/spec"};
  return {};
}

void fix_name_references(ResSet& set) {
  // Renamed objects by (kind, any previous name): the only candidates of a reference.
  std::unordered_map<std::string, std::vector<size_t>> renamed;
  for (size_t i = 0; i < set.size(); ++i)
    for (const std::string& old : set[i].previous_names)
      renamed[set[i].kind() + "|" + old].push_back(i);
  auto rewrite = [&](KRes& referrer, const std::string& target_kind, Node& value, Node* ns_node) {
    if (!value.is_scalar()) return;
    std::string v = value.text();
    auto cands = renamed.find(target_kind + "|" + v);
    if (cands == renamed.end()) return;
    std::string ref_ns = ns_node && ns_node->is_scalar() ? ns_node->text() : effective_ns(referrer);
    bool referrer_cluster = is_cluster_scoped(referrer.api_version(), referrer.kind());
    const KRes* match = nullptr;
    for (size_t idx : cands->second) {
      const KRes& t = set[idx];
      bool t_cluster = is_cluster_scoped(t.api_version(), t.kind());
      if (!t_cluster && !(referrer_cluster && !ns_node) && effective_ns(t) != ref_ns) continue;
      if (!match) match = &t;
    }
    if (!match) return;
    value = Node::scalar(match->name(), true, value.location());
    if (ns_node && !match->ns().empty())
      *ns_node = Node::scalar(match->ns(), true, ns_node->location());
  };
  auto each = [&](KRes& r, const std::string& path, const char* kind) {
    auto parts = split_path(path);
    std::string last = parts.back();
    parts.pop_back();
    visit_path(r.body, parts, 0, false, [&](Node& parent) {
      if (!parent.is_mapping()) return;
      if (Node* v = parent.get(last)) {
        if (v->is_sequence()) {
          for (Node& item : v->items()) rewrite(r, kind, item, nullptr);
        } else {
          rewrite(r, kind, *v, nullptr);
        }
      }
    });
  };
  for (KRes& r : set) {
    std::string k = r.kind();
    for (const std::string& ps : pod_spec_prefixes(r)) {
      for (const char* c : {"containers", "initContainers"}) {
        std::string base = ps + "/" + c + "/[]/";
        each(r, base + "env/[]/valueFrom/configMapKeyRef/name", "ConfigMap");
        each(r, base + "envFrom/[]/configMapRef/name", "ConfigMap");
        each(r, base + "env/[]/valueFrom/secretKeyRef/name", "Secret");
        each(r, base + "envFrom/[]/secretRef/name", "Secret");
      }
      each(r, ps + "/volumes/[]/configMap/name", "ConfigMap");
      each(r, ps + "/volumes/[]/projected/sources/[]/configMap/name", "ConfigMap");
      each(r, ps + "/volumes/[]/secret/secretName", "Secret");
      each(r, ps + "/volumes/[]/projected/sources/[]/secret/name", "Secret");
      each(r, ps + "/imagePullSecrets/[]/name", "Secret");
    }
    std::vector<std::string> wl = pod_spec_prefixes(r);
    if (k == "ReplicationController") wl.push_back("spec/template/spec");
    for (const std::string& ps : wl) {
      each(r, ps + "/serviceAccountName", "ServiceAccount");
      each(r, ps + "/volumes/[]/persistentVolumeClaim/claimName", "PersistentVolumeClaim");
      each(r, ps + "/priorityClassName", "PriorityClass");
    }
    if (k == "ServiceAccount") each(r, "imagePullSecrets/[]/name", "Secret");
    if (k == "StorageClass")
      for (const char* p : {"secretName", "adminSecretName", "userSecretName", "secretRef"})
        each(r, std::string("parameters/") + p, "Secret");
    if (k == "Ingress") {
      Node* ann = r.body.at({"metadata", "annotations"})
                      ? r.body.get("metadata")->get("annotations")
                      : nullptr;
      if (ann && ann->is_mapping()) {
        for (auto& [key, value] : ann->fields()) {
          if (key == "nginx.ingress.kubernetes.io/auth-secret" ||
              key == "nginx.ingress.kubernetes.io/auth-tls-secret")
            rewrite(r, "Secret", value, nullptr);
          if (key == "nginx.ingress.kubernetes.io/fastcgi-params-configmap")
            rewrite(r, "ConfigMap", value, nullptr);
        }
      }
    }
    // Map-valued references: {name, namespace} of a Service.
    auto service_map = [&](Node* m) {
      if (!m || !m->is_mapping() || !m->get("name")) return;
      std::string sname = m->str("name");
      const Node* sns = m->get("namespace");
      auto cands = renamed.find("Service|" + sname);
      if (cands == renamed.end()) return;
      for (size_t idx : cands->second) {
        const KRes& t = set[idx];
        if (sns && sns->is_scalar() && !t.had_id(sname, sns->text())) continue;
        m->set("name", Node::scalar(t.name(), true));
        if (!t.ns().empty()) m->set("namespace", Node::scalar(t.ns(), true));
        break;
      }
    };
    if (k == "APIService" && r.body.get("spec")) service_map(r.body.get("spec")->get("service"));
    if (k == "MutatingWebhookConfiguration" || k == "ValidatingWebhookConfiguration")
      if (Node* hooks = r.body.get("webhooks"); hooks && hooks->is_sequence())
        for (Node& h : hooks->items())
          if (Node* cc = h.get("clientConfig")) service_map(cc->get("service"));
    if (k == "Role" || k == "ClusterRole") {
      each(r, "rules/[]/resourceNames", "ConfigMap");
      each(r, "rules/[]/resourceNames", "Secret");
      if (k == "ClusterRole") each(r, "rules/[]/resourceNames", "PersistentVolume");
    }
    if (k == "StatefulSet") {
      each(r, "spec/serviceName", "Service");
      each(r, "spec/volumeClaimTemplates/[]/spec/storageClassName", "StorageClass");
    }
    if (k == "Ingress") {
      each(r, "spec/rules/[]/http/paths/[]/backend/serviceName", "Service");
      each(r, "spec/rules/[]/http/paths/[]/backend/service/name", "Service");
      each(r, "spec/backend/serviceName", "Service");
      each(r, "spec/defaultBackend/service/name", "Service");
      each(r, "spec/tls/[]/secretName", "Secret");
      each(r, "spec/ingressClassName", "IngressClass");
    }
    if (k == "HorizontalPodAutoscaler") {
      Node* ref = r.body.get("spec") ? r.body.get("spec")->get("scaleTargetRef") : nullptr;
      if (ref && ref->is_mapping() && ref->get("name"))
        rewrite(r, ref->str("kind"), *ref->get("name"), nullptr);
    }
    if (k == "PersistentVolumeClaim") {
      each(r, "spec/volumeName", "PersistentVolume");
      each(r, "spec/storageClassName", "StorageClass");
    }
    if (k == "PersistentVolume") each(r, "spec/storageClassName", "StorageClass");
    if (k == "RoleBinding" || k == "ClusterRoleBinding") {
      Node* rr = r.body.get("roleRef");
      if (rr && rr->is_mapping() && rr->get("name")) {
        std::string rk = rr->str("kind");
        if (rk == "Role" || rk == "ClusterRole") rewrite(r, rk, *rr->get("name"), nullptr);
      }
      if (Node* subjects = r.body.get("subjects"); subjects && subjects->is_sequence())
        for (Node& s : subjects->items())
          if (s.is_mapping() && s.get("name")) {
            // Subjects follow a ServiceAccount of the build even when it was not renamed, so
            // that they pick up its namespace. As kustomize 5.5 does: the subject's kind is not
            // looked at, a subject without `namespace` matches the account in any namespace,
            // and one with it matches when it names the account's namespace, current or
            // previous, an unset one being "default" (an explicit "" matches none).
            std::string sname = s.str("name"), sns = s.str("namespace");
            auto effective = [](const std::string& ns) { return ns.empty() ? "default" : ns; };
            for (const KRes& t : set) {
              if (t.kind() != "ServiceAccount" || !t.had_name(sname)) continue;
              bool ns_ok = !s.get("namespace") || effective(t.ns()) == sns ||
                           std::any_of(t.previous_namespaces.begin(), t.previous_namespaces.end(),
                                       [&](const std::string& p) { return effective(p) == sns; });
              if (!ns_ok) continue;
              s.set("name", Node::scalar(t.name(), true));
              if (!t.ns().empty()) s.set("namespace", Node::scalar(t.ns(), true));
              break;
            }
          }
    }
  }
}

// ---- Transformers -------------------------------------------------------------------------

void set_namespace(ResSet& set, const std::string& ns) {
  for (KRes& r : set) {
    if (r.api_version() == "v1" && r.kind() == "Namespace") {
      r.rename(ns);
      continue;
    }
    if (is_cluster_scoped(r.api_version(), r.kind())) {
      if (r.kind() == "ClusterRoleBinding" || r.kind() == "RoleBinding") {
      } else {
        continue;
      }
    } else {
      std::string old = r.ns();
      if (old != ns) {
        r.previous_namespaces.push_back(old);
        r.previous_ids.emplace_back(r.name(), old);
      }
      r.metadata().set("namespace", Node::scalar(ns, true));
    }
    if (r.kind() == "RoleBinding" || r.kind() == "ClusterRoleBinding") {
      if (Node* subjects = r.body.get("subjects"); subjects && subjects->is_sequence())
        for (Node& s : subjects->items())
          if (s.is_mapping() && s.str("name") == "default")
            s.set("namespace", Node::scalar(ns, true));
    }
    if (r.kind() == "APIService") set_pairs(r, "spec/service", true, {{"namespace", ns}});
  }
  std::unordered_set<std::string> ids;
  for (const KRes& r : set)
    if (!ids.insert(id_key(r)).second)
      throw InputError(r.body.location(),
                       "namespace transformation produces ID conflict: " + id_string(r),
                       "two objects now share kind, name and namespace");
}

void add_prefix_suffix(ResSet& set, const std::string& prefix, const std::string& suffix) {
  if (prefix.empty() && suffix.empty()) return;
  for (KRes& r : set) {
    std::string k = r.kind();
    if (k == "CustomResourceDefinition" || k == "Namespace" ||
        (k == "APIService" && r.group() == "apiregistration.k8s.io"))
      continue;
    r.rename(prefix + r.name() + suffix);
  }
}

void apply_replicas(const Kustomization& k, ResSet& set) {
  const Node* reps = k.doc.get("replicas");
  if (!reps || reps->is_null()) return;
  if (!reps->is_sequence())
    throw InputError(reps->location(), "invalid Kustomization: replicas must be a list",
                     "e.g. replicas: [{name: web, count: 3}]");
  for (const Node& e : reps->items()) {
    std::string name = e.str("name");
    const Node* count = e.get("count");
    if (!count || !count->as_int())
      throw InputError(e.location(), "replicas entry for '" + name + "' needs an integer count",
                       "write count: 3");
    bool found = false;
    for (KRes& r : set) {
      if (!is_kind(r, {"Deployment", "ReplicationController", "ReplicaSet", "StatefulSet"}) ||
          !r.had_name(name))
        continue;
      found = true;
      Node* spec = r.body.get("spec");
      if (!spec || !spec->is_mapping()) spec = &r.body.set("spec", Node::mapping());
      spec->set("replicas", Node::scalar(std::to_string(*count->as_int()), false));
    }
    if (!found)
      throw InputError(
          e.location(),
          "resource with name " + name +
              " does not match a config with the following GVK [Deployment.[noVer].[noGrp] "
              "ReplicationController.[noVer].[noGrp] ReplicaSet.[noVer].[noGrp] "
              "StatefulSet.[noVer].[noGrp]]",
          "replicas names the workload as written in its own layer (before namePrefix)");
  }
}

void update_image(Node& image, const Node& entry, const std::regex& rx) {
  if (!image.is_scalar()) return;
  std::string v = image.text();
  if (!std::regex_match(v, rx)) return;
  // Split name / tag / digest; ':' search starts after the first '/'.
  std::string name = v, tag, digest;
  if (auto at = name.find('@'); at != std::string::npos) {
    digest = name.substr(at + 1);
    name = name.substr(0, at);
  }
  size_t slash = name.find('/');
  size_t colon = name.find(':', slash == std::string::npos ? 0 : slash);
  if (colon != std::string::npos) {
    tag = name.substr(colon + 1);
    name = name.substr(0, colon);
  }
  std::string new_name = entry.str("newName");
  std::string new_tag = entry.str("newTag");
  std::string new_digest = entry.str("digest");
  std::string tag_suffix = entry.str("tagSuffix");
  if (!new_name.empty()) name = new_name;
  std::string out = name;
  if (!new_tag.empty() && !new_digest.empty()) {
    out += ":" + new_tag + "@" + new_digest;
  } else if (!new_tag.empty()) {
    out += ":" + new_tag;
  } else if (!new_digest.empty()) {
    out += "@" + new_digest;
  } else {
    if (!tag.empty())
      out += ":" + tag + tag_suffix;
    else if (!tag_suffix.empty())
      out += ":" + tag_suffix;
    if (!digest.empty()) out += "@" + digest;
  }
  image = Node::scalar(out, true, image.location());
}

void walk_containers(Node& n, const Node& entry, const std::regex& rx) {
  if (n.is_mapping()) {
    for (auto& [key, value] : n.fields()) {
      if ((key == "containers" || key == "initContainers") && value.is_sequence()) {
        for (Node& c : value.items())
          if (c.is_mapping())
            if (Node* img = c.get("image")) update_image(*img, entry, rx);
      }
      walk_containers(value, entry, rx);
    }
  } else if (n.is_sequence()) {
    for (Node& item : n.items()) walk_containers(item, entry, rx);
  }
}

void apply_images(const Kustomization& k, ResSet& set) {
  for (const char* field : {"images", "imageTags"}) {
    const Node* imgs = k.doc.get(field);
    if (!imgs || imgs->is_null()) continue;
    if (!imgs->is_sequence())
      throw InputError(imgs->location(), "invalid Kustomization: images must be a list",
                       "e.g. images: [{name: nginx, newTag: \"1.27\"}]");
    for (const Node& e : imgs->items()) {
      if (!e.is_mapping())
        throw InputError(e.location(), "images entries must be mappings", "give name: and newTag:");
      std::regex rx;
      try {
        rx = std::regex("^" + e.str("name") + "(:[a-zA-Z0-9_.{}-]*)?(@sha256:[a-zA-Z0-9_.{}-]*)?$");
      } catch (const std::regex_error&) {
        throw InputError(e.location(), "invalid image name '" + e.str("name") + "'",
                         "kustomize matches the name as a regular expression: escape its special "
                         "characters");
      }
      for (KRes& r : set) {
        if (r.kind() == "CustomResourceDefinition") continue;
        walk_containers(r.body, e, rx);
        // kustomize also applies its image field specs (spec/containers, spec/initContainers,
        // spec/template/spec/{containers,initContainers}, any kind) on top of that walk, so a
        // tagSuffix is appended twice there (measured against kubectl kustomize v5.5.0).
        for (const char* p : {"spec/containers/[]/image", "spec/initContainers/[]/image",
                              "spec/template/spec/containers/[]/image",
                              "spec/template/spec/initContainers/[]/image"})
          visit_path(r.body, split_path(p), 0, false, [&](Node& img) { update_image(img, e, rx); });
      }
    }
  }
}

// ---- Patches ------------------------------------------------------------------------------

struct PatchText {
  std::string text;
  std::string path;  // for locations
  SourceLocation where;
  int line_offset = 0;  // an inline block scalar: where its first line sits in `path`
  int column_offset = 0;
};

void shift_locations(Node& n, int lines, int columns) {
  SourceLocation loc = n.location();
  if (loc.line > 0) {
    loc.line += lines;
    loc.column += columns;
    n.set_location(loc);
  }
  if (n.is_sequence())
    for (Node& item : n.items()) shift_locations(item, lines, columns);
  if (n.is_mapping())
    for (auto& field : n.fields()) shift_locations(field.second, lines, columns);
}

std::vector<Node> parse_patch_docs(const PatchText& p, const LoadLimits& limits) {
  try {
    auto docs = parse_yaml_documents(p.text, p.path, limits);
    if (p.line_offset || p.column_offset)
      for (Node& d : docs) shift_locations(d, p.line_offset, p.column_offset);
    return docs;
  } catch (const InputError& e) {
    if (!p.line_offset) throw;
    Diagnostic d = e.diagnostic();
    if (d.where.line > 0) {
      d.where.line += p.line_offset;
      d.where.column += p.column_offset;
    }
    throw InputError(d);
  }
}

// For an inline `patch: |` block, the offsets that map the block's own lines and columns to
// the kustomization file (the block's text starts on the line after the indicator).
void locate_inline_block(PatchText& t, const Node& scalar, const LoadLimits& limits) {
  const SourceLocation& loc = scalar.location();
  if (loc.line <= 0 || !loc.path) return;
  std::string file = read_file(*loc.path, limits);
  size_t pos = 0;
  for (int line = 1; line < loc.line && pos != std::string::npos; ++line) {
    pos = file.find('\n', pos);
    if (pos != std::string::npos) ++pos;
  }
  if (pos == std::string::npos) return;
  size_t indicator = pos + size_t(loc.column - 1);
  if (indicator >= file.size() || (file[indicator] != '|' && file[indicator] != '>')) return;
  size_t next = file.find('\n', indicator);
  if (next == std::string::npos) return;
  ++next;
  size_t indent = 0;
  while (next + indent < file.size() && file[next + indent] == ' ') ++indent;
  t.line_offset = loc.line;
  t.column_offset = int(indent);
}

struct PatchOptions {
  bool allow_name_change = false;
  bool allow_kind_change = false;
};

PatchOptions patch_options(const Node& entry) {
  PatchOptions o;
  if (const Node* opts = entry.get("options"); opts && opts->is_mapping()) {
    if (const Node* v = opts->get("allowNameChange"))
      o.allow_name_change = v->as_bool().value_or(false);
    if (const Node* v = opts->get("allowKindChange"))
      o.allow_kind_change = v->as_bool().value_or(false);
  }
  return o;
}

void apply_smp_doc(ResSet& set, const Node& patch, const Target* target,
                   const SourceLocation& where, PatchOptions opts = {}) {
  if (!patch.is_mapping())
    throw InputError(patch.location(),
                     "a strategic merge patch must be a mapping, found " + describe_node(patch),
                     "write the fields to change, starting at apiVersion/kind/metadata");
  std::vector<size_t> matches;
  if (target) {
    for (size_t i = 0; i < set.size(); ++i)
      if (target->matches(set[i])) matches.push_back(i);
  } else {
    std::string av = patch.str("apiVersion"), kind = patch.str("kind");
    std::string name = patch.at({"metadata", "name"}) ? patch.at({"metadata", "name"})->text() : "";
    std::string ns =
        patch.at({"metadata", "namespace"}) ? patch.at({"metadata", "namespace"})->text() : "";
    for (size_t i = 0; i < set.size(); ++i) {
      const KRes& r = set[i];
      if (r.api_version() != av || r.kind() != kind) continue;
      bool cluster = is_cluster_scoped(av, kind);
      if (cluster ? r.had_name(name) : r.had_id(name, ns)) matches.push_back(i);
    }
    if (matches.empty()) {
      std::string g = av.find('/') == std::string::npos ? "" : av.substr(0, av.find('/'));
      std::string v = av.find('/') == std::string::npos ? av : av.substr(av.find('/') + 1);
      throw InputError(patch.location().path ? patch.location() : where,
                       "no resource matches strategic merge patch \"" + kind + "." + v + "." +
                           (g.empty() ? "[noGrp]" : g) + "/" + name + "." +
                           (ns.empty() ? "[noNs]" : ns) + "\"",
                       "the patch's apiVersion, kind and name must match an object of this "
                       "kustomization (before "
                       "its namePrefix)");
    }
  }
  std::vector<size_t> deleted;
  for (size_t i : matches) {
    KRes& r = set[i];
    std::string kind = r.kind(), name = r.name(), ns = r.ns();
    bool had_ns = r.body.at({"metadata", "namespace"}) != nullptr;
    if (!internal::apply_strategic_merge(r.body, patch)) {
      deleted.push_back(i);
      continue;
    }
    if (!opts.allow_kind_change) r.body.set("kind", Node::scalar(kind, false));
    if (!opts.allow_name_change)
      r.metadata().set("name", Node::scalar(name, true));
    else if (r.name() != name) {
      r.previous_names.push_back(name);
      r.previous_ids.emplace_back(name, ns);
    }
    if (had_ns)
      r.metadata().set("namespace", Node::scalar(ns, true));
    else
      r.metadata().erase("namespace");
  }
  for (auto it = deleted.rbegin(); it != deleted.rend(); ++it) set.erase(set.begin() + long(*it));
}

void apply_json_patch(ResSet& set, const Node& ops, const Target& target) {
  for (KRes& r : set) {
    if (!target.matches(r)) continue;
    std::string old = r.name();
    internal::apply_json6902(r.body, ops);
    if (r.name() != old) {
      r.previous_names.push_back(old);
      r.previous_ids.emplace_back(old, r.ns());
    }
  }
}

PatchText patch_text(const Kustomization& k, const Node& entry, const LoadLimits& limits) {
  if (const Node* p = entry.get("path"); p && p->is_scalar()) {
    std::string abs = restricted_file(k, *p);
    return {read_file(abs, limits), abs, p->location()};
  }
  if (const Node* p = entry.get("patch"); p && p->is_scalar()) {
    // Inline patch: locations point into the kustomization file.
    PatchText t{p->text(), k.file, p->location()};
    locate_inline_block(t, *p, limits);
    return t;
  }
  throw InputError(entry.location(), "a patch needs `path` or `patch`",
                   "give the patch file or inline text");
}

void apply_patches(const Kustomization& k, ResSet& set, const LoadLimits& limits) {
  // patchesStrategicMerge.
  if (const Node* psm = k.doc.get("patchesStrategicMerge"); psm && psm->is_sequence()) {
    for (const Node& e : psm->items()) {
      PatchText t;
      std::string s = e.text();
      if (s.find('\n') != std::string::npos || s.find(": ") != std::string::npos) {
        t = {s, k.file, e.location()};
      } else {
        std::string abs = restricted_file(k, e);
        t = {read_file(abs, limits), abs, e.location()};
      }
      for (const Node& doc : parse_patch_docs(t, limits)) apply_smp_doc(set, doc, nullptr, t.where);
    }
  }
  if (const Node* ps = k.doc.get("patches"); ps && ps->is_sequence()) {
    for (const Node& e : ps->items()) {
      if (!e.is_mapping())
        throw InputError(e.location(), "patches entries must be mappings", "give path: or patch:");
      for (const auto& [key, v] : e.fields())
        if (key != "path" && key != "patch" && key != "target" && key != "options")
          throw InputError(v.location(),
                           "invalid Kustomization: json: unknown field \"" + key + "\"",
                           "a patches entry takes path, patch, target and options");
      PatchText t = patch_text(k, e, limits);
      auto docs = parse_patch_docs(t, limits);
      const Node* tnode = e.get("target");
      Target target(tnode);
      if (docs.size() == 1 && docs[0].is_sequence()) {
        if (!tnode)
          throw InputError(e.location(), "unable to apply JSON patch without a target",
                           "add target: with kind and name");
        apply_json_patch(set, docs[0], target);
        continue;
      }
      if (tnode && docs.size() != 1)
        throw InputError(e.location(), "a patch with a target must hold exactly one document",
                         "split it into entries");
      for (const Node& doc : docs)
        apply_smp_doc(set, doc, tnode ? &target : nullptr, t.where, patch_options(e));
    }
  }
}

void apply_json6902_legacy(const Kustomization& k, ResSet& set, const LoadLimits& limits) {
  const Node* ps = k.doc.get("patchesJson6902");
  if (!ps || !ps->is_sequence()) return;
  for (const Node& e : ps->items()) {
    const Node* tnode = e.get("target");
    if (!tnode)
      throw InputError(e.location(), "patchesJson6902 entry needs a target", "add target:");
    PatchText t = patch_text(k, e, limits);
    auto docs = parse_patch_docs(t, limits);
    if (docs.size() != 1 || !docs[0].is_sequence())
      throw InputError(t.where, "a JSON 6902 patch must be one list of operations",
                       "write `- op: ...` entries");
    apply_json_patch(set, docs[0], Target(tnode));
  }
}

// ---- The build ----------------------------------------------------------------------------

class Builder {
 public:
  explicit Builder(const KustomizeOptions& options) : options_(options) {}

  // What a directory may hold where it is listed: under `resources` a Kustomization, under
  // `components` a Component; the directory built at the top may be either (`kubectl kustomize`
  // renders a Component on its own, as a Kustomization with the same fields).
  enum class Expect { kKustomization, kComponent, kEither };

  // Runs the kustomization (or component) at dir, adding to `set`.
  void run(const std::string& dir, ResSet& set, Expect expect, const SourceLocation& from) {
    std::string root = canonical_path(dir);
    std::error_code ec;
    if (!fs::is_directory(root, ec))
      throw InputError(from, "'" + dir + "' is neither a file nor a directory (" + root + ")",
                       "check the path; it is relative to the kustomization that lists it");
    for (const std::string& v : stack_)
      if (within(v, root))
        throw InputError(
            from, "cycle detected: candidate root '" + root + "' contains visited root '" + v + "'",
            "a kustomization may not include a directory that contains it");
    Kustomization k = load_kustomization(root, options_.limits);
    if (expect == Expect::kComponent && !k.component)
      throw InputError(from,
                       "expected kind 'Component' for path '" + root + "' but got '" +
                           (k.doc.str("kind").empty() ? "Kustomization" : k.doc.str("kind")) + "'",
                       "list kustomizations under resources:, components under components:");
    if (expect == Expect::kKustomization && k.component)
      throw InputError(from, "expected kind != 'Component' for path '" + root + "'",
                       "list components under components:");
    stack_.push_back(root);
    warn_deprecations(k);
    ResSet local;
    ResSet& target = k.component ? set : local;
    std::vector<const Node*> entries = string_list(k, "resources");
    for (const Node* b : string_list(k, "bases")) entries.push_back(b);
    for (const Node* e : entries) load_entry(k, *e, target);
    generate(k, target, "configMapGenerator", false, options_.limits);
    generate(k, target, "secretGenerator", true, options_.limits);
    for (const Node* c : string_list(k, "components"))
      run((fs::path(root) / c->text()).string(), target, Expect::kComponent, c->location());
    transform(k, target);
    if (!k.component) add_resources(set, std::move(local));
    stack_.pop_back();
  }

 private:
  void warn_deprecations(const Kustomization& k) {
    if (!options_.warnings) return;
    static const std::pair<const char*, const char*> kDeprecated[] = {
        {"bases", "resources"},
        {"commonLabels", "labels"},
        {"imageTags", "images"},
        {"patchesJson6902", "patches"},
        {"patchesStrategicMerge", "patches"},
        {"vars", "replacements"}};
    for (const auto& [field, instead] : kDeprecated)
      if (k.doc.get(field))
        options_.warnings->push_back(
            std::string("# Warning: '") + field + "' is deprecated. Please use '" + instead +
            "' instead. Run 'kustomize edit fix' to update your Kustomization automatically.");
  }

  void load_entry(const Kustomization& k, const Node& entry, ResSet& set) {
    std::string rel = entry.text();
    if (rel.find("://") != std::string::npos || rel.starts_with("github.com/") ||
        rel.starts_with("git@"))
      throw InputError(entry.location(),
                       "remote resource '" + rel + "' is not supported by kubetwin's kustomize",
                       "vendor the remote base into the repository and refer to it by path");
    fs::path p = fs::path(k.dir) / rel;
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) {
      std::string abs = restricted_file(k, entry);
      std::vector<KRes> batch;
      for (Resource& r : parse_resources(read_file(abs, options_.limits), abs, options_.limits))
        batch.push_back(KRes{std::move(r.body)});
      add_resources(set, std::move(batch));
      return;
    }
    if (fs::is_directory(p, ec)) {
      run(p.string(), set, Expect::kKustomization, entry.location());
      return;
    }
    throw InputError(entry.location(),
                     "accumulating resources: '" + rel + "' is neither a file nor a directory (" +
                         canonical_path(p) + ": no such file or directory)",
                     "check the path; it is relative to " + k.dir);
  }

  void transform(const Kustomization& k, ResSet& set) {
    apply_patches(k, set, options_.limits);
    if (const Node* ns = k.doc.get("namespace"); ns && ns->is_scalar() && !ns->text().empty())
      set_namespace(set, ns->text());
    std::string prefix = k.doc.str("namePrefix"), suffix = k.doc.str("nameSuffix");
    add_prefix_suffix(set, prefix, "");
    add_prefix_suffix(set, "", suffix);
    if (const Node* labels = k.doc.get("labels"); labels && !labels->is_null()) {
      if (!labels->is_sequence())
        throw InputError(labels->location(), "invalid Kustomization: labels must be a list",
                         "write `- pairs: {...}`");
      for (const Node& e : labels->items()) {
        if (!e.is_mapping())
          throw InputError(e.location(), "labels entries must be mappings",
                           "write `- pairs: {...}`");
        for (const auto& [key, v] : e.fields())
          if (key != "pairs" && key != "includeSelectors" && key != "includeTemplates" &&
              key != "fields")
            throw InputError(v.location(),
                             "invalid Kustomization: json: unknown field \"" + key + "\"",
                             "a labels entry takes pairs, includeSelectors, includeTemplates and "
                             "fields");
        bool sel =
            e.get("includeSelectors") && e.get("includeSelectors")->as_bool().value_or(false);
        bool tmpl =
            e.get("includeTemplates") && e.get("includeTemplates")->as_bool().value_or(false);
        apply_labels(set, pairs_of(e.get("pairs"), "labels.pairs"), sel, tmpl);
      }
    }
    apply_labels(set, pairs_of(k.doc.get("commonLabels"), "commonLabels"), true, true);
    apply_annotations(set, pairs_of(k.doc.get("commonAnnotations"), "commonAnnotations"));
    apply_json6902_legacy(k, set, options_.limits);
    apply_replicas(k, set);
    apply_images(k, set);
  }

  const KustomizeOptions& options_;
  std::vector<std::string> stack_;
};

// The legacy kind order of kustomize's output.
int kind_rank(const std::string& kind, const std::vector<std::string>* first,
              const std::vector<std::string>* last) {
  if (first || last) {  // sortOptions.legacySortOptions replaces both lists
    if (first)
      for (size_t i = 0; i < first->size(); ++i)
        if ((*first)[i] == kind) return int(i);
    if (last)
      for (size_t i = 0; i < last->size(); ++i)
        if ((*last)[i] == kind) return 1000 + int(i);
    return 500;
  }
  return legacy_kind_rank(kind);
}

std::string gvk_string(const KRes& r) {
  std::string g = r.group(), v = r.version(), k = r.kind();
  return (g.empty() ? "~G" : g) + "_" + (v.empty() ? "~V" : v) + "_" + (k.empty() ? "~K" : k);
}

void strip_internal_annotations(Node& body) {
  Node* md = body.get("metadata");
  if (!md) return;
  Node* ann = md->get("annotations");
  if (!ann || !ann->is_mapping()) return;
  auto& f = ann->fields();
  f.erase(std::remove_if(f.begin(), f.end(),
                         [](const auto& kv) {
                           return kv.first.starts_with("kustomize.config.k8s.io/") ||
                                  kv.first.starts_with("internal.config.kubernetes.io/") ||
                                  kv.first == "config.kubernetes.io/origin";
                         }),
          f.end());
}

}  // namespace

bool is_kustomization_dir(const std::string& dir) {
  std::error_code ec;
  for (const char* name : kKustomizationNames)
    if (fs::is_regular_file(fs::path(dir) / name, ec)) return true;
  return false;
}

ResourceList build_kustomization(const std::string& dir, const KustomizeOptions& options) {
  Builder builder(options);
  ResSet set;
  std::string root = canonical_path(dir);
  builder.run(dir, set, Builder::Expect::kEither, file_loc(dir));
  // Top level only: hash suffixes, name references, local-config, sort, internal annotations.
  for (KRes& r : set)
    if (r.generated && r.hash) r.rename(r.name() + "-" + name_hash(r));
  fix_name_references(set);
  set.erase(std::remove_if(set.begin(), set.end(),
                           [](const KRes& r) {
                             const Node* a = r.body.at(
                                 {"metadata", "annotations", "config.kubernetes.io/local-config"});
                             return a && !(a->is_scalar() && a->text() == "false");
                           }),
            set.end());
  bool fifo = false;
  std::optional<std::vector<std::string>> first, last;
  if (is_kustomization_dir(root)) {
    Kustomization k = load_kustomization(root, options.limits);
    if (const Node* so = k.doc.get("sortOptions"); so && so->is_mapping()) {
      if (so->str("order") == "fifo") fifo = true;
      if (const Node* legacy = so->get("legacySortOptions"); legacy && legacy->is_mapping()) {
        auto list = [&](const char* key) {
          std::vector<std::string> out;
          if (const Node* l = legacy->get(key); l && l->is_sequence())
            for (const Node& item : l->items()) out.push_back(item.text());
          return out;
        };
        first = list("orderFirst");
        last = list("orderLast");
      }
    }
  }
  if (!fifo) {
    const auto* fp = first ? &*first : nullptr;
    const auto* lp = last ? &*last : nullptr;
    std::stable_sort(set.begin(), set.end(), [&](const KRes& a, const KRes& b) {
      int ra = kind_rank(a.kind(), fp, lp), rb = kind_rank(b.kind(), fp, lp);
      if (ra != rb) return ra < rb;
      std::string ga = gvk_string(a), gb = gvk_string(b);
      if (ga != gb) return ga < gb;
      std::string na = a.ns().empty() ? "~X" : a.ns(), nb = b.ns().empty() ? "~X" : b.ns();
      if (na != nb) return na < nb;
      return a.name() < b.name();
    });
  }
  ResourceList out;
  out.reserve(set.size());
  for (KRes& r : set) {
    strip_internal_annotations(r.body);
    out.push_back(Resource{std::move(r.body)});
  }
  return out;
}

int legacy_kind_rank(const std::string& kind) {
  static const char* const kFirst[] = {"Namespace",
                                       "ResourceQuota",
                                       "StorageClass",
                                       "CustomResourceDefinition",
                                       "ServiceAccount",
                                       "PodSecurityPolicy",
                                       "Role",
                                       "ClusterRole",
                                       "RoleBinding",
                                       "ClusterRoleBinding",
                                       "ConfigMap",
                                       "Secret",
                                       "Endpoints",
                                       "Service",
                                       "LimitRange",
                                       "PriorityClass",
                                       "PersistentVolume",
                                       "PersistentVolumeClaim",
                                       "Deployment",
                                       "StatefulSet",
                                       "CronJob",
                                       "PodDisruptionBudget"};
  for (int i = 0; i < int(std::size(kFirst)); ++i)
    if (kind == kFirst[i]) return i;
  if (kind == "MutatingWebhookConfiguration") return 1000;
  if (kind == "ValidatingWebhookConfiguration") return 1001;
  return 500;
}

}  // namespace kubetwin::k8s
