// SPDX-License-Identifier: GPL-2.0-or-later
// Interface addresses: RTM_NEWADDR/DELADDR/GETADDR.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "inet.h"
#include "nl_message.h"

namespace cnm {

struct AddrSpec {
  int32_t index = 0;
  IpPrefix local;
  std::optional<IpAddr> peer;       // point-to-point peer; IFA_ADDRESS otherwise repeats local
  std::optional<IpAddr> broadcast;  // IPv4 only
  std::optional<std::string> label;
  uint8_t scope = 0;   // RT_SCOPE_UNIVERSE
  uint32_t flags = 0;  // IFA_F_NODAD, IFA_F_NOPREFIXROUTE, ...
};

struct AddrDumpFilter {
  int family = 0;  // AF_UNSPEC: both
  int32_t index = 0;
};

NlMessage encode_addr(uint16_t type, const AddrSpec& spec);  // RTM_NEWADDR or RTM_DELADDR
NlMessage encode_addr_dump(const AddrDumpFilter& filter);

struct AddrInfo {
  int family = 0;
  int32_t index = 0;
  uint8_t prefixlen = 0;
  uint8_t scope = 0;
  uint32_t flags = 0;
  std::string address;  // IFA_ADDRESS
  std::string local;    // IFA_LOCAL
  std::string broadcast;
  std::string label;
};

bool parse_addr(const std::vector<uint8_t>& msg, AddrInfo& out);

}  // namespace cnm
