// SPDX-License-Identifier: GPL-2.0-or-later
#include "nft_values.h"

#include <net/if.h>

#include <cmath>
#include <cstring>

#include "inet.h"

namespace cnm {

namespace {

// nft's datatype ids (nftables src/datatype.h) and sizes in bytes.
const NftType kTypes[] = {
    {"ipv4_addr", 7, 4, false},     {"ipv6_addr", 8, 16, false},    {"ether_addr", 9, 6, false},
    {"inet_proto", 12, 1, true},    {"inet_service", 13, 2, false}, {"mark", 19, 4, true},
    {"ifname", 41, IFNAMSIZ, true},
};

constexpr uint32_t kTypeBits = 6;

uint32_t round4(uint32_t n) { return (n + 3) & ~3u; }

std::optional<uint32_t> protocol_number(const NftValue& v) {
  if (v.is_number)
    return v.number >= 0 && v.number <= 255 ? std::optional<uint32_t>(static_cast<uint32_t>(v.number))
                                            : std::nullopt;
  if (v.text == "tcp") return 6;
  if (v.text == "udp") return 17;
  if (v.text == "sctp") return 132;
  if (v.text == "icmp") return 1;
  if (v.text == "icmpv6") return 58;
  return std::nullopt;
}

}  // namespace

std::optional<NftType> nft_type(std::string_view name) {
  for (const NftType& t : kTypes)
    if (t.name == name) return t;
  return std::nullopt;
}

uint32_t NftTypeList::id() const {
  uint32_t id = 0;
  for (const NftType& f : fields) id = (id << kTypeBits) | f.id;
  return id;
}

uint32_t NftTypeList::length() const {
  if (fields.size() == 1) return fields.front().size;
  uint32_t n = 0;
  for (const NftType& f : fields) n += round4(f.size);
  return n;
}

std::optional<std::vector<uint8_t>> nft_encode(const NftType& type, const NftValue& v, std::string& why) {
  std::vector<uint8_t> out(type.size, 0);
  auto need_number = [&](double max) -> std::optional<uint64_t> {
    if (!v.is_number || v.number < 0 || v.number > max || v.number != std::floor(v.number)) {
      why = "a " + type.name + " must be an integer from 0 to " + std::to_string(static_cast<uint64_t>(max));
      return std::nullopt;
    }
    return static_cast<uint64_t>(v.number);
  };
  if (type.name == "ipv4_addr" || type.name == "ipv6_addr") {
    auto ip = v.is_number ? std::nullopt : parse_ip(v.text);
    if (!ip || ip->size() != type.size) {
      why = "not an " + std::string(type.size == 4 ? "IPv4" : "IPv6") + " address: " + v.text;
      return std::nullopt;
    }
    std::memcpy(out.data(), ip->bytes.data(), type.size);
  } else if (type.name == "ether_addr") {
    auto mac = v.is_number ? std::nullopt : parse_mac(v.text);
    if (!mac) {
      why = "not a MAC address: " + v.text;
      return std::nullopt;
    }
    std::memcpy(out.data(), mac->data(), 6);
  } else if (type.name == "inet_proto") {
    auto p = protocol_number(v);
    if (!p) {
      why = "not a protocol (tcp, udp, sctp, icmp, icmpv6 or 0-255)";
      return std::nullopt;
    }
    out[0] = static_cast<uint8_t>(*p);
  } else if (type.name == "inet_service") {
    auto port = need_number(65535);
    if (!port) return std::nullopt;
    out[0] = static_cast<uint8_t>(*port >> 8);
    out[1] = static_cast<uint8_t>(*port & 0xff);
  } else if (type.name == "mark") {
    auto mark = need_number(4294967295.0);
    if (!mark) return std::nullopt;
    uint32_t m = static_cast<uint32_t>(*mark);
    std::memcpy(out.data(), &m, 4);
  } else if (type.name == "ifname") {
    if (v.is_number || v.text.empty() || v.text.size() >= IFNAMSIZ) {
      why = "an interface name must be 1-15 bytes";
      return std::nullopt;
    }
    std::memcpy(out.data(), v.text.data(), v.text.size());
  } else {
    why = "unknown type " + type.name;
    return std::nullopt;
  }
  return out;
}

std::optional<std::vector<uint8_t>> nft_encode(const NftTypeList& types, const std::vector<NftValue>& values,
                                               std::string& why) {
  if (values.size() != types.fields.size()) {
    why = "expected " + std::to_string(types.fields.size()) + " values, one per field of the type";
    return std::nullopt;
  }
  std::vector<uint8_t> out;
  for (size_t i = 0; i < values.size(); ++i) {
    auto bytes = nft_encode(types.fields[i], values[i], why);
    if (!bytes) return std::nullopt;
    if (types.concat()) bytes->resize(round4(static_cast<uint32_t>(bytes->size())), 0);
    out.insert(out.end(), bytes->begin(), bytes->end());
  }
  return out;
}

bool nft_increment(std::vector<uint8_t>& bytes) {
  for (size_t i = bytes.size(); i-- > 0;)
    if (++bytes[i] != 0) return true;
  return false;
}

}  // namespace cnm
