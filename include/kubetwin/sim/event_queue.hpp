// EventQueue: the pending events of a simulation, ordered by (time, sequence number).
//
// Promises:
// - Events at equal times come out in the order they were pushed (the sequence number breaks ties).
// - push, pop and cancel allocate nothing once the queue has grown to its high-water mark.
// - A cancelled event never comes out; cancelling an event that already ran, or was already
//   cancelled, is a harmless no-op that returns false (handles carry a generation).
//
// Layout: the earliest future events in a short sorted run (the near run, up to 32 keys, each
// ahead of every heap key), the later ones in a 4-ary array heap of 16-byte keys
// {time, seq << 24 | slot}, a FIFO lane for events pushed at the current time (most zero-delay
// hand-offs skip both), and a slab of 32-byte records {fn, context, arg, state, generation}
// indexed by slot. About 48 bytes per pending event: 1e6 pending events take ~48 MB.
//
// Cancellation is lazy: a cancelled event's key stays in the heap, marked dead in its record,
// and is dropped when it reaches the top. The heap so never needs to know where a key sits, and
// a sift moves 16 bytes per level instead of also writing the moved event's record (a store to
// a random record per level, for the few events ever cancelled: issue 15's profile). Dead keys
// are purged (an O(n) rebuild) once they outnumber the live ones, so they never more than double
// the heap.
//
// | operation      | cost                                                             |
// |----------------|------------------------------------------------------------------|
// | push (future)  | O(r) into the near run (r: its keys earlier than the new one),   |
// |                | or O(log4 n) sift-up when the new key is behind the heap's top   |
// | push (now)     | O(1) FIFO append                                                 |
// | pop            | O(1) from the FIFO or the near run, else O(4 log4 n) sift-down   |
// | cancel         | O(1), plus an amortised O(1) share of the purges                 |
// | reschedule     | a cancel and a push                                              |
//
// Limits: at most 2^24 (16.7M) events pending at once and 2^40 (1.1e12) pushes per queue; past
// either push throws std::length_error.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "kubetwin/sim/time.hpp"

namespace kubetwin::sim {

// What an event runs: a plain function with a context pointer and a 64-bit argument. No
// std::function, no allocation per event. Engine::schedule binds member functions to this.
using EventFn = void (*)(void* context, uint64_t arg);

// A handle to a pending event, valid until the event runs or is cancelled.
struct EventId {
  uint32_t slot = UINT32_MAX;
  uint32_t generation = 0;
  bool valid() const { return slot != UINT32_MAX; }
};

struct PoppedEvent {
  Time time;
  uint64_t seq;
  EventFn fn;
  void* context;
  uint64_t arg;
};

// Arity is the heap's fan-out; EventQueue below fixes the measured winner (README "Performance").
template <int Arity>
class BasicEventQueue {
 public:
  static constexpr int kArity = Arity;
  static constexpr int kSlotBits = 24;
  static constexpr uint64_t kSlotMask = (uint64_t{1} << kSlotBits) - 1;
  static constexpr uint64_t kMaxSeq = (uint64_t{1} << (64 - kSlotBits)) - 1;

  // The time of the last event popped: pushes at this time take the FIFO lane.
  Time current_time() const { return now_; }
  size_t size() const { return heap_.size() + near_size_ - heap_dead_ + fifo_live_; }
  bool empty() const { return size() == 0; }

  // Requires time >= current_time().
  EventId push(Time time, EventFn fn, void* context, uint64_t arg) {
    if (seq_ > kMaxSeq) throw std::length_error("EventQueue: more than 2^40 events pushed");
    uint32_t slot = allocate_slot();
    Record& r = records_[slot];
    r.fn = fn;
    r.context = context;
    r.arg = arg;
    uint64_t key = (seq_++ << kSlotBits) | slot;
    if (time == now_) {
      r.state = kInFifo;
      fifo_.push_back(key);
      ++fifo_live_;
    } else {
      r.state = kInHeap;
      if (heap_.empty() || earlier(time, key, heap_[0])) {
        if (near_size_ == kNear) {
          evict_near();
          if (!earlier(time, key, heap_[0])) {
            heap_push(time, key);
            return EventId{slot, r.generation};
          }
        }
        near_insert(time, key);
      } else {
        heap_push(time, key);
      }
    }
    return EventId{slot, r.generation};
  }

  bool cancel(EventId id) {
    if (id.slot >= records_.size()) return false;
    Record& r = records_[id.slot];
    if (r.generation != id.generation || r.state >= kCancelled) return false;
    // The key stays in its lane until it reaches the head; the slot is freed then.
    ++r.generation;
    if (r.state == kInFifo) {
      r.state = kCancelled;
      --fifo_live_;
      return true;
    }
    r.state = kCancelled;
    if (++heap_dead_ > kPurgeFloor && heap_dead_ > heap_.size() + near_size_ - heap_dead_) purge();
    return true;
  }

  // Moves a pending event to `time` (>= current_time()), exactly as if it had been cancelled and
  // pushed again: it takes a fresh sequence number and a new handle. Returns the new handle, or
  // an invalid one when `id` is not pending.
  EventId reschedule(EventId id, Time time) {
    if (id.slot >= records_.size()) return EventId{};
    const Record& r = records_[id.slot];
    if (r.generation != id.generation || r.state >= kCancelled) return EventId{};
    const EventFn fn = r.fn;
    void* const context = r.context;
    const uint64_t arg = r.arg;
    cancel(id);
    return push(time, fn, context, arg);
  }

  // Removes the earliest event into *out if its time is <= limit. False when nothing is pending
  // up to limit.
  bool pop(PoppedEvent* out, Time limit = kTimeMax) {
    for (;;) {
      const HeapEntry* first = near_size_ > 0  ? &near_[near_size_ - 1]
                               : heap_.empty() ? nullptr
                                               : &heap_[0];
      bool heap_first = first && (fifo_head_ == fifo_.size() || first->time == now_);
      if (heap_first) {
        if (first->time > limit) return false;
        const HeapEntry top = *first;
        if (near_size_ > 0) {
          --near_size_;
        } else {
          pop_root();
        }
        uint32_t slot = static_cast<uint32_t>(top.key & kSlotMask);
        if (records_[slot].state == kCancelled) [[unlikely]] {
          --heap_dead_;
          release(slot);
          continue;
        }
        now_ = top.time;
        fill(out, top.time, top.key, slot);
        return true;
      }
      if (fifo_head_ == fifo_.size() || now_ > limit) return false;
      uint64_t key = fifo_[fifo_head_++];
      if (fifo_head_ == fifo_.size()) {
        fifo_.clear();
        fifo_head_ = 0;
      }
      uint32_t slot = static_cast<uint32_t>(key & kSlotMask);
      if (records_[slot].state == kCancelled) {
        release(slot);
        continue;
      }
      --fifo_live_;
      fill(out, now_, key, slot);
      return true;
    }
  }

  // Moves the current time forward to t when nothing is pending before t (run_until's idle end).
  void advance_to(Time t) {
    if (t > now_ && next_time() >= t) now_ = t;
  }

  // Time of the earliest pending event, or kTimeMax.
  Time next_time() {
    skip_cancelled_fifo_head();
    if (fifo_head_ < fifo_.size()) return now_;
    skip_cancelled_top();
    if (near_size_ > 0) return near_[near_size_ - 1].time;
    return heap_.empty() ? kTimeMax : heap_[0].time;
  }

  // Bytes held by the queue's arrays (capacity, not size): what 1e6 pending events cost.
  size_t memory_bytes() const {
    return heap_.capacity() * sizeof(HeapEntry) + records_.capacity() * sizeof(Record) +
           fifo_.capacity() * sizeof(uint64_t);
  }

  void reserve(size_t n) {
    heap_.reserve(n);
    records_.reserve(n);
  }

 private:
  // A record's state. Pending states first: `state >= kCancelled` means "not pending".
  static constexpr uint32_t kInHeap = 0;
  static constexpr uint32_t kInFifo = 1;
  static constexpr uint32_t kCancelled = 2;  // its key is still in the heap or the FIFO
  static constexpr uint32_t kFree = 3;
  static constexpr uint32_t kNoSlot = UINT32_MAX;
  static constexpr uint64_t kTimeSign = uint64_t{1} << 63;
  // Dead keys tolerated in the heap before a purge is considered (a small heap is not worth
  // rebuilding for a handful).
  static constexpr size_t kPurgeFloor = 64;
  // Capacity of the near run (below): its insertions shift at most this many keys.
  static constexpr uint32_t kNear = 32;

  struct HeapEntry {
    Time time;
    uint64_t key;  // seq << kSlotBits | slot: orders equal times by push order
  };
  struct Record {
    EventFn fn;
    void* context;
    uint64_t arg;
    uint32_t state;
    uint32_t generation;
  };

  static bool less(const HeapEntry& a, const HeapEntry& b) {
    return a.time < b.time || (a.time == b.time && a.key < b.key);
  }
  // less() for a key not yet stored: push keeps {time, key} in registers, never as a HeapEntry
  // on the stack. Built there in two 8-byte halves and loaded as one 16-byte value, it stalled on
  // store forwarding (perf: a third of push's time).
  static bool earlier(Time time, uint64_t key, const HeapEntry& b) {
    return time < b.time || (time == b.time && key < b.key);
  }

  // Free slots form a stack threaded through their records' `arg` (an intrusive list: no
  // vector growth check on the hot path).
  uint32_t allocate_slot() {
    if (free_head_ != kNoSlot) {
      uint32_t s = free_head_;
      free_head_ = static_cast<uint32_t>(records_[s].arg);
      return s;
    }
    if (records_.size() > kSlotMask) {
      throw std::length_error("EventQueue: more than 2^24 events pending");
    }
    records_.push_back(Record{nullptr, nullptr, 0, kFree, 0});
    return static_cast<uint32_t>(records_.size() - 1);
  }

  void free_slot(uint32_t slot) {
    Record& r = records_[slot];
    r.state = kFree;
    ++r.generation;
    r.arg = free_head_;
    free_head_ = slot;
  }

  // Frees a slot whose generation was already advanced by cancel().
  void release(uint32_t slot) {
    Record& r = records_[slot];
    r.state = kFree;
    r.arg = free_head_;
    free_head_ = slot;
  }

  void fill(PoppedEvent* out, Time time, uint64_t key, uint32_t slot) {
    const Record& r = records_[slot];
    *out = PoppedEvent{time, key >> kSlotBits, r.fn, r.context, r.arg};
    free_slot(slot);
  }

  void skip_cancelled_fifo_head() {
    while (fifo_head_ < fifo_.size()) {
      uint32_t slot = static_cast<uint32_t>(fifo_[fifo_head_] & kSlotMask);
      if (records_[slot].state != kCancelled) return;
      release(slot);
      if (++fifo_head_ == fifo_.size()) {
        fifo_.clear();
        fifo_head_ = 0;
      }
    }
  }

  // Drops the cancelled keys ahead of the first live one: in the near run, then at the heap's top.
  void skip_cancelled_top() {
    while (near_size_ > 0) {
      const uint32_t slot = static_cast<uint32_t>(near_[near_size_ - 1].key & kSlotMask);
      if (records_[slot].state != kCancelled) return;
      --near_size_;
      --heap_dead_;
      release(slot);
    }
    while (!heap_.empty()) {
      const uint32_t slot = static_cast<uint32_t>(heap_[0].key & kSlotMask);
      if (records_[slot].state != kCancelled) return;
      pop_root();
      --heap_dead_;
      release(slot);
    }
  }

  // Drops every dead key and rebuilds the heap (Floyd's bottom-up construction, O(n)). Keys are
  // unique, so the order events come out in does not depend on the heap's layout.
  void purge() {
    uint32_t near_kept = 0;  // the near run stays sorted: a stable filter
    for (uint32_t i = 0; i < near_size_; ++i) {
      const uint32_t slot = static_cast<uint32_t>(near_[i].key & kSlotMask);
      if (records_[slot].state == kCancelled) {
        release(slot);
      } else {
        near_[near_kept++] = near_[i];
      }
    }
    near_size_ = near_kept;
    size_t kept = 0;
    for (const HeapEntry& e : heap_) {
      const uint32_t slot = static_cast<uint32_t>(e.key & kSlotMask);
      if (records_[slot].state == kCancelled) {
        release(slot);
      } else {
        heap_[kept++] = e;
      }
    }
    heap_.resize(kept);
    heap_dead_ = 0;
    const uint32_t n = static_cast<uint32_t>(kept);
    if (n > 1) {
      for (uint32_t pos = (n - 2) / kArity + 1; pos-- > 0;) sift_down(pos);
    }
  }

  // Inserts {time, key} (ahead of the heap's top) into the near run, which has room.
  void near_insert(Time time, uint64_t key) {
    uint32_t i = near_size_++;
    while (i > 0 &&
           (near_[i - 1].time < time || (near_[i - 1].time == time && near_[i - 1].key < key))) {
      near_[i] = near_[i - 1];
      --i;
    }
    near_[i].time = time;
    near_[i].key = key;
  }

  // The near run is full: its later half goes into the heap (each key is ahead of every heap key,
  // so the run stays ahead of the heap), and the earlier half moves to the run's front.
  void evict_near() {
    constexpr uint32_t kHalf = kNear / 2;
    for (uint32_t i = 0; i < kHalf; ++i) heap_push(near_[i].time, near_[i].key);
    std::copy(near_.begin() + kHalf, near_.begin() + near_size_, near_.begin());
    near_size_ -= kHalf;
  }

  void place(uint32_t pos, const HeapEntry& e) { heap_[pos] = e; }

  // The key, passed in registers, is written once, where the sift-up leaves it.
  void heap_push(Time time, uint64_t key) {
    heap_.push_back(HeapEntry{time, key});
    uint32_t pos = static_cast<uint32_t>(heap_.size() - 1);
    while (pos > 0) {
      const uint32_t parent = (pos - 1) / kArity;
      if (!earlier(time, key, heap_[parent])) break;
      place(pos, heap_[parent]);
      pos = parent;
    }
    heap_[pos].time = time;
    heap_[pos].key = key;
  }

  void sift_up(uint32_t pos) {
    HeapEntry e = heap_[pos];
    while (pos > 0) {
      uint32_t parent = (pos - 1) / kArity;
      if (!less(e, heap_[parent])) break;
      place(pos, heap_[parent]);
      pos = parent;
    }
    place(pos, e);
  }

  // (time, key) as one unsigned 128-bit number, the sign bit of time flipped so that negative
  // times still sort first: a compare-and-borrow pair that yields a flag, no branch.
  static unsigned __int128 order(const HeapEntry& e) {
    return (static_cast<unsigned __int128>(static_cast<uint64_t>(e.time) ^ kTimeSign) << 64) |
           e.key;
  }

  // The smallest of the children heap_[first..first + kArity) that exist (first < n).
  uint32_t min_child(uint32_t first, uint32_t n) const {
    if constexpr (kArity == 4) {
      if (first + 4 <= n) [[likely]] {
        // A tournament in flags and conditional moves: which child is smallest is a coin toss,
        // and a mispredicted branch per compare was the pop's main cost (perf, issue 15).
        const HeapEntry* h = &heap_[first];
        const uint32_t a = first + static_cast<uint32_t>(order(h[1]) < order(h[0]));
        const uint32_t b = first + 2 + static_cast<uint32_t>(order(h[3]) < order(h[2]));
        return order(heap_[b]) < order(heap_[a]) ? b : a;
      }
    }
    uint32_t best = first;
    const uint32_t end = first + kArity < n ? first + kArity : n;
    for (uint32_t c = first + 1; c < end; ++c) {
      if (less(heap_[c], heap_[best])) best = c;
    }
    return best;
  }

  void sift_down(uint32_t pos) {
    const uint32_t n = static_cast<uint32_t>(heap_.size());
    HeapEntry e = heap_[pos];
    for (;;) {
      uint32_t first = pos * kArity + 1;
      if (first >= n) break;
      const uint32_t best = min_child(first, n);
      if (!less(heap_[best], e)) break;
      place(pos, heap_[best]);
      pos = best;
    }
    place(pos, e);
  }

  // Removes heap_[0] bottom-up (Floyd): the hole left at the root goes down to a leaf along the
  // smaller children without comparing against the moved element, which then rises from there.
  // The last element usually belongs near the bottom, so this saves a compare and an
  // unpredictable exit branch per level over the textbook sift-down.
  void pop_root() {
    HeapEntry last = heap_.back();
    heap_.pop_back();
    const uint32_t n = static_cast<uint32_t>(heap_.size());
    if (n == 0) return;
    uint32_t pos = 0;
    for (uint32_t first = 1; first < n; first = pos * kArity + 1) {
      const uint32_t best = min_child(first, n);
      place(pos, heap_[best]);
      pos = best;
    }
    heap_[pos] = last;
    sift_up(pos);
  }

  Time now_ = 0;
  uint64_t seq_ = 0;
  std::vector<HeapEntry> heap_;
  std::vector<Record> records_;
  uint32_t free_head_ = kNoSlot;  // top of the free-slot stack
  std::vector<uint64_t> fifo_;    // keys of events pushed at now_, in push order
  size_t fifo_head_ = 0;
  size_t fifo_live_ = 0;
  size_t heap_dead_ = 0;  // cancelled keys still in heap_ or near_
  // The near run: the earliest future events, sorted latest first, every one of them ahead of
  // every key in heap_. A push ahead of the heap's top goes here by insertion from the back, and
  // a pop takes the back: no sift either way. In the twin a new event is usually among the
  // earliest pending ones (issue 15: of 20.2M pushes in prod's hour at 68 pending, the mean rank
  // is 1.9 and 98% rank below 16), so most events never touch the heap.
  std::array<HeapEntry, kNear> near_;
  uint32_t near_size_ = 0;
};

using EventQueue = BasicEventQueue<4>;

}  // namespace kubetwin::sim
