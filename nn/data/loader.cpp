// Loader: one producer thread and a bounded deque guarded by a mutex and two condition variables.
// The producer waits while the queue is full and checks stop_ after every wake-up, so a consumer
// that leaves early never blocks the destructor for longer than one batch.
#include "nn/data/loader.h"

#include <cstring>

namespace ganlite::data {
namespace {

Tensor stack_images(const std::vector<Example>& ex, Tensor Example::*field, const char* name) {
  const Tensor& first = ex[0].*field;
  Shape shape = first.shape();
  Shape out = shape;
  out.insert(out.begin(), static_cast<int64_t>(ex.size()));
  Tensor t = empty(out, DType::f32);
  const int64_t per = first.numel();
  for (size_t i = 0; i < ex.size(); ++i) {
    const Tensor& x = ex[i].*field;
    GANLITE_CHECK(x.defined(), "collate: example ", i, " has no image ", name,
                  " but example 0 has one");
    GANLITE_CHECK(x.shape() == shape, "collate: image ", name, " of example ", i, " is ",
                  x.shape_str(), " but example 0's is ", shape_str(shape),
                  " (use a preprocess that resizes or crops to one size)");
    Tensor c = x.to(DType::f32).contiguous();
    std::memcpy(t.data<float>() + i * per, c.data<float>(), sizeof(float) * per);
  }
  return t;
}

}  // namespace

Batch collate(const std::vector<Example>& examples) {
  GANLITE_CHECK(!examples.empty(), "collate: no examples");
  Batch b;
  b.a = stack_images(examples, &Example::a, "a");
  if (examples[0].b.defined()) b.b = stack_images(examples, &Example::b, "b");
  std::vector<int64_t> labels;
  for (size_t i = 0; i < examples.size(); ++i) {
    GANLITE_CHECK(examples[i].b.defined() == examples[0].b.defined(), "collate: example ", i,
                  examples[0].b.defined() ? " has no image b" : " has an image b",
                  " unlike example 0");
    labels.push_back(examples[i].label);
  }
  b.labels = from_vector(labels, {static_cast<int64_t>(labels.size())});
  return b;
}

std::vector<int64_t> epoch_order(int64_t n, bool shuffle, uint64_t seed, int64_t epoch) {
  if (!shuffle) {
    std::vector<int64_t> order(n);
    for (int64_t i = 0; i < n; ++i) order[i] = i;
    return order;
  }
  // Index -2 keeps the shuffling stream apart from the per-example streams (index >= 0).
  Generator gen = example_generator(seed, epoch, -2);
  return randperm(n, gen).to_vector<int64_t>();
}

Loader::Loader(std::shared_ptr<const Dataset> dataset, LoaderOptions options)
    : dataset_(std::move(dataset)), opt_(options), epoch_(options.start_epoch) {
  GANLITE_CHECK(dataset_, "loader: no dataset");
  GANLITE_CHECK(opt_.batch_size > 0, "loader: batch_size must be > 0, got ", opt_.batch_size);
  GANLITE_CHECK(opt_.capacity > 0, "loader: capacity must be > 0, got ", opt_.capacity);
  GANLITE_CHECK(opt_.start_epoch >= 0, "loader: start_epoch must be >= 0");
  const int64_t n = dataset_->size();
  GANLITE_CHECK(n > 0, "loader: the dataset is empty");
  batches_per_epoch_ =
      opt_.drop_last ? n / opt_.batch_size : (n + opt_.batch_size - 1) / opt_.batch_size;
  GANLITE_CHECK(batches_per_epoch_ > 0, "loader: the dataset has ", n,
                " examples, fewer than batch_size ", opt_.batch_size, " with drop_last");
  GANLITE_CHECK(opt_.start_batch >= 0 && opt_.start_batch < batches_per_epoch_,
                "loader: start_batch must be in [0, ", batches_per_epoch_, "), got ",
                opt_.start_batch);
  batch_ = opt_.start_batch;
  if (opt_.background) thread_ = std::thread(&Loader::run, this);
}

Loader::~Loader() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  not_full_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Loader::Item Loader::produce() {
  Item item;
  try {
    if (batch_ == batches_per_epoch_) {  // end marker, then the next epoch
      batch_ = 0;
      ++epoch_;
      order_.clear();
      return item;
    }
    if (order_.empty()) order_ = epoch_order(dataset_->size(), opt_.shuffle, opt_.seed, epoch_);
    const int64_t begin = batch_ * opt_.batch_size;
    const int64_t end = std::min<int64_t>(begin + opt_.batch_size, dataset_->size());
    std::vector<Example> examples;
    std::vector<int64_t> indices;
    for (int64_t k = begin; k < end; ++k) {
      Generator gen = example_generator(opt_.seed, epoch_, order_[k]);
      examples.push_back(dataset_->get(order_[k], gen));
      indices.push_back(order_[k]);
    }
    Batch b = collate(examples);
    b.indices = std::move(indices);
    b.epoch = epoch_;
    item.batch = std::move(b);
    ++batch_;
  } catch (...) {
    item.error = std::current_exception();
  }
  return item;
}

void Loader::run() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      not_full_.wait(lock,
                     [&] { return stop_ || static_cast<int64_t>(queue_.size()) < opt_.capacity; });
      if (stop_) return;
    }
    Item item = produce();  // outside the lock: the consumer keeps taking batches meanwhile
    bool failed = item.error != nullptr;
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.push_back(std::move(item));
    }
    not_empty_.notify_one();
    if (failed) return;  // the consumer re-throws; nothing after a failure is trustworthy
  }
}

std::optional<Batch> Loader::next() {
  if (error_) std::rethrow_exception(error_);
  Item item;
  if (!opt_.background) {
    item = produce();
  } else {
    std::unique_lock<std::mutex> lock(mu_);
    not_empty_.wait(lock, [&] { return !queue_.empty(); });
    item = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    not_full_.notify_one();
  }
  if (item.error) {
    error_ = item.error;
    std::rethrow_exception(error_);
  }
  return std::move(item.batch);
}

}  // namespace ganlite::data
