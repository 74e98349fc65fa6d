// `kubetwin serve [--port N] [--state FILE] [--kubeconfig FILE] [--at DURATION] [--for DURATION]`:
// the twin's state as a read-only Kubernetes API on 127.0.0.1, for kubectl and k9s.
#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <ostream>

#include "api_server.hpp"
#include "cli_common.hpp"
#include "kubetwin/sim/time.hpp"
#include "verb_functions.hpp"

namespace kubetwin::cli {

namespace {

namespace fs = std::filesystem;

std::string kubeconfig_text(int port) {
  return "apiVersion: v1\n"
         "kind: Config\n"
         "clusters:\n"
         "- cluster:\n"
         "    server: http://127.0.0.1:" +
         std::to_string(port) +
         "\n"
         "  name: kubetwin\n"
         "contexts:\n"
         "- context:\n"
         "    cluster: kubetwin\n"
         "    namespace: default\n"
         "    user: kubetwin\n"
         "  name: kubetwin\n"
         "current-context: kubetwin\n"
         "preferences: {}\n"
         "users:\n"
         "- name: kubetwin\n"
         "  user: {}\n";
}

int64_t duration_flag(const ParsedArgs& args, const std::string& name) {
  std::string text = *args.value(name);
  auto t = sim::parse_duration(text);
  if (!t) {
    throw UsageError("invalid argument \"" + text + "\" for \"--" + name +
                     "\" flag: a duration such as 90s, 5m or 1h30m");
  }
  return *t / sim::seconds(1);
}

}  // namespace

int verb_serve(const Invocation& inv) {
  return guarded(inv, [&]() -> int {
    ParsedArgs args = parse_args(inv.args, {{"port", 0, true},
                                            {"kubeconfig", 0, true},
                                            {"at", 0, true},
                                            {"for", 0, true},
                                            {"threads", 0, true}});
    if (!args.positional.empty()) throw UsageError("serve takes no arguments, only flags");
    ApiServerOptions options;
    options.state_file = state_path(args);
    if (auto p = args.value("port")) {
      if (p->empty() || p->size() > 5 || p->find_first_not_of("0123456789") != std::string::npos ||
          std::stoi(*p) > 65535) {
        throw UsageError("invalid argument \"" + *p +
                         "\" for \"--port\" flag: a port from 0 (any free one) to 65535");
      }
      options.port = std::stoi(*p);
    }
    if (auto t = args.value("threads")) {
      if (t->empty() || t->size() > 3 || t->find_first_not_of("0123456789") != std::string::npos ||
          std::stoi(*t) < 1) {
        throw UsageError("invalid argument \"" + *t + "\" for \"--threads\" flag: 1 to 999");
      }
      options.threads = std::stoi(*t);
    }
    if (args.value("at")) options.at_seconds = duration_flag(args, "at");
    std::optional<int64_t> for_seconds;
    if (args.value("for")) for_seconds = duration_flag(args, "for");
    fs::path kubeconfig = args.value("kubeconfig").value_or(".kubetwin/kubeconfig");

    // SIGINT and SIGTERM are taken synchronously by this thread (sigtimedwait below): block them
    // before the server's threads start so that they inherit the mask.
    sigset_t stop_signals, previous;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, &previous);
    struct RestoreMask {
      sigset_t mask;
      ~RestoreMask() { pthread_sigmask(SIG_SETMASK, &mask, nullptr); }
    } restore{previous};

    std::unique_ptr<ApiServer> server;
    try {
      server = std::make_unique<ApiServer>(options);
    } catch (const std::runtime_error& e) {
      if (dynamic_cast<const k8s::InputError*>(&e)) throw;
      inv.err << "error: " << e.what()
              << "\n  hint: pick another port with --port N, or --port 0 for any free one\n";
      return kExitBadInput;
    }
    std::error_code ec;
    if (kubeconfig.has_parent_path()) fs::create_directories(kubeconfig.parent_path(), ec);
    std::ofstream out(kubeconfig, std::ios::trunc);
    out << kubeconfig_text(server->port());
    out.close();
    if (!out) {
      inv.err << "error: " << kubeconfig.string() << ": cannot write the kubeconfig"
              << "\n  hint: name a writable file with --kubeconfig FILE\n";
      return kExitBadInput;
    }
    server->start();
    std::string url = "http://127.0.0.1:" + std::to_string(server->port());
    inv.out << "kubetwin serve: " << options.state_file.string() << " read-only on " << url << "\n"
            << "kubeconfig written to " << kubeconfig.string() << ":\n"
            << "  KUBECONFIG=" << kubeconfig.string() << " kubectl get pods -A\n"
            << "  KUBECONFIG=" << kubeconfig.string() << " k9s --readonly\n"
            << (for_seconds ? "serving for " + std::to_string(*for_seconds) + "s"
                            : std::string("serving until Ctrl-C"))
            << "\n";
    inv.out.flush();

    auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(for_seconds.value_or(0));
    while (true) {
      timespec wait{0, 200 * 1000 * 1000};
      int sig = sigtimedwait(&stop_signals, nullptr, &wait);
      if (sig == SIGINT || sig == SIGTERM) break;
      if (for_seconds && std::chrono::steady_clock::now() >= deadline) break;
    }
    server->stop();
    inv.out << "kubetwin serve: stopped\n";
    return kExitOk;
  });
}

}  // namespace kubetwin::cli
