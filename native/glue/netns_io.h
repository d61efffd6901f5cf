// SPDX-License-Identifier: GPL-2.0-or-later
// Work that must happen inside a namespace but is not netlink: sysctl files
// under /proc/sys/net, and TCP sockets handed to Node as fds.
#pragma once

#include <vector>

#include "env_state.h"

namespace cnm {

void list_netns_io_exports(std::vector<NativeExport>& out);

}  // namespace cnm
