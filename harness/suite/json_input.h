// Reading user-written JSON (suites, presets) so that every problem is one InputError
// line: "file: /json/pointer: expected X, got Y".
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace qb::harness::json_input {

using nlohmann::json;

// RFC 6901: "~" -> "~0", "/" -> "~1"; and, so that an error stays one line, control
// characters as JSON writes them in a string ("\n", "\t", "\u0001").
std::string child(const std::string& pointer, const std::string& key);
std::string child(const std::string& pointer, size_t index);

// A value as the user would write it, on one line, cut to about 60 characters:
// [0, 3], "same", {"op": "conv2d", ...}.
std::string show(const json& value);

// The largest suite or preset file read (far above any real one; a bound so that a wrong
// path such as /dev/zero cannot exhaust memory).
inline constexpr size_t kMaxTextFileBytes = size_t{16} << 20;

// The whole file as a string, read from a regular file only (never a FIFO or device, which
// could block or never end) and at most max_bytes of it; throws
// InputError("<label>: expected a readable file, ...") otherwise.
std::string read_text_file(const std::string& path, const std::string& label,
                           size_t max_bytes = kMaxTextFileBytes);

// How deep arrays and objects may nest in a suite: far more than the format uses, little
// enough that nothing that walks a document recursively can run out of stack.
inline constexpr int kMaxJsonDepth = 64;

// Strict JSON: syntax errors (with line and column), out-of-range numbers (with line and
// column), nesting deeper than kMaxJsonDepth and duplicate keys (which nlohmann would
// otherwise resolve silently to the last one) are InputErrors.
json parse_text(const std::string& text, const std::string& label);

// Checks that throw InputError(file, pointer, "expected ..., got ..."): for the presets
// file, and for the few suite checks a schema cannot state.
class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}
  const std::string& file() const { return file_; }

  [[noreturn]] void fail(const std::string& pointer, const std::string& expected,
                         const std::string& got) const;

  const json& object(const json& value, const std::string& pointer,
                     const std::string& expected = "an object") const;
  // Every key of obj must be in allowed; `what` names the object in the message.
  void allow_keys(const json& obj, const std::string& pointer,
                  const std::vector<std::string>& allowed, const std::string& what) const;
  // obj[key], or a failure "pointer/key: expected <expected>, got nothing".
  const json& require(const json& obj, const std::string& pointer, const std::string& key,
                      const std::string& expected) const;
  static const json* find(const json& obj, const std::string& key);

  uint64_t unsigned64(const json& value, const std::string& pointer) const;
  std::string string(const json& value, const std::string& pointer,
                     const std::string& expected = "a string") const;
  // A name usable in file names and CSV cells: [A-Za-z0-9_][A-Za-z0-9_.-]*, 1..64 chars.
  std::string identifier(const json& value, const std::string& pointer,
                         const std::string& what) const;
  static bool is_identifier(const std::string& s);

 private:
  std::string file_;
};

// "a", "b" or "c" (quoted, for messages).
std::string quoted_list(const std::vector<std::string>& items, const char* last_sep = " or ");

}  // namespace qb::harness::json_input
