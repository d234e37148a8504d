// Which handler answers a request, and the checks every /v1 request passes.
#pragma once
#include "supervisor/http/http_connection.h"

// Runs once the headers are in, before any body is read: authentication
// and shutdown. False fills err with the answer to send instead.
bool router_precheck(HttpConnection &c, ApiError &err);
void route_request(HttpConnection &c);
