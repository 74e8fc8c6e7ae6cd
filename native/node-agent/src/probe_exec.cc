// Exec probes. See probe_exec.h.
#include "probe_exec.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

namespace skiff {

namespace {

bool IsExecutableFile(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  return ::access(path.c_str(), X_OK) == 0;
}

// Everything the vfork child needs, prepared in the parent: the child only
// makes system calls on these (no allocation, no locks).
struct ChildPlan {
  const char* executable;
  std::vector<char*> argv;
  std::vector<char*> envp;
  std::vector<const char*> procs;
  int out_write_fd;
};

// Runs in the vfork child, sharing the parent's memory: system calls only.
[[noreturn]] void RunChild(const ChildPlan& plan) {
  // Default dispositions (Node ignores SIGPIPE and handles others), then an
  // empty mask: the parent blocked every signal around vfork.
  struct sigaction dfl;
  std::memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &dfl, nullptr);
  ::setpgid(0, 0);
  for (const char* procs : plan.procs) {
    const int fd = ::open(procs, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || ::write(fd, "0", 1) != 1) ::_exit(kExecPlacementFailed);
    ::close(fd);
  }
  const int null_fd = ::open("/dev/null", O_RDONLY);
  if (null_fd < 0 || ::dup2(null_fd, 0) < 0) ::_exit(kExecPlacementFailed);
  if (::dup2(plan.out_write_fd, 1) < 0 || ::dup2(plan.out_write_fd, 2) < 0) ::_exit(kExecPlacementFailed);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::execve(plan.executable, plan.argv.data(), plan.envp.data());
  ::_exit(127);
}

}  // namespace

bool ResolveExecutable(const std::string& arg0, const std::string& path_env, std::string* out) {
  if (arg0.empty()) return false;
  if (arg0.find('/') != std::string::npos) {
    if (!IsExecutableFile(arg0)) return false;
    *out = arg0;
    return true;
  }
  size_t start = 0;
  for (;;) {
    const size_t colon = path_env.find(':', start);
    std::string dir = path_env.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    if (dir.empty()) dir = ".";
    const std::string candidate = dir + "/" + arg0;
    if (IsExecutableFile(candidate)) {
      *out = candidate;
      return true;
    }
    if (colon == std::string::npos) return false;
    start = colon + 1;
  }
}

bool SpawnExec(const ProbeSpecC& spec, const std::string& executable, SpawnedExec* out, std::string* error) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    *error = std::string("pipe: ") + std::strerror(errno);
    return false;
  }
  ChildPlan plan;
  plan.executable = executable.c_str();
  for (const std::string& a : spec.argv) plan.argv.push_back(const_cast<char*>(a.c_str()));
  plan.argv.push_back(nullptr);
  for (const std::string& e : spec.env) plan.envp.push_back(const_cast<char*>(e.c_str()));
  plan.envp.push_back(nullptr);
  for (const std::string& p : spec.cgroup_procs) plan.procs.push_back(p.c_str());
  plan.out_write_fd = pipe_fds[1];

  sigset_t all, old;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old);
  const pid_t pid = ::vfork();
  if (pid == 0) RunChild(plan);
  const int spawn_errno = errno;
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  ::close(pipe_fds[1]);
  if (pid < 0) {
    ::close(pipe_fds[0]);
    *error = std::string("fork: ") + std::strerror(spawn_errno);
    return false;
  }
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) {
    // Without a pidfd the loop cannot see the exit: give up on this run.
    *error = std::string("pidfd_open: ") + std::strerror(errno);
    KillExec(pid);
    uint64_t ignored = 0;
    int status = 0;
    ReapExec(pid, true, &status, &ignored);
    ::close(pipe_fds[0]);
    return false;
  }
  ::fcntl(pidfd, F_SETFD, FD_CLOEXEC);
  ::fcntl(pipe_fds[0], F_SETFL, ::fcntl(pipe_fds[0], F_GETFL) | O_NONBLOCK);
  out->pid = pid;
  out->pidfd = pidfd;
  out->out_fd = pipe_fds[0];
  return true;
}

bool DrainOutput(int fd, std::string* output) {
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      const size_t room = output->size() < kMaxProbeOutputBytes ? kMaxProbeOutputBytes - output->size() : 0;
      output->append(buf, static_cast<size_t>(n) < room ? static_cast<size_t>(n) : room);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    return false;  // EOF or error
  }
}

bool ReapExec(pid_t pid, bool wait, int* status, uint64_t* child_cpu_us) {
  struct rusage ru;
  pid_t r;
  do {
    r = ::wait4(pid, status, wait ? 0 : WNOHANG, &ru);
  } while (r < 0 && errno == EINTR);
  if (r != pid) return false;
  *child_cpu_us += static_cast<uint64_t>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000u +
                   static_cast<uint64_t>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
  return true;
}

void KillExec(pid_t pid) {
  if (pid <= 0) return;
  ::kill(-pid, SIGKILL);
  ::kill(pid, SIGKILL);
}

}  // namespace skiff
