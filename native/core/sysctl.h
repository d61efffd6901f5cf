// SPDX-License-Identifier: GPL-2.0-or-later
// /proc/sys/net as a given namespace sees it: the files resolve against the
// opening thread's namespace, so they are opened on a namespace thread.
#pragma once

#include <string>

#include "error.h"
#include "netns_thread.h"

namespace cnm {

// key is a path below /proc/sys, e.g. "net/ipv4/ip_forward"; only net/ is allowed.
Result<std::string> sysctl_read(NetnsThread& thread, int ns_fd, const std::string& key);
Status sysctl_write(NetnsThread& thread, int ns_fd, const std::string& key, const std::string& value);
bool sysctl_key_valid(const std::string& key);

}  // namespace cnm
