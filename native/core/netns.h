// SPDX-License-Identifier: GPL-2.0-or-later
// Network namespaces: create, open, identify, delete, and run work inside
// one. Together with netns_thread.cc the only code that calls setns or
// unshare, and only on the namespace thread, so neither the JS thread nor a
// libuv pool thread ever changes namespace.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "error.h"
#include "netns_thread.h"
#include "nl_socket.h"
#include "unique_fd.h"

namespace cnm {

// An open namespace. Holding it keeps the namespace alive.
struct Netns {
  unique_fd fd;
  uint64_t dev = 0;
  uint64_t ino = 0;
  std::string path;  // where it was opened or created; may be empty
};

using NetnsPtr = std::shared_ptr<const Netns>;

// Opens path and checks that it is a network namespace (NS_GET_NSTYPE).
Result<NetnsPtr> netns_open(const std::string& path);

struct CreatedNetns {
  NetnsPtr ns;
  std::unique_ptr<NlSocket> route_socket;  // opened inside, on the creating thread
};

// Makes dir a shared mount of itself (bind-mounting it on itself first when
// it is no mount point), as iproute2 does for /run/netns, so mount
// namespaces made later do not hold copies that pin the namespaces in it.
Status netns_prepare_dir(const std::string& dir);

// Sysctls (keys relative to /proc/sys, e.g. "net/ipv4/ping_group_range") to
// write into a namespace as it is created.
using SysctlList = std::vector<std::pair<std::string, std::string>>;

// Creates a namespace kept alive by a bind mount at dir/name; dir must have
// been prepared. The namespace thread makes it, writes `sysctls` while it is
// inside (no second trip), and opens a socket there. A sysctl that cannot be
// written fails the creation and leaves nothing.
Result<CreatedNetns> netns_create(NetnsThread& thread, const std::string& dir, const std::string& name,
                                  const SysctlList& sysctls = {});

// Unmounts and removes a namespace file. The namespace itself goes when the
// last fd, socket and process in it are gone.
Status netns_remove(const std::string& path);

// Runs fn on the namespace thread after it has joined the namespace.
Status run_in_netns(NetnsThread& thread, int ns_fd, const std::function<Status()>& fn);

// A socket created inside the namespace (and so bound to it for its life).
Result<unique_fd> socket_in_netns(NetnsThread& thread, int ns_fd, int domain, int type, int protocol);

}  // namespace cnm
