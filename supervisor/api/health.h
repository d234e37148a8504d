#pragma once
#include "supervisor/http/http_connection.h"
// GET /healthz: no authentication; says whether the proxy can answer and why not.
void handle_healthz(HttpConnection &c);
