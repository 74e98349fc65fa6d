// The resource types kubectl knows without discovery: names, short names, group, scope.
//
// kubectl resolves `get po`, `get deployments.apps`, `get Deployment` through API discovery; the
// twin has no API server, so this table is that discovery for the built-in kinds it prints.
// Lookups are case-insensitive and accept plural, singular, short names and `plural.group`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace kubetwin::report {

struct ResourceType {
  const char* plural;    // "deployments"
  const char* singular;  // "deployment"
  const char* kind;      // "Deployment"
  const char* group;     // "apps", "" for core
  const char* version;   // "v1"
  bool namespaced;
  std::vector<std::string> short_names;  // {"deploy"}

  // "deployments.apps" or "pods": how the API server names the resource in messages.
  std::string qualified_plural() const;
  // "deployment.apps/NAME" or "pod/NAME": kubectl's `-o name` and apply/`all` prefix.
  std::string kubectl_name(std::string_view name) const;
  std::string api_version() const;  // "apps/v1", "v1"
};

// nullptr when kubectl would say `the server doesn't have a resource type "x"`.
const ResourceType* find_resource_type(std::string_view alias);
// The type of a kind as written in a manifest ("Deployment", group "apps"); nullptr when unknown.
const ResourceType* resource_type_for_kind(std::string_view kind, std::string_view group);
// `lower(kind)[.group]/name` for any kind, known or not (custom resources keep their group).
std::string kubectl_object_name(std::string_view kind, std::string_view group,
                                std::string_view name);
// Whether a kind lives in a namespace; unknown kinds (custom resources) are taken as namespaced.
bool is_namespaced_kind(std::string_view kind, std::string_view group);
// Every built-in type, in discovery order (what `kubetwin serve` lists).
std::vector<const ResourceType*> builtin_resource_types();
// The types `get all` expands to, in kubectl's order.
std::vector<const ResourceType*> all_category_types();

// `s` with ASCII letters in lower case (kinds, resources, reasons).
std::string lower_ascii(std::string_view s);

}  // namespace kubetwin::report
