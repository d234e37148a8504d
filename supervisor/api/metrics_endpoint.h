#pragma once
#include "supervisor/http/http_connection.h"

// GET /metrics.
void handle_metrics(HttpConnection &c);
