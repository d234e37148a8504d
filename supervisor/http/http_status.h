#pragma once
const char *http_status_text(int status);
