#include "harness/suite/json_input.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include "harness/suite/input_error.h"

namespace qb::harness::json_input {

std::string child(const std::string& pointer, const std::string& key) {
  std::string out = pointer + "/";
  for (char ch : key) {
    const auto byte = static_cast<unsigned char>(ch);
    if (ch == '~') {
      out += "~0";
    } else if (ch == '/') {
      out += "~1";
    } else if (ch == '\n') {
      out += "\\n";
    } else if (ch == '\r') {
      out += "\\r";
    } else if (ch == '\t') {
      out += "\\t";
    } else if (byte < 0x20 || byte == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", byte);
      out += escaped;
    } else {
      out += ch;
    }
  }
  return out;
}

std::string child(const std::string& pointer, size_t index) {
  return pointer + "/" + std::to_string(index);
}

namespace {

constexpr size_t kShowBudget = 60;

void render(const json& value, std::string& out) {
  if (out.size() > kShowBudget) return;
  if (value.is_array()) {
    out += '[';
    bool first = true;
    for (const json& item : value) {
      if (!first) out += ", ";
      if (out.size() > kShowBudget) {
        out += "...";
        break;
      }
      first = false;
      render(item, out);
    }
    out += ']';
  } else if (value.is_object()) {
    out += '{';
    bool first = true;
    for (auto it = value.begin(); it != value.end(); ++it) {
      if (!first) out += ", ";
      if (out.size() > kShowBudget) {
        out += "...";
        break;
      }
      first = false;
      out += json(it.key()).dump() + ": ";
      render(it.value(), out);
    }
    out += '}';
  } else if (value.is_string()) {
    std::string s = value.dump(-1, ' ', false, json::error_handler_t::replace);
    if (s.size() > kShowBudget) s = s.substr(0, kShowBudget) + "...\"";
    out += s;
  } else {
    out += value.dump();
  }
}

}  // namespace

std::string show(const json& value) {
  std::string out;
  render(value, out);
  return out;
}

namespace {

std::string file_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

std::string size_text(uint64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return text;
}

}  // namespace

std::string read_text_file(const std::string& path, const std::string& label, size_t max_bytes) {
  const auto fail = [&](const std::string& got) -> void {
    throw InputError(label + ": expected a readable file, got " + got);
  };
  // O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then says what it is.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) fail(std::strerror(errno));
  struct stat st {};
  std::string text;
  const auto close_and_fail = [&](const std::string& got) {
    ::close(fd);
    fail(got);
  };
  if (::fstat(fd, &st) != 0) close_and_fail(std::strerror(errno));
  if (!S_ISREG(st.st_mode)) close_and_fail(file_kind(st.st_mode));
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    close_and_fail(size_text(static_cast<uint64_t>(st.st_size)) + " (at most " + size_text(max_bytes) + " is read)");
  }
  text.resize(static_cast<size_t>(st.st_size));
  size_t got = 0;
  // The size can change under us; read no more than the bound either way.
  while (got < text.size()) {
    const ssize_t n = ::read(fd, text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) close_and_fail(std::string("a read error (") + std::strerror(errno) + ")");
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  text.resize(got);
  return text;
}

namespace {

// Tracks where the parser is, so that a duplicate key can be reported with its pointer.
class DuplicateKeyCheck {
 public:
  explicit DuplicateKeyCheck(const std::string& label) : label_(label) {}

  bool operator()(int /*depth*/, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
        frames_.push_back(Frame{true, {}, 0, {}});
        break;
      case json::parse_event_t::array_start:
        frames_.push_back(Frame{false, {}, 0, {}});
        break;
      case json::parse_event_t::key: {
        Frame& frame = frames_.back();
        const std::string key = parsed.get<std::string>();
        if (!frame.keys.insert(key).second) {
          throw InputError(label_, child(pointer_to_innermost(), key),
                           "expected each key once per object, got " + json(key).dump() +
                               " twice");
        }
        frame.key = key;
        break;
      }
      case json::parse_event_t::value:
        if (!frames_.empty() && !frames_.back().object) ++frames_.back().index;
        break;
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        frames_.pop_back();
        if (!frames_.empty() && !frames_.back().object) ++frames_.back().index;
        break;
    }
    return true;
  }

 private:
  struct Frame {
    bool object;
    std::string key;  // objects: the key being read
    size_t index;     // arrays: the element being read
    std::set<std::string> keys;
  };

  std::string pointer_to_innermost() const {
    std::string out;
    for (size_t i = 0; i + 1 < frames_.size(); ++i) {
      out = frames_[i].object ? child(out, frames_[i].key) : child(out, frames_[i].index);
    }
    return out;
  }

  const std::string& label_;
  std::vector<Frame> frames_;
};

// "[json.exception.parse_error.101] parse error at line 2, column 8: syntax error while
// parsing value - unexpected ','; ..." -> line and column and the part after " - ", cut so that a long
// token cannot make a long line. No std::regex: libstdc++'s recurses once per character
// and overflowed the stack on a long token.
std::string describe_parse_error(const json::parse_error& e, const std::string& text,
                                 const std::string& label) {
  const std::string what = e.what();
  // nlohmann's own "at line L, column C" when the message has it, else from the offset.
  std::string where;
  const size_t at = what.find("at line ");
  const size_t comma = at == std::string::npos ? at : what.find(", column ", at);
  const size_t colon = comma == std::string::npos ? comma : what.find(':', comma);
  if (colon != std::string::npos) {
    where = what.substr(at + 3, colon - at - 3);  // "line L, column C"
  } else {
    const size_t byte = std::min<size_t>(e.byte, text.size());
    size_t line = 1, column = 1;
    for (size_t i = 0; i + 1 < byte; ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    where = "line " + std::to_string(line) + ", column " + std::to_string(column);
  }
  std::string detail = e.what();
  const size_t dash = detail.find(" - ");
  if (dash != std::string::npos) detail = detail.substr(dash + 3);
  constexpr size_t kMaxDetail = 160;
  if (detail.size() > kMaxDetail) detail = detail.substr(0, kMaxDetail) + "...";
  for (char& ch : detail) {
    if (static_cast<unsigned char>(ch) < 0x20) ch = ' ';  // one line, whatever the token held
  }
  return label + ": " + where + ": expected valid JSON, got a syntax error (" + detail + ")";
}

}  // namespace

namespace {

std::string line_and_column(const std::string& text, size_t offset) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

// Nesting beyond kMaxJsonDepth, found by a scan of the text before nlohmann builds a tree
// (a deep document costs memory out of proportion to its size, and walking it recursively
// costs stack). Returns the offset of the bracket that goes too deep, or npos.
size_t too_deep_at(const std::string& text) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (in_string) {
      if (ch == '\\') {
        ++i;
      } else if (ch == '"') {
        in_string = false;
      }
    } else if (ch == '"') {
      in_string = true;
    } else if (ch == '[' || ch == '{') {
      if (++depth > kMaxJsonDepth) return i;
    } else if (ch == ']' || ch == '}') {
      --depth;
    }
  }
  return std::string::npos;
}

}  // namespace

json parse_text(const std::string& text, const std::string& label) {
  if (const size_t at = too_deep_at(text); at != std::string::npos) {
    throw InputError(label + ": " + line_and_column(text, at) + ": expected JSON nested at most " +
                     std::to_string(kMaxJsonDepth) + " deep, got deeper");
  }
  DuplicateKeyCheck check(label);
  try {
    return json::parse(text, std::ref(check));
  } catch (const json::parse_error& e) {
    throw InputError(describe_parse_error(e, text, label));
  } catch (const json::exception& e) {
    // e.g. out_of_range.406 "number overflow parsing '1e999'": nlohmann gives no position,
    // so the literal it names is looked up in the text.
    std::string what = e.what();
    const size_t close = what.find("] ");
    if (close != std::string::npos) what = what.substr(close + 2);
    std::string where;
    const std::string shown = what.size() > 160 ? what.substr(0, 160) + "..." : what;
    const size_t q1 = what.find('\''), q2 = what.rfind('\'');
    if (q1 != std::string::npos && q2 > q1 + 1) {
      const size_t at = text.find(what.substr(q1 + 1, q2 - q1 - 1));
      if (at != std::string::npos) where = line_and_column(text, at) + ": ";
    }
    throw InputError(label + ": " + where + "expected valid JSON with numbers a double can hold, got " + shown);
  }
}

void Reader::fail(const std::string& pointer, const std::string& expected,
                  const std::string& got) const {
  throw InputError(file_, pointer, "expected " + expected + ", got " + got);
}

const json& Reader::object(const json& value, const std::string& pointer,
                           const std::string& expected) const {
  if (!value.is_object()) fail(pointer, expected, show(value));
  return value;
}

std::string quoted_list(const std::vector<std::string>& items, const char* last_sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += (i + 1 == items.size()) ? last_sep : ", ";
    out += "\"" + items[i] + "\"";
  }
  return out;
}

void Reader::allow_keys(const json& obj, const std::string& pointer,
                        const std::vector<std::string>& allowed, const std::string& what) const {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    bool known = false;
    for (const std::string& a : allowed) known = known || a == it.key();
    if (!known) {
      fail(child(pointer, it.key()), "a key of " + what + " (" + quoted_list(allowed) + ")",
           "unknown key " + json(it.key()).dump());
    }
  }
}

const json* Reader::find(const json& obj, const std::string& key) {
  const auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

const json& Reader::require(const json& obj, const std::string& pointer, const std::string& key,
                            const std::string& expected) const {
  const json* v = find(obj, key);
  if (v == nullptr) fail(child(pointer, key), expected, "nothing");
  return *v;
}

uint64_t Reader::unsigned64(const json& value, const std::string& pointer) const {
  if (value.is_number_unsigned()) return value.get<uint64_t>();
  if (value.is_number_integer() && value.get<int64_t>() >= 0) return value.get<uint64_t>();
  fail(pointer, "an integer in 0..18446744073709551615", show(value));
}

std::string Reader::string(const json& value, const std::string& pointer,
                           const std::string& expected) const {
  if (!value.is_string()) fail(pointer, expected, show(value));
  return value.get<std::string>();
}

bool Reader::is_identifier(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char ch = s[i];
    const bool word = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                      (ch >= '0' && ch <= '9') || ch == '_';
    if (!word && !(i > 0 && (ch == '.' || ch == '-'))) return false;
  }
  return true;
}

std::string Reader::identifier(const json& value, const std::string& pointer,
                               const std::string& what) const {
  const std::string expected =
      what + " of 1..64 letters, digits, '_', '.' or '-' (not starting with '.' or '-')";
  if (!value.is_string() || !is_identifier(value.get<std::string>())) {
    fail(pointer, expected, show(value));
  }
  return value.get<std::string>();
}

}  // namespace qb::harness::json_input
