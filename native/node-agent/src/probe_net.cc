// tcpSocket and httpGet probes, and the socket run every network probe builds on. See probe_net.h and the contract's messages.
#include "probe_net.h"

#include "probe_grpc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cstring>
#include <string>

namespace skiff {

namespace {

constexpr const char* kUserAgent = "kube-probe/1.32";
// The status line must arrive within this many bytes.
constexpr size_t kMaxStatusLine = 8192;

bool IsV6(const ProbeSpecC& spec) { return spec.addr.ss_family == AF_INET6; }

bool HasHeader(const ProbeSpecC& spec, const char* name) {
  for (const auto& h : spec.headers) {
    if (h.first.size() == std::strlen(name) && ::strncasecmp(h.first.c_str(), name, h.first.size()) == 0) return true;
  }
  return false;
}

}  // namespace

bool ResolveProbeAddress(const std::string& host, int port, ProbeSpecC* spec) {
  if (port <= 0 || port > 65535) return false;
  std::memset(&spec->addr, 0, sizeof spec->addr);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&spec->addr);
  if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    spec->addr_len = sizeof(sockaddr_in);
    return true;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&spec->addr);
  if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    spec->addr_len = sizeof(sockaddr_in6);
    return true;
  }
  return false;
}

std::string HostPort(const ProbeSpecC& spec) {
  const std::string host = IsV6(spec) ? "[" + spec.host + "]" : spec.host;
  return host + ":" + std::to_string(spec.port);
}

std::string ProbeUrl(const ProbeSpecC& spec) { return (spec.https ? "https://" : "http://") + HostPort(spec) + spec.path; }

std::string GoErrnoText(int err) {
  switch (err) {
    case ECONNREFUSED:
      return "connection refused";
    case ECONNRESET:
      return "connection reset by peer";
    case EHOSTUNREACH:
      return "no route to host";
    case ENETUNREACH:
      return "network is unreachable";
    case ETIMEDOUT:
      return "connection timed out";
    case EADDRNOTAVAIL:
      return "cannot assign requested address";
    default: {
      std::string text = std::strerror(err);
      if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
      return text;
    }
  }
}

SocketRun::~SocketRun() {
  if (fd_ >= 0) ::close(fd_);
}

SocketRun::Step SocketRun::Fail(const std::string& message) {
  success_ = false;
  output_ = message;
  return Step::kDone;
}

SocketRun::Step SocketRun::Succeed(const std::string& message) {
  success_ = true;
  output_ = message;
  return Step::kDone;
}

SocketRun::Step SocketRun::Start() {
  fd_ = ::socket(spec_.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return Fail("socket: " + GoErrnoText(errno));
  int r;
  do {
    r = ::connect(fd_, reinterpret_cast<const sockaddr*>(&spec_.addr), spec_.addr_len);
  } while (r < 0 && errno == EINTR);
  if (r == 0) return AfterConnect();
  if (errno != EINPROGRESS) return ConnectFailed(errno);
  // A local peer (the usual probe target) has often completed the handshake inside the first call: asking
  // again costs one system call and, when it has, saves the epoll registration and the wait for writability.
  do {
    r = ::connect(fd_, reinterpret_cast<const sockaddr*>(&spec_.addr), spec_.addr_len);
  } while (r < 0 && errno == EINTR);
  if (r == 0 || errno == EISCONN) return AfterConnect();
  if (errno == EALREADY || errno == EINPROGRESS) return Step::kPending;
  return ConnectFailed(errno);
}

SocketRun::Step SocketRun::FinishConnect() {
  int err = 0;
  socklen_t len = sizeof err;
  if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  if (err != 0) return ConnectFailed(err);
  return AfterConnect();
}

unsigned NetRun::events() const {
  if (tls_events_ != 0) return tls_events_;
  return phase_ == Phase::kReceiving ? EPOLLIN : EPOLLOUT;
}

NetRun::Step NetRun::Want(TlsClient::Io io) {
  tls_events_ = io == TlsClient::Io::kWantRead ? EPOLLIN : EPOLLOUT;
  return Step::kPending;
}

NetRun::Step NetRun::ConnectFailed(int err) {
  const std::string dial = "dial tcp " + HostPort(spec_) + ": connect: " + GoErrnoText(err);
  return Fail(spec_.kind == ProbeKind::kHttp ? "Get \"" + ProbeUrl(spec_) + "\": " + dial : dial);
}

NetRun::Step NetRun::OnReady() {
  switch (phase_) {
    case Phase::kConnecting:
      return FinishConnect();
    case Phase::kHandshaking:
      return Handshake();
    case Phase::kSending:
      return Send();
    case Phase::kReceiving:
      return Receive();
  }
  return Step::kPending;
}

void NetRun::OnTimeout() {
  if (spec_.kind == ProbeKind::kTcp) {
    Fail("dial tcp " + HostPort(spec_) + ": i/o timeout");
  } else {
    Fail("Get \"" + ProbeUrl(spec_) + "\": context deadline exceeded");
  }
}

NetRun::Step NetRun::AfterConnect() {
  if (spec_.kind == ProbeKind::kTcp) return Succeed();
  if (!spec_.https) return StartRequest();
  tls_ = std::make_unique<TlsClient>();
  if (!tls_->Attach(fd_)) return Fail("Get \"" + ProbeUrl(spec_) + "\": " + tls_->error());
  phase_ = Phase::kHandshaking;
  return Handshake();
}

NetRun::Step NetRun::Handshake() {
  tls_events_ = 0;
  const TlsClient::Io io = tls_->Handshake();
  switch (io) {
    case TlsClient::Io::kOk:
      return StartRequest();
    case TlsClient::Io::kWantRead:
    case TlsClient::Io::kWantWrite:
      return Want(io);
    case TlsClient::Io::kEof:
      return Fail("Get \"" + ProbeUrl(spec_) + "\": EOF");
    case TlsClient::Io::kError:
      break;
  }
  return Fail("Get \"" + ProbeUrl(spec_) + "\": " + tls_->error());
}

std::string BuildHttpRequest(const ProbeSpecC& spec) {
  std::string request = "GET " + spec.path + " HTTP/1.1\r\n";
  if (!HasHeader(spec, "host")) request += "Host: " + HostPort(spec) + "\r\n";
  if (!HasHeader(spec, "user-agent")) request += std::string("User-Agent: ") + kUserAgent + "\r\n";
  if (!HasHeader(spec, "accept")) request += "Accept: */*\r\n";
  for (const auto& h : spec.headers) request += h.first + ": " + h.second + "\r\n";
  request += "Connection: close\r\n\r\n";
  return request;
}

NetRun::Step NetRun::StartRequest() {
  request_ = &spec_.http_request;
  phase_ = Phase::kSending;
  return Send();
}

NetRun::Step NetRun::Send() {
  tls_events_ = 0;
  const std::string& request = *request_;
  while (sent_ < request.size()) {
    if (tls_ != nullptr) {
      size_t n = 0;
      const TlsClient::Io io = tls_->Write(request.data() + sent_, request.size() - sent_, &n);
      if (io == TlsClient::Io::kOk) {
        sent_ += n;
        continue;
      }
      if (io == TlsClient::Io::kWantRead || io == TlsClient::Io::kWantWrite) return Want(io);
      return Fail("Get \"" + ProbeUrl(spec_) + "\": " + (io == TlsClient::Io::kEof ? std::string("EOF") : tls_->error()));
    }
    const ssize_t n = ::send(fd_, request.data() + sent_, request.size() - sent_, MSG_NOSIGNAL);
    if (n > 0) {
      sent_ += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return Step::kPending;
    return Fail("Get \"" + ProbeUrl(spec_) + "\": " + GoErrnoText(errno));
  }
  phase_ = Phase::kReceiving;
  return Receive();
}

NetRun::Step NetRun::Receive() {
  tls_events_ = 0;
  char buf[4096];
  for (;;) {
    size_t got = 0;
    if (tls_ != nullptr) {
      const TlsClient::Io io = tls_->Read(buf, sizeof buf, &got);
      if (io == TlsClient::Io::kWantRead || io == TlsClient::Io::kWantWrite) return Want(io);
      if (io == TlsClient::Io::kEof) return Fail("Get \"" + ProbeUrl(spec_) + "\": EOF");
      if (io == TlsClient::Io::kError) return Fail("Get \"" + ProbeUrl(spec_) + "\": " + tls_->error());
    } else {
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return Step::kPending;
      if (n < 0) return Fail("Get \"" + ProbeUrl(spec_) + "\": read: " + GoErrnoText(errno));
      if (n == 0) return Fail("Get \"" + ProbeUrl(spec_) + "\": EOF");
      got = static_cast<size_t>(n);
    }
    // The status line usually arrives whole in the first read: it is parsed from `buf` then, with no copy.
    if (!response_.empty()) response_.append(buf, got);
    const char* data = response_.empty() ? buf : response_.data();
    const size_t len = response_.empty() ? got : response_.size();
    const char* crlf = static_cast<const char*>(::memmem(data, len, "\r\n", 2));
    if (crlf == nullptr) {
      if (response_.empty()) response_.assign(buf, got);
      if (response_.size() > kMaxStatusLine) return Fail("Get \"" + ProbeUrl(spec_) + "\": malformed HTTP response");
      continue;
    }
    // "HTTP/1.x NNN reason"
    const size_t eol = static_cast<size_t>(crlf - data);
    const char* space = static_cast<const char*>(std::memchr(data, ' ', len));
    const size_t sp = space == nullptr ? len : static_cast<size_t>(space - data);
    if (len < 5 || std::memcmp(data, "HTTP/", 5) != 0 || space == nullptr || sp + 4 > eol ||
        !std::isdigit(static_cast<unsigned char>(data[sp + 1])) ||
        !std::isdigit(static_cast<unsigned char>(data[sp + 2])) ||
        !std::isdigit(static_cast<unsigned char>(data[sp + 3]))) {
      return Fail("Get \"" + ProbeUrl(spec_) + "\": malformed HTTP response");
    }
    const int code = (data[sp + 1] - '0') * 100 + (data[sp + 2] - '0') * 10 + (data[sp + 3] - '0');
    if (code >= 200 && code < 400) return Succeed();
    return Fail("HTTP probe failed with statuscode: " + std::to_string(code));
  }
}

std::unique_ptr<SocketRun> MakeSocketRun(const ProbeSpecC& spec) {
  if (spec.kind == ProbeKind::kGrpc) return std::make_unique<GrpcRun>(spec);
  return std::make_unique<NetRun>(spec);
}

}  // namespace skiff
