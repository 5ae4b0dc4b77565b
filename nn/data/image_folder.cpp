// Image folders: scanning, up-front validation with the expected tree in the error, and loading
// through the shared preprocess pipeline. Unaligned partners and all crops come from the
// example's generator.
#include "nn/data/image_folder.h"

#include <algorithm>
#include <filesystem>
#include <set>

namespace ganlite::data {
namespace fs = std::filesystem;
namespace {

std::string lower_ext(const fs::path& p) {
  std::string e = p.extension().string();
  std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return std::tolower(c); });
  return e;
}

std::string unaligned_tree(const std::string& root, const std::string& phase) {
  return "expected the unaligned (CycleGAN) layout:\n  " + root + "/\n    " + phase +
         "A/   images of domain A (*.png, *.jpg)\n    " + phase +
         "B/   images of domain B, not paired with A\n  (phase '" + phase +
         "'; testA/ and testB/ for phase 'test')";
}

std::string aligned_tree(const std::string& root, const std::string& phase) {
  return "expected the aligned (pix2pix) layout:\n  " + root + "/\n    " + phase +
         "/   each image is A|B side by side (width 2W, same height), *.png or *.jpg\n  (phase '" +
         phase + "'; test/ for phase 'test')";
}

std::string single_tree(const std::string& root) {
  return "expected a folder of images:\n  " + root + "/\n    *.png, *.jpg";
}

// A hint when the root holds the other layout, the most common mix-up.
std::string layout_hint(const FolderOptions& o, bool want_aligned) {
  fs::path r(o.root);
  if (want_aligned && fs::is_directory(r / (o.phase + "A")))
    return "\nhint: " + (r / (o.phase + "A")).string() + " exists: use the unaligned layout";
  if (!want_aligned && fs::is_directory(r / o.phase))
    return "\nhint: " + (r / o.phase).string() +
           " exists: use the aligned layout for A|B side-by-side images";
  return "";
}

std::vector<std::string> folder_images(const std::string& dir, const std::string& tree,
                                       int64_t max_size) {
  GANLITE_CHECK(fs::is_directory(dir), "dataset: missing folder ", dir, "\n", tree);
  std::vector<std::string> files = list_images(dir);
  GANLITE_CHECK(!files.empty(), "dataset: folder ", dir, " has no PNG or JPEG images\n", tree);
  if (max_size > 0 && static_cast<int64_t>(files.size()) > max_size) files.resize(max_size);
  return files;
}

void check_options(const FolderOptions& o, const std::string& tree) {
  GANLITE_CHECK(!o.root.empty(), "dataset: no root folder given\n", tree);
  GANLITE_CHECK(fs::is_directory(o.root), "dataset: root folder ", o.root, " does not exist\n",
                tree);
  GANLITE_CHECK(o.channels == 1 || o.channels == 3, "dataset: channels must be 1 or 3, got ",
                o.channels);
  check_preprocess(o.preprocess);
}

Tensor load_preprocessed(const FolderOptions& o, const std::string& path, Generator& gen) {
  Tensor x = read_image(path, o.channels, o.limits);
  Augment a = draw_augment(o.preprocess, x.size(1), x.size(2), gen);
  return apply_preprocess(o.preprocess, x, a);
}

}  // namespace

void FolderDataset::check_image(const std::string& path, const FolderOptions& o,
                                bool side_by_side) {
  ImageInfo info = read_image_info(path, o.limits);
  int64_t w = info.width;
  if (side_by_side) {
    GANLITE_CHECK(w % 2 == 0, "dataset: image ", path, " is ", info.height, "x", w,
                  " (HxW): an aligned image holds A|B side by side, so its width must be even");
    w /= 2;
  }
  const int64_t need = min_image_side(o.preprocess);
  GANLITE_CHECK(info.height >= need && w >= need, "dataset: image ", path, " is ", info.height, "x",
                info.width, " (HxW)", side_by_side ? ", each half " : "",
                side_by_side ? std::to_string(info.height) + "x" + std::to_string(w) : "",
                ", smaller than crop_size ", need, " (preprocess '", o.preprocess.mode,
                "'); use larger images or preprocess resize_and_crop");
  verify_image_file(path, o.limits);
  if (o.verify_decode) read_image(path, o.channels, o.limits);
  ++checked_;
  mode_ = o.preprocess.mode;
  const std::pair<int64_t, int64_t> hw{info.height, w};
  if (std::find(sizes_.begin(), sizes_.end(), hw) == sizes_.end()) sizes_.push_back(hw);
}

std::string FolderDataset::summary() const {
  return std::to_string(checked_) +
         " images checked (headers; PNG chunk CRCs and zlib streams; JPEG end markers)";
}

std::string FolderDataset::varying_sizes() const {
  // Every other preprocess gives each example the same size.
  if (mode_ != "none" || sizes_.size() < 2) return "";
  std::string out;
  for (size_t i = 0; i < sizes_.size() && i < 3; ++i)
    out +=
        (i ? ", " : "") + std::to_string(sizes_[i].first) + "x" + std::to_string(sizes_[i].second);
  if (sizes_.size() > 3) out += " and " + std::to_string(sizes_.size() - 3) + " more";
  return out;
}

std::vector<std::string> list_images(const std::string& dir) {
  static const std::set<std::string> kUnsupported = {".bmp", ".gif",  ".ppm",  ".pgm", ".pnm",
                                                     ".tif", ".tiff", ".webp", ".tga", ".hdr"};
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  GANLITE_CHECK(!ec, "dataset: cannot list ", dir, ": ", ec.message());
  std::vector<std::string> files;
  for (const fs::directory_entry& e : it) {
    if (!e.is_regular_file()) continue;
    std::string ext = lower_ext(e.path());
    GANLITE_CHECK(!kUnsupported.count(ext), "dataset: image ", e.path().string(), ": ", ext,
                  " is not supported (only PNG and JPEG are decoded); convert it");
    if (is_image_path(e.path().string())) files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

UnalignedFolder::UnalignedFolder(FolderOptions options) : opt_(std::move(options)) {
  std::string tree = unaligned_tree(opt_.root, opt_.phase) + layout_hint(opt_, false);
  check_options(opt_, tree);
  a_ = folder_images((fs::path(opt_.root) / (opt_.phase + "A")).string(), tree, opt_.max_size);
  b_ = folder_images((fs::path(opt_.root) / (opt_.phase + "B")).string(), tree, opt_.max_size);
  for (const auto* files : {&a_, &b_})
    for (const std::string& f : *files) check_image(f, opt_, false);
}

int64_t UnalignedFolder::size() const {
  return static_cast<int64_t>(std::max(a_.size(), b_.size()));
}

Example UnalignedFolder::load(int64_t index, Generator& gen) const {
  int64_t j = randint(0, static_cast<int64_t>(b_.size()), {1}, gen).data<int64_t>()[0];
  Tensor a = load_preprocessed(opt_, a_[index % a_.size()], gen);
  return {a, load_preprocessed(opt_, b_[j], gen), -1};
}

AlignedFolder::AlignedFolder(FolderOptions options) : opt_(std::move(options)) {
  std::string tree = aligned_tree(opt_.root, opt_.phase) + layout_hint(opt_, true);
  check_options(opt_, tree);
  GANLITE_CHECK(opt_.direction == "AtoB" || opt_.direction == "BtoA",
                "dataset: direction must be AtoB or BtoA, got '", opt_.direction, "'");
  files_ = folder_images((fs::path(opt_.root) / opt_.phase).string(), tree, opt_.max_size);
  for (const std::string& f : files_) check_image(f, opt_, true);
}

Example AlignedFolder::load(int64_t index, Generator& gen) const {
  Tensor ab = read_image(files_[index], opt_.channels, opt_.limits);
  const int64_t h = ab.size(1), w = ab.size(2) / 2;
  GANLITE_CHECK(ab.size(2) % 2 == 0, "dataset: image ", files_[index], " has odd width ",
                ab.size(2), " (an aligned image holds A|B side by side)");
  Augment aug = draw_augment(opt_.preprocess, h, w, gen);
  Tensor left = apply_preprocess(opt_.preprocess, crop(ab, 0, 0, h, w), aug);
  Tensor right = apply_preprocess(opt_.preprocess, crop(ab, 0, w, h, w), aug);
  if (opt_.direction == "BtoA") std::swap(left, right);
  return {left, right, -1};
}

SingleFolder::SingleFolder(FolderOptions options) : opt_(std::move(options)) {
  check_options(opt_, single_tree(opt_.root));
  files_ = folder_images(opt_.root, single_tree(opt_.root), opt_.max_size);
  for (const std::string& f : files_) check_image(f, opt_, false);
}

Example SingleFolder::load(int64_t index, Generator& gen) const {
  return {load_preprocessed(opt_, files_[index], gen), Tensor(), -1};
}

}  // namespace ganlite::data
