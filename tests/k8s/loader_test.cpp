// Tests of the YAML loader: locations, typing, resource checks and refusals of hostile input.
#include "kubetwin/k8s/loader.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace kubetwin::k8s {
namespace {

namespace fs = std::filesystem;

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.diagnostic().format();
  }
  return "(no error)";
}

TEST(Loader, MultiDocumentWithLocations) {
  auto docs = parse_resources(
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: \"1\"\n  n: 2\n"
      "---\n---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {x: [1, "
      "2]}\n",
      "m.yaml");
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0].location().str(), "m.yaml:1:1");
  const Node* k = docs[0].body.at({"data", "k"});
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->location().str(), "m.yaml:6:6");
  EXPECT_EQ(k->scalar_type(), Node::ScalarType::kString);
  EXPECT_EQ(docs[0].body.at({"data", "n"})->as_int(), 2);
  EXPECT_EQ(docs[1].kind(), "Widget");
  EXPECT_EQ(docs[1].group(), "example.com");
  EXPECT_EQ(docs[1].body.at({"spec", "x"})->items()[1].location().str(), "m.yaml:13:15");
}

TEST(Loader, ListKindsAreFlattened) {
  auto docs = parse_resources(
      "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Service, metadata: {name: a}}\n"
      "- {apiVersion: v1, kind: Service, metadata: {name: b}}\n",
      "l.yaml");
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[1].name(), "b");
}

TEST(Loader, MalformedYamlNamesThePlace) {
  std::string e = error_of([] { parse_resources("a: b\n  c: d\n", "bad.yaml"); });
  EXPECT_NE(e.find("bad.yaml:2:"), std::string::npos) << e;
  EXPECT_NE(e.find("invalid YAML"), std::string::npos) << e;
  EXPECT_NE(e.find("hint:"), std::string::npos) << e;
  e = error_of([] { parse_resources("a: [1, 2\n", "bad.yaml"); });
  EXPECT_NE(e.find("bad.yaml:"), std::string::npos) << e;
  e = error_of([] { parse_resources("a: 1\na: 2\n", "dup.yaml"); });
  EXPECT_NE(e.find("dup.yaml:2:1: mapping key \"a\" already defined"), std::string::npos) << e;
}

// Found by tests/fuzz (yaml): yaml-cpp 0.7 answers a stray ',' at document level with empty
// documents forever; the loader must refuse it at its place instead of looping.
TEST(Loader, StrayCommaOutsideAFlowCollectionIsAnErrorNotALoop) {
  EXPECT_TRUE(error_of([] { parse_yaml_documents(",\n", "comma.yaml"); })
                  .starts_with("comma.yaml:1:1: invalid YAML: did not find expected node content\n"
                               "  hint: "));
  EXPECT_EQ(error_of([] { parse_yaml_documents("- a\n- b\n[c],\n", "comma.yaml"); }).substr(0, 15),
            "comma.yaml:3:4:");
  // Empty documents still parse as nothing, and several documents are not mistaken for a loop.
  EXPECT_TRUE(parse_yaml_documents("---\n---\n", "empty.yaml").empty());
  EXPECT_EQ(parse_yaml_documents("a: 1\n---\nb: 2\n", "two.yaml").size(), 2u);
}

// Found by tests/fuzz (yaml): bytes that are not UTF-8 went through yaml-cpp and came out of the
// emitter folded differently each time. Refused at their place, as kubectl (go-yaml) refuses them.
TEST(Loader, BytesThatAreNotUtf8AreRefusedAtTheirPlace) {
  for (const char* bad : {"a: b\n  c: \xFF\n", "a: \xC3\n", "a: \xC0\xAF\n", "a: \xED\xA0\x80\n"}) {
    SCOPED_TRACE(bad);
    const std::string e = error_of([&] { parse_yaml_documents(bad, "latin1.yaml"); });
    EXPECT_NE(e.find("invalid YAML: invalid UTF-8 byte sequence"), std::string::npos) << e;
  }
  EXPECT_TRUE(error_of([] {
                parse_yaml_documents("a: 1\nb: \xFF\n", "latin1.yaml");
              }).starts_with("latin1.yaml:2:4: "));
  // Well-formed UTF-8 of every length, and a byte-order mark, still parse.
  EXPECT_EQ(parse_yaml_documents("\xEF\xBB\xBF"
                                 "a: \"\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"\n",
                                 "utf8.yaml")
                .size(),
            1u);
}

TEST(Loader, WrongTypesAreClearErrors) {
  std::string e =
      error_of([] { parse_resources("apiVersion: v1\nkind: Pod\nmetadata: 5\n", "t.yaml"); });
  EXPECT_NE(e.find("t.yaml:3:11: metadata must be a mapping, found an integer 5"),
            std::string::npos)
      << e;
  e = error_of([] { parse_resources("apiVersion: v1\nmetadata: {name: x}\n", "t.yaml"); });
  EXPECT_NE(e.find("t.yaml:1:1: missing kind"), std::string::npos) << e;
  e = error_of(
      [] { parse_resources("apiVersion: v1\nkind: [a]\nmetadata: {name: x}\n", "t.yaml"); });
  EXPECT_NE(e.find("t.yaml:2:7: kind must be a string, found a sequence"), std::string::npos) << e;
  e = error_of(
      [] { parse_resources("apiVersion: v1\nkind: Pod\nmetadata: {labels: {a: b}}\n", "t.yaml"); });
  EXPECT_NE(e.find("missing metadata.name"), std::string::npos) << e;
  e = error_of([] { parse_resources("- a\n- b\n", "t.yaml"); });
  EXPECT_NE(e.find("t.yaml:1:1: a Kubernetes object must be a mapping, found a sequence"),
            std::string::npos)
      << e;
}

// How fast the refusal comes is bench/k8s_bench.cpp's BM_AliasBombRefused, not a test's.
TEST(Loader, AliasBombIsRefused) {
  std::string bomb =
      "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n";
  char prev = 'a';
  for (char c = 'b'; c <= 'j'; ++c) {
    bomb += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 9; ++i) bomb += std::string(i ? "," : "") + "*" + prev;
    bomb += "]\n";
    prev = c;
  }
  std::string e = error_of([&] { parse_yaml_documents(bomb, "bomb.yaml"); });
  EXPECT_NE(e.find("bomb.yaml:"), std::string::npos) << e;
  EXPECT_NE(e.find("alias expansion limit"), std::string::npos) << e;
  // Moderate alias use is fine and expanded.
  auto docs = parse_yaml_documents("a: &x {k: v}\nb: *x\n", "ok.yaml");
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0].at({"b", "k"})->text(), "v");
}

TEST(Loader, DeepNestingIsRefused) {
  std::string deep(100000, '[');
  std::string e = error_of([&] { parse_yaml_documents(deep, "deep.yaml"); });
  EXPECT_NE(e.find("deep.yaml:1:"), std::string::npos) << e;
  EXPECT_NE(e.find("nesting"), std::string::npos) << e;
}

// How fast (the size is judged before reading) is bench/k8s_bench.cpp's BM_OversizedFileRefused.
TEST(Loader, OversizedFileIsRefusedNamingTheLimit) {
  fs::path dir = fs::temp_directory_path() / ("kubetwin-loader-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::path big = dir / "big.yaml";
  {
    std::ofstream out(big);
    std::string line =
        "# padding padding padding padding padding padding padding padding padding\n";
    for (std::size_t written = 0; written < (std::size_t{50} << 20); written += line.size())
      out << line;
  }
  std::string e = error_of([&] { load_manifests(big.string()); });
  EXPECT_NE(e.find(big.string() + ": file is 50.0 MiB, above the 16.0 MiB limit"),
            std::string::npos)
      << e;
  e = error_of([&] { load_manifests((dir / "missing.yaml").string()); });
  EXPECT_NE(e.find("missing.yaml: no such file"), std::string::npos) << e;
  fs::remove_all(dir);
}

TEST(Loader, ThousandsOfLinesAndUnknownKindsLoad) {
  std::string text;
  for (int i = 0; i < 3000; ++i)
    text += "---\napiVersion: stable.example.com/v1\nkind: CronTab\nmetadata:\n  name: c" +
            std::to_string(i) + "\nspec:\n  cronSpec: '* * * * */5'\n";
  auto docs = parse_resources(text, "many.yaml");
  ASSERT_EQ(docs.size(), 3000u);
  EXPECT_EQ(docs[2999].location().line, 2999 * 7 + 2);
}

}  // namespace
}  // namespace kubetwin::k8s

namespace kubetwin::k8s {
namespace {

// Must-show 4: the kinds real repositories carry load as plain resources, deep CRD schemas
// included.
TEST(Loader, RealWorldKindsLoad) {
  std::string crd =
      "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: "
      "kafkas.kafka.strimzi.io\n"
      "spec:\n  group: kafka.strimzi.io\n  names: {kind: Kafka, plural: kafkas}\n  scope: "
      "Namespaced\n  versions:\n"
      "  - name: v1beta2\n    served: true\n    storage: true\n    schema:\n      "
      "openAPIV3Schema:\n";
  std::string indent = "        ";
  for (int i = 0; i < 40; ++i) {  // a deeply nested schema, as generated CRDs have
    crd += indent + "type: object\n" + indent + "x-kubernetes-preserve-unknown-fields: true\n" +
           indent + "properties:\n";
    indent += "  ";
    crd += indent + "f" + std::to_string(i) + ":\n";
    indent += "  ";
  }
  crd += indent + "type: string\n";
  std::string rest =
      "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: "
      "crb}\n"
      "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}\n"
      "subjects: [{kind: ServiceAccount, name: sa, namespace: ns}]\n"
      "---\napiVersion: batch/v1\nkind: Job\nmetadata: {name: migrate, namespace: ns}\n"
      "spec: {backoffLimit: 2, template: {spec: {restartPolicy: Never, containers: [{name: m, "
      "image: m}]}}}\n"
      "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\n  "
      "annotations:\n"
      "    konghq.com/strip-path: \"true\"\nspec:\n  ingressClassName: kong\n  rules:\n  - host: "
      "a.example.com\n"
      "---\napiVersion: kafka.strimzi.io/v1beta2\nkind: Kafka\nmetadata: {name: k}\nspec: {kafka: "
      "{replicas: 3}}\n";
  auto rs = parse_resources(crd + rest, "real.yaml");
  ASSERT_EQ(rs.size(), 5u);
  EXPECT_EQ(rs[0].kind(), "CustomResourceDefinition");
  EXPECT_EQ(rs[1].kind(), "ClusterRoleBinding");
  EXPECT_EQ(rs[2].namespace_name(), "ns");
  EXPECT_EQ(rs[3].annotations().at("konghq.com/strip-path"), "true");
  EXPECT_EQ(rs[4].group(), "kafka.strimzi.io");
  EXPECT_EQ(rs[4].body.at({"spec", "kafka", "replicas"})->as_int(), 3);
}

}  // namespace
}  // namespace kubetwin::k8s
