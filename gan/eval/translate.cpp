#include "gan/eval/translate.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>

#include "engine/autograd.h"
#include "engine/files.h"
#include "engine/image.h"
#include "engine/ops.h"
#include "nn/data/image_folder.h"

namespace ganlite::gan {
namespace {

namespace fs = std::filesystem;

// Reflection pads of at most size - 1 each, repeated until `need` is covered: a mirror tiling
// that works for pads larger than the image (a 28 px image into a 256-multiple U-Net).
Tensor reflect_pad(Tensor x, int64_t left, int64_t right, int64_t top, int64_t bottom) {
  while (left + right + top + bottom > 0) {
    const int64_t h = x.size(2), w = x.size(3);
    const int64_t l = std::min(left, w - 1), r = std::min(right, w - 1);
    const int64_t t = std::min(top, h - 1), b = std::min(bottom, h - 1);
    if (l + r + t + b == 0) return zero_pad2d(x, {left, right, top, bottom});  // a 1-px side
    x = reflection_pad2d(x, {l, r, t, b});
    left -= l, right -= r, top -= t, bottom -= b;
  }
  return x;
}

// The output names: the stem, or stem_ext where two inputs share a stem (a.png and a.jpg).
std::vector<std::string> unique_names(const std::vector<std::string>& files) {
  std::map<std::string, int> stems;
  for (const auto& f : files) ++stems[fs::path(f).stem().string()];
  std::vector<std::string> out;
  for (const auto& f : files) {
    std::string name = fs::path(f).stem().string();
    if (stems[name] > 1) {
      std::string ext = fs::path(f).extension().string();
      if (!ext.empty()) ext = ext.substr(1);
      std::transform(ext.begin(), ext.end(), ext.begin(),
                     [](unsigned char c) { return std::tolower(c); });
      name += "_" + ext;
    }
    out.push_back(name);
  }
  return out;
}

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '&')
      out += "&amp;";
    else if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '"')
      out += "&quot;";
    else
      out += c;
  }
  return out;
}

}  // namespace

Tensor translate_one(nn::Module& G, const Tensor& x, int64_t multiple) {
  const int64_t h = x.size(2), w = x.size(3);
  const int64_t ph = (multiple - h % multiple) % multiple,
                pw = (multiple - w % multiple) % multiple;
  const Tensor in = reflect_pad(x, pw / 2, pw - pw / 2, ph / 2, ph - ph / 2);
  const Tensor y = G(in);
  GANLITE_CHECK(y.dim() == 4 && y.size(2) == in.size(2) && y.size(3) == in.size(3),
                "translate: the generator turned ", in.shape_str(), " into ", y.shape_str(),
                ", not an image of the same size");
  return y.slice(2, ph / 2, h).slice(3, pw / 2, w);
}

TranslateResult translate_images(nn::Module& G, const std::string& input, const std::string& output,
                                 const TranslateOptions& o) {
  NoGradGuard ng;
  std::vector<std::string> files;
  std::error_code ec;
  if (fs::is_directory(input, ec))
    files = data::list_images(input);
  else
    files.push_back(input);
  GANLITE_CHECK(!files.empty(), input, ": no .png/.jpg images");
  make_directories((fs::path(output) / "images").string(), "--output");
  const std::vector<std::string> names = unique_names(files);
  std::vector<std::string> columns = {"input", "output"};
  if (o.back) columns.push_back("reconstruction");
  if (o.aligned) columns.push_back("target");
  std::string rows;
  TranslateResult result;
  for (size_t i = 0; i < files.size(); ++i) {
    try {
      const Tensor image = read_image(files[i], o.channels).unsqueeze(0);
      Tensor x = image, target;
      if (o.aligned) {
        const int64_t w = image.size(3);
        GANLITE_CHECK(w % 2 == 0, "image ", files[i], ": ", w,
                      " pixels wide, not an A|B pair of two equal halves");
        const Tensor a = image.slice(3, 0, w / 2), b = image.slice(3, w / 2, w / 2);
        x = o.b_to_a ? b : a;
        target = o.b_to_a ? a : b;
      }
      const Tensor y = translate_one(G, x.to(o.device), o.multiple);
      std::vector<Tensor> shown = {x, y.cpu()};
      if (o.back) shown.push_back(translate_one(*o.back, y, o.multiple).cpu());
      if (o.aligned) shown.push_back(target);
      const fs::path dir(output);
      save_png((dir / (names[i] + ".png")).string(), shown[1], 1, 0);
      rows += "<tr><td>" + html_escape(fs::path(files[i]).filename().string()) + "</td>";
      for (size_t k = 0; k < shown.size(); ++k) {
        const std::string img = "images/" + names[i] + "_" + columns[k] + ".png";
        save_png((dir / img).string(), shown[k], 1, 0);
        rows += "<td><img src=\"" + html_escape(img) + "\"></td>";
      }
      rows += "</tr>\n";
      ++result.translated;
    } catch (const std::exception& e) {
      result.failed.emplace_back(files[i], without_location(e));
    }
  }
  std::string head = "<tr><th>file</th>";
  for (const auto& c : columns) head += "<th>" + c + "</th>";
  head += "</tr>\n";
  write_file_atomically(
      (fs::path(output) / "index.html").string(),
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>ganlite infer</title>\n"
      "<style>img{image-rendering:pixelated;min-width:128px}td,th{padding:4px}</style>"
      "</head><body>\n<table>\n" +
          head + rows + "</table>\n</body></html>\n",
      "infer");
  return result;
}

}  // namespace ganlite::gan
