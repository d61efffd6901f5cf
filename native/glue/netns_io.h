// SPDX-License-Identifier: GPL-2.0-or-later
// Work that must happen inside a namespace but is not netlink: sysctl files
// under /proc/sys/net, and TCP sockets handed to Node as fds.
#pragma once

#include <napi.h>

namespace cnm {

void export_netns_io(Napi::Env env, Napi::Object exports);

}  // namespace cnm
