// World: pods, gateways, Services and datastores on the engine; the request state machine.
#include "kubetwin/runtime/world.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <stdexcept>

#include "kubetwin/runtime/pod_cpu.hpp"
#include "kubetwin/runtime/ring_buffer.hpp"
#include "kubetwin/sim/random.hpp"
#include "kubetwin/topology/network_policy.hpp"
#include "runtime/world_impl.hpp"

namespace kubetwin::runtime {

World::World(const topology::Model& model, const BehaviourSpec& behaviour,
             const WorldOptions& options)
    : impl_(std::make_unique<Impl>(
          model, std::vector<WorldEnvironment>{{"", options.namespaces, behaviour}}, options)) {}

World::World(const topology::Model& model, std::vector<WorldEnvironment> environments,
             const WorldOptions& options)
    : impl_(std::make_unique<Impl>(model, std::move(environments), options)) {}

World::~World() = default;

sim::Engine& World::engine() {
  return impl_->engine;
}

bool World::gateway_entry(const std::string& gateway, const std::string& host, EntryId* out,
                          std::string* error) {
  return impl_->gateway_entry(gateway, host, out, error);
}

bool World::service_entry(const std::string& ns, const std::string& service, int port, EntryId* out,
                          std::string* error) {
  return impl_->service_entry(ns, service, port, out, error);
}

bool World::route(EntryId entry, const std::string& request_line, RouteId* out,
                  std::string* error) {
  return impl_->add_route(entry, request_line, out, error);
}

void World::send(RouteId route, ResponseFn done, void* context, uint64_t token) {
  impl_->send(route, done, context, token, impl_->engine.now());
}
void World::set_horizon(sim::Time end) {
  impl_->set_horizon(end);
}
void World::arrive(RouteId route, sim::Time sent) {
  impl_->send(route, nullptr, nullptr, 0, sent);
}
sim::Time World::arrival_delay(RouteId route) const {
  return impl_->arrival_delay(route);
}

void World::schedule_faults(const std::vector<FaultPlan>& faults) {
  impl_->schedule_faults(faults);
}

void World::start() {
  impl_->start();
}
void World::end_warmup() {
  impl_->end_warmup();
}
RunFigures World::figures() const {
  return impl_->figures();
}
void World::sample_series() {
  impl_->sample_series();
}
void World::set_log_sink(LogSink* sink) {
  impl_->set_log_sink(sink);
}
std::vector<PodStatus> World::pod_statuses() const {
  return impl_->pod_statuses();
}
std::vector<NodeStatus> World::node_statuses() const {
  return impl_->node_statuses();
}
const std::vector<ScaleRecord>& World::scale_records() const {
  return impl_->scale_records;
}
const std::vector<KubeEvent>& World::kube_events() const {
  return impl_->kube_events();
}

}  // namespace kubetwin::runtime
