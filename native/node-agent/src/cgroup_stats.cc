// Cgroup statistics reader. See cgroup_stats.h for the layering and
// index.d.ts for the JS contract.
#include "cgroup_stats.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace skiff {

namespace {

// Big enough for memory.stat on current kernels (~1.5 KiB v1, ~2 KiB v2), so
// a read is normally a single pread. Grown on demand up to kMaxReadSize.
constexpr size_t kInitialReadSize = 8192;
constexpr size_t kMaxReadSize = 1 << 20;

void CloseFd(int* fd) {
  if (*fd >= 0) {
    ::close(*fd);  // never retried on EINTR: the fd is released regardless on Linux
    *fd = -1;
  }
}

int OpenInDir(const std::string& dir, const char* name) {
  if (dir.empty()) return -1;
  std::string path = dir;
  if (path.back() != '/') path.push_back('/');
  path += name;
  int fd;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  return fd;
}

// Reads the whole file from offset 0 into *buf. Returns the number of bytes
// read, or -1 on error (e.g. ENODEV once the cgroup has been removed). A short
// read means the whole content was delivered (cgroupfs renders a seq_file in
// one go); a full buffer is retried from offset 0 with a bigger buffer.
ssize_t ReadWhole(int fd, std::vector<char>* buf) {
  if (buf->size() < kInitialReadSize) buf->resize(kInitialReadSize);
  for (;;) {
    ssize_t n;
    do {
      n = ::pread(fd, buf->data(), buf->size(), 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return -1;
    if (static_cast<size_t>(n) < buf->size()) return n;
    if (buf->size() >= kMaxReadSize) return -1;
    buf->resize(buf->size() * 2);
  }
}

inline bool IsBlank(char c) { return c == ' ' || c == '\t'; }
inline bool IsSpace(char c) { return IsBlank(c) || c == '\n' || c == '\r'; }

// Parses an unsigned decimal at *p. Requires at least one digit and rejects
// values that overflow uint64. Advances *p past the digits on success.
bool ParseDigits(const char** p, const char* end, uint64_t* out) {
  const char* s = *p;
  const char* start = s;
  uint64_t v = 0;
  while (s < end && *s >= '0' && *s <= '9') {
    const uint64_t d = static_cast<uint64_t>(*s - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
    ++s;
  }
  if (s == start) return false;
  *p = s;
  *out = v;
  return true;
}

// A file holding exactly one number, optionally surrounded by whitespace.
bool ParseSingleValue(const char* data, size_t len, uint64_t* out) {
  const char* p = data;
  const char* end = data + len;
  while (p < end && IsSpace(*p)) ++p;
  if (!ParseDigits(&p, end, out)) return false;
  while (p < end && IsSpace(*p)) ++p;
  return p == end;
}

enum class KeyResult { kFound, kAbsent, kMalformed };

// Finds the line `<key><blanks><number>` in a flat-keyed file (memory.stat,
// cpu.stat, memory.events, memory.oom_control). The key must match a whole
// word at the start of a line, so `inactive_file` does not match
// `total_inactive_file`.
KeyResult FindKeyedValue(const char* data, size_t len, const char* key, uint64_t* out) {
  const size_t key_len = std::strlen(key);
  const char* p = data;
  const char* end = data + len;
  while (p < end) {
    const char* eol = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
    if (eol == nullptr) eol = end;
    const size_t line_len = static_cast<size_t>(eol - p);
    if (line_len > key_len && std::memcmp(p, key, key_len) == 0 && IsBlank(p[key_len])) {
      const char* v = p + key_len;
      while (v < eol && IsBlank(*v)) ++v;
      if (!ParseDigits(&v, eol, out)) return KeyResult::kMalformed;
      while (v < eol && IsSpace(*v)) ++v;
      return v == eol ? KeyResult::kFound : KeyResult::kMalformed;
    }
    p = eol + 1;
  }
  return KeyResult::kAbsent;
}

// Looks up an optional key: absent means 0, malformed means failure.
bool OptionalKey(const char* data, size_t len, const char* key, uint64_t* out) {
  switch (FindKeyedValue(data, len, key, out)) {
    case KeyResult::kFound:
      return true;
    case KeyResult::kAbsent:
      *out = 0;
      return true;
    case KeyResult::kMalformed:
      return false;
  }
  return false;
}

}  // namespace

// ---------------------------------------------------------------------------
// CgroupFiles

CgroupFiles::~CgroupFiles() { Close(); }

CgroupFiles::CgroupFiles(CgroupFiles&& other) noexcept
    : version_(other.version_),
      cpu_fd_(other.cpu_fd_),
      mem_usage_fd_(other.mem_usage_fd_),
      mem_stat_fd_(other.mem_stat_fd_),
      oom_fd_(other.oom_fd_),
      oom_read_(other.oom_read_),
      oom_kills_(other.oom_kills_) {
  other.version_ = 0;
  other.cpu_fd_ = other.mem_usage_fd_ = other.mem_stat_fd_ = other.oom_fd_ = -1;
  other.oom_read_ = false;
}

CgroupFiles& CgroupFiles::operator=(CgroupFiles&& other) noexcept {
  if (this != &other) {
    Close();
    version_ = other.version_;
    cpu_fd_ = other.cpu_fd_;
    mem_usage_fd_ = other.mem_usage_fd_;
    mem_stat_fd_ = other.mem_stat_fd_;
    oom_fd_ = other.oom_fd_;
    oom_read_ = other.oom_read_;
    oom_kills_ = other.oom_kills_;
    other.version_ = 0;
    other.cpu_fd_ = other.mem_usage_fd_ = other.mem_stat_fd_ = other.oom_fd_ = -1;
    other.oom_read_ = false;
  }
  return *this;
}

void CgroupFiles::Close() {
  CloseFd(&cpu_fd_);
  CloseFd(&mem_usage_fd_);
  CloseFd(&mem_stat_fd_);
  CloseFd(&oom_fd_);
  version_ = 0;
  oom_read_ = false;
}

bool CgroupFiles::Open(const CgroupPathsSpec& paths, CgroupFiles* out) {
  CgroupFiles files;  // closes whatever was opened if we bail out
  files.version_ = paths.version;
  if (paths.version == 1) {
    files.cpu_fd_ = OpenInDir(paths.cpuacct_dir, "cpuacct.usage");
    if (files.cpu_fd_ < 0) return false;
    files.mem_usage_fd_ = OpenInDir(paths.memory_dir, "memory.usage_in_bytes");
    if (files.mem_usage_fd_ < 0) return false;
    files.mem_stat_fd_ = OpenInDir(paths.memory_dir, "memory.stat");
    if (files.mem_stat_fd_ < 0) return false;
    files.oom_fd_ = OpenInDir(paths.memory_dir, "memory.oom_control");
    if (files.oom_fd_ < 0) return false;
  } else if (paths.version == 2) {
    files.cpu_fd_ = OpenInDir(paths.dir, "cpu.stat");
    if (files.cpu_fd_ < 0) return false;
    files.mem_usage_fd_ = OpenInDir(paths.dir, "memory.current");
    if (files.mem_usage_fd_ < 0) return false;
    files.mem_stat_fd_ = OpenInDir(paths.dir, "memory.stat");
    if (files.mem_stat_fd_ < 0) return false;
    files.oom_fd_ = OpenInDir(paths.dir, "memory.events");
    if (files.oom_fd_ < 0) return false;
  } else {
    return false;
  }
  *out = std::move(files);
  return true;
}

bool CgroupFiles::Read(std::vector<char>* scratch, CgroupStatsValues* out, bool reread_oom) {
  if (version_ != 1 && version_ != 2) return false;
  CgroupStatsValues v;

  ssize_t n = ReadWhole(cpu_fd_, scratch);
  if (n < 0) return false;
  if (version_ == 1) {
    if (!ParseSingleValue(scratch->data(), static_cast<size_t>(n), &v.cpu_usage_nanos)) return false;
  } else {
    uint64_t usec = 0;
    if (FindKeyedValue(scratch->data(), static_cast<size_t>(n), "usage_usec", &usec) != KeyResult::kFound) {
      return false;
    }
    if (usec > UINT64_MAX / 1000) return false;
    v.cpu_usage_nanos = usec * 1000;
  }

  n = ReadWhole(mem_usage_fd_, scratch);
  if (n < 0) return false;
  if (!ParseSingleValue(scratch->data(), static_cast<size_t>(n), &v.memory_usage_bytes)) return false;

  n = ReadWhole(mem_stat_fd_, scratch);
  if (n < 0) return false;
  uint64_t inactive_file = 0;
  if (!OptionalKey(scratch->data(), static_cast<size_t>(n),
                   version_ == 1 ? "total_inactive_file" : "inactive_file", &inactive_file)) {
    return false;
  }
  v.memory_working_set_bytes =
      v.memory_usage_bytes > inactive_file ? v.memory_usage_bytes - inactive_file : 0;

  if (reread_oom || !oom_read_) {
    n = ReadWhole(oom_fd_, scratch);
    if (n < 0) return false;
    if (!OptionalKey(scratch->data(), static_cast<size_t>(n), "oom_kill", &oom_kills_)) return false;
    oom_read_ = true;
  }
  v.oom_kills = oom_kills_;

  *out = v;
  return true;
}

// ---------------------------------------------------------------------------
// NodeOomCounter

NodeOomCounter::~NodeOomCounter() { CloseFd(&fd_); }

bool NodeOomCounter::Read(std::vector<char>* scratch, uint64_t* out) {
  if (fd_ == -2) {
    do {
      fd_ = ::open("/proc/vmstat", O_RDONLY | O_CLOEXEC);
    } while (fd_ < 0 && errno == EINTR);
    if (fd_ < 0) fd_ = -1;
  }
  if (fd_ < 0) return false;
  const ssize_t n = ReadWhole(fd_, scratch);
  if (n < 0) return false;
  return FindKeyedValue(scratch->data(), static_cast<size_t>(n), "oom_kill", out) == KeyResult::kFound;
}

// ---------------------------------------------------------------------------
// CgroupTable

CgroupTable::CgroupTable() : scratch_(kInitialReadSize) {}

bool CgroupTable::Watch(const std::string& id, const CgroupPathsSpec& paths) {
  CgroupFiles files;
  if (!CgroupFiles::Open(paths, &files)) return false;
  Insert(id, std::move(files));
  return true;
}

void CgroupTable::Insert(const std::string& id, CgroupFiles files, uint32_t tag) {
  auto it = index_.find(id);
  if (it != index_.end()) {
    entries_[it->second].files = std::move(files);  // closes the old descriptors
    entries_[it->second].tag = tag;
    return;
  }
  entries_.push_back(Entry{id, std::move(files), tag});
  index_.emplace(id, entries_.size() - 1);
}

void CgroupTable::Unwatch(const std::string& id) {
  auto it = index_.find(id);
  if (it == index_.end()) return;
  const size_t pos = it->second;
  index_.erase(it);
  const size_t last = entries_.size() - 1;
  if (pos != last) {
    entries_[pos] = std::move(entries_[last]);
    index_[entries_[pos].id] = pos;
  }
  entries_.pop_back();  // destroys (closes) the removed entry's files
}

bool CgroupTable::Read(const std::string& id, CgroupStatsValues* out) {
  auto it = index_.find(id);
  if (it == index_.end()) return false;
  return entries_[it->second].files.Read(&scratch_, out);
}

void CgroupTable::ReadAll(std::vector<std::pair<size_t, CgroupStatsValues>>* out) {
  out->clear();
  out->reserve(entries_.size());
  bool reread_oom = true;
  uint64_t node_oom = 0;
  if (node_oom_.Read(&scratch_, &node_oom)) {
    const bool changed = !node_oom_known_ || node_oom != last_node_oom_;
    reread_oom = changed || reread_oom_next_;
    reread_oom_next_ = changed;
    last_node_oom_ = node_oom;
    node_oom_known_ = true;
  } else {
    node_oom_known_ = false;
    reread_oom_next_ = true;
  }
  CgroupStatsValues v;
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].files.Read(&scratch_, &v, reread_oom)) out->emplace_back(i, v);
  }
}

void CgroupTable::Clear() {
  index_.clear();
  entries_.clear();  // closes every descriptor
}

// ---------------------------------------------------------------------------
// CgroupStatsReader (JS binding)

namespace {

// Property names, created once per call and reused for every object.
struct StatsKeys {
  explicit StatsKeys(Napi::Env env)
      : cpu(Napi::String::New(env, "cpuUsageNanos")),
        usage(Napi::String::New(env, "memoryUsageBytes")),
        working_set(Napi::String::New(env, "memoryWorkingSetBytes")),
        oom(Napi::String::New(env, "oomKills")) {}
  Napi::String cpu;
  Napi::String usage;
  Napi::String working_set;
  Napi::String oom;
};

Napi::Object StatsToJs(Napi::Env env, const StatsKeys& keys, const CgroupStatsValues& v) {
  Napi::Object o = Napi::Object::New(env);
  o.Set(keys.cpu, Napi::Number::New(env, static_cast<double>(v.cpu_usage_nanos)));
  o.Set(keys.usage, Napi::Number::New(env, static_cast<double>(v.memory_usage_bytes)));
  o.Set(keys.working_set, Napi::Number::New(env, static_cast<double>(v.memory_working_set_bytes)));
  o.Set(keys.oom, Napi::Number::New(env, static_cast<double>(v.oom_kills)));
  return o;
}

std::string RequireStringProperty(Napi::Env env, const Napi::Object& obj, const char* name) {
  Napi::Value v = obj.Get(name);
  if (!v.IsString()) {
    throw Napi::TypeError::New(env, std::string("paths.") + name + " must be a string");
  }
  return v.As<Napi::String>().Utf8Value();
}

// Copies the JS CgroupPaths argument into a plain struct (validating it).
CgroupPathsSpec PathsFromJs(Napi::Env env, const Napi::Value& value) {
  if (!value.IsObject()) throw Napi::TypeError::New(env, "paths must be a CgroupPaths object");
  Napi::Object obj = value.As<Napi::Object>();
  Napi::Value version = obj.Get("version");
  const double ver = version.IsNumber() ? version.As<Napi::Number>().DoubleValue() : 0;
  CgroupPathsSpec spec;
  if (ver == 1) {
    spec.version = 1;
    spec.cpuacct_dir = RequireStringProperty(env, obj, "cpuacctDir");
    spec.memory_dir = RequireStringProperty(env, obj, "memoryDir");
  } else if (ver == 2) {
    spec.version = 2;
    spec.dir = RequireStringProperty(env, obj, "dir");
  } else {
    throw Napi::TypeError::New(env, "paths.version must be 1 or 2");
  }
  return spec;
}

std::string IdFromJs(Napi::Env env, const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "id must be a string");
  return info[0].As<Napi::String>().Utf8Value();
}

}  // namespace

void CgroupStatsReader::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function ctor = DefineClass(
      env, "CgroupStatsReader",
      {
          InstanceMethod("watch", &CgroupStatsReader::Watch),
          InstanceMethod("unwatch", &CgroupStatsReader::Unwatch),
          InstanceMethod("read", &CgroupStatsReader::Read),
          InstanceMethod("readAll", &CgroupStatsReader::ReadAll),
          InstanceMethod("close", &CgroupStatsReader::Close),
          InstanceAccessor("size", &CgroupStatsReader::GetSize, nullptr),
      });
  exports.Set("CgroupStatsReader", ctor);
}

CgroupStatsReader::CgroupStatsReader(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<CgroupStatsReader>(info) {}

void CgroupStatsReader::ThrowIfClosed(Napi::Env env) const {
  if (closed_) throw Napi::Error::New(env, "CgroupStatsReader is closed");
}

Napi::Value CgroupStatsReader::Watch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ThrowIfClosed(env);
  const std::string id = IdFromJs(env, info);
  const CgroupPathsSpec spec = PathsFromJs(env, info[1]);
  return Napi::Boolean::New(env, table_.Watch(id, spec));
}

Napi::Value CgroupStatsReader::Unwatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string id = IdFromJs(env, info);
  if (!closed_) table_.Unwatch(id);
  return env.Undefined();
}

Napi::Value CgroupStatsReader::Read(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ThrowIfClosed(env);
  const std::string id = IdFromJs(env, info);
  CgroupStatsValues v;
  if (!table_.Read(id, &v)) return env.Null();
  return StatsToJs(env, StatsKeys(env), v);
}

Napi::Value CgroupStatsReader::ReadAll(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ThrowIfClosed(env);
  table_.ReadAll(&results_);  // all file I/O and parsing happens here, JS-free
  const StatsKeys keys(env);
  const Napi::String id_key = Napi::String::New(env, "id");
  const Napi::String stats_key = Napi::String::New(env, "stats");
  Napi::Array out = Napi::Array::New(env, results_.size());
  for (size_t i = 0; i < results_.size(); ++i) {
    Napi::Object entry = Napi::Object::New(env);
    entry.Set(id_key, Napi::String::New(env, table_.IdAt(results_[i].first)));
    entry.Set(stats_key, StatsToJs(env, keys, results_[i].second));
    out.Set(static_cast<uint32_t>(i), entry);
  }
  return out;
}

Napi::Value CgroupStatsReader::Close(const Napi::CallbackInfo& info) {
  table_.Clear();
  closed_ = true;
  return info.Env().Undefined();
}

Napi::Value CgroupStatsReader::GetSize(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(table_.size()));
}

}  // namespace skiff
