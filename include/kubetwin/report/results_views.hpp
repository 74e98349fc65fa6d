// Views of the results database (results_db.hpp): the `kubetwin runs` list and the HTML report.
//
// Pure functions of what the database holds: the same stored run gives the same bytes.
//
// The HTML report is one self-contained file: inline CSS and SVG, no script, no network. The
// verdict table comes first; then the faults, the topology (namespaces as boxes holding
// workloads, Services and volumes; edges from the dependency graph; cross-environment edges and
// flows in red), then charts over simulated time with axes, units and legends (throughput with
// the offered rate, error rate, answers by status, latency quantiles per route, CPU, queue and
// Ready pods per workload, PostgreSQL connections, Kafka ISR and lag per partition, volume bytes
// with each volume's projection to full), faults shaded and the knee marked; then the figures.
#pragma once

#include <string>
#include <vector>

#include "kubetwin/report/results_db.hpp"

namespace kubetwin::report {

// kubectl-like: ID, STARTED, SCENARIO, SEED, REPLICATIONS, DURATION, VERDICT, CHECKS, WALL.
std::string render_runs_table(const std::vector<RunListing>& runs);
// One JSON object: {"runs": [{"id": ..., "started_at": ..., ...}]}.
std::string render_runs_json(const std::vector<RunListing>& runs);

std::string render_html_report(const StoredRun& run);

}  // namespace kubetwin::report
