// SPDX-License-Identifier: GPL-2.0-or-later
// Text forms of addresses: IPv4/IPv6 addresses and prefixes, MAC addresses.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cnm {

struct IpAddr {
  int family = 0;  // AF_INET or AF_INET6
  std::array<uint8_t, 16> bytes{};
  size_t size() const;  // 4 or 16
};

struct IpPrefix {
  IpAddr addr;
  uint8_t len = 0;
};

using Mac = std::array<uint8_t, 6>;

std::optional<IpAddr> parse_ip(std::string_view text);
// "10.0.0.1/24" or "fd00::1/64"; a bare address gets the full length.
std::optional<IpPrefix> parse_prefix(std::string_view text);
std::optional<Mac> parse_mac(std::string_view text);

std::string format_ip(int family, const uint8_t* bytes);  // bytes holds a whole address of family
// An address read from a message: "" when len is too short for family (or family is neither).
std::string format_ip(int family, const uint8_t* bytes, size_t len);
std::string format_mac(const uint8_t* bytes, size_t len);

}  // namespace cnm
