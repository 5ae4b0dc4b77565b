#include "nn/mask.h"

#include <vector>

#include "engine/autograd.h"
#include "engine/error.h"
#include "engine/ops.h"

namespace ganlite::nn {

Tensor soft_mask(const Tensor& w, double bound) {
  GANLITE_CHECK(bound >= 0, "soft_mask: the bound must be >= 0, got ", bound);
  if (bound == 0) {  // the hard step 1[w > 0], from the values (a mask has one per channel)
    std::vector<double> v = w.detach().to(DType::f64).cpu().to_vector<double>();
    for (double& x : v) x = x > 0 ? 1.0 : 0.0;
    return from_vector(v, w.shape()).to(w.dtype()).to(w.device());
  }
  const Tensor u = clamp(w / bound, -1.0, 1.0);
  return u - u * abs(u) * 0.5 + 0.5;
}

}  // namespace ganlite::nn
