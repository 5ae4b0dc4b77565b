// DCGAN generator and discriminator. Stage counts follow the image size: a 64x64 G has four
// stride-2 transposed convolutions after the 1x1 -> 4x4 projection, a 32x32 G three.
#include "gan/models/dcgan.h"

#include <numeric>

#include "engine/ops.h"

namespace ganlite::gan {

using nn::Pair;
using std::make_shared;

DcganNorm parse_dcgan_norm(const std::string& name) {
  if (name == "batch") return DcganNorm::batch;
  if (name == "group") return DcganNorm::group;
  if (name == "none") return DcganNorm::none;
  GANLITE_FAIL("norm: unknown norm '", name, "' (expected batch, group or none)");
}

int64_t dcgan_groups(int64_t channels) {
  return std::gcd<int64_t>(channels, 32);
}

namespace {

void check_image_size(const char* who, int64_t size) {
  GANLITE_CHECK(size == 32 || size == 64, who, ": image_size must be 32 or 64, got ", size);
}

}  // namespace

DcganGenerator::DcganGenerator(const DcganGeneratorOptions& o) : nz_(o.nz) {
  GANLITE_CHECK(o.nz > 0 && o.ngf > 0 && o.output_nc > 0,
                "DcganGenerator: nz, ngf and output_nc must be positive");
  check_image_size("DcganGenerator", o.image_size);
  main_ = register_module("main", make_shared<nn::Sequential>());
  auto& m = *main_;
  auto upconv = [&](int64_t in, int64_t out, int64_t stride, int64_t pad) {
    m.push_back(make_shared<nn::ConvTranspose2d>(in, out, Pair{4, 4}, Pair{stride, stride},
                                                 Pair{pad, pad}, Pair{0, 0}, 1, false));
  };
  int64_t mult = o.image_size / 8;  // 8 at 64x64: ngf*8 channels at 4x4
  upconv(o.nz, o.ngf * mult, 1, 0);
  m.push_back(make_shared<nn::BatchNorm2d>(o.ngf * mult));
  m.push_back(make_shared<nn::ReLU>());
  for (; mult > 1; mult /= 2) {
    upconv(o.ngf * mult, o.ngf * mult / 2, 2, 1);
    m.push_back(make_shared<nn::BatchNorm2d>(o.ngf * mult / 2));
    m.push_back(make_shared<nn::ReLU>());
  }
  upconv(o.ngf, o.output_nc, 2, 1);
  m.push_back(make_shared<nn::Tanh>());
}

Tensor DcganGenerator::forward(const Tensor& z) {
  // An image given by mistake would otherwise come out as a silently wrong-sized output.
  const Shape& s = z.shape();
  GANLITE_CHECK(s.size() == 4 && s[1] == nz_ && s[2] == 1 && s[3] == 1,
                "DcganGenerator: expected noise of shape (N, ", nz_, ", 1, 1), got ",
                z.shape_str());
  return (*main_)(z);
}

DcganDiscriminator::DcganDiscriminator(const DcganDiscriminatorOptions& o) {
  GANLITE_CHECK(o.input_nc > 0 && o.ndf > 0,
                "DcganDiscriminator: input_nc and ndf must be positive");
  check_image_size("DcganDiscriminator", o.image_size);
  main_ = register_module("main", make_shared<nn::Sequential>());
  auto& m = *main_;
  auto conv = [&](int64_t in, int64_t out, int64_t stride, int64_t pad) {
    m.push_back(make_shared<nn::Conv2d>(in, out, Pair{4, 4}, Pair{stride, stride}, Pair{pad, pad},
                                        Pair{1, 1}, 1, false));
  };
  conv(o.input_nc, o.ndf, 2, 1);
  m.push_back(make_shared<nn::LeakyReLU>(0.2));
  const int64_t top = o.image_size / 8;  // 8 at 64x64: ndf*8 channels at 4x4
  for (int64_t mult = 1; mult < top; mult *= 2) {
    const int64_t c = o.ndf * mult * 2;
    conv(o.ndf * mult, c, 2, 1);
    // norm=none keeps an Identity so the parameter names do not shift.
    switch (o.norm) {
      case DcganNorm::batch:
        m.push_back(make_shared<nn::BatchNorm2d>(c));
        break;
      case DcganNorm::group:
        m.push_back(make_shared<nn::GroupNorm>(dcgan_groups(c), c));
        break;
      case DcganNorm::none:
        m.push_back(make_shared<nn::Identity>());
        break;
    }
    m.push_back(make_shared<nn::LeakyReLU>(0.2));
  }
  conv(o.ndf * top, 1, 1, 0);
}

}  // namespace ganlite::gan
