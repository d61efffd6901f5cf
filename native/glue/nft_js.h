// SPDX-License-Identifier: GPL-2.0-or-later
// nftBatch(netns, ops): one atomic nftables transaction in one sendmsg;
// nftList(netns, what, filter): dumps parsed into plain objects.
#pragma once

#include <napi.h>

namespace cnm {

void export_nft(Napi::Env env, Napi::Object exports);

}  // namespace cnm
