// SPDX-License-Identifier: GPL-2.0-or-later
#include "netns_thread.h"

#include <fcntl.h>
#include <sched.h>

#include <cerrno>

namespace cnm {

NetnsThread::~NetnsThread() {
  // Owners outlive every caller, so no job is queued or running now.
  std::thread current;
  std::vector<std::thread> retired;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    current = std::move(thread_);
    retired = std::move(retired_);
  }
  wake_.notify_all();
  if (current.joinable()) current.join();
  for (std::thread& t : retired) t.join();
}

Status NetnsThread::run(const std::function<Status()>& fn) {
  Job job{&fn, std::nullopt, false};
  std::unique_lock<std::mutex> lock(mutex_);
  if (!thread_.joinable()) thread_ = std::thread([this] { loop(); });
  jobs_.push_back(&job);
  wake_.notify_one();
  done_.wait(lock, [&] { return job.done; });
  return job.result;
}

void NetnsThread::loop() {
  unique_fd home(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stop_ || !jobs_.empty(); });
    if (jobs_.empty()) return;  // stopping, nothing left
    Job* job = jobs_.front();
    jobs_.pop_front();
    lock.unlock();
    job->result = (*job->fn)();
    bool home_again = home.valid() && setns(home.get(), CLONE_NEWNET) == 0;
    if (!home.valid() && !job->result)
      job->result = sys_error(EBADF, "open", "the namespace thread could not hold its own namespace");
    lock.lock();
    job->done = true;
    done_.notify_all();
    if (!home_again) {
      // Stuck in a foreign namespace: this thread runs no other job. A
      // successor takes the queue; this one is joined when the owner goes.
      retired_.push_back(std::move(thread_));
      if (!stop_) thread_ = std::thread([this] { loop(); });
      return;
    }
  }
}

}  // namespace cnm
