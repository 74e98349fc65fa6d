// `kubetwin sweep SCENARIO`: a scenario over the Cartesian product of iteration variables, run
// across local cores (or one shard of it), into the results database; and `kubetwin merge`,
// which combines the shards' files. `--emit-job N` writes the Kubernetes Indexed Job instead.
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "cli_common.hpp"
#include "kubetwin/k8s/diagnostic.hpp"
#include "kubetwin/report/results_db.hpp"
#include "kubetwin/report/sweep_db.hpp"
#include "kubetwin/scenario/sweep.hpp"
#include "progress.hpp"
#include "run_flags.hpp"
#include "verb_functions.hpp"

namespace kubetwin::cli {

namespace {

constexpr const char* kSweepUsage =
    "usage: kubetwin sweep SCENARIO [--set PATH=VALUES]... [--replications N] [--jobs N] "
    "[--run N | --shard i/N | --shard auto [--shard-count N]] [--db FILE] [--route ROUTE] "
    "[--quiet] [--emit-job N [--image IMAGE]]";
constexpr const char* kMergeUsage = "usage: kubetwin merge OUT.db SHARD.db...";

struct Shard {
  int index = 0;
  int count = 1;
};

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return std::nullopt;
  return std::string(v);
}

// --shard i/N, or auto: SLURM_ARRAY_TASK_ID / SLURM_ARRAY_TASK_COUNT, else JOB_COMPLETION_INDEX
// with N from --shard-count or KUBETWIN_SHARD_COUNT.
Shard shard_flag(const ParsedArgs& args) {
  Shard s;
  const std::string v = *args.value("shard");
  if (v == "auto") {
    std::optional<std::string> index = env("SLURM_ARRAY_TASK_ID");
    std::optional<std::string> count = env("SLURM_ARRAY_TASK_COUNT");
    if (!index) {
      index = env("JOB_COMPLETION_INDEX");
      count = args.value("shard-count");
      if (!count) count = env("KUBETWIN_SHARD_COUNT");
    }
    if (!index || !count)
      throw UsageError(
          "--shard auto found no shard: set SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT (a "
          "Slurm job array), or JOB_COMPLETION_INDEX (an Indexed Job) with --shard-count N");
    s.count = whole_number(*count, "the shard count", 1, scenario::kMaxSweepRuns);
    s.index = whole_number(*index, "the shard index", 0, s.count - 1);
    return s;
  }
  const size_t slash = v.find('/');
  if (slash == std::string::npos)
    throw UsageError("--shard must be i/N (e.g. 2/8) or auto, got \"" + v + "\"");
  s.count = whole_number(v.substr(slash + 1), "--shard's N", 1, scenario::kMaxSweepRuns);
  s.index = whole_number(v.substr(0, slash), "--shard's i", 0, s.count - 1);
  return s;
}

std::string yaml_quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) out += c == '"' || c == '\\' ? std::string("\\") + c : std::string(1, c);
  return out + "\"";
}

// The Indexed Job that runs this sweep as `shards` pods (deploy/sweep/, README "Sweeps on a
// cluster"): each pod runs `kubetwin sweep` on its shard into its own file on the results volume.
// `command` (the command line that asked for it) goes into its header.
std::string emit_job(const std::string& scenario_path, const std::vector<std::string>& sets,
                     std::optional<int> replications, int shards, const std::string& image,
                     const std::string& command) {
  std::string args = "            - sweep\n            - " + yaml_quoted(scenario_path) + "\n";
  for (const std::string& s : sets)
    args += "            - --set\n            - " + yaml_quoted(s) + "\n";
  if (replications)
    args += fmt::format("            - --replications\n            - \"{}\"\n", *replications);
  return fmt::format(
      R"(# The sweep as a Kubernetes Indexed Job: pod i runs shard i of {shards} and writes its own results
# file; merge/ combines them. Written by:
#   {command}
apiVersion: batch/v1
kind: Job
metadata:
  name: kubetwin-sweep
  labels:
    app.kubernetes.io/name: kubetwin-sweep
spec:
  completionMode: Indexed
  completions: {shards}
  parallelism: {shards}
  backoffLimitPerIndex: 2  # a failed shard is retried alone (Kubernetes 1.29 and later)
  template:
    metadata:
      labels:
        app.kubernetes.io/name: kubetwin-sweep
    spec:
      restartPolicy: Never
      # The image runs as nobody; fsGroup makes the results volume writable by it.
      securityContext:
        runAsNonRoot: true
        runAsUser: 65534
        runAsGroup: 65534
        fsGroup: 65534
      containers:
        - name: sweep
          image: {image}
          workingDir: /opt/kubetwin
          command: [kubetwin]
          args:
{args}            - --shard
            - "$(JOB_COMPLETION_INDEX)/{shards}"
            - --db
            - "/results/shard-$(JOB_COMPLETION_INDEX).db"
            - --jobs
            - "2"
            - --quiet
          env:
            - name: JOB_COMPLETION_INDEX
              valueFrom:
                fieldRef:
                  fieldPath: metadata.annotations['batch.kubernetes.io/job-completion-index']
          resources:
            requests:
              cpu: "2"
              memory: 1Gi
            limits:
              cpu: "2"
              memory: 2Gi
          volumeMounts:
            - name: input
              mountPath: /opt/kubetwin/deploy/sweep
              readOnly: true
            - name: results
              mountPath: /results
      volumes:
        - name: input
          configMap:
            name: kubetwin-sweep-input
        - name: results
          persistentVolumeClaim:
            claimName: kubetwin-sweep-results
)",
      fmt::arg("shards", shards), fmt::arg("command", command), fmt::arg("image", image),
      fmt::arg("args", args));
}

}  // namespace

// Exit 0 when the runs ran (whatever their checks said: a sweep explores where they fail), 2 on
// bad input, 3 when a run could not be written or --run gave other bytes than the stored run.
int verb_sweep(const Invocation& inv) {
  try {
    ParsedArgs args = parse_args(inv.args, {{"set", 0, true},
                                            {"replications", 0, true},
                                            {"jobs", 'j', true},
                                            {"run", 0, true},
                                            {"shard", 0, true},
                                            {"shard-count", 0, true},
                                            {"db", 0, true},
                                            {"route", 0, true},
                                            {"quiet", 'q', false},
                                            {"emit-job", 0, true},
                                            {"image", 0, true},
                                            {"help", 'h', false}});
    if (args.has("help")) {
      inv.out << kSweepUsage << "\n";
      return kExitOk;
    }
    if (args.positional.size() != 1)
      throw UsageError(args.positional.empty() ? "sweep needs a SCENARIO file"
                                               : "sweep takes one SCENARIO file");
    if (args.has("run") && args.has("shard"))
      throw UsageError("--run and --shard exclude each other");
    std::vector<std::string> set_texts;
    if (auto it = args.values.find("set"); it != args.values.end()) set_texts = it->second;
    std::vector<scenario::SweepVariable> set;
    for (size_t i = 0; i < set_texts.size(); ++i)
      set.push_back(scenario::parse_set_flag(set_texts[i], static_cast<int>(i) + 1));
    std::optional<int> replications;
    if (args.has("replications"))
      replications = positive_flag(args, "replications", scenario::kMaxReplications);
    const int jobs = args.has("jobs") ? positive_flag(args, "jobs", 1024) : 0;
    std::optional<Shard> shard;
    if (args.has("shard")) shard = shard_flag(args);

    const std::string& path = args.positional.front();
    const scenario::SweepPlan plan = scenario::plan_sweep(path, set, replications);
    if (auto n = args.value("emit-job")) {
      const int shards = whole_number(*n, "--emit-job", 1, 10'000);
      const std::string image = args.value("image").value_or("kubetwin:latest");
      if (image.empty() ||
          image.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                                  "._/:@-") != std::string::npos)
        throw UsageError(
            "--image must be an image reference (registry/name:tag or @digest), got \"" + image +
            "\"");
      inv.out << emit_job(path, set_texts, replications, shards, image, command_line("sweep", inv));
      return kExitOk;
    }
    std::vector<int> runs;
    if (auto r = args.value("run")) {
      runs.push_back(whole_number(*r, "--run", 0, plan.runs() - 1));
    } else {
      for (int r = 0; r < plan.runs(); ++r)
        if (!shard || r % shard->count == shard->index) runs.push_back(r);
    }

    report::SweepDb db = report::SweepDb::open(report::resolve_results_path(args.value("db")));
    const int64_t sweep_id = db.begin_sweep(plan, report::model_digest(plan.base()));
    const std::set<int> done = db.runs_done(sweep_id);
    std::vector<int> todo;
    for (int r : runs)
      if (args.has("run") || !done.count(r)) todo.push_back(r);
    if (todo.size() != runs.size())
      inv.err << fmt::format("{} of these {} runs are in {} already; running the other {}\n",
                             runs.size() - todo.size(), runs.size(), db.path().string(),
                             todo.size());

    Progress progress(inv.err, progress_wanted(inv.err, args.has("quiet")),
                      "sweep " + plan.base().name, "runs", static_cast<int>(todo.size()),
                      plan.base().duration * static_cast<sim::Time>(todo.size()), progress_delay());
    bool write_failed = false;
    bool differs = false;
    std::vector<std::string> run_lines;
    scenario::run_sweep(plan, todo, jobs, &progress, [&](scenario::SweepRun&& r) {
      if (args.has("run")) {
        const std::string fp = fmt::format("0x{:016x}", r.result.fingerprint);
        std::string line =
            fmt::format("run {}: point {} replication {} seed {}, {} events, fingerprint {}", r.run,
                        r.point, r.replication, r.seed, r.result.events, fp);
        const std::vector<std::string> values = plan.values_at(r.point);
        for (size_t k = 0; k < values.size(); ++k)
          line += fmt::format("\n  {} = {}", plan.variables()[k].path, values[k]);
        if (auto stored = db.stored_fingerprint(sweep_id, r.run)) {
          differs = *stored != fp;
          line += *stored == fp ? "\n  the same as the stored run"
                                : "\n  DIFFERS from the stored run (" + *stored + ")";
          run_lines.push_back(line);
          return;
        }
        run_lines.push_back(line);
      }
      try {
        db.write_run(sweep_id, r);
      } catch (const std::exception& e) {
        write_failed = true;
        inv.err << "error: " << db.path().string() << ": cannot write run " << r.run << ": "
                << e.what() << "\n";
      }
    });
    progress.finish();
    db.write_points(sweep_id);
    for (const std::string& l : run_lines) inv.out << l << "\n";
    const report::SweepSummary summary = db.summary(sweep_id, args.value("route").value_or(""));
    if (shard)
      inv.out << fmt::format("shard {}/{}: {} runs\n", shard->index, shard->count, runs.size());
    inv.out << report::render_sweep_summary(summary);
    inv.out << "results: " << db.path().string() << "\n";
    if (write_failed) return kExitInternal;
    return differs ? kExitInternal : kExitOk;
  } catch (const UsageError& e) {
    inv.err << "error: " << e.what() << "\n  hint: " << kSweepUsage << "\n";
    return kExitBadInput;
  }
}

// Exit 0 when merged, 2 when a shard is refused (nothing written).
int verb_merge(const Invocation& inv) {
  try {
    ParsedArgs args = parse_args(inv.args, {{"help", 'h', false}});
    if (args.has("help")) {
      inv.out << kMergeUsage << "\n";
      return kExitOk;
    }
    if (args.positional.size() < 2)
      throw UsageError("merge needs OUT.db and at least one SHARD.db");
    std::vector<std::filesystem::path> shards(args.positional.begin() + 1, args.positional.end());
    const report::SweepSummary s = report::merge_sweep_shards(args.positional.front(), shards);
    inv.out << fmt::format("merged {} shard files into {}\n", shards.size(),
                           args.positional.front());
    inv.out << report::render_sweep_summary(s);
    return kExitOk;
  } catch (const UsageError& e) {
    inv.err << "error: " << e.what() << "\n  hint: " << kMergeUsage << "\n";
    return kExitBadInput;
  }
}

bool wants_sweep_report(std::span<const std::string> args) {
  for (const std::string& a : args)
    if (a == "--sweep" || a.rfind("--sweep=", 0) == 0) return true;
  return false;
}

// Exit 0 when written; 2 on bad input (no such sweep, an incomplete one, an unwritable file).
int verb_report_sweep(const Invocation& inv) {
  constexpr const char* kUsage =
      "usage: kubetwin report [DB] --sweep ID|latest --html FILE [--route ROUTE]";
  try {
    ParsedArgs args =
        parse_args(inv.args, {{"sweep", 0, true}, {"html", 0, true}, {"route", 0, true}});
    if (args.positional.size() > 1) throw UsageError("report takes at most one DB file");
    if (!args.value("html"))
      throw UsageError("--sweep draws the sweep's surface: give --html FILE");
    std::optional<std::string> path;
    if (!args.positional.empty()) path = args.positional.front();
    const std::filesystem::path file = report::resolve_results_path(path);
    // Read-only first: a missing or foreign file is an input error, and nothing is created.
    { report::ResultsDb::open(file, report::ResultsDb::Mode::kReadOnly); }
    report::SweepDb db = report::SweepDb::open(file);
    int64_t id = 0;
    if (*args.value("sweep") == "latest") {
      std::optional<int64_t> latest = db.latest_sweep();
      if (!latest) throw UsageError(file.string() + " holds no sweep");
      id = *latest;
    } else {
      id = whole_number(*args.value("sweep"), "--sweep", 1, 1'000'000'000);
    }
    if (id > db.latest_sweep().value_or(0))
      throw UsageError(fmt::format("{} holds no sweep {}", file.string(), id));
    const std::string html =
        report::render_sweep_html(db.surface(id, args.value("route").value_or("")));
    const std::string out = *args.value("html");
    const std::string tmp = out + ".tmp";
    std::ofstream f(tmp);
    f << html;
    f.close();
    if (!f || std::rename(tmp.c_str(), out.c_str()) != 0) {
      std::remove(tmp.c_str());
      inv.err << "error: " << out << ": cannot write the report\n  hint: check that its directory "
              << "exists and is writable\n";
      return kExitBadInput;
    }
    return kExitOk;
  } catch (const UsageError& e) {
    inv.err << "error: " << e.what() << "\n  hint: " << kUsage << "\n";
    return kExitBadInput;
  }
}

}  // namespace kubetwin::cli
