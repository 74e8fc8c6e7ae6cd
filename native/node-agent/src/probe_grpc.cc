// grpc probes over HTTP/2. See probe_grpc.h and the contract's messages (contract.ts, grpc-health.ts).
#include "probe_grpc.h"

#include <errno.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <string>
#include <vector>

namespace skiff {

namespace {

constexpr const char* kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
constexpr const char* kUserAgent = "kube-probe/1.32";
constexpr const char* kHealthCheckPath = "/grpc.health.v1.Health/Check";
// The largest frame accepted (SETTINGS_MAX_FRAME_SIZE's default, never raised here).
constexpr size_t kMaxFrame = 16384;
// The answer is small: more than this is not a health check's.
constexpr size_t kMaxBody = 64 * 1024;

enum FrameType : uint8_t {
  kData = 0,
  kHeaders = 1,
  kRstStream = 3,
  kSettings = 4,
  kPushPromise = 5,
  kPing = 6,
  kGoAway = 7,
  kContinuation = 9
};
constexpr uint8_t kEndStream = 0x1;
constexpr uint8_t kAck = 0x1;
constexpr uint8_t kEndHeaders = 0x4;
constexpr uint8_t kPadded = 0x8;
constexpr uint8_t kPriority = 0x20;

constexpr int kUnknown = 2;
constexpr int kDeadlineExceeded = 4;
constexpr int kUnimplemented = 12;
constexpr int kInternal = 13;
constexpr int kUnavailable = 14;

constexpr std::array<const char*, 17> kCodeNames = {
    "OK",       "Canceled",          "Unknown", "InvalidArgument", "DeadlineExceeded", "NotFound",
    "AlreadyExists", "PermissionDenied", "ResourceExhausted", "FailedPrecondition", "Aborted", "OutOfRange",
    "Unimplemented", "Internal",     "Unavailable", "DataLoss",     "Unauthenticated"};

constexpr std::array<const char*, 14> kH2ErrorNames = {
    "NO_ERROR",      "PROTOCOL_ERROR", "INTERNAL_ERROR",      "FLOW_CONTROL_ERROR", "SETTINGS_TIMEOUT",
    "STREAM_CLOSED", "FRAME_SIZE_ERROR", "REFUSED_STREAM",    "CANCEL",             "COMPRESSION_ERROR",
    "CONNECT_ERROR", "ENHANCE_YOUR_CALM", "INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED"};

constexpr std::array<const char*, 4> kServingStatusNames = {"UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"};

// grpc-go's status code for a non-gRPC HTTP answer.
int GrpcCodeOfHttp(int status) {
  switch (status) {
    case 400:
      return kInternal;
    case 401:
      return 16;
    case 403:
      return 7;
    case 404:
      return kUnimplemented;
    case 429:
    case 502:
    case 503:
    case 504:
      return kUnavailable;
    default:
      return kUnknown;
  }
}

// Go's http.StatusText for the statuses a misdirected probe meets.
const char* HttpStatusText(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 415:
      return "Unsupported Media Type";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "";
  }
}

// A double-quoted string as the messages print it (JSON/Go escaping of quotes, backslashes and controls).
std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      out += buf;
    } else {
      out.push_back(c);
    }
  }
  return out + "\"";
}

bool IsGrpcContentType(const std::string& ct) {
  if (ct.compare(0, 16, "application/grpc") != 0) return false;
  return ct.size() == 16 || ct[16] == '+' || ct[16] == ';';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// grpc-message is percent-encoded; invalid escapes stay as they are.
std::string PercentDecode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

bool ReadVarint(const std::string& s, size_t* at, uint64_t* out) {
  uint64_t value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (*at >= s.size()) return false;
    const uint8_t b = static_cast<uint8_t>(s[(*at)++]);
    value |= static_cast<uint64_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) {
      *out = value;
      return true;
    }
  }
  return false;
}

// The ServingStatus of a HealthCheckResponse (field 1, varint); false when it is not valid protobuf.
bool ServingStatusOf(const std::string& message, uint32_t* status) {
  *status = 0;
  size_t at = 0;
  while (at < message.size()) {
    uint64_t tag = 0;
    if (!ReadVarint(message, &at, &tag)) return false;
    uint64_t value = 0;
    switch (tag & 7) {
      case 0:
        if (!ReadVarint(message, &at, &value)) return false;
        if ((tag >> 3) == 1) *status = static_cast<uint32_t>(value);
        break;
      case 2:
        if (!ReadVarint(message, &at, &value) || value > message.size() - at) return false;
        at += static_cast<size_t>(value);
        break;
      case 1:
      case 5: {
        const size_t width = (tag & 7) == 1 ? 8 : 4;
        if (width > message.size() - at) return false;
        at += width;
        break;
      }
      default:
        return false;
    }
  }
  return true;
}

std::string FrameHeader(size_t length, uint8_t type, uint8_t flags, uint32_t stream) {
  std::string h(9, '\0');
  h[0] = static_cast<char>((length >> 16) & 0xFF);
  h[1] = static_cast<char>((length >> 8) & 0xFF);
  h[2] = static_cast<char>(length & 0xFF);
  h[3] = static_cast<char>(type);
  h[4] = static_cast<char>(flags);
  h[5] = static_cast<char>((stream >> 24) & 0x7F);
  h[6] = static_cast<char>((stream >> 16) & 0xFF);
  h[7] = static_cast<char>((stream >> 8) & 0xFF);
  h[8] = static_cast<char>(stream & 0xFF);
  return h;
}

uint32_t Read32(const uint8_t* p) {
  return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) | (static_cast<uint32_t>(p[2]) << 8) |
         static_cast<uint32_t>(p[3]);
}

}  // namespace

std::string GoDuration(int64_t ms) {
  if (ms < 1000) return std::to_string(ms) + "ms";
  const int64_t hours = ms / 3600000;
  const int64_t minutes = (ms % 3600000) / 60000;
  const int64_t millis = ms % 60000;
  std::string seconds = std::to_string(millis / 1000);
  if (millis % 1000 != 0) {
    char frac[8];
    std::snprintf(frac, sizeof frac, ".%03d", static_cast<int>(millis % 1000));
    std::string f = frac;
    while (f.back() == '0') f.pop_back();
    seconds += f;
  }
  seconds += "s";
  if (hours > 0) return std::to_string(hours) + "h" + std::to_string(minutes) + "m" + seconds;
  if (minutes > 0) return std::to_string(minutes) + "m" + seconds;
  return seconds;
}

unsigned GrpcRun::events() const {
  if (phase_ == Phase::kConnecting) return EPOLLOUT;
  return sent_ < out_.size() ? (EPOLLIN | EPOLLOUT) : EPOLLIN;
}

GrpcRun::Step GrpcRun::OnReady() { return phase_ == Phase::kConnecting ? FinishConnect() : Pump(); }

void GrpcRun::OnTimeout() {
  if (settings_seen_) {
    RpcFailed(kDeadlineExceeded, "");
  } else {
    DialFailed();
  }
}

GrpcRun::Step GrpcRun::ConnectFailed(int err) {
  (void)err;
  return DialFailed();
}

GrpcRun::Step GrpcRun::DialFailed() {
  return Fail("timeout: failed to connect service " + Quote(HostPort(spec_)) + " within " + GoDuration(spec_.timeout_ms) +
              ": context deadline exceeded");
}

GrpcRun::Step GrpcRun::RpcFailed(int code, const std::string& message) {
  if (code == kUnimplemented) {
    return Fail("error: this server does not implement the grpc health protocol (grpc.health.v1.Health): " + message);
  }
  if (code == kDeadlineExceeded) return Fail("timeout: health rpc did not complete within " + GoDuration(spec_.timeout_ms));
  const std::string name = code >= 0 && static_cast<size_t>(code) < kCodeNames.size() ? kCodeNames[static_cast<size_t>(code)]
                                                                                     : "Code(" + std::to_string(code) + ")";
  return Fail("error: health rpc probe failed: rpc error: code = " + name + " desc = " + message);
}

void GrpcRun::QueueCall() {
  std::string block;
  HpackEncodeLiteral(":method", "POST", &block);
  HpackEncodeLiteral(":scheme", "http", &block);
  HpackEncodeLiteral(":path", kHealthCheckPath, &block);
  HpackEncodeLiteral(":authority", HostPort(spec_), &block);
  HpackEncodeLiteral("content-type", "application/grpc", &block);
  HpackEncodeLiteral("te", "trailers", &block);
  HpackEncodeLiteral("user-agent", kUserAgent, &block);
  HpackEncodeLiteral("grpc-timeout", std::to_string(std::max<int64_t>(1, spec_.timeout_ms)) + "m", &block);
  QueueFrame(kHeaders, kEndHeaders, 1, block);
  // HealthCheckRequest{service = 1} in a gRPC message (flag 0, 4-byte big-endian length).
  std::string message;
  if (!spec_.service.empty()) {
    message.push_back('\x0a');
    uint64_t n = spec_.service.size();
    while (n >= 0x80) {
      message.push_back(static_cast<char>((n & 0x7F) | 0x80));
      n >>= 7;
    }
    message.push_back(static_cast<char>(n));
    message += spec_.service;
  }
  std::string data(5, '\0');
  data[1] = static_cast<char>((message.size() >> 24) & 0xFF);
  data[2] = static_cast<char>((message.size() >> 16) & 0xFF);
  data[3] = static_cast<char>((message.size() >> 8) & 0xFF);
  data[4] = static_cast<char>(message.size() & 0xFF);
  QueueFrame(kData, kEndStream, 1, data + message);
}

void GrpcRun::QueueFrame(uint8_t type, uint8_t flags, uint32_t stream, const std::string& payload) {
  out_ += FrameHeader(payload.size(), type, flags, stream);
  out_ += payload;
}

GrpcRun::Step GrpcRun::AfterConnect() {
  phase_ = Phase::kTalking;
  out_ = kPreface;
  // SETTINGS: ENABLE_PUSH (0x2) = 0; HEADER_TABLE_SIZE (0x1) = 1024 (the server's encoder then starts its first
  // block with a table size update: fine for the decoder, which accepts any size up to the default 4096).
  QueueFrame(kSettings, 0, 0, std::string("\x00\x02\x00\x00\x00\x00\x00\x01\x00\x00\x04\x00", 12));
  return Pump();
}

GrpcRun::Step GrpcRun::Pump() {
  for (;;) {
    while (sent_ < out_.size()) {
      const ssize_t n = ::send(fd_, out_.data() + sent_, out_.size() - sent_, MSG_NOSIGNAL);
      if (n > 0) {
        sent_ += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      // The peer is gone: what it sent before may still be read.
      sent_ = out_.size();
    }
    if (sent_ == out_.size()) {
      out_.clear();
      sent_ = 0;
    }
    char buf[4096];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return Step::kPending;
    if (n <= 0) {
      // EOF or a reset: the frames already read are handled first.
      if (HandleFrames() == Step::kDone) return Step::kDone;
      return settings_seen_ ? RpcFailed(kUnavailable, "error reading from server: EOF") : DialFailed();
    }
    in_.append(buf, static_cast<size_t>(n));
    if (HandleFrames() == Step::kDone) return Step::kDone;
  }
}

GrpcRun::Step GrpcRun::HandleFrames() {
  size_t at = 0;
  Step step = Step::kPending;
  while (step == Step::kPending && in_.size() - at >= 9) {
    const auto* h = reinterpret_cast<const uint8_t*>(in_.data() + at);
    const size_t length = (static_cast<size_t>(h[0]) << 16) | (static_cast<size_t>(h[1]) << 8) | h[2];
    // An HTTP/1 answer ("HTTP/1.1 400 …") reads as a huge frame.
    if (length > kMaxFrame) return settings_seen_ ? RpcFailed(kUnavailable, "connection error: frame too large") : DialFailed();
    if (in_.size() - at < 9 + length) break;
    const uint32_t stream = Read32(h + 5) & 0x7FFFFFFFU;
    step = HandleFrame(h[3], h[4], stream, h + 9, length);
    at += 9 + length;
  }
  in_.erase(0, at);
  return step;
}

GrpcRun::Step GrpcRun::HandleFrame(uint8_t type, uint8_t flags, uint32_t stream, const uint8_t* payload, size_t length) {
  // The server's connection preface is a SETTINGS frame.
  if (!settings_seen_ && (type != kSettings || (flags & kAck) != 0)) return DialFailed();
  if (block_open_ && (type != kContinuation || stream != 1)) {
    return RpcFailed(kInternal, "connection error: header block interrupted");
  }
  // Padding and priority fields of DATA and HEADERS.
  const uint8_t* p = payload;
  size_t n = length;
  if ((type == kData || type == kHeaders) && (flags & kPadded) != 0) {
    if (n < 1 || p[0] >= n) return RpcFailed(kInternal, "connection error: bad padding");
    n -= 1 + p[0];
    ++p;
  }
  if (type == kHeaders && (flags & kPriority) != 0) {
    if (n < 5) return RpcFailed(kInternal, "connection error: bad priority");
    p += 5;
    n -= 5;
  }
  switch (type) {
    case kSettings:
      if ((flags & kAck) == 0) {
        QueueFrame(kSettings, kAck, 0, std::string());
        // The connection is ready: the call starts now, as grpc-go's does after a blocking dial.
        if (!settings_seen_) QueueCall();
        settings_seen_ = true;
      }
      return Step::kPending;
    case kPing:
      if ((flags & kAck) == 0 && length == 8) QueueFrame(kPing, kAck, 0, std::string(reinterpret_cast<const char*>(payload), 8));
      return Step::kPending;
    case kPushPromise:
      return RpcFailed(kInternal, "connection error: unexpected PUSH_PROMISE");
    case kGoAway:
      // A GOAWAY that excludes stream 1: the call was never processed.
      if (length >= 8 && (Read32(payload) & 0x7FFFFFFFU) < 1) return RpcFailed(kUnavailable, "error reading from server: EOF");
      return Step::kPending;
    default:
      break;
  }
  if (stream != 1) return Step::kPending;
  switch (type) {
    case kData:
      if (!headers_seen_) return RpcFailed(kInternal, "connection error: DATA before HEADERS");
      if (body_.size() + n > kMaxBody) return RpcFailed(kInternal, "grpc: received message larger than max");
      body_.append(reinterpret_cast<const char*>(p), n);
      return (flags & kEndStream) != 0 ? Finish() : Step::kPending;
    case kHeaders:
      block_.assign(reinterpret_cast<const char*>(p), n);
      block_ends_stream_ = (flags & kEndStream) != 0;
      block_open_ = (flags & kEndHeaders) == 0;
      return block_open_ ? Step::kPending : HeaderBlockDone();
    case kContinuation:
      if (!block_open_) return RpcFailed(kInternal, "connection error: unexpected CONTINUATION");
      block_.append(reinterpret_cast<const char*>(p), n);
      block_open_ = (flags & kEndHeaders) == 0;
      return block_open_ ? Step::kPending : HeaderBlockDone();
    case kRstStream: {
      const uint32_t code = length >= 4 ? Read32(payload) : 0;
      const int grpc = code == 7 ? kUnavailable : code == 8 ? 1 : kInternal;
      const std::string name =
          code < kH2ErrorNames.size() ? kH2ErrorNames[code] : "unknown error code 0x" + [&] {
            char buf[16];
            std::snprintf(buf, sizeof buf, "%x", code);
            return std::string(buf);
          }();
      return RpcFailed(grpc, "stream terminated by RST_STREAM with error code: " + name);
    }
    default:
      return Step::kPending;
  }
}

GrpcRun::Step GrpcRun::HeaderBlockDone() {
  std::vector<HeaderField> fields;
  if (!decoder_.Decode(reinterpret_cast<const uint8_t*>(block_.data()), block_.size(), &fields)) {
    return RpcFailed(kInternal, "connection error: header compression error");
  }
  block_.clear();
  const bool first = !headers_seen_;
  headers_seen_ = true;
  for (const HeaderField& f : fields) {
    if (first && f.first == ":status") {
      http_status_ = -2;
      if (f.second.size() == 3 && std::isdigit(static_cast<unsigned char>(f.second[0])) &&
          std::isdigit(static_cast<unsigned char>(f.second[1])) && std::isdigit(static_cast<unsigned char>(f.second[2]))) {
        http_status_ = std::stoi(f.second);
      }
    } else if (first && f.first == "content-type") {
      has_content_type_ = true;
      content_type_ = f.second;
    } else if (f.first == "grpc-status") {
      has_grpc_status_ = true;
      grpc_status_ = f.second;
    } else if (f.first == "grpc-message") {
      grpc_message_ = f.second;
    }
  }
  if (first) {
    // Headers that are not a gRPC answer end the call at once (grpc-go does the same).
    const bool grpc = has_content_type_ && IsGrpcContentType(content_type_);
    if (!grpc || http_status_ != 200) {
      std::vector<std::string> errs;
      int code = kInternal;
      if (http_status_ == -1) {
        errs.emplace_back("malformed header: missing HTTP status");
      } else {
        code = GrpcCodeOfHttp(http_status_);
        if (http_status_ != 200) {
          errs.push_back("unexpected HTTP status code received from server: " + std::to_string(http_status_) + " (" +
                         HttpStatusText(http_status_) + ")");
        }
      }
      if (!has_content_type_) {
        errs.emplace_back("malformed header: missing HTTP content-type");
      } else if (!grpc) {
        errs.push_back("transport: received unexpected content-type " + Quote(content_type_));
      }
      std::string message;
      for (const std::string& e : errs) message += (message.empty() ? "" : "; ") + e;
      return RpcFailed(code, message);
    }
  }
  return block_ends_stream_ ? Finish() : Step::kPending;
}

GrpcRun::Step GrpcRun::Finish() {
  if (!has_grpc_status_) return RpcFailed(kInternal, "server closed the stream without sending trailers");
  bool digits = !grpc_status_.empty() && grpc_status_.size() < 10;
  for (const char c : grpc_status_) digits = digits && std::isdigit(static_cast<unsigned char>(c));
  const int code = digits ? std::stoi(grpc_status_) : kUnknown;
  if (code != 0) return RpcFailed(code, PercentDecode(grpc_message_));
  if (body_.size() < 5) {
    return RpcFailed(kInternal, "cardinality violation: received no response message from non-server-streaming RPC");
  }
  if (body_[0] != 0) return RpcFailed(kInternal, "grpc: compressed flag set with identity or empty encoding");
  const uint32_t length = Read32(reinterpret_cast<const uint8_t*>(body_.data()) + 1);
  uint32_t status = 0;
  if (body_.size() - 5 < length || !ServingStatusOf(body_.substr(5, length), &status)) {
    return RpcFailed(kInternal, "grpc: failed to unmarshal the received message");
  }
  if (status == 1) return Succeed("service healthy");
  const std::string name = status < kServingStatusNames.size() ? kServingStatusNames[status] : std::to_string(status);
  return Fail("service unhealthy (responded with " + Quote(name) + ")");
}

}  // namespace skiff
