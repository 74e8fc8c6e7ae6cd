// Entry point of the node_agent addon: registers exports only. Each feature
// lives in its own .cc/.h pair and exposes an Init(env, exports) function.
#include <napi.h>

#include "cgroup_stats.h"
#include "probe_poller.h"
#include "subreaper.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  skiff::CgroupStatsReader::Init(env, exports);
  skiff::ProbePoller::Init(env, exports);
  skiff::InitSubreaper(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(node_agent, Init)
