// Loading the model index (twin.yaml) and rendering what each environment applies.
#include "kubetwin/topology/twin_index.hpp"

#include <filesystem>
#include <memory>
#include <set>

#include "kubetwin/k8s/kustomize.hpp"
#include "kubetwin/k8s/loader.hpp"

namespace kubetwin::topology {

namespace fs = std::filesystem;

namespace {

constexpr const char* kIndexFileName = "twin.yaml";
constexpr const char* kIndexHint =
    "a twin.yaml is `kind: Twin` with spec.environments[] = {name, highlyAvailable, namespaces, "
    "apply: [{kustomize: DIR} | {file: PATH}]} (see models/README.md)";

[[noreturn]] void fail(const k8s::SourceLocation& where, const std::string& message) {
  throw k8s::InputError(where, message, kIndexHint);
}

std::string required_string(const k8s::Node& map, const char* key, const std::string& what) {
  const k8s::Node* n = map.get(key);
  if (!n) fail(map.location(), what + " needs `" + key + "`");
  if (!n->is_scalar() || n->text().empty())
    fail(n->location(),
         what + ": `" + key + "` must be a non-empty string, found " + k8s::describe_node(*n));
  return n->text();
}

std::string optional_string(const k8s::Node& map, const char* key) {
  const k8s::Node* n = map.get(key);
  if (!n || n->is_null()) return "";
  if (!n->is_scalar())
    fail(n->location(),
         "`" + std::string(key) + "` must be a string, found " + k8s::describe_node(*n));
  return n->text();
}

std::string resolve(const std::string& base_dir, const std::string& p) {
  if (fs::path(p).is_absolute()) return fs::path(p).lexically_normal().string();
  return (fs::path(base_dir) / p).lexically_normal().string();
}

TwinEnvironment read_environment(const k8s::Node& env, const std::string& base_dir) {
  if (!env.is_mapping())
    fail(env.location(), "an environment must be a mapping, found " + k8s::describe_node(env));
  TwinEnvironment out;
  out.where = env.location();
  out.name = required_string(env, "name", "an environment");
  const std::string what = "environment \"" + out.name + "\"";
  if (const k8s::Node* ha = env.get("highlyAvailable")) {
    auto b = ha->is_scalar() ? ha->as_bool() : std::nullopt;
    if (!b)
      fail(ha->location(),
           what + ": `highlyAvailable` must be true or false, found " + k8s::describe_node(*ha));
    out.highly_available = *b;
  }
  if (const k8s::Node* nss = env.get("namespaces")) {
    if (!nss->is_sequence())
      fail(nss->location(),
           what + ": `namespaces` must be a list, found " + k8s::describe_node(*nss));
    for (const k8s::Node& ns : nss->items()) {
      if (!ns.is_scalar() || ns.text().empty())
        fail(ns.location(),
             what + ": a namespace must be a string, found " + k8s::describe_node(ns));
      out.namespaces.push_back(ns.text());
    }
  }
  const k8s::Node* apply = env.get("apply");
  if (!apply) fail(env.location(), what + " has no `apply` list");
  if (!apply->is_sequence())
    fail(apply->location(), what + ": `apply` must be a list, found " + k8s::describe_node(*apply));
  for (const k8s::Node& step : apply->items()) {
    if (!step.is_mapping())
      fail(step.location(),
           what + ": an apply step must be a mapping, found " + k8s::describe_node(step));
    TwinApplyStep s;
    s.where = step.location();
    const std::string k = optional_string(step, "kustomize");
    const std::string f = optional_string(step, "file");
    if (!k.empty() == !f.empty())
      fail(step.location(),
           what + ": an apply step needs exactly one of `kustomize: DIR` or `file: PATH`");
    s.kustomize = !k.empty();
    s.path = resolve(base_dir, s.kustomize ? k : f);
    out.apply.push_back(std::move(s));
  }
  if (const k8s::Node* eps = env.get("entrypoints")) {
    if (!eps->is_sequence())
      fail(eps->location(),
           what + ": `entrypoints` must be a list, found " + k8s::describe_node(*eps));
    for (const k8s::Node& ep : eps->items()) {
      if (!ep.is_mapping())
        fail(ep.location(),
             what + ": an entrypoint must be a mapping, found " + k8s::describe_node(ep));
      out.entrypoints.push_back(TwinEntrypoint{optional_string(ep, "gateway"),
                                               optional_string(ep, "url"),
                                               optional_string(ep, "host"), ep.location()});
    }
  }
  return out;
}

std::string index_file(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec))
    return (fs::path(path) / kIndexFileName).lexically_normal().string();
  return fs::path(path).lexically_normal().string();
}

}  // namespace

const TwinEnvironment* TwinIndex::find_environment(const std::string& env_name) const {
  for (const TwinEnvironment& e : environments)
    if (e.name == env_name) return &e;
  return nullptr;
}

TwinIndex twin_index_from_node(const k8s::Node& doc, const std::string& base_dir) {
  if (!doc.is_mapping()) fail(doc.location(), "the model index must be a mapping");
  if (doc.str("kind") != "Twin")
    fail(doc.get("kind") ? doc.get("kind")->location() : doc.location(),
         "expected `kind: Twin`, found `" + doc.str("kind") + "`");
  TwinIndex index;
  if (const k8s::Node* meta = doc.get("metadata"); meta && meta->is_mapping()) {
    index.name = meta->str("name");
    index.description = meta->str("description");
  }
  const k8s::Node* spec = doc.get("spec");
  if (!spec || !spec->is_mapping()) fail(doc.location(), "the model index has no `spec` mapping");
  if (std::string c = optional_string(*spec, "cluster"); !c.empty())
    index.cluster = resolve(base_dir, c);
  if (std::string b = optional_string(*spec, "behaviour"); !b.empty())
    index.behaviour = resolve(base_dir, b);
  const k8s::Node* envs = spec->get("environments");
  if (!envs) fail(spec->location(), "spec needs `environments`");
  if (!envs->is_sequence())
    fail(envs->location(), "spec.environments must be a list, found " + k8s::describe_node(*envs));
  std::set<std::string> names;
  std::set<std::string> namespaces;
  for (const k8s::Node& env : envs->items()) {
    TwinEnvironment e = read_environment(env, base_dir);
    if (!names.insert(e.name).second)
      fail(e.where, "environment \"" + e.name + "\" is declared twice");
    for (const std::string& ns : e.namespaces)
      if (!namespaces.insert(ns).second)
        fail(e.where, "namespace " + ns + " belongs to two environments");
    index.environments.push_back(std::move(e));
  }
  return index;
}

TwinIndex load_twin_index(const std::string& path) {
  const std::string file = index_file(path);
  const std::string text = k8s::read_file(file);
  std::vector<k8s::Node> docs = k8s::parse_yaml_documents(text, file);
  if (docs.empty())
    fail(k8s::SourceLocation{std::make_shared<const std::string>(file), 0, 0},
         "the model index is empty");
  TwinIndex index = twin_index_from_node(docs.front(), fs::path(file).parent_path().string());
  index.path = file;
  return index;
}

bool is_twin_index(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return fs::is_regular_file(fs::path(path) / kIndexFileName, ec);
  if (!fs::is_regular_file(path, ec)) return false;
  try {
    std::vector<k8s::Node> docs = k8s::parse_yaml_documents(k8s::read_file(path), path);
    return !docs.empty() && docs.front().is_mapping() && docs.front().str("kind") == "Twin";
  } catch (const k8s::InputError&) {
    return false;
  }
}

k8s::ResourceList render_environment(const TwinEnvironment& environment) {
  k8s::ResourceList out;
  for (const TwinApplyStep& step : environment.apply) {
    std::error_code ec;
    if (!fs::exists(step.path, ec))
      throw k8s::InputError(
          step.where, "environment \"" + environment.name + "\": " + step.path + " does not exist",
          "paths in twin.yaml are relative to the twin.yaml's directory");
    k8s::ResourceList part =
        step.kustomize ? k8s::build_kustomization(step.path) : k8s::load_manifests(step.path);
    for (k8s::Resource& r : part) out.push_back(std::move(r));
  }
  return out;
}

}  // namespace kubetwin::topology
