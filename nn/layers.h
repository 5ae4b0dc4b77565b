// Layers with PyTorch's parameter names, shapes and default initialisation, so a PyTorch
// state_dict loads by name. Each keeps handles to its parameters; forward() calls engine ops.
#pragma once
#include <array>

#include "nn/module.h"

namespace ganlite::nn {

using Pair = std::array<int64_t, 2>;

class Conv2d : public Module {
 public:
  Conv2d(int64_t in, int64_t out, Pair kernel, Pair stride = {1, 1}, Pair padding = {0, 0},
         Pair dilation = {1, 1}, int64_t groups = 1, bool bias = true);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Conv2d"; }
  Tensor weight, bias;  // (out, in/groups, kh, kw), (out) or undefined
  Pair stride, padding, dilation;
  int64_t groups;
};

class ConvTranspose2d : public Module {
 public:
  ConvTranspose2d(int64_t in, int64_t out, Pair kernel, Pair stride = {1, 1}, Pair padding = {0, 0},
                  Pair output_padding = {0, 0}, int64_t groups = 1, bool bias = true,
                  Pair dilation = {1, 1});
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "ConvTranspose2d"; }
  Tensor weight, bias;  // (in, out/groups, kh, kw), (out)
  Pair stride, padding, output_padding, dilation;
  int64_t groups;
};

class Linear : public Module {
 public:
  Linear(int64_t in, int64_t out, bool bias = true);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Linear"; }
  Tensor weight, bias;  // (out, in), (out)
};

class Embedding : public Module {
 public:
  Embedding(int64_t num, int64_t dim);
  Tensor forward(const Tensor& index) override;  // i64 indices
  std::string type_name() const override { return "Embedding"; }
  Tensor weight;  // (num, dim)
};

// BatchNorm2d with PyTorch's buffers: running_mean, running_var, num_batches_tracked.
// Batch norm's num_batches_tracked += 1 (PyTorch's counter), on the buffer's device.
void count_batch(Tensor& num_batches_tracked);

class BatchNorm2d : public Module {
 public:
  explicit BatchNorm2d(int64_t channels, double eps = 1e-5, double momentum = 0.1,
                       bool affine = true, bool track_running_stats = true);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "BatchNorm2d"; }
  Tensor weight, bias, running_mean, running_var, num_batches_tracked;
  double eps, momentum;
};

// Per-sample statistics only (track_running_stats=False, PyTorch's default and CycleGAN's).
class InstanceNorm2d : public Module {
 public:
  explicit InstanceNorm2d(int64_t channels, double eps = 1e-5, bool affine = false);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "InstanceNorm2d"; }
  Tensor weight, bias;
  double eps;
};

class GroupNorm : public Module {
 public:
  GroupNorm(int64_t groups, int64_t channels, double eps = 1e-5, bool affine = true);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "GroupNorm"; }
  Tensor weight, bias;
  int64_t groups;
  double eps;
};

class ReflectionPad2d : public Module {
 public:
  explicit ReflectionPad2d(int64_t pad) : pad_{pad, pad, pad, pad} {}
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "ReflectionPad2d"; }

 private:
  std::array<int64_t, 4> pad_;
};

class ZeroPad2d : public Module {
 public:
  explicit ZeroPad2d(int64_t pad) : pad_{pad, pad, pad, pad} {}
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "ZeroPad2d"; }

 private:
  std::array<int64_t, 4> pad_;
};

class Upsample : public Module {
 public:
  enum class Mode { nearest, bilinear };
  explicit Upsample(int64_t scale, Mode mode = Mode::nearest) : scale_(scale), mode_(mode) {}
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Upsample"; }
  bool bilinear() const { return mode_ == Mode::bilinear; }

 private:
  int64_t scale_;
  Mode mode_;
};

// torch.nn.MaxPool2d (dilation 1, ceil_mode false); stride 0 = the kernel size.
class MaxPool2d : public Module {
 public:
  explicit MaxPool2d(int64_t kernel, int64_t stride = 0, int64_t padding = 0)
      : kernel_(kernel), stride_(stride), padding_(padding) {}
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "MaxPool2d"; }

 private:
  int64_t kernel_, stride_, padding_;
};

class ReLU : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "ReLU"; }
};

class LeakyReLU : public Module {
 public:
  explicit LeakyReLU(double slope = 0.01) : slope_(slope) {}
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "LeakyReLU"; }

 private:
  double slope_;
};

class Tanh : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Tanh"; }
};

class Sigmoid : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Sigmoid"; }
};

class Identity : public Module {
 public:
  Tensor forward(const Tensor& x) override { return x; }
  std::string type_name() const override { return "Identity"; }
};

// Inverted dropout: in training, zeroes with probability p and scales the rest by 1/(1-p);
// the mask comes from default_generator().
class Dropout : public Module {
 public:
  explicit Dropout(double p = 0.5);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Dropout"; }

 private:
  double p_;
};

// Children named "0", "1", ... as in torch.nn.Sequential.
class Sequential : public Module {
 public:
  Sequential() = default;
  explicit Sequential(std::vector<ModulePtr> modules);
  void push_back(ModulePtr m);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Sequential"; }
  size_t size() const { return items_.size(); }
  Module& operator[](size_t i) { return *items_.at(i); }

 private:
  std::vector<ModulePtr> items_;
};

}  // namespace ganlite::nn
