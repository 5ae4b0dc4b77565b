// DMAD's co-attention and D-feature distillation terms (see attention.h), from engine ops.
#include "compress/dmad/attention.h"

#include <cmath>

#include "engine/error.h"
#include "engine/ops.h"

namespace ganlite::compress {

Tensor attention_map(const Tensor& f) {
  GANLITE_CHECK(f.defined() && f.dim() == 4, "attention_map: expects features (B, C, H, W), got ",
                f.defined() ? f.shape_str() : std::string("an undefined tensor"));
  return mean(f * f, {1}, true);
}

Tensor normalized_attention(const Tensor& a) {
  const Tensor flat = a.reshape({a.size(0), a.numel() / a.size(0)});
  const Tensor norm = sqrt(clamp(sum(flat * flat, {1}, true), 1e-24, INFINITY));
  return flat / norm;
}

Tensor co_attention_loss(const std::vector<Tensor>& student, const std::vector<Tensor>& teacher_g,
                         const std::vector<Tensor>& teacher_d) {
  GANLITE_CHECK(
      !student.empty() && student.size() == teacher_g.size() && student.size() == teacher_d.size(),
      "co_attention_loss: ", student.size(), " student, ", teacher_g.size(), " teacher G and ",
      teacher_d.size(), " teacher D hook points");
  Tensor total;
  for (size_t l = 0; l < student.size(); ++l) {
    const Tensor s = attention_map(student[l]), g = attention_map(teacher_g[l].detach());
    Tensor d = attention_map(teacher_d[l]);
    GANLITE_CHECK(g.shape() == s.shape(), "co_attention_loss: hook ", l, ": teacher G map ",
                  g.shape_str(), " against the student's ", s.shape_str());
    if (d.shape() != s.shape()) {
      const int64_t k = d.size(2) / s.size(2);
      GANLITE_CHECK(k >= 1 && d.size(2) == k * s.size(2) && d.size(3) == k * s.size(3) &&
                        d.size(0) == s.size(0),
                    "co_attention_loss: hook ", l, ": teacher D map ", d.shape_str(),
                    " is not an integer multiple of the student's ", s.shape_str());
      d = avg_pool2d(d, k);
    }
    const Tensor diff = normalized_attention(g * 0.5 + d * 0.5) - normalized_attention(s);
    const Tensor term = mean(diff * diff);
    total = total.defined() ? total + term : term;
  }
  return total;
}

Tensor d_feature_distance(const Tensor& on_student_fake, const Tensor& on_teacher_fake) {
  GANLITE_CHECK(on_student_fake.shape() == on_teacher_fake.shape(),
                "d_feature_distance: ", on_student_fake.shape_str(), " against ",
                on_teacher_fake.shape_str());
  const Tensor d = on_student_fake - on_teacher_fake.detach();
  return sqrt(sum(d * d));
}

}  // namespace ganlite::compress
