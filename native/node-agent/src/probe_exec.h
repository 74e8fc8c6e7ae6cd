// Exec probes without a shell: vfork + execve of argv, the child writing itself
// into the container's cgroup.procs files before it executes anything. No JS.
#ifndef SKIFF_NODE_AGENT_PROBE_EXEC_H_
#define SKIFF_NODE_AGENT_PROBE_EXEC_H_

#include <sys/types.h>

#include <string>

#include "probe_types.h"

namespace skiff {

// A started exec probe: its process (leader of its own process group), a pidfd
// that becomes readable when it exits, and the read end of its output pipe.
struct SpawnedExec {
  pid_t pid = -1;
  int pidfd = -1;
  int out_fd = -1;
};

// Exit code of a probe process whose cgroup placement failed (nothing ran).
constexpr int kExecPlacementFailed = 121;

// Looks argv[0] up in `path_env` (as execvp would) unless it contains a '/'.
// Returns false when no executable file is found.
bool ResolveExecutable(const std::string& arg0, const std::string& path_env, std::string* out);

// Starts the process. On failure returns false with a message in *error and
// leaves nothing behind. Both fds are close-on-exec and non-blocking.
bool SpawnExec(const ProbeSpecC& spec, const std::string& executable, SpawnedExec* out, std::string* error);

// Reads what is available from the output pipe, keeping at most
// kMaxProbeOutputBytes in *output. Returns false on EOF or error (then the fd
// is done; the caller closes it).
bool DrainOutput(int fd, std::string* output);

// Reaps an exited (or killed) process; returns the wait status and adds its
// cpu time (user + system, microseconds) to *child_cpu_us. Blocks when `wait`.
bool ReapExec(pid_t pid, bool wait, int* status, uint64_t* child_cpu_us);

// SIGKILL to the probe's process group (and the process itself).
void KillExec(pid_t pid);

}  // namespace skiff

#endif  // SKIFF_NODE_AGENT_PROBE_EXEC_H_
