// SPDX-License-Identifier: GPL-2.0-or-later
// Fuzz target: the nftables dump parsers (core/nft_parse.cc, through
// libnftnl). The input is one message of a dump: every parser reads it.
#include <vector>

#include "../../native/core/nft_parse.h"
#include "../common/nl_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> msg = cnm::fuzz::exact_copy(data, size);
  cnm::NftTableInfo table;
  cnm::nft_parse_table(msg, table);
  cnm::NftChainInfo chain;
  cnm::nft_parse_chain(msg, chain);
  cnm::NftRuleInfo rule;
  cnm::nft_parse_rule(msg, rule);
  cnm::NftSetInfo set;
  cnm::nft_parse_set(msg, set);
  std::vector<cnm::NftElementInfo> elements;
  cnm::nft_parse_elements(msg, elements);
  return 0;
}
