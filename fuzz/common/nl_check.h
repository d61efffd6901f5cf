// SPDX-License-Identifier: GPL-2.0-or-later
// The fuzz targets' oracle for what the encoders build: one well-formed
// netlink message. A violation aborts with what is wrong, which libFuzzer
// reports as a crash, with the input that caused it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace cnm::fuzz {

[[noreturn]] void violated(const char* what);

// bytes is one message: its length field equals its size, its family header
// (header_len bytes) fits, and its attributes tile the rest exactly, every
// nested one (NLA_F_NESTED, or a type in nests) tiling its own payload.
void check_message(const std::vector<uint8_t>& bytes, size_t header_len,
                   const std::vector<uint16_t>& nests = {});

// The family header length of an rtnetlink message type (ifinfomsg, ifaddrmsg, rtmsg, ndmsg).
size_t rtnl_header_len(uint16_t type);

// Copies one input into memory of exactly its size, 8-byte aligned as a
// received datagram is, so ASan sees any read past its end.
std::vector<uint8_t> exact_copy(const uint8_t* data, size_t size);

}  // namespace cnm::fuzz
