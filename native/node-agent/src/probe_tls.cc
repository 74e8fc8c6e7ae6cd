// TLS client sessions for HTTPS probes. See probe_tls.h.
#include "probe_tls.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

namespace skiff {

namespace {

// One context for every session: no verification, TLS 1.2 or newer (Go's client default).
SSL_CTX* Context() {
  static SSL_CTX* const ctx = [] {
    SSL_CTX* c = SSL_CTX_new(TLS_client_method());
    if (c != nullptr) {
      SSL_CTX_set_verify(c, SSL_VERIFY_NONE, nullptr);
      SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
    }
    return c;
  }();
  return ctx;
}

}  // namespace

TlsClient::~TlsClient() {
  if (ssl_ != nullptr) SSL_free(ssl_);
}

bool TlsClient::Attach(int fd) {
  SSL_CTX* ctx = Context();
  ssl_ = ctx == nullptr ? nullptr : SSL_new(ctx);
  if (ssl_ == nullptr || SSL_set_fd(ssl_, fd) != 1) {
    error_ = "tls: cannot create a session";
    return false;
  }
  SSL_set_connect_state(ssl_);
  return true;
}

TlsClient::Io TlsClient::Result(int ret) {
  if (ret > 0) return Io::kOk;
  const int err = SSL_get_error(ssl_, ret);
  switch (err) {
    case SSL_ERROR_WANT_READ:
      return Io::kWantRead;
    case SSL_ERROR_WANT_WRITE:
      return Io::kWantWrite;
    case SSL_ERROR_ZERO_RETURN:
    case SSL_ERROR_SYSCALL:
      // The peer closed or reset the connection (Go's net/http says EOF for both mid-exchange).
      ERR_clear_error();
      return Io::kEof;
    default: {
      const unsigned long code = ERR_peek_error();
      const char* reason = ERR_reason_error_string(code);
      // A plain-text answer to the ClientHello reads as a record of a wrong version.
      if (ERR_GET_REASON(code) == SSL_R_WRONG_VERSION_NUMBER) {
        error_ = "http: server gave HTTP response to HTTPS client";
      } else {
        error_ = std::string("tls: ") + (reason != nullptr ? reason : "handshake failure");
      }
      ERR_clear_error();
      return Io::kError;
    }
  }
}

TlsClient::Io TlsClient::Handshake() {
  ERR_clear_error();
  return Result(SSL_do_handshake(ssl_));
}

TlsClient::Io TlsClient::Write(const char* data, size_t size, size_t* written) {
  ERR_clear_error();
  const int n = SSL_write(ssl_, data, static_cast<int>(size));
  *written = n > 0 ? static_cast<size_t>(n) : 0;
  return Result(n);
}

TlsClient::Io TlsClient::Read(char* buf, size_t size, size_t* read) {
  ERR_clear_error();
  const int n = SSL_read(ssl_, buf, static_cast<int>(size));
  *read = n > 0 ? static_cast<size_t>(n) : 0;
  return Result(n);
}

}  // namespace skiff
