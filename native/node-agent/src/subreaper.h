// Child subreaper: the kubelet marks itself with prctl(PR_SET_CHILD_SUBREAPER)
// so processes orphaned inside its containers are re-parented to it (not to
// the machine's init) and reaps them with waitpid. Three thin system calls;
// which pids to reap is decided in TypeScript (runtime/subreaper.ts), because
// the choice must never take a child that libuv or the probe poller waits for.
#ifndef SKIFF_NODE_AGENT_SUBREAPER_H_
#define SKIFF_NODE_AGENT_SUBREAPER_H_

#include <napi.h>

namespace skiff {

// Registers setChildSubreaper, isChildSubreaper and reapChild on `exports`.
void InitSubreaper(Napi::Env env, Napi::Object exports);

}  // namespace skiff

#endif  // SKIFF_NODE_AGENT_SUBREAPER_H_
