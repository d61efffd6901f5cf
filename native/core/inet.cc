// SPDX-License-Identifier: GPL-2.0-or-later
#include "inet.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstdint>
#include <cstdio>

namespace cnm {

size_t IpAddr::size() const { return family == AF_INET ? 4 : 16; }

std::optional<IpAddr> parse_ip(std::string_view text) {
  std::string s(text);
  IpAddr a;
  if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) {
    a.family = AF_INET;
    return a;
  }
  if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1) {
    a.family = AF_INET6;
    return a;
  }
  return std::nullopt;
}

std::optional<IpPrefix> parse_prefix(std::string_view text) {
  size_t slash = text.find('/');
  auto addr = parse_ip(text.substr(0, slash));
  if (!addr) return std::nullopt;
  const unsigned max = addr->family == AF_INET ? 32 : 128;
  unsigned len = max;
  if (slash != std::string_view::npos) {
    std::string_view digits = text.substr(slash + 1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), len);
    if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty() || len > max)
      return std::nullopt;
  }
  return IpPrefix{*addr, static_cast<uint8_t>(len)};
}

std::optional<Mac> parse_mac(std::string_view text) {
  Mac mac{};
  if (text.size() != 17) return std::nullopt;
  for (size_t i = 0; i < 6; ++i) {
    if (i > 0 && text[i * 3 - 1] != ':') return std::nullopt;
    unsigned v = 0;
    auto [end, ec] = std::from_chars(text.data() + i * 3, text.data() + i * 3 + 2, v, 16);
    if (ec != std::errc() || end != text.data() + i * 3 + 2) return std::nullopt;
    mac[i] = static_cast<uint8_t>(v);
  }
  return mac;
}

std::string format_ip(int family, const uint8_t* bytes) {
  char out[INET6_ADDRSTRLEN] = {};
  if (inet_ntop(family, bytes, out, sizeof out) == nullptr) return {};
  return out;
}

std::string format_ip(int family, const uint8_t* bytes, size_t len) {
  const size_t need = family == AF_INET ? 4 : family == AF_INET6 ? 16 : SIZE_MAX;
  if (bytes == nullptr || len < need) return {};
  return format_ip(family, bytes);
}

std::string format_mac(const uint8_t* bytes, size_t len) {
  std::string s;
  char part[4];
  for (size_t i = 0; i < len; ++i) {
    std::snprintf(part, sizeof part, i == 0 ? "%02x" : ":%02x", bytes[i]);
    s += part;
  }
  return s;
}

}  // namespace cnm
