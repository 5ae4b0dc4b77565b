// Image-folder datasets in the layouts CycleGAN/pix2pix users already have on disk:
//   unaligned: root/<phase>A, root/<phase>B (unpaired domains; CycleGAN)
//   aligned:   root/<phase>/*, each image A|B side by side, width 2W (pix2pix)
//   single:    root/* (one domain, e.g. for inference)
// The layout is validated when the dataset is built: every file's header is read and its
// integrity checked (PNG chunk CRCs and zlib stream, JPEG end marker), so a missing folder, an
// empty one, a damaged, unreadable or too small image fails at once with one error naming it.
#pragma once
#include <string>
#include <vector>

#include "engine/image.h"
#include "nn/data/dataset.h"
#include "nn/data/transforms.h"

namespace ganlite::data {

struct FolderOptions {
  std::string root;
  std::string phase = "train";     // train, test or val: picks the subfolder(s)
  std::string direction = "AtoB";  // aligned only: BtoA swaps the halves
  int64_t channels = 3;            // 3 = RGB (alpha dropped), 1 = gray
  Preprocess preprocess;
  ImageLimits limits;
  bool verify_decode = false;  // also decode every image up front (slower; catches corrupt
                               // pixel data that a valid header hides)
  int64_t max_size = 0;        // use the first max_size files per folder when > 0
};

// Sorted PNG/JPEG files directly in `dir` (not recursive). Files with other image extensions
// (.bmp, .gif, ...) are an error rather than silently skipped; non-images are ignored.
std::vector<std::string> list_images(const std::string& dir);

// What the folder datasets share: the images checked at opening and the sizes they come in.
class FolderDataset : public Dataset {
 public:
  std::string summary() const override;
  std::string varying_sizes() const override;

 protected:
  // Validates one file (header, integrity, size for the preprocess) and records its size.
  void check_image(const std::string& path, const FolderOptions& o, bool side_by_side);

 private:
  int64_t checked_ = 0;
  std::vector<std::pair<int64_t, int64_t>> sizes_;  // distinct (H, W) of examples, in order
  std::string mode_;
};

class UnalignedFolder : public FolderDataset {
 public:
  explicit UnalignedFolder(FolderOptions options);
  // max(|A|, |B|); index i takes A[i mod |A|] and a B drawn at random (CycleGAN's default).
  int64_t size() const override;
  const std::vector<std::string>& files_a() const { return a_; }
  const std::vector<std::string>& files_b() const { return b_; }

 protected:
  Example load(int64_t index, Generator& gen) const override;

 private:
  FolderOptions opt_;
  std::vector<std::string> a_, b_;
};

class AlignedFolder : public FolderDataset {
 public:
  explicit AlignedFolder(FolderOptions options);
  int64_t size() const override { return static_cast<int64_t>(files_.size()); }
  const std::vector<std::string>& files() const { return files_; }

 protected:
  // Both halves get the same resize, crop and flip so that they stay pixel-aligned.
  Example load(int64_t index, Generator& gen) const override;

 private:
  FolderOptions opt_;
  std::vector<std::string> files_;
};

class SingleFolder : public FolderDataset {
 public:
  explicit SingleFolder(FolderOptions options);
  int64_t size() const override { return static_cast<int64_t>(files_.size()); }
  const std::vector<std::string>& files() const { return files_; }

 protected:
  Example load(int64_t index, Generator& gen) const override;

 private:
  FolderOptions opt_;
  std::vector<std::string> files_;
};

}  // namespace ganlite::data
