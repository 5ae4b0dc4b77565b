// Learning-rate schedules: argument checks and the closed forms from schedule.h.
#include "nn/schedule.h"

#include <algorithm>
#include <cmath>

#include "engine/error.h"

namespace ganlite::nn {
namespace {

void check_lr(const char* who, double lr) {
  GANLITE_CHECK(std::isfinite(lr) && lr >= 0, who, ": base_lr must be finite and >= 0, got ", lr);
}

void check_epoch(const char* who, int64_t epoch) {
  GANLITE_CHECK(epoch >= 0, who, "::lr_at: epoch must be >= 0, got ", epoch);
}

}  // namespace

ConstantLr::ConstantLr(double base_lr) : base_lr_(base_lr) {
  check_lr("ConstantLr", base_lr);
}

double ConstantLr::lr_at(int64_t epoch) const {
  check_epoch("ConstantLr", epoch);
  return base_lr_;
}

LinearDecayLr::LinearDecayLr(double base_lr, int64_t n_epochs, int64_t n_epochs_decay,
                             int64_t epoch_count)
    : base_lr_(base_lr),
      n_epochs_(n_epochs),
      n_epochs_decay_(n_epochs_decay),
      epoch_count_(epoch_count) {
  check_lr("LinearDecayLr", base_lr);
  GANLITE_CHECK(n_epochs >= 0, "LinearDecayLr: n_epochs must be >= 0, got ", n_epochs);
  GANLITE_CHECK(n_epochs_decay >= 0, "LinearDecayLr: n_epochs_decay must be >= 0, got ",
                n_epochs_decay);
  GANLITE_CHECK(epoch_count >= 0, "LinearDecayLr: epoch_count must be >= 0, got ", epoch_count);
}

double LinearDecayLr::lr_at(int64_t epoch) const {
  check_epoch("LinearDecayLr", epoch);
  int64_t past = std::max<int64_t>(0, epoch + epoch_count_ - n_epochs_);
  double factor = 1.0 - static_cast<double>(past) / static_cast<double>(n_epochs_decay_ + 1);
  return base_lr_ * std::max(0.0, factor);
}

MultiStepLr::MultiStepLr(double base_lr, std::vector<int64_t> milestones, double gamma)
    : base_lr_(base_lr), milestones_(std::move(milestones)), gamma_(gamma) {
  check_lr("MultiStepLr", base_lr);
  GANLITE_CHECK(std::isfinite(gamma) && gamma > 0, "MultiStepLr: gamma must be > 0, got ", gamma);
  GANLITE_CHECK(std::is_sorted(milestones_.begin(), milestones_.end()),
                "MultiStepLr: milestones must be sorted in increasing order");
  GANLITE_CHECK(milestones_.empty() || milestones_.front() >= 0,
                "MultiStepLr: milestones must be >= 0, got ", milestones_.front());
}

double MultiStepLr::lr_at(int64_t epoch) const {
  check_epoch("MultiStepLr", epoch);
  // bisect_right, as PyTorch's closed form: milestone e already applies at epoch e.
  auto passed =
      std::upper_bound(milestones_.begin(), milestones_.end(), epoch) - milestones_.begin();
  return base_lr_ * std::pow(gamma_, static_cast<double>(passed));
}

double apply_lr(Optimizer& opt, const LrSchedule& schedule, int64_t epoch) {
  double lr = schedule.lr_at(epoch);
  opt.set_lr(lr);
  return lr;
}

}  // namespace ganlite::nn
