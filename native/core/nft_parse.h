// SPDX-License-Identifier: GPL-2.0-or-later
// nftables dump replies (tables, chains, rules, sets, elements) parsed into
// plain structs, so the model can reconcile after a crash. Any bytes are
// safe to hand over: a message that is not whole, or not of the kind asked
// for, is refused (false), never read past.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cnm {

struct NftTableInfo {
  uint8_t family = 0;
  std::string name;
  uint64_t handle = 0;
  uint32_t flags = 0;
  uint32_t use = 0;
};

struct NftChainInfo {
  uint8_t family = 0;
  std::string table, name;
  uint64_t handle = 0;
  std::optional<std::string> type;
  std::optional<uint32_t> hook;
  std::optional<int32_t> priority;
  std::optional<uint32_t> policy;
  uint32_t use = 0;
};

struct NftRuleInfo {
  uint8_t family = 0;
  std::string table, chain;
  uint64_t handle = 0;
  std::string comment;
  std::vector<std::string> exprs;  // each expression as libnftnl prints it: "[ meta load iifname => reg 1 ]"
};

struct NftSetInfo {
  uint8_t family = 0;
  std::string table, name;
  uint64_t handle = 0;
  uint32_t flags = 0;
  uint32_t key_type = 0, key_len = 0;
  std::optional<uint32_t> data_type, data_len;
  std::optional<uint64_t> timeout_ms;
};

struct NftElementInfo {
  std::vector<uint8_t> key;
  std::optional<std::vector<uint8_t>> key_end;
  std::optional<std::vector<uint8_t>> data;
  std::optional<int32_t> verdict;
  std::string chain;
  uint32_t flags = 0;
  std::optional<uint64_t> timeout_ms, expires_ms;
  std::string comment;
};

bool nft_parse_table(const std::vector<uint8_t>& msg, NftTableInfo& out);
bool nft_parse_chain(const std::vector<uint8_t>& msg, NftChainInfo& out);
bool nft_parse_rule(const std::vector<uint8_t>& msg, NftRuleInfo& out);
bool nft_parse_set(const std::vector<uint8_t>& msg, NftSetInfo& out);
// Appends every element of one NEWSETELEM message.
bool nft_parse_elements(const std::vector<uint8_t>& msg, std::vector<NftElementInfo>& out);

}  // namespace cnm
