// SPDX-License-Identifier: GPL-2.0-or-later
#include "nft_parse.h"

#include <arpa/inet.h>
#include <endian.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/udata.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include <cstring>
#include <optional>

#include "nft_check.h"
#include "nftnl_ptr.h"
#include "nl_message.h"

namespace cnm {

namespace {

// The attributes of one nftables message of the given type, after its
// nfgenmsg, and the family that header names; nullopt when it is no such
// message (view_message: whole headers, length inside the bytes).
struct NftMessageView {
  uint8_t family = 0;
  const uint8_t* attrs = nullptr;
  size_t len = 0;
};

std::optional<NftMessageView> nft_view(const std::vector<uint8_t>& msg, uint16_t type) {
  auto m = view_message(msg, sizeof(nfgenmsg));
  if (!m || NFNL_MSG_TYPE(m->type) != type) return std::nullopt;
  nfgenmsg nfg;
  std::memcpy(&nfg, m->family, sizeof nfg);
  return NftMessageView{nfg.nfgen_family, m->attrs, m->attrs_len};
}

// nftables integers travel in network byte order.
uint32_t be32(const Attr& a) { return ntohl(a.u32()); }
uint64_t be64(const Attr& a) { return be64toh(a.u64()); }

// The comment in a rule's or element's userdata: nft writes it as a TLV of
// (type, length, value) bytes. Read here rather than with
// nftnl_udata_parse, which walks on past the end of a cut-short TLV.
std::string comment_of(const Attr& userdata, uint8_t type) {
  std::string out;
  size_t off = 0;
  while (userdata.len - off >= 2) {
    uint8_t t = userdata.data[off], len = userdata.data[off + 1];
    if (len > userdata.len - off - 2) break;
    if (t == type && len > 0) out.assign(reinterpret_cast<const char*>(userdata.data + off + 2), len - 1);
    off += 2 + len;
  }
  return out;
}

// An nftables data register (NFTA_DATA_VALUE), as libnftnl reads it: 1-64 bytes.
std::optional<std::vector<uint8_t>> data_value(const Attr& data) {
  const Attr value = AttrTable(data.data, data.len, NFTA_DATA_MAX)[NFTA_DATA_VALUE];
  if (!value.present() || value.len == 0 || value.len > NFT_DATA_VALUE_MAXLEN) return std::nullopt;
  return std::vector<uint8_t>(value.data, value.data + value.len);
}

// One element of a NEWSETELEM message; false when libnftnl would have refused it.
bool parse_element(const Attr& nest, NftElementInfo& info) {
  AttrTable t(nest.data, nest.len, NFTA_SET_ELEM_MAX);
  if (t[NFTA_SET_ELEM_FLAGS].present()) info.flags = be32(t[NFTA_SET_ELEM_FLAGS]);
  if (t[NFTA_SET_ELEM_TIMEOUT].present()) info.timeout_ms = be64(t[NFTA_SET_ELEM_TIMEOUT]);
  if (t[NFTA_SET_ELEM_EXPIRATION].present()) info.expires_ms = be64(t[NFTA_SET_ELEM_EXPIRATION]);
  if (const Attr& key = t[NFTA_SET_ELEM_KEY]; key.present()) {
    auto v = data_value(key);
    if (!v) return false;
    info.key = std::move(*v);
  }
  if (const Attr& end = t[NFTA_SET_ELEM_KEY_END]; end.present()) {
    info.key_end = data_value(end);
    if (!info.key_end) return false;
  }
  if (const Attr& data = t[NFTA_SET_ELEM_DATA]; data.present()) {
    AttrTable d(data.data, data.len, NFTA_DATA_MAX);
    if (const Attr& verdict = d[NFTA_DATA_VERDICT]; verdict.present()) {
      AttrTable v(verdict.data, verdict.len, NFTA_VERDICT_MAX);
      if (!v[NFTA_VERDICT_CODE].present()) return false;
      info.verdict = static_cast<int32_t>(be32(v[NFTA_VERDICT_CODE]));
      info.chain = v[NFTA_VERDICT_CHAIN].str();
    } else {
      info.data = data_value(data);
      if (!info.data) return false;
    }
  }
  if (const Attr& ud = t[NFTA_SET_ELEM_USERDATA]; ud.present())
    info.comment = comment_of(ud, NFTNL_UDATA_SET_ELEM_COMMENT);
  return true;
}

}  // namespace

// Tables, chains, sets and elements are read here, attribute by attribute;
// only rules go through libnftnl (for its text of each expression), and
// only after nft_rule_parsable.

bool nft_parse_table(const std::vector<uint8_t>& msg, NftTableInfo& out) {
  auto m = nft_view(msg, NFT_MSG_NEWTABLE);
  if (!m) return false;
  AttrTable t(m->attrs, m->len, NFTA_TABLE_MAX);
  out.family = m->family;
  out.name = t[NFTA_TABLE_NAME].str();
  out.handle = be64(t[NFTA_TABLE_HANDLE]);
  out.flags = be32(t[NFTA_TABLE_FLAGS]);
  out.use = be32(t[NFTA_TABLE_USE]);
  return true;
}

bool nft_parse_chain(const std::vector<uint8_t>& msg, NftChainInfo& out) {
  auto m = nft_view(msg, NFT_MSG_NEWCHAIN);
  if (!m) return false;
  AttrTable t(m->attrs, m->len, NFTA_CHAIN_MAX);
  out.family = m->family;
  out.table = t[NFTA_CHAIN_TABLE].str();
  out.name = t[NFTA_CHAIN_NAME].str();
  out.handle = be64(t[NFTA_CHAIN_HANDLE]);
  out.use = be32(t[NFTA_CHAIN_USE]);
  const Attr& hook = t[NFTA_CHAIN_HOOK];
  AttrTable h(hook.data, hook.len, NFTA_HOOK_MAX);
  if (h[NFTA_HOOK_HOOKNUM].present()) {
    out.hook = be32(h[NFTA_HOOK_HOOKNUM]);
    out.priority = static_cast<int32_t>(be32(h[NFTA_HOOK_PRIORITY]));
    out.type = t[NFTA_CHAIN_TYPE].str();
  }
  if (t[NFTA_CHAIN_POLICY].present()) out.policy = be32(t[NFTA_CHAIN_POLICY]);
  return true;
}

bool nft_parse_rule(const std::vector<uint8_t>& msg, NftRuleInfo& out) {
  auto m = nft_view(msg, NFT_MSG_NEWRULE);
  if (!m) return false;
  AttrTable t(m->attrs, m->len, NFTA_RULE_MAX);
  out.family = m->family;
  out.table = t[NFTA_RULE_TABLE].str();
  out.chain = t[NFTA_RULE_CHAIN].str();
  out.handle = be64(t[NFTA_RULE_HANDLE]);
  if (const Attr& ud = t[NFTA_RULE_USERDATA]; ud.present())
    out.comment = comment_of(ud, NFTNL_UDATA_RULE_COMMENT);
  const Attr& exprs = t[NFTA_RULE_EXPRESSIONS];
  // libnftnl reads up to the aligned end of the message: the bytes it may
  // touch are the ones checked, padded when the message ends unaligned.
  const size_t offset = static_cast<size_t>(m->attrs - msg.data());
  std::vector<uint8_t> padded(msg.begin(), msg.begin() + static_cast<long>(offset + m->len));
  padded.resize(NLMSG_ALIGN(padded.size()), 0);
  if (!nft_rule_parsable(padded.data() + offset, padded.size() - offset)) {
    // An expression libnftnl could not be trusted with: its name alone.
    for_each_attr(exprs.data, exprs.len, [&](const Attr& e) {
      out.exprs.push_back(AttrTable(e.data, e.len, NFTA_EXPR_MAX)[NFTA_EXPR_NAME].str());
    });
    return true;
  }
  reinterpret_cast<nlmsghdr*>(padded.data())->nlmsg_len = static_cast<uint32_t>(padded.size());
  RulePtr r(nftnl_rule_alloc());
  if (nftnl_rule_nlmsg_parse(reinterpret_cast<const nlmsghdr*>(padded.data()), r.get()) < 0) return false;
  nftnl_expr_foreach(
      r.get(),
      [](nftnl_expr* e, void* p) -> int {
        char buf[1024];
        int n = nftnl_expr_snprintf(buf, sizeof buf, e, NFTNL_OUTPUT_DEFAULT, 0);
        const char* name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
        std::string text = name ? name : "";
        if (n > 0) {
          text.push_back(' ');
          text.append(buf, static_cast<size_t>(n) < sizeof buf ? static_cast<size_t>(n) : sizeof buf - 1);
        }
        static_cast<std::vector<std::string>*>(p)->push_back(text);
        return 0;
      },
      &out.exprs);
  return true;
}

bool nft_parse_set(const std::vector<uint8_t>& msg, NftSetInfo& out) {
  auto m = nft_view(msg, NFT_MSG_NEWSET);
  if (!m) return false;
  AttrTable t(m->attrs, m->len, NFTA_SET_MAX);
  out.family = m->family;
  out.table = t[NFTA_SET_TABLE].str();
  out.name = t[NFTA_SET_NAME].str();
  out.handle = be64(t[NFTA_SET_HANDLE]);
  out.flags = be32(t[NFTA_SET_FLAGS]);
  out.key_type = be32(t[NFTA_SET_KEY_TYPE]);
  out.key_len = be32(t[NFTA_SET_KEY_LEN]);
  if (t[NFTA_SET_DATA_TYPE].present()) {
    out.data_type = be32(t[NFTA_SET_DATA_TYPE]);
    out.data_len = be32(t[NFTA_SET_DATA_LEN]);
  }
  if (t[NFTA_SET_TIMEOUT].present()) out.timeout_ms = be64(t[NFTA_SET_TIMEOUT]);
  return true;
}

bool nft_parse_elements(const std::vector<uint8_t>& msg, std::vector<NftElementInfo>& out) {
  auto m = nft_view(msg, NFT_MSG_NEWSETELEM);
  if (!m) return false;
  const Attr list = AttrTable(m->attrs, m->len, NFTA_SET_ELEM_LIST_MAX)[NFTA_SET_ELEM_LIST_ELEMENTS];
  // Each nested attribute is one element, whatever its type, as the kernel
  // reads them (libnftnl numbers the elements it builds 1, 2, 3, ...). As
  // libnftnl, one element that cannot be read spoils the whole message.
  std::vector<NftElementInfo> elements;
  bool ok = true;
  for_each_attr(list.data, list.len, [&](const Attr& e) {
    NftElementInfo info;
    ok = ok && parse_element(e, info);
    if (ok) elements.push_back(std::move(info));
  });
  if (!ok) return false;
  for (NftElementInfo& e : elements) out.push_back(std::move(e));
  return true;
}

}  // namespace cnm
