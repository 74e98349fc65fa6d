// The two SQLite helpers both of kubetwin's databases use: the applied state (state_store.cpp)
// and the results database (report/results_db.cpp, a layer above, which may use this one).
#pragma once

#include <sqlite3.h>

#include <stdexcept>
#include <string>

namespace kubetwin::sqlite {

// Runs SQL without results; throws with SQLite's message.
inline void exec(sqlite3* db, const char* sql) {
  char* msg = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
    std::string m = msg ? msg : "unknown error";
    sqlite3_free(msg);
    throw std::runtime_error("sqlite: " + m);
  }
}

// BEGIN IMMEDIATE; rolls back unless committed, so a failed write leaves what was there.
class Transaction {
 public:
  explicit Transaction(sqlite3* db) : db_(db) { exec(db_, "BEGIN IMMEDIATE"); }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction() {
    if (!done_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  void commit() {
    exec(db_, "COMMIT");
    done_ = true;
  }

 private:
  sqlite3* db_;
  bool done_ = false;
};

}  // namespace kubetwin::sqlite
