#include "subreaper.h"

#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace skiff {
namespace {

Napi::Error ErrnoError(Napi::Env env, const char* call, int err) {
  return Napi::Error::New(env, std::string(call) + ": " + std::strerror(err));
}

// setChildSubreaper(on: boolean): void
Napi::Value SetChildSubreaper(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsBoolean()) throw Napi::TypeError::New(env, "setChildSubreaper(on: boolean)");
  const unsigned long on = info[0].As<Napi::Boolean>().Value() ? 1 : 0;
  if (::prctl(PR_SET_CHILD_SUBREAPER, on, 0, 0, 0) != 0) throw ErrnoError(env, "prctl(PR_SET_CHILD_SUBREAPER)", errno);
  return env.Undefined();
}

// isChildSubreaper(): boolean
Napi::Value IsChildSubreaper(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int value = 0;
  if (::prctl(PR_GET_CHILD_SUBREAPER, &value, 0, 0, 0) != 0) throw ErrnoError(env, "prctl(PR_GET_CHILD_SUBREAPER)", errno);
  return Napi::Boolean::New(env, value != 0);
}

// reapChild(pid: number): number | null — waitpid(pid, WNOHANG): the raw wait
// status when the child had exited (it is reaped now), null when it has not
// exited yet or is not a child of this process (ECHILD).
Napi::Value ReapChild(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsNumber()) throw Napi::TypeError::New(env, "reapChild(pid: number)");
  const double raw = info[0].As<Napi::Number>().DoubleValue();
  if (!(raw >= 1 && raw <= 4194304) || raw != static_cast<double>(static_cast<pid_t>(raw))) {
    throw Napi::TypeError::New(env, "reapChild: pid must be a positive integer");
  }
  int status = 0;
  pid_t got;
  do {
    got = ::waitpid(static_cast<pid_t>(raw), &status, WNOHANG);
  } while (got < 0 && errno == EINTR);
  if (got <= 0) {
    if (got < 0 && errno != ECHILD) throw ErrnoError(env, "waitpid", errno);
    return env.Null();
  }
  return Napi::Number::New(env, status);
}

}  // namespace

void InitSubreaper(Napi::Env env, Napi::Object exports) {
  exports.Set("setChildSubreaper", Napi::Function::New(env, SetChildSubreaper, "setChildSubreaper"));
  exports.Set("isChildSubreaper", Napi::Function::New(env, IsChildSubreaper, "isChildSubreaper"));
  exports.Set("reapChild", Napi::Function::New(env, ReapChild, "reapChild"));
}

}  // namespace skiff
