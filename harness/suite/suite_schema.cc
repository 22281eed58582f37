#include "harness/suite/suite_schema.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>

// GCC 12 reports a -Wrestrict false positive in std::string::replace as inlined into
// valijson's JSON-pointer parsing; nothing of ours is involved.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wrestrict"
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>
#pragma GCC diagnostic pop

#include "harness/suite/json_input.h"
#include "harness/suite/suite_schema_text.h"  // generated from suites/suite.schema.json

namespace qb::harness {
namespace {

using json_input::child;
using json_input::quoted_list;
using json_input::show;
using nlohmann::json;
using Node = nlohmann::ordered_json;  // a schema node, keys in file order

// The schema twice: as nlohmann::json for the validator (its adapter takes that type) and
// in file order for messages, which list a layer's keys as the schema lists them. The file
// says draft 2020-12 for editors; it uses only keywords that draft 7, which the validator
// implements, means the same way ($defs is reached through JSON-pointer $refs).
struct CompiledSchema {
  CompiledSchema();
  json plain;
  Node ordered;
  valijson::Schema schema;
};

CompiledSchema::CompiledSchema()
    : plain(json::parse(generated::kSuiteSchemaText)),
      ordered(Node::parse(generated::kSuiteSchemaText)) {
  valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
  valijson::adapters::NlohmannJsonAdapter adapter(plain);
  parser.populateSchema(adapter, schema);
}

const CompiledSchema& compiled() {
  static const CompiledSchema instance;
  return instance;
}

const Node* member(const Node* node, const char* key) {
  if (node == nullptr || !node->is_object()) return nullptr;
  const auto it = node->find(key);
  return it == node->end() ? nullptr : &*it;
}

// The target of a node's "$ref" ("#/$defs/kernel"), or nullptr.
const Node* ref_target(const Node* node) {
  const Node* ref = member(node, "$ref");
  if (ref == nullptr) return nullptr;
  return &compiled().ordered.at(Node::json_pointer(ref->get<std::string>().substr(1)));
}

bool has_type(const std::string& type, const json& v) {
  if (type == "integer") return v.is_number_integer();
  if (type == "number") return v.is_number();
  if (type == "string") return v.is_string();
  if (type == "boolean") return v.is_boolean();
  if (type == "array") return v.is_array();
  if (type == "object") return v.is_object();
  return v.is_null();
}

bool same_kind(const Node& constant, const json& v) {
  return (constant.is_number() && v.is_number()) || (constant.is_string() && v.is_string()) ||
         (constant.is_boolean() && v.is_boolean());
}

// Whether `v` is of a kind the node accepts (its type, or the kind of its const or enum
// values): picks the alternatives of a oneOf that a value was meant for.
bool same_type(const Node* node, const json& v) {
  if (const Node* target = ref_target(node)) return same_type(target, v);
  if (const Node* type = member(node, "type")) return has_type(type->get<std::string>(), v);
  if (const Node* constant = member(node, "const")) return same_kind(*constant, v);
  if (const Node* values = member(node, "enum")) {
    return std::any_of(values->begin(), values->end(),
                       [&](const Node& e) { return same_kind(e, v); });
  }
  return true;
}

// The `if` conditions of the schema: required keys and properties with a const, enum or type.
bool satisfies(const Node& cond, const json& v) {
  if (cond.is_boolean()) return cond.get<bool>();
  if (const Node* type = member(&cond, "type"); type && !has_type(type->get<std::string>(), v)) {
    return false;
  }
  if (const Node* constant = member(&cond, "const"); constant && json::parse(constant->dump()) != v) {
    return false;
  }
  if (const Node* values = member(&cond, "enum")) {
    const bool any = std::any_of(values->begin(), values->end(),
                                 [&](const Node& e) { return json::parse(e.dump()) == v; });
    if (!any) return false;
  }
  if (const Node* required = member(&cond, "required")) {
    if (!v.is_object()) return false;
    for (const Node& key : *required) {
      if (!v.contains(key.get<std::string>())) return false;
    }
  }
  if (const Node* properties = member(&cond, "properties"); properties && v.is_object()) {
    for (auto it = properties->begin(); it != properties->end(); ++it) {
      const auto value = v.find(it.key());
      if (value != v.end() && !satisfies(it.value(), *value)) return false;
    }
  }
  return true;
}

// Every schema node that applies to `v` at one place: the node, its $ref, its allOf
// members, the branch of an if/then/else that v selects and the oneOf/anyOf alternatives
// of v's kind.
void applicable(const Node* node, const json* v, std::vector<const Node*>& out) {
  if (node == nullptr || !node->is_object()) return;
  if (std::find(out.begin(), out.end(), node) != out.end()) return;
  out.push_back(node);
  applicable(ref_target(node), v, out);
  if (const Node* all = member(node, "allOf")) {
    for (const Node& m : *all) applicable(&m, v, out);
  }
  if (v == nullptr) return;
  for (const char* key : {"oneOf", "anyOf"}) {
    if (const Node* alts = member(node, key)) {
      for (const Node& alt : *alts) {
        if (same_type(&alt, *v)) applicable(&alt, v, out);
      }
    }
  }
  if (const Node* cond = member(node, "if")) {
    applicable(member(node, satisfies(*cond, *v) ? "then" : "else"), v, out);
  }
}

// One place in the document along a violation's path: the value there (nullptr past the
// document's end, for a missing key) and the schema nodes its parent gives it.
struct Place {
  std::string pointer;
  const json* value = nullptr;
  std::vector<const Node*> nodes;
};

std::vector<Place> walk(const json& doc, const std::vector<std::string>& tokens) {
  std::vector<Place> places(1);
  places[0].value = &doc;
  places[0].nodes = {&compiled().ordered};
  for (const std::string& token : tokens) {
    const Place& at = places.back();
    Place next;
    std::vector<const Node*> here;
    for (const Node* node : at.nodes) applicable(node, at.value, here);
    if (at.value != nullptr && at.value->is_array()) {
      const size_t index = std::stoul(token);
      next.pointer = child(at.pointer, index);
      if (index < at.value->size()) next.value = &(*at.value)[index];
      for (const Node* node : here) {
        if (const Node* items = member(node, "items")) next.nodes.push_back(items);
      }
    } else {
      next.pointer = child(at.pointer, token);
      if (at.value != nullptr && at.value->is_object()) {
        const auto it = at.value->find(token);
        if (it != at.value->end()) next.value = &*it;
      }
      for (const Node* node : here) {
        if (const Node* properties = member(node, "properties")) {
          if (const Node* p = member(properties, token.c_str())) next.nodes.push_back(p);
        }
      }
    }
    places.push_back(std::move(next));
  }
  return places;
}

std::vector<const Node*> alternatives(const Node* node, const json* v) {
  std::vector<const Node*> all, fitting;
  for (const char* key : {"oneOf", "anyOf"}) {
    if (const Node* alts = member(node, key)) {
      for (const Node& alt : *alts) {
        all.push_back(&alt);
        if (v != nullptr && same_type(&alt, *v)) fitting.push_back(&alt);
      }
    }
  }
  return fitting.empty() ? all : fitting;
}

std::string join_or(const std::vector<std::string>& parts) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += i + 1 == parts.size() ? " or " : ", ";
    out += parts[i];
  }
  return out;
}

// The node's own title, through $refs and the alternatives meant for v.
std::optional<std::string> title_of(const Node* node, const json* v) {
  if (const Node* title = member(node, "title")) return title->get<std::string>();
  if (const Node* target = ref_target(node)) return title_of(target, v);
  const std::vector<const Node*> alts = alternatives(node, v);
  if (alts.empty()) return std::nullopt;
  std::vector<std::string> parts;
  for (const Node* alt : alts) {
    const auto t = title_of(alt, v);
    if (!t) return std::nullopt;
    if (std::find(parts.begin(), parts.end(), *t) == parts.end()) parts.push_back(*t);
  }
  return join_or(parts);
}

std::optional<std::string> title_of(const std::vector<const Node*>& nodes, const json* v) {
  for (const Node* node : nodes) {
    if (auto t = title_of(node, v)) return t;
  }
  return std::nullopt;
}

std::string bounds(const Node* node) {
  const Node* lo = member(node, "minimum");
  const Node* hi = member(node, "maximum");
  if (lo && hi) return " in " + lo->dump() + ".." + hi->dump();
  if (lo) return " >= " + lo->dump();
  if (hi) return " <= " + hi->dump();
  return "";
}

// What the node accepts, in words: its title, else its alternatives, enum, const or type.
std::string describe(const Node* node, const json* v) {
  if (node == nullptr || !node->is_object()) return "";
  // An object's title names it ("the calibration set", as in "a key of the calibration
  // set"); what it must hold says more where it is missing or of the wrong kind.
  const Node* required = member(node, "required");
  const bool named_object = member(node, "type") != nullptr &&
                            member(node, "type")->get<std::string>() == "object" &&
                            required != nullptr && !required->empty();
  if (const Node* title = member(node, "title"); title && !named_object) {
    return title->get<std::string>();
  }
  if (const Node* target = ref_target(node)) return describe(target, v);
  if (const std::vector<const Node*> alts = alternatives(node, v); !alts.empty()) {
    std::vector<std::string> parts;
    for (const Node* alt : alts) {
      const std::string d = describe(alt, v);
      if (!d.empty() && std::find(parts.begin(), parts.end(), d) == parts.end()) parts.push_back(d);
    }
    return join_or(parts);
  }
  if (const Node* values = member(node, "enum")) {
    std::vector<std::string> names;
    for (const Node& e : *values) names.push_back(e.is_string() ? e.get<std::string>() : e.dump());
    return quoted_list(names);
  }
  if (const Node* constant = member(node, "const")) return constant->dump();
  if (const Node* type = member(node, "type")) {
    const std::string t = type->get<std::string>();
    if (t == "integer") return "an integer" + bounds(node);
    if (t == "number") return "a number" + bounds(node);
    if (t == "boolean") return "true or false";
    if (t == "string") return member(node, "minLength") ? "a non-empty string" : "a string";
    if (t == "array") return "an array";
    if (t == "object") {
      if (required == nullptr || required->empty()) return "an object";
      return "an object with " + quoted_list(required->get<std::vector<std::string>>(), " and ");
    }
  }
  if (const Node* all = member(node, "allOf")) {
    for (const Node& m : *all) {
      if (std::string d = describe(&m, v); !d.empty()) return d;
    }
  }
  return "";
}

std::string describe(const std::vector<const Node*>& nodes, const json* v) {
  for (const Node* node : nodes) {
    if (std::string d = describe(node, v); !d.empty()) return d;
  }
  return "what suites/suite.schema.json allows here";
}

// One complaint of the validator, reduced to what it is about.
struct Leaf {
  enum class Kind { kValue, kMissingKey, kUnknownKey };
  Kind kind = Kind::kValue;
  std::vector<std::string> tokens;  // the place, as keys and array indices
  std::string key;                  // for kMissingKey and kUnknownKey
};

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

// The place of a complaint: the validator's context is "<root>", then "[key]" or "[index]".
std::vector<std::string> tokens_of(const valijson::ValidationResults::Error& error) {
  std::vector<std::string> tokens;
  for (size_t i = 1; i < error.context.size(); ++i) {
    const std::string& c = error.context[i];
    tokens.push_back(c.size() >= 2 ? c.substr(1, c.size() - 2) : c);
  }
  return tokens;
}

// The validator reports each failure and, after it, one "Failed to validate ..." line per
// enclosing schema (property, item, allOf member, branch): only the innermost ones say
// something. The key of a missing or unknown property is the text between the last quotes.
std::optional<Leaf> leaf_of(const valijson::ValidationResults::Error& error) {
  const std::string& d = error.description;
  if (starts_with(d, "Failed to validate") || starts_with(d, "Cannot validate")) return std::nullopt;
  Leaf leaf;
  leaf.tokens = tokens_of(error);
  const auto quoted_key = [&d](const std::string& prefix) {
    const size_t end = d.rfind('\'');
    return end > prefix.size() ? d.substr(prefix.size(), end - prefix.size()) : std::string();
  };
  const std::string missing = "Missing required property '";
  const std::string unknown =
      "Object contains a property that could not be validated using 'properties' or "
      "'additionalProperties' constraints: '";
  if (starts_with(d, missing)) {
    leaf.kind = Leaf::Kind::kMissingKey;
    leaf.key = quoted_key(missing);
  } else if (starts_with(d, unknown)) {
    leaf.kind = Leaf::Kind::kUnknownKey;
    leaf.key = quoted_key(unknown);
  }
  return leaf;
}

bool is_under(const std::vector<std::string>& inner, const std::vector<std::string>& outer) {
  return inner.size() > outer.size() && std::equal(outer.begin(), outer.end(), inner.begin());
}

SchemaViolation explain(const json& doc, const Leaf& leaf) {
  std::vector<Place> places = walk(doc, leaf.tokens);
  if (leaf.kind == Leaf::Kind::kUnknownKey) {
    const Place& at = places.back();
    std::vector<const Node*> here;
    for (const Node* node : at.nodes) applicable(node, at.value, here);
    std::vector<std::string> keys;
    std::string what = "this object";
    for (const Node* node : here) {
      const Node* closed = member(node, "additionalProperties");
      const Node* properties = member(node, "properties");
      if (closed == nullptr || *closed != false || properties == nullptr) continue;
      for (auto it = properties->begin(); it != properties->end(); ++it) keys.push_back(it.key());
      if (const Node* title = member(node, "title")) what = title->get<std::string>();
      break;
    }
    return {child(at.pointer, leaf.key), "a key of " + what + " (" + quoted_list(keys) + ")",
            "unknown key " + json(leaf.key).dump()};
  }
  if (leaf.kind == Leaf::Kind::kMissingKey) {
    std::vector<std::string> tokens = leaf.tokens;
    tokens.push_back(leaf.key);
    places = walk(doc, tokens);
    return {places.back().pointer, describe(places.back().nodes, nullptr), "nothing"};
  }
  // A bad element of an array whose schema names the whole ([h, w, c], a kernel pair) is
  // reported as the array, as the user wrote it.
  size_t at = places.size() - 1;
  while (at > 0 && !title_of(places[at].nodes, places[at].value) &&
         places[at - 1].value->is_array() && title_of(places[at - 1].nodes, places[at - 1].value)) {
    --at;
  }
  const Place& place = places[at];
  return {place.pointer, describe(place.nodes, place.value),
          place.value != nullptr ? show(*place.value) : "nothing"};
}

}  // namespace

std::vector<SchemaViolation> check_suite_schema(const json& original) {
  const json doc = with_integral_floats_as_integers(original);
  valijson::Validator validator;  // strong types: "4" is not an integer
  valijson::ValidationResults results;
  valijson::adapters::NlohmannJsonAdapter target(doc);
  if (validator.validate(compiled().schema, target, &results)) return {};

  std::vector<Leaf> leaves;
  valijson::ValidationResults::Error error;
  std::optional<Leaf> outermost;  // the last complaint, in case none is a leaf
  while (results.popError(error)) {
    if (auto leaf = leaf_of(error)) leaves.push_back(std::move(*leaf));
    outermost = Leaf{Leaf::Kind::kValue, tokens_of(error), ""};
  }
  // Only wrappers (a value that several oneOf alternatives accept, which this schema's
  // disjoint alternatives rule out): still a violation, reported where it was found.
  if (leaves.empty() && outermost) leaves.push_back(std::move(*outermost));
  std::vector<SchemaViolation> out;
  for (const Leaf& leaf : leaves) {
    // A wrong kind of value where a oneOf also allows arrays ([3, "x"] for a kernel) fails
    // one alternative here and another inside: the inner complaint is the one to report.
    if (leaf.kind == Leaf::Kind::kValue &&
        std::any_of(leaves.begin(), leaves.end(),
                    [&](const Leaf& other) { return is_under(other.tokens, leaf.tokens); })) {
      continue;
    }
    SchemaViolation v = explain(doc, leaf);
    const bool seen = std::any_of(out.begin(), out.end(), [&](const SchemaViolation& o) {
      return o.pointer == v.pointer;
    });
    if (!seen) out.push_back(std::move(v));
  }
  return out;
}

json with_integral_floats_as_integers(const json& v) {
  if (v.is_number_float()) {
    const double d = v.get<double>();
    constexpr double kExact = 9007199254740992.0;  // 2^53
    if (std::nearbyint(d) == d && std::fabs(d) <= kExact) return json(static_cast<int64_t>(d));
    return v;
  }
  if (v.is_array() || v.is_object()) {
    json out = v;
    for (auto& element : out) element = with_integral_floats_as_integers(element);
    return out;
  }
  return v;
}

const char* suite_schema_text() { return generated::kSuiteSchemaText; }

}  // namespace qb::harness
