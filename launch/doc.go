// Package launch starts a model server for the length of a benchmark —
// backend.launch: "vllm serve <model> --port 8000" — and stops it again.
//
// The command runs without a shell (Split turns a config string into argv
// with shell-like quoting and no expansion) in a process group of its own,
// so stopping it reaches the workers a server such as vLLM forks, and a
// Ctrl-C at the terminal reaches aienergy, which then stops the server in
// order, rather than the server directly. Should aienergy die without
// stopping it, even by SIGKILL, a guard process (aienergy's binary run
// again) ends the whole group, and the kernel's parent-death signal ends
// the server process at once on Linux (GuardGroup offers that guard for
// any process group). The server's output reaches Options.Log redacted,
// line by line, with Options.Redact. Start returns once the server
// answers its health URL; Started and Ready bound the start-up phase, whose
// energy the caller reports apart from the benchmark's.
package launch
