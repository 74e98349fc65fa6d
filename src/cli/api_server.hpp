// ApiServer: report::KubeApi over HTTP on loopback (cpp-httplib), for `kubetwin serve`.
//
// Binds 127.0.0.1 only. Serves the state file's current content: a poller reloads it when the
// file changes (another `kubetwin apply` or `advance`) and watches stream the difference
// (ADDED, MODIFIED, DELETED). Bounded: a fixed pool of worker threads and a bounded queue of
// accepted connections (the accept loop waits when it is full, so further clients wait in the
// kernel's backlog), request bodies up to kMaxBody, read/write timeouts, watches end at their
// timeoutSeconds (or the request's timeout) and at shutdown. Thread-safe; stop() is idempotent.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>

namespace kubetwin::cli {

struct ApiServerOptions {
  std::filesystem::path state_file;
  int port = 0;                       // 0: any free port
  std::optional<int64_t> at_seconds;  // serve the state as of this twin time (--at)
  int threads = 8;                    // worker threads (each long watch holds one)
  int queued_connections = 64;        // accepted, waiting for a worker
  int64_t max_watch_seconds = 1800;   // a watch without timeoutSeconds ends after this
  int reload_interval_millis = 500;   // how often the state file is checked for changes
  int io_timeout_seconds = 5;         // read, write and keep-alive timeouts of a connection
};

inline constexpr size_t kMaxBody = 1 << 20;  // 1 MiB: a larger request is refused (413)

class ApiServer {
 public:
  // Loads the state (throws k8s::InputError when it cannot be read) and binds 127.0.0.1:port;
  // throws std::runtime_error when the port cannot be bound.
  explicit ApiServer(ApiServerOptions options);
  ~ApiServer();  // stops and joins
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  int port() const;
  void start();  // serves on background threads
  void stop();   // ends watches, closes the socket, joins

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kubetwin::cli
