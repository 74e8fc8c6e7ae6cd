// JS class `ProbePoller` (see index.d.ts): copies JS arguments into plain
// structs, hands them to the ProbeLoop thread, and turns the loop's batches
// back into JS values on the main thread through a ThreadSafeFunction (one
// call per batch).
#ifndef SKIFF_NODE_AGENT_PROBE_POLLER_H_
#define SKIFF_NODE_AGENT_PROBE_POLLER_H_

#include <napi.h>

#include <atomic>
#include <memory>
#include <string>
#include <unordered_set>

#include "probe_loop.h"

namespace skiff {

class ProbePoller : public Napi::ObjectWrap<ProbePoller> {
 public:
  static void Init(Napi::Env env, Napi::Object exports);
  explicit ProbePoller(const Napi::CallbackInfo& info);
  ~ProbePoller() override;

 private:
  Napi::Value Set(const Napi::CallbackInfo& info);
  Napi::Value Remove(const Napi::CallbackInfo& info);
  Napi::Value WatchCgroup(const Napi::CallbackInfo& info);
  Napi::Value UnwatchCgroup(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value GetSize(const Napi::CallbackInfo& info);

  void ThrowIfClosed(Napi::Env env) const;
  void Shutdown();
  static void OnEnvCleanup(void* self);

  Napi::ThreadSafeFunction tsfn_;
  std::unique_ptr<ProbeLoop> loop_;
  // Shared with queued deliveries: a batch that reaches JS after close() is dropped.
  std::shared_ptr<std::atomic<bool>> closed_ = std::make_shared<std::atomic<bool>>(false);
  std::unordered_set<std::string> ids_;
  napi_env env_ = nullptr;
};

}  // namespace skiff

#endif  // SKIFF_NODE_AGENT_PROBE_POLLER_H_
