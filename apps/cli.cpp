#include "apps/cli.h"

#include <algorithm>
#include <cstdio>

namespace ganlite::cli {
namespace {

std::vector<Command>& registry() {
  static std::vector<Command> r;
  return r;
}

}  // namespace

RegisterCommand::RegisterCommand(Command command) {
  auto& r = registry();
  r.push_back(std::move(command));
  std::sort(r.begin(), r.end(), [](const Command& a, const Command& b) { return a.name < b.name; });
}

const std::vector<Command>& commands() {
  return registry();
}

int64_t parse_nonnegative(const std::string& flag, const std::string& v) {
  size_t used = 0;
  int64_t n = -1;
  try {
    n = std::stoll(v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != v.size() || n < 0)
    throw UsageError(flag + " expects a non-negative integer, got '" + v + "'");
  return n;
}

int64_t parse_positive(const std::string& flag, const std::string& v) {
  int64_t n = -1;
  try {
    n = parse_nonnegative(flag, v);
  } catch (const UsageError&) {
  }
  if (n <= 0) throw UsageError(flag + " expects a positive integer, got '" + v + "'");
  return n;
}

double parse_number(const std::string& flag, const std::string& v) {
  size_t used = 0;
  double x = 0;
  try {
    x = std::stod(v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != v.size() || v.empty()) throw UsageError(flag + " expects a number, got '" + v + "'");
  return x;
}

std::string human(double v) {
  char buf[32];
  if (v >= 1e9)
    std::snprintf(buf, sizeof buf, "%.3fG", v / 1e9);
  else if (v >= 1e6)
    std::snprintf(buf, sizeof buf, "%.3fM", v / 1e6);
  else if (v >= 1e3)
    std::snprintf(buf, sizeof buf, "%.3fK", v / 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}

std::string ArgReader::value(const std::string& flag) {
  if (done()) throw UsageError(flag + " needs a value");
  return next();
}

}  // namespace ganlite::cli
