// SPDX-License-Identifier: GPL-2.0-or-later
#include "op_reader.h"

#include <net/if.h>

#include <cmath>

#include "env_state.h"
#include "errors.h"
#include "names.h"
#include "netns_handle.h"

namespace cnm {

OpReader::OpReader(Napi::Env env, Napi::Object object, int index, std::string prefix,
                   const PendingNetns* pending)
    : env_(env), object_(object), index_(index), prefix_(std::move(prefix)), pending_(pending) {}

void OpReader::fail(const std::string& key, const std::string& why) const {
  throw_invalid_op(env_, index_, prefix_ + key, why);
}

Napi::Value OpReader::get(const char* key) const { return object_.Get(key); }

bool OpReader::has(const char* key) const {
  Napi::Value v = get(key);
  return !v.IsUndefined() && !v.IsNull();
}

std::optional<uint32_t> OpReader::u32(const char* key, uint32_t min, uint32_t max) const {
  if (!has(key)) return std::nullopt;
  Napi::Value v = get(key);
  if (!v.IsNumber()) fail(key, "must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
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
  Napi::Value v = get(key);
  if (!v.IsBoolean()) fail(key, "must be a boolean");
  return v.As<Napi::Boolean>().Value();
}

std::optional<std::string> OpReader::string(const char* key) const {
  if (!has(key)) return std::nullopt;
  Napi::Value v = get(key);
  if (!v.IsString()) fail(key, "must be a string");
  return v.As<Napi::String>().Utf8Value();
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
  if (get(key).IsNumber()) return LinkRef{*ifindex(key), {}};
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
  if (numbers_too && get(key).IsNumber()) return u32(key, 0, 255);
  auto s = string(key);
  auto v = names::lookup(table, *s);
  if (!v) fail(key, "unknown value \"" + *s + "\"");
  return v;
}

NetnsArg OpReader::netns(const char* key) const {
  if (!has(key)) return {};
  Napi::Value v = get(key);
  if (NetnsPtr ns = NetnsHandle::unwrap(env_, v)) return NetnsArg{ns, -1};
  for (size_t i = 0; pending_ && i < pending_->size(); ++i)
    if (v.StrictEquals((*pending_)[i])) return NetnsArg{nullptr, static_cast<int>(i)};
  fail(key, "must be an open Netns handle (or one created earlier in the same sequence)");
}

OpReader OpReader::object(const char* key) const {
  Napi::Value v = get(key);
  if (!v.IsObject()) fail(key, "must be an object");
  return OpReader(env_, v.As<Napi::Object>(), index_, prefix_ + key + ".", pending_);
}

std::optional<Napi::Object> OpReader::optional_object(const char* key) const {
  if (!has(key)) return std::nullopt;
  Napi::Value v = get(key);
  if (!v.IsObject()) fail(key, "must be an object");
  return v.As<Napi::Object>();
}

}  // namespace cnm
