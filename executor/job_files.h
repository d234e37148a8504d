// The files a job hands codex beside its prompt: the JSON Schema of the
// answer (--output-schema) and the images of the conversation (--image).
// They live in the job's own private directory, which is removed with it.
#pragma once
#include <string>
#include <vector>

#include "common/ipc_messages.h"

struct JobFiles {
    std::string output_schema;        // path, or empty
    std::vector<std::string> images;  // paths, in conversation order
};

// Writes them into dir (0600, never following or replacing a file);
// error names what failed.
bool job_files_write(const ipc::JobMsg &job, const std::string &dir, JobFiles &out, std::string &error);
