// Slimmable SNGAN pair (see slim_sngan.h). G computes with the same ops, in the same order, as
// gan/models/sngan.cpp's dense G, on views of its full weights, so a dense G loaded with copies of
// the slices reproduces it bit for bit; D's blocks repeat sngan.cpp's (ReLU before each conv,
// shortcut conv1x1 then pool; block1 pools before its shortcut conv), so its export does too.
#include "gan/models/slim_sngan.h"

#include <cmath>
#include <sstream>

#include "engine/autograd.h"
#include "engine/ops.h"
#include "gan/models/sngan.h"

namespace ganlite::gan {

using nn::Pair;
using std::make_shared;

// ---- widths

void check_widths(const std::string& who, const std::vector<double>& widths) {
  GANLITE_CHECK(!widths.empty(), who, ": widths must not be empty");
  for (size_t i = 0; i < widths.size(); ++i) {
    GANLITE_CHECK(widths[i] > 0 && widths[i] <= 1, who, ": width ", widths[i], " outside (0, 1]");
    GANLITE_CHECK(i == 0 || widths[i] > widths[i - 1], who,
                  ": widths must be strictly ascending, got ", widths_string(widths));
  }
}

std::vector<double> parse_widths(const std::string& text, const std::string& who) {
  std::vector<double> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    size_t used = 0;
    double v = 0;
    try {
      v = std::stod(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    while (used < item.size() && item[used] == ' ') ++used;
    GANLITE_CHECK(used > 0 && used == item.size(), who,
                  ": expected comma-separated numbers such as 0.25,0.5,0.75,1, got '", text, "'");
    out.push_back(v);
  }
  check_widths(who, out);
  return out;
}

std::string widths_string(const std::vector<double>& widths) {
  std::string s;
  for (double w : widths) {
    // The fewest digits that read back as the same double.
    std::string text;
    for (int digits = 1; digits <= 17; ++digits) {
      std::ostringstream o;
      o.precision(digits);
      o << w;
      text = o.str();
      if (std::stod(text) == w) break;
    }
    s += (s.empty() ? "" : ",") + text;
  }
  return s;
}

int64_t width_index(const std::string& who, const std::vector<double>& widths, double mult) {
  for (size_t i = 0; i < widths.size(); ++i)
    if (std::abs(widths[i] - mult) < 1e-9) return static_cast<int64_t>(i);
  GANLITE_FAIL(who, ": width ", mult, " is not one of its widths (", widths_string(widths), ")");
}

// ---- generator

SlimGroupedLinear::SlimGroupedLinear(int64_t in_max, int64_t groups_max, int64_t group)
    : nn::SlimLinear(in_max, groups_max * group), group(group) {
  slice_in = false;  // the noise keeps its size at every width
}

void SlimGroupedLinear::set_width_mult(double mult) {
  set_width(in_max, group * nn::slim_channels(out_max / group, mult));
}

SlimSnganGBlock::SlimSnganGBlock(int64_t ch, int64_t num_classes,
                                 const std::vector<double>& widths) {
  b1 = register_module("b1",
                       make_shared<nn::SliceableConditionalBatchNorm2d>(ch, num_classes, widths));
  c1 = register_module("c1",
                       make_shared<nn::SlimConv2d>(ch, ch, Pair{3, 3}, Pair{1, 1}, Pair{1, 1}));
  b2 = register_module("b2",
                       make_shared<nn::SliceableConditionalBatchNorm2d>(ch, num_classes, widths));
  c2 = register_module("c2",
                       make_shared<nn::SlimConv2d>(ch, ch, Pair{3, 3}, Pair{1, 1}, Pair{1, 1}));
  c_sc = register_module("c_sc", make_shared<nn::SlimConv2d>(ch, ch, Pair{1, 1}));
}

Tensor SlimSnganGBlock::forward(const Tensor& x) {
  Tensor h = upsample_nearest2d(relu((*b1)(x)), 2);
  h = (*c2)(relu((*b2)((*c1)(h))));
  return h + (*c_sc)(upsample_nearest2d(x, 2));
}

SlimSnganGenerator::SlimSnganGenerator(const SlimSnganGeneratorOptions& o) : o_(o) {
  GANLITE_CHECK(o.z_dim > 0 && o.ch > 0 && o.output_nc > 0 && o.num_classes > 0,
                "SlimSnganGenerator: z_dim, ch, output_nc and num_classes must be positive");
  check_widths("SlimSnganGenerator", o.widths);
  l1_ = register_module("l1", make_shared<SlimGroupedLinear>(o.z_dim, o.ch, 4 * 4));
  for (int i = 2; i <= 4; ++i)
    blocks_.push_back(register_module("block" + std::to_string(i),
                                      make_shared<SlimSnganGBlock>(o.ch, o.num_classes, o.widths)));
  b5_ = register_module("b5", make_shared<nn::SwitchableBatchNorm2d>(o.ch, o.widths));
  c5_ = register_module(
      "c5", make_shared<nn::SlimConv2d>(o.ch, o.output_nc, Pair{3, 3}, Pair{1, 1}, Pair{1, 1}));
  c5_->slice_out = false;  // the image channels stay
  nn::set_width_mult(*this, o.widths.back());
}

Tensor SlimSnganGenerator::operator()(const Tensor& z, const Tensor& labels) {
  nn::set_labels(*this, labels);
  return Module::operator()(z);
}

Tensor SlimSnganGenerator::forward(const Tensor& z) {
  GANLITE_CHECK(z.dim() == 2 && z.size(1) == o_.z_dim, "SlimSnganGenerator: expected noise (N, ",
                o_.z_dim, "), got ", z.shape_str());
  Tensor h = (*l1_)(z).reshape({z.size(0), channels(), 4, 4});
  for (auto& b : blocks_) h = (*b)(h);
  return tanh((*c5_)(relu((*b5_)(h))));
}

// ---- discriminator

SlimSnganDBranch::SlimSnganDBranch(int64_t first_block, int64_t input_nc, int64_t ndf,
                                   int64_t num_classes, bool with_head) {
  for (int64_t j = first_block; j <= kSnganDBlocks; ++j)
    blocks.push_back(register_module("block" + std::to_string(j), sngan_dblock(j, input_nc, ndf)));
  if (with_head)
    head = register_module("head", make_shared<nn::ProjectionHead>(ndf, num_classes, true));
}

Tensor SlimSnganDBranch::forward(const Tensor& x) {
  Tensor h = x;
  for (auto& b : blocks) h = (*b)(h);
  return h;
}

SlimSnganDiscriminator::SlimSnganDiscriminator(const SlimSnganDiscriminatorOptions& o) : o_(o) {
  GANLITE_CHECK(o.input_nc > 0 && o.ndf > 0 && o.num_classes > 0,
                "SlimSnganDiscriminator: input_nc, ndf and num_classes must be positive");
  GANLITE_CHECK(o.n_share >= -1 && o.n_share <= kSnganDBlocks,
                "SlimSnganDiscriminator: n_share must be in [-1, 4], got ", o.n_share);
  check_widths("SlimSnganDiscriminator", o.widths);
  const int64_t n_shared_blocks = std::max<int64_t>(o.n_share, 0);
  for (int64_t j = 1; j <= n_shared_blocks; ++j)
    shared_.push_back(
        register_module("block" + std::to_string(j), sngan_dblock(j, o.input_nc, o.ndf)));
  if (o.n_share == -1)
    shared_head_ =
        register_module("head", make_shared<nn::ProjectionHead>(o.ndf, o.num_classes, true));
  auto branches = register_module("branches", make_shared<nn::Sequential>());
  for (size_t i = 0; i < o.widths.size(); ++i) {
    auto br = make_shared<SlimSnganDBranch>(n_shared_blocks + 1, o.input_nc, o.ndf, o.num_classes,
                                            !shared_head_);
    branches->push_back(br);
    branches_.push_back(br);
  }
  index_ = static_cast<int64_t>(o.widths.size()) - 1;
}

Tensor SlimSnganDiscriminator::operator()(const Tensor& x, const Tensor& labels) {
  nn::set_labels(*this, labels);
  return Module::operator()(x);
}

void SlimSnganDiscriminator::set_width_mult(double mult) {
  index_ = gan::width_index("SlimSnganDiscriminator", o_.widths, mult);
}

Tensor SlimSnganDiscriminator::forward(const Tensor& x) {
  GANLITE_CHECK(x.dim() == 4 && x.size(1) == o_.input_nc && x.size(2) == 32 && x.size(3) == 32,
                "SlimSnganDiscriminator: expected images (N, ", o_.input_nc, ", 32, 32), got ",
                x.shape_str());
  Tensor h = x;
  for (auto& b : shared_) h = (*b)(h);
  SlimSnganDBranch& br = *branches_[static_cast<size_t>(index_)];
  h = br(h);
  nn::ProjectionHead& head = shared_head_ ? *shared_head_ : *br.head;
  return head(sum(relu(h), {2, 3}));
}

std::string SlimSnganDiscriminator::source_key(const std::string& dense_key, int64_t i) const {
  GANLITE_CHECK(i >= 0 && i < static_cast<int64_t>(branches_.size()),
                "SlimSnganDiscriminator: width index ", i, " outside 0..", branches_.size() - 1);
  const std::string branch = "branches." + std::to_string(i) + ".";
  if (dense_key.rfind("head.", 0) == 0) return (shared_head_ ? "" : branch) + dense_key;
  GANLITE_CHECK(dense_key.rfind("block", 0) == 0 && dense_key.size() > 6,
                "SlimSnganDiscriminator: no source for key '", dense_key, "'");
  int64_t j = dense_key[5] - '0';
  return (j <= o_.n_share ? "" : branch) + dense_key;
}

// ---- export

namespace {

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

const Tensor& lookup(const TensorMap& m, const std::string& key, const char* who) {
  auto it = m.find(key);
  GANLITE_CHECK(it != m.end(), who, ": no tensor '", key, "' in the slimmable network");
  return it->second;
}

}  // namespace

DenseExport export_width(const SlimSnganGenerator& G, double width) {
  const char* who = "export_width(slim_sngan_generator)";
  const SlimSnganGeneratorOptions& so = G.options();
  const int64_t i = width_index(who, so.widths, width);
  SnganGeneratorOptions o;
  o.z_dim = so.z_dim;
  o.ch = nn::slim_channels(so.ch, width);
  o.output_nc = so.output_nc;
  o.num_classes = so.num_classes;
  DenseExport out;
  out.model = "sngan_generator";
  out.options = {{"z_dim", std::to_string(o.z_dim)},
                 {"ch", std::to_string(o.ch)},
                 {"output_nc", std::to_string(o.output_nc)},
                 {"num_classes", std::to_string(o.num_classes)}};
  // The dense G gives the key list and shapes; the values are all replaced.
  const TensorMap dense = SnganGenerator(o).state_dict();
  const TensorMap src = G.state_dict();
  const std::string bn_i = ".bn." + std::to_string(i) + ".";
  NoGradGuard ng;
  for (const auto& [key, t] : dense) {
    Tensor v;
    if (ends_with(key, ".embed.weight")) {
      // gamma columns [0, C) and beta columns [C, 2C) of the dense table are the slim table's
      // [0, C) and [C_max, C_max + C).
      const Tensor& e = lookup(src, key, who);
      v = concat({e.slice(1, 0, o.ch), e.slice(1, so.ch, o.ch)}, 1);
    } else if (key.rfind("b5.", 0) == 0) {
      v = lookup(src, "b5" + bn_i + key.substr(3), who);
    } else if (size_t p = key.find(".bn."); p != std::string::npos) {
      // blockN.bK.bn.<stat> -> blockN.bK.bn.<i>.<stat>
      v = lookup(src, key.substr(0, p) + bn_i + key.substr(p + 4), who);
    } else {
      // A weight or bias: the leading slice of the full tensor in every dim.
      v = lookup(src, key, who);
      for (int64_t d = 0; d < t.dim(); ++d) v = v.slice(d, 0, t.size(d));
    }
    GANLITE_CHECK(v.shape() == t.shape(), who, ": '", key, "' has shape ", v.shape_str(),
                  ", the dense G wants ", t.shape_str());
    out.state[key] = v.contiguous().clone();
  }
  return out;
}

DenseExport export_width(const SlimSnganDiscriminator& D, double width) {
  const char* who = "export_width(slim_sngan_discriminator)";
  const SlimSnganDiscriminatorOptions& so = D.options();
  const int64_t i = width_index(who, so.widths, width);
  SnganDiscriminatorOptions o;
  o.input_nc = so.input_nc;
  o.ndf = so.ndf;
  o.num_classes = so.num_classes;
  DenseExport out;
  out.model = "sngan_discriminator";
  out.options = {{"input_nc", std::to_string(o.input_nc)},
                 {"ndf", std::to_string(o.ndf)},
                 {"num_classes", std::to_string(o.num_classes)}};
  const TensorMap dense = SnganDiscriminator(o).state_dict();
  const TensorMap src = D.state_dict();
  NoGradGuard ng;
  for (const auto& [key, t] : dense) {
    const Tensor& v = lookup(src, D.source_key(key, i), who);
    GANLITE_CHECK(v.shape() == t.shape(), who, ": '", key, "' has shape ", v.shape_str(),
                  ", the dense D wants ", t.shape_str());
    out.state[key] = v.clone();
  }
  return out;
}

}  // namespace ganlite::gan
