// SPDX-License-Identifier: GPL-2.0-or-later
// What libnftnl's rule parser would kill the process over, checked first.
// libnftnl validates the size of every attribute it knows and, when one is
// off ("nf_tables kernel ABI is broken"), calls exit(): a library must not
// take its host process down over one odd message. It also strdup()s
// strings it never checked for a terminating NUL. These checks refuse, in
// advance, every message that would make it do either.
#pragma once

#include <cstddef>
#include <cstdint>

namespace cnm {

// The attributes of an NFT_MSG_NEWRULE message (after its nfgenmsg): true
// when libnftnl can parse them, expressions included, without exiting or
// reading past a string. Expressions libnftnl does not know are fine (it
// refuses them itself); ones cnm has no policy for are not.
bool nft_rule_parsable(const uint8_t* attrs, size_t len);

}  // namespace cnm
