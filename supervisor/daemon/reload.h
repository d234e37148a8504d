// SIGHUP: take in what an operator changed without a restart.
//
//  - API keys: the key file and the systemd credential are read again (the
//    environment's key cannot change). A reload that fails — an unreadable
//    or malformed file, or no key left where one is required — keeps the
//    keys in force and logs why.
//  - The login and codex's configuration: the private Codex home is
//    re-seeded from CODEX_HOME now (as it is before every job anyway).
//  - CODEX_BIN is resolved again (an upgraded npm package), and every
//    executor is replaced: idle ones now, busy ones once their job ends.
//    No request is dropped or failed; requests queue meanwhile.
// Under systemd it says RELOADING=1 (with MONOTONIC_USEC, for
// Type=notify-reload) and READY=1 once the keys and login are in.
#pragma once
#include "supervisor/daemon/app.h"

void reload_run(App &app);
