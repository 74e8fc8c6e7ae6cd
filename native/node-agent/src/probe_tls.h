// TLS for httpGet probes with scheme HTTPS: a client session over a connected non-blocking socket through the
// OpenSSL that Node itself carries (its headers ship with Node's, the node binary exports the symbols). Like
// upstream's prober, the server's certificate is not verified; no SNI is sent for the IP-literal hosts. No JS.
#ifndef SKIFF_NODE_AGENT_PROBE_TLS_H_
#define SKIFF_NODE_AGENT_PROBE_TLS_H_

#include <cstddef>
#include <string>

typedef struct ssl_st SSL;

namespace skiff {

class TlsClient {
 public:
  // kWantRead/kWantWrite: call again when the socket is readable/writable.
  enum class Io { kOk, kWantRead, kWantWrite, kEof, kError };
  TlsClient() = default;
  ~TlsClient();
  TlsClient(const TlsClient&) = delete;
  TlsClient& operator=(const TlsClient&) = delete;

  // Starts a session on `fd` (TLS 1.2 at least). False (error() set) when OpenSSL cannot make one.
  bool Attach(int fd);
  Io Handshake();
  Io Write(const char* data, size_t size, size_t* written);
  Io Read(char* buf, size_t size, size_t* read);
  // The failure's text for kError: `http: server gave HTTP response to HTTPS client` when the server answered
  // in plain text, `tls: <OpenSSL's reason>` otherwise.
  const std::string& error() const { return error_; }

 private:
  Io Result(int ret);

  SSL* ssl_ = nullptr;
  std::string error_;
};

}  // namespace skiff

#endif  // SKIFF_NODE_AGENT_PROBE_TLS_H_
