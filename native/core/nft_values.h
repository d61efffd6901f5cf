// SPDX-License-Identifier: GPL-2.0-or-later
// nftables data types (the ids and sizes nft itself uses, so `nft list`
// prints what cnm wrote) and the byte layout of values of each type,
// including concatenations (every field padded to 4 bytes).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cnm {

struct NftType {
  std::string name;   // "ifname", "ipv4_addr", "inet_proto", "inet_service", ...
  uint32_t id = 0;    // nft's datatype id (src/datatype.h)
  uint32_t size = 0;  // bytes of one value
  bool host_order = false;
};

std::optional<NftType> nft_type(std::string_view name);

// A key or data type: one type, or a concatenation of several.
struct NftTypeList {
  std::vector<NftType> fields;
  uint32_t id() const;      // nft's concat id: each field's id shifted in, 6 bits apiece
  uint32_t length() const;  // one field: its size; several: each rounded up to 4
  bool concat() const { return fields.size() > 1; }
};

// A value as JS gives it, before its type is known.
struct NftValue {
  bool is_number = false;
  double number = 0;
  std::string text;
};

// Encodes one value of a type; nullopt and a reason when it does not fit.
std::optional<std::vector<uint8_t>> nft_encode(const NftType& type, const NftValue& value, std::string& why);
// Encodes a (possibly concatenated) value: one NftValue per field.
std::optional<std::vector<uint8_t>> nft_encode(const NftTypeList& types, const std::vector<NftValue>& values,
                                               std::string& why);
// The value of a type one above the given bytes (big-endian increment), for
// the end of a single-field interval; false on overflow.
bool nft_increment(std::vector<uint8_t>& bytes);

}  // namespace cnm
