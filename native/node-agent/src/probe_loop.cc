// The probe poller's loop thread. See probe_loop.h.
#include "probe_loop.h"

#include <errno.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>

namespace skiff {

namespace {

double NowMsPrecise() {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

int64_t NowMs() { return static_cast<int64_t>(NowMsPrecise()); }

constexpr int64_t kNsPerMs = 1000 * 1000;

int64_t NowNs() {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 * kNsPerMs + ts.tv_nsec;
}

// Sleeps until the monotonic clock reads `ns` (returns early only when interrupted by a signal).
void SleepUntilNs(int64_t ns) {
  timespec ts;
  ts.tv_sec = static_cast<time_t>(ns / (1000 * kNsPerMs));
  ts.tv_nsec = static_cast<long>(ns % (1000 * kNsPerMs));
  ::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);
}

// Epoll keys: (token << 1) | slot, slot 0 the pidfd or socket, 1 the exec output pipe.
constexpr uint64_t kWakeKey = 0;
uint64_t KeyOf(uint64_t token, int slot) { return (token << 1) | static_cast<uint64_t>(slot); }

std::string JoinArgv(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& a : argv) {
    if (!out.empty()) out.push_back(' ');
    out += a;
  }
  return out;
}

}  // namespace

struct ProbeLoop::Command {
  enum class Kind { kSet, kRemove, kWatch, kUnwatch } kind;
  std::string id;
  ProbeSpecC spec;
  CgroupFiles files;
  uint32_t name_slot = kNoNameSlot;
};

struct ProbeLoop::Probe {
  std::string id;
  uint32_t slot = 0;  // its index in slots_, fixed while it is set
  uint32_t name_slot = kNoNameSlot;  // the caller's JsNames slot, copied into each result
  ProbeSpecC spec;
  uint64_t token = 0;  // changes at every schedule step: stale timers and events are ignored
  bool running = false;
  int64_t run_started_ms = 0;
  double run_started_precise = 0;
  SpawnedExec exec;
  std::string output;
  std::unique_ptr<SocketRun> net;
};

ProbeLoop::ProbeLoop(Deliver deliver, int64_t stats_interval_ms, int64_t batch_window_ms, int64_t tick_ms)
    : deliver_(std::move(deliver)),
      stats_interval_ms_(stats_interval_ms),
      batch_window_ms_(batch_window_ms),
      tick_ns_(tick_ms * kNsPerMs) {}

ProbeLoop::~ProbeLoop() { Stop(); }

bool ProbeLoop::Start(std::string* error) {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (epoll_fd_ < 0 || wake_fd_ < 0) {
    *error = std::string("cannot create the poller's descriptors: ") + std::strerror(errno);
    if (epoll_fd_ >= 0) ::close(epoll_fd_);
    if (wake_fd_ >= 0) ::close(wake_fd_);
    epoll_fd_ = wake_fd_ = -1;
    return false;
  }
  Watch(wake_fd_, kWakeKey, EPOLLIN);
  next_stats_ms_ = NowMs() + stats_interval_ms_;
  started_ = true;
  thread_ = std::thread([this] { Run(); });
  return true;
}

void ProbeLoop::Post(Command cmd) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    commands_.push_back(std::move(cmd));
  }
  const uint64_t one = 1;
  ssize_t r;
  do {
    r = ::write(wake_fd_, &one, sizeof one);
  } while (r < 0 && errno == EINTR);
}

void ProbeLoop::Set(const std::string& id, const ProbeSpecC& spec, uint32_t name_slot) {
  Post(Command{Command::Kind::kSet, id, spec, CgroupFiles(), name_slot});
}

void ProbeLoop::Remove(const std::string& id) { Post(Command{Command::Kind::kRemove, id, ProbeSpecC(), CgroupFiles()}); }

void ProbeLoop::WatchCgroup(const std::string& id, CgroupFiles files, uint32_t name_slot) {
  Post(Command{Command::Kind::kWatch, id, ProbeSpecC(), std::move(files), name_slot});
}

void ProbeLoop::UnwatchCgroup(const std::string& id) {
  Post(Command{Command::Kind::kUnwatch, id, ProbeSpecC(), CgroupFiles()});
}

void ProbeLoop::Stop() {
  if (!started_) return;
  started_ = false;
  stopping_.store(true);
  const uint64_t one = 1;
  if (::write(wake_fd_, &one, sizeof one) < 0) {
    // the eventfd cannot overflow with one write; the loop also checks stopping_ every wake-up
  }
  if (thread_.joinable()) thread_.join();
  ::close(epoll_fd_);
  ::close(wake_fd_);
  epoll_fd_ = wake_fd_ = -1;
}

void ProbeLoop::Watch(int fd, uint64_t key, unsigned events) {
  epoll_event ev;
  std::memset(&ev, 0, sizeof ev);
  ev.events = events;
  ev.data.u64 = key;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0 && errno == EEXIST) {
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev);
  }
}

void ProbeLoop::Unwatch(int fd) {
  if (fd >= 0) ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
}

void ProbeLoop::ApplyCommands() {
  std::vector<Command> cmds;
  {
    std::lock_guard<std::mutex> lock(mu_);
    cmds.swap(commands_);
  }
  const int64_t now = NowMs();
  for (Command& c : cmds) {
    switch (c.kind) {
      case Command::Kind::kSet: {
        Probe* p = ProbeFor(c.id);
        AbortRun(p);
        p->name_slot = c.name_slot;
        p->spec = std::move(c.spec);
        p->token = next_token_++;
        PushTimer(*p, now + p->spec.initial_delay_ms, false);
        break;
      }
      case Command::Kind::kRemove:
        RemoveProbe(c.id);
        break;
      case Command::Kind::kWatch:
        cgroups_.Insert(c.id, std::move(c.files), c.name_slot);
        break;
      case Command::Kind::kUnwatch:
        cgroups_.Unwatch(c.id);
        break;
    }
  }
}

ProbeLoop::Probe* ProbeLoop::ProbeFor(const std::string& id) {
  auto it = slot_of_.find(id);
  if (it != slot_of_.end()) return slots_[it->second].get();
  uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    slot = static_cast<uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  slots_[slot] = std::make_unique<Probe>();
  slots_[slot]->id = id;
  slots_[slot]->slot = slot;
  slot_of_.emplace(id, slot);
  return slots_[slot].get();
}

void ProbeLoop::RemoveProbe(const std::string& id) {
  auto it = slot_of_.find(id);
  if (it == slot_of_.end()) return;
  const uint32_t slot = it->second;
  slot_of_.erase(it);
  AbortRun(slots_[slot].get());
  slots_[slot].reset();
  free_slots_.push_back(slot);
}

void ProbeLoop::PushTimer(const Probe& p, int64_t due_ms, bool timeout) {
  timers_.push(Timer{due_ms, p.token, p.slot, timeout});
}

void ProbeLoop::StartRun(Probe* p, int64_t now) {
  p->running = true;
  p->token = next_token_++;
  p->run_started_ms = now;
  p->run_started_precise = NowMsPrecise();
  p->output.clear();
  const ProbeSpecC& spec = p->spec;
  if (spec.kind == ProbeKind::kExec) {
    std::string executable;
    if (!ResolveExecutable(spec.argv.empty() ? std::string() : spec.argv[0], spec.path_env, &executable)) {
      FinishRun(p, false, "exec: \"" + (spec.argv.empty() ? std::string() : spec.argv[0]) + "\": executable file not found in $PATH",
                now);
      return;
    }
    std::string error;
    if (!SpawnExec(spec, executable, &p->exec, &error)) {
      FinishRun(p, false, error, now);
      return;
    }
    by_key_[p->token] = p;
    Watch(p->exec.pidfd, KeyOf(p->token, 0), EPOLLIN);
    Watch(p->exec.out_fd, KeyOf(p->token, 1), EPOLLIN);
  } else {
    p->net = MakeSocketRun(p->spec);
    if (p->net->Start() == SocketRun::Step::kDone) {
      const bool ok = p->net->success();
      std::string out = p->net->output();
      p->net.reset();
      FinishRun(p, ok, std::move(out), now);
      return;
    }
    by_key_[p->token] = p;
    Watch(p->net->fd(), KeyOf(p->token, 0), p->net->events());
  }
  PushTimer(*p, now + spec.timeout_ms, true);
}

// Ends the run in flight (if any) without a result: killed exec processes become orphans to reap.
void ProbeLoop::AbortRun(Probe* p) {
  if (!p->running) return;
  by_key_.erase(p->token);
  if (p->exec.pid > 0) {
    Unwatch(p->exec.pidfd);
    if (p->exec.out_fd >= 0) {
      Unwatch(p->exec.out_fd);
      ::close(p->exec.out_fd);
    }
    KillExec(p->exec.pid);
    const uint64_t token = next_token_++;
    orphans_[KeyOf(token, 0)] = Orphan{p->exec.pid, p->exec.pidfd};
    Watch(p->exec.pidfd, KeyOf(token, 0), EPOLLIN);
    p->exec = SpawnedExec();
  }
  if (p->net != nullptr) {
    Unwatch(p->net->fd());
    p->net.reset();
  }
  p->running = false;
}

void ProbeLoop::FinishRun(Probe* p, bool success, std::string output, int64_t now) {
  if (pending_ == nullptr) {
    pending_ = std::make_unique<PollerBatchC>();
  }
  if (pending_->empty()) pending_since_ms_ = now;
  pending_->probes.push_back(
      ProbeResultC{p->id, p->name_slot, success, std::move(output), NowMsPrecise() - p->run_started_precise});
  by_key_.erase(p->token);
  p->running = false;
  p->token = next_token_++;
  const int64_t due = std::max(p->run_started_ms + p->spec.period_ms, now);
  PushTimer(*p, due, false);
}

void ProbeLoop::OnTimer(const Timer& t, int64_t now) {
  Probe* p = slots_[t.slot].get();
  if (p == nullptr || p->token != t.token) return;
  if (!t.timeout) {
    StartRun(p, now);
    return;
  }
  if (!p->running) return;
  std::string message;
  if (p->spec.kind == ProbeKind::kExec) {
    message = "command \"" + JoinArgv(p->spec.argv) + "\" timed out";
  } else if (p->net != nullptr) {
    p->net->OnTimeout();
    message = p->net->output();
  }
  AbortRun(p);
  p->running = true;  // FinishRun expects the run it ends
  FinishRun(p, false, std::move(message), now);
}

void ProbeLoop::OnEvent(uint64_t key, unsigned events, int64_t now) {
  (void)events;
  auto orphan = orphans_.find(key);
  if (orphan != orphans_.end()) {
    int status = 0;
    if (ReapExec(orphan->second.pid, false, &status, &child_cpu_us_)) {
      Unwatch(orphan->second.pidfd);
      ::close(orphan->second.pidfd);
      orphans_.erase(orphan);
    }
    return;
  }
  auto it = by_key_.find(key >> 1);
  if (it == by_key_.end()) return;
  Probe* p = it->second;
  if (p->spec.kind == ProbeKind::kExec) {
    if ((key & 1) == 1) {
      if (!DrainOutput(p->exec.out_fd, &p->output)) {
        Unwatch(p->exec.out_fd);
        ::close(p->exec.out_fd);
        p->exec.out_fd = -1;
      }
      return;
    }
    int status = 0;
    if (!ReapExec(p->exec.pid, false, &status, &child_cpu_us_)) return;
    if (p->exec.out_fd >= 0) {
      DrainOutput(p->exec.out_fd, &p->output);
      Unwatch(p->exec.out_fd);
      ::close(p->exec.out_fd);
    }
    Unwatch(p->exec.pidfd);
    ::close(p->exec.pidfd);
    p->exec = SpawnedExec();
    const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    FinishRun(p, ok, std::move(p->output), now);
    return;
  }
  if (p->net == nullptr) return;
  const unsigned before = p->net->events();
  if (p->net->OnReady() == SocketRun::Step::kDone) {
    // No EPOLL_CTL_DEL: closing the socket (its only descriptor) below removes it from the epoll set.
    const bool ok = p->net->success();
    std::string out = p->net->output();
    p->net.reset();
    FinishRun(p, ok, std::move(out), now);
    return;
  }
  if (p->net->events() != before) {
    epoll_event ev;
    std::memset(&ev, 0, sizeof ev);
    ev.events = p->net->events();
    ev.data.u64 = key;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, p->net->fd(), &ev);
  }
}

void ProbeLoop::ReadStats() {
  std::vector<std::pair<size_t, CgroupStatsValues>> rows;
  cgroups_.ReadAll(&rows);
  if (rows.empty()) return;
  if (pending_ == nullptr) pending_ = std::make_unique<PollerBatchC>();
  if (pending_->empty()) pending_since_ms_ = NowMs();
  pending_->stats.reserve(rows.size());
  for (const auto& r : rows) pending_->stats.push_back(StatRowC{cgroups_.IdAt(r.first), cgroups_.TagAt(r.first), r.second});
  Flush();
}

void ProbeLoop::Flush() {
  if (pending_ == nullptr || pending_->empty()) return;
  deliver_(std::move(pending_));
  pending_.reset();
}

void ProbeLoop::Run() {
  // Named so that `top -H` and /proc/<pid>/task/*/comm show where the node agent's CPU goes.
  ::pthread_setname_np(::pthread_self(), "skiff-poller");
  constexpr int kMaxEvents = 256;
  epoll_event events[kMaxEvents];
  while (!stopping_.load()) {
    const int64_t now_ns = NowNs();
    int64_t now = now_ns / kNsPerMs;
    int64_t wake_at = now + 1000;
    if (!timers_.empty()) wake_at = std::min(wake_at, timers_.top().due_ms);
    if (pending_ != nullptr && !pending_->empty()) wake_at = std::min(wake_at, pending_since_ms_ + batch_window_ms_);
    if (stats_interval_ms_ > 0) wake_at = std::min(wake_at, next_stats_ms_);
    int n;
    if (tick_ns_ > 0) {
      // Tick grid: every wake-up lands on a multiple of the tick, so the runs due in one tick start together
      // and, while runs are in flight, the thread sleeps through their sockets' readiness (no wake-up per
      // event, no cross-CPU wake-up of this thread by every probe target) and then takes it all at once.
      int64_t target_ns = std::max(wake_at * kNsPerMs, now_ns);
      if (!by_key_.empty()) target_ns = std::min(target_ns, now_ns + tick_ns_);
      target_ns = (target_ns + tick_ns_ - 1) / tick_ns_ * tick_ns_;
      if (by_key_.empty()) {
        // Idle: only a command (the eventfd) or an exec orphan can need the thread before the target.
        const int timeout = static_cast<int>((std::max<int64_t>(0, target_ns - now_ns) + kNsPerMs - 1) / kNsPerMs);
        n = ::epoll_wait(epoll_fd_, events, kMaxEvents, timeout);
      } else {
        SleepUntilNs(target_ns);
        n = ::epoll_wait(epoll_fd_, events, kMaxEvents, 0);
      }
    } else {
      const int timeout = static_cast<int>(std::max<int64_t>(0, wake_at - now));
      n = ::epoll_wait(epoll_fd_, events, kMaxEvents, timeout);
    }
    if (n < 0 && errno != EINTR) break;
    now = NowMs();
    for (;;) {
      for (int i = 0; i < n; ++i) {
        if (events[i].data.u64 == kWakeKey) {
          uint64_t count;
          while (::read(wake_fd_, &count, sizeof count) > 0) {
          }
          ApplyCommands();
          continue;
        }
        OnEvent(events[i].data.u64, events[i].events, now);
      }
      if (n < kMaxEvents) break;
      n = ::epoll_wait(epoll_fd_, events, kMaxEvents, 0);  // more were ready than one call returns
      if (n < 0) break;
    }
    if (stopping_.load()) break;
    while (!timers_.empty() && timers_.top().due_ms <= now) {
      const Timer t = timers_.top();
      timers_.pop();
      OnTimer(t, now);
    }
    if (stats_interval_ms_ > 0 && now >= next_stats_ms_) {
      next_stats_ms_ = std::max(next_stats_ms_ + stats_interval_ms_, now);
      ReadStats();
    }
    if (pending_ != nullptr && !pending_->empty() && now >= pending_since_ms_ + batch_window_ms_) Flush();
  }
  // Shutdown: kill and reap every process this loop started; close every descriptor.
  for (auto& p : slots_) {
    if (p != nullptr) AbortRun(p.get());
  }
  for (auto& entry : orphans_) {
    int status = 0;
    ReapExec(entry.second.pid, true, &status, &child_cpu_us_);
    ::close(entry.second.pidfd);
  }
  orphans_.clear();
  slots_.clear();
  free_slots_.clear();
  slot_of_.clear();
  timers_ = decltype(timers_)();  // their slots index the cleared slots_
  by_key_.clear();
  cgroups_.Clear();
  pending_.reset();
}

}  // namespace skiff
