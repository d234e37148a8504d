#include "supervisor/daemon/app.h"

#include "supervisor/daemon/lifecycle.h"

JobsContext app_jobs_context(App &app) {
    return JobsContext{app.loop,
                       app.cfg,
                       app.run_as,
                       app.private_home,
                       app.codex,
                       app.executor_path,
                       app.model_catalog,
                       app.metrics,
                       app.draining,
                       app.executors_stopping,
                       [&app] { lifecycle_jobs_changed(app); }};
}

ApiContext app_api_context(App &app) {
    return ApiContext{app.loop,         app.cfg,     app.keys,       app.model_names, app.responses, app.codex_home,
                      app.private_home, app.metrics, *app.scheduler, app.http,        app.draining,  app.started_ms};
}
