// SPDX-License-Identifier: GPL-2.0-or-later
// Neighbours and bridge/VXLAN FDB entries: RTM_NEWNEIGH/DELNEIGH/GETNEIGH.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "inet.h"
#include "nl_message.h"

namespace cnm {

struct NeighSpec {
  int family = 0;  // AF_INET, AF_INET6, or AF_BRIDGE for an FDB entry
  int32_t index = 0;
  std::optional<IpAddr> dst;  // the neighbour's IP, or the remote VTEP of an FDB entry
  std::optional<Mac> lladdr;
  uint16_t state = 0x80;  // NUD_PERMANENT
  uint8_t flags = 0;      // NTF_SELF, NTF_MASTER, ...
  std::optional<uint16_t> vlan;
  std::optional<uint32_t> vni;
  std::optional<uint16_t> port;
  std::optional<int32_t> master;
};

struct NeighDumpFilter {
  int family = 0;
  int32_t index = 0;
  std::optional<int32_t> master;
};

enum class NeighVerb { add, replace, del };
NlMessage encode_neigh(NeighVerb verb, const NeighSpec& spec);
NlMessage encode_neigh_dump(const NeighDumpFilter& filter);

struct NeighInfo {
  int family = 0;
  int32_t index = 0;
  uint16_t state = 0;
  uint8_t flags = 0;
  std::string dst;
  std::string lladdr;
  std::optional<uint16_t> vlan;
  std::optional<uint32_t> vni;
  std::optional<int32_t> master;
};

bool parse_neigh(const std::vector<uint8_t>& msg, NeighInfo& out);

}  // namespace cnm
