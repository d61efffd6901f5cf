// SPDX-License-Identifier: GPL-2.0-or-later
// Everything one addon environment keeps for talking to the kernel: its
// namespace thread, its socket cache, and the namespace directories it has
// already made shared mounts. Shared by in-flight work, which may outlive a
// closing environment by a moment.
#pragma once

#include <mutex>
#include <set>
#include <string>

#include "netns.h"
#include "netns_thread.h"
#include "socket_cache.h"

namespace cnm {

class KernelContext {
 public:
  explicit KernelContext(size_t socket_limit = 1024) : sockets(thread, socket_limit) {}

  NetnsThread thread;  // declared first: the cache uses it, and goes first
  SocketCache sockets;

  // netns_prepare_dir once per directory, not on every namespace created.
  Status prepare_dir(const std::string& dir) {
    std::lock_guard<std::mutex> lock(dirs_mutex_);
    if (prepared_dirs_.count(dir)) return std::nullopt;
    if (Status s = netns_prepare_dir(dir)) return s;
    prepared_dirs_.insert(dir);
    return std::nullopt;
  }

 private:
  std::mutex dirs_mutex_;
  std::set<std::string> prepared_dirs_;
};

}  // namespace cnm
