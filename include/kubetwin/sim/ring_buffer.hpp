// RingBuffer: a growable FIFO for the queues of the kernel and the models (jobs, requests,
// waiters).
//
// Promises: push_back and pop_front are O(1); memory grows by doubling and is never released, so
// once a queue has reached its high-water mark nothing allocates (std::deque allocates per block).
// T must be default-constructible and copyable (the queues hold small plain structs).
#pragma once

#include <cstddef>
#include <vector>

namespace kubetwin::sim {

template <class T>
class RingBuffer {
 public:
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  void clear() {
    head_ = 0;
    size_ = 0;
  }
  void push_back(const T& value) {
    if (size_ == buf_.size()) grow();
    buf_[(head_ + size_) & (buf_.size() - 1)] = value;
    ++size_;
  }
  // Requires !empty().
  T pop_front() {
    T value = buf_[head_];
    head_ = (head_ + 1) & (buf_.size() - 1);
    --size_;
    return value;
  }
  const T& front() const { return buf_[head_]; }
  // The i-th element from the front, i < size().
  const T& operator[](size_t i) const { return buf_[(head_ + i) & (buf_.size() - 1)]; }
  T& operator[](size_t i) { return buf_[(head_ + i) & (buf_.size() - 1)]; }

 private:
  void grow() {
    size_t cap = buf_.empty() ? 16 : buf_.size() * 2;
    std::vector<T> bigger(cap);
    for (size_t i = 0; i < size_; ++i) bigger[i] = buf_[(head_ + i) & (buf_.size() - 1)];
    buf_.swap(bigger);
    head_ = 0;
  }

  std::vector<T> buf_;
  size_t head_ = 0;
  size_t size_ = 0;
};

}  // namespace kubetwin::sim
