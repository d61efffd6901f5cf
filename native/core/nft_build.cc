// SPDX-License-Identifier: GPL-2.0-or-later
#include "nft_build.h"

#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <cstring>
#include <memory>

#include "nftnl_ptr.h"

namespace cnm {

namespace {

// A buffer libnftnl writes one message into; trimmed to nlmsg_len afterwards.
struct Buffer {
  explicit Buffer(size_t size) : bytes(size, 0) {}
  char* data() { return reinterpret_cast<char*>(bytes.data()); }
  NftMessage finish() {
    bytes.resize(reinterpret_cast<nlmsghdr*>(bytes.data())->nlmsg_len);
    return NftMessage{std::move(bytes)};
  }
  std::vector<uint8_t> bytes;
};

nlmsghdr* header(Buffer& buf, uint16_t type, uint8_t family, uint16_t flags) {
  return nftnl_nlmsg_build_hdr(buf.data(), type, family, flags, 0);
}

// ---- rule statements -> expressions --------------------------------------

struct FieldLoad {
  const char* kind;                        // "meta", "payload", "ct"
  uint32_t key = 0;                        // meta/ct key
  uint32_t base = 0, offset = 0, len = 0;  // payload
};

FieldLoad load_of(NftField f) {
  switch (f) {
    case NftField::iifname:
      return {"meta", NFT_META_IIFNAME};
    case NftField::oifname:
      return {"meta", NFT_META_OIFNAME};
    case NftField::meta_l4proto:
      return {"meta", NFT_META_L4PROTO};
    case NftField::meta_nfproto:
      return {"meta", NFT_META_NFPROTO};
    case NftField::meta_mark:
      return {"meta", NFT_META_MARK};
    case NftField::ip_saddr:
      return {"payload", 0, NFT_PAYLOAD_NETWORK_HEADER, 12, 4};
    case NftField::ip_daddr:
      return {"payload", 0, NFT_PAYLOAD_NETWORK_HEADER, 16, 4};
    case NftField::ip6_saddr:
      return {"payload", 0, NFT_PAYLOAD_NETWORK_HEADER, 8, 16};
    case NftField::ip6_daddr:
      return {"payload", 0, NFT_PAYLOAD_NETWORK_HEADER, 24, 16};
    case NftField::th_sport:
      return {"payload", 0, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 2};
    case NftField::th_dport:
      return {"payload", 0, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2};
    case NftField::ct_mark:
      return {"ct", NFT_CT_MARK};
  }
  return {"meta", NFT_META_MARK};
}

// Which layer-3 protocol a field implies (0: none). In inet, bridge and
// netdev tables a rule reading ip or ip6 headers first checks meta nfproto,
// as nft does, so it never reads an IPv6 packet as IPv4.
uint8_t nfproto_of(NftField f) {
  switch (f) {
    case NftField::ip_saddr:
    case NftField::ip_daddr:
      return NFPROTO_IPV4;
    case NftField::ip6_saddr:
    case NftField::ip6_daddr:
      return NFPROTO_IPV6;
    default:
      return 0;
  }
}

class RuleBuilder {
 public:
  RuleBuilder(nftnl_rule* rule, uint8_t table_family) : rule_(rule), family_(table_family) {}

  bool add(const NftStatement& s, std::string& why);
  size_t expressions() const { return expressions_; }

 private:
  nftnl_expr* expr(const char* name) {
    nftnl_expr* e = nftnl_expr_alloc(name);
    nftnl_rule_add_expr(rule_, e);  // the rule owns it from here
    ++expressions_;
    return e;
  }
  void load(NftField f, uint32_t dreg) {
    FieldLoad l = load_of(f);
    nftnl_expr* e = expr(l.kind);
    if (std::strcmp(l.kind, "payload") == 0) {
      nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, l.base);
      nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, l.offset);
      nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, l.len);
      nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, dreg);
    } else if (std::strcmp(l.kind, "ct") == 0) {
      nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, l.key);
      nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, dreg);
    } else {
      nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, l.key);
      nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, dreg);
    }
  }
  void cmp(uint32_t op, const std::vector<uint8_t>& data) {
    nftnl_expr* e = expr("cmp");
    nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
    nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
    nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data.data(), static_cast<uint32_t>(data.size()));
  }
  void require_nfproto(uint8_t proto) {
    if (proto == 0 || nfproto_done_ == proto) return;
    if (family_ != NFPROTO_INET && family_ != NFPROTO_BRIDGE && family_ != NFPROTO_NETDEV) return;
    load(NftField::meta_nfproto, NFT_REG_1);
    cmp(NFT_CMP_EQ, {proto});
    nfproto_done_ = proto;
  }
  void require_l4proto(uint8_t proto) {
    if (l4proto_done_ == proto) return;
    load(NftField::meta_l4proto, NFT_REG_1);
    cmp(NFT_CMP_EQ, {proto});
    l4proto_done_ = proto;
  }
  // Loads a concatenation into consecutive 32-bit registers; returns the first.
  uint32_t load_keys(const std::vector<NftField>& keys) {
    for (NftField k : keys) require_nfproto(nfproto_of(k));
    if (keys.size() == 1) {
      load(keys.front(), NFT_REG_1);
      return NFT_REG_1;
    }
    uint32_t reg = NFT_REG32_00;
    for (NftField k : keys) {
      load(k, reg);
      reg += (nft_field_type(k).size + 3) / 4;
    }
    return NFT_REG32_00;
  }

  nftnl_rule* rule_;
  uint8_t family_;
  size_t expressions_ = 0;
  uint8_t nfproto_done_ = 0;
  uint8_t l4proto_done_ = 0;
};

bool RuleBuilder::add(const NftStatement& s, std::string& why) {
  switch (s.kind) {
    case NftStatementKind::match: {
      require_nfproto(nfproto_of(s.field));
      if (s.l4proto) require_l4proto(*s.l4proto);
      load(s.field, NFT_REG_1);
      if (!s.mask.empty()) {
        nftnl_expr* b = expr("bitwise");
        std::vector<uint8_t> zero(s.mask.size(), 0);
        nftnl_expr_set_u32(b, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
        nftnl_expr_set_u32(b, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
        nftnl_expr_set_u32(b, NFTNL_EXPR_BITWISE_LEN, static_cast<uint32_t>(s.mask.size()));
        nftnl_expr_set(b, NFTNL_EXPR_BITWISE_MASK, s.mask.data(), static_cast<uint32_t>(s.mask.size()));
        nftnl_expr_set(b, NFTNL_EXPR_BITWISE_XOR, zero.data(), static_cast<uint32_t>(zero.size()));
      }
      if (s.to) {
        nftnl_expr* r = expr("range");
        nftnl_expr_set_u32(r, NFTNL_EXPR_RANGE_SREG, NFT_REG_1);
        nftnl_expr_set_u32(r, NFTNL_EXPR_RANGE_OP, s.negate ? NFT_RANGE_NEQ : NFT_RANGE_EQ);
        nftnl_expr_set(r, NFTNL_EXPR_RANGE_FROM_DATA, s.value.data(), static_cast<uint32_t>(s.value.size()));
        nftnl_expr_set(r, NFTNL_EXPR_RANGE_TO_DATA, s.to->data(), static_cast<uint32_t>(s.to->size()));
      } else {
        cmp(s.negate ? NFT_CMP_NEQ : NFT_CMP_EQ, s.value);
      }
      // An explicit protocol match is the dependency later statements need: not twice.
      if (!s.negate && s.mask.empty() && !s.to && s.value.size() == 1) {
        if (s.field == NftField::meta_nfproto) nfproto_done_ = s.value[0];
        if (s.field == NftField::meta_l4proto) l4proto_done_ = s.value[0];
      }
      return true;
    }
    case NftStatementKind::ct_state:
    case NftStatementKind::ct_status: {
      nftnl_expr* ct = expr("ct");
      nftnl_expr_set_u32(ct, NFTNL_EXPR_CT_KEY,
                         s.kind == NftStatementKind::ct_state ? NFT_CT_STATE : NFT_CT_STATUS);
      nftnl_expr_set_u32(ct, NFTNL_EXPR_CT_DREG, NFT_REG_1);
      nftnl_expr* b = expr("bitwise");
      uint32_t zero = 0;
      nftnl_expr_set_u32(b, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
      nftnl_expr_set_u32(b, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
      nftnl_expr_set_u32(b, NFTNL_EXPR_BITWISE_LEN, 4);
      nftnl_expr_set(b, NFTNL_EXPR_BITWISE_MASK, &s.ct_state_bits, 4);
      nftnl_expr_set(b, NFTNL_EXPR_BITWISE_XOR, &zero, 4);
      cmp(s.negate ? NFT_CMP_EQ : NFT_CMP_NEQ, std::vector<uint8_t>(4, 0));
      return true;
    }
    case NftStatementKind::fib_local: {
      nftnl_expr* f = expr("fib");
      nftnl_expr_set_u32(f, NFTNL_EXPR_FIB_FLAGS, NFTA_FIB_F_DADDR);
      nftnl_expr_set_u32(f, NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
      nftnl_expr_set_u32(f, NFTNL_EXPR_FIB_DREG, NFT_REG_1);
      uint32_t local = RTN_LOCAL;
      std::vector<uint8_t> v(4);
      std::memcpy(v.data(), &local, 4);
      cmp(s.negate ? NFT_CMP_NEQ : NFT_CMP_EQ, v);
      return true;
    }
    case NftStatementKind::lookup:
    case NftStatementKind::vmap:
    case NftStatementKind::nat_map: {
      uint32_t sreg = load_keys(s.keys);
      nftnl_expr* l = expr("lookup");
      nftnl_expr_set_u32(l, NFTNL_EXPR_LOOKUP_SREG, sreg);
      nftnl_expr_set_str(l, NFTNL_EXPR_LOOKUP_SET, s.set.c_str());
      if (s.kind == NftStatementKind::vmap) nftnl_expr_set_u32(l, NFTNL_EXPR_LOOKUP_DREG, NFT_REG_VERDICT);
      if (s.kind == NftStatementKind::nat_map) nftnl_expr_set_u32(l, NFTNL_EXPR_LOOKUP_DREG, NFT_REG_1);
      if (s.kind == NftStatementKind::lookup && s.negate)
        nftnl_expr_set_u32(l, NFTNL_EXPR_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
      if (s.kind != NftStatementKind::nat_map) return true;
      // The map's data lands in NFT_REG_1 onwards: address, then (if any) the port.
      nftnl_expr* n = expr("nat");
      nftnl_expr_set_u32(n, NFTNL_EXPR_NAT_TYPE, s.snat ? NFT_NAT_SNAT : NFT_NAT_DNAT);
      nftnl_expr_set_u32(n, NFTNL_EXPR_NAT_FAMILY, static_cast<uint32_t>(s.nat_family));
      nftnl_expr_set_u32(n, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
      if (s.nat_port)
        nftnl_expr_set_u32(n, NFTNL_EXPR_NAT_REG_PROTO_MIN,
                           NFT_REG32_00 + (s.nat_family == NFPROTO_IPV4 ? 1 : 4));
      return true;
    }
    case NftStatementKind::counter:
      expr("counter");
      return true;
    case NftStatementKind::verdict: {
      nftnl_expr* i = expr("immediate");
      nftnl_expr_set_u32(i, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
      nftnl_expr_set_u32(i, NFTNL_EXPR_IMM_VERDICT, static_cast<uint32_t>(s.verdict));
      if (!s.chain.empty()) nftnl_expr_set_str(i, NFTNL_EXPR_IMM_CHAIN, s.chain.c_str());
      return true;
    }
    case NftStatementKind::nat_to: {
      nftnl_expr* a = expr("immediate");
      nftnl_expr_set_u32(a, NFTNL_EXPR_IMM_DREG, NFT_REG_1);
      nftnl_expr_set(a, NFTNL_EXPR_IMM_DATA, s.nat_address.data(),
                     static_cast<uint32_t>(s.nat_address.size()));
      if (s.nat_to_port) {
        nftnl_expr* p = expr("immediate");
        uint8_t port[2] = {static_cast<uint8_t>(*s.nat_to_port >> 8),
                           static_cast<uint8_t>(*s.nat_to_port & 0xff)};
        nftnl_expr_set_u32(p, NFTNL_EXPR_IMM_DREG, NFT_REG_2);
        nftnl_expr_set(p, NFTNL_EXPR_IMM_DATA, port, 2);
      }
      nftnl_expr* n = expr("nat");
      nftnl_expr_set_u32(n, NFTNL_EXPR_NAT_TYPE, s.snat ? NFT_NAT_SNAT : NFT_NAT_DNAT);
      nftnl_expr_set_u32(n, NFTNL_EXPR_NAT_FAMILY, static_cast<uint32_t>(s.nat_family));
      nftnl_expr_set_u32(n, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
      if (s.nat_to_port) nftnl_expr_set_u32(n, NFTNL_EXPR_NAT_REG_PROTO_MIN, NFT_REG_2);
      return true;
    }
    case NftStatementKind::masquerade: {
      nftnl_expr* m = expr("masq");
      if (s.random) nftnl_expr_set_u32(m, NFTNL_EXPR_MASQ_FLAGS, NF_NAT_RANGE_PROTO_RANDOM);
      return true;
    }
  }
  why = "unknown statement";
  return false;
}

uint16_t create_flags(NftVerb verb) {
  return verb == NftVerb::create ? NLM_F_CREATE | NLM_F_EXCL : NLM_F_CREATE;
}

}  // namespace

std::optional<NftField> nft_field(const std::string& name) {
  static const std::pair<const char*, NftField> kNames[] = {
      {"iifname", NftField::iifname},           {"oifname", NftField::oifname},
      {"meta l4proto", NftField::meta_l4proto}, {"meta nfproto", NftField::meta_nfproto},
      {"meta mark", NftField::meta_mark},       {"ip saddr", NftField::ip_saddr},
      {"ip daddr", NftField::ip_daddr},         {"ip6 saddr", NftField::ip6_saddr},
      {"ip6 daddr", NftField::ip6_daddr},       {"th sport", NftField::th_sport},
      {"th dport", NftField::th_dport},         {"ct mark", NftField::ct_mark},
  };
  for (const auto& [n, f] : kNames)
    if (name == n) return f;
  return std::nullopt;
}

NftType nft_field_type(NftField f) {
  switch (f) {
    case NftField::iifname:
    case NftField::oifname:
      return *nft_type("ifname");
    case NftField::meta_l4proto:
      return *nft_type("inet_proto");
    case NftField::meta_nfproto:
      return NftType{"nfproto", 2, 1, true};
    case NftField::meta_mark:
    case NftField::ct_mark:
      return *nft_type("mark");
    case NftField::ip_saddr:
    case NftField::ip_daddr:
      return *nft_type("ipv4_addr");
    case NftField::ip6_saddr:
    case NftField::ip6_daddr:
      return *nft_type("ipv6_addr");
    case NftField::th_sport:
    case NftField::th_dport:
      return *nft_type("inet_service");
  }
  return *nft_type("mark");
}

std::optional<NftMessage> nft_build(const NftTableOp& op, std::string& why) {
  TablePtr t(nftnl_table_alloc());
  nftnl_table_set_str(t.get(), NFTNL_TABLE_NAME, op.name.c_str());
  nftnl_table_set_u32(t.get(), NFTNL_TABLE_FAMILY, op.family);
  // Never NFT_TABLE_F_OWNER: an owned table vanishes with the process that made it.
  nftnl_table_set_u32(t.get(), NFTNL_TABLE_FLAGS, 0);
  Buffer buf(4096);
  nlmsghdr* nlh;
  switch (op.verb) {
    case NftVerb::add:
    case NftVerb::create:
      nlh = header(buf, NFT_MSG_NEWTABLE, op.family, create_flags(op.verb));
      break;
    case NftVerb::del:
      nlh = header(buf, NFT_MSG_DELTABLE, op.family, 0);
      break;
    case NftVerb::flush:
      // `nft flush table`: every rule of the table, chains and sets kept.
      nlh = header(buf, NFT_MSG_DELRULE, op.family, 0);
      {
        RulePtr r(nftnl_rule_alloc());
        nftnl_rule_set_str(r.get(), NFTNL_RULE_TABLE, op.name.c_str());
        nftnl_rule_set_u32(r.get(), NFTNL_RULE_FAMILY, op.family);
        nftnl_rule_nlmsg_build_payload(nlh, r.get());
      }
      return buf.finish();
    default:
      why = "a table can be added, created, deleted or flushed";
      return std::nullopt;
  }
  nftnl_table_nlmsg_build_payload(nlh, t.get());
  return buf.finish();
}

std::optional<NftMessage> nft_build(const NftChainOp& op, std::string& why) {
  ChainPtr c(nftnl_chain_alloc());
  nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TABLE, op.table.c_str());
  nftnl_chain_set_str(c.get(), NFTNL_CHAIN_NAME, op.name.c_str());
  nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_FAMILY, op.family);
  Buffer buf(4096);
  nlmsghdr* nlh;
  switch (op.verb) {
    case NftVerb::add:
    case NftVerb::create:
      if (op.hook) {
        nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_HOOKNUM, *op.hook);
        nftnl_chain_set_s32(c.get(), NFTNL_CHAIN_PRIO, op.priority.value_or(0));
        nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TYPE, op.type.value_or("filter").c_str());
      }
      if (op.policy) nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_POLICY, *op.policy);
      nlh = header(buf, NFT_MSG_NEWCHAIN, op.family, create_flags(op.verb));
      break;
    case NftVerb::del:
      nlh = header(buf, NFT_MSG_DELCHAIN, op.family, 0);
      break;
    case NftVerb::flush: {
      nlh = header(buf, NFT_MSG_DELRULE, op.family, 0);
      RulePtr r(nftnl_rule_alloc());
      nftnl_rule_set_str(r.get(), NFTNL_RULE_TABLE, op.table.c_str());
      nftnl_rule_set_str(r.get(), NFTNL_RULE_CHAIN, op.name.c_str());
      nftnl_rule_set_u32(r.get(), NFTNL_RULE_FAMILY, op.family);
      nftnl_rule_nlmsg_build_payload(nlh, r.get());
      return buf.finish();
    }
    default:
      why = "a chain can be added, created, deleted or flushed";
      return std::nullopt;
  }
  nftnl_chain_nlmsg_build_payload(nlh, c.get());
  return buf.finish();
}

std::optional<NftMessage> nft_build(const NftRuleOp& op, std::string& why) {
  RulePtr r(nftnl_rule_alloc());
  nftnl_rule_set_str(r.get(), NFTNL_RULE_TABLE, op.table.c_str());
  nftnl_rule_set_str(r.get(), NFTNL_RULE_CHAIN, op.chain.c_str());
  nftnl_rule_set_u32(r.get(), NFTNL_RULE_FAMILY, op.family);
  Buffer buf(65536);
  nlmsghdr* nlh;
  if (op.verb == NftVerb::del) {
    if (!op.handle) {
      why = "deleting a rule needs its handle";
      return std::nullopt;
    }
    nftnl_rule_set_u64(r.get(), NFTNL_RULE_HANDLE, *op.handle);
    nlh = header(buf, NFT_MSG_DELRULE, op.family, 0);
    nftnl_rule_nlmsg_build_payload(nlh, r.get());
    return buf.finish();
  }
  if (op.verb != NftVerb::add && op.verb != NftVerb::insert) {
    why = "a rule can be added, inserted or deleted";
    return std::nullopt;
  }
  if (op.handle) nftnl_rule_set_u64(r.get(), NFTNL_RULE_POSITION, *op.handle);
  RuleBuilder builder(r.get(), op.family);
  for (const NftStatement& s : op.statements)
    if (!builder.add(s, why)) return std::nullopt;
  // The kernel's limit (NFT_RULE_MAXEXPRS), and what keeps the rule inside
  // buf: libmnl writes attributes unchecked, and 128 expressions of at most
  // ~320 bytes each (a lookup naming a 255-byte set) fit in 64 KiB with
  // room for the names and the comment.
  constexpr size_t kMaxExpressions = 128;
  if (builder.expressions() > kMaxExpressions) {
    why = "a rule holds at most " + std::to_string(kMaxExpressions) +
          " expressions (the kernel's limit); this one needs " + std::to_string(builder.expressions());
    return std::nullopt;
  }
  if (!op.comment.empty()) {
    UdataPtr ud(nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN));
    if (!nftnl_udata_put_strz(ud.get(), NFTNL_UDATA_RULE_COMMENT, op.comment.c_str())) {
      why = "comment too long";
      return std::nullopt;
    }
    nftnl_rule_set_data(r.get(), NFTNL_RULE_USERDATA, nftnl_udata_buf_data(ud.get()),
                        nftnl_udata_buf_len(ud.get()));
  }
  uint16_t flags = NLM_F_CREATE | (op.verb == NftVerb::add ? NLM_F_APPEND : 0);
  nlh = header(buf, NFT_MSG_NEWRULE, op.family, flags);
  nftnl_rule_nlmsg_build_payload(nlh, r.get());
  return buf.finish();
}

std::optional<NftMessage> nft_build(const NftSetOp& op, std::string& why) {
  SetPtr s(nftnl_set_alloc());
  nftnl_set_set_str(s.get(), NFTNL_SET_TABLE, op.table.c_str());
  nftnl_set_set_str(s.get(), NFTNL_SET_NAME, op.name.c_str());
  nftnl_set_set_u32(s.get(), NFTNL_SET_FAMILY, op.family);
  Buffer buf(8192);
  nlmsghdr* nlh;
  switch (op.verb) {
    case NftVerb::add:
    case NftVerb::create: {
      uint32_t flags = 0;
      if (op.data || op.verdict_map) flags |= NFT_SET_MAP;
      if (op.interval) flags |= NFT_SET_INTERVAL;
      if (op.timeout) flags |= NFT_SET_TIMEOUT;
      if (op.constant) flags |= NFT_SET_CONSTANT;
      if (op.interval && op.key.concat()) flags |= NFT_SET_CONCAT;
      nftnl_set_set_u32(s.get(), NFTNL_SET_FLAGS, flags);
      nftnl_set_set_u32(s.get(), NFTNL_SET_ID, op.id);
      nftnl_set_set_u32(s.get(), NFTNL_SET_KEY_TYPE, op.key.id());
      nftnl_set_set_u32(s.get(), NFTNL_SET_KEY_LEN, op.key.length());
      if (op.interval && op.key.concat()) {
        // Field lengths, so the kernel picks the concatenation-aware interval
        // backend (and refuses them on a set without NFT_SET_CONCAT).
        uint8_t fields[NFT_REG32_COUNT] = {};
        size_t n = 0;
        for (const NftType& f : op.key.fields) fields[n++] = static_cast<uint8_t>(f.size);
        nftnl_set_set_data(s.get(), NFTNL_SET_DESC_CONCAT, fields, static_cast<uint32_t>(n));
      }
      if (op.verdict_map) {
        nftnl_set_set_u32(s.get(), NFTNL_SET_DATA_TYPE, NFT_DATA_VERDICT);
      } else if (op.data) {
        nftnl_set_set_u32(s.get(), NFTNL_SET_DATA_TYPE, op.data->id());
        nftnl_set_set_u32(s.get(), NFTNL_SET_DATA_LEN, op.data->length());
      }
      if (op.timeout_ms) nftnl_set_set_u64(s.get(), NFTNL_SET_TIMEOUT, *op.timeout_ms);
      // The byte order of single-field keys and data, as nft records it:
      // without it, `nft list` cannot print host-order values such as ifnames.
      UdataPtr ud(nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN));
      auto order = [](const NftTypeList& t) -> uint32_t {
        constexpr uint32_t kHostEndian = 1, kBigEndian = 2;
        return t.concat() ? 0 : t.fields.front().host_order ? kHostEndian : kBigEndian;
      };
      nftnl_udata_put_u32(ud.get(), NFTNL_UDATA_SET_KEYBYTEORDER, order(op.key));
      if (op.data) nftnl_udata_put_u32(ud.get(), NFTNL_UDATA_SET_DATABYTEORDER, order(*op.data));
      if (!op.comment.empty()) nftnl_udata_put_strz(ud.get(), NFTNL_UDATA_SET_COMMENT, op.comment.c_str());
      nftnl_set_set_data(s.get(), NFTNL_SET_USERDATA, nftnl_udata_buf_data(ud.get()),
                         nftnl_udata_buf_len(ud.get()));
      nlh = header(buf, NFT_MSG_NEWSET, op.family, create_flags(op.verb));
      nftnl_set_nlmsg_build_payload(nlh, s.get());
      return buf.finish();
    }
    case NftVerb::del:
      nlh = header(buf, NFT_MSG_DELSET, op.family, 0);
      nftnl_set_nlmsg_build_payload(nlh, s.get());
      return buf.finish();
    case NftVerb::flush:
      nlh = header(buf, NFT_MSG_DELSETELEM, op.family, 0);
      nftnl_set_elems_nlmsg_build_payload(nlh, s.get());
      return buf.finish();
    default:
      why = "a set can be added, created, deleted or flushed";
      return std::nullopt;
  }
}

std::optional<std::vector<NftMessage>> nft_build(const NftElementOp& op, std::string& why) {
  if (op.verb != NftVerb::add && op.verb != NftVerb::create && op.verb != NftVerb::del) {
    why = "elements can be added, created or deleted";
    return std::nullopt;
  }
  uint16_t type = op.verb == NftVerb::del ? NFT_MSG_DELSETELEM : NFT_MSG_NEWSETELEM;
  uint16_t flags = op.verb == NftVerb::create ? NLM_F_CREATE | NLM_F_EXCL
                   : op.verb == NftVerb::add  ? NLM_F_CREATE
                                              : 0;
  // Well under the 64 KiB an attribute can hold, counting attribute overhead.
  constexpr size_t kChunkBytes = 48 * 1024;
  std::vector<NftMessage> out;
  SetPtr s;
  size_t bytes = 0;
  auto start_chunk = [&] {
    s.reset(nftnl_set_alloc());
    nftnl_set_set_str(s.get(), NFTNL_SET_TABLE, op.table.c_str());
    nftnl_set_set_str(s.get(), NFTNL_SET_NAME, op.set.c_str());
    nftnl_set_set_u32(s.get(), NFTNL_SET_FAMILY, op.family);
    bytes = 0;
  };
  auto finish_chunk = [&] {
    Buffer buf(bytes + 4096);
    nlmsghdr* nlh = header(buf, type, op.family, flags);
    nftnl_set_elems_nlmsg_build_payload(nlh, s.get());
    out.push_back(buf.finish());
  };
  auto add = [&](const NftElement& e, const std::vector<uint8_t>& key, bool interval_end) {
    nftnl_set_elem* el = nftnl_set_elem_alloc();
    nftnl_set_elem_set(el, NFTNL_SET_ELEM_KEY, key.data(), static_cast<uint32_t>(key.size()));
    if (interval_end) {
      nftnl_set_elem_set_u32(el, NFTNL_SET_ELEM_FLAGS, NFT_SET_ELEM_INTERVAL_END);
    } else {
      if (e.key_end && op.concat)
        nftnl_set_elem_set(el, NFTNL_SET_ELEM_KEY_END, e.key_end->data(),
                           static_cast<uint32_t>(e.key_end->size()));
      if (e.data)
        nftnl_set_elem_set(el, NFTNL_SET_ELEM_DATA, e.data->data(), static_cast<uint32_t>(e.data->size()));
      if (e.verdict) {
        nftnl_set_elem_set_u32(el, NFTNL_SET_ELEM_VERDICT, static_cast<uint32_t>(*e.verdict));
        if (!e.chain.empty()) nftnl_set_elem_set_str(el, NFTNL_SET_ELEM_CHAIN, e.chain.c_str());
      }
      if (e.timeout_ms) nftnl_set_elem_set_u64(el, NFTNL_SET_ELEM_TIMEOUT, *e.timeout_ms);
      if (!e.comment.empty()) {
        UdataPtr ud(nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN));
        nftnl_udata_put_strz(ud.get(), NFTNL_UDATA_SET_ELEM_COMMENT, e.comment.c_str());
        nftnl_set_elem_set(el, NFTNL_SET_ELEM_USERDATA, nftnl_udata_buf_data(ud.get()),
                           nftnl_udata_buf_len(ud.get()));
      }
    }
    nftnl_set_elem_add(s.get(), el);  // the set owns it
    bytes += 96 + 2 * key.size() + (e.data ? e.data->size() : 0) + e.comment.size() + e.chain.size();
  };
  start_chunk();
  for (const NftElement& e : op.elements) {
    if (bytes > kChunkBytes) {
      finish_chunk();
      start_chunk();
    }
    add(e, e.key, false);
    // A single-field interval is stored as its start and, flagged, the value after its end.
    if (op.interval && !op.concat) {
      std::vector<uint8_t> after = e.key_end.value_or(e.key);
      if (nft_increment(after)) add(e, after, true);
    }
  }
  finish_chunk();
  return out;
}

NftMessage nft_dump_request(NftDumpKind kind, uint8_t family, const std::string& table,
                            const std::string& set) {
  Buffer buf(4096);
  switch (kind) {
    case NftDumpKind::tables:
      header(buf, NFT_MSG_GETTABLE, family, NLM_F_DUMP);
      break;
    case NftDumpKind::chains:
      header(buf, NFT_MSG_GETCHAIN, family, NLM_F_DUMP);
      break;
    case NftDumpKind::rules: {
      nlmsghdr* nlh = header(buf, NFT_MSG_GETRULE, family, NLM_F_DUMP);
      if (!table.empty()) {
        RulePtr r(nftnl_rule_alloc());
        nftnl_rule_set_str(r.get(), NFTNL_RULE_TABLE, table.c_str());
        nftnl_rule_nlmsg_build_payload(nlh, r.get());
      }
      break;
    }
    case NftDumpKind::sets: {
      nlmsghdr* nlh = header(buf, NFT_MSG_GETSET, family, NLM_F_DUMP);
      if (!table.empty()) {
        SetPtr s(nftnl_set_alloc());
        nftnl_set_set_str(s.get(), NFTNL_SET_TABLE, table.c_str());
        nftnl_set_nlmsg_build_payload(nlh, s.get());
      }
      break;
    }
    case NftDumpKind::elements: {
      nlmsghdr* nlh = header(buf, NFT_MSG_GETSETELEM, family, NLM_F_DUMP);
      SetPtr s(nftnl_set_alloc());
      nftnl_set_set_str(s.get(), NFTNL_SET_TABLE, table.c_str());
      nftnl_set_set_str(s.get(), NFTNL_SET_NAME, set.c_str());
      nftnl_set_elems_nlmsg_build_payload(nlh, s.get());
      break;
    }
  }
  return buf.finish();
}

std::vector<uint8_t> nft_batch_begin() {
  Buffer buf(64);
  nftnl_batch_begin(buf.data(), 0);
  return buf.finish().bytes;
}

std::vector<uint8_t> nft_batch_end() {
  Buffer buf(64);
  nftnl_batch_end(buf.data(), 0);
  return buf.finish().bytes;
}

}  // namespace cnm
