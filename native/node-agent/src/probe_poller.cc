// JS binding of the probe poller. See probe_poller.h and index.d.ts.
#include "probe_poller.h"

#include <cmath>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "probe_net.h"

namespace skiff {

namespace {

// The loop's wake-up grid unless the options say otherwise (see ProbeLoop).
constexpr int64_t kDefaultTickMs = 10;

std::string IdArg(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(info.Env(), "id must be a string");
  return info[0].As<Napi::String>().Utf8Value();
}

int64_t MsProperty(Napi::Env env, const Napi::Object& obj, const char* name, bool positive) {
  Napi::Value v = obj.Get(name);
  const double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : NAN;
  if (!std::isfinite(d) || d < 0 || (positive && d <= 0)) {
    throw Napi::TypeError::New(env, std::string("spec.") + name + (positive ? " must be a positive number" : " must be a number >= 0"));
  }
  return static_cast<int64_t>(d);
}

std::string StringProperty(Napi::Env env, const Napi::Object& obj, const char* name) {
  Napi::Value v = obj.Get(name);
  if (!v.IsString()) throw Napi::TypeError::New(env, std::string("spec.") + name + " must be a string");
  return v.As<Napi::String>().Utf8Value();
}

std::vector<std::string> StringArray(Napi::Env env, const Napi::Object& obj, const char* name) {
  Napi::Value v = obj.Get(name);
  if (!v.IsArray()) throw Napi::TypeError::New(env, std::string("spec.") + name + " must be an array of strings");
  Napi::Array arr = v.As<Napi::Array>();
  std::vector<std::string> out;
  out.reserve(arr.Length());
  for (uint32_t i = 0; i < arr.Length(); ++i) {
    Napi::Value item = arr.Get(i);
    if (!item.IsString()) throw Napi::TypeError::New(env, std::string("spec.") + name + " must be an array of strings");
    out.push_back(item.As<Napi::String>().Utf8Value());
  }
  return out;
}

// Copies and validates a JS ProbeSpec.
ProbeSpecC SpecFromJs(Napi::Env env, const Napi::Value& value) {
  if (!value.IsObject()) throw Napi::TypeError::New(env, "spec must be a ProbeSpec object");
  Napi::Object obj = value.As<Napi::Object>();
  ProbeSpecC spec;
  spec.initial_delay_ms = MsProperty(env, obj, "initialDelayMs", false);
  spec.period_ms = MsProperty(env, obj, "periodMs", true);
  spec.timeout_ms = MsProperty(env, obj, "timeoutMs", true);
  const std::string kind = StringProperty(env, obj, "kind");
  if (kind == "exec") {
    spec.kind = ProbeKind::kExec;
    spec.argv = StringArray(env, obj, "argv");
    if (spec.argv.empty() || spec.argv[0].empty()) throw Napi::TypeError::New(env, "spec.argv must not be empty");
    spec.cgroup_procs = StringArray(env, obj, "cgroupProcs");
    Napi::Value envValue = obj.Get("env");
    if (!envValue.IsObject()) throw Napi::TypeError::New(env, "spec.env must be an object of strings");
    Napi::Object envObj = envValue.As<Napi::Object>();
    Napi::Array names = envObj.GetPropertyNames();
    for (uint32_t i = 0; i < names.Length(); ++i) {
      const std::string name = names.Get(i).As<Napi::String>().Utf8Value();
      Napi::Value val = envObj.Get(name);
      if (!val.IsString()) throw Napi::TypeError::New(env, "spec.env must be an object of strings");
      const std::string text = val.As<Napi::String>().Utf8Value();
      if (name == "PATH") spec.path_env = text;
      spec.env.push_back(name + "=" + text);
    }
  } else if (kind == "http" || kind == "tcp" || kind == "grpc") {
    spec.kind = kind == "http" ? ProbeKind::kHttp : kind == "tcp" ? ProbeKind::kTcp : ProbeKind::kGrpc;
    spec.host = StringProperty(env, obj, "host");
    Napi::Value port = obj.Get("port");
    spec.port = port.IsNumber() ? port.As<Napi::Number>().Int32Value() : 0;
    if (!ResolveProbeAddress(spec.host, spec.port, &spec)) {
      throw Napi::TypeError::New(env, "spec.host must be an IP literal and spec.port 1-65535");
    }
    if (spec.kind == ProbeKind::kHttp) {
      spec.path = StringProperty(env, obj, "path");
      Napi::Value scheme = obj.Get("scheme");
      if (!scheme.IsUndefined()) {
        const std::string text = scheme.IsString() ? scheme.As<Napi::String>().Utf8Value() : std::string();
        if (text != "HTTP" && text != "HTTPS") throw Napi::TypeError::New(env, "spec.scheme must be HTTP or HTTPS");
        spec.https = text == "HTTPS";
      }
      if (spec.path.empty() || spec.path[0] != '/') throw Napi::TypeError::New(env, "spec.path must start with '/'");
      Napi::Value headers = obj.Get("headers");
      if (!headers.IsArray()) throw Napi::TypeError::New(env, "spec.headers must be an array");
      Napi::Array arr = headers.As<Napi::Array>();
      for (uint32_t i = 0; i < arr.Length(); ++i) {
        Napi::Value h = arr.Get(i);
        if (!h.IsObject()) throw Napi::TypeError::New(env, "spec.headers must hold {name, value} objects");
        Napi::Object ho = h.As<Napi::Object>();
        spec.headers.emplace_back(StringProperty(env, ho, "name"), StringProperty(env, ho, "value"));
      }
      spec.http_request = BuildHttpRequest(spec);
    }
    if (spec.kind == ProbeKind::kGrpc) {
      if (!obj.Get("service").IsString()) throw Napi::TypeError::New(env, "spec.service must be a string");
      spec.service = StringProperty(env, obj, "service");
    }
  } else {
    throw Napi::TypeError::New(env, "spec.kind must be exec, http, tcp or grpc");
  }
  return spec;
}

CgroupPathsSpec CgroupPathsFromJs(Napi::Env env, const Napi::Value& value) {
  if (!value.IsObject()) throw Napi::TypeError::New(env, "paths must be a CgroupPaths object");
  Napi::Object obj = value.As<Napi::Object>();
  Napi::Value version = obj.Get("version");
  const double ver = version.IsNumber() ? version.As<Napi::Number>().DoubleValue() : 0;
  CgroupPathsSpec spec;
  auto str = [&](const char* name) {
    Napi::Value v = obj.Get(name);
    if (!v.IsString()) throw Napi::TypeError::New(env, std::string("paths.") + name + " must be a string");
    return v.As<Napi::String>().Utf8Value();
  };
  if (ver == 1) {
    spec.version = 1;
    spec.cpuacct_dir = str("cpuacctDir");
    spec.memory_dir = str("memoryDir");
  } else if (ver == 2) {
    spec.version = 2;
    spec.dir = str("dir");
  } else {
    throw Napi::TypeError::New(env, "paths.version must be 1 or 2");
  }
  return spec;
}

// The batch as columns (see PollerColumns in index.d.ts): a few JS values per batch instead of objects per
// row. A row's id is named by its slot in `names` (the JS array of the strings given to set() and
// watchCgroup()), so no string is created, looked up or stored per row; only a row whose slot no longer
// holds its id (removed or replaced while the batch was on the way) gets its id as a new string, in the
// holey `probeIds`/`statIds` arrays, with the slot kNoNameSlot. Outputs are set only where non-empty.
Napi::Object BatchToJs(Napi::Env env, const PollerBatchC& batch, const JsNames& names) {
  const size_t np = batch.probes.size();
  Napi::Uint32Array probe_slots = Napi::Uint32Array::New(env, np);
  Napi::Array probe_ids = Napi::Array::New(env, 0);
  Napi::Array probe_outputs = Napi::Array::New(env, 0);
  Napi::Uint8Array probe_ok = Napi::Uint8Array::New(env, np);
  Napi::Float64Array probe_ms = Napi::Float64Array::New(env, np);
  for (size_t i = 0; i < np; ++i) {
    const ProbeResultC& r = batch.probes[i];
    const uint32_t at = static_cast<uint32_t>(i);
    if (names.Holds(r.name_slot, r.id)) {
      probe_slots[i] = r.name_slot;
    } else {
      probe_slots[i] = kNoNameSlot;
      probe_ids.Set(at, Napi::String::New(env, r.id));
    }
    if (!r.output.empty()) probe_outputs.Set(at, Napi::String::New(env, r.output));
    probe_ok[i] = r.success ? 1 : 0;
    probe_ms[i] = r.duration_ms;
  }
  const size_t ns = batch.stats.size();
  Napi::Uint32Array stat_slots = Napi::Uint32Array::New(env, ns);
  Napi::Array stat_ids = Napi::Array::New(env, 0);
  Napi::Float64Array stat_values = Napi::Float64Array::New(env, ns * 4);
  for (size_t i = 0; i < ns; ++i) {
    const StatRowC& row = batch.stats[i];
    if (names.Holds(row.name_slot, row.id)) {
      stat_slots[i] = row.name_slot;
    } else {
      stat_slots[i] = kNoNameSlot;
      stat_ids.Set(static_cast<uint32_t>(i), Napi::String::New(env, row.id));
    }
    const CgroupStatsValues& v = row.values;
    stat_values[i * 4] = static_cast<double>(v.cpu_usage_nanos);
    stat_values[i * 4 + 1] = static_cast<double>(v.memory_usage_bytes);
    stat_values[i * 4 + 2] = static_cast<double>(v.memory_working_set_bytes);
    stat_values[i * 4 + 3] = static_cast<double>(v.oom_kills);
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("names", names.Table(env));
  out.Set("probeSlots", probe_slots);
  out.Set("probeIds", probe_ids);
  out.Set("probeOk", probe_ok);
  out.Set("probeDurationMs", probe_ms);
  out.Set("probeOutputs", probe_outputs);
  out.Set("statSlots", stat_slots);
  out.Set("statIds", stat_ids);
  out.Set("statValues", stat_values);
  return out;
}

}  // namespace

void ProbePoller::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function ctor = DefineClass(env, "ProbePoller",
                                    {
                                        InstanceMethod("set", &ProbePoller::Set),
                                        InstanceMethod("remove", &ProbePoller::Remove),
                                        InstanceMethod("watchCgroup", &ProbePoller::WatchCgroup),
                                        InstanceMethod("unwatchCgroup", &ProbePoller::UnwatchCgroup),
                                        InstanceMethod("close", &ProbePoller::Close),
                                        InstanceAccessor("size", &ProbePoller::GetSize, nullptr),
                                    });
  exports.Set("ProbePoller", ctor);
}

ProbePoller::ProbePoller(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ProbePoller>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsFunction()) throw Napi::TypeError::New(env, "onResults must be a function");
  int64_t stats_interval_ms = 0;
  int64_t batch_window_ms = 20;
  int64_t tick_ms = kDefaultTickMs;
  if (info.Length() >= 2 && info[1].IsObject()) {
    Napi::Object opts = info[1].As<Napi::Object>();
    if (!opts.Get("statsIntervalMs").IsUndefined()) stats_interval_ms = MsProperty(env, opts, "statsIntervalMs", false);
    if (!opts.Get("batchWindowMs").IsUndefined()) batch_window_ms = MsProperty(env, opts, "batchWindowMs", false);
    if (!opts.Get("tickMs").IsUndefined()) tick_ms = MsProperty(env, opts, "tickMs", false);
  }
  tsfn_ = Napi::ThreadSafeFunction::New(env, info[0].As<Napi::Function>(), "skiff-probe-poller", 0, 1);
  std::shared_ptr<std::atomic<bool>> closed = closed_;
  std::shared_ptr<JsNames> names = names_;
  Napi::ThreadSafeFunction tsfn = tsfn_;
  loop_ = std::make_unique<ProbeLoop>(
      [tsfn, closed, names](std::unique_ptr<PollerBatchC> batch) mutable {
        PollerBatchC* data = batch.release();
        const napi_status status = tsfn.NonBlockingCall(data, [closed, names](Napi::Env js, Napi::Function fn, PollerBatchC* b) {
          std::unique_ptr<PollerBatchC> owned(b);
          if (closed->load() || js == nullptr) return;
          fn.Call({BatchToJs(js, *owned, *names)});
        });
        if (status != napi_ok) delete data;  // closing: the batch is dropped
      },
      stats_interval_ms, batch_window_ms, tick_ms);
  std::string error;
  if (!loop_->Start(&error)) {
    tsfn_.Release();
    throw Napi::Error::New(env, error);
  }
  env_ = env;
  napi_add_env_cleanup_hook(env_, &ProbePoller::OnEnvCleanup, this);
}

ProbePoller::~ProbePoller() { Shutdown(); }

void ProbePoller::OnEnvCleanup(void* self) { static_cast<ProbePoller*>(self)->Shutdown(); }

void ProbePoller::Shutdown() {
  if (closed_->exchange(true)) return;
  loop_->Stop();  // joins the thread: no delivery is queued after this
  tsfn_.Release();
  ids_.clear();
  names_->Clear();
  napi_remove_env_cleanup_hook(env_, &ProbePoller::OnEnvCleanup, this);
}

void ProbePoller::ThrowIfClosed(Napi::Env env) const {
  if (closed_->load()) throw Napi::Error::New(env, "ProbePoller is closed");
}

Napi::Value ProbePoller::Set(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ThrowIfClosed(env);
  const std::string id = IdArg(info);
  const ProbeSpecC spec = SpecFromJs(env, info.Length() > 1 ? info[1] : env.Undefined());
  ids_.insert(id);
  const uint32_t slot = names_->Keep(env, id, info[0]);
  loop_->Set(id, spec, slot);
  return env.Undefined();
}

Napi::Value ProbePoller::Remove(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ThrowIfClosed(env);
  const std::string id = IdArg(info);
  if (ids_.erase(id) > 0) {
    loop_->Remove(id);
    if (cgroup_ids_.count(id) == 0) names_->Drop(id);
  }
  return env.Undefined();
}

Napi::Value ProbePoller::WatchCgroup(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ThrowIfClosed(env);
  const std::string id = IdArg(info);
  const CgroupPathsSpec paths = CgroupPathsFromJs(env, info.Length() > 1 ? info[1] : env.Undefined());
  CgroupFiles files;
  if (!CgroupFiles::Open(paths, &files)) return Napi::Boolean::New(env, false);
  cgroup_ids_.insert(id);
  const uint32_t slot = names_->Keep(env, id, info[0]);
  loop_->WatchCgroup(id, std::move(files), slot);
  return Napi::Boolean::New(env, true);
}

Napi::Value ProbePoller::UnwatchCgroup(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ThrowIfClosed(env);
  const std::string id = IdArg(info);
  if (cgroup_ids_.erase(id) > 0 && ids_.count(id) == 0) names_->Drop(id);
  loop_->UnwatchCgroup(id);
  return env.Undefined();
}

Napi::Value ProbePoller::Close(const Napi::CallbackInfo& info) {
  Shutdown();
  return info.Env().Undefined();
}

Napi::Value ProbePoller::GetSize(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(ids_.size()));
}

}  // namespace skiff
