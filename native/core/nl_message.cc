// SPDX-License-Identifier: GPL-2.0-or-later
#include "nl_message.h"

#include <arpa/inet.h>

namespace cnm {

NlMessage::NlMessage(uint16_t type, uint16_t flags) : buf_(NLMSG_HDRLEN, 0) {
  buf_.reserve(256);
  nlh().nlmsg_len = NLMSG_HDRLEN;
  nlh().nlmsg_type = type;
  nlh().nlmsg_flags = flags;
}

size_t NlMessage::append(const void* data, size_t len) {
  size_t off = buf_.size();
  buf_.resize(off + NLMSG_ALIGN(len), 0);
  if (len > 0) std::memcpy(buf_.data() + off, data, len);
  nlh().nlmsg_len = static_cast<uint32_t>(buf_.size());
  return off;
}

void NlMessage::put(uint16_t type, const void* data, size_t len) {
  nlattr nla{static_cast<uint16_t>(NLA_HDRLEN + len), type};
  size_t off = buf_.size();
  buf_.resize(off + NLA_ALIGN(NLA_HDRLEN + len), 0);
  std::memcpy(buf_.data() + off, &nla, sizeof nla);
  if (len > 0) std::memcpy(buf_.data() + off + NLA_HDRLEN, data, len);
  nlh().nlmsg_len = static_cast<uint32_t>(buf_.size());
}

void NlMessage::put_be16(uint16_t type, uint16_t host_order) {
  uint16_t v = htons(host_order);
  put(type, &v, 2);
}

void NlMessage::put_string(uint16_t type, std::string_view s) {
  std::string z(s);
  put(type, z.c_str(), z.size() + 1);
}

size_t NlMessage::nest_begin(uint16_t type) {
  size_t off = buf_.size();
  put(type, nullptr, 0);
  return off;
}

void NlMessage::nest_end(size_t offset) {
  auto* nla = reinterpret_cast<nlattr*>(buf_.data() + offset);
  nla->nla_len = static_cast<uint16_t>(buf_.size() - offset);
}

std::optional<MessageView> view_message(const std::vector<uint8_t>& msg, size_t family_len) {
  if (msg.size() < NLMSG_HDRLEN) return std::nullopt;
  nlmsghdr nlh;
  std::memcpy(&nlh, msg.data(), sizeof nlh);
  const size_t attrs = NLMSG_HDRLEN + NLMSG_ALIGN(family_len);
  if (nlh.nlmsg_len > msg.size() || nlh.nlmsg_len < NLMSG_HDRLEN + family_len) return std::nullopt;
  MessageView view;
  view.type = nlh.nlmsg_type;
  view.family = msg.data() + NLMSG_HDRLEN;
  view.attrs = msg.data() + attrs;
  view.attrs_len = nlh.nlmsg_len > attrs ? nlh.nlmsg_len - attrs : 0;
  return view;
}

uint16_t Attr::u16() const {
  uint16_t v = 0;
  if (len >= 2) std::memcpy(&v, data, 2);
  return v;
}

uint32_t Attr::u32() const {
  uint32_t v = 0;
  if (len >= 4) std::memcpy(&v, data, 4);
  return v;
}

uint64_t Attr::u64() const {
  uint64_t v = 0;
  if (len >= 8) std::memcpy(&v, data, 8);
  return v;
}

uint16_t Attr::be16() const { return ntohs(u16()); }

std::string Attr::str() const {
  if (data == nullptr) return {};
  const char* s = reinterpret_cast<const char*>(data);
  return std::string(s, strnlen(s, len));
}

AttrTable::AttrTable(const uint8_t* data, size_t len, uint16_t max) : attrs_(max + 1) {
  for_each_attr(data, len, [&](const Attr& a) {
    if (a.type <= max) attrs_[a.type] = a;
  });
}

Attr AttrTable::operator[](uint16_t type) const { return type < attrs_.size() ? attrs_[type] : none_; }

}  // namespace cnm
