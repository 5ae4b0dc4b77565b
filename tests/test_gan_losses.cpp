// GAN losses against their closed forms on small logits (values and gradient signs, per mode),
// and CycleGAN's image pool with a fixed seed: fill phase, mixing, stored copies, exact resume.
#include <catch2/catch.hpp>
#include <cmath>
#include <set>

#include "engine/autograd.h"
#include "engine/ops.h"
#include "engine/random.h"
#include "gan/train/image_pool.h"
#include "gan/train/losses.h"

using namespace ganlite;
using namespace ganlite::gan;
using Catch::Matchers::Contains;

namespace {

const std::vector<double> kReal{0.5, -1.0, 2.0, 0.25};
const std::vector<double> kFake{-0.5, 0.75, -2.0, 0.1};

double softplus_d(double x) {
  return std::log1p(std::exp(x));
}
double sigmoid_d(double x) {
  return 1.0 / (1.0 + std::exp(-x));
}
template <class F>
double mean_of(const std::vector<double>& v, F f) {
  double s = 0;
  for (double x : v) s += f(x);
  return s / static_cast<double>(v.size());
}

Tensor leaf(const std::vector<double>& v) {
  Tensor t = from_vector<double>(v, {static_cast<int64_t>(v.size())});
  t.requires_grad_(true);
  return t;
}

// Image i of a pool test: a (1, 1, 2, 2) tensor filled with i, so values name images.
Tensor batch_of(std::vector<int> ids) {
  std::vector<Tensor> xs;
  for (int id : ids) xs.push_back(full({1, 1, 2, 2}, id));
  return concat(xs, 0);
}
std::vector<int> ids_of(const Tensor& batch) {
  std::vector<int> out;
  std::vector<float> v = batch.to_vector<float>();
  for (size_t i = 0; i < v.size(); i += 4) {
    for (size_t j = 1; j < 4; ++j) REQUIRE(v[i + j] == v[i]);  // images stay whole
    out.push_back(static_cast<int>(v[i]));
  }
  return out;
}
std::multiset<int> pool_ids(const ImagePool& pool) {
  std::multiset<int> s;
  for (const Tensor& t : pool.images()) s.insert(ids_of(t).at(0));
  return s;
}

}  // namespace

TEST_CASE("gan modes parse by name and reject unknown ones", "[gan]") {
  CHECK(parse_gan_mode("lsgan") == GanMode::lsgan);
  CHECK(parse_gan_mode("vanilla") == GanMode::vanilla);
  CHECK(parse_gan_mode("hinge") == GanMode::hinge);
  CHECK(parse_gan_mode("wgan") == GanMode::wgan);
  CHECK(parse_gan_mode("wgangp") == GanMode::wgan);
  CHECK_THROWS_WITH(parse_gan_mode("lsgann"), Contains("lsgann") && Contains("hinge"));
  for (GanMode m : {GanMode::lsgan, GanMode::vanilla, GanMode::hinge, GanMode::wgan})
    CHECK(parse_gan_mode(gan_mode_name(m)) == m);
}

TEST_CASE("discriminator and generator losses match their closed forms", "[gan]") {
  struct Expect {
    GanMode mode;
    double d, g;
  };
  auto relu_d = [](double x) { return x > 0 ? x : 0.0; };
  std::vector<Expect> cases{
      {GanMode::lsgan,
       mean_of(kReal, [](double r) { return (r - 1) * (r - 1); }) +
           mean_of(kFake, [](double f) { return f * f; }),
       mean_of(kFake, [](double f) { return (f - 1) * (f - 1); })},
      {GanMode::vanilla,
       mean_of(kReal, [](double r) { return softplus_d(-r); }) + mean_of(kFake, softplus_d),
       mean_of(kFake, [](double f) { return softplus_d(-f); })},
      {GanMode::hinge,
       mean_of(kReal, [&](double r) { return relu_d(1 - r); }) +
           mean_of(kFake, [&](double f) { return relu_d(1 + f); }),
       -mean_of(kFake, [](double f) { return f; })},
      {GanMode::wgan,
       mean_of(kFake, [](double f) { return f; }) - mean_of(kReal, [](double r) { return r; }),
       -mean_of(kFake, [](double f) { return f; })},
  };
  for (const Expect& e : cases) {
    INFO(gan_mode_name(e.mode));
    Tensor real = leaf(kReal), fake = leaf(kFake);
    CHECK(d_loss(e.mode, real, fake).item() == Approx(e.d).epsilon(1e-12));
    CHECK(g_loss(e.mode, fake).item() == Approx(e.g).epsilon(1e-12));
  }
}

TEST_CASE("loss gradients have the closed forms and signs of each mode", "[gan]") {
  const double n = static_cast<double>(kReal.size());
  for (GanMode m : {GanMode::lsgan, GanMode::vanilla, GanMode::hinge, GanMode::wgan}) {
    INFO(gan_mode_name(m));
    Tensor real = leaf(kReal), fake = leaf(kFake);
    std::vector<Tensor> gd = grad({d_loss(m, real, fake)}, {real, fake});
    std::vector<double> gr = gd[0].to_vector<double>(), gf = gd[1].to_vector<double>();
    Tensor fake2 = leaf(kFake);
    std::vector<double> gg = grad({g_loss(m, fake2)}, {fake2})[0].to_vector<double>();
    for (size_t i = 0; i < kReal.size(); ++i) {
      double r = kReal[i], f = kFake[i];
      // LSGAN pulls logits towards their targets (1 real, 0 fake) from either side, so its
      // signs depend on the logit; the other losses are monotone.
      if (m != GanMode::lsgan) {
        CHECK(gr[i] <= 0);
        CHECK(gf[i] >= 0);
      } else {
        CHECK(gr[i] * (r - 1) >= 0);
        CHECK(gf[i] * f >= 0);
      }
      CHECK(gg[i] < 0);  // every fake logit here is below 1
      // The exact per-logit derivatives.
      switch (m) {
        case GanMode::lsgan:
          CHECK(gr[i] == Approx(2 * (r - 1) / n));
          CHECK(gf[i] == Approx(2 * f / n));
          CHECK(gg[i] == Approx(2 * (f - 1) / n));
          break;
        case GanMode::vanilla:
          CHECK(gr[i] == Approx(-sigmoid_d(-r) / n));
          CHECK(gf[i] == Approx(sigmoid_d(f) / n));
          CHECK(gg[i] == Approx(-sigmoid_d(-f) / n));
          break;
        case GanMode::hinge:  // zero once the margin is met (real 2.0, fake -2.0)
          CHECK(gr[i] == Approx(r < 1 ? -1 / n : 0.0));
          CHECK(gf[i] == Approx(f > -1 ? 1 / n : 0.0));
          CHECK(gg[i] == Approx(-1 / n));
          break;
        case GanMode::wgan:
          CHECK(gr[i] == Approx(-1 / n));
          CHECK(gf[i] == Approx(1 / n));
          CHECK(gg[i] == Approx(-1 / n));
          break;
      }
    }
  }
}

TEST_CASE("gan losses average a PatchGAN map and take CycleGAN's GANLoss form", "[gan]") {
  Generator g(5);
  Tensor p = randn({2, 1, 3, 3}, g);
  CHECK(gan_loss(GanMode::lsgan, p, true).item() ==
        Approx(mean((p - 1.0) * (p - 1.0)).item()).epsilon(1e-6));
  CHECK(gan_loss(GanMode::wgan, p, false).item() == Approx(mean(p).item()).epsilon(1e-6));
  CHECK(gan_loss(GanMode::hinge, p, true, false).item() == Approx(-mean(p).item()).epsilon(1e-6));
  CHECK_THROWS_WITH(gan_loss(GanMode::hinge, p, false, false), Contains("target_is_real"));
  CHECK_THROWS(gan_loss(GanMode::lsgan, Tensor(), true));
}

TEST_CASE("image pool returns the first pool_size images as they are", "[gan]") {
  ImagePool pool(4);
  Generator g(11);
  CHECK(ids_of(pool.query(batch_of({1, 2, 3}), g)) == std::vector<int>{1, 2, 3});
  CHECK(pool.size() == 3);
  CHECK(g.offset == 0);  // no draws while filling
  // The fourth image fills the pool; the fifth is already subject to the coin.
  std::vector<int> out = ids_of(pool.query(batch_of({4, 5}), g));
  CHECK(out[0] == 4);
  CHECK(pool.size() == 4);
  CHECK(g.offset > 0);
}

TEST_CASE("a full image pool mixes old and new images and swaps what it returns", "[gan]") {
  ImagePool pool(5);
  Generator g(3);
  pool.query(batch_of({1, 2, 3, 4, 5}), g);
  int old_count = 0, new_count = 0;
  for (int id = 6; id < 206; ++id) {
    std::multiset<int> before = pool_ids(pool);
    Tensor batch = batch_of({id});
    int got = ids_of(pool.query(batch, g)).at(0);
    std::multiset<int> after = pool_ids(pool);
    CHECK(pool.size() == 5);
    if (got == id) {
      ++new_count;
      CHECK(after == before);
    } else {
      ++old_count;
      // The returned image came out of the pool and the new one took its place.
      REQUIRE(before.count(got) == 1);
      std::multiset<int> expect = before;
      expect.erase(expect.find(got));
      expect.insert(id);
      CHECK(after == expect);
    }
    // Stored images are copies: writing into the caller's batch leaves the pool alone.
    batch.fill_(-1);
    CHECK(pool_ids(pool) == after);
  }
  // p = 0.5 over 200 draws: both sides well away from 0 (binomial sd about 7).
  CHECK(old_count > 70);
  CHECK(new_count > 70);
}

TEST_CASE("an image pool resumes exactly from its contents and generator", "[gan]") {
  ImagePool a(3);
  Generator ga(9);
  for (int i = 0; i < 4; ++i) a.query(batch_of({10 * i, 10 * i + 1}), ga);
  ImagePool b(3);
  b.restore(a.images());
  Generator gb = ga;
  for (int i = 4; i < 10; ++i) {
    Tensor x = batch_of({10 * i, 10 * i + 1, 10 * i + 2});
    CHECK(ids_of(a.query(x, ga)) == ids_of(b.query(x, gb)));
  }
  CHECK(pool_ids(a) == pool_ids(b));
  CHECK_THROWS_WITH(ImagePool(1).restore(a.images()), Contains("pool of size 1"));
  CHECK_THROWS_WITH(a.query(zeros({1, 1, 3, 3}), ga), Contains("does not match"));
  ImagePool off(0);
  Tensor x = batch_of({7, 8});
  CHECK(ids_of(off.query(x, ga)) == std::vector<int>{7, 8});
}
