// Start and orderly stop of the supervisor.
//
// SIGTERM or SIGINT: stop accepting, let jobs already accepted finish within
// CODEX_PROXY_SHUTDOWN_GRACE_MS, then end the rest with a 503, close every
// executor's channel (each then ends its codex and exits), and return from
// the loop once every executor has been reaped.
#pragma once
#include "supervisor/app.h"

// Binds the listener; false (logged) when the address cannot be used.
bool lifecycle_listen(App &app);
void lifecycle_watch_signals(App &app);
void lifecycle_begin_shutdown(App &app);
