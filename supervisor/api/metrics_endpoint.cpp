#include "supervisor/api/metrics_endpoint.h"

#include "supervisor/api/router.h"

void handle_metrics(HttpConnection &c) {
    ApiContext &api = api_context(c);
    Scheduler::Counts n = api.scheduler.counts();
    MetricsGauges g;
    g.queued = n.queued;
    g.idle = n.idle;
    g.busy = n.busy;
    g.starting = n.starting;
    g.restarting = n.restarting;
    g.connections = api.http.connections.size();
    c.respond(200, "text/plain; version=0.0.4; charset=utf-8", api.metrics.render(g));
}
