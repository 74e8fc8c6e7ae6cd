// grpc probes: grpc.health.v1.Health/Check over HTTP/2 without TLS (prior knowledge), a client state machine
// on a non-blocking socket driven by the poller's epoll loop. Same rules and messages as the TypeScript twin
// (packages/kubelet/src/probes/grpc-health.ts, ts-grpc-run.ts). No JS.
#ifndef SKIFF_NODE_AGENT_PROBE_GRPC_H_
#define SKIFF_NODE_AGENT_PROBE_GRPC_H_

#include <cstdint>
#include <string>

#include "probe_hpack.h"
#include "probe_net.h"

namespace skiff {

// Go's time.Duration String() for whole milliseconds (`1s`, `1m30s`, `300ms`).
std::string GoDuration(int64_t ms);

// One grpc probe run: connection preface and SETTINGS; when the server's SETTINGS arrive (the connection counts
// as made then, as grpc-go's blocking dial waits for them) the call: one HEADERS frame and one DATA frame with
// END_STREAM on stream 1. Frames are read until the answer ends: SETTINGS are
// acknowledged, PINGs answered, HEADERS/CONTINUATION decoded with HPACK (response headers, then trailers), DATA
// collected.
class GrpcRun : public SocketRun {
 public:
  explicit GrpcRun(const ProbeSpecC& spec) : SocketRun(spec) {}
  unsigned events() const override;
  Step OnReady() override;
  void OnTimeout() override;

 private:
  Step AfterConnect() override;
  Step ConnectFailed(int err) override;
  // Sends what is queued, then reads and handles frames.
  Step Pump();
  // Handles every complete frame in in_.
  Step HandleFrames();
  Step HandleFrame(uint8_t type, uint8_t flags, uint32_t stream, const uint8_t* payload, size_t length);
  Step HeaderBlockDone();
  // The answer ended (END_STREAM): what it means.
  Step Finish();
  Step DialFailed();
  Step RpcFailed(int code, const std::string& message);
  // Queues the call's HEADERS and DATA frames.
  void QueueCall();
  void QueueFrame(uint8_t type, uint8_t flags, uint32_t stream, const std::string& payload);

  enum class Phase { kConnecting, kTalking } phase_ = Phase::kConnecting;
  std::string out_;
  size_t sent_ = 0;
  std::string in_;
  bool settings_seen_ = false;
  HpackDecoder decoder_;
  std::string block_;
  bool block_open_ = false;
  bool block_ends_stream_ = false;
  bool headers_seen_ = false;
  int http_status_ = -1;
  bool has_content_type_ = false;
  std::string content_type_;
  bool has_grpc_status_ = false;
  std::string grpc_status_;
  std::string grpc_message_;
  std::string body_;
};

}  // namespace skiff

#endif  // SKIFF_NODE_AGENT_PROBE_GRPC_H_
