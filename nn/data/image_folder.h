// Image-folder datasets in the layouts CycleGAN/pix2pix users already have on disk:
//   unaligned: root/<phase>A, root/<phase>B (unpaired domains; CycleGAN)
//   aligned:   root/<phase>/*, each image A|B side by side, width 2W (pix2pix)
//   single:    root/* (one domain, e.g. for inference)
// The layout is validated when the dataset is built: every file's header is read, so a missing
// folder, an empty one, an unreadable or too small image fails at once with one error naming it.
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

class UnalignedFolder : public Dataset {
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

class AlignedFolder : public Dataset {
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

class SingleFolder : public Dataset {
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
