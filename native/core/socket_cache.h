// SPDX-License-Identifier: GPL-2.0-or-later
// Netlink sockets opened inside namespaces, cached by the namespace's device
// and inode. A cached socket keeps its namespace alive, so the cache is
// bounded (least recently used goes first) and drops a namespace's sockets
// when the namespace is deleted.
#pragma once

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>

#include "error.h"
#include "netns.h"
#include "nl_socket.h"

namespace cnm {

class SocketCache {
 public:
  SocketCache(NetnsThread& thread, size_t limit) : thread_(thread), limit_(limit) {}

  // The cached socket for (namespace, protocol), opened on a namespace thread on a miss.
  Result<std::shared_ptr<NlSocket>> get(const Netns& ns, int protocol);
  void put(const Netns& ns, std::unique_ptr<NlSocket> socket);
  void evict(uint64_t dev, uint64_t ino);
  void set_limit(size_t limit);
  size_t size();

 private:
  using Key = std::tuple<uint64_t, uint64_t, int>;
  struct Entry {
    Key key;
    std::shared_ptr<NlSocket> socket;
  };
  void insert_locked(const Key& key, std::shared_ptr<NlSocket> socket);
  void trim_locked();

  NetnsThread& thread_;
  std::mutex mutex_;
  size_t limit_;
  std::list<Entry> lru_;  // most recently used first
  std::map<Key, std::list<Entry>::iterator> index_;
};

}  // namespace cnm
