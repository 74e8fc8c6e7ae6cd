// tcpSocket and httpGet probes as non-blocking sockets driven by the poller's
// epoll loop. No JS.
#ifndef SKIFF_NODE_AGENT_PROBE_NET_H_
#define SKIFF_NODE_AGENT_PROBE_NET_H_

#include <string>

#include "probe_types.h"

namespace skiff {

// Parses an IPv4/IPv6 literal and port into spec->addr. False when not a literal.
bool ResolveProbeAddress(const std::string& host, int port, ProbeSpecC* spec);

// `http://host:port/path` ([host] for IPv6), as the messages quote it.
std::string ProbeUrl(const ProbeSpecC& spec);
// `host:port` ([host]:port for IPv6).
std::string HostPort(const ProbeSpecC& spec);
// Go's text for an errno (`connection refused`), as upstream's messages carry it.
std::string GoErrnoText(int err);

// One tcp or http probe run on a socket.
class NetRun {
 public:
  enum class Step { kPending, kDone };
  explicit NetRun(const ProbeSpecC& spec) : spec_(spec) {}
  ~NetRun();
  NetRun(const NetRun&) = delete;
  NetRun& operator=(const NetRun&) = delete;

  // Starts connecting. kDone when it finished at once (result filled in).
  Step Start();
  // The socket and the events to wait for (EPOLLOUT while connecting/sending, EPOLLIN after).
  int fd() const { return fd_; }
  unsigned events() const;
  // Handles readiness of the socket.
  Step OnReady();
  // The run took too long: fills in the timeout result.
  void OnTimeout();
  bool success() const { return success_; }
  const std::string& output() const { return output_; }

 private:
  Step Fail(const std::string& message);
  Step Succeed();
  Step AfterConnect();
  Step Send();
  Step Receive();

  const ProbeSpecC& spec_;
  int fd_ = -1;
  enum class Phase { kConnecting, kSending, kReceiving } phase_ = Phase::kConnecting;
  std::string request_;
  size_t sent_ = 0;
  std::string response_;
  bool success_ = false;
  std::string output_;
};

}  // namespace skiff

#endif  // SKIFF_NODE_AGENT_PROBE_NET_H_
