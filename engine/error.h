// Errors: user-facing failures (bad shapes, dtypes, files) are exceptions carrying file:line,
// never asserts, so a caller can report them and keep its checkpoints. Header-only so the
// kernel libraries below the engine can throw them too.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

namespace ganlite {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// An error's message without the " [file:line]" GANLITE_CHECK appends, for a message that names a
// spec field or a file instead.
inline std::string without_location(const std::exception& e) {
  std::string m = e.what();
  const size_t at = m.rfind(" [");
  return at != std::string::npos && !m.empty() && m.back() == ']' ? m.substr(0, at) : m;
}

namespace detail {
template <class... Args>
std::string concat(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}
// The message first (what the user acts on), then where it was raised, relative to the repo.
[[noreturn]] inline void throw_error(const char* file, int line, const std::string& msg) {
  std::string f(file);
  for (const char* dir : {"/engine/", "/kernels/", "/nn/", "/gan/", "/compress/", "/apps/"}) {
    auto pos = f.rfind(dir);
    if (pos != std::string::npos) {
      f = f.substr(pos + 1);
      break;
    }
  }
  throw Error(msg + " [" + f + ":" + std::to_string(line) + "]");
}
}  // namespace detail

}  // namespace ganlite

// GANLITE_CHECK(cond, "conv2d: expected 4-D input, got ", x.shape_str());
#define GANLITE_CHECK(cond, ...)                                                                  \
  do {                                                                                            \
    if (!(cond)) {                                                                                \
      ::ganlite::detail::throw_error(__FILE__, __LINE__, ::ganlite::detail::concat(__VA_ARGS__)); \
    }                                                                                             \
  } while (0)

#define GANLITE_FAIL(...) \
  ::ganlite::detail::throw_error(__FILE__, __LINE__, ::ganlite::detail::concat(__VA_ARGS__))
