// SPDX-License-Identifier: GPL-2.0-or-later
#include "op_reader.h"

#include <net/if.h>

#include <cctype>
#include <cmath>

#include "names.h"

namespace cnm {

OpReader::OpReader(const OpTree& tree, OpNode object, int index, std::string prefix,
                   const PendingNetns* pending)
    : tree_(tree), object_(object), index_(index), prefix_(std::move(prefix)), pending_(pending) {}

void OpReader::fail(const std::string& key, const std::string& why) const {
  throw InvalidOp{index_, prefix_ + key, why};
}

bool OpReader::has(const char* key) const {
  OpType t = tree_.type(get(key));
  return t != OpType::undefined && t != OpType::null;
}

std::optional<uint32_t> OpReader::u32(const char* key, uint32_t min, uint32_t max) const {
  if (!has(key)) return std::nullopt;
  OpNode v = get(key);
  if (!tree_.is_number(v)) fail(key, "must be a number");
  double d = tree_.number(v);
  if (!std::isfinite(d) || d != std::floor(d) || d < min || d > max)
    fail(key, "must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
  return static_cast<uint32_t>(d);
}

uint32_t OpReader::required_u32(const char* key, uint32_t min, uint32_t max) const {
  auto v = u32(key, min, max);
  if (!v) fail(key, "is required");
  return *v;
}

std::optional<bool> OpReader::boolean(const char* key) const {
  if (!has(key)) return std::nullopt;
  OpNode v = get(key);
  if (tree_.type(v) != OpType::boolean) fail(key, "must be a boolean");
  return tree_.boolean(v);
}

std::optional<std::string> OpReader::string(const char* key) const {
  if (!has(key)) return std::nullopt;
  OpNode v = get(key);
  if (!tree_.is_string(v)) fail(key, "must be a string");
  return tree_.string(v);
}

std::string OpReader::required_string(const char* key) const {
  auto v = string(key);
  if (!v) fail(key, "is required");
  return *v;
}

std::optional<std::string> OpReader::ifname(const char* key) const {
  auto name = string(key);
  if (!name) return name;
  // The kernel's dev_valid_name(): 1-15 bytes, no '/', ':' or white space, not "." or "..".
  bool ok = !name->empty() && name->size() < IFNAMSIZ && *name != "." && *name != "..";
  for (char c : *name)
    if (c == '/' || c == ':' || isspace(static_cast<unsigned char>(c))) ok = false;
  if (!ok) fail(key, "must be an interface name (1-15 bytes, no '/', ':' or spaces)");
  return name;
}

std::optional<int32_t> OpReader::ifindex(const char* key) const {
  auto v = u32(key, 1, INT32_MAX);
  if (!v) return std::nullopt;
  return static_cast<int32_t>(*v);
}

int32_t OpReader::required_ifindex(const char* key) const {
  auto v = ifindex(key);
  if (!v) fail(key, "is required (an ifindex)");
  return *v;
}

LinkRef OpReader::link_ref(const char* key) const {
  if (!has(key)) fail(key, "is required (an ifindex or an interface name)");
  if (tree_.is_number(get(key))) return LinkRef{*ifindex(key), {}};
  return LinkRef{0, *ifname(key)};
}

std::optional<Mac> OpReader::mac(const char* key) const {
  auto s = string(key);
  if (!s) return std::nullopt;
  auto mac = parse_mac(*s);
  if (!mac) fail(key, "must be a MAC address like 02:42:ac:11:00:02");
  return mac;
}

std::optional<IpAddr> OpReader::ip(const char* key) const {
  auto s = string(key);
  if (!s) return std::nullopt;
  auto ip = parse_ip(*s);
  if (!ip) fail(key, "must be an IPv4 or IPv6 address");
  return ip;
}

std::optional<IpPrefix> OpReader::prefix(const char* key) const {
  auto s = string(key);
  if (!s) return std::nullopt;
  auto p = parse_prefix(*s);
  if (!p) fail(key, "must be an address with an optional /prefix-length");
  return p;
}

std::optional<uint32_t> OpReader::named(const char* key, const char* table, bool numbers_too) const {
  if (!has(key)) return std::nullopt;
  if (numbers_too && tree_.is_number(get(key))) return u32(key, 0, 255);
  auto s = string(key);
  auto v = names::lookup(table, *s);
  if (!v) fail(key, "unknown value \"" + *s + "\"");
  return v;
}

NetnsArg OpReader::netns(const char* key) const {
  if (!has(key)) return {};
  OpNode v = get(key);
  if (NetnsPtr ns = tree_.netns(v)) return NetnsArg{ns, -1};
  for (size_t i = 0; pending_ && i < pending_->size(); ++i)
    if (tree_.same(v, (*pending_)[i])) return NetnsArg{nullptr, static_cast<int>(i)};
  fail(key, "must be an open Netns handle (or one created earlier in the same sequence)");
}

OpReader OpReader::object(const char* key) const {
  OpNode v = get(key);
  if (!tree_.is_object(v)) fail(key, "must be an object");
  return OpReader(tree_, v, index_, prefix_ + key + ".", pending_);
}

std::optional<OpNode> OpReader::optional_object(const char* key) const {
  if (!has(key)) return std::nullopt;
  OpNode v = get(key);
  if (!tree_.is_object(v)) fail(key, "must be an object");
  return v;
}

OpReader OpReader::nested(OpNode object, std::string prefix) const {
  return OpReader(tree_, object, index_, std::move(prefix));
}

}  // namespace cnm
