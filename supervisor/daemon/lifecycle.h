// Start and orderly stop of the supervisor.
//
// SIGTERM or SIGINT: stop accepting, let jobs already accepted finish within
// CODEX_PROXY_SHUTDOWN_GRACE_MS, then end the rest with a 503, close every
// executor's channel (each then ends its codex and exits), and return from
// the loop once every executor has been reaped.
#pragma once
#include "supervisor/daemon/app.h"

// Binds the listener; false (logged) when the address cannot be used.
bool lifecycle_listen(App &app);
void lifecycle_watch_signals(App &app);
// Once running as the run user: warns when the Unix socket could not be
// removed at exit (its directory is not the run user's to change).
void lifecycle_check_socket_removable(const App &app);
void lifecycle_begin_shutdown(App &app);
// Shutdown and readiness progress: called whenever a job ends or an
// executor becomes ready or stops (the scheduler's jobs_changed).
void lifecycle_jobs_changed(App &app);
