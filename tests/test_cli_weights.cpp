// A PyTorch user's path into the CLI: a plain state_dict safetensors file (as PyTorch writes one)
// with a registry model and its options, `ganlite infer --model ... --weights FILE`, gives
// PyTorch's output for the same image (golden data: tests/make_cli_weights_refs.py); profile
// and bench take the same --weights and refuse weights that do not fit.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/image.h"
#include "engine/safetensors.h"

using namespace ganlite;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

struct Ran {
  int code;
  std::string output;
};

// The ganlite binary with these arguments; its exit code and what it printed.
Ran run_cli(const std::string& args) {
  const std::string log = std::string(P_tmpdir) + "/ganlite_cli_weights.log";
  const int status =
      std::system((std::string(GANLITE_CLI) + " " + args + " > " + log + " 2>&1").c_str());
  std::ifstream in(log);
  std::stringstream ss;
  ss << in.rdbuf();
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, ss.str()};
}

const std::string kData = GANLITE_TEST_DATA;
const std::string kModel = "--model resnet_generator --set ngf=4 --set n_blocks=2 --weights " +
                           kData + "/resnet_small.safetensors";

}  // namespace

TEST_CASE("cli: infer --model --weights gives PyTorch's output for the same image", "[cli]") {
  const fs::path out = fs::path(P_tmpdir) / "ganlite_cli_weights_out";
  fs::remove_all(out);
  const Ran r = run_cli("infer " + kModel + " --input " + kData +
                        "/cli_weights_input.png --output " + out.string());
  INFO(r.output);
  REQUIRE(r.code == 0);
  const Safetensors golden = load_safetensors(kData + "/cli_weights_torch_out.safetensors");
  // The image decodes to PyTorch's input exactly.
  CHECK(read_image(kData + "/cli_weights_input.png", 3).unsqueeze(0).to_vector<float>() ==
        golden.tensors.at("input").to_vector<float>());
  const std::vector<float> ours = read_image((out / "cli_weights_input.png").string(), 3)
                                      .unsqueeze(0)
                                      .to_vector<float>(),
                           torch = golden.tensors.at("output").to_vector<float>();
  REQUIRE(ours.size() == torch.size());
  // The PNG keeps 8 bits: each pixel within one level of PyTorch's value.
  double worst = 0;
  for (size_t i = 0; i < ours.size(); ++i)
    worst = std::max(worst, double(std::abs(ours[i] - torch[i])));
  CHECK(worst <= 1.0 / 127.5 + 1e-6);
}

TEST_CASE("cli: --weights that do not fit, or a --model without them, are refused", "[cli]") {
  Ran r = run_cli("infer --model resnet_generator --set ngf=8 --weights " + kData +
                  "/resnet_small.safetensors --input " + kData +
                  "/cli_weights_input.png --output " + P_tmpdir + "/ganlite_cli_weights_bad");
  CHECK(r.code == 1);
  CHECK_THAT(r.output,
             Contains("--weights " + kData +
                      "/resnet_small.safetensors does not fit "
                      "resnet_generator (ngf=8)") &&
                 Contains("model.1.weight (checkpoint [4, 3, 7, 7], model [8, 3, 7, 7])"));
  r = run_cli("infer --model resnet_generator --input x.png --output /tmp/x");
  CHECK(r.code == 2);
  CHECK_THAT(r.output, Contains("--model resnet_generator needs --weights FILE"));
  r = run_cli("profile " + kModel + " --size 32 --json");
  CHECK(r.code == 0);
  CHECK_THAT(r.output, Contains("\"params\": 13379"));
  r = run_cli("profile " + kModel + " --prefix netG. --size 32");
  CHECK(r.code == 1);
  CHECK_THAT(r.output, Contains("no tensor named 'netG....'") && Contains("--prefix"));
  r = run_cli("bench model --model resnet_generator --set ngf=8 --weights " + kData +
              "/resnet_small.safetensors --size 32 --runs 1 --warmup 0 --batch 1");
  CHECK(r.code == 1);
  CHECK_THAT(r.output,
             Contains("the weights do not fit resnet_generator") && Contains("mis-shaped keys"));
}
