// JS class `ProbePoller` (see index.d.ts): copies JS arguments into plain
// structs, hands them to the ProbeLoop thread, and turns the loop's batches
// back into JS values on the main thread through a ThreadSafeFunction (one
// call per batch).
#ifndef SKIFF_NODE_AGENT_PROBE_POLLER_H_
#define SKIFF_NODE_AGENT_PROBE_POLLER_H_

#include <napi.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "probe_loop.h"

namespace skiff {

// The JS strings of the ids given to set()/watchCgroup(), kept (in slots of one JS array: N-API on Node 20
// cannot reference a string itself) so that a batch hands JS the same string values instead of creating one
// per row. JS thread only.
class JsNames {
 public:
  // Keeps `value` (the caller's id string) in the JS table; returns its slot, which stays the id's until
  // Drop(id), and may then be given to another id.
  uint32_t Keep(Napi::Env env, const std::string& id, Napi::Value value) {
    if (table_.IsEmpty()) table_ = Napi::Persistent(Napi::Array::New(env));
    auto it = slots_.find(id);
    uint32_t slot;
    if (it != slots_.end()) {
      slot = it->second;
    } else if (!free_.empty()) {
      slot = free_.back();
      free_.pop_back();
    } else {
      slot = next_++;
    }
    slots_[id] = slot;
    if (ids_.size() <= slot) ids_.resize(slot + 1);
    ids_[slot] = id;
    table_.Value().Set(slot, value);
    return slot;
  }
  void Drop(const std::string& id) {
    auto it = slots_.find(id);
    if (it == slots_.end()) return;
    table_.Value().Set(it->second, table_.Env().Undefined());
    ids_[it->second].reset();
    free_.push_back(it->second);
    slots_.erase(it);
  }
  void Clear() {
    slots_.clear();
    ids_.clear();
    free_.clear();
    next_ = 0;
    table_.Reset();
  }
  // Whether `slot` still holds `id` (not so for a result of a probe removed, or replaced under a slot
  // reused, while its batch was on the way). One string comparison, no hashing.
  bool Holds(uint32_t slot, const std::string& id) const {
    return slot < ids_.size() && ids_[slot] == id;
  }
  // The JS array of kept strings, indexed by slot.
  Napi::Value Table(Napi::Env env) const { return table_.IsEmpty() ? Napi::Array::New(env) : table_.Value(); }

 private:
  Napi::Reference<Napi::Array> table_;
  std::unordered_map<std::string, uint32_t> slots_;
  std::vector<std::optional<std::string>> ids_;  // by slot; empty when free
  std::vector<uint32_t> free_;
  uint32_t next_ = 0;
};

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
  std::unordered_set<std::string> ids_;         // probes
  std::unordered_set<std::string> cgroup_ids_;  // watched cgroups
  // Shared with queued deliveries (which run on the JS thread, as every use does).
  std::shared_ptr<JsNames> names_ = std::make_shared<JsNames>();
  napi_env env_ = nullptr;
};

}  // namespace skiff

#endif  // SKIFF_NODE_AGENT_PROBE_POLLER_H_
