#include "supervisor/health.h"

#include <cjson/cJSON.h>

#include "supervisor/app.h"
#include "supervisor/codex_login.h"
#include "supervisor/json_util.h"
#include "supervisor/scheduler.h"

void handle_healthz(HttpConnection &c) {
    App &app = c.app();
    Scheduler::Counts n = app.scheduler->counts();
    bool login = codex_login_present(app.private_home.dir) || codex_login_present(app.codex_home);
    const char *status = app.draining ? "draining" : (n.idle + n.busy > 0 ? "ok" : "degraded");
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "status", status);
    cJSON_AddStringToObject(o, "version", CODEX_PROXY_VERSION);
    cJSON_AddNumberToObject(o, "uptime_ms", static_cast<double>(uv_now(app.loop) - app.started_ms));
    cJSON *ex = cJSON_AddObjectToObject(o, "executors");
    cJSON_AddNumberToObject(ex, "idle", n.idle);
    cJSON_AddNumberToObject(ex, "busy", n.busy);
    cJSON_AddNumberToObject(ex, "starting", n.starting);
    cJSON_AddNumberToObject(ex, "restarting", n.restarting);
    cJSON_AddNumberToObject(o, "queue_depth", static_cast<double>(n.queued));
    cJSON *cx = cJSON_AddObjectToObject(o, "codex");
    cJSON_AddBoolToObject(cx, "login_found", login);
    if (!login) cJSON_AddStringToObject(cx, "hint", codex_login_hint());
    c.respond(status[0] == 'o' ? 200 : 503, "application/json", json_take(o));
}
