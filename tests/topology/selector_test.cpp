// kubectl `-l` selectors (topology/selector.hpp): what parses, what is refused as kubectl refuses
// it, and str() giving text that parses to the same selector.
#include "kubetwin/topology/selector.hpp"

#include <gtest/gtest.h>

namespace kubetwin::topology {
namespace {

std::string round_trip(const std::string& text) {
  LabelSelector s;
  if (!parse_label_selector(text, s)) return "(refused)";
  return s.str();
}

TEST(Selector, ParsesKubectlSyntax) {
  EXPECT_EQ(round_trip("app=x"), "app=x");
  EXPECT_EQ(round_trip("app==x"), "app=x");
  EXPECT_EQ(round_trip("app=x,tier!=y"), "app=x,tier notin (y)");
  EXPECT_EQ(round_trip("env in (a, b),!gone,k"), "env in (a,b),!gone,k");
  EXPECT_EQ(round_trip("example.com/name=v-1.2_3"), "example.com/name=v-1.2_3");
  EXPECT_EQ(round_trip("app="), "app=");
  EXPECT_EQ(round_trip(""), "");
  EXPECT_EQ(round_trip("abe!="), "abe!=");  // found by tests/fuzz: once rendered "abe notin ()"
  EXPECT_EQ(round_trip("x in(a)"), "x in (a)");
  EXPECT_EQ(round_trip("x\tin\n(a)"), "x in (a)");
}

// apimachinery reads in/notin values as a set, checked against kubectl 1.32
// (`kubectl set selector --local -f svc.yaml 'x in ()'` reports [{x In []}], and (b,a,b) as
// [a b]): "()" and "(,)" are the set of the empty value, duplicates count once, sorted. Found by
// tests/fuzz selector: "nv in (,<newline>)" printed as "nv in ()", which the twin then refused.
TEST(Selector, ValueSetsAsKubectlReadsThem) {
  EXPECT_EQ(round_trip("x in ()"), "x in ()");
  EXPECT_EQ(round_trip("x in (,)"), "x in ()");
  EXPECT_EQ(round_trip("nv in (,\n)"), "nv in ()");
  EXPECT_EQ(round_trip("x in (b,a,b)"), "x in (a,b)");
  EXPECT_EQ(round_trip("x notin ( )"), "x!=");
  LabelSelector s;
  ASSERT_TRUE(parse_label_selector("x in ()", s));
  EXPECT_TRUE(s.matches({{"x", ""}}));
  EXPECT_FALSE(s.matches({{"x", "a"}}));
  EXPECT_FALSE(s.matches({}));
}

// Found by tests/fuzz (selector): "b===" was read as b = "=", which str() renders as "b==", a
// different selector. Keys and values the API server would not store are refused, as kubectl does.
TEST(Selector, RefusesWhatKubectlRefuses) {
  for (const char* bad :
       {"b===", "a=b=c", "=x", "!=x", "!", "a b=c", "a=b c", "x in (a b)", "xin(a)", "-a=b", "a=-b",
        "Example.com/a=b", "/a=b", "a/=b", "a=,", ",a=b"}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(round_trip(bad), "(refused)");
  }
  EXPECT_EQ(round_trip(std::string(64, 'a') + "=b"), "(refused)");
  EXPECT_EQ(round_trip("a=" + std::string(64, 'b')), "(refused)");
  EXPECT_EQ(round_trip("a=" + std::string(63, 'b')), "a=" + std::string(63, 'b'));
}

TEST(Selector, StrParsesBackToTheSameSelector) {
  for (const char* text : {"app=x,tier!=y", "env in (a,b),!gone,k", "a.b/c-d notin (e,f_g)",
                           "abe!=", "a notin (,b)"}) {
    SCOPED_TRACE(text);
    const std::string once = round_trip(text);
    EXPECT_EQ(round_trip(once), once);
  }
}

}  // namespace
}  // namespace kubetwin::topology
