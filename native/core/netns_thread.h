// SPDX-License-Identifier: GPL-2.0-or-later
// The namespace thread: one long-lived thread per addon environment that is
// the only caller of setns/unshare. Each job may enter or create a namespace;
// afterwards the thread goes back to the namespace it started in. If going
// back fails, the thread is discarded and a fresh one takes the next job.
// Reusing one thread saves creating a thread per namespace operation.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "error.h"
#include "unique_fd.h"

namespace cnm {

class NetnsThread {
 public:
  NetnsThread() = default;
  NetnsThread(const NetnsThread&) = delete;
  NetnsThread& operator=(const NetnsThread&) = delete;
  ~NetnsThread();

  // Runs fn on the namespace thread and waits for it. fn may change the
  // thread's network namespace; it is restored afterwards.
  Status run(const std::function<Status()>& fn);

 private:
  struct Job {
    const std::function<Status()>* fn;
    Status result;
    bool done = false;
  };
  void loop();

  std::mutex mutex_;
  std::condition_variable wake_;  // jobs queued, or stop
  std::condition_variable done_;  // a job finished
  std::deque<Job*> jobs_;
  std::thread thread_;
  std::vector<std::thread> retired_;  // threads discarded after failing to go home
  bool stop_ = false;
};

}  // namespace cnm
