// CPU training smoke run: a tiny conv classifier on Fashion-MNIST (Debian's
// dataset-fashion-mnist), Adam, printing the falling loss and the test accuracy. It exercises
// conv2d, leaky_relu, linear, cross_entropy, autograd and the optimizer end to end.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "engine/autograd.h"
#include "engine/idx.h"
#include "engine/ops.h"
#include "engine/random.h"
#include "kernels/cpu/gemm.h"
#include "nn/optim.h"

using namespace ganlite;

namespace {

struct Net {
  Tensor w1, b1, w2, b2, w3, b3;
  explicit Net(Generator& g) {
    // Kaiming-style scaling so the first steps are well conditioned.
    w1 = (randn({8, 1, 3, 3}, g) * std::sqrt(2.0 / 9)).requires_grad_();
    b1 = zeros({8}).requires_grad_();
    w2 = (randn({16, 8, 3, 3}, g) * std::sqrt(2.0 / 72)).requires_grad_();
    b2 = zeros({16}).requires_grad_();
    w3 = (randn({10, 16 * 7 * 7}, g) * std::sqrt(1.0 / 784)).requires_grad_();
    b3 = zeros({10}).requires_grad_();
  }
  Tensor forward(const Tensor& x) const {
    Tensor h = leaky_relu(conv2d(x, w1, b1, {2, 2}, {1, 1}), 0.2);  // 14x14
    h = leaky_relu(conv2d(h, w2, b2, {2, 2}, {1, 1}), 0.2);         // 7x7
    return linear(h.flatten(1), w3, b3);
  }
  std::vector<Tensor> params() const { return {w1, b1, w2, b2, w3, b3}; }
};

}  // namespace

int main(int argc, char** argv) {
  std::string dir = argc > 1 ? argv[1] : "/usr/share/datasets/fashion-mnist";
  int steps = argc > 2 ? std::atoi(argv[2]) : 300;
  try {
    if (!std::getenv("OMP_NUM_THREADS")) cpu::set_num_threads(2);
    Tensor images = read_idx_images(dir + "/train-images-idx3-ubyte.gz", 8192);
    Tensor labels = read_idx_labels(dir + "/train-labels-idx1-ubyte.gz", 8192);
    Tensor test_images = read_idx_images(dir + "/t10k-images-idx3-ubyte.gz", 2000);
    Tensor test_labels = read_idx_labels(dir + "/t10k-labels-idx1-ubyte.gz", 2000);
    Generator gen(0);
    Net net(gen);
    nn::Adam opt(net.params(), 2e-3, 0.9, 0.999);
    const int64_t batch = 64;
    std::printf("smoke run: conv classifier, %lld train images, batch %lld, %d steps\n",
                static_cast<long long>(images.size(0)), static_cast<long long>(batch), steps);
    auto t0 = std::chrono::steady_clock::now();
    double running = 0;
    for (int step = 1; step <= steps; ++step) {
      Tensor idx = randint(0, images.size(0), {batch}, gen);
      Tensor loss =
          cross_entropy(net.forward(index_select(images, 0, idx)), index_select(labels, 0, idx));
      opt.zero_grad();
      loss.backward();
      opt.step();
      running += loss.item();
      if (step % 25 == 0) {
        std::printf("step %4d  loss %.4f\n", step, running / 25);
        running = 0;
      }
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    NoGradGuard ng;
    Tensor logits = net.forward(test_images);
    std::vector<float> l = logits.to_vector<float>();
    std::vector<int64_t> y = test_labels.to_vector<int64_t>();
    int64_t correct = 0;
    for (size_t i = 0; i < y.size(); ++i) {
      const float* row = l.data() + i * 10;
      correct += std::max_element(row, row + 10) - row == y[i];
    }
    std::printf("trained %d steps in %.1f s; test accuracy %.1f%% on %zu images\n", steps, secs,
                100.0 * correct / y.size(), y.size());
  } catch (const Error& e) {
    std::fprintf(stderr, "smoke_train: %s\n", e.what());
    return 1;
  }
  return 0;
}
