// SPDX-License-Identifier: GPL-2.0-or-later
#include "socket_cache.h"

namespace cnm {

Result<std::shared_ptr<NlSocket>> SocketCache::get(const Netns& ns, int protocol) {
  const Key key{ns.dev, ns.ino, protocol};
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = index_.find(key);
    if (it != index_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second);
      return it->second->socket;
    }
  }
  // Opened without the lock held: creating a thread must not stall others.
  std::unique_ptr<NlSocket> opened;
  Status s = run_in_netns(thread_, ns.fd.get(), [&]() -> Status {
    auto sock = NlSocket::open(protocol);
    if (!sock.ok()) return sock.error();
    opened = sock.take();
    return std::nullopt;
  });
  if (s) return *s;
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = index_.find(key);
  if (it != index_.end()) return it->second->socket;  // another caller won the race
  std::shared_ptr<NlSocket> shared(std::move(opened));
  insert_locked(key, shared);
  return shared;
}

void SocketCache::put(const Netns& ns, std::unique_ptr<NlSocket> socket) {
  const Key key{ns.dev, ns.ino, socket->protocol()};
  std::lock_guard<std::mutex> lock(mutex_);
  if (index_.count(key) == 0) insert_locked(key, std::shared_ptr<NlSocket>(std::move(socket)));
}

void SocketCache::insert_locked(const Key& key, std::shared_ptr<NlSocket> socket) {
  lru_.push_front(Entry{key, std::move(socket)});
  index_[key] = lru_.begin();
  trim_locked();
}

void SocketCache::trim_locked() {
  while (lru_.size() > limit_) {
    index_.erase(lru_.back().key);
    lru_.pop_back();  // an in-flight batch still holds its own reference
  }
}

void SocketCache::evict(uint64_t dev, uint64_t ino) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = lru_.begin(); it != lru_.end();) {
    if (std::get<0>(it->key) == dev && std::get<1>(it->key) == ino) {
      index_.erase(it->key);
      it = lru_.erase(it);
    } else {
      ++it;
    }
  }
}

void SocketCache::set_limit(size_t limit) {
  std::lock_guard<std::mutex> lock(mutex_);
  limit_ = limit;
  trim_locked();
}

size_t SocketCache::size() {
  std::lock_guard<std::mutex> lock(mutex_);
  return lru_.size();
}

}  // namespace cnm
