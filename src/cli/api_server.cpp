// ApiServer: the read-only Kubernetes API (report::KubeApi) served by cpp-httplib on loopback.
#include "api_server.hpp"

#include <httplib.h>
#include <sys/stat.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "cli_common.hpp"
#include "kubetwin/report/kube_api.hpp"
#include "kubetwin/report/kubectl_events.hpp"
#include "kubetwin/scenario/live.hpp"
#include "kubetwin/sim/time.hpp"

namespace kubetwin::cli {

namespace {

// One immutable reading of the state: the twin, its view and the API over it. Shared by the
// requests that started while it was current.
struct Snapshot {
  Twin twin;
  std::unique_ptr<report::TwinView> view;
  std::unique_ptr<report::KubeApi> api;
};

std::shared_ptr<const Snapshot> load_snapshot(const std::filesystem::path& state_file,
                                              std::optional<int64_t> at_seconds) {
  topology::State state = topology::StateStore::load_or_empty(state_file);
  // The state as it was at twin time `at`: what the applies before it created, the running twin
  // replayed to that moment (refused when `at` is after the twin's now).
  if (at_seconds) state = scenario::state_at(state, *at_seconds * 1000);
  auto snap = std::make_shared<Snapshot>();
  // Served as `kubetwin get` shows it: objects from the running twin once the state has been
  // advanced, events from the running twin always (the kubelet's Pulled/Created/Started follow
  // an apply at once).
  const bool advanced = scenario::has_live_twin(state);
  snap->twin = twin_from_state(std::move(state), LiveMode::kAlways);
  snap->view = std::make_unique<report::TwinView>(report::TwinView{
      snap->twin.state, snap->twin.model, advanced ? snap->twin.live.get() : nullptr});
  snap->view->events = snap->twin.live.get();
  snap->api = std::make_unique<report::KubeApi>(*snap->view);
  return snap;
}

// What identifies a version of the state file on disk (SQLite may write a -wal or -journal).
std::string file_signature(const std::filesystem::path& state_file) {
  std::string sig;
  for (const char* suffix : {"", "-wal", "-journal"}) {
    struct stat st {};
    std::string p = state_file.string() + suffix;
    if (::stat(p.c_str(), &st) == 0) {
      sig += p + ":" + std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) + "." +
             std::to_string(st.st_mtim.tv_nsec) + ";";
    }
  }
  return sig;
}

// httplib's task queue with a bound: `threads` workers, at most `max_queued` accepted connections
// waiting; when full, enqueue (the accept loop) waits, so more clients wait in the backlog.
class BoundedPool : public httplib::TaskQueue {
 public:
  BoundedPool(size_t threads, size_t max_queued) : max_queued_(max_queued) {
    for (size_t i = 0; i < threads; ++i) workers_.emplace_back([this] { work(); });
  }
  ~BoundedPool() override = default;

  void enqueue(std::function<void()> fn) override {
    std::unique_lock<std::mutex> lock(mutex_);
    space_.wait(lock, [&] { return jobs_.size() < max_queued_ || shutdown_; });
    jobs_.push_back(std::move(fn));
    ready_.notify_one();
  }

  void shutdown() override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      shutdown_ = true;
    }
    ready_.notify_all();
    space_.notify_all();
    for (std::thread& t : workers_) t.join();
  }

 private:
  void work() {
    for (;;) {
      std::function<void()> fn;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        ready_.wait(lock, [&] { return !jobs_.empty() || shutdown_; });
        if (jobs_.empty()) return;  // shut down and drained
        fn = std::move(jobs_.front());
        jobs_.pop_front();
        space_.notify_one();
      }
      fn();
    }
  }

  size_t max_queued_;
  std::vector<std::thread> workers_;
  std::deque<std::function<void()>> jobs_;
  bool shutdown_ = false;
  std::mutex mutex_;
  std::condition_variable ready_, space_;
};

// Seconds of a Go duration ("32s", "1m0s") or a plain number of seconds; nullopt otherwise.
std::optional<int64_t> duration_seconds(const std::string& text) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos &&
      text.size() < 10) {
    return std::stoll(text);
  }
  if (auto t = sim::parse_duration(text)) return (*t + sim::seconds(1) - 1) / sim::seconds(1);
  return std::nullopt;
}

std::string frame(const char* type, const std::string& object_json) {
  return std::string("{\"type\":\"") + type + "\",\"object\":" + object_json + "}\n";
}

}  // namespace

struct ApiServer::Impl {
  ApiServerOptions options;
  httplib::Server http;
  std::thread listener;
  std::thread reloader;
  std::atomic<bool> stopping{false};
  std::mutex mutex;  // guards snapshot and signature
  std::condition_variable wake;
  std::shared_ptr<const Snapshot> snapshot;
  std::string signature;
  int port = 0;
  bool started = false;

  std::shared_ptr<const Snapshot> current() {
    std::lock_guard<std::mutex> lock(mutex);
    return snapshot;
  }

  void reload_loop() {
    std::unique_lock<std::mutex> lock(mutex);
    while (!stopping) {
      wake.wait_for(lock, std::chrono::milliseconds(options.reload_interval_millis));
      if (stopping) break;
      std::string sig = file_signature(options.state_file);
      if (sig == signature) continue;
      lock.unlock();
      std::shared_ptr<const Snapshot> next;
      try {
        next = load_snapshot(options.state_file, options.at_seconds);
      } catch (const std::exception&) {
        next = nullptr;  // mid-write or unreadable: keep serving the last good state
      }
      lock.lock();
      if (next) {
        snapshot = std::move(next);
        signature = sig;
      }
    }
  }

  static report::ApiRequest to_api(const httplib::Request& req) {
    report::ApiRequest r;
    r.method = req.method;
    r.path = req.path;
    for (const auto& [k, v] : req.params) r.query[k] = v;
    r.accept = req.get_header_value("Accept");
    return r;
  }

  // Streams a watch: the initial ADDED events (unless resourceVersion names the current state),
  // then the differences each time the state changes, until the deadline or shutdown.
  bool stream_watch(const report::ApiRequest& request, std::shared_ptr<const Snapshot> snap,
                    std::vector<report::WatchItem> items, httplib::DataSink& sink) {
    int64_t limit = options.max_watch_seconds;
    for (const char* key : {"timeoutSeconds", "timeout"}) {
      auto it = request.query.find(key);
      if (it == request.query.end()) continue;
      if (auto s = duration_seconds(it->second)) limit = std::min(limit, *s);
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(limit);
    auto write = [&](const std::string& text) { return sink.write(text.data(), text.size()); };
    auto rv = request.query.find("resourceVersion");
    bool from_now = rv != request.query.end() && !rv->second.empty() && rv->second != "0" &&
                    rv->second == snap->api->resource_version();
    if (!from_now) {
      for (const report::WatchItem& i : items) {
        if (!write(frame("ADDED", i.object_json))) return false;
      }
    }
    std::map<std::string, std::string> known;
    std::vector<std::string> order;
    for (const report::WatchItem& i : items) known[i.key] = i.object_json;
    while (!stopping && std::chrono::steady_clock::now() < deadline) {
      {
        std::unique_lock<std::mutex> lock(mutex);
        wake.wait_for(lock, std::chrono::milliseconds(200));
      }
      if (stopping) break;
      std::shared_ptr<const Snapshot> now = current();
      if (now == snap) {
        if (sink.is_writable && !sink.is_writable()) return false;
        continue;
      }
      snap = now;
      report::ApiResponse error;
      auto next = snap->api->watch_items(request, error);
      if (!next) break;
      std::map<std::string, std::string> seen;
      for (const report::WatchItem& i : *next) {
        seen[i.key] = i.object_json;
        auto it = known.find(i.key);
        if (it == known.end()) {
          if (!write(frame("ADDED", i.object_json))) return false;
        } else if (it->second != i.object_json) {
          if (!write(frame("MODIFIED", i.object_json))) return false;
        }
      }
      for (const auto& [key, json] : known) {
        if (!seen.count(key) && !write(frame("DELETED", json))) return false;
      }
      known = std::move(seen);
    }
    sink.done();
    return true;
  }

  void serve(const httplib::Request& req, httplib::Response& res) {
    std::shared_ptr<const Snapshot> snap = current();
    report::ApiRequest request = to_api(req);
    if (request.method == "GET" && snap->api->is_watch(request)) {
      report::ApiResponse error;
      auto items = snap->api->watch_items(request, error);
      if (!items) {
        res.status = error.status;
        res.set_content(error.body, "application/json");
        return;
      }
      res.status = 200;
      // ";stream=watch" as the API server says it; it also keeps httplib from gzipping the
      // stream, which would hold every event back until the watch ends.
      res.set_chunked_content_provider(
          "application/json;stream=watch",
          [this, request, snap, items = std::move(*items)](size_t, httplib::DataSink& sink) {
            return stream_watch(request, snap, items, sink);
          });
      return;
    }
    report::ApiResponse r = snap->api->handle(request);
    res.status = r.status;
    res.set_content(r.body, "application/json");
  }
};

ApiServer::ApiServer(ApiServerOptions options) : impl_(std::make_unique<Impl>()) {
  Impl& im = *impl_;
  im.options = std::move(options);
  im.signature = file_signature(im.options.state_file);
  im.snapshot = load_snapshot(im.options.state_file, im.options.at_seconds);
  httplib::Server& http = im.http;
  size_t threads = static_cast<size_t>(std::max(1, im.options.threads));
  size_t queued = static_cast<size_t>(std::max(1, im.options.queued_connections));
  http.new_task_queue = [threads, queued] { return new BoundedPool(threads, queued); };
  http.set_payload_max_length(kMaxBody);
  // SO_REUSEADDR only: httplib's default adds SO_REUSEPORT, which would let a second server
  // (or anyone) bind the same port beside this one.
  http.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  time_t io = std::max(1, im.options.io_timeout_seconds);
  http.set_read_timeout(io, 0);
  http.set_write_timeout(io, 0);
  http.set_keep_alive_timeout(io);
  http.set_keep_alive_max_count(100);
  auto handler = [&im](const httplib::Request& req, httplib::Response& res) { im.serve(req, res); };
  http.Get(".*", handler);
  http.Post(".*", handler);
  http.Put(".*", handler);
  http.Patch(".*", handler);
  http.Delete(".*", handler);
  http.Options(".*", handler);
  // Errors httplib answers itself (a malformed request, 413, 414) get a Status body too.
  http.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request&,
                                                                 httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    std::string reason = res.status == 413   ? "RequestEntityTooLarge"
                         : res.status == 414 ? "RequestURITooLong"
                         : res.status == 404 ? "NotFound"
                                             : "BadRequest";
    res.set_content(report::KubeApi::status_json(
                        res.status, reason,
                        "the request was refused (HTTP " + std::to_string(res.status) +
                            "): the twin's API takes well-formed GET requests of at most 1 MiB"),
                    "application/json");
    return httplib::Server::HandlerResponse::Handled;
  }));
  http.set_exception_handler([](const httplib::Request&, httplib::Response& res,
                                std::exception_ptr ep) {
    std::string what = "unknown error";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    res.status = 500;
    res.set_content(report::KubeApi::status_json(500, "InternalError", what), "application/json");
  });
  if (im.options.port == 0) {
    im.port = http.bind_to_any_port("127.0.0.1");
    if (im.port <= 0) throw std::runtime_error("cannot bind 127.0.0.1 to any port");
  } else {
    if (!http.bind_to_port("127.0.0.1", im.options.port)) {
      throw std::runtime_error("cannot bind 127.0.0.1:" + std::to_string(im.options.port) +
                               " (in use?)");
    }
    im.port = im.options.port;
  }
}

ApiServer::~ApiServer() {
  stop();
}

int ApiServer::port() const {
  return impl_->port;
}

void ApiServer::start() {
  Impl& im = *impl_;
  if (im.started) return;
  im.started = true;
  im.listener = std::thread([&im] { im.http.listen_after_bind(); });
  im.reloader = std::thread([&im] { im.reload_loop(); });
}

void ApiServer::stop() {
  Impl& im = *impl_;
  if (im.stopping.exchange(true)) return;
  im.wake.notify_all();
  im.http.stop();
  if (im.listener.joinable()) im.listener.join();
  if (im.reloader.joinable()) im.reloader.join();
}

}  // namespace kubetwin::cli
