// SPDX-License-Identifier: GPL-2.0-or-later
// rtnlBatch(netns, ops): one crossing, one pipelined transaction on the
// namespace's cached socket, one Promise with a result per op.
#pragma once

#include <vector>

#include "env_state.h"

namespace cnm {

void list_rtnl_exports(std::vector<NativeExport>& out);

}  // namespace cnm
