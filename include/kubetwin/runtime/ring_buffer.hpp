// RingBuffer for the runtime's queues: the kernel's growable FIFO (sim/ring_buffer.hpp).
#pragma once

#include "kubetwin/sim/ring_buffer.hpp"

namespace kubetwin::runtime {

using sim::RingBuffer;

}  // namespace kubetwin::runtime
