// SPDX-License-Identifier: GPL-2.0-or-later
// Fuzz target: the rtnetlink reply parsers (core/rtnl_{link,addr,route,neigh}.cc).
// The input is one message, as a dump part or rtnlParse hands it over:
// every parser reads it (each takes only its own message type).
#include <vector>

#include "../../native/core/rtnl_addr.h"
#include "../../native/core/rtnl_link.h"
#include "../../native/core/rtnl_neigh.h"
#include "../../native/core/rtnl_route.h"
#include "../common/nl_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> msg = cnm::fuzz::exact_copy(data, size);
  cnm::LinkInfo link;
  cnm::parse_link(msg, link);
  cnm::AddrInfo addr;
  cnm::parse_addr(msg, addr);
  cnm::RouteInfo route;
  cnm::parse_route(msg, route);
  cnm::NeighInfo neigh;
  cnm::parse_neigh(msg, neigh);
  return 0;
}
