// Learning-rate schedules: lr as a function of the epoch (or step) counter, as PyTorch's
// LambdaLR/MultiStepLR compute it after that many scheduler.step() calls. LinearDecayLr is
// pytorch-CycleGAN-and-pix2pix's "linear" policy (models/networks.py, get_scheduler's lambda_rule).
#pragma once
#include <cstdint>
#include <vector>

#include "nn/optim.h"

namespace ganlite::nn {

class LrSchedule {
 public:
  virtual ~LrSchedule() = default;
  // `epoch` counts scheduler steps from 0; negative values are an error.
  virtual double lr_at(int64_t epoch) const = 0;
};

class ConstantLr : public LrSchedule {
 public:
  explicit ConstantLr(double base_lr);
  double lr_at(int64_t epoch) const override;

 private:
  double base_lr_;
};

// lr = base_lr * (1 - max(0, epoch + epoch_count - n_epochs) / (n_epochs_decay + 1)): constant
// for the first n_epochs, then linearly towards 0 over n_epochs_decay. epoch_count is CycleGAN's
// starting epoch (1 for a fresh run). Past the schedule's end the factor would go negative; we
// clamp it at 0 (CycleGAN stops training before that).
class LinearDecayLr : public LrSchedule {
 public:
  LinearDecayLr(double base_lr, int64_t n_epochs, int64_t n_epochs_decay, int64_t epoch_count = 1);
  double lr_at(int64_t epoch) const override;

 private:
  double base_lr_;
  int64_t n_epochs_, n_epochs_decay_, epoch_count_;
};

// lr = base_lr * gamma^(number of milestones <= epoch); milestones sorted, repeats count twice
// as in PyTorch's MultiStepLR.
class MultiStepLr : public LrSchedule {
 public:
  MultiStepLr(double base_lr, std::vector<int64_t> milestones, double gamma = 0.1);
  double lr_at(int64_t epoch) const override;

 private:
  double base_lr_;
  std::vector<int64_t> milestones_;
  double gamma_;
};

// Sets the optimizer's lr to schedule.lr_at(epoch) and returns it (call once per epoch, for each
// of G's and D's optimizers).
double apply_lr(Optimizer& opt, const LrSchedule& schedule, int64_t epoch);

}  // namespace ganlite::nn
