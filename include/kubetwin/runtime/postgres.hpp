// PostgresServer and ConnectionPool: one PostgreSQL server (connections, query CPU, commit
// durability, crash and restart, disk) and the per-pod client pools in front of it.
//
// What it models (domain-facts 5; defaults are named constants with their keys):
// - Connection slots: max_connections in total, of which superuser_reserved_connections only a
//   superuser may take. A regular role past max_connections - reserved gets 53300 "remaining
//   connection slots are reserved for roles with the SUPERUSER attribute" (InitPostgres, PG 16
//   wording); anyone past max_connections gets 53300 "sorry, too many clients already" [V PGSTART].
//   Both are SQLSTATE 53300 too_many_connections: callers count them together.
// - Not ready: while starting (or recovering after a crash) new connections get 57P03; a crash
//   drops every session and every query in flight [V PGSTART; D].
// - Query CPU runs on the server's CPU limit through PodCpu (one backend process per session).
// - Commit durability: synchronous_commit=on acknowledges after the WAL flush (fsync latency),
//   so every acknowledged commit survives a crash. off acknowledges at once and the WAL writer
//   flushes later: a crash loses the commits of the last ~3x wal_writer_delay [V/S PGASYNC]; the
//   twin takes the worst case (a commit becomes durable at the first WAL writer round at least
//   2x wal_writer_delay after it).
// - Disk: the PVC holds the data files (initial size plus written rows with tuple overhead) and
//   pg_wal. Checkpoints come every checkpoint_timeout or when max_wal_size of WAL has
//   accumulated; the segments before a checkpoint are recycled, not deleted: PostgreSQL keeps
//   as many as the last checkpoint distance needed, between min_wal_size and max_wal_size, so
//   pg_wal takes max(recycled, WAL since the checkpoint). Under steady writes it is flat and the
//   disk fills at the heap's rate. A write that does not fit fails with 53100 disk_full and
//   writes nothing; reads go on [V PGDISK; D]. (A full pg_wal may PANIC the real server; the twin
//   keeps it up and refuses writes.)
// - Crash recovery replays the WAL since the last checkpoint: startup time plus WAL bytes at a
//   replay rate [V PGWAL].
//
// ConnectionPool is HikariCP-shaped (the Java services' default): a fixed maximum size, opened
// eagerly by fill(), borrowers queue FIFO when every connection is busy and fail after
// connectionTimeout. A connection the server dropped is discarded and reopened on the next borrow.
//
// Hot path: a query is one PodCpu job plus one event for a synchronous commit's flush; a pool
// borrow or return is O(1). Lost commits are kept as id ranges (crashes are rare).
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kubetwin/runtime/io_delay.hpp"
#include "kubetwin/runtime/pod_cpu.hpp"
#include "kubetwin/runtime/ring_buffer.hpp"
#include "kubetwin/sim/engine.hpp"
#include "kubetwin/sim/time.hpp"

namespace kubetwin::runtime {

using sim::Time;

// PostgreSQL defaults (domain-facts 5; postgresql.conf.sample, PGCONF / PGCONN).
inline constexpr int kPgDefaultMaxConnections = 100;  // max_connections [S PGCONN]
inline constexpr int kPgDefaultSuperuserReservedConnections =
    3;  // superuser_reserved_connections [PGCONF]
inline constexpr Time kPgDefaultCheckpointTimeout =
    sim::minutes(5);                                                // checkpoint_timeout [V PGCONF]
inline constexpr int64_t kPgDefaultMaxWalSize = int64_t{1} << 30;   // max_wal_size 1GB [V PGCONF]
inline constexpr int64_t kPgDefaultMinWalSize = int64_t{80} << 20;  // min_wal_size 80MB [PGCONF]
inline constexpr Time kPgDefaultWalWriterDelay = sim::millis(200);  // wal_writer_delay [V PGCONF]
inline constexpr bool kPgDefaultSynchronousCommit = true;           // synchronous_commit [V PGCONF]
// Twin assumptions (not PostgreSQL settings), each overridable per scenario:
inline constexpr Time kPgDefaultWalFlushLatency = sim::millis(1);  // one fsync on a cloud SSD
inline constexpr Time kPgDefaultStartupTime = sim::seconds(2);     // clean start to ready
inline constexpr int64_t kPgDefaultReplayBytesPerSecond = int64_t{100} << 20;  // WAL replay
inline constexpr int64_t kPgDefaultInitialDataBytes = int64_t{40} << 20;       // initdb + catalogs
inline constexpr int64_t kPgHeapTupleOverheadBytes =
    28;  // 23-byte header aligned to 24 + 4-byte line pointer
inline constexpr int64_t kPgWalRecordOverheadBytes =
    50;  // XLogRecord header + block reference, approx.
// HikariCP defaults (its README): maximumPoolSize 10, connectionTimeout 30 s.
inline constexpr int kHikariDefaultMaximumPoolSize = 10;
inline constexpr Time kHikariDefaultConnectionTimeout = sim::seconds(30);

enum class PgError : uint8_t {
  kNone,
  kTooManyConnections,  // 53300, slots for regular roles used up (superuser reserve left)
  kTooManyClients,      // 53300 "sorry, too many clients already"
  kCannotConnectNow,    // 57P03 starting up / in recovery
  kConnectionRefused,   // the server process is not running
  kConnectionLost,      // the session died (server crash or restart)
  kDiskFull,            // 53100 could not extend file: No space left on device
  kPoolTimeout,         // client side: no connection within connectionTimeout
};
std::string_view pg_sqlstate(PgError error);  // "" for client-side errors
std::string_view pg_message(PgError error);

struct PostgresConfig {
  std::string name = "postgres";
  int max_connections = kPgDefaultMaxConnections;
  int superuser_reserved_connections = kPgDefaultSuperuserReservedConnections;
  int64_t milli_cpu_limit = 0;  // resources.limits.cpu; 0 unlimited
  bool synchronous_commit = kPgDefaultSynchronousCommit;
  Time wal_writer_delay = kPgDefaultWalWriterDelay;
  Time wal_flush_latency = kPgDefaultWalFlushLatency;
  Time checkpoint_timeout = kPgDefaultCheckpointTimeout;
  int64_t max_wal_size = kPgDefaultMaxWalSize;
  int64_t min_wal_size = kPgDefaultMinWalSize;
  int64_t disk_bytes = -1;  // the PVC; -1 unbounded
  int64_t initial_data_bytes = kPgDefaultInitialDataBytes;
  Time startup_time = kPgDefaultStartupTime;
  int64_t replay_bytes_per_second = kPgDefaultReplayBytesPerSecond;
};

class PostgresServer {
 public:
  enum class State : uint8_t { kRunning, kStarting, kRecovering, kDown };
  // A query's outcome; commit_id > 0 for an acknowledged write (its durability can be checked).
  using QueryFn = void (*)(void* context, uint64_t token, PgError error, uint64_t commit_id);

  PostgresServer(sim::Engine& engine, const PostgresConfig& config);
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  void on_query_result(QueryFn fn, void* context) {
    query_fn_ = fn;
    query_context_ = context;
  }

  // The server's own log lines (the message after PostgreSQL's "timestamp [pid] " prefix, e.g.
  // "LOG:  database system is ready to accept connections"), written at `at` (a line about the
  // end of a start-up is written when the start-up begins, with its future time). Nullable:
  // without a listener nothing is formatted and nothing else changes.
  using LogFn = void (*)(void* context, Time at, const std::string& line);
  void on_log(LogFn fn, void* context) {
    log_fn_ = fn;
    log_context_ = context;
  }

  // Writes the lines of a start-up lasting `duration` that begins now: a clean start, or crash
  // recovery. start() writes them itself; a World writes them for a server created running.
  void log_startup(Time duration, bool recovery) const;

  // Tracing only (runtime/trace.hpp): a query's steps on the server as they happen: its CPU done
  // (when it arrived and when a backend ran it), its commit's WAL flush started, and flushed.
  // Unset (the default) it costs one branch per step.
  enum class QueryStep : uint8_t { kCpuDone, kFlushStarted, kFlushed };
  using QueryTraceFn = void (*)(void* context, uint64_t token, QueryStep step, Time arrived,
                                Time started);
  void on_query_trace(QueryTraceFn fn, void* context) {
    trace_fn_ = fn;
    trace_context_ = context;
  }
  // Opens a session (a backend). Returns its id, or -1 with *error set.
  int connect(bool superuser = false, PgError* error = nullptr);
  void disconnect(int session);
  bool session_alive(int session) const;

  // Runs a statement on `session`: `cpu` of one core on the server, then, for a write, the rows'
  // bytes go to the heap and the WAL and the commit follows the durability setting. The result
  // comes through the callback, never from inside this call.
  // The outcome reaches the callback `reply_delay` after the server answers (the network trip
  // back to the client; 0 delivers it right after, never from inside this call).
  void query(int session, uint64_t token, Time cpu, int64_t rows_written = 0, int64_t row_bytes = 0,
             Time reply_delay = 0);

  // SIGKILL / OOM / node loss: sessions drop, un-flushed commits are lost, crash recovery runs.
  void crash();
  // SIGKILL with no restart (the pod was killed or its node lost): sessions drop, the server is
  // down, and the next start() replays the WAL since the last checkpoint (crash recovery).
  void kill();
  // The data volume is lost: every committed row is gone (call while down; start() then begins
  // on an empty cluster).
  void lose_data();
  // Startup plus the WAL replay a crash now would need (PGWAL).
  Time recovery_time() const;
  // Stops the server (pod deleted): sessions drop; start() brings it back (recovery if crashed).
  void stop();
  void start();
  // Fast shutdown (SIGINT, a shutdown checkpoint) then start.
  void restart();
  // IOChaos latency on the data volume: `delay` added to `percent`% of the WAL flushes a commit
  // waits for (0 lifts it).
  void set_io_delay(Time delay, int percent) { io_ = IoDelay{delay, percent, 0}; }

  State state() const { return state_; }
  bool needs_recovery() const { return needs_recovery_; }
  int connections() const { return open_sessions_; }
  int max_connections_in_use() const { return max_sessions_seen_; }
  uint64_t connection_errors(PgError error) const {
    return connect_errors_[static_cast<int>(error)];
  }

  int64_t disk_used() const {
    return config_.initial_data_bytes + data_bytes_ + wal_bytes() + foreign_bytes_;
  }
  // Bytes on the volume that are not the database's (a volume-fill fault); 0 removes them.
  void set_foreign_bytes(int64_t bytes) { foreign_bytes_ = bytes; }
  int64_t disk_capacity() const { return config_.disk_bytes; }
  int64_t data_bytes() const { return config_.initial_data_bytes + data_bytes_; }
  int64_t wal_bytes() const { return std::max(wal_since_checkpoint_, wal_recycled_); }
  uint64_t checkpoints() const { return checkpoints_; }
  // The first time a write failed for lack of space, or -1.
  Time first_disk_full() const { return first_disk_full_; }
  uint64_t disk_full_errors() const { return disk_full_errors_; }

  // Commits: acknowledged ids are 1, 2, ...; the lost ones are those acknowledged but not yet
  // durable at a crash.
  uint64_t last_commit() const { return last_commit_; }
  uint64_t durable_commit() const { return durable_commit_; }
  uint64_t lost_commits() const;
  bool commit_lost(uint64_t commit_id) const;
  PodCpu& cpu() { return *cpu_; }

 private:
  struct Session {
    bool open = false;
    bool superuser = false;
    uint32_t generation = 0;
  };
  struct Query {
    uint64_t token;
    int session;
    uint32_t generation;  // the session's
    uint64_t epoch;       // the server's incarnation
    int64_t rows;
    int64_t row_bytes;
    uint64_t commit_id;
    Time reply_delay;  // the answer's trip back to the client
  };
  struct AsyncCommit {
    uint64_t id;
    Time made;
  };
  struct LostRange {
    uint64_t first;
    uint64_t last;
  };

  static void on_cpu_done(void* self, uint64_t slot, Time arrived, Time started);
  void finish_cpu(uint32_t slot);
  void on_flush_done(uint64_t slot);
  void on_wal_writer();
  void on_ready(uint64_t epoch);
  void deliver(uint64_t token, PgError error, uint64_t commit_id, Time delay = 0);
  void on_deliver(uint64_t slot);
  uint32_t new_query_slot();
  void drop_sessions();
  void die();  // unflushed commits lost, sessions dropped: the common part of crash and kill
  void begin_startup(Time duration, State state);
  void maybe_checkpoint(Time now);
  void checkpoint(Time at);

  sim::Engine& engine_;
  PostgresConfig config_;
  State state_ = State::kRunning;
  bool needs_recovery_ = false;  // killed without a shutdown checkpoint
  uint64_t epoch_ = 0;
  IoDelay io_;  // set_io_delay
  std::unique_ptr<PodCpu> cpu_;
  std::vector<Session> sessions_;
  std::vector<int> free_sessions_;
  int open_sessions_ = 0;
  int max_sessions_seen_ = 0;
  std::vector<Query> queries_;
  std::vector<uint32_t> free_queries_;
  struct Delivery {
    uint64_t token;
    PgError error;
    uint64_t commit_id;
  };
  std::vector<Delivery> deliveries_;
  std::vector<uint32_t> free_deliveries_;
  QueryFn query_fn_ = nullptr;
  void* query_context_ = nullptr;
  LogFn log_fn_ = nullptr;
  void* log_context_ = nullptr;
  void log(Time at, const std::string& line) const {
    if (log_fn_) log_fn_(log_context_, at, line);
  }

  QueryTraceFn trace_fn_ = nullptr;
  void* trace_context_ = nullptr;
  uint64_t connect_errors_[8] = {};

  int64_t data_bytes_ = 0;
  int64_t wal_since_checkpoint_ = 0;
  int64_t wal_recycled_ = 0;  // segment files kept for reuse after the last checkpoint
  int64_t foreign_bytes_ = 0;
  Time next_checkpoint_;
  uint64_t checkpoints_ = 0;
  Time first_disk_full_ = -1;
  uint64_t disk_full_errors_ = 0;

  uint64_t last_commit_ = 0;
  uint64_t durable_commit_ = 0;
  RingBuffer<AsyncCommit> unflushed_;
  bool wal_writer_armed_ = false;
  std::vector<LostRange> lost_;
};

class ConnectionPool {
 public:
  // A borrow that had to wait: the session, or -1 with the error (kPoolTimeout, or the server's).
  using AcquireFn = void (*)(void* context, uint64_t token, int session, PgError error);

  ConnectionPool(sim::Engine& engine, PostgresServer& server, std::string name,
                 int maximum_pool_size = kHikariDefaultMaximumPoolSize,
                 Time connection_timeout = kHikariDefaultConnectionTimeout);
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  void on_acquired(AcquireFn fn, void* context) {
    acquired_fn_ = fn;
    acquired_context_ = context;
  }
  // Opens connections up to the maximum (HikariCP's minimumIdle defaults to the maximum).
  // Returns how many opened now.
  int fill();
  // A session at once (>= 0), or -1: the borrower waits and hears through the callback.
  int acquire(uint64_t token);
  void release(int session);
  // Closes every connection and forgets the borrowers still waiting (the pod stops: its
  // process, and the threads that waited, are gone). fill() opens them again.
  void close();

  const std::string& name() const { return name_; }
  int open() const { return static_cast<int>(sessions_.size()); }
  int idle() const { return static_cast<int>(idle_.size()); }
  size_t waiting() const { return waiters_.size(); }
  uint64_t connect_errors() const { return connect_errors_; }
  PgError last_connect_error() const { return last_error_; }
  uint64_t timeouts() const { return timeouts_; }

 private:
  struct Waiter {
    uint64_t token;
    Time deadline;
  };
  int open_one();
  void on_timeout();
  void arm_timeout();

  sim::Engine& engine_;
  PostgresServer& server_;
  std::string name_;
  int maximum_;
  Time connection_timeout_;
  std::vector<int> sessions_;
  std::vector<int> idle_;
  RingBuffer<Waiter> waiters_;
  sim::EventId timeout_event_;
  AcquireFn acquired_fn_ = nullptr;
  void* acquired_context_ = nullptr;
  uint64_t connect_errors_ = 0;
  PgError last_error_ = PgError::kNone;
  uint64_t timeouts_ = 0;
};

}  // namespace kubetwin::runtime
