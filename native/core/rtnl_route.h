// SPDX-License-Identifier: GPL-2.0-or-later
// Routes: RTM_NEWROUTE/DELROUTE/GETROUTE.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "inet.h"
#include "nl_message.h"

namespace cnm {

struct RouteSpec {
  int family = 0;
  IpPrefix dst;  // len 0: default route
  std::optional<IpAddr> gateway;
  std::optional<IpAddr> prefsrc;
  std::optional<int32_t> oif;
  std::optional<uint32_t> priority;  // the metric
  uint32_t table = 254;              // RT_TABLE_MAIN
  std::optional<uint8_t> scope;      // derived as iproute2 does when absent
  uint8_t type = 1;                  // RTN_UNICAST
  uint8_t protocol = 3;              // RTPROT_BOOT, as `ip route add`
};

struct RouteDumpFilter {
  int family = 0;
  std::optional<uint32_t> table;
};

// RTM_NEWROUTE with NLM_F_EXCL (add) or NLM_F_REPLACE (replace), or RTM_DELROUTE.
enum class RouteVerb { add, replace, del };
NlMessage encode_route(RouteVerb verb, const RouteSpec& spec);
NlMessage encode_route_dump(const RouteDumpFilter& filter);

struct RouteInfo {
  int family = 0;
  std::string dst;  // "" for the default route
  uint8_t dst_len = 0;
  std::string gateway;
  std::string prefsrc;
  std::optional<int32_t> oif;
  std::optional<uint32_t> priority;
  uint32_t table = 0;
  uint8_t protocol = 0;
  uint8_t scope = 0;
  uint8_t type = 0;
};

bool parse_route(const std::vector<uint8_t>& msg, RouteInfo& out);

}  // namespace cnm
