// Tests of Node (scalar typing, mapping edits) and Resource identity accessors.
#include "kubetwin/k8s/node.hpp"

#include <gtest/gtest.h>

#include "kubetwin/k8s/resource.hpp"

namespace kubetwin::k8s {
namespace {

TEST(Node, ScalarTypesFollowYamlCoreRules) {
  EXPECT_EQ(Node::scalar("3", false).scalar_type(), Node::ScalarType::kInt);
  EXPECT_EQ(Node::scalar("3", true).scalar_type(), Node::ScalarType::kString);
  EXPECT_EQ(Node::scalar("0x10", false).as_int(), 16);
  EXPECT_EQ(Node::scalar("017", false).as_int(), 15);
  EXPECT_EQ(Node::scalar("1.5", false).scalar_type(), Node::ScalarType::kFloat);
  EXPECT_EQ(Node::scalar("1e3", false).scalar_type(), Node::ScalarType::kFloat);
  EXPECT_EQ(Node::scalar("true", false).as_bool(), true);
  EXPECT_EQ(Node::scalar("yes", false).scalar_type(), Node::ScalarType::kString);
  EXPECT_EQ(Node::scalar("~", false).scalar_type(), Node::ScalarType::kNull);
  EXPECT_EQ(Node::scalar("250m", false).scalar_type(), Node::ScalarType::kString);
  EXPECT_EQ(Node().scalar_type(), Node::ScalarType::kNull);
}

TEST(Node, MappingKeepsOrderAndEdits) {
  Node m = Node::mapping();
  m.set("b", Node::scalar("1", false));
  m.set("a", Node::scalar("x"));
  m.set("b", Node::scalar("2", false));
  ASSERT_EQ(m.fields().size(), 2u);
  EXPECT_EQ(m.fields()[0].first, "b");
  EXPECT_EQ(m.str("b"), "2");
  EXPECT_TRUE(m.erase("a"));
  EXPECT_FALSE(m.erase("a"));
  EXPECT_EQ(m.str("a", "none"), "none");
}

TEST(Resource, IdentityAccessors) {
  Resource r;
  r.body = Node::mapping();
  r.body.set("apiVersion", Node::scalar("apps/v1", false));
  r.body.set("kind", Node::scalar("Deployment", false));
  Node& md = r.body.set("metadata", Node::mapping());
  md.set("name", Node::scalar("web", false));
  md.set("namespace", Node::scalar("prod", false));
  md.set("labels", Node::mapping()).set("app", Node::scalar("web", false));
  EXPECT_EQ(r.group(), "apps");
  EXPECT_EQ(r.name(), "web");
  EXPECT_EQ(r.namespace_name(), "prod");
  EXPECT_EQ(r.labels().at("app"), "web");
  EXPECT_TRUE(r.annotations().empty());
  ASSERT_NE(r.body.at({"metadata", "labels", "app"}), nullptr);
}

}  // namespace
}  // namespace kubetwin::k8s
