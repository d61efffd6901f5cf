// SPDX-License-Identifier: GPL-2.0-or-later
#include "json_op_tree.h"

#include <fcntl.h>

#include <cmath>
#include <cstdlib>
#include <cstring>

namespace cnm::fuzz {

namespace {

constexpr int kMaxDepth = 48;
constexpr uint32_t kMaxRepeat = 1 << 17;  // enough to overflow 64 KiB attributes and 16-bit lengths
constexpr size_t kMaxTextBytes = 1 << 20;

bool number_char(char c) {
  return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

}  // namespace

JsonOpTree::JsonOpTree() {
  ns_node_.type = OpType::object;
  ns_node_.netns = true;
  for (Node& p : pending_nodes_) {
    p.type = OpType::object;
    pending_.push_back(node(&p));
  }
  // A real descriptor, so an op that carries a namespace fd encodes one.
  auto ns = std::make_shared<Netns>();
  ns->fd = unique_fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  ns->path = "/run/fuzz/ns";
  ns_ = std::move(ns);
}

std::optional<OpNode> JsonOpTree::parse(const uint8_t* data, size_t size) {
  pos_ = reinterpret_cast<const char*>(data);
  end_ = pos_ + size;
  const Node* root = value(0);
  space();
  if (!root || pos_ != end_) return std::nullopt;
  return node(root);
}

int32_t JsonOpTree::int32(OpNode v) const {
  // ECMAScript ToInt32, which napi_get_value_int32 applies: modulo 2^32.
  double d = at_node(v).number;
  if (!std::isfinite(d)) return 0;
  double m = std::fmod(std::trunc(d), 4294967296.0);
  if (m < 0) m += 4294967296.0;
  return static_cast<int32_t>(static_cast<uint32_t>(m));
}

OpNode JsonOpTree::get(OpNode object, const char* key) const {
  const Node& n = at_node(object);
  for (auto it = n.props.rbegin(); it != n.props.rend(); ++it)
    if (it->first == key) return node(it->second);
  return node(&undefined_);
}

uint32_t JsonOpTree::length(OpNode array) const {
  const Node& n = at_node(array);
  return n.repeat ? n.repeat : static_cast<uint32_t>(n.items.size());
}

OpNode JsonOpTree::at(OpNode array, uint32_t i) const {
  const Node& n = at_node(array);
  if (n.repeat) return node(i < n.repeat ? n.items.front() : &undefined_);
  return node(i < n.items.size() ? n.items[i] : &undefined_);
}

std::vector<std::string> JsonOpTree::keys(OpNode object) const {
  std::vector<std::string> out;
  for (const auto& [key, value] : at_node(object).props) {
    bool seen = false;
    for (const std::string& k : out) seen = seen || k == key;
    if (!seen) out.push_back(key);
  }
  return out;
}

JsonOpTree::Node* JsonOpTree::make(OpType type) {
  Node& n = nodes_.emplace_back();
  n.type = type;
  return &n;
}

void JsonOpTree::space() {
  while (pos_ < end_ && (*pos_ == ' ' || *pos_ == '\n' || *pos_ == '\r' || *pos_ == '\t')) ++pos_;
}

bool JsonOpTree::word(const char* w) {
  size_t n = std::strlen(w);
  if (static_cast<size_t>(end_ - pos_) < n || std::memcmp(pos_, w, n) != 0) return false;
  pos_ += n;
  return true;
}

std::optional<uint32_t> JsonOpTree::count() {
  uint64_t n = 0;
  const char* start = pos_;
  while (pos_ < end_ && *pos_ >= '0' && *pos_ <= '9' && n <= kMaxRepeat)
    n = n * 10 + static_cast<uint64_t>(*pos_++ - '0');
  if (pos_ == start || n > kMaxRepeat) return std::nullopt;
  return static_cast<uint32_t>(n);
}

std::optional<std::string> JsonOpTree::quoted() {
  if (!word("\"")) return std::nullopt;
  std::string s;
  for (;;) {
    if (pos_ >= end_) return std::nullopt;
    char c = *pos_++;
    if (c == '"') break;
    if (c != '\\') {
      s.push_back(c);
      continue;
    }
    if (pos_ >= end_) return std::nullopt;
    char e = *pos_++;
    switch (e) {
      case 'n':
        s.push_back('\n');
        break;
      case 't':
        s.push_back('\t');
        break;
      case '0':
        s.push_back('\0');
        break;
      case 'x': {  // \xHH: any byte, so names can hold what JSON strings cannot
        if (end_ - pos_ < 2) return std::nullopt;
        char hex[3] = {pos_[0], pos_[1], 0};
        char* stop = nullptr;
        long v = std::strtol(hex, &stop, 16);
        if (stop != hex + 2) return std::nullopt;
        s.push_back(static_cast<char>(v));
        pos_ += 2;
        break;
      }
      default:
        s.push_back(e);  // \" \\ \/ and anything else: the character itself
        break;
    }
  }
  if (word("*")) {
    auto n = count();
    if (!n || s.size() * *n > kMaxTextBytes) return std::nullopt;
    std::string once = std::move(s);
    s.clear();
    s.reserve(once.size() * *n);
    for (uint32_t i = 0; i < *n; ++i) s += once;
  }
  text_bytes_ += s.size();
  if (text_bytes_ > kMaxTextBytes) return std::nullopt;
  return s;
}

const JsonOpTree::Node* JsonOpTree::value(int depth) {
  if (depth > kMaxDepth) return nullptr;
  space();
  if (pos_ >= end_) return nullptr;
  if (*pos_ == '{') {
    ++pos_;
    Node* n = make(OpType::object);
    space();
    if (word("}")) return n;
    for (;;) {
      space();
      auto key = quoted();
      space();
      if (!key || !word(":")) return nullptr;
      const Node* v = value(depth + 1);
      if (!v) return nullptr;
      n->props.emplace_back(std::move(*key), v);
      space();
      if (word("}")) return n;
      if (!word(",")) return nullptr;
    }
  }
  if (*pos_ == '[') {
    ++pos_;
    Node* n = make(OpType::object);
    n->array = true;
    space();
    if (word("]")) return n;
    for (;;) {
      const Node* v = value(depth + 1);
      if (!v) return nullptr;
      n->items.push_back(v);
      space();
      if (word("]")) return n;
      if (!word(",")) return nullptr;
    }
  }
  if (*pos_ == '<') {
    ++pos_;
    auto n = count();
    if (!n) return nullptr;
    const Node* v = value(depth + 1);
    space();
    if (!v || !word(">")) return nullptr;
    Node* a = make(OpType::object);
    a->array = true;
    a->items.push_back(v);
    a->repeat = *n;
    if (*n == 0) a->items.clear();
    return a;
  }
  if (*pos_ == '"') {
    auto s = quoted();
    if (!s) return nullptr;
    Node* n = make(OpType::string);
    n->text = std::move(*s);
    return n;
  }
  if (word("$ns")) return &ns_node_;
  if (word("$p")) {
    if (pos_ >= end_ || *pos_ < '0' || *pos_ > '3') return nullptr;
    return &pending_nodes_[*pos_++ - '0'];
  }
  if (word("true") || word("false")) {
    Node* n = make(OpType::boolean);
    n->boolean = pos_[-2] == 'u';  // tr(u)e, fal(s)e
    return n;
  }
  if (word("null")) return make(OpType::null);
  if (word("undefined")) return &undefined_;
  if (word("fn")) return make(OpType::function);
  for (const auto& [name, number] : {std::pair<const char*, double>{"NaN", std::nan("")},
                                     {"Infinity", INFINITY},
                                     {"-Infinity", -INFINITY}}) {
    if (!word(name)) continue;
    Node* n = make(OpType::number);
    n->number = number;
    return n;
  }
  if (number_char(*pos_)) {
    std::string digits;
    while (pos_ < end_ && number_char(*pos_) && digits.size() < 64) digits.push_back(*pos_++);
    char* stop = nullptr;
    double d = std::strtod(digits.c_str(), &stop);
    if (stop != digits.c_str() + digits.size()) return nullptr;
    Node* n = make(OpType::number);
    n->number = d;
    return n;
  }
  return nullptr;
}

}  // namespace cnm::fuzz
