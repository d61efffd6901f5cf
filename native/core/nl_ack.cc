// SPDX-License-Identifier: GPL-2.0-or-later
#include "nl_ack.h"

#include <cerrno>
#include <cstring>
#include <string>

#include "nl_message.h"

namespace cnm {

Status parse_ack(const uint8_t* msg, size_t len, const std::vector<uint8_t>* request) {
  if (len < NLMSG_HDRLEN + sizeof(int)) return sys_error(EPROTO, "recvmsg", "short ack");
  nlmsghdr nlh;
  std::memcpy(&nlh, msg, sizeof nlh);
  int code = 0;
  std::memcpy(&code, msg + NLMSG_HDRLEN, sizeof code);
  if (code == 0) return std::nullopt;
  // The kernel sends a negative errno; anything else (and INT_MIN, whose
  // negation overflows) is no verdict we can name.
  if (code > 0 || code < -4095)
    return sys_error(EPROTO, "netlink",
                     "an ack with error code " + std::to_string(code) + ", which is no errno");
  Error e = sys_error(-code, "netlink");
  if (!(nlh.nlmsg_flags & NLM_F_ACK_TLVS)) return e;
  // NLMSG_DONE carries only the code; NLMSG_ERROR carries the request's
  // header (and its payload unless NLM_F_CAPPED) before the TLVs. A header
  // cut short, or one claiming less than itself, leaves no TLVs to read.
  size_t tlv_off = NLMSG_HDRLEN + sizeof(int);
  if (nlh.nlmsg_type == NLMSG_ERROR) {
    tlv_off = NLMSG_HDRLEN + sizeof(nlmsgerr);
    if (len < tlv_off) return e;
    if (!(nlh.nlmsg_flags & NLM_F_CAPPED)) {
      nlmsghdr orig;
      std::memcpy(&orig, msg + NLMSG_HDRLEN + sizeof(int), sizeof orig);
      if (orig.nlmsg_len < NLMSG_HDRLEN) return e;
      tlv_off += ((size_t{orig.nlmsg_len} + NLMSG_ALIGNTO - 1) & ~size_t{NLMSG_ALIGNTO - 1}) - NLMSG_HDRLEN;
    }
  }
  if (tlv_off > len) return e;
  for_each_attr(msg + tlv_off, len - tlv_off, [&](const Attr& a) {
    switch (a.type) {
      case NLMSGERR_ATTR_MSG:
        e.message = a.str();
        break;
      case NLMSGERR_ATTR_OFFS:
        e.offset = a.u32();
        break;
      case NLMSGERR_ATTR_MISS_TYPE:
        e.missing_attr = static_cast<uint16_t>(a.u32());
        break;
      default:
        break;
    }
  });
  // In size_t: an offset near 2^32 must not wrap around into the request.
  if (e.offset && request && size_t{*e.offset} + NLA_HDRLEN <= request->size()) {
    nlattr nla{};
    std::memcpy(&nla, request->data() + *e.offset, sizeof nla);
    e.attr_type = static_cast<uint16_t>(nla.nla_type & NLA_TYPE_MASK);
  }
  return e;
}

ChunkReplies::ChunkReplies(uint32_t port_id, uint32_t first_seq, const std::vector<NlRequest>& requests,
                           size_t begin, size_t end, std::vector<NlReply>& replies)
    : port_id_(port_id),
      first_seq_(first_seq),
      requests_(requests),
      begin_(begin),
      replies_(replies),
      acked_(end - begin, false),
      outstanding_(end - begin) {}

void ChunkReplies::feed(uint8_t* datagram, size_t len) {
  for_each_message(datagram, len, [&](nlmsghdr* nlh) {
    if (nlh->nlmsg_pid != port_id_) return true;
    // Modulo 2^32: a chunk may straddle the wrap of the socket's sequence numbers.
    uint32_t k = nlh->nlmsg_seq - first_seq_;
    if (k >= acked_.size() || acked_[k]) return true;  // stale
    if (nlh->nlmsg_type == NLMSG_ERROR) {
      replies_[begin_ + k].error =
          parse_ack(reinterpret_cast<uint8_t*>(nlh), nlh->nlmsg_len, &requests_[begin_ + k].bytes);
      acked_[k] = true;
      --outstanding_;
    } else if (nlh->nlmsg_type >= NLMSG_MIN_TYPE) {
      auto* p = reinterpret_cast<uint8_t*>(nlh);
      replies_[begin_ + k].messages.emplace_back(p, p + nlh->nlmsg_len);
    }
    return true;
  });
}

void ChunkReplies::fail_waiting(const Error& e) {
  for (size_t k = 0; k < acked_.size(); ++k)
    if (!acked_[k]) replies_[begin_ + k].error = e;
  outstanding_ = 0;
}

DumpReplies::DumpReplies(uint32_t port_id, uint32_t seq, const std::vector<uint8_t>& request, NlReply& reply)
    : port_id_(port_id), seq_(seq), request_(request), reply_(reply) {}

void DumpReplies::feed(uint8_t* datagram, size_t len) {
  for_each_message(datagram, len, [&](nlmsghdr* nlh) {
    if (nlh->nlmsg_pid != port_id_ || nlh->nlmsg_seq != seq_) return true;
    if (nlh->nlmsg_flags & NLM_F_DUMP_INTR) interrupted_ = true;
    if (nlh->nlmsg_type == NLMSG_DONE || nlh->nlmsg_type == NLMSG_ERROR) {
      reply_.error = parse_ack(reinterpret_cast<uint8_t*>(nlh), nlh->nlmsg_len, &request_);
      finished_ = true;
      return false;
    }
    if (nlh->nlmsg_type >= NLMSG_MIN_TYPE) {
      auto* p = reinterpret_cast<uint8_t*>(nlh);
      reply_.messages.emplace_back(p, p + nlh->nlmsg_len);
    }
    return true;
  });
}

BatchReplies::BatchReplies(uint32_t port_id, uint32_t begin_seq, uint32_t last_seq,
                           const std::vector<std::vector<uint8_t>>& messages, NlBatchOutcome& out)
    : port_id_(port_id), begin_seq_(begin_seq), last_seq_(last_seq), messages_(messages), out_(out) {}

void BatchReplies::feed(uint8_t* datagram, size_t len) {
  for_each_message(datagram, len, [&](nlmsghdr* nlh) {
    if (nlh->nlmsg_pid != port_id_ || nlh->nlmsg_type != NLMSG_ERROR) return true;
    if (nlh->nlmsg_seq == begin_seq_) {
      // Refused as a whole (no permission, unknown subsystem): nothing else comes.
      Status s = parse_ack(reinterpret_cast<uint8_t*>(nlh), nlh->nlmsg_len, nullptr);
      out_.transport = s ? s : sys_error(EPROTO, "netlink", "the batch was refused");
      finished_ = true;
      return false;
    }
    // Modulo 2^32, as above: message k of the batch was sent as begin_seq + 1 + k.
    uint32_t k = nlh->nlmsg_seq - begin_seq_ - 1;
    if (k >= messages_.size() || k >= out_.per_message.size()) return true;
    out_.per_message[k] = parse_ack(reinterpret_cast<uint8_t*>(nlh), nlh->nlmsg_len, &messages_[k]);
    if (nlh->nlmsg_seq == last_seq_) finished_ = true;
    return !finished_;
  });
}

}  // namespace cnm
