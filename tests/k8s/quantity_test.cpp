// Tests of quantity parsing against resource.ParseQuantity's behaviour.
#include "kubetwin/k8s/quantity.hpp"

#include <gtest/gtest.h>

namespace kubetwin::k8s {
namespace {

int64_t milli(std::string_view s) {
  auto q = try_parse_quantity(s);
  EXPECT_TRUE(q.has_value()) << s;
  return q ? q->milli() : -1;
}

TEST(Quantity, ParsesCpuAndMemoryForms) {
  EXPECT_EQ(milli("250m"), 250);
  EXPECT_EQ(milli("1.5"), 1500);
  EXPECT_EQ(milli("2"), 2000);
  EXPECT_EQ(milli("0.1"), 100);
  EXPECT_EQ(milli(".5"), 500);
  EXPECT_EQ(try_parse_quantity("64Mi")->value(), 64LL << 20);
  EXPECT_EQ(try_parse_quantity("1G")->value(), 1000000000LL);
  EXPECT_EQ(try_parse_quantity("20Gi")->value(), 20LL << 30);
  EXPECT_EQ(try_parse_quantity("1e3")->value(), 1000);
  EXPECT_EQ(try_parse_quantity("1.5Gi")->value(), 3LL << 29);
  EXPECT_EQ(try_parse_quantity("128974848")->value(), 128974848);
  EXPECT_EQ(try_parse_quantity("129e6")->value(), 129000000);
  EXPECT_EQ(try_parse_quantity("1Ki")->milli(), 1024000);
  EXPECT_EQ(milli("100u"), 1);  // rounds up, as MilliValue does
  EXPECT_EQ(try_parse_quantity("250m")->value(), 1);
  EXPECT_EQ(milli("-1"), -1000);
  EXPECT_EQ(milli("1E-3"), 1);
}

TEST(Quantity, RejectsWithTheApiServersWording) {
  for (std::string_view bad : {"abc", "1.2.3", "", "Mi", "1 Gi", "1Gb", "--1", "1e"}) {
    std::string error;
    EXPECT_FALSE(try_parse_quantity(bad, &error).has_value()) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
  std::string error;
  try_parse_quantity("abc", &error);
  EXPECT_EQ(error, kQuantityFormatError);
  try_parse_quantity("1Gb", &error);
  EXPECT_EQ(error, kQuantityFormatError);
  try_parse_quantity("1Qi", &error);
  EXPECT_EQ(error, kQuantityFormatError);
  try_parse_quantity("99999999999999999999Ei", &error);
  EXPECT_EQ(error, "quantity is too large");
}

// Found by tests/fuzz (quantity): a long mantissa times a large suffix overflowed 128 bits
// (undefined behaviour) before the size check; now refused as too large, whatever the sign.
TEST(Quantity, LongMantissasWithLargeSuffixesAreTooLargeNotOverflows) {
  for (std::string_view big :
       {"-2222222222222222222222P", "2222222222222222222222P", "999999999999999999999999999999E",
        "999999999999999999999999999999Ei", "99999999999999999999999999999e20"}) {
    std::string error;
    EXPECT_FALSE(try_parse_quantity(big, &error).has_value()) << big;
    EXPECT_EQ(error, "quantity is too large") << big;
  }
  // The largest still fine: 9223372036854775807m, and 8Ei - 1 bytes' neighbourhood.
  ASSERT_TRUE(try_parse_quantity("9223372036854775807m").has_value());
  EXPECT_EQ(try_parse_quantity("9223372036854775807m")->milli(), INT64_MAX);
  EXPECT_TRUE(try_parse_quantity("8P").has_value());
}

TEST(Quantity, NodeErrorsCarryLocation) {
  auto path = std::make_shared<const std::string>("d.yaml");
  Node n = Node::scalar("12x", false, SourceLocation{path, 20, 14});
  try {
    parse_quantity(n, "resources.requests.cpu");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(
        e.diagnostic().format().find(
            "d.yaml:20:14: resources.requests.cpu: Invalid value: \"12x\": quantities must match"),
        std::string::npos)
        << e.what();
  }
  EXPECT_EQ(parse_quantity(Node::scalar("2", false), "cpu").milli(), 2000);
}

}  // namespace
}  // namespace kubetwin::k8s
