// SPDX-License-Identifier: GPL-2.0-or-later
#include "nft_parse.h"

#include <libnftnl/common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

#include <cstring>

#include "nftnl_ptr.h"

namespace cnm {

namespace {

const nlmsghdr* as_nlh(const std::vector<uint8_t>& msg) {
  return reinterpret_cast<const nlmsghdr*>(msg.data());
}

std::string str(const char* s) { return s ? s : ""; }

std::vector<uint8_t> bytes(const void* p, uint32_t len) {
  const auto* b = static_cast<const uint8_t*>(p);
  return std::vector<uint8_t>(b, b + len);
}

// The comment in a rule's or element's userdata (nft writes it as a TLV).
std::string comment_of(const void* data, uint32_t len, uint8_t type) {
  std::string out;
  struct Ctx {
    uint8_t type;
    std::string* out;
  } ctx{type, &out};
  nftnl_udata_parse(
      data, len,
      [](const nftnl_udata* attr, void* p) -> int {
        auto* c = static_cast<Ctx*>(p);
        if (nftnl_udata_type(attr) == c->type && nftnl_udata_len(attr) > 0)
          *c->out = std::string(static_cast<const char*>(nftnl_udata_get(attr)), nftnl_udata_len(attr) - 1);
        return 0;
      },
      &ctx);
  return out;
}

}  // namespace

bool nft_parse_table(const std::vector<uint8_t>& msg, NftTableInfo& out) {
  TablePtr t(nftnl_table_alloc());
  if (nftnl_table_nlmsg_parse(as_nlh(msg), t.get()) < 0) return false;
  out.family = static_cast<uint8_t>(nftnl_table_get_u32(t.get(), NFTNL_TABLE_FAMILY));
  out.name = str(nftnl_table_get_str(t.get(), NFTNL_TABLE_NAME));
  out.handle = nftnl_table_get_u64(t.get(), NFTNL_TABLE_HANDLE);
  out.flags = nftnl_table_get_u32(t.get(), NFTNL_TABLE_FLAGS);
  out.use = nftnl_table_get_u32(t.get(), NFTNL_TABLE_USE);
  return true;
}

bool nft_parse_chain(const std::vector<uint8_t>& msg, NftChainInfo& out) {
  ChainPtr c(nftnl_chain_alloc());
  if (nftnl_chain_nlmsg_parse(as_nlh(msg), c.get()) < 0) return false;
  out.family = static_cast<uint8_t>(nftnl_chain_get_u32(c.get(), NFTNL_CHAIN_FAMILY));
  out.table = str(nftnl_chain_get_str(c.get(), NFTNL_CHAIN_TABLE));
  out.name = str(nftnl_chain_get_str(c.get(), NFTNL_CHAIN_NAME));
  out.handle = nftnl_chain_get_u64(c.get(), NFTNL_CHAIN_HANDLE);
  out.use = nftnl_chain_get_u32(c.get(), NFTNL_CHAIN_USE);
  if (nftnl_chain_is_set(c.get(), NFTNL_CHAIN_HOOKNUM)) {
    out.hook = nftnl_chain_get_u32(c.get(), NFTNL_CHAIN_HOOKNUM);
    out.priority = nftnl_chain_get_s32(c.get(), NFTNL_CHAIN_PRIO);
    out.type = str(nftnl_chain_get_str(c.get(), NFTNL_CHAIN_TYPE));
  }
  if (nftnl_chain_is_set(c.get(), NFTNL_CHAIN_POLICY))
    out.policy = nftnl_chain_get_u32(c.get(), NFTNL_CHAIN_POLICY);
  return true;
}

bool nft_parse_rule(const std::vector<uint8_t>& msg, NftRuleInfo& out) {
  RulePtr r(nftnl_rule_alloc());
  if (nftnl_rule_nlmsg_parse(as_nlh(msg), r.get()) < 0) return false;
  out.family = static_cast<uint8_t>(nftnl_rule_get_u32(r.get(), NFTNL_RULE_FAMILY));
  out.table = str(nftnl_rule_get_str(r.get(), NFTNL_RULE_TABLE));
  out.chain = str(nftnl_rule_get_str(r.get(), NFTNL_RULE_CHAIN));
  out.handle = nftnl_rule_get_u64(r.get(), NFTNL_RULE_HANDLE);
  if (nftnl_rule_is_set(r.get(), NFTNL_RULE_USERDATA)) {
    uint32_t len = 0;
    const void* data = nftnl_rule_get_data(r.get(), NFTNL_RULE_USERDATA, &len);
    out.comment = comment_of(data, len, NFTNL_UDATA_RULE_COMMENT);
  }
  nftnl_expr_foreach(
      r.get(),
      [](nftnl_expr* e, void* p) -> int {
        char buf[1024];
        int n = nftnl_expr_snprintf(buf, sizeof buf, e, NFTNL_OUTPUT_DEFAULT, 0);
        const char* name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
        std::string text = str(name);
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
  SetPtr s(nftnl_set_alloc());
  if (nftnl_set_nlmsg_parse(as_nlh(msg), s.get()) < 0) return false;
  out.family = static_cast<uint8_t>(nftnl_set_get_u32(s.get(), NFTNL_SET_FAMILY));
  out.table = str(nftnl_set_get_str(s.get(), NFTNL_SET_TABLE));
  out.name = str(nftnl_set_get_str(s.get(), NFTNL_SET_NAME));
  out.handle = nftnl_set_get_u64(s.get(), NFTNL_SET_HANDLE);
  out.flags = nftnl_set_get_u32(s.get(), NFTNL_SET_FLAGS);
  out.key_type = nftnl_set_get_u32(s.get(), NFTNL_SET_KEY_TYPE);
  out.key_len = nftnl_set_get_u32(s.get(), NFTNL_SET_KEY_LEN);
  if (nftnl_set_is_set(s.get(), NFTNL_SET_DATA_TYPE)) {
    out.data_type = nftnl_set_get_u32(s.get(), NFTNL_SET_DATA_TYPE);
    out.data_len = nftnl_set_get_u32(s.get(), NFTNL_SET_DATA_LEN);
  }
  if (nftnl_set_is_set(s.get(), NFTNL_SET_TIMEOUT))
    out.timeout_ms = nftnl_set_get_u64(s.get(), NFTNL_SET_TIMEOUT);
  return true;
}

bool nft_parse_elements(const std::vector<uint8_t>& msg, std::vector<NftElementInfo>& out) {
  SetPtr s(nftnl_set_alloc());
  if (nftnl_set_elems_nlmsg_parse(as_nlh(msg), s.get()) < 0) return false;
  nftnl_set_elem_foreach(
      s.get(),
      [](nftnl_set_elem* e, void* p) -> int {
        NftElementInfo info;
        uint32_t len = 0;
        const void* key = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len);
        if (key) info.key = bytes(key, len);
        if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_KEY_END)) {
          const void* end = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY_END, &len);
          info.key_end = bytes(end, len);
        }
        if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_DATA)) {
          const void* data = nftnl_set_elem_get(e, NFTNL_SET_ELEM_DATA, &len);
          info.data = bytes(data, len);
        }
        if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_VERDICT)) {
          info.verdict = static_cast<int32_t>(nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_VERDICT));
          if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_CHAIN))
            info.chain = str(nftnl_set_elem_get_str(e, NFTNL_SET_ELEM_CHAIN));
        }
        if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_FLAGS))
          info.flags = nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_FLAGS);
        if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_TIMEOUT))
          info.timeout_ms = nftnl_set_elem_get_u64(e, NFTNL_SET_ELEM_TIMEOUT);
        if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_EXPIRATION))
          info.expires_ms = nftnl_set_elem_get_u64(e, NFTNL_SET_ELEM_EXPIRATION);
        if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_USERDATA)) {
          const void* ud = nftnl_set_elem_get(e, NFTNL_SET_ELEM_USERDATA, &len);
          info.comment = comment_of(ud, len, NFTNL_UDATA_SET_ELEM_COMMENT);
        }
        static_cast<std::vector<NftElementInfo>*>(p)->push_back(std::move(info));
        return 0;
      },
      &out);
  return true;
}

}  // namespace cnm
