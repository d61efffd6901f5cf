// SPDX-License-Identifier: GPL-2.0-or-later
#include "rtnl_route.h"

#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cstring>

namespace cnm {

NlMessage encode_route(RouteVerb verb, const RouteSpec& spec) {
  uint16_t type = verb == RouteVerb::del ? RTM_DELROUTE : RTM_NEWROUTE;
  uint16_t flags = NLM_F_REQUEST | NLM_F_ACK;
  if (verb == RouteVerb::add) flags |= NLM_F_CREATE | NLM_F_EXCL;
  if (verb == RouteVerb::replace) flags |= NLM_F_CREATE | NLM_F_REPLACE;
  NlMessage m(type, flags);
  rtmsg rtm{};
  rtm.rtm_family = static_cast<uint8_t>(spec.family);
  rtm.rtm_dst_len = spec.dst.len;
  rtm.rtm_table = spec.table < 256 ? static_cast<uint8_t>(spec.table) : static_cast<uint8_t>(RT_TABLE_UNSPEC);
  rtm.rtm_protocol = verb == RouteVerb::del ? 0 : spec.protocol;
  rtm.rtm_type = spec.type;
  if (spec.scope) {
    rtm.rtm_scope = *spec.scope;
  } else if (verb == RouteVerb::del) {
    rtm.rtm_scope = RT_SCOPE_NOWHERE;  // matches any scope
  } else if (spec.type == RTN_LOCAL) {
    rtm.rtm_scope = RT_SCOPE_HOST;
  } else if (spec.type == RTN_UNICAST && !spec.gateway) {
    rtm.rtm_scope = RT_SCOPE_LINK;  // a directly connected route
  } else {
    rtm.rtm_scope = RT_SCOPE_UNIVERSE;
  }
  m.put_header(rtm);
  const size_t n = spec.family == AF_INET ? 4 : 16;
  if (spec.dst.len > 0) m.put(RTA_DST, spec.dst.addr.bytes.data(), n);
  if (spec.table >= 256) m.put_u32(RTA_TABLE, spec.table);
  if (spec.prefsrc) m.put(RTA_PREFSRC, spec.prefsrc->bytes.data(), n);
  if (spec.gateway) m.put(RTA_GATEWAY, spec.gateway->bytes.data(), n);
  if (spec.priority) m.put_u32(RTA_PRIORITY, *spec.priority);
  if (spec.oif) m.put_u32(RTA_OIF, static_cast<uint32_t>(*spec.oif));  // last, as `ip route` sends it
  return m;
}

NlMessage encode_route_dump(const RouteDumpFilter& filter) {
  NlMessage m(RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP);
  rtmsg rtm{};
  rtm.rtm_family = static_cast<uint8_t>(filter.family);
  m.put_header(rtm);
  if (filter.table) m.put_u32(RTA_TABLE, *filter.table);  // honoured with NETLINK_GET_STRICT_CHK
  return m;
}

bool parse_route(const std::vector<uint8_t>& msg, RouteInfo& out) {
  auto m = view_message(msg, sizeof(rtmsg));
  if (!m || m->type != RTM_NEWROUTE) return false;
  rtmsg rtm;
  std::memcpy(&rtm, m->family, sizeof rtm);
  out.family = rtm.rtm_family;
  out.dst_len = rtm.rtm_dst_len;
  out.table = rtm.rtm_table;
  out.protocol = rtm.rtm_protocol;
  out.scope = rtm.rtm_scope;
  out.type = rtm.rtm_type;
  for_each_attr(m->attrs, m->attrs_len, [&](const Attr& a) {
    switch (a.type) {
      case RTA_DST:
        out.dst = format_ip(out.family, a.data, a.len);
        break;
      case RTA_GATEWAY:
        out.gateway = format_ip(out.family, a.data, a.len);
        break;
      case RTA_PREFSRC:
        out.prefsrc = format_ip(out.family, a.data, a.len);
        break;
      case RTA_OIF:
        out.oif = static_cast<int32_t>(a.u32());
        break;
      case RTA_PRIORITY:
        out.priority = a.u32();
        break;
      case RTA_TABLE:
        out.table = a.u32();
        break;
      default:
        break;
    }
  });
  return true;
}

}  // namespace cnm
