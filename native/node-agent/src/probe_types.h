// Plain C++ data of the probe poller (no JavaScript): what a probe is, what one
// run of it gives, and one delivery to JavaScript. See index.d.ts (ProbePoller)
// and packages/kubelet/src/probes/contract.ts for the contract.
#ifndef SKIFF_NODE_AGENT_PROBE_TYPES_H_
#define SKIFF_NODE_AGENT_PROBE_TYPES_H_

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "cgroup_stats.h"

namespace skiff {

enum class ProbeKind { kExec, kHttp, kTcp, kGrpc };

// A probe copied out of its JS spec (validated there).
struct ProbeSpecC {
  ProbeKind kind = ProbeKind::kTcp;
  int64_t initial_delay_ms = 0;
  int64_t period_ms = 1000;
  int64_t timeout_ms = 1000;
  // exec
  std::vector<std::string> argv;
  std::vector<std::string> env;  // "NAME=value"
  std::string path_env;          // the env's PATH (where argv[0] is looked up)
  std::vector<std::string> cgroup_procs;
  // http, tcp and grpc
  std::string host;
  int port = 0;
  sockaddr_storage addr{};
  socklen_t addr_len = 0;
  // http
  bool https = false;  // scheme HTTPS (TLS without verification)
  std::string path;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string http_request;  // the whole GET request, built once from the above (BuildHttpRequest)
  // grpc
  std::string service;
};

// No JsNames slot: the result's id is delivered as a new string.
constexpr uint32_t kNoNameSlot = 0xFFFFFFFFu;

struct ProbeResultC {
  std::string id;
  uint32_t name_slot = kNoNameSlot;  // where JsNames kept the id's JS string when it was set
  bool success = false;
  std::string output;
  double duration_ms = 0;
};

// One cgroup's row of a statistics round.
struct StatRowC {
  std::string id;
  uint32_t name_slot = kNoNameSlot;
  CgroupStatsValues values;
};

// One delivery to JavaScript: probe results and/or one statistics round.
struct PollerBatchC {
  std::vector<ProbeResultC> probes;
  std::vector<StatRowC> stats;
  bool empty() const { return probes.empty() && stats.empty(); }
};

// Upstream's cap on captured probe output.
constexpr size_t kMaxProbeOutputBytes = 10 * 1024;

}  // namespace skiff

#endif  // SKIFF_NODE_AGENT_PROBE_TYPES_H_
