// nn::Adam and nn::SGD against torch.optim, float64 and float32, from tests/data/optim_refs.json
// written by tests/make_optim_refs.py: same starting parameters, same gradients, four steps.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/autograd.h"
#include "engine/ops.h"
#include "nn/optim.h"

using namespace ganlite;
using json = nlohmann::json;

namespace {

std::unique_ptr<nn::Optimizer> make(const std::string& name, const json& h, const Tensor& p) {
  if (name == "sgd_momentum")
    return std::make_unique<nn::SGD>(std::vector<Tensor>{p}, h.at("lr").get<double>(),
                                     h.at("momentum").get<double>());
  return std::make_unique<nn::Adam>(std::vector<Tensor>{p}, h.at("lr").get<double>(),
                                    h.at("beta1").get<double>(), h.at("beta2").get<double>(),
                                    h.at("eps").get<double>(), h.at("weight_decay").get<double>());
}

}  // namespace

TEST_CASE("Adam (with and without weight decay) and SGD with momentum follow torch.optim",
          "[optim]") {
  std::ifstream f(std::string(GANLITE_TEST_DATA) + "/optim_refs.json");
  REQUIRE(f.good());
  const json refs = json::parse(f);
  const auto p0 = refs.at("param").get<std::vector<double>>();
  const int64_t n = static_cast<int64_t>(p0.size());
  REQUIRE(refs.at("cases").size() == 3);
  // float32 differs from torch's float64 by its rounding of the parameters and moments.
  for (auto [dtype, tol] : {std::pair{DType::f64, 1e-12}, std::pair{DType::f32, 1e-5}}) {
    for (const json& c : refs.at("cases")) {
      const std::string name = c.at("name");
      INFO("case " << name << ", " << (dtype == DType::f64 ? "float64" : "float32"));
      Tensor p = from_vector(p0, {n}).to(dtype).requires_grad_(true);
      auto opt = make(name, c.at("hyper"), p);
      const json& after = c.at("after");
      for (size_t step = 0; step < after.size(); ++step) {
        INFO("step " << step + 1);
        opt->zero_grad();
        const Tensor g = from_vector(refs.at("grads")[step].get<std::vector<double>>(), {n});
        sum(mul(p, g.to(dtype))).backward();  // dL/dp = g
        opt->step();
        const auto ours = p.to_vector<double>();
        const auto ref = after[step].get<std::vector<double>>();
        double worst = 0;
        for (int64_t i = 0; i < n; ++i)
          worst = std::max(worst, std::abs(ours[i] - ref[i]) / (1e-2 + std::abs(ref[i])));
        INFO("max relative difference " << worst);
        CHECK(worst < tol);
      }
    }
  }
}
