// LivelockProbe: a test-only component that re-arms itself at the same instant forever, so that
// tests can see the engine's progress guard (issue 14) stop a run and name it. Planted only by the
// scenario override `test.plantLivelockAt: D`; nothing else creates one.
#pragma once

#include <string>

#include "kubetwin/sim/engine.hpp"

namespace kubetwin::runtime {

class LivelockProbe {
 public:
  LivelockProbe(sim::Engine& engine, sim::Time at) : engine_(engine) {
    engine_.schedule_at<&LivelockProbe::spin>(at, this);
  }
  const std::string& name() const { return name_; }

 private:
  void spin() { engine_.schedule_after<&LivelockProbe::spin>(0, this); }

  sim::Engine& engine_;
  std::string name_ = "test-livelock-probe";
};

}  // namespace kubetwin::runtime
