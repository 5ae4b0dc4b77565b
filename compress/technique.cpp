#include "compress/technique.h"

#include <functional>
#include <utility>

#include "compress/osgan/osgan.h"
#include "compress/slimgan/slimgan.h"
#include "gan/train/spec.h"

namespace ganlite::compress {
namespace {

using Factory = std::function<std::unique_ptr<gan::Technique>(const nlohmann::json& spec)>;

const std::vector<std::pair<std::string, Factory>>& factories() {
  static const std::vector<std::pair<std::string, Factory>> table = {
      {"osgan", make_osgan},
      {"slimgan", make_slimgan},
  };
  return table;
}

}  // namespace

std::vector<std::string> technique_names() {
  std::vector<std::string> names;
  for (const auto& [name, f] : factories()) names.push_back(name);
  return names;
}

std::unique_ptr<gan::Technique> make_technique(const nlohmann::json& spec) {
  const nlohmann::json& name = spec.at("technique").at("name");
  if (name.is_null()) return nullptr;
  for (const auto& [n, make] : factories())
    if (n == name.get<std::string>()) return make(spec);
  std::string known;
  for (const auto& n : technique_names()) known += (known.empty() ? "" : ", ") + n;
  throw gan::SpecError("/technique/name: unknown technique '" + name.get<std::string>() +
                       "'; known: " + (known.empty() ? "none yet" : known));
}

}  // namespace ganlite::compress
