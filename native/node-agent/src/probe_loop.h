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
  // `name_slot` travels with the probe's results (the JS side's slot for the id's string).
  void Set(const std::string& id, const ProbeSpecC& spec, uint32_t name_slot = kNoNameSlot);
  void Remove(const std::string& id);
  // Files are opened by the caller's thread (so it learns whether they opened).
  void WatchCgroup(const std::string& id, CgroupFiles files, uint32_t name_slot = kNoNameSlot);
  void UnwatchCgroup(const std::string& id);
  void Stop();

 private:
  struct Command;
  struct Probe;
  // A timer names its probe by slot (an index into slots_, no string hashing on the hot path) and by the
  // probe's token when it was pushed. It acts only if that slot still holds a probe with that token: tokens
  // are unique for the loop's lifetime, so a timer whose probe was rescheduled, removed or replaced by a new
  // probe in the reused slot is skipped.
  struct Timer {
    int64_t due_ms;
    uint64_t token;
    uint32_t slot;
    bool timeout;  // false: start a run; true: the running one timed out
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
  // Returns the probe set under `id`, placing a new one in a free slot (or a new slot) if there is none.
  Probe* ProbeFor(const std::string& id);
  // Aborts the run in flight of the probe set under `id` (if any), drops the probe and frees its slot.
  void RemoveProbe(const std::string& id);
  // Queues a timer for `p`'s current token.
  void PushTimer(const Probe& p, int64_t due_ms, bool timeout);
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
  // Every probe lives in a slot; a removed probe's slot is emptied and goes to free_slots_ for the next new
  // probe. slot_of_ maps ids to slots for Set/Remove only; timers carry the slot itself.
  std::vector<std::unique_ptr<Probe>> slots_;
  std::vector<uint32_t> free_slots_;
  std::unordered_map<std::string, uint32_t> slot_of_;
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
