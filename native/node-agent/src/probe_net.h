// tcpSocket, httpGet (and the base of grpc) probes as non-blocking sockets driven by the poller's
// epoll loop. No JS.
#ifndef SKIFF_NODE_AGENT_PROBE_NET_H_
#define SKIFF_NODE_AGENT_PROBE_NET_H_

#include <memory>
#include <string>

#include "probe_tls.h"
#include "probe_types.h"

namespace skiff {

// Parses an IPv4/IPv6 literal and port into spec->addr. False when not a literal.
bool ResolveProbeAddress(const std::string& host, int port, ProbeSpecC* spec);

// `http(s)://host:port/path` ([host] for IPv6), as the messages quote it.
std::string ProbeUrl(const ProbeSpecC& spec);
// The httpGet probe's request (`Connection: close`, upstream's default headers unless the spec sets them).
std::string BuildHttpRequest(const ProbeSpecC& spec);
// `host:port` ([host]:port for IPv6).
std::string HostPort(const ProbeSpecC& spec);
// Go's text for an errno (`connection refused`), as upstream's messages carry it.
std::string GoErrnoText(int err);

// One probe run on a non-blocking socket, driven by the poller's epoll loop: Start, then OnReady on every
// readiness of fd() for events(), until a step returns kDone (or OnTimeout ends it); the result is then in
// success() and output(). The socket closes with the run.
class SocketRun {
 public:
  enum class Step { kPending, kDone };
  explicit SocketRun(const ProbeSpecC& spec) : spec_(spec) {}
  virtual ~SocketRun();
  SocketRun(const SocketRun&) = delete;
  SocketRun& operator=(const SocketRun&) = delete;

  // Starts connecting. kDone when it finished at once (result filled in).
  Step Start();
  int fd() const { return fd_; }
  // The epoll events to wait for.
  virtual unsigned events() const = 0;
  // Handles readiness of the socket.
  virtual Step OnReady() = 0;
  // The run took too long: fills in the timeout result.
  virtual void OnTimeout() = 0;
  bool success() const { return success_; }
  const std::string& output() const { return output_; }

 protected:
  // The connection is made (kind-specific work starts).
  virtual Step AfterConnect() = 0;
  // Connecting failed with errno `err`.
  virtual Step ConnectFailed(int err) = 0;
  // While connecting: checks SO_ERROR and continues with AfterConnect or ConnectFailed.
  Step FinishConnect();
  Step Fail(const std::string& message);
  Step Succeed(const std::string& message = std::string());

  const ProbeSpecC& spec_;
  int fd_ = -1;
  bool success_ = false;
  std::string output_;
};

// One tcpSocket or httpGet (HTTP/1.1, over TLS for scheme HTTPS) probe run.
class NetRun : public SocketRun {
 public:
  explicit NetRun(const ProbeSpecC& spec) : SocketRun(spec) {}
  unsigned events() const override;
  Step OnReady() override;
  void OnTimeout() override;

 private:
  Step AfterConnect() override;
  Step ConnectFailed(int err) override;
  Step Handshake();
  Step StartRequest();
  Step Send();
  Step Receive();
  // A TLS call wants the socket readable or writable (events() follows); kPending.
  Step Want(TlsClient::Io io);

  enum class Phase { kConnecting, kHandshaking, kSending, kReceiving } phase_ = Phase::kConnecting;
  std::unique_ptr<TlsClient> tls_;
  unsigned tls_events_ = 0;  // while TLS waits for the other direction than the phase's
  const std::string* request_ = nullptr;  // the spec's http_request
  size_t sent_ = 0;
  std::string response_;
};

// The run for a tcp, http or grpc spec.
std::unique_ptr<SocketRun> MakeSocketRun(const ProbeSpecC& spec);

}  // namespace skiff

#endif  // SKIFF_NODE_AGENT_PROBE_NET_H_
