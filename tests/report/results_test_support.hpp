// Support for the tests of the results database and its views: one shared run of
// tests/report/testdata/broker-blip.yaml, temporary directories, SQL counts, HTML checks.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "kubetwin/report/results_db.hpp"
#include "kubetwin/scenario/scenario_file.hpp"

namespace kubetwin::report {

namespace fs = std::filesystem;

inline const std::string kScenario =
    std::string(KUBETWIN_SOURCE_DIR) + "/tests/report/testdata/broker-blip.yaml";

struct ResultsFixture {
  std::shared_ptr<const scenario::PreparedScenario> prepared;
  scenario::ScenarioResult result;
};

// One prepared run shared by the tests (2 replications of 60 s, about 0.1 s).
inline const ResultsFixture& fixture() {
  static const ResultsFixture f = [] {
    ResultsFixture x;
    x.prepared = scenario::prepare_scenario(scenario::load_scenario_file(kScenario));
    scenario::RunOptions options;
    options.threads = 1;
    x.result = scenario::run_scenario(*x.prepared, options);
    return x;
  }();
  return f;
}

inline fs::path temp_dir() {
  fs::path d = fs::temp_directory_path() /
               ("kubetwin-results-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->test_suite_name() + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

inline const RunContext kContext{"kubetwin run tests/report/testdata/broker-blip.yaml",
                                 "2025-01-31T12:00:00Z"};

// Every row of every table, as text, table by table; `skip` tables left out.
inline std::string dump(const fs::path& path, const std::vector<std::string>& skip = {}) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  std::vector<std::string> tables;
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name", -1,
                     &s, nullptr);
  while (sqlite3_step(s) == SQLITE_ROW)
    tables.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)));
  sqlite3_finalize(s);
  std::string out;
  for (const std::string& t : tables) {
    if (std::find(skip.begin(), skip.end(), t) != skip.end()) continue;
    out += "== " + t + "\n";
    sqlite3_prepare_v2(db, ("SELECT * FROM \"" + t + "\" ORDER BY 1, 2, 3").c_str(), -1, &s,
                       nullptr);
    while (sqlite3_step(s) == SQLITE_ROW) {
      for (int c = 0; c < sqlite3_column_count(s); ++c) {
        const unsigned char* v = sqlite3_column_text(s, c);
        out += (c ? "|" : "") + std::string(v ? reinterpret_cast<const char*>(v) : "NULL");
      }
      out += "\n";
    }
    sqlite3_finalize(s);
  }
  sqlite3_close(db);
  return out;
}

inline int64_t count(const fs::path& path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* s = nullptr;
  int64_t n = -1;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK &&
      sqlite3_step(s) == SQLITE_ROW)
    n = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  sqlite3_close(db);
  return n;
}

// "" when the tags of an HTML document balance (void elements and self-closed SVG elements
// aside), else what is wrong first.
inline std::string unbalanced_tag(const std::string& html) {
  static const std::vector<std::string> kVoid = {"meta", "br", "hr", "img", "input", "link"};
  std::vector<std::string> open;
  for (size_t at = html.find('<'); at != std::string::npos; at = html.find('<', at + 1)) {
    if (html.compare(at, 2, "<!") == 0) continue;
    const size_t end = html.find('>', at);
    if (end == std::string::npos) return "unterminated tag";
    std::string tag = html.substr(at + 1, end - at - 1);
    const bool closing = !tag.empty() && tag[0] == '/';
    const bool self = !tag.empty() && tag.back() == '/';
    std::string name = tag.substr(closing ? 1 : 0);
    name = name.substr(0, name.find_first_of(" \t\n/"));
    if (self || std::find(kVoid.begin(), kVoid.end(), name) != kVoid.end()) continue;
    if (!closing) {
      open.push_back(name);
    } else if (open.empty() || open.back() != name) {
      return "</" + name + "> closes <" + (open.empty() ? "" : open.back()) + ">";
    } else {
      open.pop_back();
    }
  }
  return open.empty() ? "" : "<" + open.back() + "> never closed";
}

inline size_t occurrences(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Nothing fetched, nothing run: no script, no URL, no external resource.
inline bool self_contained(const std::string& html) {
  for (const char* bad : {"http://", "https://", "<script", "src=", "<link"})
    if (html.find(bad) != std::string::npos) return false;
  return true;
}

}  // namespace kubetwin::report
