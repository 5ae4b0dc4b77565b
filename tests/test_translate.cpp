// Translating folders as `ganlite infer --input` does (gan/eval/translate.h): outputs of the
// input's size for any size (padding to what the network needs, cropped back), A|B pairs split in
// either direction, names that survive a shared stem, a results page, bad images skipped by name.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "engine/autograd.h"
#include "engine/image.h"
#include "engine/ops.h"
#include "engine/random.h"
#include "gan/eval/translate.h"
#include "gan/models/registry.h"

// The writer, static in this file, for a JPEG input.
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>

using namespace ganlite;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

fs::path fresh(const std::string& name) {
  const fs::path p = fs::temp_directory_path() / ("ganlite_translate_" + name);
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

// An image with byte-exact values, distinct per seed.
Tensor image(int64_t c, int64_t h, int64_t w, int seed) {
  Tensor t = empty({c, h, w});
  for (int64_t i = 0; i < t.numel(); ++i)
    t.data<float>()[i] = float((i * 29 + seed * 53) % 256) / 127.5f - 1.0f;
  return t;
}

}  // namespace

TEST_CASE("translate: every output has its input's size, whatever the network needs",
          "[translate]") {
  manual_seed(3);
  auto resnet = gan::make_model(
      "resnet_generator", {{"input_nc", "1"}, {"output_nc", "1"}, {"ngf", "4"}, {"n_blocks", "1"}});
  auto unet = gan::make_model(
      "unet_generator", {{"input_nc", "1"}, {"output_nc", "1"}, {"ngf", "4"}, {"num_downs", "5"}});
  resnet->eval();
  unet->eval();
  CHECK(gan::input_multiple("resnet_generator", {}) == 4);
  CHECK(gan::input_multiple("unet_generator", {{"num_downs", "5"}}) == 32);
  NoGradGuard ng;
  for (auto [h, w] : {std::pair<int64_t, int64_t>{26, 30}, {28, 28}, {7, 5}, {9, 13}}) {
    INFO(h << "x" << w);
    const Tensor x = image(1, h, w, 1).unsqueeze(0);
    CHECK(gan::translate_one(*resnet, x, 4).shape() == Shape{1, 1, h, w});
    CHECK(gan::translate_one(*unet, x, 32).shape() == Shape{1, 1, h, w});
  }
  // Without the padding the U-Net fails on a size that is not a multiple of 32.
  CHECK_THROWS((*unet)(image(1, 28, 28, 1).unsqueeze(0)));
  // A size that is a multiple already goes through untouched.
  const Tensor x = image(1, 32, 32, 2).unsqueeze(0);
  CHECK(gan::translate_one(*unet, x, 32).to_vector<float>() == (*unet)(x).to_vector<float>());
}

TEST_CASE("translate: a folder gives unique names, a results page, and skips bad images by name",
          "[translate]") {
  manual_seed(4);
  auto G = gan::make_model("resnet_generator", {{"ngf", "4"}, {"n_blocks", "1"}});
  auto back = gan::make_model("resnet_generator", {{"ngf", "4"}, {"n_blocks", "1"}});
  G->eval();
  back->eval();
  const fs::path in = fresh("in"), out = fresh("out");
  save_png((in / "a.png").string(), image(3, 20, 24, 1));
  save_png((in / "b.png").string(), image(3, 18, 14, 2));
  {
    // a.jpg: the same stem as a.png.
    std::vector<uint8_t> rgb(16 * 12 * 3);
    for (size_t i = 0; i < rgb.size(); ++i) rgb[i] = uint8_t(i * 7);
    REQUIRE(stbi_write_jpg((in / "a.jpg").string().c_str(), 16, 12, 3, rgb.data(), 90));
  }
  std::ofstream(in / "broken.png") << "not a png";
  gan::TranslateOptions o;
  o.multiple = 4;
  o.back = back.get();
  const gan::TranslateResult r = gan::translate_images(*G, in.string(), out.string(), o);
  CHECK(r.translated == 3);
  REQUIRE(r.failed.size() == 1);
  CHECK(r.failed[0].first == (in / "broken.png").string());
  CHECK_THAT(r.failed[0].second, Contains("broken.png"));
  for (const char* f : {"a_png.png", "a_jpg.png", "b.png", "index.html", "images/b_input.png",
                        "images/b_output.png", "images/b_reconstruction.png"}) {
    INFO(f);
    CHECK(fs::is_regular_file(out / f));
  }
  CHECK(read_image((out / "b.png").string(), 3).shape() == Shape{3, 18, 14});
  CHECK(read_image((out / "a_png.png").string(), 3).shape() == Shape{3, 20, 24});
  std::ifstream html(out / "index.html");
  const std::string page((std::istreambuf_iterator<char>(html)), {});
  CHECK_THAT(page, Contains("<th>reconstruction</th>") && Contains("images/a_jpg_output.png") &&
                       Contains(">b.png<"));
}

TEST_CASE("translate: A|B pairs are split, the direction picks the input half", "[translate]") {
  manual_seed(5);
  auto G = gan::make_model(
      "resnet_generator", {{"input_nc", "1"}, {"output_nc", "1"}, {"ngf", "4"}, {"n_blocks", "1"}});
  G->eval();
  const fs::path in = fresh("pairs"), out_ab = fresh("ab"), out_ba = fresh("ba");
  const Tensor a = image(1, 16, 12, 1), b = image(1, 16, 12, 2);
  save_png((in / "p.png").string(), concat({a, b}, 2));
  gan::TranslateOptions o;
  o.channels = 1;
  o.multiple = 4;
  o.aligned = true;
  gan::translate_images(*G, in.string(), out_ab.string(), o);
  o.b_to_a = true;
  gan::translate_images(*G, in.string(), out_ba.string(), o);
  NoGradGuard ng;
  CHECK(read_image((out_ab / "images/p_input.png").string(), 1).to_vector<float>() ==
        a.to_vector<float>());
  CHECK(read_image((out_ab / "images/p_target.png").string(), 1).to_vector<float>() ==
        b.to_vector<float>());
  CHECK(read_image((out_ba / "images/p_input.png").string(), 1).to_vector<float>() ==
        b.to_vector<float>());
  CHECK(read_image((out_ab / "p.png").string(), 1).shape() == Shape{1, 16, 12});
}
