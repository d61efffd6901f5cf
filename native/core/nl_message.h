// SPDX-License-Identifier: GPL-2.0-or-later
// Netlink message codec: a builder that lays out one message with aligned
// (and nested) attributes, and a parser that reads attributes back.
#pragma once

#include <linux/netlink.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cnm {

// Builds one netlink message. nlmsg_len is kept current after every put, so
// bytes() is always a complete message.
class NlMessage {
 public:
  NlMessage(uint16_t type, uint16_t flags);

  // The fixed family header that follows nlmsghdr (ifinfomsg, ifaddrmsg, ...).
  template <typename T>
  T& put_header(const T& header) {
    size_t off = append(&header, sizeof header);
    return *reinterpret_cast<T*>(buf_.data() + off);
  }
  template <typename T>
  T& header() {
    return *reinterpret_cast<T*>(buf_.data() + NLMSG_HDRLEN);
  }

  void put(uint16_t type, const void* data, size_t len);
  void put_flag(uint16_t type) { put(type, nullptr, 0); }
  void put_u8(uint16_t type, uint8_t v) { put(type, &v, 1); }
  void put_u16(uint16_t type, uint16_t v) { put(type, &v, 2); }
  void put_u32(uint16_t type, uint32_t v) { put(type, &v, 4); }
  void put_s32(uint16_t type, int32_t v) { put(type, &v, 4); }
  void put_be16(uint16_t type, uint16_t host_order);
  void put_string(uint16_t type, std::string_view s);  // NUL-terminated

  // Opens a nested attribute; pass the returned offset to nest_end. Like
  // iproute2, the type is sent as given (no NLA_F_NESTED): rtnetlink accepts both.
  size_t nest_begin(uint16_t type);
  void nest_end(size_t offset);
  // Appends raw bytes (aligned), e.g. the ifinfomsg inside VETH_INFO_PEER.
  size_t append(const void* data, size_t len);

  // A u32 attribute whose value (a namespace fd) is only known when the
  // message is sent: the namespace is created earlier in the same sequence.
  struct FdFixup {
    size_t offset;  // of the u32 value
    int slot;       // which namespace of the sequence
  };
  void put_fd_placeholder(uint16_t type, int slot) {
    fixups_.push_back(FdFixup{buf_.size() + NLA_HDRLEN, slot});
    put_u32(type, 0);
  }
  const std::vector<FdFixup>& fixups() const { return fixups_; }

  nlmsghdr& nlh() { return *reinterpret_cast<nlmsghdr*>(buf_.data()); }
  const std::vector<uint8_t>& bytes() const { return buf_; }
  std::vector<uint8_t>& bytes() { return buf_; }

 private:
  std::vector<uint8_t> buf_;
  std::vector<FdFixup> fixups_;
};

// A view of one attribute inside a received message.
struct Attr {
  uint16_t type = 0;
  const uint8_t* data = nullptr;
  size_t len = 0;

  bool present() const { return data != nullptr; }
  uint8_t u8() const { return len >= 1 ? data[0] : 0; }
  uint16_t u16() const;
  uint32_t u32() const;
  uint64_t u64() const;
  uint16_t be16() const;
  std::string str() const;  // up to the first NUL
};

// Attributes of one level, indexed by type (nested flag and byte-order flag
// stripped). Types above max are ignored, a repeated type keeps the last.
class AttrTable {
 public:
  AttrTable(const uint8_t* data, size_t len, uint16_t max);
  // By value: a view into the message, which may outlive the table (as in
  // `Attr a = AttrTable(...)[type]`) but not the message.
  Attr operator[](uint16_t type) const;

 private:
  std::vector<Attr> attrs_;
  Attr none_;
};

// One received message, checked before anything reads it: its nlmsghdr and
// family header (ifinfomsg, nfgenmsg, ...) are whole, and its length field
// stays inside the bytes. The reply parsers read messages only through it.
struct MessageView {
  uint16_t type = 0;
  const uint8_t* family = nullptr;  // the family header
  const uint8_t* attrs = nullptr;   // the attributes after it
  size_t attrs_len = 0;
};
std::optional<MessageView> view_message(const std::vector<uint8_t>& msg, size_t family_len);

// Calls fn(Attr) for each attribute of one level, in order.
template <typename Fn>
void for_each_attr(const uint8_t* data, size_t len, Fn&& fn) {
  while (len >= NLA_HDRLEN) {
    const auto* nla = reinterpret_cast<const nlattr*>(data);
    if (nla->nla_len < NLA_HDRLEN || nla->nla_len > len) return;
    fn(Attr{static_cast<uint16_t>(nla->nla_type & NLA_TYPE_MASK), data + NLA_HDRLEN,
            static_cast<size_t>(nla->nla_len - NLA_HDRLEN)});
    size_t step = NLA_ALIGN(nla->nla_len);
    if (step >= len) return;
    data += step;
    len -= step;
  }
}

}  // namespace cnm
