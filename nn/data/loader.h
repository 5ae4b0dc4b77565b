// Batches from a Dataset: seeded shuffling (randperm of a per-epoch generator, so the same seed
// gives the same batches and a run can restart at any epoch), optional drop_last, and a
// background thread that fills a bounded queue while the consumer trains. Errors raised while
// building a batch are re-thrown by next(); destroying the loader early stops the thread.
#pragma once
#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "nn/data/dataset.h"

namespace ganlite::data {

struct LoaderOptions {
  int64_t batch_size = 1;
  bool shuffle = true;
  bool drop_last = false;
  uint64_t seed = 0;        // shuffling and per-example augmentation
  int64_t capacity = 4;     // batches the thread may build ahead of the consumer
  bool background = true;   // false: batches are built inside next(), on the caller's thread
  int64_t start_epoch = 0;  // to resume a run where it stopped: the first batch is batch
  int64_t start_batch = 0;  // start_batch of epoch start_epoch
};

struct Batch {
  Tensor a;       // (B, C, H, W)
  Tensor b;       // (B, C', H', W'), undefined when the dataset has no partner images
  Tensor labels;  // (B) i64, -1 where unlabelled
  std::vector<int64_t> indices;  // dataset indices, in batch order
  int64_t epoch = 0;
};

// Stacks examples into a batch; all a (and all b) must share one shape.
Batch collate(const std::vector<Example>& examples);
// The order in which epoch `epoch` visits 0..n-1.
std::vector<int64_t> epoch_order(int64_t n, bool shuffle, uint64_t seed, int64_t epoch);

class Loader {
 public:
  Loader(std::shared_ptr<const Dataset> dataset, LoaderOptions options);
  ~Loader();
  Loader(const Loader&) = delete;
  Loader& operator=(const Loader&) = delete;

  // The next batch of the current epoch, or nullopt once the epoch is over (the call after that
  // starts the next epoch).
  std::optional<Batch> next();
  int64_t batches_per_epoch() const { return batches_per_epoch_; }
  int64_t size() const { return dataset_->size(); }

 private:
  struct Item {
    std::optional<Batch> batch;  // empty: end of an epoch
    std::exception_ptr error;
  };
  Item produce();  // the next item in sequence; used by the thread or, without one, by next()
  void run();

  std::shared_ptr<const Dataset> dataset_;
  LoaderOptions opt_;
  int64_t batches_per_epoch_ = 0;
  // Producer cursor (touched by one thread only).
  int64_t epoch_ = 0, batch_ = 0;
  std::vector<int64_t> order_;

  std::mutex mu_;
  std::condition_variable not_empty_, not_full_;
  std::deque<Item> queue_;
  bool stop_ = false;
  std::exception_ptr error_;  // sticky once seen by the consumer
  std::thread thread_;
};

}  // namespace ganlite::data
