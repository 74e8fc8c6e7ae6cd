/**
 * The shim: a POSIX sh script that runs between the kubelet and the container's process, so the container
 * outlives the kubelet and its exit status is still known afterwards.
 *
 * `sh -c SHIM_SCRIPT skiff-shim <stateDir> <n> <procs file 1> … <procs file n> <argv…>`, spawned detached
 * (own session and process group), stdin /dev/null, stdout and stderr the container's log file:
 * 1. writes its own pid into every cgroup.procs file; any failure exits 121 before anything else runs, so the
 *    container process, forked afterwards, is born inside the cgroup;
 * 2. sends its own stderr to /dev/null (keeping the log on fd 3 for the child) so the shell's "Killed" /
 *    "Terminated" notices never reach the container's log;
 * 3. catches HUP INT QUIT PIPE ALRM TERM USR1 USR2 with a no-op trap: a signal aimed at the shim does not
 *    stop it from recording the exit (caught, not ignored — ignored dispositions would be inherited; caught
 *    ones are reset in the subshell and by exec);
 * 4. forks a subshell in the foreground (a background `&` job would get SIGINT/SIGQUIT ignored in a shell
 *    without job control), which restores stderr, writes "<its pid> <shim pid>\n" to `<stateDir>/pid`
 *    (exit 122 on failure) and execs argv (exit 127 with a message in the log when that fails);
 * 5. when the foreground child ends — the shell defers trapped signals until then, so no early return and
 *    no re-wait — writes its status ("<0-255>\n", 128+n for signal n) to `<stateDir>/exit` with one
 *    write(2), and exits with it.
 *
 * The exit file needs no temp+rename: one write of a few bytes becomes visible with the file size, so a
 * reader sees an empty file or the whole line, and readers accept only a complete "<digits>\n" line. A shim
 * killed before writing leaves no valid exit file; the runtime then records 137 (SIGKILL).
 */
export const SHIM_SCRIPT = [
  'd=$1; n=$2; shift 2',
  'while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 121; shift; n=$((n - 1)); done',
  'exec 3>&2 2>/dev/null',
  'trap : HUP INT QUIT PIPE ALRM TERM USR1 USR2',
  '(',
  '  exec 2>&3 3>&-',
  '  read -r p _ < /proc/self/stat || exit 122',
  '  echo "$p $$" > "$d/pid" || exit 122',
  '  exec "$@"',
  ')',
  'c=$?',
  'echo "$c" > "$d/exit"',
  'exit "$c"',
].join('\n');

/** Shim exit code: a cgroup.procs write failed (nothing of the container ran). */
export const SHIM_EXIT_PLACEMENT_FAILED = 121;
/** Shim exit code: the pid file could not be written (nothing of the container ran). */
export const SHIM_EXIT_PID_FILE_FAILED = 122;

/** The argv after `sh -c SHIM_SCRIPT` for a container. */
export function shimArgs(stateDir: string, procsFiles: readonly string[], argv: readonly string[]): string[] {
  return ['skiff-shim', stateDir, String(procsFiles.length), ...procsFiles, ...argv];
}

/** Parses the shim's pid file: "<container pid> <shim pid>\n"; undefined until it is complete. */
export function parsePidFile(text: string): { pid: number; shimPid: number } | undefined {
  const m = /^(\d+) (\d+)\n$/.exec(text);
  return m === null ? undefined : { pid: Number(m[1]), shimPid: Number(m[2]) };
}

/** Parses the shim's exit file: "<status>\n"; undefined when absent or incomplete. */
export function parseExitFile(text: string): number | undefined {
  const m = /^(\d{1,3})\n$/.exec(text);
  return m === null ? undefined : Number(m[1]);
}
