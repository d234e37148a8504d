// `codex-proxyd doctor` (or --check): checks a deployment without starting
// the daemon. Each check prints one line, `OK <topic>: …` or
// `PROBLEM <topic>: … fix: …`; the exit status is 0 when every check is OK,
// 1 when one is not, 2 when the settings themselves do not parse.
//
// It uses the daemon's own pieces (config, CODEX_BIN resolution, the login
// and provider rules, the executor lookup, Landlock's probe), runs what the
// run user must do as that user, binds nothing it keeps and takes no lock.
// With run_codex, it also makes one real codex run against the configured
// provider, with the private Codex home the daemon uses. It never prints a
// token: a login is described by its kind and times only.
#pragma once

int doctor_main(bool run_codex);
