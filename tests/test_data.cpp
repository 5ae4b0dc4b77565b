// The data layer: PNG round trips and hostile files, transforms, the CycleGAN / pix2pix / single
// folder layouts (fixtures written here with save_png) and their one-line errors, Fashion-MNIST and
// its derived tasks (skipped without the installed dataset), and the background loader.
#include <zlib.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "engine/image.h"
#include "engine/ops.h"
#include "nn/data/fashion.h"
#include "nn/data/image_folder.h"
#include "nn/data/loader.h"
#include "nn/data/transforms.h"
#include "trainer_fixtures.h"

// The writer, static in this file, for inputs save_png does not produce (JPEG, RGBA).
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>

using namespace ganlite;
using namespace ganlite::data;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;
using ganlite::test::out_dir;

namespace {

// (C, H, W) with byte-exact values (k / 127.5 - 1), distinct per image `id`, so PNG round-trips
// compare exactly.
Tensor pattern(int64_t c, int64_t h, int64_t w, int64_t id) {
  Tensor t = empty({c, h, w});
  float* p = t.data<float>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = float((i * 37 + id * 101) % 256) / 127.5f - 1.0f;
  return t;
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A 16-bit grayscale PNG built by hand (stb cannot write one): IHDR, one zlib IDAT, IEND.
std::string png16_gray(int w, int h, const std::vector<uint16_t>& px) {
  auto be32 = [](uint32_t v) {
    return std::string{char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
  };
  auto chunk = [&](const std::string& type, const std::string& data) {
    std::string td = type + data;
    uLong crc = crc32(0, reinterpret_cast<const Bytef*>(td.data()), uInt(td.size()));
    return be32(uint32_t(data.size())) + td + be32(uint32_t(crc));
  };
  std::string raw;
  for (int y = 0; y < h; ++y) {
    raw += '\0';  // filter: none
    for (int x = 0; x < w; ++x) raw += std::string{char(px[y * w + x] >> 8), char(px[y * w + x])};
  }
  uLongf n = compressBound(uLong(raw.size()));
  std::string z(n, '\0');
  compress(reinterpret_cast<Bytef*>(&z[0]), &n, reinterpret_cast<const Bytef*>(raw.data()),
           uLong(raw.size()));
  z.resize(n);
  std::string ihdr = be32(w) + be32(h) + std::string{16, 0, 0, 0, 0};  // 16-bit gray
  return std::string("\x89PNG\r\n\x1a\n", 8) + chunk("IHDR", ihdr) + chunk("IDAT", z) +
         chunk("IEND", "");
}

bool equal(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && a.to_vector<float>() == b.to_vector<float>();
}

// Example i: a = (1, 2, 2) filled with i, label = i; throws at `fail_at` and can be slow.
class CountingDataset : public Dataset {
 public:
  explicit CountingDataset(int64_t n, int64_t fail_at = -1, int sleep_ms = 0)
      : n_(n), fail_at_(fail_at), sleep_ms_(sleep_ms) {}
  int64_t size() const override { return n_; }

 protected:
  Example load(int64_t i, Generator& gen) const override {
    if (sleep_ms_) std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms_));
    GANLITE_CHECK(i != fail_at_, "counting dataset: example ", i, " is broken");
    return {full({1, 2, 2}, double(i)), Tensor(), i};
  }

 private:
  int64_t n_, fail_at_;
  int sleep_ms_;
};

std::vector<int64_t> epoch_labels(Loader& loader,
                                  std::vector<std::vector<int64_t>>* batches = nullptr) {
  std::vector<int64_t> all;
  while (auto b = loader.next()) {
    std::vector<int64_t> l = b->labels.to_vector<int64_t>();
    if (batches) batches->push_back(l);
    all.insert(all.end(), l.begin(), l.end());
  }
  return all;
}

}  // namespace

TEST_CASE("PNG write/read round-trips RGB, gray and grids", "[data]") {
  std::string dir = out_dir("png");
  Tensor rgb = pattern(3, 5, 7, 1);
  save_png(dir + "/rgb.png", rgb);
  CHECK(equal(read_image(dir + "/rgb.png", 3), rgb));
  ImageInfo info = read_image_info(dir + "/rgb.png");
  CHECK((info.width == 7 && info.height == 5 && info.channels == 3));

  Tensor gray = pattern(1, 4, 6, 2);
  save_png(dir + "/gray.png", gray);
  CHECK(equal(read_image(dir + "/gray.png", 1), gray));
  Tensor as_rgb = read_image(dir + "/gray.png", 3);  // gray replicated into R, G and B
  CHECK(equal(as_rgb.slice(0, 2, 1).contiguous(), gray));

  // 5 images of 2x3, 2 per row, 1 px padding: 3 rows -> (3*3+1) x (2*4+1).
  Tensor grid = stack({pattern(3, 2, 3, 0), pattern(3, 2, 3, 1), pattern(3, 2, 3, 2),
                       pattern(3, 2, 3, 3), pattern(3, 2, 3, 4)},
                      0);
  save_png(dir + "/grid.png", grid, 2, 1);
  Tensor g = read_image(dir + "/grid.png");
  CHECK(g.shape() == Shape{3, 10, 9});
  CHECK(equal(crop(g, 1 + 2 * 3, 1, 2, 3), pattern(3, 2, 3, 4)));  // last image, third row
  CHECK(g.to_vector<float>()[0] == -1.0f);                         // black padding
  // Values outside [-1, 1] are clamped, and no temporary file is left beside the target.
  save_png(dir + "/clamp.png", full({1, 2, 2}, 5.0));
  CHECK(read_image(dir + "/clamp.png", 1).to_vector<float>() == std::vector<float>(4, 1.0f));
  for (const auto& e : fs::directory_iterator(dir))
    CHECK(e.path().string().find(".tmp") == std::string::npos);
  REQUIRE_THROWS_WITH(save_png(dir + "/bad.png", zeros({2, 4, 4})), Contains("1 or 3 channels"));
}

TEST_CASE("JPEG, RGBA and 16-bit PNG inputs decode to RGB in [-1, 1]", "[data]") {
  std::string dir = out_dir("formats");
  std::vector<uint8_t> rgba(16 * 16 * 4);
  for (int i = 0; i < 16 * 16; ++i) {
    rgba[i * 4] = uint8_t(i % 16 * 16);  // a smooth ramp survives JPEG
    rgba[i * 4 + 1] = uint8_t(i / 16 * 16);
    rgba[i * 4 + 2] = 128;
    rgba[i * 4 + 3] = uint8_t(i);  // alpha, which the decoder drops
  }
  REQUIRE(stbi_write_png((dir + "/rgba.png").c_str(), 16, 16, 4, rgba.data(), 16 * 4));
  Tensor x = read_image(dir + "/rgba.png", 3);
  REQUIRE(x.shape() == Shape{3, 16, 16});
  CHECK(x.to_vector<float>()[3] == 3 * 16 / 127.5f - 1.0f);  // R of pixel (0, 3)
  CHECK(read_image_info(dir + "/rgba.png").channels == 4);

  std::vector<uint8_t> rgb(16 * 16 * 3);
  for (int i = 0; i < 16 * 16; ++i)
    for (int c = 0; c < 3; ++c) rgb[i * 3 + c] = rgba[i * 4 + c];
  REQUIRE(stbi_write_jpg((dir + "/ramp.JPG").c_str(), 16, 16, 3, rgb.data(), 95));
  CHECK(is_image_path(dir + "/ramp.JPG"));
  Tensor j = read_image(dir + "/ramp.JPG", 3);
  REQUIRE(j.shape() == Shape{3, 16, 16});
  std::vector<float> jv = j.to_vector<float>(), xv = x.to_vector<float>();
  float worst = 0;
  for (size_t i = 0; i < jv.size(); ++i) worst = std::max(worst, std::abs(jv[i] - xv[i]));
  CHECK(worst < 0.1f);  // JPEG is lossy, but not by much at quality 95

  write_bytes(dir + "/deep.png", png16_gray(2, 1, {0, 65535}));
  CHECK(read_image(dir + "/deep.png", 1).to_vector<float>() == std::vector<float>{-1.0f, 1.0f});
  CHECK(read_image(dir + "/deep.png", 3).shape() == Shape{3, 1, 2});
}

TEST_CASE("hostile image files give one error naming the path", "[data]") {
  std::string dir = out_dir("hostile");
  save_png(dir + "/ok.png", pattern(3, 16, 16, 0));
  std::string png = read_bytes(dir + "/ok.png");

  REQUIRE_THROWS_WITH(read_image(dir + "/missing.png"), Contains(dir + "/missing.png"));
  write_bytes(dir + "/garbage.png", "this is not an image at all");
  REQUIRE_THROWS_WITH(read_image(dir + "/garbage.png"),
                      Contains(dir + "/garbage.png") && Contains("only PNG and JPEG"));
  // A GIF renamed .png never reaches a GIF decoder: none is compiled in.
  write_bytes(dir + "/gif.png", std::string("GIF89a\x01\x00\x01\x00\x00\x00\x00;", 13));
  REQUIRE_THROWS_WITH(read_image(dir + "/gif.png"), Contains("unknown image type"));
  // A valid header over truncated pixel data: the header check passes, decoding fails.
  write_bytes(dir + "/trunc.png", png.substr(0, png.size() / 2));
  CHECK(read_image_info(dir + "/trunc.png").width == 16);
  REQUIRE_THROWS_WITH(read_image(dir + "/trunc.png"),
                      Contains(dir + "/trunc.png") && Contains("corrupt"));
  write_bytes(dir + "/empty.png", "");
  REQUIRE_THROWS_WITH(read_image(dir + "/empty.png"), Contains("empty file"));

  ImageLimits small;
  small.max_file_bytes = 64;
  REQUIRE_THROWS_WITH(read_image(dir + "/ok.png", 3, small),
                      Contains(dir + "/ok.png") && Contains("file-size cap"));
  ImageLimits narrow;
  narrow.max_side = 8;
  REQUIRE_THROWS_WITH(read_image_info(dir + "/ok.png", narrow),
                      Contains(dir + "/ok.png") && Contains("dimension cap"));
}

TEST_CASE("damaged PNG and JPEG files are refused by name, not decoded into garbage", "[data]") {
  std::string dir = out_dir("damaged");
  std::vector<uint16_t> px(64 * 64);
  for (size_t i = 0; i < px.size(); ++i) px[i] = uint16_t(i * 977);
  const std::string png = png16_gray(64, 64, px);
  write_bytes(dir + "/ok.png", png);
  const Tensor ok = read_image(dir + "/ok.png", 1);
  // A flipped byte inside the pixel data: stb decodes it (differently); the chunk CRC catches it.
  const size_t idat = png.find("IDAT");
  REQUIRE(idat != std::string::npos);
  std::string flipped = png;
  flipped[idat + 40] ^= 0x10;
  write_bytes(dir + "/flipped.png", flipped);
  REQUIRE_THROWS_WITH(read_image(dir + "/flipped.png", 1),
                      Contains(dir + "/flipped.png") && Contains("chunk IDAT") && Contains("CRC"));
  // The same byte flipped with the chunk's CRC made to match: the zlib stream's own check fails.
  auto be32 = [](uint32_t v) {
    return std::string{char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
  };
  const uint32_t len = (uint8_t(png[idat - 4]) << 24) | (uint8_t(png[idat - 3]) << 16) |
                       (uint8_t(png[idat - 2]) << 8) | uint8_t(png[idat - 1]);
  std::string recrc = flipped;
  const uLong crc = crc32(0, reinterpret_cast<const Bytef*>(recrc.data() + idat), uInt(len + 4));
  recrc.replace(idat + 4 + len, 4, be32(uint32_t(crc)));
  write_bytes(dir + "/zlib.png", recrc);
  REQUIRE_THROWS_WITH(read_image(dir + "/zlib.png", 1),
                      Contains(dir + "/zlib.png") && Contains("does not inflate"));
  // A JPEG cut short.
  const std::string jpg = dir + "/ok.jpg";
  {
    Tensor img = pattern(3, 32, 32, 1);
    std::vector<uint8_t> rgb;
    for (int64_t i = 0; i < 32 * 32; ++i)
      for (int64_t c = 0; c < 3; ++c)
        rgb.push_back(uint8_t((img.data<float>()[c * 1024 + i] + 1.0f) * 127.5f));
    REQUIRE(stbi_write_jpg(jpg.c_str(), 32, 32, 3, rgb.data(), 90));
  }
  CHECK(read_image(jpg, 3).shape() == Shape{3, 32, 32});
  const std::string bytes = read_bytes(jpg);
  write_bytes(dir + "/cut.jpg", bytes.substr(0, bytes.size() - 100));
  REQUIRE_THROWS_WITH(read_image(dir + "/cut.jpg", 3),
                      Contains(dir + "/cut.jpg") && Contains("truncated"));
  CHECK(ok.shape() == Shape{1, 64, 64});
}

TEST_CASE("transforms: resize, crop, flip, pad, normalise, edges", "[data]") {
  Tensor row = from_vector<float>({0.0f, 1.0f}, {1, 1, 2});
  CHECK(resize_bilinear(row, 1, 4).to_vector<float>() == std::vector<float>{0, 0.25f, 0.75f, 1});
  Tensor x = pattern(3, 6, 8, 0);
  CHECK(equal(resize_bilinear(x, 6, 8), x));
  CHECK(resize_bilinear(x, 3, 5).shape() == Shape{3, 3, 5});

  CHECK(equal(crop(x, 1, 2, 3, 4), x.slice(1, 1, 3).slice(2, 2, 4).contiguous()));
  Tensor f = hflip(x);
  CHECK(f.to_vector<float>()[0] == x.to_vector<float>()[7]);
  CHECK(equal(hflip(f), x));

  Tensor img = pattern(1, 28, 28, 3);
  Tensor padded = pad_to(img, 32, 32);
  CHECK(padded.shape() == Shape{1, 32, 32});
  CHECK(equal(crop(padded, 2, 2, 28, 28), img));
  CHECK(padded.to_vector<float>()[0] == -1.0f);

  CHECK(normalize_to_unit(from_vector<float>({0, 127.5f, 255}, {3}), 0, 255).to_vector<float>() ==
        std::vector<float>{-1, 0, 1});

  Generator g1(5), g2(5);
  CHECK(equal(random_crop(x, 4, 4, g1), random_crop(x, 4, 4, g2)));
  CHECK(g1.offset == g2.offset);
  REQUIRE_THROWS_WITH(random_crop(x, 7, 4, g1), Contains("larger than the image 6x8"));

  // A bright square on black: edges on its border, none inside or far away.
  Tensor sq = full({1, 10, 10}, -1.0);
  sq.slice(1, 3, 4).slice(2, 3, 4).fill_(1.0);
  std::vector<float> e = sobel_edges(sq).to_vector<float>();
  CHECK(e[3 * 10 + 3] == 1.0f);
  CHECK(e[0] == -1.0f);
  CHECK(sobel_edges(full({3, 5, 5}, 0.3)).to_vector<float>() == std::vector<float>(25, -1.0f));

  Preprocess p;
  p.crop_size = 300;
  REQUIRE_THROWS_WITH(check_preprocess(p), Contains("larger than load_size"));
}

TEST_CASE("CycleGAN unaligned layout loads and augments deterministically", "[data]") {
  std::string root = out_dir("cyclegan");
  fs::create_directories(root + "/trainA");
  fs::create_directories(root + "/trainB");
  for (int i = 0; i < 3; ++i)
    save_png(root + "/trainA/a" + std::to_string(i) + ".png", pattern(3, 12, 12, i));
  for (int i = 0; i < 2; ++i)
    save_png(root + "/trainB/b" + std::to_string(i) + ".png", pattern(3, 12, 16, 10 + i));
  write_bytes(root + "/trainA/notes.txt", "ignored");
  FolderOptions o;
  o.root = root;
  o.preprocess.load_size = 10;
  o.preprocess.crop_size = 8;
  auto ds = std::make_shared<UnalignedFolder>(o);
  CHECK(ds->size() == 3);
  CHECK(ds->files_a().size() == 3);
  CHECK(ds->files_b().size() == 2);
  Example e = ds->get(1);
  CHECK(e.a.shape() == Shape{3, 8, 8});
  CHECK(e.b.shape() == Shape{3, 8, 8});
  CHECK(e.label == -1);
  Generator g1(9), g2(9);
  Example x = ds->get(2, g1), y = ds->get(2, g2);
  CHECK((equal(x.a, y.a) && equal(x.b, y.b)));

  // Evaluation-style: no resize, no flip: the pixels are the file's.
  o.preprocess.mode = "none";
  o.preprocess.flip = false;
  o.channels = 1;
  UnalignedFolder plain(o);
  CHECK(plain.get(0).a.shape() == Shape{1, 12, 12});

  Loader loader(ds, {2, true, false, 3});
  auto b = loader.next();
  REQUIRE(b);
  CHECK(b->a.shape() == Shape{2, 3, 8, 8});
  CHECK(b->b.shape() == Shape{2, 3, 8, 8});
}

TEST_CASE("pix2pix aligned layout splits A|B pixel-exactly, both halves augmented alike",
          "[data]") {
  std::string root = out_dir("pix2pix");
  fs::create_directories(root + "/train");
  fs::create_directories(root + "/test");
  std::vector<Tensor> as, bs;
  for (int i = 0; i < 2; ++i) {
    as.push_back(pattern(3, 8, 8, i));
    bs.push_back(pattern(3, 8, 8, 50 + i));
    save_png(root + "/train/" + std::to_string(i) + ".png", concat({as[i], bs[i]}, 2));
    // In test/, B repeats A, so equal halves after augmentation prove equal crops and flips.
    save_png(root + "/test/" + std::to_string(i) + ".png", concat({as[i], as[i]}, 2));
  }
  FolderOptions o;
  o.root = root;
  o.preprocess.mode = "none";
  o.preprocess.flip = false;
  AlignedFolder ab(o);
  REQUIRE(ab.size() == 2);
  CHECK(equal(ab.get(1).a, as[1]));
  CHECK(equal(ab.get(1).b, bs[1]));
  o.direction = "BtoA";
  AlignedFolder ba(o);
  CHECK(equal(ba.get(1).a, bs[1]));
  CHECK(equal(ba.get(1).b, as[1]));

  o.phase = "test";
  o.direction = "AtoB";
  o.preprocess = Preprocess{"resize_and_crop", 12, 6, true};
  AlignedFolder same(o);
  int flips = 0;
  for (int s = 0; s < 8; ++s) {
    Generator g(s);
    Example e = same.get(0, g);
    CHECK(e.a.shape() == Shape{3, 6, 6});
    CHECK(equal(e.a, e.b));
    Generator h(s);
    flips += draw_augment(o.preprocess, 8, 8, h).flip;
  }
  CHECK((flips > 0 && flips < 8));  // both branches of the flip were exercised
}

TEST_CASE("single folder layout", "[data]") {
  std::string root = out_dir("single");
  for (int i = 0; i < 3; ++i)
    save_png(root + "/" + std::to_string(i) + ".png", pattern(3, 9, 9, i));
  FolderOptions o;
  o.root = root;
  o.preprocess = Preprocess{"resize", 0, 4, false};
  SingleFolder ds(o);
  CHECK(ds.size() == 3);
  Example e = ds.get(2);
  CHECK(e.a.shape() == Shape{3, 4, 4});
  CHECK(!e.b.defined());
}

TEST_CASE("malformed dataset folders give one clear error naming the path", "[data]") {
  std::string root = out_dir("malformed");
  fs::create_directories(root + "/trainA");
  save_png(root + "/trainA/a.png", pattern(3, 12, 12, 0));
  FolderOptions o;
  o.root = root;
  o.preprocess = Preprocess{"crop", 0, 8, true};

  // trainB missing: the message names it and prints the expected tree.
  REQUIRE_THROWS_WITH(UnalignedFolder(o), Contains("missing folder " + root + "/trainB") &&
                                              Contains("trainA/") && Contains("unaligned"));
  fs::create_directories(root + "/trainB");
  REQUIRE_THROWS_WITH(UnalignedFolder(o), Contains(root + "/trainB") && Contains("no PNG or JPEG"));
  save_png(root + "/trainB/b.png", pattern(3, 12, 12, 1));
  CHECK(UnalignedFolder(o).size() == 1);

  // An image smaller than the crop.
  save_png(root + "/trainB/small.png", pattern(3, 6, 20, 2));
  REQUIRE_THROWS_WITH(UnalignedFolder(o),
                      Contains(root + "/trainB/small.png") && Contains("smaller than crop_size 8"));
  fs::remove(root + "/trainB/small.png");

  // A corrupt PNG: a bad header, and (since the scan checks chunk CRCs and the zlib stream)
  // truncated pixel data too, are caught when the folder is opened.
  write_bytes(root + "/trainA/corrupt.png", "\x89PNG\r\n\x1a\n garbage");
  REQUIRE_THROWS_WITH(UnalignedFolder(o),
                      Contains(root + "/trainA/corrupt.png") && Contains("corrupt"));
  std::string png = read_bytes(root + "/trainA/a.png");
  write_bytes(root + "/trainA/corrupt.png", png.substr(0, png.size() - 40));
  REQUIRE_THROWS_WITH(UnalignedFolder(o),
                      Contains(root + "/trainA/corrupt.png") && Contains("corrupt PNG"));
  // Damaged after opening: the loader re-throws the decoder's error with the path.
  write_bytes(root + "/trainA/corrupt.png", png);
  auto lazy = std::make_shared<UnalignedFolder>(o);
  CHECK_THAT(lazy->summary(), Contains("3 images checked"));
  write_bytes(root + "/trainA/corrupt.png", png.substr(0, png.size() - 40));
  Loader loader(lazy, {2, false});
  REQUIRE_THROWS_WITH(loader.next(), Contains(root + "/trainA/corrupt.png"));
  fs::remove(root + "/trainA/corrupt.png");

  // A file over the size cap.
  o.limits.max_file_bytes = static_cast<int64_t>(png.size()) - 1;
  REQUIRE_THROWS_WITH(UnalignedFolder(o),
                      Contains(root + "/trainA/a.png") && Contains("file-size cap"));
  o.limits = ImageLimits();

  // Unsupported formats are named, not skipped.
  write_bytes(root + "/trainA/x.bmp", "BM");
  REQUIRE_THROWS_WITH(UnalignedFolder(o), Contains(root + "/trainA/x.bmp") && Contains("convert"));
  fs::remove(root + "/trainA/x.bmp");

  // The wrong layout: an aligned dataset pointed at CycleGAN folders, and a missing root.
  REQUIRE_THROWS_WITH(AlignedFolder(o), Contains("missing folder " + root + "/train") &&
                                            Contains("side by side") && Contains("hint"));
  o.root = root + "/nope";
  REQUIRE_THROWS_WITH(SingleFolder(o), Contains(root + "/nope") && Contains("expected"));

  // Aligned images need an even width.
  std::string al = out_dir("malformed_aligned");
  fs::create_directories(al + "/train");
  save_png(al + "/train/odd.png", pattern(3, 8, 17, 0));
  o.root = al;
  REQUIRE_THROWS_WITH(AlignedFolder(o), Contains(al + "/train/odd.png") && Contains("even"));
}

TEST_CASE("Fashion-MNIST and its derived tasks", "[data]") {
  if (!fashion_mnist_available()) {
    WARN("skipped: no Fashion-MNIST at " << fashion_mnist_root()
                                         << " (scripts/test.sh installs dataset-fashion-mnist)");
    return;
  }
  FashionOptions train;
  train.limit = 0;
  CHECK(FashionMnist(train).size() == 60000);
  FashionOptions opt;
  opt.train = false;
  auto test = std::make_shared<FashionMnist>(opt);
  REQUIRE(test->size() == 10000);
  Example e = test->get(0);
  CHECK(e.a.shape() == Shape{1, 28, 28});
  std::vector<float> px = e.a.to_vector<float>();
  CHECK(*std::min_element(px.begin(), px.end()) >= -1.0f);
  CHECK(*std::max_element(px.begin(), px.end()) <= 1.0f);
  CHECK(e.label == 9);  // the first test image is an ankle boot
  std::set<int64_t> labels;
  for (int64_t i = 0; i < 200; ++i) labels.insert(test->label(i));
  CHECK(labels == std::set<int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});

  opt.image_size = 32;
  opt.limit = 5;
  FashionMnist padded(opt);
  CHECK(padded.size() == 5);
  CHECK(padded.get(0).a.shape() == Shape{1, 32, 32});
  CHECK(equal(crop(padded.get(3).a, 2, 2, 28, 28), test->image(3).contiguous()));

  // Unpaired sneaker (7) <-> ankle boot (9): each side from its class, B drawn independently.
  FashionUnpaired unpaired(test, {7}, {9});
  for (int64_t i : unpaired.indices_a()) REQUIRE(test->label(i) == 7);
  for (int64_t i : unpaired.indices_b()) REQUIRE(test->label(i) == 9);
  CHECK(unpaired.size() == 1000);
  std::set<std::vector<float>> partners;
  for (uint64_t s = 0; s < 6; ++s) {
    Generator g(s);
    Example u = unpaired.get(4, g);
    CHECK(equal(u.a, test->image(unpaired.indices_a()[4]).contiguous()));
    bool from_b = false;
    for (int64_t j : unpaired.indices_b())
      from_b = from_b || equal(u.b, test->image(j).contiguous());
    CHECK(from_b);
    partners.insert(u.b.to_vector<float>());
  }
  CHECK(partners.size() > 1);
  REQUIRE_THROWS_WITH(FashionUnpaired(test, {7}, {12}), Contains("class 12"));

  // Edges -> item: binary edge maps of the same size, the item unchanged.
  FashionEdges edges(test);
  Example p = edges.get(0);
  CHECK(p.a.shape() == Shape{1, 28, 28});
  CHECK(equal(p.b, test->image(0).contiguous()));
  CHECK(p.label == 9);
  std::vector<float> ev = p.a.to_vector<float>();
  int64_t on = std::count(ev.begin(), ev.end(), 1.0f);
  CHECK(on + std::count(ev.begin(), ev.end(), -1.0f) == 784);
  CHECK((on > 784 / 100 && on < 784 / 2));

  Loader loader(std::make_shared<FashionEdges>(test), {16, true, true, 1});
  auto b = loader.next();
  REQUIRE(b);
  CHECK(b->a.shape() == Shape{16, 1, 28, 28});
  CHECK(b->b.shape() == Shape{16, 1, 28, 28});
  CHECK(b->labels.shape() == Shape{16});
}

TEST_CASE("loader: seeded shuffling, every example once per epoch, drop_last", "[data]") {
  auto ds = std::make_shared<CountingDataset>(10);
  LoaderOptions o;
  o.batch_size = 3;
  o.seed = 42;
  std::vector<std::vector<int64_t>> b1, b2, b3;
  std::vector<int64_t> e0;
  {
    Loader l1(ds, o), l2(ds, o);
    CHECK(l1.batches_per_epoch() == 4);
    e0 = epoch_labels(l1, &b1);
    epoch_labels(l2, &b2);
    CHECK(b1 == b2);  // same seed, same batches
    CHECK(b1.back().size() == 1);
    std::vector<int64_t> sorted = e0;
    std::sort(sorted.begin(), sorted.end());
    CHECK(sorted == std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
    CHECK(e0 != sorted);  // shuffled
    std::vector<int64_t> e1 = epoch_labels(l1);
    CHECK(e1 != e0);  // a new order each epoch
    // Resuming at epoch 1, and building batches without the thread, give the same epoch.
    LoaderOptions r = o;
    r.start_epoch = 1;
    r.background = false;
    Loader l3(ds, r);
    CHECK(epoch_labels(l3) == e1);
  }
  o.seed = 43;
  Loader other(ds, o);
  CHECK(epoch_labels(other) != e0);

  o.drop_last = true;
  o.shuffle = false;
  Loader dropped(ds, o);
  CHECK(dropped.batches_per_epoch() == 3);
  CHECK(epoch_labels(dropped, &b3) == std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8});
  o.batch_size = 11;
  REQUIRE_THROWS_WITH(Loader(ds, o), Contains("fewer than batch_size"));
}

TEST_CASE("loader: worker exceptions reach the consumer; early destruction does not hang",
          "[data]") {
  LoaderOptions o;
  o.batch_size = 2;
  o.shuffle = false;
  {
    Loader l(std::make_shared<CountingDataset>(10, 5), o);
    CHECK(l.next());
    CHECK(l.next());
    REQUIRE_THROWS_WITH(l.next(), Contains("example 5 is broken"));
    REQUIRE_THROWS_WITH(l.next(), Contains("example 5 is broken"));  // sticky
  }
  auto start = std::chrono::steady_clock::now();
  {
    o.capacity = 1;
    auto slow = std::make_shared<CountingDataset>(1000, -1, 1);
    Loader taken(slow, o);
    CHECK(taken.next());
    Loader untouched(slow, o);
  }
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}
