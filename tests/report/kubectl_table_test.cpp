// Tests of kubectl's table text: tabwriter spacing, AGE, and table rendering.
#include "kubetwin/report/kubectl_table.hpp"

#include <gtest/gtest.h>

namespace kubetwin::report {
namespace {

TEST(TabWriter, GetSpacingIsLongestPlusThreeWithMinimumSix) {
  TabWriter tw = TabWriter::for_get();
  tw << "NAME\tREADY\tSTATUS\n";
  tw << "web-7d4b9c8f6d-x2x9z\t1/1\tRunning\n";
  EXPECT_EQ(tw.flush(),
            "NAME                   READY   STATUS\n"
            "web-7d4b9c8f6d-x2x9z   1/1     Running\n");
}

TEST(TabWriter, ShortColumnsGetMinimumWidthSix) {
  TabWriter tw = TabWriter::for_get();
  tw << "A\tB\tC\n";
  EXPECT_EQ(tw.flush(), "A     B     C\n");
}

TEST(TabWriter, LastCellIsNotPaddedButEmptyInnerCellsAre) {
  TabWriter tw = TabWriter::for_get();
  tw << "x\t\tlast\n";
  EXPECT_EQ(tw.flush(), "x           last\n");
}

TEST(TabWriter, LineWithoutTabEndsTheColumnBlock) {
  TabWriter tw = TabWriter::for_describe();
  tw << "Name:\tweb\n";
  tw << "Labels:\tapp=web\n";
  tw << "Containers:\n";
  tw << "  nginx:\n";
  tw << "    Image:\tnginx:1.27\n";
  tw << "    Restart Count:\t0\n";
  EXPECT_EQ(tw.flush(),
            "Name:    web\n"
            "Labels:  app=web\n"
            "Containers:\n"
            "  nginx:\n"
            "    Image:          nginx:1.27\n"
            "    Restart Count:  0\n");
}

TEST(TabWriter, NestedColumnBlocksAlignIndependently) {
  // A second column exists only on some lines: its block spans just those lines.
  TabWriter tw = TabWriter::for_describe();
  tw << "Port:\thttp\t80/TCP\n";
  tw << "TargetPort:\t8080/TCP\n";
  tw << "Endpoints:\t10.0.0.1:8080\n";
  EXPECT_EQ(tw.flush(),
            "Port:        http  80/TCP\n"
            "TargetPort:  8080/TCP\n"
            "Endpoints:   10.0.0.1:8080\n");
}

TEST(TabWriter, CountsCodePointsNotBytes) {
  TabWriter tw = TabWriter::for_get();
  tw << "h\xc3\xa9llo\tx\n";
  tw << "abc\ty\n";
  EXPECT_EQ(tw.flush(), "h\xc3\xa9llo   x\nabc     y\n");
}

TEST(HumanDuration, MatchesApimachinery) {
  EXPECT_EQ(human_duration(-5), "<invalid>");
  EXPECT_EQ(human_duration(-1), "0s");
  EXPECT_EQ(human_duration(0), "0s");
  EXPECT_EQ(human_duration(60), "60s");
  EXPECT_EQ(human_duration(119), "119s");
  EXPECT_EQ(human_duration(120), "2m");
  EXPECT_EQ(human_duration(330), "5m30s");
  EXPECT_EQ(human_duration(599), "9m59s");
  EXPECT_EQ(human_duration(600), "10m");
  EXPECT_EQ(human_duration(7200), "120m");
  EXPECT_EQ(human_duration(3 * 3600), "3h");
  EXPECT_EQ(human_duration(3 * 3600 + 25 * 60), "3h25m");
  EXPECT_EQ(human_duration(8 * 3600), "8h");
  EXPECT_EQ(human_duration(47 * 3600), "47h");
  EXPECT_EQ(human_duration(51 * 3600), "2d3h");
  EXPECT_EQ(human_duration(3 * 86400), "3d");
  EXPECT_EQ(human_duration(100 * 86400), "100d");
  EXPECT_EQ(human_duration(3 * 365 * 86400 + 10 * 86400), "3y10d");
  EXPECT_EQ(human_duration(9 * 365 * 86400), "9y");
}

TEST(RenderTable, UppercasesHeaderAndCutsMultilineCells) {
  Table t{{"Name", "Port(s)"}, {{"web", "80/TCP\nmore"}}};
  EXPECT_EQ(render_table(t), "NAME   PORT(S)\nweb    80/TCP...\n");
  EXPECT_EQ(render_table(t, /*no_headers=*/true), "web   80/TCP...\n");
}

TEST(RenderTable, EmptyTablePrintsNothing) {
  EXPECT_EQ(render_table(Table{{"Name"}, {}}), "");
}

}  // namespace
}  // namespace kubetwin::report
