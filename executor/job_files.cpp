#include "executor/job_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/unique_fd.h"

namespace {

bool write_new(const std::string &path, const std::string &data, std::string &error) {
    UniqueFd fd(open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    size_t off = 0;
    while (fd.get() >= 0 && off < data.size()) {
        ssize_t n = write(fd.get(), data.data() + off, data.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        off += static_cast<size_t>(n);
    }
    if (fd.get() < 0 || off < data.size()) {
        error = "cannot write " + path + ": " + strerror(errno);
        return false;
    }
    return true;
}

}  // namespace

bool job_files_write(const ipc::JobMsg &job, const std::string &dir, JobFiles &out, std::string &error) {
    out = JobFiles{};
    if (!job.output_schema.empty()) {
        out.output_schema = dir + "/output-schema.json";
        if (!write_new(out.output_schema, job.output_schema, error)) return false;
    }
    for (size_t i = 0; i < job.images.size(); i++) {
        std::string path = dir + "/image-" + std::to_string(i + 1) + "." + job.images[i].extension;
        if (!write_new(path, job.images[i].bytes, error)) return false;
        out.images.push_back(path);
    }
    return true;
}
