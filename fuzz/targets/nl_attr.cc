// SPDX-License-Identifier: GPL-2.0-or-later
// Fuzz target: the netlink attribute codec (core/nl_message.*). Any bytes as
// a run of attributes: for_each_attr and AttrTable walk them, nested levels
// too, every typed getter reads them, and what they found is built again
// with NlMessage (flat and nested) and must read back the same.
#include <linux/rtnetlink.h>

#include <cstring>
#include <vector>

#include "../../native/core/nl_message.h"
#include "../common/nl_check.h"

namespace {

using cnm::Attr;

struct Seen {
  uint16_t type;
  std::vector<uint8_t> payload;
  bool operator==(const Seen&) const = default;
};

void read_all(const Attr& a) {
  volatile uint64_t sink = a.u8() ^ a.u16() ^ a.u32() ^ a.u64() ^ a.be16() ^ a.str().size();
  (void)sink;
}

void walk(const uint8_t* data, size_t len, int depth) {
  const uint8_t* end = data + len;
  // As a table (rtnl_link.cc reads nested levels this way) ...
  cnm::AttrTable table(data, len, 40);
  for (uint16_t t = 0; t <= 48; ++t) {
    const Attr& a = table[t];
    if (a.present() && (a.data < data || a.data + a.len > end))
      cnm::fuzz::violated("AttrTable entry outside its level");
    read_all(a);
  }
  // ... and in order, each payload perhaps itself a level of attributes.
  cnm::for_each_attr(data, len, [&](const Attr& a) {
    if (a.data < data || a.data + a.len > end) cnm::fuzz::violated("attribute outside its level");
    read_all(a);
    if (depth < 4) walk(a.data, a.len, depth + 1);
  });
}

std::vector<Seen> collect(const uint8_t* data, size_t len) {
  std::vector<Seen> out;
  cnm::for_each_attr(data, len, [&](const Attr& a) {
    out.push_back(Seen{a.type, {a.data, a.data + a.len}});
  });
  return out;
}

void round_trip(const std::vector<Seen>& seen) {
  // Flat: every attribute put again reads back as it was.
  cnm::NlMessage flat(RTM_NEWLINK, 0);
  flat.put_header(ifinfomsg{});
  for (const Seen& s : seen) flat.put(s.type, s.payload.data(), s.payload.size());
  const size_t start = NLMSG_LENGTH(sizeof(ifinfomsg));
  cnm::fuzz::check_message(flat.bytes(), sizeof(ifinfomsg));
  if (collect(flat.bytes().data() + start, flat.bytes().size() - start) != seen)
    cnm::fuzz::violated("attributes did not read back as they were put");
  // Nested: the same inside one nest, which must hold exactly them.
  cnm::NlMessage nested(RTM_NEWLINK, 0);
  nested.put_header(ifinfomsg{});
  size_t nest = nested.nest_begin(IFLA_LINKINFO);
  for (const Seen& s : seen) nested.put(s.type, s.payload.data(), s.payload.size());
  nested.nest_end(nest);
  cnm::fuzz::check_message(nested.bytes(), sizeof(ifinfomsg), {IFLA_LINKINFO});
  cnm::AttrTable top(nested.bytes().data() + start, nested.bytes().size() - start, IFLA_MAX);
  const Attr& info = top[IFLA_LINKINFO];
  if (!info.present() || collect(info.data, info.len) != seen)
    cnm::fuzz::violated("a nest did not read back as it was built");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> bytes = cnm::fuzz::exact_copy(data, size);
  walk(bytes.data(), bytes.size(), 0);
  // Small enough that the nest around them still fits its 16-bit length.
  if (bytes.size() <= 60000) round_trip(collect(bytes.data(), bytes.size()));
  return 0;
}
