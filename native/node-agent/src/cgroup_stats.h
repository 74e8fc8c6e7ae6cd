// Cgroup statistics reader: keeps the stat files of many cgroups open and
// re-reads them with pread(2) from offset 0 on every read.
//
// Layering: the plain C++ part (CgroupPathsSpec, CgroupStatsValues,
// CgroupFiles, CgroupTable) never touches JavaScript; the ObjectWrap class
// CgroupStatsReader copies JS arguments into those structs, runs the work and
// converts the results back. Everything runs on the JS main thread.
#ifndef SKIFF_NODE_AGENT_CGROUP_STATS_H_
#define SKIFF_NODE_AGENT_CGROUP_STATS_H_

#include <napi.h>

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace skiff {

// Plain copy of the JS `CgroupPaths` union.
struct CgroupPathsSpec {
  int version = 0;          // 1 or 2
  std::string cpuacct_dir;  // v1 only: directory holding cpuacct.usage
  std::string memory_dir;   // v1 only: directory holding memory.*
  std::string dir;          // v2 only: the unified cgroup directory
};

// One snapshot of a cgroup's statistics (see CgroupStats in index.d.ts).
struct CgroupStatsValues {
  uint64_t cpu_usage_nanos = 0;
  uint64_t memory_usage_bytes = 0;
  uint64_t memory_working_set_bytes = 0;
  uint64_t oom_kills = 0;
};

// The four open descriptors of one cgroup. Move-only; closes on destruction.
//   v1: cpuacct.usage, memory.usage_in_bytes, memory.stat, memory.oom_control
//   v2: cpu.stat,      memory.current,        memory.stat, memory.events
class CgroupFiles {
 public:
  CgroupFiles() = default;
  ~CgroupFiles();
  CgroupFiles(CgroupFiles&& other) noexcept;
  CgroupFiles& operator=(CgroupFiles&& other) noexcept;
  CgroupFiles(const CgroupFiles&) = delete;
  CgroupFiles& operator=(const CgroupFiles&) = delete;

  // Opens all four files; on any failure closes what was opened and returns
  // false, leaving *out untouched.
  static bool Open(const CgroupPathsSpec& paths, CgroupFiles* out);

  // Re-reads the files from offset 0 into `scratch` (grown as needed) and
  // parses them. The OOM file is re-read when `reread_oom` is true or it has
  // never been read; otherwise out->oom_kills is the value it last gave.
  // Returns false when a read or a parse fails.
  bool Read(std::vector<char>* scratch, CgroupStatsValues* out, bool reread_oom = true);

  void Close();

 private:
  int version_ = 0;
  int cpu_fd_ = -1;
  int mem_usage_fd_ = -1;
  int mem_stat_fd_ = -1;
  int oom_fd_ = -1;
  bool oom_read_ = false;   // oom_kills_ holds a value read from oom_fd_
  uint64_t oom_kills_ = 0;
};

// The node's count of OOM kills (`oom_kill` in /proc/vmstat, kernel >= 4.13),
// counted by the kernel together with the victim's cgroup counter for every
// kill, global or cgroup-limited. The descriptor is opened on first use and
// kept. Read() returns false when the file or the line is unavailable.
class NodeOomCounter {
 public:
  NodeOomCounter() = default;
  ~NodeOomCounter();
  NodeOomCounter(const NodeOomCounter&) = delete;
  NodeOomCounter& operator=(const NodeOomCounter&) = delete;
  bool Read(std::vector<char>* scratch, uint64_t* out);

 private:
  int fd_ = -2;  // -2: not opened yet; -1: unavailable
};

// The set of tracked cgroups, keyed by caller-chosen id. No JS in here.
class CgroupTable {
 public:
  CgroupTable();

  // Opens the files first; only on success replaces/inserts `id`. A failed
  // watch leaves the table unchanged.
  bool Watch(const std::string& id, const CgroupPathsSpec& paths);
  // Tracks already opened files under `id` (replacing an existing entry), with
  // a caller's tag (the poller's JsNames slot) returned by TagAt().
  void Insert(const std::string& id, CgroupFiles files, uint32_t tag = 0);
  void Unwatch(const std::string& id);
  // Returns false when `id` is unknown or the read fails.
  bool Read(const std::string& id, CgroupStatsValues* out);
  // Reads every entry; appends (index, values) for each successful read.
  // Indices are valid for IdAt() until the next mutation. The per-cgroup OOM
  // files are re-read only when the node's OOM kill count has changed since
  // the previous ReadAll() or the one before (the kernel bumps the node count
  // just before the cgroup's), when it cannot be read, and on an entry's first
  // read; otherwise each entry reports the count it last read, which cannot
  // have changed. Saves one of the four files per cgroup per round.
  void ReadAll(std::vector<std::pair<size_t, CgroupStatsValues>>* out);
  const std::string& IdAt(size_t index) const { return entries_[index].id; }
  uint32_t TagAt(size_t index) const { return entries_[index].tag; }
  void Clear();
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string id;
    CgroupFiles files;
    uint32_t tag = 0;
  };
  std::vector<Entry> entries_;                      // dense, for fast readAll
  std::unordered_map<std::string, size_t> index_;   // id -> position in entries_
  std::vector<char> scratch_;                       // shared read buffer
  NodeOomCounter node_oom_;
  bool node_oom_known_ = false;                     // last_node_oom_ holds a value
  uint64_t last_node_oom_ = 0;
  bool reread_oom_next_ = true;                     // the count changed last round
};

// JS class `CgroupStatsReader` (see index.d.ts for the contract).
class CgroupStatsReader : public Napi::ObjectWrap<CgroupStatsReader> {
 public:
  static void Init(Napi::Env env, Napi::Object exports);
  explicit CgroupStatsReader(const Napi::CallbackInfo& info);

 private:
  Napi::Value Watch(const Napi::CallbackInfo& info);
  Napi::Value Unwatch(const Napi::CallbackInfo& info);
  Napi::Value Read(const Napi::CallbackInfo& info);
  Napi::Value ReadAll(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value GetSize(const Napi::CallbackInfo& info);

  void ThrowIfClosed(Napi::Env env) const;

  CgroupTable table_;
  bool closed_ = false;
  std::vector<std::pair<size_t, CgroupStatsValues>> results_;  // reused by ReadAll
};

}  // namespace skiff

#endif  // SKIFF_NODE_AGENT_CGROUP_STATS_H_
