// SPDX-License-Identifier: GPL-2.0-or-later
#include "nft_check.h"

#include <arpa/inet.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nf_tables_compat.h>

#include <cstring>

#include "nl_message.h"

namespace cnm {

namespace {

// The kinds of attribute whose size libnftnl checks (libmnl's
// mnl_attr_validate): integers of exactly their size, non-empty strings,
// nests of at least one attribute header, and the nested kinds it then
// parses in turn.
enum class Kind : uint8_t {
  u8,
  u16,
  u32,
  u64,
  string,       // non-empty; we also want its NUL, as libnftnl strdup()s it
  nul_string,   // non-empty and ending in NUL
  nested,       // empty, or at least one attribute header
  binary,       // anything
  data,         // an nftables data register: NFTA_DATA_VALUE or NFTA_DATA_VERDICT
  expression,   // one expression: NFTA_EXPR_NAME and NFTA_EXPR_DATA
  expressions,  // a list of NFTA_LIST_ELEM expressions
};

struct Policy {
  uint16_t type;
  Kind kind;
};

struct ExprPolicy {
  const char* name;
  const Policy* policy;
  size_t count;
};

// Per expression, the attribute types of the kernel's UAPI (nf_tables.h),
// for every attribute libnftnl validates.
#define CNM_POLICY(name, ...)                  \
  constexpr Policy k_##name[] = {__VA_ARGS__}; \
  constexpr ExprPolicy p_##name{#name, k_##name, sizeof(k_##name) / sizeof(Policy)};

using K = Kind;
CNM_POLICY(bitwise, {NFTA_BITWISE_SREG, K::u32}, {NFTA_BITWISE_DREG, K::u32}, {NFTA_BITWISE_OP, K::u32},
           {NFTA_BITWISE_LEN, K::u32}, {NFTA_BITWISE_MASK, K::data}, {NFTA_BITWISE_XOR, K::data},
           {NFTA_BITWISE_DATA, K::data})
CNM_POLICY(byteorder, {NFTA_BYTEORDER_SREG, K::u32}, {NFTA_BYTEORDER_DREG, K::u32},
           {NFTA_BYTEORDER_OP, K::u32}, {NFTA_BYTEORDER_LEN, K::u32}, {NFTA_BYTEORDER_SIZE, K::u32})
CNM_POLICY(cmp, {NFTA_CMP_SREG, K::u32}, {NFTA_CMP_OP, K::u32}, {NFTA_CMP_DATA, K::data})
CNM_POLICY(connlimit, {NFTA_CONNLIMIT_COUNT, K::u32}, {NFTA_CONNLIMIT_FLAGS, K::u32})
CNM_POLICY(counter, {NFTA_COUNTER_BYTES, K::u64}, {NFTA_COUNTER_PACKETS, K::u64})
CNM_POLICY(ct, {NFTA_CT_KEY, K::u32}, {NFTA_CT_DREG, K::u32}, {NFTA_CT_SREG, K::u32},
           {NFTA_CT_DIRECTION, K::u8})
CNM_POLICY(dup, {NFTA_DUP_SREG_ADDR, K::u32}, {NFTA_DUP_SREG_DEV, K::u32})
CNM_POLICY(dynset, {NFTA_DYNSET_SREG_KEY, K::u32}, {NFTA_DYNSET_SREG_DATA, K::u32},
           {NFTA_DYNSET_SET_ID, K::u32}, {NFTA_DYNSET_OP, K::u32}, {NFTA_DYNSET_FLAGS, K::u32},
           {NFTA_DYNSET_TIMEOUT, K::u64}, {NFTA_DYNSET_SET_NAME, K::string},
           {NFTA_DYNSET_EXPR, K::expression}, {NFTA_DYNSET_EXPRESSIONS, K::expressions})
CNM_POLICY(exthdr, {NFTA_EXTHDR_TYPE, K::u8}, {NFTA_EXTHDR_DREG, K::u32}, {NFTA_EXTHDR_SREG, K::u32},
           {NFTA_EXTHDR_OFFSET, K::u32}, {NFTA_EXTHDR_LEN, K::u32}, {NFTA_EXTHDR_OP, K::u32},
           {NFTA_EXTHDR_FLAGS, K::u32})
CNM_POLICY(fib, {NFTA_FIB_RESULT, K::u32}, {NFTA_FIB_DREG, K::u32}, {NFTA_FIB_FLAGS, K::u32})
CNM_POLICY(flow_offload, {NFTA_FLOW_TABLE_NAME, K::string})
CNM_POLICY(fwd, {NFTA_FWD_SREG_DEV, K::u32}, {NFTA_FWD_SREG_ADDR, K::u32}, {NFTA_FWD_NFPROTO, K::u32})
CNM_POLICY(hash, {NFTA_HASH_SREG, K::u32}, {NFTA_HASH_DREG, K::u32}, {NFTA_HASH_LEN, K::u32},
           {NFTA_HASH_MODULUS, K::u32}, {NFTA_HASH_SEED, K::u32}, {NFTA_HASH_OFFSET, K::u32},
           {NFTA_HASH_TYPE, K::u32})
CNM_POLICY(immediate, {NFTA_IMMEDIATE_DREG, K::u32}, {NFTA_IMMEDIATE_DATA, K::data})
// NFTA_INNER_* (kernel 6.2) are newer than these headers: NUM, TYPE, FLAGS, HDRSIZE, EXPR.
CNM_POLICY(inner, {1, K::u32}, {2, K::u32}, {3, K::u32}, {4, K::u32}, {5, K::expression})
CNM_POLICY(last, {NFTA_LAST_SET, K::u32}, {NFTA_LAST_MSECS, K::u64})
CNM_POLICY(limit, {NFTA_LIMIT_RATE, K::u64}, {NFTA_LIMIT_UNIT, K::u64}, {NFTA_LIMIT_BURST, K::u32},
           {NFTA_LIMIT_TYPE, K::u32}, {NFTA_LIMIT_FLAGS, K::u32})
CNM_POLICY(log, {NFTA_LOG_PREFIX, K::string}, {NFTA_LOG_GROUP, K::u16}, {NFTA_LOG_QTHRESHOLD, K::u16},
           {NFTA_LOG_SNAPLEN, K::u32}, {NFTA_LOG_LEVEL, K::u32}, {NFTA_LOG_FLAGS, K::u32})
CNM_POLICY(lookup, {NFTA_LOOKUP_SREG, K::u32}, {NFTA_LOOKUP_DREG, K::u32}, {NFTA_LOOKUP_SET_ID, K::u32},
           {NFTA_LOOKUP_FLAGS, K::u32}, {NFTA_LOOKUP_SET, K::string})
CNM_POLICY(masq, {NFTA_MASQ_REG_PROTO_MIN, K::u32}, {NFTA_MASQ_REG_PROTO_MAX, K::u32},
           {NFTA_MASQ_FLAGS, K::u32})
CNM_POLICY(match, {NFTA_MATCH_NAME, K::nul_string}, {NFTA_MATCH_REV, K::u32}, {NFTA_MATCH_INFO, K::binary})
CNM_POLICY(meta, {NFTA_META_KEY, K::u32}, {NFTA_META_DREG, K::u32}, {NFTA_META_SREG, K::u32})
CNM_POLICY(nat, {NFTA_NAT_TYPE, K::u32}, {NFTA_NAT_FAMILY, K::u32}, {NFTA_NAT_REG_ADDR_MIN, K::u32},
           {NFTA_NAT_REG_ADDR_MAX, K::u32}, {NFTA_NAT_REG_PROTO_MIN, K::u32},
           {NFTA_NAT_REG_PROTO_MAX, K::u32}, {NFTA_NAT_FLAGS, K::u32})
CNM_POLICY(numgen, {NFTA_NG_DREG, K::u32}, {NFTA_NG_MODULUS, K::u32}, {NFTA_NG_TYPE, K::u32},
           {NFTA_NG_OFFSET, K::u32})
CNM_POLICY(objref, {NFTA_OBJREF_IMM_TYPE, K::u32}, {NFTA_OBJREF_IMM_NAME, K::string},
           {NFTA_OBJREF_SET_SREG, K::u32}, {NFTA_OBJREF_SET_NAME, K::string}, {NFTA_OBJREF_SET_ID, K::u32})
CNM_POLICY(osf, {NFTA_OSF_DREG, K::u32}, {NFTA_OSF_TTL, K::u8}, {NFTA_OSF_FLAGS, K::u32})
CNM_POLICY(payload, {NFTA_PAYLOAD_SREG, K::u32}, {NFTA_PAYLOAD_DREG, K::u32}, {NFTA_PAYLOAD_BASE, K::u32},
           {NFTA_PAYLOAD_OFFSET, K::u32}, {NFTA_PAYLOAD_LEN, K::u32}, {NFTA_PAYLOAD_CSUM_TYPE, K::u32},
           {NFTA_PAYLOAD_CSUM_OFFSET, K::u32}, {NFTA_PAYLOAD_CSUM_FLAGS, K::u32})
CNM_POLICY(queue, {NFTA_QUEUE_NUM, K::u16}, {NFTA_QUEUE_TOTAL, K::u16}, {NFTA_QUEUE_FLAGS, K::u16},
           {NFTA_QUEUE_SREG_QNUM, K::u32})
CNM_POLICY(quota, {NFTA_QUOTA_BYTES, K::u64}, {NFTA_QUOTA_CONSUMED, K::u64}, {NFTA_QUOTA_FLAGS, K::u32})
CNM_POLICY(range, {NFTA_RANGE_SREG, K::u32}, {NFTA_RANGE_OP, K::u32}, {NFTA_RANGE_FROM_DATA, K::data},
           {NFTA_RANGE_TO_DATA, K::data})
CNM_POLICY(redir, {NFTA_REDIR_REG_PROTO_MIN, K::u32}, {NFTA_REDIR_REG_PROTO_MAX, K::u32},
           {NFTA_REDIR_FLAGS, K::u32})
CNM_POLICY(reject, {NFTA_REJECT_TYPE, K::u32}, {NFTA_REJECT_ICMP_CODE, K::u8})
CNM_POLICY(rt, {NFTA_RT_KEY, K::u32}, {NFTA_RT_DREG, K::u32})
CNM_POLICY(socket, {NFTA_SOCKET_KEY, K::u32}, {NFTA_SOCKET_DREG, K::u32}, {NFTA_SOCKET_LEVEL, K::u32})
CNM_POLICY(synproxy, {NFTA_SYNPROXY_MSS, K::u16}, {NFTA_SYNPROXY_WSCALE, K::u8},
           {NFTA_SYNPROXY_FLAGS, K::u32})
CNM_POLICY(target, {NFTA_TARGET_NAME, K::nul_string}, {NFTA_TARGET_REV, K::u32},
           {NFTA_TARGET_INFO, K::binary})
CNM_POLICY(tproxy, {NFTA_TPROXY_FAMILY, K::u32}, {NFTA_TPROXY_REG_ADDR, K::u32},
           {NFTA_TPROXY_REG_PORT, K::u32})
CNM_POLICY(tunnel, {NFTA_TUNNEL_KEY, K::u32}, {NFTA_TUNNEL_DREG, K::u32})
CNM_POLICY(xfrm, {NFTA_XFRM_DREG, K::u32}, {NFTA_XFRM_KEY, K::u32}, {NFTA_XFRM_DIR, K::u8},
           {NFTA_XFRM_SPNUM, K::u32})
#undef CNM_POLICY

constexpr const ExprPolicy* kExpressions[] = {
    &p_bitwise, &p_byteorder, &p_cmp,          &p_connlimit, &p_counter, &p_ct,        &p_dup,   &p_dynset,
    &p_exthdr,  &p_fib,       &p_flow_offload, &p_fwd,       &p_hash,    &p_immediate, &p_inner, &p_last,
    &p_limit,   &p_log,       &p_lookup,       &p_masq,      &p_match,   &p_meta,      &p_nat,   &p_numgen,
    &p_objref,  &p_osf,       &p_payload,      &p_queue,     &p_quota,   &p_range,     &p_redir, &p_reject,
    &p_rt,      &p_socket,    &p_synproxy,     &p_target,    &p_tproxy,  &p_tunnel,    &p_xfrm,
};

constexpr Policy kRule[] = {{NFTA_RULE_TABLE, K::string},  {NFTA_RULE_CHAIN, K::string},
                            {NFTA_RULE_HANDLE, K::u64},    {NFTA_RULE_EXPRESSIONS, K::expressions},
                            {NFTA_RULE_COMPAT, K::nested}, {NFTA_RULE_POSITION, K::u64},
                            {NFTA_RULE_ID, K::u32},        {NFTA_RULE_POSITION_ID, K::u32}};
constexpr Policy kCompat[] = {{NFTA_RULE_COMPAT_PROTO, K::u32}, {NFTA_RULE_COMPAT_FLAGS, K::u32}};
constexpr Policy kData[] = {{NFTA_DATA_VERDICT, K::nested}};
constexpr Policy kVerdict[] = {
    {NFTA_VERDICT_CODE, K::u32}, {NFTA_VERDICT_CHAIN, K::string}, {NFTA_VERDICT_CHAIN_ID, K::u32}};
constexpr Policy kExpression[] = {{NFTA_EXPR_NAME, K::string}, {NFTA_EXPR_DATA, K::nested}};

constexpr int kMaxDepth = 8;  // dynset and inner nest expressions in expressions

bool level_ok(const uint8_t* data, size_t len, const Policy* policy, size_t count, int depth);

bool expression_ok(const Attr& a, int depth) {
  if (depth > kMaxDepth || !level_ok(a.data, a.len, kExpression, std::size(kExpression), depth)) return false;
  AttrTable t(a.data, a.len, NFTA_EXPR_MAX);
  const Attr& name = t[NFTA_EXPR_NAME];
  if (!name.present()) return false;  // libnftnl would look its ops up by a NULL name and crash
  const Attr& data = t[NFTA_EXPR_DATA];
  for (const ExprPolicy* p : kExpressions)
    if (name.str() == p->name)
      return !data.present() || level_ok(data.data, data.len, p->policy, p->count, depth + 1);
  return false;  // an expression we hold no policy for: libnftnl might know it, and exit over it
}

// libnftnl reads a verdict's attributes from an array it never zeroed: the
// code must be there, and the chain too for a jump or a goto, or it reads
// (and strdup()s) whatever pointer the stack held.
bool verdict_ok(const Attr& verdict, int depth) {
  if (!level_ok(verdict.data, verdict.len, kVerdict, std::size(kVerdict), depth)) return false;
  AttrTable v(verdict.data, verdict.len, NFTA_VERDICT_MAX);
  if (!v[NFTA_VERDICT_CODE].present()) return false;
  const auto code = static_cast<int32_t>(ntohl(v[NFTA_VERDICT_CODE].u32()));
  return (code != NFT_JUMP && code != NFT_GOTO) || v[NFTA_VERDICT_CHAIN].present();
}

bool attr_ok(const Attr& a, Kind kind, int depth) {
  switch (kind) {
    case Kind::u8:
      return a.len == 1;
    case Kind::u16:
      return a.len == 2;
    case Kind::u32:
      return a.len == 4;
    case Kind::u64:
      return a.len == 8;
    case Kind::string:
      return a.len > 0 && std::memchr(a.data, 0, a.len) != nullptr;
    case Kind::nul_string:
      return a.len > 0 && a.data[a.len - 1] == 0;
    case Kind::nested:
      return a.len == 0 || a.len >= NLA_HDRLEN;
    case Kind::binary:
      return true;
    case Kind::data: {
      // Checked as binary, then parsed as a nest of a value or a verdict.
      if (!level_ok(a.data, a.len, kData, std::size(kData), depth)) return false;
      const Attr verdict = AttrTable(a.data, a.len, NFTA_DATA_MAX)[NFTA_DATA_VERDICT];
      return !verdict.present() || verdict_ok(verdict, depth + 1);
    }
    case Kind::expression:
      return (a.len == 0 || a.len >= NLA_HDRLEN) && expression_ok(a, depth + 1);
    case Kind::expressions: {
      if (a.len != 0 && a.len < NLA_HDRLEN) return false;
      bool ok = true;
      for_each_attr(a.data, a.len, [&](const Attr& e) { ok = ok && expression_ok(e, depth + 1); });
      return ok;
    }
  }
  return false;
}

// Every attribute of one level that policy names has the size its kind needs.
bool level_ok(const uint8_t* data, size_t len, const Policy* policy, size_t count, int depth) {
  bool ok = true;
  for_each_attr(data, len, [&](const Attr& a) {
    for (size_t i = 0; ok && i < count; ++i)
      if (policy[i].type == a.type) ok = attr_ok(a, policy[i].kind, depth);
  });
  return ok;
}

}  // namespace

bool nft_rule_parsable(const uint8_t* attrs, size_t len) {
  if (!level_ok(attrs, len, kRule, std::size(kRule), 0)) return false;
  const Attr compat = AttrTable(attrs, len, NFTA_RULE_MAX)[NFTA_RULE_COMPAT];
  return !compat.present() || level_ok(compat.data, compat.len, kCompat, std::size(kCompat), 1);
}

}  // namespace cnm
