// NLayerDiscriminator: 4x4 convolutions, stride 2 then 1, channels doubling up to 8*ndf,
// LeakyReLU(0.2), a 1-channel output map of patch logits.
#include "gan/models/patchgan.h"

#include <algorithm>

namespace ganlite::gan {

using nn::Pair;
using std::make_shared;

NLayerDiscriminator::NLayerDiscriminator(const PatchGanOptions& o) {
  GANLITE_CHECK(o.ndf > 0 && o.n_layers >= 1 && o.input_nc > 0,
                "NLayerDiscriminator: ndf and input_nc must be positive and n_layers >= 1");
  const bool bias = o.norm != Norm::batch;
  model_ = register_module("model", make_shared<nn::Sequential>());
  auto& m = *model_;
  auto conv = [&](int64_t in, int64_t out, int64_t stride, bool with_bias) {
    m.push_back(make_shared<nn::Conv2d>(in, out, Pair{4, 4}, Pair{stride, stride}, Pair{1, 1},
                                        Pair{1, 1}, 1, with_bias));
  };
  conv(o.input_nc, o.ndf, 2, true);
  m.push_back(make_shared<nn::LeakyReLU>(0.2));
  int64_t mult = 1;
  for (int64_t n = 1; n <= o.n_layers; ++n) {
    int64_t prev = mult;
    mult = std::min<int64_t>(int64_t(1) << n, 8);
    conv(o.ndf * prev, o.ndf * mult, n < o.n_layers ? 2 : 1, bias);
    m.push_back(make_norm(o.norm, o.ndf * mult));
    m.push_back(make_shared<nn::LeakyReLU>(0.2));
  }
  conv(o.ndf * mult, 1, 1, true);
}

}  // namespace ganlite::gan
