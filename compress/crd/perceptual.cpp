// CRD's style and feature terms (see perceptual.h), from engine ops.
#include "compress/crd/perceptual.h"

#include "engine/autograd.h"
#include "engine/error.h"
#include "engine/ops.h"

namespace ganlite::compress {

Tensor gram_matrix(const Tensor& f) {
  GANLITE_CHECK(f.defined() && f.dim() == 4, "gram_matrix: expects activations (B, C, H, W), got ",
                f.defined() ? f.shape_str() : std::string("an undefined tensor"));
  const int64_t b = f.size(0), c = f.size(1), hw = f.size(2) * f.size(3);
  const Tensor x = f.reshape({b, c, hw});
  return bmm(x, x.transpose(1, 2)) / static_cast<double>(c * hw);
}

Tensor style_loss(const std::vector<Tensor>& student, const std::vector<Tensor>& teacher) {
  GANLITE_CHECK(!student.empty() && student.size() == teacher.size(),
                "style_loss: ", student.size(), " student layers against ", teacher.size(),
                " teacher layers");
  Tensor total;
  for (size_t l = 0; l < student.size(); ++l) {
    GANLITE_CHECK(student[l].shape() == teacher[l].shape(), "style_loss: layer ", l, ": student ",
                  student[l].shape_str(), " and teacher ", teacher[l].shape_str(), " differ");
    Tensor t;
    {
      NoGradGuard ng;
      t = gram_matrix(teacher[l].detach());
    }
    const Tensor term = l1_loss(gram_matrix(student[l]), t);
    total = total.defined() ? total + term : term;
  }
  return total;
}

Tensor feature_loss(const Tensor& student, const Tensor& teacher) {
  GANLITE_CHECK(student.shape() == teacher.shape(), "feature_loss: student ", student.shape_str(),
                " and teacher ", teacher.shape_str(), " differ");
  return l1_loss(student, teacher.detach());
}

}  // namespace ganlite::compress
