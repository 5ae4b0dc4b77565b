// VGG16's convolutional feature stack (Simonyan & Zisserman 2015, configuration D) up to relu4_3,
// with torchvision's parameter names, so that torchvision's ImageNet weights load into it: the
// perceptual (style and feature) losses of CRD (techniques.md sec. 5). No weights ship here and
// none can be downloaded on this machine; the conversion, where torchvision is installed:
//   python3 -c "import torchvision, safetensors.torch as st; sd = torchvision.models.vgg16(
//     weights='IMAGENET1K_V1').features.state_dict(); st.save_file({'features.' + k: v for k, v
//     in sd.items() if int(k.split('.')[0]) <= 21}, 'vgg16_features.safetensors')"
// then a network reference {"file": "vgg16_features.safetensors", "model": {"name":
// "vgg16_features"}} loads it (docs/training.md). The input is taken as it comes (CRD feeds
// (x + 1) / 2, without ImageNet's mean and std).
#pragma once
#include <vector>

#include "nn/layers.h"

namespace ganlite::gan {

struct Vgg16Options {
  int64_t input_nc = 3;
  int64_t width = 64;  // channels of block 1; blocks 2-4 have 2, 4 and 8 times as many
};

// features.i as torchvision numbers them (w = width):
//   0 conv(in, w)   1 relu   2 conv(w, w)    3 relu  (relu1_2)  4 maxpool
//   5 conv(w, 2w)   6 relu   7 conv(2w, 2w)  8 relu  (relu2_2)  9 maxpool
//  10 conv(2w, 4w) 11 relu  12 conv(4w, 4w) 13 relu 14 conv(4w, 4w) 15 relu (relu3_3) 16 maxpool
//  17 conv(4w, 8w) 18 relu  19 conv(8w, 8w) 20 relu 21 conv(8w, 8w) 22 relu (relu4_3)
// 3x3 convolutions with padding 1 and bias, 2x2 max pooling. 7,635,264 parameters at w = 64.
class Vgg16Features : public nn::Module {
 public:
  explicit Vgg16Features(const Vgg16Options& o = {});
  // relu4_3 of x (N, input_nc, H, W); H and W multiples of 8.
  Tensor forward(const Tensor& x) override;
  // relu1_2, relu2_2, relu3_3 and relu4_3, in one pass.
  std::vector<Tensor> taps(const Tensor& x);
  std::string type_name() const override { return "Vgg16Features"; }

 private:
  std::shared_ptr<nn::Sequential> features_;
};

}  // namespace ganlite::gan
