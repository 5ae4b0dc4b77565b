// Datasets: an indexable set of examples (an image a, an optional partner image b, a label).
// Randomness (crops, flips, an unpaired partner) comes only from the Generator passed in, so an
// example is a pure function of (index, generator) and a loader can replay any epoch exactly.
#pragma once
#include <cstdint>
#include <string>

#include "engine/random.h"
#include "engine/tensor.h"

namespace ganlite::data {

struct Example {
  Tensor a;            // f32 (C, H, W) in [-1, 1]
  Tensor b;            // the paired or unpaired partner, undefined when the task has none
  int64_t label = -1;  // class index, -1 when unlabelled
};

class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual int64_t size() const = 0;
  Example get(int64_t index, Generator& gen) const;
  // With a fixed generator per index: deterministic, for evaluation and inspection.
  Example get(int64_t index) const;
  // What opening the data found, for the run to print ("1096 images checked ..."); "" = nothing.
  virtual std::string summary() const { return ""; }
  // When examples come in more than one size (image folders with preprocess "none"): the sizes
  // found, e.g. "256x256, 300x200"; "" when every example has one size.
  virtual std::string varying_sizes() const { return ""; }

 protected:
  // Called with 0 <= index < size(); must be safe to call from the loader's thread.
  virtual Example load(int64_t index, Generator& gen) const = 0;
};

// The generator for example `index` in `epoch` of a run seeded with `seed` (a splitmix64 mix), so
// augmentation does not depend on batch order or on which thread builds the batch.
Generator example_generator(uint64_t seed, int64_t epoch, int64_t index);

}  // namespace ganlite::data
