// The probe poller's background thread: one epoll loop that runs every probe's
// timing and I/O and re-reads the watched cgroups' statistics, handing results
// out in batches. No JavaScript here: the caller supplies a Deliver function
// (the binding forwards it to a ThreadSafeFunction).
//
// Threading: Set/Remove/Watch/Unwatch may be called from one other thread (the
// JS thread); they queue a command and wake the loop through an eventfd. Stop()
// joins the thread after killing and reaping in-flight exec probes.
#ifndef SKIFF_NODE_AGENT_PROBE_LOOP_H_
#define SKIFF_NODE_AGENT_PROBE_LOOP_H_

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <queue>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "cgroup_stats.h"
#include "probe_exec.h"
#include "probe_net.h"
#include "probe_types.h"

namespace skiff {

class ProbeLoop {
 public:
  using Deliver = std::function<void(std::unique_ptr<PollerBatchC>)>;

  // tick_ms > 0: the thread wakes only on a grid of tick_ms (timers fire at the first tick at or after they
  // are due; while runs are in flight their readiness is collected once per tick); 0: it wakes on every event.
  ProbeLoop(Deliver deliver, int64_t stats_interval_ms, int64_t batch_window_ms, int64_t tick_ms);
  ~ProbeLoop();
  ProbeLoop(const ProbeLoop&) = delete;
  ProbeLoop& operator=(const ProbeLoop&) = delete;

  // Creates the epoll and eventfd descriptors and starts the thread.
  bool Start(std::string* error);
  void Set(const std::string& id, const ProbeSpecC& spec);
  void Remove(const std::string& id);
  // Files are opened by the caller's thread (so it learns whether they opened).
  void WatchCgroup(const std::string& id, CgroupFiles files);
  void UnwatchCgroup(const std::string& id);
  void Stop();

 private:
  struct Command;
  struct Probe;
  struct Timer {
    int64_t due_ms;
    uint64_t token;  // the probe's run token at the time: stale timers are skipped
    bool timeout;    // false: start a run; true: the running one timed out
    std::string id;
    bool operator>(const Timer& o) const { return due_ms > o.due_ms; }
  };
  // An exec probe process killed or abandoned, waiting to be reaped.
  struct Orphan {
    pid_t pid;
    int pidfd;
  };

  void Run();
  void Post(Command cmd);
  void ApplyCommands();
  void OnTimer(const Timer& t, int64_t now);
  void StartRun(Probe* p, int64_t now);
  void OnEvent(uint64_t key, unsigned events, int64_t now);
  void FinishRun(Probe* p, bool success, std::string output, int64_t now);
  void AbortRun(Probe* p);
  void Watch(int fd, uint64_t key, unsigned events);
  void Unwatch(int fd);
  void ReadStats();
  void Flush();

  Deliver deliver_;
  const int64_t stats_interval_ms_;
  const int64_t batch_window_ms_;
  const int64_t tick_ns_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  bool started_ = false;

  std::mutex mu_;
  std::vector<Command> commands_;  // guarded by mu_

  // Loop-thread state.
  std::unordered_map<std::string, std::unique_ptr<Probe>> probes_;
  std::unordered_map<uint64_t, Probe*> by_key_;  // epoll key -> probe with a run in flight
  std::unordered_map<uint64_t, Orphan> orphans_;  // epoll key -> process to reap
  std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> timers_;
  uint64_t next_token_ = 1;
  CgroupTable cgroups_;
  int64_t next_stats_ms_ = 0;
  std::unique_ptr<PollerBatchC> pending_;
  int64_t pending_since_ms_ = 0;
  uint64_t child_cpu_us_ = 0;
};

}  // namespace skiff

#endif  // SKIFF_NODE_AGENT_PROBE_LOOP_H_
