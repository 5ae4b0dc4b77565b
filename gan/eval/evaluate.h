// Evaluation of a trained checkpoint (ganlite eval, the demo report): quality metrics chosen by
// the run's task (docs/metrics.md) and per-image latency.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "gan/train/checkpoint.h"
#include "nn/module.h"

namespace ganlite::gan {

struct EvalOptions {
  int64_t num = 5000;   // generated samples / test images per metric (at most the test split)
  uint64_t seed = 0;    // latents, sampled classes, KID subsets, SWD patches
  std::string net;      // the network evaluated; "" = the deploy network (unpaired: with G2)
  double width = 0;     // > 0: evaluate a slimmable network at this width multiplier
  std::string weights;  // FD-FMNIST classifier weights; "" = FmnistEvaluator's default
  bool floor = true;    // generation: also FD-FMNIST of real test vs real train images
};

// The metrics of a checkpoint, by task:
//   generation  fd_fmnist, kid_fmnist (+ kid_fmnist_std), swd (Laplacian-pyramid SWD x 1e3, as
//               ProGAN reports it), fd_fmnist_floor (real test vs real train, same N), and for a
//               class-conditional G class_accuracy (the classifier's agreement with the class
//               asked for, classes in turn)
//   unpaired    fd_fmnist_AtoB / _BtoA (translated test images vs the real test images of the
//               target domain), swd_AtoB / _BtoA
//   paired      l1, psnr, ssim (G(A) vs B on the test split) and fd_fmnist
//   classifier  accuracy on the test split
// FD-FMNIST needs a Fashion-MNIST run; folder runs get the metrics that need no classifier.
// Keys are written in this order, with "task", "step", "network" (the one evaluated) and "num"
// first.
nlohmann::ordered_json evaluate(const RunCheckpoint& checkpoint, const EvalOptions& options = {});
// The generation metrics of one generator of a generation spec (a run's network, or a variant of
// it), as evaluate() writes them: fd_fmnist, kid_fmnist (+ _std), class_accuracy, swd,
// fd_fmnist_floor.
void evaluate_generator(const nlohmann::json& resolved_spec, nn::Module& G, const EvalOptions& o,
                        nlohmann::ordered_json& out);

// The metrics of any folder of images (`ganlite eval --fake DIR [--real DIR]`), so that samples
// from another framework are measured as ours are: {"fake", "real", "num_fake", "num_real",
// "fd_fmnist", "kid_fmnist", "kid_fmnist_std" (grayscale images: our Fashion-MNIST features,
// images centre-cropped or resized to 28x28 as generated ones are), "swd" (when every image has
// one size), "pairs", "l1", "psnr", "ssim" (files of the same stem in both folders, same size)}.
// Without `real`, the Fashion-MNIST test split (grayscale fakes only). At most options.num
// images per folder, in file-name order. Errors name the folder or file.
nlohmann::ordered_json evaluate_folders(const std::string& fake, const std::string& real,
                                        const EvalOptions& options);

// How well G translates A -> B on the first n examples of a spec's training data (what a
// technique chooses snapshots by, e.g. CRD's best teacher; the test split stays for reporting):
// FD-FMNIST of G(a) against the partner images b on Fashion-MNIST, else SWD x 1e3 (no classifier
// needed); lower is better. G runs in eval mode without gradients and is left in its mode.
struct TranslationScore {
  std::string metric;  // "fd_fmnist" or "swd"
  double value = 0;
};
TranslationScore translation_score(const nlohmann::json& resolved_spec, nn::Module& G, int64_t n);

// Median wall time in ms of `reps` forward passes of net on `input` (after `warmup` passes),
// without gradients.
double forward_latency_ms(nn::Module& net, const Tensor& input, int reps = 20, int warmup = 3);

}  // namespace ganlite::gan
