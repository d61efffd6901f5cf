// SPDX-License-Identifier: GPL-2.0-or-later
// nftBatch(netns, ops): one atomic nftables transaction in one sendmsg;
// nftList(netns, what, filter): dumps parsed into plain objects.
#pragma once

#include <vector>

#include "env_state.h"

namespace cnm {

void list_nft_exports(std::vector<NativeExport>& out);

}  // namespace cnm
