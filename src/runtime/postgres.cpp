// PostgresServer and ConnectionPool: slots, the query path, durability, disk, crash and pools.
#include "kubetwin/runtime/postgres.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <string>

namespace kubetwin::runtime {

std::string_view pg_sqlstate(PgError error) {
  switch (error) {
    case PgError::kNone:
      return "00000";
    case PgError::kTooManyConnections:
    case PgError::kTooManyClients:
      return "53300";
    case PgError::kCannotConnectNow:
      return "57P03";
    case PgError::kDiskFull:
      return "53100";
    case PgError::kConnectionRefused:
    case PgError::kConnectionLost:
    case PgError::kPoolTimeout:
      return "";
  }
  return "";
}

std::string_view pg_message(PgError error) {
  switch (error) {
    case PgError::kNone:
      return "";
    case PgError::kTooManyConnections:
      return "FATAL: remaining connection slots are reserved for roles with the SUPERUSER "
             "attribute";
    case PgError::kTooManyClients:
      return "FATAL: sorry, too many clients already";
    case PgError::kCannotConnectNow:
      return "FATAL: the database system is starting up";
    case PgError::kConnectionRefused:
      return "connection refused";
    case PgError::kConnectionLost:
      return "server closed the connection unexpectedly";
    case PgError::kDiskFull:
      return "ERROR: could not extend file: No space left on device";
    case PgError::kPoolTimeout:
      return "Connection is not available, request timed out";
  }
  return "";
}

namespace {
PodCpuConfig server_cpu(const PostgresConfig& c) {
  // One backend process per session: as many runnable threads as connection slots.
  return PodCpuConfig{.milli_cpu_limit = c.milli_cpu_limit,
                      .concurrency = std::max(1, c.max_connections),
                      .statistics = false};
}
}  // namespace

PostgresServer::PostgresServer(sim::Engine& engine, const PostgresConfig& config)
    : engine_(engine),
      config_(config),
      cpu_(std::make_unique<PodCpu>(engine, config.name + "/cpu", server_cpu(config))),
      next_checkpoint_(engine.now() + config.checkpoint_timeout) {
  if (config.max_connections <= 0 || config.superuser_reserved_connections < 0 ||
      config.superuser_reserved_connections >= config.max_connections) {
    throw std::invalid_argument(
        "PostgresServer: need max_connections > superuser_reserved_connections >= 0");
  }
  cpu_->on_completion(&PostgresServer::on_cpu_done, this);
}

PostgresServer::~PostgresServer() = default;

// --- sessions ------------------------------------------------------------------------------

int PostgresServer::connect(bool superuser, PgError* error) {
  auto fail = [&](PgError e) {
    ++connect_errors_[static_cast<int>(e)];
    if (error) *error = e;
    return -1;
  };
  if (state_ == State::kDown) return fail(PgError::kConnectionRefused);
  if (state_ != State::kRunning) {
    if (log_fn_) {
      log(engine_.now(), state_ == State::kRecovering
                             ? "FATAL:  the database system is in recovery mode"
                             : "FATAL:  the database system is starting up");
    }
    return fail(PgError::kCannotConnectNow);
  }
  if (open_sessions_ >= config_.max_connections) return fail(PgError::kTooManyClients);
  if (!superuser &&
      open_sessions_ >= config_.max_connections - config_.superuser_reserved_connections) {
    return fail(PgError::kTooManyConnections);
  }
  int id;
  if (!free_sessions_.empty()) {
    id = free_sessions_.back();
    free_sessions_.pop_back();
  } else {
    id = static_cast<int>(sessions_.size());
    sessions_.push_back(Session{});
  }
  sessions_[id].open = true;
  sessions_[id].superuser = superuser;
  ++open_sessions_;
  max_sessions_seen_ = std::max(max_sessions_seen_, open_sessions_);
  if (error) *error = PgError::kNone;
  return id;
}

void PostgresServer::disconnect(int session) {
  if (!session_alive(session)) return;
  Session& s = sessions_[session];
  s.open = false;
  ++s.generation;
  --open_sessions_;
  free_sessions_.push_back(session);
}

bool PostgresServer::session_alive(int session) const {
  return session >= 0 && session < static_cast<int>(sessions_.size()) && sessions_[session].open;
}

void PostgresServer::drop_sessions() {
  for (int i = 0; i < static_cast<int>(sessions_.size()); ++i) disconnect(i);
  // Queries in flight die with their backends.
  for (uint32_t slot = 0; slot < queries_.size(); ++slot) {
    Query& q = queries_[slot];
    if (q.session < 0) continue;
    deliver(q.token, PgError::kConnectionLost, 0);
    q.session = -1;
    free_queries_.push_back(slot);
  }
}

// --- queries -------------------------------------------------------------------------------

uint32_t PostgresServer::new_query_slot() {
  if (!free_queries_.empty()) {
    uint32_t s = free_queries_.back();
    free_queries_.pop_back();
    return s;
  }
  queries_.push_back(Query{0, -1, 0, 0, 0, 0, 0});
  return static_cast<uint32_t>(queries_.size() - 1);
}

void PostgresServer::query(int session, uint64_t token, Time cpu, int64_t rows_written,
                           int64_t row_bytes, Time reply_delay) {
  if (!session_alive(session) || state_ != State::kRunning) {
    deliver(token, PgError::kConnectionLost, 0);
    return;
  }
  const uint32_t slot = new_query_slot();
  queries_[slot] =
      Query{token, session,    sessions_[session].generation, epoch_, rows_written, row_bytes,
            0,     reply_delay};
  cpu_->submit(slot, cpu);
}

void PostgresServer::on_cpu_done(void* self, uint64_t slot, Time arrived, Time started) {
  auto* s = static_cast<PostgresServer*>(self);
  if (s->trace_fn_) {
    s->trace_fn_(s->trace_context_, s->queries_[slot].token, QueryStep::kCpuDone, arrived, started);
  }
  s->finish_cpu(static_cast<uint32_t>(slot));
}

void PostgresServer::finish_cpu(uint32_t slot) {
  Query& q = queries_[slot];
  if (q.session < 0) return;  // dropped by a crash (cannot happen: the CPU is replaced), safety
  auto release = [&] {
    q.session = -1;
    free_queries_.push_back(slot);
  };
  if (!session_alive(q.session) || sessions_[q.session].generation != q.generation) {
    release();  // the client went away: nobody to answer
    return;
  }
  if (q.rows <= 0) {
    deliver(q.token, PgError::kNone, 0, q.reply_delay);
    release();
    return;
  }
  const Time now = engine_.now();
  maybe_checkpoint(now);
  const int64_t heap = q.rows * (q.row_bytes + kPgHeapTupleOverheadBytes);
  const int64_t wal = q.rows * (q.row_bytes + kPgWalRecordOverheadBytes);
  const int64_t wal_growth = std::max<int64_t>(0, wal_since_checkpoint_ + wal - wal_recycled_) -
                             std::max<int64_t>(0, wal_since_checkpoint_ - wal_recycled_);
  if (config_.disk_bytes >= 0 && disk_used() + heap + wal_growth > config_.disk_bytes) {
    ++disk_full_errors_;
    if (first_disk_full_ < 0) first_disk_full_ = now;
    deliver(q.token, PgError::kDiskFull, 0, q.reply_delay);
    release();
    return;
  }
  data_bytes_ += heap;
  wal_since_checkpoint_ += wal;
  if (wal_since_checkpoint_ >= config_.max_wal_size) checkpoint(now);
  q.commit_id = ++last_commit_;
  if (config_.synchronous_commit) {
    if (trace_fn_) trace_fn_(trace_context_, q.token, QueryStep::kFlushStarted, now, now);
    engine_.schedule_after<&PostgresServer::on_flush_done>(config_.wal_flush_latency + io_.next(),
                                                           this, slot);
    return;
  }
  unflushed_.push_back(AsyncCommit{q.commit_id, now});
  if (!wal_writer_armed_) {
    wal_writer_armed_ = true;
    engine_.schedule_after<&PostgresServer::on_wal_writer>(config_.wal_writer_delay, this);
  }
  deliver(q.token, PgError::kNone, q.commit_id, q.reply_delay);
  release();
}

void PostgresServer::on_flush_done(uint64_t slot) {
  Query& q = queries_[slot];
  if (q.session < 0 || q.epoch != epoch_) return;  // the crash answered it already
  durable_commit_ = std::max(durable_commit_, q.commit_id);
  if (trace_fn_) {
    trace_fn_(trace_context_, q.token, QueryStep::kFlushed, engine_.now(), engine_.now());
  }
  deliver(q.token, PgError::kNone, q.commit_id, q.reply_delay);
  q.session = -1;
  free_queries_.push_back(static_cast<uint32_t>(slot));
}

void PostgresServer::on_wal_writer() {
  wal_writer_armed_ = false;
  const Time now = engine_.now();
  while (!unflushed_.empty() && unflushed_.front().made + 2 * config_.wal_writer_delay <= now) {
    durable_commit_ = std::max(durable_commit_, unflushed_.pop_front().id);
  }
  if (!unflushed_.empty()) {
    wal_writer_armed_ = true;
    engine_.schedule_after<&PostgresServer::on_wal_writer>(config_.wal_writer_delay, this);
  }
}

void PostgresServer::deliver(uint64_t token, PgError error, uint64_t commit_id, Time delay) {
  uint32_t slot;
  if (!free_deliveries_.empty()) {
    slot = free_deliveries_.back();
    free_deliveries_.pop_back();
  } else {
    slot = static_cast<uint32_t>(deliveries_.size());
    deliveries_.push_back({});
  }
  deliveries_[slot] = Delivery{token, error, commit_id};
  engine_.schedule_after<&PostgresServer::on_deliver>(delay, this, slot);
}

void PostgresServer::on_deliver(uint64_t slot) {
  const Delivery d = deliveries_[slot];
  free_deliveries_.push_back(static_cast<uint32_t>(slot));
  if (query_fn_) query_fn_(query_context_, d.token, d.error, d.commit_id);
}

// --- disk and checkpoints ------------------------------------------------------------------

void PostgresServer::maybe_checkpoint(Time now) {
  while (now >= next_checkpoint_) checkpoint(next_checkpoint_);
}

// After a checkpoint the WAL before it is no longer needed; PostgreSQL renames the old segments
// for reuse, keeping as many as the last checkpoint distance (its estimate of the next one),
// clamped to [min_wal_size, max_wal_size], and removes the rest.
void PostgresServer::checkpoint(Time at) {
  wal_recycled_ = std::clamp(wal_since_checkpoint_, config_.min_wal_size, config_.max_wal_size);
  wal_since_checkpoint_ = 0;
  next_checkpoint_ = at + config_.checkpoint_timeout;
  ++checkpoints_;
}

// --- lifecycle -----------------------------------------------------------------------------

void PostgresServer::begin_startup(Time duration, State state) {
  if (log_fn_) log_startup(duration, state == State::kRecovering);
  ++epoch_;
  cpu_->abandon();  // queries in flight died with the old server (the PodCpu object stays)
  state_ = state;
  engine_.schedule_after<&PostgresServer::on_ready>(duration, this, epoch_);
}

// PostgreSQL 16's lines for a start (postmaster, startup process), the last one at the moment
// the server accepts connections. Byte positions in the WAL are rendered as LSNs.
void PostgresServer::log_startup(Time duration, bool recovery) const {
  const Time now = engine_.now();
  auto lsn = [](int64_t bytes) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%X/%X", static_cast<unsigned>(bytes >> 32),
                  static_cast<unsigned>(bytes & 0xffffffff));
    return std::string(buf);
  };
  log(now,
      "LOG:  starting PostgreSQL 16.4 (Debian 16.4-1.pgdg120+2) on x86_64-pc-linux-gnu, compiled "
      "by gcc (Debian 12.2.0-14) 12.2.0, 64-bit");
  log(now, "LOG:  listening on IPv4 address \"0.0.0.0\", port 5432");
  log(now, "LOG:  listening on Unix socket \"/var/run/postgresql/.s.PGSQL.5432\"");
  const int64_t redo = 0x1000000 + data_bytes_ - wal_since_checkpoint_;
  if (recovery) {
    // "{{at:NS}}": a timestamp the printer renders in the twin's clock (live_view.hpp).
    log(now, "LOG:  database system was interrupted; last known up at {{at:" +
                 std::to_string(next_checkpoint_ - config_.checkpoint_timeout) + "}}");
    log(now, "LOG:  database system was not properly shut down; automatic recovery in progress");
    log(now, "LOG:  redo starts at " + lsn(redo));
    char usage[96];
    std::snprintf(usage, sizeof usage,
                  " system usage: CPU: user: %.2f s, system: 0.01 s, elapsed: %.2f s",
                  sim::to_seconds(duration), sim::to_seconds(duration));
    log(now + duration, "LOG:  redo done at " + lsn(redo + wal_since_checkpoint_) + usage);
    log(now + duration, "LOG:  checkpoint starting: end-of-recovery immediate wait");
  } else {
    // Its shutdown checkpoint's time: the last checkpoint (a server created running: its own
    // start, "{{at:line}}").
    log(now, checkpoints_ > 0
                 ? "LOG:  database system was shut down at {{at:" +
                       std::to_string(next_checkpoint_ - config_.checkpoint_timeout) + "}}"
                 : std::string("LOG:  database system was shut down at {{at:line}}"));
  }
  log(now + duration, "LOG:  database system is ready to accept connections");
}

void PostgresServer::on_ready(uint64_t epoch) {
  if (epoch != epoch_) return;
  if (state_ == State::kRecovering) checkpoint(engine_.now());  // end-of-recovery checkpoint
  state_ = State::kRunning;
  next_checkpoint_ = engine_.now() + config_.checkpoint_timeout;
}

// What any crash does to the running server: commits acknowledged but not flushed are gone (only
// possible with synchronous_commit=off), and every session drops.
void PostgresServer::die() {
  if (durable_commit_ < last_commit_ && !config_.synchronous_commit) {
    lost_.push_back(LostRange{durable_commit_ + 1, last_commit_});
  }
  durable_commit_ = last_commit_;
  unflushed_.clear();
  drop_sessions();
}

void PostgresServer::kill() {
  if (state_ == State::kDown) return;
  // The postmaster itself is SIGKILLed: it writes nothing; its backends' clients see the drop.
  die();
  ++epoch_;
  // The backends die with the server: their CPU work is dropped without answers. The PodCpu
  // itself stays (the pod's figures and whoever holds a reference keep reading it).
  cpu_->abandon();
  state_ = State::kDown;
  needs_recovery_ = true;  // no shutdown checkpoint: the next start replays the WAL
}

void PostgresServer::lose_data() {
  if (last_commit_ > 0) lost_.push_back(LostRange{1, last_commit_});
  durable_commit_ = last_commit_;
  data_bytes_ = 0;
  wal_since_checkpoint_ = 0;
  wal_recycled_ = 0;
  needs_recovery_ = false;  // nothing to replay: initdb on an empty volume
}

void PostgresServer::crash() {
  if (state_ == State::kDown) return;
  die();
  maybe_checkpoint(engine_.now());
  begin_startup(recovery_time(), State::kRecovering);
}

void PostgresServer::stop() {
  if (state_ == State::kDown) return;
  if (log_fn_) {
    log(engine_.now(), "LOG:  received fast shutdown request");
    log(engine_.now(), "LOG:  database system is shut down");
  }
  // Fast shutdown: sessions terminated, WAL flushed, a shutdown checkpoint.
  while (!unflushed_.empty())
    durable_commit_ = std::max(durable_commit_, unflushed_.pop_front().id);
  drop_sessions();
  checkpoint(engine_.now());
  ++epoch_;
  // The backends die with the server: their CPU work is dropped without answers. The PodCpu
  // itself stays (the pod's figures and whoever holds a reference keep reading it).
  cpu_->abandon();
  state_ = State::kDown;
}

void PostgresServer::start() {
  if (state_ != State::kDown) return;
  if (needs_recovery_) {
    needs_recovery_ = false;
    begin_startup(recovery_time(), State::kRecovering);
    return;
  }
  begin_startup(config_.startup_time, State::kStarting);
}

Time PostgresServer::recovery_time() const {
  const Time replay = config_.replay_bytes_per_second > 0
                          ? sim::from_seconds(static_cast<double>(wal_since_checkpoint_) /
                                              static_cast<double>(config_.replay_bytes_per_second))
                          : 0;
  return config_.startup_time + replay;
}

void PostgresServer::restart() {
  stop();
  start();
}

uint64_t PostgresServer::lost_commits() const {
  uint64_t n = 0;
  for (const LostRange& r : lost_) n += r.last - r.first + 1;
  return n;
}

bool PostgresServer::commit_lost(uint64_t commit_id) const {
  for (const LostRange& r : lost_) {
    if (commit_id >= r.first && commit_id <= r.last) return true;
  }
  return false;
}

// --- ConnectionPool ------------------------------------------------------------------------

ConnectionPool::ConnectionPool(sim::Engine& engine, PostgresServer& server, std::string name,
                               int maximum_pool_size, Time connection_timeout)
    : engine_(engine),
      server_(server),
      name_(std::move(name)),
      maximum_(maximum_pool_size),
      connection_timeout_(connection_timeout) {
  if (maximum_pool_size <= 0)
    throw std::invalid_argument("ConnectionPool: maximum_pool_size must be > 0");
}

int ConnectionPool::open_one() {
  PgError error;
  const int s = server_.connect(false, &error);
  if (s < 0) {
    ++connect_errors_;
    last_error_ = error;
    return -1;
  }
  sessions_.push_back(s);
  return s;
}

int ConnectionPool::fill() {
  int opened = 0;
  const int missing = maximum_ - open();
  for (int i = 0; i < missing; ++i) {
    const int s = open_one();
    if (s >= 0) {
      idle_.push_back(s);
      ++opened;
    }
  }
  return opened;
}

int ConnectionPool::acquire(uint64_t token) {
  while (!idle_.empty()) {
    const int s = idle_.back();
    idle_.pop_back();
    if (server_.session_alive(s)) return s;
    sessions_.erase(std::find(sessions_.begin(), sessions_.end(), s));  // dropped by the server
  }
  if (open() < maximum_) {
    const int s = open_one();
    if (s >= 0) return s;
  }
  waiters_.push_back(Waiter{token, engine_.now() + connection_timeout_});
  arm_timeout();
  return -1;
}

void ConnectionPool::release(int session) {
  int s = session;
  if (!server_.session_alive(s)) {
    auto it = std::find(sessions_.begin(), sessions_.end(), s);
    if (it != sessions_.end()) sessions_.erase(it);
    if (waiters_.empty()) return;
    s = open_one();
    if (s < 0) return;
  }
  if (!waiters_.empty()) {
    const Waiter w = waiters_.pop_front();
    if (acquired_fn_) acquired_fn_(acquired_context_, w.token, s, PgError::kNone);
    return;
  }
  idle_.push_back(s);
}

void ConnectionPool::close() {
  for (int s : sessions_) server_.disconnect(s);
  sessions_.clear();
  idle_.clear();
  waiters_.clear();
  if (timeout_event_.valid()) engine_.cancel(timeout_event_);
  timeout_event_ = sim::EventId{};
}

void ConnectionPool::arm_timeout() {
  if (timeout_event_.valid() || waiters_.empty()) return;
  timeout_event_ =
      engine_.schedule_at<&ConnectionPool::on_timeout>(waiters_.front().deadline, this);
}

void ConnectionPool::on_timeout() {
  timeout_event_ = sim::EventId{};
  const Time now = engine_.now();
  while (!waiters_.empty() && waiters_.front().deadline <= now) {
    const Waiter w = waiters_.pop_front();
    ++timeouts_;
    if (acquired_fn_) acquired_fn_(acquired_context_, w.token, -1, PgError::kPoolTimeout);
  }
  arm_timeout();
}

}  // namespace kubetwin::runtime
